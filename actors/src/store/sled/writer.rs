//! The single sled writer: group commit on a dedicated thread.
//!
//! Every write goes through here. The thread takes whatever is queued (up to
//! [`MAX_BATCH`]), applies it in arrival order and passes the batch to a flusher thread,
//! which calls `flush()` once for every batch that is waiting and only then answers each
//! caller and publishes the newly stored messages on the change feed. Many concurrent
//! webhooks share one fsync, the next batch is applied while the last is being flushed,
//! and a caller that got `Ok` knows its write survives `kill -9`. (`flush_async` is not
//! used: it deadlocks with concurrent callers in sled 0.34.7.) Because one thread applies
//! writes in order, check-then-insert (idempotency, compare-and-set) is atomic.
//!
//! Before a batch is applied, [`Health::admit`] checks that it can be made durable
//! (disk space, no stuck or failed flush); a batch that cannot is refused whole, at
//! once, with nothing applied — a caller is never left waiting on a flush that cannot
//! finish, and writes resume by themselves when space is back.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use super::health::Health;
use super::trees::Trees;
use super::write;
use crate::clock::Millis;
use crate::record::{NumberRecord, SmsRecord};
use crate::store::{Feed, Ingested, PurgeCursor, PurgeStep, StoreError, StoreFuture};

/// Most writes applied under one flush.
const MAX_BATCH: usize = 4096;

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// A write and the caller to answer once it is durable.
pub(super) enum Job {
    Insert(SmsRecord, Reply<Ingested>),
    SetDelivered {
        number: String,
        ids: Vec<String>,
        at: Option<Millis>,
        reply: Reply<()>,
    },
    PutNumber {
        number: String,
        expected: Option<NumberRecord>,
        record: NumberRecord,
        reply: Reply<()>,
    },
    RemoveNumber {
        number: String,
        expected: NumberRecord,
        at: Millis,
        reply: Reply<()>,
    },
    Purge {
        before: Millis,
        resume: Option<PurgeCursor>,
        max_scan: usize,
        reply: Reply<PurgeStep>,
    },
}

impl Job {
    /// About how many bytes the write adds to the store, for the free-space check.
    fn size(&self) -> u64 {
        const OVERHEAD: usize = 128;
        let bytes = match self {
            Job::Insert(sms, _) => {
                let extra: usize = sms.extra.iter().map(|(k, v)| k.len() + v.len()).sum();
                sms.body.len() + sms.sender.len() + sms.sms_id.len() + extra + OVERHEAD
            }
            _ => OVERHEAD,
        };
        bytes as u64
    }

    /// Answers the caller with `error` without applying anything.
    fn refuse(self, error: StoreError) {
        match self {
            Job::Insert(_, reply) => drop(reply.send(Err(error))),
            Job::SetDelivered { reply, .. }
            | Job::PutNumber { reply, .. }
            | Job::RemoveNumber { reply, .. } => drop(reply.send(Err(error))),
            Job::Purge { reply, .. } => drop(reply.send(Err(error))),
        }
    }
}

/// An applied write waiting for its flush: the reply owed and what the write did.
enum Applied {
    Insert(Reply<Ingested>, Result<Ingested, StoreError>),
    Unit(Reply<()>, Result<(), StoreError>),
    Purge(Reply<PurgeStep>, Result<PurgeStep, StoreError>),
}

impl Applied {
    /// Answers the caller after the flush (`flushed` is its outcome), publishing a newly
    /// stored message first so that a watcher learns of it no later than the caller.
    fn finish(self, flushed: &Result<(), StoreError>, feed: &Feed) {
        fn after<T>(r: Result<T, StoreError>, f: &Result<(), StoreError>) -> Result<T, StoreError> {
            f.clone().and(r)
        }
        match self {
            Applied::Insert(reply, result) => {
                let result = after(result, flushed);
                if let Ok(Ingested::Stored(sms)) = &result {
                    feed.publish(sms.clone());
                }
                let _ = reply.send(result);
            }
            Applied::Unit(reply, result) => drop(reply.send(after(result, flushed))),
            Applied::Purge(reply, result) => drop(reply.send(after(result, flushed))),
        }
    }
}

fn apply(trees: &Trees, job: Job) -> Applied {
    match job {
        Job::Insert(sms, reply) => Applied::Insert(reply, write::insert_sms(trees, sms)),
        Job::SetDelivered {
            number,
            ids,
            at,
            reply,
        } => Applied::Unit(reply, write::set_delivered(trees, &number, &ids, at)),
        Job::PutNumber {
            number,
            expected,
            record,
            reply,
        } => Applied::Unit(
            reply,
            write::put_number(trees, &number, expected.as_ref(), &record),
        ),
        Job::RemoveNumber {
            number,
            expected,
            at,
            reply,
        } => Applied::Unit(reply, write::remove_number(trees, &number, &expected, at)),
        Job::Purge {
            before,
            resume,
            max_scan,
            reply,
        } => Applied::Purge(reply, write::purge(trees, before, resume, max_scan)),
    }
}

