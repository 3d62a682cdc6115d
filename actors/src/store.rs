//! The sled store: the source of truth for messages, numbers and assignments.
//!
//! Trees: `sms` (id → record); index trees keyed by (number, time), (passport, time),
//! (time) and undelivered (number, time) for history paging, purges and actor start-up;
//! `numbers` (number → pool record) and `meta` (schema version). Records are
//! postcard-encoded.
//! Reads go straight to sled from any thread; every write goes through the single
//! group-commit [`writer`](crate::writer).

use std::path::Path;
use std::sync::Arc;

use serde::{de::DeserializeOwned, Serialize};
use sled::{Db, Tree};

use crate::clock::Millis;
use crate::record::{NumberRecord, SmsRecord};
use crate::writer::{self, WriteOp, WriteOutcome, Writer};

/// Version of the on-disk layout; a store written by another version is refused.
pub const SCHEMA_VERSION: u32 = 1;
const SCHEMA_KEY: &[u8] = b"schema_version";

/// Store failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds the data directory.
    #[error("the data directory {0} is in use by another agentpass-sms process")]
    Locked(String),
    /// The data directory was written by an incompatible version.
    #[error(
        "the store in {dir} has schema version {found}, this build reads version {SCHEMA_VERSION}"
    )]
    Schema { dir: String, found: u32 },
    /// sled reported an error.
    #[error("store error: {0}")]
    Sled(#[from] sled::Error),
    /// A record could not be decoded.
    #[error("corrupt record in the store: {0}")]
    Codec(#[from] postcard::Error),
    /// The writer has stopped (shutdown).
    #[error("the store is shut down")]
    Closed,
}

/// The open trees, shared by readers and the writer thread.
pub(crate) struct Trees {
    pub db: Db,
    pub sms: Tree,
    pub by_number: Tree,
    pub by_passport: Tree,
    pub by_time: Tree,
    /// (number, time) of messages not yet delivered: what a number actor loads.
    pub undelivered: Tree,
    pub numbers: Tree,
}

/// Handle to the store: cheap to clone.
#[derive(Clone)]
pub struct Store {
    trees: Arc<Trees>,
    writer: Writer,
}

/// One page of history, newest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    /// Messages on this page.
    pub messages: Vec<SmsRecord>,
    /// Pass back to get the next (older) page; `None` on the last page.
    pub next_cursor: Option<String>,
}

