//! `/metrics` for Prometheus, behind the staff token: requests and their latency per route,
//! replies by kind, urgent replies by severity, records the recorder lost, and the index
//! generation being served. Written with `prometheus-client` in the OpenMetrics text format,
//! which Prometheus reads natively.
//!
//! A request pays a lookup of its route's counters (a read lock and a hash of the route
//! template, never of the raw path, so `/articles/{slug}` is one series and a scan of random
//! paths is one `unmatched` series), a few atomic increments and one histogram observation.
//! What the service knows anyway (the recorder's losses, the index) is read at scrape time.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock, RwLock};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, State};
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;
use tower::{Layer, Service};

use super::AppState;
use super::openapi::errors::{Forbidden, TooManyAttempts, Unauthorized};
use crate::answer::Library;
use crate::record::Kind;
use crate::store::Recorder;

/// The route label of requests no route matched (404s, scans).
const UNMATCHED: &str = "unmatched";
/// Latency buckets in seconds: a chat takes well under a millisecond of the server's time
/// when it is idle; the top buckets are a server in trouble.
const LATENCY_BUCKETS: [f64; 16] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];
/// Status classes counted: 1xx to 5xx.
const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteStatusLabels {
    route: String,
    status: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SeverityLabels {
    severity: &'static str,
}

/// One route's series, found once and kept; a status class's counter is made when the route
/// first answers with it, so the page lists no series that never moved.
pub struct RouteSeries {
    route: String,
    by_class: [OnceLock<Counter>; 5],
    latency: Histogram,
    requests: Family<RouteStatusLabels, Counter>,
}

impl RouteSeries {
    /// Counts a response of `status`, `latency` after the request arrived.
    fn answered(&self, status: StatusCode, latency: Duration) {
        let class = usize::from(status.as_u16() / 100).clamp(1, 5) - 1;
        self.by_class[class]
            .get_or_init(|| {
                let labels = RouteStatusLabels {
                    route: self.route.clone(),
                    status: CLASSES[class],
                };
                self.requests.get_or_create(&labels).clone()
            })
            .inc();
        self.latency.observe(latency.as_secs_f64());
    }
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RouteStatusLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    routes: RwLock<HashMap<Box<str>, Arc<RouteSeries>, foldhash::fast::RandomState>>,
    /// By [`Kind::ALL`]'s order.
    replies: [Counter; 4],
    emergency: Counter,
    same_day: Counter,
}

impl Metrics {
    pub fn new(recorder: Arc<Recorder>, index: Arc<Library>) -> Metrics {
        let mut registry = Registry::with_prefix("clinic_chat");
        let requests = Family::<RouteStatusLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template and status class",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(
            (|| Histogram::new(LATENCY_BUCKETS)) as fn() -> Histogram,
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its response, by route template",
            latency.clone(),
        );
        let by_kind = Family::<KindLabels, Counter>::default();
        registry.register(
            "replies",
            "Chat replies by kind: answer, fallback (the articles do not say), urgent, smalltalk",
            by_kind.clone(),
        );
        let urgent = Family::<SeverityLabels, Counter>::default();
        registry.register(
            "urgent_replies",
            "Urgent replies by severity: emergency or same_day",
            urgent.clone(),
        );
        registry.register_collector(Box::new(Live { recorder, index }));
        let kind = |k: Kind| {
            by_kind
                .get_or_create(&KindLabels { kind: k.as_str() })
                .clone()
        };
        let severity = |s: &'static str| {
            urgent
                .get_or_create(&SeverityLabels { severity: s })
                .clone()
        };
        Metrics {
            replies: Kind::ALL.map(kind),
            emergency: severity("emergency"),
            same_day: severity("same_day"),
            registry,
            requests,
            latency,
            routes: RwLock::default(),
        }
    }

    /// Counts a chat reply of `kind`, and its severity when urgent.
    pub fn reply(&self, kind: Kind, severity: Option<&str>) {
        let at = Kind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
        self.replies[at].inc();
        match severity {
            Some("emergency") => self.emergency.inc(),
            Some("same_day") => self.same_day.inc(),
            _ => 0,
        };
    }

    /// The series of `route`, made on its first request.
    fn route(&self, route: &str) -> Arc<RouteSeries> {
        if let Some(series) = self
            .routes
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(route)
        {
            return series.clone();
        }
        let series = Arc::new(RouteSeries {
            route: route.to_string(),
            by_class: Default::default(),
            requests: self.requests.clone(),
            latency: self
                .latency
                .get_or_create(&RouteLabels {
                    route: route.to_string(),
                })
                .clone(),
        });
        self.routes
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(route.into())
            .or_insert(series)
            .clone()
    }

    /// The text Prometheus scrapes.
    fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::with_capacity(16 * 1024);
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// The layer that counts each request under its route template and status class, and
/// observes its latency. Hand-written rather than `middleware::from_fn`, which boxes the
/// inner service and two futures for every request.
#[derive(Clone)]
pub struct Track {
    metrics: Arc<Metrics>,
}

