//! Delivery over HTTP: long-poll waits, claims, the seed poll route, auth.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;

#[tokio::test]
async fn message_before_wait_is_delivered_and_the_second_wait_gets_no_stale_code() {
    let s = Server::start(&[]);
    let n = s.assign("ap_1").await;
    s.sms(&sid("SM1"), &n, "Your code is 111111").await;
    let (status, v) = s.wait(&n, 2000).await;
    assert_eq!(
        (status, v["message"]["body"].as_str()),
        (200, Some("Your code is 111111"))
    );
    let (status, v) = s.wait(&n, 300).await;
    assert_eq!(status, 408);
    let text = format!("Wait for SMS failed: Timed out waiting for SMS to {n}");
    assert_eq!(v["error"]["message"], text.as_str());
    s.sms(&sid("SM2"), &n, "Your code is 222222").await;
    let (_, v) = s.wait(&n, 2000).await;
    assert_eq!(v["message"]["body"], "Your code is 222222");
}

#[tokio::test]
async fn a_waiting_agent_gets_the_message_pushed() {
    let s = Server::start(&[]);
    let n = s.assign("ap_1").await;
    let waiter = s.spawn_wait(&n, json!({"timeout_ms": 10000, "auto_ack": true}));
    tokio::time::sleep(Duration::from_millis(200)).await;
    s.sms(&sid("SM1"), &n, "pushed").await;
    let (status, v) = waiter.await.unwrap();
    assert_eq!(
        (status, v["message"]["body"].as_str()),
        (200, Some("pushed"))
    );
}

#[tokio::test]
async fn two_concurrent_waiters_one_message_exactly_one_gets_it() {
    let s = Server::start(&[]);
    let n = s.assign("ap_1").await;
    let body = json!({"timeout_ms": 1500, "auto_ack": true});
    let (a, b) = (s.spawn_wait(&n, body.clone()), s.spawn_wait(&n, body));
    tokio::time::sleep(Duration::from_millis(300)).await;
    s.sms(&sid("SM1"), &n, "one").await;
    let mut statuses = [a.await.unwrap().0, b.await.unwrap().0];
    statuses.sort();
    assert_eq!(statuses, [200, 408]);
}

#[tokio::test]
async fn a_disconnected_waiter_does_not_use_the_message_up() {
    let s = Server::start(&[]);
    let n = s.assign("ap_1").await;
    let url = format!("{}/v1/numbers/{}/wait", s.base, enc(&n));
    let short = agentpass_sms::http_client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let body = json!({"timeout_ms": 10000, "auto_ack": true});
    let gone = short
        .post(&url)
        .bearer_auth(&s.key)
        .json(&body)
        .send()
        .await;
    assert!(gone.is_err(), "client gave up");
    tokio::time::sleep(Duration::from_millis(100)).await;
    s.sms(&sid("SM1"), &n, "still here").await;
    let (status, v) = s.wait(&n, 2000).await;
    assert_eq!(
        (status, v["message"]["body"].as_str()),
        (200, Some("still here"))
    );
}

#[tokio::test]
async fn an_unacknowledged_claim_is_offered_again_and_ack_finishes_it() {
    let s = Server::start(&[]);
    let n = s.assign("ap_1").await;
    s.sms(&sid("SM1"), &n, "leased").await;
    let path = format!("/v1/numbers/{}/wait", enc(&n));
    let (status, first) = s
        .send("POST", &path, json!({"timeout_ms": 1000, "lease_ms": 400}))
        .await;
    assert_eq!(status, 200, "{first}");
    let (status, _) = s
        .send("POST", &path, json!({"timeout_ms": 100, "lease_ms": 400}))
        .await;
    assert_eq!(status, 408, "leased message is invisible to other waiters");
    let (status, again) = s
        .send("POST", &path, json!({"timeout_ms": 2000, "lease_ms": 5000}))
        .await;
    assert_eq!(
        (status, again["message"]["id"].as_str()),
        (200, Some(sid("SM1").as_str())),
        "re-offered after the lease"
    );
    let ack = |claim: &serde_json::Value| {
        let claim_id = claim["claim"]["id"].as_str().unwrap().to_owned();
        (
            format!("/v1/numbers/{}/messages/{}/ack", enc(&n), sid("SM1")),
            json!({ "claim_id": claim_id }),
        )
    };
    let (p, b) = ack(&first);
    assert_eq!(s.send("POST", &p, b).await.0, 409, "expired claim");
    let (p, b) = ack(&again);
    let (status, v) = s.send("POST", &p, b).await;
    assert_eq!(status, 200, "{v}");
    assert!(v["message"]["retrieved_at"].is_string());
    assert_eq!(
        s.send("POST", &path, json!({"timeout_ms": 200})).await.0,
        408
    );
}

