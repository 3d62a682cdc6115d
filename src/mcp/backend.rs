//! What the MCP tools need from the service, and the two ways to get it: in this
//! process ([`embedded`](super::embedded)) or from a running `serve` over `/v1`
//! ([`remote`](super::remote)).

use std::time::Duration;

use agentpass_actors::Millis;
use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A message as the tools return it (the seed's shape).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct SmsOut {
    /// Message id (Twilio `MessageSid`).
    pub id: String,
    /// Sender: a phone number, short code or alphanumeric id.
    pub from: String,
    /// The receiving number.
    pub to: String,
    /// Message text.
    pub body: String,
    /// When it arrived (RFC 3339, UTC).
    pub received_at: String,
}

/// A page of messages, newest first.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct SmsPage {
    /// Messages, newest first.
    pub messages: Vec<SmsOut>,
    /// Pass as `cursor` to get the next (older) page; null on the last page.
    pub next_cursor: Option<String>,
}

/// What to wait for.
#[derive(Clone, Debug, Default)]
pub struct WaitSpec {
    /// How long to wait.
    pub timeout: Duration,
    /// Exact sender.
    pub from: Option<String>,
    /// Case-insensitive substring of the body.
    pub contains: Option<String>,
    /// Only messages received at or after this time.
    pub since: Option<Millis>,
    /// Only messages that carry a one-time code.
    pub with_code: bool,
}

/// The service as the tools see it. Errors are the text shown to the agent.
#[async_trait]
pub trait Backend: Send + Sync + 'static {
    /// The passport's number (sticky), assigning one if needed.
    async fn assign(&self, passport: &str) -> Result<String, String>;
    /// Releases the passport's number; returns the number.
    async fn release(&self, passport: &str) -> Result<String, String>;
    /// The next matching undelivered message, marked delivered. Errors start with
    /// `Wait for SMS failed: `.
    async fn wait(&self, number: &str, spec: WaitSpec) -> Result<SmsOut, String>;
    /// A page of the number's messages, newest first.
    async fn list(
        &self,
        number: &str,
        limit: usize,
        cursor: Option<String>,
    ) -> Result<SmsPage, String>;
    /// Stops what this backend runs (embedded: the whole service).
    async fn shutdown(&self) {}
}
