//! Typed configuration for AgentPass SMS.
//!
//! Settings come from four layers; a later layer wins over an earlier one:
//!
//! 1. built-in defaults ([`Config::default`]);
//! 2. a TOML file: the `file` argument of [`load()`], else the file named by
//!    `AGENTPASS_CONFIG`, else `./config.toml` when it exists;
//! 3. environment variables: every key has one named `AGENTPASS_` plus its
//!    dotted path upper-cased with dots as underscores
//!    (`delivery.claim_lease` → `AGENTPASS_DELIVERY_CLAIM_LEASE`). The full
//!    list is [`ENV_KEYS`]; the older seed variables `TWILIO_ACCOUNT_SID`,
//!    `TWILIO_AUTH_TOKEN`, `TWILIO_PHONE_NUMBERS` and `WEBHOOK_SECRET` are
//!    aliases of their `AGENTPASS_` twins;
//! 4. command-line flags ([`Overrides`]).
//!
//! Every key is optional in the file and an unknown key is an error.
//! Durations are written as human strings (`"500ms"`, `"30s"`, `"10m"`,
//! `"7d"`). [`load()`] validates the result, so a bad configuration fails at
//! start-up with a [`ConfigError`] that names the key and where its value
//! came from, and never prints a [`Secret`].

pub mod env;
mod error;
mod load;
mod sections;
mod sms_gate;
mod types;
mod validate;

#[cfg(test)]
mod tests;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use env::{EnvKey, CONFIG_FILE_VAR, ENV_KEYS};
pub use error::{ConfigError, Origin};
pub use load::{
    for_remote_client, from_process_env, from_text, load, Overrides, DEFAULT_CONFIG_FILE,
};
pub use sections::{
    ApiKey, DeliveryConfig, LimitsConfig, PoolConfig, ServerConfig, StoreConfig, TwilioConfig,
    WebhookConfig,
};
pub use sms_gate::{env_var as sms_gate_env_var, SmsGateConfig, SmsGateDevice};
pub use types::Secret;

/// `pool.max_numbers` in Twilio mode when the file leaves it unset.
pub const DEFAULT_MAX_NUMBERS: u32 = 20;

/// The whole service configuration, as read from `config.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server (API and Twilio webhook) binds to.
    pub listen: SocketAddr,
    /// Directory holding the message store and the number pool state, so
    /// they survive restarts.
    #[serde(serialize_with = "types::serialize_path")]
    pub data_dir: PathBuf,
    /// Public URL Twilio reaches us at; Twilio signs webhook requests over
    /// this URL, so it must match what Twilio sees exactly. When unset the
    /// effective value is `http://<listen>` (see [`Config::public_base_url`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_base_url: Option<String>,
    /// Log output format: `human` for terminals, `json` for log collectors.
    pub log_format: LogFormat,
    /// URL of a running service that clients (for example `mcp` in remote
    /// mode) talk to instead of starting their own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// Admin API key: the server accepts it on every route and clients send
    /// it to `api_url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<Secret>,
    /// Further API keys, each optionally limited to some passports; only
    /// settable in the file because a list of records does not fit one
    /// environment variable.
    pub api_keys: Vec<ApiKey>,
    /// Twilio account, number pool and number search settings.
    pub twilio: TwilioConfig,
    /// Inbound webhook settings.
    pub webhook: WebhookConfig,
    /// Rules for growing and shrinking the phone number pool.
    pub pool: PoolConfig,
    /// How inbound messages are handed to waiting agents.
    pub delivery: DeliveryConfig,
    /// Message history storage settings.
    pub store: StoreConfig,
    /// Rate limits for failing and busy clients.
    pub limits: LimitsConfig,
    /// Connection limits and read timeouts of the HTTP server.
    pub server: ServerConfig,
    /// SMS Gate phones whose SIM numbers join the pool.
    #[serde(skip_serializing_if = "sms_gate_is_empty")]
    pub sms_gate: SmsGateConfig,
}

fn sms_gate_is_empty(s: &SmsGateConfig) -> bool {
    *s == SmsGateConfig::default()
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 8787)),
            data_dir: PathBuf::from("./data"),
            public_base_url: None,
            log_format: LogFormat::default(),
            api_url: None,
            api_key: None,
            api_keys: Vec::new(),
            twilio: TwilioConfig::default(),
            webhook: WebhookConfig::default(),
            pool: PoolConfig::default(),
            delivery: DeliveryConfig::default(),
            store: StoreConfig::default(),
            limits: LimitsConfig::default(),
            server: ServerConfig::default(),
            sms_gate: SmsGateConfig::default(),
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Readable text, for a terminal.
    #[default]
    Human,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Where phone numbers and messages come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// No Twilio account: numbers and messages are simulated locally.
    Mock,
    /// Real numbers from a Twilio account.
    Twilio,
}

