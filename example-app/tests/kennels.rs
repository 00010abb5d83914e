//! The tenant-sharded `/dogs` endpoints against a real axum server on a real socket, spoken to
//! in raw HTTP/1.1: the `X-Kennel` header picks the kennel, `switchyard::ShardLayer` (locked)
//! runs the request on the kennel's shard of `animals` under the router's `SelectorLayer`, and
//! each kennel sees only its own dogs; without a kennel the layer answers 404 and nothing
//! runs. A probe route behind `kennel_layer()` alone shows the request's scope and its lock.
//! Which server each request's statements ran on is read from the engine's statement counts.
//!
//! SQLite only, like `http.rs`: every shard is a file in a temporary directory, with a replica
//! that is the same file opened read-only, so only the counts tell a replica read from a
//! writer read.

use std::net::SocketAddr;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use example_app::db::{AnimalsShard, Database, NewDog};
use example_app::serve::kennel_layer;
use serde_json::{Value, json};
use switchyard::{Consistency, Error, Role, StatementCounts};

mod support;
use support::{Reply, Server, connect, serve};

/// Serve the example's [`router`] over fresh SQLite files.
async fn start() -> Server {
    support::start(Consistency::default()).await
}

/// Send one request with an optional `X-Kennel`, `Cookie` and JSON body.
async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    kennel: Option<&str>,
    cookie: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let headers: Vec<(&str, &str)> = kennel
        .map(|k| ("X-Kennel", k))
        .into_iter()
        .chain(cookie.map(|c| ("Cookie", c)))
        .collect();
    support::send(addr, method, path, &headers, body).await
}

/// Statements per server since the last reset, printed and reset.
fn take_counts(db: &Database, step: &str) -> StatementCounts {
    let counts = db.engine().statement_counts();
    db.engine().reset_statement_counts();
    let servers: Vec<String> = counts
        .iter()
        .map(|(cluster, shard, role, n)| format!("{cluster}/{shard}/{role}: {n}"))
        .collect();
    println!("{step}: {}", servers.join(", "));
    counts
}

/// The first of `candidates` whose dogs `shard_by = "hash"` places on `shard`, other than
/// `except`.
fn kennel_on(shard: AnimalsShard, except: &[&str]) -> &'static str {
    const CANDIDATES: [&str; 8] = [
        "riverside",
        "hilltop",
        "harbor",
        "lakeside",
        "meadow",
        "willow",
        "oakwood",
        "cedar",
    ];
    CANDIDATES
        .into_iter()
        .find(|k| !except.contains(k) && AnimalsShard::for_key(*k).expect("hash") == shard)
        .unwrap_or_else(|| panic!("no candidate kennel on {shard:?}"))
}

/// POST a dog of `kennel` as a new session; the session's cookie.
async fn create_dog(server: &Server, kennel: &str, name: &str) -> String {
    let reply = send(
        server.addr,
        "POST",
        "/dogs",
        Some(kennel),
        None,
        Some(json!({ "name": name })),
    )
    .await;
    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(reply.body["name"], name);
    assert_eq!(reply.body["kennel"], kennel);
    assert_eq!(reply.body["good"], true);
    reply.cookie.expect("a write sets the session cookie")
}

/// The names of the dogs a `GET /dogs` answered.
fn names(reply: &Reply) -> Vec<&str> {
    assert_eq!(reply.status, 200, "{reply:?}");
    let dogs = reply.body.as_array().expect("an array of dogs");
    dogs.iter()
        .map(|dog| dog["name"].as_str().expect("name"))
        .collect()
}

