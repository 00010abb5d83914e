//! An HTTP API over the example's models, with automatic replica selection per request and a
//! shard per tenant.
//!
//! [`router`] wraps every route in a [`switchyard::SelectorLayer`]. The handlers use the
//! default cluster handles (`db.primary()`, `db.content()`, `db.animals()`), never
//! `.reading()` or `.writing()`, so the layer decides where each statement runs:
//!
//! - `POST` requests run every statement on the writers, and the response sets the cookie
//!   `switchyard_last_write`;
//! - `GET` requests read from replicas, unless the session's cookie says it wrote recently
//!   (within 2 s by default; in causal mode, unless the replica has not replayed that write),
//!   in which case they read from the writers and see their own writes.
//!
//! The `/dogs` routes are per tenant: the kennel named by the request's `X-Kennel` header
//! ([`KENNEL_HEADER`]). A [`switchyard::ShardLayer`], locked, runs each of their requests in
//! a [`switchyard::Shards`] scope on the kennel's shard (`AnimalsShard::for_key(kennel)`, the
//! shard that `shard_key = "kennel"` places its dogs on), under the selector: a GET reads that
//! shard's replica (or its writer, per the selector), a POST writes its writer. A request
//! without a valid kennel name (see [`kennel_name`]) gets a 404 from the layer, before the
//! handler and without a statement. Two kennels may share a shard, so the handlers filter by
//! kennel too.
//!
//! | method and path | what it does |
//! |---|---|
//! | `POST /users` | `{"username", "email", "bio"?}` → 201 and the user |
//! | `GET /users/{id}` | the user with its posts, loaded eagerly (one query per database) |
//! | `POST /users/{id}/posts` | `{"title", "body"}` → 201 and the post (in cluster `content`) |
//! | `GET /users/{id}/posts` | the user's posts, newest first |
//! | `GET /health` | every replica and whether it is in rotation |
//! | `POST /dogs` + `X-Kennel` | `{"name", "breed"?}` → 201 and the dog, on the kennel's shard |
//! | `GET /dogs` + `X-Kennel` | the kennel's dogs by name, read on its shard only |
//!
//! Errors are JSON `{"error": "..."}`: 404 for a missing user or kennel, 409 for a username
//! that is taken, 422 for a post whose user is gone, 400/415/422 for a body that is not the
//! expected JSON, 500 otherwise. Messages come from [`switchyard::Error`], whose server
//! addresses and driver messages never show a password.

use axum::body::Body;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use switchyard::chrono::{DateTime, NaiveDate, Utc};
use switchyard::uuid::Uuid;
use switchyard::{Consistency, Selector, SelectorLayer, ShardLayer, ShardResolver, Shards};

use crate::db::{AnimalsShard, Database, Dog, LoadedUser, NewDog, NewPost, NewUser, Post, User};

/// The API's routes over `db`, each request run through a selector with `consistency`; the
/// `/dogs` routes also through a locked [`ShardLayer`] on the shard of the request's kennel.
pub fn router(db: Database, consistency: Consistency) -> Router {
    let kennels = Router::new()
        .route("/dogs", get(list_dogs).post(create_dog))
        .layer(kennel_layer());
    Router::new()
        .route("/health", get(health))
        .route("/users", post(create_user))
        .route("/users/{id}", get(show_user))
        .route("/users/{id}/posts", get(list_posts).post(create_post))
        .merge(kennels)
        .with_state(db)
        .layer(SelectorLayer::new(Selector::new(consistency)))
}

/// The request header that names the kennel (the tenant) of a `/dogs` request.
pub const KENNEL_HEADER: &str = "x-kennel";

