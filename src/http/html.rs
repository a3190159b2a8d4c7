//! Rendering the HTML pages, the site's and the staff's, in one way: a template becomes a
//! page with its status, and a page that fails becomes the error page with a 500. A page
//! never answers with the API's JSON; the cause of a failure is logged once, as for the API.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

#[derive(Template)]
#[template(path = "error.html")]
pub(super) struct ErrorPage<'a> {
    pub clinic: &'a str,
    pub title: &'a str,
    pub message: &'a str,
}

/// `template` as a page answered with `status`; the error page if it cannot be rendered.
pub(super) fn render(template: &impl Template, status: StatusCode, clinic: &str) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(err) => failed(clinic, err.into()),
    }
}

/// The 500 for a page: the visitor is told only that it failed, and where to go on.
pub(super) fn failed(clinic: &str, cause: anyhow::Error) -> Response {
    tracing::error!("internal error: {cause:#}");
    let page = ErrorPage {
        clinic,
        title: "Something went wrong",
        message: "Something went wrong on our side. Please try again in a moment.",
    };
    // The error page has nothing in it that can fail to render, but a 500 must not panic.
    let html = page.render().unwrap_or_else(|_| FAILED.to_string());
    (StatusCode::INTERNAL_SERVER_ERROR, Html(html)).into_response()
}

const FAILED: &str = "<!doctype html><title>Something went wrong</title><p>Something went wrong on our side. Please try again in a moment.</p>";

#[cfg(test)]
mod tests {
    use std::fmt;

    use axum::http::header;

    use super::*;

    /// A value whose text cannot be written, as when a field's `Display` fails.
    struct Unwritable;

    impl fmt::Display for Unwritable {
        fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
            Err(fmt::Error)
        }
    }

    #[derive(Template)]
    #[template(source = "<p>{{ value }}</p>", ext = "html")]
    struct Broken {
        value: Unwritable,
    }

    #[tokio::test]
    async fn a_page_that_cannot_be_rendered_answers_with_the_error_page_not_json() {
        let response = render(
            &Broken { value: Unwritable },
            StatusCode::OK,
            "Quokka Clinic",
        );
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let kind = response.headers()[header::CONTENT_TYPE].to_str().unwrap();
        assert!(kind.starts_with("text/html"), "{kind}");
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let html = String::from_utf8(body.to_vec()).unwrap();
        assert!(html.contains("Something went wrong on our side"), "{html}");
        assert!(
            html.contains("Quokka Clinic"),
            "the page keeps the site's frame"
        );
        assert!(html.contains("href=\"/\""), "a way back to the home page");
    }
}
