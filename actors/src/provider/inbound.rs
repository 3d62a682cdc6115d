//! The inbound-webhook role of a provider: one trait every provider's webhook implements
//! (Twilio, mock mode, a SIM gateway), so the HTTP layer mounts each the same way and
//! knows nothing of any provider's signature or body format.

use crate::record::InboundSms;

/// First path segment of every inbound webhook: a provider's route is
/// `/{WEBHOOK_PREFIX}/{InboundProvider::path}`.
pub const WEBHOOK_PREFIX: &str = "webhook";

/// Request headers, looked up by case-insensitive name. A value that is not valid text
/// reads as absent.
pub trait Headers: Sync {
    /// The header's value, if present and valid text.
    fn get(&self, name: &str) -> Option<&str>;
}

/// One webhook request as the provider sent it, free of any HTTP library's types.
pub struct InboundRequest<'a> {
    /// The public URL the provider posted to, with its query string: what signatures
    /// cover (never the Host header).
    pub url: &'a str,
    /// The request headers.
    pub headers: &'a dyn Headers,
    /// The raw body.
    pub body: &'a [u8],
}

/// Why a webhook request was refused. Nothing is stored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    /// Missing or wrong signature (or a replay): the request is not the provider's.
    #[error("{0}")]
    Signature(String),
    /// Signed, but not a message we can store (missing fields, bad encoding, …).
    #[error("{0}")]
    BadRequest(String),
}

/// What a provider expects in a successful reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InboundReply {
    /// Content type of the reply.
    pub content_type: &'static str,
    /// Reply body.
    pub body: &'static str,
}

/// A provider's inbound webhook.
pub trait InboundProvider: Send + Sync + 'static {
    /// Short name for logs (`twilio`, `mock`).
    fn name(&self) -> &'static str;

    /// The route's path segment under [`WEBHOOK_PREFIX`].
    fn path(&self) -> &str;

    /// Verifies `request` and parses it: `Ok(None)` for a genuine request that carries no
    /// message to store (an event the service only acknowledges).
    fn parse(&self, request: &InboundRequest<'_>) -> Result<Option<InboundSms>, Rejected>;

    /// The body and content type of a 200 reply.
    fn reply(&self) -> InboundReply;

    /// The public URL of this webhook under `public_base_url`.
    fn url(&self, public_base_url: &str) -> String {
        let base = public_base_url.trim().trim_end_matches('/');
        format!("{base}/{WEBHOOK_PREFIX}/{}", self.path())
    }
}
