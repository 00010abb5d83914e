//! Real replicas: a PostgreSQL streaming standby (:5433 replaying :5432) and a MariaDB replica
//! (:3308 replicating :3307), set up by `scripts/replicas.sh`. A replica is killed under load,
//! its replay is paused to make it lag, and the figures (failed reads, lost writes) are
//! printed. Runs when `SWITCHYARD_TEST_PG_PRIMARY_URL` / `SWITCHYARD_TEST_PG_STANDBY_URL` and
//! `SWITCHYARD_TEST_MARIADB_PRIMARY_URL` / `SWITCHYARD_TEST_MARIADB_REPLICA_URL` are set;
//! skipped with a message otherwise (a failure with `SWITCHYARD_REQUIRE_BACKENDS=1`).
//!
//! The tests stop and start shared servers, so they run one at a time (a process-wide lock).

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sqlx::Connection as _;
use switchyard::{Config, Role};
use switchyard_tests::db::{Database, NewUser, User};
use tokio::sync::Mutex;

static SERIAL: Mutex<()> = Mutex::const_new(());

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Postgres,
    MariaDb,
}

/// A primary and its real replica, each test in its own schema / database.
struct Pair {
    kind: Kind,
    db: Database,
    primary_admin: String,
    replica_admin: String,
    cleanup: String,
}

fn env(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.is_empty())
}

fn script(command: &str) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let status = std::process::Command::new("bash")
        .arg(format!("{root}/scripts/replicas.sh"))
        .arg(command)
        .status()
        .expect("run scripts/replicas.sh");
    assert!(status.success(), "scripts/replicas.sh {command} failed");
}

impl Pair {
    async fn new(kind: Kind, test: &str, adjust: impl FnOnce(Config) -> Config) -> Option<Pair> {
        let (pv, rv) = match kind {
            Kind::Postgres => (
                "SWITCHYARD_TEST_PG_PRIMARY_URL",
                "SWITCHYARD_TEST_PG_STANDBY_URL",
            ),
            Kind::MariaDb => (
                "SWITCHYARD_TEST_MARIADB_PRIMARY_URL",
                "SWITCHYARD_TEST_MARIADB_REPLICA_URL",
            ),
        };
        let (Some(primary), Some(replica)) = (env(pv), env(rv)) else {
            if env("SWITCHYARD_REQUIRE_BACKENDS").as_deref() == Some("1") {
                panic!("{test}: {pv} and {rv} must be set (SWITCHYARD_REQUIRE_BACKENDS=1)");
            }
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test} on {kind:?}: set {pv} and {rv} to run it"
            );
            return None;
        };
        // A fresh name per pair: the replica may replay the drop of an earlier pair's database
        // of the same test after this pair's creation was seen, under load.
        static PAIRS: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "syr{}_{}_{}",
            std::process::id(),
            PAIRS.fetch_add(1, Ordering::Relaxed),
            test.rsplit("::").next().unwrap_or(test)
        );
        let (writer, reader, cleanup) = match kind {
            Kind::Postgres => {
                admin(kind, &primary, &format!("CREATE SCHEMA \"{name}\"")).await;
                let with = |base: &str| {
                    let sep = if base.contains('?') { '&' } else { '?' };
                    format!("{base}{sep}options=-c%20search_path%3D{name}")
                };
                (
                    with(&primary),
                    with(&replica),
                    format!("DROP SCHEMA \"{name}\" CASCADE"),
                )
            }
            Kind::MariaDb => {
                admin(kind, &primary, &format!("CREATE DATABASE `{name}`")).await;
                let with = |base: &str| {
                    let server = base.rsplit_once('/').map_or(base, |(s, _)| s);
                    format!("{server}/{name}")
                };
                (
                    with(&primary),
                    with(&replica),
                    format!("DROP DATABASE `{name}`"),
                )
            }
        };
        wait_for_schema(kind, &replica, &name).await;
        // Only `primary` matters here; the other clusters get throw-away SQLite files.
        let dir = std::env::temp_dir().join(&name);
        let mut config = Database::config().sqlite_dir(&dir);
        for (cluster, shard) in config.shards() {
            if cluster != "primary" {
                let file = format!("sqlite:{cluster}_{shard}.sqlite3");
                config = config.writer(cluster, shard, file.clone()).replicas(
                    cluster,
                    shard,
                    Vec::<String>::new(),
                );
            }
        }
        let config = config
            .writer("primary", "default", writer)
            .replicas("primary", "default", [reader.clone()])
            .role_replicas("primary", "default", "reporting", [reader])
            .routing("primary", |r| {
                r.check_interval = Duration::from_millis(200);
                r.eject_backoff = Duration::from_millis(200);
                r.eject_backoff_max = Duration::from_secs(1);
            });
        let db = Database::connect(adjust(config)).await.expect("connect");
        db.create_tables().await.expect("create tables");
        let pair = Pair {
            kind,
            db,
            primary_admin: primary,
            replica_admin: replica,
            cleanup,
        };
        pair.wait_replicated().await;
        Some(pair)
    }

    /// Until the replica has the tables and rows the writer has.
    async fn wait_replicated(&self) {
        let want = self
            .db
            .primary()
            .users()
            .count()
            .await
            .expect("count on the writer");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(n) = self.db.reading().primary().users().count().await
                && n == want
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the replica did not catch up in 30 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn replica_count(&self) -> u64 {
        self.db
            .engine()
            .statement_counts()
            .get("primary", "default", Role::Replica(0))
    }

    fn in_rotation(&self) -> bool {
        self.db
            .engine()
            .replica_status()
            .iter()
            .filter(|s| s.target.cluster == "primary")
            .all(|s| s.in_rotation())
    }

    async fn finish(self) {
        self.db.engine().close().await;
        admin(self.kind, &self.primary_admin, &self.cleanup).await;
    }

    /// Pause or resume applying replicated changes on the replica.
    async fn replay(&self, on: bool) {
        let statement = match (self.kind, on) {
            (Kind::Postgres, false) => "SELECT pg_wal_replay_pause()",
            (Kind::Postgres, true) => "SELECT pg_wal_replay_resume()",
            (Kind::MariaDb, false) => "STOP SLAVE SQL_THREAD",
            (Kind::MariaDb, true) => "START SLAVE SQL_THREAD",
        };
        admin(self.kind, &self.replica_admin, statement).await;
    }

    fn stop_replica(&self) {
        script(match self.kind {
            Kind::Postgres => "pg-stop",
            Kind::MariaDb => "mariadb-replica-stop",
        });
    }

    fn start_replica(&self) {
        script(match self.kind {
            Kind::Postgres => "pg-start",
            Kind::MariaDb => "mariadb-replica-start",
        });
    }
}

