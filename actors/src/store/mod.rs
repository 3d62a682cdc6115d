//! The store: the source of truth for messages, numbers and assignments, as one trait in
//! the service's own terms, and the backends behind it.
//!
//! - [`Store`]: what the actors need from storage, nothing of any engine.
//! - [`sled`]: the embedded default (one process, group-committed durable writes).
//! - [`memory`]: everything in memory, for tests and examples that need no disk.
//! - [`history`]: history pages of a number or a passport, built on the trait.
//! - `rules`: the attribution and tenure rules every backend applies.
//! - `conformance` (feature `conformance`): the cases every backend must pass.
//!
//! Writes are *ordered at call time*: the write methods queue the write when called and
//! return a future that resolves once it is durable, so two writes issued one after the
//! other are applied in that order even if their futures are awaited in another order or
//! by other tasks. Backends publish every newly stored message on their change feed
//! ([`Store::watch`]) once it is durable, whether or not anyone awaits the insert.

mod error;
mod feed;
pub mod history;
pub mod memory;
pub(crate) mod rules;
pub mod sled;
mod types;

#[cfg(feature = "conformance")]
pub mod conformance;

use std::future::Future;
use std::pin::Pin;

use async_trait::async_trait;

use crate::clock::Millis;
use crate::record::{NumberRecord, SmsRecord};

pub use error::StoreError;
pub(crate) use feed::Feed;
pub use feed::Watch;
pub use history::{HistoryScope, Page};
pub use types::{BadCursor, Cursor, Ingested, PurgeCursor, PurgeStep, Tenure};

/// A queued write: resolves once the write is durable (or failed).
pub type StoreFuture<T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'static>>;

/// A condition a read applies to each message without ending a page early.
pub type Keep<'a> = &'a (dyn Fn(&SmsRecord) -> bool + Send + Sync);

/// What the service needs from storage. Every backend passes the conformance suite.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Short name for logs (`sled`, `memory`).
    fn backend(&self) -> &'static str;

    /// Stores a new inbound message unless one with its id is already stored for its
    /// number (a provider retry), attributing it to the number's holder — or, during
    /// quarantine, its previous holder — as of this point in the write order.
    fn insert_sms(&self, sms: SmsRecord) -> StoreFuture<Ingested>;

    /// Marks messages to `number` delivered at `at`, or undelivered again with `None`.
    /// Unknown ids are skipped.
    fn set_delivered(&self, number: &str, ids: Vec<String>, at: Option<Millis>) -> StoreFuture<()>;

    /// Writes a pool number's record if the stored one is still `expected` (`None`: the
    /// number is not in the pool yet); else [`StoreError::Conflict`] and nothing changes.
    /// This compare-and-set is what keeps one number from two passports on backends
    /// without a single writer.
    fn put_number(
        &self,
        number: &str,
        expected: Option<NumberRecord>,
        record: NumberRecord,
    ) -> StoreFuture<()>;

    /// Removes a number from the pool at `at` (service clock), if its record is still
    /// `expected`; else [`StoreError::Conflict`].
    fn remove_number(&self, number: &str, expected: NumberRecord, at: Millis) -> StoreFuture<()>;

    /// One step of a history purge: deletes messages received before `before`, looking
    /// at no more than `max_scan` messages from where the previous step stopped.
    fn purge_step(
        &self,
        before: Millis,
        resume: Option<PurgeCursor>,
        max_scan: usize,
    ) -> StoreFuture<PurgeStep>;

    /// One message to `number` by its id.
    async fn message(&self, number: &str, id: &str) -> Result<Option<SmsRecord>, StoreError>;

    /// Undelivered messages to `number` received at or after `from`, oldest first.
    async fn undelivered_since(
        &self,
        number: &str,
        from: Millis,
    ) -> Result<Vec<SmsRecord>, StoreError>;

    /// Up to `want` messages to `number` inside `span` and strictly older than `before`
    /// that pass `keep`, newest first.
    async fn newest(
        &self,
        number: &str,
        span: Tenure,
        before: Option<&Cursor>,
        want: usize,
        keep: Keep<'_>,
    ) -> Result<Vec<SmsRecord>, StoreError>;

    /// The numbers `passport` has held (or holds), each with the span of time in which
    /// the number's messages were attributed to it.
    async fn tenures(&self, passport: &str) -> Result<Vec<(String, Tenure)>, StoreError>;

    /// Every pool number with its record.
    async fn numbers(&self) -> Result<Vec<(String, NumberRecord)>, StoreError>;

    /// The change feed of `number`: every message stored for it from now on, once each,
    /// as soon as it is durable.
    fn watch(&self, number: &str) -> Watch;

    /// `Ok` while the store can take writes; else why not (for `/healthz`). Cheap: it
    /// reads state the backend keeps, it does not write.
    fn health(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Finishes queued writes and closes the store; later writes fail with
    /// [`StoreError::Closed`].
    async fn close(&self);
}
