//! Who may call what: the per-client rate limit on the chat endpoint (keyed by the client's
//! address, trusting `X-Forwarded-For` only from configured proxies) and staff access (a bearer
//! token compared in constant time, or loopback only when none is configured).

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use subtle::ConstantTimeEq;

use super::AppState;
use super::error::ApiError;

pub struct Limiter {
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    trusted_proxies: Vec<IpAddr>,
}

impl Limiter {
    /// `per_minute` 0 turns the limit off. A client may send a short burst of a third of it.
    pub fn new(per_minute: u32, trusted_proxies: Vec<IpAddr>) -> Limiter {
        let limiter = NonZeroU32::new(per_minute).map(|rate| {
            let burst = NonZeroU32::new((per_minute / 3).max(3)).expect("at least three");
            RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst))
        });
        Limiter {
            limiter,
            trusted_proxies,
        }
    }

    /// The client's address: the peer, or the last untrusted hop a trusted proxy reports.
    /// Whether requests are limited at all.
    pub fn is_enabled(&self) -> bool {
        self.limiter.is_some()
    }

    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusted_proxies.contains(&peer) {
            return peer;
        }
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        forwarded
            .rsplit(',')
            .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
            .find(|ip| !self.trusted_proxies.contains(ip))
            .unwrap_or(peer)
    }

    fn check(&self, client: IpAddr) -> Result<(), ApiError> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        limiter.check_key(&client).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::RateLimited(wait.as_secs().max(1))
        })
    }

    /// Forgets clients whose allowance is full again, so memory stays bounded.
    pub fn prune(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    pub fn spawn_pruner(self: &Arc<Self>) {
        let limiter = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                match limiter.upgrade() {
                    Some(limiter) => limiter.prune(),
                    None => break,
                }
            }
        });
    }
}

fn peer(request: &Request) -> Option<SocketAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
}

/// Middleware: 429 with `Retry-After` once a client exceeds its allowance.
pub async fn rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if let Some(peer) = peer(&request) {
        let client = state.limiter.client(peer.ip(), request.headers());
        if let Err(err) = state.limiter.check(client) {
            return err.into_response();
        }
    }
    next.run(request).await
}

/// Middleware: staff endpoints need the bearer token, or loopback when none is configured.
pub async fn staff_only(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match staff_allowed(
        state.staff_token.as_deref(),
        request.headers(),
        peer(&request),
    ) {
        Ok(()) => next.run(request).await,
        Err(err) => err.into_response(),
    }
}

/// The staff session cookie set by the login form on `/staff`.
pub const STAFF_COOKIE: &str = "clinic_chat_staff";

pub fn staff_allowed(
    token: Option<&str>,
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
) -> Result<(), ApiError> {
    match token {
        Some(expected) => {
            let bearer = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "));
            let given = bearer
                .or_else(|| cookie(headers, STAFF_COOKIE))
                .unwrap_or("");
            let same: bool = given.as_bytes().ct_eq(expected.as_bytes()).into();
            if same {
                Ok(())
            } else {
                Err(ApiError::Unauthorized)
            }
        }
        None if peer.is_none_or(|p| p.ip().is_loopback()) => Ok(()),
        None => Err(ApiError::Forbidden),
    }
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// The peer address the server saw, when served with connect info.
pub fn peer_of(request: &Request) -> Option<SocketAddr> {
    peer(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forwarded_header_counts_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let limiter = Limiter::new(10, vec![proxy]);
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "1.2.3.4, 5.6.7.8".parse().unwrap());
        assert_eq!(
            limiter.client(proxy, &headers),
            "5.6.7.8".parse::<IpAddr>().unwrap()
        );
        let stranger: IpAddr = "9.9.9.9".parse().unwrap();
        assert_eq!(limiter.client(stranger, &headers), stranger);
    }

    #[test]
    fn staff_need_the_exact_token() {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, "Bearer secret".parse().unwrap());
        assert!(staff_allowed(Some("secret"), &headers, None).is_ok());
        assert!(staff_allowed(Some("secreT"), &headers, None).is_err());
        let remote: SocketAddr = "8.8.8.8:1".parse().unwrap();
        assert!(matches!(
            staff_allowed(None, &HeaderMap::new(), Some(remote)),
            Err(ApiError::Forbidden)
        ));
        let local: SocketAddr = "127.0.0.1:1".parse().unwrap();
        assert!(staff_allowed(None, &HeaderMap::new(), Some(local)).is_ok());
    }
}
