//! The HTTP server: the inbound providers' webhooks, the seed poll route, `/v1` API,
//! MCP over Streamable HTTP ([`mcp`]), health, and the routes' OpenAPI description ([`openapi`]).
//!
//! Filters live in each route module, handlers beside them, JSON shapes in
//! [`models`]; every rejection becomes a response in [`error::recover`].

pub mod api;
pub mod auth;
pub mod delivery;
pub mod error;
pub mod limits;
pub mod mcp;
pub mod models;
pub mod openapi;
pub mod server;
pub mod webhook;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use agentpass_actors::{InboundProvider, Service};
use percent_encoding::percent_decode_str;
use warp::http::StatusCode;
use warp::{Filter, Reply};

use self::auth::ApiKeys;
use self::error::ApiError;

/// What every handler needs.
pub struct AppState {
    /// The actor system.
    pub service: Arc<Service>,
    /// Accepted API keys.
    pub keys: Arc<ApiKeys>,
    /// Rate limits for failing sources and busy keys.
    pub limits: Arc<limits::Limits>,
    /// Name of the provider the pool buys from (`twilio`, `mock`).
    pub provider: &'static str,
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
    /// How long a request may take to send its body.
    pub body_timeout: Duration,
    /// How long a webhook waits for its message to be durable before answering 503.
    pub write_timeout: Duration,
    /// SMS Gate devices' states (for `/healthz`).
    pub devices: crate::sms_gate::monitor::Statuses,
    /// Cancelled when the server stops: ends MCP sessions, their streams and waits.
    pub shutdown: tokio_util::sync::CancellationToken,
}

