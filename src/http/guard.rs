//! The per-client rate limit on the chat endpoint, keyed by the client's address: the peer,
//! or the visitor a configured proxy names in `X-Forwarded-For`. IPv4-mapped IPv6 addresses
//! (`::ffff:127.0.0.1`, a dual-stack listener's IPv4 peers) count as the IPv4 address. Staff
//! access is in `access`.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

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
            trusted_proxies: trusted_proxies.iter().map(IpAddr::to_canonical).collect(),
        }
    }

    /// `per_hour` requests an hour, all of which may come at once (a visitor correcting a
    /// form); 0 turns the limit off.
    pub fn per_hour(per_hour: u32, trusted_proxies: Vec<IpAddr>) -> Limiter {
        Limiter {
            limiter: NonZeroU32::new(per_hour)
                .map(|rate| RateLimiter::keyed(Quota::per_hour(rate))),
            trusted_proxies: trusted_proxies.iter().map(IpAddr::to_canonical).collect(),
        }
    }

    /// Whether requests are limited at all.
    pub fn is_enabled(&self) -> bool {
        self.limiter.is_some()
    }

    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        client_address(peer, headers, &self.trusted_proxies)
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

/// The client's address: the peer, or the last untrusted hop a trusted proxy reports.
/// `trusted` holds canonical addresses.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusted.contains(&peer) {
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
        .map(|ip| ip.to_canonical())
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
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

/// Middleware: 429 with `Retry-After` once a client exceeds the allowance of `limiter`.
pub async fn limit_with(
    State(limiter): State<Arc<Limiter>>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(peer) = peer(&request) {
        let client = limiter.client(peer.ip(), request.headers());
        if let Err(err) = limiter.check(client) {
            return err.into_response();
        }
    }
    next.run(request).await
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
    fn an_ipv4_mapped_peer_is_its_ipv4_address() {
        let limiter = Limiter::new(10, vec!["127.0.0.1".parse().unwrap()]);
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.7".parse().unwrap());
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        assert_eq!(
            limiter.client(mapped, &headers),
            "203.0.113.7".parse::<IpAddr>().unwrap(),
            "the mapped proxy is the trusted one"
        );
        let mapped_visitor: IpAddr = "::ffff:198.51.100.4".parse().unwrap();
        assert_eq!(
            limiter.client(mapped_visitor, &HeaderMap::new()),
            "198.51.100.4".parse::<IpAddr>().unwrap()
        );
    }
}
