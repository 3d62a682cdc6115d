//! The OpenAPI description (`src/http/openapi.json`, served at `/v1/openapi.json`) is
//! held to the server: every documented path and method is routed and answers only
//! statuses the description lists for it, every other method on a documented path is a
//! 405 whose `Allow` names exactly the documented ones, and an undocumented path is 404.
//! `tests/schemathesis.rs` fuzzes the same description in depth.

mod common;

use common::*;
use serde_json::{json, Value};

const SPEC: &str = include_str!("../src/http/openapi.json");
const METHODS: [&str; 6] = ["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH"];

/// A request to `method path` that the route takes as meant (a valid key, a body).
async fn call(s: &Server, method: &str, path: &str) -> reqwest::Response {
    let body = match path {
        p if p.ends_with("/wait") => json!({ "timeout_ms": 10 }),
        p if p.ends_with("/ack") => json!({ "claim_id": "no-such-claim" }),
        "/v1/otp" => json!({ "body": "Your code is 123456" }),
        _ => Value::Null,
    };
    let mut request = client()
        .request(method.parse().unwrap(), format!("{}{path}", s.base))
        .bearer_auth(&s.key);
    if !body.is_null() {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn the_description_is_served_and_lists_exactly_what_each_route_does() {
    let s = Server::start(&[]);
    let number = s.assign("ap_1").await;
    let served = client()
        .get(format!("{}/v1/openapi.json", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "application/json");
    assert_eq!(served.text().await.unwrap(), SPEC, "served as committed");
    let spec: Value = serde_json::from_str(SPEC).unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));

    // The countries a number may be asked in are the ones the service has calling codes for.
    let listed = &spec["components"]["schemas"]["AssignBody"]["properties"]["country"]["enum"];
    let mut want: Vec<Value> = agentpass_sms::countries::codes().map(Value::from).collect();
    want.push(Value::Null);
    assert_eq!(listed.as_array().unwrap(), &want);

    let paths = spec["paths"].as_object().unwrap();
    assert!(paths.len() >= 11, "{:?}", paths.keys());
    for (template, operations) in paths {
        let path = template
            .replace("{number}", &enc(&number))
            .replace("{passport}", "ap_1")
            .replace("{id}", &sid("SMOPENAPI"))
            .replace("{device}", "pixel-1");
        let documented: Vec<String> = operations
            .as_object()
            .unwrap()
            .keys()
            .map(|m| m.to_uppercase())
            .collect();
        for method in METHODS {
            let r = call(&s, method, &path).await;
            let status = r.status().as_u16();
            if documented.iter().any(|m| m == method) {
                let listed = &operations[method.to_lowercase()]["responses"];
                assert!(
                    listed.get(status.to_string()).is_some(),
                    "{method} {template}: {status} is not in the description"
                );
                assert_ne!(status, 405, "{method} {template}");
                if status == 404 {
                    let (_, v) = status_json(r).await;
                    assert_ne!(
                        v["error"]["code"], "not_found",
                        "{method} {template} not routed"
                    );
                }
            } else {
                assert_eq!(status, 405, "{method} {template} is not in the description");
                let allow = r.headers()["allow"].to_str().unwrap().to_owned();
                let mut allowed: Vec<&str> = allow.split(", ").collect();
                allowed.sort_unstable();
                let mut want: Vec<&str> = documented.iter().map(String::as_str).collect();
                want.sort_unstable();
                assert_eq!(allowed, want, "Allow of {template}");
            }
        }
    }
    for path in ["/nope", "/v1", "/v1/numbers/x/y/z", "/metrics"] {
        assert_eq!(call(&s, "GET", path).await.status(), 404, "{path}");
    }
}
