//! The pool's bookkeeping as plain data: which numbers exist, who holds which, what is
//! free and what sits in quarantine. The PoolActor owns one; keeping it free of actors
//! and I/O keeps the assignment rules easy to read and to test.

use std::collections::{BTreeSet, HashMap};

use crate::clock::Millis;
use crate::provider::ProviderError;
use crate::record::{NumberRecord, NumberState};

/// A passport's number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// The number.
    pub phone_number: String,
    /// Its holder.
    pub passport_id: String,
    /// When the current assignment began.
    pub assigned_at: Millis,
}

/// One pool number for listings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumberInfo {
    /// The number.
    pub phone_number: String,
    /// Its record.
    pub record: NumberRecord,
}

/// Pool failures, as callers see them.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum PoolError {
    /// The passport id is empty, too long or has control characters.
    #[error("invalid passport id: {0}")]
    InvalidPassport(&'static str),
    /// Release of a passport that holds no number.
    #[error("passport {0} has no phone number assigned")]
    NotAssigned(String),
    /// No free number and buying is off.
    #[error("no phone numbers available: the pool is exhausted and auto-provisioning is off")]
    Exhausted,
    /// Buying would pass `pool.max_numbers`.
    #[error("no phone numbers available: the pool has reached pool.max_numbers = {0}")]
    MaxNumbers(u32),
    /// Buying would pass `pool.max_provisions_per_hour`.
    #[error(
        "no phone numbers available: pool.max_provisions_per_hour = {0} reached, try again later"
    )]
    MaxPerHour(u32),
    /// The provider failed to sell us a number.
    #[error("could not provision a phone number: {0}")]
    Provider(ProviderError),
    /// The assignment could not be recorded.
    #[error("could not record the assignment: {0}")]
    Store(String),
    /// A number actor could not start.
    #[error("could not start the number's actor: {0}")]
    Spawn(String),
    /// A SIM (mobile) number was asked for and none is free.
    #[error("no SIM (mobile) number is free: SIM numbers cannot be bought on demand; release one, ask for line_type any, or add a device")]
    NoSimFree,
    /// The pool has stopped.
    #[error("the service is shutting down")]
    Shutdown,
}

/// A record change to persist: the record it replaces (what the store should still
/// hold, for its compare-and-set) and the new one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Change {
    /// The record before.
    pub before: NumberRecord,
    /// The record after.
    pub after: NumberRecord,
}

/// Longest accepted passport id.
pub const MAX_PASSPORT_LEN: usize = 128;

/// Validates a passport id.
pub fn check_passport(passport: &str) -> Result<(), PoolError> {
    if passport.trim().is_empty() {
        return Err(PoolError::InvalidPassport("it is empty"));
    }
    if passport.len() > MAX_PASSPORT_LEN {
        return Err(PoolError::InvalidPassport("it is longer than 128 bytes"));
    }
    if passport.chars().any(char::is_control) {
        return Err(PoolError::InvalidPassport("it contains control characters"));
    }
    Ok(())
}

/// Pool bookkeeping.
#[derive(Debug, Default)]
pub(crate) struct PoolState {
    records: HashMap<String, NumberRecord>,
    /// Passport → number, for assigned numbers and for quarantined ones (so the
    /// previous holder who asks again gets its number back).
    by_passport: HashMap<String, String>,
    /// Free numbers by pool order.
    free: BTreeSet<(u64, String)>,
    /// Quarantined numbers by end of quarantine.
    quarantined: BTreeSet<(Millis, String)>,
    next_seq: u64,
}

impl PoolState {
    /// Rebuilds the bookkeeping from stored records.
    pub fn restore(records: Vec<(String, NumberRecord)>) -> Self {
        let mut state = PoolState::default();
        for (number, record) in records {
            state.next_seq = state.next_seq.max(record.seq + 1);
            state.index(&number, &record);
            state.records.insert(number, record);
        }
        state
    }

    fn index(&mut self, number: &str, record: &NumberRecord) {
        match &record.state {
            NumberState::Free { .. } => {
                self.free.insert((record.seq, number.to_owned()));
            }
            NumberState::Assigned { passport, .. } => {
                self.by_passport.insert(passport.clone(), number.to_owned());
            }
            NumberState::Quarantined {
                passport, until, ..
            } => {
                self.by_passport.insert(passport.clone(), number.to_owned());
                self.quarantined.insert((*until, number.to_owned()));
            }
        }
    }

    fn unindex(&mut self, number: &str) {
        let Some(record) = self.records.get(number) else {
            return;
        };
        match &record.state {
            NumberState::Free { .. } => {
                self.free.remove(&(record.seq, number.to_owned()));
            }
            NumberState::Assigned { passport, .. } => {
                self.by_passport.remove(passport);
            }
            NumberState::Quarantined {
                passport, until, ..
            } => {
                self.by_passport.remove(passport);
                self.quarantined.remove(&(*until, number.to_owned()));
            }
        }
    }

    /// Sets a number's state, keeping the indexes right.
    fn set(&mut self, number: &str, state: NumberState) -> Change {
        self.unindex(number);
        let record = self.records.get_mut(number).expect("known number");
        let before = record.clone();
        record.state = state;
        let after = record.clone();
        self.index(number, &after);
        Change { before, after }
    }

