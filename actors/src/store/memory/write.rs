//! The in-memory store's state and its writes, applying the store's rules.

use std::collections::{BTreeMap, HashMap};

use crate::clock::Millis;
use crate::record::{NumberRecord, SmsRecord};
use crate::store::rules;
use crate::store::{Ingested, PurgeCursor, PurgeStep, StoreError, Tenure};

/// Everything the store holds.
#[derive(Default)]
pub(crate) struct State {
    /// (number, arrival time, id) → message: sorted as sled's `messages` tree.
    pub messages: BTreeMap<(String, Millis, String), SmsRecord>,
    /// (number, id) → arrival time.
    pub ids: HashMap<(String, String), Millis>,
    /// (passport, number) → tenure.
    pub tenures: BTreeMap<(String, String), Tenure>,
    /// The pool.
    pub numbers: BTreeMap<String, NumberRecord>,
    /// Set by `close`: later writes fail.
    pub closed: bool,
}

type Key = (String, Millis, String);

impl State {
    pub(super) fn insert_sms(&mut self, mut sms: SmsRecord) -> Ingested {
        if let Some(existing) = self.message(&sms.phone_number, &sms.sms_id) {
            return Ingested::Duplicate(existing);
        }
        let record = self.numbers.get(&sms.phone_number);
        if let Some(passport) = rules::attribute(&mut sms, record) {
            let key = (passport, sms.phone_number.clone());
            if let Some(t) = rules::widened(self.tenures.get(&key).copied(), sms.received_at) {
                self.tenures.insert(key, t);
            }
        }
        let id = (sms.phone_number.clone(), sms.sms_id.clone());
        self.ids.insert(id, sms.received_at);
        let key = (
            sms.phone_number.clone(),
            sms.received_at,
            sms.sms_id.clone(),
        );
        self.messages.insert(key, sms.clone());
        Ingested::Stored(sms)
    }

    pub(super) fn set_delivered(&mut self, number: &str, ids: &[String], at: Option<Millis>) {
        for id in ids {
            let Some(ts) = self.ids.get(&(number.to_owned(), id.clone())) else {
                continue;
            };
            if let Some(sms) = self.messages.get_mut(&(number.to_owned(), *ts, id.clone())) {
                sms.retrieved_at = at;
            }
        }
    }

    pub(super) fn put_number(
        &mut self,
        number: &str,
        expected: Option<&NumberRecord>,
        record: NumberRecord,
    ) -> Result<(), StoreError> {
        let old = self.cas(number, expected)?;
        self.update_tenures(number, old.as_ref(), Some(&record), 0);
        self.numbers.insert(number.to_owned(), record);
        Ok(())
    }

    pub(super) fn remove_number(
        &mut self,
        number: &str,
        expected: &NumberRecord,
        at: Millis,
    ) -> Result<(), StoreError> {
        let old = self.cas(number, Some(expected))?;
        self.update_tenures(number, old.as_ref(), None, at);
        self.numbers.remove(number);
        Ok(())
    }

    /// The stored record if it is `expected`, else a conflict.
    fn cas(
        &self,
        number: &str,
        expected: Option<&NumberRecord>,
    ) -> Result<Option<NumberRecord>, StoreError> {
        let old = self.numbers.get(number).cloned();
        if old.as_ref() != expected {
            return Err(StoreError::Conflict {
                number: number.to_owned(),
            });
        }
        Ok(old)
    }

    fn update_tenures(
        &mut self,
        number: &str,
        old: Option<&NumberRecord>,
        new: Option<&NumberRecord>,
        at: Millis,
    ) {
        let change = rules::tenure_change(old, new);
        let now = rules::change_time(new, at);
        if let Some(p) = change.close {
            if let Some(t) = self.tenures.get_mut(&(p, number.to_owned())) {
                *t = rules::closed(*t, now);
            }
        }
        if let Some(p) = change.open {
            let key = (p, number.to_owned());
            let t = rules::opened(self.tenures.get(&key).copied(), now);
            self.tenures.insert(key, t);
        }
    }

    /// As sled's purge: in key order, jumping to the next number at the first message
    /// young enough, at most `max_scan` messages looked at per step.
    pub(super) fn purge(
        &mut self,
        before: Millis,
        resume: Option<PurgeCursor>,
        max_scan: usize,
    ) -> PurgeStep {
        let mut from = resume.and_then(|c| decode_key(&c.0)).unwrap_or_default();
        let mut removed = 0;
        for _ in 0..max_scan {
            let Some(key) = self
                .messages
                .range(from.clone()..)
                .next()
                .map(|(k, _)| k.clone())
            else {
                self.tenures
                    .retain(|_, t| !rules::tenure_expired(t, before));
                return PurgeStep {
                    removed,
                    resume: None,
                };
            };
            if key.1 < before {
                self.messages.remove(&key);
                self.ids.remove(&(key.0.clone(), key.2.clone()));
                removed += 1;
                from = key;
            } else {
                from = (format!("{}\0", key.0), 0, String::new());
            }
        }
        PurgeStep {
            removed,
            resume: Some(PurgeCursor(encode_key(&from))),
        }
    }
}

fn encode_key((number, ts, id): &Key) -> Vec<u8> {
    let mut out = Vec::with_capacity(number.len() + 9 + id.len());
    out.extend_from_slice(&(number.len() as u32).to_be_bytes());
    out.extend_from_slice(number.as_bytes());
    out.extend_from_slice(&ts.to_be_bytes());
    out.extend_from_slice(id.as_bytes());
    out
}

fn decode_key(bytes: &[u8]) -> Option<Key> {
    let len = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    let number = std::str::from_utf8(bytes.get(4..4 + len)?).ok()?.to_owned();
    let rest = bytes.get(4 + len..)?;
    let ts = Millis::from_be_bytes(rest.get(..8)?.try_into().ok()?);
    let id = std::str::from_utf8(rest.get(8..)?).ok()?.to_owned();
    Some((number, ts, id))
}
