//! `/mcp`: the MCP tools over Streamable HTTP (rmcp's server), for agents that do not
//! run on the service's host.
//!
//! The route authenticates like `/v1` (`Authorization: Bearer <key>`, the same rate
//! limits) and puts the key's [`Scope`](crate::access::Scope) on the request, where each
//! tool call finds it: a scoped key reaches only its passports and their numbers, on
//! every call of a session, whatever key opened the session. The request body is read
//! under the same cap and deadline as other bodies, then handed to rmcp; its reply
//! (JSON or an SSE stream with progress) is passed through as it comes.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::Full;
use hyper::body::Body as _;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;
use warp::http::{HeaderMap, Method};
use warp::{Filter, Rejection, Reply};

use super::auth::Scope;
use super::AppState;
use crate::mcp::tools::{Backends, SmsTools};

/// rmcp's server, one per process: it keeps the sessions.
pub type McpService = StreamableHttpService<SmsTools, LocalSessionManager>;

/// Largest MCP request body: tool arguments are small (an SMS is at most 1,600 chars).
const MAX_BODY: u64 = 64 * 1024;

/// The MCP server for `state`'s service. `shutdown` ends every session and stream (so a
/// graceful shutdown does not wait on open SSE streams) and every wait in progress.
pub fn service(state: &AppState, shutdown: CancellationToken) -> McpService {
    let mut sessions = LocalSessionManager::default();
    // A session outlives the longest wait it may be in, however quiet.
    sessions.session_config.keep_alive =
        Some(state.max_wait.max(Duration::from_secs(240)) + Duration::from_secs(60));
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(allowed_hosts(&state.public_base_url))
        .with_cancellation_token(shutdown.clone())
        .with_max_request_body_bytes(MAX_BODY as usize);
    let service = state.service.clone();
    StreamableHttpService::new(
        move || {
            let backends = Backends::PerCaller(service.clone());
            Ok(SmsTools::over(backends, shutdown.clone()))
        },
        Arc::new(sessions),
        config,
    )
}

/// `Host` values rmcp accepts (its guard against DNS rebinding): loopback, and the host
/// of the public base URL.
fn allowed_hosts(public_base_url: &str) -> Vec<String> {
    let mut hosts = vec!["localhost".to_owned(), "127.0.0.1".into(), "::1".into()];
    let uri = public_base_url.trim().parse::<warp::http::Uri>();
    if let Some(authority) = uri.ok().as_ref().and_then(|u| u.authority()) {
        hosts.push(authority.as_str().to_owned());
    }
    hosts
}

/// `POST`, `GET` and `DELETE /mcp`.
pub fn route(
    state: Arc<AppState>,
    mcp: McpService,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let method = warp::post()
        .or(warp::get())
        .unify()
        .or(warp::delete())
        .unify();
    warp::path!("mcp")
        .and(method)
        .and(warp::method())
        .and(super::auth::scope(&state))
        .and(warp::header::headers_cloned())
        .and(super::capped_body(MAX_BODY, state.body_timeout))
        .and_then(move |method, scope, headers, body| {
            let mcp = mcp.clone();
            async move { Ok::<_, Rejection>(call(mcp, method, scope, headers, body).await) }
        })
}

async fn call(
    mut mcp: McpService,
    method: Method,
    scope: Scope,
    headers: HeaderMap,
    body: Vec<u8>,
) -> warp::reply::Response {
    let mut request = warp::http::Request::new(Full::new(Bytes::from(body)));
    *request.method_mut() = method;
    *request.uri_mut() = warp::http::Uri::from_static("/mcp");
    *request.headers_mut() = headers;
    request.extensions_mut().insert(scope);
    let response = match tower_service::Service::call(&mut mcp, request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let (parts, body) = response.into_parts();
    let mut reply = warp::reply::stream(Frames(Mutex::new(body))).into_response();
    *reply.status_mut() = parts.status;
    *reply.headers_mut() = parts.headers;
    reply
}

/// rmcp's reply body as the data stream warp sends. The mutex only makes it `Sync`, as
/// warp asks; it is never locked (`get_mut`).
struct Frames(Mutex<BoxBody<Bytes, Infallible>>);

impl futures_util::Stream for Frames {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let body = self
            .get_mut()
            .0
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        loop {
            return match Pin::new(&mut *body).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) => Poll::Ready(Some(Ok(data))),
                    // Trailers: HTTP/1.1 replies here carry none.
                    Err(_) => continue,
                },
                Poll::Ready(Some(Err(never))) => match never {},
                Poll::Ready(None) => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_host_and_loopback_are_allowed() {
        let hosts = allowed_hosts("https://sms.example.com:8443");
        assert_eq!(
            hosts,
            ["localhost", "127.0.0.1", "::1", "sms.example.com:8443"]
        );
        assert_eq!(allowed_hosts("http://127.0.0.1:9/base")[3], "127.0.0.1:9");
    }
}