impl Track {
    pub fn new(metrics: Arc<Metrics>) -> Track {
        Track { metrics }
    }
}

impl<S> Layer<S> for Track {
    type Service = Tracked<S>;

    fn layer(&self, inner: S) -> Tracked<S> {
        Tracked {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Tracked<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

impl<S, B> Service<Request<B>> for Tracked<S>
where
    S: Service<Request<B>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Timed<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Timed<S::Future> {
        let started = Instant::now();
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map_or(UNMATCHED, |m| m.as_str());
        let series = self.metrics.route(route);
        Timed {
            inner: self.inner.call(request),
            series,
            started,
        }
    }
}

pin_project! {
    /// A request's response on its way, and where to count it.
    pub struct Timed<F> {
        #[pin]
        inner: F,
        series: Arc<RouteSeries>,
        started: Instant,
    }
}

impl<F, E> Future for Timed<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        if let Ok(response) = &result {
            this.series
                .answered(response.status(), this.started.elapsed());
        }
        Poll::Ready(result)
    }
}

/// The service's counters for Prometheus, in the OpenMetrics text format.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operators",
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "Requests and latency by route, replies by kind, urgent \
            replies by severity, records lost, the index served", content_type = CONTENT_TYPE,
            body = String),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 429, response = TooManyAttempts),
    )
)]
pub async fn scrape(State(state): State<AppState>) -> Response {
    match state.metrics.encode() {
        Ok(text) => (
            [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
            text,
        )
            .into_response(),
        Err(_) => {
            tracing::error!("could not write the metrics");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// What is read at scrape time: the recorder's losses and the index being served.
struct Live {
    recorder: Arc<Recorder>,
    index: Arc<Library>,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Live")
    }
}

impl Collector for Live {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let mut counter = |name: &str, help: &str, value: u64| {
            let metric = ConstCounter::new(value);
            metric.encode(encoder.encode_descriptor(name, help, None, metric.metric_type())?)
        };
        counter(
            "recorder_dropped",
            "Records of questions or feedback lost: the database failed, the queue was full, or the file was replaced",
            self.recorder.dropped(),
        )?;
        let generation = self.index.generation();
        let manifest = &generation.manifest;
        let name = generation
            .dir
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let info = Info::new(vec![("generation", name)]);
        info.encode(encoder.encode_descriptor(
            "index_generation",
            "The index generation being served (its folder's name)",
            None,
            info.metric_type(),
        )?)?;
        let passages = manifest.articles.iter().map(|a| a.passages).sum::<usize>();
        let build = ConstGauge::new(manifest.build_ms as f64 / 1000.0);
        build.encode(encoder.encode_descriptor(
            "index_build_duration_seconds",
            "How long building the index generation being served took",
            None,
            build.metric_type(),
        )?)?;
        let whole = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        let gauges = [
            (
                "index_built_timestamp_seconds",
                "When the index generation being served was built, in Unix seconds",
                whole(manifest.built_at),
            ),
            (
                "index_articles",
                "Articles in the index being served",
                whole(manifest.articles.len() as u64),
            ),
            (
                "index_passages",
                "Passages in the index being served",
                whole(passages as u64),
            ),
            (
                "index_reindex_failed",
                "1 when the last reindex failed and answers come from the generation before it",
                i64::from(self.index.failure().is_some()),
            ),
        ];
        for (name, help, value) in gauges {
            let gauge = ConstGauge::new(value);
            gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)?;
        }
        Ok(())
    }
}
