//! The REST transport: one [`TwilioClient`] per account, with Basic auth, connect and
//! request timeouts, retries of rate-limited calls, error mapping and paging.
//! The calls themselves are in [`api`](super::api).

use std::collections::HashSet;
use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

use super::config::{TwilioConfig, API_VERSION_PATH};
use super::error::{self, TwilioError};
use super::models::ListPage;
use super::retry::{self, Decision};

/// A Twilio REST client for one account. Cheap to clone (shared connection pool).
/// `Debug` shows the config with the auth token redacted.
#[derive(Clone, Debug)]
pub struct TwilioClient {
    http: reqwest::Client,
    config: Arc<TwilioConfig>,
    /// `api_base` validated, without a trailing `/`.
    base: Arc<str>,
}

/// One request to send (rebuilt for every retry).
pub(crate) struct Call<'a> {
    pub method: Method,
    /// Full URL.
    pub url: String,
    pub query: &'a [(&'a str, String)],
    /// Form fields; sent as `application/x-www-form-urlencoded` when `Some`.
    pub form: Option<&'a [(&'a str, String)]>,
}

impl TwilioClient {
    /// Builds a client; fails on an invalid SID, empty token or malformed `api_base`.
    pub fn new(config: TwilioConfig) -> Result<Self, TwilioError> {
        let base = config.validated_api_base()?;
        crate::http_client::install_crypto_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(concat!("agentpass-sms/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TwilioError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(TwilioClient {
            http,
            config: Arc::new(config),
            base: base.into(),
        })
    }

    /// The configuration the client was built with.
    pub fn config(&self) -> &TwilioConfig {
        &self.config
    }

    /// The account SID.
    pub fn account_sid(&self) -> &str {
        &self.config.account_sid
    }

    /// `{api_base}/2010-04-01/Accounts/{sid}{rest}`; `rest` starts with `/` or `.`.
    pub(crate) fn account_url(&self, rest: &str) -> String {
        format!(
            "{}{API_VERSION_PATH}/Accounts/{}{rest}",
            self.base, self.config.account_sid
        )
    }

    /// Sends `call` and parses the JSON reply.
    pub(crate) async fn json<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T, TwilioError> {
        let (_, body) = self.send(call).await?;
        serde_json::from_str(&body).map_err(|e| self.scrub(TwilioError::Decode(e.to_string())))
    }

    /// Sends `call` and returns the success status and body text. Rate-limited replies
    /// are retried per the policy; other failures become typed errors.
    pub(crate) async fn send(&self, call: Call<'_>) -> Result<(StatusCode, String), TwilioError> {
        let policy = self.config.retry;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut req = self
                .http
                .request(call.method.clone(), &call.url)
                .basic_auth(
                    &self.config.account_sid,
                    Some(self.config.auth_token.expose()),
                )
                .header(reqwest::header::ACCEPT, "application/json");
            if !call.query.is_empty() {
                req = req.query(call.query);
            }
            if let Some(form) = call.form {
                req = req.form(form);
            }
            let resp = req.send().await.map_err(|e| self.transport(&call, e))?;
            let status = resp.status();
            let retry_after = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(retry::parse_retry_after);
            let body = resp.text().await.map_err(|e| self.transport(&call, e))?;
            tracing::debug!(method = %call.method, url = %call.url, status = status.as_u16(), attempt, "twilio call");
            if status.is_success() {
                return Ok((status, body));
            }
            if !error::is_rate_limited(status.as_u16(), &body) {
                let err = error::from_reply(status.as_u16(), &body, &self.config.account_sid);
                return Err(self.scrub(err));
            }
            match retry::decide(&policy, attempt, retry_after) {
                Decision::Retry(wait) => {
                    tracing::warn!(url = %call.url, attempt, ?wait, "twilio rate limited; retrying");
                    tokio::time::sleep(wait).await;
                }
                Decision::GiveUp => {
                    return Err(TwilioError::RateLimited {
                        attempts: attempt,
                        retry_after,
                    })
                }
            }
        }
    }

    /// Fetches every page of a list starting at `url` with `query`, following
    /// `next_page_uri` on the same host, at most `max_pages` pages. A `next_page_uri`
    /// seen before ends the listing (some mocks return the same page forever).
    pub(crate) async fn all_pages<T: DeserializeOwned>(
        &self,
        url: String,
        query: &[(&str, String)],
    ) -> Result<Vec<T>, TwilioError> {
        let mut items = Vec::new();
        let mut seen = HashSet::new();
        let mut next = Some((url, query));
        let mut pages = 0;
        while let Some((url, query)) = next.take() {
            pages += 1;
            let page: ListPage<T> = self
                .json(Call {
                    method: Method::GET,
                    url,
                    query,
                    form: None,
                })
                .await?;
            items.extend(page.items);
            let Some(uri) = page.next_page_uri else { break };
            let next_url = self.resolve_page_uri(&uri)?;
            if !seen.insert(next_url.clone()) {
                tracing::warn!(%next_url, "twilio returned a next page already fetched; stopping");
                break;
            }
            if pages >= self.config.max_pages {
                tracing::warn!(
                    pages,
                    "twilio listing has more pages than max_pages; stopping"
                );
                break;
            }
            next = Some((next_url, &[]));
        }
        Ok(items)
    }

    /// Turns `next_page_uri` (a path, as Twilio sends it) into a URL on our API base.
    /// Absolute URLs are accepted only on that base, so credentials never go elsewhere.
    fn resolve_page_uri(&self, uri: &str) -> Result<String, TwilioError> {
        if uri.starts_with('/') && !uri.starts_with("//") {
            return Ok(format!("{}{uri}", self.base));
        }
        match uri.strip_prefix(&*self.base) {
            Some(rest) if rest.starts_with('/') => Ok(uri.to_owned()),
            _ => Err(TwilioError::Decode(format!(
                "next_page_uri {uri:?} is not on {}",
                self.base
            ))),
        }
    }

    fn transport(&self, call: &Call<'_>, e: reqwest::Error) -> TwilioError {
        let mut text = if e.is_timeout() {
            format!(
                "{} {} timed out (connect {:?}, request {:?})",
                call.method, call.url, self.config.connect_timeout, self.config.request_timeout
            )
        } else {
            format!("{} {}", call.method, call.url)
        };
        let e = e.without_url();
        let mut source: Option<&dyn std::error::Error> = Some(&e);
        while let Some(err) = source {
            text.push_str(": ");
            text.push_str(&err.to_string());
            source = err.source();
        }
        self.scrub(TwilioError::Transport(text))
    }

    /// Removes the auth token from an error's texts.
    fn scrub(&self, e: TwilioError) -> TwilioError {
        e.redacted(self.config.auth_token.expose())
    }
}
