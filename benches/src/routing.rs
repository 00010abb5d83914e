//! Routing: what a read costs when switchyard picks the replica, against the same replica's
//! pool used directly with sqlx; and read throughput with 0, 1 and 2 replicas.
//!
//! # Routing overhead ([`RoutingTarget`], [`RoutingOp`])
//!
//! The `primary` cluster of `tests/schema/` with one replica, and 10,000 seeded users. One
//! statement, find by primary key (``SELECT `id`, … FROM `users` WHERE `id` = ?``), small enough
//! that routing shows:
//!
//! - `routing_overhead`: `db.reading().primary().users().find(id)` (a reading handle: the replica
//!   is picked by the cluster's policy) against `sqlx::query(SQL).bind(id).fetch_optional(&pool)`
//!   decoded into a hand-written struct, on a plain sqlx pool opened to the replica's URL with
//!   the options switchyard uses for a replica;
//! - `routing_overhead_auto`: the default handle, `db.primary().users().find(id)`, inside
//!   `Selector::new(Consistency::default()).run(false, None, …)` (one GET request without a
//!   session per find): the selector classifies the SQL and sends the read to the replica.
//!   Same plain side;
//! - `reading_vs_writing`: the reading handle on the replica against a writing handle,
//!   `db.writing().primary().users().find(id)`, on the writer of the same database: switchyard
//!   against itself, so the difference is the replica routing alone (plus whatever differs
//!   between a read-only and a read-write pool);
//! - `sqlx_vs_sqlx`: the control, hand-written sqlx against itself on a second pool with the
//!   same options: the method's own noise.
//!
//! The replica is the writer's own database: SQLite the same file opened read-only
//! (`?mode=ro`), PostgreSQL and MariaDB the same server and database URL, opened read-only
//! (`default_transaction_read_only=on`, `SET SESSION TRANSACTION READ ONLY`). Before anything
//! is measured, [`routing_targets`] captures every statement switchyard runs
//! (`Config::on_statement`) and asserts it is byte-for-byte the hand-written SQL and ran on
//! `replica #0` (the writer for the writing handle), and that both sides return the same row.
//!
//! # Read throughput ([`ThroughputTarget`])
//!
//! `tasks` concurrent tokio tasks, each running `db.reading().primary().users().find(id)` on
//! random seeded keys in a loop for a fixed time, with 0, 1 and 2 replicas ([`Setup`]; every
//! pool has switchyard's default 10 connections). With `SWITCHYARD_BENCH_PG_STANDBY_URL` set (a
//! streaming standby of the `SWITCHYARD_BENCH_POSTGRES_URL` cluster, e.g.
//! `postgres://postgres@127.0.0.1:5433/test`), PostgreSQL's replicas are the standby (1), the
//! standby twice (2 pools on one server), and the standby plus the primary opened read-only (2
//! servers); otherwise, and on SQLite and MariaDB, a replica is the writer's database opened
//! read-only once more. A control setup reads from the writer alone with a pool of 20
//! connections, as many as two replicas have.
//!
//! SQLite always runs, under the temporary directory. PostgreSQL runs when
//! `SWITCHYARD_BENCH_POSTGRES_URL` is set (in a schema created for the run), MariaDB when
//! `SWITCHYARD_BENCH_MYSQL_URL` is set (in a database created for the run); [`Fixture::finish`]
//! drops them.

use crate::rows::UserRow;
use crate::setup::{mysql_admin, mysql_url, pg_admin, pg_url, timestamp};
use std::hint::black_box;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::mysql::{MySqlConnectOptions, MySqlPool};
use sqlx::pool::PoolOptions as SqlxPoolOptions;
use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
use sqlx::{ConnectOptions as _, Connection as _, Executor as _};
use switchyard::{Config, Consistency, PoolOptions, Role, Selector};
use switchyard_tests::db::{Database, NewUser};

use crate::eager::{Arm, Backend};
use crate::{Measured, measure};

/// Users seeded in `primary`.
const SEED_ROWS: usize = 10_000;

/// Longest wait for a replica connection: switchyard caps a replica pool's acquire timeout at
/// this (`REPLICA_ACQUIRE_TIMEOUT`, runtime/src/database.rs).
const REPLICA_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

/// How long the seeded rows may take to appear on the PostgreSQL standby.
const STANDBY_WAIT: Duration = Duration::from_secs(60);

// The hand-written SQL: what the generated `find` runs.
const SQLITE_FIND: &str =
    "SELECT `id`, `username`, `email`, `bio`, `karma`, `created_at` FROM `users` WHERE `id` = ?";
