//! The database backends and the per-dialect SQL text the generated code carries.

use std::fmt;

/// A database backend, chosen by URL scheme.
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
