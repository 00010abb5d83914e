//! Sharding: routing by shard key against an explicit shard handle doing the same find, and a
//! scatter-gather query over four shards against hand-written sqlx running the same four
//! statements concurrently and merging.
//!
//! The cluster is `fleet` of `benches/schema/` ([`crate::fleet`]): `shard_by = "hash"` over four
//! shards (`one` … `four`), each its own database (SQLite: a file each; PostgreSQL: a schema
//! each; MariaDB: a database each), with two keyed models:
//!
//! - `Account`, whose string primary key `code` is its shard key: 1,000 rows;
//! - `Event`, with a uuid primary key and the `i64` shard key `account` (400 account numbers,
//!   10 events each, indexes on `account` and `seq`): 4,000 rows, about 1,000 per shard.
//!
//! Cases ([`ShardOp`]; ratio A / B):
//!
//! - `key_find`: A `db.fleet().accounts().find(code)`, routed by the key to its shard; B
//!   `db.fleet().shard(FleetShard::for_key(code)?).accounts().find(code)`, the explicit handle
//!   an app that routes itself would use (hashing the key too). Same SQL, same shard, same
//!   pool.
//! - `key_filter_first`: the same for `events().filter(Event::ACCOUNT.eq(n)).first()`, a query
//!   whose filter pins the shard key.
//! - `explicit_vs_explicit`: the control of both: B against itself.
//! - `scatter_latest_50`: A `db.fleet().events().query().order_by(Event::SEQ.desc()).limit(50)
//!   .all()` (nothing pinned: every shard, merged); B hand-written sqlx: the same statement on
//!   four plain pools, one per shard, run concurrently with `try_join_all`, decoded by column
//!   index after the fetch (as switchyard does), then a k-way merge of the four sorted lists
//!   into the first 50.
//! - `sqlx_vs_sqlx_scatter`: the control of the scatter: B on a second set of four pools
//!   (A) against B.
//!
//! Before anything is measured, [`shard_targets`] captures every statement switchyard runs
//! (`Config::on_statement`), with the shard it ran on, and asserts that both sides of a key
//! case run the same text on the key's shard (every shard checked), that the scatter runs the
//! hand-written text once on each of the four shards, and that all sides return the same rows.

use crate::eager::{Arm, Backend};
use crate::fleet::{Database, Event, FleetShard, NewAccount, NewEvent};
use crate::setup::{mysql_admin, mysql_url, pg_admin, pg_url, timestamp};
use crate::{Measured, measure};
use std::hint::black_box;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use sqlx::mysql::{MySqlConnectOptions, MySqlPool};
use sqlx::pool::PoolOptions as SqlxPoolOptions;
use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool};
use sqlx::{ConnectOptions as _, Executor as _};
use switchyard::chrono::{DateTime, NaiveDateTime, Utc};
use switchyard::uuid::Uuid;
use switchyard::{Config, PoolOptions};

/// Accounts seeded (codes `acct-0000` …).
const ACCOUNTS: usize = 1_000;
/// Account numbers of the events (the `Event` shard key), 0 to this.
const EVENT_ACCOUNTS: usize = 400;
/// Events per account number.
const EVENTS_PER_ACCOUNT: usize = 10;
/// Events seeded; `seq` runs from 0 to this, unique.
const EVENTS: usize = EVENT_ACCOUNTS * EVENTS_PER_ACCOUNT;
/// Rows the scatter-gather query returns.
const LATEST: usize = 50;

/// The shards of `fleet`, in declaration order.
const SHARDS: [FleetShard; 4] = FleetShard::ALL;

// ---------------------------------------------------------------------------------------------
// The hand-written SQL: what the generated code runs.

/// The statements of one dialect.
struct Dialect {
    /// `Account` by its code.
    find: &'static str,
    /// The first `Event` of an account number.
    filter_first: &'static str,
    /// Each shard's 50 latest events (the merge keeps the 50 latest of all).
    latest: &'static str,
}

