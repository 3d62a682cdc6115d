//! The `[[api_keys]]` entries and the `[twilio]`, `[webhook]`, `[pool]`,
//! `[delivery]`, `[store]`, `[limits]` and `[server]` sections of the configuration.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::types::{human_duration, optional_duration, Secret};

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;

/// One `[[api_keys]]` entry: a key clients may send, optionally limited to
/// some passports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKey {
    /// The key value clients send; required in every entry.
    pub key: Secret,
    /// Who holds the key, so logs and audits can name it without the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Passports this key may act for; empty means an unscoped admin key.
    #[serde(default)]
    pub passports: Vec<String>,
}

/// `[twilio]`: the Twilio account and how numbers are found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TwilioConfig {
    /// Twilio account SID; with `auth_token` it switches on Twilio mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_sid: Option<String>,
    /// Twilio auth token: authenticates our REST calls and is the key
    /// Twilio signs webhook requests with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<Secret>,
    /// The auth token being replaced, during a rotation: webhooks Twilio signed with
    /// it are still accepted until it is removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_auth_token: Option<Secret>,
    /// Numbers already owned (E.164, e.g. `+15551234567`) that make up the
    /// pool handed out to agents.
    pub phone_numbers: Vec<String>,
    /// Scheme and host of the Twilio REST API; changed only to point tests
    /// at a fake Twilio.
    pub api_base: String,
    /// ISO country code new numbers are searched for in.
    pub country: String,
    /// Preferred area code when buying numbers; any area when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area_code: Option<String>,
    /// How often the pool is compared with the numbers Twilio says we own.
    #[serde(with = "human_duration")]
    pub reconcile_interval: Duration,
}

impl Default for TwilioConfig {
    fn default() -> Self {
        Self {
            account_sid: None,
            auth_token: None,
            previous_auth_token: None,
            phone_numbers: Vec::new(),
            api_base: "https://api.twilio.com".to_string(),
            country: "US".to_string(),
            area_code: None,
            reconcile_interval: Duration::from_secs(15),
        }
    }
}

/// `[webhook]`: the endpoint Twilio posts inbound SMS to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookConfig {
    /// Key that signs webhook requests in mock mode, where there is no
    /// Twilio auth token to sign with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<Secret>,
    /// The secret of a Twilio webhook shared key: requests that name a signing
    /// algorithm in `X-Twilio-Webhooks-Signature-Settings` (HMAC-SHA256) are checked
    /// with it instead of the auth token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_key: Option<Secret>,
    /// The shared key being replaced, during a rotation: still accepted until removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_shared_key: Option<Secret>,
    /// Largest request body accepted, so a bad client cannot exhaust memory.
    pub max_body_bytes: u64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            secret: None,
            shared_key: None,
            previous_shared_key: None,
            max_body_bytes: 65_536,
        }
    }
}

/// `[pool]`: when numbers are bought, reused and released.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PoolConfig {
    /// Buy a number when the pool runs out; unset means on in Twilio mode. Mock
    /// mode always creates numbers (see [`super::Config::auto_provision`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_provision: Option<bool>,
    /// Upper bound on numbers held, which caps what Twilio can bill us; unset
    /// means 20 in Twilio mode and no bound in mock mode, where setting it lets
    /// `pool_exhausted` be tried locally (see [`super::Config::max_numbers`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_numbers: Option<u32>,
    /// Upper bound on numbers bought per hour, to stop a runaway loop.
    pub max_provisions_per_hour: u32,
    /// How long a returned number rests before another agent gets it, so
    /// late replies meant for the old holder do not reach the new one.
    #[serde(with = "human_duration")]
    pub quarantine: Duration,
    /// Release a number back to Twilio after it sat unused this long;
    /// `"off"` (the default) keeps numbers forever.
    #[serde(with = "optional_duration")]
    pub release_idle_after: Option<Duration>,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            auto_provision: None,
            max_numbers: None,
            max_provisions_per_hour: 5,
            quarantine: Duration::from_secs(10 * MINUTE),
            release_idle_after: None,
        }
    }
}

/// `[delivery]`: how inbound messages reach waiting agents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliveryConfig {
    /// How long an unclaimed message stays in a number's inbox.
    #[serde(with = "human_duration")]
    pub inbox_retention: Duration,
    /// How long a wait for a message lasts when the caller names no timeout.
    #[serde(with = "human_duration")]
    pub default_wait_timeout: Duration,
    /// Longest wait a caller may ask for, so requests cannot hang forever.
    #[serde(with = "human_duration")]
    pub max_wait_timeout: Duration,
    /// How long a claimed message is reserved for its claimant before it is
    /// offered again, in case the claimant died before acknowledging.
    #[serde(with = "human_duration")]
    pub claim_lease: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            inbox_retention: Duration::from_secs(5 * MINUTE),
            default_wait_timeout: Duration::from_secs(30),
            max_wait_timeout: Duration::from_secs(10 * MINUTE),
            claim_lease: Duration::from_secs(30),
        }
    }
}

/// `[store]`: the on-disk message history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// How long delivered messages are kept for history queries.
    #[serde(with = "human_duration")]
    pub history_retention: Duration,
    /// How often messages older than `history_retention` are deleted.
    #[serde(with = "human_duration")]
    pub purge_interval: Duration,
    /// Bytes of memory the store may use to cache data.
    pub cache_capacity: u64,
    /// Free disk space kept in the data directory's file system: below it the store
    /// refuses writes (webhooks get 503, so the provider retries) instead of filling
    /// the disk, and takes them again once space is back.
    pub min_free_bytes: u64,
    /// A webhook whose message is not durable within this is answered 503; a store
    /// flush running longer makes later writes fail at once and `/healthz` say so.
    #[serde(with = "human_duration")]
    pub write_timeout: Duration,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            history_retention: Duration::from_secs(7 * DAY),
            purge_interval: Duration::from_secs(HOUR),
            cache_capacity: 64 * 1024 * 1024,
            min_free_bytes: 64 * 1024 * 1024,
            write_timeout: Duration::from_secs(5),
        }
    }
}

/// `[limits]`: how fast failing clients may keep trying. A correctly signed webhook is
/// never limited: the provider would not retry a refusal, and the SMS would be lost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Webhook requests with a bad signature accepted per source address per minute;
    /// past it they get 429 with `Retry-After`.
    pub failed_signatures_per_minute: u32,
    /// Requests with a missing or unknown API key accepted per source address per
    /// minute; past it every API request from that address gets 429 for a while.
    pub failed_auth_per_minute: u32,
    /// Requests one API key may make per second (bursts up to the same number).
    pub requests_per_key_per_second: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            failed_signatures_per_minute: 60,
            failed_auth_per_minute: 30,
            requests_per_key_per_second: 5000,
        }
    }
}

/// `[server]`: how many connections the HTTP server keeps and how long it waits for a
/// client, so that idle or dribbling clients cannot take it offline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Most open connections; past it a new connection gets 503 and is closed. Kept
    /// below the open-files limit (raised to its hard limit at start) with room for
    /// the store and new work.
    pub max_connections: u32,
    /// How long a connection may take to send a request's headers, and how long a
    /// kept-alive connection may sit idle before its next request.
    #[serde(with = "human_duration")]
    pub header_read_timeout: Duration,
    /// How long a request may take to send its body.
    #[serde(with = "human_duration")]
    pub body_read_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            max_connections: 4096,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
        }
    }
}
