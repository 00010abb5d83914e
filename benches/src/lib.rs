//! Shared code of the benchmarks in `benches/`: switchyard's generated code against
//! hand-written sqlx running the same SQL.
//!
//! Four operations on the `users` table of `tests/schema/` ([`Op`]): find by key, a filtered
//! query returning 100 rows, insert of one row, insert of 1,000 rows in one statement. Each runs
//! on two [`Side`]s: through the generated repository, and through `sqlx::query_as` with the
//! same SQL text and the same binds, decoding into a hand-written struct, on a plain sqlx pool
//! to the same database. Before anything is measured, [`targets`] captures every statement
//! switchyard runs and checks it is byte-for-byte the hand-written text, and compares both
//! sides' results.
//!
//! SQLite always runs, in a file under the temporary directory. PostgreSQL runs when
//! `SWITCHYARD_BENCH_POSTGRES_URL` is set (e.g. `postgres://postgres@127.0.0.1:5432/test`), in
//! a fresh schema created for the run and dropped by [`Target::finish`].
//!
//! The other benchmarks have modules of their own: [`eager`], [`routing`] and [`sharding`] (the
//! latter on a schema of the benches' own, [`fleet`]).

pub mod eager;
pub mod routing;
mod rows;
pub mod setup;
pub mod sharding;
pub mod stats;

/// Code generated from `benches/schema/`: the `fleet` cluster of the sharding benchmark, hashed
/// over four shards, with its keyed models `Account` and `Event`.
pub mod fleet {
    switchyard::include_generated!();
}

use crate::rows::UserRow;
use crate::setup::timestamp;
use std::hint::black_box;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{ConnectOptions as _, Connection as _};
use switchyard::Config;
use switchyard_tests::db::{Database, NewUser, User};

/// Rows in `users` before any benchmark runs; inserts are deleted again after every sample.
const SEED_ROWS: usize = 10_000;
/// `filter_100_rows` selects `karma >= FILTER_KARMA` (90% of the seeded rows) ...
const FILTER_KARMA: i32 = 10;
/// ... limited to this many rows (written into the SQL as an integer, as the runtime does since
/// the sharding work: `LIMIT 100`, not a bound value).
const FILTER_LIMIT: i64 = 100;
/// Rows per `insert_1000` statement.
const BATCH: usize = 1_000;

// The hand-written SQL: what the generated code runs, written out as an app would. SQLite
// quotes identifiers with backticks (as MySQL does), PostgreSQL with double quotes. Inserts
// leave the auto-increment key to the database: `NULL` on SQLite, `DEFAULT` on PostgreSQL, and
// bind the other five columns only.
const SQLITE_FIND: &str =
    "SELECT `id`, `username`, `email`, `bio`, `karma`, `created_at` FROM `users` WHERE `id` = ?";
const SQLITE_FILTER: &str = "SELECT `id`, `username`, `email`, `bio`, `karma`, `created_at` FROM `users` WHERE `karma` >= ? LIMIT 100";
const SQLITE_INSERT: &str = "INSERT INTO `users` (`id`, `username`, `email`, `bio`, `karma`, `created_at`) VALUES (NULL, ?, ?, ?, ?, ?) RETURNING `id`, `username`, `email`, `bio`, `karma`, `created_at`";
const PG_FIND: &str = r#"SELECT "id", "username", "email", "bio", "karma", "created_at" FROM "users" WHERE "id" = $1"#;
const PG_FILTER: &str = r#"SELECT "id", "username", "email", "bio", "karma", "created_at" FROM "users" WHERE "karma" >= $1 LIMIT 100"#;
const PG_INSERT: &str = r#"INSERT INTO "users" ("id", "username", "email", "bio", "karma", "created_at") VALUES (DEFAULT, $1, $2, $3, $4, $5) RETURNING "id", "username", "email", "bio", "karma", "created_at""#;
const SQLITE_INSERT_HEAD: &str =
    "INSERT INTO `users` (`id`, `username`, `email`, `bio`, `karma`, `created_at`) VALUES ";