const SQLITE: Dialect = Dialect {
    find: "SELECT `code`, `owner`, `email`, `note`, `balance`, `opened_at` FROM `accounts` WHERE `code` = ?",
    filter_first: "SELECT `id`, `account`, `seq`, `kind`, `body`, `at` FROM `events` WHERE `account` = ? LIMIT 1",
    latest: "SELECT `id`, `account`, `seq`, `kind`, `body`, `at` FROM `events` ORDER BY `seq` DESC LIMIT 50",
};

const POSTGRES: Dialect = Dialect {
    find: r#"SELECT "code", "owner", "email", "note", "balance", "opened_at" FROM "accounts" WHERE "code" = $1"#,
    filter_first: r#"SELECT "id", "account", "seq", "kind", "body", "at" FROM "events" WHERE "account" = $1 LIMIT 1"#,
    latest: r#"SELECT "id", "account", "seq", "kind", "body", "at" FROM "events" ORDER BY "seq" DESC LIMIT 50"#,
};

const MYSQL: Dialect = Dialect {
    find: "SELECT `code`, `owner`, `email`, `note`, `balance`, `opened_at` FROM `accounts` WHERE `code` = ?",
    filter_first: "SELECT `id`, `account`, `seq`, `kind`, `body`, `at` FROM `events` WHERE `account` = ? LIMIT 1",
    latest: "SELECT `id`, `account`, `seq`, `kind`, `body`, `at` FROM `events` ORDER BY `seq` DESC LIMIT 50",
};

fn dialect(backend: Backend) -> &'static Dialect {
    match backend {
        Backend::Sqlite => &SQLITE,
        Backend::Postgres => &POSTGRES,
        Backend::MySql => &MYSQL,
    }
}

// ---------------------------------------------------------------------------------------------
// The hand-written side.

/// An `events` row, decoded by hand.
#[derive(Debug, Clone)]
struct EventRow {
    id: Uuid,
    account: i64,
    seq: i64,
    kind: String,
    body: Option<String>,
    at: DateTime<Utc>,
}

impl PartialEq<Event> for EventRow {
    fn eq(&self, e: &Event) -> bool {
        self.id == e.id
            && self.account == e.account
            && self.seq == e.seq
            && self.kind == e.kind
            && self.body == e.body
            && self.at == e.at
    }
}

macro_rules! event_from_row {
    ($row:ty, $at:expr) => {
        impl<'r> sqlx::FromRow<'r, $row> for EventRow {
            fn from_row(row: &'r $row) -> Result<Self, sqlx::Error> {
                use sqlx::Row as _;
                Ok(EventRow {
                    id: row.try_get(0)?,
                    account: row.try_get(1)?,
                    seq: row.try_get(2)?,
                    kind: row.try_get(3)?,
                    body: row.try_get(4)?,
                    at: $at(row)?,
                })
            }
        }
    };
}

event_from_row!(sqlx::sqlite::SqliteRow, |row: &sqlx::sqlite::SqliteRow| row
    .try_get(5));
event_from_row!(sqlx::postgres::PgRow, |row: &sqlx::postgres::PgRow| row
    .try_get(5));
// MariaDB: `DATETIME(6)` read as the naive UTC value, as switchyard does.
event_from_row!(sqlx::mysql::MySqlRow, |row: &sqlx::mysql::MySqlRow| row
    .try_get::<NaiveDateTime, _>(5)
    .map(|t| t.and_utc()));

