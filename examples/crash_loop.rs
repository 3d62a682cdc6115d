//! Reliability under `kill -9`: rounds of signed webhooks from concurrent clients, the
//! server killed with SIGKILL at a random moment in each round and started again on the
//! same data directory; at the end every message that got a 200 must be in the store,
//! once. Prints tried / acknowledged / refused / stored / lost / duplicated.
//!
//! ```text
//! cargo build --release && cargo run --release --example crash_loop -- \
//!     --bin target/release/agentpass-sms --rounds 30 --per-round 600 --clients 16
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentpass_sms::twilio::signature;
use clap::Parser;

#[derive(Parser)]
struct Args {
    /// The agentpass-sms binary.
    #[arg(long, default_value = "target/release/agentpass-sms")]
    bin: PathBuf,
    /// Kill -9 rounds.
    #[arg(long, default_value_t = 30)]
    rounds: usize,
    /// Webhooks attempted per round (the kill usually cuts a round short).
    #[arg(long, default_value_t = 600)]
    per_round: usize,
    /// Concurrent webhook clients.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Numbers the messages go to.
    #[arg(long, default_value_t = 10)]
    numbers: usize,
}

struct Server {
    child: Child,
    base: String,
}

fn start(bin: &Path, dir: &Path) -> Server {
    let mut child = Command::new(bin)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .current_dir(dir)
        .env("RUST_LOG", "warn,agentpass_sms::app=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start agentpass-sms");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        let line = lines.next().expect("server exited").unwrap();
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break format!("http://{}", rest.split_whitespace().next().unwrap());
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    Server { child, base }
}

#[tokio::main]
async fn main() {
    let mut args = Args::parse();
    args.bin = std::fs::canonicalize(&args.bin).expect("the --bin binary exists");
    let dir = tempfile::TempDir::new().unwrap();
    let client = agentpass_sms::http_client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut server = start(&args.bin, dir.path());
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    let (key, token) = (read("dev-api-key"), read("dev-webhook-token"));
    let mut numbers = Vec::new();
    for i in 0..args.numbers {
        let url = format!("{}/v1/passports/crash_{i}/number", server.base);
        let r = client
            .put(url)
            .bearer_auth(key.trim())
            .send()
            .await
            .unwrap();
        let v: serde_json::Value = r.json().await.unwrap();
        numbers.push(v["phone_number"].as_str().unwrap().to_owned());
    }
    let acked: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    let (mut tried, mut refused) = (0usize, 0usize);
    for round in 0..args.rounds {
        let url = format!("{}/webhook/sms-received", server.base);
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..args.clients {
            let (client, url, token, numbers) =
                (client.clone(), url.clone(), token.clone(), numbers.clone());
            let (next, acked, per_round) = (next.clone(), acked.clone(), args.per_round);
            tasks.push(tokio::spawn(async move {
                let (mut tried, mut refused) = (0, 0);
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= per_round {
                        break;
                    }
                    let sid = format!("SM{:08x}{:024x}", round, i);
                    let to = &numbers[i % numbers.len()];
                    let params: Vec<(String, String)> = [
                        ("MessageSid", sid.as_str()),
                        ("From", "+14155550100"),
                        ("To", to.as_str()),
                        ("Body", "Your code is 246810"),
                    ]
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                    let sig = signature::compute(token.trim(), &url, &params);
                    tried += 1;
                    let sent = client
                        .post(&url)
                        .header("X-Twilio-Signature", sig)
                        .form(&params)
                        .send()
                        .await;
                    match sent {
                        Ok(r) if r.status() == 200 => {
                            acked.lock().unwrap().insert(sid);
                        }
                        Ok(_) => refused += 1,
                        // The server is gone (killed): this client's round is over.
                        Err(_) => {
                            refused += 1;
                            break;
                        }
                    }
                }
                (tried, refused)
            }));
        }
        // Kill at a random moment of the round.
        let delay = 50 + rand::random::<u64>() % 400;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        for t in tasks {
            let (t, r) = t.await.unwrap();
            tried += t;
            refused += r;
        }
        server = start(&args.bin, dir.path());
    }
    // Everything acknowledged must be stored, once.
    let mut stored: BTreeMap<String, usize> = BTreeMap::new();
    for number in &numbers {
        let mut cursor: Option<String> = None;
        loop {
            let mut url = format!(
                "{}/v1/numbers/{}/messages?limit=100",
                server.base,
                number.replace('+', "%2B")
            );
            if let Some(c) = &cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            let r = client
                .get(url)
                .bearer_auth(key.trim())
                .send()
                .await
                .unwrap();
            let v: serde_json::Value = r.json().await.unwrap();
            for m in v["messages"].as_array().unwrap() {
                *stored
                    .entry(m["id"].as_str().unwrap().to_owned())
                    .or_default() += 1;
            }
            match v["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
    }
    server.child.kill().unwrap();
    let acked = acked.lock().unwrap();
    let lost = acked.iter().filter(|id| !stored.contains_key(*id)).count();
    let duplicated = stored.values().filter(|n| **n > 1).count();
    println!(
        "rounds {} · tried {tried} · acknowledged {} · not acknowledged (refused or cut off by the kill) {refused} · stored {} · lost {lost} · duplicated {duplicated}",
        args.rounds,
        acked.len(),
        stored.len()
    );
    assert_eq!(
        (lost, duplicated),
        (0, 0),
        "acknowledged messages lost or duplicated"
    );
}
