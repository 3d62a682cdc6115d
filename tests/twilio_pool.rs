//! Twilio mode end to end: the real binary against an in-test fake Twilio.

mod common;
mod fake_twilio;

use std::collections::HashSet;

use common::*;
use fake_twilio::{FakeTwilio, PUBLIC, SID, TOKEN};

fn twilio_env(fake: &FakeTwilio, extra: &[(&'static str, &'static str)]) -> Vec<(String, String)> {
    let mut env = vec![
        ("TWILIO_ACCOUNT_SID".to_owned(), SID.to_owned()),
        ("TWILIO_AUTH_TOKEN".to_owned(), TOKEN.to_owned()),
        ("AGENTPASS_TWILIO_API_BASE".to_owned(), fake.base.clone()),
        ("AGENTPASS_PUBLIC_BASE_URL".to_owned(), PUBLIC.to_owned()),
    ];
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    env
}

fn start(env: &[(String, String)]) -> Server {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    Server::start(&env)
}

fn purchases(fake: &FakeTwilio) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/IncomingPhoneNumbers.json"))
        .count()
}

#[tokio::test]
async fn exhaustion_buys_exactly_one_number_per_passport_under_concurrency() {
    let fake = FakeTwilio::start().await;
    fake.state().available = (1..=10).map(|i| format!("+1415555{i:04}")).collect();
    let s = start(&twilio_env(&fake, &[]));
    assert!(
        s.log_contains("Initialized with 0 phone numbers").await,
        "{}",
        s.log()
    );
    let s = std::sync::Arc::new(s);
    let mut calls = Vec::new();
    for i in 0..20 {
        let s = s.clone();
        calls.push(tokio::spawn(async move {
            let passport = format!("ap_{}", i % 5);
            let (status, v) = s
                .send(
                    "PUT",
                    &format!("/v1/passports/{passport}/number"),
                    serde_json::Value::Null,
                )
                .await;
            assert_eq!(status, 200, "{v}");
            (passport, v["phone_number"].as_str().unwrap().to_owned())
        }));
    }
    let mut by_passport = std::collections::HashMap::new();
    for c in calls {
        let (p, n) = c.await.unwrap();
        assert_eq!(
            by_passport.entry(p).or_insert_with(|| n.clone()),
            &n,
            "sticky under concurrency"
        );
    }
    let numbers: HashSet<_> = by_passport.values().collect();
    assert_eq!(numbers.len(), 5, "five passports, five distinct numbers");
    assert_eq!(
        fake.state().owned.len(),
        5,
        "exactly one purchase per needed number"
    );
    for o in &fake.state().owned {
        assert_eq!(o.sms_url, format!("{PUBLIC}/webhook/sms-received"));
        assert_eq!(o.sms_method, "POST");
    }
    assert!(purchases(&fake) >= 5);
    // Released numbers are reused after quarantine, never bought again meanwhile.
    assert!(s.log_contains("Assigned ").await, "assignment logged");
}

/// With `cap` set, buying for `passports` passports succeeds for all but the last, which
/// gets 503 naming the cap; the fake sold `passports - 1` numbers.
async fn refused_past(cap: (&'static str, &'static str), passports: usize, named: &str) {
    let fake = FakeTwilio::start().await;
    fake.state().available = (1..=10).map(|i| format!("+1415555{i:04}")).collect();
    let s = start(&twilio_env(&fake, &[cap]));
    for i in 1..passports {
        s.assign(&format!("ap_{i}")).await;
    }
    let path = format!("/v1/passports/ap_{passports}/number");
    let (status, v) = s.send("PUT", &path, serde_json::Value::Null).await;
    assert_eq!(status, 503, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains(named),
        "{v}"
    );
    assert_eq!(fake.state().owned.len(), passports - 1);
}

#[tokio::test]
async fn caps_bound_purchases_with_a_clear_error() {
    refused_past(
        ("AGENTPASS_POOL_MAX_NUMBERS", "2"),
        3,
        "pool.max_numbers = 2",
    )
    .await;
    refused_past(
        ("AGENTPASS_POOL_MAX_PROVISIONS_PER_HOUR", "1"),
        2,
        "max_provisions_per_hour",
    )
    .await;
}

