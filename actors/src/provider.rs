//! How the pool reaches the outside world for numbers: the [`NumberProvider`] trait and
//! the [`MockProvider`] used in mock mode.

use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;

use crate::clock::Millis;
use crate::record::InboundSms;

/// What to look for when buying a number.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// ISO country code, e.g. `US`.
    pub country: String,
    /// Optional area code.
    pub area_code: Option<String>,
}

/// A number the provider bought for us.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedNumber {
    /// E.164 number.
    pub phone_number: String,
    /// Provider id (Twilio `PN…` sid); needed to release or reconfigure it.
    pub provider_id: String,
}

/// Provider failures the pool reacts to.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProviderError {
    /// The candidate number was taken by someone else (Twilio 21422): try the next.
    #[error("number {0} is no longer available")]
    NumberUnavailable(String),
    /// The search found nothing to buy.
    #[error("the provider has no numbers available for this search")]
    NoneAvailable,
    /// Credentials were refused.
    #[error("the provider refused our credentials: check the account SID and auth token")]
    Unauthorized,
    /// Throttled: retry later.
    #[error("the provider is rate limiting us")]
    RateLimited,
    /// This provider cannot do that.
    #[error("{0} is not supported by this provider")]
    Unsupported(&'static str),
    /// Anything else, with the provider's own text (never a secret).
    #[error("provider error: {0}")]
    Other(String),
}

/// A source of phone numbers: search, buy, release, and list what arrived recently.
#[async_trait]
pub trait NumberProvider: Send + Sync + 'static {
    /// Short name for logs (`mock`, `twilio`).
    fn name(&self) -> &'static str;
    /// Whether buying costs money; billable providers are held to the pool caps.
    fn billable(&self) -> bool;
    /// Numbers that could be bought now, best first.
    async fn search(&self, query: &SearchQuery) -> Result<Vec<String>, ProviderError>;
    /// Buys `phone_number` (pointing its SMS webhook at us).
    async fn buy(&self, phone_number: &str) -> Result<OwnedNumber, ProviderError>;
    /// Gives a bought number back.
    async fn release(&self, number: &OwnedNumber) -> Result<(), ProviderError>;
    /// Inbound messages to our numbers since `since` (for reconciliation).
    async fn list_recent_inbound(&self, since: Millis) -> Result<Vec<InboundSms>, ProviderError>;
}

/// Searches, then buys the first candidate that is still available.
pub async fn provision(
    provider: &dyn NumberProvider,
    query: &SearchQuery,
) -> Result<OwnedNumber, ProviderError> {
    for candidate in provider.search(query).await? {
        match provider.buy(&candidate).await {
            Err(ProviderError::NumberUnavailable(_)) => continue,
            other => return other,
        }
    }
    Err(ProviderError::NoneAvailable)
}

/// Mock mode's provider: numbers `+1555XXXXXXX` handed out in allocation order.
#[derive(Debug, Default)]
pub struct MockProvider {
    /// Next seven-digit suffix to hand out.
    next: AtomicU64,
}

impl MockProvider {
    /// A provider whose next number comes after every mock number in `existing`.
    pub fn after<'a>(existing: impl IntoIterator<Item = &'a str>) -> Self {
        let next = existing
            .into_iter()
            .filter_map(|n| n.strip_prefix("+1555")?.parse::<u64>().ok())
            .map(|n| n + 1)
            .max()
            .unwrap_or(1);
        MockProvider {
            next: AtomicU64::new(next),
        }
    }
}

#[async_trait]
impl NumberProvider for MockProvider {
    fn name(&self) -> &'static str {
        "mock"
    }

    fn billable(&self) -> bool {
        false
    }

    async fn search(&self, _query: &SearchQuery) -> Result<Vec<String>, ProviderError> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        if n > 9_999_999 {
            return Err(ProviderError::NoneAvailable);
        }
        Ok(vec![format!("+1555{n:07}")])
    }

    async fn buy(&self, phone_number: &str) -> Result<OwnedNumber, ProviderError> {
        Ok(OwnedNumber {
            phone_number: phone_number.to_owned(),
            provider_id: format!("mock-{phone_number}"),
        })
    }

    async fn release(&self, _number: &OwnedNumber) -> Result<(), ProviderError> {
        Ok(())
    }

    async fn list_recent_inbound(&self, _since: Millis) -> Result<Vec<InboundSms>, ProviderError> {
        Ok(Vec::new())
    }
}
