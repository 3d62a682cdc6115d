//! The change feed a backend publishes stored messages on, per number.
//!
//! Each [`Watch`] has its own unbounded queue, so a slow watcher never makes another miss
//! a message and nothing is dropped: a watcher sees every message stored for its number
//! after it subscribed, once. Publishing is a map look-up and a queue push per watcher;
//! a number nobody watches costs one look-up.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use crate::record::SmsRecord;

type Watchers = HashMap<String, Vec<(u64, mpsc::UnboundedSender<Arc<SmsRecord>>)>>;

/// The publishing side, owned by a backend.
#[derive(Clone, Default)]
pub(crate) struct Feed {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    watchers: Mutex<Watchers>,
    next_id: AtomicU64,
}

impl Feed {
    /// A new subscription to `number`'s messages.
    pub(crate) fn watch(&self, number: &str) -> Watch {
        let (tx, rx) = mpsc::unbounded_channel();
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let mut map = self.inner.watchers.lock().expect("feed lock");
        map.entry(number.to_owned()).or_default().push((id, tx));
        Watch {
            rx,
            number: number.to_owned(),
            id,
            feed: Arc::downgrade(&self.inner),
        }
    }

    /// Tells every watcher of the message's number. Call once per stored message, after
    /// it is durable.
    pub(crate) fn publish(&self, sms: SmsRecord) {
        let mut map = self.inner.watchers.lock().expect("feed lock");
        let Some(list) = map.get_mut(&sms.phone_number) else {
            return;
        };
        let sms = Arc::new(sms);
        list.retain(|(_, tx)| tx.send(sms.clone()).is_ok());
        if list.is_empty() {
            map.remove(&sms.phone_number);
        }
    }
}

/// A subscription to one number's newly stored messages; unsubscribes when dropped.
pub struct Watch {
    rx: mpsc::UnboundedReceiver<Arc<SmsRecord>>,
    number: String,
    id: u64,
    feed: std::sync::Weak<Inner>,
}

impl Watch {
    /// The next stored message; `None` once the store is gone.
    pub async fn next(&mut self) -> Option<Arc<SmsRecord>> {
        self.rx.recv().await
    }

    /// The watched number.
    pub fn number(&self) -> &str {
        &self.number
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let Some(inner) = self.feed.upgrade() else {
            return;
        };
        let mut map = inner.watchers.lock().expect("feed lock");
        if let Some(list) = map.get_mut(&self.number) {
            list.retain(|(id, _)| *id != self.id);
            if list.is_empty() {
                map.remove(&self.number);
            }
        }
    }
}
