//! How the service reaches SMS providers, in two roles:
//!
//! - [`NumberProvider`]: where the pool finds, buys and gives back numbers, and lists
//!   what arrived recently (reconciliation). [`MockProvider`] is mock mode's.
//! - [`InboundProvider`] ([`inbound`]): a provider's inbound webhook — verify the request,
//!   parse it into the one [`InboundSms`] type, answer as the provider expects.

mod inbound;
mod mock;

use async_trait::async_trait;

use crate::clock::Millis;
use crate::record::InboundSms;

/// What to look for when buying a number, and which pool numbers fit a request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// ISO country code, e.g. `US`.
    pub country: String,
    /// Optional area code.
    pub area_code: Option<String>,
    /// The country's calling code (`1`, `44`), when known: what a number must start
    /// with to be in that country (countries that share one, such as the NANP's `+1`,
    /// are told apart only by area code).
    pub calling_code: Option<String>,
}

impl SearchQuery {
    /// The E.164 prefix a fitting number starts with: `+` calling code, area code.
    pub fn prefix(&self) -> Option<String> {
        let code = self.calling_code.as_deref()?;
        Some(format!(
            "+{code}{}",
            self.area_code.as_deref().unwrap_or_default()
        ))
    }

    /// Whether `number` fits (every number does when the calling code is unknown).
    pub fn fits(&self, number: &str) -> bool {
        self.prefix().is_none_or(|p| number.starts_with(&p))
    }
}

/// What kind of line a caller wants: a real SIM (`Mobile`), any other (`Local`: bought
/// or configured provider numbers), or either.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LineType {
    /// Whatever is free.
    #[default]
    Any,
    /// Only SIM numbers ([`Settings::sim_numbers`](crate::Settings::sim_numbers)); they
    /// cannot be bought.
    Mobile,
    /// Only numbers that are not SIMs.
    Local,
}

impl LineType {
    /// Whether `number` is of this type, given the pool's SIM numbers.
    pub fn admits(self, number: &str, sims: &std::collections::HashSet<String>) -> bool {
        match self {
            LineType::Any => true,
            LineType::Mobile => sims.contains(number),
            LineType::Local => !sims.contains(number),
        }
    }
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

pub use inbound::{
    Headers, InboundProvider, InboundReply, InboundRequest, Rejected, WEBHOOK_PREFIX,
};
pub use mock::MockProvider;
