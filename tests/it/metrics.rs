//! `/metrics` as Prometheus reads it: parsed with a Prometheus text-format parser, behind the
//! staff token, its counters moving by exactly what was sent.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use openmetrics_parser::{
    HistogramValue, MetricsExposition, OpenMetricsType, OpenMetricsValue, Sample,
};

use crate::app::{App, SHIPPED, spawn_with};

const TOKEN: &str = "metrics-test-token-0123456789abcdef";

type Exposition = MetricsExposition<OpenMetricsType, OpenMetricsValue>;

/// `/metrics` with the staff token, parsed by a parser that holds to the OpenMetrics grammar.
async fn scrape(app: &App) -> Exposition {
    let response = app
        .client
        .get(format!("{}/metrics", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let kind = response.headers()[reqwest::header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    let text = response.text().await.unwrap();
    openmetrics_parser::openmetrics::parse_openmetrics(&text)
        .unwrap_or_else(|err| panic!("{err:?} in\n{text}"))
}

/// The samples of `family` whose labels include `labels`.
fn samples<'a>(
    exposition: &'a Exposition,
    family: &str,
    labels: &[(&str, &str)],
) -> Vec<&'a Sample<OpenMetricsValue>> {
    let Some(family) = exposition.families.get(family) else {
        return Vec::new();
    };
    family
        .iter_samples()
        .filter(|s| {
            let set = s.get_labelset().unwrap();
            labels
                .iter()
                .all(|(k, v)| set.get_label_value(k) == Some(*v))
        })
        .collect()
}

/// The value of the one sample of `family` with `labels`; 0 when there is none yet (a series
/// appears when it first moves).
fn value(exposition: &Exposition, family: &str, labels: &[(&str, &str)]) -> f64 {
    let found = samples(exposition, family, labels);
    assert!(found.len() <= 1, "one series for {family} {labels:?}");
    found.first().map_or(0.0, |s| match &s.value {
        OpenMetricsValue::Counter(c) => c.value.as_f64(),
        OpenMetricsValue::Gauge(n) | OpenMetricsValue::Unknown(n) => n.as_f64(),
        other => panic!("{family} is not a number: {other:?}"),
    })
}

/// The one histogram of `family` with `labels`, when it has appeared.
fn histogram(
    exposition: &Exposition,
    family: &str,
    labels: &[(&str, &str)],
) -> Option<HistogramValue> {
    match samples(exposition, family, labels).as_slice() {
        [] => None,
        [one] => match &one.value {
            OpenMetricsValue::Histogram(h) => Some(h.clone()),
            other => panic!("{family} is not a histogram: {other:?}"),
        },
        found => panic!("{} series for {family} {labels:?}", found.len()),
    }
}

#[tokio::test]
async fn metrics_need_the_staff_token() {
    let app = spawn_with(&[SHIPPED], |c| c.staff_token = Some(TOKEN.into())).await;
    let bare = app.get("/metrics").await;
    assert_eq!(bare.status(), 401);
    let wrong = app
        .client
        .get(format!("{}/metrics", app.base))
        .bearer_auth("not-the-token-not-the-token-not-the-token")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(!wrong.text().await.unwrap().contains("clinic_chat_"));
}

#[tokio::test]
async fn counters_move_by_exactly_the_requests_and_replies_sent() {
    let app = spawn_with(&[SHIPPED], |c| c.staff_token = Some(TOKEN.into())).await;
    let before = scrape(&app).await;
    let messages = [
        "How many sessions for cellulite?",
        "Does mesotherapy hurt?",
        "opening hours please",
        "hello",
        "my throat is swelling after fillers",
    ];
    let mut kinds: HashMap<String, f64> = HashMap::new();
    let mut severities: HashMap<String, f64> = HashMap::new();
    for message in messages {
        let reply = app.ask(message).await;
        *kinds
            .entry(reply["kind"].as_str().unwrap().into())
            .or_default() += 1.0;
        if let Some(severity) = reply["severity"].as_str() {
            *severities.entry(severity.into()).or_default() += 1.0;
        }
    }
    for kind in ["answer", "fallback", "urgent", "smalltalk"] {
        assert!(
            kinds.contains_key(kind),
            "the messages give every kind: {kinds:?}"
        );
    }
    assert_eq!(
        app.get("/articles/mesotherapy-for-flawless-skin")
            .await
            .status(),
        200
    );
    assert_eq!(app.get("/articles/no-such-article").await.status(), 404);
    assert_eq!(app.get("/no/such/page").await.status(), 404);
    let after = scrape(&app).await;

    let moved = |metric: &str, labels: &[(&str, &str)]| {
        value(&after, metric, labels) - value(&before, metric, labels)
    };
    for (kind, sent) in &kinds {
        assert_eq!(
            moved("clinic_chat_replies", &[("kind", kind)]),
            *sent,
            "{kind}"
        );
    }
    for (severity, sent) in &severities {
        assert_eq!(
            moved("clinic_chat_urgent_replies", &[("severity", severity)]),
            *sent,
            "{severity}"
        );
    }
    let requests = "clinic_chat_http_requests";
    assert_eq!(
        moved(requests, &[("route", "/api/chat"), ("status", "2xx")]),
        5.0
    );
    let article = ("route", "/articles/{slug}");
    assert_eq!(moved(requests, &[article, ("status", "2xx")]), 1.0);
    assert_eq!(moved(requests, &[article, ("status", "4xx")]), 1.0);
    assert_eq!(
        moved(requests, &[("route", "unmatched"), ("status", "4xx")]),
        1.0
    );
    let latency = "clinic_chat_http_request_duration_seconds";
    let chat = [("route", "/api/chat")];
    assert!(
        histogram(&before, latency, &chat).is_none(),
        "a route's series appears with its first request"
    );
    let is = histogram(&after, latency, &chat).expect("the chat's latency");
    assert_eq!(is.count, Some(5));
    assert!(is.sum.unwrap().as_f64() > 0.0);
    assert!(is.buckets.len() > 10, "latency buckets");
    let slowest = is
        .buckets
        .iter()
        .map(|b| b.count.as_f64())
        .fold(0.0, f64::max);
    assert_eq!(
        slowest,
        is.count.unwrap() as f64,
        "every request in the top bucket"
    );
    let routes: Vec<String> = after.families[requests]
        .iter_samples()
        .filter_map(|s| {
            s.get_labelset()
                .ok()?
                .get_label_value("route")
                .map(String::from)
        })
        .collect();
    assert!(
        routes
            .iter()
            .all(|r| !r.contains("mesotherapy-for") && !r.contains("no/such")),
        "routes are labelled by their template, never by the raw path: {routes:?}"
    );
    assert_eq!(value(&after, "clinic_chat_recorder_dropped", &[]), 0.0);
}

#[tokio::test]
async fn the_index_generation_and_its_build_show_and_change_with_a_reindex() {
    let app = spawn_with(&[SHIPPED], |c| c.staff_token = Some(TOKEN.into())).await;
    let generation = |exposition: &Exposition| {
        let info = samples(exposition, "clinic_chat_index_generation", &[]);
        assert_eq!(info.len(), 1, "one generation served");
        let labels = info[0].get_labelset().unwrap();
        labels.get_label_value("generation").unwrap().to_string()
    };
    let first = scrape(&app).await;
    assert_eq!(value(&first, "clinic_chat_index_articles", &[]), 1.0);
    assert!(value(&first, "clinic_chat_index_passages", &[]) > 10.0);
    assert!(value(&first, "clinic_chat_index_built_timestamp_seconds", &[]) > 1.7e9);
    assert!(value(&first, "clinic_chat_index_build_duration_seconds", &[]) >= 0.0);
    assert_eq!(value(&first, "clinic_chat_index_reindex_failed", &[]), 0.0);
    let reindex = app
        .client
        .post(format!("{}/api/admin/reindex", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(reindex.status(), 200);
    let second = scrape(&app).await;
    assert_ne!(generation(&first), generation(&second));
}

/// Records the recorder could not write are counted, one for each question asked.
#[tokio::test]
async fn questions_the_database_could_not_take_are_counted_as_dropped() {
    let blocker = tempfile::NamedTempFile::new().unwrap();
    let app = spawn_with(&[SHIPPED], |c| {
        c.staff_token = Some(TOKEN.into());
        c.data = blocker.path().join("data");
    })
    .await;
    for message in ["How many sessions for cellulite?", "hello", "Does it hurt?"] {
        app.ask(message).await;
    }
    // The recorder writes in the background: wait for its three failures, boundedly.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut dropped = 0.0;
    while Instant::now() < deadline {
        dropped = value(&scrape(&app).await, "clinic_chat_recorder_dropped", &[]);
        if dropped >= 3.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(dropped, 3.0);
}