#[tokio::test]
async fn seed_poll_route_accepts_plus_and_percent_encoded_numbers() {
    let s = Server::start(&[]);
    let n = s.assign("ap_1").await;
    s.sms(&sid("SM1"), &n, "one").await;
    let (status, v) = s.get(&format!("/webhook/sms-notifications/{n}")).await;
    assert_eq!(status, 200);
    assert_eq!(v["notifications"][0]["id"], sid("SM1"));
    assert_eq!(v["notifications"][0]["to"], n.as_str());
    s.sms(&sid("SM2"), &n, "two").await;
    let (_, v) = s
        .get(&format!("/webhook/sms-notifications/{}", enc(&n)))
        .await;
    let ids: Vec<_> = v["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].clone())
        .collect();
    assert_eq!(
        ids,
        vec![json!(sid("SM2"))],
        "marked retrieved: SM1 not returned twice"
    );
}

#[tokio::test]
async fn read_endpoints_need_a_key_and_scoped_keys_stay_in_scope() {
    let dir = tempfile::TempDir::new().unwrap();
    let cfg = dir.path().join("agentpass.toml");
    std::fs::write(
        &cfg,
        r#"
api_key = "admin-key"
[[api_keys]]
key = "key-a"
passports = ["ap_a"]
"#,
    )
    .unwrap();
    let s = Server::start(&[
        ("AGENTPASS_CONFIG", cfg.to_str().unwrap()),
        ("AGENTPASS_API_KEY", "admin-key"),
    ]);
    let b_number = s.assign("ap_b").await;
    let as_key = |key: &'static str, path: String| {
        let url = format!("{}{path}", s.base);
        async move {
            let mut r = client().get(url);
            if !key.is_empty() {
                r = r.bearer_auth(key);
            }
            r.send().await.unwrap().status().as_u16()
        }
    };
    let poll = format!("/webhook/sms-notifications/{}", enc(&b_number));
    assert_eq!(as_key("", poll.clone()).await, 401);
    assert_eq!(as_key("wrong", poll.clone()).await, 401);
    assert_eq!(as_key("key-a", poll.clone()).await, 403);
    assert_eq!(
        as_key("key-a", format!("/v1/numbers/{}/messages", enc(&b_number))).await,
        403
    );
    assert_eq!(
        as_key("key-a", "/v1/passports/ap_b/messages".into()).await,
        403
    );
    assert_eq!(as_key("admin-key", poll).await, 200);
    let r = client()
        .put(format!("{}/v1/passports/ap_a/number", s.base))
        .bearer_auth("key-a")
        .send()
        .await
        .unwrap();
    let (status, v) = status_json(r).await;
    assert_eq!(status, 200, "{v}");
    let a_number = v["phone_number"].as_str().unwrap().to_owned();
    assert_eq!(
        as_key(
            "key-a",
            format!("/webhook/sms-notifications/{}", enc(&a_number))
        )
        .await,
        200
    );
    let r = client()
        .put(format!("{}/v1/passports/ap_b/number", s.base))
        .bearer_auth("key-a")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn release_quarantines_and_history_by_passport_keeps_late_messages() {
    let s = Server::start(&[("AGENTPASS_POOL_QUARANTINE", "1s")]);
    let n = s.assign("ap_1").await;
    let (status, v) = s
        .send("DELETE", "/v1/passports/ap_1/number", json!(null))
        .await;
    assert_eq!((status, v["released"].as_bool()), (200, Some(true)), "{v}");
    let r = s.sms(&sid("SM_LATE"), &n, "late code 999999").await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    assert_ne!(
        s.assign("ap_2").await,
        n,
        "quarantined number is not handed out"
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(s.assign("ap_3").await, n, "quarantine over");
    assert_eq!(
        s.wait(&n, 200).await.0,
        408,
        "the new owner never sees the old owner's SMS"
    );
    let (_, v) = s.get(&format!("/v1/numbers/{}/messages", enc(&n))).await;
    assert_eq!(
        v["messages"][0]["passport_id"], "ap_1",
        "admin sees attribution: {v}"
    );
    let (_, v) = s.get("/v1/passports/ap_1/messages").await;
    assert_eq!(v["messages"][0]["id"], sid("SM_LATE"));
}

#[tokio::test]
async fn mock_mode_honours_an_explicit_max_numbers_so_pool_exhausted_can_be_tried() {
    let s = Server::start(&[("AGENTPASS_POOL_MAX_NUMBERS", "2")]);
    s.assign("ap_1").await;
    s.assign("ap_2").await;
    let (status, v) = s
        .send("PUT", "/v1/passports/ap_3/number", json!(null))
        .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (503, Some("pool_exhausted")),
        "{v}"
    );
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains("pool.max_numbers = 2"), "{message}");
    // Sticky holders are still answered at the cap.
    let (status, _) = s
        .send("PUT", "/v1/passports/ap_1/number", json!(null))
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn history_pages_newest_first_with_a_cursor() {
    let s = Server::start(&[]);
    let n = s.assign("ap_1").await;
    for i in 0..5 {
        s.sms(&sid(&format!("SM{i}")), &n, &format!("m{i}")).await;
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let (_, v) = s
            .get(&format!("/v1/numbers/{}/messages?limit=2{cursor}", enc(&n)))
            .await;
        seen.extend(
            v["messages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["body"].as_str().unwrap().to_owned()),
        );
        match v["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, ["m4", "m3", "m2", "m1", "m0"]);
}

#[tokio::test]
async fn a_wait_with_code_skips_messages_without_a_code_and_leaves_them() {
    let s = Server::start(&[]);
    let n = s.assign("ap_code").await;
    let body = json!({ "timeout_ms": 5000, "auto_ack": true, "with_code": true });
    let waiting = s.spawn_wait(&n, body);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        s.sms(&sid("SM_PLAIN"), &n, "Welcome to Acme")
            .await
            .status(),
        200
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "a message without a code does not end the wait"
    );
    assert_eq!(
        s.sms(&sid("SM_CODE"), &n, "Acme code: 482913")
            .await
            .status(),
        200
    );
    let (status, v) = waiting.await.unwrap();
    assert_eq!(
        (status, v["message"]["id"].as_str()),
        (200, Some(sid("SM_CODE").as_str())),
        "{v}"
    );
    // Already there: a with_code wait skips the plain message, a plain wait gets it.
    let body = json!({ "timeout_ms": 300, "auto_ack": true, "with_code": true });
    let (status, _) = s.spawn_wait(&n, body).await.unwrap();
    assert_eq!(status, 408);
    let (status, v) = s.wait(&n, 1000).await;
    assert_eq!(
        (status, v["message"]["id"].as_str()),
        (200, Some(sid("SM_PLAIN").as_str())),
        "{v}"
    );
}

#[tokio::test]
async fn a_wait_with_match_takes_only_what_the_pattern_matches_and_a_bad_pattern_is_400() {
    let s = Server::start(&[]);
    let n = s.assign("ap_match").await;
    s.sms(&sid("SM_OTHER"), &n, "Your Globex code is 111111")
        .await;
    s.sms(&sid("SM_ACME"), &n, "ACME: 222222 is your code")
        .await;
    let path = format!("/v1/numbers/{}/wait", enc(&n));
    let body = json!({ "timeout_ms": 1000, "auto_ack": true, "match": "(?i)^acme" });
    let (status, v) = s.send("POST", &path, body).await;
    assert_eq!(
        (status, v["message"]["id"].as_str()),
        (200, Some(sid("SM_ACME").as_str())),
        "{v}"
    );
    assert_eq!(v["message"]["code"], "222222", "{v}");
    let (status, v) = s.send("POST", &path, json!({ "match": "(unclosed" })).await;
    assert_eq!(status, 400, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("match: "),
        "{v}"
    );
    let (status, v) = s.wait(&n, 1000).await;
    assert_eq!(
        (status, v["message"]["id"].as_str()),
        (200, Some(sid("SM_OTHER").as_str())),
        "left for others: {v}"
    );
}