const PG_FIND: &str = r#"SELECT "id", "username", "email", "bio", "karma", "created_at" FROM "users" WHERE "id" = $1"#;
const MYSQL_FIND: &str =
    "SELECT `id`, `username`, `email`, `bio`, `karma`, `created_at` FROM `users` WHERE `id` = ?";

// ---------------------------------------------------------------------------------------------
// The hand-written side.

/// The hand-written lookup by key of one driver.
macro_rules! hand_written {
    ($module:ident, $db:ty, $row:ty) => {
        mod $module {

            use super::UserRow;

            /// The row of `sql` with `id` bound, if any: fetched, then decoded (as switchyard
            /// does).
            pub(super) async fn find(
                pool: &sqlx::Pool<$db>,
                sql: &'static str,
                id: i64,
            ) -> sqlx::Result<Option<UserRow>> {
                sqlx::query(sql)
                    .bind(id)
                    .fetch_optional(pool)
                    .await?
                    .map(|row| <UserRow as sqlx::FromRow<'_, $row>>::from_row(&row))
                    .transpose()
            }
        }
    };
}

hand_written!(sqlite, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
hand_written!(postgres, sqlx::Postgres, sqlx::postgres::PgRow);
hand_written!(mysql, sqlx::MySql, sqlx::mysql::MySqlRow);

/// A plain sqlx pool on the replica.
enum Plain {
    Sqlite(SqlitePool),
    Postgres(PgPool),
    MySql(MySqlPool),
}

impl Plain {
    async fn find(&self, id: i64) -> sqlx::Result<Option<UserRow>> {
        match self {
            Plain::Sqlite(p) => sqlite::find(p, SQLITE_FIND, id).await,
            Plain::Postgres(p) => postgres::find(p, PG_FIND, id).await,
            Plain::MySql(p) => mysql::find(p, MYSQL_FIND, id).await,
        }
    }

    async fn close(&self) {
        match self {
            Plain::Sqlite(p) => p.close().await,
            Plain::Postgres(p) => p.close().await,
            Plain::MySql(p) => p.close().await,
        }
    }
}

/// The sqlx pool options switchyard gives a replica: `PoolOptions::default()` as
/// runtime/src/pool.rs (`sqlx_options`) applies it — 10 connections, none kept idle,
/// `test_before_acquire` on — with the acquire timeout capped as runtime/src/database.rs
/// (`open_server`) does for replicas.
fn replica_pool_options<DB: sqlx::Database>() -> SqlxPoolOptions<DB> {
    let o = PoolOptions::default();
    SqlxPoolOptions::new()
        .max_connections(o.max_connections)
        .min_connections(o.min_connections)
        .acquire_timeout(o.acquire_timeout.min(REPLICA_ACQUIRE_TIMEOUT))
        .idle_timeout(o.idle_timeout)
        .max_lifetime(o.max_lifetime)
        .test_before_acquire(o.test_before_acquire)
}

/// A plain sqlx pool on `url` with the connect options switchyard uses for a replica
/// (runtime/src/pool.rs): read-only sessions, statement logging off.
async fn plain_replica(backend: Backend, url: &str) -> Plain {
    match backend {
        Backend::Sqlite => {
            let options = SqliteConnectOptions::from_str(url)
                .expect("SQLite URL")
                .disable_statement_logging()
                .read_only(true);
            Plain::Sqlite(
                replica_pool_options()
                    .connect_with(options)
                    .await
                    .expect("connect sqlx to the SQLite replica"),
            )
        }
        Backend::Postgres => {
            let options = PgConnectOptions::from_str(url)
                .expect("PostgreSQL URL")
                .disable_statement_logging()
                .options([("default_transaction_read_only", "on")]);
            Plain::Postgres(
                replica_pool_options()
                    .connect_with(options)
                    .await
                    .expect("connect sqlx to the PostgreSQL replica"),
            )
        }
        Backend::MySql => {
            let options = MySqlConnectOptions::from_str(url)
                .expect("MariaDB URL")
                .charset("utf8mb4")
                .disable_statement_logging();
            Plain::MySql(
                replica_pool_options::<sqlx::MySql>()
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute("SET SESSION TRANSACTION READ ONLY").await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await
                    .expect("connect sqlx to the MariaDB replica"),
            )
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The seeded database.

/// What to remove after the run.
enum Cleanup {
    Dir(PathBuf),
    Postgres { admin_url: String, schema: String },
    MySql { admin_url: String, database: String },
}

/// One backend's database with `users` seeded, shared by both parts of the benchmark (each
/// opens its own pools, on its own runtime).
pub struct Fixture {
    backend: Backend,
    /// The writer of every shard.
    writer: String,
    /// The writer's database opened as a replica.
    replica: String,
    /// PostgreSQL: the same schema on the streaming standby.
    standby: Option<String>,
    /// The smallest seeded key (keys are consecutive).
    first_id: i64,
    cleanup: Cleanup,
}

impl Fixture {
    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The test topology with `primary`'s writer at the seeded database and its replicas at
    /// `replicas`, no other replica anywhere. The other clusters, never used here, get an
    /// in-memory SQLite writer each, so they hold no server connections (and open no file
    /// that the seeded one could be locked by).
    fn topology(&self, replicas: &[String]) -> Config {
        let mut config = Database::config();
        for (cluster, shard) in config.shards() {
            let writer = if cluster == "primary" {
                self.writer.as_str()
            } else {
                "sqlite::memory:"
            };
            config = config.writer(cluster, shard, writer).replicas(
                cluster,
                shard,
                Vec::<String>::new(),
            );
        }
        config
            .role_replicas("primary", "default", "reporting", Vec::<String>::new())
            .replicas("primary", "default", replicas.to_vec())
    }

    /// Create `users` on the writer and seed it; on PostgreSQL with a standby, wait until the
    /// standby has replayed the seeded rows.
    async fn seed(&mut self) {
        let db = Database::connect(self.topology(&[]))
            .await
            .unwrap_or_else(|e| panic!("connect switchyard to {}: {e}", self.backend.name()));
        db.primary()
            .create_tables()
            .await
            .unwrap_or_else(|e| panic!("create tables on {}: {e}", self.backend.name()));
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
        let stored = db
            .primary()
            .users()
            .insert_many(&rows)
            .await
            .expect("seed users");
        assert_eq!(stored.len(), SEED_ROWS);
        self.first_id = stored.iter().map(|u| u.id).min().expect("seeded rows");
        let last = stored.iter().map(|u| u.id).max().expect("seeded rows");
        assert_eq!(
            usize::try_from(last - self.first_id + 1).expect("positive"),
            SEED_ROWS,
            "seeded keys are consecutive"
        );
        if self.backend == Backend::Postgres {
            db.primary()
                .handle()
                .execute_raw(r#"ANALYZE "users""#)
                .await
                .expect("analyze users");
        }
        db.engine().close().await;
        if let Some(standby) = &self.standby {
            wait_for_standby(standby).await;
        }
    }

    /// The `i`-th key of a sequence cycling through every seeded row.
    fn key(&self, i: u64) -> i64 {
        self.first_id + i64::try_from(i % SEED_ROWS as u64).expect("fits")
    }

    /// Drop the database (file, schema or database).
    pub async fn finish(self) {
        match self.cleanup {
            Cleanup::Dir(dir) => {
                std::fs::remove_dir_all(&dir).expect("remove the SQLite directory");
            }
            Cleanup::Postgres { admin_url, schema } => {
                pg_admin(&admin_url, &format!(r#"DROP SCHEMA "{schema}" CASCADE"#)).await;
            }
            Cleanup::MySql {
                admin_url,
                database,
            } => {
                mysql_admin(&admin_url, &format!("DROP DATABASE `{database}`")).await;
            }
        }
    }
}

/// Rows of `users` on the standby.
async fn standby_count(url: &str) -> sqlx::Result<i64> {
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let count = sqlx::query_scalar(r#"SELECT count(*) FROM "users""#)
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    Ok(count)
}

/// Poll the standby until every seeded row is there.
async fn wait_for_standby(url: &str) {
    let start = Instant::now();
    loop {
        let count = standby_count(url).await;
        match count {
            Ok(n) if usize::try_from(n).ok() == Some(SEED_ROWS) => {
                eprintln!(
                    "PostgreSQL standby has the seeded rows after {:.2} s",
                    start.elapsed().as_secs_f64()
                );
                return;
            }
            result => {
                assert!(
                    start.elapsed() < STANDBY_WAIT,
                    "the standby did not replay the seeded rows within {STANDBY_WAIT:?}: {result:?}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

async fn sqlite_fixture() -> Fixture {
    let dir = std::env::temp_dir().join(format!("switchyard-bench-routing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the SQLite directory");
    let path = dir.join("primary.sqlite3");
    Fixture {
        backend: Backend::Sqlite,
        writer: format!("sqlite:{}", path.display()),
        replica: format!("sqlite:{}?mode=ro", path.display()),
        standby: None,
        first_id: 0,
        cleanup: Cleanup::Dir(dir),
    }
}

async fn postgres_fixture(base: &str, standby: Option<&str>) -> Fixture {
    let schema = format!("switchyard_routing_{}", std::process::id());
    pg_admin(
        base,
        &format!(r#"DROP SCHEMA IF EXISTS "{schema}" CASCADE"#),
    )
    .await;
    pg_admin(base, &format!(r#"CREATE SCHEMA "{schema}""#)).await;
    let writer = pg_url(base, &schema);
    Fixture {
        backend: Backend::Postgres,
        replica: writer.clone(),
        writer,
        standby: standby.map(|url| pg_url(url, &schema)),
        first_id: 0,
        cleanup: Cleanup::Postgres {
            admin_url: base.to_owned(),
            schema,
        },
    }
}

async fn mysql_fixture(base: &str) -> Fixture {
    let database = format!("switchyard_routing_{}", std::process::id());
    mysql_admin(base, &format!("DROP DATABASE IF EXISTS `{database}`")).await;
    mysql_admin(base, &format!("CREATE DATABASE `{database}`")).await;
    let writer = mysql_url(base, &database);
    Fixture {
        backend: Backend::MySql,
        replica: writer.clone(),
        writer,
        standby: None,
        first_id: 0,
        cleanup: Cleanup::MySql {
            admin_url: base.to_owned(),
            database,
        },
    }
}

fn env_url(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|url| !url.is_empty())
}

/// Create and seed a database on every configured backend. Backends left out are reported on
/// stderr.
pub async fn fixtures() -> Vec<Fixture> {
    let mut fixtures = vec![sqlite_fixture().await];
    match env_url("SWITCHYARD_BENCH_POSTGRES_URL") {
        Some(url) => {
            let standby = env_url("SWITCHYARD_BENCH_PG_STANDBY_URL");
            if standby.is_none() {
                eprintln!(
                    "PostgreSQL standby not used: set SWITCHYARD_BENCH_PG_STANDBY_URL for read \
                     throughput against a real replica"
                );
            }
            fixtures.push(postgres_fixture(&url, standby.as_deref()).await);
        }
        None => eprintln!("PostgreSQL skipped: set SWITCHYARD_BENCH_POSTGRES_URL to include it"),
    }
    match env_url("SWITCHYARD_BENCH_MYSQL_URL") {
        Some(url) => fixtures.push(mysql_fixture(&url).await),
        None => eprintln!("MariaDB skipped: set SWITCHYARD_BENCH_MYSQL_URL to include it"),
    }
    for fixture in &mut fixtures {
        fixture.seed().await;
    }
    fixtures
}

async fn connect(config: Config, backend: Backend) -> Database {
    Database::connect(config)
        .await
        .unwrap_or_else(|e| panic!("connect switchyard to {}: {e}", backend.name()))
}

// ---------------------------------------------------------------------------------------------
// Routing overhead.

/// One measured comparison of the routing-overhead part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoutingOp {
    /// [`Arm::A`] `db.reading().primary().users().find(id)` (on the replica), [`Arm::B`]
    /// hand-written sqlx on the replica's pool.
    Reading,
    /// [`Arm::A`] `db.primary().users().find(id)` inside one `Selector::run` per find (a GET
    /// without a session: routed to the replica), [`Arm::B`] hand-written sqlx on the
    /// replica's pool.
    Auto,
    /// [`Arm::A`] the reading handle (on the replica), [`Arm::B`]
    /// `db.writing().primary().users().find(id)` (on the writer of the same database).
    ReadingVsWriting,
    /// The control: [`Arm::A`] and [`Arm::B`] both hand-written sqlx, each on its own pool to
    /// the replica with the same options. Any ratio away from 1 is the method's own noise
    /// (two pools, two sets of connections or server processes).
    Control,
}

impl RoutingOp {
    /// Every comparison, in report order.
    pub const ALL: [RoutingOp; 4] = [
        RoutingOp::Reading,
        RoutingOp::Auto,
        RoutingOp::ReadingVsWriting,
        RoutingOp::Control,
    ];

    /// The report name.
    pub fn name(self) -> &'static str {
        match self {
            RoutingOp::Reading => "routing_overhead",
            RoutingOp::Auto => "routing_overhead_auto",
            RoutingOp::ReadingVsWriting => "reading_vs_writing",
            RoutingOp::Control => "sqlx_vs_sqlx",
        }
    }

    /// What runs on each arm.
    pub fn arms(self) -> [&'static str; 2] {
        match self {
            RoutingOp::Reading => ["`reading()`", "sqlx on the replica"],
            RoutingOp::Auto => ["auto (`Selector::run`)", "sqlx on the replica"],
            RoutingOp::ReadingVsWriting => ["`reading()`", "`writing()`"],
            RoutingOp::Control => ["sqlx on the replica", "sqlx on the replica (another pool)"],
        }
    }
}

/// One backend of the routing-overhead part: the generated `Database` with one replica, and a
/// plain sqlx pool on that replica.
pub struct RoutingTarget {
    backend: Backend,
    db: Database,
    plain: Plain,
    /// A second plain pool like `plain`, for the control.
    other: Plain,
    selector: Selector,
    /// Smallest seeded key.
    first_id: i64,
}

/// Connect both sides on every fixture and check they run the same SQL on the replica and
/// return the same rows.
pub async fn routing_targets(fixtures: &[Fixture]) -> Vec<RoutingTarget> {
    let mut targets = Vec::with_capacity(fixtures.len());
    for fixture in fixtures {
        let config = fixture.topology(std::slice::from_ref(&fixture.replica));
        let target = RoutingTarget {
            backend: fixture.backend,
            db: connect(config.clone(), fixture.backend).await,
            plain: plain_replica(fixture.backend, &fixture.replica).await,
            other: plain_replica(fixture.backend, &fixture.replica).await,
            selector: Selector::new(Consistency::default()),
            first_id: fixture.first_id,
        };
        target.verify(config, fixture).await;
        targets.push(target);
    }
    targets
}

impl RoutingTarget {
    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    fn key(&self, i: u64) -> i64 {
        self.first_id + i64::try_from(i % SEED_ROWS as u64).expect("fits")
    }

    /// Every side runs the hand-written SQL, on the expected server, and finds the same row.
    async fn verify(&self, config: Config, fixture: &Fixture) {
        let seen = Arc::new(Mutex::new(Vec::<(String, Role)>::new()));
        let sink = seen.clone();
        let observed = Database::connect(config.on_statement(move |event| {
            sink.lock()
                .expect("statement log")
                .push((event.sql.to_owned(), event.target.role))
        }))
        .await
        .expect("connect the observed database");
        let take = || std::mem::take(&mut *seen.lock().expect("statement log"));
        let name = self.backend.name();
        let sql = find_sql(self.backend).to_owned();
        let key = fixture.key(7);
        let hand = self
            .plain
            .find(key)
            .await
            .expect("hand-written find")
            .expect("seeded row");
        let other = self.other.find(key).await.expect("hand-written find");
        assert_eq!(other.map(|u| u.id), Some(hand.id), "control find on {name}");

        let reading = observed.reading().primary().users().find(key).await;
        let reading = reading.expect("reading find").expect("seeded row");
        assert_eq!(
            take(),
            [(sql.clone(), Role::Replica(0))],
            "reading find on {name}"
        );
        assert_eq!(hand, reading, "reading find result on {name}");

        let (auto, last) = self
            .selector
            .run(false, None, observed.primary().users().find(key))
            .await;
        assert!(last.is_none(), "a read records no write");
        let auto = auto.expect("auto find").expect("seeded row");
        assert_eq!(
            take(),
            [(sql.clone(), Role::Replica(0))],
            "auto find on {name}"
        );
        assert_eq!(hand, auto, "auto find result on {name}");

        let writing = observed.writing().primary().users().find(key).await;
        let writing = writing.expect("writing find").expect("seeded row");
        assert_eq!(take(), [(sql, Role::Writer)], "writing find on {name}");
        assert_eq!(hand, writing, "writing find result on {name}");

        observed.engine().close().await;
    }

    /// Run `op` `iters` times on `arm`, cycling through the seeded keys; the wall-clock and
    /// calling-thread CPU time of those runs alone.
    pub async fn run(&self, op: RoutingOp, arm: Arm, iters: u64) -> Measured {
        let db = &self.db;
        match (op, arm) {
            (RoutingOp::Reading | RoutingOp::ReadingVsWriting, Arm::A) => {
                measure(async {
                    for i in 0..iters {
                        let user = db.reading().primary().users().find(self.key(i)).await;
                        black_box(user.expect("find").expect("seeded row"));
                    }
                })
                .await
            }
            (RoutingOp::Auto, Arm::A) => {
                measure(async {
                    for i in 0..iters {
                        let find = db.primary().users().find(self.key(i));
                        let (user, _) = self.selector.run(false, None, find).await;
                        black_box(user.expect("find").expect("seeded row"));
                    }
                })
                .await
            }
            (RoutingOp::Control, Arm::A) => {
                measure(async {
                    for i in 0..iters {
                        let user = self.other.find(self.key(i)).await;
                        black_box(user.expect("find").expect("seeded row"));
                    }
                })
                .await
            }
            (RoutingOp::Reading | RoutingOp::Auto | RoutingOp::Control, Arm::B) => {
                measure(async {
                    for i in 0..iters {
                        let user = self.plain.find(self.key(i)).await;
                        black_box(user.expect("find").expect("seeded row"));
                    }
                })
                .await
            }
            (RoutingOp::ReadingVsWriting, Arm::B) => {
                measure(async {
                    for i in 0..iters {
                        let user = db.writing().primary().users().find(self.key(i)).await;
                        black_box(user.expect("find").expect("seeded row"));
                    }
                })
                .await
            }
        }
    }

    /// Nanoseconds per call of each piece of [`COMPONENTS`], in its order, measured alone (no
    /// statement runs), within about `budget` each.
    pub async fn components(&self, budget: Duration) -> Vec<f64> {
        let db = &self.db;
        let sql = find_sql(self.backend);
        let args = bound_args(self.backend, self.first_id);
        let arc = Arc::new(0u64);
        let counter = std::sync::atomic::AtomicU64::new(0);
        let selector = &self.selector;
        vec![
            per_call(budget, || drop(black_box(db.primary().users()))),
            per_call(budget, || drop(black_box(db.reading().primary().users()))),
            per_call(budget, || drop(black_box(db.primary().reading().users()))),
            per_call(budget, || drop(black_box(Arc::clone(black_box(&arc))))),
            per_call(budget, || {
                black_box(counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
            }),
            per_call(budget, || drop(black_box(black_box(&args).clone()))),
            per_call(budget, || {
                black_box(switchyard::classify(black_box(sql)));
            }),
            per_call_async(budget, || async {
                black_box(selector.run(false, None, async { black_box(1) }).await);
            })
            .await,
        ]
    }

    /// Close both pools (the database stays, for the throughput part).
    pub async fn close(self) {
        self.db.engine().close().await;
        self.plain.close().await;
        self.other.close().await;
    }
}

/// The pieces [`RoutingTarget::components`] times, in its order: what each is, and where the
/// routed path runs it.
pub const COMPONENTS: [(&str, &str); 8] = [
    (
        "`db.primary().users()` built and dropped (the automatic handle)",
        "generated `primary()` / `users()`, `Handle::with_routing`",
    ),
    (
        "`db.reading().primary().users()` built and dropped",
        "generated `Database::reading`: one more `Engine` clone",
    ),
    (
        "`db.primary().reading().users()` built and dropped",
        "generated `Primary::reading`: one more `Handle` clone",
    ),
    (
        "an `Arc` clone and drop (uncontended)",
        "`Handle::pick_for` clones the picked `Arc<Server>`",
    ),
    (
        "a relaxed `AtomicU64::fetch_add` (uncontended)",
        "`ReplicaSet::pick` (round robin), `Engine::observe` (statement count)",
    ),
    (
        "the bound arguments (one `i64`) copied and dropped",
        "`Conn::run`: `args.clone_buf()` for a retry, on every replica read",
    ),
    (
        "`switchyard::classify` of the find SQL",
        "`Handle::route`, automatic routing inside a request, per statement",
    ),
    (
        "`Selector::run(false, None, …)` around an empty future",
        "per request: context `Arc`, task-local scope, state lock",
    ),
];

fn find_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => SQLITE_FIND,
        Backend::Postgres => PG_FIND,
        Backend::MySql => MYSQL_FIND,
    }
}

/// A driver's arguments, as the runtime's `ArgBuf` holds them.
#[derive(Clone)]
#[allow(
    dead_code,
    reason = "only cloned and dropped, as the runtime's retry copy"
)]
enum BoundArgs {
    Sqlite(sqlx::sqlite::SqliteArguments),
    Postgres(sqlx::postgres::PgArguments),
    MySql(sqlx::mysql::MySqlArguments),
}

/// The driver's arguments with one `i64` bound, as the generated `find` binds them.
fn bound_args(backend: Backend, id: i64) -> BoundArgs {
    use sqlx::Arguments as _;
    match backend {
        Backend::Sqlite => {
            let mut args = sqlx::sqlite::SqliteArguments::default();
            args.add(id).expect("bind an i64");
            BoundArgs::Sqlite(args)
        }
        Backend::Postgres => {
            let mut args = sqlx::postgres::PgArguments::default();
            args.add(id).expect("bind an i64");
            BoundArgs::Postgres(args)
        }
        Backend::MySql => {
            let mut args = sqlx::mysql::MySqlArguments::default();
            args.add(id).expect("bind an i64");
            BoundArgs::MySql(args)
        }
    }
}

/// Median nanoseconds per call of `f` over 11 batches of about `budget / 11` each.
fn per_call(budget: Duration, mut f: impl FnMut()) -> f64 {
    let slice = budget / 11;
    let mut iters = 1u64;
    loop {
        let start = Instant::now();
        (0..iters).for_each(|_| f());
        if start.elapsed() >= slice / 4 || iters >= 1 << 30 {
            break;
        }
        iters *= 2;
    }
    let iters = iters * 4;
    let mut samples: Vec<f64> = (0..11)
        .map(|_| {
            let start = Instant::now();
            (0..iters).for_each(|_| f());
            start.elapsed().as_secs_f64() * 1e9 / iters as f64
        })
        .collect();
    crate::stats::median(&mut samples)
}

/// [`per_call`] of an async `f`, awaited on the calling task.
async fn per_call_async<F: Future<Output = ()>>(budget: Duration, mut f: impl FnMut() -> F) -> f64 {
    let slice = budget / 11;
    let mut iters = 1u64;
    loop {
        let start = Instant::now();
        for _ in 0..iters {
            f().await;
        }
        if start.elapsed() >= slice / 4 || iters >= 1 << 30 {
            break;
        }
        iters *= 2;
    }
    let iters = iters * 4;
    let mut samples = Vec::with_capacity(11);
    for _ in 0..11 {
        let start = Instant::now();
        for _ in 0..iters {
            f().await;
        }
        samples.push(start.elapsed().as_secs_f64() * 1e9 / iters as f64);
    }
    crate::stats::median(&mut samples)
}

// ---------------------------------------------------------------------------------------------
// Read throughput.

/// One configuration of the throughput part: a `Database` with 0, 1 or 2 replicas.
pub struct Setup {
    /// Replicas of `primary`.
    pub replicas: usize,
    /// Which servers the replicas are.
    pub servers: &'static str,
    /// Connections the reads may use: the pool size times the servers read.
    pub connections: u32,
    db: Database,
}

/// One backend of the throughput part: the same database behind every [`Setup`].
pub struct ThroughputTarget {
    backend: Backend,
    /// The configurations, in report order.
    pub setups: Vec<Setup>,
    first_id: i64,
}

/// Where the reads of one throughput run went, and what they cost.
#[derive(Debug, Clone)]
pub struct Throughput {
    /// Finds completed.
    pub reads: u64,
    /// From the first spawn to the last task's end.
    pub elapsed: Duration,
    /// CPU time of every thread of this process over the run (tokio workers, SQLite's
    /// connection threads), when the OS reports it.
    pub process_cpu: Option<Duration>,
    /// Share of the machine's CPU time (all cores) not idle over the run, when the OS reports
    /// it.
    pub machine_busy: Option<f64>,
    /// Statements per server (`writer`, `replica #0`, …).
    pub per_server: Vec<(Role, u64)>,
}

impl Throughput {
    /// Finds per second.
    pub fn per_second(&self) -> f64 {
        self.reads as f64 / self.elapsed.as_secs_f64()
    }
}

/// Connect the 0-, 1- and 2-replica configurations of every fixture (on the calling runtime).
pub async fn throughput_targets(fixtures: &[Fixture]) -> Vec<ThroughputTarget> {
    let mut targets = Vec::with_capacity(fixtures.len());
    for fixture in fixtures {
        let one = PoolOptions::default().max_connections;
        let (writer_only, one_replica, two_pools, two_servers) = match fixture.backend {
            Backend::Sqlite => (
                "writer only",
                "the file, read-only",
                "the file read-only, twice",
                None,
            ),
            _ if fixture.standby.is_some() => (
                "writer only (:5432)",
                "standby (:5433)",
                "standby twice (two pools, one server)",
                Some("standby + primary read-only (two servers)"),
            ),
            _ => (
                "writer only",
                "the same server, read-only",
                "the same server, read-only, twice",
                None,
            ),
        };
        let replica = fixture
            .standby
            .clone()
            .unwrap_or_else(|| fixture.replica.clone());
        let mut plans = vec![
            (0, writer_only, vec![], one),
            (1, one_replica, vec![replica.clone()], one),
            (2, two_pools, vec![replica.clone(), replica.clone()], one),
        ];
        if let Some(servers) = two_servers {
            plans.push((2, servers, vec![replica, fixture.replica.clone()], one));
        }
        // The control: no replica, but as many connections as two replicas have.
        plans.push((
            0,
            "writer only, pool of 2 × 10 connections",
            vec![],
            2 * one,
        ));
        let mut setups = Vec::with_capacity(plans.len());
        for (replicas, servers, urls, max_connections) in plans {
            let config = fixture
                .topology(&urls)
                .pool("primary", |p| p.max_connections = max_connections);
            setups.push(Setup {
                replicas,
                servers,
                connections: max_connections * u32::try_from(urls.len().max(1)).expect("fits"),
                db: connect(config, fixture.backend).await,
            });
        }
        targets.push(ThroughputTarget {
            backend: fixture.backend,
            setups,
            first_id: fixture.first_id,
        });
    }
    targets
}

/// CPU time of every live thread of this process, from `/proc/self/task/*/schedstat` (Linux).
fn process_cpu_time() -> Option<Duration> {
    let mut nanos = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        nanos += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(nanos))
}

/// Busy and total CPU ticks of the machine, from the first line of `/proc/stat` (Linux).
fn machine_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().ok())
        .collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal (guest time is counted in user).
    let total: u64 = fields.iter().take(8).sum();
    let idle = fields.get(3)? + fields.get(4)?;
    Some((total - idle, total))
}

/// A xorshift64 step: the random keys of the throughput part.
fn xorshift(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}

impl ThroughputTarget {
    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// `tasks` tasks spawned on the calling (multi-thread) runtime, each running
    /// `db.reading().primary().users().find(random key)` until `duration` has passed, on
    /// setup `setup`. Checks the reads went to the setup's replicas (the writer without any).
    pub async fn run(&self, setup: usize, tasks: usize, duration: Duration) -> Throughput {
        let setup = &self.setups[setup];
        let engine = setup.db.engine();
        engine.reset_statement_counts();
        let cpu_start = process_cpu_time();
        let ticks_start = machine_ticks();
        let start = Instant::now();
        let deadline = start + duration;
        let first_id = self.first_id;
        let handles: Vec<_> = (0..tasks)
            .map(|t| {
                let db = setup.db.clone();
                tokio::spawn(async move {
                    let mut state =
                        0x9E37_79B9_7F4A_7C15 ^ (t as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407);
                    let mut reads = 0u64;
                    while Instant::now() < deadline {
                        state = xorshift(state);
                        let id = first_id + i64::try_from(state % SEED_ROWS as u64).expect("fits");
                        let user = db.reading().primary().users().find(id).await;
                        black_box(user.expect("find").expect("seeded row"));
                        reads += 1;
                    }
                    reads
                })
            })
            .collect();
        let mut reads = 0;
        for handle in handles {
            reads += handle.await.expect("reader task");
        }
        let elapsed = start.elapsed();
        let process_cpu = process_cpu_time()
            .zip(cpu_start)
            .map(|(end, start)| end.saturating_sub(start));
        let machine_busy = machine_ticks().zip(ticks_start).and_then(|(end, start)| {
            let total = end.1.checked_sub(start.1)?;
            (total > 0).then(|| end.0.saturating_sub(start.0) as f64 / total as f64)
        });
        let counts = engine.statement_counts();
        let per_server: Vec<(Role, u64)> = counts
            .iter()
            .filter(|(cluster, ..)| *cluster == "primary")
            .map(|(_, _, role, n)| (role, n))
            .collect();
        let expected: Vec<Role> = if setup.replicas == 0 {
            vec![Role::Writer]
        } else {
            (0..setup.replicas).map(Role::Replica).collect()
        };
        let roles: Vec<Role> = per_server.iter().map(|(role, _)| *role).collect();
        assert_eq!(
            roles,
            expected,
            "reads of `{}` on {}",
            setup.servers,
            self.backend.name()
        );
        assert_eq!(counts.total(), reads, "every read counted once");
        Throughput {
            reads,
            elapsed,
            process_cpu,
            machine_busy,
            per_server,
        }
    }

    /// Close every setup's pools.
    pub async fn close(self) {
        for setup in self.setups {
            setup.db.engine().close().await;
        }
    }
}