/// Sending side of the writer thread.
#[derive(Clone)]
pub(super) struct Writer {
    tx: Arc<Mutex<Option<mpsc::Sender<Job>>>>,
    thread: Arc<Mutex<Option<JoinHandle<()>>>>,
}

pub(super) fn spawn(trees: Arc<Trees>, feed: Feed, health: Arc<Health>) -> Writer {
    let (tx, rx) = mpsc::channel::<Job>();
    let thread = std::thread::Builder::new()
        .name("store-writer".into())
        .spawn(move || run(&trees, rx, feed, health))
        .expect("spawn store writer thread");
    Writer {
        tx: Arc::new(Mutex::new(Some(tx))),
        thread: Arc::new(Mutex::new(Some(thread))),
    }
}

impl Writer {
    /// Queues the job `make` builds now (so writes issued in order apply in order) and
    /// returns a future that resolves once it is durable.
    pub(super) fn submit<T: Send + 'static>(
        &self,
        make: impl FnOnce(Reply<T>) -> Job,
    ) -> StoreFuture<T> {
        let (reply, rx) = oneshot::channel();
        let queued = {
            let guard = self.tx.lock().expect("writer lock");
            guard
                .as_ref()
                .map(|tx| tx.send(make(reply)).is_ok())
                .unwrap_or(false)
        };
        Box::pin(async move {
            if !queued {
                return Err(StoreError::Closed);
            }
            #[cfg(feature = "paused-time")]
            // A blocking task keeps a paused tokio clock from auto-advancing while the
            // writer thread (which tokio cannot see) works: tests stay deterministic.
            let rx = async move {
                tokio::task::spawn_blocking(move || rx.blocking_recv())
                    .await
                    .expect("blocking wait")
            };
            rx.await.map_err(|_| StoreError::Closed)?
        })
    }

    /// Closes the queue; the thread drains and flushes what is queued, then exits. Waits
    /// at most `limit` for that: a flush stuck in the engine must not stop a shutdown
    /// (whatever it holds was never acknowledged).
    pub(super) fn close(&self, limit: std::time::Duration) {
        self.tx.lock().expect("writer lock").take();
        let Some(thread) = self.thread.lock().expect("writer lock").take() else {
            return;
        };
        let (done_tx, done_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = thread.join();
            let _ = done_tx.send(());
        });
        if done_rx.recv_timeout(limit).is_err() {
            tracing::error!(
                "the store's last flush did not finish within {} s; shutting down without it (no write it holds was acknowledged)",
                limit.as_secs()
            );
        }
    }
}

/// Applies batches in queue order and hands each to the flusher, so the next batch is
/// applied while the previous one is being made durable.
fn run(trees: &Trees, rx: mpsc::Receiver<Job>, feed: Feed, health: Arc<Health>) {
    let (done_tx, done_rx) = mpsc::channel::<Vec<Applied>>();
    let db = trees.db.clone();
    let flusher_health = health.clone();
    let flusher = std::thread::Builder::new()
        .name("store-flusher".into())
        .spawn(move || flush_and_reply(&db, done_rx, &feed, &flusher_health))
        .expect("spawn store flusher thread");
    let mut batch = Vec::with_capacity(64);
    while let Ok(first) = rx.recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let bytes = batch.iter().map(Job::size).sum();
        if let Err(refused) = health.admit(bytes) {
            batch.drain(..).for_each(|job| job.refuse(refused.clone()));
            continue;
        }
        let applied = batch.drain(..).map(|job| apply(trees, job)).collect();
        if done_tx.send(applied).is_err() {
            break;
        }
    }
    drop(done_tx);
    let _ = flusher.join();
}

/// Flushes once for every batch applied so far (one `flush()` covers all writes before
/// it), then answers their callers: an `Ok` means durable.
fn flush_and_reply(
    db: &::sled::Db,
    done: mpsc::Receiver<Vec<Applied>>,
    feed: &Feed,
    health: &Health,
) {
    while let Ok(first) = done.recv() {
        let mut batches = vec![first];
        batches.extend(done.try_iter());
        health.flush_begins();
        let flushed = db.flush().map(drop).map_err(StoreError::io);
        health.flush_ended(&flushed);
        for applied in batches.into_iter().flatten() {
            applied.finish(&flushed, feed);
        }
    }
    if let Err(e) = db.flush() {
        tracing::error!(error = %e, "final store flush failed");
    }
}
