//! Database administration for tools (the `switchyard` CLI's `db create` / `db drop`): the
//! database each shard's writer URL names, created or dropped on its server.
//!
//! - SQLite: the file (and its parent directory) is created; dropping removes it with its
//!   `-wal`, `-shm` and `-journal` files. An in-memory database has nothing to create or drop.
//! - PostgreSQL: `CREATE DATABASE` / `DROP DATABASE` through the server's `postgres`
//!   maintenance database, after a `pg_database` existence check. A `search_path` schema named
//!   in the URL's `options` is not created.
//! - MySQL/MariaDB: `CREATE DATABASE IF NOT EXISTS … CHARACTER SET utf8mb4 COLLATE
//!   utf8mb4_nopad_bin` (the collation the generated tables use) / `DROP DATABASE IF EXISTS`,
//!   through `information_schema`.
//!
//! Errors name the cluster, shard and role with the server redacted, like every runtime error;
//! the expanded URL itself is never displayed.

use std::fmt;
use std::path::PathBuf;

use crate::backend::Backend;
use crate::config::Config;
use crate::error::{Error, Result, Target};
use crate::role::Role;

/// The database one shard's writer URL names, with the URL expanded (kept private: only its
/// redacted form, in [`Target::server`], is ever shown).
#[derive(Clone)]
pub struct WriterDatabase {
    target: Target,
    url: String,
    backend: Backend,
    sqlite_dir: Option<PathBuf>,
}

/// What [`WriterDatabase::create`] or [`WriterDatabase::drop_database`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminOutcome {
    /// The database was created.
    Created,
    /// It existed already; nothing was done.
    AlreadyExists,
    /// The database was dropped.
    Dropped,
    /// There was no such database; nothing was done.
    Missing,
    /// An in-memory SQLite database: nothing to create or drop.
    InMemory,
}

impl fmt::Display for AdminOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AdminOutcome::Created => "created",
            AdminOutcome::AlreadyExists => "already exists",
            AdminOutcome::Dropped => "dropped",
            AdminOutcome::Missing => "did not exist",
            AdminOutcome::InMemory => "in memory (nothing to do)",
        })
    }
}

impl fmt::Debug for WriterDatabase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriterDatabase")
            .field("target", &self.target)
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// The writer database of every `(cluster, shard)`, in declaration order, with its URL
    /// template expanded as [`Engine::connect`](crate::Engine::connect) would (variables,
    /// checks, [`Config::sqlite_dir`]). Opens no connection. A URL that cannot be used is a
    /// configuration error naming cluster, shard and role.
    pub fn writer_databases(&self) -> Result<Vec<WriterDatabase>> {
        if let Some(first) = self.errors.first() {
            return Err(Error::Config(first.clone()));
        }
        let mut out = Vec::new();
        for cluster in &self.clusters {
            for shard in &cluster.shards {
                let config_error = |e: String| {
                    Error::Config(format!(
                        "cluster `{}`, shard `{}`, {}: {e}",
                        cluster.name,
                        shard.name,
                        Role::Writer
                    ))
                };
                let url = self.expand(&shard.writer).map_err(config_error)?;
                let backend = crate::url::usable(&url).map_err(config_error)?;
                out.push(WriterDatabase {
                    target: Target {
                        cluster: cluster.name,
                        shard: shard.name,
                        role: Role::Writer,
                        server: crate::url::redact(&url).into(),
                        secrets: crate::url::secrets(&url).into(),
                    },
                    url,
                    backend,
                    sqlite_dir: self.sqlite_dir.clone(),
                });
            }
        }
        Ok(out)
    }
}

