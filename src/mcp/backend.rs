//! What the MCP tools need from the service, and the two ways to get it: in this
//! process ([`embedded`](super::embedded)) or from a running `serve` over `/v1`
//! ([`remote`](super::remote)). Both apply the same rules: the one filter builder
//! ([`FilterSpec`]) and the holder's view of a number's history.

use std::time::Duration;

use async_trait::async_trait;

use crate::rules::FilterSpec;
use crate::views::{HistoryPage, SmsView};

/// What to wait for.
#[derive(Clone, Debug, Default)]
pub struct WaitSpec {
    /// How long to wait.
    pub timeout: Duration,
    /// Conditions on the message.
    pub filter: FilterSpec,
}

/// A passport's number, and what to tell the agent when it is not what was asked for.
#[derive(Clone, Debug, Default)]
pub struct Assigned {
    /// The number (E.164).
    pub phone_number: String,
    /// Set when the passport already held a number outside the requested country or
    /// area code.
    pub note: Option<String>,
}

/// Where a new number should be (each part optional).
#[derive(Clone, Debug, Default)]
pub struct Where {
    /// ISO 3166-1 alpha-2 country.
    pub country: Option<String>,
    /// Area code digits.
    pub area_code: Option<String>,
    /// `mobile`, `local` or `any`.
    pub line_type: Option<String>,
}

/// A number one of the caller's passports holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held {
    /// The number (E.164).
    pub phone_number: String,
    /// Its holder.
    pub passport_id: String,
}

/// Yields once for each message that arrives for a number's holder; ends when the
/// service goes away.
pub type Arrivals = futures_util::stream::BoxStream<'static, ()>;

/// The service as the tools see it. Errors are the text shown to the agent.
#[async_trait]
pub trait Backend: Send + Sync + 'static {
    /// The passport's number (sticky), assigning one (in `place`) if needed.
    async fn assign(&self, passport: &str, place: Where) -> Result<Assigned, String>;
    /// Releases the passport's number; returns the number.
    async fn release(&self, passport: &str) -> Result<String, String>;
    /// The next matching undelivered message, marked delivered. Errors start with
    /// `Wait for SMS failed: `.
    async fn wait(&self, number: &str, spec: WaitSpec) -> Result<SmsView, String>;
    /// A page of the number's messages as its current holder sees them, newest first.
    async fn list(
        &self,
        number: &str,
        limit: usize,
        cursor: Option<String>,
    ) -> Result<HistoryPage, String>;
    /// The numbers the caller's passports hold now (every assigned number for an
    /// unscoped caller).
    async fn held(&self) -> Result<Vec<Held>, String>;
    /// Arrivals for the passport that holds `number` now; an error when the caller may
    /// not see the number or nobody holds it.
    async fn watch(&self, number: &str) -> Result<Arrivals, String>;
    /// Stops what this backend runs (embedded: the whole service).
    async fn shutdown(&self) {}
}
