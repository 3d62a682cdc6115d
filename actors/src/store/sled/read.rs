//! Reads straight from the sled trees (any thread; they see every applied write).

use super::layout::{decode, decode_message, decode_time, id_key, is_delivered, message_key};
use super::trees::{io, Trees};
use crate::clock::Millis;
use crate::record::{NumberRecord, SmsRecord};
use crate::store::{Cursor, Keep, StoreError, Tenure};

/// The stored message to `number` with id `sms_id`, with its key.
pub(super) fn stored_with_key(
    trees: &Trees,
    number: &str,
    sms_id: &str,
) -> Result<Option<(Vec<u8>, SmsRecord)>, StoreError> {
    let Some(ts) = trees.message_ids.get(id_key(number, sms_id)).map_err(io)? else {
        return Ok(None);
    };
    let Some(ts) = decode_time(&ts) else {
        return Ok(None);
    };
    let key = message_key(number, ts, sms_id);
    let value = trees.messages.get(&key).map_err(io)?;
    Ok(match value {
        Some(v) => Some((key, decode_message(&v)?)),
        None => None,
    })
}

pub(super) fn number_record(
    trees: &Trees,
    number: &str,
) -> Result<Option<NumberRecord>, StoreError> {
    let value = trees.numbers.get(number.as_bytes()).map_err(io)?;
    value.map(|v| decode(&v)).transpose()
}

pub(super) fn numbers(trees: &Trees) -> Result<Vec<(String, NumberRecord)>, StoreError> {
    trees
        .numbers
        .iter()
        .map(|kv| {
            let (k, v) = kv.map_err(io)?;
            Ok((String::from_utf8_lossy(&k).into_owned(), decode(&v)?))
        })
        .collect()
}

/// Delivered messages in the range are skipped by their flag byte, undecoded.
pub(super) fn undelivered_since(
    trees: &Trees,
    number: &str,
    from: Millis,
) -> Result<Vec<SmsRecord>, StoreError> {
    let range = message_key(number, from, "")..message_key(number, Millis::MAX, "");
    let mut out = Vec::new();
    for kv in trees.messages.range(range) {
        let (_, value) = kv.map_err(io)?;
        if !is_delivered(&value) {
            out.push(decode_message(&value)?);
        }
    }
    Ok(out)
}

pub(super) fn newest(
    trees: &Trees,
    number: &str,
    span: Tenure,
    before: Option<&Cursor>,
    want: usize,
    keep: Keep<'_>,
) -> Result<Vec<SmsRecord>, StoreError> {
    let mut end = match span.until {
        Some(until) => message_key(number, until.saturating_add(1), ""),
        None => message_key(number, Millis::MAX, ""),
    };
    if let Some((ts, id)) = before.map(Cursor::position) {
        end = end.min(message_key(number, ts, id));
    }
    let start = message_key(number, span.from, "");
    let mut out = Vec::new();
    if start >= end || want == 0 {
        return Ok(out);
    }
    for kv in trees.messages.range(start..end).rev() {
        let (_, value) = kv.map_err(io)?;
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

pub(super) fn tenures(trees: &Trees, passport: &str) -> Result<Vec<(String, Tenure)>, StoreError> {
    let mut prefix = passport.as_bytes().to_vec();
    prefix.push(0);
    trees
        .tenures
        .scan_prefix(&prefix)
        .map(|kv| {
            let (k, v) = kv.map_err(io)?;
            let number = String::from_utf8_lossy(&k[prefix.len()..]).into_owned();
            Ok((number, decode(&v)?))
        })
        .collect()
}
