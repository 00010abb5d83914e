//! The HTTP API against a real axum server on a real socket, spoken to in raw HTTP/1.1: which
//! server each request's statements ran on, read from the engine's statement counts.
//!
//! On SQLite a replica is the writer's own file opened read-only (`?mode=ro`), so a replica
//! read and a writer read return the same rows; only the counts tell them apart.

use std::net::SocketAddr;

use example_app::db::Database;
use serde_json::{Value, json};
use switchyard::{Consistency, Role};

mod support;
use support::{Reply, Server, start};

/// Send one request with an optional `Cookie` and JSON body.
async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let headers: Vec<(&str, &str)> = cookie.map(|c| ("Cookie", c)).into_iter().collect();
    support::send(addr, method, path, &headers, body).await
}

/// Statements per server of `primary` and `content` since the last reset, printed and reset.
struct Counts {
    primary_writer: u64,
    primary_replica: u64,
    content_writer: u64,
    content_replica: u64,
    replicas: u64,
}

fn take_counts(db: &Database, step: &str) -> Counts {
    let c = db.engine().statement_counts();
    db.engine().reset_statement_counts();
    let counts = Counts {
        primary_writer: c.get("primary", "default", Role::Writer),
        primary_replica: c.get("primary", "default", Role::Replica(0)),
        content_writer: c.get("content", "default", Role::Writer),
        content_replica: c.get("content", "default", Role::Replica(0)),
        replicas: c.replicas(),
    };
    println!(
        "{step}: primary writer {}, primary replica {}, content writer {}, content replica {} \
         (all replicas {}, total {})",
        counts.primary_writer,
        counts.primary_replica,
        counts.content_writer,
        counts.content_replica,
        counts.replicas,
        c.total()
    );
    counts
}

/// POST a user as a new session; its id and the session's cookie.
async fn create_user(server: &Server, username: &str) -> (i64, String) {
    let reply = send(
        server.addr,
        "POST",
        "/users",
        None,
        Some(json!({ "username": username, "email": format!("{username}@example.com") })),
    )
    .await;
    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(reply.body["username"], username);
    let cookie = reply.cookie.expect("a write sets the session cookie");
    assert!(
        cookie.starts_with("switchyard_last_write="),
        "cookie {cookie}"
    );
    let id = reply.body["id"].as_i64().expect("user id");
    (id, cookie)
}

#[tokio::test]
async fn read_your_writes_then_replicas() {
    let server = start(Consistency::default()).await;
    let db = &server.db;

    // 1. Session A writes: a user on `primary`, then a post on `content`. A write request runs
    // every statement on writers, its reads included (the post's user lookup and validation).
    let (id, cookie) = create_user(&server, "ada").await;
    let c = take_counts(db, "POST /users (no cookie)");
    assert!(c.primary_writer >= 1);
    assert_eq!(c.replicas, 0, "a write request never reads a replica");
    let reply = send(
        server.addr,
        "POST",
        &format!("/users/{id}/posts"),
        Some(&cookie),
        Some(json!({ "title": "Notes", "body": "On the Analytical Engine" })),
    )
    .await;
    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(reply.body["user_id"], id);
    let cookie = reply.cookie.expect("the post's write renews the cookie");
    let c = take_counts(db, "POST /users/{id}/posts (session A)");
    assert!(c.primary_writer >= 1 && c.content_writer >= 1);
    assert_eq!(c.replicas, 0, "a write request never reads a replica");

    // 2. Session A reads right after: within the delay, both databases are read on their
    // writers, so the session sees its own writes.
    let reply = send(
        server.addr,
        "GET",
        &format!("/users/{id}"),
        Some(&cookie),
        None,
    )
    .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["username"], "ada");
    assert_eq!(reply.body["posts"][0]["title"], "Notes");
    assert_eq!(reply.cookie, None, "a read request sets no cookie");
    let c = take_counts(db, "GET /users/{id} (session A, just wrote)");
    assert!(
        c.primary_writer >= 1,
        "read-your-writes: the user from the writer"
    );
    assert_eq!(c.primary_replica, 0);
    assert!(
        c.content_writer >= 1,
        "read-your-writes: the posts from the writer"
    );
    assert_eq!(c.content_replica, 0);

    // 3. A fresh session (no cookie) reads the same user from the replicas.
    let reply = send(server.addr, "GET", &format!("/users/{id}"), None, None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["username"], "ada");
    assert_eq!(reply.body["posts"][0]["title"], "Notes");
    let c = take_counts(db, "GET /users/{id} (fresh session)");
    assert!(c.primary_replica >= 1, "a fresh session reads the replica");
    assert_eq!(c.primary_writer, 0);
    assert!(c.content_replica >= 1);
    assert_eq!(c.content_writer, 0);

    // A session whose last write is older than the delay (2 s) reads replicas again; the
    // cookie holds the write's time in Unix milliseconds, here long ago.
    let reply = send(
        server.addr,
        "GET",
        &format!("/users/{id}/posts"),
        Some("switchyard_last_write=1000"),
        None,
    )
    .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body[0]["title"], "Notes");
    let c = take_counts(db, "GET /users/{id}/posts (session wrote long ago)");
    assert!(c.primary_replica >= 1 && c.content_replica >= 1);
    assert_eq!(c.primary_writer + c.content_writer, 0);
}

