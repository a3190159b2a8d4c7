//! HTTP: `router(state)` builds the routes and layers without I/O; `run(listener, state,
//! shutdown)` serves it (see `serve` for the connections) until `shutdown` completes,
//! finishing the requests in flight. Tests go through `run`, on `127.0.0.1:0` with their own
//! shutdown, not the bare router: staff access is decided by the peer's address, which
//! `serve` gives each request.

pub mod access;
mod api;
mod callback;
pub mod error;
pub mod guard;
mod html;
mod intake;
pub mod metrics;
mod openapi;
mod pages;
mod serve;
mod session;
mod staff;
mod tripwire;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware;
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower::util::MapRequestLayer;
use tower_http::LatencyUnit;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::answer::{Answerer, Library};
use crate::callback::Outbox;
use crate::config::Config;
use crate::store::Recorder;
use access::StaffAccess;
use error::ApiError;
use guard::Limiter;
use tripwire::Tripwires;

/// Request bodies larger than this get 413.
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// Chat requests answered at once; more are shed with a quick 503 instead of queueing.
const MAX_CONCURRENT: usize = 256;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a shutdown waits for open requests; longer than a chat may take.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(15);
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'; form-action 'self'";

/// The service's shared state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub answerer: Arc<Answerer>,
    /// The index and its current snapshot; the answerer reads the same handle.
    pub index: Arc<Library>,
    pub limiter: Arc<Limiter>,
    pub staff: Arc<StaffAccess>,
    pub allowed_origins: Arc<[String]>,
    pub log_questions: bool,
    pub recorder: Arc<Recorder>,
    /// How long a client may take over a request's head or body, or idle between requests.
    pub client_timeout: Duration,
    /// The per-client limit on call-back requests: stricter than the chat's.
    pub callback_limiter: Arc<Limiter>,
    /// Sends stored call-back requests on to the clinic.
    pub outbox: Arc<Outbox>,
    /// The clinic's privacy notice, for the widget.
    pub privacy_url: Arc<str>,
    /// Days questions and call-back requests are kept, for the widget's privacy line.
    pub retention_days: u32,
    /// Settings that requests show to be missing, logged once each.
    pub tripwires: Arc<Tripwires>,
    /// What `/metrics` reports.
    pub metrics: Arc<metrics::Metrics>,
}

impl AppState {
    pub fn new(answerer: Arc<Answerer>, config: Config) -> AppState {
        let recorder = Arc::new(Recorder::start(&config.data, config.retention_days));
        let index = answerer.index().clone();
        AppState {
            index: index.clone(),
            answerer,
            client_timeout: config.client_timeout(),
            limiter: Arc::new(Limiter::new(
                config.rate_per_minute,
                config.trusted_proxies.clone(),
            )),
            staff: Arc::new(StaffAccess::new(&config)),
            allowed_origins: config
                .allowed_origins
                .iter()
                .map(|o| o.trim().trim_end_matches('/').to_string())
                .collect(),
            log_questions: config.log_questions,
            callback_limiter: Arc::new(Limiter::per_hour(
                config.callbacks_per_hour,
                config.trusted_proxies.clone(),
            )),
            outbox: Arc::new(outbox(&config, recorder.store().clone())),
            privacy_url: config.privacy_url.trim().into(),
            retention_days: config.retention_days,
            tripwires: Arc::new(Tripwires::new(&config.trusted_proxies)),
            metrics: Arc::new(metrics::Metrics::new(recorder.clone(), index.clone())),
            recorder,
        }
    }
}

/// The outbox for the configured channels. `serve` checks the settings before it starts, so a
/// channel that cannot be set up here is only logged (tests and tools build state directly).
fn outbox(config: &Config, store: Arc<crate::store::Store>) -> Outbox {
    let (webhook, mailer) = config.callback_channels().unwrap_or_else(|err| {
        tracing::error!("call-back requests are stored but not sent on: {err:#}");
        (None, None)
    });
    Outbox::new(
        webhook,
        mailer,
        store,
        config.clinic_name.clone(),
        Duration::from_millis(config.callback_retry_ms),
    )
}