const SQLITE_INSERT_RETURNING: &str =
    " RETURNING `id`, `username`, `email`, `bio`, `karma`, `created_at`";
const PG_INSERT_HEAD: &str =
    r#"INSERT INTO "users" ("id", "username", "email", "bio", "karma", "created_at") VALUES "#;
const PG_INSERT_RETURNING: &str =
    r#" RETURNING "id", "username", "email", "bio", "karma", "created_at""#;

/// The multi-row insert of `rows` rows, as the hand-written side builds it on every call: the
/// key left to the database in every row, five binds per row.
fn insert_many_sql(postgres: bool, rows: usize) -> String {
    use std::fmt::Write as _;
    let (head, returning) = if postgres {
        (PG_INSERT_HEAD, PG_INSERT_RETURNING)
    } else {
        (SQLITE_INSERT_HEAD, SQLITE_INSERT_RETURNING)
    };
    let mut sql = String::with_capacity(head.len() + returning.len() + rows * 48);
    sql.push_str(head);
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        if postgres {
            let n = r * 5;
            write!(
                sql,
                "(DEFAULT, ${}, ${}, ${}, ${}, ${})",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5
            )
            .expect("writing to a String cannot fail");
        } else {
            sql.push_str("(NULL, ?, ?, ?, ?, ?)");
        }
    }
    sql.push_str(returning);
    sql
}

/// The hand-written sqlx code of one driver: `FromRow` by column index (as the generated code
/// decodes) and one function per operation, binding the same values in the same order.
macro_rules! hand_written {
    ($module:ident, $db:ty, $row:ty) => {
        mod $module {

            use super::{NewUser, UserRow};

            type Pool = sqlx::Pool<$db>;

            pub(crate) async fn find(
                pool: &Pool,
                sql: &'static str,
                id: i64,
            ) -> sqlx::Result<Option<UserRow>> {
                sqlx::query_as(sql).bind(id).fetch_optional(pool).await
            }

            pub(crate) async fn filter(
                pool: &Pool,
                sql: &'static str,
                karma: i32,
            ) -> sqlx::Result<Vec<UserRow>> {
                sqlx::query_as(sql).bind(karma).fetch_all(pool).await
            }

            pub(crate) async fn insert(
                pool: &Pool,
                sql: &'static str,
                row: &NewUser,
            ) -> sqlx::Result<UserRow> {
                // The key is left to the database (`row.id` is `None`): not bound.
                sqlx::query_as(sql)
                    .bind(&row.username)
                    .bind(&row.email)
                    .bind(&row.bio)
                    .bind(row.karma.unwrap_or(0))
                    .bind(row.created_at.expect("benchmark rows carry created_at"))
                    .fetch_one(pool)
                    .await
            }

            pub(crate) async fn insert_many(
                pool: &Pool,
                sql: String,
                rows: &[NewUser],
            ) -> sqlx::Result<Vec<UserRow>> {
                let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for row in rows {
                    // The key is left to the database (`row.id` is `None`): not bound.
                    query = query
                        .bind(&row.username)
                        .bind(&row.email)
                        .bind(&row.bio)
                        .bind(row.karma.unwrap_or(0))
                        .bind(row.created_at.expect("benchmark rows carry created_at"));
                }
                query.fetch_all(pool).await
            }
        }
    };
}

