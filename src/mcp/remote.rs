//! Remote mode: a thin client of a running `serve` over `/v1`. No pool state lives
//! here. Waits are long-polls that claim the message and acknowledge it once it is
//! ours; if this process dies in between, the claim's lease runs out and the service
//! offers the message to the next wait (at-least-once, deduplicated here by id).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::{json, Value};

use super::backend::{Arrivals, Assigned, Backend, Held, WaitSpec, Where};
use crate::views::{HistoryPage, SmsView};

/// How many delivered message ids are remembered for deduplication.
const SEEN: usize = 1024;

/// How often a watched number's newest message is looked up (`/v1` has no push).
const WATCH_EVERY: Duration = Duration::from_secs(2);

/// A client of a running service.
#[derive(Clone)]
pub struct Remote {
    http: reqwest::Client,
    base: String,
    key: String,
    /// Ids already handed to the agent, newest last.
    seen: Arc<Mutex<VecDeque<String>>>,
}

impl Remote {
    /// A client of `base` (e.g. `http://127.0.0.1:8787`) authenticating with `key`.
    pub fn new(base: &str, key: String) -> Self {
        Remote {
            http: crate::http_client::client(),
            base: base.trim_end_matches('/').to_owned(),
            key,
            seen: Arc::new(Mutex::new(VecDeque::new())),
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        timeout: Duration,
    ) -> Result<(u16, Value), String> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .timeout(timeout);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| format!("could not reach {}: {e}", self.base))?;
        let status = resp.status().as_u16();
        let v: Value = resp
            .json()
            .await
            .map_err(|e| format!("bad reply from {}: {e}", self.base))?;
        Ok((status, v))
    }

    /// `PUT` (assign, with `body`) or `DELETE` (release) the passport's number; returns
    /// the reply.
    async fn passport_number(
        &self,
        method: reqwest::Method,
        passport: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let path = format!("/v1/passports/{}/number", enc(passport));
        let (status, v) = self.call(method, &path, body, SHORT).await?;
        match status {
            200 => Ok(v),
            _ => Err(Self::error_text(&v)),
        }
    }

    fn error_text(v: &Value) -> String {
        v["error"]["message"]
            .as_str()
            .unwrap_or("unknown error")
            .to_owned()
    }

    fn remember(&self, id: &str) -> bool {
        let mut seen = self.seen.lock().expect("seen lock");
        if seen.iter().any(|s| s == id) {
            return false;
        }
        if seen.len() == SEEN {
            seen.pop_front();
        }
        seen.push_back(id.to_owned());
        true
    }
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

fn enc(s: &str) -> String {
    utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()
}

const SHORT: Duration = Duration::from_secs(30);

#[async_trait]
impl Backend for Remote {
    async fn assign(&self, passport: &str, place: Where) -> Result<Assigned, String> {
        let mut body = json!({});
        if let Some(country) = place.country {
            body["country"] = json!(country);
        }
        if let Some(area) = place.area_code {
            body["area_code"] = json!(area);
        }
        if let Some(line) = place.line_type {
            body["line_type"] = json!(line);
        }
        let v = self
            .passport_number(reqwest::Method::PUT, passport, Some(body))
            .await?;
        Ok(Assigned {
            phone_number: text(&v["phone_number"]),
            note: v["note"].as_str().map(str::to_owned),
        })
    }

    async fn release(&self, passport: &str) -> Result<String, String> {
        let v = self
            .passport_number(reqwest::Method::DELETE, passport, None)
            .await?;
        Ok(text(&v["phone_number"]))
    }

    async fn wait(&self, number: &str, spec: WaitSpec) -> Result<SmsView, String> {
        let deadline = tokio::time::Instant::now() + spec.timeout;
        let path = format!("/v1/numbers/{}/wait", enc(number));
        loop {
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            // The same filter fields the service's wait route builds its filter from.
            let mut body = serde_json::to_value(&spec.filter).expect("a filter serialises");
            body["timeout_ms"] = json!(remaining.as_millis() as u64);
            let (status, v) = self
                .call(reqwest::Method::POST, &path, Some(body), remaining + SHORT)
                .await
                .map_err(|e| format!("Wait for SMS failed: {e}"))?;
            if status != 200 {
                return Err(Self::error_text(&v));
            }
            let sms: SmsView = serde_json::from_value(v["message"].clone())
                .map_err(|e| format!("Wait for SMS failed: bad reply: {e}"))?;
            let claim = v["claim"]["id"].as_str().unwrap_or_default();
            let ack = format!("/v1/numbers/{}/messages/{}/ack", enc(number), enc(&sms.id));
            // An ack that fails (lease expired) still leaves us holding the message: at-least-once.
            let _ = self
                .call(
                    reqwest::Method::POST,
                    &ack,
                    Some(json!({ "claim_id": claim })),
                    SHORT,
                )
                .await;
            if self.remember(&sms.id) {
                return Ok(sms);
            }
        }
    }

    async fn list(
        &self,
        number: &str,
        limit: usize,
        cursor: Option<String>,
    ) -> Result<HistoryPage, String> {
        // The holder's view, whatever key this client has: as in embedded mode.
        let mut path = format!(
            "/v1/numbers/{}/messages?limit={limit}&view=holder",
            enc(number)
        );
        if let Some(c) = cursor {
            path.push_str(&format!("&cursor={}", enc(&c)));
        }
        let (status, v) = self.call(reqwest::Method::GET, &path, None, SHORT).await?;
        if status != 200 {
            return Err(Self::error_text(&v));
        }
        serde_json::from_value(v).map_err(|e| format!("bad reply: {e}"))
    }

    async fn held(&self) -> Result<Vec<Held>, String> {
        let (status, v) = self
            .call(reqwest::Method::GET, "/v1/numbers", None, SHORT)
            .await?;
        if status != 200 {
            return Err(Self::error_text(&v));
        }
        let numbers = v["numbers"].as_array().cloned().unwrap_or_default();
        Ok(numbers
            .iter()
            .filter(|n| n["status"] == "assigned")
            .map(|n| Held {
                phone_number: text(&n["phone_number"]),
                passport_id: text(&n["passport_id"]),
            })
            .collect())
    }

    /// Polls the holder's newest message every [`WATCH_EVERY`]: `/v1` has no push.
    async fn watch(&self, number: &str) -> Result<Arrivals, String> {
        let held = self.held().await?;
        if !held.iter().any(|h| h.phone_number == number) {
            return Err(format!(
                "{number} is not held by a passport this API key may act for"
            ));
        }
        let newest = |page: HistoryPage| page.messages.first().map(|m| m.id.clone());
        let first = newest(self.list(number, 1, None).await?);
        let (me, number) = (self.clone(), number.to_owned());
        let arrivals = futures_util::stream::unfold(first, move |last| {
            let (me, number) = (me.clone(), number.clone());
            async move {
                loop {
                    tokio::time::sleep(WATCH_EVERY).await;
                    // Out of reach now (released, key revoked) or unreachable: stop.
                    let now = newest(me.list(&number, 1, None).await.ok()?);
                    if now != last {
                        return Some(((), now));
                    }
                }
            }
        });
        Ok(Box::pin(arrivals))
    }
}
