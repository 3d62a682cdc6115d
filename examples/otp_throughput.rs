//! Throughput of `extract` over the corpus bodies on one core.
//!
//! `cargo run --release --example otp_throughput` runs the whole corpus
//! repeatedly for about two seconds and prints messages per second.

use std::hint::black_box;
use std::time::{Duration, Instant};

fn bodies() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/otp_corpus.json");
    let text = std::fs::read_to_string(path).expect("read tests/otp_corpus.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("corpus JSON");
    json["messages"]
        .as_array()
        .expect("messages array")
        .iter()
        .map(|m| m["body"].as_str().expect("body").to_string())
        .collect()
}

fn main() {
    let bodies = bodies();
    // Warm up: compile the lazily built regexes and fill caches.
    for body in &bodies {
        black_box(agentpass_sms::otp::extract(body));
    }
    let budget = Duration::from_secs(2);
    let start = Instant::now();
    let mut messages: u64 = 0;
    let mut found: u64 = 0;
    while start.elapsed() < budget {
        for body in &bodies {
            if black_box(agentpass_sms::otp::extract(black_box(body))).is_some() {
                found += 1;
            }
        }
        messages += bodies.len() as u64;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{messages} messages in {secs:.2} s = {:.0} messages/s on one thread ({} corpus bodies, {found} codes)",
        messages as f64 / secs,
        bodies.len(),
    );
}
