//! An SMS Gate phone's local-server API as the app serves it (`GET /health` without
//! auth, `GET`/`POST /webhooks` and `DELETE /webhooks/{id}` behind Basic auth, errors as
//! `{"message": …}`) and its inbox export (each SMS it holds posted once, signed, to our
//! webhook), on a loopback port; the webhooks it holds are inspectable.
#![allow(dead_code)] // each test binary uses part of the fake

use std::sync::{Arc, Mutex};

use base64::Engine;
use serde_json::{json, Value};
use warp::http::StatusCode;
use warp::Filter;

/// What the fake phone holds.
#[derive(Default)]
pub struct Phone {
    /// Registered webhooks: `{id, url, event, source}`.
    pub webhooks: Vec<Value>,
    /// `GET /health`'s status (`pass`, `warn`, `fail`).
    pub health: String,
    /// SMS the phone received (`sms:received` payloads) whose webhook never arrived;
    /// an inbox export posts each once to `deliver_to`.
    pub inbox: Vec<Value>,
    /// Our webhook URL and the signing key, for exports.
    pub deliver_to: Option<(String, String)>,
    /// How many exports were asked for.
    pub exports: usize,
    next_id: u32,
}

pub struct FakePhone {
    pub base: String,
    pub state: Arc<Mutex<Phone>>,
}

pub const USER: &str = "sms";
pub const PASSWORD: &str = "Xk2mQ9pL";

fn reply(status: StatusCode, body: Value) -> warp::reply::Response {
    use warp::Reply;
    warp::reply::with_status(warp::reply::json(&body), status).into_response()
}

impl FakePhone {
    pub async fn start() -> FakePhone {
        let state = Arc::new(Mutex::new(Phone {
            health: "pass".into(),
            ..Phone::default()
        }));
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"))
        );
        let s = state.clone();
        let health = warp::path!("health").and(warp::get()).map(move || {
            let status = s.lock().unwrap().health.clone();
            let code = if status == "fail" {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::OK
            };
            reply(
                code,
                json!({"version": "1.68.0", "releaseId": 1, "status": status, "checks": {}}),
            )
        });
        let s = state.clone();
        let api = warp::path("webhooks")
            .and(warp::method())
            .and(warp::path::tail())
            .and(warp::header::optional::<String>("authorization"))
            .and(warp::body::bytes())
            .map(
                move |method: warp::http::Method,
                      tail: warp::path::Tail,
                      auth: Option<String>,
                      body: bytes::Bytes| {
                    if auth.as_deref() != Some(expected.as_str()) {
                        let mut r =
                            reply(StatusCode::UNAUTHORIZED, json!({"message": "Unauthorized"}));
                        r.headers_mut().insert(
                            "www-authenticate",
                            "Basic realm=\"Access to SMS Gateway\"".parse().unwrap(),
                        );
                        return r;
                    }
                    let mut phone = s.lock().unwrap();
                    match (method.as_str(), tail.as_str()) {
                        ("GET", "") => reply(StatusCode::OK, Value::Array(phone.webhooks.clone())),
                        ("POST", "") => {
                            let Ok(mut hook) = serde_json::from_slice::<Value>(&body) else {
                                return reply(
                                    StatusCode::BAD_REQUEST,
                                    json!({"message": "bad JSON"}),
                                );
                            };
                            let url = hook["url"].as_str().unwrap_or_default().to_owned();
                            if !(url.starts_with("https://") || url.starts_with("http://127.0.0.1"))
                            {
                                let m = "url must start with https:// or http://127.0.0.1";
                                return reply(StatusCode::BAD_REQUEST, json!({"message": m}));
                            }
                            if hook["event"] != "sms:received" && hook["event"] != "system:ping" {
                                return reply(
                                    StatusCode::BAD_REQUEST,
                                    json!({"message": "Unsupported event"}),
                                );
                            }
                            if hook["id"].as_str().is_none_or(str::is_empty) {
                                phone.next_id += 1;
                                hook["id"] = json!(format!("hook-{}", phone.next_id));
                            }
                            hook["source"] = json!("Local");
                            phone.webhooks.retain(|h| h["id"] != hook["id"]);
                            phone.webhooks.push(hook.clone());
                            reply(StatusCode::CREATED, hook)
                        }
                        ("DELETE", id) => {
                            phone.webhooks.retain(|h| h["id"] != id);
                            reply(StatusCode::NO_CONTENT, Value::Null)
                        }
                        _ => reply(StatusCode::NOT_FOUND, json!({"message": "Not Found"})),
                    }
                },
            );
        let s = state.clone();
        let export = warp::path!("messages" / "inbox" / "export")
            .and(warp::post())
            .and(warp::body::json::<Value>())
            .map(move |body: Value| {
                if body["since"].as_str().is_none() || body["until"].as_str().is_none() {
                    return reply(StatusCode::BAD_REQUEST, json!({"message": "since is required"}));
                }
                let mut phone = s.lock().unwrap();
                phone.exports += 1;
                let pending = std::mem::take(&mut phone.inbox);
                if let Some((url, key)) = phone.deliver_to.clone() {
                    tokio::spawn(async move {
                        for (i, payload) in pending.into_iter().enumerate() {
                            let event = json!({"deviceId": "ffffffffceb0b1db0000018e937c815b",
                                "event": "sms:received", "id": format!("export-{i}-{}", payload["messageId"].as_str().unwrap_or("m")),
                                "payload": payload, "webhookId": "LreFUt-Z3sSq0JufY9uWB"});
                            let body = serde_json::to_vec(&event).unwrap();
                            let now = time::OffsetDateTime::now_utc().unix_timestamp();
                            let (stamp, signature) = agentpass_sms::sms_gate::webhook::sign(&key, &body, now);
                            let _ = reqwest::Client::new().post(&url)
                                .header("content-type", "application/json")
                                .header("x-timestamp", stamp).header("x-signature", signature)
                                .body(body).send().await;
                        }
                    });
                }
                reply(StatusCode::ACCEPTED, Value::Null)
            });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(
            warp::serve(health.or(export).or(api))
                .incoming(listener)
                .run(),
        );
        FakePhone { base, state }
    }

    pub fn webhooks(&self) -> Vec<Value> {
        self.state.lock().unwrap().webhooks.clone()
    }
}