pub fn router(state: AppState) -> Router {
    // A chat slot is taken only once the body is in (`intake::read_body`, around the whole
    // router) and the client passed its limits (the route layers, outside the slots).
    // Feedback is limited per client like chat: one vote is cheap to send, many are a flood.
    let chat = Router::new()
        .route(
            "/api/chat",
            post(api::chat).layer(
                ServiceBuilder::new()
                    .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
                        ApiError::Busy
                    }))
                    .load_shed()
                    .concurrency_limit(MAX_CONCURRENT)
                    .timeout(REQUEST_TIMEOUT),
            ),
        )
        .route("/api/feedback", post(api::feedback))
        .route(
            "/api/conversations/{id}",
            axum::routing::delete(callback::erase_own),
        );
    // With limits off (CLINIC_CHAT_RATE_PER_MINUTE=0) there is nothing to check per request.
    let chat = if state.limiter.is_enabled() {
        chat.route_layer(middleware::from_fn_with_state(
            intake::ChatGate::new(state.limiter.clone()),
            intake::few_slots_per_client,
        ))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            guard::rate_limit,
        ))
    } else {
        chat
    };
    // Call-back requests have their own, stricter allowance: each one is a person's details
    // stored and sent to the clinic.
    let callbacks = Router::new().route("/api/callback", post(callback::create));
    let callbacks = if state.callback_limiter.is_enabled() {
        callbacks.route_layer(middleware::from_fn_with_state(
            state.callback_limiter.clone(),
            guard::limit_with,
        ))
    } else {
        callbacks
    };
    let staff = Router::new()
        .route("/api/search", get(api::search))
        .route("/api/admin/status", get(api::status))
        .route("/api/admin/reindex", post(api::reindex))
        .route("/api/staff/report", get(staff::report))
        .route("/api/staff/report.csv", get(staff::report_csv))
        .route("/api/staff/questions", get(staff::questions))
        .route("/api/staff/questions.csv", get(staff::questions_csv))
        .route(
            "/api/staff/conversations/{id}",
            axum::routing::delete(staff::erase_conversation),
        )
        .route("/api/staff/callbacks", get(callback::list))
        .route("/api/staff/callbacks/{id}/handled", post(callback::handled))
        .route("/metrics", get(metrics::scrape))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            access::staff_only,
        ))
        // The page and the sign-in check the token themselves, to offer the form.
        .route("/staff", get(staff::page))
        .route("/staff/questions", get(staff::questions_page))
        .route("/staff/login", post(staff::login))
        .route("/staff/logout", post(staff::logout))
        .route("/staff/erase", post(staff::erase_form))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            access::staff_site,
        ));
    let public = Router::new()
        .route("/healthz", get(api::healthz))
        .route("/api/welcome", get(api::welcome))
        .route("/api/widget-config", get(callback::widget_config))
        .route("/api/openapi.json", get(openapi::document))
        .route("/privacy", get(pages::privacy))
        .route("/clinic", get(pages::clinic_details))
        .route("/", get(pages::home))
        .route("/articles/{slug}", get(pages::article))
        .route("/static/{file}", get(pages::asset));
    Router::new()
        .merge(chat)
        .merge(callbacks)
        .merge(staff)
        .merge(public)
        .fallback(pages::not_found)
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(middleware::from_fn_with_state(
            state.client_timeout,
            intake::read_body,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(cors(&state.allowed_origins, state.tripwires.clone()))
        .layer(MapRequestLayer::new({
            let tripwires = state.tripwires.clone();
            move |request: Request| {
                tripwires.check_forwarded(guard::peer_of(&request), request.headers());
                request
            }
        }))
        .layer(security_headers())
        .layer(metrics::Track::new(state.metrics.clone()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    // The matched route, never the raw path or query: those may carry visitors'
                    // text. The chat handler fills in the answer's kind.
                    let route = request
                        .extensions()
                        .get::<MatchedPath>()
                        .map_or("unmatched", |m| m.as_str());
                    let method = request.method();
                    tracing::info_span!("request", %method, route, kind = tracing::field::Empty)
                })
                .on_response(
                    DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(LatencyUnit::Micros),
                ),
        )
        .with_state(state)
}

