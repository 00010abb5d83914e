//! Schema migrations: apply, roll back, report and plan a cluster's migrations on every shard's
//! writer.
//!
//! The generated code embeds each cluster's migrations, rendered to SQL per dialect, and hands
//! them to a [`Migrator`] with the cluster's handle. Each database records what it has in its
//! version table, `switchyard_migrations`. See docs/runtime.md, "Migrations (runtime)".

mod lock;
mod problem;
mod report;
mod run;
mod session;
mod spec;
mod version_table;

use std::future::Future;
use std::time::Duration;

use futures_util::future::join_all;

pub use problem::MigrationProblem;
pub use report::{
    AppliedMigration, DatabaseReport, MigrationReport, PendingMigration, PlannedMigration,
    PlannedStatement, RanMigration,
};
pub use spec::{Direction, MigrationSpec, Step};

use crate::database::Handle;
use crate::error::{Error, Result};
use run::{Action, Options};

/// How long a run waits for another run's migration lock by default.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);

/// Applies one cluster's migrations to its databases: every shard's writer (never a replica),
/// or one shard.
///
/// Shards run concurrently, each on one connection of its writer's pool. A failure on one
/// shard stops that shard only; the others go on, and the [`MigrationReport`] says where every
/// database stands.
#[derive(Debug, Clone)]
pub struct Migrator {
    handle: Handle,
    /// By version.
    known: Vec<&'static MigrationSpec>,
    shard: Option<usize>,
    options: Options,
}

impl Migrator {
    /// A migrator for the cluster of `handle` (any routing: migrations always run on writers),
    /// with the cluster's migrations as generated.
    #[doc(hidden)]
    pub fn new(handle: &Handle, migrations: &'static [MigrationSpec]) -> Migrator {
        let mut known: Vec<_> = migrations.iter().collect();
        known.sort_by_key(|m| m.version);
        Migrator {
            handle: handle.clone(),
            known,
            shard: None,
            options: Options {
                lock_timeout: DEFAULT_LOCK_TIMEOUT,
                dry_run: false,
            },
        }
    }

    /// Only the shard named `name`; an error naming the cluster's shards when it has none so
    /// named.
    pub fn shard(mut self, name: &str) -> Result<Migrator> {
        let shards: Vec<&str> = (0..self.handle.shard_count())
            .map(|i| self.handle.with_shard(i).shard_name())
            .collect();
        match shards.iter().position(|s| *s == name) {
            Some(i) => {
                self.shard = Some(i);
                Ok(self)
            }
            None => Err(Error::Config(format!(
                "cluster `{}` has no shard `{name}`; its shards: {}",
                self.handle.cluster_name(),
                shards.join(", ")
            ))),
        }
    }

    /// How long to wait for another run holding a database's migration lock (default 60 s)
    /// before that database fails with [`MigrationProblem::Locked`].
    pub fn lock_timeout(mut self, timeout: Duration) -> Migrator {
        self.options.lock_timeout = timeout;
        self
    }

    /// Plan only: [`migrate`](Self::migrate) and [`rollback`](Self::rollback) read each
    /// version table (without creating it) and report, in [`DatabaseReport::plan`], the SQL
    /// they would run; nothing is changed and no lock is taken.
    pub fn dry_run(mut self, dry_run: bool) -> Migrator {
        self.options.dry_run = dry_run;
        self
    }

    /// The cluster's name.
    pub fn cluster_name(&self) -> &'static str {
        self.handle.cluster_name()
    }

    /// The versions of the known migrations, in order.
    pub fn versions(&self) -> impl Iterator<Item = i64> + '_ {
        self.known.iter().map(|m| m.version)
    }

    /// Apply every pending migration, in version order, up to and including `to` (all when
    /// `None`; migrations above `to` are left pending, and nothing is rolled back).
    ///
    /// On each database, first: every recorded migration must be known, with the checksum it
    /// was applied with, else nothing runs there ([`MigrationProblem::Changed`],
    /// [`MigrationProblem::Unknown`]). Concurrent runs wait for each other per database and
    /// never apply a migration twice.
    ///
    /// `Ok` when every database succeeded; otherwise [`Error::Migrations`] with the report of
    /// every database (also those that succeeded). A `to` that is no migration's version is a
    /// configuration error, before anything runs.
    ///
    /// The future owns what it needs (it does not borrow the migrator) and can be spawned.
    pub fn migrate(
        &self,
        to: Option<i64>,
    ) -> impl Future<Output = Result<MigrationReport>> + Send + 'static {
        let this = self.clone();
        async move {
            this.check()?;
            if let Some(to) = to
                && !this.known.iter().any(|m| m.version == to)
            {
                return Err(Error::Config(format!(
                    "cluster `{}` has no migration with version {to}",
                    this.cluster_name()
                )));
            }
            this.run(Action::Migrate(to)).await
        }
    }

    /// Roll back the latest `steps` applied migrations on each database, latest first, with
    /// the same transactional rules as [`migrate`](Self::migrate). If any of them has no
    /// `down`, nothing is rolled back on that database ([`MigrationProblem::Irreversible`]).
    pub fn rollback(
        &self,
        steps: usize,
    ) -> impl Future<Output = Result<MigrationReport>> + Send + 'static {
        let this = self.clone();
        async move {
            this.check()?;
            this.run(Action::Rollback(steps)).await
        }
    }

    /// Where each database stands: its version, what it has applied (flagging migrations this
    /// code does not know or whose file changed) and what is pending. Reads only; a database
    /// whose version table cannot be read is reported with its error.
    pub fn status(&self) -> impl Future<Output = Result<MigrationReport>> + Send + 'static {
        let this = self.clone();
        async move {
            this.check()?;
            this.run(Action::Status).await
        }
    }

    fn check(&self) -> Result<()> {
        match self.known.windows(2).find(|w| w[0].version == w[1].version) {
            Some(w) => Err(Error::Config(format!(
                "cluster `{}`: two migrations have version {}: `{}` and `{}`",
                self.cluster_name(),
                w[0].version,
                w[0].file,
                w[1].file
            ))),
            None => Ok(()),
        }
    }

    async fn run(&self, action: Action) -> Result<MigrationReport> {
        let shards: Vec<usize> = match self.shard {
            Some(shard) => vec![shard],
            None => (0..self.handle.shard_count()).collect(),
        };
        let databases = join_all(shards.into_iter().map(|shard| {
            run::run(
                self.handle.with_shard(shard),
                &self.known,
                action,
                self.options,
            )
        }))
        .await;
        MigrationReport {
            databases,
            dry_run: self.options.dry_run,
        }
        .into_result()
    }
}

impl MigrationReport {
    /// One report of several runs (one per cluster): every database of each, in order.
    /// `Ok` when every run succeeded; the first error that is not a per-database report wins.
    pub fn combine(
        runs: impl IntoIterator<Item = Result<MigrationReport>>,
    ) -> Result<MigrationReport> {
        let mut all = MigrationReport {
            databases: Vec::new(),
            dry_run: false,
        };
        for run in runs {
            let report = match run {
                Ok(report) => report,
                Err(Error::Migrations(report)) => *report,
                Err(other) => return Err(other),
            };
            all.dry_run |= report.dry_run;
            all.databases.extend(report.databases);
        }
        all.into_result()
    }
}
