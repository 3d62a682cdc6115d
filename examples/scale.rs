//! Scale benchmark of the actor system and store, in-process (no HTTP):
//! 100,000 assigned numbers (10,000 of them active), 1,000,000 stored SMS, restart
//! time, and delivery latency with and without 10,000 other waiters.
//!
//! ```text
//! cargo run --release --example scale -- --dir /tmp/agentpass-scale
//! ```

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use agentpass_actors::store::sled::SledStore;
use agentpass_actors::{Filter, InboundSms, MockProvider, Service, ServiceConfig, Settings, Store};
use clap::Parser;

#[derive(Parser, Debug)]
struct Args {
    /// Data directory (reused: a second run skips populating).
    #[arg(long, default_value = "/tmp/agentpass-scale")]
    dir: PathBuf,
    #[arg(long, default_value_t = 100_000)]
    numbers: usize,
    #[arg(long, default_value_t = 10_000)]
    active: usize,
    #[arg(long, default_value_t = 1_000_000)]
    messages: usize,
    /// sled page cache in MiB (the service's `store.cache_capacity`).
    #[arg(long, default_value_t = 64)]
    cache_mb: u64,
    /// How long an undelivered message stays in a number's inbox; the default keeps the
    /// populated messages "recent", so numbers with waiters also load an inbox.
    #[arg(long, default_value_t = 3600)]
    inbox_retention_secs: u64,
    /// Deliveries measured per latency run.
    #[arg(long, default_value_t = 2_000)]
    samples: usize,
}

static RUN: std::sync::LazyLock<u32> = std::sync::LazyLock::new(rand::random);

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

async fn start(args: &Args) -> (Service, Duration) {
    let (dir, cache_mb, inbox_secs) = (&args.dir, args.cache_mb, args.inbox_retention_secs);
    let t = Instant::now();
    let store = SledStore::open(dir, cache_mb << 20).expect("open store");
    println!("store open: RSS {:.0} MB", rss_mb());
    let existing = store.numbers().await.expect("numbers");
    let provider = MockProvider::after(existing.iter().map(|(n, _)| n.as_str()));
    let config = ServiceConfig {
        settings: Settings {
            inbox_retention: Duration::from_secs(inbox_secs),
            ..Settings::default()
        },
        numbers: Vec::new(),
        history_retention: Duration::from_secs(30 * 86400),
        purge_interval: Duration::from_secs(86400),
    };
    let svc = Service::start(Arc::new(store), config, Arc::new(provider))
        .await
        .expect("start");
    // As `serve` does once the pool is restored (src/app.rs).
    agentpass_sms::memory::trim();
    (svc, t.elapsed())
}

