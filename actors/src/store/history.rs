//! History pages, newest first, of a number or of a passport, on any [`Store`].
//!
//! A passport's history is the messages attributed to it on each number it has held,
//! read inside each tenure and merged; a page asks every number for one page plus one
//! message, which also tells whether another page follows.

use super::{Cursor, Keep, Store, StoreError, Tenure};
use crate::record::SmsRecord;

/// Which messages a history page reads.
#[derive(Clone, Copy, Debug)]
pub enum HistoryScope<'a> {
    /// Messages to a number.
    Number(&'a str),
    /// Messages attributed to a passport, on every number it has held.
    Passport(&'a str),
}

/// One page of history, newest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    /// Messages on this page.
    pub messages: Vec<SmsRecord>,
    /// Pass back to get the next (older) page; `None` on the last page.
    pub next_cursor: Option<Cursor>,
}

/// One page of `scope`'s history after `cursor`, at most `limit` (at least 1) messages
/// that pass `keep`.
pub async fn page(
    store: &dyn Store,
    scope: HistoryScope<'_>,
    cursor: Option<&Cursor>,
    limit: usize,
    keep: Keep<'_>,
) -> Result<Page, StoreError> {
    let limit = limit.max(1);
    let want = limit.saturating_add(1);
    let mut messages = match scope {
        HistoryScope::Number(n) => store.newest(n, Tenure::ALWAYS, cursor, want, keep).await?,
        HistoryScope::Passport(p) => {
            let of_p = |m: &SmsRecord| m.passport.as_deref() == Some(p) && keep(m);
            let mut all = Vec::new();
            for (number, tenure) in store.tenures(p).await? {
                all.extend(store.newest(&number, tenure, cursor, want, &of_p).await?);
            }
            all.sort_by(|a, b| (b.received_at, &b.sms_id).cmp(&(a.received_at, &a.sms_id)));
            all.truncate(want);
            all
        }
    };
    let next_cursor = (messages.len() > limit).then(|| {
        messages.truncate(limit);
        Cursor::after(messages.last().expect("limit > 0"))
    });
    Ok(Page {
        messages,
        next_cursor,
    })
}
