//! [`ConfigError`], and the bookkeeping of where each value came from so
//! that errors can say so.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// Where a configuration value was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The config file at this path.
    File(PathBuf),
    /// This environment variable.
    Env(&'static str),
    /// This environment variable, named after a device (`AGENTPASS_SMS_GATE_<NAME>_…`).
    DeviceEnv(String),
    /// A command-line flag ([`super::Overrides`]).
    CommandLine,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File(path) => write!(f, "{}", path.display()),
            Origin::Env(var) => f.write_str(var),
            Origin::DeviceEnv(var) => f.write_str(var),
            Origin::CommandLine => f.write_str("command line"),
        }
    }
}

/// Everything that can be wrong with a configuration.
///
/// Every message names the key at fault, and the file or environment
/// variable its value came from when known. None of them contains the value
/// of a secret.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A config file named explicitly or by `AGENTPASS_CONFIG` is missing.
    #[error("config file {} (from {named_by}) does not exist", path.display())]
    FileNotFound {
        /// The path that was named.
        path: PathBuf,
        /// Who named it: `AGENTPASS_CONFIG` or `command line`.
        named_by: &'static str,
    },
    /// The config file exists but could not be read.
    #[error("cannot read config file {}: {error}", path.display())]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// Why reading failed.
        #[source]
        error: std::io::Error,
    },
    /// The config file is not valid TOML.
    #[error("config file {} is not valid TOML: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// Line, column and what is wrong (the offending text is not quoted,
        /// as it may hold a secret).
        message: String,
    },
    /// The config file has a key this version does not know.
    #[error("unknown key {key} in config file {}", path.display())]
    UnknownKey {
        /// Dotted path of the key, e.g. `twilio.acount_sid`.
        key: String,
        /// The file.
        path: PathBuf,
    },
    /// A value has the wrong type or breaks a rule.
    #[error("invalid value for {key}{}: {message}", from_suffix(.origin))]
    InvalidValue {
        /// Dotted path of the key, e.g. `delivery.claim_lease`.
        key: String,
        /// Where the value came from, when known.
        origin: Option<Origin>,
        /// What is wrong.
        message: String,
    },
    /// A seed variable and its `AGENTPASS_` twin are both set and differ.
    #[error(
        "environment variables {alias} and {var} both set {key} but differ; unset one of them"
    )]
    ConflictingEnv {
        /// Dotted path of the key both variables set.
        key: &'static str,
        /// The `AGENTPASS_` variable.
        var: &'static str,
        /// The seed variable, e.g. `TWILIO_AUTH_TOKEN`.
        alias: &'static str,
    },
    /// Only one of the two Twilio credentials is set.
    #[error(
        "{present} is set but {missing} ({missing_var}) is not: \
         set both for Twilio mode, or neither for mock mode"
    )]
    MissingTwilioCredential {
        /// The credential that is missing, e.g. `twilio.auth_token`.
        missing: &'static str,
        /// Its seed environment variable, e.g. `TWILIO_AUTH_TOKEN`.
        missing_var: &'static str,
        /// The credential that is set.
        present: &'static str,
    },
    /// Twilio mode with no numbers and no way to buy any.
    #[error(
        "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are set but the pool is empty and \
         pool.auto_provision is off: list numbers in twilio.phone_numbers \
         (TWILIO_PHONE_NUMBERS) or turn pool.auto_provision on"
    )]
    EmptyPool,
}

impl ConfigError {
    /// An [`ConfigError::InvalidValue`] for `key`.
    pub(crate) fn invalid(
        key: impl Into<String>,
        origin: Option<&Origin>,
        message: impl Into<String>,
    ) -> Self {
        ConfigError::InvalidValue {
            key: key.into(),
            origin: origin.cloned(),
            message: message.into(),
        }
    }
}

/// Renders ` (from <origin>)`, or nothing when the origin is unknown.
fn from_suffix(origin: &Option<Origin>) -> String {
    origin
        .as_ref()
        .map(|origin| format!(" (from {origin})"))
        .unwrap_or_default()
}

/// Which layer last set each key (by dotted path); keys left at their
/// default are absent.
#[derive(Debug, Clone, Default)]
pub(crate) struct Origins(BTreeMap<String, Origin>);

impl Origins {
    /// Records that `key` was set by `origin`, replacing an earlier layer.
    pub(crate) fn set(&mut self, key: &str, origin: Origin) {
        self.0.insert(key.to_string(), origin);
    }

    /// Where `key` was set, if not a default.
    pub(crate) fn of(&self, key: &str) -> Option<&Origin> {
        self.0.get(key)
    }

    /// An [`ConfigError::InvalidValue`] for `key`, naming where it was set.
    pub(crate) fn invalid(&self, key: &str, message: impl Into<String>) -> ConfigError {
        ConfigError::invalid(key, self.of(key), message)
    }
}
