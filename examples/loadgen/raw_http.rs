//! A minimal HTTP/1.1 client for the webhook flood.
//!
//! The generator shares the server's two cores, so every microsecond it spends per
//! request is taken from the service being measured. Requests are rendered (and signed)
//! before the clock starts; a connection then only writes the bytes and reads the reply
//! far enough to know its status. reqwest cost ≈43 µs of CPU per webhook here, this
//! client ≈10 µs (BENCHMARKS.md).

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One kept-alive connection.
pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    pub async fn connect(addr: &str) -> io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(4096),
        })
    }

    /// Sends one rendered request and returns the reply's status code once the whole
    /// reply (headers and `Content-Length` body) has been read.
    pub async fn send(&mut self, request: &[u8]) -> io::Result<u16> {
        self.stream.write_all(request).await?;
        self.buf.clear();
        loop {
            if let Some((status, total)) = parse_reply(&self.buf)? {
                if self.buf.len() >= total {
                    self.buf.drain(..total);
                    return Ok(status);
                }
            }
            let mut chunk = [0u8; 4096];
            let n = self.stream.read(&mut chunk).await?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

/// Status and total length (head + body) of the reply in `buf`, once its head is there.
fn parse_reply(buf: &[u8]) -> io::Result<Option<(u16, usize)>> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut reply = httparse::Response::new(&mut headers);
    let head = match reply.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
    };
    let body = reply
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
        .and_then(|h| {
            std::str::from_utf8(h.value)
                .ok()?
                .trim()
                .parse::<usize>()
                .ok()
        })
        .unwrap_or(0);
    Ok(Some((reply.code.unwrap_or(0), head + body)))
}

/// A `POST` of a form body with the given extra headers, ready to write.
pub fn render_post(host: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut out = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(body);
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_is_complete_only_with_its_body() {
        let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello";
        assert_eq!(parse_reply(&reply[..20]).unwrap(), None);
        assert_eq!(parse_reply(reply).unwrap(), Some((200, reply.len())));
    }
}
