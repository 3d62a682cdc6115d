//! API errors and the one place rejections become responses.
//!
//! Every error leaves as `{"error": {"code", "message"}}` with its HTTP status.

use std::convert::Infallible;

use serde::Serialize;
use warp::http::StatusCode;
use warp::{Rejection, Reply};

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code (`unauthorized`, `timeout`, …).
    pub code: &'static str,
    /// Human-readable text; never contains a secret.
    pub message: String,
    /// For 429 and 503 `store_unavailable`: when to try again (sent as `Retry-After`,
    /// whole seconds).
    pub retry_after: Option<std::time::Duration>,
}

impl warp::reject::Reject for ApiError {}

impl ApiError {
    /// Builds an error.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 429: over a rate limit; try again after `wait`.
    pub fn rate_limited(what: &str, wait: std::time::Duration) -> Self {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        ApiError {
            retry_after: Some(std::time::Duration::from_secs(secs.max(1))),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many {what}: try again in {} s", secs.max(1)),
            )
        }
    }

    /// 400 with a reason.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 503 `store_unavailable` with `Retry-After`: the store cannot take the write now
    /// (or did not make it durable in time).
    pub fn store_busy() -> Self {
        ApiError {
            retry_after: Some(STORE_RETRY_AFTER),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "store_unavailable",
                "the message store cannot take writes now; try again later",
            )
        }
    }

    /// 500 for failures of ours.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

/// How long a client is told to wait while the store refuses writes.
const STORE_RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(5);

/// A store failure: 503 `store_unavailable` with `Retry-After` while the store reports
/// itself unable to take writes (disk short of space, a stuck flush), so the client
/// retries; otherwise 500 with `message`. The reason stays in the operator's log.
pub fn store_failed(store: &dyn agentpass_actors::Store, message: String) -> ApiError {
    match store.health() {
        Err(_) => ApiError::store_busy(),
        Ok(()) => ApiError::internal(message),
    }
}

/// 413: the request body is over its route's limit.
pub fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        "request body is too large",
    )
}

/// 404: no route has this path.
pub fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
}

impl Reply for ApiError {
    fn into_response(self) -> warp::reply::Response {
        let body = Body {
            error: Inner {
                code: self.code,
                message: &self.message,
            },
        };
        let mut response =
            warp::reply::with_status(warp::reply::json(&body), self.status).into_response();
        if let Some(wait) = self.retry_after {
            response
                .headers_mut()
                .insert("retry-after", wait.as_secs().into());
        }
        response
    }
}

/// Maps every rejection to a JSON error response.
pub async fn recover(rejection: Rejection) -> Result<warp::reply::Response, Infallible> {
    let e = if let Some(e) = rejection.find::<ApiError>() {
        ApiError {
            message: e.message.clone(),
            ..*e
        }
    } else if rejection.is_not_found() {
        not_found()
    } else if rejection.find::<warp::reject::PayloadTooLarge>().is_some() {
        too_large()
    } else if let Some(e) = rejection.find::<warp::reject::InvalidHeader>() {
        ApiError::bad_request(e.to_string())
    } else if let Some(e) = rejection.find::<warp::reject::MissingHeader>() {
        ApiError::bad_request(e.to_string())
    } else if rejection.find::<warp::reject::LengthRequired>().is_some() {
        ApiError::new(
            StatusCode::LENGTH_REQUIRED,
            "length_required",
            "Content-Length is required",
        )
    } else if let Some(e) = rejection.find::<warp::filters::body::BodyDeserializeError>() {
        ApiError::bad_request(format!("invalid JSON body: {e}"))
    } else if let Some(e) = rejection.find::<warp::reject::InvalidQuery>() {
        ApiError::bad_request(format!("invalid query string: {e}"))
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "method not allowed",
        )
    } else if rejection
        .find::<warp::reject::UnsupportedMediaType>()
        .is_some()
    {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "unsupported content type",
        )
    } else {
        tracing::warn!(?rejection, "unhandled rejection");
        ApiError::internal("unhandled error")
    };
    Ok(e.into_response())
}