#[tokio::test]
async fn each_kennel_sees_its_own_dogs_on_its_own_shard() {
    let server = start().await;
    let db = &server.db;
    // Two kennels on the default shard, one on shard_one.
    let a = kennel_on(AnimalsShard::Default, &[]);
    let b = kennel_on(AnimalsShard::ShardOne, &[]);
    let a2 = kennel_on(AnimalsShard::Default, &[a]);
    println!("kennels {a} and {a2} on the default shard, {b} on shard_one");

    // Writes: each on its kennel's shard's writer, nothing on the other shard.
    create_dog(&server, a, "Rex").await;
    let c = take_counts(db, &format!("POST /dogs ({a})"));
    assert_eq!(c.get("animals", "default", Role::Writer), 1, "{c:?}");
    assert_eq!(c.shard("animals", "shard_one"), 0, "{c:?}");
    create_dog(&server, a2, "Bella").await;
    let b_cookie = create_dog(&server, b, "Max").await;
    create_dog(&server, b, "Fido").await;
    let c = take_counts(db, &format!("POST /dogs ({a2}, {b}, {b})"));
    assert_eq!(c.get("animals", "default", Role::Writer), 1, "{c:?}");
    assert_eq!(c.get("animals", "shard_one", Role::Writer), 2, "{c:?}");
    assert_eq!(c.replicas(), 0, "a write request never reads a replica");
    // The rows are where the layer put them.
    let on = |shard| async move {
        let explicit = db.animals().shard(shard);
        explicit.dogs().count().await.expect("count")
    };
    assert_eq!(on(AnimalsShard::Default).await, 2);
    assert_eq!(on(AnimalsShard::ShardOne).await, 2);
    db.engine().reset_statement_counts();

    // Reads of a fresh session (no cookie): the kennel's shard's replica, one statement, and
    // only the kennel's dogs (not those of the kennel sharing its shard).
    let reply = send(server.addr, "GET", "/dogs", Some(a), None, None).await;
    assert_eq!(names(&reply), ["Rex"]);
    assert_eq!(reply.cookie, None, "a read request sets no cookie");
    let c = take_counts(db, &format!("GET /dogs ({a})"));
    assert_eq!(c.get("animals", "default", Role::Replica(0)), 1, "{c:?}");
    assert_eq!(c.total(), 1, "{c:?}");
    let reply = send(server.addr, "GET", "/dogs", Some(a2), None, None).await;
    assert_eq!(names(&reply), ["Bella"]);
    let c = take_counts(db, &format!("GET /dogs ({a2})"));
    assert_eq!(c.get("animals", "default", Role::Replica(0)), 1, "{c:?}");
    assert_eq!(c.total(), 1, "{c:?}");
    let reply = send(server.addr, "GET", "/dogs", Some(b), None, None).await;
    assert_eq!(names(&reply), ["Fido", "Max"], "ordered by name");
    assert!(
        reply
            .body
            .as_array()
            .expect("dogs")
            .iter()
            .all(|d| d["kennel"] == b)
    );
    let c = take_counts(db, &format!("GET /dogs ({b})"));
    assert_eq!(c.get("animals", "shard_one", Role::Replica(0)), 1, "{c:?}");
    assert_eq!(c.total(), 1, "{c:?}");

    // The selector still applies inside the kennel's shard: a session that just wrote reads
    // that shard's writer.
    let reply = send(server.addr, "GET", "/dogs", Some(b), Some(&b_cookie), None).await;
    assert_eq!(names(&reply), ["Fido", "Max"]);
    let c = take_counts(db, &format!("GET /dogs ({b}, just wrote)"));
    assert_eq!(c.get("animals", "shard_one", Role::Writer), 1, "{c:?}");
    assert_eq!(c.total(), 1, "{c:?}");

    // A kennel with no dogs yet is a kennel: an empty list, from its shard only.
    let empty = kennel_on(AnimalsShard::ShardOne, &[b]);
    let reply = send(server.addr, "GET", "/dogs", Some(empty), None, None).await;
    assert_eq!(names(&reply), Vec::<&str>::new());
    let c = take_counts(db, &format!("GET /dogs ({empty})"));
    assert_eq!(c.shard("animals", "shard_one"), 1, "{c:?}");
    assert_eq!(c.total(), 1, "{c:?}");
}