/// The first `limit` rows of the shards' lists, each sorted by `seq` descending: a k-way merge
/// (a linear scan of the heads: there are four).
fn merge_latest(shards: Vec<Vec<EventRow>>, limit: usize) -> Vec<EventRow> {
    let mut heads: Vec<_> = shards
        .into_iter()
        .map(|rows| rows.into_iter().peekable())
        .collect();
    let mut merged = Vec::with_capacity(limit);
    while merged.len() < limit {
        let mut best: Option<(usize, i64)> = None;
        for (i, head) in heads.iter_mut().enumerate() {
            if let Some(row) = head.peek()
                && best.is_none_or(|(_, seq)| row.seq > seq)
            {
                best = Some((i, row.seq));
            }
        }
        match best.and_then(|(i, _)| heads[i].next()) {
            Some(row) => merged.push(row),
            None => break,
        }
    }
    merged
}

/// The hand-written scatter-gather of one driver.
macro_rules! hand_written {
    ($module:ident, $db:ty, $row:ty) => {
        mod $module {
            use super::{EventRow, merge_latest};

            /// `sql` on every pool concurrently, each shard's rows fetched then decoded; the
            /// first `limit` of the merge.
            pub(super) async fn latest(
                pools: &[sqlx::Pool<$db>],
                sql: &'static str,
                limit: usize,
            ) -> sqlx::Result<Vec<EventRow>> {
                let shards =
                    futures_util::future::try_join_all(pools.iter().map(|pool| async move {
                        sqlx::query(sql)
                            .fetch_all(pool)
                            .await?
                            .iter()
                            .map(<EventRow as sqlx::FromRow<'_, $row>>::from_row)
                            .collect::<sqlx::Result<Vec<_>>>()
                    }))
                    .await?;
                Ok(merge_latest(shards, limit))
            }
        }
    };
}

hand_written!(sqlite, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
hand_written!(postgres, sqlx::Postgres, sqlx::postgres::PgRow);
hand_written!(mysql, sqlx::MySql, sqlx::mysql::MySqlRow);

/// Plain sqlx pools, one per shard of `fleet`, in declaration order.
enum Pools {
    Sqlite(Vec<SqlitePool>),
    Postgres(Vec<PgPool>),
    MySql(Vec<MySqlPool>),
}

impl Pools {
    /// The hand-written scatter-gather: each shard's 50 latest events, merged into the 50
    /// latest of all.
    async fn latest(&self) -> sqlx::Result<Vec<EventRow>> {
        match self {
            Pools::Sqlite(p) => sqlite::latest(p, SQLITE.latest, LATEST).await,
            Pools::Postgres(p) => postgres::latest(p, POSTGRES.latest, LATEST).await,
            Pools::MySql(p) => mysql::latest(p, MYSQL.latest, LATEST).await,
        }
    }

    /// Untimed, PostgreSQL only: `ANALYZE` the seeded tables of every shard.
    async fn analyze(&self) {
        if let Pools::Postgres(pools) = self {
            for pool in pools {
                pool.execute(r#"ANALYZE "accounts"; ANALYZE "events""#)
                    .await
                    .expect("analyze");
            }
        }
    }

    async fn close(&self) {
        match self {
            Pools::Sqlite(p) => {
                for pool in p {
                    pool.close().await;
                }
            }
            Pools::Postgres(p) => {
                for pool in p {
                    pool.close().await;
                }
            }
            Pools::MySql(p) => {
                for pool in p {
                    pool.close().await;
                }
            }
        }
    }
}

/// The sqlx pool options switchyard gives a writer: `PoolOptions::default()` as
/// runtime/src/pool.rs (`sqlx_options`) applies it — 10 connections, none kept idle,
/// `test_before_acquire` on.
fn pool_options<DB: sqlx::Database>() -> SqlxPoolOptions<DB> {
    let o = PoolOptions::default();
    SqlxPoolOptions::new()
        .max_connections(o.max_connections)
        .min_connections(o.min_connections)
        .acquire_timeout(o.acquire_timeout)
        .idle_timeout(o.idle_timeout)
        .max_lifetime(o.max_lifetime)
        .test_before_acquire(o.test_before_acquire)
}

/// Plain pools on `urls`, with the connect options switchyard uses for a writer
/// (runtime/src/pool.rs).
async fn plain_pools(backend: Backend, urls: &[String]) -> Pools {
    match backend {
        Backend::Sqlite => Pools::Sqlite(
            each_url(urls, |url| {
                let options = SqliteConnectOptions::from_str(url)
                    .expect("SQLite URL")
                    .disable_statement_logging()
                    .pragma("case_sensitive_like", "ON")
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal);
                pool_options().connect_with(options)
            })
            .await,
        ),
        Backend::Postgres => Pools::Postgres(
            each_url(urls, |url| {
                let options = PgConnectOptions::from_str(url)
                    .expect("PostgreSQL URL")
                    .disable_statement_logging();
                pool_options().connect_with(options)
            })
            .await,
        ),
        Backend::MySql => Pools::MySql(
            each_url(urls, |url| {
                let options = MySqlConnectOptions::from_str(url)
                    .expect("MariaDB URL")
                    .charset("utf8mb4")
                    .disable_statement_logging();
                pool_options::<sqlx::MySql>()
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(
                                "SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',STRICT_ALL_TABLES')",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
            })
            .await,
        ),
    }
}

/// One pool per URL, connected in turn.
async fn each_url<P, F, Fut>(urls: &[String], connect: F) -> Vec<P>
where
    F: Fn(&str) -> Fut,
    Fut: Future<Output = sqlx::Result<P>>,
{
    let mut pools = Vec::with_capacity(urls.len());
    for url in urls {
        pools.push(connect(url).await.expect("connect sqlx"));
    }
    pools
}

// ---------------------------------------------------------------------------------------------
// Setup.

/// What to remove after the run.
enum Cleanup {
    Dir(PathBuf),
    Postgres {
        admin_url: String,
        schemas: Vec<String>,
    },
    MySql {
        admin_url: String,
        databases: Vec<String>,
    },
}

/// One backend: the generated `Database` over four shard databases, and two sets of plain
/// sqlx pools to the same databases.
pub struct ShardTarget {
    backend: Backend,
    db: Database,
    config: Config,
    /// The hand-written side's pools.
    plain: Pools,
    /// A second set like `plain`, for the control.
    other: Pools,
    /// Seeded account codes, the keys of `key_find` in turn.
    codes: Vec<String>,
    cleanup: Cleanup,
}

/// `fleet` with shard `s`'s writer at `urls[s]`.
fn topology(urls: &[String]) -> Config {
    let mut config = Database::config();
    for ((cluster, shard), url) in config.shards().into_iter().zip(urls) {
        config = config.writer(cluster, shard, url.clone());
    }
    config
}

async fn target(backend: Backend, urls: Vec<String>, cleanup: Cleanup) -> ShardTarget {
    assert_eq!(Database::config().shards().len(), SHARDS.len());
    let config = topology(&urls);
    let db = Database::connect(config.clone())
        .await
        .unwrap_or_else(|e| panic!("connect switchyard to {}: {e}", backend.name()));
    db.create_tables()
        .await
        .unwrap_or_else(|e| panic!("create tables on {}: {e}", backend.name()));
    ShardTarget {
        backend,
        db,
        config,
        plain: plain_pools(backend, &urls).await,
        other: plain_pools(backend, &urls).await,
        codes: (0..ACCOUNTS).map(code).collect(),
        cleanup,
    }
}

fn shard_names() -> impl Iterator<Item = &'static str> {
    SHARDS.into_iter().map(FleetShard::name)
}

async fn sqlite_target() -> ShardTarget {
    let dir = std::env::temp_dir().join(format!("switchyard-bench-shards-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the SQLite directory");
    let urls = shard_names()
        .map(|shard| format!("sqlite:{}", dir.join(format!("{shard}.sqlite3")).display()))
        .collect();
    target(Backend::Sqlite, urls, Cleanup::Dir(dir)).await
}

async fn postgres_target(base: &str) -> ShardTarget {
    let schemas: Vec<String> = shard_names()
        .map(|shard| format!("switchyard_shards_{}_{shard}", std::process::id()))
        .collect();
    for schema in &schemas {
        pg_admin(
            base,
            &format!(r#"DROP SCHEMA IF EXISTS "{schema}" CASCADE"#),
        )
        .await;
        pg_admin(base, &format!(r#"CREATE SCHEMA "{schema}""#)).await;
    }
    let urls = schemas.iter().map(|schema| pg_url(base, schema)).collect();
    let cleanup = Cleanup::Postgres {
        admin_url: base.to_owned(),
        schemas,
    };
    target(Backend::Postgres, urls, cleanup).await
}

async fn mysql_target(base: &str) -> ShardTarget {
    let databases: Vec<String> = shard_names()
        .map(|shard| format!("switchyard_shards_{}_{shard}", std::process::id()))
        .collect();
    for database in &databases {
        mysql_admin(base, &format!("DROP DATABASE IF EXISTS `{database}`")).await;
        mysql_admin(base, &format!("CREATE DATABASE `{database}`")).await;
    }
    let urls = databases.iter().map(|db| mysql_url(base, db)).collect();
    let cleanup = Cleanup::MySql {
        admin_url: base.to_owned(),
        databases,
    };
    target(Backend::MySql, urls, cleanup).await
}

fn env_url(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|url| !url.is_empty())
}

/// Connect every configured backend (SQLite always, PostgreSQL with
/// `SWITCHYARD_BENCH_POSTGRES_URL`, MariaDB with `SWITCHYARD_BENCH_MYSQL_URL`), seed it, and
/// check every side runs the same SQL on the same shards and returns the same rows. Backends
/// left out are reported on stderr.
pub async fn shard_targets() -> Vec<ShardTarget> {
    let mut targets = vec![sqlite_target().await];
    match env_url("SWITCHYARD_BENCH_POSTGRES_URL") {
        Some(url) => targets.push(postgres_target(&url).await),
        None => eprintln!("PostgreSQL skipped: set SWITCHYARD_BENCH_POSTGRES_URL to include it"),
    }
    match env_url("SWITCHYARD_BENCH_MYSQL_URL") {
        Some(url) => targets.push(mysql_target(&url).await),
        None => eprintln!("MariaDB skipped: set SWITCHYARD_BENCH_MYSQL_URL to include it"),
    }
    for target in &mut targets {
        target.seed().await;
        target.verify().await;
    }
    targets
}

/// The code of the `i`-th seeded account.
fn code(i: usize) -> String {
    format!("acct-{i:04}")
}

/// The account number (the `Event` shard key) of the `i`-th lookup: every number in turn.
fn event_account(i: u64) -> i64 {
    i64::try_from(i % EVENT_ACCOUNTS as u64).expect("fits")
}

// ---------------------------------------------------------------------------------------------
// The cases.

/// One measured comparison; the ratio reported is [`Arm::A`] / [`Arm::B`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardOp {
    /// `find` by a string primary key that is the shard key: [`Arm::A`] routed by the key,
    /// [`Arm::B`] on the explicit `.shard(FleetShard::for_key(code)?)` handle.
    KeyFind,
    /// `filter(Event::ACCOUNT.eq(n)).first()`, pinning the `i64` shard key: [`Arm::A`] routed,
    /// [`Arm::B`] explicit.
    KeyFilterFirst,
    /// The control of the key cases: the explicit find on both arms.
    ExplicitControl,
    /// The 50 latest events of all four shards: [`Arm::A`] switchyard's scatter-gather,
    /// [`Arm::B`] hand-written sqlx on four pools, concurrently, merged.
    Scatter,
    /// The control of the scatter: hand-written on a second set of pools ([`Arm::A`]) against
    /// the first ([`Arm::B`]).
    SqlxControl,
}

impl ShardOp {
    /// Every comparison, in report order.
    pub const ALL: [ShardOp; 5] = [
        ShardOp::KeyFind,
        ShardOp::KeyFilterFirst,
        ShardOp::ExplicitControl,
        ShardOp::Scatter,
        ShardOp::SqlxControl,
    ];

    /// The report name.
    pub fn name(self) -> &'static str {
        match self {
            ShardOp::KeyFind => "key_find",
            ShardOp::KeyFilterFirst => "key_filter_first",
            ShardOp::ExplicitControl => "explicit_vs_explicit",
            ShardOp::Scatter => "scatter_latest_50",
            ShardOp::SqlxControl => "sqlx_vs_sqlx_scatter",
        }
    }

    /// What runs on each arm.
    pub fn arms(self) -> [&'static str; 2] {
        match self {
            ShardOp::KeyFind | ShardOp::KeyFilterFirst => ["routed by key", "explicit `.shard()`"],
            ShardOp::ExplicitControl => ["explicit `.shard()`", "explicit `.shard()`"],
            ShardOp::Scatter => ["switchyard scatter-gather", "sqlx, 4 pools, merged"],
            ShardOp::SqlxControl => ["sqlx, other 4 pools", "sqlx, 4 pools"],
        }
    }

    /// The goal on the median wall-clock ratio, for the measured (not control) cases.
    pub fn goal(self) -> Option<f64> {
        match self {
            ShardOp::KeyFind | ShardOp::KeyFilterFirst => Some(1.02),
            ShardOp::Scatter => Some(1.05),
            ShardOp::ExplicitControl | ShardOp::SqlxControl => None,
        }
    }
}

impl ShardTarget {
    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// 1,000 accounts and 4,000 events through the generated `insert_many` (one batch per
    /// shard); on PostgreSQL, the tables are analyzed after.
    async fn seed(&mut self) {
        let accounts: Vec<NewAccount> = (0..ACCOUNTS)
            .map(|i| NewAccount {
                code: code(i),
                owner: format!("Owner {i}"),
                email: format!("owner-{i}@example.com"),
                note: (i % 2 == 0).then(|| format!("Seeded account number {i}.")),
                balance: i64::try_from(i * 100).expect("fits"),
                opened_at: timestamp(),
            })
            .collect();
        let stored = self
            .db
            .fleet()
            .accounts()
            .insert_many(&accounts)
            .await
            .expect("seed accounts");
        assert_eq!(stored.len(), ACCOUNTS);
        const KINDS: [&str; 4] = ["open", "deposit", "withdrawal", "close"];
        let events: Vec<NewEvent> = (0..EVENTS)
            .map(|i| NewEvent {
                id: None,
                account: i64::try_from(i % EVENT_ACCOUNTS).expect("fits"),
                seq: i64::try_from(i).expect("fits"),
                kind: KINDS[i % KINDS.len()].to_owned(),
                body: (i % 2 == 0).then(|| format!("Event number {i}.")),
                at: timestamp(),
            })
            .collect();
        let stored = self
            .db
            .fleet()
            .events()
            .insert_many(&events)
            .await
            .expect("seed events");
        assert_eq!(stored.len(), EVENTS);
        self.plain.analyze().await;
    }

    /// Every side runs the hand-written SQL on the expected shards and returns the same rows.
    async fn verify(&self) {
        let seen = Arc::new(Mutex::new(Vec::<(String, &'static str)>::new()));
        let sink = seen.clone();
        let observed = Database::connect(self.config.clone().on_statement(move |event| {
            sink.lock()
                .expect("statement log")
                .push((event.sql.to_owned(), event.target.shard))
        }))
        .await
        .expect("connect the observed database");
        let take = || std::mem::take(&mut *seen.lock().expect("statement log"));
        let name = self.backend.name();
        let sql = dialect(self.backend);

        // Key cases: one key per shard, both arms on that shard with the same text.
        for shard in SHARDS {
            let code = self
                .codes
                .iter()
                .find(|c| FleetShard::for_key(c.as_str()).ok() == Some(shard))
                .expect("an account on every shard");
            let routed = observed.fleet().accounts().find(code).await;
            let routed = routed.expect("routed find").expect("seeded account");
            assert_eq!(
                take(),
                [(sql.find.to_owned(), shard.name())],
                "routed find on {name}"
            );
            let explicit = observed
                .fleet()
                .shard(FleetShard::for_key(code.as_str()).expect("hash"))
                .accounts()
                .find(code)
                .await;
            let explicit = explicit.expect("explicit find").expect("seeded account");
            assert_eq!(
                take(),
                [(sql.find.to_owned(), shard.name())],
                "explicit find on {name}"
            );
            assert_eq!(routed, explicit, "find results on {name}");
            assert_eq!(&routed.code, code);

            let number = (0..EVENT_ACCOUNTS as u64)
                .map(event_account)
                .find(|n| FleetShard::for_key(*n).ok() == Some(shard))
                .expect("an event account on every shard");
            let routed = observed
                .fleet()
                .events()
                .filter(Event::ACCOUNT.eq(number))
                .first()
                .await;
            let routed = routed.expect("routed filter").expect("seeded event");
            assert_eq!(
                take(),
                [(sql.filter_first.to_owned(), shard.name())],
                "routed filter on {name}"
            );
            let explicit = observed
                .fleet()
                .shard(FleetShard::for_key(number).expect("hash"))
                .events()
                .filter(Event::ACCOUNT.eq(number))
                .first()
                .await;
            let explicit = explicit.expect("explicit filter").expect("seeded event");
            assert_eq!(
                take(),
                [(sql.filter_first.to_owned(), shard.name())],
                "explicit filter on {name}"
            );
            assert_eq!(routed, explicit, "filter results on {name}");
            assert_eq!(routed.account, number);
        }

        // The scatter: the same text once on every shard, and the same rows as by hand.
        let generated = observed
            .fleet()
            .events()
            .query()
            .order_by(Event::SEQ.desc())
            .limit(LATEST as u64)
            .all()
            .await
            .expect("scatter");
        let mut statements = take();
        statements.sort_by_key(|(_, shard)| SHARDS.iter().position(|s| s.name() == *shard));
        let expected: Vec<_> = shard_names()
            .map(|shard| (sql.latest.to_owned(), shard))
            .collect();
        assert_eq!(statements, expected, "scatter statements on {name}");
        let seqs: Vec<i64> = generated.iter().map(|e| e.seq).collect();
        let latest: Vec<i64> = (EVENTS - LATEST..EVENTS)
            .rev()
            .map(|s| i64::try_from(s).expect("fits"))
            .collect();
        assert_eq!(seqs, latest, "the 50 latest events on {name}");
        let shards_hit = SHARDS
            .iter()
            .filter(|s| {
                generated
                    .iter()
                    .any(|e| FleetShard::for_key(e.account).ok() == Some(**s))
            })
            .count();
        assert!(shards_hit > 1, "the latest events come from several shards");
        for pools in [&self.plain, &self.other] {
            let hand = pools.latest().await.expect("hand-written scatter");
            assert_eq!(hand, generated, "scatter rows on {name}");
        }

        observed.engine().close().await;
    }

    /// Run `op` `iters` times on `arm`, the key cases cycling through the seeded keys; the
    /// wall-clock and calling-thread CPU time of those runs alone.
    pub async fn run(&self, op: ShardOp, arm: Arm, iters: u64) -> Measured {
        let db = &self.db;
        let code = |i: u64| self.codes[usize::try_from(i).expect("fits") % ACCOUNTS].as_str();
        match (op, arm) {
            (ShardOp::KeyFind, Arm::A) => {
                measure(async {
                    for i in 0..iters {
                        let account = db.fleet().accounts().find(code(i)).await;
                        black_box(account.expect("find").expect("seeded account"));
                    }
                })
                .await
            }
            (ShardOp::KeyFind, Arm::B) | (ShardOp::ExplicitControl, _) => {
                measure(async {
                    for i in 0..iters {
                        let code = code(i);
                        let shard = FleetShard::for_key(code).expect("hash");
                        let account = db.fleet().shard(shard).accounts().find(code).await;
                        black_box(account.expect("find").expect("seeded account"));
                    }
                })
                .await
            }
            (ShardOp::KeyFilterFirst, Arm::A) => {
                measure(async {
                    for i in 0..iters {
                        let number = event_account(i);
                        let event = db
                            .fleet()
                            .events()
                            .filter(Event::ACCOUNT.eq(number))
                            .first()
                            .await;
                        black_box(event.expect("filter").expect("seeded event"));
                    }
                })
                .await
            }
            (ShardOp::KeyFilterFirst, Arm::B) => {
                measure(async {
                    for i in 0..iters {
                        let number = event_account(i);
                        let shard = FleetShard::for_key(number).expect("hash");
                        let event = db
                            .fleet()
                            .shard(shard)
                            .events()
                            .filter(Event::ACCOUNT.eq(number))
                            .first()
                            .await;
                        black_box(event.expect("filter").expect("seeded event"));
                    }
                })
                .await
            }
            (ShardOp::Scatter, Arm::A) => {
                measure(async {
                    for _ in 0..iters {
                        let events = db
                            .fleet()
                            .events()
                            .query()
                            .order_by(Event::SEQ.desc())
                            .limit(LATEST as u64)
                            .all()
                            .await;
                        black_box(events.expect("scatter"));
                    }
                })
                .await
            }
            (ShardOp::Scatter | ShardOp::SqlxControl, Arm::B) => {
                measure(async {
                    for _ in 0..iters {
                        black_box(self.plain.latest().await.expect("hand-written scatter"));
                    }
                })
                .await
            }
            (ShardOp::SqlxControl, Arm::A) => {
                measure(async {
                    for _ in 0..iters {
                        black_box(self.other.latest().await.expect("hand-written scatter"));
                    }
                })
                .await
            }
        }
    }

    /// Close every pool and drop the shards' databases (files, schemas or databases).
    pub async fn finish(self) {
        self.db.engine().close().await;
        self.plain.close().await;
        self.other.close().await;
        match self.cleanup {
            Cleanup::Dir(dir) => {
                std::fs::remove_dir_all(&dir).expect("remove the SQLite directory");
            }
            Cleanup::Postgres { admin_url, schemas } => {
                for schema in schemas {
                    pg_admin(&admin_url, &format!(r#"DROP SCHEMA "{schema}" CASCADE"#)).await;
                }
            }
            Cleanup::MySql {
                admin_url,
                databases,
            } => {
                for database in databases {
                    mysql_admin(&admin_url, &format!("DROP DATABASE `{database}`")).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seq: i64) -> EventRow {
        EventRow {
            id: Uuid::nil(),
            account: 0,
            seq,
            kind: String::new(),
            body: None,
            at: timestamp(),
        }
    }

    #[test]
    fn merge_keeps_the_latest_across_shards() {
        let shards = vec![
            vec![row(9), row(4), row(1)],
            vec![],
            vec![row(8), row(7), row(2)],
            vec![row(6), row(5)],
        ];
        let seqs: Vec<i64> = merge_latest(shards, 5).iter().map(|r| r.seq).collect();
        assert_eq!(seqs, [9, 8, 7, 6, 5]);
        let all: Vec<i64> = merge_latest(vec![vec![row(3)], vec![row(2)]], 10)
            .iter()
            .map(|r| r.seq)
            .collect();
        assert_eq!(all, [3, 2]);
    }
}
