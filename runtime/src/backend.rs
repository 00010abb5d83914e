//! The database backends and the per-dialect SQL text the generated code carries.
//!
//! [`Backend`] names every dialect, whichever drivers are compiled in: generated code carries
//! the SQL of all three. The drivers themselves are behind the Cargo features `sqlite`,
//! `postgres` and `mysql` (all on by default); the runtime's per-driver enums (`Pool`, `ArgBuf`,
//! `Row`, `TxConn`, …) have a variant only for the backends compiled in, and
//! `each_backend!` matches over whichever exist.

use std::fmt;

#[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")))]
compile_error!(
    "switchyard needs at least one backend: enable its feature `sqlite`, `postgres` or `mysql`"
);

/// A database backend, chosen by URL scheme.
///
/// Every variant exists in every build, for the SQL dialects; whether its driver is compiled in
/// is [`Backend::is_compiled`]. A URL of a backend that is not is a configuration error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// SQLite (`sqlite:`), embedded.
    Sqlite,
    /// PostgreSQL (`postgres://`).
    Postgres,
    /// MySQL or MariaDB (`mysql://`, `mariadb://`). Inserts use `RETURNING` (MariaDB 10.5+).
    MySql,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::MySql => "mysql",
        })
    }
}

/// One SQL text per dialect, computed at codegen time.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Sql {
    /// SQLite text.
    pub sqlite: &'static str,
    /// PostgreSQL text.
    pub postgres: &'static str,
    /// MySQL/MariaDB text.
    pub mysql: &'static str,
}

impl Sql {
    /// The same text in every dialect.
    pub const fn all(text: &'static str) -> Self {
        Sql {
            sqlite: text,
            postgres: text,
            mysql: text,
        }
    }

    /// The text for `backend`.
    pub fn get(&self, backend: Backend) -> &'static str {
        match backend {
            Backend::Sqlite => self.sqlite,
            Backend::Postgres => self.postgres,
            Backend::MySql => self.mysql,
        }
    }
}

impl Backend {
    /// Every backend, compiled in or not.
    pub const ALL: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::MySql];

    /// Whether this build of the runtime has the backend's driver: its Cargo feature (`sqlite`,
    /// `postgres`, `mysql`, named as the backend displays) is enabled.
    pub const fn is_compiled(self) -> bool {
        match self {
            Backend::Sqlite => cfg!(feature = "sqlite"),
            Backend::Postgres => cfg!(feature = "postgres"),
            Backend::MySql => cfg!(feature = "mysql"),
        }
    }

    /// A backend that is compiled in (there is always one).
    #[cfg(not(all(feature = "sqlite", feature = "postgres", feature = "mysql")))]
    pub(crate) const fn any_compiled() -> Backend {
        if cfg!(feature = "sqlite") {
            Backend::Sqlite
        } else if cfg!(feature = "postgres") {
            Backend::Postgres
        } else {
            Backend::MySql
        }
    }

    /// Why a backend that is not compiled in cannot be used, naming the feature to enable.
    pub(crate) fn not_compiled(self) -> String {
        let compiled: Vec<String> = Backend::ALL
            .iter()
            .filter(|b| b.is_compiled())
            .map(|b| format!("`{b}`"))
            .collect();
        format!(
            "this build of switchyard has no {self} driver (it has {}): enable the `{self}` \
             feature of the `switchyard` dependency",
            compiled.join(", ")
        )
    }

    /// Write the placeholder of the `n`-th (1-based) bound value.
    pub(crate) fn placeholder(self, out: &mut String, n: usize) {
        match self {
            Backend::Postgres => {
                use std::fmt::Write as _;
                // Writing into a String cannot fail.
                let _ = write!(out, "${n}");
            }
            Backend::Sqlite | Backend::MySql => out.push('?'),
        }
    }

    /// What an auto-increment key's value is when the row leaves it to the database (SQLite
    /// has no `DEFAULT` in `VALUES`; `NULL` makes it assign the key).
    pub(crate) fn auto_key_value(self) -> &'static str {
        match self {
            Backend::Sqlite => "NULL",
            Backend::Postgres | Backend::MySql => "DEFAULT",
        }
    }

    /// How many values one statement may bind.
    pub(crate) fn max_binds(self) -> usize {
        match self {
            // SQLITE_MAX_VARIABLE_NUMBER is 32766 since 3.32.
            Backend::Sqlite => 32_766,
            Backend::Postgres | Backend::MySql => 65_535,
        }
    }
}

