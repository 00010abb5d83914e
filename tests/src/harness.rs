//! Per-test isolated databases on each backend.
//!
//! SQLite runs always, in a temporary directory. PostgreSQL and MySQL/MariaDB run when
//! `SWITCHYARD_TEST_POSTGRES_URL` / `SWITCHYARD_TEST_MYSQL_URL` are set; each test gets its own
//! schemas (PostgreSQL) or databases (MySQL), one per cluster shard. A backend that is not
//! configured is skipped with a message, or fails the test when
//! `SWITCHYARD_REQUIRE_BACKENDS=1`.

use std::io::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::Connection as _;
use switchyard::{Config, StatementCounts};

use crate::db::Database;

/// The backends a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded, always available.
    Sqlite,
    /// `SWITCHYARD_TEST_POSTGRES_URL`.
    Postgres,
    /// `SWITCHYARD_TEST_MYSQL_URL`.
    MySql,
}

impl Backend {
    fn env_var(self) -> Option<&'static str> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some("SWITCHYARD_TEST_POSTGRES_URL"),
            Backend::MySql => Some("SWITCHYARD_TEST_MYSQL_URL"),
        }
    }
}

/// An isolated set of databases for one test, with a connected generated `Database`.
pub struct TestDb {
    /// The connected app database.
    pub db: Database,
    /// The backend.
    pub backend: Backend,
    /// The configuration it was connected with (to connect again, e.g. with other options).
    pub config: Config,
    /// Writer and replica URL of each `(cluster, shard)`.
    pub urls: std::collections::HashMap<(&'static str, &'static str), (String, String)>,
    cleanup: Vec<String>,
    admin_url: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique_prefix() -> String {
    format!(
        "sy{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

impl TestDb {
    /// Fresh databases on `backend` with the tables created, or `None` when the backend is not
    /// configured (after printing that it was skipped; panics instead when backends are
    /// required).
    pub async fn new(backend: Backend, test: &str) -> Option<TestDb> {
        Self::with_config(backend, test, |c| c).await
    }

    /// Like [`TestDb::new`], adjusting the configuration before connecting.
    pub async fn with_config(
        backend: Backend,
        test: &str,
        adjust: impl FnOnce(Config) -> Config,
    ) -> Option<TestDb> {
        let base = match backend.env_var() {
            None => None,
            Some(var) => match std::env::var(var).ok().filter(|v| !v.is_empty()) {
                Some(url) => Some(url),
                None => {
                    if std::env::var("SWITCHYARD_REQUIRE_BACKENDS").as_deref() == Ok("1") {
                        panic!("{test}: {var} is not set and SWITCHYARD_REQUIRE_BACKENDS=1");
                    }
                    // Straight to the stderr handle: libtest captures `eprintln!` of passing
                    // tests, and a skip must be visible in a local run.
                    let _ = writeln!(
                        std::io::stderr(),
                        "SKIPPED {test} on {backend:?}: set {var} to run it"
                    );
                    return None;
                }
            },
        };
        let prefix = unique_prefix();
        let mut config = Database::config();
        let mut cleanup = Vec::new();
        let mut dir = None;
        let mut urls = std::collections::HashMap::new();
        for (cluster, shard) in config.shards() {
            let name = format!("{prefix}_{cluster}_{shard}");
            let (writer, replica) = match backend {
                Backend::Sqlite => {
                    let tmp = dir.get_or_insert_with(|| tempfile::tempdir().expect("tempdir"));
                    let path = tmp.path().join(format!("{name}.sqlite3"));
                    let path = path.display();
                    (format!("sqlite:{path}"), format!("sqlite:{path}?mode=ro"))
                }
                Backend::Postgres => {
                    let base = base.as_deref().unwrap_or_default();
                    admin(backend, base, &format!("CREATE SCHEMA \"{name}\"")).await;
                    cleanup.push(format!("DROP SCHEMA \"{name}\" CASCADE"));
                    let sep = if base.contains('?') { '&' } else { '?' };
                    let url = format!("{base}{sep}options=-c%20search_path%3D{name}");
                    (url.clone(), url)
                }
                Backend::MySql => {
                    let base = base.as_deref().unwrap_or_default();
                    admin(backend, base, &format!("CREATE DATABASE `{name}`")).await;
                    cleanup.push(format!("DROP DATABASE `{name}`"));
                    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
                    let url = format!("{server}/{name}");
                    (url.clone(), url)
                }
            };
            urls.insert((cluster, shard), (writer.clone(), replica.clone()));
            config = config
                .writer(cluster, shard, writer)
                .replicas(cluster, shard, [replica]);
        }
        // The custom role reads the same database as the replica.
        let reporting = urls[&("primary", "default")].1.clone();
        config = config.role_replicas("primary", "default", "reporting", [reporting]);
        // As declared, shard_one has no replica: its reads go to its writer.
        config = config.replicas("animals", "shard_one", Vec::<String>::new());
        let config = adjust(config);
        let db = Database::connect(config.clone())
            .await
            .unwrap_or_else(|e| panic!("{test}: connect on {backend:?}: {e}"));
        db.create_tables()
            .await
            .unwrap_or_else(|e| panic!("{test}: create tables on {backend:?}: {e}"));
        db.engine().reset_statement_counts();
        Some(TestDb {
            db,
            backend,
            config,
            urls,
            cleanup,
            admin_url: base,
            _dir: dir,
        })
    }

    /// Statement counts since the tables were created.
    pub fn counts(&self) -> StatementCounts {
        self.db.engine().statement_counts()
    }

    /// Close the pools and drop the test's schemas or databases.
    pub async fn finish(self) {
        self.db.engine().close().await;
        if let Some(base) = &self.admin_url {
            for statement in &self.cleanup {
                admin(self.backend, base, statement).await;
            }
        }
    }
}

async fn admin(backend: Backend, url: &str, statement: &str) {
    let result = match backend {
        Backend::Postgres => match sqlx::PgConnection::connect(url).await {
            Ok(mut c) => sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_owned()))
                .execute(&mut c)
                .await
                .map(drop),
            Err(e) => Err(e),
        },
        Backend::MySql => match sqlx::MySqlConnection::connect(url).await {
            Ok(mut c) => sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_owned()))
                .execute(&mut c)
                .await
                .map(drop),
            Err(e) => Err(e),
        },
        Backend::Sqlite => Ok(()),
    };
    if let Err(e) = result {
        panic!("admin statement `{statement}` on {backend:?} failed: {e}");
    }
}

/// Define one `#[tokio::test]` per backend running `body(TestDb)`.
#[macro_export]
macro_rules! backend_test {
    ($(#[$meta:meta])* async fn $name:ident($t:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($t: &$crate::harness::TestDb) $body

            async fn on(backend: $crate::harness::Backend) {
                let name = concat!(module_path!(), "::", stringify!($name));
                if let Some(t) = $crate::harness::TestDb::new(backend, name).await {
                    run(&t).await;
                    t.finish().await;
                }
            }

            $(#[$meta])*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                on($crate::harness::Backend::Sqlite).await;
            }

            $(#[$meta])*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                on($crate::harness::Backend::Postgres).await;
            }

            $(#[$meta])*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mysql() {
                on($crate::harness::Backend::MySql).await;
            }
        }
    };
}
