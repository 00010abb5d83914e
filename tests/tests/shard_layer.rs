//! `switchyard::ShardLayer` over a real axum server on a real socket, spoken to in raw HTTP/1.1:
//! each tenant's requests run on its shard (header `x-tenant`), an unknown tenant gets the
//! resolver's 404 without a statement, the layer stacks with `SelectorLayer` in both orders and
//! a refused nested scope is an error response. Where statements ran is read from the engine's
//! statement counts.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use switchyard::{
    Consistency, Error, Role, Selector, SelectorLayer, ShardLayer, ShardResolver, Shards,
};
use switchyard_tests::backend_test;
use switchyard_tests::db::{AnimalsShard, Database, NewDog, NewUser};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A handler's failure: 409 for a lock refusal, 500 otherwise, with the error's text.
fn failed(e: Error) -> (StatusCode, String) {
    let status = match e {
        Error::ShardLocked { .. } => StatusCode::CONFLICT,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (status, e.to_string())
}

/// `GET /dogs`: the names of the dogs on the default handle's shard.
async fn list(State(db): State<Database>) -> Result<Json<Value>, (StatusCode, String)> {
    let dogs = db.animals().dogs().all().await.map_err(failed)?;
    let mut names: Vec<String> = dogs.into_iter().map(|d| d.name).collect();
    names.sort();
    Ok(Json(json!(names)))
}

/// `POST /dogs/{name}`: insert a dog, answer how many there are now (a read after the write).
async fn create(
    State(db): State<Database>,
    Path(name): Path<String>,
) -> Result<(StatusCode, Json<Value>), (StatusCode, String)> {
    let dog = NewDog {
        name,
        ..Default::default()
    };
    db.animals().dogs().insert(dog).await.map_err(failed)?;
    let count = db.animals().dogs().count().await.map_err(failed)?;
    Ok((StatusCode::CREATED, Json(json!(count))))
}

/// `GET /peek`: count the dogs of the default shard through an explicit handle.
async fn peek(State(db): State<Database>) -> Result<Json<Value>, (StatusCode, String)> {
    let explicit = db.animals().shard(AnimalsShard::Default);
    let count = explicit.dogs().count().await.map_err(failed)?;
    Ok(Json(json!(count)))
}

fn routes(db: &Database) -> Router {
    Router::new()
        .route("/dogs", get(list))
        .route("/dogs/{name}", post(create))
        .route("/peek", get(peek))
        .with_state(db.clone())
}

fn unknown_tenant() -> Response {
    (StatusCode::NOT_FOUND, "unknown tenant").into_response()
}

/// The closure resolver: `x-tenant: a` → the default shard, `b` → shard_one, else 404.
fn by_header() -> ShardLayer<impl ShardResolver<Body>> {
    ShardLayer::new(|parts: &Parts| {
        let tenant = parts.headers.get("x-tenant").cloned();
        async move {
            match tenant.as_ref().map(|v| v.as_bytes()) {
                Some(b"a") => Ok(Shards::new().with(AnimalsShard::Default)),
                Some(b"b") => Ok(Shards::new().with(AnimalsShard::ShardOne)),
                _ => Err(unknown_tenant()),
            }
        }
    })
}

/// A resolver querying a tenant directory in the unsharded `primary` cluster: the tenant is
/// the user named by `x-tenant`, its shard the one at position `karma`. Its future borrows the
/// resolver and the request head.
#[derive(Clone)]
struct Directory(Database);

impl ShardResolver<Body> for Directory {
    async fn resolve(&self, parts: &Parts) -> Result<Shards, Response> {
        let Some(name) = parts.headers.get("x-tenant").and_then(|v| v.to_str().ok()) else {
            return Err(unknown_tenant());
        };
        match self.0.primary().users().find_by_username(name).await {
            Ok(Some(user)) => match usize::try_from(user.karma)
                .ok()
                .and_then(|i| AnimalsShard::ALL.get(i))
            {
                Some(shard) => Ok(Shards::new().with(*shard)),
                None => Err(unknown_tenant()),
            },
            Ok(None) => Err(unknown_tenant()),
            Err(e) => Err((StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response()),
        }
    }
}

/// Serve `app` on `127.0.0.1:0`.
async fn serve(app: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// Send one request (`Connection: close`, no body) with an optional `x-tenant`; the status and
/// the body (JSON when it parses, else a string).
async fn send(addr: SocketAddr, method: &str, path: &str, tenant: Option<&str>) -> (u16, Value) {
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(tenant) = tenant {
        request.push_str(&format!("x-tenant: {tenant}\r\n"));
    }
    request.push_str("Content-Length: 0\r\n\r\n");
    let mut stream = TcpStream::connect(addr).await.expect("connect to server");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read response");
    let raw = String::from_utf8(raw).expect("utf-8 response");
    let (head, body) = raw.split_once("\r\n\r\n").expect("header/body separator");
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "unexpected chunked response: {head}"
    );
    let status = head
        .lines()
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("status line");
    let body = serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_owned()));
    (status, body)
}

