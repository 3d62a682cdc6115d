//! The accept loop: warp's routes served over hyper with a connection cap and read
//! timeouts, so that idle or dribbling clients cannot take the service offline.
//!
//! - At most `max_connections` connections are served; one more is answered 503 and
//!   closed at once (its file descriptor freed), instead of the accept loop running out
//!   of descriptors (`Too many open files`) and answering nobody.
//! - A connection must send a request's headers within `header_read_timeout`, which is
//!   also how long a kept-alive connection may sit idle between requests; request bodies
//!   have their own timeout where they are read ([`read_capped`](super::read_capped)).
//! - Graceful shutdown: stop accepting, let requests in flight finish.
//! - A client that goes away mid-request is logged at debug, not as an error.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use warp::Filter;

/// The client's address, put on every request for routes that need it (rate limits).
#[derive(Clone, Copy, Debug)]
pub struct PeerAddr(pub SocketAddr);

/// Connection limits of one server.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// Most connections served at once.
    pub max_connections: usize,
    /// Deadline for a request's headers, and for an idle kept-alive connection.
    pub header_read_timeout: Duration,
}

/// Most 503 refusals written at once; half the descriptors `fdlimit` keeps free.
const MAX_REFUSALS: usize = (crate::fdlimit::RESERVED / 2) as usize;

/// The reply to a connection over the cap.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: 82\r\n\r\n{\"error\":{\"code\":\"busy\",\"message\":\"too many connections: try again in a second\"}}\n";

/// Serves `routes` on `listener` until `shutdown` resolves, then finishes what is in
/// flight.
pub async fn serve<F>(
    listener: TcpListener,
    routes: F,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) where
    F: Filter<Extract = (warp::reply::Response,), Error = std::convert::Infallible>
        + Clone
        + Send
        + Sync
        + 'static,
{
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    // A refusal holds its descriptor while the 503 is written: a burst of them must not
    // take the descriptors kept free for the store and new work.
    let refusals = Arc::new(Semaphore::new(MAX_REFUSALS));
    let graceful = GracefulShutdown::new();
    let service = warp::service(routes);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            match refusals.clone().try_acquire_owned() {
                Ok(refusing) => {
                    tokio::spawn(async move {
                        refuse(stream, peer).await;
                        drop(refusing);
                    });
                }
                // Too many refusals in flight: close at once, without the 503.
                Err(_) => drop(stream),
            }
            continue;
        };
        let service = service.clone();
        let per_request =
            hyper::service::service_fn(move |mut req: warp::http::Request<Incoming>| {
                req.extensions_mut().insert(PeerAddr(peer));
                let hyper_service = TowerToHyperService::new(service.clone());
                hyper::service::Service::call(&hyper_service, req)
            });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .serve_connection(TokioIo::new(stream), per_request);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                connection_failed(&e, peer);
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// A connection over the cap: a short 503, then closed.
async fn refuse(mut stream: TcpStream, peer: SocketAddr) {
    tracing::debug!(%peer, "connection refused: at server.max_connections");
    let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(BUSY)).await;
    let _ = stream.shutdown().await;
}

/// Out of descriptors or another accept failure: say so, and back off a little.
async fn accept_failed(e: std::io::Error) {
    tracing::warn!("could not accept a connection: {e}");
    tokio::time::sleep(Duration::from_millis(50)).await;
}

fn connection_failed(e: &hyper::Error, peer: SocketAddr) {
    // Clients that go away, time out or send garbage are theirs, not our errors.
    if e.is_incomplete_message() || e.is_canceled() || e.is_timeout() || e.is_parse() {
        tracing::debug!(%peer, "connection ended: {e}");
    } else if e.is_closed() || e.is_user() {
        tracing::debug!(%peer, "connection ended: {e}");
    } else {
        tracing::warn!(%peer, "connection failed: {e}");
    }
}
