//! How a request gets in: its body is read whole, under the client timeout, before the request
//! reaches its route, so a client that sends a body slowly holds a connection but never a chat
//! slot; and on the chat endpoint one client holds at most [`SLOTS_PER_CLIENT`] slots at once,
//! so a few addresses cannot take all of them. Who the client is, is the rate limiter's
//! business ([`Limiter::client`]).

use std::collections::hash_map::Entry;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use super::MAX_BODY_BYTES;
use super::error::ApiError;
use super::guard::{self, Limiter};

/// Middleware: reads the body within `within` (else 408) and at most `MAX_BODY_BYTES` of it
/// (else 413), then passes the request on with the body in memory.
pub async fn read_body(State(within): State<Duration>, request: Request, next: Next) -> Response {
    // Most requests (every GET) have no body: nothing to wait for.
    if request.body().is_end_stream() {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let read = tokio::time::timeout(within, Limited::new(body, MAX_BODY_BYTES).collect()).await;
    let body = match read {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(err)) if err.is::<LengthLimitError>() => return ApiError::TooLarge.into_response(),
        Ok(Err(_)) => {
            return ApiError::BadRequest(
                "the request body ended before its declared length".into(),
            )
            .into_response();
        }
        Err(_) => return ApiError::SlowBody.into_response(),
    };
    next.run(Request::from_parts(parts, Body::from(body))).await
}

/// Chats one client may have in progress at once. A visitor's widget asks one question at a
/// time; the rest is room for several people behind one address (an office, a carrier's NAT).
pub const SLOTS_PER_CLIENT: u32 = 8;

/// How many chats each client has in progress; a client with none has no entry.
#[derive(Default)]
pub struct ClientSlots {
    held: Mutex<foldhash::HashMap<IpAddr, u32>>,
}

/// One chat in progress for `client`; dropping it frees the slot.
pub struct Slot {
    slots: Arc<ClientSlots>,
    client: IpAddr,
}

impl ClientSlots {
    /// A slot for `client`, unless it already holds `SLOTS_PER_CLIENT`.
    pub fn take(self: &Arc<Self>, client: IpAddr) -> Option<Slot> {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let count = held.entry(client).or_insert(0);
        if *count >= SLOTS_PER_CLIENT {
            return None;
        }
        *count += 1;
        Some(Slot {
            slots: self.clone(),
            client,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut held = self
            .slots
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Entry::Occupied(mut count) = held.entry(self.client) {
            *count.get_mut() -= 1;
            if *count.get() == 0 {
                count.remove();
            }
        }
    }
}

/// What the per-client cap needs: who the client is, and the slots held.
#[derive(Clone)]
pub struct ChatGate {
    limiter: Arc<Limiter>,
    slots: Arc<ClientSlots>,
}

impl ChatGate {
    pub fn new(limiter: Arc<Limiter>) -> ChatGate {
        ChatGate {
            limiter,
            slots: Arc::default(),
        }
    }
}

/// Middleware: a quick 429 for a client that already has `SLOTS_PER_CLIENT` chats in progress.
pub async fn few_slots_per_client(
    State(gate): State<ChatGate>,
    request: Request,
    next: Next,
) -> Response {
    let Some(peer) = guard::peer_of(&request) else {
        return next.run(request).await;
    };
    let client = gate.limiter.client(peer.ip(), request.headers());
    match gate.slots.take(client) {
        Some(_slot) => next.run(request).await,
        None => ApiError::RateLimited(1).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_holds_at_most_its_share_of_slots_and_gets_them_back() {
        let slots = Arc::new(ClientSlots::default());
        let busy: IpAddr = "203.0.113.1".parse().unwrap();
        let other: IpAddr = "203.0.113.2".parse().unwrap();
        let held: Vec<Slot> = (0..SLOTS_PER_CLIENT)
            .map(|_| slots.take(busy).expect("within the share"))
            .collect();
        assert!(slots.take(busy).is_none(), "one more than the share");
        assert!(slots.take(other).is_some(), "another client is not held up");
        drop(held);
        assert!(slots.take(busy).is_some(), "slots come back when chats end");
        assert!(
            slots.held.lock().unwrap().is_empty(),
            "clients with no chat in progress are forgotten"
        );
    }
}