backend_test! {
    async fn tenants_never_see_each_others_rows(t) {
        let db = &t.db;
        let addr = serve(routes(db).layer(by_header())).await;
        assert_eq!(send(addr, "POST", "/dogs/Rex", Some("a")).await, (201, json!(1)));
        assert_eq!(send(addr, "POST", "/dogs/Fido", Some("b")).await, (201, json!(1)));
        assert_eq!(send(addr, "POST", "/dogs/Max", Some("b")).await, (201, json!(2)));
        let counts = t.counts();
        assert_eq!(counts.get("animals", "default", Role::Writer), 2, "{counts:?}");
        assert_eq!(counts.get("animals", "shard_one", Role::Writer), 4, "{counts:?}");

        assert_eq!(send(addr, "GET", "/dogs", Some("a")).await, (200, json!(["Rex"])));
        assert_eq!(send(addr, "GET", "/dogs", Some("b")).await, (200, json!(["Fido", "Max"])));
        // The rows are where the layer put them.
        let on = |shard| async move {
            db.animals().shard(shard).dogs().count().await.expect("count")
        };
        assert_eq!(on(AnimalsShard::Default).await, 1);
        assert_eq!(on(AnimalsShard::ShardOne).await, 2);

        // The layer's scope is locked by default: tenant b's handler cannot reach the default
        // shard through an explicit handle, and nothing runs.
        t.db.engine().reset_statement_counts();
        let (status, body) = send(addr, "GET", "/peek", Some("b")).await;
        assert_eq!(status, 409, "{body}");
        assert!(body.as_str().is_some_and(|b| b.contains("locked to shard `shard_one`")), "{body}");
        assert_eq!(t.counts().total(), 0, "{:?}", t.counts());
        // The same shard is allowed.
        assert_eq!(send(addr, "GET", "/peek", Some("a")).await, (200, json!(1)));

        // Unlocked, the explicit handle wins.
        let addr = serve(routes(db).layer(by_header().lock(false))).await;
        assert_eq!(send(addr, "GET", "/peek", Some("b")).await, (200, json!(1)));
        assert_eq!(send(addr, "GET", "/dogs", Some("b")).await, (200, json!(["Fido", "Max"])));
    }
}

backend_test! {
    async fn an_unknown_tenant_gets_the_resolvers_response_and_runs_nothing(t) {
        let db = &t.db;
        let addr = serve(routes(db).layer(by_header())).await;
        for (method, path) in [("GET", "/dogs"), ("POST", "/dogs/Rex"), ("GET", "/peek")] {
            for tenant in [Some("c"), Some(""), None] {
                let reply = send(addr, method, path, tenant).await;
                assert_eq!(reply, (404, json!("unknown tenant")), "{method} {path} {tenant:?}");
            }
        }
        assert_eq!(t.counts().total(), 0, "no statement ran: {:?}", t.counts());
        assert_eq!(db.animals().dogs().count().await.expect("count"), 0);
        assert_eq!(db.animals().shard(AnimalsShard::ShardOne).dogs().count().await.expect("count"), 0);

        // A resolver querying the database: only its lookup runs for an unknown tenant.
        for (username, karma) in [("acme", 0), ("globex", 1)] {
            db.primary().users().insert(NewUser {
                username: username.into(), email: format!("{username}@example.com"), karma: Some(karma),
                ..Default::default()
            }).await.expect("tenant");
        }
        let addr = serve(routes(db).layer(ShardLayer::new(Directory(db.clone())))).await;
        t.db.engine().reset_statement_counts();
        assert_eq!(send(addr, "POST", "/dogs/Rex", Some("unknown")).await, (404, json!("unknown tenant")));
        let counts = t.counts();
        assert_eq!(counts.cluster("primary"), 1, "the lookup: {counts:?}");
        assert_eq!(counts.cluster("animals"), 0, "{counts:?}");

        assert_eq!(send(addr, "POST", "/dogs/Rex", Some("acme")).await, (201, json!(1)));
        assert_eq!(send(addr, "POST", "/dogs/Fido", Some("globex")).await, (201, json!(1)));
        assert_eq!(send(addr, "GET", "/dogs", Some("acme")).await, (200, json!(["Rex"])));
        assert_eq!(send(addr, "GET", "/dogs", Some("globex")).await, (200, json!(["Fido"])));
        let counts = t.counts();
        assert_eq!(counts.shard("animals", "default"), 3, "{counts:?}");
        assert_eq!(counts.shard("animals", "shard_one"), 3, "{counts:?}");
    }
}

