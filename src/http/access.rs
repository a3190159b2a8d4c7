//! Who may reach staff data. Every staff route answers only under this service's own host
//! names (a rebound attacker's name is refused) and takes changes only from its own pages (a
//! cross-site form is refused). Then it needs the staff token, as a bearer header or as the
//! session the sign-in form opened, or, when no token is configured, a request made on this
//! machine: from loopback, not through a proxy and without forwarding headers. Wrong tokens
//! lock a client out for a while. The chat endpoint never passes through here.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::extract::{Request, State};
use axum::http::uri::Authority;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::AppState;
use super::error::ApiError;
use super::guard::{client_address, peer_of};
use super::session::{SESSION_TTL, Sessions, Strikes};
use crate::config::Config;

/// The staff session cookie the sign-in form sets; it holds a session id, never the token.
pub const STAFF_COOKIE: &str = "clinic_chat_staff";

/// Headers a proxy adds: a request carrying any of them did not come straight from this
/// machine, whatever its peer address says.
const FORWARDING_HEADERS: [&str; 9] = [
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-forwarded-port",
    "x-real-ip",
    "x-client-ip",
    "true-client-ip",
    "via",
];

pub struct StaffAccess {
    /// SHA-256 of the token: digests have one length, so comparing them leaks nothing.
    token: Option<[u8; 32]>,
    /// Host names (lowercase, no port) staff routes answer to besides the loopback ones.
    hosts: Vec<String>,
    trusted_proxies: Vec<IpAddr>,
    pub sessions: Sessions,
    strikes: Strikes,
}

