//! Micro-benchmarks of the hot paths, with divan.
//!
//! ```text
//! cargo bench --bench hot_paths            # everything
//! cargo bench --bench hot_paths -- store   # only names matching "store"
//! ```
//!
//! - `webhook`: Twilio signature validation and form parsing of a realistic 12-field
//!   inbound-SMS form (the fields `agentpass-sms sms send` posts).
//! - `otp`: `extract_code` over every body of `tests/otp_corpus.json` (items = messages).
//! - `record`: postcard encode/decode of a stored `SmsRecord`.
//! - `store`: one durable insert (write + flush), and 64 concurrent inserts that the
//!   group-commit writer shares flushes between (items = writes).
//! - `actors`: a `Service` with the mock provider on a temp store: a pool actor call
//!   (`lookup`), `ingest` + `wait` of the stored message, `wait` alone, each on a newly
//!   assigned number carrying 0/100/1000 already-delivered messages within the inbox
//!   window (a starting number actor reads them back from the store).
//!
//! Async benches run on a current-thread tokio runtime (the store writer is its own
//! thread, as in the service), so they measure the work, not cross-thread wake-ups.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use agentpass_actors::store::sled::SledStore;
use agentpass_actors::{
    Filter, InboundSms, MockProvider, Service, ServiceConfig, Settings, SmsRecord, Store,
};
use agentpass_sms::twilio::signature;
use divan::counter::ItemsCount;
use divan::{black_box, Bencher};
use tokio::runtime::Runtime;

const TOKEN: &str = "0123456789abcdef0123456789abcdef";
const URL: &str = "https://sms.example.com/webhook/sms-received";
const BODY: &str = "Your Example verification code is 482913. Don't share it with anyone.";

fn main() {
    let bytes = postcard::to_allocvec(&record("SM0")).expect("encode");
    println!("postcard SmsRecord: {} bytes", bytes.len());
    divan::main();
}