fn security_headers() -> tower::layer::util::Stack<
    SetResponseHeaderLayer<HeaderValue>,
    tower::layer::util::Stack<
        SetResponseHeaderLayer<HeaderValue>,
        SetResponseHeaderLayer<HeaderValue>,
    >,
> {
    let layer = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    tower::layer::util::Stack::new(
        layer(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        tower::layer::util::Stack::new(
            layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            layer(header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        ),
    )
}

/// The endpoints a visitor's browser calls: the only ones pages on localhost (and any site,
/// when the allowed origins say `*`) may call; the staff routes are not among them.
const VISITOR_ENDPOINTS: [&str; 5] = [
    "/api/chat",
    "/api/welcome",
    "/api/feedback",
    "/api/callback",
    "/api/widget-config",
];
/// A visitor's own conversation, which the widget may erase.
const VISITOR_CONVERSATIONS: &str = "/api/conversations/";

/// Pages of the configured origins may call the API; pages of localhost only the visitor
/// endpoints, so a page on some local port cannot read staff data through a staff browser.
/// An origin refused is logged once (`tripwires`): the clinic's site missing from the list.
fn cors(allowed: &Arc<[String]>, tripwires: Arc<Tripwires>) -> CorsLayer {
    let allowed = allowed.clone();
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(
            move |origin: &HeaderValue, parts| {
                let Ok(origin) = origin.to_str() else {
                    return false;
                };
                let allow = allowed.iter().any(|a| a == origin)
                    || ((VISITOR_ENDPOINTS.contains(&parts.uri.path())
                        || parts.uri.path().starts_with(VISITOR_CONVERSATIONS))
                        && (allowed.iter().any(|a| a == "*") || is_local_origin(origin)));
                if !allow {
                    let host = parts
                        .headers
                        .get(header::HOST)
                        .and_then(|h| h.to_str().ok());
                    tripwires.origin_refused(origin, host);
                }
                allow
            },
        ))
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
        .expose_headers([header::RETRY_AFTER])
        .max_age(Duration::from_secs(3600))
}

fn is_local_origin(origin: &str) -> bool {
    let host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .unwrap_or("");
    let host = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

/// Serves until `shutdown` completes, then lets the requests in flight finish.
pub async fn run(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    state.limiter.spawn_pruner();
    state.callback_limiter.spawn_pruner();
    state.outbox.resume();
    let recorder = state.recorder.clone();
    let client_timeout = state.client_timeout;
    let app = router(state);
    let (stopping, stop) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stopping.send(true);
    });
    let signalled = |mut stop: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stop.wait_for(|stopping| *stopping).await;
    };
    let serve = serve::serve(
        listener,
        app,
        client_timeout,
        serve::max_connections(),
        signalled(stop.clone()),
    );
    // Requests in flight get time to finish; a client that never completes its request does
    // not keep the service from stopping.
    tokio::select! {
        () = serve => {},
        () = async { signalled(stop).await; tokio::time::sleep(SHUTDOWN_GRACE).await } => {
            tracing::warn!("stopping with requests still open after {SHUTDOWN_GRACE:?}");
        }
    };
    // Whatever was asked before the shutdown is written before the process ends.
    let _ = tokio::task::spawn_blocking(move || recorder.close()).await;
    Ok(())
}

/// Completes on ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing the requests in flight");
}
