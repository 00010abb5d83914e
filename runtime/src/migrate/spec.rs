//! The migrations generated code embeds: plain static data, SQL already rendered per dialect.

use crate::backend::Backend;

/// One migration of one cluster, as `switchyard-codegen` embeds it.
///
/// Every shard of the cluster gets the same migrations. Plain `'static` data, so generated
/// code emits it as a `static`.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct MigrationSpec {
    /// The UTC timestamp `YYYYMMDDHHMMSS` of the file name; migrations apply in this order.
    pub version: i64,
    /// The `snake_name` of the file name.
    pub name: &'static str,
    /// The file as shown in errors, e.g. `schema/migrations/animals/20261204120000_add_dogs.toml`.
    pub file: &'static str,
    /// Hex digest of the file's bytes at codegen time; recorded when the migration is applied
    /// and compared on every later run.
    pub checksum: &'static str,
    /// Steps run to apply it, in order.
    pub up: &'static [Step],
    /// Steps run to roll it back, in order; `None`: irreversible.
    pub down: Option<&'static [Step]>,
}

/// One operation of a migration, rendered for each dialect.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Step {
    /// What it does, for people: "add column `bio` to `users`". Shown in errors and dry runs.
    pub describe: &'static str,
    /// SQLite statements, run in order (a table rebuild takes several); `None`: the step has
    /// no SQLite text (a hand-written `sql` operation), an error when run there.
    pub sqlite: Option<&'static [&'static str]>,
    /// PostgreSQL statements.
    pub postgres: Option<&'static [&'static str]>,
    /// MySQL/MariaDB statements.
    pub mysql: Option<&'static [&'static str]>,
}

impl Step {
    /// The statements for `backend`, if the step has them.
    pub fn sql(&self, backend: Backend) -> Option<&'static [&'static str]> {
        match backend {
            Backend::Sqlite => self.sqlite,
            Backend::Postgres => self.postgres,
            Backend::MySql => self.mysql,
        }
    }
}

/// Which way migrations run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Applying (`up`).
    Up,
    /// Rolling back (`down`).
    Down,
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Direction::Up => "apply",
            Direction::Down => "roll back",
        })
    }
}

impl MigrationSpec {
    /// The steps to run in `direction` (`None`: irreversible, going down).
    pub(crate) fn steps(&self, direction: Direction) -> Option<&'static [Step]> {
        match direction {
            Direction::Up => Some(self.up),
            Direction::Down => self.down,
        }
    }
}
