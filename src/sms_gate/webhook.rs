//! One SMS Gate device's webhook, as the app sends it: a JSON envelope
//! `{id, webhookId, event, deviceId, payload}` with `X-Timestamp` (Unix seconds) and
//! `X-Signature` (lowercase hex HMAC-SHA256 of the raw body followed by the timestamp).
//!
//! - Only `sms:received` is stored; every other event is acknowledged and dropped
//!   (`system:ping` is noted as the device's last sign of life).
//! - Idempotent on the envelope `id`, which the app keeps across retries; its
//!   `messageId` is a hash of the text, so two identical texts are two messages.
//! - `simNumber` (1-based slot) picks the number. Without one, on a device with several
//!   numbers, the message is stored unattributed (under `sms-gate:<device>`, never a
//!   guessed number: a wrong guess hands a code to another passport).
//! - `receivedAt` is device-local time with its offset; it is stored in UTC.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use agentpass_actors::{InboundProvider, InboundReply, InboundRequest, InboundSms, Rejected};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// How far `X-Timestamp` may be from our clock, either way.
pub const MAX_SKEW_SECS: i64 = 300;

/// One device's webhook.
pub struct SmsGateWebhook {
    device: String,
    path: String,
    key: String,
    /// Slot 1, 2, … numbers.
    numbers: Vec<String>,
    /// Unix seconds of the last `system:ping` (0: none yet), for health reports.
    last_ping: Arc<AtomicI64>,
}

#[derive(Deserialize)]
struct Envelope {
    id: String,
    event: String,
    #[serde(rename = "deviceId", default)]
    device_id: Option<String>,
    #[serde(rename = "webhookId", default)]
    webhook_id: Option<String>,
    #[serde(default)]
    payload: serde_json::Value,
}

#[derive(Deserialize)]
struct Received {
    message: String,
    /// The sender; older apps send only the deprecated `phoneNumber`.
    #[serde(default)]
    sender: Option<String>,
    #[serde(rename = "phoneNumber", default)]
    phone_number: Option<String>,
    /// Absent (Gson drops nulls) or null when the phone cannot tell the slot.
    #[serde(rename = "simNumber", default)]
    sim_number: Option<u32>,
    #[serde(rename = "receivedAt")]
    received_at: String,
    #[serde(rename = "messageId", default)]
    message_id: Option<String>,
}

impl SmsGateWebhook {
    /// The webhook of device `name`, verified with `signing_key`; `numbers` by slot.
    /// Each `system:ping` stores its time (Unix seconds) in `last_ping`.
    pub fn new(
        name: &str,
        signing_key: &str,
        numbers: Vec<String>,
        last_ping: Arc<AtomicI64>,
    ) -> Self {
        SmsGateWebhook {
            device: name.to_owned(),
            path: format!("sms-gate/{name}"),
            key: signing_key.to_owned(),
            numbers,
            last_ping,
        }
    }