impl StaffAccess {
    pub fn new(config: &Config) -> StaffAccess {
        let origin_hosts = config
            .allowed_origins
            .iter()
            .filter_map(|origin| origin.trim().split_once("://"))
            .map(|(_, authority)| authority.trim_end_matches('/').to_string());
        let listen = (!config.addr.ip().is_unspecified()).then(|| config.addr.ip().to_string());
        let hosts = config
            .public_hosts
            .iter()
            .cloned()
            .chain(origin_hosts)
            .chain(listen)
            .filter_map(|host| host_name(host.trim()))
            .collect();
        StaffAccess {
            token: config
                .staff_token
                .as_deref()
                .filter(|t| !t.is_empty())
                .map(digest),
            hosts,
            trusted_proxies: config
                .trusted_proxies
                .iter()
                .map(IpAddr::to_canonical)
                .collect(),
            sessions: Sessions::default(),
            strikes: Strikes::default(),
        }
    }

    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// The client a wrong token is counted against: the peer, or the visitor a trusted proxy
    /// names, as for the chat's rate limit.
    pub fn client(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> IpAddr {
        peer.map_or(Ipv6Addr::UNSPECIFIED.into(), |p| {
            client_address(p.ip(), headers, &self.trusted_proxies)
        })
    }

    /// The host and origin checks every staff route makes before anything else.
    pub fn check_site(&self, method: &Method, headers: &HeaderMap) -> Result<(), ApiError> {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !self.is_own_host(host) {
            return Err(ApiError::WrongHost);
        }
        let reads_only = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
        match headers.get(header::ORIGIN).map(|v| v.to_str()) {
            // Browsers send Origin with every cross-site write; tools such as curl send none.
            None => Ok(()),
            Some(_) if reads_only => Ok(()),
            Some(Ok(origin)) if self.is_own_origin(origin, host) => Ok(()),
            Some(_) => Err(ApiError::CrossSite),
        }
    }

    /// A loopback name or address, or one of the configured names. A DNS rebinding attack
    /// sends its own domain name, which is none of these.
    fn is_own_host(&self, host: &str) -> bool {
        let Some(name) = host_name(host) else {
            return false;
        };
        let loopback = name == "localhost"
            || name.ends_with(".localhost")
            || name
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
                .is_ok_and(|ip| ip.to_canonical().is_loopback());
        loopback || self.hosts.contains(&name)
    }

    /// A page of this very host (same authority), or of a configured host name, which may
    /// differ from `Host` when a proxy rewrites it.
    fn is_own_origin(&self, origin: &str, host: &str) -> bool {
        let Some((_, authority)) = origin.split_once("://") else {
            return false; // "null", from sandboxed frames and local files
        };
        authority.eq_ignore_ascii_case(host)
            || host_name(authority).is_some_and(|name| self.hosts.contains(&name))
    }

    /// Staff, or why not: the token (bearer or session) when one is configured, else a
    /// request made on this machine.
    pub fn authenticate(
        &self,
        peer: Option<SocketAddr>,
        headers: &HeaderMap,
    ) -> Result<(), ApiError> {
        if self.token.is_none() {
            return match self.is_local(peer, headers) {
                true => Ok(()),
                false => Err(ApiError::Forbidden),
            };
        }
        if session_id(headers).is_some_and(|id| self.sessions.is_open(&id)) {
            return Ok(());
        }
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        match bearer {
            Some(given) => self.try_token(self.client(peer, headers), given),
            None => Err(ApiError::Unauthorized),
        }
    }

    /// Checks a token `client` sent. A locked-out client's token is not even compared, so
    /// guessing on during the wait learns nothing.
    pub fn try_token(&self, client: IpAddr, given: &str) -> Result<(), ApiError> {
        let Some(expected) = &self.token else {
            return Err(ApiError::Unauthorized);
        };
        if let Some(wait) = self.strikes.wait(client) {
            return Err(ApiError::TooManyAttempts(wait));
        }
        if bool::from(digest(given).ct_eq(expected)) {
            self.strikes.forgive(client);
            Ok(())
        } else {
            self.strikes.record(client);
            Err(ApiError::Unauthorized)
        }
    }

    /// Made on this machine: a loopback peer (IPv4-mapped too) that is not a proxy, and no
    /// forwarding headers. Behind a local reverse proxy every visitor has a loopback peer.
    fn is_local(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> bool {
        let forwarded = FORWARDING_HEADERS.iter().any(|h| headers.contains_key(*h));
        let peer_is_local = peer.is_none_or(|p| {
            let ip = p.ip().to_canonical();
            ip.is_loopback() && !self.trusted_proxies.contains(&ip)
        });
        !forwarded && peer_is_local
    }

    /// Whether the browser reached us over TLS: only a trusted proxy can say so.
    pub fn came_over_tls(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> bool {
        let from_proxy =
            peer.is_some_and(|p| self.trusted_proxies.contains(&p.ip().to_canonical()));
        let proto = headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim);
        from_proxy && proto.is_some_and(|p| p.eq_ignore_ascii_case("https"))
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The host part of a `Host` value or an origin's authority, lowercased, without port or
/// final dot; None when it is not one.
fn host_name(authority: &str) -> Option<String> {
    let authority: Authority = authority.parse().ok()?;
    let name = authority.host().trim_end_matches('.').to_ascii_lowercase();
    (!name.is_empty()).then_some(name)
}

fn session_id(headers: &HeaderMap) -> Option<String> {
    CookieJar::from_headers(headers)
        .get(STAFF_COOKIE)
        .map(|c| c.value().to_string())
}

/// The session cookie: script cannot read it, other sites' requests do not carry it, and
/// behind TLS it never travels in clear.
pub fn session_cookie(id: String, secure: bool) -> Cookie<'static> {
    Cookie::build((STAFF_COOKIE, id))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/")
        .secure(secure)
        .max_age(SESSION_TTL.try_into().unwrap_or_default())
        .build()
}

/// Middleware on every staff route, pages included: own host names, own pages' writes.
pub async fn staff_site(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match state.staff.check_site(request.method(), request.headers()) {
        Ok(()) => next.run(request).await,
        Err(err) => err.into_response(),
    }
}

/// Middleware on the staff API: the token, or this machine when none is configured.
pub async fn staff_only(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match state
        .staff
        .authenticate(peer_of(&request), request.headers())
    {
        Ok(()) => next.run(request).await,
        Err(err) => err.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(adjust: impl FnOnce(&mut Config)) -> StaffAccess {
        let mut config = Config::for_paths("corpus", "index");
        adjust(&mut config);
        StaffAccess::new(&config)
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn staff_need_the_exact_token() {
        let access = access(|c| c.staff_token = Some("s".repeat(40)));
        let right = headers(&[("authorization", &format!("Bearer {}", "s".repeat(40)))]);
        assert!(access.authenticate(None, &right).is_ok());
        let wrong = headers(&[("authorization", &format!("Bearer {}", "s".repeat(39)))]);
        assert!(matches!(
            access.authenticate(None, &wrong),
            Err(ApiError::Unauthorized)
        ));
    }

    #[test]
    fn without_a_token_only_this_machine_is_staff() {
        let access = access(|_| {});
        let remote: SocketAddr = "8.8.8.8:1".parse().unwrap();
        let local: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:1".parse().unwrap();
        let none = HeaderMap::new();
        assert!(matches!(
            access.authenticate(Some(remote), &none),
            Err(ApiError::Forbidden)
        ));
        assert!(access.authenticate(Some(local), &none).is_ok());
        assert!(access.authenticate(Some(mapped), &none).is_ok());
        let proxied = headers(&[("x-real-ip", "8.8.8.8")]);
        assert!(access.authenticate(Some(local), &proxied).is_err());
    }

    #[test]
    fn own_hosts_are_loopback_names_and_the_configured_ones() {
        let access = access(|c| {
            c.public_hosts = vec!["Chat.Clinic.Example".into()];
            c.allowed_origins = vec!["https://www.clinic.example".into()];
        });
        for host in [
            "localhost:3000",
            "127.0.0.1:3000",
            "[::1]:3000",
            "chat.clinic.example",
            "www.clinic.example:443",
            "CHAT.clinic.example.",
        ] {
            assert!(access.is_own_host(host), "{host}");
        }
        for host in ["rebind.attacker.example", "", "127.0.0.1.attacker.example"] {
            assert!(!access.is_own_host(host), "{host}");
        }
    }

    #[test]
    fn writes_from_other_sites_are_refused() {
        let access = access(|_| {});
        let write = |origin: &str| {
            access.check_site(
                &Method::POST,
                &headers(&[("host", "localhost:3000"), ("origin", origin)]),
            )
        };
        assert!(write("http://localhost:3000").is_ok());
        for origin in ["https://evil.example", "null", "http://localhost:3001"] {
            assert!(
                matches!(write(origin), Err(ApiError::CrossSite)),
                "{origin}"
            );
        }
    }
}
