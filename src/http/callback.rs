//! Reaching the clinic: a visitor's call-back request (stored, then sent on in the background),
//! the visitor erasing their own conversation, the widget's settings (privacy line), and the
//! staff endpoints that list call-back requests and mark them handled.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::error::{ApiError, ApiJson};
use super::openapi::errors::{
    BadRequest, Forbidden, NotFound, NotJson, RateLimited, SlowBody, TooLarge, TooManyAttempts,
    Unauthorized, Unavailable,
};
use super::openapi::stored;
use crate::callback::{Form, Request};
use crate::record::{BadRecord, ConversationId};
use crate::store;

/// A stored call-back request.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    /// The request's id, as staff see it.
    id: String,
}

/// Asks the clinic to call the visitor back.
///
/// Answers 201 once the request is stored; it is sent on to the clinic without the visitor
/// waiting. A 400 names the field to correct in `field`.
#[utoipa::path(
    post,
    path = "/api/callback",
    tag = "visitors",
    request_body = Form,
    responses(
        (status = 201, description = "Stored", body = Created),
        (status = 400, response = BadRequest),
        (status = 408, response = SlowBody),
        (status = 413, response = TooLarge),
        (status = 415, response = NotJson),
        (status = 429, response = RateLimited),
        (status = 503, response = Unavailable),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    ApiJson(form): ApiJson<Form>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let row = Request::parse(form)?.into_row(store::now());
    let (webhook, email) = state.outbox.initial_states();
    let recorder = state.recorder.clone();
    let stored = row.clone();
    tokio::task::spawn_blocking(move || recorder.store().insert_callback(&stored, webhook, email))
        .await?
        .map_err(|err| ApiError::Unavailable(err.to_string()))?;
    state.outbox.send(&row);
    Ok((StatusCode::CREATED, Json(Created { id: row.id })))
}

/// Erases the visitor's own conversation: its questions, feedback and call-back requests.
///
/// 204 once it is gone from the database. Staff erase one the same way through their own
/// endpoint.
#[utoipa::path(
    delete,
    path = "/api/conversations/{id}",
    tag = "visitors",
    params(("id" = String, Path, pattern = "^[A-Za-z0-9_-]{1,64}$",
        description = "The conversation's id")),
    responses(
        (status = 204, description = "Erased, or there was nothing to erase"),
        (status = 400, response = BadRequest),
        (status = 429, response = RateLimited),
    )
)]
pub async fn erase_own(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    erase(&state, &id).await
}

/// Erases a conversation everywhere it is kept: the answerer's memory and the database.
pub async fn erase(state: &AppState, id: &str) -> Result<StatusCode, ApiError> {
    let id: ConversationId = id
        .parse()
        .map_err(|err: BadRecord| ApiError::BadRequest(err.to_string()))?;
    state.answerer.forget(id.as_str());
    state.recorder.erase(&id);
    let recorder = state.recorder.clone();
    tokio::task::spawn_blocking(move || recorder.flush()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The widget's privacy line and whether it offers a call-back form.
#[derive(Debug, Serialize, ToSchema)]
pub struct WidgetConfig {
    /// The clinic's privacy notice.
    privacy_url: String,
    /// Days questions and call-back requests are kept.
    retention_days: u32,
    /// Whether the widget offers the call-back form.
    callback: bool,
}

/// What the widget shows besides answers: the privacy line's facts.
#[utoipa::path(
    get,
    path = "/api/widget-config",
    tag = "visitors",
    responses((status = 200, description = "The widget's settings", body = WidgetConfig))
)]
pub async fn widget_config(State(state): State<AppState>) -> Json<WidgetConfig> {
    Json(widget_settings(&state))
}

pub fn widget_settings(state: &AppState) -> WidgetConfig {
    WidgetConfig {
        privacy_url: state.privacy_url.to_string(),
        retention_days: state.retention_days,
        callback: true,
    }
}

/// Every call-back request kept, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Callbacks {
    callbacks: Vec<stored::Callback>,
}

/// Every stored call-back request, newest first (at most 500).
#[utoipa::path(
    get,
    path = "/api/staff/callbacks",
    tag = "staff",
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The requests", body = Callbacks),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 429, response = TooManyAttempts),
        (status = 503, response = Unavailable),
    )
)]
pub async fn list(State(state): State<AppState>) -> Result<Json<Callbacks>, ApiError> {
    let recorder = state.recorder.clone();
    let callbacks = tokio::task::spawn_blocking(move || recorder.store().callbacks())
        .await?
        .map_err(|err| ApiError::Unavailable(err.to_string()))?;
    Ok(Json(Callbacks {
        callbacks: callbacks.into_iter().map(Into::into).collect(),
    }))
}

/// A call-back request marked handled.
#[derive(Debug, Serialize, ToSchema)]
pub struct Handled {
    id: String,
    /// `handled`.
    #[schema(value_type = String, pattern = "^handled$")]
    status: &'static str,
}

/// Marks a call-back request handled: JSON for tools; the staff page's form (which asks for
/// HTML) is sent back to the page.
#[utoipa::path(
    post,
    path = "/api/staff/callbacks/{id}/handled",
    tag = "staff",
    params(("id" = String, Path, description = "The call-back request's id")),
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "Marked handled", body = Handled),
        (status = 303, headers(("Location" = String)),
            description = "Marked handled; a request that accepts HTML goes back to the staff page"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyAttempts),
        (status = 503, response = Unavailable),
    )
)]
pub async fn handled(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let recorder = state.recorder.clone();
    let key = id.clone();
    let found =
        tokio::task::spawn_blocking(move || recorder.store().mark_handled(&key, store::now()))
            .await?
            .map_err(|err| ApiError::Unavailable(err.to_string()))?;
    if !found {
        return Err(ApiError::Missing(
            "no call-back request has this id, or it has been erased".into(),
        ));
    }
    if wants_html(&headers) {
        return Ok(Redirect::to("/staff#callbacks").into_response());
    }
    Ok(Json(Handled {
        id,
        status: "handled",
    })
    .into_response())
}

/// Whether the request came from a page's form rather than a tool.
fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}
