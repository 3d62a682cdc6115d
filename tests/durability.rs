//! Crash and restart: a 200 survives `kill -9`; delivery is never repeated after a crash;
//! graceful shutdown finishes in-flight webhooks.

mod common;

use std::time::Duration;

use common::*;

#[tokio::test]
async fn a_200_survives_kill_9_and_is_delivered_after_restart() {
    let s = Server::start(&[]);
    let n = s.assign("ap_1").await;
    let mut sids = Vec::new();
    for i in 0..20 {
        let sid = sid(&format!("SM{i}"));
        assert_eq!(s.sms(&sid, &n, &format!("code {i:06}")).await.status(), 200);
        sids.push(sid);
    }
    let s = s.kill9_and_restart();
    assert_eq!(s.assign("ap_1").await, n, "assignment survives");
    let (_, v) = s
        .get(&format!("/v1/numbers/{}/messages?limit=100", enc(&n)))
        .await;
    assert_eq!(
        v["messages"].as_array().unwrap().len(),
        20,
        "every acknowledged SMS is there"
    );
    let (status, v) = s.wait(&n, 2000).await;
    assert_eq!(
        (status, v["message"]["id"].as_str()),
        (200, Some(sid("SM0").as_str())),
        "oldest first"
    );
}

#[tokio::test]
async fn a_message_returned_by_wait_is_not_returned_again_after_kill_9() {
    let s = Server::start(&[]);
    let n = s.assign("ap_1").await;
    s.sms(&sid("SM1"), &n, "code 123456").await;
    let (status, _) = s.wait(&n, 2000).await;
    assert_eq!(status, 200);
    let s = s.kill9_and_restart();
    assert_eq!(s.wait(&n, 300).await.0, 408, "no stale code after a crash");
    let (_, v) = s
        .get(&format!("/webhook/sms-notifications/{}", enc(&n)))
        .await;
    assert_eq!(v["notifications"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn sigterm_finishes_in_flight_webhooks_durably_and_ends_waiters_clearly() {
    let mut s = Server::start(&[]);
    let n = s.assign("ap_1").await;
    let waiter = s.spawn_wait(
        &n,
        serde_json::json!({"timeout_ms": 20000, "auto_ack": true, "from": "nobody"}),
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut posts = Vec::new();
    for i in 0..50 {
        let params = twilio_params(&sid(&format!("SM{i}")), "+14155550100", &n, "in flight");
        let (url, token) = (s.webhook_url(), s.token.clone());
        posts.push(tokio::spawn(async move {
            let sig = agentpass_sms::twilio::signature::compute(&token, &url, &params);
            client()
                .post(&url)
                .header("X-Twilio-Signature", sig)
                .form(&params)
                .send()
                .await
                .map(|r| r.status().as_u16())
        }));
    }
    tokio::time::sleep(Duration::from_millis(5)).await;
    let clean = tokio::task::spawn_blocking(move || {
        let ok = s.terminate();
        (ok, s)
    });
    let mut accepted = Vec::new();
    for (i, p) in posts.into_iter().enumerate() {
        if let Ok(Ok(200)) = p.await {
            accepted.push(sid(&format!("SM{i}")));
        }
    }
    let (status, v) = waiter.await.unwrap();
    assert_eq!(status, 503, "{v}");
    assert_eq!(
        v["error"]["message"],
        "Wait for SMS failed: the service is shutting down"
    );
    let (ok, s) = clean.await.unwrap();
    assert!(ok, "clean exit on SIGTERM; log:\n{}", s.log());
    let s = Server::start_in(s.dir.clone(), &[]);
    let (_, v) = s
        .get(&format!("/v1/numbers/{}/messages?limit=100", enc(&n)))
        .await;
    let stored: Vec<String> = v["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    for sid in &accepted {
        assert!(
            stored.contains(sid),
            "{sid} was acknowledged but is missing"
        );
    }
}

#[tokio::test]
async fn a_second_process_on_the_same_data_dir_fails_with_a_clear_error() {
    let s = Server::start(&[]);
    let err = fails(command(s.dir.path(), &[]).args(["serve", "--listen", "127.0.0.1:0"]));
    assert!(
        err.contains("in use by another agentpass-sms process"),
        "{err}"
    );
    assert!(err.contains("AGENTPASS_API_URL"), "{err}");
}
