//! The one way to observe a number's arriving messages: a [`Subscription`] is the store's
//! change feed of one number seen through a [`Filter`].
//!
//! Number actors are woken through one (with no filter); a live event stream or another
//! node observes the same way through [`Service::subscribe`](crate::Service::subscribe).
//! A subscription observes: it uses nothing up. It sees every message stored for its
//! number after it was made, once, as soon as the message is durable.

use std::sync::Arc;

use crate::record::{Filter, SmsRecord};
use crate::store::Watch;

/// Arriving messages of one number that pass a filter.
pub struct Subscription {
    watch: Watch,
    filter: Filter,
}

impl Subscription {
    /// Filters `watch` (from [`Store::watch`](crate::store::Store::watch)).
    pub fn new(watch: Watch, filter: Filter) -> Self {
        Subscription { watch, filter }
    }

    /// The next arriving message that passes the filter; `None` once the store is gone.
    pub async fn next(&mut self) -> Option<Arc<SmsRecord>> {
        loop {
            let sms = self.watch.next().await?;
            if self.filter.matches(&sms) {
                return Some(sms);
            }
        }
    }

    /// The observed number.
    pub fn number(&self) -> &str {
        self.watch.number()
    }
}
