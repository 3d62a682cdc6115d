//! Twilio: webhook signatures, the REST API client and the pool's Twilio [`NumberProvider`].
//!
//! - [`TwilioClient`] ([`rest`], [`api`]): Basic auth, timeouts, rate-limit retries,
//!   typed [`TwilioError`]s, paging; calls for the account, number search, purchase,
//!   listing, webhook update, release and message listing.
//! - [`TwilioProvider`] ([`provider`]): the [`NumberProvider`] the pool uses.
//! - [`check`]: `twilio check` / `twilio sync-webhooks` for the CLI.
//! - [`signature`], [`keys`], [`form`], [`webhook`]: the inbound webhook as an
//!   [`InboundProvider`](agentpass_actors::InboundProvider) — `X-Twilio-Signature`
//!   (HMAC-SHA1 with the auth token or HMAC-SHA256 with a shared key, two keys during a
//!   rotation), the form (or JSON) body, the TwiML reply.
//!
//! ```ignore
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use agentpass_sms::twilio::{AuthToken, TwilioClient, TwilioConfig, TwilioProvider};
//! let config = TwilioConfig::new("AC0123456789abcdef0123456789abcdef", AuthToken::new("token"));
//! let provider = TwilioProvider::new(TwilioClient::new(config)?, "https://sms.example.com");
//! let report = provider.client().check(&["+15551234567".into()], "https://sms.example.com").await;
//! println!("{}", report.is_ok());
//! # Ok(()) }
//! ```
//!
//! [`NumberProvider`]: agentpass_actors::provider::NumberProvider

pub mod api;
pub mod check;
pub mod config;
pub mod dates;
pub mod de;
pub mod error;
pub mod form;
pub mod keys;
pub mod models;
pub mod provider;
pub mod rest;
mod retry;
pub mod setup;
pub mod signature;
pub mod webhook;

pub use check::{CheckReport, FoundNumber, NumberCheck, SyncReport};
pub use config::{AuthToken, RetryPolicy, TwilioConfig, API_VERSION_PATH, DEFAULT_API_BASE};
pub use error::{TwilioApiError, TwilioError};
pub use models::{
    Account, AvailableNumber, Capabilities, IncomingNumber, MessageFailure, TwilioMessage,
};
pub use provider::TwilioProvider;
pub use rest::TwilioClient;
pub use webhook::{sms_webhook_url, TwilioWebhook};
