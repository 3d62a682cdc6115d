//! The sled store: the source of truth for messages, numbers and assignments.
//!
//! The trees and their keys are described in [`layout`](crate::layout) (schema version
//! 2; a version 1 store is converted on open by [`migrate`](crate::migrate)).
//! Reads go straight to sled from any thread; every write goes through the single
//! group-commit [`writer`](crate::writer).

use std::path::Path;
use std::sync::Arc;

use sled::{Db, Tree};

use crate::clock::Millis;
use crate::layout::{
    self, decode, decode_message, decode_time, id_key, is_delivered, message_key, Tenure,
};
use crate::record::{NumberRecord, SmsRecord};
use crate::writer::{self, WriteOp, WriteOutcome, Writer};

pub use crate::layout::SCHEMA_VERSION;
pub(crate) const SCHEMA_KEY: &[u8] = b"schema_version";

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
    /// (number, time, id) → delivered flag + record (see [`layout`](crate::layout)).
    pub messages: Tree,
    /// (number, id) → time.
    pub message_ids: Tree,
    /// (passport, number) → [`Tenure`].
    pub tenures: Tree,
    /// number → [`NumberRecord`].
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
        crate::migrate::upgrade(&db, dir)?;
        let trees = Arc::new(Trees {
            messages: db.open_tree(layout::MESSAGES)?,
            message_ids: db.open_tree(layout::MESSAGE_IDS)?,
            tenures: db.open_tree(layout::TENURES)?,
            numbers: db.open_tree(layout::NUMBERS)?,
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

    /// One message to `number` by its id.
    pub fn sms(&self, number: &str, sms_id: &str) -> Result<Option<SmsRecord>, StoreError> {
        let found = stored_with_key(&self.trees, number, sms_id)?;
        Ok(found.map(|(_, sms)| sms))
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
    /// Delivered messages in the range are skipped by their flag byte, undecoded.
    pub fn undelivered_since(
        &self,
        number: &str,
        from: Millis,
    ) -> Result<Vec<SmsRecord>, StoreError> {
        let range = message_key(number, from, "")..message_key(number, Millis::MAX, "");
        let mut out = Vec::new();
        for kv in self.trees.messages.range(range) {
            let (_, value) = kv?;
            if !is_delivered(&value) {
                out.push(decode_message(&value)?);
            }
        }
        Ok(out)
    }

    /// History of a number or a passport, newest first, `limit` per page. `keep` filters
    /// records (e.g. to the current owner's) without ending the page early.
    pub fn history(
        &self,
        scope: HistoryScope<'_>,
        cursor: Option<&str>,
        limit: usize,
        keep: impl Fn(&SmsRecord) -> bool,
    ) -> Result<Page, StoreError> {
        let cursor = cursor.and_then(parse_cursor);
        // One page plus one message tells whether another page follows.
        let want = limit.saturating_add(1);
        let mut messages = match scope {
            HistoryScope::Number(n) => self.newest(n, None, cursor, want, &keep)?,
            HistoryScope::Passport(p) => {
                let mut all = Vec::new();
                for (number, tenure) in self.tenures_of(p)? {
                    let of_p = |m: &SmsRecord| m.passport.as_deref() == Some(p) && keep(m);
                    all.extend(self.newest(&number, Some(tenure), cursor, want, &of_p)?);
                }
                all.sort_by(|a, b| (b.received_at, &b.sms_id).cmp(&(a.received_at, &a.sms_id)));
                all.truncate(want);
                all
            }
        };
        let next_cursor = (messages.len() > limit).then(|| {
            messages.truncate(limit);
            let last = messages.last().expect("limit > 0");
            format!("{}.{}", last.received_at, last.sms_id)
        });
        Ok(Page {
            messages,
            next_cursor,
        })
    }

    /// Up to `want` messages to `number` older than `cursor` (and inside `span`) that
    /// pass `keep`, newest first.
    fn newest(
        &self,
        number: &str,
        span: Option<Tenure>,
        cursor: Option<(Millis, &str)>,
        want: usize,
        keep: &dyn Fn(&SmsRecord) -> bool,
    ) -> Result<Vec<SmsRecord>, StoreError> {
        let span = span.unwrap_or(Tenure {
            from: 0,
            until: None,
        });
        let mut end = match span.until {
            Some(until) => message_key(number, until.saturating_add(1), ""),
            None => message_key(number, Millis::MAX, ""),
        };
        if let Some((ts, id)) = cursor {
            end = end.min(message_key(number, ts, id));
        }
        let start = message_key(number, span.from, "");
        let mut out = Vec::new();
        for kv in self.trees.messages.range(start..end).rev() {
            let (_, value) = kv?;
            let sms = decode_message(&value)?;
            if keep(&sms) {
                out.push(sms);
                if out.len() == want {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// The numbers `passport` has held (or still holds), with their spans.
    fn tenures_of(&self, passport: &str) -> Result<Vec<(String, Tenure)>, StoreError> {
        let mut prefix = passport.as_bytes().to_vec();
        prefix.push(0);
        self.trees
            .tenures
            .scan_prefix(&prefix)
            .map(|kv| {
                let (k, v) = kv?;
                let number = String::from_utf8_lossy(&k[prefix.len()..]).into_owned();
                Ok((number, decode(&v)?))
            })
            .collect()
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

/// The stored message to `number` with id `sms_id`, with its key.
pub(crate) fn stored_with_key(
    trees: &Trees,
    number: &str,
    sms_id: &str,
) -> Result<Option<(Vec<u8>, SmsRecord)>, StoreError> {
    let Some(ts) = trees.message_ids.get(id_key(number, sms_id))? else {
        return Ok(None);
    };
    let Some(ts) = decode_time(&ts) else {
        return Ok(None);
    };
    let key = message_key(number, ts, sms_id);
    let value = trees.messages.get(&key)?;
    Ok(match value {
        Some(v) => Some((key, decode_message(&v)?)),
        None => None,
    })
}

fn parse_cursor(cursor: &str) -> Option<(Millis, &str)> {
    let (ts, id) = cursor.split_once('.')?;
    Some((ts.parse().ok()?, id))
}
