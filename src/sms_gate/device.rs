//! The app's own API on a device (local server mode, `http://<phone>:8080`, or the cloud
//! / private server's `…/3rdparty/v1`): health and webhook registration, with the
//! device's Basic-auth credentials. Errors never carry the password.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::SmsGateDevice;

/// The one event we register for.
pub const RECEIVED: &str = "sms:received";

/// A registered webhook, as the API lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    /// Its id (the app makes one when a registration has none).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// Where the app posts.
    pub url: String,
    /// The event, e.g. `sms:received`.
    pub event: String,
}

/// What `GET /health` says.
#[derive(Clone, Debug, Deserialize)]
pub struct Health {
    /// `pass`, `warn` or `fail`.
    pub status: String,
}

/// Why a device call failed.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// No answer.
    #[error("device {device} at {url} cannot be reached: {why}")]
    Unreachable {
        /// The device.
        device: String,
        /// Its API URL.
        url: String,
        /// What the HTTP client said.
        why: String,
    },
    /// 401: wrong user name or password.
    #[error("device {0} refused the credentials (username / password, or AGENTPASS_SMS_GATE_<NAME>_PASSWORD)")]
    Unauthorized(String),
    /// Another refusal, with the app's own message.
    #[error("device {device} answered {status}: {message}")]
    Refused {
        /// The device.
        device: String,
        /// The HTTP status.
        status: u16,
        /// The app's `message`.
        message: String,
    },
}

/// A client of one device's API.
pub struct DeviceClient {
    http: reqwest::Client,
    name: String,
    base: String,
    username: String,
    password: String,
}

impl DeviceClient {
    /// The client of `device`.
    pub fn new(device: &SmsGateDevice) -> Self {
        DeviceClient {
            http: crate::http_client::client(),
            name: device.name.clone(),
            base: device.api_url.trim().trim_end_matches('/').to_owned(),
            username: device.username.clone().unwrap_or_else(|| "sms".into()),
            password: device
                .password
                .as_ref()
                .map(|p| p.expose().to_owned())
                .unwrap_or_default(),
        }
    }

    /// The device's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn unreachable(&self, e: reqwest::Error) -> DeviceError {
        DeviceError::Unreachable {
            device: self.name.clone(),
            url: self.base.clone(),
            why: e.without_url().to_string(),
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<reqwest::Response, DeviceError> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .basic_auth(&self.username, Some(&self.password))
            .timeout(Duration::from_secs(30));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| self.unreachable(e))?;
        match response.status().as_u16() {
            200..=299 => Ok(response),
            401 => Err(DeviceError::Unauthorized(self.name.clone())),
            status => {
                let text = response.text().await.unwrap_or_default();
                let message = serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| v["message"].as_str().map(str::to_owned))
                    .unwrap_or(text);
                Err(DeviceError::Refused {
                    device: self.name.clone(),
                    status,
                    message,
                })
            }
        }
    }

    /// `GET /health` (the app answers 500 with the same body when it fails).
    pub async fn health(&self) -> Result<Health, DeviceError> {
        let response = self
            .http
            .get(format!("{}/health", self.base))
            .timeout(Duration::from_secs(15))
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        let status = response.status().as_u16();
        let refused = |message: String| DeviceError::Refused {
            device: self.name.clone(),
            status,
            message,
        };
        response
            .json::<Health>()
            .await
            .map_err(|e| refused(format!("not a health report: {e}")))
    }

    /// `GET /webhooks`.
    pub async fn webhooks(&self) -> Result<Vec<Webhook>, DeviceError> {
        let response = self.send(reqwest::Method::GET, "/webhooks", None).await?;
        response.json().await.map_err(|e| DeviceError::Refused {
            device: self.name.clone(),
            status: 200,
            message: format!("not a webhook list: {e}"),
        })
    }

    /// `POST /webhooks`: registers `hook`, replacing the one with its id if any.
    pub async fn register(&self, hook: &Webhook) -> Result<(), DeviceError> {
        let body = serde_json::to_value(hook).expect("a webhook serialises");
        self.send(reqwest::Method::POST, "/webhooks", Some(body))
            .await
            .map(drop)
    }

    /// `POST /messages/inbox/export`: the app re-sends, as `sms:received` webhooks, the
    /// SMS it received between `since` and `until` (RFC 3339) that it never delivered.
    pub async fn export(&self, since: &str, until: &str) -> Result<(), DeviceError> {
        let body = serde_json::json!({ "since": since, "until": until });
        self.send(reqwest::Method::POST, "/messages/inbox/export", Some(body))
            .await
            .map(drop)
    }
}
