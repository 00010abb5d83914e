//! Eager loading against hand-written sqlx and against the N+1 lazy loop, and bound key lists
//! against one JSON array.
//!
//! # Eager loading ([`EagerTarget`], [`EagerOp`])
//!
//! Every cluster of `tests/schema/` in its own database (SQLite: one file each; PostgreSQL: one
//! schema each; MariaDB: one database each), seeded with 1,000 users (`primary`), 10 posts per
//! user (`content`) and 5 comments per post (`discussion`) through the generated `insert_many`.
//! Three operations:
//!
//! - `eager_1000x10`: all users with their posts, `.include(|u| u.posts())`, against
//!   hand-written sqlx running the same two statements;
//! - `eager_3_levels`: 100 users → posts → comments → each comment's author (`User` again, back
//!   in `primary`), four statements on each side;
//! - `n_plus_1_100`: the same 100 users' posts loaded lazily, `user.posts(&db)` per user (101
//!   statements), against `.include(|u| u.posts())` (2 statements).
//!
//! The hand-written side does what an app would write by hand: query the parents, collect
//! their keys, one `= ANY($1)` statement (PostgreSQL) or `IN (?, ...)` statements chunked
//! under the bind limit and padded to a power of two (SQLite, MariaDB) per level, fetch all
//! rows and decode them (its own `FromRow` structs, by column index, as switchyard does), sort
//! in the relation's order and group per parent with a `HashMap`. Before anything is
//! measured, [`eager_targets`] captures every statement switchyard runs
//! (`Config::on_statement`) and checks it is byte-for-byte the hand-written text, and that
//! both sides return the same rows.
//!
//! # Key sets ([`KeysTarget`], [`KeysOp`])
//!
//! Plain sqlx only: 1,000 / 10,000 / 100,000 integer keys against a table of 100,000 rows with
//! an indexed key column, bound as chunked, padded `IN (?, ...)` lists (what switchyard does)
//! or as one JSON array text (`json_each` on SQLite, `JSON_TABLE` on MariaDB).
//!
//! SQLite always runs, under the temporary directory. PostgreSQL runs when
//! `SWITCHYARD_BENCH_POSTGRES_URL` is set, MariaDB when `SWITCHYARD_BENCH_MYSQL_URL` is set
//! (e.g. `mysql://root@127.0.0.1:3306/test`); everything created for the run is dropped by
//! `finish`.

use crate::rows::UserRow;
use crate::setup::{mysql_admin, mysql_url, pg_admin, pg_url, timestamp};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use sqlx::ConnectOptions as _;
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use switchyard::Config;
use switchyard_tests::db::{
    Comment, Database, LoadedUser, NewComment, NewPost, NewUser, Post, User,
};

use crate::{Measured, measure};

/// Users seeded in `primary`.
const USERS: usize = 1_000;
/// Posts per user, in `content`.
const POSTS_PER_USER: usize = 10;
/// Comments per post, in `discussion`.
const COMMENTS_PER_POST: usize = 5;
/// Users of `eager_3_levels` and `n_plus_1_100`: those with `id <= ` the 100th seeded id.
const SOME_USERS: usize = 100;

/// Binds per statement: SQLite's `SQLITE_MAX_VARIABLE_NUMBER` (32,766 since 3.32) and
/// MariaDB's prepared-statement limit.
const SQLITE_MAX_BINDS: usize = 32_766;
const MYSQL_MAX_BINDS: usize = 65_535;

/// A backend of the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded; always runs.
    Sqlite,
    /// `SWITCHYARD_BENCH_POSTGRES_URL`.
    Postgres,
    /// `SWITCHYARD_BENCH_MYSQL_URL` (MariaDB).
    MySql,
}

