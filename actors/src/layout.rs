//! The on-disk layout: tree names, key shapes and value encodings (schema version 2).
//!
//! A message is written to exactly two trees, because every tree insert costs the single
//! writer thread several microseconds of sled copy-on-write work (measured in
//! BENCHMARKS.md, "Where ingest time goes"):
//!
//! - `messages`: `number 0x00 time(8, BE) id` → `[delivered flag] ++ postcard(SmsRecord)`.
//!   Sorted by number, then arrival: history pages, a number actor's start-up read and the
//!   purge are range scans, and the leading flag byte lets scans skip delivered messages
//!   without decoding them.
//! - `message_ids`: `id` → the message's `messages` key (idempotency and look-up by id).
//!
//! Passport history needs no per-message index: `tenures` records, per (passport, number),
//! the span of time in which the number's messages were attributed to the passport,
//! written only when a number changes hands. `numbers` holds the pool.

use serde::{Deserialize, Serialize};

use crate::clock::Millis;
use crate::record::SmsRecord;
use crate::store::StoreError;

/// Version of the on-disk layout this build writes.
pub const SCHEMA_VERSION: u32 = 2;

pub(crate) const MESSAGES: &str = "messages";
pub(crate) const MESSAGE_IDS: &str = "message_ids";
pub(crate) const TENURES: &str = "tenures";
pub(crate) const NUMBERS: &str = "numbers";

const DELIVERED: u8 = 1;
const UNDELIVERED: u8 = 0;

/// `prefix 0x00 time(8, big-endian) id`: sorts by prefix, then time, then id.
pub(crate) fn message_key(number: &str, ts: Millis, sms_id: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(number.len() + 9 + sms_id.len());
    k.extend_from_slice(number.as_bytes());
    k.push(0);
    k.extend_from_slice(&ts.to_be_bytes());
    k.extend_from_slice(sms_id.as_bytes());
    k
}

/// The first key after every message of `number`.
pub(crate) fn after_number(number: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(number.len() + 1);
    k.extend_from_slice(number.as_bytes());
    k.push(1);
    k
}

/// The arrival time in a `messages` key.
pub(crate) fn key_time(key: &[u8]) -> Option<Millis> {
    let sep = key.iter().position(|b| *b == 0)?;
    let ts = key.get(sep + 1..sep + 9)?;
    Some(Millis::from_be_bytes(ts.try_into().ok()?))
}

/// Encodes a stored message: the delivered flag, then the record.
pub(crate) fn encode_message(sms: &SmsRecord) -> Vec<u8> {
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
pub(crate) fn is_delivered(value: &[u8]) -> bool {
    value.first() == Some(&DELIVERED)
}

pub(crate) fn decode_message(value: &[u8]) -> Result<SmsRecord, StoreError> {
    decode(value.get(1..).unwrap_or_default())
}

/// `passport 0x00 number`.
pub(crate) fn tenure_key(passport: &str, number: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(passport.len() + 1 + number.len());
    k.extend_from_slice(passport.as_bytes());
    k.push(0);
    k.extend_from_slice(number.as_bytes());
    k
}

/// When a number's messages were attributed to a passport: from its first assignment to
/// that passport until the attribution ended (`None`: still attributed). Several
/// tenures of one number by one passport merge into one span; history filters by each
/// message's own attribution, so the span only has to cover them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Tenure {
    pub from: Millis,
    pub until: Option<Millis>,
}

pub(crate) fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    postcard::to_stdvec(value).expect("records always serialise")
}

pub(crate) fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    Ok(postcard::from_bytes(bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_by_number_then_time_then_id() {
        let a = message_key("+15550000001", 5, "SMb");
        let b = message_key("+15550000001", 6, "SMa");
        let c = message_key("+155500000010", 1, "SMa");
        assert!(a < b && b < after_number("+15550000001"));
        assert!(after_number("+15550000001") < c);
        assert_eq!(key_time(&b), Some(6));
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
