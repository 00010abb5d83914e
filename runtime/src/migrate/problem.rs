//! Why a migration run stopped on one database.

use std::fmt;
use std::time::Duration;

use super::spec::Direction;
use crate::backend::Backend;
use crate::error::Error;

/// What went wrong with migrations on one database, in [`Error::Migration`].
#[derive(Debug)]
#[non_exhaustive]
pub enum MigrationProblem {
    /// A migration recorded as applied has another checksum now: its file was edited after it
    /// ran. Nothing was run on this database.
    Changed {
        /// The migration's version.
        version: i64,
        /// Its name.
        name: &'static str,
        /// Its file.
        file: &'static str,
        /// The checksum recorded when it was applied.
        recorded: String,
        /// The file's checksum now.
        current: &'static str,
    },
    /// The database records a migration this code does not have: the database is newer than
    /// the code. Nothing was run on this database.
    Unknown {
        /// The recorded version.
        version: i64,
        /// The recorded name.
        name: String,
    },
    /// Rolling back would pass a migration that has no `down`. Nothing was rolled back on this
    /// database.
    Irreversible {
        /// The migration's version.
        version: i64,
        /// Its name.
        name: &'static str,
        /// Its file.
        file: &'static str,
    },
    /// A step has no SQL for this database's backend (a hand-written `sql` operation without
    /// text for it). Nothing was run on this database.
    MissingDialect {
        /// The migration's version.
        version: i64,
        /// Its name.
        name: &'static str,
        /// Its file.
        file: &'static str,
        /// The step, described.
        step: &'static str,
        /// Applying or rolling back.
        direction: Direction,
        /// The backend it has no text for.
        backend: Backend,
    },
    /// A statement of a migration failed. Migrations before it on this database stay
    /// applied (or rolled back); none after it ran.
    Failed {
        /// The migration's version.
        version: i64,
        /// Its name.
        name: &'static str,
        /// Its file.
        file: &'static str,
        /// Applying or rolling back.
        direction: Direction,
        /// The step that failed: its number (from 1) and description, or `None` for the
        /// bookkeeping around the steps (transaction, version table).
        step: Option<(usize, &'static str)>,
        /// What failed when `step` is `None`.
        during: &'static str,
        /// How many steps the migration has.
        steps: usize,
        /// The steps that ran before the failure (committed on MariaDB, which cannot run DDL
        /// in a transaction; undone with the transaction elsewhere).
        ran: Vec<&'static str>,
        /// Whether the migration's transaction was rolled back (PostgreSQL, SQLite): the
        /// database is as it was before this migration.
        rolled_back: bool,
        /// The database's version after the failure.
        version_now: Option<i64>,
        /// The statement's error.
        source: Box<Error>,
    },
    /// Another run holds the database's migration lock and did not release it in time.
    Locked {
        /// How long this run waited.
        waited: Duration,
    },
    /// The version table changed under a rollback (another run on the same SQLite file).
    Raced {
        /// The version this run meant to roll back.
        version: i64,
        /// The latest version recorded now.
        latest: Option<i64>,
    },
}

fn version(v: Option<i64>) -> String {
    v.map_or_else(
        || "none (no migration applied)".to_owned(),
        |v| v.to_string(),
    )
}

/// The driver's message of a statement error (its target is already named).
fn cause(e: &Error) -> String {
    match e {
        Error::Query { source, .. }
        | Error::Connect { source, .. }
        | Error::UniqueViolation { source, .. } => source.to_string(),
        other => other.to_string(),
    }
}

impl fmt::Display for MigrationProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MigrationProblem::Changed {
                file,
                recorded,
                current,
                ..
            } => write!(
                f,
                "migration `{file}` was changed after it was applied (checksum recorded {recorded}, \
                 the file's is {current}); nothing was run on this database. Restore the file, or \
                 write the change as a new migration"
            ),
            MigrationProblem::Unknown { version, name } => write!(
                f,
                "the database has migration {version}_{name} applied, which this code does not \
                 have (the database is newer than the code); nothing was run on this database"
            ),
            MigrationProblem::Irreversible { file, .. } => write!(
                f,
                "migration `{file}` cannot be rolled back (it has no `down`); nothing was rolled \
                 back on this database"
            ),
            MigrationProblem::MissingDialect {
                file,
                step,
                direction,
                backend,
                ..
            } => write!(
                f,
                "migration `{file}`: step `{step}` has no {backend} SQL to {direction}; nothing \
                 was run on this database"
            ),
            MigrationProblem::Failed {
                version: v,
                name,
                file,
                direction,
                step,
                during,
                steps,
                ran,
                rolled_back,
                version_now,
                source,
            } => {
                let verb = match direction {
                    Direction::Up => "applying",
                    Direction::Down => "rolling back",
                };
                write!(f, "{verb} migration {v}_{name} (`{file}`) failed ")?;
                match step {
                    Some((n, describe)) => write!(f, "at step {n} of {steps} (`{describe}`)")?,
                    None => write!(f, "{during}")?,
                }
                write!(f, ": {}; ", cause(source))?;
                if *rolled_back {
                    write!(
                        f,
                        "its transaction was rolled back: the database stays at version {}",
                        version(*version_now)
                    )
                } else {
                    if ran.is_empty() {
                        write!(f, "no step of it had run")?;
                    } else {
                        write!(
                            f,
                            "the steps before it ran and stay (MariaDB commits DDL as it runs): "
                        )?;
                        for (i, describe) in ran.iter().enumerate() {
                            let sep = if i == 0 { "" } else { ", " };
                            write!(f, "{sep}{} `{describe}`", i + 1)?;
                        }
                    }
                    write!(
                        f,
                        "; nothing was recorded for this migration, the database is recorded at \
                         version {} (see docs/runtime.md, \"Recovering on MariaDB\")",
                        version(*version_now)
                    )
                }
            }
            MigrationProblem::Locked { waited } => write!(
                f,
                "another migration run holds this database's migration lock (waited {} ms)",
                waited.as_millis()
            ),
            MigrationProblem::Raced { version: v, latest } => write!(
                f,
                "the version table changed during the rollback (another run?): meant to roll back \
                 {v}, the latest recorded is {}; stopped",
                version(*latest)
            ),
        }
    }
}

impl std::error::Error for MigrationProblem {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MigrationProblem::Failed { source, .. } => Some(&**source),
            _ => None,
        }
    }
}
