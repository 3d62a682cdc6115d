//! The OpenAPI 3.1 description of every route (`openapi.json` beside this file), served
//! at `GET /v1/openapi.json`, and the one list of which methods each path has: a 405
//! names them in its `Allow` header. `tests/openapi.rs` holds the description to what
//! the server does.

use std::sync::OnceLock;

use warp::http::header::{HeaderValue, ALLOW, CONTENT_TYPE};
use warp::http::StatusCode;
use warp::{Filter, Rejection};

/// The description, as committed.
pub const SPEC: &str = include_str!("openapi.json");

/// `GET /v1/openapi.json`: the description; no key needed.
pub fn route() -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    warp::path!("v1" / "openapi.json").and(warp::get()).map(|| {
        let mut response = warp::reply::Response::new(SPEC.into());
        let json = HeaderValue::from_static("application/json");
        response.headers_mut().insert(CONTENT_TYPE, json);
        response
    })
}

/// A documented path: its segments (`None` for a `{parameter}`) and its methods.
struct Path {
    segments: Vec<Option<String>>,
    allow: HeaderValue,
}

fn paths() -> &'static [Path] {
    static PATHS: OnceLock<Vec<Path>> = OnceLock::new();
    PATHS.get_or_init(|| {
        let spec: serde_json::Value = serde_json::from_str(SPEC).expect("openapi.json is JSON");
        let paths = spec["paths"].as_object().expect("openapi.json has paths");
        paths
            .iter()
            .map(|(template, operations)| {
                let segments = split(template)
                    .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                    .collect();
                let methods: Vec<String> = operations
                    .as_object()
                    .into_iter()
                    .flat_map(|ops| ops.keys())
                    .filter(|m| *m != "parameters")
                    .map(|m| m.to_uppercase())
                    .collect();
                let allow = HeaderValue::from_str(&methods.join(", ")).expect("method names");
                Path { segments, allow }
            })
            .collect()
    })
}

fn split(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

/// The `Allow` value for `path`: the methods the description lists for it.
pub fn allowed(path: &str) -> Option<HeaderValue> {
    let asked: Vec<&str> = split(path).collect();
    paths()
        .iter()
        .find(|p| {
            p.segments.len() == asked.len()
                && p.segments
                    .iter()
                    .zip(&asked)
                    .all(|(want, got)| want.as_deref().is_none_or(|w| w == *got))
        })
        .map(|p| p.allow.clone())
}

/// Adds `Allow` to a 405 reply for `path`.
pub fn with_allow(path: &str, mut response: warp::reply::Response) -> warp::reply::Response {
    if response.status() == StatusCode::METHOD_NOT_ALLOWED {
        if let Some(allow) = allowed(path) {
            response.headers_mut().insert(ALLOW, allow);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_description_names_each_paths_methods() {
        let allow = |p: &str| allowed(p).map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(allow("/healthz").as_deref(), Some("GET, HEAD"));
        assert_eq!(
            allow("/v1/passports/ap_1/number").as_deref(),
            Some("DELETE, PUT")
        );
        assert_eq!(
            allow("/v1/numbers/%2B15550000001/messages/SM1/ack").as_deref(),
            Some("POST")
        );
        assert_eq!(allow("/v1/numbers/").as_deref(), Some("GET"));
        assert_eq!(allow("/nope"), None);
    }
}
