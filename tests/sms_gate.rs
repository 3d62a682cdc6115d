//! SMS Gate devices end to end: the real binary, and webhooks exactly as the Android app
//! sends them (its JSON envelope, `X-Timestamp` in Unix seconds, `X-Signature` the hex
//! HMAC-SHA256 of the raw body followed by the timestamp; null fields left out, as Gson
//! does), for a two-SIM and a one-SIM phone in one pool beside mock numbers.

mod common;
mod fake_sms_gate;

use std::sync::Arc;

use agentpass_sms::sms_gate::webhook::sign;
use common::*;
use fake_sms_gate::FakePhone;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

const KEY: &str = "Ab3dE6gH";
const SOLO_KEY: &str = "solo-key-91";
const SIM1: &str = "+15557770001";
const SIM2: &str = "+15557770002";
const SOLO: &str = "+15557770003";

/// The service with two phones (both answering, as `phone` does).
async fn start() -> Server {
    start_with(&FakePhone::start().await, "1m").await
}

async fn start_with(phone: &FakePhone, poll: &str) -> Server {
    let dir = Arc::new(tempfile::TempDir::new().unwrap());
    let api = &phone.base;
    let config = format!(
        r#"
[sms_gate]
poll_interval = "{poll}"

[[sms_gate.devices]]
name = "pixel-1"
api_url = "{api}"
numbers = ["{SIM1}", "{SIM2}"]

[[sms_gate.devices]]
name = "solo"
api_url = "{api}"
signing_key = "{SOLO_KEY}"
numbers = ["{SOLO}"]
"#
    );
    std::fs::write(dir.path().join("config.toml"), config).unwrap();
    // One key from the environment, as the README says it may come.
    Server::start_in(dir, &[("AGENTPASS_SMS_GATE_PIXEL_1_SIGNING_KEY", KEY)])
}

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// An `sms:received` envelope; `sim` left out when `None` (as Gson leaves out nulls).
/// `receivedAt` is written in the phone's zone, UTC+07:00.
fn received(id: &str, sim: Option<u32>, text: &str) -> Value {
    let local = OffsetDateTime::now_utc().to_offset(UtcOffset::from_hms(7, 0, 0).unwrap());
    let mut payload = json!({
        "message": text,
        "receivedAt": local.format(&Rfc3339).unwrap(),
        "messageId": "5f3a9c1",
        "phoneNumber": "6505551212",
        "sender": "6505551212",
    });
    if let Some(sim) = sim {
        payload["simNumber"] = json!(sim);
    }
    json!({"deviceId": "ffffffffceb0b1db0000018e937c815b", "event": "sms:received",
           "id": id, "payload": payload, "webhookId": "LreFUt-Z3sSq0JufY9uWB"})
}