/// The request's reads follow the selector on the tenant's shard, whichever layer is outside.
async fn routes_reads_on_the_tenants_shard(
    t: &switchyard_tests::harness::TestDb,
    addr: SocketAddr,
) {
    let db = &t.db;
    db.engine().reset_statement_counts();
    // A write request: the insert and the read after it on tenant a's (the default shard's)
    // writer.
    assert_eq!(
        send(addr, "POST", "/dogs/Rex", Some("a")).await,
        (201, json!(1))
    );
    let counts = t.counts();
    assert_eq!(
        counts.get("animals", "default", Role::Writer),
        2,
        "{counts:?}"
    );
    assert_eq!(
        counts.get("animals", "default", Role::Replica(0)),
        0,
        "{counts:?}"
    );
    assert_eq!(counts.shard("animals", "shard_one"), 0, "{counts:?}");

    // A read request without a recent write: the default shard's replica.
    db.engine().reset_statement_counts();
    assert_eq!(
        send(addr, "GET", "/dogs", Some("a")).await,
        (200, json!(["Rex"]))
    );
    let counts = t.counts();
    assert_eq!(
        counts.get("animals", "default", Role::Replica(0)),
        1,
        "{counts:?}"
    );
    assert_eq!(
        counts.get("animals", "default", Role::Writer),
        0,
        "{counts:?}"
    );
    assert_eq!(counts.shard("animals", "shard_one"), 0, "{counts:?}");

    // Tenant b: shard_one has no replica, its reads go to its writer.
    db.engine().reset_statement_counts();
    assert_eq!(
        send(addr, "GET", "/dogs", Some("b")).await,
        (200, json!([]))
    );
    let counts = t.counts();
    assert_eq!(
        counts.get("animals", "shard_one", Role::Writer),
        1,
        "{counts:?}"
    );
    assert_eq!(counts.shard("animals", "default"), 0, "{counts:?}");

    // An unknown tenant still runs nothing.
    db.engine().reset_statement_counts();
    assert_eq!(
        send(addr, "GET", "/dogs", Some("c")).await,
        (404, json!("unknown tenant"))
    );
    assert_eq!(t.counts().total(), 0, "{:?}", t.counts());

    // Clean up for the other order.
    db.animals()
        .handle()
        .execute_raw("DELETE FROM dogs")
        .await
        .expect("delete");
}

backend_test! {
    async fn stacks_with_the_selector_layer_in_both_orders(t) {
        let db = &t.db;
        let selector = Selector::new(Consistency::default());
        // The selector outside, the shard layer inside.
        let addr = serve(routes(db).layer(by_header()).layer(SelectorLayer::new(selector.clone()))).await;
        routes_reads_on_the_tenants_shard(t, addr).await;
        // The shard layer outside, the selector inside.
        let addr = serve(routes(db).layer(SelectorLayer::new(selector)).layer(by_header())).await;
        routes_reads_on_the_tenants_shard(t, addr).await;
    }
}

backend_test! {
    async fn a_refused_nested_scope_is_an_error_response(t) {
        let db = &t.db;
        // An inner layer always choosing shard_one, under the tenant layer.
        let always_one = || ShardLayer::new(|_: &Parts| async {
            Ok::<_, Response>(Shards::new().with(AnimalsShard::ShardOne))
        });
        let addr = serve(routes(db).layer(always_one()).layer(by_header())).await;
        // Tenant a is locked to the default shard: the inner scope is refused, the handler not
        // called.
        let (status, body) = send(addr, "POST", "/dogs/Rex", Some("a")).await;
        assert_eq!(status, 500, "{body}");
        assert_eq!(t.counts().total(), 0, "{:?}", t.counts());
        // Tenant b's shard is the same shard: allowed.
        assert_eq!(send(addr, "POST", "/dogs/Rex", Some("b")).await, (201, json!(1)));

        // With the outer layer unlocked, the inner scope replaces it.
        let addr = serve(routes(db).layer(always_one()).layer(by_header().lock(false))).await;
        t.db.engine().reset_statement_counts();
        assert_eq!(send(addr, "POST", "/dogs/Fido", Some("a")).await, (201, json!(2)));
        let counts = t.counts();
        assert_eq!(counts.shard("animals", "default"), 0, "{counts:?}");
        assert_eq!(counts.get("animals", "shard_one", Role::Writer), 2, "{counts:?}");
    }
}