impl Backend {
    /// `sqlite`, `postgres` or `mysql`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::MySql => "mysql",
        }
    }

    fn max_binds(self) -> usize {
        match self {
            Backend::Sqlite => SQLITE_MAX_BINDS,
            Backend::Postgres | Backend::MySql => MYSQL_MAX_BINDS,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The hand-written side.

/// The hand-written SQL of one dialect. On SQLite and MariaDB the `*_in` texts end in `IN (`
/// and [`in_list`] appends the placeholders; on PostgreSQL they are whole `= ANY($1)`
/// statements.
struct Dialect {
    users: &'static str,
    users_upto: &'static str,
    posts_in: &'static str,
    comments_in: &'static str,
    users_in: &'static str,
}

const SQLITE: Dialect = Dialect {
    users: "SELECT `id`, `username`, `email`, `bio`, `karma`, `created_at` FROM `users`",
    users_upto: "SELECT `id`, `username`, `email`, `bio`, `karma`, `created_at` FROM `users` WHERE `id` <= ?",
    posts_in: "SELECT `id`, `user_id`, `title` FROM `posts` WHERE `user_id` IN (",
    comments_in: "SELECT `id`, `post_id`, `author_id`, `body` FROM `comments` WHERE `post_id` IN (",
    users_in: "SELECT `id`, `username`, `email`, `bio`, `karma`, `created_at` FROM `users` WHERE `id` IN (",
};

const POSTGRES: Dialect = Dialect {
    users: r#"SELECT "id", "username", "email", "bio", "karma", "created_at" FROM "users""#,
    users_upto: r#"SELECT "id", "username", "email", "bio", "karma", "created_at" FROM "users" WHERE "id" <= $1"#,
    posts_in: r#"SELECT "id", "user_id", "title" FROM "posts" WHERE "user_id" = ANY($1)"#,
    comments_in: r#"SELECT "id", "post_id", "author_id", "body" FROM "comments" WHERE "post_id" = ANY($1)"#,
    users_in: r#"SELECT "id", "username", "email", "bio", "karma", "created_at" FROM "users" WHERE "id" = ANY($1)"#,
};

const MYSQL: Dialect = Dialect {
    users: "SELECT `id`, `username`, `email`, `bio`, `karma`, `created_at` FROM `users`",
    users_upto: "SELECT `id`, `username`, `email`, `bio`, `karma`, `created_at` FROM `users` WHERE `id` <= ?",
    posts_in: "SELECT `id`, `user_id`, `title` FROM `posts` WHERE `user_id` IN (",
    comments_in: "SELECT `id`, `post_id`, `author_id`, `body` FROM `comments` WHERE `post_id` IN (",
    users_in: "SELECT `id`, `username`, `email`, `bio`, `karma`, `created_at` FROM `users` WHERE `id` IN (",
};

/// Placeholders in a statement for a chunk of `keys` keys: the next power of two, within
/// `max` (the chunk is padded by repeating its last key).
fn padded(keys: usize, max: usize) -> usize {
    keys.next_power_of_two().min(max)
}

/// `head` (ending in `IN (`) followed by `size` placeholders and `)`.
fn in_list(head: &str, size: usize) -> String {
    let mut sql = String::with_capacity(head.len() + 3 * size);
    sql.push_str(head);
    for i in 0..size {
        sql.push_str(if i == 0 { "?" } else { ", ?" });
    }
    sql.push(')');
    sql
}

/// The statements a key lookup of `keys` keys runs (what both sides must run).
fn key_statements(backend: Backend, head: &str, keys: usize) -> Vec<String> {
    if keys == 0 {
        return Vec::new();
    }
    if backend == Backend::Postgres {
        return vec![head.to_owned()];
    }
    let max = backend.max_binds();
    (0..keys)
        .step_by(max)
        .map(|start| in_list(head, padded((keys - start).min(max), max)))
        .collect()
}

/// A `posts` row, decoded by hand.
#[derive(Debug, Clone)]
struct PostRow {
    id: i64,
    user_id: i64,
    title: String,
}

/// A `comments` row, decoded by hand.
#[derive(Debug, Clone)]
struct CommentRow {
    id: i64,
    post_id: i64,
    author_id: Option<i64>,
    body: String,
}

impl PartialEq<Post> for PostRow {
    fn eq(&self, p: &Post) -> bool {
        self.id == p.id && self.user_id == p.user_id && self.title == p.title
    }
}

impl PartialEq<Comment> for CommentRow {
    fn eq(&self, c: &Comment) -> bool {
        self.id == c.id
            && self.post_id == c.post_id
            && self.author_id == c.author_id
            && self.body == c.body
    }
}

/// Users with their posts, as the hand-written side returns them.
type UsersWithPosts = Vec<(UserRow, Vec<PostRow>)>;
/// Users → posts → comments → author, as the hand-written side returns them.
type Nested = Vec<(UserRow, Vec<(PostRow, Vec<(CommentRow, Option<UserRow>)>)>)>;

/// Hand-written `FromRow` (by column index, as the generated code decodes) and the key
/// lookups of one driver.
macro_rules! hand_written {
    ($module:ident, $db:ty, $row:ty) => {
        mod $module {
            use sqlx::Row as _;

            use super::{CommentRow, PostRow};

            pub(super) type Pool = sqlx::Pool<$db>;

            impl<'r> sqlx::FromRow<'r, $row> for PostRow {
                fn from_row(row: &'r $row) -> Result<Self, sqlx::Error> {
                    Ok(PostRow {
                        id: row.try_get(0)?,
                        user_id: row.try_get(1)?,
                        title: row.try_get(2)?,
                    })
                }
            }

            impl<'r> sqlx::FromRow<'r, $row> for CommentRow {
                fn from_row(row: &'r $row) -> Result<Self, sqlx::Error> {
                    Ok(CommentRow {
                        id: row.try_get(0)?,
                        post_id: row.try_get(1)?,
                        author_id: row.try_get(2)?,
                        body: row.try_get(3)?,
                    })
                }
            }

            /// Every row of `query`, fetched first and decoded after, as switchyard does
            /// (on SQLite, `query_as(..).fetch_all`, which decodes each row as it arrives
            /// from SQLite's worker thread, is much slower: see docs/benchmarks.md).
            pub(super) async fn fetch<R>(
                pool: &Pool,
                query: sqlx::query::Query<'_, $db, <$db as sqlx::Database>::Arguments>,
            ) -> sqlx::Result<Vec<R>>
            where
                R: for<'r> sqlx::FromRow<'r, $row>,
            {
                query
                    .fetch_all(pool)
                    .await?
                    .iter()
                    .map(R::from_row)
                    .collect()
            }

            /// Every row of a query without binds.
            pub(super) async fn all<R>(pool: &Pool, sql: &'static str) -> sqlx::Result<Vec<R>>
            where
                R: for<'r> sqlx::FromRow<'r, $row>,
            {
                fetch(pool, sqlx::query(sql)).await
            }

            /// Every row of a query binding one `i64`.
            pub(super) async fn all_by<R>(
                pool: &Pool,
                sql: &'static str,
                value: i64,
            ) -> sqlx::Result<Vec<R>>
            where
                R: for<'r> sqlx::FromRow<'r, $row>,
            {
                fetch(pool, sqlx::query(sql).bind(value)).await
            }

            /// Rows of `head` (ending in `IN (`) for `keys`, chunked under `max` binds, each
            /// chunk padded to a power of two with its last key.
            #[allow(dead_code, reason = "PostgreSQL binds an array instead")]
            pub(super) async fn rows_in<R>(
                pool: &Pool,
                head: &str,
                keys: &[i64],
                max: usize,
            ) -> sqlx::Result<Vec<R>>
            where
                R: for<'r> sqlx::FromRow<'r, $row>,
            {
                let mut rows = Vec::new();
                for chunk in keys.chunks(max) {
                    let size = super::padded(chunk.len(), max);
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(super::in_list(head, size)));
                    let last = chunk[chunk.len() - 1];
                    for i in 0..size {
                        query = query.bind(chunk.get(i).copied().unwrap_or(last));
                    }
                    rows.extend(fetch(pool, query).await?);
                }
                Ok(rows)
            }

            /// Rows of `sql` binding `text` (one JSON array).
            #[allow(
                dead_code,
                reason = "only SQLite and MariaDB take the key-set benchmark"
            )]
            pub(super) async fn by_text<R>(
                pool: &Pool,
                sql: &'static str,
                text: String,
            ) -> sqlx::Result<Vec<R>>
            where
                R: for<'r> sqlx::FromRow<'r, $row>,
            {
                fetch(pool, sqlx::query(sql).bind(text)).await
            }
        }
    };
}