/// The 12 form fields Twilio posts for an inbound SMS.
#[rustfmt::skip]
fn twilio_params(sid: &str) -> Vec<(String, String)> {
    [
        ("ToCountry", "US"), ("SmsMessageSid", sid), ("NumMedia", "0"), ("SmsSid", sid),
        ("SmsStatus", "received"), ("Body", BODY), ("To", "+15550000001"),
        ("NumSegments", "1"), ("MessageSid", sid),
        ("AccountSid", "AC0123456789abcdef0123456789abcdef"), ("From", "+14155550100"),
        ("ApiVersion", "2010-04-01"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// A stored record as the webhook makes it (the 8 other fields kept in `extra`).
fn record(sid: &str) -> SmsRecord {
    let main = ["MessageSid", "To", "From", "Body"];
    SmsRecord {
        sms_id: sid.to_owned(),
        phone_number: "+15550000001".into(),
        sender: "+14155550100".into(),
        body: BODY.into(),
        received_at: 1_790_000_000_000,
        notified_at: 1_790_000_000_000,
        retrieved_at: None,
        passport: Some("ap_bench".into()),
        extra: twilio_params(sid)
            .into_iter()
            .filter(|(k, _)| !main.contains(&k.as_str()))
            .collect(),
        ..SmsRecord::default()
    }
}

/// A unique message id per call.
fn next_sid() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("SM{:032x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Queues every insert at once (the writer batches them), then awaits them all.
fn insert_all(rt: &Runtime, store: &dyn Store, records: impl IntoIterator<Item = SmsRecord>) {
    let write = |r| store.insert_sms(r);
    let pending: Vec<_> = records.into_iter().map(write).collect();
    rt.block_on(async {
        for p in pending {
            p.await.unwrap();
        }
    });
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

mod webhook {
    use super::*;

    #[divan::bench(sample_count = 1000)]
    fn signature_compute(b: Bencher) {
        let params = twilio_params("SM0123456789abcdef0123456789abcdef");
        b.bench_local(|| signature::compute(black_box(TOKEN), black_box(URL), &params));
    }

    /// What the webhook does: checks the URL as given and with `:443` added.
    #[divan::bench(sample_count = 1000)]
    fn signature_validate(b: Bencher) {
        let params = twilio_params("SM0123456789abcdef0123456789abcdef");
        let sig = signature::compute(TOKEN, URL, &params);
        b.bench_local(|| {
            assert!(signature::validate(TOKEN, black_box(URL), &params, &sig));
        });
    }

    #[divan::bench(sample_count = 1000)]
    fn form_parse(b: Bencher) {
        let params = twilio_params("SM0123456789abcdef0123456789abcdef");
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&params)
            .finish();
        b.bench_local(|| agentpass_sms::twilio::form::parse(black_box(body.as_bytes())).unwrap());
    }
}

mod otp {
    use super::*;

    /// Every corpus body once per iteration; divan's items/s is messages per second.
    #[divan::bench(sample_count = 1000)]
    fn extract_code_corpus(b: Bencher) {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/otp_corpus.json");
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("corpus")).expect("JSON");
        let bodies: Vec<String> = json["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .map(|m| m["body"].as_str().expect("body").to_owned())
            .collect();
        for body in &bodies {
            agentpass_sms::otp::extract_code(body); // build the lazy regexes
        }
        b.counter(ItemsCount::new(bodies.len())).bench_local(|| {
            for body in &bodies {
                black_box(agentpass_sms::otp::extract_code(black_box(body)));
            }
        });
    }
}

mod record {
    use super::*;

    #[divan::bench(sample_count = 1000)]
    fn postcard_encode(b: Bencher) {
        let r = record("SM0123456789abcdef0123456789abcdef");
        b.bench_local(|| postcard::to_allocvec(black_box(&r)).unwrap());
    }

    #[divan::bench(sample_count = 1000)]
    fn postcard_decode(b: Bencher) {
        let bytes = postcard::to_allocvec(&record("SM0123456789abcdef0123456789abcdef")).unwrap();
        b.bench_local(|| postcard::from_bytes::<SmsRecord>(black_box(&bytes)).unwrap());
    }
}

mod store {
    use super::*;

    fn open() -> (tempfile::TempDir, SledStore) {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let store = SledStore::open(dir.path(), 64 << 20).expect("open store");
        (dir, store)
    }

    /// One insert, awaited until flushed: one fsync per write.
    #[divan::bench(sample_count = 500)]
    fn insert_single(b: Bencher) {
        let (rt, (_dir, store)) = (runtime(), open());
        b.with_inputs(|| record(&next_sid()))
            .bench_local_values(|r| rt.block_on(store.insert_sms(r)).unwrap());
        rt.block_on(store.close());
    }

    /// 64 inserts queued at once, then awaited: the writer shares flushes between them.
    #[divan::bench(sample_count = 300)]
    fn insert_64_concurrent(b: Bencher) {
        let (rt, (_dir, store)) = (runtime(), open());
        b.with_inputs(|| (0..64).map(|_| record(&next_sid())).collect::<Vec<_>>())
            .counter(ItemsCount::new(64usize))
            .bench_local_values(|batch| insert_all(&rt, &store, batch));
        rt.block_on(store.close());
    }
}

mod actors {
    use super::*;

    /// A started service (mock provider, temp store) on its own runtime.
    struct Fixture {
        rt: Runtime,
        s: Service,
        _dir: tempfile::TempDir,
    }

    impl Fixture {
        fn new() -> Fixture {
            let (rt, dir) = (runtime(), tempfile::TempDir::new().expect("temp dir"));
            let store = SledStore::open(dir.path(), 64 << 20).expect("open store");
            let config = ServiceConfig {
                settings: Settings::default(),
                numbers: Vec::new(),
                history_retention: Duration::from_secs(7 * 86_400),
                purge_interval: Duration::from_secs(3600),
            };
            let start = Service::start(Arc::new(store), config, Arc::new(MockProvider::default()));
            let s = rt.block_on(start).expect("start");
            Fixture { rt, s, _dir: dir }
        }

        /// A number newly assigned to a new passport, with `delivered` messages on it
        /// already delivered (inside the inbox window, which a starting actor reads).
        fn number(&self, delivered: usize) -> String {
            let number = self.rt.block_on(self.s.assign(&next_sid())).unwrap();
            let (number, now) = (number.phone_number, self.s.clock().now_ms());
            let old = (0..delivered).map(|_| {
                let mut r = record(&next_sid());
                (r.phone_number, r.received_at) = (number.clone(), now);
                r.retrieved_at = Some(now);
                r
            });
            insert_all(&self.rt, self.s.store(), old);
            number
        }

        async fn ingest(&self, to: &str) {
            let r = record(&next_sid());
            #[rustfmt::skip]
            let sms = InboundSms {
                sms_id: r.sms_id, to: to.to_owned(), from: r.sender, body: r.body,
                extra: r.extra, received_at: None, failure: None,
            };
            self.s.ingest(sms).await.unwrap();
        }

        async fn wait(&self, number: &str) {
            let timeout = Duration::from_secs(5);
            let got = self.s.wait(number, Filter::default(), timeout, None).await;
            got.unwrap();
        }
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            self.rt.block_on(self.s.shutdown());
        }
    }

    /// One call to the pool actor.
    #[divan::bench(sample_count = 1000)]
    fn pool_lookup(b: Bencher) {
        let f = Fixture::new();
        let number = f.number(0);
        b.bench_local(|| f.rt.block_on(f.s.lookup(&number)).unwrap());
    }

    /// A durable ingest, then a wait that starts the number's actor, finds the message
    /// and marks it delivered. Each iteration gets its own number.
    #[divan::bench(args = [0, 100, 1000], sample_count = 100)]
    fn ingest_then_wait(b: Bencher, delivered: usize) {
        let f = Fixture::new();
        b.with_inputs(|| f.number(delivered))
            .bench_local_values(|n| {
                f.rt.block_on(async { (f.ingest(&n).await, f.wait(&n).await) })
            });
    }

    /// A wait for a message stored beforehand (outside the timing) on its own number.
    #[divan::bench(args = [0, 100, 1000], sample_count = 100)]
    fn wait_stored(b: Bencher, delivered: usize) {
        let f = Fixture::new();
        b.with_inputs(|| {
            let n = f.number(delivered);
            f.rt.block_on(f.ingest(&n));
            n
        })
        .bench_local_values(|n| f.rt.block_on(f.wait(&n)));
    }
}
