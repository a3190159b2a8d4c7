//! Connections: an accept loop that keeps at most a set number of connections open (a margin
//! below the process's file descriptor limit, so accepting never fails for want of one), HTTP/1.1
//! connections closed when a client is slow to send a request's head or idles between requests,
//! and a graceful stop. What happens to a request once its head is in is the router's business.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::Layer;

/// Descriptors kept for everything but connections: the listener, the runtime, the index's
/// files, the database and its journal, and the files a reindex writes.
const RESERVED_DESCRIPTORS: u64 = 64;
/// Connections open at once at most, whatever the descriptor limit: an idle connection costs
/// some kilobytes, and past this memory would matter more than descriptors.
const MAX_CONNECTIONS: u64 = 10_000;
/// How long the accept loop rests after an error that is not one client's (such as running
/// out of descriptors), so that it never spins.
const ACCEPT_PAUSE: Duration = Duration::from_millis(200);

/// How many connections may be open at once under the process's soft descriptor limit.
pub fn max_connections() -> usize {
    let soft = rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft);
    connections_for(soft)
}

/// Under a tiny limit, half the descriptors still go to connections: a server that accepts
/// none is of no use.
fn connections_for(descriptors: u64) -> usize {
    let room = descriptors
        .saturating_sub(RESERVED_DESCRIPTORS)
        .max(descriptors / 2);
    room.clamp(1, MAX_CONNECTIONS) as usize
}

/// Serves `app` until `stop` completes, then waits for the open connections to finish the
/// requests they are in. Connections over `max_connections` wait in the kernel's backlog
/// (holding no descriptor of ours) until one closes; `client_timeout` bounds how long a
/// client may take to send a request's head and how long a connection may idle.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    client_timeout: Duration,
    max_connections: usize,
    stop: impl Future<Output = ()>,
) {
    tracing::debug!(max_connections, ?client_timeout, "connection limits");
    let room = Arc::new(Semaphore::new(max_connections));
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    // hyper starts this timer whenever it waits for a request head, also between requests on
    // a kept-alive connection: it is the idle timeout as well.
    http.timer(TokioTimer::new())
        .header_read_timeout(client_timeout);
    let mut stop = std::pin::pin!(stop);
    loop {
        let accepted = tokio::select! {
            () = &mut stop => break,
            accepted = accept(&listener, &room) => accepted,
        };
        let Some((stream, peer, permit)) = accepted else {
            continue;
        };
        let service =
            TowerToHyperService::new(axum::Extension(ConnectInfo(peer)).layer(app.clone()));
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // An error here is the client's: a reset, a malformed or too slow request.
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Waits until a connection may be opened, then accepts one; `None` after an accept error.
async fn accept(
    listener: &TcpListener,
    room: &Arc<Semaphore>,
) -> Option<(TcpStream, SocketAddr, OwnedSemaphorePermit)> {
    let permit = room.clone().acquire_owned().await.ok()?;
    match listener.accept().await {
        Ok((stream, peer)) => Some((stream, peer, permit)),
        Err(err) if is_one_clients(&err) => None,
        Err(err) => {
            tracing::error!("accept error: {err}");
            tokio::time::sleep(ACCEPT_PAUSE).await;
            None
        }
    }
}

/// Errors that concern only the connection being accepted, not the listener.
fn is_one_clients(err: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        err.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_stay_a_margin_below_the_descriptor_limit() {
        assert_eq!(connections_for(1024), 960);
        assert_eq!(connections_for(128), 64);
        assert_eq!(connections_for(20), 10);
        assert_eq!(connections_for(1), 1);
        assert_eq!(connections_for(1 << 20), MAX_CONNECTIONS as usize);
    }
}