/// Posts `event` to `device`'s webhook as the app does, signed with `key` at `at`.
async fn deliver(s: &Server, device: &str, key: &str, event: &Value, at: i64) -> u16 {
    let body = serde_json::to_vec(event).unwrap();
    let (stamp, signature) = sign(key, &body, at);
    client()
        .post(format!("{}/webhook/sms-gate/{device}", s.base))
        .header("content-type", "application/json")
        .header("user-agent", "me.capcom.smsgateway/1.68.0")
        .header("x-timestamp", stamp)
        .header("x-signature", signature)
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn assign(s: &Server, passport: &str, body: Value) -> (u16, Value) {
    s.send("PUT", &format!("/v1/passports/{passport}/number"), body)
        .await
}

async fn history(s: &Server, number: &str) -> Vec<Value> {
    let (status, v) = s
        .get(&format!("/v1/numbers/{}/messages", enc(number)))
        .await;
    assert_eq!(status, 200, "{v}");
    v["messages"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_sims_sms_is_verified_stored_once_and_delivered_to_its_holder() {
    let s = start().await;
    let (status, v) = assign(&s, "ap_sim", json!({"line_type": "mobile"})).await;
    assert_eq!(
        (status, v["phone_number"].as_str()),
        (200, Some(SIM1)),
        "{v}"
    );

    let event = received("Ey6ECgOkVVFjz3CL48B8C", Some(1), "Your code is 482913");
    assert_eq!(deliver(&s, "pixel-1", KEY, &event, now()).await, 200);
    let (status, got) = s.wait(SIM1, 5000).await;
    assert_eq!(status, 200, "{got}");
    let m = &got["message"];
    assert_eq!(
        (m["code"].as_str(), m["from"].as_str()),
        (Some("482913"), Some("6505551212"))
    );
    // The phone's local +07:00 time, stored in UTC.
    let at = m["received_at"].as_str().unwrap();
    assert!(at.ends_with('Z'), "{at}");
    let utc = OffsetDateTime::parse(at, &Rfc3339)
        .unwrap()
        .unix_timestamp();
    assert!((utc - now()).abs() < 60, "{at}");

    // The app retries with the same event id and a new timestamp: one message.
    assert_eq!(deliver(&s, "pixel-1", KEY, &event, now()).await, 200);
    // Two identical texts (the same content-hash messageId) are two messages.
    let twin = received("Ey6ECgOkVVFjz3CL48B8D", Some(1), "Your code is 482913");
    assert_eq!(deliver(&s, "pixel-1", KEY, &twin, now()).await, 200);
    assert_eq!(history(&s, SIM1).await.len(), 2);

    // Slot 2 is the other SIM's number.
    let second = received("slot-two-event-000001", Some(2), "Code 1234");
    assert_eq!(deliver(&s, "pixel-1", KEY, &second, now()).await, 200);
    assert_eq!(history(&s, SIM2).await.len(), 1);
}

#[tokio::test]
async fn bad_signatures_and_replays_are_refused_and_nothing_is_stored() {
    let s = start().await;
    let event = received("replayed-event-0000001", Some(1), "Code 5555");
    // Another device's key, a tampered body, a stale and a future timestamp.
    assert_eq!(deliver(&s, "pixel-1", SOLO_KEY, &event, now()).await, 403);
    assert_eq!(deliver(&s, "pixel-1", KEY, &event, now() - 600).await, 403);
    assert_eq!(deliver(&s, "pixel-1", KEY, &event, now() + 600).await, 403);
    let body = serde_json::to_vec(&event).unwrap();
    let (stamp, signature) = sign(KEY, &body, now());
    let mut tampered = body.clone();
    let at = tampered.iter().position(|b| *b == b'5').unwrap();
    tampered[at] = b'6';
    let r = client()
        .post(format!("{}/webhook/sms-gate/pixel-1", s.base))
        .header("x-timestamp", stamp)
        .header("x-signature", signature)
        .body(tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let unsigned = client()
        .post(format!("{}/webhook/sms-gate/pixel-1", s.base))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 403);
    assert!(history(&s, SIM1).await.is_empty());
    assert!(
        s.log().contains("X-Signature does not match"),
        "{}",
        s.log()
    );
    // An unknown device has no route.
    assert_eq!(deliver(&s, "pixel-9", KEY, &event, now()).await, 404);
}

#[tokio::test]
async fn a_message_without_a_slot_is_never_guessed_and_other_events_are_acknowledged() {
    let s = start().await;
    let (_, v) = assign(&s, "ap_1", json!({"line_type": "mobile"})).await;
    assert_eq!(v["phone_number"], SIM1);
    // Two numbers and no simNumber: stored, but for nobody.
    let unknown = received("no-slot-event-00000001", None, "Code 7777");
    assert_eq!(deliver(&s, "pixel-1", KEY, &unknown, now()).await, 200);
    assert!(history(&s, SIM1).await.is_empty() && history(&s, SIM2).await.is_empty());
    assert!(s.log_contains("stored unattributed").await, "{}", s.log());
    // One number and no simNumber: that number.
    let solo = received("no-slot-event-00000002", None, "Code 8888");
    assert_eq!(deliver(&s, "solo", SOLO_KEY, &solo, now()).await, 200);
    assert_eq!(history(&s, SOLO).await.len(), 1);
    // A slot the device does not have is a 400.
    let third = received("slot-three-event-00001", Some(3), "Code 9999");
    assert_eq!(deliver(&s, "pixel-1", KEY, &third, now()).await, 400);
    // Pings and outbound events are acknowledged and stored nowhere.
    let ping = json!({"deviceId": "d", "event": "system:ping", "id": "mjDoocQLCsOIDra_GthuI",
                      "payload": {"health": {"status": "pass"}}, "webhookId": "w"});
    assert_eq!(deliver(&s, "pixel-1", KEY, &ping, now()).await, 200);
    let sent = json!({"deviceId": "d", "event": "sms:sent", "id": "sent-event-0000000001",
                      "payload": {"messageId": "m", "recipient": "+14155550100",
                                  "phoneNumber": "+14155550100", "partsCount": 1,
                                  "sentAt": "2026-02-18T02:05:00.000+07:00"}, "webhookId": "w"});
    assert_eq!(deliver(&s, "pixel-1", KEY, &sent, now()).await, 200);
    assert!(history(&s, SIM1).await.is_empty());
}

#[tokio::test]
async fn line_type_picks_sims_or_others_and_sims_are_never_bought() {
    let s = start().await;
    let (_, a) = assign(&s, "ap_a", json!({"line_type": "mobile"})).await;
    let (_, b) = assign(&s, "ap_b", json!({"line_type": "mobile"})).await;
    let (_, c) = assign(&s, "ap_c", json!({"line_type": "mobile"})).await;
    let sims = [
        a["phone_number"].clone(),
        b["phone_number"].clone(),
        c["phone_number"].clone(),
    ];
    assert_eq!(sims, [json!(SIM1), json!(SIM2), json!(SOLO)]);
    let (status, v) = assign(&s, "ap_d", json!({"line_type": "mobile"})).await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (503, Some("pool_exhausted")),
        "{v}"
    );
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot be bought"),
        "{v}"
    );
    // `local` and no preference get a mock number, bought on demand.
    let (_, local) = assign(&s, "ap_d", json!({"line_type": "local"})).await;
    assert!(
        local["phone_number"].as_str().unwrap().starts_with("+1555"),
        "{local}"
    );
    assert!(!sims.contains(&local["phone_number"]));
    // Every number says who delivers it and what line it is.
    let (_, list) = s.get("/v1/numbers").await;
    let kinds: Vec<(String, String, String)> = list["numbers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let text = |k: &str| n[k].as_str().unwrap().to_owned();
            (text("phone_number"), text("provider"), text("line_type"))
        })
        .collect();
    assert!(
        kinds.contains(&(SIM2.into(), "sms-gate".into(), "mobile".into())),
        "{kinds:?}"
    );
    let bought = local["phone_number"].as_str().unwrap().to_owned();
    assert!(
        kinds.contains(&(bought, "mock".into(), "local".into())),
        "{kinds:?}"
    );
    let (status, v) = assign(&s, "ap_e", json!({"line_type": "sim"})).await;
    assert_eq!(status, 400, "{v}");
    // Asking a holder of a SIM for another line type keeps its number, with a note.
    let (_, again) = assign(&s, "ap_a", json!({"line_type": "local"})).await;
    assert_eq!(again["phone_number"], SIM1);
    assert!(
        again["note"].as_str().unwrap().contains("not a local line"),
        "{again}"
    );
}

