//! Typed errors of the Twilio REST client, parsed from Twilio's error body
//! `{code, message, more_info, status}`, and their mapping onto the pool's
//! [`ProviderError`].
//!
//! No error ever carries the auth token: the client redacts it from every text it puts
//! into an error (see [`redact`]).

use std::fmt;
use std::time::Duration;

use agentpass_actors::provider::ProviderError;
use serde::Deserialize;

use super::de;

/// Twilio code: the number asked for is no longer available to buy.
pub const CODE_NUMBER_UNAVAILABLE: u32 = 21422;
/// Twilio code: authentication failed.
pub const CODE_AUTHENTICATE: u32 = 20003;
/// Twilio code: the resource was not found.
pub const CODE_NOT_FOUND: u32 = 20404;
/// Twilio code: too many requests.
pub const CODE_TOO_MANY_REQUESTS: u32 = 20429;

/// An error reply from Twilio that is not one of the specially handled kinds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TwilioApiError {
    /// HTTP status of the reply.
    pub status: u16,
    /// Twilio's error code (e.g. `21452`); `None` when the body had none.
    pub code: Option<u32>,
    /// Twilio's message, or the start of a body that was not Twilio's error JSON.
    pub message: String,
    /// Twilio's documentation link for the code.
    pub more_info: Option<String>,
}

impl fmt::Display for TwilioApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code {
            Some(code) => write!(
                f,
                "Twilio error {code} (HTTP {}): {}",
                self.status, self.message
            )?,
            None => write!(f, "Twilio HTTP {}: {}", self.status, self.message)?,
        }
        if let Some(more) = &self.more_info {
            write!(f, " ({more})")?;
        }
        Ok(())
    }
}

/// Everything a Twilio call can fail with.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TwilioError {
    /// HTTP 401 or Twilio code 20003: the account SID / auth token pair was refused.
    #[error(
        "Twilio refused the credentials of account {account_sid} ({detail}): check the \
         account SID and auth token (TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN or [twilio] in \
         the config); the token must belong to that same account"
    )]
    Unauthorized {
        /// The account SID that was used (not a secret).
        account_sid: String,
        /// Status, code and Twilio's message.
        detail: String,
    },
    /// HTTP 429 or code 20429, still after the retries the policy allows.
    #[error("Twilio is rate limiting us: gave up after {attempts} attempt(s){}",
        retry_after.map(|d| format!("; Twilio asked to wait {}s", d.as_secs())).unwrap_or_default())]
    RateLimited {
        /// Attempts made.
        attempts: u32,
        /// The last `Retry-After` Twilio sent, if any.
        retry_after: Option<Duration>,
    },
    /// Any other error reply.
    #[error("{0}")]
    Api(TwilioApiError),
    /// No reply: connection refused, DNS, TLS, timeout.
    #[error("could not reach Twilio: {0}")]
    Transport(String),
    /// A success reply we could not read.
    #[error("unexpected reply from Twilio: {0}")]
    Decode(String),
    /// The client's configuration is unusable.
    #[error("invalid Twilio configuration: {0}")]
    Config(String),
    /// An argument cannot be sent to Twilio (bad SID, country or area code).
    #[error("invalid Twilio request: {0}")]
    InvalidInput(String),
}

impl TwilioError {
    /// Twilio's error code, when the reply carried one.
    pub fn code(&self) -> Option<u32> {
        match self {
            TwilioError::Api(e) => e.code,
            _ => None,
        }
    }

    /// Maps onto the pool's error; `number` is the number a purchase was for, so that
    /// 21422 becomes [`ProviderError::NumberUnavailable`] naming it.
    pub fn into_provider_error(self, number: Option<&str>) -> ProviderError {
        match self {
            TwilioError::Unauthorized { .. } => ProviderError::Unauthorized,
            TwilioError::RateLimited { .. } => ProviderError::RateLimited,
            TwilioError::Api(TwilioApiError {
                code: Some(CODE_NUMBER_UNAVAILABLE),
                ..
            }) => ProviderError::NumberUnavailable(number.unwrap_or("(unknown)").to_owned()),
            other => ProviderError::Other(other.to_string()),
        }
    }
}

impl From<TwilioError> for ProviderError {
    fn from(e: TwilioError) -> Self {
        e.into_provider_error(None)
    }
}

/// Twilio's error body; every field optional so foreign bodies still parse.
#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(default, deserialize_with = "de::opt_u32")]
    code: Option<u32>,
    #[serde(default, deserialize_with = "de::opt_string")]
    message: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    more_info: Option<String>,
}

/// Builds the error for a non-success reply (`status` not 2xx and not rate limiting);
/// `account_sid` names the account in credential errors.
pub(crate) fn from_reply(status: u16, body: &str, account_sid: &str) -> TwilioError {
    let parsed: ErrorBody = serde_json::from_str(body).unwrap_or_default();
    // A body that is not Twilio's shape (a proxy page, a mock's problem details) is
    // kept as a short excerpt: it names the problem.
    let message = match &parsed.message {
        Some(m) => m.clone(),
        None if body.trim().is_empty() => "(empty body)".to_owned(),
        None => excerpt(body),
    };
    if status == 401 || parsed.code == Some(CODE_AUTHENTICATE) {
        let code = parsed
            .code
            .map(|c| format!(", code {c}"))
            .unwrap_or_default();
        return TwilioError::Unauthorized {
            account_sid: account_sid.to_owned(),
            detail: format!("HTTP {status}{code}: {message}"),
        };
    }
    TwilioError::Api(TwilioApiError {
        status,
        code: parsed.code,
        message,
        more_info: parsed.more_info,
    })
}

/// Whether a reply asks us to slow down (HTTP 429 or Twilio code 20429).
pub(crate) fn is_rate_limited(status: u16, body: &str) -> bool {
    status == 429
        || serde_json::from_str::<ErrorBody>(body)
            .is_ok_and(|b| b.code == Some(CODE_TOO_MANY_REQUESTS))
}

/// At most 600 characters of `body`, on a char boundary.
fn excerpt(body: &str) -> String {
    let body = body.trim();
    match body.char_indices().nth(600) {
        Some((i, _)) => format!("{}…", &body[..i]),
        None => body.to_owned(),
    }
}

/// Replaces every occurrence of `secret` in `text` with `<redacted>`.
pub fn redact(text: String, secret: &str) -> String {
    if secret.is_empty() || !text.contains(secret) {
        text
    } else {
        text.replace(secret, "<redacted>")
    }
}

impl TwilioError {
    /// The same error with `secret` removed from every text it carries.
    pub(crate) fn redacted(self, secret: &str) -> Self {
        let r = |s: String| redact(s, secret);
        match self {
            TwilioError::Unauthorized {
                account_sid,
                detail,
            } => TwilioError::Unauthorized {
                account_sid,
                detail: r(detail),
            },
            TwilioError::Api(e) => TwilioError::Api(TwilioApiError {
                message: r(e.message),
                more_info: e.more_info.map(r),
                ..e
            }),
            TwilioError::Transport(s) => TwilioError::Transport(r(s)),
            TwilioError::Decode(s) => TwilioError::Decode(r(s)),
            TwilioError::Config(s) => TwilioError::Config(r(s)),
            TwilioError::InvalidInput(s) => TwilioError::InvalidInput(r(s)),
            other @ TwilioError::RateLimited { .. } => other,
        }
    }
}
