//! What the tools return: each a JSON object (`structuredContent`) with its schema.

use schemars::JsonSchema;
use serde::Serialize;

use crate::views::SmsView;

/// A passport's number.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PhoneNumberOut {
    /// The number (E.164), e.g. +15550000001.
    pub phone_number: String,
    /// Present when the passport already held this number and it is not in the country
    /// or area code asked for: it stays the passport's number until released.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A released number.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ReleasedOut {
    /// The number, now in quarantine before anyone else gets it.
    pub phone_number: String,
    /// Always true.
    pub released: bool,
}

/// An extracted code.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CodeOut {
    /// The one-time code, or null when the message carries none.
    pub code: Option<String>,
    /// For an origin-bound code (`@example.com #123456`), the site it is bound to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

/// A code and the message it came from.
#[derive(Debug, Serialize, JsonSchema)]
pub struct OtpOut {
    /// The one-time code.
    pub code: String,
    /// The message that carried it.
    pub sms: SmsView,
}
