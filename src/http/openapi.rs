//! The API description, OpenAPI 3.1, served at `/api/openapi.json`. It is generated from the
//! code: each handler's `#[utoipa::path]` and the `ToSchema` of the types it reads and
//! returns, so it changes with them. Here: the document's frame, the error responses the
//! handlers share, how staff authenticate, and a description of the stored records staff read
//! (`stored`), which are the store's own types seen from the HTTP edge.

use std::sync::LazyLock;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::access::STAFF_COOKIE;
use super::{api, callback, metrics, pages, staff};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "clinic-chat",
        description = "Answers a clinic website's visitors from the clinic's own articles.

Every error from the JSON API is `{\"error\": \"...\"}` with a 4xx status (a call-back request's 400 adds `field`, naming the field to correct); a 429 says in `Retry-After` how many seconds to wait.

Staff endpoints take the staff token (`CLINIC_CHAT_STAFF_TOKEN`) as `Authorization: Bearer TOKEN`, or the session cookie that signing in on `/staff` sets. With no token configured they answer only requests made on the service's own machine (from loopback, not through a proxy). Too many wrong tokens from one client lock it out for a while (429). Every staff endpoint answers only under the service's own host names, and takes changes only from its own pages (403 otherwise)."
    ),
    paths(
        api::chat,
        api::feedback,
        callback::erase_own,
        callback::create,
        api::welcome,
        callback::widget_config,
        api::healthz,
        document,
        api::search,
        api::status,
        api::reindex,
        staff::report,
        staff::report_csv,
        staff::questions,
        staff::questions_csv,
        staff::erase_conversation,
        callback::list,
        callback::handled,
        metrics::scrape,
        staff::page,
        staff::questions_page,
        staff::login,
        staff::logout,
        staff::erase_form,
        pages::home,
        pages::privacy,
        pages::clinic_details,
        pages::article,
        pages::asset,
    ),
    components(responses(
        errors::BadRequest,
        errors::Unauthorized,
        errors::Forbidden,
        errors::NotFound,
        errors::SlowBody,
        errors::TooLarge,
        errors::NotJson,
        errors::RateLimited,
        errors::TooManyAttempts,
        errors::Busy,
        errors::Unavailable,
        html_page::Page,
        html_page::MissingPage,
        html_page::BadRequestPage,
        html_page::NotAFormPage,
        html_page::UnavailablePage,
        html_page::WrongTokenPage,
        html_page::LockedOutPage,
        html_page::SeeStaffPage,
    )),
    modifiers(&StaffSecurity),
    tags(
        (name = "visitors", description = "What the chat widget calls, from the clinic's pages"),
        (name = "staff", description = "The clinic's staff and their tools: needs the staff token"),
        (name = "staff pages", description = "The staff pages and their forms"),
        (name = "pages", description = "The demo site, the articles answers link to, the widget"),
        (name = "operators", description = "For whoever runs the service"),
    )
)]
pub struct ApiDoc;

/// The document as served: built once, on its first request.
static DOCUMENT: LazyLock<Vec<u8>> = LazyLock::new(|| {
    ApiDoc::openapi()
        .to_pretty_json()
        .expect("the API description is plain data")
        .into_bytes()
});

/// This API description, OpenAPI 3.1.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "operators",
    responses((status = 200, description = "This document", content_type = "application/json",
        body = inline(OpenApiDocument)))
)]
pub async fn document() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        DOCUMENT.as_slice(),
    )
        .into_response()
}

/// An OpenAPI document: see the OpenAPI Specification 3.1 for its fields.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // describes the document; never built
struct OpenApiDocument {
    /// `3.1.0`.
    openapi: String,
    #[schema(value_type = Object)]
    info: (),
    #[schema(value_type = Object)]
    paths: (),
    #[schema(value_type = Object)]
    components: (),
    #[schema(value_type = Vec<Object>)]
    tags: (),
}

/// The staff token as a bearer header, or the session cookie the sign-in form sets.
struct StaffSecurity;

impl Modify for StaffSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "staff_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The staff token (CLINIC_CHAT_STAFF_TOKEN): `Authorization: Bearer TOKEN`",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "staff_session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                STAFF_COOKIE,
                "The session the sign-in form (`POST /staff/login`) opens",
            ))),
        );
    }
}