/// Whether `name` is a kennel's name: 1 to 63 lowercase ASCII letters, digits and `-`, neither
/// first nor last (a DNS label, so a kennel could as well come from the request's host). Every
/// such name is a kennel (its shard is the hash of the name), even one without dogs yet.
pub fn kennel_name(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// The kennel the `X-Kennel` header names, if it is a kennel's name.
fn kennel_of(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(KENNEL_HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|name| kennel_name(name))
}

/// The layer in front of the `/dogs` routes: every request in a locked [`Shards`] scope on
/// its kennel's shard of `animals` ([`KennelShard`]), or a 404 without a kennel. Inside, the
/// default handles of `animals` reach that shard only; an explicit `.shard(other)` handle is
/// refused with [`switchyard::Error::ShardLocked`].
pub fn kennel_layer() -> ShardLayer<KennelShard> {
    ShardLayer::new(KennelShard).lock(true)
}

/// The [`ShardLayer`]'s resolver: the scope on the kennel's shard of cluster `animals`
/// (`AnimalsShard::for_key(kennel)`), or 404 for a request whose `X-Kennel` header names no
/// kennel (then nothing runs, not even the handler).
#[derive(Debug, Clone, Copy)]
pub struct KennelShard;

impl ShardResolver<Body> for KennelShard {
    async fn resolve(&self, parts: &Parts) -> Result<Shards, Response> {
        let kennel =
            kennel_of(&parts.headers).ok_or_else(|| ApiError::no_kennel().into_response())?;
        // With `shard_by = "hash"` every name has a shard; a range or list cluster could answer
        // `NoShardForKey`: a kennel not hosted here.
        let shard =
            AnimalsShard::for_key(kennel).map_err(|_| ApiError::no_kennel().into_response())?;
        Ok(Shards::new().with(shard))
    }
}

/// The kennel of a `/dogs` request, from its `X-Kennel` header (404 without one).
struct Kennel(String);

impl<S: Send + Sync> FromRequestParts<S> for Kennel {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        kennel_of(&parts.headers)
            .map(|name| Kennel(name.to_owned()))
            .ok_or_else(ApiError::no_kennel)
    }
}

/// The body of `POST /users`.
#[derive(Debug, Deserialize)]
struct CreateUser {
    username: String,
    email: String,
    #[serde(default)]
    bio: Option<String>,
}

/// The body of `POST /users/{id}/posts`.
#[derive(Debug, Deserialize)]
struct CreatePost {
    title: String,
    body: String,
}

/// The body of `POST /dogs`.
#[derive(Debug, Deserialize)]
struct CreateDog {
    name: String,
    #[serde(default)]
    breed: Option<String>,
}

/// A dog as JSON.
#[derive(Debug, Serialize)]
struct DogJson {
    id: Uuid,
    kennel: String,
    name: String,
    breed: Option<String>,
    born_on: Option<NaiveDate>,
    good: bool,
}

impl From<&Dog> for DogJson {
    fn from(dog: &Dog) -> Self {
        DogJson {
            id: dog.id,
            kennel: dog.kennel.clone(),
            name: dog.name.clone(),
            breed: dog.breed.clone(),
            born_on: dog.born_on,
            good: dog.good,
        }
    }
}

/// A user as JSON; `posts` only when they were loaded.
#[derive(Debug, Serialize)]
struct UserJson {
    id: i64,
    username: String,
    email: String,
    bio: Option<String>,
    created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    posts: Option<Vec<PostJson>>,
}

impl UserJson {
    fn new(user: &User, posts: Option<Vec<PostJson>>) -> Self {
        UserJson {
            id: user.id,
            username: user.username.clone(),
            email: user.email.clone(),
            bio: user.bio.clone(),
            created_at: user.created_at,
            posts,
        }
    }
}

/// A post as JSON.
#[derive(Debug, Serialize)]
struct PostJson {
    id: i64,
    user_id: i64,
    title: String,
    body: String,
    published: bool,
    created_at: DateTime<Utc>,
}

impl From<&Post> for PostJson {
    fn from(post: &Post) -> Self {
        PostJson {
            id: post.id,
            user_id: post.user_id,
            title: post.title.clone(),
            body: post.body.clone(),
            published: post.published,
            created_at: post.created_at,
        }
    }
}

/// An error response: a status and a JSON `{"error": message}` body.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn no_user(id: i64) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            message: format!("no user with id {id}"),
        }
    }

    fn no_kennel() -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            message: format!(
                "no kennel: the `{KENNEL_HEADER}` header names one, 1 to 63 lowercase letters, \
                 digits and `-`"
            ),
        }
    }
}

