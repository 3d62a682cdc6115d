//! `/v1` pool routes (assign, release, list, history) and the OTP helper.
//! The contract is written down in README.md ("HTTP API").

use std::sync::Arc;

use agentpass_actors::{Cursor, HistoryError, NumberState, Page, PoolError, Store, Viewer};
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

use super::auth::{forbidden, Scope};
use super::error::ApiError;
use super::models::*;
use super::{decode_param, json_body, number_param, with_state, AppState};
use crate::access::AccessError;
use crate::choice::ChoiceError;

type Resp = Result<warp::reply::Response, Rejection>;

/// Assign, release, list and history routes.
pub fn routes(
    state: Arc<AppState>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let auth = super::auth::scope(&state);
    let assign = warp::path!("v1" / "passports" / String / "number")
        .and(warp::put())
        .and(auth.clone())
        .and(json_body(&state))
        .and(with_state(&state))
        .and_then(assign);
    let release = warp::path!("v1" / "passports" / String / "number")
        .and(warp::delete())
        .and(auth.clone())
        .and(with_state(&state))
        .and_then(release);
    let list = warp::path!("v1" / "numbers")
        .and(warp::get())
        .and(auth.clone())
        .and(with_state(&state))
        .and_then(list);
    let by_passport = warp::path!("v1" / "passports" / String / "messages")
        .and(warp::get())
        .and(warp::query::<HistoryQuery>())
        .and(auth.clone())
        .and(with_state(&state))
        .and_then(passport_history);
    let by_number = warp::path!("v1" / "numbers" / String / "messages")
        .and(warp::get())
        .and(warp::query::<HistoryQuery>())
        .and(auth.clone())
        .and(with_state(&state))
        .and_then(number_history);
    let otp = warp::path!("v1" / "otp")
        .and(warp::post())
        .and(auth)
        .and(json_body(&state))
        .map(|_: Scope, b: OtpBody| {
            warp::reply::json(&serde_json::json!({ "code": crate::otp::extract_code(&b.body) }))
                .into_response()
        });
    assign
        .or(release)
        .unify()
        .or(list)
        .unify()
        .or(by_passport)
        .unify()
        .or(by_number)
        .unify()
        .or(otp)
        .unify()
}

/// Maps pool errors to statuses; a store failure is a 503 while the store says it
/// cannot take writes.
pub fn pool_error(store: &dyn Store, e: PoolError) -> ApiError {
    if let PoolError::Store(_) = e {
        return super::error::store_failed(store, e.to_string());
    }
    let (status, code) = match &e {
        PoolError::InvalidPassport(_) => (StatusCode::BAD_REQUEST, "invalid_passport"),
        PoolError::NotAssigned(_) => (StatusCode::NOT_FOUND, "not_assigned"),
        PoolError::Exhausted
        | PoolError::MaxNumbers(_)
        | PoolError::MaxPerHour(_)
        | PoolError::NoSimFree => (StatusCode::SERVICE_UNAVAILABLE, "pool_exhausted"),
        PoolError::Provider(_) => (StatusCode::BAD_GATEWAY, "provider_error"),
        PoolError::Shutdown => (StatusCode::SERVICE_UNAVAILABLE, "shutting_down"),
        PoolError::Store(_) | PoolError::Spawn(_) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "internal")
        }
    };
    ApiError::new(status, code, e.to_string())
}

/// Maps history errors: the pool's as [`pool_error`], the store's as
/// [`store_failed`](super::error::store_failed).
fn history_error(store: &dyn Store, e: HistoryError) -> ApiError {
    match e {
        HistoryError::Pool(e) => pool_error(store, e),
        HistoryError::Store(e) => super::error::store_failed(store, e.to_string()),
    }
}

