//! The sled backend: the embedded default, one process per data directory.
//!
//! - [`layout`]: tree names, key shapes and value encodings (schema version 2); an older
//!   store is converted on open by [`migrate`].
//! - [`writer`]: the single group-commit writer thread; every write goes through it and
//!   is answered only after the `flush()` that covers it.
//! - [`health`]: the free-space and flush checks that keep sled from filling the disk.
//! - [`read`] / [`write`]: the reads (any thread, straight from the trees) and the
//!   writes (applied by the writer thread, in queue order).

mod health;
mod layout;
mod migrate;
mod read;
mod trees;
mod write;
mod writer;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use self::health::Health;
use self::trees::{io, Trees};
use self::writer::{Job, Writer};
use crate::clock::Millis;
use crate::record::{NumberRecord, SmsRecord};
use crate::store::{
    Cursor, Feed, Ingested, Keep, PurgeCursor, PurgeStep, Store, StoreError, StoreFuture, Tenure,
    Watch,
};

pub use self::layout::SCHEMA_VERSION;

/// The sled store. Cheap to share behind an `Arc`.
pub struct SledStore {
    trees: Arc<Trees>,
    writer: Writer,
    feed: Feed,
    health: Arc<Health>,
    close_limit: Duration,
}

/// How a sled store is opened.
#[derive(Clone, Debug)]
pub struct SledOptions {
    /// sled's page cache, in bytes.
    pub cache_bytes: u64,
    /// Free disk space kept: writes are refused (and retried by their senders) rather
    /// than let sled hit a full disk, which it does not survive.
    pub min_free_bytes: u64,
    /// A flush running longer than this makes new writes fail at once instead of
    /// queueing behind it, and `health` report it.
    pub stall_after: Duration,
    /// Longest `close` waits for the last flush.
    pub close_limit: Duration,
}

impl Default for SledOptions {
    fn default() -> Self {
        SledOptions {
            cache_bytes: 64 << 20,
            min_free_bytes: 64 << 20,
            stall_after: Duration::from_secs(5),
            close_limit: Duration::from_secs(10),
        }
    }
}

impl SledStore {
    /// Opens (or creates) the store in `dir` with a page cache of `cache_bytes` and
    /// the other [`SledOptions`] defaults.
    pub fn open(dir: &Path, cache_bytes: u64) -> Result<SledStore, StoreError> {
        let options = SledOptions {
            cache_bytes,
            ..SledOptions::default()
        };
        SledStore::open_with(dir, &options)
    }

    /// Opens (or creates) the store in `dir`.
    pub fn open_with(dir: &Path, options: &SledOptions) -> Result<SledStore, StoreError> {
        let db = ::sled::Config::new()
            .path(dir.join("db"))
            .cache_capacity(options.cache_bytes)
            .open()
            .map_err(|e| match e {
                ::sled::Error::Io(io) if io.to_string().contains("could not acquire lock") => {
                    StoreError::Locked {
                        dir: dir.display().to_string(),
                    }
                }
                other => StoreError::io(other),
            })?;
        migrate::upgrade(&db, dir)?;
        let trees = Arc::new(Trees {
            messages: db.open_tree(layout::MESSAGES).map_err(io)?,
            message_ids: db.open_tree(layout::MESSAGE_IDS).map_err(io)?,
            tenures: db.open_tree(layout::TENURES).map_err(io)?,
            numbers: db.open_tree(layout::NUMBERS).map_err(io)?,
            db,
        });
        let feed = Feed::default();
        let health = Arc::new(Health::new(
            dir.to_path_buf(),
            options.min_free_bytes,
            options.stall_after,
        ));
        let writer = writer::spawn(trees.clone(), feed.clone(), health.clone());
        Ok(SledStore {
            trees,
            writer,
            feed,
            health,
            close_limit: options.close_limit,
        })
    }
}

#[async_trait]
impl Store for SledStore {
    fn backend(&self) -> &'static str {
        "sled"
    }

    fn insert_sms(&self, sms: SmsRecord) -> StoreFuture<Ingested> {
        self.writer.submit(|reply| Job::Insert(sms, reply))
    }

    fn set_delivered(&self, number: &str, ids: Vec<String>, at: Option<Millis>) -> StoreFuture<()> {
        let number = number.to_owned();
        self.writer.submit(|reply| Job::SetDelivered {
            number,
            ids,
            at,
            reply,
        })
    }

    fn put_number(
        &self,
        number: &str,
        expected: Option<NumberRecord>,
        record: NumberRecord,
    ) -> StoreFuture<()> {
        let number = number.to_owned();
        self.writer.submit(|reply| Job::PutNumber {
            number,
            expected,
            record,
            reply,
        })
    }

    fn remove_number(&self, number: &str, expected: NumberRecord, at: Millis) -> StoreFuture<()> {
        let number = number.to_owned();
        self.writer.submit(|reply| Job::RemoveNumber {
            number,
            expected,
            at,
            reply,
        })
    }

    fn purge_step(
        &self,
        before: Millis,
        resume: Option<PurgeCursor>,
        max_scan: usize,
    ) -> StoreFuture<PurgeStep> {
        self.writer.submit(|reply| Job::Purge {
            before,
            resume,
            max_scan,
            reply,
        })
    }

    async fn message(&self, number: &str, id: &str) -> Result<Option<SmsRecord>, StoreError> {
        Ok(read::stored_with_key(&self.trees, number, id)?.map(|(_, sms)| sms))
    }

    async fn undelivered_since(
        &self,
        number: &str,
        from: Millis,
    ) -> Result<Vec<SmsRecord>, StoreError> {
        read::undelivered_since(&self.trees, number, from)
    }

    async fn newest(
        &self,
        number: &str,
        span: Tenure,
        before: Option<&Cursor>,
        want: usize,
        keep: Keep<'_>,
    ) -> Result<Vec<SmsRecord>, StoreError> {
        read::newest(&self.trees, number, span, before, want, keep)
    }

    async fn tenures(&self, passport: &str) -> Result<Vec<(String, Tenure)>, StoreError> {
        read::tenures(&self.trees, passport)
    }

    async fn numbers(&self) -> Result<Vec<(String, NumberRecord)>, StoreError> {
        read::numbers(&self.trees)
    }

    fn watch(&self, number: &str) -> Watch {
        self.feed.watch(number)
    }

    fn health(&self) -> Result<(), StoreError> {
        self.health.report()
    }

    async fn close(&self) {
        // Joining the writer waits for its last flush: off the async workers.
        let (writer, limit) = (self.writer.clone(), self.close_limit);
        let _ = tokio::task::spawn_blocking(move || writer.close(limit)).await;
    }
}
