//! `agentpass-sms sms-gate check|sync-webhooks` and the check `serve` runs at start,
//! against a fake phone serving the app's local-server API.

mod common;
mod fake_sms_gate;

use std::path::Path;
use std::process::Output;

use common::*;
use fake_sms_gate::{FakePhone, PASSWORD, USER};
use serde_json::json;

const PUBLIC: &str = "https://sms.example.com";

fn config(dir: &Path, api_url: &str) {
    let text = format!(
        "public_base_url = \"{PUBLIC}\"\n[[sms_gate.devices]]\nname = \"pixel-1\"\napi_url = \"{api_url}\"\nusername = \"{USER}\"\nsigning_key = \"k\"\nnumbers = [\"+15557770001\"]\n"
    );
    std::fs::write(dir.join("config.toml"), text).unwrap();
}

/// Runs `sms-gate <what>` in `dir` (blocking, off the test's runtime).
async fn run(dir: &Path, what: &str, password: &str) -> (i32, String) {
    let mut cmd = command(dir, &[("AGENTPASS_SMS_GATE_PIXEL_1_PASSWORD", password)]);
    cmd.args(["sms-gate", what]);
    let out: Output = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

const OURS: &str = "https://sms.example.com/webhook/sms-gate/pixel-1";

#[tokio::test]
async fn check_finds_a_missing_webhook_and_sync_registers_it() {
    let phone = FakePhone::start().await;
    let dir = tempfile::TempDir::new().unwrap();
    config(dir.path(), &phone.base);
    let (code, text) = run(dir.path(), "check", PASSWORD).await;
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("reachable, health pass") && text.contains("no sms:received webhook"),
        "{text}"
    );

    let (code, text) = run(dir.path(), "sync-webhooks", PASSWORD).await;
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("webhook registered"), "{text}");
    let hooks = phone.webhooks();
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    assert_eq!(
        (hooks[0]["url"].as_str(), hooks[0]["event"].as_str()),
        (Some(OURS), Some("sms:received"))
    );

    let (code, text) = run(dir.path(), "check", PASSWORD).await;
    assert_eq!(code, 0, "{text}");
    let (code, text) = run(dir.path(), "sync-webhooks", PASSWORD).await;
    assert_eq!((code, text.contains("already posts")), (0, true), "{text}");
    assert_eq!(phone.webhooks().len(), 1);
}

#[tokio::test]
async fn a_webhook_at_an_old_url_of_ours_is_moved_not_doubled() {
    let phone = FakePhone::start().await;
    phone.state.lock().unwrap().webhooks.push(json!({
        "id": "old-1", "url": "https://old.example.com/webhook/sms-gate/pixel-1",
        "event": "sms:received", "source": "Local"}));
    let dir = tempfile::TempDir::new().unwrap();
    config(dir.path(), &phone.base);
    let (code, text) = run(dir.path(), "check", PASSWORD).await;
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("goes to https://old.example.com"), "{text}");
    let (code, text) = run(dir.path(), "sync-webhooks", PASSWORD).await;
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("webhook moved"), "{text}");
    let hooks = phone.webhooks();
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    assert_eq!(
        (hooks[0]["id"].as_str(), hooks[0]["url"].as_str()),
        (Some("old-1"), Some(OURS))
    );
}

#[tokio::test]
async fn wrong_credentials_and_a_dead_phone_are_clear_and_never_show_the_password() {
    let phone = FakePhone::start().await;
    let dir = tempfile::TempDir::new().unwrap();
    config(dir.path(), &phone.base);
    let (code, text) = run(dir.path(), "sync-webhooks", "wrong-password-123").await;
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("refused the credentials"), "{text}");
    assert!(!text.contains("wrong-password-123"), "{text}");
    assert!(phone.webhooks().is_empty());

    phone.state.lock().unwrap().health = "fail".into();
    let (code, text) = run(dir.path(), "check", PASSWORD).await;
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("health fail"), "{text}");

    let gone = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", gone.local_addr().unwrap());
    drop(gone);
    config(dir.path(), &dead);
    let (code, text) = run(dir.path(), "check", PASSWORD).await;
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("cannot be reached"), "{text}");
    assert!(!text.contains(PASSWORD), "{text}");
}

#[tokio::test]
async fn serve_checks_each_device_at_start_and_logs_what_is_wrong() {
    let phone = FakePhone::start().await;
    let dir = std::sync::Arc::new(tempfile::TempDir::new().unwrap());
    config(dir.path(), &phone.base);
    let s = Server::start_in(dir, &[("AGENTPASS_SMS_GATE_PIXEL_1_PASSWORD", PASSWORD)]);
    assert!(
        s.log_contains("SMS Gate check: pixel-1: credentials ok; no sms:received webhook")
            .await,
        "{}",
        s.log()
    );
    assert!(!s.log().contains(PASSWORD));
}
