//! Types of the delivery protocol between callers and number actors.

use std::time::Duration;

use crate::clock::Millis;
use crate::record::{Filter, SmsRecord};

/// Who may receive a number's messages right now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owner {
    /// Not assigned (free, quarantined or not a pool number): only unattributed messages.
    Nobody,
    /// Assigned: messages attributed to `passport` that arrived since `since`.
    Passport { passport: String, since: Millis },
}

impl Owner {
    /// Whether `sms` belongs to this owner's current assignment.
    pub fn owns(&self, sms: &SmsRecord) -> bool {
        match self {
            Owner::Nobody => sms.passport.is_none(),
            Owner::Passport { passport, since } => {
                sms.passport.as_deref() == Some(passport) && sms.received_at >= *since
            }
        }
    }

    /// Start of the assignment (0 when nobody holds the number).
    pub fn since(&self) -> Millis {
        match self {
            Owner::Nobody => 0,
            Owner::Passport { since, .. } => *since,
        }
    }
}

/// Who reads a number's history, for the one visibility rule of HTTP and MCP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Viewer {
    /// An operator (an unscoped API key): every message, with its attribution.
    Operator,
    /// The agent holding the number (MCP tools, passport-scoped keys): only what arrived
    /// for the current holder, never an earlier holder's messages.
    Holder,
}

impl Viewer {
    /// Whether this viewer sees `sms` on a number now held by `holder` (`None`: held by
    /// nobody, and then there is nobody else's history to protect from the viewer).
    pub fn sees(self, holder: Option<&str>, sms: &SmsRecord) -> bool {
        match (self, holder) {
            (Viewer::Operator, _) | (Viewer::Holder, None) => true,
            (Viewer::Holder, Some(p)) => sms.passport.as_deref() == Some(p),
        }
    }
}

/// A request to receive the next matching message.
#[derive(Clone, Debug)]
pub(crate) struct WaitRequest {
    /// Caller-chosen id, used to cancel.
    pub id: u64,
    /// Conditions on the message.
    pub filter: Filter,
    /// How long to wait before failing with [`WaitError::Timeout`].
    pub timeout: Duration,
    /// `Some(lease)`: claim the message instead of marking it delivered; it must be
    /// acknowledged within the lease or it is offered again (at-least-once).
    pub lease: Option<Duration>,
}

/// A message handed to a waiter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivered {
    /// The message (with `retrieved_at` set unless claimed).
    pub sms: SmsRecord,
    /// The claim to acknowledge, for leased waits.
    pub claim: Option<Claim>,
}

/// A lease on a message given to a long-poll waiter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    /// Opaque id the acknowledgement must carry.
    pub id: String,
    /// When the message is offered again unless acknowledged.
    pub expires_at: Millis,
}

/// Why a wait ended without a message. Display texts are what agents see.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum WaitError {
    /// Nothing matching arrived in time.
    #[error("Wait for SMS failed: Timed out waiting for SMS to {0}")]
    Timeout(String),
    /// The number was released (or reassigned) while waiting.
    #[error("Wait for SMS failed: {0} was released while waiting")]
    Released(String),
    /// The service is shutting down.
    #[error("Wait for SMS failed: the service is shutting down")]
    Shutdown,
    /// The provider failed or filtered a message to the number (e.g. Twilio 30038).
    #[error("Wait for SMS failed: the provider did not deliver an SMS to {number}{}: {message}", code.map(|c| format!(" (error {c})")).unwrap_or_default())]
    ProviderFiltered {
        number: String,
        code: Option<u32>,
        message: String,
    },
    /// The store could not record the delivery; the message stays undelivered.
    #[error("Wait for SMS failed: could not record the delivery: {0}")]
    Store(String),
}

/// Why an acknowledgement failed.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum AckError {
    /// No live claim with that id: it expired (the message was offered again) or never existed.
    #[error("no active claim {claim_id} on message {sms_id}: it expired or was never made")]
    UnknownClaim { sms_id: String, claim_id: String },
    /// The store could not record it.
    #[error("could not record the acknowledgement: {0}")]
    Store(String),
    /// The service is shutting down.
    #[error("the service is shutting down")]
    Shutdown,
}
