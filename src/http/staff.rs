//! For the clinic's staff: the report of what visitors ask (JSON, CSV and the `/staff` page),
//! every question one by one (paged as a page and JSON, and as CSV), the call-back requests to
//! answer, erasing a conversation on request, and a box to try a question and see the ranked
//! passages.
//! The page is behind the staff token (the sign-in form opens a session, see `access`) or
//! this machine when no token is set.

use std::borrow::Cow;

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::access::{STAFF_COOKIE, session_cookie};
use super::error::{ApiError, ApiQuery};
use super::html::render;
use super::openapi::errors::{BadRequest, Forbidden, TooManyAttempts, Unauthorized, Unavailable};
use super::openapi::{html_page, stored};
use crate::answer::{Question, Reply};
use crate::record::ConversationId;
use crate::store::{self, Asked, Callback, QuestionPage, Report};

const DEFAULT_DAYS: u32 = 30;
const MAX_DAYS: u32 = 3650;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// The last this many days: 1 to 3650, 30 unless given.
    #[param(minimum = 1, maximum = 3650)]
    days: Option<u32>,
}

fn days(params: &ReportParams) -> Result<u32, ApiError> {
    match params.days.unwrap_or(DEFAULT_DAYS) {
        d @ 1..=MAX_DAYS => Ok(d),
        _ => Err(ApiError::BadRequest(format!(
            "days must be between 1 and {MAX_DAYS}"
        ))),
    }
}

async fn load_report(state: &AppState, days: u32) -> Result<Report, ApiError> {
    let recorder = state.recorder.clone();
    // An unreadable database is said plainly (503), never as a fault of ours.
    tokio::task::spawn_blocking(move || recorder.store().report(days, store::now()))
        .await?
        .map_err(|err| ApiError::Unavailable(err.to_string()))
}

/// What visitors asked: counts by kind and by day, the unanswered questions grouped by
/// meaning, the urgent messages and the feedback. Questions are stored with personal details
/// redacted.
#[utoipa::path(
    get,
    path = "/api/staff/report",
    tag = "staff",
    params(ReportParams),
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The report", body = stored::Report),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 429, response = TooManyAttempts),
        (status = 503, response = Unavailable),
    )
)]
pub async fn report(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ReportParams>,
) -> Result<axum::Json<stored::Report>, ApiError> {
    let report = load_report(&state, days(&params)?).await?;
    Ok(axum::Json(report.into()))
}

/// The report as CSV: a table of days, a blank line, then the unanswered questions.
#[utoipa::path(
    get,
    path = "/api/staff/report.csv",
    tag = "staff",
    params(ReportParams),
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The report as a CSV file",
            body = String, content_type = "text/csv",
            headers(("Content-Disposition" = String, description = "An attachment's file name"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 429, response = TooManyAttempts),
        (status = 503, response = Unavailable),
    )
)]
pub async fn report_csv(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ReportParams>,
) -> Result<Response, ApiError> {
    let report = load_report(&state, days(&params)?).await?;
    let body = as_csv(&report).map_err(|err| ApiError::Internal(err.into()))?;
    let disposition = format!(
        "attachment; filename=\"clinic-chat-report-{}d.csv\"",
        report.days
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// The report as CSV: one table of days, then, after a blank line, the unanswered questions.
/// A question is quoted (unless it is a number) even where commas alone would not need it: a
/// spreadsheet that splits cells on `;`, as in many locales, then still keeps it in one cell,
/// so no part of it can start a formula.
fn as_csv(report: &Report) -> Result<Vec<u8>, csv::Error> {
    let mut days = csv::Writer::from_writer(Vec::new());
    days.write_record(["day", "questions", "answers", "fallbacks", "urgent"])?;
    for day in &report.per_day {
        days.serialize((
            &day.day,
            day.questions,
            day.answers,
            day.fallbacks,
            day.urgent,
        ))?;
    }
    let mut out = days.into_inner().map_err(|err| err.into_error())?;
    // By hand: the writer would write an empty record as `""`.
    out.push(b'\n');
    let mut questions = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::NonNumeric)
        .from_writer(out);
    questions.write_record(["unanswered question", "count"])?;
    for item in &report.unanswered {
        questions.serialize((defused(&item.question), item.count))?;
    }
    Ok(questions.into_inner().map_err(|err| err.into_error())?)
}

/// The text, with a quote mark before it if a spreadsheet would run it as a formula.
fn defused(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Questions on a page unless asked otherwise: a screenful or two.
const PER_PAGE: u32 = 50;
/// Questions on a page at most, so that one request reads a bounded number of rows.
const MAX_PER_PAGE: u32 = 200;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuestionsParams {
    /// From 1; a page past the last is empty.
    #[param(minimum = 1)]
    page: Option<u32>,
    /// Questions on a page: 1 to 200, 50 unless given.
    #[param(minimum = 1, maximum = 200)]
    per_page: Option<u32>,
}

/// The page and its size asked for, or why they cannot be.
fn paging(params: &QuestionsParams) -> Result<(u32, u32), ApiError> {
    let page = match params.page.unwrap_or(1) {
        0 => return Err(ApiError::BadRequest("page counts from 1".into())),
        page => page,
    };
    match params.per_page.unwrap_or(PER_PAGE) {
        n @ 1..=MAX_PER_PAGE => Ok((page, n)),
        _ => Err(ApiError::BadRequest(format!(
            "per_page must be between 1 and {MAX_PER_PAGE}"
        ))),
    }
}

async fn load_questions(
    state: &AppState,
    page: u32,
    per_page: u32,
) -> Result<QuestionPage, ApiError> {
    let recorder = state.recorder.clone();
    tokio::task::spawn_blocking(move || recorder.store().questions(page, per_page))
        .await?
        .map_err(|err| ApiError::Unavailable(err.to_string()))
}

/// Every question, newest first, a page at a time.
#[utoipa::path(
    get,
    path = "/api/staff/questions",
    tag = "staff",
    params(QuestionsParams),
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "A page of questions", body = stored::QuestionPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 429, response = TooManyAttempts),
        (status = 503, response = Unavailable),
    )
)]
pub async fn questions(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<QuestionsParams>,
) -> Result<axum::Json<stored::QuestionPage>, ApiError> {
    let (page, per_page) = paging(&params)?;
    let list = load_questions(&state, page, per_page).await?;
    Ok(axum::Json(list.into()))
}