impl WriterDatabase {
    /// Which database: cluster, shard, writer and the redacted server.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Its backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// For SQLite, the file the URL names, resolved against [`Config::sqlite_dir`] as the
    /// pools resolve it; `None` for an in-memory database and for the other backends.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        if self.backend != Backend::Sqlite {
            return None;
        }
        let path = sqlite_file(&self.url)?;
        Some(match &self.sqlite_dir {
            Some(dir) if path.is_relative() => dir.join(path),
            _ => path,
        })
    }

    /// Create the database if it does not exist.
    pub async fn create(&self) -> Result<AdminOutcome> {
        match self.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite => self.create_sqlite().await,
            #[cfg(feature = "postgres")]
            Backend::Postgres => self.create_postgres().await,
            #[cfg(feature = "mysql")]
            Backend::MySql => self.create_mysql().await,
            #[cfg(not(all(feature = "sqlite", feature = "postgres", feature = "mysql")))]
            missing => Err(self.not_compiled(missing)),
        }
    }

    /// Drop the database if it exists. Everything in it is lost.
    pub async fn drop_database(&self) -> Result<AdminOutcome> {
        match self.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite => self.drop_sqlite(),
            #[cfg(feature = "postgres")]
            Backend::Postgres => self.drop_postgres().await,
            #[cfg(feature = "mysql")]
            Backend::MySql => self.drop_mysql().await,
            #[cfg(not(all(feature = "sqlite", feature = "postgres", feature = "mysql")))]
            missing => Err(self.not_compiled(missing)),
        }
    }

    /// A backend this build has no driver for (refused by [`Config::writer_databases`]
    /// already: a `WriterDatabase` of one is never made).
    #[cfg(not(all(feature = "sqlite", feature = "postgres", feature = "mysql")))]
    fn not_compiled(&self, backend: Backend) -> Error {
        Error::Config(format!("{}: {}", self.target, backend.not_compiled()))
    }

    fn driver(&self, e: sqlx::Error) -> Error {
        Error::query(&self.target, e)
    }

    fn connect_error(&self, e: sqlx::Error) -> Error {
        Error::connect(&self.target, e)
    }
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
impl WriterDatabase {
    fn no_database(&self) -> Error {
        Error::Config(format!("{}: the URL names no database", self.target))
    }
}

/// `name` as an identifier quoted with `q`, the quote doubled inside.
#[cfg(any(feature = "postgres", feature = "mysql"))]
fn quote(name: &str, q: char) -> String {
    let doubled = format!("{q}{q}");
    format!("{q}{}{q}", name.replace(q, &doubled))
}

/// The file a SQLite URL names, as written; `None` for an in-memory database.
#[cfg(feature = "sqlite")]
fn sqlite_file(url: &str) -> Option<PathBuf> {
    use std::str::FromStr as _;
    let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url).ok()?;
    let path = opts.get_filename();
    let text = path.to_string_lossy();
    if path.as_os_str().is_empty() || text.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    Some(path.to_path_buf())
}

/// Without the SQLite driver, no URL opens a SQLite file.
#[cfg(not(feature = "sqlite"))]
fn sqlite_file(_url: &str) -> Option<PathBuf> {
    None
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use std::path::{Path, PathBuf};
    use std::str::FromStr as _;

    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
    use sqlx::{ConnectOptions as _, Connection as _};

    use super::{AdminOutcome, WriterDatabase};
    use crate::error::{Error, Result};

    impl WriterDatabase {
        fn io_error(&self, path: &Path, e: std::io::Error) -> Error {
            self.driver(sqlx::Error::Io(std::io::Error::new(
                e.kind(),
                format!("{}: {e}", path.display()),
            )))
        }

        pub(super) async fn create_sqlite(&self) -> Result<AdminOutcome> {
            let Some(path) = self.sqlite_path() else {
                return Ok(AdminOutcome::InMemory);
            };
            if path.exists() {
                return Ok(AdminOutcome::AlreadyExists);
            }
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| self.io_error(parent, e))?;
            }
            let opts = SqliteConnectOptions::from_str(&self.url)
                .map_err(|e| self.driver(e))?
                .filename(&path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal);
            let conn = opts.connect().await.map_err(|e| self.connect_error(e))?;
            conn.close().await.map_err(|e| self.driver(e))?;
            Ok(AdminOutcome::Created)
        }

        pub(super) fn drop_sqlite(&self) -> Result<AdminOutcome> {
            let Some(path) = self.sqlite_path() else {
                return Ok(AdminOutcome::InMemory);
            };
            let existed = path.exists();
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut file = path.clone().into_os_string();
                file.push(suffix);
                let file = PathBuf::from(file);
                match std::fs::remove_file(&file) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(self.io_error(&file, e)),
                }
            }
            Ok(if existed {
                AdminOutcome::Dropped
            } else {
                AdminOutcome::Missing
            })
        }
    }
}

#[cfg(feature = "postgres")]
mod postgres {
    use std::str::FromStr as _;

    use sqlx::postgres::PgConnectOptions;
    use sqlx::{AssertSqlSafe, ConnectOptions as _, Connection as _};

    use super::{AdminOutcome, WriterDatabase, quote};
    use crate::error::Result;

    impl WriterDatabase {
        /// The database the URL names, and a connection to the server's maintenance database.
        async fn postgres(&self) -> Result<(String, sqlx::PgConnection)> {
            let opts = PgConnectOptions::from_str(&self.url).map_err(|e| self.driver(e))?;
            let name = opts
                .get_database()
                .map(str::to_owned)
                .ok_or_else(|| self.no_database())?;
            let conn = opts
                .database("postgres")
                .connect()
                .await
                .map_err(|e| self.connect_error(e))?;
            Ok((name, conn))
        }

