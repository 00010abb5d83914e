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
//! | `POST /users` | a [`NewUser`], `{"username", "email", "bio"?}` → 201 and the user |
//! | `GET /users/{id}` | the user with its posts, loaded eagerly (one query per database) |
//! | `PATCH /users/{id}` | a [`UserPatch`] → the user: absent fields unchanged, `"bio": null` clears it |
//! | `POST /users/{id}/posts` | `{"title", "body"}` → 201 and the post (in cluster `content`) |
//! | `GET /users/{id}/posts` | the user's posts, newest first |
//! | `GET /health` | every replica and whether it is in rotation |
//! | `POST /dogs` + `X-Kennel` | `{"name", "breed"?}` → 201 and the dog, on the kennel's shard |
//! | `GET /dogs` + `X-Kennel` | the kennel's dogs by name, read on its shard only |
//!
//! The JSON of users, posts and dogs is the generated types' own: the declarations say
//! `[options] serde = true`, so [`User`], [`NewUser`], [`UserPatch`], [`Post`] and [`Dog`]
//! serialize and deserialize with their declared field names.
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
use serde_json::json;
use switchyard::serde::{Deserialize, Serialize};
use switchyard::{Consistency, Selector, SelectorLayer, ShardLayer, ShardResolver, Shards};

use crate::db::{
    AnimalsShard, Database, Dog, LoadedUser, NewDog, NewPost, NewUser, Post, User, UserPatch,
};

/// The API's routes over `db`, each request run through a selector with `consistency`; the
/// `/dogs` routes also through a locked [`ShardLayer`] on the shard of the request's kennel.
pub fn router(db: Database, consistency: Consistency) -> Router {
    let kennels = Router::new()
        .route("/dogs", get(list_dogs).post(create_dog))
        .layer(kennel_layer());
    Router::new()
        .route("/health", get(health))
        .route("/users", post(create_user))
        .route("/users/{id}", get(show_user).patch(update_user))
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

/// The body of `POST /users/{id}/posts`: a [`NewPost`] without its user, which the path names.
#[derive(Debug, Deserialize)]
#[serde(crate = "switchyard::serde")]
struct CreatePost {
    title: String,
    body: String,
}

/// The body of `POST /dogs`: a [`NewDog`] without its kennel, which the `X-Kennel` header names
/// (the layer has already placed the request on that kennel's shard).
#[derive(Debug, Deserialize)]
#[serde(crate = "switchyard::serde")]
struct CreateDog {
    name: String,
    #[serde(default)]
    breed: Option<String>,
}

/// A user and its posts, as `GET /users/{id}` answers: the user's own fields and `posts`.
#[derive(Debug, Serialize)]
#[serde(crate = "switchyard::serde")]
struct UserWithPosts<'a> {
    #[serde(flatten)]
    user: &'a User,
    posts: Vec<&'a Post>,
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

/// `POST /users`: insert a user on `primary`'s writer. The body is a [`NewUser`]; its key and
/// creation time are the database's to assign, whatever the client sent.
async fn create_user(
    State(db): State<Database>,
    body: Result<Json<NewUser>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let Json(new) = body?;
    let new = NewUser {
        id: None,
        created_at: None,
        ..new
    };
    let user = db.primary().users().insert(new).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// `PATCH /users/{id}`: write the fields the [`UserPatch`] body has (absent ones are left as
/// they are, `"bio": null` clears the bio), then answer the user as it is now. The creation
/// time is not the client's to change.
async fn update_user(
    State(db): State<Database>,
    Path(id): Path<i64>,
    body: Result<Json<UserPatch>, JsonRejection>,
) -> ApiResult<Json<User>> {
    let Json(patch) = body?;
    let patch = UserPatch {
        created_at: None,
        ..patch
    };
    match db.primary().users().update_partial(id, &patch).await {
        Err(switchyard::Error::NotFound { .. }) => return Err(ApiError::no_user(id)),
        result => result?,
    }
    let user = db
        .primary()
        .users()
        .find(id)
        .await?
        .ok_or_else(|| ApiError::no_user(id))?;
    Ok(Json(user))
}

/// `GET /users/{id}`: the user and its posts, one query on `primary` and one on `content`.
async fn show_user(State(db): State<Database>, Path(id): Path<i64>) -> ApiResult<Response> {
    let user: LoadedUser = db
        .primary()
        .users()
        .filter(User::ID.eq(id))
        .include(|u| u.posts())
        .first()
        .await?
        .ok_or_else(|| ApiError::no_user(id))?;
    let posts = user.posts()?.iter().map(|post| &**post).collect();
    Ok(Json(UserWithPosts { user: &user, posts }).into_response())
}

/// `POST /users/{id}/posts`: insert a post on `content`'s writer for an existing user.
async fn create_post(
    State(db): State<Database>,
    Path(id): Path<i64>,
    body: Result<Json<CreatePost>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Post>)> {
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
    Ok((StatusCode::CREATED, Json(post)))
}

/// `GET /users/{id}/posts`: the user's posts, newest first (lazy loading through the relation).
async fn list_posts(State(db): State<Database>, Path(id): Path<i64>) -> ApiResult<Json<Vec<Post>>> {
    let user = db
        .primary()
        .users()
        .find(id)
        .await?
        .ok_or_else(|| ApiError::no_user(id))?;
    let posts = user.posts(&db).await?;
    Ok(Json(posts))
}

/// `POST /dogs`: insert a dog of the request's kennel, on the kennel's shard (the layer's
/// scope; the insert would go there by its shard key anyway, and the lock refuses any other).
async fn create_dog(
    State(db): State<Database>,
    Kennel(kennel): Kennel,
    body: Result<Json<CreateDog>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Dog>)> {
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
    Ok((StatusCode::CREATED, Json(dog)))
}

/// `GET /dogs`: the dogs of the request's kennel by name, read on its shard only (the layer's
/// scope), filtered by kennel since other kennels may share the shard.
async fn list_dogs(
    State(db): State<Database>,
    Kennel(kennel): Kennel,
) -> ApiResult<Json<Vec<Dog>>> {
    let dogs = db
        .animals()
        .dogs()
        .filter(Dog::KENNEL.eq(kennel))
        .order_by(Dog::NAME.asc())
        .all()
        .await?;
    Ok(Json(dogs))
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