#[tokio::test]
async fn causal_mode_on_sqlite_reads_replicas_after_a_write() {
    let server = start(Consistency::Causal).await;
    let db = &server.db;

    let (id, cookie) = create_user(&server, "grace").await;
    let c = take_counts(db, "causal: POST /users (no cookie)");
    assert!(c.primary_writer >= 1);
    assert_eq!(c.replicas, 0);

    // In causal mode a read goes to a replica once it has replayed the session's last write.
    // A SQLite writer records no replication position (its replica is the same file, always
    // caught up), so the cookie carries none and the very next read may, and does, use the
    // replica while still seeing the write. On PostgreSQL or MariaDB the cookie would carry
    // the writer's LSN or GTID and the replica would be checked against it first.
    let reply = send(
        server.addr,
        "GET",
        &format!("/users/{id}"),
        Some(&cookie),
        None,
    )
    .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["username"], "grace");
    let c = take_counts(db, "causal: GET /users/{id} (session just wrote)");
    assert!(
        c.primary_replica >= 1,
        "caught up: the replica serves the read"
    );
    assert_eq!(c.primary_writer, 0);
}

#[tokio::test]
async fn errors_and_health() {
    let server = start(Consistency::default()).await;
    let (id, _) = create_user(&server, "linus").await;

    let duplicate = send(
        server.addr,
        "POST",
        "/users",
        None,
        Some(json!({ "username": "linus", "email": "other@example.com" })),
    )
    .await;
    assert_eq!(duplicate.status, 409, "{duplicate:?}");
    assert!(
        duplicate.body["error"]
            .as_str()
            .is_some_and(|e| e.contains("unique")),
        "{duplicate:?}"
    );

    let missing = send(
        server.addr,
        "GET",
        &format!("/users/{}", id + 1000),
        None,
        None,
    )
    .await;
    assert_eq!(missing.status, 404, "{missing:?}");
    let post_to_missing = send(
        server.addr,
        "POST",
        &format!("/users/{}/posts", id + 1000),
        None,
        Some(json!({ "title": "t", "body": "b" })),
    )
    .await;
    assert_eq!(post_to_missing.status, 404, "{post_to_missing:?}");
    let bad_body = send(
        server.addr,
        "POST",
        "/users",
        None,
        Some(json!({ "username": "no email" })),
    )
    .await;
    assert_eq!(bad_body.status, 422, "{bad_body:?}");
    assert!(bad_body.body["error"].is_string(), "{bad_body:?}");

    let health = send(server.addr, "GET", "/health", None, None).await;
    assert_eq!(health.status, 200, "{health:?}");
    assert_eq!(health.body["ok"], true, "{health:?}");
    let replicas = health.body["replicas"].as_array().expect("replicas");
    // One replica per shard here (the test gives `animals/shard_one` one too).
    assert_eq!(replicas.len(), 4, "{health:?}");
    assert!(replicas.iter().all(|r| r["in_rotation"] == true));
}

/// The generated types as the API's JSON (`[options] serde = true`): `POST /users` takes a
/// `NewUser` (the key and creation time stay the database's), `PATCH /users/{id}` a `UserPatch`,
/// whose absent fields are left as they are and whose `null` clears a nullable field.
#[tokio::test]
async fn generated_types_as_json() {
    let server = start(Consistency::default()).await;
    let created = send(
        server.addr,
        "POST",
        "/users",
        None,
        Some(json!({
            "id": 4242,
            "username": "hedy",
            "email": "hedy@example.com",
            "bio": "Inventor.",
            "created_at": "2001-01-01T00:00:00Z",
        })),
    )
    .await;
    assert_eq!(created.status, 201, "{created:?}");
    let id = created.body["id"].as_i64().expect("user id");
    assert_ne!(id, 4242, "the database assigns the key");
    assert_ne!(created.body["created_at"], "2001-01-01T00:00:00Z");
    let user = created.body.as_object().expect("a user object");
    let mut keys: Vec<&str> = user.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["bio", "created_at", "email", "id", "username"]);

    let path = format!("/users/{id}");
    let renamed = send(
        server.addr,
        "PATCH",
        &path,
        None,
        Some(json!({ "email": "lamarr@example.com" })),
    )
    .await;
    assert_eq!(renamed.status, 200, "{renamed:?}");
    assert_eq!(renamed.body["email"], "lamarr@example.com");
    assert_eq!(renamed.body["bio"], "Inventor.", "absent: unchanged");
    assert_eq!(renamed.body["created_at"], created.body["created_at"]);

    let cleared = send(
        server.addr,
        "PATCH",
        &path,
        None,
        Some(json!({ "bio": null, "created_at": "2001-01-01T00:00:00Z" })),
    )
    .await;
    assert_eq!(cleared.status, 200, "{cleared:?}");
    assert_eq!(cleared.body["bio"], Value::Null, "null: set to NULL");
    assert_eq!(cleared.body["email"], "lamarr@example.com");
    assert_eq!(
        cleared.body["created_at"], created.body["created_at"],
        "the creation time is not the client's to change"
    );

    let refused = send(
        server.addr,
        "PATCH",
        &path,
        None,
        Some(json!({ "username": null })),
    )
    .await;
    assert_eq!(
        refused.status, 422,
        "null for a required field: {refused:?}"
    );
    let missing = send(
        server.addr,
        "PATCH",
        &format!("/users/{}", id + 1000),
        None,
        Some(json!({ "bio": "x" })),
    )
    .await;
    assert_eq!(missing.status, 404, "{missing:?}");
}
