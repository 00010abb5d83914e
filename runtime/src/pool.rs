//! One sqlx pool per server (writer or replica of one shard), opened read-only for replicas.

#[cfg(feature = "sqlite")]
use std::path::Path;
use std::sync::Arc;

use futures_util::FutureExt;
use sqlx::pool::PoolOptions as SqlxPoolOptions;

use crate::backend::{Backend, each_backend};
use crate::config::PoolOptions;
use crate::schema_epoch::SchemaEpoch;

/// A pool of connections to one server (a variant per backend compiled in).
#[derive(Debug, Clone)]
pub(crate) enum Pool {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqlitePool),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
    #[cfg(feature = "mysql")]
    MySql(sqlx::MySqlPool),
}

/// How to open one server's pool.
pub(crate) struct PoolRequest<'a> {
    pub url: &'a str,
    pub backend: Backend,
    pub read_only: bool,
    pub options: &'a PoolOptions,
    /// Where relative SQLite paths resolve (`Config::sqlite_dir`).
    #[cfg(feature = "sqlite")]
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
        match req.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite => sqlite::open(&req).await.map(Pool::Sqlite),
            #[cfg(feature = "postgres")]
            Backend::Postgres => postgres::open(&req).await.map(Pool::Postgres),
            #[cfg(feature = "mysql")]
            Backend::MySql => mysql::open(&req).await.map(Pool::MySql),
            // Refused with the URL, before any pool opens (`url::usable`).
            #[cfg(not(all(feature = "sqlite", feature = "postgres", feature = "mysql")))]
            missing => Err(sqlx::Error::Configuration(missing.not_compiled().into())),
        }
    }

    /// Connections currently checked out (least-busy balancing).
    pub(crate) fn in_use(&self) -> usize {
        let (size, idle) = each_backend!(self, Pool(p) => (p.size(), p.num_idle()));
        (size as usize).saturating_sub(idle)
    }

    pub(crate) fn backend(&self) -> Backend {
        each_backend!(self, Pool => Backend)
    }

    pub(crate) async fn close(&self) {
        each_backend!(self, Pool(p) => p.close().await)
    }
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use std::str::FromStr;
    use std::sync::Arc;

    use futures_util::FutureExt;
    use sqlx::ConnectOptions as _;
    use sqlx::pool::PoolOptions as SqlxPoolOptions;
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool};

    use super::{PoolRequest, replace_stale, sqlx_options};
    use crate::schema_epoch::SchemaEpoch;

    pub(super) async fn open(req: &PoolRequest<'_>) -> Result<SqlitePool, sqlx::Error> {
        let opts = sqlite_options(req)?;
        // The writer creates the file, so replicas (opened read-only) find it.
        let pool = sqlx_options(req.options);
        // An in-memory database lives as long as one of its connections: keep them, emptying
        // their statement caches instead (sqlx caches each statement's columns).
        let memory = req.url.contains(":memory:") || req.url.contains("mode=memory");
        let pool = if memory {
            clear_stale_sqlite(pool, &req.schema)
        } else {
            replace_stale(pool, &req.schema)
        };
        Ok(if req.lazy && req.read_only {
            pool.connect_lazy_with(opts)
        } else {
            pool.connect_with(opts).await?
        })
    }

    /// For in-memory SQLite: empty the statement cache of a connection opened before the
    /// shard's schema last changed, each time it is handed out (it cannot be replaced without
    /// losing the database).
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
            // LIKE matches case as on PostgreSQL and MariaDB (SQLite ignores ASCII case by
            // default).
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
}

#[cfg(feature = "postgres")]
mod postgres {
    use sqlx::ConnectOptions as _;
    use sqlx::postgres::{PgConnectOptions, PgPool};

    use std::str::FromStr as _;

    use super::{PoolRequest, replace_stale, sqlx_options};

    pub(super) async fn open(req: &PoolRequest<'_>) -> Result<PgPool, sqlx::Error> {
        let mut opts = PgConnectOptions::from_str(req.url)?.disable_statement_logging();
        if req.read_only {
            opts = opts.options([("default_transaction_read_only", "on")]);
        }
        let pool = replace_stale(sqlx_options(req.options), &req.schema);
        Ok(if req.lazy {
            pool.connect_lazy_with(opts)
        } else {
            pool.connect_with(opts).await?
        })
    }
}

#[cfg(feature = "mysql")]
mod mysql {
    use futures_util::FutureExt;
    use sqlx::ConnectOptions as _;
    use sqlx::Executor as _;
    use sqlx::mysql::{MySqlConnectOptions, MySqlPool};

    use std::str::FromStr as _;

    use super::{PoolRequest, replace_stale, sqlx_options};

    pub(super) async fn open(req: &PoolRequest<'_>) -> Result<MySqlPool, sqlx::Error> {
        let url = match req.url.strip_prefix("mariadb:") {
            Some(rest) => format!("mysql:{rest}"),
            None => req.url.to_owned(),
        };
        let opts = MySqlConnectOptions::from_str(&url)?
            .charset("utf8mb4")
            .disable_statement_logging();
        let read_only = req.read_only;
        let pool = replace_stale(sqlx_options::<sqlx::MySql>(req.options), &req.schema)
            .after_connect(move |conn, _| {
                async move {
                    // Strict whatever the server's default: a value that does not fit its
                    // column is an error, never silently truncated or zeroed.
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
            });
        Ok(if req.lazy {
            pool.connect_lazy_with(opts)
        } else {
            pool.connect_with(opts).await?
        })
    }
}
