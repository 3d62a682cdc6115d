//! How the writer thread applies each write to the trees of [`layout`](super::layout).
//!
//! Only the writer thread calls these, one write at a time and in queue order, so a
//! check-then-insert (idempotency on the message id, attribution to the number's holder,
//! compare-and-set of a number's record) cannot interleave with another write. The rules
//! themselves are the store's ([`rules`](crate::store::rules)).

use ::sled::Tree;

use super::layout::{
    after_number, decode, encode, encode_message, encode_time, id_key, message_key,
    parse_message_key, tenure_key,
};
use super::read::{number_record, stored_with_key};
use super::trees::{io, Trees};
use crate::clock::Millis;
use crate::record::{NumberRecord, SmsRecord};
use crate::store::rules;
use crate::store::{Ingested, PurgeCursor, PurgeStep, StoreError, Tenure};

/// Two reads (the id, the number's holder) and two inserts (the id entry and the
/// message, both keyed under the number, so a number's writes stay on a few nodes).
pub(super) fn insert_sms(trees: &Trees, mut sms: SmsRecord) -> Result<Ingested, StoreError> {
    if let Some((_, existing)) = stored_with_key(trees, &sms.phone_number, &sms.sms_id)? {
        return Ok(Ingested::Duplicate(existing));
    }
    let record = number_record(trees, &sms.phone_number)?;
    if let Some(passport) = rules::attribute(&mut sms, record.as_ref()) {
        let key = tenure_key(&passport, &sms.phone_number);
        if let Some(t) = rules::widened(tenure(&trees.tenures, &key)?, sms.received_at) {
            trees.tenures.insert(key, encode(&t)).map_err(io)?;
        }
    }
    // The id first: after a crash between the two, an id without its message counts as
    // not stored (see `stored_with_key`), so the provider's retry stores it. (A sled
    // `Batch` would make the pair atomic, but seals a log buffer per message: 4× the
    // process CPU.)
    let id = id_key(&sms.phone_number, &sms.sms_id);
    trees
        .message_ids
        .insert(id, &encode_time(sms.received_at))
        .map_err(io)?;
    let key = message_key(&sms.phone_number, sms.received_at, &sms.sms_id);
    trees
        .messages
        .insert(key, encode_message(&sms))
        .map_err(io)?;
    Ok(Ingested::Stored(sms))
}

pub(super) fn set_delivered(
    trees: &Trees,
    number: &str,
    ids: &[String],
    at: Option<Millis>,
) -> Result<(), StoreError> {
    for id in ids {
        if let Some((key, mut sms)) = stored_with_key(trees, number, id)? {
            sms.retrieved_at = at;
            trees
                .messages
                .insert(key, encode_message(&sms))
                .map_err(io)?;
        }
    }
    Ok(())
}

pub(super) fn put_number(
    trees: &Trees,
    number: &str,
    expected: Option<&NumberRecord>,
    record: &NumberRecord,
) -> Result<(), StoreError> {
    let old = number_record(trees, number)?;
    if old.as_ref() != expected {
        return Err(StoreError::Conflict {
            number: number.to_owned(),
        });
    }
    update_tenures(trees, number, old.as_ref(), Some(record), 0)?;
    trees
        .numbers
        .insert(number.as_bytes(), encode(record))
        .map_err(io)?;
    Ok(())
}

pub(super) fn remove_number(
    trees: &Trees,
    number: &str,
    expected: &NumberRecord,
    at: Millis,
) -> Result<(), StoreError> {
    let old = number_record(trees, number)?;
    if old.as_ref() != Some(expected) {
        return Err(StoreError::Conflict {
            number: number.to_owned(),
        });
    }
    update_tenures(trees, number, old.as_ref(), None, at)?;
    trees.numbers.remove(number.as_bytes()).map_err(io)?;
    Ok(())
}

fn tenure(tree: &Tree, key: &[u8]) -> Result<Option<Tenure>, StoreError> {
    tree.get(key)
        .map_err(io)?
        .map(|v| decode::<Tenure>(&v))
        .transpose()
}

/// Closes and opens tenures as attribution moves from `old` to `new`.
fn update_tenures(
    trees: &Trees,
    number: &str,
    old: Option<&NumberRecord>,
    new: Option<&NumberRecord>,
    at: Millis,
) -> Result<(), StoreError> {
    let change = rules::tenure_change(old, new);
    let now = rules::change_time(new, at);
    if let Some(p) = change.close {
        let key = tenure_key(&p, number);
        if let Some(t) = tenure(&trees.tenures, &key)? {
            let t = rules::closed(t, now);
            trees.tenures.insert(key, encode(&t)).map_err(io)?;
        }
    }
    if let Some(p) = change.open {
        let key = tenure_key(&p, number);
        let t = rules::opened(tenure(&trees.tenures, &key)?, now);
        trees.tenures.insert(key, encode(&t)).map_err(io)?;
    }
    Ok(())
}

/// Deletes messages received before `before`, scanning at most `max_scan` keys from
/// `resume` so that one purge step never holds the writer for long. Within a number
/// keys are in arrival order, so the scan jumps to the next number at the first message
/// that is young enough. At the end of a pass, tenures that ended before `before` go too.
pub(super) fn purge(
    trees: &Trees,
    before: Millis,
    resume: Option<PurgeCursor>,
    max_scan: usize,
) -> Result<PurgeStep, StoreError> {
    let mut from = resume.map(|c| c.0).unwrap_or_default();
    let mut removed = 0;
    for _ in 0..max_scan {
        let Some(kv) = trees.messages.range(from.as_slice()..).next() else {
            purge_tenures(trees, before)?;
            return Ok(PurgeStep {
                removed,
                resume: None,
            });
        };
        let (key, _) = kv.map_err(io)?;
        match parse_message_key(&key) {
            Some((number, ts, id)) if ts < before => {
                // The message first: a crash in between leaves an orphan id, which
                // reads as "not stored" (and is never purged: a few bytes, only after
                // a crash at that instant).
                trees.messages.remove(&key).map_err(io)?;
                trees.message_ids.remove(id_key(number, id)).map_err(io)?;
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
    Ok(PurgeStep {
        removed,
        resume: Some(PurgeCursor(from)),
    })
}

fn purge_tenures(trees: &Trees, before: Millis) -> Result<(), StoreError> {
    for kv in trees.tenures.iter() {
        let (key, value) = kv.map_err(io)?;
        if rules::tenure_expired(&decode::<Tenure>(&value)?, before) {
            trees.tenures.remove(key).map_err(io)?;
        }
    }
    Ok(())
}
