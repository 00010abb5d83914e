//! One sqlx pool per server (writer or replica of one shard), opened read-only for replicas.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use futures_util::FutureExt;
use sqlx::ConnectOptions as _;
use sqlx::Executor as _;
use sqlx::mysql::{MySqlConnectOptions, MySqlPool};
use sqlx::pool::PoolOptions as SqlxPoolOptions;
use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool};

use crate::backend::Backend;
use crate::config::PoolOptions;
use crate::schema_epoch::SchemaEpoch;

/// A pool of connections to one server.
#[derive(Debug, Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
    MySql(MySqlPool),
}

/// How to open one server's pool.
pub(crate) struct PoolRequest<'a> {
    pub url: &'a str,
    pub backend: Backend,
    pub read_only: bool,
    pub options: &'a PoolOptions,
    pub sqlite_dir: Option<&'a Path>,
    /// Open no connection until first use (the pool option, or a replica found down at start).
    pub lazy: bool,
    /// The shard's last schema change: connections opened before it are not reused.
    pub schema: Arc<SchemaEpoch>,
}

fn sqlx_options<DB: sqlx::Database>(o: &PoolOptions) -> SqlxPoolOptions<DB> {
    SqlxPoolOptions::new()
        .max_connections(o.max_connections)
        .min_connections(o.min_connections)
        .acquire_timeout(o.acquire_timeout)
        .idle_timeout(o.idle_timeout)
        .max_lifetime(o.max_lifetime)
        .test_before_acquire(o.test_before_acquire)
}

/// Close, instead of handing out, an idle connection opened before the shard's schema last
/// changed: its prepared statements may be planned against tables a migration changed.
fn replace_stale<DB: sqlx::Database>(
    pool: SqlxPoolOptions<DB>,
    schema: &Arc<SchemaEpoch>,
) -> SqlxPoolOptions<DB> {
    let schema = schema.clone();
    pool.before_acquire(move |_, meta| {
        let fresh = !schema.is_stale(meta.age);
        futures_util::future::ready(Ok(fresh)).boxed()
    })
}

impl Pool {
    /// Open (or, when lazy, prepare) the pool.
    pub(crate) async fn open(req: PoolRequest<'_>) -> Result<Pool, sqlx::Error> {
        let lazy = req.lazy;
        match req.backend {
            Backend::Sqlite => {
                let opts = sqlite_options(&req)?;
                // The writer creates the file, so replicas (opened read-only) find it.
                let pool = sqlx_options(req.options);
                // An in-memory database lives as long as one of its connections: keep them,
                // emptying their statement caches instead (sqlx caches each statement's columns).
                let memory = req.url.contains(":memory:") || req.url.contains("mode=memory");
                let pool = if memory {
                    clear_stale_sqlite(pool, &req.schema)
                } else {
                    replace_stale(pool, &req.schema)
                };
                Ok(Pool::Sqlite(if lazy && req.read_only {
                    pool.connect_lazy_with(opts)
                } else {
                    pool.connect_with(opts).await?
                }))
            }
            Backend::Postgres => {
                let mut opts = PgConnectOptions::from_str(req.url)?.disable_statement_logging();
                if req.read_only {
                    opts = opts.options([("default_transaction_read_only", "on")]);
                }
                let pool = replace_stale(sqlx_options(req.options), &req.schema);
                Ok(Pool::Postgres(if lazy {
                    pool.connect_lazy_with(opts)
                } else {
                    pool.connect_with(opts).await?
                }))
            }
            Backend::MySql => {
                let url = match req.url.strip_prefix("mariadb:") {
                    Some(rest) => format!("mysql:{rest}"),
                    None => req.url.to_owned(),
                };
                let opts = MySqlConnectOptions::from_str(&url)?
                    .charset("utf8mb4")
                    .disable_statement_logging();
                let read_only = req.read_only;
                let pool = replace_stale(sqlx_options::<sqlx::MySql>(req.options), &req.schema)
                    .after_connect(
                    move |conn, _| {
                        async move {
                            // Strict whatever the server's default: a value that does not fit
                            // its column is an error, never silently truncated or zeroed.
                            conn.execute(
                                "SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',STRICT_ALL_TABLES')",
                            )
                            .await?;
                            if read_only {
                                conn.execute("SET SESSION TRANSACTION READ ONLY").await?;
                            }
                            Ok(())
                        }
                        .boxed()
                    },
                );
                Ok(Pool::MySql(if lazy {
                    pool.connect_lazy_with(opts)
                } else {
                    pool.connect_with(opts).await?
                }))
            }
        }
    }

    /// Connections currently checked out (least-busy balancing).
    pub(crate) fn in_use(&self) -> usize {
        let (size, idle) = match self {
            Pool::Sqlite(p) => (p.size(), p.num_idle()),
            Pool::Postgres(p) => (p.size(), p.num_idle()),
            Pool::MySql(p) => (p.size(), p.num_idle()),
        };
        (size as usize).saturating_sub(idle)
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
            Pool::MySql(_) => Backend::MySql,
        }
    }

    pub(crate) async fn close(&self) {
        match self {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
            Pool::MySql(p) => p.close().await,
        }
    }
}

/// For in-memory SQLite: empty the statement cache of a connection opened before the shard's
/// schema last changed, each time it is handed out (it cannot be replaced without losing the
/// database).
fn clear_stale_sqlite(
    pool: SqlxPoolOptions<sqlx::Sqlite>,
    schema: &Arc<SchemaEpoch>,
) -> SqlxPoolOptions<sqlx::Sqlite> {
    use sqlx::Connection as _;
    let schema = schema.clone();
    pool.before_acquire(move |conn, meta| {
        let stale = schema.is_stale(meta.age);
        async move {
            if stale {
                conn.clear_cached_statements().await?;
            }
            Ok(true)
        }
        .boxed()
    })
}

fn sqlite_options(req: &PoolRequest<'_>) -> Result<SqliteConnectOptions, sqlx::Error> {
    let mut opts = SqliteConnectOptions::from_str(req.url)?
        .disable_statement_logging()
        // LIKE matches case as on PostgreSQL and MariaDB (SQLite ignores ASCII case by default).
        .pragma("case_sensitive_like", "ON");
    let path = opts.get_filename().to_owned();
    let in_memory = path.as_os_str().is_empty() || path.to_string_lossy().contains(":memory:");
    if !in_memory {
        let path = match req.sqlite_dir {
            Some(dir) if path.is_relative() => dir.join(&path),
            _ => path,
        };
        if !req.read_only
            && let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent)?;
        }
        opts = opts.filename(path);
    }
    Ok(if req.read_only {
        opts.read_only(true)
    } else {
        opts.create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
    })
}
