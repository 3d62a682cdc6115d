//! An in-test fake Twilio: a warp server on 127.0.0.1:0 that speaks Twilio's wire
//! format (form-encoded requests, JSON replies shaped like the OpenAPI examples,
//! Twilio's error body), checks Basic auth, records every request, and can be told to
//! rate limit or fail.

#![allow(dead_code)]

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use agentpass_sms::twilio::{AuthToken, RetryPolicy, TwilioClient, TwilioConfig, TwilioProvider};
use serde_json::{json, Value};
use warp::http::{Method, Response};
use warp::Filter;

mod wire;
#[allow(unused_imports)]
pub use wire::basic_auth;

/// Account SID the fake serves.
pub const SID: &str = "AC0123456789abcdef0123456789abcdef";
/// Auth token the fake accepts.
pub const TOKEN: &str = "fake-token-7d1e2b9c";
/// Public base URL the provider points numbers at.
pub const PUBLIC: &str = "https://sms.example.com";

/// One request as the fake received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub form: Vec<(String, String)>,
    pub content_type: Option<String>,
    pub authorization: Option<String>,
}

impl Recorded {
    pub fn query(&self, key: &str) -> Option<&str> {
        lookup(&self.query, key)
    }
    pub fn form(&self, key: &str) -> Option<&str> {
        lookup(&self.form, key)
    }
}

fn lookup<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// A number the fake account owns.
#[derive(Clone, Debug)]
pub struct Owned {
    pub sid: String,
    pub phone_number: String,
    pub sms_url: String,
    pub sms_method: String,
    pub sms_application_sid: String,
}

/// The fake's mutable world; tests set it up and inspect it.
#[derive(Debug)]
pub struct State {
    pub available: Vec<String>,
    /// Numbers whose purchase fails with 21422.
    pub unavailable: Vec<String>,
    pub owned: Vec<Owned>,
    /// Message resources, as Twilio's JSON.
    pub messages: Vec<Value>,
    pub page_size: usize,
    /// That many next requests get 429 / 20429.
    pub rate_limit_next: u32,
    /// `Retry-After` sent with those 429s.
    pub retry_after: Option<String>,
    /// The next request gets this status and Twilio error body.
    pub fail_next: Option<(u16, Value)>,
    pub requests: Vec<Recorded>,
    /// Purchases take this long (a slow Twilio).
    pub purchase_delay: Option<Duration>,
    next_pn: u32,
}

impl Default for State {
    fn default() -> Self {
        State {
            available: vec!["+14155550101".into(), "+14155550102".into()],
            unavailable: Vec::new(),
            owned: Vec::new(),
            messages: Vec::new(),
            page_size: 50,
            rate_limit_next: 0,
            retry_after: None,
            fail_next: None,
            requests: Vec::new(),
            purchase_delay: None,
            next_pn: 1,
        }
    }
}

impl State {
    /// Adds an owned number and returns its SID.
    pub fn own(&mut self, phone_number: &str, sms_url: &str) -> String {
        let sid = format!("PN{:032x}", self.next_pn);
        self.next_pn += 1;
        self.owned.push(Owned {
            sid: sid.clone(),
            phone_number: phone_number.into(),
            sms_url: sms_url.into(),
            sms_method: "POST".into(),
            sms_application_sid: String::new(),
        });
        sid
    }
}

/// A running fake.
pub struct FakeTwilio {
    pub base: String,
    state: Arc<Mutex<State>>,
}

impl FakeTwilio {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let route = warp::method()
            .and(warp::path::full())
            .and(warp::query::<Vec<(String, String)>>())
            .and(warp::header::optional::<String>("authorization"))
            .and(warp::header::optional::<String>("content-type"))
            .and(warp::body::bytes())
            .then(
                move |method: Method,
                      path: warp::path::FullPath,
                      query,
                      auth,
                      ctype,
                      body: bytes::Bytes| {
                    let shared = shared.clone();
                    async move {
                        let req = Recorded {
                            method: method.to_string(),
                            path: path.as_str().to_owned(),
                            query,
                            form: wire::decode_form(&body),
                            content_type: ctype,
                            authorization: auth,
                        };
                        let purchase = req.method == "POST"
                            && req.path.ends_with("/IncomingPhoneNumbers.json");
                        let delay = shared.lock().unwrap().purchase_delay.filter(|_| purchase);
                        if let Some(delay) = delay {
                            tokio::time::sleep(delay).await;
                        }
                        let mut state = shared.lock().unwrap();
                        state.requests.push(req.clone());
                        wire::handle(&mut state, &req)
                    }
                },
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(warp::serve(route).incoming(listener).run());
        FakeTwilio {
            base: format!("http://{addr}"),
            state,
        }
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state().requests.clone()
    }

    /// A config against the fake with a fast retry policy.
    pub fn config(&self, token: &str) -> TwilioConfig {
        let mut config = TwilioConfig::new(SID, AuthToken::new(token)).with_api_base(&self.base);
        config.retry = RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_secs(2),
        };
        config.request_timeout = Duration::from_secs(5);
        config
    }

    pub fn client(&self) -> TwilioClient {
        TwilioClient::new(self.config(TOKEN)).unwrap()
    }

    pub fn provider(&self) -> TwilioProvider {
        TwilioProvider::new(self.client(), PUBLIC)
    }
}

/// A message resource shaped like the OpenAPI example.
pub fn message(sid: &str, direction: &str, status: &str, to: &str, date_sent: &str) -> Value {
    json!({
        "account_sid": SID, "api_version": "2010-04-01", "body": format!("body of {sid}"),
        "date_created": date_sent, "date_sent": date_sent, "date_updated": date_sent,
        "direction": direction, "error_code": null, "error_message": null,
        "from": "+12019235161", "messaging_service_sid": null, "num_media": "0",
        "num_segments": "1", "price": null, "price_unit": "USD", "sid": sid,
        "status": status, "subresource_uris": {"media": format!("/2010-04-01/Accounts/{SID}/Messages/{sid}/Media.json")},
        "to": to, "uri": format!("/2010-04-01/Accounts/{SID}/Messages/{sid}.json"),
    })
}

/// Builds a reply.
pub fn reply(status: u16, body: String, headers: &[(&str, String)]) -> Response<String> {
    let mut builder = Response::builder().status(status);
    for (k, v) in headers {
        builder = builder.header(*k, v);
    }
    builder.body(body).unwrap()
}
