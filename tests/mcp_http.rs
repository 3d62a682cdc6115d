//! `/mcp` at the wire: a legacy (session) client as the 2025 protocol versions speak it,
//! the key checked on every request of a session, rmcp's Host guard, and a shutdown that
//! does not wait on open streams. `tests/mcp_python.rs` drives the same endpoint with the
//! official SDK (protocol 2026-07-28).

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

const ACCEPT: &str = "application/json, text/event-stream";

/// POSTs one JSON-RPC message; the status, the session id and the JSON-RPC reply (the
/// last `data:` event of an SSE reply, or the JSON body).
async fn post(
    s: &Server,
    key: Option<&str>,
    session: Option<&str>,
    message: Value,
) -> (u16, Option<String>, Value) {
    let mut request = client()
        .post(format!("{}/mcp", s.base))
        .header("accept", ACCEPT)
        .json(&message);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    if let Some(session) = session {
        request = request.header("mcp-session-id", session);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let session = response
        .headers()
        .get("mcp-session-id")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    let reply = text
        .lines()
        .rev()
        .filter_map(|l| l.strip_prefix("data: "))
        .find_map(|d| serde_json::from_str::<Value>(d).ok())
        .or_else(|| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null);
    (status, session, reply)
}

/// Opens a legacy session with `key`; returns its id.
async fn initialize(s: &Server, key: &str) -> String {
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "wire-test", "version": "1"}}});
    let (status, session, reply) = post(s, Some(key), None, init).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["result"]["protocolVersion"], "2025-06-18", "{reply}");
    let session = session.expect("a legacy client gets a session");
    let done = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let (status, _, _) = post(s, Some(key), Some(&session), done).await;
    assert_eq!(status, 202);
    session
}

/// Opens the session's standalone SSE stream (server → client notifications).
async fn open_stream(s: &Server, key: &str, session: &str) -> reqwest::Response {
    let stream = client()
        .get(format!("{}/mcp", s.base))
        .bearer_auth(key)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", session)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    stream
}

fn call(id: u64, tool: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
           "params": {"name": tool, "arguments": arguments}})
}

fn scoped_server() -> Server {
    let dir = std::sync::Arc::new(tempfile::TempDir::new().unwrap());
    let config = "[[api_keys]]\nkey = \"scoped-key\"\npassports = [\"ap_mine\"]\n";
    std::fs::write(dir.path().join("config.toml"), config).unwrap();
    Server::start_in(dir, &[("AGENTPASS_API_KEY", "admin-key")])
}

