//! What the example app's HTTP tests share: one request over a real TCP connection, and its
//! reply.

use std::net::SocketAddr;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A response: status, the `switchyard_last_write`-style cookie it set (if any), JSON body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub cookie: Option<String>,
    pub body: Value,
}

/// Send one request (`Connection: close`) with `headers` and an optional JSON body.
pub async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Reply {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        request.push_str("Content-Type: application/json\r\n");
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    let mut stream = TcpStream::connect(addr).await.expect("connect to server");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read response");
    let raw = String::from_utf8(raw).expect("utf-8 response");
    let (head, body) = raw.split_once("\r\n\r\n").expect("header/body separator");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("status line");
    let mut cookie = None;
    for line in lines {
        let (name, value) = line.split_once(':').expect("header line");
        assert!(
            !(name.eq_ignore_ascii_case("transfer-encoding") && value.contains("chunked")),
            "chunked responses are not expected from JSON endpoints"
        );
        if name.eq_ignore_ascii_case("set-cookie") {
            cookie = value.trim().split(';').next().map(str::to_owned);
        }
    }
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).unwrap_or_else(|e| panic!("JSON body ({e}): {body}"))
    };
    Reply {
        status,
        cookie,
        body,
    }
}
