//! The JSON endpoints: chat for visitors, welcome for the widget, search and admin for staff,
//! and the health check. Answering runs off the async runtime.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::AppState;
use super::error::{ApiError, ApiJson, ApiQuery};
use crate::answer::Question;
use crate::record::{AnswerId, ConversationId};
use crate::store::{self, Feedback, Turn};

#[derive(Debug, Deserialize)]
pub struct ChatRequest {
    message: String,
    #[serde(default)]
    conversation_id: Option<String>,
}

pub async fn chat(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<ChatRequest>,
) -> Result<Response, ApiError> {
    let question = Question::parse(&request.message)?;
    if state.log_questions {
        tracing::debug!(question = question.as_str(), "question");
    }
    let answerer = state.answerer.clone();
    // An id this service could not have given starts a new conversation; the question is
    // still answered.
    let conversation = request
        .conversation_id
        .and_then(|id| id.parse::<ConversationId>().ok());
    let started = std::time::Instant::now();
    let text = question.as_str().to_string();
    let reply =
        tokio::task::spawn_blocking(move || answerer.answer(&question, conversation)).await?;
    let latency = started.elapsed();
    tracing::Span::current().record("kind", reply.kind.as_str());
    state
        .metrics
        .reply(reply.kind, reply.severity.map(|s| s.as_str()));
    let body = reply
        .to_json()
        .map_err(|err| ApiError::Internal(err.into()))?;
    state.recorder.turn(Turn {
        at: store::now(),
        kind: reply.kind,
        question: text,
        top_source: reply
            .sources
            .first()
            .map(|s| format!("{} — {}", s.title, s.section)),
        latency_us: latency.as_micros() as i64,
        severity: reply.severity.map(|s| s.as_str().to_string()),
        answer_id: reply.answer_id,
        conversation_id: reply.conversation_id,
        reading: reply.reading,
    });
    Ok(([(header::CONTENT_TYPE, JSON)], body).into_response())
}

const JSON: HeaderValue = HeaderValue::from_static("application/json");

#[derive(Debug, Deserialize)]
pub struct FeedbackRequest {
    answer_id: String,
    helpful: bool,
    #[serde(default)]
    comment: Option<String>,
}

/// The longest feedback comment kept, in characters.
const MAX_COMMENT_CHARS: usize = 1000;

pub async fn feedback(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<FeedbackRequest>,
) -> Result<axum::http::StatusCode, ApiError> {
    let answer_id: AnswerId = request
        .answer_id
        .parse()
        .map_err(|_| ApiError::BadRequest("answer_id is not one this service gave".into()))?;
    let comment = request
        .comment
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    if comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS)
    {
        return Err(ApiError::BadRequest(format!(
            "the comment is longer than {MAX_COMMENT_CHARS} characters"
        )));
    }
    // Only answers this service gave, and not erased: memory knows the recent ones, the
    // database the older ones.
    let recorder = state.recorder.clone();
    let id = answer_id.clone();
    let issued = recorder.recently_issued(&answer_id)
        || tokio::task::spawn_blocking(move || recorder.issued(&id)).await?;
    if !issued {
        return Err(ApiError::Missing(
            "no answer with this answer_id was given, or it has been erased".into(),
        ));
    }
    state.recorder.feedback(Feedback {
        answer_id,
        helpful: request.helpful,
        comment,
        at: store::now(),
    });
    Ok(axum::http::StatusCode::NO_CONTENT)
}

pub async fn welcome(State(state): State<AppState>) -> Json<Value> {
    let settings = state.answerer.settings();
    Json(json!({
        "greeting": format!("Hello! Ask me about our treatments and I'll answer from {}'s articles.", settings.contact.name),
        "suggestions": state.answerer.starters(),
        "clinic": settings.contact,
        "privacy": super::callback::widget_settings(&state),
    }))
}

pub async fn healthz(State(state): State<AppState>) -> Json<Value> {
    let generation = state.index.generation();
    Json(json!({"status": "ok", "articles": generation.manifest.articles.len()}))
}

#[derive(Debug, Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    limit: Option<usize>,
}

#[derive(Debug, Serialize)]
struct Hit {
    title: String,
    section: String,
    url: String,
    text: String,
    snippet: String,
    score: f32,
}

pub async fn search(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<Value>, ApiError> {
    let query = params.q.unwrap_or_default();
    let question =
        Question::parse(&query).map_err(|err| ApiError::BadRequest(format!("q: {err}")))?;
    let limit = params.limit.unwrap_or(10).clamp(1, 50);
    let answerer = state.answerer.clone();
    let hits =
        tokio::task::spawn_blocking(move || answerer.search(question.as_str(), limit)).await?;
    let hits: Vec<Hit> = hits
        .into_iter()
        .map(|(score, p)| Hit {
            url: match &p.url {
                Some(url) => format!("{url}#{}", p.anchor),
                None => format!("/articles/{}#{}", p.slug, p.anchor),
            },
            snippet: crate::text::sentences(&p.text)
                .first()
                .map_or_else(String::new, |s| s.to_string()),
            title: p.title,
            section: p.heading,
            text: p.text,
            score,
        })
        .collect();
    Ok(Json(json!({"query": query, "hits": hits})))
}

pub async fn status(State(state): State<AppState>) -> Json<Value> {
    let generation = state.index.generation();
    let manifest = &generation.manifest;
    Json(json!({
        "articles": manifest.articles.len(),
        "sections": manifest.articles.iter().map(|a| a.sections).sum::<usize>(),
        "passages": manifest.articles.iter().map(|a| a.passages).sum::<usize>(),
        "built_at": manifest.built_at,
        "build_ms": manifest.build_ms,
        "files": manifest.files.len(),
        "reindex_failure": state.index.failure(),
    }))
}

pub async fn reindex(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let index = state.index.clone();
    let report = tokio::task::spawn_blocking(move || index.rebuild())
        .await?
        .map_err(ApiError::Internal)?;
    Ok(Json(json!({
        "articles": report.articles,
        "sections": report.sections,
        "passages": report.passages,
        "skipped_files": report.skipped_files,
        "build_ms": report.elapsed.as_millis() as u64,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::{Kind, Reply, Source};

    /// Whatever an article's sentences hold, the widget parses the reply back to what was
    /// said: quotes, backslashes, control and non-ASCII characters, markup.
    #[test]
    fn a_reply_with_awkward_text_is_valid_json_of_the_same_text() {
        let awkward = "\"Quoted\" \\ back\tslash\n\u{1} caf\u{e9} \u{4e2d} \u{1f600} \u{2028} </script><b>&amp;";
        let reply = Reply {
            kind: Kind::Answer,
            answer: awkward.to_string(),
            sources: vec![Source {
                title: awkward.to_string(),
                section: "Aftercare".to_string(),
                url: "/articles/x#y:~:text=a%20b".to_string(),
                snippet: awkward.to_string(),
            }],
            suggestions: vec![awkward.to_string()],
            conversation_id: ConversationId::fresh(),
            answer_id: AnswerId::fresh(),
            contact: None,
            severity: None,
            emergency_phone: None,
            callback: false,
            reading: None,
            booking_url: Some(awkward.to_string()),
        };
        let body = reply.to_json().unwrap();
        assert!(body.iter().all(|&b| b >= 0x20), "no raw control characters");
        let parsed: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(parsed, serde_json::to_value(&reply).unwrap());
        assert_eq!(parsed["answer"], awkward);
    }
}