impl Store {
    /// Opens (or creates) the store in `dir` with a page cache of `cache_bytes`.
    pub fn open(dir: &Path, cache_bytes: u64) -> Result<Store, StoreError> {
        let db = sled::Config::new()
            .path(dir.join("db"))
            .cache_capacity(cache_bytes)
            .open()
            .map_err(|e| match e {
                sled::Error::Io(io) if io.to_string().contains("could not acquire lock") => {
                    StoreError::Locked(dir.display().to_string())
                }
                other => StoreError::Sled(other),
            })?;
        match db.get(SCHEMA_KEY)? {
            Some(v) => {
                let found = u32::from_be_bytes(v.as_ref().try_into().unwrap_or([0; 4]));
                if found != SCHEMA_VERSION {
                    let dir = dir.display().to_string();
                    return Err(StoreError::Schema { dir, found });
                }
            }
            None => {
                db.insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())?;
                db.flush()?;
            }
        }
        let trees = Arc::new(Trees {
            sms: db.open_tree("sms")?,
            by_number: db.open_tree("sms_by_number")?,
            by_passport: db.open_tree("sms_by_passport")?,
            by_time: db.open_tree("sms_by_time")?,
            undelivered: db.open_tree("sms_undelivered")?,
            numbers: db.open_tree("numbers")?,
            db,
        });
        let writer = writer::spawn(trees.clone());
        Ok(Store { trees, writer })
    }

    /// Queues a write at once and returns a future that resolves once it is durable
    /// (flushed) or failed. Writes queued in order are applied in that order, so an actor
    /// may issue several without awaiting each.
    pub fn write(
        &self,
        op: WriteOp,
    ) -> impl std::future::Future<Output = Result<WriteOutcome, StoreError>> + Send + 'static {
        self.writer.submit(op)
    }

    /// Stops the writer after it has flushed everything queued, and waits for it.
    pub fn close(&self) {
        self.writer.close();
    }

    /// One message by id.
    pub fn sms(&self, sms_id: &str) -> Result<Option<SmsRecord>, StoreError> {
        get(&self.trees.sms, sms_id.as_bytes())
    }

    /// Every pool number with its record.
    pub fn numbers(&self) -> Result<Vec<(String, NumberRecord)>, StoreError> {
        self.trees
            .numbers
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                Ok((String::from_utf8_lossy(&k).into_owned(), decode(&v)?))
            })
            .collect()
    }

    /// Undelivered messages to `number` received at or after `from`, oldest first.
    /// Reads only the undelivered index, so a number's delivered history costs nothing.
    pub fn undelivered_since(
        &self,
        number: &str,
        from: Millis,
    ) -> Result<Vec<SmsRecord>, StoreError> {
        let start = index_key(number, from, "");
        let end = index_key(number, Millis::MAX, "");
        let mut out = Vec::new();
        for kv in self.trees.undelivered.range(start..end) {
            let (key, _) = kv?;
            if let Some(sms) = self.sms(sms_id_of(&key))? {
                out.push(sms);
            }
        }
        Ok(out)
    }

    /// History of a number (`by_number`) or a passport, newest first, `limit` per page.
    /// `keep` filters records (e.g. to the current owner's) without ending the page early.
    pub fn history(
        &self,
        scope: HistoryScope<'_>,
        cursor: Option<&str>,
        limit: usize,
        keep: impl Fn(&SmsRecord) -> bool,
    ) -> Result<Page, StoreError> {
        let (tree, prefix) = match scope {
            HistoryScope::Number(n) => (&self.trees.by_number, n),
            HistoryScope::Passport(p) => (&self.trees.by_passport, p),
        };
        let end = match cursor.and_then(parse_cursor) {
            Some((ts, id)) => index_key(prefix, ts, id),
            None => index_key(prefix, Millis::MAX, ""),
        };
        let start = index_key(prefix, 0, "");
        let mut messages = Vec::new();
        let mut next_cursor = None;
        for kv in tree.range(start..end).rev() {
            let (key, _) = kv?;
            let Some(sms) = self.sms(sms_id_of(&key))? else {
                continue;
            };
            if !keep(&sms) {
                continue;
            }
            if messages.len() == limit {
                let last: &SmsRecord = messages.last().expect("limit > 0");
                next_cursor = Some(format!("{}.{}", last.received_at, last.sms_id));
                break;
            }
            messages.push(sms);
        }
        Ok(Page {
            messages,
            next_cursor,
        })
    }
}

/// Which index a history page reads.
#[derive(Clone, Copy, Debug)]
pub enum HistoryScope<'a> {
    /// Messages to a number.
    Number(&'a str),
    /// Messages attributed to a passport.
    Passport(&'a str),
}

/// Index key: `prefix 0x00 time(8, big-endian) id`; sorts by prefix, then time.
pub(crate) fn index_key(prefix: &str, ts: Millis, sms_id: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(prefix.len() + 9 + sms_id.len());
    k.extend_from_slice(prefix.as_bytes());
    k.push(0);
    k.extend_from_slice(&ts.to_be_bytes());
    k.extend_from_slice(sms_id.as_bytes());
    k
}

/// The message id at the end of an index key.
fn sms_id_of(key: &[u8]) -> &str {
    let start = key
        .iter()
        .position(|b| *b == 0)
        .map_or(key.len(), |p| p + 9);
    std::str::from_utf8(key.get(start..).unwrap_or_default()).unwrap_or_default()
}

fn parse_cursor(cursor: &str) -> Option<(Millis, &str)> {
    let (ts, id) = cursor.split_once('.')?;
    Some((ts.parse().ok()?, id))
}

pub(crate) fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    postcard::to_stdvec(value).expect("records always serialise")
}

pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    Ok(postcard::from_bytes(bytes)?)
}

fn get<T: DeserializeOwned>(tree: &Tree, key: &[u8]) -> Result<Option<T>, StoreError> {
    tree.get(key)?.map(|v| decode(&v)).transpose()
}
