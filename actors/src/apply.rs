//! How the writer thread applies each [`WriteOp`] to the trees of [`layout`](crate::layout).
//!
//! Only the writer thread calls these, one op at a time and in queue order, so a
//! check-then-insert (idempotency on the message id, attribution to the number's holder)
//! cannot interleave with another write.

use crate::clock::Millis;
use crate::layout::{
    after_number, decode, encode, encode_message, encode_time, id_key, message_key,
    parse_message_key, tenure_key, Tenure,
};
use crate::record::{NumberRecord, NumberState, SmsRecord};
use crate::store::{stored_with_key, StoreError, Trees};
use crate::writer::{WriteOp, WriteOutcome};

/// Slack added to the end of a passport's tenure of a number. A message is attributed
/// in write order but stamped before it is queued, so one stamped just after a hand-over
/// can still belong to the previous holder; the writer queue never lags a minute.
const TENURE_SLACK_MS: Millis = 60_000;

pub(crate) fn apply(trees: &Trees, op: &mut WriteOp) -> Result<WriteOutcome, StoreError> {
    match op {
        WriteOp::InsertSms(sms) => insert_sms(trees, std::mem::take(sms)),
        WriteOp::SetRetrieved { number, sms_id, at } => {
            set_retrieved(trees, number, sms_id, *at)?;
            Ok(WriteOutcome::Done)
        }
        WriteOp::SetRetrievedMany {
            number,
            sms_ids,
            at,
        } => {
            for id in sms_ids.iter() {
                set_retrieved(trees, number, id, Some(*at))?;
            }
            Ok(WriteOutcome::Done)
        }
        WriteOp::PutNumber { number, record } => {
            let old = number_record(trees, number)?;
            let at = state_since(&record.state);
            update_tenures(trees, number, old.as_ref(), Some(record), at)?;
            trees.numbers.insert(number.as_bytes(), encode(record))?;
            Ok(WriteOutcome::Done)
        }
        WriteOp::DeleteNumber { number, at } => {
            let old = number_record(trees, number)?;
            update_tenures(trees, number, old.as_ref(), None, *at)?;
            trees.numbers.remove(number.as_bytes())?;
            Ok(WriteOutcome::Done)
        }
        WriteOp::Purge {
            before,
            resume,
            max_scan,
        } => purge(trees, *before, resume.take(), *max_scan),
    }
}

/// Two reads (the id, the number's holder) and two inserts (the id entry and the
/// message, both keyed under the number, so a number's writes stay on a few nodes).
fn insert_sms(trees: &Trees, mut sms: SmsRecord) -> Result<WriteOutcome, StoreError> {
    let id = id_key(&sms.phone_number, &sms.sms_id);
    if let Some((_, existing)) = stored_with_key(trees, &sms.phone_number, &sms.sms_id)? {
        return Ok(WriteOutcome::Duplicate(existing));
    }
    if let Some(rec) = number_record(trees, &sms.phone_number)? {
        sms.passport = rec.attributed_passport().map(str::to_owned);
        // A backfilled message can be dated before its holder's tenure began.
        if let Some(p) = &sms.passport {
            if sms.received_at < state_since(&rec.state) {
                widen_tenure(trees, p, &sms.phone_number, sms.received_at)?;
            }
        }
    }
    // The id first: after a crash between the two, an id without its message counts as
    // not stored (see `stored_with_key`), so the provider's retry stores it. (A sled
    // `Batch` would make the pair atomic, but seals a log buffer per message: 4× the
    // process CPU in `examples/store_ingest`.)
    trees
        .message_ids
        .insert(id, &encode_time(sms.received_at))?;
    let key = message_key(&sms.phone_number, sms.received_at, &sms.sms_id);
    trees.messages.insert(key, encode_message(&sms))?;
    Ok(WriteOutcome::Inserted(sms))
}

fn set_retrieved(
    trees: &Trees,
    number: &str,
    sms_id: &str,
    at: Option<Millis>,
) -> Result<(), StoreError> {
    if let Some((key, mut sms)) = stored_with_key(trees, number, sms_id)? {
        sms.retrieved_at = at;
        trees.messages.insert(key, encode_message(&sms))?;
    }
    Ok(())
}