/// Every question of the last `days` days as CSV, newest first.
#[utoipa::path(
    get,
    path = "/api/staff/questions.csv",
    tag = "staff",
    params(ReportParams),
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The questions as a CSV file",
            body = String, content_type = "text/csv",
            headers(("Content-Disposition" = String, description = "An attachment's file name"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 429, response = TooManyAttempts),
        (status = 503, response = Unavailable),
    )
)]
pub async fn questions_csv(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ReportParams>,
) -> Result<Response, ApiError> {
    let days = days(&params)?;
    let recorder = state.recorder.clone();
    let asked =
        tokio::task::spawn_blocking(move || recorder.store().questions_since(days, store::now()))
            .await?
            .map_err(|err| ApiError::Unavailable(err.to_string()))?;
    let body = questions_as_csv(&asked).map_err(|err| ApiError::Internal(err.into()))?;
    let disposition = format!("attachment; filename=\"clinic-chat-questions-{days}d.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// One row a question. Every cell is text a visitor could shape (a conversation id of their
/// own may start with `-`), so each is quoted and defused.
fn questions_as_csv(asked: &[Asked]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::NonNumeric)
        .from_writer(Vec::new());
    out.write_record([
        "time",
        "kind",
        "severity",
        "question",
        "top source",
        "conversation id",
    ])?;
    for q in asked {
        out.serialize((
            defused(&q.time),
            q.kind.as_str(),
            defused(q.severity.as_deref().unwrap_or("")),
            defused(&q.question),
            defused(q.top_source.as_deref().unwrap_or("")),
            defused(&q.conversation_id),
        ))?;
    }
    out.into_inner().map_err(|err| err.into_error().into())
}

/// Erases a conversation: its questions, feedback and call-back requests. An id no
/// conversation can have is refused, so that a mistyped one is not taken for done.
#[utoipa::path(
    delete,
    path = "/api/staff/conversations/{id}",
    tag = "staff",
    params(("id" = String, Path, pattern = "^[A-Za-z0-9_-]{1,64}$",
        description = "The conversation's id")),
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 204, description = "Erased, or there was nothing to erase"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 429, response = TooManyAttempts),
    )
)]
pub async fn erase_conversation(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    super::callback::erase(&state, &id).await
}

#[derive(Template)]
#[template(path = "staff.html")]
struct StaffPage<'a> {
    clinic: &'a str,
    report: Option<Report>,
    error: Option<String>,
    question: String,
    reply: Option<Reply>,
    hits: Vec<Hit>,
    lost: u64,
    /// With a token, staff signed in and may sign out.
    signed_in: bool,
    callbacks: Vec<Callback>,
    /// The conversation just erased from the page's form, or why it could not be.
    erased: Option<String>,
    erase_failed: bool,
}

