//! JSON shapes of the HTTP API.

use agentpass_actors::{Assignment, Claim, NumberInfo, NumberState};
use serde::{Deserialize, Serialize};

use crate::rules::{since_of_json, FilterSpec};
use crate::timefmt::rfc3339;
pub use crate::views::{HistoryPage, SmsView};

/// The seed poll route's reply.
#[derive(Serialize, Deserialize)]
pub struct Notifications {
    /// Messages now marked retrieved.
    pub notifications: Vec<SmsView>,
}

/// A passport's number.
#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
pub struct AssignmentView {
    /// The number.
    pub phone_number: String,
    /// Its holder.
    pub passport_id: String,
    /// RFC 3339 start of the assignment.
    pub assigned_at: String,
    /// Set when the passport already held a number that is not in the requested country
    /// or area code (it keeps that number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl From<Assignment> for AssignmentView {
    fn from(a: Assignment) -> Self {
        AssignmentView {
            phone_number: a.phone_number,
            passport_id: a.passport_id,
            assigned_at: rfc3339(a.assigned_at),
            note: None,
        }
    }
}

/// Assign body (all optional): where the number should be, if one must be chosen.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// ISO 3166-1 alpha-2 country, e.g. `GB`.
    pub country: Option<String>,
    /// Area code (digits), in `country` or the configured one.
    pub area_code: Option<String>,
    /// `mobile` (a real SIM), `local` or `any`.
    pub line_type: Option<String>,
}

/// Release reply.
#[derive(Serialize, Deserialize, Debug)]
pub struct Released {
    /// The number now in quarantine.
    pub phone_number: String,
    /// Always true.
    pub released: bool,
    /// RFC 3339 end of quarantine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quarantined_until: Option<String>,
}

/// One pool number in listings.
#[derive(Serialize, Deserialize, Debug)]
pub struct NumberView {
    /// The number.
    pub phone_number: String,
    /// `free`, `assigned` or `quarantined`.
    pub status: String,
    /// Holder (assigned) or previous holder (quarantined).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passport_id: Option<String>,
    /// Whether the service bought it.
    pub provisioned: bool,
    /// Who delivers its SMS: `sms-gate` (a real SIM), else the pool's provider
    /// (`twilio`, `mock`).
    #[serde(default)]
    pub provider: String,
    /// `mobile` for a SIM, `local` for any other number.
    #[serde(default)]
    pub line_type: String,
}

impl NumberView {
    /// The view of `n`, whose provider is `sms-gate` when it is one of `sims`, else
    /// `provider`.
    pub fn of(n: &NumberInfo, sims: &std::collections::HashSet<String>, provider: &str) -> Self {
        let sim = sims.contains(&n.phone_number);
        NumberView {
            provider: if sim { "sms-gate" } else { provider }.to_owned(),
            line_type: if sim { "mobile" } else { "local" }.to_owned(),
            ..NumberView::from(n)
        }
    }
}

impl From<&NumberInfo> for NumberView {
    fn from(n: &NumberInfo) -> Self {
        let (status, passport_id) = match &n.record.state {
            NumberState::Free { .. } => ("free", None),
            NumberState::Assigned { passport, .. } => ("assigned", Some(passport.clone())),
            NumberState::Quarantined { passport, .. } => ("quarantined", Some(passport.clone())),
        };
        NumberView {
            phone_number: n.phone_number.clone(),
            status: status.into(),
            passport_id,
            provisioned: n.record.provisioned,
            provider: String::new(),
            line_type: "local".into(),
        }
    }
}

/// Number listing.
#[derive(Serialize, Deserialize, Debug)]
pub struct NumberList {
    /// Numbers, in pool order.
    pub numbers: Vec<NumberView>,
}

/// Body of `POST /v1/numbers/{number}/wait`.
#[derive(Deserialize, Serialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct WaitBody {
    /// Milliseconds to wait (default 30000, capped by `delivery.max_wait_timeout`).
    #[serde(default, deserialize_with = "crate::rules::optional_whole_number")]
    pub timeout_ms: Option<u64>,
    /// Exact sender.
    pub from: Option<String>,
    /// Case-insensitive substring of the body.
    pub contains: Option<String>,
    /// Regular expression the body must match.
    #[serde(rename = "match")]
    pub pattern: Option<String>,
    /// RFC 3339 or epoch milliseconds.
    pub since: Option<serde_json::Value>,
    /// Lease in milliseconds (default `delivery.claim_lease`).
    #[serde(default, deserialize_with = "crate::rules::optional_whole_number")]
    pub lease_ms: Option<u64>,
    /// Mark the message delivered before answering (no claim to acknowledge; at-most-once).
    #[serde(default)]
    pub auto_ack: bool,
    /// Only messages that carry a one-time code (others stay for plain waits).
    #[serde(default)]
    pub with_code: bool,
}

impl WaitBody {
    /// The filter this body describes, through the one filter builder.
    pub fn filter(&self) -> Result<FilterSpec, String> {
        Ok(FilterSpec {
            from: self.from.clone(),
            contains: self.contains.clone(),
            since: since_of_json(self.since.as_ref())?,
            pattern: self.pattern.clone(),
            with_code: self.with_code,
        })
    }
}

/// Wait reply.
#[derive(Serialize, Deserialize, Debug)]
pub struct WaitReply {
    /// The message.
    pub message: SmsView,
    /// The claim to acknowledge (absent with `auto_ack`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<ClaimView>,
}

/// A claim on a message.
#[derive(Serialize, Deserialize, Debug)]
pub struct ClaimView {
    /// Pass to the ack route.
    pub id: String,
    /// RFC 3339: offered again after this unless acknowledged.
    pub expires_at: String,
}

impl From<Claim> for ClaimView {
    fn from(c: Claim) -> Self {
        ClaimView {
            id: c.id,
            expires_at: rfc3339(c.expires_at),
        }
    }
}

/// Body of the ack route.
#[derive(Deserialize, Serialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct AckBody {
    /// The claim id from the wait reply.
    pub claim_id: String,
}

/// History query string.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// Page size (1–100, default 20).
    pub limit: Option<usize>,
    /// From a previous page.
    pub cursor: Option<String>,
    /// `holder`: only what the number's current holder may see (what agents get), even
    /// with an operator's key. Passport-scoped keys always get that view.
    pub view: Option<String>,
}

/// Body of `POST /v1/otp`.
#[derive(Deserialize, Serialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct OtpBody {
    /// SMS text.
    pub body: String,
}
