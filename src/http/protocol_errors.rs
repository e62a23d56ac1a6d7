//! JSON bodies for the errors hyper answers by itself.
//!
//! A request hyper cannot parse (a raw space or control byte in the request line or a
//! header: `400`; a URI over 65,534 bytes: `414`; more than 100 headers or a head over
//! hyper's read buffer: `431`) never reaches the router: hyper writes a bare response head
//! (`content-length: 0`, `date`, maybe `connection: close`) and closes the connection, and it
//! has no hook to change that. [`JsonProtocolErrors`] wraps the connection's socket and
//! rewrites exactly that head, written on its own, into the same status with the JSON
//! `{"error": ...}` body every other 4xx has. Responses of the application always carry
//! `x-request-id` (the guard adds it), so they never match.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Hyper's automatic response heads are short; anything longer is not one.
const MAX_AUTOMATIC_HEAD: usize = 512;

/// A socket whose writes pass through unchanged, except hyper's automatic error heads.
#[derive(Debug)]
pub struct JsonProtocolErrors<T> {
    inner: T,
    /// The JSON replacement of an automatic error head and how much of it is written.
    pending: Option<(Vec<u8>, usize)>,
}

impl<T> JsonProtocolErrors<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> Self {
        JsonProtocolErrors {
            inner,
            pending: None,
        }
    }
}

impl<T: AsyncWrite + Unpin> JsonProtocolErrors<T> {
    /// Writes what is left of a replacement.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, done)) = &mut self.pending {
            if *done == bytes.len() {
                self.pending = None;
                break;
            }
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &bytes[*done..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *done += n;
        }
        Poll::Ready(Ok(()))
    }

    /// Takes over `buf` when it is an automatic error head: it counts as written.
    fn replace(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Option<Poll<io::Result<usize>>> {
        let replacement = json_error_response(buf)?;
        self.pending = Some((replacement, 0));
        Some(match self.poll_pending(cx) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            // Written or not yet: the caller's bytes are ours now; flush finishes them.
            _ => Poll::Ready(Ok(buf.len())),
        })
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for JsonProtocolErrors<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for JsonProtocolErrors<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        if let Some(done) = this.replace(cx, buf) {
            return done;
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        let mut non_empty = bufs.iter().filter(|b| !b.is_empty());
        if let (Some(only), None) = (non_empty.next(), non_empty.next()) {
            if let Some(done) = this.replace(cx, only) {
                return done;
            }
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

/// The JSON response replacing `head` when `head` is exactly one of hyper's automatic error
/// responses: `HTTP/1.x 400|414|431 ...`, only `content-length: 0`, `date` and `connection`
/// headers, nothing after the blank line.
fn json_error_response(head: &[u8]) -> Option<Vec<u8>> {
    if head.len() > MAX_AUTOMATIC_HEAD || !head.ends_with(b"\r\n\r\n") {
        return None;
    }
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text[..text.len() - 4].split("\r\n");
    let status_line = lines.next()?;
    let code = status_line
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| status_line.strip_prefix("HTTP/1.0 "))?
        .get(..3)?;
    let message = match code {
        "400" => "malformed request: the request line or a header is not valid HTTP/1.1 (a raw space in the path, a control character in a header?)",
        "414" => "URI too long: at most 65534 bytes",
        "431" => "request headers too large: at most 100 headers and about 400 KiB of request head",
        _ => return None,
    };
    let mut date = None;
    let mut saw_length = false;
    for line in lines {
        let (name, value) = line.split_once(": ")?;
        match name.to_ascii_lowercase().as_str() {
            "content-length" if value == "0" => saw_length = true,
            "date" => date = Some(value),
            "connection" => {}
            _ => return None,
        }
    }
    if !saw_length {
        return None;
    }
    let body = serde_json::to_string(&super::error::ErrorBody {
        error: message.to_string(),
    })
    .unwrap_or_default();
    let mut out = format!(
        "{status_line}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\nx-content-type-options: nosniff\r\n",
        body.len()
    );
    if let Some(date) = date {
        out.push_str("date: ");
        out.push_str(date);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.push_str(&body);
    Some(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::json_error_response;

    #[test]
    fn rewrites_only_hyper_automatic_heads() {
        let bare = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: Fri, 04 Dec 2026 01:00:00 GMT\r\n\r\n";
        let out = String::from_utf8(json_error_response(bare).unwrap()).unwrap();
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 431 "));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        assert!(head.contains("date: Fri, 04 Dec 2026 01:00:00 GMT"));
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert!(json["error"].as_str().unwrap().contains("too large"));
        // Application responses carry more headers, or a body, or another status.
        for other in [
            &b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nx-request-id: 1\r\n\r\n"[..],
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 2\r\n\r\n",
            b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n{}",
            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
        ] {
            assert!(json_error_response(other).is_none(), "{other:?}");
        }
    }
}