async fn assign(passport: String, scope: Scope, body: AssignBody, state: Arc<AppState>) -> Resp {
    let passport = decode_param(&passport)?;
    scope.require(&passport)?;
    let place = crate::choice::Place {
        country: body.country.as_deref(),
        area_code: body.area_code.as_deref(),
        line_type: body.line_type.as_deref(),
    };
    let chosen = crate::choice::assign(&state.service, &passport, place)
        .await
        .map_err(|e| match e {
            ChoiceError::Request(msg) => ApiError::bad_request(msg),
            ChoiceError::Pool(e) => pool_error(state.service.store(), e),
        })?;
    let view = AssignmentView {
        note: chosen.note,
        ..AssignmentView::from(chosen.assignment)
    };
    Ok(warp::reply::json(&view).into_response())
}

async fn release(passport: String, scope: Scope, state: Arc<AppState>) -> Resp {
    let passport = decode_param(&passport)?;
    scope.require(&passport)?;
    let a = state
        .service
        .release(&passport)
        .await
        .map_err(|e| pool_error(state.service.store(), e))?;
    let until = state
        .service
        .lookup(&a.phone_number)
        .await
        .ok()
        .flatten()
        .and_then(|r| match r.state {
            NumberState::Quarantined { until, .. } => Some(crate::timefmt::rfc3339(until)),
            _ => None,
        });
    let reply = Released {
        phone_number: a.phone_number,
        released: true,
        quarantined_until: until,
    };
    Ok(warp::reply::json(&reply).into_response())
}

async fn list(scope: Scope, state: Arc<AppState>) -> Resp {
    let sims = &state.service.settings().sim_numbers;
    let numbers = state
        .service
        .numbers()
        .await
        .map_err(|e| pool_error(state.service.store(), e))?;
    let numbers = numbers
        .iter()
        .map(|n| NumberView::of(n, sims, state.provider))
        .filter(|n| {
            scope == Scope::All || n.passport_id.as_deref().is_some_and(|p| scope.allows(p))
        })
        .collect();
    Ok(warp::reply::json(&NumberList { numbers }).into_response())
}

async fn passport_history(
    passport: String,
    q: HistoryQuery,
    scope: Scope,
    state: Arc<AppState>,
) -> Resp {
    let passport = decode_param(&passport)?;
    scope.require(&passport)?;
    let (cursor, limit) = page_args(&q)?;
    let page = state
        .service
        .passport_history(&passport, cursor.as_ref(), limit)
        .await
        .map_err(|e| history_error(state.service.store(), e))?;
    page_reply(&page)
}

async fn number_history(
    number: String,
    q: HistoryQuery,
    scope: Scope,
    state: Arc<AppState>,
) -> Resp {
    let number = number_param(&number)?;
    let holder = current_holder(&state, &scope, &number).await?;
    let viewer = match (holder, q.view.as_deref()) {
        // A scoped key reads only what arrived for its passport.
        (Some(_), _) | (None, Some("holder")) => Viewer::Holder,
        (None, None | Some("operator")) => Viewer::Operator,
        (None, Some(other)) => {
            let msg = format!("view must be holder or operator, not {other:?}");
            return Err(ApiError::bad_request(msg).into());
        }
    };
    let (cursor, limit) = page_args(&q)?;
    let page = state
        .service
        .number_history(&number, viewer, cursor.as_ref(), limit)
        .await
        .map_err(|e| history_error(state.service.store(), e))?;
    page_reply(&page)
}

/// The cursor and page size of a history query; 400 for a cursor no page returned.
fn page_args(q: &HistoryQuery) -> Result<(Option<Cursor>, usize), ApiError> {
    let limit = q.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::bad_request("limit must be between 1 and 100"));
    }
    let cursor = q.cursor.as_deref().map(Cursor::parse).transpose();
    let cursor = cursor.map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok((cursor, limit))
}

fn page_reply(page: &Page) -> Resp {
    Ok(warp::reply::json(&HistoryPage::from(page)).into_response())
}

/// For a scoped key, the passport (in its scope) that holds `number`; 403 if none.
/// `None` for an admin key, which may access any number.
pub async fn current_holder(
    state: &AppState,
    scope: &Scope,
    number: &str,
) -> Result<Option<String>, ApiError> {
    scope
        .holder(&state.service, number)
        .await
        .map_err(|e| match e {
            AccessError::Forbidden => forbidden(),
            AccessError::Pool(e) => pool_error(state.service.store(), e),
        })
}