/// Until the replica has replayed the creation of `name` (it may still be catching up after an
/// earlier test restarted it).
async fn wait_for_schema(kind: Kind, replica: &str, name: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let found = match kind {
            Kind::Postgres => match sqlx::PgConnection::connect(replica).await {
                Ok(mut c) => sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM pg_namespace WHERE nspname = $1",
                )
                .bind(name)
                .fetch_one(&mut c)
                .await
                .is_ok_and(|n| n == 1),
                Err(_) => false,
            },
            Kind::MariaDb => match sqlx::MySqlConnection::connect(replica).await {
                Ok(mut c) => sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?",
                )
                .bind(name)
                .fetch_one(&mut c)
                .await
                .is_ok_and(|n| n == 1),
                Err(_) => false,
            },
        };
        if found {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the replica did not replay the creation of {name} in 30 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn admin(kind: Kind, url: &str, statement: &str) {
    let statement = sqlx::AssertSqlSafe(statement.to_owned());
    let result = match kind {
        Kind::Postgres => match sqlx::PgConnection::connect(url).await {
            Ok(mut c) => sqlx::raw_sql(statement).execute(&mut c).await.map(drop),
            Err(e) => Err(e),
        },
        Kind::MariaDb => match sqlx::MySqlConnection::connect(url).await {
            Ok(mut c) => sqlx::raw_sql(statement).execute(&mut c).await.map(drop),
            Err(e) => Err(e),
        },
    };
    if let Err(e) = result {
        panic!("admin statement on {kind:?} failed: {e}");
    }
}

fn new_user(i: u64) -> NewUser {
    NewUser {
        username: format!("u{i}"),
        email: format!("u{i}@example.com"),
        ..Default::default()
    }
}

/// 32 concurrent readers and one writer for 20 seconds; the replica is stopped after 3 s and
/// started again after 10 s. No read fails, no write is lost, the dead replica gets no reads
/// while it is out, and it is back in rotation before the end.
async fn kill_a_replica_under_load(kind: Kind) {
    let _serial = SERIAL.lock().await;
    let Some(pair) = Pair::new(kind, "kill_a_replica_under_load", |c| c).await else {
        return;
    };
    let pair = Arc::new(pair);
    let stop = Instant::now() + Duration::from_secs(20);
    let reads = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let readers: Vec<_> = (0..32)
        .map(|_| {
            let (pair, reads, failed) = (pair.clone(), reads.clone(), failed.clone());
            tokio::spawn(async move {
                while Instant::now() < stop {
                    match pair
                        .db
                        .reading()
                        .primary()
                        .users()
                        .query()
                        .filter(User::ID.gt(0))
                        .limit(5)
                        .all()
                        .await
                    {
                        Ok(_) => reads.fetch_add(1, Ordering::Relaxed),
                        Err(e) => {
                            eprintln!("read failed: {e}");
                            failed.fetch_add(1, Ordering::Relaxed)
                        }
                    };
                }
            })
        })
        .collect();
    let writer = {
        let pair = pair.clone();
        tokio::spawn(async move {
            let mut written = 0u64;
            while Instant::now() < stop {
                pair.db
                    .primary()
                    .users()
                    .insert(new_user(written))
                    .await
                    .expect("write");
                written += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            written
        })
    };

    tokio::time::sleep(Duration::from_secs(3)).await;
    // A read transaction on the replica, open when it dies.
    let mut tx = pair
        .db
        .reading()
        .primary()
        .begin()
        .await
        .expect("begin on the replica");
    tx.users().count().await.expect("read in the transaction");
    pair.stop_replica();
    let stopped = Instant::now();
    // It fails rather than continue on another server.
    let err = tx
        .users()
        .count()
        .await
        .expect_err("the transaction's server is gone");
    assert_eq!(
        err.target().map(|t| t.role),
        Some(Role::Replica(0)),
        "{err}"
    );
    drop(tx);
    // Once ejected, and after in-flight reads have failed over (each waits at most the
    // replica acquire timeout of 2 s), the dead replica gets nothing more.
    let mut ejected_at = None;
    while ejected_at.is_none() && stopped.elapsed() < Duration::from_secs(5) {
        if !pair.in_rotation() {
            ejected_at = Some(stopped.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let ejected_at = ejected_at.expect("the stopped replica was ejected within 5 s");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let quiet_from = pair.replica_count();
    tokio::time::sleep(Duration::from_millis(3000)).await;
    let quiet_to = pair.replica_count();
    assert!(!pair.in_rotation(), "still out while the server is down");
    assert_eq!(quiet_from, quiet_to, "no read reached the dead replica");
    pair.start_replica();
    let restarted = Instant::now();
    while !pair.in_rotation() {
        assert!(
            restarted.elapsed() < Duration::from_secs(8),
            "re-admitted within 8 s of restart"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let readmitted_after = restarted.elapsed();
    let before = pair.replica_count();
    for task in readers {
        task.await.expect("reader");
    }
    let written = writer.await.expect("writer");
    let after = pair.replica_count();
    let stored =
        u64::try_from(pair.db.primary().users().count().await.expect("count")).unwrap_or(0);
    println!(
        "{kind:?} replica killed under load: {} reads, {} failed reads, {written} writes, {} lost writes; \
         ejected {:.2} s after stop, re-admitted {:.2} s after restart, {} reads on it after; \
         the open read transaction on it failed instead of moving",
        reads.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed),
        written - stored.min(written),
        ejected_at.as_secs_f64(),
        readmitted_after.as_secs_f64(),
        after - before,
    );
    assert_eq!(failed.load(Ordering::Relaxed), 0, "failed reads");
    assert_eq!(stored, written, "lost writes");
    assert!(after > before, "the re-admitted replica serves reads again");
    match Arc::try_unwrap(pair) {
        Ok(pair) => pair.finish().await,
        Err(_) => panic!("tasks still hold the databases"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_a_postgres_standby_under_load() {
    kill_a_replica_under_load(Kind::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_a_mariadb_replica_under_load() {
    kill_a_replica_under_load(Kind::MariaDb).await;
}

/// A replica whose replay is paused leaves rotation within one check interval after its lag
/// passes the limit, and returns after replay resumes; an idle primary is not lag.
async fn lag(kind: Kind) {
    let _serial = SERIAL.lock().await;
    let limit = Duration::from_millis(1000);
    let Some(pair) = Pair::new(kind, "lag", |c| {
        c.routing("primary", |r| r.max_replica_lag = Some(limit))
    })
    .await
    else {
        return;
    };
    // Idle for 10 s: no ejection.
    let idle = Instant::now();
    while idle.elapsed() < Duration::from_secs(10) {
        assert!(
            pair.in_rotation(),
            "an idle primary is not lag: {:?}",
            pair.db.engine().replica_status()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    pair.replay(false).await;
    let paused = Instant::now();
    pair.db
        .primary()
        .users()
        .insert(new_user(1))
        .await
        .expect("write");
    while pair.in_rotation() {
        // MariaDB: Seconds_Behind_Master is NULL at once; PostgreSQL: the lag passes 1 s.
        assert!(
            paused.elapsed() < limit + Duration::from_secs(3),
            "left rotation in time"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let left = paused.elapsed();
    pair.db.engine().reset_statement_counts();
    let n = pair
        .db
        .reading()
        .primary()
        .users()
        .count()
        .await
        .expect("read");
    assert_eq!(
        n, 1,
        "the lagging replica is skipped: the read sees the write"
    );
    assert_eq!(pair.replica_count(), 0);
    pair.replay(true).await;
    let resumed = Instant::now();
    while !pair.in_rotation() {
        assert!(
            resumed.elapsed() < Duration::from_secs(5),
            "back within 5 s of resuming"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "{kind:?} lag: left rotation {:.2} s after replay paused (limit {} ms, check every 200 ms), back {:.2} s after resume",
        left.as_secs_f64(),
        limit.as_millis(),
        resumed.elapsed().as_secs_f64()
    );
    pair.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_standby_lag() {
    lag(Kind::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_replica_lag() {
    lag(Kind::MariaDb).await;
}

/// With replay paused, a read right after a write through the selector sees the write: 1,000
/// write-then-read iterations, 0 stale reads, in delay and in causal mode. A fresh session
/// reads from the replica (and sees stale data, which is what a replica is for).
async fn read_your_writes(kind: Kind, consistency: switchyard::Consistency) {
    use switchyard::Selector;
    let _serial = SERIAL.lock().await;
    let Some(pair) = Pair::new(kind, "read_your_writes", |c| c).await else {
        return;
    };
    let selector = Selector::new(consistency);
    pair.replay(false).await;
    pair.db.engine().reset_statement_counts();
    let mut stale = 0;
    let mut last = None;
    let iterations: u32 = 1000;
    let started = Instant::now();
    for i in 0..iterations {
        let db = pair.db.clone();
        let (inserted, written) = selector
            .run(true, last.take(), async move {
                db.primary().users().insert(new_user(u64::from(i))).await
            })
            .await;
        let inserted = inserted.expect("write");
        let written = written.expect("a write request that wrote records its last write");
        let db = pair.db.clone();
        let id = inserted.id;
        let (found, none) = selector
            .run(false, Some(written.clone()), async move {
                db.primary().users().find(id).await
            })
            .await;
        assert!(none.is_none(), "a read-only request records nothing");
        if found.expect("read").is_none() {
            stale += 1;
        }
        last = Some(written);
    }
    let elapsed = started.elapsed();
    let counts = pair.db.engine().statement_counts();
    let on_replica = counts.get("primary", "default", Role::Replica(0));
    // A fresh session reads from the replica, which has not replayed anything since the pause.
    let db = pair.db.clone();
    let (fresh, _) = selector
        .run(
            false,
            None,
            async move { db.primary().users().count().await },
        )
        .await;
    let fresh_on_replica =
        pair.db
            .engine()
            .statement_counts()
            .get("primary", "default", Role::Replica(0))
            - on_replica;
    pair.replay(true).await;
    println!(
        "{kind:?} read-your-writes ({consistency:?}), replay paused: {iterations} write+read iterations in {:.1} s, \
         {stale} stale reads, {on_replica} reads on the replica; a fresh session read the replica ({fresh_on_replica} statement, saw {} of {iterations} rows)",
        elapsed.as_secs_f64(),
        fresh.as_ref().map_or(-1, |n| *n),
    );
    assert_eq!(stale, 0, "stale reads");
    assert_eq!(
        fresh_on_replica, 1,
        "a fresh session reads from the replica"
    );
    assert!(
        fresh.expect("count") < i64::from(iterations),
        "the paused replica is behind"
    );
    if consistency == switchyard::Consistency::Causal {
        // Caught up, the replica serves the session again.
        pair.wait_replicated().await;
        let db = pair.db.clone();
        let before = pair.replica_count();
        let (n, _) = selector
            .run(
                false,
                last,
                async move { db.primary().users().count().await },
            )
            .await;
        assert_eq!(n.expect("count"), i64::from(iterations));
        assert_eq!(
            pair.replica_count(),
            before + 1,
            "causal: back on the replica once it has replayed"
        );
    }
    pair.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_read_your_writes_delay() {
    read_your_writes(Kind::Postgres, switchyard::Consistency::default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_read_your_writes_causal() {
    read_your_writes(Kind::Postgres, switchyard::Consistency::Causal).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_read_your_writes_delay() {
    read_your_writes(Kind::MariaDb, switchyard::Consistency::default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_read_your_writes_causal() {
    read_your_writes(Kind::MariaDb, switchyard::Consistency::Causal).await;
}
