//! What `agentpass-sms twilio check` and `twilio sync-webhooks` do: verify the
//! credentials, find each pool number in the account and compare its SMS webhook with
//! ours, and repoint the numbers whose webhook differs.

use std::fmt;

use super::error::TwilioError;
use super::models::{Account, IncomingNumber};
use super::rest::TwilioClient;
use super::webhook::sms_webhook_url;

/// Result of [`TwilioClient::check`].
#[derive(Clone, Debug, PartialEq)]
pub struct CheckReport {
    /// The account, or why it could not be fetched (refused credentials, network).
    pub account: Result<Account, TwilioError>,
    /// The `SmsUrl` every pool number should have.
    pub expected_sms_url: String,
    /// One entry per pool number, in the order given; empty when the account check or
    /// the number listing failed.
    pub numbers: Vec<NumberCheck>,
    /// Why the account's numbers could not be listed, if they could not.
    pub listing_error: Option<TwilioError>,
}

impl CheckReport {
    /// Whether everything is in order: credentials accepted, every pool number found
    /// and pointed at our webhook.
    pub fn is_ok(&self) -> bool {
        self.account.is_ok()
            && self.listing_error.is_none()
            && self.numbers.iter().all(NumberCheck::is_ok)
    }
}

/// How one pool number looks in the account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumberCheck {
    /// The pool number (E.164).
    pub phone_number: String,
    /// The account's record of it; `None` when the account does not own it.
    pub found: Option<FoundNumber>,
}

/// A pool number found in the account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundNumber {
    /// `PN…` SID.
    pub sid: String,
    /// Its current `SmsUrl` (`None` when unset).
    pub sms_url: Option<String>,
    /// Its current `SmsMethod`.
    pub sms_method: Option<String>,
    /// Set when a Messaging application handles its SMS (its `SmsUrl` is then ignored).
    pub sms_application_sid: Option<String>,
    /// `SmsUrl` equals ours, with `SmsMethod` POST (or unset) and no application.
    pub webhook_ok: bool,
}

impl NumberCheck {
    /// Found and pointed at our webhook.
    pub fn is_ok(&self) -> bool {
        self.found.as_ref().is_some_and(|f| f.webhook_ok)
    }
}

impl fmt::Display for NumberCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = &self.phone_number;
        match &self.found {
            None => write!(f, "{n}: not found in the account"),
            Some(found) if found.webhook_ok => write!(f, "{n}: ok ({})", found.sid),
            Some(found) => {
                let url = found.sms_url.as_deref().unwrap_or("(unset)");
                let method = found.sms_method.as_deref().unwrap_or("(unset)");
                write!(f, "{n}: SmsUrl is {url} ({method})")?;
                if let Some(app) = &found.sms_application_sid {
                    write!(
                        f,
                        "; SMS handled by application {app}, which overrides SmsUrl"
                    )?;
                }
                Ok(())
            }
        }
    }
}

/// Result of [`TwilioClient::sync_webhooks`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyncReport {
    /// Numbers whose `SmsUrl`/`SmsMethod` were changed to ours.
    pub updated: Vec<String>,
    /// Numbers already pointed at us.
    pub unchanged: Vec<String>,
    /// Pool numbers the account does not own.
    pub missing: Vec<String>,
    /// Numbers whose SMS a Messaging application handles: `SmsUrl` updated or not,
    /// Twilio ignores it; an operator must detach the application.
    pub application_overrides: Vec<String>,
    /// Numbers whose update failed, with the error.
    pub failed: Vec<(String, TwilioError)>,
}

impl TwilioClient {
    /// Checks the credentials, then finds each of `pool_numbers` in the account and
    /// compares its SMS webhook with `{public_base_url}/webhook/sms-received`.
    pub async fn check(&self, pool_numbers: &[String], public_base_url: &str) -> CheckReport {
        let expected_sms_url = sms_webhook_url(public_base_url);
        let mut report = CheckReport {
            account: self.fetch_account().await,
            expected_sms_url,
            numbers: Vec::new(),
            listing_error: None,
        };
        if report.account.is_err() {
            return report;
        }
        match self.list_incoming_numbers().await {
            Ok(owned) => {
                report.numbers = pool_numbers
                    .iter()
                    .map(|n| number_check(n, &owned, &report.expected_sms_url))
                    .collect();
            }
            Err(e) => report.listing_error = Some(e),
        }
        report
    }

    /// Points every pool number whose webhook differs at
    /// `{public_base_url}/webhook/sms-received` (`SmsMethod=POST`). Fails only when the
    /// account's numbers cannot be listed; per-number failures are in the report.
    pub async fn sync_webhooks(
        &self,
        pool_numbers: &[String],
        public_base_url: &str,
    ) -> Result<SyncReport, TwilioError> {
        let expected = sms_webhook_url(public_base_url);
        let owned = self.list_incoming_numbers().await?;
        let mut report = SyncReport::default();
        for number in pool_numbers {
            let check = number_check(number, &owned, &expected);
            let Some(found) = check.found else {
                report.missing.push(number.clone());
                continue;
            };
            if found.sms_application_sid.is_some() {
                report.application_overrides.push(number.clone());
            }
            if found.webhook_ok {
                report.unchanged.push(number.clone());
                continue;
            }
            let url_ok = found.sms_url.as_deref() == Some(expected.as_str())
                && method_ok(found.sms_method.as_deref());
            if url_ok {
                // Only the application override is wrong; updating SmsUrl cannot fix it.
                report.unchanged.push(number.clone());
                continue;
            }
            match self.update_sms_url(&found.sid, &expected).await {
                Ok(_) => {
                    tracing::info!(%number, sms_url = %expected, "twilio webhook updated");
                    report.updated.push(number.clone());
                }
                Err(e) => report.failed.push((number.clone(), e)),
            }
        }
        Ok(report)
    }
}

fn method_ok(method: Option<&str>) -> bool {
    method.is_none_or(|m| m.eq_ignore_ascii_case("POST"))
}

fn number_check(number: &str, owned: &[IncomingNumber], expected: &str) -> NumberCheck {
    let number = number.trim();
    let found = owned
        .iter()
        .find(|o| o.phone_number.as_deref() == Some(number))
        .and_then(|o| {
            let sid = o.sid.clone()?;
            let webhook_ok = o.sms_url.as_deref() == Some(expected)
                && method_ok(o.sms_method.as_deref())
                && o.sms_application_sid.is_none();
            Some(FoundNumber {
                sid,
                sms_url: o.sms_url.clone(),
                sms_method: o.sms_method.clone(),
                sms_application_sid: o.sms_application_sid.clone(),
                webhook_ok,
            })
        });
    NumberCheck {
        phone_number: number.to_owned(),
        found,
    }
}
