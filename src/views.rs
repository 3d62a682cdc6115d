//! The shapes clients see, shared by the HTTP API and the MCP tools: one message, one
//! history page.

use agentpass_actors::{Page, SmsRecord};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::timefmt::rfc3339;

/// A received SMS.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct SmsView {
    /// Message id (Twilio `MessageSid`).
    pub id: String,
    /// The receiving number (E.164).
    pub to: String,
    /// Sender: a phone number, short code or alphanumeric id.
    pub from: String,
    /// Message text.
    pub body: String,
    /// When it arrived (RFC 3339, UTC, milliseconds).
    pub received_at: String,
    /// When it was delivered (RFC 3339); absent while undelivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retrieved_at: Option<String>,
    /// The passport the number belonged to when it arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passport_id: Option<String>,
    /// The one-time code the message carries, or null when it carries none.
    #[serde(default)]
    pub code: Option<String>,
    /// For an origin-bound code (`@example.com #123456`), the site it is bound to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

impl From<&SmsRecord> for SmsView {
    fn from(r: &SmsRecord) -> Self {
        let otp = crate::otp::extract(&r.body);
        SmsView {
            origin: otp.as_ref().and_then(|o| o.domain.clone()),
            code: otp.map(|o| o.code),
            id: r.sms_id.clone(),
            to: r.phone_number.clone(),
            from: r.sender.clone(),
            body: r.body.clone(),
            received_at: rfc3339(r.received_at),
            retrieved_at: r.retrieved_at.map(rfc3339),
            passport_id: r.passport.clone(),
        }
    }
}

/// A page of messages, newest first.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct HistoryPage {
    /// Messages, newest first.
    pub messages: Vec<SmsView>,
    /// Pass as `cursor` to get the next (older) page; null on the last page.
    pub next_cursor: Option<String>,
}

impl From<&Page> for HistoryPage {
    fn from(page: &Page) -> Self {
        HistoryPage {
            messages: page.messages.iter().map(SmsView::from).collect(),
            next_cursor: page.next_cursor.as_ref().map(ToString::to_string),
        }
    }
}
