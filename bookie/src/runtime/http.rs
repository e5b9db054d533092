//! The HTTP admin listener (core 0 only): a minimal HTTP/1.1 server, one request per
//! connection, request head and body bounded, answered by [`crate::server::admin::handle`].

use std::rc::Rc;
use std::time::Duration;

use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use glommio::net::{TcpListener, TcpStream};

use super::core::CoreContext;
use crate::server::admin::{
    handle, parse_head, AdminContext, HttpResponse, HTTP_BODY_BYTES_MAX, HTTP_HEAD_BYTES_MAX,
};

/// How long a client may take to send its request.
const HTTP_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Accepts admin connections forever.
pub async fn serve(context: Rc<CoreContext>, listener: TcpListener) {
    loop {
        match listener.accept().await {
            Ok(stream) => {
                let context = Rc::clone(&context);
                glommio::spawn_local(async move { answer(&context, stream).await }).detach();
            }
            Err(error) => {
                tracing::warn!(%error, "admin accept failed");
                glommio::timer::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

async fn answer(context: &CoreContext, mut stream: TcpStream) {
    if let Err(error) = stream.set_read_timeout(Some(HTTP_REQUEST_TIMEOUT)) {
        tracing::debug!(%error, "cannot set admin read timeout");
    }
    let response = match read_request(&mut stream).await {
        Ok((head, body)) => {
            let admin = AdminContext {
                bookie_id: &context.bookie_id,
                state: &context.state,
                metrics: &context.all_metrics,
                space_bytes: context.space_bytes(),
            };
            handle(&head, &body, &admin)
        }
        Err(reason) => HttpResponse {
            status: 400,
            content_type: "text/plain",
            body: format!("{reason}\n"),
        },
    };
    let _ = stream.write_all(&response.to_bytes()).await;
    let _ = stream.flush().await;
}

async fn read_request(stream: &mut TcpStream) -> Result<(String, Vec<u8>), String> {
    let mut buffer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        if let Some((head_end, body_bytes)) = parse_head(&buffer) {
            if body_bytes > HTTP_BODY_BYTES_MAX {
                return Err(format!(
                    "request body of {body_bytes} bytes is over the limit {HTTP_BODY_BYTES_MAX}"
                ));
            }
            if buffer.len() >= head_end + body_bytes {
                let head = String::from_utf8_lossy(buffer.get(..head_end).unwrap_or_default())
                    .into_owned();
                let body = buffer
                    .get(head_end..head_end + body_bytes)
                    .unwrap_or_default()
                    .to_vec();
                return Ok((head, body));
            }
        } else if buffer.len() > HTTP_HEAD_BYTES_MAX {
            return Err("request head too large".to_owned());
        }
        let read = stream
            .read(&mut chunk)
            .await
            .map_err(|error| error.to_string())?;
        if read == 0 {
            return Err("connection closed before the request was complete".to_owned());
        }
        buffer.extend_from_slice(chunk.get(..read).unwrap_or_default());
    }
}
