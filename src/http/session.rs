//! Staff sign-in state, in memory: the sessions the sign-in form opens (the cookie holds a
//! random id, never the token) and the wrong tokens counted per client, which lock a guesser
//! out for a while. A restart signs everyone out and forgets the counts. Who may reach staff
//! data is decided in `access`; this only keeps the state.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How long a sign-in lasts: a working day, so a forgotten browser does not stay signed in.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 60 * 60);
/// Only holders of the token open sessions, so this is never reached in honest use; beyond
/// it the oldest session goes.
const MAX_SESSIONS: usize = 1000;
/// Wrong tokens a client may send in one window; a person mistyping needs far fewer.
const MAX_WRONG: u32 = 5;
/// The window starts at a client's first wrong token; once it has five, it waits for the end:
/// at most five guesses a quarter of an hour.
const WRONG_WINDOW: Duration = Duration::from_secs(15 * 60);
/// With this many clients on record, those whose window has ended are forgotten.
const PRUNE_AT: usize = 10_000;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The maps stay consistent whatever a panicking holder was doing: each change is one call.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Open sessions: id -> when it expires.
#[derive(Default)]
pub struct Sessions {
    open: Mutex<HashMap<String, Instant>>,
}

impl Sessions {
    /// Opens a session and returns its id: 256 random bits from the operating system, as hex.
    pub fn open(&self) -> String {
        let id = random_id();
        let now = Instant::now();
        let mut open = lock(&self.open);
        open.retain(|_, expires| *expires > now);
        if open.len() >= MAX_SESSIONS {
            let oldest = open.iter().min_by_key(|(_, expires)| **expires);
            if let Some(oldest) = oldest.map(|(id, _)| id.clone()) {
                open.remove(&oldest);
            }
        }
        open.insert(id.clone(), now + SESSION_TTL);
        id
    }

    pub fn is_open(&self, id: &str) -> bool {
        lock(&self.open)
            .get(id)
            .is_some_and(|expires| *expires > Instant::now())
    }

    pub fn close(&self, id: &str) {
        lock(&self.open).remove(id);
    }
}

fn random_id() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

struct Strike {
    wrong: u32,
    since: Instant,
}

/// Wrong staff tokens per client address.
#[derive(Default)]
pub struct Strikes {
    clients: Mutex<HashMap<IpAddr, Strike>>,
}

impl Strikes {
    /// Seconds the client must wait before its next token is even looked at, when locked out.
    pub fn wait(&self, client: IpAddr) -> Option<u64> {
        let clients = lock(&self.clients);
        let strike = clients.get(&client).filter(|s| s.wrong >= MAX_WRONG)?;
        let left = (strike.since + WRONG_WINDOW).checked_duration_since(Instant::now())?;
        Some(left.as_secs() + 1)
    }

    pub fn record(&self, client: IpAddr) {
        let now = Instant::now();
        let fresh = Strike {
            wrong: 0,
            since: now,
        };
        let mut clients = lock(&self.clients);
        if clients.len() >= PRUNE_AT {
            clients.retain(|_, s| now.duration_since(s.since) < WRONG_WINDOW);
        }
        let strike = clients.entry(client).or_insert(fresh);
        if now.duration_since(strike.since) >= WRONG_WINDOW {
            *strike = Strike {
                wrong: 0,
                since: now,
            };
        }
        strike.wrong += 1;
    }

    /// The right token: earlier typos no longer count.
    pub fn forgive(&self, client: IpAddr) {
        lock(&self.clients).remove(&client);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_open_until_closed_and_ids_are_unguessable() {
        let sessions = Sessions::default();
        let id = sessions.open();
        assert_eq!(id.len(), 64);
        assert_ne!(id, sessions.open(), "each sign-in gets its own id");
        assert!(sessions.is_open(&id));
        sessions.close(&id);
        assert!(!sessions.is_open(&id));
        assert!(!sessions.is_open("made-up"));
    }

    #[test]
    fn a_client_is_locked_out_after_a_handful_of_wrong_tokens_and_others_are_not() {
        let strikes = Strikes::default();
        let guesser: IpAddr = "203.0.113.9".parse().unwrap();
        let colleague: IpAddr = "203.0.113.10".parse().unwrap();
        for _ in 0..MAX_WRONG - 1 {
            strikes.record(guesser);
        }
        assert_eq!(strikes.wait(guesser), None, "typos are allowed");
        strikes.record(guesser);
        let wait = strikes.wait(guesser).expect("locked out");
        assert!((1..=WRONG_WINDOW.as_secs() + 1).contains(&wait), "{wait}");
        assert_eq!(strikes.wait(colleague), None);
        strikes.forgive(guesser);
        assert_eq!(strikes.wait(guesser), None);
    }
}
