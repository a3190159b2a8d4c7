//! The HTML pages (askama): the demo clinic home page with the widget on it, each article with
//! every section anchored, the privacy notice the widget links to by default, and the 404
//! page; plus the widget's and pages' static files.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::ApiError;
use super::html::{ErrorPage, failed, render};
use super::openapi::errors::NotFound;
use super::openapi::html_page;
use crate::index::{ArticleSummary, StoredPassage};

const WIDGET_JS: &str = include_str!("../../static/widget.js");
const SITE_CSS: &str = include_str!("../../static/site.css");

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    clinic: &'a str,
    articles: &'a [ArticleSummary],
}

#[derive(Template)]
#[template(path = "article.html")]
struct ArticlePage<'a> {
    clinic: &'a str,
    title: &'a str,
    url: Option<&'a str>,
    date: Option<&'a str>,
    sections: Vec<SectionView>,
}

struct SectionView {
    heading: String,
    anchor: String,
    intro: bool,
    blocks: Vec<BlockView>,
}

/// A paragraph, or a run of list items shown as one list.
struct BlockView {
    list: bool,
    texts: Vec<String>,
}

/// A demo page of the clinic's site with the chat widget on it, listing the articles.
#[utoipa::path(
    get,
    path = "/",
    tag = "pages",
    responses((status = 200, response = html_page::Page))
)]
pub async fn home(State(state): State<AppState>) -> Response {
    let generation = state.index.generation();
    let clinic = &state.answerer.settings().contact.name;
    render(
        &HomePage {
            clinic,
            articles: &generation.manifest.articles,
        },
        StatusCode::OK,
        clinic,
    )
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct PrivacyPage<'a> {
    clinic: &'a str,
    retention_days: u32,
}

#[derive(Template)]
#[template(path = "clinic.html")]
struct ClinicPage<'a> {
    clinic: &'a str,
    week: Vec<String>,
    address: Option<&'a str>,
    travel: Option<&'a str>,
    parking: Option<&'a str>,
    consultation: Option<&'a str>,
    accessibility: Option<&'a str>,
    treatments: &'a [String],
    booking_url: &'a str,
    phone: &'a str,
    phone_digits: String,
    email: &'a str,
}

/// The clinic's own facts from `clinic.toml`, each anchored: where answers about hours,
/// parking or booking link to. Without the file there is no such page.
#[utoipa::path(
    get,
    path = "/clinic",
    tag = "pages",
    responses(
        (status = 200, response = html_page::Page),
        (status = 404, response = html_page::MissingPage),
    )
)]
pub async fn clinic_details(State(state): State<AppState>) -> Response {
    let settings = state.answerer.settings();
    let contact = &settings.contact;
    let Some(facts) = settings.clinic.as_deref() else {
        return page_not_found(&contact.name);
    };
    let page = ClinicPage {
        clinic: &contact.name,
        week: facts.week(),
        address: facts.address.as_deref(),
        travel: facts.travel.as_deref(),
        parking: facts.parking.as_deref(),
        consultation: facts.consultation.as_deref(),
        accessibility: facts.accessibility.as_deref(),
        treatments: &facts.treatments,
        booking_url: &contact.booking_url,
        phone: &contact.phone,
        phone_digits: contact
            .phone
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect(),
        email: &contact.email,
    };
    render(&page, StatusCode::OK, &contact.name)
}

/// What the chat keeps and for how long: the default privacy notice (a clinic links its own
/// with CLINIC_CHAT_PRIVACY_URL).
#[utoipa::path(
    get,
    path = "/privacy",
    tag = "pages",
    responses((status = 200, response = html_page::Page))
)]
pub async fn privacy(State(state): State<AppState>) -> Response {
    let clinic = &state.answerer.settings().contact.name;
    let page = PrivacyPage {
        clinic,
        retention_days: state.retention_days,
    };
    render(&page, StatusCode::OK, clinic)
}

/// An article rendered from the corpus, each section with an `id` anchor: where answers'
/// sources link to.
#[utoipa::path(
    get,
    path = "/articles/{slug}",
    tag = "pages",
    params(("slug" = String, Path, example = "mesotherapy-for-flawless-skin",
        description = "The article's name: its file name without the extension")),
    responses(
        (status = 200, response = html_page::Page),
        (status = 404, response = html_page::MissingPage),
    )
)]
pub async fn article(State(state): State<AppState>, Path(slug): Path<String>) -> Response {
    let generation = state.index.generation();
    let clinic = state.answerer.settings().contact.name.clone();
    let Some(summary) = generation.summary(&slug).cloned() else {
        return page_not_found(&clinic);
    };
    let lookup = tokio::task::spawn_blocking(move || generation.article_passages(&slug)).await;
    match lookup {
        Ok(Ok(Some(passages))) => {
            let page = ArticlePage {
                clinic: &clinic,
                title: &summary.title,
                url: summary.url.as_deref(),
                date: summary.date.as_deref(),
                sections: sections(passages),
            };
            render(&page, StatusCode::OK, &clinic)
        }
        Ok(Ok(None)) => page_not_found(&clinic),
        Ok(Err(err)) => failed(&clinic, err.into()),
        Err(err) => failed(&clinic, err.into()),
    }
}

fn sections(passages: Vec<StoredPassage>) -> Vec<SectionView> {
    let mut sections: Vec<SectionView> = Vec::new();
    for passage in passages {
        if sections.last().is_none_or(|s| s.anchor != passage.anchor) {
            sections.push(SectionView {
                intro: passage.section_ord == 0 && passage.heading == passage.title,
                heading: passage.heading.clone(),
                anchor: passage.anchor.clone(),
                blocks: Vec::new(),
            });
        }
        if passage.text.is_empty() {
            continue;
        }
        let blocks = &mut sections.last_mut().expect("pushed above").blocks;
        match blocks.last_mut() {
            Some(block) if block.list && passage.item => block.texts.push(passage.text),
            _ => blocks.push(BlockView {
                list: passage.item,
                texts: vec![passage.text],
            }),
        }
    }
    sections
}

/// The widget (`widget.js`, which a site embeds with one `<script>` tag) and the pages'
/// style sheet (`site.css`).
#[utoipa::path(
    get,
    path = "/static/{file}",
    tag = "pages",
    params(("file" = String, Path, example = "widget.js",
        description = "`widget.js` or `site.css`")),
    responses(
        (status = 200, description = "The file", content(
            (String = "text/javascript"),
            (String = "text/css"),
        )),
        (status = 404, response = NotFound),
    )
)]
pub async fn asset(Path(file): Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "widget.js" => (WIDGET_JS, "text/javascript; charset=utf-8"),
        "site.css" => (SITE_CSS, "text/css; charset=utf-8"),
        _ => return ApiError::NotFound.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

pub async fn not_found(State(state): State<AppState>, uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return ApiError::NotFound.into_response();
    }
    page_not_found(&state.answerer.settings().contact.name)
}

fn page_not_found(clinic: &str) -> Response {
    let page = ErrorPage {
        clinic,
        title: "Page not found",
        message: "We couldn't find that page. It may have moved, or the link may be mistyped.",
    };
    render(&page, StatusCode::NOT_FOUND, clinic)
}
