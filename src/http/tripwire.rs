//! Settings that only requests can show to be missing, each logged once, at the first request
//! that shows it, naming the setting to change: a page of another site calling the API when
//! its origin is not allowed (`CLINIC_CHAT_ALLOWED_ORIGINS`), and forwarding headers from an
//! address that is not a trusted proxy (`CLINIC_CHAT_TRUSTED_PROXIES`). `clinic-chat check`
//! cannot see requests; these can. Once a warning is logged, its check costs a request one
//! atomic load.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};

use axum::http::HeaderMap;

/// The headers a proxy names the visitor in; the rate limit reads `X-Forwarded-For`.
const FORWARDED_FOR: [&str; 2] = ["x-forwarded-for", "forwarded"];

pub struct Tripwires {
    origin_logged: AtomicBool,
    forwarded_logged: AtomicBool,
    /// Canonical addresses, as the rate limit compares them.
    trusted_proxies: Vec<IpAddr>,
}

impl Tripwires {
    pub fn new(trusted_proxies: &[IpAddr]) -> Tripwires {
        Tripwires {
            origin_logged: AtomicBool::new(false),
            forwarded_logged: AtomicBool::new(false),
            trusted_proxies: trusted_proxies.iter().map(IpAddr::to_canonical).collect(),
        }
    }

    /// The CORS rules refused `origin` on a request to `host`. A page of this very host needs
    /// no CORS (its requests are same-origin), and `null` (a sandboxed frame, a local file)
    /// is no site a setting could name: neither is worth a warning.
    pub fn origin_refused(&self, origin: &str, host: Option<&str>) {
        if self.origin_logged.load(Ordering::Relaxed) {
            return;
        }
        let authority = origin.split_once("://").map(|(_, rest)| rest);
        let own = authority
            .zip(host)
            .is_some_and(|(a, h)| a.eq_ignore_ascii_case(h));
        if own || authority.is_none() || once(&self.origin_logged) {
            return;
        }
        tracing::warn!(
            "a page of {origin} called the API and was refused, since that origin is not in CLINIC_CHAT_ALLOWED_ORIGINS: if it is the clinic's site, add it there (comma-separated), or the widget on it cannot answer. (Logged once.)"
        );
    }

    /// A request arrived from `peer`; when it names a visitor in a forwarding header and
    /// `peer` is not a trusted proxy, the header was ignored: say so once.
    pub fn check_forwarded(&self, peer: Option<SocketAddr>, headers: &HeaderMap) {
        if self.forwarded_logged.load(Ordering::Relaxed) {
            return;
        }
        let Some(peer) = peer.map(|p| p.ip().to_canonical()) else {
            return;
        };
        let forwarded = FORWARDED_FOR.iter().any(|h| headers.contains_key(*h));
        if !forwarded || self.trusted_proxies.contains(&peer) || once(&self.forwarded_logged) {
            return;
        }
        tracing::warn!(
            "a request from {peer} carried X-Forwarded-For or Forwarded, but {peer} is not in CLINIC_CHAT_TRUSTED_PROXIES, so the header was ignored: if {peer} is your reverse proxy, add it there, or every visitor shares its rate limit. If it is not, a client sent the header itself. (Logged once.)"
        );
    }
}

/// Whether the warning behind `logged` was logged already; marks it logged.
fn once(logged: &AtomicBool) -> bool {
    logged.swap(true, Ordering::Relaxed)
}