#[tokio::test]
async fn no_kennel_is_a_404_without_a_statement() {
    let server = start().await;
    let db = &server.db;
    let too_long = "k".repeat(64);
    for kennel in [
        None,
        Some(""),
        Some("Harbor"),
        Some("no spaces"),
        Some("-harbor"),
        Some("under_score"),
        Some(too_long.as_str()),
    ] {
        for (method, body) in [("GET", None), ("POST", Some(json!({ "name": "Rex" })))] {
            let reply = send(server.addr, method, "/dogs", kennel, None, body).await;
            assert_eq!(reply.status, 404, "{method} /dogs {kennel:?}: {reply:?}");
            assert!(
                reply.body["error"]
                    .as_str()
                    .is_some_and(|e| e.contains("no kennel")),
                "{reply:?}"
            );
            assert_eq!(reply.cookie, None, "{reply:?}");
        }
    }
    let c = take_counts(db, "refused requests");
    assert_eq!(c.total(), 0, "no statement ran: {c:?}");
    assert_eq!(
        db.animals()
            .all_shards()
            .dogs()
            .count()
            .await
            .expect("count"),
        0
    );

    // A bad body of a good kennel is the handler's 422, after the layer.
    let reply = send(
        server.addr,
        "POST",
        "/dogs",
        Some("harbor"),
        None,
        Some(json!({ "breed": "no name" })),
    )
    .await;
    assert_eq!(reply.status, 422, "{reply:?}");

    // The other routes are not behind the kennel layer.
    let health = send(server.addr, "GET", "/health", None, None, None).await;
    assert_eq!(health.status, 200, "{health:?}");
    let user = send(
        server.addr,
        "POST",
        "/users",
        None,
        None,
        Some(json!({ "username": "ada", "email": "ada@example.com" })),
    )
    .await;
    assert_eq!(user.status, 201, "{user:?}");
}

/// `GET /probe` behind [`kennel_layer`] alone: what the request's scope lets the default and
/// an explicit handle of `animals` see. `all`: every dog the default handle reaches without a
/// filter on the kennel; `default`: the count on an explicit handle on the default shard, or
/// the error's kind.
async fn probe(State(db): State<Database>) -> Json<Value> {
    let all = db.animals().dogs().query().all().await.expect("dogs");
    let mut names: Vec<String> = all.into_iter().map(|d| d.name).collect();
    names.sort();
    let explicit = db.animals().shard(AnimalsShard::Default);
    let default = match explicit.dogs().count().await {
        Ok(n) => json!(n),
        Err(Error::ShardLocked { .. }) => json!("locked"),
        Err(e) => json!(e.to_string()),
    };
    Json(json!({ "all": names, "default": default }))
}

#[tokio::test]
async fn the_kennel_layer_scopes_and_locks_the_request() {
    let (db, _dir) = connect().await;
    let a = kennel_on(AnimalsShard::Default, &[]);
    let b = kennel_on(AnimalsShard::ShardOne, &[]);
    let a2 = kennel_on(AnimalsShard::Default, &[a]);
    let dogs = [(a, "Rex"), (a2, "Bella"), (b, "Fido"), (b, "Max")].map(|(kennel, name)| NewDog {
        kennel: kennel.into(),
        name: name.into(),
        ..Default::default()
    });
    db.animals().dogs().insert_many(&dogs).await.expect("dogs");
    let addr = serve(
        Router::new()
            .route("/probe", get(probe))
            .with_state(db.clone())
            .layer(kennel_layer()),
    )
    .await;
    db.engine().reset_statement_counts();

    // Outside a scope the same query reaches both shards (a keyed model, no pinned key).
    let everywhere = db.animals().dogs().query().count().await.expect("count");
    assert_eq!(everywhere, 4);
    db.engine().reset_statement_counts();

    // In kennel a's scope: the default shard's dogs only, and an explicit handle on that same
    // shard is allowed.
    let reply = send(addr, "GET", "/probe", Some(a), None, None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body, json!({ "all": ["Bella", "Rex"], "default": 2 }));
    let c = take_counts(&db, &format!("GET /probe ({a})"));
    assert_eq!(c.shard("animals", "shard_one"), 0, "{c:?}");

    // In kennel b's scope: shard_one's dogs only, and the lock refuses the explicit handle on
    // the default shard before it runs anything.
    let reply = send(addr, "GET", "/probe", Some(b), None, None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        reply.body,
        json!({ "all": ["Fido", "Max"], "default": "locked" })
    );
    let c = take_counts(&db, &format!("GET /probe ({b})"));
    assert_eq!(c.get("animals", "shard_one", Role::Writer), 1, "{c:?}");
    assert_eq!(c.total(), 1, "{c:?}");

    // No kennel: the layer's 404; the handler is never called.
    let reply = send(addr, "GET", "/probe", Some("Not A Kennel"), None, None).await;
    assert_eq!(reply.status, 404, "{reply:?}");
    assert!(
        reply.body["error"]
            .as_str()
            .is_some_and(|e| e.contains("no kennel"))
    );
    let c = take_counts(&db, "GET /probe (no kennel)");
    assert_eq!(c.total(), 0, "{c:?}");
}
