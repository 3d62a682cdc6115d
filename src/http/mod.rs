//! The HTTP server: the inbound providers' webhooks, the seed poll route, `/v1` API,
//! health.
//!
//! Filters live in each route module, handlers beside them, JSON shapes in
//! [`models`]; every rejection becomes a response in [`error::recover`].

pub mod api;
pub mod auth;
pub mod delivery;
pub mod error;
pub mod models;
pub mod webhook;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use agentpass_actors::{InboundProvider, Service};
use percent_encoding::percent_decode_str;
use warp::{Filter, Reply};

use self::auth::ApiKeys;
use self::error::ApiError;

/// What every handler needs.
pub struct AppState {
    /// The actor system.
    pub service: Arc<Service>,
    /// Accepted API keys.
    pub keys: Arc<ApiKeys>,
    /// The inbound providers whose webhooks are mounted.
    pub inbound: Vec<Arc<dyn InboundProvider>>,
    /// What providers sign and post to: the service's public URL, without a trailing `/`.
    pub public_base_url: String,
    /// Largest accepted webhook body.
    pub max_body: u64,
    /// Wait timeout when the caller names none.
    pub default_wait: Duration,
    /// Cap on wait timeouts.
    pub max_wait: Duration,
    /// Lease of claimed messages when the caller names none.
    pub claim_lease: Duration,
}

/// All routes, with rejections mapped to JSON errors.
pub fn routes(
    state: Arc<AppState>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Infallible> + Clone {
    let health = warp::get()
        .and(warp::path!("healthz"))
        .map(|| warp::reply::json(&serde_json::json!({ "status": "ok" })).into_response());
    let mut webhooks = warp::any()
        .and_then(|| async { Err::<warp::reply::Response, _>(warp::reject::not_found()) })
        .boxed();
    for provider in &state.inbound {
        let route = webhook::route(state.clone(), provider.clone());
        webhooks = webhooks.or(route).unify().boxed();
    }
    health
        .or(webhooks)
        .unify()
        .or(delivery::routes(state.clone()))
        .unify()
        .or(api::routes(state))
        .unify()
        .recover(error::recover)
        .unify()
}

/// Hands the shared state to a handler.
pub fn with_state(
    state: &Arc<AppState>,
) -> impl Filter<Extract = (Arc<AppState>,), Error = Infallible> + Clone {
    let state = state.clone();
    warp::any().map(move || state.clone())
}

/// A JSON request body of at most 16 KiB, whatever its Content-Type; empty means `{}`.
pub fn json_body<T: serde::de::DeserializeOwned + Send>(
) -> impl Filter<Extract = (T,), Error = warp::Rejection> + Clone {
    warp::body::content_length_limit(16 * 1024)
        .and(warp::body::bytes())
        .and_then(|bytes: bytes::Bytes| async move {
            let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
                b"{}"
            } else {
                &bytes
            };
            serde_json::from_slice(bytes).map_err(|e| {
                warp::reject::custom(ApiError::bad_request(format!("invalid JSON body: {e}")))
            })
        })
}

/// Percent-decodes a path segment (warp leaves them encoded).
pub fn decode_param(raw: &str) -> Result<String, ApiError> {
    percent_decode_str(raw)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| ApiError::bad_request("path segment is not valid UTF-8"))
}

/// A phone number path segment: `+1555…` or `%2B1555…`, E.164.
pub fn number_param(raw: &str) -> Result<String, ApiError> {
    let number = decode_param(raw)?;
    if crate::phone::is_e164(&number) {
        Ok(number)
    } else {
        Err(ApiError::bad_request(format!(
            "{number:?} is not an E.164 phone number like +15551234567"
        )))
    }
}
