//! Connections: a cap with a clear 503 past it, header and body read timeouts, idle
//! kept-alive connections closed, and clients that go away are not errors.

mod common;

use std::time::{Duration, Instant};

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const LIMITS: &[(&str, &str)] = &[
    ("AGENTPASS_SERVER_MAX_CONNECTIONS", "20"),
    ("AGENTPASS_SERVER_HEADER_READ_TIMEOUT", "1s"),
    ("AGENTPASS_SERVER_BODY_READ_TIMEOUT", "1s"),
];

async fn connect(s: &Server) -> TcpStream {
    TcpStream::connect(s.base.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Reads until the server closes the connection (or 10 s pass); what it sent.
async fn until_closed(conn: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), conn.read_to_end(&mut got));
    let _ = read
        .await
        .expect("the server closes the connection within 10 s");
    String::from_utf8_lossy(&got).into_owned()
}

async fn healthz(s: &Server) -> u16 {
    client()
        .get(format!("{}/healthz", s.base))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

#[tokio::test]
async fn idle_connections_cannot_take_the_service_offline() {
    let s = Server::start(LIMITS);
    let mut idle = Vec::new();
    for _ in 0..30 {
        idle.push(connect(&s).await);
    }
    // Over the cap: a prompt 503 that names the reason, not a hang.
    let mut extra = connect(&s).await;
    let reply = until_closed(&mut extra).await;
    assert!(reply.starts_with("HTTP/1.1 503"), "{reply}");
    assert!(reply.contains("too many connections"), "{reply}");
    // A whole reply: the body is as long as its Content-Length says, and is JSON.
    let (head, body) = reply.split_once("\r\n\r\n").unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(body.len(), length, "{reply}");
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(v["error"]["code"], "busy");
    // The idle ones are closed by the header timeout, and the service answers again.
    let started = Instant::now();
    for conn in idle.iter_mut().take(20) {
        until_closed(conn).await;
    }
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(healthz(&s).await, 200);
}

#[tokio::test]
async fn headers_dribbled_a_byte_at_a_time_are_cut_off() {
    let s = Server::start(LIMITS);
    let mut conn = connect(&s).await;
    let started = Instant::now();
    let request =
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    for b in request {
        if conn.write_all(&[*b]).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        if started.elapsed() > Duration::from_secs(6) {
            break;
        }
    }
    let reply = until_closed(&mut conn).await;
    assert!(!reply.contains("200 OK"), "{reply}");
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "cut off after {:?}",
        started.elapsed()
    );
    assert_eq!(healthz(&s).await, 200);
}

#[tokio::test]
async fn a_body_that_stalls_gets_408_and_a_client_that_leaves_is_no_error() {
    let s = Server::start(LIMITS);
    let n = s.assign("ap_1").await;
    let mut conn = connect(&s).await;
    let head = format!(
        "POST /v1/numbers/{}/wait HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Length: 100\r\n\r\n{{\"timeout_ms\":",
        enc(&n),
        s.key
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let reply = until_closed(&mut conn).await;
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(reply.contains("body_timeout"), "{reply}");
    // A client that sends half a request and goes away.
    let mut gone = connect(&s).await;
    gone.write_all(b"POST /webhook/sms-received HTTP/1.1\r\nContent-Length: 50\r\n\r\nMess")
        .await
        .unwrap();
    drop(gone);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(healthz(&s).await, 200);
    assert!(!s.log().contains("ERROR"), "{}", s.log());
}

#[tokio::test]
async fn a_kept_alive_connection_is_closed_after_sitting_idle() {
    let s = Server::start(LIMITS);
    let mut conn = connect(&s).await;
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    // The reply comes, the connection stays open for a next request, then is closed.
    let reply = until_closed(&mut conn).await;
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    let idle = started.elapsed();
    assert!(
        idle >= Duration::from_millis(500) && idle < Duration::from_secs(6),
        "closed after {idle:?}"
    );
}

#[tokio::test]
async fn with_256_open_files_300_idle_connections_leave_the_service_answering() {
    let env = [
        ("AGENTPASS_SERVER_HEADER_READ_TIMEOUT", "1s"),
        ("AGENTPASS_SERVER_BODY_READ_TIMEOUT", "1s"),
    ];
    let s = Server::start_with_fd_limit(&env, 256);
    let n = s.assign("ap_fd").await;
    let mut idle = Vec::new();
    for _ in 0..300 {
        idle.push(connect(&s).await);
    }
    // Past the cap (kept below 256 with room for the store and new work): a prompt 503,
    // or, while a burst of refusals is still being written, a prompt close.
    let mut extra = connect(&s).await;
    let reply = until_closed(&mut extra).await;
    assert!(
        reply.is_empty() || reply.starts_with("HTTP/1.1 503"),
        "{reply}"
    );
    // The idle ones are closed by the header timeout; then everything answers.
    for conn in idle.iter_mut() {
        until_closed(conn).await;
    }
    assert_eq!(healthz(&s).await, 200);
    let r = s.sms(&sid("SMFD"), &n, "code 123456").await;
    assert_eq!(r.status(), 200);
    assert!(!s.log().contains("Too many open files"), "{}", s.log());
}