/// `match` over one of the runtime's per-driver enums, whose variants (`Sqlite`, `Postgres`,
/// `MySql`) exist only for the backends compiled in, with the same body for each: the body is
/// compiled once per driver type.
///
/// - `each_backend!(pool, Pool(p) => p.size())`
/// - `each_backend!((pool, args), (Pool(p), ArgBuf(a)) => run(p, a))`: both of the same
///   backend. Values of two different backends (a bug of this crate) give a
///   `sqlx::Error::Protocol`; that arm exists only when two backends can differ, so a build
///   with one backend has no unreachable pattern.
/// - `each_backend!(pool, Pool => Backend)`: the value's [`Backend`].
macro_rules! each_backend {
    ($value:expr, $enum:ident => Backend) => {
        match $value {
            #[cfg(feature = "sqlite")]
            $enum::Sqlite(_) => $crate::backend::Backend::Sqlite,
            #[cfg(feature = "postgres")]
            $enum::Postgres(_) => $crate::backend::Backend::Postgres,
            #[cfg(feature = "mysql")]
            $enum::MySql(_) => $crate::backend::Backend::MySql,
        }
    };
    (($a:expr, $b:expr), ($ea:ident($x:pat), $eb:ident($y:pat)) => $body:expr) => {
        match ($a, $b) {
            #[cfg(feature = "sqlite")]
            ($ea::Sqlite($x), $eb::Sqlite($y)) => $body,
            #[cfg(feature = "postgres")]
            ($ea::Postgres($x), $eb::Postgres($y)) => $body,
            #[cfg(feature = "mysql")]
            ($ea::MySql($x), $eb::MySql($y)) => $body,
            #[cfg(any(
                all(feature = "sqlite", feature = "postgres"),
                all(feature = "sqlite", feature = "mysql"),
                all(feature = "postgres", feature = "mysql"),
            ))]
            _ => Err(sqlx::Error::Protocol(
                "switchyard: arguments built for another backend".into(),
            )),
        }
    };
    ($value:expr, $enum:ident($x:pat) => $body:expr) => {
        match $value {
            #[cfg(feature = "sqlite")]
            $enum::Sqlite($x) => $body,
            #[cfg(feature = "postgres")]
            $enum::Postgres($x) => $body,
            #[cfg(feature = "mysql")]
            $enum::MySql($x) => $body,
        }
    };
}
pub(crate) use each_backend;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_of_backends_not_compiled_in_are_refused() {
        for (url, backend) in [
            ("sqlite:data/app.db", Backend::Sqlite),
            ("postgres://app:hunter2@db/app", Backend::Postgres),
            ("mariadb://app:hunter2@db/app", Backend::MySql),
        ] {
            match crate::url::usable(url) {
                Ok(found) => {
                    assert_eq!(found, backend);
                    assert!(backend.is_compiled(), "{url}");
                }
                Err(e) => {
                    assert!(!backend.is_compiled(), "{url}: {e}");
                    assert!(
                        e.contains(&format!("enable the `{backend}` feature")),
                        "{url}: {e}"
                    );
                    assert!(!e.contains("hunter2"), "{e}");
                }
            }
        }
    }

    /// Only a build without the PostgreSQL driver can refuse a PostgreSQL URL: CI runs the
    /// runtime's tests with `--no-default-features --features sqlite` for these.
    #[cfg(not(feature = "postgres"))]
    mod without_postgres {
        use crate::config::{ClusterSpec, Config, PoolSpec, ReplicaSpec, RoutingSpec, ShardSpec};
        use crate::database::Engine;
        use crate::error::Error;

        const URL: &str = "postgres://app:hunter2@db/app";

        /// One cluster `main`, its shard `default` on `writer`, with `replicas`.
        fn config(writer: &'static str, replicas: &'static [ReplicaSpec]) -> Config {
            let shards = Box::leak(Box::new([ShardSpec {
                name: "default",
                writer,
                replicas,
                roles: &[],
            }]));
            Config::from_specs(Box::leak(Box::new([ClusterSpec {
                name: "main",
                shards,
                pool: PoolSpec::default(),
                routing: RoutingSpec::default(),
            }])))
        }

        #[tokio::test]
        async fn connect_names_the_missing_feature_and_the_server() {
            let err = Engine::connect(config(URL, &[]))
                .await
                .expect_err("no postgres driver");
            let Error::Config(message) = &err else {
                panic!("not a configuration error: {err}");
            };
            for part in [
                "cluster `main`, shard `default`, writer: `postgres://app:***@db/app`: ",
                "this build of switchyard has no postgres driver",
                "enable the `postgres` feature of the `switchyard` dependency",
            ] {
                assert!(message.contains(part), "{part:?} not in {message}");
            }
            assert!(!message.contains("hunter2"), "{message}");

            // The CLI's `db create` and `db drop` refuse it alike, before connecting.
            let err = config(URL, &[])
                .writer_databases()
                .expect_err("no postgres driver");
            let Error::Config(listed) = &err else {
                panic!("not a configuration error: {err}");
            };
            assert_eq!(listed, message);
        }

        /// A replica's URL is checked like the writer's, and the error names the replica.
        #[cfg(feature = "sqlite")]
        #[tokio::test]
        async fn a_replica_of_a_missing_backend_is_named() {
            const REPLICAS: &[ReplicaSpec] = &[ReplicaSpec {
                url: URL,
                weight: 1,
            }];
            let err = Engine::connect(config("sqlite::memory:", REPLICAS))
                .await
                .expect_err("no postgres driver");
            let message = err.to_string();
            assert!(
                message.contains(
                    "cluster `main`, shard `default`, replica #0: `postgres://app:***@db/app`: \
                     this build of switchyard has no postgres driver"
                ),
                "{message}"
            );
        }
    }
}
