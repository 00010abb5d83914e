//! What the example app's HTTP tests share: the app served over fresh SQLite files, and one
//! request over a real TCP connection with its reply.

use std::net::SocketAddr;

use axum::Router;
use example_app::db::Database;
use example_app::serve::router;
use serde_json::Value;
use switchyard::Consistency;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A running server over SQLite files in a temporary directory.
pub struct Server {
    pub addr: SocketAddr,
    pub db: Database,
    _dir: tempfile::TempDir,
}

/// Connect to fresh SQLite files (whatever `DATABASE_URL` & co. say), each shard with a
/// replica, and create the tables.
pub async fn connect() -> (Database, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Database::config();
    for (cluster, shard) in config.shards() {
        let path = dir.path().join(format!("{cluster}_{shard}.sqlite3"));
        let path = path.display();
        config = config
            .writer(cluster, shard, format!("sqlite:{path}"))
            .replicas(cluster, shard, [format!("sqlite:{path}?mode=ro")]);
    }
    let db = Database::connect(config).await.expect("connect");
    db.create_tables().await.expect("create tables");
    (db, dir)
}

/// Serve `app` on `127.0.0.1:0`.
pub async fn serve(app: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// Serve the example's [`router`] with `consistency` over fresh SQLite files.
pub async fn start(consistency: Consistency) -> Server {
    let (db, dir) = connect().await;
    let addr = serve(router(db.clone(), consistency)).await;
    db.engine().reset_statement_counts();
    Server {
        addr,
        db,
        _dir: dir,
    }
}

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