impl StaffPage<'_> {
    /// A request's time as staff read it: `2026-12-03 13:10 UTC`.
    fn when(&self, created: &str) -> String {
        let minutes = created.get(..16).unwrap_or(created);
        format!("{} UTC", minutes.replacen('T', " ", 1))
    }

    /// A kind's share of all questions, as a percentage.
    fn share(&self, count: &i64) -> String {
        match &self.report {
            Some(r) if r.questions > 0 => {
                format!("{:.0}%", *count as f64 * 100.0 / r.questions as f64)
            }
            _ => "–".to_string(),
        }
    }
}

struct Hit {
    score: String,
    section: String,
    url: String,
    text: String,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    clinic: &'a str,
    failed: bool,
    /// Minutes to wait after too many wrong tokens.
    wait_minutes: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// The report's period in days (brought within 1 to 3650), 30 unless given.
    days: Option<u32>,
    /// A question to try: the page shows the reply and the passages behind it.
    q: Option<String>,
    /// The conversation just erased, to say so.
    erased: Option<String>,
    /// The erase form's last attempt failed.
    #[serde(default)]
    erase_failed: bool,
}

/// The staff page: the report, call-back requests, a box to try a question, and erasing a
/// conversation. Without a staff session it is the sign-in form.
#[utoipa::path(
    get,
    path = "/staff",
    tag = "staff pages",
    params(PageParams),
    security((), ("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, response = html_page::Page),
        (status = 400, response = html_page::BadRequestPage),
        (status = 403, response = Forbidden),
        (status = 429, response = TooManyAttempts),
    )
)]
pub async fn page(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    params: Result<Query<PageParams>, QueryRejection>,
) -> Response {
    let clinic = state.answerer.settings().contact.name.clone();
    if let Some(instead) = unless_staff(&state, peer, &headers) {
        return instead;
    }
    let Ok(Query(params)) = params else {
        let message = "The address has a value this page does not understand.";
        return error_page(&clinic, StatusCode::BAD_REQUEST, "No such page", message);
    };
    let days = params.days.unwrap_or(DEFAULT_DAYS).clamp(1, MAX_DAYS);
    let (report, error) = match load_report(&state, days).await {
        Ok(report) => (Some(report), None),
        Err(err) => (None, Some(err.to_string())),
    };
    let question = params.q.unwrap_or_default();
    let (reply, hits) = match Question::parse(&question) {
        Ok(parsed) => try_question(&state, parsed).await,
        Err(_) => (None, Vec::new()),
    };
    let lost = state.recorder.dropped();
    let recorder = state.recorder.clone();
    let (callbacks, error) =
        match tokio::task::spawn_blocking(move || recorder.store().callbacks()).await {
            Ok(Ok(callbacks)) => (callbacks, error),
            Ok(Err(err)) => (Vec::new(), error.or(Some(err.to_string()))),
            Err(_) => (Vec::new(), error),
        };
    let page = StaffPage {
        clinic: &clinic,
        report,
        error,
        question,
        reply,
        hits,
        lost,
        signed_in: state.staff.has_token(),
        callbacks,
        erased: params
            .erased
            .filter(|id| id.parse::<ConversationId>().is_ok()),
        erase_failed: params.erase_failed,
    };
    private(render(&page, StatusCode::OK, &clinic))
}

/// `None` for a page's request that is staff's; else what to answer instead: the sign-in
/// form (with a token configured) or the refusal.
fn unless_staff(
    state: &AppState,
    peer: std::net::SocketAddr,
    headers: &HeaderMap,
) -> Option<Response> {
    match state.staff.authenticate(Some(peer), headers) {
        Ok(()) => None,
        Err(ApiError::Unauthorized) => {
            let clinic = &state.answerer.settings().contact.name;
            let login = LoginPage {
                clinic,
                failed: false,
                wait_minutes: None,
            };
            Some(private(render(&login, StatusCode::OK, clinic)))
        }
        Err(err) => Some(err.into_response()),
    }
}

#[derive(Template)]
#[template(path = "staff_questions.html")]
struct QuestionsPage<'a> {
    clinic: &'a str,
    list: QuestionPage,
}

