//! [`BookiePool`]: one live [`Connection`] per bookie, made on first use and remade after a
//! failure, and the one place that turns a bookie id into a network address.
//!
//! Address rule (spec pitfall 15): a bookie id of the form `host:port` is its address; any
//! other id is looked up in the metadata store, where the bookie published a `bookie-rpc`
//! endpoint with its registration.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use metadata::{AnyMetadataStore, BookieId, MetadataStore};
use tokio::sync::{mpsc, oneshot};

use crate::config::Protocol;
use crate::connection::{AddressFuture, ConnError, Connection, ReplyCallback};
use crate::error::ClientError;
use crate::wire::{BookieOp, BookieReply};

/// Where [`BookiePool::send_tagged`] delivers outcomes: (tag, outcome).
pub type TaggedReplies = mpsc::UnboundedSender<(usize, Result<BookieReply, ConnError>)>;

/// Connections to bookies, shared by every ledger of one client.
pub struct BookiePool {
    protocol: Protocol,
    connect_timeout: Duration,
    frame_bytes_max: usize,
    store: Option<Arc<AnyMetadataStore>>,
    connections: Mutex<HashMap<BookieId, Arc<Connection>>>,
}

impl BookiePool {
    /// A pool resolving non-`host:port` ids through `store` (when given).
    pub fn new(
        protocol: Protocol,
        connect_timeout: Duration,
        frame_bytes_max: usize,
        store: Option<Arc<AnyMetadataStore>>,
    ) -> Self {
        Self {
            protocol,
            connect_timeout,
            frame_bytes_max,
            store,
            connections: Mutex::new(HashMap::new()),
        }
    }

    /// The protocol the pool speaks.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// Requests this client has in flight to `bookie` now (0 without a connection): the load it
    /// puts there, as the client sees it.
    pub fn in_flight(&self, bookie: &BookieId) -> u64 {
        let connections = self
            .connections
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        connections
            .get(bookie)
            .filter(|connection| !connection.is_closed())
            .map_or(0, |connection| connection.in_flight() as u64)
    }

    fn connection(&self, bookie: &BookieId) -> Arc<Connection> {
        let mut connections = self
            .connections
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(connection) = connections.get(bookie) {
            if !connection.is_closed() {
                return connection.clone();
            }
        }
        let connection = Connection::spawn(
            bookie.clone(),
            self.address_of(bookie),
            self.protocol,
            self.connect_timeout,
            self.frame_bytes_max,
        );
        connections.insert(bookie.clone(), connection.clone());
        connection
    }

    fn address_of(&self, bookie: &BookieId) -> AddressFuture {
        let id = bookie.as_str().to_owned();
        if is_host_port(&id) {
            return Box::pin(async move { Ok(id) });
        }
        let store = self.store.clone();
        let bookie = bookie.clone();
        Box::pin(async move {
            let store = store.ok_or_else(|| {
                format!("bookie id {bookie} is not host:port and no metadata store is configured to look it up")
            })?;
            let info = store
                .bookie_service_info(&bookie)
                .await
                .map_err(|error| format!("looking up bookie {bookie}: {error}"))?;
            let (host, port) = info
                .rpc_address()
                .ok_or_else(|| format!("bookie {bookie} published no bookie-rpc endpoint"))?;
            Ok(format!("{host}:{port}"))
        })
    }

    /// Sends `op` to `bookie`; `callback` runs once with the outcome.
    pub fn send(
        &self,
        bookie: &BookieId,
        op: BookieOp,
        timeout: Duration,
        callback: ReplyCallback,
    ) {
        self.connection(bookie).send(op, timeout, callback);
    }

    /// Sends `op` to `bookie`; its outcome arrives on `replies` tagged with `tag` (for requests
    /// fanned out to several bookies and gathered on one channel).
    pub fn send_tagged(
        &self,
        bookie: &BookieId,
        op: BookieOp,
        timeout: Duration,
        tag: usize,
        replies: &TaggedReplies,
    ) {
        let replies = replies.clone();
        self.send(
            bookie,
            op,
            timeout,
            Box::new(move |result| {
                let _ = replies.send((tag, result));
            }),
        );
    }

    /// Sends `op` to `bookie` and waits for the outcome.
    pub async fn call(
        &self,
        bookie: &BookieId,
        op: BookieOp,
        timeout: Duration,
    ) -> Result<BookieReply, ClientError> {
        let (done, outcome) = oneshot::channel();
        self.send(
            bookie,
            op,
            timeout,
            Box::new(move |result| {
                let _ = done.send(result);
            }),
        );
        match outcome.await {
            Ok(result) => result.map_err(|error| conn_error(bookie, error)),
            Err(_) => Err(ClientError::Shutdown),
        }
    }
}

/// The client error for a request that got no reply from `bookie`.
pub fn conn_error(bookie: &BookieId, error: ConnError) -> ClientError {
    match error {
        ConnError::Lost(reason) | ConnError::Encode(reason) => ClientError::Connection {
            bookie: bookie.clone(),
            reason,
        },
        ConnError::Timeout(timeout) => ClientError::Timeout {
            bookie: bookie.clone(),
            timeout_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
        },
    }
}

fn is_host_port(id: &str) -> bool {
    match id.rsplit_once(':') {
        Some((host, port)) => !host.is_empty() && port.parse::<u16>().is_ok(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_ids_are_addresses() {
        assert!(is_host_port("127.0.0.1:3181"));
        assert!(is_host_port("bookie-1.example:3181"));
        assert!(!is_host_port("bookie-1"));
        assert!(!is_host_port("bookie:notaport"));
        assert!(!is_host_port(":3181"));
    }
}
