//! The contract's shapes and promises: replies, source links that land on the passage, pages.

use serde_json::{Value, json};

use crate::app::{FIXTURES, SHIPPED, spawn_app};

#[tokio::test]
async fn a_chat_reply_has_the_contracts_shape() {
    let app = spawn_app(&[SHIPPED]).await;
    let reply = app.ask("How many sessions do I need for hair loss?").await;
    assert_eq!(reply["kind"], "answer");
    assert!(reply["answer"].as_str().unwrap().contains("6-8"), "{reply}");
    let source = &reply["sources"][0];
    for key in ["title", "section", "url", "snippet"] {
        assert!(
            source[key].as_str().is_some_and(|s| !s.is_empty()),
            "source lacks {key}: {reply}"
        );
    }
    assert_eq!(
        source["url"],
        "/articles/mesotherapy-for-flawless-skin#mesotherapy-for-hair-loss-treatment-and-hair-restoration"
    );
    assert!(reply["suggestions"].as_array().unwrap().len() >= 2);
    assert!(reply["conversation_id"].as_str().unwrap().starts_with("c_"));
    assert!(reply["answer_id"].as_str().is_some_and(|s| !s.is_empty()));
}

#[tokio::test]
async fn a_given_conversation_id_is_echoed() {
    let app = spawn_app(&[SHIPPED]).await;
    let (_, reply) = app
        .chat(json!({"message": "Does it hurt?", "conversation_id": "visitor-42"}))
        .await;
    assert_eq!(reply["conversation_id"], "visitor-42");
}

#[tokio::test]
async fn an_id_no_conversation_can_have_starts_a_new_one_and_the_question_is_answered() {
    let app = spawn_app(&[SHIPPED]).await;
    for odd in ["", "has space", &"x".repeat(65)] {
        let (status, reply) = app
            .chat(json!({"message": "How many sessions for hair loss?", "conversation_id": odd}))
            .await;
        assert_eq!(status, 200, "{odd:?}: {reply}");
        assert!(reply["answer"].as_str().unwrap().contains("6-8"), "{reply}");
        let id = reply["conversation_id"].as_str().unwrap();
        assert!(id.starts_with("c_") && id.len() == 34, "{odd:?} gave {id}");
    }
}

#[tokio::test]
async fn every_source_link_opens_a_page_holding_the_passage() {
    let app = spawn_app(&[SHIPPED, FIXTURES[0], FIXTURES[2]]).await;
    let questions = [
        "What is the downtime?",
        "How many sessions will I need?",
        "Can I have mesotherapy while pregnant?",
        "How long do dermal fillers last in the lips?",
        "Does microneedling hurt?",
    ];
    for question in questions {
        let reply = app.ask(question).await;
        for source in reply["sources"].as_array().unwrap() {
            let url = source["url"].as_str().unwrap();
            if !url.starts_with('/') {
                continue;
            }
            let (path, anchor) = url.split_once('#').expect("links carry a section anchor");
            let page = app.get(path).await;
            assert_eq!(page.status(), 200, "{url}");
            let html = page
                .text()
                .await
                .unwrap()
                .replace("&#39;", "'")
                .replace("&quot;", "\"")
                .replace("&amp;", "&");
            assert!(
                html.contains(&format!("id=\"{anchor}\"")),
                "{url} has no section {anchor}"
            );
            let snippet = source["snippet"].as_str().unwrap();
            let words = snippet
                .split_whitespace()
                .take(4)
                .collect::<Vec<_>>()
                .join(" ");
            assert!(html.contains(&words), "{url} does not show {words:?}");
        }
    }
}

#[tokio::test]
async fn an_article_with_its_own_url_links_there_with_a_text_fragment() {
    let app = spawn_app(&[FIXTURES[0]]).await;
    let reply = app
        .ask("How many microneedling sessions for acne scars?")
        .await;
    let url = reply["sources"][0]["url"].as_str().unwrap();
    assert!(
        url.starts_with("https://www.clinic.example/blog/microneedling-for-acne-scars#"),
        "{url}"
    );
    assert!(url.contains(":~:text="), "{url}");
}

#[tokio::test]
async fn article_pages_anchor_every_section_and_mark_the_linked_one() {
    let app = spawn_app(&[SHIPPED]).await;
    let html = app
        .get("/articles/mesotherapy-for-flawless-skin")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(html.matches("<section id=\"").count(), 10);
    assert!(html.contains("id=\"how-to-prepare-for-a-mesotherapy-treatment-session\""));
    let css = app.get("/static/site.css").await.text().await.unwrap();
    assert!(css.contains(":target"), "the linked section is highlighted");
}

#[tokio::test]
async fn the_home_page_lists_the_articles_and_embeds_the_widget() {
    let app = spawn_app(&[SHIPPED, FIXTURES[1]]).await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("object-src 'none'") && !csp.contains("script-src 'self' 'unsafe-inline'")
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("/articles/mesotherapy-for-flawless-skin"));
    assert!(html.contains("/articles/chemical-peels-explained"));
    assert!(html.contains("<script src=\"/static/widget.js\""));
    assert_eq!(app.get("/static/widget.js").await.status(), 200);
}

#[tokio::test]
async fn unknown_pages_get_a_friendly_404_and_unknown_api_routes_json() {
    let app = spawn_app(&[SHIPPED]).await;
    let page = app.get("/articles/no-such-article").await;
    assert_eq!(page.status(), 404);
    assert!(page.text().await.unwrap().contains("find that page"));
    let api = app.get("/api/nothing-here").await;
    assert_eq!(api.status(), 404);
    let body: Value = api.json().await.unwrap();
    assert!(body["error"].is_string());
}

#[tokio::test]
async fn staff_search_returns_ranked_passages() {
    let app = spawn_app(&[SHIPPED]).await;
    let body: Value = app
        .get("/api/search?q=downtime&limit=3")
        .await
        .json()
        .await
        .unwrap();
    let hits = body["hits"].as_array().unwrap();
    assert!(!hits.is_empty() && hits.len() <= 3);
    assert!(
        hits[0]["text"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("downtime")
    );
    let scores: Vec<f64> = hits.iter().map(|h| h["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
}

#[tokio::test]
async fn staff_endpoints_need_the_token_when_one_is_set() {
    let app = crate::app::spawn_with(&[SHIPPED], |c| c.staff_token = Some("s3cret".into())).await;
    assert_eq!(app.get("/api/search?q=downtime").await.status(), 401);
    let allowed = app
        .client
        .get(format!("{}/api/admin/status", app.base))
        .bearer_auth("s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), 200);
    let status: Value = allowed.json().await.unwrap();
    assert_eq!(status["articles"], 1);
    assert_eq!(status["passages"], 35);
}