/// The JSON errors' responses, each an `ErrorBody`. These types only describe.
pub mod errors {
    #![allow(dead_code)]

    use utoipa::ToResponse;

    use crate::http::error::ErrorBody;

    /// The request is malformed, or a field is missing or invalid: `error` says which (and, on a
    /// call-back request, `field`).
    #[derive(ToResponse)]
    pub struct BadRequest(#[to_schema] ErrorBody);

    /// A staff endpoint without a valid staff token or session.
    #[derive(ToResponse)]
    #[response(headers(("WWW-Authenticate" = String, description = "`Bearer`")))]
    pub struct Unauthorized(#[to_schema] ErrorBody);

    /// Refused: a staff endpoint reached from another machine while no staff token is
    /// configured, under a host name the service does not answer to, or a change sent by another
    /// site's page.
    #[derive(ToResponse)]
    pub struct Forbidden(#[to_schema] ErrorBody);

    /// Nothing has this id, or it has been erased.
    #[derive(ToResponse)]
    pub struct NotFound(#[to_schema] ErrorBody);

    /// The request's body did not arrive in time.
    #[derive(ToResponse)]
    pub struct SlowBody(#[to_schema] ErrorBody);

    /// The request's body is larger than 16 KiB.
    #[derive(ToResponse)]
    pub struct TooLarge(#[to_schema] ErrorBody);

    /// The request's body is not JSON (`Content-Type: application/json`).
    #[derive(ToResponse)]
    pub struct NotJson(#[to_schema] ErrorBody);

    /// Too many requests from this client: wait as long as `Retry-After` says.
    #[derive(ToResponse)]
    #[response(headers(("Retry-After" = u64, description = "Seconds to wait")))]
    pub struct RateLimited(#[to_schema] ErrorBody);

    /// Too many wrong staff tokens from this client: wait as long as `Retry-After` says.
    #[derive(ToResponse)]
    #[response(headers(("Retry-After" = u64, description = "Seconds to wait")))]
    pub struct TooManyAttempts(#[to_schema] ErrorBody);

    /// The service is busy, or the answer took too long: try again in a moment.
    #[derive(ToResponse)]
    pub struct Busy(#[to_schema] ErrorBody);

    /// The questions database cannot be used now: `error` says why.
    #[derive(ToResponse)]
    pub struct Unavailable(#[to_schema] ErrorBody);
}

/// The HTML pages' responses.
pub mod html_page {
    #![allow(dead_code)]

    use utoipa::ToResponse;

    /// The page.
    #[derive(ToResponse)]
    #[response(content_type = "text/html")]
    pub struct Page(String);

    /// The error page: no such page.
    #[derive(ToResponse)]
    #[response(content_type = "text/html")]
    pub struct MissingPage(String);

    /// The error page: a value in the address or the form is not one the page understands.
    #[derive(ToResponse)]
    #[response(content_type = "text/html")]
    pub struct BadRequestPage(String);

    /// The error page: the form was not sent as `application/x-www-form-urlencoded`.
    #[derive(ToResponse)]
    #[response(content_type = "text/html")]
    pub struct NotAFormPage(String);

    /// The error page: the questions database cannot be used now.
    #[derive(ToResponse)]
    #[response(content_type = "text/html")]
    pub struct UnavailablePage(String);

    /// The sign-in form again, saying the token was wrong.
    #[derive(ToResponse)]
    #[response(content_type = "text/html")]
    pub struct WrongTokenPage(String);

    /// The sign-in form, saying how long to wait after too many wrong tokens.
    #[derive(ToResponse)]
    #[response(
        content_type = "text/html",
        headers(("Retry-After" = u64, description = "Seconds to wait"))
    )]
    pub struct LockedOutPage(String);

    /// Done, or refused for want of a session: on to the staff page.
    #[derive(ToResponse)]
    #[response(headers(("Location" = String)))]
    pub struct SeeStaffPage;
}

/// The stored records staff read, as the staff endpoints send them: the store's own types,
/// converted field by field, so that a field added to or removed from one of them does not
/// compile until it is described here too.
pub mod stored {
    use std::collections::BTreeMap;

    use serde::Serialize;
    use utoipa::ToSchema;

    use crate::record::Kind;
    use crate::store;

    /// What visitors asked over the last `days` days.
    #[derive(Debug, Serialize, ToSchema)]
    pub struct Report {
        pub days: u32,
        /// Questions asked in all.
        pub questions: i64,
        /// Questions by the kind of reply: `answer`, `fallback`, `urgent`, `smalltalk`.
        pub by_kind: BTreeMap<String, i64>,
        /// Urgent replies by severity (`emergency`, `same_day`).
        pub urgent_by_severity: BTreeMap<String, i64>,
        /// The latest urgent messages, newest first, redacted.
        pub urgent: Vec<UrgentTurn>,
        /// Day by day, oldest first.
        pub per_day: Vec<Day>,
        /// Questions nothing in the articles answered, grouped by meaning, most asked first.
        pub unanswered: Vec<Unanswered>,
        pub feedback: FeedbackCounts,
        /// Replies visitors said did not help.
        pub unhelpful: Vec<Unhelpful>,
    }

    impl From<store::Report> for Report {
        fn from(report: store::Report) -> Report {
            let store::Report {
                days,
                questions,
                by_kind,
                urgent_by_severity,
                urgent,
                per_day,
                unanswered,
                feedback,
                unhelpful,
            } = report;
            Report {
                days,
                questions,
                by_kind,
                urgent_by_severity,
                urgent: urgent.into_iter().map(Into::into).collect(),
                per_day: per_day.into_iter().map(Into::into).collect(),
                unanswered: unanswered.into_iter().map(Into::into).collect(),
                feedback: feedback.into(),
                unhelpful: unhelpful.into_iter().map(Into::into).collect(),
            }
        }
    }

    /// An urgent message.
    #[derive(Debug, Serialize, ToSchema)]
    pub struct UrgentTurn {
        /// Seconds since the Unix epoch.
        pub at: i64,
        /// The same, as `YYYY-MM-DD HH:MM UTC`.
        pub time: String,
        pub question: String,
        /// `emergency` or `same_day`.
        pub severity: Option<String>,
        pub conversation_id: String,
    }

    impl From<store::UrgentTurn> for UrgentTurn {
        fn from(turn: store::UrgentTurn) -> UrgentTurn {
            let store::UrgentTurn {
                at,
                time,
                question,
                severity,
                conversation_id,
            } = turn;
            UrgentTurn {
                at,
                time,
                question,
                severity,
                conversation_id,
            }
        }
    }

    /// One day's questions.
    #[derive(Debug, Serialize, ToSchema)]
    pub struct Day {
        /// `YYYY-MM-DD`.
        pub day: String,
        pub questions: i64,
        pub answers: i64,
        pub fallbacks: i64,
        pub urgent: i64,
    }

    impl From<store::Day> for Day {
        fn from(day: store::Day) -> Day {
            let store::Day {
                day,
                questions,
                answers,
                fallbacks,
                urgent,
            } = day;
            Day {
                day,
                questions,
                answers,
                fallbacks,
                urgent,
            }
        }
    }

    /// A group of unanswered questions: read as the same treatment and intent, or worded alike.
    #[derive(Debug, Serialize, ToSchema)]
    pub struct Unanswered {
        /// The latest question of the group, as asked (redacted).
        pub question: String,
        pub count: i64,
        /// What the group asks, when read by meaning: "mesotherapy · how many sessions".
        #[serde(skip_serializing_if = "Option::is_none")]
        pub label: Option<String>,
        /// Its different wordings, latest first.
        pub examples: Vec<String>,
    }

    impl From<store::Unanswered> for Unanswered {
        fn from(group: store::Unanswered) -> Unanswered {
            let store::Unanswered {
                question,
                count,
                label,
                examples,
            } = group;
            Unanswered {
                question,
                count,
                label,
                examples,
            }
        }
    }

    /// Visitors' verdicts on replies.
    #[derive(Debug, Serialize, ToSchema)]
    pub struct FeedbackCounts {
        pub helpful: i64,
        pub not_helpful: i64,
    }

    impl From<store::FeedbackCounts> for FeedbackCounts {
        fn from(counts: store::FeedbackCounts) -> FeedbackCounts {
            let store::FeedbackCounts {
                helpful,
                not_helpful,
            } = counts;
            FeedbackCounts {
                helpful,
                not_helpful,
            }
        }
    }

    /// A reply a visitor said did not help.
    #[derive(Debug, Serialize, ToSchema)]
    pub struct Unhelpful {
        pub question: String,
        /// The passage the reply quoted first.
        pub source: Option<String>,
        /// What the visitor added.
        pub comment: Option<String>,
    }

    impl From<store::Unhelpful> for Unhelpful {
        fn from(unhelpful: store::Unhelpful) -> Unhelpful {
            let store::Unhelpful {
                question,
                source,
                comment,
            } = unhelpful;
            Unhelpful {
                question,
                source,
                comment,
            }
        }
    }

    /// A page of questions, newest first.
    #[derive(Debug, Serialize, ToSchema)]
    pub struct QuestionPage {
        /// From 1.
        pub page: u32,
        pub per_page: u32,
        /// Questions kept in all.
        pub total: i64,
        /// Pages there are.
        pub pages: u32,
        pub questions: Vec<Asked>,
    }

    impl From<store::QuestionPage> for QuestionPage {
        fn from(list: store::QuestionPage) -> QuestionPage {
            let store::QuestionPage {
                page,
                per_page,
                total,
                pages,
                questions,
            } = list;
            QuestionPage {
                page,
                per_page,
                total,
                pages,
                questions: questions.into_iter().map(Into::into).collect(),
            }
        }
    }

    /// One question as stored: personal details redacted.
    #[derive(Debug, Serialize, ToSchema)]
    pub struct Asked {
        /// Seconds since the Unix epoch.
        pub at: i64,
        /// The same, as `YYYY-MM-DD HH:MM UTC`.
        pub time: String,
        pub kind: Kind,
        pub question: String,
        /// The passage the reply quoted first, "article — section".
        pub top_source: Option<String>,
        /// On urgent replies: `emergency` or `same_day`.
        pub severity: Option<String>,
        pub conversation_id: String,
    }

    impl From<store::Asked> for Asked {
        fn from(asked: store::Asked) -> Asked {
            let store::Asked {
                at,
                time,
                kind,
                question,
                top_source,
                severity,
                conversation_id,
            } = asked;
            Asked {
                at,
                time,
                kind,
                question,
                top_source,
                severity,
                conversation_id,
            }
        }
    }

    /// A call-back request as staff see it: as the visitor gave it, nothing redacted.
    #[derive(Debug, Serialize, ToSchema)]
    pub struct Callback {
        pub id: String,
        pub name: String,
        pub phone: Option<String>,
        pub email: Option<String>,
        pub preferred_time: Option<String>,
        pub message: Option<String>,
        /// When it was sent, `YYYY-MM-DDTHH:MM:SSZ`.
        pub created: String,
        /// `new` or `handled`.
        pub status: String,
        pub conversation_id: Option<String>,
        pub delivery: Delivery,
    }

    impl From<store::Callback> for Callback {
        fn from(callback: store::Callback) -> Callback {
            let store::Callback {
                id,
                name,
                phone,
                email,
                preferred_time,
                message,
                created,
                status,
                conversation_id,
                delivery,
            } = callback;
            Callback {
                id,
                name,
                phone,
                email,
                preferred_time,
                message,
                created,
                status,
                conversation_id,
                delivery: delivery.into(),
            }
        }
    }

    /// How a request reached the clinic, per channel: `off` (not configured), `pending`,
    /// `delivered` or `failed`.
    #[derive(Debug, Serialize, ToSchema)]
    pub struct Delivery {
        pub webhook: String,
        pub webhook_attempts: i64,
        pub email: String,
    }

    impl From<store::Delivery> for Delivery {
        fn from(delivery: store::Delivery) -> Delivery {
            let store::Delivery {
                webhook,
                webhook_attempts,
                email,
            } = delivery;
            Delivery {
                webhook,
                webhook_attempts,
                email,
            }
        }
    }
}
