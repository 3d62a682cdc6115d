//! Records kept in the store and the filters waits use.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::clock::Millis;

/// One inbound SMS, as stored. Field names follow the original `sms_notifications` table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsRecord {
    /// Provider message id (Twilio `MessageSid`); the idempotency key.
    pub sms_id: String,
    /// The receiving number (`To`), E.164.
    pub phone_number: String,
    /// The sender (`From`): E.164, short code or alphanumeric id.
    pub sender: String,
    /// Message text.
    pub body: String,
    /// When the message reached us.
    pub received_at: Millis,
    /// When the webhook was accepted (equal to `received_at` for webhooks, later for
    /// messages backfilled by reconciliation).
    pub notified_at: Millis,
    /// When the message was delivered to an agent; `None` while undelivered.
    pub retrieved_at: Option<Millis>,
    /// The passport that owned the number when the message arrived (the previous owner
    /// during quarantine); `None` for a number nobody held.
    pub passport: Option<String>,
    /// Every other form parameter the provider sent, kept verbatim.
    pub extra: Vec<(String, String)>,
    /// Set when the provider failed or filtered the message (its body is then missing):
    /// a waiter is told instead of timing out.
    pub failure: Option<ProviderFailure>,
}

impl SmsRecord {
    /// The record as a number actor keeps it: without `extra`. Delivery shows only the
    /// main fields, the extra provider parameters stay in the store, and an inbox of
    /// Twilio-sized records holds ~15 fewer strings per message.
    pub fn for_inbox(self) -> SmsRecord {
        SmsRecord {
            extra: Vec::new(),
            ..self
        }
    }

    /// [`for_inbox`](Self::for_inbox) of a copy, without copying `extra` first.
    pub fn inbox_copy(&self) -> SmsRecord {
        SmsRecord {
            sms_id: self.sms_id.clone(),
            phone_number: self.phone_number.clone(),
            sender: self.sender.clone(),
            body: self.body.clone(),
            received_at: self.received_at,
            notified_at: self.notified_at,
            retrieved_at: self.retrieved_at,
            passport: self.passport.clone(),
            extra: Vec::new(),
            failure: self.failure.clone(),
        }
    }
}

/// Why the provider did not deliver a message's content (e.g. Twilio 30038, "OTP
/// message body filtered").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderFailure {
    /// The provider's error code, e.g. 30038.
    pub code: Option<u32>,
    /// The provider's explanation.
    pub message: String,
}

/// An inbound SMS before it is stored: what a webhook or reconciliation hands in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboundSms {
    /// Provider message id.
    pub sms_id: String,
    /// Receiving number.
    pub to: String,
    /// Sender.
    pub from: String,
    /// Message text.
    pub body: String,
    /// Remaining provider parameters.
    pub extra: Vec<(String, String)>,
    /// When the provider received it, if known (reconciliation); else now.
    pub received_at: Option<Millis>,
    /// Set when the provider failed or filtered it.
    pub failure: Option<ProviderFailure>,
}

/// Where a number stands in the pool.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NumberState {
    /// Available for assignment since the given time.
    Free { since: Millis },
    /// Held by a passport since the given time.
    Assigned { passport: String, since: Millis },
    /// Released by `passport`; not reassigned to anyone else before `until`.
    Quarantined {
        passport: String,
        since: Millis,
        until: Millis,
    },
}

/// A pool number as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberRecord {
    /// Order in which the number joined the pool; free numbers are handed out lowest first.
    pub seq: u64,
    /// Whether the service bought it (and may give it back) or it came from configuration.
    pub provisioned: bool,
    /// The provider's id of a bought number (Twilio `PN…`), needed to give it back.
    pub provider_id: Option<String>,
    /// Assignment state.
    pub state: NumberState,
}

impl NumberRecord {
    /// The passport messages to this number are attributed to: the holder, or the
    /// previous holder while the number is in quarantine.
    pub fn attributed_passport(&self) -> Option<&str> {
        match &self.state {
            NumberState::Free { .. } => None,
            NumberState::Assigned { passport, .. } | NumberState::Quarantined { passport, .. } => {
                Some(passport)
            }
        }
    }
}

/// A condition on the body supplied by the caller (e.g. "carries a one-time code"),
/// so the actor crate need not know how codes are found.
#[derive(Clone)]
pub struct BodyTest(pub Arc<dyn Fn(&str) -> bool + Send + Sync>);

impl std::fmt::Debug for BodyTest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BodyTest(..)")
    }
}

impl PartialEq for BodyTest {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for BodyTest {}

/// Optional conditions a waiter puts on the message it wants.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Exact sender.
    pub from: Option<String>,
    /// Case-insensitive substring of the body (stored lower-cased).
    pub contains: Option<String>,
    /// Only messages received at or after this time.
    pub since: Option<Millis>,
    /// Only messages whose body passes this test; others stay for other waiters.
    pub body_test: Option<BodyTest>,
}

impl Filter {
    /// Builds a filter, lower-casing `contains` once.
    pub fn new(from: Option<String>, contains: Option<String>, since: Option<Millis>) -> Self {
        Filter {
            from,
            contains: contains.map(|c| c.to_lowercase()),
            since,
            body_test: None,
        }
    }

    /// Adds a body test.
    pub fn with_body_test(mut self, test: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        self.body_test = Some(BodyTest(Arc::new(test)));
        self
    }

    /// Whether `sms` satisfies every condition. A failed message has no usable body, so
    /// only its sender and time are checked: the waiter must hear about it.
    pub fn matches(&self, sms: &SmsRecord) -> bool {
        let envelope = self.from.as_deref().is_none_or(|f| f == sms.sender)
            && self.since.is_none_or(|s| sms.received_at >= s);
        envelope && (sms.failure.is_some() || self.matches_body(sms))
    }

    fn matches_body(&self, sms: &SmsRecord) -> bool {
        self.contains
            .as_deref()
            .is_none_or(|c| sms.body.to_lowercase().contains(c))
            && self.body_test.as_ref().is_none_or(|t| (t.0)(&sms.body))
    }
}

#[cfg(test)]
mod inbox_tests {
    use super::*;

    #[test]
    fn an_inbox_copy_is_the_record_without_its_extra_parameters() {
        let sms = SmsRecord {
            sms_id: "SM1".into(),
            body: "code 123456".into(),
            passport: Some("ap_1".into()),
            extra: vec![("NumMedia".into(), "0".into())],
            ..SmsRecord::default()
        };
        let copy = sms.inbox_copy();
        assert!(copy.extra.is_empty());
        assert_eq!(copy, sms.clone().for_inbox());
        assert_eq!(
            SmsRecord {
                extra: sms.extra.clone(),
                ..copy
            },
            sms
        );
    }
}