/// Every question, newest first, a page at a time. Without a staff session it is the
/// sign-in form.
#[utoipa::path(
    get,
    path = "/staff/questions",
    tag = "staff pages",
    params(("page" = Option<u32>, Query, minimum = 1, description = "From 1")),
    security((), ("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, response = html_page::Page),
        (status = 400, response = html_page::BadRequestPage),
        (status = 403, response = Forbidden),
        (status = 429, response = TooManyAttempts),
        (status = 503, response = html_page::UnavailablePage),
    )
)]
pub async fn questions_page(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    // As pairs of text, which any query string is, so that a page number that is not one (or
    // is given twice) gets this service's error page, not the extractor's plain text.
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    if let Some(instead) = unless_staff(&state, peer, &headers) {
        return instead;
    }
    let clinic = state.answerer.settings().contact.name.clone();
    let Some(page) = page_number(&params) else {
        let message = "The page number must be a whole number from 1.";
        return error_page(&clinic, StatusCode::BAD_REQUEST, "No such page", message);
    };
    match load_questions(&state, page, PER_PAGE).await {
        Ok(list) => {
            let page = QuestionsPage {
                clinic: &clinic,
                list,
            };
            private(render(&page, StatusCode::OK, &clinic))
        }
        Err(err) => error_page(
            &clinic,
            StatusCode::SERVICE_UNAVAILABLE,
            "Questions unavailable",
            &err.to_string(),
        ),
    }
}

/// The `page` of a query: 1 when none is given, `None` when it is not a whole number from 1
/// or is given twice.
fn page_number(params: &[(String, String)]) -> Option<u32> {
    let mut pages = params.iter().filter(|(name, _)| name == "page");
    match (pages.next(), pages.next()) {
        (None, _) => Some(1),
        (Some((_, page)), None) => page.trim().parse::<u32>().ok().filter(|p| *p > 0),
        (Some(_), Some(_)) => None,
    }
}

fn error_page(clinic: &str, status: StatusCode, title: &str, message: &str) -> Response {
    let page = super::html::ErrorPage {
        clinic,
        title,
        message,
    };
    private(render(&page, status, clinic))
}

