//! The on-disk layout: tree names, key shapes and value encodings (schema version 2).
//!
//! Every tree insert costs the single writer thread several microseconds of sled
//! copy-on-write work, and every node it touches that is not cached costs a read from
//! disk. So a message is two inserts, both keyed
//! under its number, so that a number's writes touch the same few nodes:
//!
//! - `messages`: `number 0x00 0x01 time(8, BE) id` → `[delivered flag] ++
//!   postcard(SmsRecord)`. Sorted by number, then arrival: history pages, a number
//!   actor's start-up read and the purge are range scans, and the leading flag byte lets
//!   scans skip delivered messages without decoding them.
//! - `message_ids`: `number 0x00 0x02 id` → `time(8, BE)`: idempotency on the provider's
//!   message id (a retried webhook carries the same `To`) and look-up by id. A separate
//!   tree, so that range scans of messages do not drag id entries into sled's cache
//!   (one tree for both measured ~20 MB more RSS at the scale benchmark).
//!
//! Passport history needs no per-message index: `tenures` records, per (passport, number),
//! the span of time in which the number's messages were attributed to the passport,
//! written only when a number changes hands. `numbers` holds the pool.

use serde::Serialize;

use crate::clock::Millis;
use crate::record::SmsRecord;
use crate::store::StoreError;

pub(super) const SCHEMA_KEY: &[u8] = b"schema_version";

/// Version of the on-disk layout this build writes.
pub const SCHEMA_VERSION: u32 = 2;

pub(super) const MESSAGES: &str = "messages";
pub(super) const MESSAGE_IDS: &str = "message_ids";
pub(super) const TENURES: &str = "tenures";
pub(super) const NUMBERS: &str = "numbers";

const DELIVERED: u8 = 1;
const UNDELIVERED: u8 = 0;

const TAG_MESSAGE: u8 = 1;
const TAG_ID: u8 = 2;

/// `number 0x00 0x01 time(8, big-endian) id`: sorts by number, then time, then id.
pub(super) fn message_key(number: &str, ts: Millis, sms_id: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(number.len() + 10 + sms_id.len());
    k.extend_from_slice(number.as_bytes());
    k.extend_from_slice(&[0, TAG_MESSAGE]);
    k.extend_from_slice(&ts.to_be_bytes());
    k.extend_from_slice(sms_id.as_bytes());
    k
}

/// `number 0x00 0x02 id`: where a message's arrival time is found by its id.
pub(super) fn id_key(number: &str, sms_id: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(number.len() + 2 + sms_id.len());
    k.extend_from_slice(number.as_bytes());
    k.extend_from_slice(&[0, TAG_ID]);
    k.extend_from_slice(sms_id.as_bytes());
    k
}

/// The first key after everything stored under `number`.
pub(super) fn after_number(number: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(number.len() + 1);
    k.extend_from_slice(number.as_bytes());
    k.push(1);
    k
}

/// The (number, arrival time, id) of a `messages` key; `None` for a key this layout
/// does not write.
pub(super) fn parse_message_key(key: &[u8]) -> Option<(&str, Millis, &str)> {
    let sep = key.iter().position(|b| *b == 0)?;
    if key.get(sep + 1) != Some(&TAG_MESSAGE) {
        return None;
    }
    let number = std::str::from_utf8(&key[..sep]).ok()?;
    let ts = Millis::from_be_bytes(key.get(sep + 2..sep + 10)?.try_into().ok()?);
    let id = std::str::from_utf8(&key[sep + 10..]).ok()?;
    Some((number, ts, id))
}

pub(super) fn encode_time(ts: Millis) -> [u8; 8] {
    ts.to_be_bytes()
}

pub(super) fn decode_time(value: &[u8]) -> Option<Millis> {
    Some(Millis::from_be_bytes(value.try_into().ok()?))
}

/// Encodes a stored message: the delivered flag, then the record.
pub(super) fn encode_message(sms: &SmsRecord) -> Vec<u8> {
    let flag = if sms.retrieved_at.is_some() {
        DELIVERED
    } else {
        UNDELIVERED
    };
    let mut out = vec![flag];
    postcard::to_io(sms, &mut out).expect("records always serialise");
    out
}

/// Whether a stored message value is marked delivered (without decoding it).
pub(super) fn is_delivered(value: &[u8]) -> bool {
    value.first() == Some(&DELIVERED)
}

pub(super) fn decode_message(value: &[u8]) -> Result<SmsRecord, StoreError> {
    decode(value.get(1..).unwrap_or_default())
}

/// `passport 0x00 number`.
pub(super) fn tenure_key(passport: &str, number: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(passport.len() + 1 + number.len());
    k.extend_from_slice(passport.as_bytes());
    k.push(0);
    k.extend_from_slice(number.as_bytes());
    k
}

pub(super) fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    postcard::to_stdvec(value).expect("records always serialise")
}

pub(super) fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    postcard::from_bytes(bytes).map_err(StoreError::corrupt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_by_number_then_time_then_id() {
        let n = "+15550000001";
        let a = message_key(n, 5, "SMb");
        let b = message_key(n, 6, "SMa");
        let id = id_key(n, "SMa");
        let longer = message_key("+155500000010", 1, "SMa");
        assert!(a < b && b < id && id < after_number(n) && after_number(n) < longer);
        assert_eq!(parse_message_key(&b), Some((n, 6, "SMa")));
        assert_eq!(parse_message_key(&id), None);
        assert_eq!(decode_time(&encode_time(6)), Some(6));
    }

    #[test]
    fn the_flag_byte_tracks_delivery() {
        let mut sms = SmsRecord {
            sms_id: "SM1".into(),
            ..SmsRecord::default()
        };
        assert!(!is_delivered(&encode_message(&sms)));
        sms.retrieved_at = Some(7);
        let bytes = encode_message(&sms);
        assert!(is_delivered(&bytes));
        assert_eq!(decode_message(&bytes).unwrap(), sms);
    }
}
