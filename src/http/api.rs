//! The JSON endpoints: chat for visitors, welcome for the widget, search and admin for staff,
//! and the health check. Answering runs off the async runtime. Each handler's
//! `#[utoipa::path]` is its entry in the API description (`openapi`).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::callback::WidgetConfig;
use super::error::{ApiError, ApiJson, ApiQuery};
use super::openapi::errors::{
    BadRequest, Busy, Forbidden, NotFound, NotJson, RateLimited, SlowBody, TooLarge,
    TooManyAttempts, Unauthorized,
};
use crate::answer::{Contact, Question, Reply};
use crate::record::{AnswerId, ConversationId};
use crate::store::{self, Feedback, Turn};

/// A visitor's message.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChatRequest {
    /// The message: up to 1,000 characters, not only spaces.
    #[schema(min_length = 1, max_length = 1000)]
    message: String,
    /// The conversation it continues: the `conversation_id` of an earlier reply, or a client's
    /// own id of 1 to 64 letters, digits, `_` or `-`. Any other value starts a new conversation.
    #[serde(default)]
    conversation_id: Option<String>,
}

/// Answers a visitor's message from the clinic's articles.
///
/// `kind` says what the reply is: `answer` (from the articles or the clinic's details, with
/// `sources`), `fallback` (nothing answers it; `contact` says how to reach the clinic),
/// `urgent` (a possible emergency: `severity` says how soon to get care) or `smalltalk`.
#[utoipa::path(
    post,
    path = "/api/chat",
    tag = "visitors",
    request_body = ChatRequest,
    responses(
        (status = 200, description = "The reply", body = Reply),
        (status = 400, response = BadRequest),
        (status = 408, response = SlowBody),
        (status = 413, response = TooLarge),
        (status = 415, response = NotJson),
        (status = 429, response = RateLimited),
        (status = 503, response = Busy),
    )
)]
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

/// A visitor's verdict on one reply.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FeedbackRequest {
    /// The reply's `answer_id`.
    #[schema(pattern = "^a_[0-9a-f]{32}$")]
    answer_id: String,
    helpful: bool,
    /// What the visitor adds, up to 1,000 characters.
    #[serde(default)]
    #[schema(max_length = 1000)]
    comment: Option<String>,
}

/// The longest feedback comment kept, in characters.
const MAX_COMMENT_CHARS: usize = 1000;

/// Stores whether a reply helped.
#[utoipa::path(
    post,
    path = "/api/feedback",
    tag = "visitors",
    request_body = FeedbackRequest,
    responses(
        (status = 204, description = "Stored"),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 408, response = SlowBody),
        (status = 413, response = TooLarge),
        (status = 415, response = NotJson),
        (status = 429, response = RateLimited),
    )
)]
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

/// What the widget shows before the first question.
#[derive(Debug, Serialize, ToSchema)]
pub struct Welcome {
    greeting: String,
    /// Questions to start with, from the articles.
    suggestions: Vec<String>,
    clinic: Contact,
    privacy: WidgetConfig,
}

/// The widget's greeting, starter questions and the clinic's contact details.
#[utoipa::path(
    get,
    path = "/api/welcome",
    tag = "visitors",
    responses((status = 200, description = "The greeting", body = Welcome))
)]
pub async fn welcome(State(state): State<AppState>) -> Json<Welcome> {
    let settings = state.answerer.settings();
    Json(Welcome {
        greeting: format!(
            "Hello! Ask me about our treatments and I'll answer from {}'s articles.",
            settings.contact.name
        ),
        suggestions: state.answerer.starters(),
        clinic: settings.contact.clone(),
        privacy: super::callback::widget_settings(&state),
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`: the index is loaded and questions can be answered.
    #[schema(value_type = String, pattern = "^ok$")]
    status: &'static str,
    /// Articles in the index.
    articles: usize,
}

/// Whether the service can answer.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operators",
    responses((status = 200, description = "Ready to answer", body = Health))
)]
pub async fn healthz(State(state): State<AppState>) -> Json<Health> {
    let generation = state.index.generation();
    Json(Health {
        status: "ok",
        articles: generation.manifest.articles.len(),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// The words to search for, as a visitor would ask.
    #[param(required = true, min_length = 1, max_length = 1000)]
    q: Option<String>,
    /// Passages to return: 1 to 50 (other values are brought within), 10 unless given.
    limit: Option<usize>,
}

/// The ranked passages for a search.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    /// The query as given.
    query: String,
    /// Best first.
    hits: Vec<Hit>,
}

/// One passage found.
#[derive(Debug, Serialize, ToSchema)]
pub struct Hit {
    title: String,
    section: String,
    /// Opens the article at the passage.
    url: String,
    text: String,
    /// The passage's first sentence.
    snippet: String,
    /// The search engine's score: higher is a better match.
    score: f32,
}

/// The ranked passages behind an answer, for staff.
#[utoipa::path(
    get,
    path = "/api/search",
    tag = "staff",
    params(SearchParams),
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The passages, best first", body = SearchResults),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 429, response = TooManyAttempts),
    )
)]
pub async fn search(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<SearchResults>, ApiError> {
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
    Ok(Json(SearchResults { query, hits }))
}

/// What the service answers from.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndexStatus {
    articles: usize,
    sections: usize,
    passages: usize,
    /// When the index was built, in seconds since the Unix epoch.
    built_at: u64,
    build_ms: u64,
    /// Corpus files read.
    files: usize,
    /// The last reindex, when it failed: the service answers from the index before it.
    reindex_failure: Option<crate::index::Failure>,
}

/// The index the service answers from.
#[utoipa::path(
    get,
    path = "/api/admin/status",
    tag = "staff",
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The index", body = IndexStatus),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 429, response = TooManyAttempts),
    )
)]
pub async fn status(State(state): State<AppState>) -> Json<IndexStatus> {
    let generation = state.index.generation();
    let manifest = &generation.manifest;
    Json(IndexStatus {
        articles: manifest.articles.len(),
        sections: manifest.articles.iter().map(|a| a.sections).sum::<usize>(),
        passages: manifest.articles.iter().map(|a| a.passages).sum::<usize>(),
        built_at: manifest.built_at,
        build_ms: manifest.build_ms,
        files: manifest.files.len(),
        reindex_failure: state.index.failure(),
    })
}

/// What a reindex built.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reindexed {
    articles: usize,
    sections: usize,
    passages: usize,
    /// Corpus files that could not be read as articles.
    skipped_files: usize,
    build_ms: u64,
}

/// Rebuilds the index from the corpus folder; questions are answered from the old index
/// until the new one is in place.
#[utoipa::path(
    post,
    path = "/api/admin/reindex",
    tag = "staff",
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The new index is in use", body = Reindexed),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 429, response = TooManyAttempts),
    )
)]
pub async fn reindex(State(state): State<AppState>) -> Result<Json<Reindexed>, ApiError> {
    let index = state.index.clone();
    let report = tokio::task::spawn_blocking(move || index.rebuild())
        .await?
        .map_err(ApiError::Internal)?;
    Ok(Json(Reindexed {
        articles: report.articles,
        sections: report.sections,
        passages: report.passages,
        skipped_files: report.skipped_files,
        build_ms: report.elapsed.as_millis() as u64,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::{Kind, Source};
    use serde_json::Value;

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
