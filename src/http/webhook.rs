//! `POST /webhook/{provider}`: every inbound provider's webhook, mounted the same way.
//!
//! The provider verifies and parses the request (its signature is over the configured
//! public URL, never the Host header); then one durable write through the store; only
//! then the provider's 200 reply. Nothing is stored for a refused request.

use std::net::IpAddr;
use std::sync::Arc;

use agentpass_actors::{
    Headers, InboundProvider, InboundRequest, Ingested, Rejected, StoreError, WEBHOOK_PREFIX,
};
use warp::http::{HeaderMap, StatusCode};
use warp::{Filter, Rejection, Reply};

use super::error::{store_failed, ApiError};
use super::server::PeerAddr;
use super::AppState;

/// The webhook route of `provider`.
pub fn route(
    state: Arc<AppState>,
    provider: Arc<dyn InboundProvider>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let max = state.max_body;
    let path = provider.path().to_owned();
    let url: Arc<str> = provider.url(&state.public_base_url).into();
    // Path first: an unknown path is a 404 and a known one asked with another method a
    // 405, as for every route.
    // A provider's path may have several segments (`sms-gate/<device>`).
    let mut at = warp::path(WEBHOOK_PREFIX).boxed();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        at = at.and(warp::path(segment.to_owned())).boxed();
    }
    at.and(warp::path::end())
        .and(warp::post())
        .and(warp::ext::optional::<PeerAddr>())
        .and(warp::query::raw().or(warp::any().map(String::new)).unify())
        .and(warp::header::headers_cloned())
        .and(super::capped_body(max, state.body_timeout))
        .and_then(
            move |peer: Option<PeerAddr>, query: String, headers: HeaderMap, body: Vec<u8>| {
                let (state, provider, url) = (state.clone(), provider.clone(), url.clone());
                async move {
                    let url: std::borrow::Cow<str> = if query.is_empty() {
                        (*url).into()
                    } else {
                        format!("{url}?{query}").into()
                    };
                    let source = peer.map(|p| p.0.ip());
                    handle(&state, &*provider, source, &url, &headers, &body).await
                }
            },
        )
}

/// Header look-up over warp's map; a value that is not visible ASCII reads as absent.
struct HeaderView<'a>(&'a HeaderMap);

impl Headers for HeaderView<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name)?.to_str().ok()
    }
}

async fn handle(
    state: &AppState,
    provider: &dyn InboundProvider,
    source: Option<IpAddr>,
    url: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<warp::reply::Response, Rejection> {
    let request = InboundRequest {
        url,
        headers: &HeaderView(headers),
        body,
    };
    let name = provider.name();
    let sms = match provider.parse(&request) {
        Ok(Some(sms)) => sms,
        Ok(None) => return Ok(reply(provider)),
        Err(Rejected::Signature(why)) => {
            // Limited per source, and logged once a minute then: a flood is one line.
            if let Some(wait) = state.limits.signature_failed(source) {
                let what = "webhooks with a bad signature from this address";
                return Err(ApiError::rate_limited(what, wait).into());
            }
            tracing::warn!(provider = name, "webhook rejected: {why}");
            let e = ApiError::new(StatusCode::FORBIDDEN, "invalid_signature", why);
            return Err(e.into());
        }
        Err(Rejected::BadRequest(why)) => {
            tracing::warn!(provider = name, "webhook rejected: {why}");
            return Err(ApiError::bad_request(why).into());
        }
    };
    let (sid, to) = (sms.sms_id.clone(), sms.to.clone());
    // A write that is not durable in time is answered 503 so the provider retries; if
    // it lands later the retry is a duplicate, and a 200 is never sent before it lands.
    let stored = tokio::time::timeout(state.write_timeout, state.service.ingest(sms)).await;
    match stored {
        Ok(Ok(Ingested::Stored(_))) => tracing::info!("Stored SMS {sid} for {to}"),
        Ok(Ok(Ingested::Duplicate(_))) => tracing::info!("Duplicate SMS {sid} for {to} ignored"),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "could not store SMS {sid}");
            return Err(match e {
                StoreError::Unavailable { .. } => ApiError::store_busy(),
                _ => store_failed(state.service.store(), "could not store the message".into()),
            }
            .into());
        }
        Err(_) => {
            let secs = state.write_timeout.as_secs_f64();
            tracing::error!("SMS {sid} was not stored within {secs} s: answered 503");
            return Err(ApiError::store_busy().into());
        }
    }
    Ok(reply(provider))
}

fn reply(provider: &dyn InboundProvider) -> warp::reply::Response {
    let r = provider.reply();
    warp::reply::with_header(r.body, "content-type", r.content_type).into_response()
}
