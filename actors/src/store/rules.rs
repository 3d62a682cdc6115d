//! The rules every backend applies when it writes, in one place: to whom a message is
//! attributed, how tenures open, close and widen, and what a compare-and-set compares.
//! Backends apply them atomically with the write they belong to (the sled writer thread,
//! the memory store's lock); the rules themselves touch no storage.

use super::Tenure;
use crate::clock::Millis;
use crate::record::{NumberRecord, NumberState, SmsRecord};

/// Slack added to the end of a passport's tenure of a number. A message is attributed
/// in write order but stamped before it is queued, so one stamped just after a hand-over
/// can still belong to the previous holder; no write queue lags a minute.
pub(crate) const TENURE_SLACK_MS: Millis = 60_000;

/// When the number entered its current state.
pub(crate) fn state_since(state: &NumberState) -> Millis {
    match state {
        NumberState::Free { since }
        | NumberState::Assigned { since, .. }
        | NumberState::Quarantined { since, .. } => *since,
    }
}

/// Attributes `sms` to the number's holder (or quarantined previous holder). Returns the
/// passport whose tenure must be widened back to the message's time, for a message
/// (backfilled by reconciliation) dated before that tenure began.
pub(crate) fn attribute(sms: &mut SmsRecord, record: Option<&NumberRecord>) -> Option<String> {
    let record = record?;
    sms.passport = record.attributed_passport().map(str::to_owned);
    let passport = sms.passport.clone()?;
    (sms.received_at < state_since(&record.state)).then_some(passport)
}

/// A tenure `tenure` widened to cover `from`; `None` if it already does.
pub(crate) fn widened(tenure: Option<Tenure>, from: Millis) -> Option<Tenure> {
    match tenure {
        Some(t) if t.from <= from => None,
        Some(t) => Some(Tenure { from, ..t }),
        None => Some(Tenure { from, until: None }),
    }
}

/// How a record change moves attribution: the passport whose tenure closes and the one
/// whose tenure opens (each `None` when attribution does not change).
pub(crate) struct TenureChange {
    pub close: Option<String>,
    pub open: Option<String>,
}

/// The tenure change of replacing `old` by `new` (`None`: not in the pool).
pub(crate) fn tenure_change(
    old: Option<&NumberRecord>,
    new: Option<&NumberRecord>,
) -> TenureChange {
    let old_p = old.and_then(NumberRecord::attributed_passport);
    let new_p = new.and_then(NumberRecord::attributed_passport);
    if old_p == new_p {
        return TenureChange {
            close: None,
            open: None,
        };
    }
    TenureChange {
        close: old_p.map(str::to_owned),
        open: new_p.map(str::to_owned),
    }
}

/// A closed tenure: attribution ended at `now` (plus the slack).
pub(crate) fn closed(tenure: Tenure, now: Millis) -> Tenure {
    Tenure {
        until: Some(now.saturating_add(TENURE_SLACK_MS)),
        ..tenure
    }
}

/// An opened (or re-opened) tenure at `now`, merged with an earlier one of the same pair.
pub(crate) fn opened(earlier: Option<Tenure>, now: Millis) -> Tenure {
    let from = earlier.map_or(now, |t| t.from.min(now));
    Tenure { from, until: None }
}

/// When a change to `new` (or a removal at `at`) moves attribution.
pub(crate) fn change_time(new: Option<&NumberRecord>, at: Millis) -> Millis {
    new.map_or(at, |r| state_since(&r.state))
}

/// Whether a tenure ended before `before` and may be purged.
pub(crate) fn tenure_expired(tenure: &Tenure, before: Millis) -> bool {
    tenure.until.is_some_and(|u| u < before)
}
