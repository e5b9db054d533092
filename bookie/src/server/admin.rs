//! The HTTP admin API, as pure functions from a request to a response (the runtime owns the
//! socket): `GET /metrics` (Prometheus), `GET /health` ("ok" or "readonly"), `GET
//! /api/v1/bookie/info` (JSON: bookie id, state, free and total bytes over the ledger
//! directories) and `PUT|POST /api/v1/bookie/state/readonly` with body `{"readOnly":true}` or
//! `{"readOnly":false}`: an operator control (also used by tests) that forces read-only mode
//! on or off, independent of the disk monitor (BookKeeper has the same endpoint).
//!
//! Invariant: requests are bounded by the runtime (head and body sizes); parsing never panics.

use std::sync::Arc;

use super::metrics::{prometheus_text, CoreMetrics};
use super::state::BookieState;

/// Bytes of a request head (request line and headers) accepted at most.
pub const HTTP_HEAD_BYTES_MAX: usize = 8192;
/// Bytes of a request body accepted at most.
pub const HTTP_BODY_BYTES_MAX: usize = 4096;

/// What the admin handlers read.
pub struct AdminContext<'a> {
    /// The bookie id.
    pub bookie_id: &'a str,
    /// The read-only state.
    pub state: &'a BookieState,
    /// Every core's metrics.
    pub metrics: &'a [Arc<CoreMetrics>],
    /// Free and total bytes over the ledger directories.
    pub space_bytes: (u64, u64),
}

/// An HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Content type.
    pub content_type: &'static str,
    /// Body.
    pub body: String,
}

impl HttpResponse {
    fn new(status: u16, content_type: &'static str, body: String) -> Self {
        Self {
            status,
            content_type,
            body,
        }
    }

    /// The response bytes, with `Connection: close`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let reason = match self.status {
            200 => "OK",
            400 => "Bad Request",
            404 => "Not Found",
            405 => "Method Not Allowed",
            _ => "Error",
        };
        let mut out = format!(
            "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.status,
            self.content_type,
            self.body.len()
        )
        .into_bytes();
        out.extend_from_slice(self.body.as_bytes());
        out
    }
}

/// Where the request head ends (index after the blank line) and its declared body length.
pub fn parse_head(buffer: &[u8]) -> Option<(usize, usize)> {
    let end = buffer.windows(4).position(|window| window == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(buffer.get(..end)?).ok()?;
    let content_length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    Some((end, content_length))
}

/// Answers one request (`head` includes the request line; `body` is the request body).
pub fn handle(head: &str, body: &[u8], context: &AdminContext<'_>) -> HttpResponse {
    let mut words = head.split_whitespace();
    let (Some(method), Some(path)) = (words.next(), words.next()) else {
        return HttpResponse::new(400, "text/plain", "bad request line\n".into());
    };
    let path = path.split('?').next().unwrap_or(path);
    match (method, path) {
        ("GET", "/metrics") => HttpResponse::new(
            200,
            "text/plain; version=0.0.4",
            prometheus_text(context.metrics, !context.state.is_read_only()),
        ),
        ("GET", "/health") => {
            let word = if context.state.is_read_only() {
                "readonly"
            } else {
                "ok"
            };
            HttpResponse::new(200, "text/plain", format!("{word}\n"))
        }
        ("GET", "/api/v1/bookie/info") => {
            let (free, total) = context.space_bytes;
            let body = format!(
                "{{\"bookieId\":\"{}\",\"state\":\"{}\",\"freeSpace\":{free},\"totalSpace\":{total}}}\n",
                context.bookie_id,
                context.state.mode_name()
            );
            HttpResponse::new(200, "application/json", body)
        }
        ("PUT" | "POST", "/api/v1/bookie/state/readonly") => set_read_only(body, context.state),
        ("GET", "/api/v1/bookie/state/readonly") => HttpResponse::new(
            200,
            "application/json",
            format!("{{\"readOnly\":{}}}\n", context.state.is_read_only()),
        ),
        (_, "/metrics" | "/health" | "/api/v1/bookie/info" | "/api/v1/bookie/state/readonly") => {
            HttpResponse::new(405, "text/plain", "method not allowed\n".into())
        }
        _ => HttpResponse::new(404, "text/plain", "not found\n".into()),
    }
}

fn set_read_only(body: &[u8], state: &BookieState) -> HttpResponse {
    let text: String = String::from_utf8_lossy(body)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let forced = if text.contains("\"readOnly\":true") {
        true
    } else if text.contains("\"readOnly\":false") {
        false
    } else {
        return HttpResponse::new(
            400,
            "text/plain",
            "send {\"readOnly\":true} or {\"readOnly\":false}\n".into(),
        );
    };
    if state.set_forced_read_only(forced) {
        tracing::warn!(
            forced,
            mode = state.mode_name(),
            "read-only mode changed by the admin API"
        );
    }
    HttpResponse::new(
        200,
        "application/json",
        format!("{{\"readOnly\":{}}}\n", state.is_read_only()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context<'a>(state: &'a BookieState, metrics: &'a [Arc<CoreMetrics>]) -> AdminContext<'a> {
        AdminContext {
            bookie_id: "127.0.0.1:3181",
            state,
            metrics,
            space_bytes: (10, 20),
        }
    }

    #[test]
    fn health_follows_the_forced_read_only_state() {
        let state = BookieState::default();
        let metrics = vec![Arc::new(CoreMetrics::default())];
        assert_eq!(
            handle("GET /health HTTP/1.1", b"", &context(&state, &metrics)).body,
            "ok\n"
        );
        let response = handle(
            "PUT /api/v1/bookie/state/readonly HTTP/1.1",
            b"{\"readOnly\": true}",
            &context(&state, &metrics),
        );
        assert_eq!(response.status, 200);
        assert_eq!(
            handle("GET /health HTTP/1.1", b"", &context(&state, &metrics)).body,
            "readonly\n"
        );
        let info = handle(
            "GET /api/v1/bookie/info HTTP/1.1",
            b"",
            &context(&state, &metrics),
        );
        assert!(
            info.body.contains("\"freeSpace\":10") && info.body.contains("readonly"),
            "{}",
            info.body
        );
    }

    #[test]
    fn bad_requests_get_clear_status_codes() {
        let state = BookieState::default();
        let metrics = vec![Arc::new(CoreMetrics::default())];
        assert_eq!(handle("", b"", &context(&state, &metrics)).status, 400);
        assert_eq!(
            handle("GET /nope HTTP/1.1", b"", &context(&state, &metrics)).status,
            404
        );
        assert_eq!(
            handle(
                "PUT /api/v1/bookie/state/readonly HTTP/1.1",
                b"yes",
                &context(&state, &metrics)
            )
            .status,
            400
        );
        assert_eq!(
            parse_head(b"GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"),
            Some((37, 5))
        );
    }
}