impl From<switchyard::Error> for ApiError {
    fn from(error: switchyard::Error) -> Self {
        let status = match &error {
            switchyard::Error::NotFound { .. } => StatusCode::NOT_FOUND,
            switchyard::Error::UniqueViolation { .. } => StatusCode::CONFLICT,
            switchyard::Error::MissingRelated { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        // Client errors say what was wrong with the request. Server errors name the database
        // (address redacted, never a password) in the server's log only: clients learn nothing
        // about the infrastructure.
        let message = if status.is_server_error() {
            eprintln!("error: {error}");
            "internal error".to_owned()
        } else {
            error.to_string()
        };
        ApiError { status, message }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError {
            status: rejection.status(),
            message: rejection.body_text(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// `GET /health`: every replica and whether reads may go to it.
async fn health(State(db): State<Database>) -> Json<serde_json::Value> {
    let replicas: Vec<_> = db
        .engine()
        .replica_status()
        .iter()
        .map(|r| {
            json!({
                "cluster": r.target.cluster,
                "shard": r.target.shard,
                "role": r.target.role.to_string(),
                "server": &*r.target.server,
                "in_rotation": r.in_rotation(),
                "ejected": r.ejected,
                "lagging": r.lagging,
                "lag_ms": r.lag.map(|lag| lag.as_millis()),
            })
        })
        .collect();
    let ok = replicas.iter().all(|r| r["in_rotation"] == true);
    Json(json!({ "ok": ok, "replicas": replicas }))
}

/// `POST /users`: insert a user on `primary`'s writer.
async fn create_user(
    State(db): State<Database>,
    body: Result<Json<CreateUser>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<UserJson>)> {
    let Json(body) = body?;
    let user = db
        .primary()
        .users()
        .insert(NewUser {
            username: body.username,
            email: body.email,
            bio: body.bio,
            ..Default::default()
        })
        .await?;
    Ok((StatusCode::CREATED, Json(UserJson::new(&user, None))))
}

/// `GET /users/{id}`: the user and its posts, one query on `primary` and one on `content`.
async fn show_user(State(db): State<Database>, Path(id): Path<i64>) -> ApiResult<Json<UserJson>> {
    let user: LoadedUser = db
        .primary()
        .users()
        .filter(User::ID.eq(id))
        .include(|u| u.posts())
        .first()
        .await?
        .ok_or_else(|| ApiError::no_user(id))?;
    let posts = user.posts()?.iter().map(|p| PostJson::from(&**p)).collect();
    Ok(Json(UserJson::new(&user, Some(posts))))
}

/// `POST /users/{id}/posts`: insert a post on `content`'s writer for an existing user.
async fn create_post(
    State(db): State<Database>,
    Path(id): Path<i64>,
    body: Result<Json<CreatePost>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<PostJson>)> {
    let Json(body) = body?;
    let user = db
        .primary()
        .users()
        .find(id)
        .await?
        .ok_or_else(|| ApiError::no_user(id))?;
    // `Post.user` is validated: the user is checked again on `primary`'s writer before the
    // insert, so a user deleted in between is a 422 (`MissingRelated`), not a dangling post.
    let post = user
        .create_post(
            &db,
            NewPost {
                title: body.title,
                body: body.body,
                ..Default::default()
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(PostJson::from(&post))))
}

/// `GET /users/{id}/posts`: the user's posts, newest first (lazy loading through the relation).
async fn list_posts(
    State(db): State<Database>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<PostJson>>> {
    let user = db
        .primary()
        .users()
        .find(id)
        .await?
        .ok_or_else(|| ApiError::no_user(id))?;
    let posts = user.posts(&db).await?;
    Ok(Json(posts.iter().map(PostJson::from).collect()))
}

/// `POST /dogs`: insert a dog of the request's kennel, on the kennel's shard (the layer's
/// scope; the insert would go there by its shard key anyway, and the lock refuses any other).
async fn create_dog(
    State(db): State<Database>,
    Kennel(kennel): Kennel,
    body: Result<Json<CreateDog>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<DogJson>)> {
    let Json(body) = body?;
    let dog = db
        .animals()
        .dogs()
        .insert(NewDog {
            kennel,
            name: body.name,
            breed: body.breed,
            ..Default::default()
        })
        .await?;
    Ok((StatusCode::CREATED, Json(DogJson::from(&dog))))
}

/// `GET /dogs`: the dogs of the request's kennel by name, read on its shard only (the layer's
/// scope), filtered by kennel since other kennels may share the shard.
async fn list_dogs(
    State(db): State<Database>,
    Kennel(kennel): Kennel,
) -> ApiResult<Json<Vec<DogJson>>> {
    let dogs = db
        .animals()
        .dogs()
        .filter(Dog::KENNEL.eq(kennel))
        .order_by(Dog::NAME.asc())
        .all()
        .await?;
    Ok(Json(dogs.iter().map(DogJson::from).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_statuses() {
        let missing = ApiError::from(switchyard::Error::MissingRelated {
            relation: "Post.user",
            target: "User",
            key: "7".into(),
            cluster: "primary",
        });
        assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(missing.message.contains("Post.user"), "{}", missing.message);
        let config = ApiError::from(switchyard::Error::Config("postgres://db.internal".into()));
        assert_eq!(config.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            config.message, "internal error",
            "no server detail reaches clients"
        );
    }

    #[test]
    fn kennel_names() {
        for name in ["harbor", "k9", "north-side", "a", &"a".repeat(63)] {
            assert!(kennel_name(name), "{name}");
        }
        for name in [
            "",
            "Harbor",
            "-harbor",
            "harbor-",
            "a b",
            "ä",
            "a_b",
            &"a".repeat(64),
        ] {
            assert!(!kennel_name(name), "{name}");
        }
    }
}
