//! Building the Twilio client from configuration, and the start-up check `serve` runs.

use std::sync::Arc;

use agentpass_actors::Service;

use super::{AuthToken, CheckReport, TwilioClient, TwilioConfig, TwilioError};
use crate::config::Config;

/// The REST client for the configured account.
pub fn client(config: &Config) -> Result<TwilioClient, TwilioError> {
    let sid = config.twilio.account_sid.clone().unwrap_or_default();
    let token = config
        .twilio
        .auth_token
        .as_ref()
        .map(|t| t.expose().to_owned())
        .unwrap_or_default();
    let twilio =
        TwilioConfig::new(sid, AuthToken::new(token)).with_api_base(config.twilio.api_base.clone());
    TwilioClient::new(twilio)
}

/// Every Twilio number in the service's pool (configured and bought; not the SMS Gate
/// SIMs beside them).
pub async fn pool_numbers(service: &Service) -> Vec<String> {
    let sims = &service.settings().sim_numbers;
    service
        .numbers()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|n| n.phone_number)
        .filter(|n| !sims.contains(n))
        .collect()
}

/// Runs [`TwilioClient::check`] and logs what is wrong (never a secret).
pub async fn check_and_warn(client: TwilioClient, service: Arc<Service>, public_base_url: String) {
    let numbers = pool_numbers(&service).await;
    let report = client.check(&numbers, &public_base_url).await;
    log_report(&report);
}

/// Logs a check report: errors for credentials, warnings per misconfigured number.
pub fn log_report(report: &CheckReport) {
    if let Err(e) = &report.account {
        tracing::error!("Twilio check failed: {e}");
        return;
    }
    if let Some(e) = &report.listing_error {
        tracing::warn!("Twilio check: could not list the account's numbers: {e}");
    }
    for n in report.numbers.iter().filter(|n| !n.is_ok()) {
        tracing::warn!(
            "Twilio check: {n} (run `agentpass-sms twilio sync-webhooks` to fix webhooks)"
        );
    }
    if report.is_ok() {
        tracing::info!(
            "Twilio check: credentials accepted; {} pool numbers point at {}",
            report.numbers.len(),
            report.expected_sms_url
        );
    }
}
