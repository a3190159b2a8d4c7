//! Reaching the clinic: a visitor's call-back request (stored, then sent on in the background),
//! the visitor erasing their own conversation, the widget's settings (privacy line), and the
//! staff endpoints that list call-back requests and mark them handled.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Value, json};

use super::AppState;
use super::error::{ApiError, ApiJson};
use crate::callback::{Form, Request};
use crate::record::{BadRecord, ConversationId};
use crate::store;

/// `POST /api/callback`: 201 `{"id"}` once the request is stored; delivery to the clinic
/// follows without the visitor waiting for it.
pub async fn create(
    State(state): State<AppState>,
    ApiJson(form): ApiJson<Form>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let row = Request::parse(form)?.into_row(store::now());
    let (webhook, email) = state.outbox.initial_states();
    let recorder = state.recorder.clone();
    let stored = row.clone();
    tokio::task::spawn_blocking(move || recorder.store().insert_callback(&stored, webhook, email))
        .await?
        .map_err(|err| ApiError::Unavailable(err.to_string()))?;
    state.outbox.send(&row);
    Ok((StatusCode::CREATED, Json(json!({ "id": row.id }))))
}

/// `DELETE /api/conversations/{id}`: the visitor erases their own conversation (its turns,
/// feedback and call-back requests); 204 once it is gone from the database. Staff erase one
/// the same way through their own endpoint.
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

/// `GET /api/widget-config`: what the widget shows besides answers: the privacy line's facts.
pub async fn widget_config(State(state): State<AppState>) -> Json<Value> {
    Json(widget_settings(&state))
}

pub fn widget_settings(state: &AppState) -> Value {
    json!({
        "privacy_url": state.privacy_url.as_ref(),
        "retention_days": state.retention_days,
        "callback": true,
    })
}

/// `GET /api/staff/callbacks`: every stored request, newest first.
pub async fn list(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let recorder = state.recorder.clone();
    let callbacks = tokio::task::spawn_blocking(move || recorder.store().callbacks())
        .await?
        .map_err(|err| ApiError::Unavailable(err.to_string()))?;
    Ok(Json(json!({ "callbacks": callbacks })))
}

/// `POST /api/staff/callbacks/{id}/handled`: JSON for tools; the staff page's form (which asks
/// for HTML) is sent back to the page.
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
    Ok(Json(json!({ "id": id, "status": "handled" })).into_response())
}

/// Whether the request came from a page's form rather than a tool.
fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}
