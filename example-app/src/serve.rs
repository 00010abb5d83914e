//! An HTTP API over the example's models, with automatic replica selection per request.
//!
//! [`router`] wraps every route in a [`switchyard::SelectorLayer`]. The handlers use the
//! default cluster handles (`db.primary()`, `db.content()`), never `.reading()` or
//! `.writing()`, so the layer decides where each statement runs:
//!
//! - `POST` requests run every statement on the writers, and the response sets the cookie
//!   `switchyard_last_write`;
//! - `GET` requests read from replicas, unless the session's cookie says it wrote recently
//!   (within 2 s by default; in causal mode, unless the replica has not replayed that write),
//!   in which case they read from the writers and see their own writes.
//!
//! | method and path | what it does |
//! |---|---|
//! | `POST /users` | `{"username", "email", "bio"?}` → 201 and the user |
//! | `GET /users/{id}` | the user with its posts, loaded eagerly (one query per database) |
//! | `POST /users/{id}/posts` | `{"title", "body"}` → 201 and the post (in cluster `content`) |
//! | `GET /users/{id}/posts` | the user's posts, newest first |
//! | `GET /health` | every replica and whether it is in rotation |
//!
//! Errors are JSON `{"error": "..."}`: 404 for a missing user, 409 for a username that is
//! taken, 422 for a post whose user is gone, 400/415/422 for a body that is not the expected
//! JSON, 500 otherwise. Messages come from
//! [`switchyard::Error`], whose server addresses and driver messages never show a password.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use switchyard::chrono::{DateTime, Utc};
use switchyard::{Consistency, Selector, SelectorLayer};

use crate::db::{Database, LoadedUser, NewPost, NewUser, Post, User};

/// The API's routes over `db`, each request run through a selector with `consistency`.
pub fn router(db: Database, consistency: Consistency) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/users", post(create_user))
        .route("/users/{id}", get(show_user))
        .route("/users/{id}/posts", get(list_posts).post(create_post))
        .with_state(db)
        .layer(SelectorLayer::new(Selector::new(consistency)))
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
}
