//! The in-memory backend: the whole store in one mutex-guarded map set, for tests and
//! examples that need no disk. Nothing survives the process; every other promise of the
//! [`Store`] trait holds (it runs the same conformance suite as sled).
//!
//! - [`read`] / [`write`]: the reads and the writes, over one [`State`](write::State).
//!   A write is applied under the lock when it is issued, so writes are ordered by call
//!   and a compare-and-set is atomic; its future is already resolved.

mod read;
mod write;

use std::sync::Mutex;

use async_trait::async_trait;

use self::write::State;
use crate::clock::Millis;
use crate::record::{NumberRecord, SmsRecord};
use crate::store::{
    Cursor, Feed, Ingested, Keep, PurgeCursor, PurgeStep, Store, StoreError, StoreFuture, Tenure,
    Watch,
};

/// A store that lives in memory.
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
    feed: Feed,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies a write under the lock and returns its (already resolved) future.
    fn apply<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut State) -> Result<T, StoreError>,
    ) -> StoreFuture<T> {
        let mut state = self.state.lock().expect("memory store lock");
        let result = if state.closed {
            Err(StoreError::Closed)
        } else {
            f(&mut state)
        };
        Box::pin(std::future::ready(result))
    }

    fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        f(&self.state.lock().expect("memory store lock"))
    }
}

#[async_trait]
impl Store for MemoryStore {
    fn backend(&self) -> &'static str {
        "memory"
    }

    fn insert_sms(&self, sms: SmsRecord) -> StoreFuture<Ingested> {
        let feed = self.feed.clone();
        // Published under the lock, so watchers see messages in write order.
        self.apply(move |s| {
            let out = s.insert_sms(sms);
            if let Ingested::Stored(sms) = &out {
                feed.publish(sms.clone());
            }
            Ok(out)
        })
    }

    fn set_delivered(&self, number: &str, ids: Vec<String>, at: Option<Millis>) -> StoreFuture<()> {
        self.apply(|s| {
            s.set_delivered(number, &ids, at);
            Ok(())
        })
    }

    fn put_number(
        &self,
        number: &str,
        expected: Option<NumberRecord>,
        record: NumberRecord,
    ) -> StoreFuture<()> {
        self.apply(|s| s.put_number(number, expected.as_ref(), record))
    }

    fn remove_number(&self, number: &str, expected: NumberRecord, at: Millis) -> StoreFuture<()> {
        self.apply(|s| s.remove_number(number, &expected, at))
    }

    fn purge_step(
        &self,
        before: Millis,
        resume: Option<PurgeCursor>,
        max_scan: usize,
    ) -> StoreFuture<PurgeStep> {
        self.apply(|s| Ok(s.purge(before, resume, max_scan)))
    }

    async fn message(&self, number: &str, id: &str) -> Result<Option<SmsRecord>, StoreError> {
        Ok(self.read(|s| s.message(number, id)))
    }

    async fn undelivered_since(
        &self,
        number: &str,
        from: Millis,
    ) -> Result<Vec<SmsRecord>, StoreError> {
        Ok(self.read(|s| s.undelivered_since(number, from)))
    }

    async fn newest(
        &self,
        number: &str,
        span: Tenure,
        before: Option<&Cursor>,
        want: usize,
        keep: Keep<'_>,
    ) -> Result<Vec<SmsRecord>, StoreError> {
        Ok(self.read(|s| s.newest(number, span, before, want, keep)))
    }

    async fn tenures(&self, passport: &str) -> Result<Vec<(String, Tenure)>, StoreError> {
        Ok(self.read(|s| s.tenures(passport)))
    }

    async fn numbers(&self) -> Result<Vec<(String, NumberRecord)>, StoreError> {
        Ok(self.read(|s| s.numbers.clone().into_iter().collect()))
    }

    fn watch(&self, number: &str) -> Watch {
        self.feed.watch(number)
    }

    async fn close(&self) {
        self.state.lock().expect("memory store lock").closed = true;
    }
}
