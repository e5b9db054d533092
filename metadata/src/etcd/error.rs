//! Mapping `etcd-client` failures onto [`MetadataError`], and the request timeout every unary
//! etcd call runs under.
//!
//! etcd answers a failed compare inside a transaction with `succeeded = false`, not an error, so
//! `NotFound`, `Exists` and `BadVersion` are decided by the callers from transaction results; this
//! module maps only transport and server failures.

use std::future::Future;
use std::time::Duration;

use etcd_client::Error as EtcdError;

use crate::error::{MetadataError, Result};

// gRPC status codes (tonic is not re-exported by etcd-client; the numbers are the gRPC standard).
const GRPC_CANCELLED: i32 = 1;
const GRPC_DEADLINE_EXCEEDED: i32 = 4;
const GRPC_NOT_FOUND: i32 = 5;
const GRPC_ABORTED: i32 = 10;
const GRPC_UNAVAILABLE: i32 = 14;

/// The typed error for a failed etcd call about `key`.
pub(crate) fn etcd_error(key: &str, error: EtcdError) -> MetadataError {
    match error {
        EtcdError::GRpcStatus(status) => match i32::from(status.code()) {
            GRPC_UNAVAILABLE | GRPC_DEADLINE_EXCEEDED | GRPC_CANCELLED | GRPC_ABORTED => {
                MetadataError::Connection(format!("{key}: {status}"))
            }
            // etcd's "requested lease not found": the lease expired or was revoked.
            GRPC_NOT_FOUND if status.message().contains("lease not found") => {
                MetadataError::SessionExpired
            }
            _ => MetadataError::Backend(format!("{key}: {status}")),
        },
        EtcdError::TransportError(_) | EtcdError::IoError(_) => {
            MetadataError::Connection(format!("{key}: {error}"))
        }
        other => MetadataError::Backend(format!("{key}: {other}")),
    }
}

/// Runs one etcd request for `key`, failing with `Connection` if etcd does not answer in time.
pub(crate) async fn bounded<T>(
    timeout: Duration,
    key: &str,
    request: impl Future<Output = std::result::Result<T, EtcdError>>,
) -> Result<T> {
    match tokio::time::timeout(timeout, request).await {
        Ok(answer) => answer.map_err(|e| etcd_error(key, e)),
        Err(_) => Err(MetadataError::Connection(format!(
            "{key}: no answer from etcd within {} ms",
            timeout.as_millis()
        ))),
    }
}