        async fn postgres_exists(&self, conn: &mut sqlx::PgConnection, name: &str) -> Result<bool> {
            let row: Option<(i32,)> =
                sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
                    .bind(name)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(|e| self.driver(e))?;
            Ok(row.is_some())
        }

        pub(super) async fn create_postgres(&self) -> Result<AdminOutcome> {
            let (name, mut conn) = self.postgres().await?;
            let outcome = if self.postgres_exists(&mut conn, &name).await? {
                AdminOutcome::AlreadyExists
            } else {
                let sql = format!("CREATE DATABASE {}", quote(&name, '"'));
                match sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut conn).await {
                    Ok(_) => AdminOutcome::Created,
                    // Created meanwhile by another run (42P04: duplicate_database).
                    Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {
                        AdminOutcome::AlreadyExists
                    }
                    Err(e) => return Err(self.driver(e)),
                }
            };
            let _ = conn.close().await;
            Ok(outcome)
        }

        pub(super) async fn drop_postgres(&self) -> Result<AdminOutcome> {
            let (name, mut conn) = self.postgres().await?;
            let outcome = if self.postgres_exists(&mut conn, &name).await? {
                let sql = format!("DROP DATABASE IF EXISTS {}", quote(&name, '"'));
                sqlx::raw_sql(AssertSqlSafe(sql))
                    .execute(&mut conn)
                    .await
                    .map_err(|e| self.driver(e))?;
                AdminOutcome::Dropped
            } else {
                AdminOutcome::Missing
            };
            let _ = conn.close().await;
            Ok(outcome)
        }
    }
}

#[cfg(feature = "mysql")]
mod mysql {
    use std::str::FromStr as _;

    use sqlx::mysql::MySqlConnectOptions;
    use sqlx::{AssertSqlSafe, ConnectOptions as _, Connection as _};

    use super::{AdminOutcome, WriterDatabase, quote};
    use crate::error::Result;

    impl WriterDatabase {
        /// The database the URL names, and a connection to the server's `information_schema`.
        async fn mysql(&self) -> Result<(String, sqlx::MySqlConnection)> {
            let url = match self.url.strip_prefix("mariadb:") {
                Some(rest) => format!("mysql:{rest}"),
                None => self.url.clone(),
            };
            let opts = MySqlConnectOptions::from_str(&url).map_err(|e| self.driver(e))?;
            let name = opts
                .get_database()
                .map(str::to_owned)
                .ok_or_else(|| self.no_database())?;
            let conn = opts
                .database("information_schema")
                .charset("utf8mb4")
                .connect()
                .await
                .map_err(|e| self.connect_error(e))?;
            Ok((name, conn))
        }

        async fn mysql_exists(&self, conn: &mut sqlx::MySqlConnection, name: &str) -> Result<bool> {
            let row: Option<(i32,)> =
                sqlx::query_as("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?")
                    .bind(name)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(|e| self.driver(e))?;
            Ok(row.is_some())
        }

        pub(super) async fn create_mysql(&self) -> Result<AdminOutcome> {
            let (name, mut conn) = self.mysql().await?;
            let outcome = if self.mysql_exists(&mut conn, &name).await? {
                AdminOutcome::AlreadyExists
            } else {
                let sql = format!(
                    "CREATE DATABASE IF NOT EXISTS {} CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin",
                    quote(&name, '`')
                );
                sqlx::raw_sql(AssertSqlSafe(sql))
                    .execute(&mut conn)
                    .await
                    .map_err(|e| self.driver(e))?;
                AdminOutcome::Created
            };
            let _ = conn.close().await;
            Ok(outcome)
        }

        pub(super) async fn drop_mysql(&self) -> Result<AdminOutcome> {
            let (name, mut conn) = self.mysql().await?;
            let outcome = if self.mysql_exists(&mut conn, &name).await? {
                let sql = format!("DROP DATABASE IF EXISTS {}", quote(&name, '`'));
                sqlx::raw_sql(AssertSqlSafe(sql))
                    .execute(&mut conn)
                    .await
                    .map_err(|e| self.driver(e))?;
                AdminOutcome::Dropped
            } else {
                AdminOutcome::Missing
            };
            let _ = conn.close().await;
            Ok(outcome)
        }
    }
}

#[cfg(all(test, any(feature = "postgres", feature = "mysql")))]
mod tests {
    use super::*;

    #[test]
    fn quotes_identifiers() {
        assert_eq!(quote("app", '"'), "\"app\"");
        assert_eq!(quote("a\"b", '"'), "\"a\"\"b\"");
        assert_eq!(quote("a`b", '`'), "`a``b`");
    }
}
