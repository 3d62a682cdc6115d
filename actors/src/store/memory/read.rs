//! Reads of the in-memory store.

use std::ops::Bound;

use super::write::State;
use crate::clock::Millis;
use crate::record::SmsRecord;
use crate::store::{Cursor, Keep, Tenure};

impl State {
    pub(super) fn message(&self, number: &str, id: &str) -> Option<SmsRecord> {
        let ts = *self.ids.get(&(number.to_owned(), id.to_owned()))?;
        self.messages
            .get(&(number.to_owned(), ts, id.to_owned()))
            .cloned()
    }

    pub(super) fn undelivered_since(&self, number: &str, from: Millis) -> Vec<SmsRecord> {
        let start = (number.to_owned(), from, String::new());
        let end = (format!("{number}\0"), 0, String::new());
        self.messages
            .range(start..end)
            .map(|(_, sms)| sms)
            .filter(|sms| sms.retrieved_at.is_none())
            .cloned()
            .collect()
    }

    pub(super) fn newest(
        &self,
        number: &str,
        span: Tenure,
        before: Option<&Cursor>,
        want: usize,
        keep: Keep<'_>,
    ) -> Vec<SmsRecord> {
        let start = (number.to_owned(), span.from, String::new());
        let mut end = match span.until {
            Some(until) => (number.to_owned(), until.saturating_add(1), String::new()),
            None => (format!("{number}\0"), 0, String::new()),
        };
        if let Some((ts, id)) = before.map(Cursor::position) {
            end = end.min((number.to_owned(), ts, id.to_owned()));
        }
        if start >= end {
            return Vec::new();
        }
        self.messages
            .range((Bound::Included(start), Bound::Excluded(end)))
            .rev()
            .map(|(_, sms)| sms)
            .filter(|sms| keep(sms))
            .take(want)
            .cloned()
            .collect()
    }

    pub(super) fn tenures(&self, passport: &str) -> Vec<(String, Tenure)> {
        let start = (passport.to_owned(), String::new());
        let end = (format!("{passport}\0"), String::new());
        self.tenures
            .range(start..end)
            .map(|((_, number), t)| (number.clone(), *t))
            .collect()
    }
}