    /// Takes the store's word for a number's record (after a compare-and-set found
    /// another writer's change): `None` takes it out of the pool.
    pub(crate) fn replace(&mut self, number: &str, record: Option<NumberRecord>) {
        self.unindex(number);
        self.records.remove(number);
        if let Some(record) = record {
            self.next_seq = self.next_seq.max(record.seq + 1);
            self.index(number, &record);
            self.records.insert(number.to_owned(), record);
        }
    }

    /// Adds a free number (bought when `provider_id` is set); `None` if it is already in
    /// the pool.
    pub fn add(
        &mut self,
        number: &str,
        provider_id: Option<String>,
        now: Millis,
    ) -> Option<NumberRecord> {
        if self.records.contains_key(number) {
            return None;
        }
        let record = NumberRecord {
            seq: self.next_seq,
            provisioned: provider_id.is_some(),
            provider_id,
            state: NumberState::Free { since: now },
        };
        self.next_seq += 1;
        self.index(number, &record);
        self.records.insert(number.to_owned(), record.clone());
        Some(record)
    }

    /// The passport's number, assigning one that `fits` if it has none (a number it
    /// holds is its number, fitting or not). The change is `Some` when the record changed
    /// and must be persisted; `None` overall when no fitting number is available.
    pub(crate) fn assign(
        &mut self,
        passport: &str,
        now: Millis,
        fits: impl Fn(&str) -> bool,
    ) -> Option<(Assignment, Option<Change>)> {
        if let Some(number) = self.by_passport.get(passport).cloned() {
            let record = &self.records[&number];
            match record.state.clone() {
                NumberState::Assigned { since, .. } => {
                    return Some((assignment(&number, passport, since), None));
                }
                NumberState::Quarantined { since, .. } => {
                    let state = NumberState::Assigned {
                        passport: passport.to_owned(),
                        since,
                    };
                    let record = self.set(&number, state);
                    return Some((assignment(&number, passport, since), Some(record)));
                }
                NumberState::Free { .. } => {}
            }
        }
        let free = self.free.iter().map(|(_, n)| n);
        let unquarantined = self
            .quarantined
            .iter()
            .take_while(|(until, _)| *until <= now)
            .map(|(_, n)| n);
        let number = free.chain(unquarantined).find(|n| fits(n))?.clone();
        let state = NumberState::Assigned {
            passport: passport.to_owned(),
            since: now,
        };
        let record = self.set(&number, state);
        Some((assignment(&number, passport, now), Some(record)))
    }

    /// Moves the passport's number into quarantine until `until`.
    pub(crate) fn release(
        &mut self,
        passport: &str,
        until: Millis,
    ) -> Option<(Assignment, Change)> {
        let number = self.by_passport.get(passport)?.clone();
        let NumberState::Assigned { since, .. } = self.records[&number].state else {
            return None;
        };
        let state = NumberState::Quarantined {
            passport: passport.to_owned(),
            since,
            until,
        };
        let record = self.set(&number, state);
        Some((assignment(&number, passport, since), record))
    }

    /// Bought numbers nobody has held for `idle` (free, or out of quarantine) as of `now`.
    pub fn idle_bought(&self, now: Millis, idle: Millis) -> Vec<String> {
        let free = self.free.iter().map(|(_, n)| n);
        let unquarantined = self
            .quarantined
            .iter()
            .filter(|(until, _)| until + idle <= now)
            .map(|(_, n)| n);
        free.chain(unquarantined)
            .filter(|n| {
                let r = &self.records[*n];
                let since = match r.state {
                    NumberState::Free { since } => since,
                    NumberState::Quarantined { until, .. } => until,
                    NumberState::Assigned { .. } => return false,
                };
                r.provisioned && since + idle <= now
            })
            .cloned()
            .collect()
    }

    /// Takes a number out of the pool (nobody can be assigned it); returns its record.
    pub fn remove(&mut self, number: &str) -> Option<NumberRecord> {
        self.unindex(number);
        self.records.remove(number)
    }

    /// Puts back a number taken out with [`remove`](Self::remove).
    pub fn restore_number(&mut self, number: &str, record: NumberRecord) {
        self.index(number, &record);
        self.records.insert(number.to_owned(), record);
    }

    /// Every number, in pool order.
    pub fn list(&self) -> Vec<NumberInfo> {
        let mut all: Vec<NumberInfo> = self
            .records
            .iter()
            .map(|(n, r)| NumberInfo {
                phone_number: n.clone(),
                record: r.clone(),
            })
            .collect();
        all.sort_by_key(|i| i.record.seq);
        all
    }

    /// One number's record.
    pub fn record(&self, number: &str) -> Option<&NumberRecord> {
        self.records.get(number)
    }

    /// Pool size.
    pub fn len(&self) -> usize {
        self.records.len()
    }
}

fn assignment(number: &str, passport: &str, since: Millis) -> Assignment {
    Assignment {
        phone_number: number.to_owned(),
        passport_id: passport.to_owned(),
        assigned_at: since,
    }
}