hand_written!(sqlite, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
hand_written!(postgres, sqlx::Postgres, sqlx::postgres::PgRow);

/// The plain sqlx pool of one backend.
enum Plain {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Plain {
    async fn find(&self, id: i64) -> sqlx::Result<Option<UserRow>> {
        match self {
            Plain::Sqlite(p) => sqlite::find(p, SQLITE_FIND, id).await,
            Plain::Postgres(p) => postgres::find(p, PG_FIND, id).await,
        }
    }

    /// The first `FILTER_LIMIT` users with at least `karma` (the limit is in the SQL text).
    async fn filter(&self, karma: i32) -> sqlx::Result<Vec<UserRow>> {
        match self {
            Plain::Sqlite(p) => sqlite::filter(p, SQLITE_FILTER, karma).await,
            Plain::Postgres(p) => postgres::filter(p, PG_FILTER, karma).await,
        }
    }

    async fn insert(&self, row: &NewUser) -> sqlx::Result<UserRow> {
        match self {
            Plain::Sqlite(p) => sqlite::insert(p, SQLITE_INSERT, row).await,
            Plain::Postgres(p) => postgres::insert(p, PG_INSERT, row).await,
        }
    }

    async fn insert_many(&self, rows: &[NewUser]) -> sqlx::Result<Vec<UserRow>> {
        match self {
            Plain::Sqlite(p) => {
                sqlite::insert_many(p, insert_many_sql(false, rows.len()), rows).await
            }
            Plain::Postgres(p) => {
                postgres::insert_many(p, insert_many_sql(true, rows.len()), rows).await
            }
        }
    }

    fn is_postgres(&self) -> bool {
        matches!(self, Plain::Postgres(_))
    }

    /// Untimed: delete the rows inserted by benchmarks, so every sample starts from the seed.
    async fn reset(&self, seed_max: i64) {
        match self {
            Plain::Sqlite(p) => {
                sqlx::query("DELETE FROM `users` WHERE `id` > ?")
                    .bind(seed_max)
                    .execute(p)
                    .await
                    .expect("delete inserted rows");
            }
            Plain::Postgres(p) => {
                sqlx::query(r#"DELETE FROM "users" WHERE "id" > $1"#)
                    .bind(seed_max)
                    .execute(p)
                    .await
                    .expect("delete inserted rows");
                // Dead index entries would otherwise pile up and slow whichever side runs later.
                sqlx::query(r#"VACUUM "users""#)
                    .execute(p)
                    .await
                    .expect("vacuum users");
            }
        }
    }

    async fn close(&self) {
        match self {
            Plain::Sqlite(p) => p.close().await,
            Plain::Postgres(p) => p.close().await,
        }
    }
}

/// What to remove after the run.
enum Cleanup {
    Dir(PathBuf),
    Schema { admin_url: String, schema: String },
}

/// One backend: the generated `Database` and a plain sqlx pool, on the same database.
pub struct Target {
    backend: &'static str,
    db: Database,
    plain: Plain,
    config: Config,
    seed_max: i64,
    cleanup: Cleanup,
}

/// Every shard of the test topology on `url`s, without replicas (reads go to the writer).
fn config(primary: &str, animals: &str, shard_one: &str) -> Config {
    let none = Vec::<String>::new;
    Database::config()
        .writer("primary", "default", primary)
        .replicas("primary", "default", none())
        .role_replicas("primary", "default", "reporting", none())
        .writer("animals", "default", animals)
        .replicas("animals", "default", none())
        .writer("animals", "shard_one", shard_one)
        .replicas("animals", "shard_one", none())
}

static NEXT_USER: AtomicU64 = AtomicU64::new(0);

/// A new user with a unique name; both sides insert identical values.
fn new_user() -> NewUser {
    let n = NEXT_USER.fetch_add(1, Ordering::Relaxed);
    NewUser {
        id: None,
        username: format!("bench-{n}"),
        email: format!("bench-{n}@example.com"),
        bio: None,
        karma: Some(i32::try_from(n % 100).expect("below 100")),
        created_at: Some(timestamp()),
    }
}

async fn sqlite_target() -> Target {
    let dir = std::env::temp_dir().join(format!("switchyard-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the SQLite directory");
    let url = |name: &str| format!("sqlite:{}", dir.join(format!("{name}.sqlite3")).display());
    let config = config(&url("primary"), &url("animals"), &url("shard_one"));
    let db = Database::connect(config.clone())
        .await
        .expect("connect switchyard to SQLite");
    db.create_tables().await.expect("create tables on SQLite");
    // The options switchyard's pool uses for a SQLite writer (runtime/src/pool.rs).
    let options = SqliteConnectOptions::from_str(&url("primary"))
        .expect("SQLite URL")
        .disable_statement_logging()
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal);
    let pool = SqlitePoolOptions::new()
        .max_connections(10)
        .connect_with(options)
        .await
        .expect("connect sqlx to SQLite");
    Target {
        backend: "sqlite",
        db,
        plain: Plain::Sqlite(pool),
        config,
        seed_max: 0,
        cleanup: Cleanup::Dir(dir),
    }
}

async fn admin(url: &str, statement: &str) {
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .expect("connect to PostgreSQL as admin");
    sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_owned()))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("`{statement}`: {e}"));
    conn.close().await.expect("close the admin connection");
}

async fn postgres_target(base: &str) -> Target {
    let schema = format!("switchyard_bench_{}", std::process::id());
    admin(
        base,
        &format!(r#"DROP SCHEMA IF EXISTS "{schema}" CASCADE"#),
    )
    .await;
    admin(base, &format!(r#"CREATE SCHEMA "{schema}""#)).await;
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    let config = config(&url, &url, &url);
    let db = Database::connect(config.clone())
        .await
        .expect("connect switchyard to PostgreSQL");
    db.create_tables()
        .await
        .expect("create tables on PostgreSQL");
    // The options switchyard's pool uses for a PostgreSQL writer (runtime/src/pool.rs).
    let options = PgConnectOptions::from_str(&url)
        .expect("PostgreSQL URL")
        .disable_statement_logging();
    let pool = PgPoolOptions::new()
        .max_connections(10)
        .connect_with(options)
        .await
        .expect("connect sqlx to PostgreSQL");
    Target {
        backend: "postgres",
        db,
        plain: Plain::Postgres(pool),
        config,
        seed_max: 0,
        cleanup: Cleanup::Schema {
            admin_url: base.to_owned(),
            schema,
        },
    }
}

impl Target {
    /// Seed `SEED_ROWS` users: karma cycles 0..100, every other one has a bio.
    async fn seed(&mut self) {
        let rows: Vec<NewUser> = (0..SEED_ROWS)
            .map(|i| NewUser {
                id: None,
                username: format!("seed-{i}"),
                email: format!("seed-{i}@example.com"),
                bio: (i % 2 == 0).then(|| format!("Seeded user number {i}.")),
                karma: Some(i32::try_from(i % 100).expect("below 100")),
                created_at: Some(timestamp()),
            })
            .collect();
        let stored = self
            .db
            .primary()
            .users()
            .insert_many(&rows)
            .await
            .expect("seed users");
        assert_eq!(stored.len(), SEED_ROWS);
        self.seed_max = stored.iter().map(|u| u.id).max().expect("seeded rows");
    }

    /// The key the `i`-th lookup reads: every seeded row in turn.
    fn key(&self, i: u64) -> i64 {
        let seeded = u64::try_from(SEED_ROWS).expect("fits");
        i64::try_from(i % seeded).expect("fits") + self.seed_max + 1
            - i64::try_from(SEED_ROWS).expect("fits")
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
        let users = || observed.primary().users();
        let take = || std::mem::take(&mut *seen.lock().expect("statement log"));
        let postgres = self.plain.is_postgres();
        let (find, filter, insert) = if postgres {
            (PG_FIND, PG_FILTER, PG_INSERT)
        } else {
            (SQLITE_FIND, SQLITE_FILTER, SQLITE_INSERT)
        };

        let key = self.key(7);
        let generated = users().find(key).await.expect("find").expect("seeded row");
        assert_eq!(take(), [find], "find SQL on {}", self.backend);
        let hand = self
            .plain
            .find(key)
            .await
            .expect("find")
            .expect("seeded row");
        assert_eq!(hand, generated, "find result on {}", self.backend);

        let generated = users()
            .filter(User::KARMA.ge(FILTER_KARMA))
            .limit(u64::try_from(FILTER_LIMIT).expect("fits"))
            .all()
            .await
            .expect("filter");
        assert_eq!(take(), [filter], "filter SQL on {}", self.backend);
        let hand = self.plain.filter(FILTER_KARMA).await.expect("filter");
        assert_eq!(
            generated.len(),
            usize::try_from(FILTER_LIMIT).expect("fits"),
            "filter returns 100 rows"
        );
        assert_eq!(hand, generated, "filter result on {}", self.backend);

        let row = new_user();
        let generated = users().insert(row.clone()).await.expect("insert");
        assert_eq!(take(), [insert], "insert SQL on {}", self.backend);
        let hand = self.plain.insert(&new_user()).await.expect("insert");
        assert_eq!(hand.id, generated.id + 1, "insert keys on {}", self.backend);

        let rows: Vec<NewUser> = (0..BATCH).map(|_| new_user()).collect();
        let generated = users().insert_many(&rows).await.expect("insert_many");
        assert_eq!(
            take(),
            [insert_many_sql(postgres, BATCH)],
            "insert_many SQL on {}",
            self.backend
        );
        assert_eq!(generated.len(), BATCH);
        let hand = self
            .plain
            .insert_many(&rows_like(&rows))
            .await
            .expect("insert_many");
        assert_eq!(hand.len(), BATCH);
        assert!(
            hand.iter()
                .zip(&generated)
                .all(|(h, g)| h.karma == g.karma && h.bio == g.bio),
            "insert_many results on {}",
            self.backend
        );

        observed.engine().close().await;
        self.plain.reset(self.seed_max).await;
    }

    /// Close both pools and remove the database (file or schema).
    pub async fn finish(self) {
        self.db.engine().close().await;
        self.plain.close().await;
        match self.cleanup {
            Cleanup::Dir(dir) => {
                std::fs::remove_dir_all(&dir).expect("remove the SQLite directory");
            }
            Cleanup::Schema { admin_url, schema } => {
                admin(&admin_url, &format!(r#"DROP SCHEMA "{schema}" CASCADE"#)).await;
            }
        }
    }
}

/// Fresh copies of `rows` with new unique names (the originals are inserted already).
fn rows_like(rows: &[NewUser]) -> Vec<NewUser> {
    rows.iter()
        .map(|r| NewUser {
            karma: r.karma,
            bio: r.bio.clone(),
            ..new_user()
        })
        .collect()
}

/// Connect every configured backend, seed it, and check both sides run the same SQL and
/// return the same rows. Backends left out are reported on stderr.
pub async fn targets() -> Vec<Target> {
    let mut targets = vec![sqlite_target().await];
    match std::env::var("SWITCHYARD_BENCH_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => targets.push(postgres_target(&url).await),
        _ => eprintln!("PostgreSQL skipped: set SWITCHYARD_BENCH_POSTGRES_URL to include it"),
    }
    for target in &mut targets {
        target.seed().await;
        target.verify().await;
    }
    targets
}

/// One measured operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `users().find(id)`: one row by primary key, cycling through the seeded keys.
    FindByKey,
    /// `users().filter(User::KARMA.ge(10)).limit(100).all()`: 100 rows.
    Filter100Rows,
    /// `users().insert(row)`: one row, `INSERT ... RETURNING`.
    Insert1,
    /// `users().insert_many(&rows)` of 1,000 rows: one multi-row `INSERT ... RETURNING`.
    Insert1000,
}

impl Op {
    /// Every operation, in report order.
    pub const ALL: [Op; 4] = [
        Op::FindByKey,
        Op::Filter100Rows,
        Op::Insert1,
        Op::Insert1000,
    ];

    /// The criterion group name.
    pub fn name(self) -> &'static str {
        match self {
            Op::FindByKey => "find_by_key",
            Op::Filter100Rows => "filter_100_rows",
            Op::Insert1 => "insert_1",
            Op::Insert1000 => "insert_1000",
        }
    }
}

/// Which code runs the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The generated repositories of `switchyard_tests::db`.
    Switchyard,
    /// Hand-written `sqlx::query_as` with the same SQL, on a plain sqlx pool.
    Sqlx,
}

impl Side {
    /// The criterion function name.
    pub fn name(self) -> &'static str {
        match self {
            Side::Switchyard => "switchyard",
            Side::Sqlx => "sqlx",
        }
    }
}

impl Target {
    /// The backend's name: `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// Run `op` `iters` times on `side`; the wall-clock and calling-thread CPU time of those
    /// runs alone. Rows to insert are built before the clock starts, and the rows inserted are
    /// deleted after it stops.
    pub async fn run(&self, op: Op, side: Side, iters: u64) -> Measured {
        let limit = u64::try_from(FILTER_LIMIT).expect("fits");
        match (op, side) {
            (Op::FindByKey, Side::Switchyard) => {
                measure(async {
                    for i in 0..iters {
                        let user = self.db.primary().users().find(self.key(i)).await;
                        black_box(user.expect("find").expect("seeded row"));
                    }
                })
                .await
            }
            (Op::FindByKey, Side::Sqlx) => {
                measure(async {
                    for i in 0..iters {
                        let user = self.plain.find(self.key(i)).await;
                        black_box(user.expect("find").expect("seeded row"));
                    }
                })
                .await
            }
            (Op::Filter100Rows, Side::Switchyard) => {
                measure(async {
                    for _ in 0..iters {
                        let users = self
                            .db
                            .primary()
                            .users()
                            .filter(User::KARMA.ge(FILTER_KARMA))
                            .limit(limit)
                            .all()
                            .await;
                        black_box(users.expect("filter"));
                    }
                })
                .await
            }
            (Op::Filter100Rows, Side::Sqlx) => {
                measure(async {
                    for _ in 0..iters {
                        let users = self.plain.filter(FILTER_KARMA).await;
                        black_box(users.expect("filter"));
                    }
                })
                .await
            }
            (Op::Insert1, Side::Switchyard) => {
                let rows: Vec<NewUser> = (0..iters).map(|_| new_user()).collect();
                let measured = measure(async {
                    for row in rows {
                        let user = self.db.primary().users().insert(row).await;
                        black_box(user.expect("insert"));
                    }
                })
                .await;
                self.plain.reset(self.seed_max).await;
                measured
            }
            (Op::Insert1, Side::Sqlx) => {
                let rows: Vec<NewUser> = (0..iters).map(|_| new_user()).collect();
                let measured = measure(async {
                    for row in rows {
                        let user = self.plain.insert(&row).await;
                        black_box(user.expect("insert"));
                    }
                })
                .await;
                self.plain.reset(self.seed_max).await;
                measured
            }
            (Op::Insert1000, Side::Switchyard) => {
                let batches = batches(iters);
                let measured = measure(async {
                    for rows in batches {
                        let users = self.db.primary().users().insert_many(&rows).await;
                        black_box(users.expect("insert_many"));
                    }
                })
                .await;
                self.plain.reset(self.seed_max).await;
                measured
            }
            (Op::Insert1000, Side::Sqlx) => {
                let batches = batches(iters);
                let measured = measure(async {
                    for rows in batches {
                        let users = self.plain.insert_many(&rows).await;
                        black_box(users.expect("insert_many"));
                    }
                })
                .await;
                self.plain.reset(self.seed_max).await;
                measured
            }
        }
    }
}

/// The time one [`Target::run`] took.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    /// Wall-clock time.
    pub wall: Duration,
    /// CPU time of the calling thread (where the async code runs on a current-thread
    /// runtime: switchyard, sqlx's pool and, for PostgreSQL, its protocol code; not SQLite's
    /// worker thread nor the server). `None` where the OS does not report it.
    pub cpu: Option<Duration>,
}

/// CPU time of the calling thread so far, from `/proc/thread-self/schedstat` (Linux).
pub fn thread_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// Wall-clock and calling-thread CPU time of `work`.
async fn measure(work: impl Future<Output = ()>) -> Measured {
    let cpu_start = thread_cpu_time();
    let start = Instant::now();
    work.await;
    let wall = start.elapsed();
    let cpu = thread_cpu_time()
        .zip(cpu_start)
        .map(|(end, start)| end.saturating_sub(start));
    Measured { wall, cpu }
}

/// `iters` batches of `BATCH` new users.
fn batches(iters: u64) -> Vec<Vec<NewUser>> {
    (0..iters)
        .map(|_| (0..BATCH).map(|_| new_user()).collect())
        .collect()
}
