//! The one error type at the HTTP edge: each variant says its status; API errors are JSON
//! `{"error": "..."}`, and a 500 tells the client nothing internal (the cause is logged once).

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::answer::QuestionError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request is malformed or a field is invalid.
    #[error("{0}")]
    BadRequest(String),
    /// 400: a field of a call-back request is missing or wrong; the JSON names it in `field`.
    #[error("{0}")]
    Invalid(#[from] crate::callback::Invalid),
    /// 401: a staff endpoint without the right token.
    #[error("a valid staff token is required")]
    Unauthorized,
    /// 403: a staff endpoint called from outside (or through a proxy) while no token is
    /// configured.
    #[error(
        "staff endpoints answer only to requests made on this machine, not through a proxy, until a staff token is configured"
    )]
    Forbidden,
    /// 403: a staff endpoint reached under a host name this service does not answer to
    /// (a DNS rebinding attempt, or a name missing from CLINIC_CHAT_PUBLIC_HOSTS).
    #[error(
        "staff endpoints answer only to this service's own host names (CLINIC_CHAT_PUBLIC_HOSTS)"
    )]
    WrongHost,
    /// 403: a staff change sent by another site's page.
    #[error("staff changes are accepted only from this service's own pages")]
    CrossSite,
    /// 404: no such route or resource.
    #[error("not found")]
    NotFound,
    /// 404: the request names something that does not exist; the message says what.
    #[error("{0}")]
    Missing(String),
    /// 405: the route exists but not for this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 408: the body did not arrive within the client timeout.
    #[error("the request body took too long to arrive")]
    SlowBody,
    /// 413: the body is larger than the service reads.
    #[error("the request body is larger than 16 KiB")]
    TooLarge,
    /// 415: the body is not JSON.
    #[error("the request body must be JSON (Content-Type: application/json)")]
    NotJson,
    /// 429: the client asked too often; retry after this many seconds.
    #[error("too many messages; please wait {0} seconds and try again")]
    RateLimited(u64),
    /// 429: too many wrong staff tokens from this client; retry after this many seconds.
    #[error("too many wrong staff tokens; please wait {0} seconds and try again")]
    TooManyAttempts(u64),
    /// 503: the service is overloaded or the request took too long.
    #[error("the service is busy; please try again in a moment")]
    Busy,
    /// 503: a part the request needs cannot be used now; the message says which, plainly.
    #[error("{0}")]
    Unavailable(String),
    /// 500: a fault of ours; the detail is logged, not sent.
    #[error("something went wrong on our side")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::Invalid(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden | ApiError::WrongHost | ApiError::CrossSite => {
                StatusCode::FORBIDDEN
            }
            ApiError::NotFound | ApiError::Missing(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::SlowBody => StatusCode::REQUEST_TIMEOUT,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::RateLimited(_) | ApiError::TooManyAttempts(_) => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::Busy | ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Every API error's JSON body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong, in a sentence a person can act on.
    pub error: String,
    /// On a call-back request: the field that is missing or wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            tracing::error!("internal error: {cause:#}");
        }
        let body = ErrorBody {
            error: self.to_string(),
            field: match &self {
                ApiError::Invalid(invalid) => Some(invalid.field),
                _ => None,
            },
        };
        let mut response = (self.status(), Json(body)).into_response();
        match &self {
            ApiError::RateLimited(seconds) | ApiError::TooManyAttempts(seconds) => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*seconds));
            }
            ApiError::Unauthorized => {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}

impl From<QuestionError> for ApiError {
    fn from(err: QuestionError) -> Self {
        ApiError::BadRequest(err.to_string())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::NotJson,
            _ => ApiError::BadRequest(format!(
                "the request body is not valid: {}",
                rejection.body_text()
            )),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::BadRequest(format!(
            "the query string is not valid: {}",
            rejection.body_text()
        ))
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(err: tokio::task::JoinError) -> Self {
        ApiError::Internal(err.into())
    }
}

/// `Json` whose rejections come back as [`ApiError`]s, in the same JSON shape as every error.
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// `Query` whose rejections come back as [`ApiError`]s.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);
