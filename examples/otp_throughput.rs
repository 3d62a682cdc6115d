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

/// Runs `f` over the bodies for about two seconds; messages per second.
fn measure(name: &str, bodies: &[String], f: impl Fn(&str) -> bool) -> f64 {
    // Warm up: compile the lazily built regexes and fill caches.
    for body in bodies {
        black_box(f(body));
    }
    let budget = Duration::from_secs(2);
    let start = Instant::now();
    let (mut messages, mut found) = (0u64, 0u64);
    while start.elapsed() < budget {
        for body in bodies {
            found += u64::from(f(black_box(body)));
        }
        messages += bodies.len() as u64;
    }
    let rate = messages as f64 / start.elapsed().as_secs_f64();
    println!(
        "{name}: {rate:.0} messages/s on one thread ({messages} messages, {found} with a code)"
    );
    rate
}

fn main() {
    let bodies = bodies();
    let ours = measure("extract", &bodies, |b| {
        agentpass_sms::otp::extract(b).is_some()
    });
    let seed = measure("extract_naive (seed baseline)", &bodies, |b| {
        agentpass_sms::otp::extract_naive(b).is_some()
    });
    println!(
        "extract runs at {:.2}x the seed's speed ({} corpus bodies)",
        ours / seed,
        bodies.len()
    );
}
