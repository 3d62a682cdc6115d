//! Store-only ingest benchmark: how much CPU the single store writer spends per durable
//! message, without HTTP or actors. 64 tasks insert Twilio-sized records concurrently
//! (the writer groups them under one flush), then the run reports throughput and the
//! CPU time of the `store-writer` thread and of the whole process per message.
//!
//! ```text
//! cargo run --release --example store_ingest -- 200000
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use agentpass_actors::store::sled::SledStore;
use agentpass_actors::{SmsRecord, Store};

const BODY: &str = "Your Acme verification code is 482913. It expires in 10 minutes.";

/// CPU seconds (user + system) of the threads whose name starts with `prefix`, or of the
/// whole process for `None`.
fn cpu_secs(prefix: Option<&str>) -> f64 {
    let tick = 100.0; // USER_HZ on Linux
    let parse = |stat: &str| -> f64 {
        let after = &stat[stat.rfind(')').map_or(0, |i| i + 2)..];
        let f: Vec<&str> = after.split_whitespace().collect();
        (f[11].parse::<f64>().unwrap_or(0.0) + f[12].parse::<f64>().unwrap_or(0.0)) / tick
    };
    match prefix {
        None => parse(&std::fs::read_to_string("/proc/self/stat").unwrap_or_default()),
        Some(p) => std::fs::read_dir("/proc/self/task")
            .into_iter()
            .flatten()
            .flatten()
            .filter(|t| {
                std::fs::read_to_string(t.path().join("comm"))
                    .is_ok_and(|c| c.trim_end().starts_with(p))
            })
            .map(|t| parse(&std::fs::read_to_string(t.path().join("stat")).unwrap_or_default()))
            .sum(),
    }
}

fn record(i: usize, numbers: usize) -> SmsRecord {
    let mut z = (i as u64).wrapping_add(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
    let sid = format!("SM{:016x}{:016x}", z ^ (z >> 31), i);
    let extra = [
        ("ToCountry", "US"),
        ("SmsMessageSid", sid.as_str()),
        ("NumMedia", "0"),
        ("SmsSid", sid.as_str()),
        ("SmsStatus", "received"),
        ("NumSegments", "1"),
        ("AccountSid", "AC0123456789abcdef0123456789abcdef"),
        ("ApiVersion", "2010-04-01"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    SmsRecord {
        phone_number: format!("+1555{:07}", i % numbers),
        sms_id: sid,
        sender: "+14155550100".into(),
        body: BODY.into(),
        received_at: now,
        notified_at: now,
        extra,
        ..SmsRecord::default()
    }
}

#[tokio::main]
async fn main() {
    let total: usize = std::env::args()
        .nth(1)
        .map_or(200_000, |a| a.parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SledStore::open(dir.path(), 64 << 20).unwrap());
    let next = Arc::new(AtomicUsize::new(0));
    let (cpu0, w0, t0) = (
        cpu_secs(None),
        cpu_secs(Some("store-writer")),
        Instant::now(),
    );
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let (store, next) = (store.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        break;
                    }
                    store.insert_sms(record(i, 100)).await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let secs = t0.elapsed().as_secs_f64();
    let (cpu, writer) = (cpu_secs(None) - cpu0, cpu_secs(Some("store-writer")) - w0);
    let per = |s: f64| s * 1e6 / total as f64;
    println!(
        "{total} durable inserts in {secs:.2} s: {:.0}/s; CPU per message: process {:.1} us, store-writer {:.1} us",
        total as f64 / secs,
        per(cpu),
        per(writer)
    );
    store.close().await;
}