/// Polls `/healthz` until `pred` holds (the monitor runs every 100 ms here).
async fn healthz_until(s: &Server, pred: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (_, v) = s.get("/healthz").await;
        if pred(&v) {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "healthz never matched: {v}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_phone_that_stops_answering_keeps_its_numbers_from_new_passports_until_it_is_back() {
    let phone = FakePhone::start().await;
    phone.state.lock().unwrap().health = "fail".into();
    let s = start_with(&phone, "100ms").await;
    let down = healthz_until(&s, |v| v["sms_gate"]["pixel-1"]["up"] == false).await;
    assert_eq!(down["status"], "ok", "the service itself is up: {down}");
    assert!(
        down["sms_gate"]["pixel-1"]["why"]
            .as_str()
            .unwrap()
            .contains("fail"),
        "{down}"
    );
    let (status, v) = assign(&s, "ap_sim", json!({"line_type": "mobile"})).await;
    assert_eq!(status, 503, "{v}");
    // Any line: a mock number, not a SIM of the phone that is down.
    let (_, any) = assign(&s, "ap_any", Value::Null).await;
    assert!(
        ![SIM1, SIM2, SOLO].contains(&any["phone_number"].as_str().unwrap()),
        "{any}"
    );
    phone.state.lock().unwrap().health = "pass".into();
    healthz_until(&s, |v| v["sms_gate"]["pixel-1"]["up"] == true).await;
    let (status, v) = assign(&s, "ap_sim", json!({"line_type": "mobile"})).await;
    assert_eq!(
        (status, v["phone_number"].as_str()),
        (200, Some(SIM1)),
        "{v}"
    );
}

#[tokio::test]
async fn an_sms_whose_webhook_never_arrived_is_backfilled_through_the_inbox_export() {
    let phone = FakePhone::start().await;
    let s = start_with(&phone, "100ms").await;
    let (_, v) = assign(&s, "ap_sim", json!({"line_type": "mobile"})).await;
    assert_eq!(v["phone_number"], SIM1);
    // The phone got an SMS while its webhook could not reach us.
    let lost = received("never-sent", Some(1), "Your code is 606060");
    {
        let mut p = phone.state.lock().unwrap();
        p.inbox.push(lost["payload"].clone());
        p.deliver_to = Some((format!("{}/webhook/sms-gate/pixel-1", s.base), KEY.into()));
    }
    let (status, got) = s.wait(SIM1, 15000).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["message"]["code"], "606060");
    assert!(phone.state.lock().unwrap().exports >= 1);
}

#[tokio::test]
async fn a_phone_we_cannot_reach_is_up_while_its_own_pings_arrive() {
    let phone = FakePhone::start().await;
    phone.state.lock().unwrap().health = "fail".into();
    let s = start_with(&phone, "100ms").await;
    healthz_until(&s, |v| v["sms_gate"]["pixel-1"]["up"] == false).await;
    let ping = json!({"deviceId": "d", "event": "system:ping", "id": "ping-event-0000000001",
                      "payload": {"health": {"status": "pass"}}, "webhookId": "w"});
    assert_eq!(deliver(&s, "pixel-1", KEY, &ping, now()).await, 200);
    let up = healthz_until(&s, |v| v["sms_gate"]["pixel-1"]["up"] == true).await;
    assert_eq!(up["sms_gate"]["pixel-1"]["health"], "pinged", "{up}");
    // The other phone (same fake, no pings) is still down.
    assert_eq!(up["sms_gate"]["solo"]["up"], false, "{up}");
}
