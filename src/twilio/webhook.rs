//! Twilio's inbound SMS webhook as an [`InboundProvider`]: the `X-Twilio-Signature` over
//! the public URL and every form parameter, then the form's fields, then the empty TwiML
//! reply Twilio expects. Mock mode speaks the same wire format with its own key.

use agentpass_actors::{
    InboundProvider, InboundReply, InboundRequest, InboundSms, Rejected, WEBHOOK_PREFIX,
};

use super::form;
use super::keys::{self, WebhookKeys};

/// The empty TwiML reply Twilio expects.
pub const TWIML: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#;

/// The route's path segment: `/webhook/sms-received`, as the original API had it.
pub const PATH: &str = "sms-received";

/// The SMS webhook URL Twilio numbers must point at: `{public_base_url}/webhook/sms-received`.
pub fn sms_webhook_url(public_base_url: &str) -> String {
    let base = public_base_url.trim().trim_end_matches('/');
    format!("{base}/{WEBHOOK_PREFIX}/{PATH}")
}

/// Whether `sid` has the shape of a Twilio message SID: `SM` (SMS) or `MM` (MMS) and 32
/// hex digits. Anything looser lets a signed request be spliced into another stored
/// message (drop `NumMedia`, send `MessageSid=SM…NumMedia0`: the signed string is the
/// same).
pub fn is_message_sid(sid: &str) -> bool {
    sid.len() == 34
        && (sid.starts_with("SM") || sid.starts_with("MM"))
        && sid.as_bytes()[2..].iter().all(u8::is_ascii_hexdigit)
}

/// Twilio's webhook, verified with `keys`.
pub struct TwilioWebhook {
    keys: WebhookKeys,
    name: &'static str,
}

impl TwilioWebhook {
    /// Twilio mode: signed with the account's auth token or a webhook shared key.
    pub fn new(keys: WebhookKeys) -> Self {
        TwilioWebhook {
            keys,
            name: "twilio",
        }
    }

    /// Mock mode: Twilio's wire format, signed with the mock signing key (what
    /// `agentpass-sms sms send` signs with).
    pub fn mock(keys: WebhookKeys) -> Self {
        TwilioWebhook { keys, name: "mock" }
    }
}

impl InboundProvider for TwilioWebhook {
    fn name(&self) -> &'static str {
        self.name
    }

    fn path(&self) -> &str {
        PATH
    }

    fn parse(&self, request: &InboundRequest<'_>) -> Result<Option<InboundSms>, Rejected> {
        let Some(sig) = request.headers.get("x-twilio-signature") else {
            return Err(Rejected::Signature(
                "missing X-Twilio-Signature header".into(),
            ));
        };
        let settings = request.headers.get(keys::SETTINGS_HEADER);
        let params = match keys::body_sha256(request.url) {
            // A JSON body: the signature covers the URL (with the body's hash) alone.
            Some(hash) => {
                if !keys::body_matches(request.body, hash) {
                    return Err(Rejected::Signature(
                        "the body does not match bodySHA256".into(),
                    ));
                }
                self.keys
                    .verify(settings, request.url, &[], sig)
                    .map_err(Rejected::Signature)?;
                form::parse_json(request.body).map_err(|e| Rejected::BadRequest(e.to_string()))?
            }
            None => {
                let params =
                    form::parse(request.body).map_err(|e| Rejected::BadRequest(e.to_string()))?;
                self.keys
                    .verify(settings, request.url, &params, sig)
                    .map_err(Rejected::Signature)?;
                params
            }
        };
        parse_sms(params).map(Some).map_err(Rejected::BadRequest)
    }

    fn reply(&self) -> InboundReply {
        InboundReply {
            content_type: "text/xml",
            body: TWIML,
        }
    }
}

/// Takes the required fields out of the form; the rest is kept as `extra`.
fn parse_sms(params: Vec<(String, String)>) -> Result<InboundSms, String> {
    let (mut sid, mut to, mut from, mut body) = (None, None, None, None);
    let mut extra = Vec::new();
    for (k, v) in params {
        let slot = match k.as_str() {
            "MessageSid" => &mut sid,
            "To" => &mut to,
            "From" => &mut from,
            "Body" => &mut body,
            _ => {
                extra.push((k, v));
                continue;
            }
        };
        if slot.replace(v).is_some() {
            return Err(format!("parameter {k} is repeated"));
        }
    }
    let missing = |name: &str| format!("missing required parameter {name}");
    let sid = sid
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("MessageSid"))?;
    if !is_message_sid(&sid) {
        return Err(
            "MessageSid must be SM or MM followed by 32 hex digits, as Twilio sends it".into(),
        );
    }
    let to = to.ok_or_else(|| missing("To"))?;
    if !crate::phone::is_e164(&to) {
        return Err("To must be an E.164 number like +15551234567".into());
    }
    let from = from
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| missing("From"))?;
    let body = body.ok_or_else(|| missing("Body"))?;
    Ok(InboundSms {
        sms_id: sid,
        to,
        from,
        body,
        extra,
        received_at: None,
        failure: None,
    })
}
#[cfg(test)]
mod tests {
    use super::*;

    const SID: &str = "SM0123456789abcdef0123456789abcdef";

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn short_codes_and_alphanumeric_senders_are_accepted_to_must_be_e164() {
        for from in ["22000", "VERIFY", "+14155550100"] {
            let sms = parse_sms(p(&[
                ("MessageSid", SID),
                ("From", from),
                ("To", "+15550000001"),
                ("Body", "x"),
            ]));
            assert_eq!(sms.unwrap().from, from);
        }
        let bad = parse_sms(p(&[
            ("MessageSid", SID),
            ("From", "1"),
            ("To", "5550000001"),
            ("Body", "x"),
        ]));
        assert!(bad.unwrap_err().contains("E.164"));
        let missing = parse_sms(p(&[
            ("MessageSid", SID),
            ("From", "1"),
            ("To", "+15550000001"),
        ]));
        assert_eq!(missing.unwrap_err(), "missing required parameter Body");
        let extra = parse_sms(p(&[
            ("MessageSid", SID),
            ("From", "1"),
            ("To", "+15550000001"),
            ("Body", ""),
            ("NumMedia", "0"),
        ]));
        assert_eq!(extra.unwrap().extra, p(&[("NumMedia", "0")]));
    }

    #[test]
    fn only_twilios_sid_shape_is_accepted() {
        assert!(is_message_sid(SID));
        assert!(is_message_sid("MM0123456789ABCDEF0123456789abcdef"));
        for bad in [
            "SM1",
            "SM0123456789abcdef0123456789abcdefNumMedia0",
            "SM0123456789abcdef0123456789abcdeg",
            "XX0123456789abcdef0123456789abcdef",
            "SM0123456789abcdef0123456789abcde",
            "",
        ] {
            assert!(!is_message_sid(bad), "{bad}");
            let params = p(&[
                ("MessageSid", bad),
                ("From", "1"),
                ("To", "+15550000001"),
                ("Body", "x"),
            ]);
            assert!(
                parse_sms(params).unwrap_err().contains("MessageSid"),
                "{bad}"
            );
        }
    }
}