fn sms(i: usize, to: &str) -> InboundSms {
    InboundSms {
        // Unique per process, so a rerun on the same store never hits an old id.
        sms_id: format!("SMscale{:08x}{i:012}", *RUN),
        to: to.to_owned(),
        from: "+14155550100".into(),
        body: format!(
            "Your verification code is {:06}. Do not share it.",
            i % 1_000_000
        ),
        // The other parameters Twilio posts with an inbound SMS, kept in the record.
        extra: [
            ("ToCountry", "US"),
            ("ToState", "CA"),
            ("SmsMessageSid", "SM0123456789abcdef0123456789abcdef"),
            ("NumMedia", "0"),
            ("ToCity", "SAN FRANCISCO"),
            ("FromZip", "94105"),
            ("SmsSid", "SM0123456789abcdef0123456789abcdef"),
            ("FromState", "CA"),
            ("SmsStatus", "received"),
            ("FromCity", "SAN FRANCISCO"),
            ("FromCountry", "US"),
            ("ToZip", "94105"),
            ("NumSegments", "1"),
            ("AccountSid", "AC00000000000000000000000000000000"),
            ("ApiVersion", "2010-04-01"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        received_at: None,
        failure: None,
    }
}

/// Runs `n` jobs over 64 concurrent tasks.
async fn fan_out<F, Fut>(n: usize, job: F)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let job = Arc::new(job);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let (job, next) = (job.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    job(i).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

/// ingest → delivered latency to one waiting agent, `samples` times; p50/p99 in µs.
async fn delivery(svc: &Arc<Service>, number: &str, samples: usize, tag: usize) -> (f64, f64) {
    let mut lat = Vec::with_capacity(samples);
    for i in 0..samples {
        let (s2, n2) = (svc.clone(), number.to_owned());
        // Wait for exactly this message (older ones on the number stay untouched).
        let marker = format!("{:06}.", (tag + i) % 1_000_000);
        let f = Filter::new(None, Some(marker), None);
        let waiter = tokio::spawn(async move {
            s2.wait(&n2, f, Duration::from_secs(10), None)
                .await
                .map(|_| Instant::now())
        });
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_micros(200)).await;
        svc.ingest(sms(tag + i, number)).await.expect("ingest");
        let t200 = Instant::now();
        let got = waiter.await.unwrap().expect("delivered");
        lat.push(got.saturating_duration_since(t200).as_secs_f64() * 1e6);
    }
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (lat[lat.len() / 2], lat[lat.len() * 99 / 100])
}

fn main() {
    // As the service binary does (src/main.rs), so RSS figures match it.
    agentpass_sms::memory::limit_arenas();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(run(Args::parse()));
}

async fn run(args: Args) {
    let fresh = !args.dir.join("db").exists();
    let (svc, open) = start(&args).await;
    let svc = Arc::new(svc);
    println!(
        "open: {:.2} s (fresh: {fresh}), RSS {:.0} MB",
        open.as_secs_f64(),
        rss_mb()
    );
    if fresh {
        let t = Instant::now();
        let s = svc.clone();
        fan_out(args.numbers, move |i| {
            let s = s.clone();
            async move {
                s.assign(&format!("p{i}")).await.expect("assign");
            }
        })
        .await;
        println!(
            "assigned {} numbers in {:.1} s",
            args.numbers,
            t.elapsed().as_secs_f64()
        );
        let t = Instant::now();
        let (s, total) = (svc.clone(), args.numbers);
        fan_out(args.messages, move |i| {
            let s = s.clone();
            async move {
                let to = format!("+1555{:07}", 1 + (i % total));
                s.ingest(sms(i, &to)).await.expect("ingest");
            }
        })
        .await;
        let secs = t.elapsed().as_secs_f64();
        println!(
            "stored {} SMS in {:.1} s = {:.0}/s (durable, group commit)",
            args.messages,
            secs,
            args.messages as f64 / secs
        );
        svc.shutdown().await;
        drop(svc);
        let (again, open) = start(&args).await;
        println!(
            "restart to ready with {} numbers and {} SMS: {:.2} s",
            args.numbers,
            args.messages,
            open.as_secs_f64()
        );
        return finish(Arc::new(again), &args).await;
    }
    finish(svc, &args).await;
}

async fn finish(svc: Arc<Service>, args: &Args) {
    let numbers = svc.numbers().await.expect("numbers").len();
    println!("pool: {numbers} numbers, RSS {:.0} MB", rss_mb());
    let probe = "+15550000001";
    // Warm sled's cache first: both runs below should compare waiters, not a cold start.
    let (c50, c99) = delivery(&svc, probe, args.samples / 4, 10_000_000).await;
    println!("delivery, cold (warm-up, not compared): p50 {c50:.0} µs, p99 {c99:.0} µs");
    let (p50, p99) = delivery(&svc, probe, args.samples, 10_100_000).await;
    println!("delivery, no other waiters: p50 {p50:.0} µs, p99 {p99:.0} µs");
    // Park `active` waiters on other numbers (a filter nothing matches keeps them waiting).
    let mut parked = Vec::new();
    for i in 0..args.active {
        let (s, n) = (svc.clone(), format!("+1555{:07}", 2 + i));
        let f = Filter::new(Some("nobody".into()), None, None);
        parked.push(tokio::spawn(async move {
            s.wait(&n, f, Duration::from_secs(600), None).await
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!(
        "{} parked waiters on {} live number actors: RSS {:.0} MB",
        args.active,
        svc.live_actors(),
        rss_mb()
    );
    let (q50, q99) = delivery(&svc, probe, args.samples, 20_200_000).await;
    println!(
        "delivery, {} other waiters: p50 {q50:.0} µs, p99 {q99:.0} µs (p99 ratio {:.2})",
        args.active,
        q99 / p99
    );
    for p in parked {
        p.abort();
    }
    svc.shutdown().await;
}