hand_written!(sqlite, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
hand_written!(postgres, sqlx::Postgres, sqlx::postgres::PgRow);
hand_written!(mysql, sqlx::MySql, sqlx::mysql::MySqlRow);

/// PostgreSQL: rows of the `= ANY($1)` statement `sql`, binding `keys` as one `int8[]`.
async fn pg_any<R>(pool: &PgPool, sql: &'static str, keys: &[i64]) -> sqlx::Result<Vec<R>>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
{
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    postgres::fetch(pool, sqlx::query(sql).bind(keys)).await
}

/// The plain sqlx pools of one backend, one per cluster the benchmark reads.
enum Plain {
    Sqlite {
        primary: SqlitePool,
        content: SqlitePool,
        discussion: SqlitePool,
    },
    Postgres {
        primary: PgPool,
        content: PgPool,
        discussion: PgPool,
    },
    MySql {
        primary: MySqlPool,
        content: MySqlPool,
        discussion: MySqlPool,
    },
}

impl Plain {
    async fn users(&self, upto: Option<i64>) -> sqlx::Result<Vec<UserRow>> {
        match (self, upto) {
            (Plain::Sqlite { primary, .. }, None) => sqlite::all(primary, SQLITE.users).await,
            (Plain::Sqlite { primary, .. }, Some(id)) => {
                sqlite::all_by(primary, SQLITE.users_upto, id).await
            }
            (Plain::Postgres { primary, .. }, None) => postgres::all(primary, POSTGRES.users).await,
            (Plain::Postgres { primary, .. }, Some(id)) => {
                postgres::all_by(primary, POSTGRES.users_upto, id).await
            }
            (Plain::MySql { primary, .. }, None) => mysql::all(primary, MYSQL.users).await,
            (Plain::MySql { primary, .. }, Some(id)) => {
                mysql::all_by(primary, MYSQL.users_upto, id).await
            }
        }
    }

    async fn posts_of(&self, user_ids: &[i64]) -> sqlx::Result<Vec<PostRow>> {
        match self {
            Plain::Sqlite { content, .. } => {
                sqlite::rows_in(content, SQLITE.posts_in, user_ids, SQLITE_MAX_BINDS).await
            }
            Plain::Postgres { content, .. } => pg_any(content, POSTGRES.posts_in, user_ids).await,
            Plain::MySql { content, .. } => {
                mysql::rows_in(content, MYSQL.posts_in, user_ids, MYSQL_MAX_BINDS).await
            }
        }
    }

    async fn comments_of(&self, post_ids: &[i64]) -> sqlx::Result<Vec<CommentRow>> {
        match self {
            Plain::Sqlite { discussion, .. } => {
                sqlite::rows_in(discussion, SQLITE.comments_in, post_ids, SQLITE_MAX_BINDS).await
            }
            Plain::Postgres { discussion, .. } => {
                pg_any(discussion, POSTGRES.comments_in, post_ids).await
            }
            Plain::MySql { discussion, .. } => {
                mysql::rows_in(discussion, MYSQL.comments_in, post_ids, MYSQL_MAX_BINDS).await
            }
        }
    }

    async fn users_by_id(&self, ids: &[i64]) -> sqlx::Result<Vec<UserRow>> {
        match self {
            Plain::Sqlite { primary, .. } => {
                sqlite::rows_in(primary, SQLITE.users_in, ids, SQLITE_MAX_BINDS).await
            }
            Plain::Postgres { primary, .. } => pg_any(primary, POSTGRES.users_in, ids).await,
            Plain::MySql { primary, .. } => {
                mysql::rows_in(primary, MYSQL.users_in, ids, MYSQL_MAX_BINDS).await
            }
        }
    }

    async fn close(&self) {
        match self {
            Plain::Sqlite {
                primary,
                content,
                discussion,
            } => {
                primary.close().await;
                content.close().await;
                discussion.close().await;
            }
            Plain::Postgres {
                primary,
                content,
                discussion,
            } => {
                primary.close().await;
                content.close().await;
                discussion.close().await;
            }
            Plain::MySql {
                primary,
                content,
                discussion,
            } => {
                primary.close().await;
                content.close().await;
                discussion.close().await;
            }
        }
    }
}

/// Hand-written `eager_1000x10` (and the eager half of `n_plus_1_100`): users, then one
/// lookup of their posts, sorted by (title, id) and grouped per user.
async fn users_with_posts(plain: &Plain, upto: Option<i64>) -> sqlx::Result<UsersWithPosts> {
    let users = plain.users(upto).await?;
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let mut posts = plain.posts_of(&ids).await?;
    posts.sort_by(|a, b| a.title.cmp(&b.title).then(a.id.cmp(&b.id)));
    let mut by_user: HashMap<i64, Vec<PostRow>> = HashMap::with_capacity(users.len());
    for post in posts {
        by_user.entry(post.user_id).or_default().push(post);
    }
    Ok(users
        .into_iter()
        .map(|u| {
            let posts = by_user.remove(&u.id).unwrap_or_default();
            (u, posts)
        })
        .collect())
}

/// Hand-written `eager_3_levels`: users → posts → comments → authors, one lookup per level.
async fn nested(plain: &Plain, upto: i64) -> sqlx::Result<Nested> {
    let users = plain.users(Some(upto)).await?;
    let user_ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let mut posts = plain.posts_of(&user_ids).await?;
    posts.sort_by(|a, b| a.title.cmp(&b.title).then(a.id.cmp(&b.id)));
    let post_ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
    let mut comments = plain.comments_of(&post_ids).await?;
    comments.sort_by_key(|c| c.id);
    let mut seen = HashSet::with_capacity(comments.len());
    let author_ids: Vec<i64> = comments
        .iter()
        .filter_map(|c| c.author_id)
        .filter(|id| seen.insert(*id))
        .collect();
    let authors: HashMap<i64, UserRow> = plain
        .users_by_id(&author_ids)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut by_post: HashMap<i64, Vec<(CommentRow, Option<UserRow>)>> =
        HashMap::with_capacity(posts.len());
    for comment in comments {
        let author = comment.author_id.and_then(|id| authors.get(&id).cloned());
        by_post
            .entry(comment.post_id)
            .or_default()
            .push((comment, author));
    }
    let mut by_user: HashMap<i64, Vec<_>> = HashMap::with_capacity(users.len());
    for post in posts {
        let comments = by_post.remove(&post.id).unwrap_or_default();
        by_user
            .entry(post.user_id)
            .or_default()
            .push((post, comments));
    }
    Ok(users
        .into_iter()
        .map(|u| {
            let posts = by_user.remove(&u.id).unwrap_or_default();
            (u, posts)
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Comparing both sides' results.

fn same_users_with_posts(ours: &[LoadedUser], theirs: &UsersWithPosts) -> bool {
    ours.len() == theirs.len()
        && ours.iter().zip(theirs).all(|(o, (user, posts))| {
            let loaded = o.posts().expect("posts were included");
            *user == *o.row()
                && loaded.len() == posts.len()
                && loaded.iter().zip(posts).all(|(lp, p)| *p == *lp.row())
        })
}

fn same_nested(ours: &[LoadedUser], theirs: &Nested) -> bool {
    ours.len() == theirs.len()
        && ours.iter().zip(theirs).all(|(o, (user, posts))| {
            let loaded = o.posts().expect("posts were included");
            *user == *o.row()
                && loaded.len() == posts.len()
                && loaded.iter().zip(posts).all(|(lp, (post, comments))| {
                    let loaded = lp.comments().expect("comments were included");
                    *post == *lp.row()
                        && loaded.len() == comments.len()
                        && loaded.iter().zip(comments).all(|(lc, (comment, author))| {
                            let loaded = lc.author().expect("author was included");
                            *comment == *lc.row()
                                && match (loaded, author) {
                                    (Some(l), Some(a)) => *a == *l.row(),
                                    (None, None) => true,
                                    _ => false,
                                }
                        })
                })
        })
}

fn same_lazy(lazy: &[(User, Vec<Post>)], eager: &[LoadedUser]) -> bool {
    lazy.len() == eager.len()
        && lazy.iter().zip(eager).all(|((user, posts), e)| {
            let loaded = e.posts().expect("posts were included");
            user == e.row()
                && posts.len() == loaded.len()
                && posts.iter().zip(loaded).all(|(p, lp)| p == lp.row())
        })
}

// ---------------------------------------------------------------------------------------------
// Setup.

/// What to remove after the run.
enum Cleanup {
    Dir(PathBuf),
    Postgres {
        admin_url: String,
        drop: Vec<String>,
    },
    MySql {
        admin_url: String,
        drop: Vec<String>,
    },
}

impl Cleanup {
    async fn run(self) {
        match self {
            Cleanup::Dir(dir) => {
                std::fs::remove_dir_all(&dir).expect("remove the SQLite directory");
            }
            Cleanup::Postgres { admin_url, drop } => {
                for statement in drop {
                    pg_admin(&admin_url, &statement).await;
                }
            }
            Cleanup::MySql { admin_url, drop } => {
                for statement in drop {
                    mysql_admin(&admin_url, &statement).await;
                }
            }
        }
    }
}

/// A temporary directory for this run's SQLite files.
fn sqlite_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("switchyard-bench-{what}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the SQLite directory");
    dir
}

/// The options switchyard's pool uses for a SQLite writer (runtime/src/pool.rs).
async fn sqlite_pool(url: &str) -> SqlitePool {
    let options = SqliteConnectOptions::from_str(url)
        .expect("SQLite URL")
        .disable_statement_logging()
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal);
    SqlitePoolOptions::new()
        .max_connections(10)
        .connect_with(options)
        .await
        .expect("connect sqlx to SQLite")
}

/// The options switchyard's pool uses for a PostgreSQL writer.
async fn pg_pool(url: &str) -> PgPool {
    let options = PgConnectOptions::from_str(url)
        .expect("PostgreSQL URL")
        .disable_statement_logging();
    PgPoolOptions::new()
        .max_connections(10)
        .connect_with(options)
        .await
        .expect("connect sqlx to PostgreSQL")
}

/// The options switchyard's pool uses for a MariaDB writer.
async fn mysql_pool(url: &str) -> MySqlPool {
    let options = MySqlConnectOptions::from_str(url)
        .expect("MariaDB URL")
        .charset("utf8mb4")
        .disable_statement_logging();
    MySqlPoolOptions::new()
        .max_connections(10)
        .connect_with(options)
        .await
        .expect("connect sqlx to MariaDB")
}

/// The test topology with every shard's writer at `url(cluster, shard)`, without replicas.
fn topology(url: impl Fn(&str, &str) -> String) -> Config {
    let mut config = Database::config();
    for (cluster, shard) in config.shards() {
        config = config.writer(cluster, shard, url(cluster, shard)).replicas(
            cluster,
            shard,
            Vec::<String>::new(),
        );
    }
    // The custom role declared in tests/schema/databases.toml (nothing here routes to it).
    config.role_replicas("primary", "default", "reporting", Vec::<String>::new())
}

/// One backend: the generated `Database` over one database per cluster shard, and plain sqlx
/// pools to the same databases.
pub struct EagerTarget {
    backend: Backend,
    db: Database,
    plain: Plain,
    config: Config,
    /// The `SOME_USERS`-th seeded user's id.
    upto: i64,
    cleanup: Cleanup,
}

async fn sqlite_eager() -> EagerTarget {
    let dir = sqlite_dir("eager");
    let url = |cluster: &str, shard: &str| {
        format!(
            "sqlite:{}",
            dir.join(format!("{cluster}_{shard}.sqlite3")).display()
        )
    };
    let config = topology(url);
    let db = connect(&config, Backend::Sqlite).await;
    let plain = Plain::Sqlite {
        primary: sqlite_pool(&url("primary", "default")).await,
        content: sqlite_pool(&url("content", "default")).await,
        discussion: sqlite_pool(&url("discussion", "default")).await,
    };
    EagerTarget {
        backend: Backend::Sqlite,
        db,
        plain,
        config,
        upto: 0,
        cleanup: Cleanup::Dir(dir),
    }
}

async fn postgres_eager(base: &str) -> EagerTarget {
    let prefix = format!("switchyard_eager_{}", std::process::id());
    let name = |cluster: &str, shard: &str| format!("{prefix}_{cluster}_{shard}");
    let mut drop = Vec::new();
    for (cluster, shard) in Database::config().shards() {
        let schema = name(cluster, shard);
        pg_admin(
            base,
            &format!(r#"DROP SCHEMA IF EXISTS "{schema}" CASCADE"#),
        )
        .await;
        pg_admin(base, &format!(r#"CREATE SCHEMA "{schema}""#)).await;
        drop.push(format!(r#"DROP SCHEMA "{schema}" CASCADE"#));
    }
    let url = |cluster: &str, shard: &str| pg_url(base, &name(cluster, shard));
    let config = topology(url);
    let db = connect(&config, Backend::Postgres).await;
    let plain = Plain::Postgres {
        primary: pg_pool(&url("primary", "default")).await,
        content: pg_pool(&url("content", "default")).await,
        discussion: pg_pool(&url("discussion", "default")).await,
    };
    EagerTarget {
        backend: Backend::Postgres,
        db,
        plain,
        config,
        upto: 0,
        cleanup: Cleanup::Postgres {
            admin_url: base.to_owned(),
            drop,
        },
    }
}

async fn mysql_eager(base: &str) -> EagerTarget {
    let prefix = format!("switchyard_eager_{}", std::process::id());
    let name = |cluster: &str, shard: &str| format!("{prefix}_{cluster}_{shard}");
    let mut drop = Vec::new();
    for (cluster, shard) in Database::config().shards() {
        let database = name(cluster, shard);
        mysql_admin(base, &format!("DROP DATABASE IF EXISTS `{database}`")).await;
        mysql_admin(base, &format!("CREATE DATABASE `{database}`")).await;
        drop.push(format!("DROP DATABASE `{database}`"));
    }
    let url = |cluster: &str, shard: &str| mysql_url(base, &name(cluster, shard));
    let config = topology(url);
    let db = connect(&config, Backend::MySql).await;
    let plain = Plain::MySql {
        primary: mysql_pool(&url("primary", "default")).await,
        content: mysql_pool(&url("content", "default")).await,
        discussion: mysql_pool(&url("discussion", "default")).await,
    };
    EagerTarget {
        backend: Backend::MySql,
        db,
        plain,
        config,
        upto: 0,
        cleanup: Cleanup::MySql {
            admin_url: base.to_owned(),
            drop,
        },
    }
}

async fn connect(config: &Config, backend: Backend) -> Database {
    let db = Database::connect(config.clone())
        .await
        .unwrap_or_else(|e| panic!("connect switchyard to {}: {e}", backend.name()));
    db.create_tables()
        .await
        .unwrap_or_else(|e| panic!("create tables on {}: {e}", backend.name()));
    db
}

/// Connect every configured backend, seed it, and check both sides run the same SQL and
/// return the same rows. Backends left out are reported on stderr.
pub async fn eager_targets() -> Vec<EagerTarget> {
    let mut targets = vec![sqlite_eager().await];
    match std::env::var("SWITCHYARD_BENCH_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => targets.push(postgres_eager(&url).await),
        _ => eprintln!("PostgreSQL skipped: set SWITCHYARD_BENCH_POSTGRES_URL to include it"),
    }
    match std::env::var("SWITCHYARD_BENCH_MYSQL_URL") {
        Ok(url) if !url.is_empty() => targets.push(mysql_eager(&url).await),
        _ => eprintln!("MariaDB skipped: set SWITCHYARD_BENCH_MYSQL_URL to include it"),
    }
    for target in &mut targets {
        target.seed().await;
        target.verify().await;
    }
    targets
}

impl EagerTarget {
    /// 1,000 users, 10 posts each, 5 comments per post, through the generated `insert_many`.
    /// Posts and comments are inserted round-robin, so one parent's children are spread over
    /// the table as in a real app, and titles do not sort in key order. Every other post's
    /// last comment has no author.
    async fn seed(&mut self) {
        let users: Vec<NewUser> = (0..USERS)
            .map(|i| NewUser {
                id: None,
                username: format!("user-{i:04}"),
                email: format!("user-{i:04}@example.com"),
                bio: (i % 2 == 0).then(|| format!("Seeded user number {i}.")),
                karma: Some(i32::try_from(i % 100).expect("below 100")),
                created_at: Some(timestamp()),
            })
            .collect();
        let users = self
            .db
            .primary()
            .users()
            .insert_many(&users)
            .await
            .expect("seed users");
        assert_eq!(users.len(), USERS);
        self.upto = users[SOME_USERS - 1].id;

        let posts: Vec<NewPost> = (0..POSTS_PER_USER)
            .flat_map(|j| {
                users.iter().enumerate().map(move |(i, u)| NewPost {
                    id: None,
                    user_id: u.id,
                    title: format!("Post {} of {}", (j * 7 + i) % POSTS_PER_USER, u.username),
                })
            })
            .collect();
        let posts = self
            .db
            .content()
            .posts()
            .insert_many(&posts)
            .await
            .expect("seed posts");
        assert_eq!(posts.len(), USERS * POSTS_PER_USER);

        let comments: Vec<NewComment> = (0..COMMENTS_PER_POST)
            .flat_map(|c| {
                let users = &users;
                posts.iter().enumerate().map(move |(p, post)| NewComment {
                    id: None,
                    post_id: post.id,
                    author_id: (c + 1 < COMMENTS_PER_POST || p % 2 == 1)
                        .then(|| users[(p * COMMENTS_PER_POST + c) * 37 % USERS].id),
                    body: format!("Comment {c} on post {}: a few words of text.", post.id),
                })
            })
            .collect();
        let comments = self
            .db
            .discussion()
            .comments()
            .insert_many(&comments)
            .await
            .expect("seed comments");
        assert_eq!(comments.len(), USERS * POSTS_PER_USER * COMMENTS_PER_POST);

        if let Plain::Postgres {
            primary,
            content,
            discussion,
        } = &self.plain
        {
            for (pool, table) in [
                (primary, "users"),
                (content, "posts"),
                (discussion, "comments"),
            ] {
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(r#"ANALYZE "{table}""#)))
                    .execute(pool)
                    .await
                    .expect("analyze");
            }
        }
    }

    /// Check both sides run the same SQL and return the same rows, before measuring anything.
    async fn verify(&self) {
        let seen = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = seen.clone();
        let observed = Database::connect(self.config.clone().on_statement(move |event| {
            sink.lock()
                .expect("statement log")
                .push(event.sql.to_owned())
        }))
        .await
        .expect("connect the observed database");
        let take = || std::mem::take(&mut *seen.lock().expect("statement log"));
        let backend = self.backend;
        let name = backend.name();
        let dialect = match backend {
            Backend::Sqlite => &SQLITE,
            Backend::Postgres => &POSTGRES,
            Backend::MySql => &MYSQL,
        };
        let expect = |first: &str, rest: &[(&str, usize)]| {
            let mut all = vec![first.to_owned()];
            for (head, keys) in rest {
                all.extend(key_statements(backend, head, *keys));
            }
            all
        };

        // eager_1000x10
        let ours = observed
            .primary()
            .users()
            .query()
            .include(|u| u.posts())
            .all()
            .await
            .expect("eager_1000x10");
        assert_eq!(
            take(),
            expect(dialect.users, &[(dialect.posts_in, USERS)]),
            "eager_1000x10 SQL on {name}"
        );
        let theirs = users_with_posts(&self.plain, None)
            .await
            .expect("hand-written eager_1000x10");
        assert_eq!(ours.len(), USERS);
        assert!(
            ours.iter()
                .all(|u| u.posts().expect("loaded").len() == POSTS_PER_USER)
        );
        assert!(
            same_users_with_posts(&ours, &theirs),
            "eager_1000x10 results on {name}"
        );

        // eager_3_levels
        let ours = observed
            .primary()
            .users()
            .filter(User::ID.le(self.upto))
            .include(|u| u.posts_with(|p| p.comments_with(|c| c.author())))
            .all()
            .await
            .expect("eager_3_levels");
        let posts = SOME_USERS * POSTS_PER_USER;
        let authors: HashSet<i64> = ours
            .iter()
            .flat_map(|u| u.posts().expect("loaded"))
            .flat_map(|p| p.comments().expect("loaded"))
            .filter_map(|c| c.author_id)
            .collect();
        assert_eq!(
            take(),
            expect(
                dialect.users_upto,
                &[
                    (dialect.posts_in, SOME_USERS),
                    (dialect.comments_in, posts),
                    (dialect.users_in, authors.len()),
                ]
            ),
            "eager_3_levels SQL on {name}"
        );
        let theirs = nested(&self.plain, self.upto)
            .await
            .expect("hand-written eager_3_levels");
        assert_eq!(ours.len(), SOME_USERS);
        assert!(
            same_nested(&ours, &theirs),
            "eager_3_levels results on {name}"
        );

        // n_plus_1_100
        let lazy = lazy_posts(&observed, self.upto).await;
        let mut lazy_sql = vec![dialect.users_upto.to_owned()];
        for _ in 0..SOME_USERS {
            lazy_sql.extend(key_statements(backend, dialect.posts_in, 1));
        }
        assert_eq!(take(), lazy_sql, "n_plus_1_100 lazy SQL on {name}");
        let eager = eager_posts(&observed, self.upto).await;
        assert_eq!(
            take(),
            expect(dialect.users_upto, &[(dialect.posts_in, SOME_USERS)]),
            "n_plus_1_100 eager SQL on {name}"
        );
        assert!(same_lazy(&lazy, &eager), "n_plus_1_100 results on {name}");
        let theirs = users_with_posts(&self.plain, Some(self.upto))
            .await
            .expect("hand-written eager posts");
        assert!(same_users_with_posts(&eager, &theirs));

        observed.engine().close().await;
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Run `op` `iters` times on `arm`; the wall-clock and calling-thread CPU time of those
    /// runs alone.
    pub async fn run(&self, op: EagerOp, arm: Arm, iters: u64) -> Measured {
        let db = &self.db;
        let upto = self.upto;
        match (op, arm) {
            (EagerOp::Eager1000x10, Arm::A) => {
                measure(async {
                    for _ in 0..iters {
                        let users = db.primary().users().query().include(|u| u.posts()).all();
                        black_box(users.await.expect("eager_1000x10"));
                    }
                })
                .await
            }
            (EagerOp::Eager1000x10, Arm::B) => {
                measure(async {
                    for _ in 0..iters {
                        let users = users_with_posts(&self.plain, None).await;
                        black_box(users.expect("hand-written eager_1000x10"));
                    }
                })
                .await
            }
            (EagerOp::Eager3Levels, Arm::A) => {
                measure(async {
                    for _ in 0..iters {
                        let users = db
                            .primary()
                            .users()
                            .filter(User::ID.le(upto))
                            .include(|u| u.posts_with(|p| p.comments_with(|c| c.author())))
                            .all()
                            .await;
                        black_box(users.expect("eager_3_levels"));
                    }
                })
                .await
            }
            (EagerOp::Eager3Levels, Arm::B) => {
                measure(async {
                    for _ in 0..iters {
                        let users = nested(&self.plain, upto).await;
                        black_box(users.expect("hand-written eager_3_levels"));
                    }
                })
                .await
            }
            (EagerOp::NPlusOne100, Arm::A) => {
                measure(async {
                    for _ in 0..iters {
                        black_box(lazy_posts(db, upto).await);
                    }
                })
                .await
            }
            (EagerOp::NPlusOne100, Arm::B) => {
                measure(async {
                    for _ in 0..iters {
                        black_box(eager_posts(db, upto).await);
                    }
                })
                .await
            }
        }
    }

    /// Close every pool and remove the databases (files, schemas or databases).
    pub async fn finish(self) {
        self.db.engine().close().await;
        self.plain.close().await;
        self.cleanup.run().await;
    }
}

/// The users with `id <= upto`, then each one's posts with `user.posts(&db)`: N+1 statements.
async fn lazy_posts(db: &Database, upto: i64) -> Vec<(User, Vec<Post>)> {
    let users = db
        .primary()
        .users()
        .filter(User::ID.le(upto))
        .all()
        .await
        .expect("users");
    let mut loaded = Vec::with_capacity(users.len());
    for user in users {
        let posts = user.posts(db).await.expect("lazy posts");
        loaded.push((user, posts));
    }
    loaded
}

/// The users with `id <= upto` with their posts, eagerly: 2 statements.
async fn eager_posts(db: &Database, upto: i64) -> Vec<LoadedUser> {
    db.primary()
        .users()
        .filter(User::ID.le(upto))
        .include(|u| u.posts())
        .all()
        .await
        .expect("eager posts")
}

/// One measured eager-loading operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EagerOp {
    /// All 1,000 users with their 10 posts each: [`Arm::A`] switchyard's `include`,
    /// [`Arm::B`] hand-written sqlx.
    Eager1000x10,
    /// 100 users → posts → comments → author: [`Arm::A`] switchyard, [`Arm::B`] hand-written.
    Eager3Levels,
    /// 100 users' posts: [`Arm::A`] the lazy loop (`user.posts(&db)` per user), [`Arm::B`]
    /// switchyard's `include`.
    NPlusOne100,
}

impl EagerOp {
    /// Every operation, in report order.
    pub const ALL: [EagerOp; 3] = [
        EagerOp::Eager1000x10,
        EagerOp::Eager3Levels,
        EagerOp::NPlusOne100,
    ];

    /// The report name.
    pub fn name(self) -> &'static str {
        match self {
            EagerOp::Eager1000x10 => "eager_1000x10",
            EagerOp::Eager3Levels => "eager_3_levels",
            EagerOp::NPlusOne100 => "n_plus_1_100",
        }
    }

    /// What runs on each arm.
    pub fn arms(self) -> [&'static str; 2] {
        match self {
            EagerOp::Eager1000x10 | EagerOp::Eager3Levels => ["switchyard", "sqlx"],
            EagerOp::NPlusOne100 => ["lazy", "eager"],
        }
    }
}

/// One of the two sides of a comparison; the ratio reported is A / B.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arm {
    /// The side in the numerator.
    A,
    /// The side in the denominator.
    B,
}

// ---------------------------------------------------------------------------------------------
// Key sets: chunked IN lists against one JSON array.

/// Rows in the `keyed` table.
const KEYED_ROWS: usize = 100_000;
/// The key counts measured.
pub const KEY_COUNTS: [usize; 3] = [1_000, 10_000, 100_000];

/// How the JSON side hands the keys to the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonForm {
    /// `WHERE k IN (SELECT value FROM json_each(?))` / `... IN (SELECT k FROM JSON_TABLE(?, ...))`.
    InSelect,
    /// `json_each(?) JOIN keyed` / `keyed JOIN JSON_TABLE(?, ...)`.
    Join,
}

impl JsonForm {
    /// Both forms.
    pub const ALL: [JsonForm; 2] = [JsonForm::InSelect, JsonForm::Join];

    /// The report name.
    pub fn name(self, backend: Backend) -> &'static str {
        match (self, backend) {
            (JsonForm::InSelect, Backend::MySql) => "IN (SELECT … JSON_TABLE(?))",
            (JsonForm::Join, Backend::MySql) => "JOIN JSON_TABLE(?)",
            (JsonForm::InSelect, _) => "IN (SELECT value FROM json_each(?))",
            (JsonForm::Join, _) => "json_each(?) JOIN",
        }
    }
}

/// One key-set measurement: [`Arm::A`] the JSON array in `form`, [`Arm::B`] chunked, padded
/// `IN (?, ...)` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeysOp {
    /// How many keys.
    pub keys: usize,
    /// The JSON form.
    pub form: JsonForm,
}

struct KeysSql {
    in_head: &'static str,
    json_in: &'static str,
    json_join: &'static str,
}

const SQLITE_KEYS: KeysSql = KeysSql {
    in_head: r#"SELECT "id", "k", "payload" FROM "keyed" WHERE "k" IN ("#,
    json_in: r#"SELECT "id", "k", "payload" FROM "keyed" WHERE "k" IN (SELECT "value" FROM json_each(?))"#,
    json_join: r#"SELECT t."id", t."k", t."payload" FROM json_each(?) AS j JOIN "keyed" AS t ON t."k" = j."value""#,
};

const MYSQL_KEYS: KeysSql = KeysSql {
    in_head: "SELECT `id`, `k`, `payload` FROM `keyed` WHERE `k` IN (",
    json_in: "SELECT `id`, `k`, `payload` FROM `keyed` WHERE `k` IN (SELECT j.k FROM JSON_TABLE(?, '$[*]' COLUMNS (k BIGINT PATH '$')) AS j)",
    json_join: "SELECT t.`id`, t.`k`, t.`payload` FROM `keyed` AS t JOIN JSON_TABLE(?, '$[*]' COLUMNS (k BIGINT PATH '$')) AS j ON t.`k` = j.k",
};

/// A `keyed` row.
type KeyedRow = (i64, i64, String);

/// `keys` as a JSON array text, built per call as an app would.
fn json_array(keys: &[i64]) -> String {
    let mut json = String::with_capacity(keys.len() * 8 + 2);
    json.push('[');
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        write!(json, "{k}").expect("writing to a String cannot fail");
    }
    json.push(']');
    json
}

enum KeysPool {
    Sqlite(SqlitePool),
    MySql(MySqlPool),
}

/// One backend's `keyed` table and a plain sqlx pool to it.
pub struct KeysTarget {
    backend: Backend,
    pool: KeysPool,
    /// Every key of the table, shuffled; a lookup of `n` keys takes the first `n`.
    keys: Vec<i64>,
    cleanup: Cleanup,
}

/// Every key value of the table (`3 i + 1`), in a fixed pseudo-random order.
fn shuffled_keys() -> Vec<i64> {
    let mut keys: Vec<i64> = (0..KEYED_ROWS)
        .map(|i| i64::try_from(i).expect("fits") * 3 + 1)
        .collect();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in (1..keys.len()).rev() {
        // xorshift64
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let j = usize::try_from(state % (u64::try_from(i).expect("fits") + 1)).expect("fits");
        keys.swap(i, j);
    }
    keys
}

async fn sqlite_keys() -> KeysTarget {
    let dir = sqlite_dir("keys");
    let pool = sqlite_pool(&format!("sqlite:{}", dir.join("keys.sqlite3").display())).await;
    let rows = KEYED_ROWS - 1;
    for statement in [
        r#"CREATE TABLE "keyed" ("id" INTEGER PRIMARY KEY, "k" INTEGER NOT NULL, "payload" TEXT NOT NULL)"#.to_owned(),
        r#"CREATE INDEX "keyed_k_idx" ON "keyed" ("k")"#.to_owned(),
        format!(
            r#"WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < {rows}) INSERT INTO "keyed" ("id", "k", "payload") SELECT i + 1, i * 3 + 1, 'payload of row ' || i FROM seq"#
        ),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
            .execute(&pool)
            .await
            .expect("create the keyed table on SQLite");
    }
    KeysTarget {
        backend: Backend::Sqlite,
        pool: KeysPool::Sqlite(pool),
        keys: shuffled_keys(),
        cleanup: Cleanup::Dir(dir),
    }
}

async fn mysql_keys(base: &str) -> KeysTarget {
    let database = format!("switchyard_keys_{}", std::process::id());
    mysql_admin(base, &format!("DROP DATABASE IF EXISTS `{database}`")).await;
    mysql_admin(base, &format!("CREATE DATABASE `{database}`")).await;
    let pool = mysql_pool(&mysql_url(base, &database)).await;
    let rows = KEYED_ROWS - 1;
    for statement in [
        "CREATE TABLE `keyed` (`id` BIGINT NOT NULL PRIMARY KEY, `k` BIGINT NOT NULL, `payload` VARCHAR(255) NOT NULL, INDEX `keyed_k_idx` (`k`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin".to_owned(),
        // MariaDB's sequence engine.
        format!(
            "INSERT INTO `keyed` (`id`, `k`, `payload`) SELECT seq + 1, seq * 3 + 1, CONCAT('payload of row ', seq) FROM seq_0_to_{rows}"
        ),
        "ANALYZE TABLE `keyed`".to_owned(),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
            .execute(&pool)
            .await
            .expect("create the keyed table on MariaDB");
    }
    KeysTarget {
        backend: Backend::MySql,
        pool: KeysPool::MySql(pool),
        keys: shuffled_keys(),
        cleanup: Cleanup::MySql {
            admin_url: base.to_owned(),
            drop: vec![format!("DROP DATABASE `{database}`")],
        },
    }
}

/// The key-set table on SQLite and, when `SWITCHYARD_BENCH_MYSQL_URL` is set, MariaDB, each
/// checked to return the same rows in every form.
pub async fn keys_targets() -> Vec<KeysTarget> {
    let mut targets = vec![sqlite_keys().await];
    if let Ok(url) = std::env::var("SWITCHYARD_BENCH_MYSQL_URL")
        && !url.is_empty()
    {
        targets.push(mysql_keys(&url).await);
    }
    for target in &targets {
        for keys in KEY_COUNTS {
            let sorted = |mut rows: Vec<KeyedRow>| {
                rows.sort_unstable();
                rows
            };
            let listed = sorted(target.lookup_in(keys).await);
            assert_eq!(listed.len(), keys, "IN rows on {}", target.backend.name());
            for form in JsonForm::ALL {
                let json = sorted(target.lookup_json(keys, form).await);
                assert!(
                    json == listed,
                    "{} rows on {} for {keys} keys",
                    form.name(target.backend),
                    target.backend.name()
                );
            }
        }
    }
    targets
}

impl KeysTarget {
    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The rows of the first `n` keys, as chunked, padded `IN (?, ...)` lists.
    async fn lookup_in(&self, n: usize) -> Vec<KeyedRow> {
        let keys = &self.keys[..n];
        match &self.pool {
            KeysPool::Sqlite(p) => sqlite::rows_in(p, SQLITE_KEYS.in_head, keys, SQLITE_MAX_BINDS)
                .await
                .expect("IN lookup"),
            KeysPool::MySql(p) => mysql::rows_in(p, MYSQL_KEYS.in_head, keys, MYSQL_MAX_BINDS)
                .await
                .expect("IN lookup"),
        }
    }

    /// The rows of the first `n` keys, bound as one JSON array.
    async fn lookup_json(&self, n: usize, form: JsonForm) -> Vec<KeyedRow> {
        let json = json_array(&self.keys[..n]);
        let pick = |sql: &KeysSql| match form {
            JsonForm::InSelect => sql.json_in,
            JsonForm::Join => sql.json_join,
        };
        match &self.pool {
            KeysPool::Sqlite(p) => sqlite::by_text(p, pick(&SQLITE_KEYS), json)
                .await
                .expect("JSON lookup"),
            KeysPool::MySql(p) => mysql::by_text(p, pick(&MYSQL_KEYS), json)
                .await
                .expect("JSON lookup"),
        }
    }

    /// Run `op` `iters` times on `arm` (A: JSON, B: IN lists).
    pub async fn run(&self, op: KeysOp, arm: Arm, iters: u64) -> Measured {
        match arm {
            Arm::A => {
                measure(async {
                    for _ in 0..iters {
                        black_box(self.lookup_json(op.keys, op.form).await);
                    }
                })
                .await
            }
            Arm::B => {
                measure(async {
                    for _ in 0..iters {
                        black_box(self.lookup_in(op.keys).await);
                    }
                })
                .await
            }
        }
    }

    /// Close the pool and drop the table's database.
    pub async fn finish(self) {
        match &self.pool {
            KeysPool::Sqlite(p) => p.close().await,
            KeysPool::MySql(p) => p.close().await,
        }
        self.cleanup.run().await;
    }
}
