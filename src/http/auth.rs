//! Bearer API keys, optionally scoped to passports.
//!
//! Keys are compared in constant time (as fixed-length digests, so length leaks
//! nothing either). 401: missing or unknown key; 403: a known key outside its scope.

use std::net::IpAddr;
use std::sync::Arc;

use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;
use warp::http::StatusCode;
use warp::{Filter, Rejection};

use super::error::ApiError;
use super::server::PeerAddr;
use super::AppState;

pub use crate::access::Scope;

/// The 403 every scope check returns.
pub fn forbidden() -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "forbidden", crate::access::FORBIDDEN)
}

impl Scope {
    /// 403 unless the key may act for `passport`.
    pub fn require(&self, passport: &str) -> Result<(), ApiError> {
        self.check(passport).map_err(|_| forbidden())
    }

    /// 403 unless the key is unscoped.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self {
            Scope::All => Ok(()),
            Scope::Passports(_) => Err(forbidden()),
        }
    }
}

/// The accepted keys.
pub struct ApiKeys {
    keys: Vec<([u8; 20], Scope)>,
}

impl ApiKeys {
    /// Accepts each `(key, scope)`.
    pub fn new(keys: impl IntoIterator<Item = (String, Scope)>) -> Self {
        let keys = keys.into_iter().map(|(k, s)| (digest(&k), s)).collect();
        ApiKeys { keys }
    }

    /// The scope of the key in an `Authorization: Bearer …` header value.
    pub fn authenticate(&self, header: Option<&str>) -> Result<Scope, ApiError> {
        self.authorize(header).map(|(scope, _)| scope)
    }

    /// [`authenticate`](Self::authenticate), with the key's digest (what per-key limits
    /// are kept under; never the key itself).
    pub fn authorize(&self, header: Option<&str>) -> Result<(Scope, [u8; 20]), ApiError> {
        let unauthorized = |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", m);
        let header = header
            .ok_or_else(|| unauthorized("missing API key: send Authorization: Bearer <key>"))?;
        let key = header
            .strip_prefix("Bearer ")
            .ok_or_else(|| unauthorized("malformed Authorization header: expected Bearer <key>"))?;
        let d = digest(key.trim());
        let mut found = None;
        for (candidate, scope) in &self.keys {
            if bool::from(candidate.ct_eq(&d)) {
                found = Some(scope.clone());
            }
        }
        found
            .map(|scope| (scope, d))
            .ok_or_else(|| unauthorized("unknown API key"))
    }
}

fn digest(key: &str) -> [u8; 20] {
    Sha1::digest(key.as_bytes()).into()
}

/// Extracts the caller's [`Scope`] or rejects: 401 for a missing, unknown or malformed
/// key (a header value that is not visible ASCII is malformed, not a missing route), 429
/// for a source over its failed-key limit or a key over its rate.
pub fn scope(state: &Arc<AppState>) -> impl Filter<Extract = (Scope,), Error = Rejection> + Clone {
    let header = warp::header::value("authorization")
        .map(Some)
        .or(warp::any().map(|| None))
        .unify();
    let state = state.clone();
    warp::ext::optional::<PeerAddr>().and(header).and_then(
        move |peer: Option<PeerAddr>, h: Option<warp::http::HeaderValue>| {
            let state = state.clone();
            async move { authorize(&state, peer.map(|p| p.0.ip()), h.as_ref()).map_err(Rejection::from) }
        },
    )
}

fn authorize(
    state: &AppState,
    source: Option<IpAddr>,
    header: Option<&warp::http::HeaderValue>,
) -> Result<Scope, ApiError> {
    let limits = &state.limits;
    if let Some(wait) = limits.auth_blocked(source) {
        return Err(ApiError::rate_limited(
            "failed API keys from this address",
            wait,
        ));
    }
    let text = match header.map(|v| v.to_str()) {
        None => Ok(None),
        Some(Ok(text)) => Ok(Some(text)),
        Some(Err(_)) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "malformed Authorization header: expected Bearer <key> in ASCII",
        )),
    };
    match text.and_then(|t| state.keys.authorize(t)) {
        Ok((scope, key)) => match limits.key_used(&key, &key_name(&key)) {
            Some(wait) => Err(ApiError::rate_limited("requests with this API key", wait)),
            None => Ok(scope),
        },
        Err(e) => match limits.auth_failed(source) {
            Some(wait) => Err(ApiError::rate_limited(
                "failed API keys from this address",
                wait,
            )),
            None => Err(e),
        },
    }
}

/// A key's name in logs: the first bytes of its digest, never the key.
fn key_name(digest: &[u8; 20]) -> String {
    let hex: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("key sha1:{hex}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn known_keys_get_their_scope_unknown_and_missing_are_401() {
        let scoped = Scope::Passports(HashSet::from(["ap_1".to_owned()]));
        let keys = ApiKeys::new([("admin".into(), Scope::All), ("k1".into(), scoped.clone())]);
        assert_eq!(keys.authenticate(Some("Bearer admin")).unwrap(), Scope::All);
        assert_eq!(keys.authenticate(Some("Bearer k1")).unwrap(), scoped);
        for bad in [None, Some("Bearer nope"), Some("Basic admin")] {
            assert_eq!(
                keys.authenticate(bad).unwrap_err().status,
                StatusCode::UNAUTHORIZED
            );
        }
        assert!(scoped.allows("ap_1") && !scoped.allows("ap_2"));
        assert_eq!(
            scoped.require("ap_2").unwrap_err().status,
            StatusCode::FORBIDDEN
        );
    }
}
