//! Values the store trait speaks in, besides the records themselves.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::clock::Millis;
use crate::record::SmsRecord;

/// What storing an inbound message did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ingested {
    /// New and now durable; the stored record, with its attribution.
    Stored(SmsRecord),
    /// A message with this id was already stored (a provider retry): nothing changed.
    Duplicate(SmsRecord),
}

/// When a number's messages were attributed to a passport: from its first assignment to
/// that passport until the attribution ended (`None`: still attributed). Several tenures
/// of one number by one passport merge into one span; history filters by each message's
/// own attribution, so a span only has to cover them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenure {
    /// First instant covered.
    pub from: Millis,
    /// Last instant covered, if the attribution has ended.
    pub until: Option<Millis>,
}

impl Tenure {
    /// All of time: a number's whole history.
    pub const ALWAYS: Tenure = Tenure {
        from: 0,
        until: None,
    };
}

/// Where a history page ends: the position of its oldest message. Opaque to clients,
/// who get it as text and pass it back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    received_at: Millis,
    id: String,
}

/// A cursor text that no page produced.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cursor {0:?} is not one a history page returned")]
pub struct BadCursor(pub String);

impl Cursor {
    /// The position just after `sms` (the last message of a page).
    pub fn after(sms: &SmsRecord) -> Cursor {
        Cursor {
            received_at: sms.received_at,
            id: sms.sms_id.clone(),
        }
    }

    /// Parses the text of [`Display`](fmt::Display).
    pub fn parse(text: &str) -> Result<Cursor, BadCursor> {
        let bad = || BadCursor(text.chars().take(64).collect());
        let (ts, id) = text.split_once('.').ok_or_else(bad)?;
        let digits = !ts.is_empty() && ts.bytes().all(|b| b.is_ascii_digit());
        if !digits || id.is_empty() || id.chars().any(char::is_control) {
            return Err(bad());
        }
        Ok(Cursor {
            received_at: ts.parse().map_err(|_| bad())?,
            id: id.to_owned(),
        })
    }

    /// (arrival time, message id) of the position, for backends.
    pub fn position(&self) -> (Millis, &str) {
        (self.received_at, &self.id)
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.received_at, self.id)
    }
}

/// Where the next purge step starts. Opaque: only the backend that made it reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurgeCursor(pub(crate) Vec<u8>);

/// What one purge step did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurgeStep {
    /// Messages deleted by this step.
    pub removed: usize,
    /// Where the next step starts; `None` when the pass is complete.
    pub resume: Option<PurgeCursor>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_garbage_is_refused() {
        let sms = SmsRecord {
            sms_id: "SMa.b".into(),
            received_at: 42,
            ..SmsRecord::default()
        };
        let c = Cursor::after(&sms);
        assert_eq!(Cursor::parse(&c.to_string()), Ok(c.clone()));
        assert_eq!(c.position(), (42, "SMa.b"));
        for bad in [
            "garbage",
            "",
            ".SM1",
            "12.",
            "x1.SM1",
            "%FF",
            "99999999999999999999999.SM1",
        ] {
            assert!(Cursor::parse(bad).is_err(), "{bad:?}");
        }
    }
}
