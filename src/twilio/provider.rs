//! [`TwilioProvider`]: the pool's [`NumberProvider`] backed by the Twilio REST API.
//!
//! Buying points the number's `SmsUrl` at our webhook ([`sms_webhook_url`])
//! (`SmsMethod=POST`). Reconciliation lists the account's inbound messages; a message
//! Twilio failed or filtered (e.g. 30038, OTP message body filtered) is still returned,
//! with its error in [`InboundSms::extra`] under [`EXTRA_ERROR_CODE`] and friends.

use std::collections::HashSet;

use agentpass_actors::{
    InboundSms, Millis, NumberProvider, OwnedNumber, ProviderError, ProviderFailure, SearchQuery,
};
use async_trait::async_trait;

use super::error::{TwilioError, CODE_NOT_FOUND};
use super::models::TwilioMessage;
use super::rest::TwilioClient;
use super::webhook::sms_webhook_url;

/// `extra` key: Twilio's error code of a failed or filtered message.
pub const EXTRA_ERROR_CODE: &str = "ErrorCode";
/// `extra` key: Twilio's error text.
pub const EXTRA_ERROR_MESSAGE: &str = "ErrorMessage";
/// `extra` key: message status (`received`, `failed`, …), as in Twilio's callbacks.
pub const EXTRA_STATUS: &str = "SmsStatus";
/// `extra` key: when Twilio received the message (RFC 2822, as Twilio sends it).
pub const EXTRA_DATE_SENT: &str = "DateSent";

/// A [`NumberProvider`] that buys, releases and lists numbers and messages on Twilio.
#[derive(Clone, Debug)]
pub struct TwilioProvider {
    client: TwilioClient,
    public_base_url: String,
    sms_url: String,
}

impl TwilioProvider {
    /// A provider over `client` that points bought numbers at `public_base_url`.
    pub fn new(client: TwilioClient, public_base_url: &str) -> Self {
        TwilioProvider {
            sms_url: sms_webhook_url(public_base_url),
            public_base_url: public_base_url.trim().trim_end_matches('/').to_owned(),
            client,
        }
    }

    /// The REST client.
    pub fn client(&self) -> &TwilioClient {
        &self.client
    }

    /// The public base URL numbers are pointed at.
    pub fn public_base_url(&self) -> &str {
        &self.public_base_url
    }

    /// The `SmsUrl` set on bought numbers.
    pub fn sms_url(&self) -> &str {
        &self.sms_url
    }
}

#[async_trait]
impl NumberProvider for TwilioProvider {
    fn name(&self) -> &'static str {
        "twilio"
    }

    fn billable(&self) -> bool {
        true
    }

    async fn search(&self, query: &SearchQuery) -> Result<Vec<String>, ProviderError> {
        let found = self
            .client
            .search_local(&query.country, query.area_code.as_deref())
            .await?;
        Ok(found.into_iter().filter_map(|n| n.phone_number).collect())
    }

    async fn buy(&self, phone_number: &str) -> Result<OwnedNumber, ProviderError> {
        let bought = self
            .client
            .buy_number(phone_number, &self.sms_url)
            .await
            .map_err(|e| e.into_provider_error(Some(phone_number)))?;
        let Some(sid) = bought.sid else {
            // Twilio billed a number we cannot address: say which, loudly.
            tracing::error!(phone_number, "twilio purchase reply has no sid");
            return Err(ProviderError::Other(format!(
                "Twilio bought {phone_number} but its reply had no number SID; \
                 release it in the Twilio console if it is not in the pool"
            )));
        };
        // The reply names the number bought; trust it over what we asked for.
        let phone_number = bought
            .phone_number
            .unwrap_or_else(|| phone_number.to_owned());
        tracing::info!(%phone_number, %sid, "twilio number bought");
        Ok(OwnedNumber {
            phone_number,
            provider_id: sid,
        })
    }

    async fn release(&self, number: &OwnedNumber) -> Result<(), ProviderError> {
        match self.client.release_number(&number.provider_id).await {
            Ok(()) => Ok(()),
            // Already released (or never ours): the goal is reached.
            Err(e @ TwilioError::Api(_)) if e.code() == Some(CODE_NOT_FOUND) => {
                tracing::warn!(phone_number = %number.phone_number, "twilio number already released");
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn list_recent_inbound(&self, since: Millis) -> Result<Vec<InboundSms>, ProviderError> {
        let messages = self.client.list_messages_since(since).await?;
        Ok(inbound_since(messages, since))
    }
}

/// Keeps inbound messages received at or after `since` (to the second; undated ones
/// are kept), drops those still `receiving` (their body may be incomplete: a later
/// listing sees them whole), removes duplicates, and converts them.
pub fn inbound_since(messages: Vec<TwilioMessage>, since: Millis) -> Vec<InboundSms> {
    let since_floor = since / 1000 * 1000;
    let mut seen = HashSet::new();
    messages
        .into_iter()
        .filter(|m| m.is_inbound() && m.status.as_deref() != Some("receiving"))
        .filter(|m| m.timestamp_ms().is_none_or(|t| t >= since_floor))
        .filter_map(to_inbound_sms)
        .filter(|sms| seen.insert(sms.sms_id.clone()))
        .collect()
}

/// Converts a message; `None` when it lacks a SID, `to` or `from`. A message Twilio
/// failed or filtered (an error code, or status `failed`/`undelivered`) carries a
/// [`ProviderFailure`] so its waiter is told rather than left to time out.
pub fn to_inbound_sms(m: TwilioMessage) -> Option<InboundSms> {
    // Twilio dates have whole seconds: take the end of that second, so a message that
    // came in just after its number was assigned is not dated before the assignment.
    // (Service::ingest never dates a message in the future.)
    let received_at = m.timestamp_ms().map(|t| t + 999);
    let failed =
        m.error_code.is_some() || matches!(m.status.as_deref(), Some("failed" | "undelivered"));
    let failure = failed.then(|| ProviderFailure {
        code: m.error_code,
        message: m.error_message.clone().unwrap_or_else(|| {
            format!(
                "Twilio marked the message {}",
                m.status.as_deref().unwrap_or("failed")
            )
        }),
    });
    let mut extra = Vec::new();
    let mut push = |key: &str, value: Option<String>| {
        if let Some(v) = value {
            extra.push((key.to_owned(), v));
        }
    };
    push("AccountSid", m.account_sid);
    push("MessagingServiceSid", m.messaging_service_sid);
    push("NumMedia", m.num_media);
    push("NumSegments", m.num_segments);
    push(EXTRA_STATUS, m.status);
    push(EXTRA_DATE_SENT, m.date_sent);
    push(EXTRA_ERROR_CODE, m.error_code.map(|c| c.to_string()));
    push(EXTRA_ERROR_MESSAGE, m.error_message);
    Some(InboundSms {
        sms_id: m.sid?,
        to: m.to?,
        from: m.from?,
        body: m.body.unwrap_or_default(),
        extra,
        received_at,
        failure,
    })
}
