//! A full disk: the service answers 503 at once (so Twilio retries), says so on
//! `/healthz`, loses nothing it acknowledged, takes messages again by itself once space
//! is freed, and still shuts down on SIGTERM.
//!
//! The data directory is a small real tmpfs, filled by a real file: mounting needs root
//! (as CI runs); elsewhere the test says it was skipped.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use tempfile::TempDir;

/// A tmpfs mounted for the test's lifetime.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(at.to_path_buf()))
    }

    fn free_bytes(&self) -> u64 {
        let out = Command::new("df")
            .args(["--output=avail", "-B1"])
            .arg(&self.0)
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        text.lines().nth(1).unwrap().trim().parse().unwrap()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Posts a 20 KB webhook; `None` when no answer came within 15 s (a hang).
async fn post(s: &Server, client: &reqwest::Client, sid: &str, to: &str) -> Option<u16> {
    let body = format!("code 123456 {}", "x".repeat(20_000));
    let params = twilio_params(sid, "+14155550100", to, &body);
    let url = s.webhook_url();
    let signature = agentpass_sms::twilio::signature::compute(&s.token, &url, &params);
    let sent = client
        .post(&url)
        .header("X-Twilio-Signature", signature)
        .form(&params)
        .timeout(Duration::from_secs(15))
        .send()
        .await;
    sent.ok().map(|r| r.status().as_u16())
}

#[tokio::test]
async fn a_full_disk_is_a_prompt_503_loses_nothing_and_recovers_when_space_is_freed() {
    let dir = Arc::new(TempDir::new().unwrap());
    let Some(tmpfs) = Tmpfs::mount(&dir.path().join("data"), "8m") else {
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    };
    let mut s = Server::start_in(
        dir.clone(),
        &[
            ("AGENTPASS_STORE_MIN_FREE_BYTES", "1048576"),
            ("AGENTPASS_STORE_WRITE_TIMEOUT", "2s"),
        ],
    );
    let n = s.assign("ap_disk").await;
    // Leave about 2.5 MiB: a few dozen 20 KB messages fit above the 1 MiB kept free.
    let fill = tmpfs.0.join("fill");
    let leave = 2_600_000;
    let size = tmpfs.free_bytes().saturating_sub(leave);
    std::fs::write(&fill, vec![0u8; size as usize]).unwrap();

    let client = client();
    let (mut stored, mut refused) = (Vec::new(), Vec::new());
    for i in 0..300 {
        let id = sid(&format!("DISK{i}"));
        match post(&s, &client, &id, &n).await {
            Some(200) => stored.push(id),
            Some(503) => {
                refused.push(id);
                if refused.len() == 5 {
                    break;
                }
            }
            other => panic!(
                "webhook {i}: {other:?} (None: no answer in 15 s)\n{}",
                s.log()
            ),
        }
    }
    assert!(
        !stored.is_empty(),
        "some messages fit before the disk filled"
    );
    assert_eq!(refused.len(), 5, "the full disk was never reported");

    let (status, v) = s.get("/healthz").await;
    assert_eq!(
        (status, v["status"].as_str()),
        (503, Some("failing")),
        "{v}"
    );
    assert!(v["store"].as_str().unwrap().contains("free"), "{v}");
    let r = s.sms(&refused[0], &n, &"x".repeat(20_000)).await;
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    let (_, v) = common::status_json(r).await;
    assert_eq!(v["error"]["code"], "store_unavailable", "{v}");

    // Nothing acknowledged is missing.
    let mut listed = Vec::new();
    let mut path = format!("/v1/numbers/{}/messages?limit=100", enc(&n));
    loop {
        let (status, v) = s.get(&path).await;
        assert_eq!(status, 200, "{v}");
        for m in v["messages"].as_array().unwrap() {
            listed.push(m["id"].as_str().unwrap().to_owned());
        }
        match v["next_cursor"].as_str() {
            Some(c) => path = format!("/v1/numbers/{}/messages?limit=100&cursor={c}", enc(&n)),
            None => break,
        }
    }
    for id in &stored {
        assert!(listed.contains(id), "{id} was acknowledged but is gone");
    }

    // Space back: the retries of the refused messages are stored, health is ok.
    std::fs::remove_file(&fill).unwrap();
    for id in &refused {
        assert_eq!(post(&s, &client, id, &n).await, Some(200), "{}", s.log());
    }
    let (status, _) = s.get("/healthz").await;
    assert_eq!(status, 200);
    let (status, v) = s.wait(&n, 2000).await;
    assert_eq!(status, 200, "{v}");

    assert!(s.terminate(), "SIGTERM ends the service cleanly");
    drop(tmpfs);
}