fn number_record(trees: &Trees, number: &str) -> Result<Option<NumberRecord>, StoreError> {
    let value = trees.numbers.get(number.as_bytes())?;
    value.map(|v| decode(&v)).transpose()
}

fn state_since(state: &NumberState) -> Millis {
    match state {
        NumberState::Free { since }
        | NumberState::Assigned { since, .. }
        | NumberState::Quarantined { since, .. } => *since,
    }
}

/// Opens a tenure when a number's messages start being attributed to a passport and
/// closes it when they stop, at `now` (the service clock's time of the change).
fn update_tenures(
    trees: &Trees,
    number: &str,
    old: Option<&NumberRecord>,
    new: Option<&NumberRecord>,
    now: Millis,
) -> Result<(), StoreError> {
    let old_p = old.and_then(NumberRecord::attributed_passport);
    let new_p = new.and_then(NumberRecord::attributed_passport);
    if old_p == new_p {
        return Ok(());
    }
    if let Some(p) = old_p {
        let key = tenure_key(p, number);
        if let Some(mut t) = trees
            .tenures
            .get(&key)?
            .map(|v| decode::<Tenure>(&v))
            .transpose()?
        {
            t.until = Some(now.saturating_add(TENURE_SLACK_MS));
            trees.tenures.insert(key, encode(&t))?;
        }
    }
    if let Some(p) = new_p {
        let key = tenure_key(p, number);
        let old = trees
            .tenures
            .get(&key)?
            .map(|v| decode::<Tenure>(&v))
            .transpose()?;
        let from = old.map_or(now, |t| t.from.min(now));
        trees
            .tenures
            .insert(key, encode(&Tenure { from, until: None }))?;
    }
    Ok(())
}

fn widen_tenure(
    trees: &Trees,
    passport: &str,
    number: &str,
    from: Millis,
) -> Result<(), StoreError> {
    let key = tenure_key(passport, number);
    let tenure = match trees
        .tenures
        .get(&key)?
        .map(|v| decode::<Tenure>(&v))
        .transpose()?
    {
        Some(t) if t.from <= from => return Ok(()),
        Some(t) => Tenure { from, ..t },
        None => Tenure { from, until: None },
    };
    trees.tenures.insert(key, encode(&tenure))?;
    Ok(())
}

/// Deletes messages received before `before`, scanning at most `max_scan` keys from
/// `resume` so that one purge step never holds the writer for long. Within a number
/// keys are in arrival order, so the scan jumps to the next number at the first message
/// that is young enough. At the end of a pass, tenures that ended before `before` go too.
fn purge(
    trees: &Trees,
    before: Millis,
    resume: Option<Vec<u8>>,
    max_scan: usize,
) -> Result<WriteOutcome, StoreError> {
    let mut from = resume.unwrap_or_default();
    let mut removed = 0;
    for _ in 0..max_scan {
        let Some(kv) = trees.messages.range(from.as_slice()..).next() else {
            purge_tenures(trees, before)?;
            return Ok(WriteOutcome::Purged {
                removed,
                resume: None,
            });
        };
        let (key, _) = kv?;
        match parse_message_key(&key) {
            Some((number, ts, id)) if ts < before => {
                // The message first: a crash in between leaves an orphan id, which
                // reads as "not stored" (and is never purged: a few bytes, only after
                // a crash at that instant).
                trees.messages.remove(&key)?;
                trees.message_ids.remove(id_key(number, id))?;
                removed += 1;
                from = key.to_vec();
            }
            Some((number, ..)) => from = after_number(number),
            None => {
                from = key.to_vec();
                from.push(0);
            }
        }
    }
    Ok(WriteOutcome::Purged {
        removed,
        resume: Some(from),
    })
}

fn purge_tenures(trees: &Trees, before: Millis) -> Result<(), StoreError> {
    for kv in trees.tenures.iter() {
        let (key, value) = kv?;
        if decode::<Tenure>(&value)?.until.is_some_and(|u| u < before) {
            trees.tenures.remove(key)?;
        }
    }
    Ok(())
}
