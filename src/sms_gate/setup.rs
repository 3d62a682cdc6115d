//! `sms-gate check` and `sms-gate sync-webhooks`, and the check `serve` runs at start:
//! is each device reachable, are its credentials right, does its `sms:received`
//! webhook point at us.

use super::device::{DeviceClient, DeviceError, Webhook, RECEIVED};
use crate::config::Config;

/// What one device's check found.
pub struct DeviceReport {
    /// The device.
    pub device: String,
    /// Where its webhook must point.
    pub expected_url: String,
    /// Its health status (`pass`, `warn`, `fail`), or why it cannot be read.
    pub health: Result<String, DeviceError>,
    /// Its `sms:received` webhooks, or why they cannot be listed.
    pub webhooks: Result<Vec<Webhook>, DeviceError>,
}

impl DeviceReport {
    /// Whether the device is up and posts `sms:received` to us.
    pub fn is_ok(&self) -> bool {
        matches!(&self.health, Ok(s) if s != "fail") && self.registered()
    }

    fn registered(&self) -> bool {
        self.webhooks
            .as_ref()
            .is_ok_and(|hooks| hooks.iter().any(|h| h.url == self.expected_url))
    }

    /// One line per finding.
    pub fn lines(&self) -> Vec<String> {
        let d = &self.device;
        let mut lines = vec![match &self.health {
            Ok(status) => format!("{d}: reachable, health {status}"),
            Err(e) => format!("{d}: {e}"),
        }];
        lines.push(match &self.webhooks {
            Ok(_) if self.registered() => {
                format!("{d}: credentials ok; sms:received is posted to {}", self.expected_url)
            }
            Ok(hooks) if hooks.is_empty() => format!(
                "{d}: credentials ok; no sms:received webhook: run `agentpass-sms sms-gate sync-webhooks`"
            ),
            Ok(hooks) => {
                let urls: Vec<&str> = hooks.iter().map(|h| h.url.as_str()).collect();
                format!(
                    "{d}: credentials ok; sms:received goes to {} instead of {}: run `agentpass-sms sms-gate sync-webhooks`",
                    urls.join(", "),
                    self.expected_url
                )
            }
            Err(e) => format!("{d}: {e}"),
        });
        lines
    }
}

/// The webhook URL of device `name` under `public_base_url`.
pub fn webhook_url(public_base_url: &str, name: &str) -> String {
    let base = public_base_url.trim().trim_end_matches('/');
    format!("{base}/webhook/sms-gate/{name}")
}

/// Checks every configured device against our webhook under `public_base_url`.
pub async fn check(config: &Config, public_base_url: &str) -> Vec<DeviceReport> {
    let mut reports = Vec::new();
    for device in &config.sms_gate.devices {
        let client = DeviceClient::new(device);
        let health = client.health().await.map(|h| h.status);
        let webhooks = client
            .webhooks()
            .await
            .map(|hooks| hooks.into_iter().filter(|h| h.event == RECEIVED).collect());
        reports.push(DeviceReport {
            device: device.name.clone(),
            expected_url: webhook_url(public_base_url, &device.name),
            health,
            webhooks,
        });
    }
    reports
}

/// Registers our `sms:received` webhook on every device where it is missing, replacing
/// one that points at an older URL of ours (same device path, another base URL).
/// Returns a line per device and whether all are right now.
pub async fn sync(config: &Config, public_base_url: &str) -> (Vec<String>, bool) {
    let (mut lines, mut ok) = (Vec::new(), true);
    for device in &config.sms_gate.devices {
        let client = DeviceClient::new(device);
        let url = webhook_url(public_base_url, &device.name);
        let d = &device.name;
        let hooks = match client.webhooks().await {
            Ok(hooks) => hooks,
            Err(e) => {
                lines.push(format!("{d}: {e}"));
                ok = false;
                continue;
            }
        };
        let ours = |h: &&Webhook| h.event == RECEIVED;
        if hooks.iter().filter(ours).any(|h| h.url == url) {
            lines.push(format!("{d}: already posts sms:received to {url}"));
            continue;
        }
        let suffix = format!("/webhook/sms-gate/{d}");
        let stale = hooks.iter().filter(ours).find(|h| h.url.ends_with(&suffix));
        let hook = Webhook {
            id: stale.map(|h| h.id.clone()).unwrap_or_default(),
            url: url.clone(),
            event: RECEIVED.into(),
        };
        match client.register(&hook).await {
            Ok(()) if stale.is_some() => lines.push(format!("{d}: webhook moved to {url}")),
            Ok(()) => lines.push(format!("{d}: webhook registered: sms:received -> {url}")),
            Err(e) => {
                lines.push(format!("{d}: {e}"));
                ok = false;
            }
        }
    }
    (lines, ok)
}

/// The start-up check of `serve`: logs what is wrong with each device (never a secret).
pub async fn check_and_warn(config: Config, public_base_url: String) {
    for report in check(&config, &public_base_url).await {
        for line in report.lines() {
            if report.is_ok() {
                tracing::info!("SMS Gate check: {line}");
            } else {
                tracing::warn!("SMS Gate check: {line}");
            }
        }
    }
}