#[tokio::test]
async fn every_request_of_a_session_is_checked_against_its_own_key() {
    let s = scoped_server();
    let session = initialize(&s, "admin-key").await;
    let theirs = call(2, "get_phone_number", json!({"passport_id": "ap_theirs"}));
    let (status, _, reply) = post(&s, Some("admin-key"), Some(&session), theirs).await;
    assert_eq!(status, 200);
    let number = reply["result"]["structuredContent"]["phone_number"]
        .as_str()
        .unwrap_or_else(|| panic!("{reply}"))
        .to_owned();

    // The session was opened with the admin key; a scoped key in it is still scoped.
    for (id, tool, args) in [
        (3, "get_phone_number", json!({"passport_id": "ap_theirs"})),
        (
            4,
            "release_phone_number",
            json!({"passport_id": "ap_theirs"}),
        ),
        (5, "list_sms", json!({"phone_number": number})),
        (
            6,
            "wait_for_sms",
            json!({"phone_number": number, "timeout": 50}),
        ),
    ] {
        let (status, _, reply) =
            post(&s, Some("scoped-key"), Some(&session), call(id, tool, args)).await;
        assert_eq!(status, 200, "{tool}: {reply}");
        assert_eq!(reply["result"]["isError"], true, "{tool}: {reply}");
        let text = reply["result"]["content"][0]["text"].as_str().unwrap();
        assert!(
            text.contains("not allowed to access that passport or number"),
            "{tool}: {text}"
        );
    }
    let mine = call(7, "get_phone_number", json!({"passport_id": "ap_mine"}));
    let (_, _, reply) = post(&s, Some("scoped-key"), Some(&session), mine).await;
    assert_eq!(reply["result"]["isError"], false, "{reply}");

    // No key, or an unknown one: 401 before MCP sees the request.
    let list = json!({"jsonrpc": "2.0", "id": 8, "method": "tools/list"});
    assert_eq!(post(&s, None, Some(&session), list.clone()).await.0, 401);
    assert_eq!(
        post(&s, Some("nope"), Some(&session), list.clone()).await.0,
        401
    );
    let (status, _, reply) = post(&s, Some("scoped-key"), Some(&session), list).await;
    assert_eq!(status, 200);
    assert_eq!(reply["result"]["tools"].as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn a_foreign_host_is_refused_and_other_methods_are_405() {
    let s = scoped_server();
    let response = client()
        .post(format!("{}/mcp", s.base))
        .bearer_auth("admin-key")
        .header("accept", ACCEPT)
        .header("host", "attacker.example")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let response = client()
        .put(format!("{}/mcp", s.base))
        .bearer_auth("admin-key")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "DELETE, GET, POST");
}

#[tokio::test]
async fn shutdown_ends_open_streams_and_waits() {
    let mut s = scoped_server();
    let session = initialize(&s, "admin-key").await;
    // The session's standalone stream, and a long wait on another connection.
    let stream = open_stream(&s, "admin-key", &session).await;
    let number = s.assign("ap_theirs").await;
    let wait = call(
        9,
        "wait_for_sms",
        json!({"phone_number": number, "timeout": 600000}),
    );
    let base = s.base.clone();
    let waiting = tokio::spawn(async move {
        client()
            .post(format!("{base}/mcp"))
            .bearer_auth("admin-key")
            .header("accept", ACCEPT)
            .header("mcp-session-id", session)
            .json(&wait)
            .send()
            .await
            .unwrap()
            .text()
            .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Without the streams ended, the graceful shutdown would wait on them for ever.
    let stopping = tokio::task::spawn_blocking(move || (s.terminate(), s.log()));
    let (clean, log) = tokio::time::timeout(Duration::from_secs(30), stopping)
        .await
        .expect("shutdown hung on open MCP streams")
        .unwrap();
    assert!(clean, "clean exit; log:\n{log}");
    let text = waiting.await.unwrap().unwrap_or_default();
    assert!(!text.contains("\"isError\":false"), "{text}");
    drop(stream);
}

/// Reads `stream` (an SSE response) until an event's data contains `needle`.
async fn until_event(stream: &mut reqwest::Response, needle: &str) -> String {
    let mut seen = String::new();
    let read = async {
        while let Some(chunk) = stream.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if let Some(line) = seen.lines().find(|l| l.contains(needle)) {
                return line.to_owned();
            }
        }
        panic!("stream ended without {needle}: {seen}");
    };
    tokio::time::timeout(Duration::from_secs(20), read)
        .await
        .expect("no such event within 20 s")
}

#[tokio::test]
async fn held_numbers_are_resources_and_a_subscription_hears_each_new_message() {
    let s = scoped_server();
    let theirs = s.assign("ap_theirs").await;
    let session = initialize(&s, "scoped-key").await;
    let mine = call(2, "get_phone_number", json!({"passport_id": "ap_mine"}));
    let (_, _, reply) = post(&s, Some("scoped-key"), Some(&session), mine).await;
    let number = reply["result"]["structuredContent"]["phone_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let uri = format!("sms://{number}/messages");

    // Only the numbers the key's passports hold are listed, and only those can be read.
    let list = json!({"jsonrpc": "2.0", "id": 3, "method": "resources/list"});
    let (_, _, reply) = post(&s, Some("scoped-key"), Some(&session), list).await;
    let listed: Vec<&str> = reply["result"]["resources"]
        .as_array()
        .unwrap_or_else(|| panic!("{reply}"))
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [uri.as_str()], "{reply}");
    let read = |id: u64, uri: &str| json!({"jsonrpc": "2.0", "id": id, "method": "resources/read", "params": {"uri": uri}});
    let theirs_uri = format!("sms://{theirs}/messages");
    let (_, _, reply) = post(&s, Some("scoped-key"), Some(&session), read(4, &theirs_uri)).await;
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not allowed"),
        "{reply}"
    );

    // Subscribe, open the session's stream, and let a message arrive.
    let subscribe = json!({"jsonrpc": "2.0", "id": 5, "method": "resources/subscribe",
                           "params": {"uri": uri}});
    let (status, _, reply) = post(&s, Some("scoped-key"), Some(&session), subscribe).await;
    assert_eq!((status, reply.get("error")), (200, None), "{reply}");
    let mut stream = open_stream(&s, "scoped-key", &session).await;
    assert_eq!(
        s.sms(&sid("SMRES1"), &number, "Your code is 246810")
            .await
            .status(),
        200
    );
    let event = until_event(&mut stream, "notifications/resources/updated").await;
    assert!(event.contains(&uri), "{event}");
    assert_eq!(
        s.sms(&sid("SMRES3"), &number, "Code 2222").await.status(),
        200
    );

    let (_, _, reply) = post(&s, Some("scoped-key"), Some(&session), read(6, &uri)).await;
    let contents = &reply["result"]["contents"][0];
    assert_eq!(contents["mimeType"], "application/json", "{reply}");
    let page: Value = serde_json::from_str(contents["text"].as_str().unwrap()).unwrap();
    let ids: Vec<&str> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    // The read may come before the second message is stored: the first is there.
    assert!(ids.ends_with(&[sid("SMRES1").as_str()]), "{page}");
    assert_eq!(page["messages"][1]["code"], "246810");
}
