//! Settings of the Twilio REST client: account, secret token, API base URL, timeouts and
//! the retry policy for rate-limited calls.
//!
//! The auth token lives in an [`AuthToken`], whose `Debug` output is redacted, so a
//! config (and a client holding one) can be logged or printed without leaking it.

use std::fmt;
use std::time::Duration;

use super::error::TwilioError;

/// Twilio's production REST API: scheme and host, without the `/2010-04-01` version.
pub const DEFAULT_API_BASE: &str = "https://api.twilio.com";

/// The API version path every call is made under.
pub const API_VERSION_PATH: &str = "/2010-04-01";

/// A Twilio auth token. `Debug` prints `AuthToken(<redacted>)`; there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthToken(String);

impl AuthToken {
    /// Wraps a token value.
    pub fn new(token: impl Into<String>) -> Self {
        AuthToken(token.into())
    }

    /// The raw value, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AuthToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthToken(<redacted>)")
    }
}

/// How rate-limited calls (HTTP 429 or Twilio code 20429) are retried: exponential
/// backoff with jitter, a bounded number of attempts, and `Retry-After` honoured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts, the first one included (1 means never retry).
    pub max_attempts: u32,
    /// Delay before the first retry; it doubles on each later retry.
    pub base_delay: Duration,
    /// Upper bound on any one wait. A `Retry-After` longer than this ends the retries
    /// at once with [`TwilioError::RateLimited`] rather than waiting that long.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
        }
    }
}

/// Everything the REST client needs to talk to one Twilio account.
#[derive(Clone, Debug)]
pub struct TwilioConfig {
    /// Account SID: `AC` followed by 32 hex digits.
    pub account_sid: String,
    /// Auth token used for HTTP Basic auth (user = account SID).
    pub auth_token: AuthToken,
    /// Scheme + host (+ port) of the API, e.g. `https://api.twilio.com`; tests point it
    /// at a fake. Must not include `/2010-04-01`.
    pub api_base: String,
    /// Limit on establishing a TCP/TLS connection.
    pub connect_timeout: Duration,
    /// Limit on a whole request, reading the reply included.
    pub request_timeout: Duration,
    /// Retries of rate-limited calls.
    pub retry: RetryPolicy,
    /// Most pages one listing follows (`next_page_uri`); a guard against loops.
    pub max_pages: u32,
}

impl TwilioConfig {
    /// A config for `account_sid` / `auth_token` with production defaults.
    pub fn new(account_sid: impl Into<String>, auth_token: AuthToken) -> Self {
        TwilioConfig {
            account_sid: account_sid.into(),
            auth_token,
            api_base: DEFAULT_API_BASE.to_owned(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            max_pages: 50,
        }
    }

    /// The same config with another API base (scheme + host).
    pub fn with_api_base(mut self, api_base: impl Into<String>) -> Self {
        self.api_base = api_base.into();
        self
    }

    /// Checks the SID, the token and the API base; returns the API base without a
    /// trailing `/`.
    pub(crate) fn validated_api_base(&self) -> Result<String, TwilioError> {
        if !is_sid(&self.account_sid, "AC") {
            return Err(TwilioError::Config(format!(
                "account SID {:?} is not `AC` followed by 32 hex digits",
                self.account_sid
            )));
        }
        if self.auth_token.expose().is_empty() {
            return Err(TwilioError::Config("the auth token is empty".into()));
        }
        let base = self.api_base.trim().trim_end_matches('/');
        let rest = base
            .strip_prefix("https://")
            .or_else(|| base.strip_prefix("http://"))
            .ok_or_else(|| {
                TwilioError::Config(format!(
                    "api_base {base:?} must start with https:// or http://"
                ))
            })?;
        if rest.is_empty() || rest.contains(['/', '?', '#', '@']) {
            return Err(TwilioError::Config(format!(
                "api_base {base:?} must be scheme + host only (e.g. {DEFAULT_API_BASE}), \
                 without a path such as {API_VERSION_PATH}"
            )));
        }
        Ok(base.to_owned())
    }
}

/// Whether `s` is a Twilio SID: `prefix` followed by 32 hex digits.
pub fn is_sid(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix)
        .is_some_and(|hex| hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}