#[tokio::test]
async fn a_taken_candidate_is_skipped_and_refused_credentials_are_a_clear_error() {
    let fake = FakeTwilio::start().await;
    fake.state().available = vec!["+14155550001".into(), "+14155550002".into()];
    fake.state().unavailable = vec!["+14155550001".into()];
    let s = start(&twilio_env(&fake, &[]));
    assert_eq!(
        s.assign("ap_1").await,
        "+14155550002",
        "21422 on the first candidate: next one bought"
    );
    fake.state().fail_next = Some((
        401,
        serde_json::json!({"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}),
    ));
    let (status, v) = s
        .send("PUT", "/v1/passports/ap_2/number", serde_json::Value::Null)
        .await;
    assert_eq!(status, 502, "{v}");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(msg.contains("credentials"), "{msg}");
    assert!(
        !msg.contains(TOKEN) && !s.log().contains(TOKEN),
        "the token never leaks"
    );
}

// Multi-threaded: the CLI runs as a blocking child process while the fake serves it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_pool_is_used_first_and_twilio_check_reports_webhooks() {
    let fake = FakeTwilio::start().await;
    fake.state()
        .own("+14155550777", &format!("{PUBLIC}/webhook/sms-received"));
    fake.state()
        .own("+14155550888", "https://old.example.com/sms");
    let mut env = twilio_env(&fake, &[]);
    env.push((
        "TWILIO_PHONE_NUMBERS".into(),
        "+14155550777,+14155550888,+14155550999".into(),
    ));
    let s = start(&env);
    assert!(s.log_contains("Initialized with 3 phone numbers").await);
    assert_eq!(
        s.assign("ap_1").await,
        "+14155550777",
        "configured numbers first, no purchase"
    );
    assert_eq!(purchases(&fake), 0);
    let envs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let dir = tempfile::TempDir::new().unwrap();
    let out = command(dir.path(), &envs)
        .args(["twilio", "check"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("credentials: ok"), "{text}");
    assert!(
        text.contains("+14155550888") && text.contains("old.example.com"),
        "{text}"
    );
    assert!(text.contains("+14155550999"), "{text}");
    let out = command(dir.path(), &envs)
        .args(["twilio", "sync-webhooks"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("+14155550888: SmsUrl updated"), "{text}");
    assert!(
        text.contains("+14155550999: not in this Twilio account"),
        "{text}"
    );
    let fixed = fake
        .state()
        .owned
        .iter()
        .find(|o| o.phone_number == "+14155550888")
        .unwrap()
        .sms_url
        .clone();
    assert_eq!(fixed, format!("{PUBLIC}/webhook/sms-received"));
    assert!(
        s.log_contains("Twilio check").await,
        "serve checks at start: {}",
        s.log()
    );
}

fn now_rfc2822() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.format(&time::format_description::well_known::Rfc2822)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconciliation_backfills_a_lost_webhook_and_surfaces_30038_to_the_waiter() {
    let fake = FakeTwilio::start().await;
    fake.state()
        .own("+14155550777", &format!("{PUBLIC}/webhook/sms-received"));
    let mut env = twilio_env(&fake, &[("AGENTPASS_TWILIO_RECONCILE_INTERVAL", "200ms")]);
    env.push(("TWILIO_PHONE_NUMBERS".into(), "+14155550777".into()));
    let s = start(&env);
    let n = s.assign("ap_1").await;
    // No pause: Twilio's whole-second date must not put the message before the assignment.
    let mut lost = fake_twilio::message(
        "SM00000000000000000000000000000001",
        "inbound",
        "received",
        &n,
        &now_rfc2822(),
    );
    lost["body"] = "Your code is 246810".into();
    let outbound = fake_twilio::message(
        "SM00000000000000000000000000000002",
        "outbound-api",
        "sent",
        &n,
        &now_rfc2822(),
    );
    fake.state().messages = vec![lost, outbound];
    let (status, v) = s.wait(&n, 5000).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v["message"]["body"], "Your code is 246810",
        "backfilled although no webhook came"
    );
    assert!(
        s.log_contains("Reconciled SMS SM00000000000000000000000000000001")
            .await,
        "{}",
        s.log()
    );
    // A message Twilio filtered ends the wait with a distinct error, not a timeout.
    let mut filtered = fake_twilio::message(
        "SM00000000000000000000000000000003",
        "inbound",
        "failed",
        &n,
        &now_rfc2822(),
    );
    filtered["body"] = "".into();
    filtered["error_code"] = 30038.into();
    filtered["error_message"] = "OTP message body filtered".into();
    fake.state().messages.push(filtered);
    let (status, v) = s.wait(&n, 5000).await;
    assert_eq!(status, 502, "{v}");
    assert_eq!(v["error"]["code"], "provider_filtered");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("30038") && msg.contains("OTP message body filtered"),
        "{msg}"
    );
    let (_, v) = s.get(&format!("/v1/numbers/{}/messages", enc(&n))).await;
    assert_eq!(
        v["messages"].as_array().unwrap().len(),
        2,
        "inbound only, each once: {v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bought_numbers_idle_past_release_idle_after_are_given_back() {
    let fake = FakeTwilio::start().await;
    fake.state().available = vec!["+14155550001".into()];
    let env = twilio_env(
        &fake,
        &[
            ("AGENTPASS_POOL_RELEASE_IDLE_AFTER", "500ms"),
            ("AGENTPASS_POOL_QUARANTINE", "100ms"),
        ],
    );
    let s = start(&env);
    let n = s.assign("ap_1").await;
    let sid = fake.state().owned[0].sid.clone();
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    assert!(
        fake.state().owned.iter().any(|o| o.sid == sid),
        "an assigned number is never given back"
    );
    s.send(
        "DELETE",
        "/v1/passports/ap_1/number",
        serde_json::Value::Null,
    )
    .await;
    let mut gone = false;
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if fake
            .requests()
            .iter()
            .any(|r| r.method == "DELETE" && r.path.contains(&sid))
        {
            gone = true;
            break;
        }
    }
    assert!(gone, "idle bought number released to Twilio");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let (_, v) = s.get("/v1/numbers").await;
    assert!(!v.to_string().contains(&n), "the pool shrank: {v}");
    assert!(
        s.log_contains(&format!("Gave {n} back to twilio")).await,
        "{}",
        s.log()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_purchase_does_not_block_passports_that_have_numbers() {
    let fake = FakeTwilio::start().await;
    fake.state()
        .own("+14155550777", &format!("{PUBLIC}/webhook/sms-received"));
    fake.state().available = vec!["+14155550001".into()];
    fake.state().purchase_delay = Some(std::time::Duration::from_millis(1500));
    let mut env = twilio_env(&fake, &[]);
    env.push(("TWILIO_PHONE_NUMBERS".into(), "+14155550777".into()));
    let s = std::sync::Arc::new(start(&env));
    assert_eq!(s.assign("ap_1").await, "+14155550777");
    let s2 = s.clone();
    let buying = tokio::spawn(async move { s2.assign("ap_2").await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let t = std::time::Instant::now();
    assert_eq!(s.assign("ap_1").await, "+14155550777");
    let (status, _) = s.get("/v1/numbers").await;
    assert_eq!(status, 200);
    assert!(
        t.elapsed() < std::time::Duration::from_millis(500),
        "answered during the purchase: {:?}",
        t.elapsed()
    );
    assert!(!buying.is_finished(), "the purchase is still in flight");
    assert_eq!(buying.await.unwrap(), "+14155550001");
}

#[tokio::test]
async fn a_requested_country_and_area_code_are_what_twilio_is_searched_for() {
    let fake = FakeTwilio::start().await;
    fake.state().available = vec!["+442071230001".into(), "+14155550001".into()];
    let s = start(&twilio_env(&fake, &[]));
    let (status, v) = s
        .send(
            "PUT",
            "/v1/passports/ap_gb/number",
            serde_json::json!({"country": "GB"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = s
        .send(
            "PUT",
            "/v1/passports/ap_sf/number",
            serde_json::json!({"area_code": "415"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let searches: Vec<(String, Option<String>)> = fake
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.contains("/AvailablePhoneNumbers/"))
        .map(|r| (r.path.clone(), r.query("AreaCode").map(str::to_owned)))
        .collect();
    assert_eq!(searches.len(), 2, "{searches:?}");
    assert!(
        searches[0]
            .0
            .ends_with("/AvailablePhoneNumbers/GB/Local.json"),
        "{searches:?}"
    );
    assert_eq!(searches[0].1, None);
    assert!(
        searches[1]
            .0
            .ends_with("/AvailablePhoneNumbers/US/Local.json"),
        "{searches:?}"
    );
    assert_eq!(searches[1].1.as_deref(), Some("415"));
}
