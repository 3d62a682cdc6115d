//! `POST /webhook/sms-received`: Twilio's inbound SMS webhook.
//!
//! Signature first (over the configured public URL, never the Host header), then the
//! form, then one durable write through the store's group commit; only then the 200.

use std::sync::Arc;

use agentpass_actors::{InboundSms, Ingested};
use bytes::Bytes;
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

use super::error::ApiError;
use super::form;
use super::AppState;
use crate::twilio::signature;

/// The empty TwiML reply Twilio expects.
pub const TWIML: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#;

/// Longest accepted `MessageSid`.
const MAX_SID_LEN: usize = 64;

/// The webhook route.
pub fn route(
    state: Arc<AppState>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let max = state.max_body;
    warp::post()
        .and(warp::path!("webhook" / "sms-received"))
        .and(warp::query::raw().or(warp::any().map(String::new)).unify())
        .and(warp::header::optional::<String>("x-twilio-signature"))
        .and(warp::body::content_length_limit(max))
        .and(warp::body::bytes())
        .and(warp::any().map(move || state.clone()))
        .and_then(handle)
}

async fn handle(
    query: String,
    signature_header: Option<String>,
    body: Bytes,
    state: Arc<AppState>,
) -> Result<warp::reply::Response, Rejection> {
    let forbidden = |m: &str| ApiError::new(StatusCode::FORBIDDEN, "invalid_signature", m);
    let Some(sig) = signature_header else {
        tracing::warn!("webhook rejected: missing X-Twilio-Signature");
        return Err(forbidden("missing X-Twilio-Signature header").into());
    };
    let params = form::parse(&body).map_err(|e| {
        tracing::warn!(error = %e, "webhook rejected: bad form body");
        ApiError::bad_request(e.to_string())
    })?;
    let url: std::borrow::Cow<str> = if query.is_empty() {
        state.webhook_url.as_str().into()
    } else {
        format!("{}?{query}", state.webhook_url).into()
    };
    if !signature::validate(&state.signing_key, &url, &params, &sig) {
        tracing::warn!("webhook rejected: X-Twilio-Signature does not match");
        return Err(forbidden("X-Twilio-Signature does not match").into());
    }
    let sms = parse_sms(params).map_err(|e| {
        tracing::warn!(error = %e, "webhook rejected: bad parameters");
        ApiError::bad_request(e)
    })?;
    let (sid, to) = (sms.sms_id.clone(), sms.to.clone());
    match state.service.ingest(sms).await {
        Ok(Ingested::Stored(_)) => tracing::info!("Stored SMS {sid} for {to}"),
        Ok(Ingested::Duplicate(_)) => tracing::info!("Duplicate SMS {sid} for {to} ignored"),
        Err(e) => {
            tracing::error!(error = %e, "could not store SMS {sid}");
            return Err(ApiError::internal("could not store the message").into());
        }
    }
    Ok(warp::reply::with_header(TWIML, "content-type", "text/xml").into_response())
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
    let sid_char = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    if sid.len() > MAX_SID_LEN || !sid.bytes().all(sid_char) {
        return Err("MessageSid must be 1-64 ASCII letters, digits, '_' or '-'".into());
    }
    let to = to.ok_or_else(|| missing("To"))?;
    if !form::is_e164(&to) {
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
                ("MessageSid", "SM1"),
                ("From", from),
                ("To", "+15550000001"),
                ("Body", "x"),
            ]));
            assert_eq!(sms.unwrap().from, from);
        }
        let bad = parse_sms(p(&[
            ("MessageSid", "SM1"),
            ("From", "1"),
            ("To", "5550000001"),
            ("Body", "x"),
        ]));
        assert!(bad.unwrap_err().contains("E.164"));
        let missing = parse_sms(p(&[
            ("MessageSid", "SM1"),
            ("From", "1"),
            ("To", "+15550000001"),
        ]));
        assert_eq!(missing.unwrap_err(), "missing required parameter Body");
        let extra = parse_sms(p(&[
            ("MessageSid", "SM1"),
            ("From", "1"),
            ("To", "+15550000001"),
            ("Body", ""),
            ("NumMedia", "0"),
        ]));
        assert_eq!(extra.unwrap().extra, p(&[("NumMedia", "0")]));
    }
}