impl Config {
    /// The numbers the pool starts with: `twilio.phone_numbers`, then every SMS Gate
    /// device's SIM numbers.
    pub fn pool_numbers(&self) -> Vec<String> {
        let sims = self.sms_gate.devices.iter().flat_map(|d| d.numbers.iter());
        self.twilio
            .phone_numbers
            .iter()
            .chain(sims)
            .cloned()
            .collect()
    }

    /// The SMS Gate devices' SIM numbers (line type `mobile`).
    pub fn sim_numbers(&self) -> std::collections::HashSet<String> {
        let sims = self.sms_gate.devices.iter().flat_map(|d| d.numbers.iter());
        sims.cloned().collect()
    }
    /// The URL Twilio signs webhook requests over: `public_base_url`, or
    /// `http://<listen>` when unset, without a trailing slash.
    pub fn public_base_url(&self) -> String {
        match self
            .public_base_url
            .as_deref()
            .filter(|url| !url.is_empty())
        {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.listen),
        }
    }

    /// Whether the pool gets new numbers when it runs out: always in mock mode (mock
    /// numbers cost nothing), else `pool.auto_provision`, on unless set off.
    pub fn auto_provision(&self) -> bool {
        if matches!(self.mode(), Ok(Mode::Mock)) {
            return true;
        }
        self.pool
            .auto_provision
            .unwrap_or_else(|| self.has_sid() && self.has_token())
    }

    /// The most numbers the pool holds: `pool.max_numbers`, or when unset 20 in
    /// Twilio mode (numbers cost money) and no bound in mock mode.
    pub fn max_numbers(&self) -> u32 {
        match (self.pool.max_numbers, self.mode()) {
            (Some(max), _) => max,
            (None, Ok(Mode::Mock)) => u32::MAX,
            (None, _) => DEFAULT_MAX_NUMBERS,
        }
    }

    /// Decides between mock and Twilio mode.
    ///
    /// No account SID means [`Mode::Mock`]; an auth token alone then signs mock-mode
    /// webhooks, as the original design signs them with `TWILIO_AUTH_TOKEN` in every
    /// mode. Both set means [`Mode::Twilio`], provided the pool has numbers or may buy
    /// them (`pool.auto_provision` unset or `true`). A SID without a token, or an empty
    /// pool with auto-provisioning off, is an error.
    pub fn mode(&self) -> Result<Mode, ConfigError> {
        const SID: &str = "twilio.account_sid";
        const TOKEN: (&str, &str) = ("twilio.auth_token", "TWILIO_AUTH_TOKEN");
        let missing = |(missing, missing_var): (&'static str, &'static str), present| {
            ConfigError::MissingTwilioCredential {
                missing,
                missing_var,
                present,
            }
        };
        match (self.has_sid(), self.has_token()) {
            (false, false) => Ok(Mode::Mock),
            (true, false) => Err(missing(TOKEN, SID)),
            (false, true) => Ok(Mode::Mock),
            (true, true)
                if !self.twilio.phone_numbers.is_empty()
                    || self.pool.auto_provision != Some(false) =>
            {
                Ok(Mode::Twilio)
            }
            (true, true) => Err(ConfigError::EmptyPool),
        }
    }

    /// Checks every rule [`load()`] enforces; for a configuration built in code.
    pub fn validate(&self) -> Result<(), ConfigError> {
        validate::check(self, &error::Origins::default())
    }

    /// The effective configuration as TOML, for `agentpass-sms config show`:
    /// secrets print as `"[redacted]"`, durations as human strings, and
    /// `public_base_url`, `pool.auto_provision` and `pool.max_numbers` (when
    /// bounded) as their effective values.
    pub fn redacted_toml(&self) -> String {
        let mut shown = self.clone();
        shown.public_base_url = Some(self.public_base_url());
        shown.pool.auto_provision = Some(self.auto_provision());
        shown.pool.max_numbers = Some(self.max_numbers()).filter(|max| *max != u32::MAX);
        toml::to_string(&shown)
            .unwrap_or_else(|err| format!("# cannot render the configuration: {err}\n"))
    }

    fn has_sid(&self) -> bool {
        self.twilio
            .account_sid
            .as_deref()
            .is_some_and(|sid| !sid.is_empty())
    }

    fn has_token(&self) -> bool {
        self.twilio
            .auth_token
            .as_ref()
            .is_some_and(|token| !token.expose().is_empty())
    }
}
