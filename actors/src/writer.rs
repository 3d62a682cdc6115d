//! The single store writer: group commit on a dedicated thread.
//!
//! Every write in the service goes through here. The thread takes whatever is queued
//! (up to [`MAX_BATCH`]), applies it in arrival order and passes the batch to a flusher
//! thread, which calls `flush()` once for every batch that is waiting and only then
//! answers each caller. Many concurrent webhooks share one fsync, the next batch is
//! applied while the last is being flushed, and a caller that got `Ok` knows its write
//! survives `kill -9`. (`flush_async` is not used:
//! it deadlocks with concurrent callers in sled 0.34.7.) Because one thread applies writes
//! in order, check-then-insert (idempotency on the message id) is atomic.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use crate::apply::apply;
use crate::clock::Millis;
use crate::record::{NumberRecord, SmsRecord};
use crate::store::{StoreError, Trees};

/// Most writes applied under one flush.
pub const MAX_BATCH: usize = 4096;

/// A write request.
#[derive(Debug)]
pub enum WriteOp {
    /// Store a new message unless its id is already stored. The writer attributes it to
    /// the number's holder (or quarantined previous holder) as of this point in the
    /// write order.
    InsertSms(SmsRecord),
    /// Set or clear the `retrieved_at` of a message to `number`.
    SetRetrieved {
        number: String,
        sms_id: String,
        at: Option<Millis>,
    },
    /// Set the retrieved time of several messages to `number` in one write.
    SetRetrievedMany {
        number: String,
        sms_ids: Vec<String>,
        at: Millis,
    },
    /// Create or replace a pool number's record.
    PutNumber {
        number: String,
        record: NumberRecord,
    },
    /// Remove a number from the pool.
    /// Remove a number from the pool at `at` (service clock: it ends the attribution of
    /// the number's messages).
    DeleteNumber { number: String, at: Millis },
    /// One step of a history purge: delete messages received before `before`, looking
    /// at no more than `max_scan` keys from `resume` (where the previous step stopped).
    Purge {
        before: Millis,
        resume: Option<Vec<u8>>,
        max_scan: usize,
    },
}

/// What a write did.
#[derive(Debug, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The message is new and now durable; the stored record (with its attribution).
    Inserted(SmsRecord),
    /// A message with this id was already stored; nothing changed.
    Duplicate(SmsRecord),
    /// The write was applied.
    Done,
    /// A purge step: how many messages it deleted, and where the next step starts
    /// (`None`: the pass is complete).
    Purged {
        removed: usize,
        resume: Option<Vec<u8>>,
    },
}

struct Job {
    op: WriteOp,
    reply: oneshot::Sender<Result<WriteOutcome, StoreError>>,
}

/// Sending side of the writer thread.
#[derive(Clone)]
pub(crate) struct Writer {
    tx: Arc<Mutex<Option<mpsc::Sender<Job>>>>,
    thread: Arc<Mutex<Option<JoinHandle<()>>>>,
}

pub(crate) fn spawn(trees: Arc<Trees>) -> Writer {
    let (tx, rx) = mpsc::channel::<Job>();
    let thread = std::thread::Builder::new()
        .name("store-writer".into())
        .spawn(move || run(&trees, rx))
        .expect("spawn store writer thread");
    Writer {
        tx: Arc::new(Mutex::new(Some(tx))),
        thread: Arc::new(Mutex::new(Some(thread))),
    }
}

impl Writer {
    /// Queues `op` now (so writes issued in order apply in order) and returns a future
    /// that resolves once it is durable.
    pub(crate) fn submit(
        &self,
        op: WriteOp,
    ) -> impl std::future::Future<Output = Result<WriteOutcome, StoreError>> + Send + 'static {
        let (reply, rx) = oneshot::channel();
        let queued = {
            let guard = self.tx.lock().expect("writer lock");
            guard
                .as_ref()
                .map(|tx| tx.send(Job { op, reply }).is_ok())
                .unwrap_or(false)
        };
        async move {
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
        }
    }

    /// Closes the queue; the thread drains and flushes what is queued, then exits.
    pub(crate) fn close(&self) {
        self.tx.lock().expect("writer lock").take();
        if let Some(thread) = self.thread.lock().expect("writer lock").take() {
            let _ = thread.join();
        }
    }
}

type Reply = oneshot::Sender<Result<WriteOutcome, StoreError>>;

/// Applies batches in queue order and hands each to the flusher, so the next batch is
/// applied while the previous one is being made durable.
fn run(trees: &Trees, rx: mpsc::Receiver<Job>) {
    let (done_tx, done_rx) = mpsc::channel::<Vec<(Reply, Result<WriteOutcome, StoreError>)>>();
    let db = trees.db.clone();
    let flusher = std::thread::Builder::new()
        .name("store-flusher".into())
        .spawn(move || flush_and_reply(&db, done_rx))
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
        let applied = batch
            .drain(..)
            .map(|mut job| {
                let result = apply(trees, &mut job.op);
                (job.reply, result)
            })
            .collect();
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
    db: &sled::Db,
    done: mpsc::Receiver<Vec<(Reply, Result<WriteOutcome, StoreError>)>>,
) {
    while let Ok(first) = done.recv() {
        let mut batches = vec![first];
        batches.extend(done.try_iter());
        let flushed = db.flush();
        for (reply, result) in batches.into_iter().flatten() {
            let result = match &flushed {
                Ok(_) => result,
                Err(e) => Err(StoreError::Sled(e.clone())),
            };
            let _ = reply.send(result);
        }
    }
    if let Err(e) = db.flush() {
        tracing::error!(error = %e, "final store flush failed");
    }
}