/// The reply a visitor would get and the ranked passages behind it; not recorded.
async fn try_question(state: &AppState, question: Question) -> (Option<Reply>, Vec<Hit>) {
    let answerer = state.answerer.clone();
    let found = tokio::task::spawn_blocking(move || {
        let reply = answerer.answer(&question, None);
        let hits = answerer.search(question.as_str(), 10);
        (reply, hits)
    })
    .await;
    let Ok((reply, hits)) = found else {
        return (None, Vec::new());
    };
    let hits = hits
        .into_iter()
        .map(|(score, p)| Hit {
            score: format!("{score:.2}"),
            url: format!("/articles/{}#{}", p.slug, p.anchor),
            section: p.heading,
            text: p.text,
        })
        .collect();
    (Some(reply), hits)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EraseForm {
    conversation_id: String,
}

/// The staff page's erase form: erases the conversation, then shows the page saying so.
#[utoipa::path(
    post,
    path = "/staff/erase",
    tag = "staff pages",
    request_body(content = EraseForm, content_type = "application/x-www-form-urlencoded"),
    security((), ("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 303, response = html_page::SeeStaffPage),
        (status = 400, response = html_page::BadRequestPage),
        (status = 403, response = Forbidden),
        (status = 415, response = html_page::NotAFormPage),
        (status = 429, response = TooManyAttempts),
    )
)]
pub async fn erase_form(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<EraseForm>, FormRejection>,
) -> Response {
    match state.staff.authenticate(Some(peer), &headers) {
        Ok(()) => {}
        Err(ApiError::Unauthorized) => return Redirect::to("/staff").into_response(),
        Err(err) => return err.into_response(),
    }
    let form = match form {
        Ok(Form(form)) => form,
        Err(rejection) => return bad_form(&state, &rejection),
    };
    let id = form.conversation_id.trim();
    match super::callback::erase(&state, id).await {
        // The id is letters, digits, '_' and '-' once parsed: safe in a query string.
        Ok(_) => Redirect::to(&format!("/staff?erased={id}#erase")).into_response(),
        Err(_) => Redirect::to("/staff?erase_failed=true#erase").into_response(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginForm {
    /// The staff token.
    token: String,
}

/// Signs in with the staff token: a random session id goes in the cookie, never the token.
#[utoipa::path(
    post,
    path = "/staff/login",
    tag = "staff pages",
    request_body(content = LoginForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, headers(("Location" = String), ("Set-Cookie" = String)),
            description = "Signed in (the session is in the `clinic_chat_staff` cookie), \
                or no token is configured: on to the staff page"),
        (status = 400, response = html_page::BadRequestPage),
        (status = 401, response = html_page::WrongTokenPage),
        (status = 403, response = Forbidden),
        (status = 415, response = html_page::NotAFormPage),
        (status = 429, response = html_page::LockedOutPage),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    jar: CookieJar,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    if !state.staff.has_token() {
        return Redirect::to("/staff").into_response();
    }
    let form = match form {
        Ok(Form(form)) => form,
        Err(rejection) => return bad_form(&state, &rejection),
    };
    let client = state.staff.client(Some(peer), &headers);
    let page = |status, failed, wait_minutes| {
        let clinic = &state.answerer.settings().contact.name;
        let login = LoginPage {
            clinic,
            failed,
            wait_minutes,
        };
        private(render(&login, status, clinic))
    };
    match state.staff.try_token(client, &form.token) {
        Ok(()) => {
            // A browser on another machine must reach staff pages over TLS: the session id
            // then never travels in clear. Only a browser on this machine keeps it over HTTP.
            let secure = state.staff.came_over_tls(Some(peer), &headers)
                || !peer.ip().to_canonical().is_loopback();
            let cookie = session_cookie(state.staff.sessions.open(), secure);
            (jar.add(cookie), Redirect::to("/staff")).into_response()
        }
        Err(ApiError::TooManyAttempts(seconds)) => (
            [(header::RETRY_AFTER, seconds.to_string())],
            page(
                StatusCode::TOO_MANY_REQUESTS,
                false,
                Some(seconds.div_ceil(60)),
            ),
        )
            .into_response(),
        Err(_) => page(StatusCode::UNAUTHORIZED, true, None),
    }
}

/// The error page for a form that is not one of the staff page's: 415 when it is not sent as
/// a form, else 400.
fn bad_form(state: &AppState, rejection: &FormRejection) -> Response {
    let clinic = &state.answerer.settings().contact.name;
    let (status, message) = match rejection.status() {
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The form was not sent as a form (Content-Type: application/x-www-form-urlencoded).",
        ),
        _ => (
            StatusCode::BAD_REQUEST,
            "The form is missing a field, or a field is not valid.",
        ),
    };
    error_page(clinic, status, "Form not understood", message)
}

/// Signs out: the session ends here, and the browser is told to drop the cookie.
#[utoipa::path(
    post,
    path = "/staff/logout",
    tag = "staff pages",
    responses(
        (status = 303, response = html_page::SeeStaffPage),
        (status = 403, response = Forbidden),
    )
)]
pub async fn logout(State(state): State<AppState>, jar: CookieJar) -> Response {
    if let Some(cookie) = jar.get(STAFF_COOKIE) {
        state.staff.sessions.close(cookie.value());
    }
    let jar = jar.remove(Cookie::build(STAFF_COOKIE).path("/"));
    (jar, Redirect::to("/staff")).into_response()
}

/// A staff page shows visitors' questions: no browser or proxy may keep a copy.
fn private(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::store::{Day, FeedbackCounts, Unanswered};

    fn report(per_day: Vec<Day>, unanswered: &[(&str, i64)]) -> Report {
        Report {
            days: 7,
            questions: 0,
            by_kind: Default::default(),
            urgent_by_severity: Default::default(),
            urgent: Vec::new(),
            per_day,
            unanswered: unanswered
                .iter()
                .map(|&(question, count)| Unanswered {
                    question: question.into(),
                    count,
                    label: None,
                    examples: vec![question.into()],
                })
                .collect(),
            feedback: FeedbackCounts {
                helpful: 0,
                not_helpful: 0,
            },
            unhelpful: Vec::new(),
        }
    }

    #[test]
    fn the_csv_has_the_days_then_the_questions_quoted_with_formulas_defused() {
        let day = Day {
            day: "2026-11-24".into(),
            questions: 3,
            answers: 1,
            fallbacks: 2,
            urgent: 0,
        };
        let unanswered = [
            ("say \"hi\", ok", 2),
            ("=HYPERLINK(\"x\")", 1),
            ("opening hours;=1+1", 1),
        ];
        let csv = as_csv(&report(vec![day], &unanswered)).unwrap();
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "day,questions,answers,fallbacks,urgent\n\
             2026-11-24,3,1,2,0\n\
             \n\
             \"unanswered question\",\"count\"\n\
             \"say \"\"hi\"\", ok\",2\n\
             \"'=HYPERLINK(\"\"x\"\")\",1\n\
             \"opening hours;=1+1\",1\n"
        );
    }
}
