//! What a migration run, a rollback, a status or a dry run found and did, per database.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::spec::Direction;
use crate::error::{Error, Target};

/// Where every database of a run stands: one [`DatabaseReport`] per shard writer, in shard
/// order, whether or not it failed.
#[derive(Debug)]
pub struct MigrationReport {
    /// One per database (shard writer).
    pub databases: Vec<DatabaseReport>,
    /// Whether this was a dry run: nothing ran, [`DatabaseReport::plan`] holds what would.
    pub dry_run: bool,
}

/// One database after a run.
#[derive(Debug)]
pub struct DatabaseReport {
    /// The database: cluster, shard, writer and its redacted server.
    pub target: Target,
    /// The latest applied version after the run (`None`: no migration applied).
    pub version: Option<i64>,
    /// Every migration recorded in the database after the run, by version.
    pub applied: Vec<AppliedMigration>,
    /// Known migrations not applied after the run, by version (also those above a `to`).
    pub pending: Vec<PendingMigration>,
    /// What this run applied or rolled back, in the order it ran.
    pub ran: Vec<RanMigration>,
    /// Dry runs: what would run, with its SQL. Empty otherwise.
    pub plan: Vec<PlannedMigration>,
    /// Why the run stopped on this database, if it did.
    pub error: Option<Error>,
}

/// A migration recorded in a database's version table.
#[derive(Debug, Clone)]
pub struct AppliedMigration {
    /// Its version.
    pub version: i64,
    /// Its name as recorded.
    pub name: String,
    /// When it was applied.
    pub applied_at: DateTime<Utc>,
    /// How long it took to run.
    pub duration_ms: i64,
    /// Whether this code has it (`false`: the database is newer than the code).
    pub known: bool,
    /// Whether its file changed since it was applied (the checksums differ).
    pub changed: bool,
}

/// A known migration that a database does not have.
#[derive(Debug, Clone)]
pub struct PendingMigration {
    /// Its version.
    pub version: i64,
    /// Its name.
    pub name: &'static str,
    /// Its file.
    pub file: &'static str,
}

/// A migration this run applied or rolled back.
#[derive(Debug, Clone)]
pub struct RanMigration {
    /// Its version.
    pub version: i64,
    /// Its name.
    pub name: &'static str,
    /// Applied or rolled back.
    pub direction: Direction,
    /// How long its steps took.
    pub duration: Duration,
}

/// A migration a dry run would apply or roll back, with its statements.
#[derive(Debug, Clone)]
pub struct PlannedMigration {
    /// Its version.
    pub version: i64,
    /// Its name.
    pub name: &'static str,
    /// Its file.
    pub file: &'static str,
    /// Apply or roll back.
    pub direction: Direction,
    /// Whether it would run in one transaction (PostgreSQL, SQLite) or statement by statement
    /// (MariaDB).
    pub transactional: bool,
    /// Every statement, in order, the version table's included.
    pub statements: Vec<PlannedStatement>,
}

/// One statement of a [`PlannedMigration`].
#[derive(Debug, Clone)]
pub struct PlannedStatement {
    /// The step it belongs to (its description), or the bookkeeping it does.
    pub step: Cow<'static, str>,
    /// The SQL; values the version table gets are bound, listed in `step`.
    pub sql: &'static str,
}

impl MigrationReport {
    /// Whether every database succeeded.
    pub fn is_ok(&self) -> bool {
        self.databases.iter().all(|d| d.error.is_none())
    }

    /// The databases that failed.
    pub fn failures(&self) -> impl Iterator<Item = &DatabaseReport> {
        self.databases.iter().filter(|d| d.error.is_some())
    }

    /// `Ok(self)` when every database succeeded, else [`Error::Migrations`] carrying this
    /// report.
    pub fn into_result(self) -> Result<MigrationReport, Error> {
        if self.is_ok() {
            Ok(self)
        } else {
            Err(Error::Migrations(Box::new(self)))
        }
    }

    /// Statements per database of a dry run, as an SQL script with comments.
    pub fn script(&self) -> String {
        let mut out = String::new();
        for db in &self.databases {
            out.push_str(&format!("-- {}\n", db.target));
            if let Some(e) = &db.error {
                out.push_str(&format!("-- error: {e}\n"));
            }
            if db.plan.is_empty() {
                out.push_str("-- nothing to run\n");
            }
            for m in &db.plan {
                out.push_str(&m.to_string());
            }
            out.push('\n');
        }
        out
    }
}

fn show_version(v: Option<i64>) -> Cow<'static, str> {
    v.map_or(Cow::Borrowed("none"), |v| Cow::Owned(v.to_string()))
}

impl fmt::Display for DatabaseReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: version {}", self.target, show_version(self.version))?;
        if !self.ran.is_empty() {
            let verb = match self.ran[0].direction {
                Direction::Up => "applied",
                Direction::Down => "rolled back",
            };
            write!(f, ", {verb} ")?;
            for (i, m) in self.ran.iter().enumerate() {
                let sep = if i == 0 { "" } else { ", " };
                write!(
                    f,
                    "{sep}{}_{} ({} ms)",
                    m.version,
                    m.name,
                    m.duration.as_millis()
                )?;
            }
        }
        if !self.plan.is_empty() {
            write!(f, ", would run {} migration(s)", self.plan.len())?;
        }
        write!(f, ", {} pending", self.pending.len())?;
        if let Some(e) = &self.error {
            write!(f, "; FAILED: {e}")?;
        }
        Ok(())
    }
}

impl fmt::Display for MigrationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failed = self.failures().count();
        if failed > 0 {
            writeln!(
                f,
                "migrations failed on {failed} of {} database(s):",
                self.databases.len()
            )?;
        }
        for (i, db) in self.databases.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "  {db}")?;
        }
        Ok(())
    }
}

impl fmt::Display for PlannedMigration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "-- {} {}_{} ({})",
            self.direction, self.version, self.name, self.file
        )?;
        let mut step = None;
        for s in &self.statements {
            if step != Some(&s.step) {
                writeln!(f, "-- {}", s.step)?;
                step = Some(&s.step);
            }
            writeln!(f, "{};", s.sql.trim_end().trim_end_matches(';'))?;
        }
        Ok(())
    }
}
