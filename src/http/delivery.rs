//! Delivery routes: the `/v1` long-poll wait with claim and ack, and the seed's
//! authenticated poll route `GET /webhook/sms-notifications/:phoneNumber`.

use std::sync::Arc;
use std::time::Duration;

use agentpass_actors::{AckError, WaitError};
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

use super::api::current_holder;
use super::auth::Scope;
use super::error::{store_failed, ApiError};
use super::models::*;
use super::{json_body, number_param, with_state, AppState};

type Resp = Result<warp::reply::Response, Rejection>;

/// Longest lease a wait may ask for: a claim outlives its client by at most an hour.
pub const MAX_LEASE_MS: u64 = 3_600_000;

/// Wait, ack and seed poll routes.
pub fn routes(
    state: Arc<AppState>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let auth = super::auth::scope(&state);
    let wait = warp::path!("v1" / "numbers" / String / "wait")
        .and(warp::post())
        .and(auth.clone())
        .and(json_body(&state))
        .and(with_state(&state))
        .and_then(wait);
    let ack = warp::path!("v1" / "numbers" / String / "messages" / String / "ack")
        .and(warp::post())
        .and(auth.clone())
        .and(json_body(&state))
        .and(with_state(&state))
        .and_then(ack);
    let poll = warp::path!("webhook" / "sms-notifications" / String)
        .and(warp::get())
        .and(auth)
        .and(with_state(&state))
        .and_then(poll);
    wait.or(ack).unify().or(poll).unify()
}

async fn wait(number: String, scope: Scope, body: WaitBody, state: Arc<AppState>) -> Resp {
    let number = number_param(&number)?;
    current_holder(&state, &scope, &number).await?;
    let filter = body
        .filter()
        .and_then(|f| f.build())
        .map_err(ApiError::bad_request)?;
    let timeout = body
        .timeout_ms
        .map_or(state.default_wait, Duration::from_millis)
        .min(state.max_wait);
    let lease = match (body.auto_ack, body.lease_ms) {
        (true, _) => None,
        (false, None) => Some(state.claim_lease),
        (false, Some(ms)) if (1..=MAX_LEASE_MS).contains(&ms) => Some(Duration::from_millis(ms)),
        (false, Some(ms)) => {
            let msg = format!("lease_ms must be between 1 and {MAX_LEASE_MS} (one hour), not {ms}");
            return Err(ApiError::bad_request(msg).into());
        }
    };
    match state.service.wait(&number, filter, timeout, lease).await {
        Ok(d) => {
            let reply = WaitReply {
                message: SmsView::from(&d.sms),
                claim: d.claim.map(ClaimView::from),
            };
            Ok(warp::reply::json(&reply).into_response())
        }
        Err(e) => {
            let (status, code) = match e {
                WaitError::Timeout(_) => (StatusCode::REQUEST_TIMEOUT, "timeout"),
                WaitError::Released(_) => (StatusCode::CONFLICT, "released"),
                WaitError::ProviderFiltered { .. } => {
                    (StatusCode::BAD_GATEWAY, "provider_filtered")
                }
                WaitError::Shutdown => (StatusCode::SERVICE_UNAVAILABLE, "shutting_down"),
                WaitError::Store(_) => {
                    return Err(store_failed(state.service.store(), e.to_string()).into())
                }
            };
            Err(ApiError::new(status, code, e.to_string()).into())
        }
    }
}

async fn ack(
    number: String,
    sms_id: String,
    scope: Scope,
    body: AckBody,
    state: Arc<AppState>,
) -> Resp {
    let number = number_param(&number)?;
    let sms_id = super::decode_param(&sms_id)?;
    current_holder(&state, &scope, &number).await?;
    match state.service.ack(&number, &sms_id, &body.claim_id).await {
        Ok(sms) => Ok(
            warp::reply::json(&serde_json::json!({ "message": SmsView::from(&sms) }))
                .into_response(),
        ),
        Err(e) => {
            let (status, code) = match e {
                AckError::UnknownClaim { .. } => (StatusCode::CONFLICT, "claim_expired"),
                AckError::Shutdown => (StatusCode::SERVICE_UNAVAILABLE, "shutting_down"),
                AckError::Store(_) => {
                    return Err(store_failed(state.service.store(), e.to_string()).into())
                }
            };
            Err(ApiError::new(status, code, e.to_string()).into())
        }
    }
}

async fn poll(number: String, scope: Scope, state: Arc<AppState>) -> Resp {
    let number = number_param(&number)?;
    current_holder(&state, &scope, &number).await?;
    let taken = state
        .service
        .drain(&number)
        .await
        .map_err(|e| store_failed(state.service.store(), e.to_string()))?;
    let notifications = taken.iter().map(SmsView::from).collect();
    Ok(warp::reply::json(&Notifications { notifications }).into_response())
}
