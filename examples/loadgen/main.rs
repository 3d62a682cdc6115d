//! Load generator: signed Twilio webhooks against a running `agentpass-sms serve`,
//! optionally with agents long-polling `/v1` for the messages.
//!
//! ```text
//! cargo run --release --example loadgen -- --data-dir ./data --numbers 100 \
//!     --connections 64 --requests 50000 --waiters 100
//! ```
//!
//! Reports throughput, webhook reply latency and webhook-200 → agent delivery latency
//! (p50/p90/p99/max), plus errors, lost and duplicated deliveries.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use agentpass_sms::twilio::signature;

mod raw_http;
use clap::Parser;
use serde_json::json;

#[derive(Parser, Debug, Clone)]
struct Args {
    /// Service base URL.
    #[arg(long, default_value = "http://127.0.0.1:8787")]
    url: String,
    /// Data dir of the service (reads dev-webhook-token and dev-api-key from it).
    #[arg(long, default_value = "./data")]
    data_dir: PathBuf,
    /// Webhook signing token (default: data_dir/dev-webhook-token).
    #[arg(long)]
    token: Option<String>,
    /// API key (default: data_dir/dev-api-key).
    #[arg(long)]
    key: Option<String>,
    /// Numbers to spread messages over.
    #[arg(long, default_value_t = 100)]
    numbers: usize,
    /// Concurrent webhook connections.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Webhooks to send.
    #[arg(long, default_value_t = 20_000)]
    requests: usize,
    /// Agents long-polling (one per number, up to --numbers); 0 = ingest only.
    #[arg(long, default_value_t = 0)]
    waiters: usize,
    /// Target webhooks per second (0 = as fast as possible).
    #[arg(long, default_value_t = 0)]
    rate: u64,
}

