//! Bad input gets a clear answer: unknown routes, wrong methods, odd header bytes, bodies
//! without a length, out-of-range leases, cursors no page returned, and a mock-mode
//! service keyed by `TWILIO_AUTH_TOKEN` alone.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends `request` as raw bytes and returns the status and body of the reply.
async fn raw(base: &str, request: &[u8]) -> (u16, String) {
    let addr = base.trim_start_matches("http://");
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    conn.write_all(request).await.unwrap();
    let mut reply = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), conn.read_to_end(&mut reply));
    read.await.expect("reply within 10 s").unwrap();
    let text = String::from_utf8_lossy(&reply).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (status, body)
}

#[tokio::test]
async fn unknown_paths_are_404_and_known_paths_with_another_method_405() {
    let s = Server::start(&[]);
    for path in [
        "/nope",
        "/metrics",
        "/v1/nope",
        "/v1/numbers/x/y/z",
        "/webhook/other",
    ] {
        let r = client()
            .get(format!("{}{path}", s.base))
            .send()
            .await
            .unwrap();
        let (status, v) = status_json(r).await;
        assert_eq!(
            (status, v["error"]["code"].as_str()),
            (404, Some("not_found")),
            "{path}: {v}"
        );
    }
    let r = client()
        .head(format!("{}/healthz", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "HEAD works where GET does");
    let r = client()
        .delete(format!("{}/healthz", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let r = client().get(s.webhook_url()).send().await.unwrap();
    assert_eq!(r.status(), 405);
    let r = client()
        .post(format!("{}/v1/numbers", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
}

#[tokio::test]
async fn header_bytes_that_are_not_text_get_401_or_403_not_405() {
    let s = Server::start(&[]);
    let n = s.assign("ap_1").await;
    let bad = reqwest::header::HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap();
    let r = client()
        .get(format!("{}/v1/numbers", s.base))
        .header("authorization", bad)
        .send()
        .await
        .unwrap();
    let (status, v) = status_json(r).await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (401, Some("unauthorized")),
        "{v}"
    );
    let params = twilio_params(&sid("SM1"), "+14155550100", &n, "code 111111");
    let sig = reqwest::header::HeaderValue::from_bytes(b"\xe9t\xe9").unwrap();
    let r = client()
        .post(s.webhook_url())
        .header("x-twilio-signature", sig)
        .form(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let (_, v) = s.get(&format!("/v1/numbers/{}/messages", enc(&n))).await;
    assert_eq!(v["messages"], json!([]), "nothing stored");
}

#[tokio::test]
async fn a_wait_without_a_body_or_with_a_chunked_body_works() {
    let s = Server::start(&[]);
    let n = s.assign("ap_1").await;
    s.sms(&sid("SM1"), &n, "first").await;
    s.sms(&sid("SM2"), &n, "second").await;
    let host = s.base.trim_start_matches("http://");
    let path = format!("/v1/numbers/{}/wait", enc(&n));
    let no_body = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        s.key
    );
    let (status, body) = raw(&s.base, no_body.as_bytes()).await;
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["message"]["id"], sid("SM1"));
    let claim = v["claim"]["id"].as_str().unwrap().to_owned();

    let json = r#"{"timeout_ms": 2000, "auto_ack": true}"#;
    let chunked = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{json}\r\n0\r\n\r\n",
        s.key,
        json.len()
    );
    let (status, body) = raw(&s.base, chunked.as_bytes()).await;
    assert_eq!(status, 200, "{body}");
    // Chunked bodies decode on the wire; the JSON may come after the status line.
    assert!(body.contains(&sid("SM2")), "{body}");

    let ack = format!("/v1/numbers/{}/messages/{}/ack", enc(&n), sid("SM1"));
    let payload = json!({ "claim_id": claim }).to_string();
    let chunked_ack = format!(
        "POST {ack} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{payload}\r\n0\r\n\r\n",
        s.key,
        payload.len()
    );
    let (status, body) = raw(&s.base, chunked_ack.as_bytes()).await;
    assert_eq!(status, 200, "{body}");

    // A chunked body over the limit is refused, not read without end.
    let big = "x".repeat(20_000);
    let too_big = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{big}\r\n0\r\n\r\n",
        s.key,
        big.len()
    );
    let (status, _) = raw(&s.base, too_big.as_bytes()).await;
    assert_eq!(status, 413);
}

#[tokio::test]
async fn a_lease_out_of_range_is_400_and_a_valid_one_is_kept() {
    let s = Server::start(&[]);
    let n = s.assign("ap_1").await;
    s.sms(&sid("SM1"), &n, "leased").await;
    let path = format!("/v1/numbers/{}/wait", enc(&n));
    for lease in [json!(0), json!(18446744073709551615u64), json!(3_600_001)] {
        let (status, v) = s
            .send(
                "POST",
                &path,
                json!({ "lease_ms": lease, "timeout_ms": 500 }),
            )
            .await;
        assert_eq!(status, 400, "lease {lease}: {v}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains("lease_ms"),
            "{v}"
        );
    }
    let (status, v) = s
        .send(
            "POST",
            &path,
            json!({ "lease_ms": 3_600_000, "timeout_ms": 500 }),
        )
        .await;
    assert_eq!(
        (status, v["message"]["id"].as_str()),
        (200, Some(sid("SM1").as_str())),
        "{v}"
    );
}

#[tokio::test]
async fn a_cursor_no_page_returned_is_400_and_times_have_three_digits() {
    let s = Server::start(&[]);
    let n = s.assign("ap_1").await;
    s.sms(&sid("SM1"), &n, "one").await;
    for cursor in ["garbage", "%FF", "12.", "x.SM1"] {
        let (status, v) = s
            .get(&format!("/v1/numbers/{}/messages?cursor={cursor}", enc(&n)))
            .await;
        assert_eq!(status, 400, "cursor {cursor}: {v}");
        let (status, _) = s
            .get(&format!("/v1/passports/ap_1/messages?cursor={cursor}"))
            .await;
        assert_eq!(status, 400, "cursor {cursor}");
    }
    let (_, v) = s.get(&format!("/v1/numbers/{}/messages", enc(&n))).await;
    let at = v["messages"][0]["received_at"].as_str().unwrap();
    let fraction = at.rsplit('.').next().unwrap();
    assert_eq!(fraction.len(), 4, "three digits and Z: {at}");
    assert!(fraction.ends_with('Z') && fraction[..3].bytes().all(|b| b.is_ascii_digit()));
}

#[tokio::test]
async fn a_twilio_auth_token_alone_is_mock_mode_signed_with_that_token() {
    let s = Server::start(&[("TWILIO_AUTH_TOKEN", "seed-token")]);
    assert!(s.log_contains("mock mode").await, "{}", s.log());
    let n = s.assign("ap_1").await;
    assert_eq!(s.token, "seed-token");
    assert_eq!(
        s.sms(&sid("SM1"), &n, "signed with the token")
            .await
            .status(),
        200
    );
    let url = s.webhook_url();
    let params = twilio_params(&sid("SM2"), "+14155550100", &n, "signed with another key");
    assert_eq!(
        post_signed(&url, &url, "other", &params).await.status(),
        403
    );
    assert!(
        !s.data_dir().join("dev-webhook-token").exists(),
        "no dev token made"
    );
}

#[tokio::test]
async fn passports_are_checked_on_every_route_ids_are_decoded_and_bodies_are_objects() {
    let s = Server::start(&[]);
    let n = s.assign("ap_1").await;
    // A blank passport is the same 400 on assign, release and history.
    for (method, path) in [
        ("PUT", "/v1/passports/%20/number"),
        ("DELETE", "/v1/passports/%20/number"),
        ("GET", "/v1/passports/%20/messages"),
    ] {
        let (status, v) = s.send(method, path, serde_json::json!(null)).await;
        assert_eq!(
            (status, v["error"]["code"].as_str()),
            (400, Some("invalid_passport")),
            "{method} {path}: {v}"
        );
    }
    // The message id in the ack path is percent-decoded like every other segment.
    s.sms(&sid("SMACK"), &n, "code 123456").await;
    let (_, v) = s
        .send(
            "POST",
            &format!("/v1/numbers/{}/wait", enc(&n)),
            serde_json::json!({ "timeout_ms": 2000 }),
        )
        .await;
    let (id, claim) = (
        v["message"]["id"].as_str().unwrap().to_owned(),
        v["claim"]["id"].as_str().unwrap().to_owned(),
    );
    let encoded = format!("%{:02X}{}", id.as_bytes()[0], &id[1..]);
    let (status, v) = s
        .send(
            "POST",
            &format!("/v1/numbers/{}/messages/{encoded}/ack", enc(&n)),
            serde_json::json!({ "claim_id": claim }),
        )
        .await;
    assert_eq!(
        (status, v["message"]["id"].as_str()),
        (200, Some(id.as_str())),
        "{v}"
    );
    // A JSON body is an object: an array is refused, not read as the struct's fields.
    let r = client()
        .post(format!("{}/v1/otp", s.base))
        .bearer_auth(&s.key)
        .body(r#"["Your code is 482913"]"#)
        .send()
        .await
        .unwrap();
    let (status, v) = status_json(r).await;
    assert_eq!(status, 400, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("object"),
        "{v}"
    );
}