    fn verify(&self, request: &InboundRequest<'_>) -> Result<(), Rejected> {
        let bad =
            |why: &str| Rejected::Signature(format!("SMS Gate device {}: {why}", self.device));
        let stamp = request
            .headers
            .get("x-timestamp")
            .map(str::trim)
            .ok_or_else(|| bad("missing X-Timestamp"))?;
        let signature = request
            .headers
            .get("x-signature")
            .ok_or_else(|| bad("missing X-Signature"))?;
        let expected = signature_of(&self.key, request.body, stamp);
        let given = signature.trim().to_ascii_lowercase();
        if !bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
            return Err(bad("X-Signature does not match the body and X-Timestamp"));
        }
        let sent: i64 = stamp
            .parse()
            .map_err(|_| bad("X-Timestamp is not Unix seconds"))?;
        if (now_secs() - sent).abs() > MAX_SKEW_SECS {
            return Err(bad(
                "X-Timestamp is more than 5 minutes off our clock (a replay, or the phone's clock is wrong)",
            ));
        }
        Ok(())
    }

    fn received(&self, envelope: &Envelope) -> Result<InboundSms, Rejected> {
        let bad =
            |why: String| Rejected::BadRequest(format!("SMS Gate device {}: {why}", self.device));
        let p: Received = serde_json::from_value(envelope.payload.clone())
            .map_err(|e| bad(format!("sms:received payload: {e}")))?;
        let to = match (p.sim_number, self.numbers.as_slice()) {
            (Some(slot), numbers) if slot >= 1 && (slot as usize) <= numbers.len() => {
                numbers[slot as usize - 1].clone()
            }
            (Some(slot), numbers) => {
                return Err(bad(format!(
                    "simNumber {slot}, but the device has {} number(s) configured",
                    numbers.len()
                )))
            }
            (None, [only]) => only.clone(),
            (None, _) => {
                tracing::warn!(
                    device = %self.device,
                    event = %envelope.id,
                    "an SMS arrived without simNumber on a device with several numbers: stored unattributed"
                );
                format!("sms-gate:{}", self.device)
            }
        };
        let from = p
            .sender
            .or(p.phone_number)
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| bad("sms:received without a sender".into()))?;
        let received_at = crate::timefmt::parse_since(&p.received_at)
            .map_err(|_| bad(format!("receivedAt {:?} is not a timestamp", p.received_at)))?;
        let mut extra = vec![("device".to_owned(), self.device.clone())];
        let fields = [
            ("deviceId", envelope.device_id.clone()),
            ("webhookId", envelope.webhook_id.clone()),
            ("messageId", p.message_id),
            ("simNumber", p.sim_number.map(|n| n.to_string())),
        ];
        extra.extend(
            fields
                .into_iter()
                .filter_map(|(k, v)| Some((k.to_owned(), v?))),
        );
        Ok(InboundSms {
            sms_id: format!("SG-{}-{}", self.device, envelope.id),
            to,
            from,
            body: p.message,
            extra,
            received_at: Some(received_at),
            failure: None,
        })
    }
}

impl InboundProvider for SmsGateWebhook {
    fn name(&self) -> &'static str {
        "sms-gate"
    }

    fn path(&self) -> &str {
        &self.path
    }

    fn parse(&self, request: &InboundRequest<'_>) -> Result<Option<InboundSms>, Rejected> {
        self.verify(request)?;
        let envelope: Envelope = serde_json::from_slice(request.body).map_err(|e| {
            Rejected::BadRequest(format!(
                "SMS Gate device {}: not an event envelope: {e}",
                self.device
            ))
        })?;
        if envelope.id.trim().is_empty() || envelope.id.len() > 64 {
            let why = format!(
                "SMS Gate device {}: event id must be 1 to 64 characters",
                self.device
            );
            return Err(Rejected::BadRequest(why));
        }
        match envelope.event.as_str() {
            "sms:received" => self.received(&envelope).map(Some),
            "system:ping" => {
                self.last_ping.store(now_secs(), Ordering::Relaxed);
                Ok(None)
            }
            _ => Ok(None),
        }
    }

    fn reply(&self) -> InboundReply {
        InboundReply {
            content_type: "application/json",
            body: "{}",
        }
    }
}

fn now_secs() -> i64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    now.map_or(0, |d| d.as_secs() as i64)
}

/// What the app puts in `X-Signature`: lowercase hex HMAC-SHA256 of the body followed
/// by the `X-Timestamp` text.
fn signature_of(key: &str, body: &[u8], stamp: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(body);
    mac.update(stamp.as_bytes());
    let digest = mac.finalize().into_bytes();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `X-Timestamp` and `X-Signature` SMS Gate sends with `body` signed by `key` at
/// Unix second `at` (for tests and fakes that speak as the app).
pub fn sign(key: &str, body: &[u8], at: i64) -> (String, String) {
    let stamp = at.to_string();
    let signature = signature_of(key, body, &stamp);
    (stamp, signature)
}