/// `/healthz`: 200 `ok` while the store takes writes, else 503 `failing` with why, so a
/// load balancer or supervisor sees a node that cannot accept messages.
fn health(
    store: &dyn agentpass_actors::Store,
    devices: &crate::sms_gate::monitor::Statuses,
) -> warp::reply::Response {
    let mut body = match store.health() {
        Ok(()) => serde_json::json!({ "status": "ok" }),
        Err(e) => serde_json::json!({ "status": "failing", "store": e.to_string() }),
    };
    // A phone that is down takes only its own numbers out: the service is still up.
    let devices = devices.read().unwrap_or_else(|p| p.into_inner());
    if !devices.is_empty() {
        let states: serde_json::Map<String, serde_json::Value> = devices
            .iter()
            .map(|(name, state)| {
                let v = match state {
                    Ok(health) => serde_json::json!({ "up": true, "health": health }),
                    Err(why) => serde_json::json!({ "up": false, "why": why }),
                };
                (name.clone(), v)
            })
            .collect();
        body["sms_gate"] = serde_json::Value::Object(states);
    }
    let status = if body["status"] == "ok" {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    warp::reply::with_status(warp::reply::json(&body), status).into_response()
}

/// All routes, with rejections mapped to JSON errors. Every route matches its path
/// before its method, so a path no route has is a 404 and 405 means "this path,
/// another method".
pub fn routes(
    state: Arc<AppState>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Infallible> + Clone {
    let (service, devices) = (state.service.clone(), state.devices.clone());
    let health = warp::path!("healthz")
        .and(warp::get().or(warp::head()).unify())
        .map(move || health(service.store(), &devices));
    let mut webhooks = warp::any()
        .and_then(|| async { Err::<warp::reply::Response, _>(warp::reject::not_found()) })
        .boxed();
    for provider in &state.inbound {
        let route = webhook::route(state.clone(), provider.clone());
        webhooks = webhooks.or(route).unify().boxed();
    }
    // A device name no `[[sms_gate.devices]]` entry has: say so, not just "not found".
    // (A configured device's own rejection must win: this one then steps aside.)
    let mounted: Arc<Vec<String>> =
        Arc::new(state.inbound.iter().map(|p| p.path().to_owned()).collect());
    let unknown_device = warp::path!("webhook" / "sms-gate" / String)
        .and(warp::post())
        .and_then(move |name: String| {
            let mounted = mounted.clone();
            async move {
                if mounted.iter().any(|p| *p == format!("sms-gate/{name}")) {
                    return Err(warp::reject::not_found());
                }
                let message = format!(
                    "no SMS Gate device {name:?} is configured: add it to [[sms_gate.devices]]"
                );
                let e = ApiError::new(StatusCode::NOT_FOUND, "unknown_device", message);
                Err::<warp::reply::Response, _>(warp::reject::custom(e))
            }
        });
    let webhooks = webhooks.or(unknown_device).unify();
    let all = health
        .or(openapi::route())
        .unify()
        .or(webhooks)
        .unify()
        .or(delivery::routes(state.clone()))
        .unify()
        .or(api::routes(state.clone()))
        .unify()
        .or(mcp::route(
            state.clone(),
            mcp::service(&state, state.shutdown.clone()),
        ))
        .unify()
        .recover(error::recover)
        .unify();
    // A 405 names the methods the path has, from the one description of the routes.
    warp::path::full()
        .and(all)
        .map(|path: warp::path::FullPath, response| openapi::with_allow(path.as_str(), response))
}

/// Hands the shared state to a handler.
pub fn with_state(
    state: &Arc<AppState>,
) -> impl Filter<Extract = (Arc<AppState>,), Error = Infallible> + Clone {
    let state = state.clone();
    warp::any().map(move || state.clone())
}

/// Largest JSON request body.
const MAX_JSON_BODY: usize = 16 * 1024;

/// A JSON request body of at most 16 KiB, whatever its Content-Type; absent or empty
/// means `{}`. A body without a `Content-Length` (chunked) is read up to the cap, all of
/// it within the state's body timeout.
pub fn json_body<T: serde::de::DeserializeOwned + Send>(
    state: &Arc<AppState>,
) -> impl Filter<Extract = (T,), Error = warp::Rejection> + Clone {
    let timeout = state.body_timeout;
    capped_body(MAX_JSON_BODY as u64, timeout).and_then(|bytes: Vec<u8>| async move {
        let bytes: &[u8] = match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            None => b"{}",
            Some(b'{') => &bytes,
            // serde would take `["…"]` for a struct: every body here is an object.
            Some(_) => {
                let e = ApiError::bad_request("invalid JSON body: it must be an object");
                return Err(warp::reject::custom(e));
            }
        };
        serde_json::from_slice(bytes).map_err(|e| {
            warp::reject::custom(ApiError::bad_request(format!("invalid JSON body: {e}")))
        })
    })
}

/// The raw request body, at most `max` bytes (413 past it, whether or not a
/// `Content-Length` says so up front) and read within `timeout` (408 after it).
pub fn capped_body(
    max: u64,
    timeout: Duration,
) -> impl Filter<Extract = (Vec<u8>,), Error = warp::Rejection> + Clone {
    warp::header::optional::<u64>("content-length")
        .and(warp::body::stream())
        .and_then(move |length: Option<u64>, body| async move {
            if length.is_some_and(|l| l > max) {
                return Err(warp::reject::custom(error::too_large()));
            }
            let cap = usize::try_from(max).unwrap_or(usize::MAX);
            match tokio::time::timeout(timeout, read_capped(body, cap)).await {
                Ok(read) => read,
                Err(_) => Err(warp::reject::custom(ApiError::new(
                    warp::http::StatusCode::REQUEST_TIMEOUT,
                    "body_timeout",
                    format!(
                        "the request body did not arrive within {} s",
                        timeout.as_secs_f32()
                    ),
                ))),
            }
        })
}

/// Collects a body stream, refusing it (413) past `cap` bytes.
async fn read_capped<S, B>(body: S, cap: usize) -> Result<Vec<u8>, warp::Rejection>
where
    S: futures_util::Stream<Item = Result<B, warp::Error>>,
    B: bytes::Buf,
{
    use futures_util::StreamExt;
    let mut body = std::pin::pin!(body);
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        let mut chunk =
            chunk.map_err(|e| warp::reject::custom(ApiError::bad_request(e.to_string())))?;
        if out.len() + chunk.remaining() > cap {
            return Err(warp::reject::custom(error::too_large()));
        }
        while chunk.has_remaining() {
            let part = chunk.chunk();
            out.extend_from_slice(part);
            let n = part.len();
            chunk.advance(n);
        }
    }
    Ok(out)
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