#[derive(Default)]
struct Shared {
    /// Per message id: when the webhook's 200 arrived.
    acked: Mutex<HashMap<String, Instant>>,
    /// Per message id: when an agent received it (and how often).
    delivered: Mutex<HashMap<String, (Instant, u32)>>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let read =
        |name: &str| std::fs::read_to_string(args.data_dir.join(name)).map(|s| s.trim().to_owned());
    let token = match &args.token {
        Some(t) => t.clone(),
        None => read("dev-webhook-token")?,
    };
    let key = match &args.key {
        Some(k) => k.clone(),
        None => read("dev-api-key")?,
    };
    let http = agentpass_sms::http_client::builder()
        .pool_max_idle_per_host(args.waiters.max(1))
        .build()?;
    let run = rand::random::<u64>();
    let mut numbers = Vec::with_capacity(args.numbers);
    for i in 0..args.numbers {
        let r = http
            .put(format!("{}/v1/passports/load_{i}/number", args.url))
            .bearer_auth(&key)
            .send()
            .await?;
        let v: serde_json::Value = r.error_for_status()?.json().await?;
        numbers.push(v["phone_number"].as_str().unwrap_or_default().to_owned());
    }
    let shared = Arc::new(Shared::default());
    let done = Arc::new(AtomicBool::new(false));
    let watched = args.waiters.min(numbers.len());
    let mut agents = Vec::new();
    for number in numbers.iter().take(watched).cloned() {
        let (http, key, url, shared, done) = (
            http.clone(),
            key.clone(),
            args.url.clone(),
            shared.clone(),
            done.clone(),
        );
        agents.push(tokio::spawn(agent(http, url, key, number, shared, done)));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Render and sign every webhook before the clock starts: the generator's own CPU
    // competes with the server's on these two cores.
    let host = args.url.trim_start_matches("http://").trim_end_matches('/');
    let webhook_url = agentpass_sms::twilio::sms_webhook_url(&args.url);
    let webhook_path = webhook_url[args.url.trim_end_matches('/').len()..].to_owned();
    let requests: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..args.requests)
            .map(|i| {
                let sid = message_sid(run, i);
                let body = format!(
                    "Your verification code is {:06}. Do not share it with anyone.",
                    (i * 7919) % 1_000_000
                );
                let params = twilio_params(&sid, &numbers[i % numbers.len()], &body);
                let sig = signature::compute(&token, &webhook_url, &params);
                let form = form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(&params)
                    .finish();
                let headers = [("X-Twilio-Signature", sig.as_str())];
                raw_http::render_post(host, &webhook_path, &headers, &form)
            })
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut senders = Vec::new();
    for _ in 0..args.connections {
        let (requests, next, errors, shared) = (
            requests.clone(),
            next.clone(),
            errors.clone(),
            shared.clone(),
        );
        let (host, rate, spread) = (host.to_owned(), args.rate, numbers.len());
        senders.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(requests.len() / 8);
            let mut conn = None;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= requests.len() {
                    break;
                }
                if rate > 0 {
                    let due = start + Duration::from_secs_f64(i as f64 / rate as f64);
                    tokio::time::sleep_until(due.into()).await;
                }
                if conn.is_none() {
                    conn = raw_http::Conn::connect(&host).await.ok();
                }
                let t0 = Instant::now();
                let status = match conn.as_mut() {
                    Some(c) => c.send(&requests[i]).await.ok(),
                    None => None,
                };
                let t1 = Instant::now();
                if status == Some(200) {
                    latencies.push(t1 - t0);
                    // Numbers [0, watched) have an agent waiting on them.
                    if i % spread < watched {
                        shared.acked.lock().unwrap().insert(message_sid(run, i), t1);
                    }
                } else {
                    errors.fetch_add(1, Ordering::Relaxed);
                    if status.is_none() {
                        conn = None;
                    }
                }
            }
            latencies
        }));
    }
    let mut webhook = Vec::new();
    for s in senders {
        webhook.extend(s.await?);
    }
    let elapsed = start.elapsed();
    // Let the agents drain what is in flight.
    let watched_numbers: std::collections::HashSet<&String> =
        numbers.iter().take(watched).collect();
    let expected: Vec<String> = (0..args.requests)
        .filter(|i| watched_numbers.contains(&numbers[i % numbers.len()]))
        .map(|i| message_sid(run, i))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    while watched > 0 && Instant::now() < deadline {
        let got = shared.delivered.lock().unwrap().len();
        if got >= expected.len() - errors.load(Ordering::Relaxed).min(expected.len()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    done.store(true, Ordering::Relaxed);

    let n = webhook.len();
    println!(
        "webhooks: {n} ok, {} errors in {:.2}s = {:.0} req/s ({} connections)",
        errors.load(Ordering::Relaxed),
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        args.connections
    );
    print_dist("webhook reply", &mut webhook);
    if watched > 0 {
        let acked = shared.acked.lock().unwrap();
        let delivered = shared.delivered.lock().unwrap();
        let mut latency = Vec::new();
        let (mut lost, mut dup) = (0, 0);
        for sid in &expected {
            match (acked.get(sid), delivered.get(sid)) {
                (Some(a), Some((d, count))) => {
                    latency.push(d.saturating_duration_since(*a));
                    dup += (*count - 1) as usize;
                }
                (Some(_), None) => lost += 1,
                _ => {}
            }
        }
        println!("deliveries to {watched} long-polling agents: {} delivered, {lost} lost, {dup} duplicated", latency.len());
        print_dist("webhook 200 -> agent", &mut latency);
    }
    Ok(())
}

/// One agent: long-polls its number with a claim, acknowledges, records arrival.
async fn agent(
    http: reqwest::Client,
    url: String,
    key: String,
    number: String,
    shared: Arc<Shared>,
    done: Arc<AtomicBool>,
) {
    let wait_url = format!("{url}/v1/numbers/{}/wait", number.replace('+', "%2B"));
    while !done.load(Ordering::Relaxed) {
        let r = http
            .post(&wait_url)
            .bearer_auth(&key)
            .json(&json!({"timeout_ms": 1000, "lease_ms": 30000}))
            .send()
            .await;
        let Ok(r) = r else { continue };
        if r.status() != 200 {
            continue;
        }
        let at = Instant::now();
        let Ok(v) = r.json::<serde_json::Value>().await else {
            continue;
        };
        let sid = v["message"]["id"].as_str().unwrap_or_default().to_owned();
        shared
            .delivered
            .lock()
            .unwrap()
            .entry(sid.clone())
            .and_modify(|e| e.1 += 1)
            .or_insert((at, 1));
        let claim = v["claim"]["id"].as_str().unwrap_or_default();
        let ack = format!(
            "{url}/v1/numbers/{}/messages/{sid}/ack",
            number.replace('+', "%2B")
        );
        let _ = http
            .post(ack)
            .bearer_auth(&key)
            .json(&json!({ "claim_id": claim }))
            .send()
            .await;
    }
}

fn print_dist(name: &str, v: &mut [Duration]) {
    if v.is_empty() {
        println!("{name}: no samples");
        return;
    }
    v.sort();
    let p = |q: f64| v[((v.len() as f64 * q) as usize).min(v.len() - 1)];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name}: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} samples)",
        ms(p(0.5)),
        ms(p(0.9)),
        ms(p(0.99)),
        ms(v[v.len() - 1]),
        v.len()
    );
}

/// The parameters Twilio posts for an inbound SMS to a US number.
fn twilio_params(sid: &str, to: &str, body: &str) -> Vec<(String, String)> {
    [
        ("ToCountry", "US"),
        ("ToState", "CA"),
        ("SmsMessageSid", sid),
        ("NumMedia", "0"),
        ("ToCity", "SAN FRANCISCO"),
        ("FromZip", "94105"),
        ("SmsSid", sid),
        ("FromState", "CA"),
        ("SmsStatus", "received"),
        ("FromCity", "SAN FRANCISCO"),
        ("Body", body),
        ("FromCountry", "US"),
        ("To", to),
        ("ToZip", "94105"),
        ("NumSegments", "1"),
        ("MessageSid", sid),
        ("AccountSid", "AC00000000000000000000000000000000"),
        ("From", "+14155550100"),
        ("ApiVersion", "2010-04-01"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// A Twilio-shaped message id (`SM` + 32 hex digits), unique per run and message and
/// spread over the key space as Twilio's random ids are.
fn message_sid(run: u64, i: usize) -> String {
    let mut z = run ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    format!("SM{:016x}{:016x}", z ^ (z >> 31), i)
}
