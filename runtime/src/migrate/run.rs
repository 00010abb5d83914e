//! One database (one shard's writer): read its version table, check it against the known
//! migrations, then apply, roll back, report or plan.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use super::lock;
use super::problem::MigrationProblem;
use super::report::{
    AppliedMigration, DatabaseReport, PendingMigration, PlannedMigration, PlannedStatement,
    RanMigration,
};
use super::session::Session;
use super::spec::{Direction, MigrationSpec};
use super::version_table::{self as table, Recorded};
use crate::backend::Backend;
use crate::database::Handle;
use crate::error::{Error, Result};

/// What to do on each database.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Action {
    /// Apply pending migrations up to this version (all when `None`).
    Migrate(Option<i64>),
    /// Roll back this many of the latest applied migrations.
    Rollback(usize),
    /// Report only.
    Status,
}

/// How to run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    pub lock_timeout: Duration,
    pub dry_run: bool,
}

/// What one database run learned and did; becomes a [`DatabaseReport`].
struct State {
    /// The version table was read (else nothing is known about the database).
    read: bool,
    recorded: Vec<Recorded>,
    ran: Vec<RanMigration>,
    plan: Vec<PlannedMigration>,
    /// A statement that may change the schema was sent.
    touched: bool,
}

/// Run `action` on the writer of `handle`'s shard. Never fails: the report carries the error.
pub(crate) async fn run(
    handle: Handle,
    known: &[&'static MigrationSpec],
    action: Action,
    options: Options,
) -> DatabaseReport {
    let shard = handle.shard_servers();
    let mut state = State {
        read: false,
        recorded: Vec::new(),
        ran: Vec::new(),
        plan: Vec::new(),
        touched: false,
    };
    let error = match Session::open(&handle).await {
        Err(e) => Some(e),
        Ok(mut s) => {
            let result = match (action, options.dry_run) {
                (Action::Status, _) => status(&mut s, &mut state).await,
                (action, true) => plan(&mut s, known, action, &mut state).await,
                (action, false) => match lock::acquire(&mut s, options.lock_timeout).await {
                    Ok(()) => {
                        let result = change(&mut s, known, action, options, &mut state).await;
                        lock::release(&mut s).await;
                        result
                    }
                    Err(e) => Err(e),
                },
            };
            result.err()
        }
    };
    if state.touched {
        // Pooled connections opened before the change may hold prepared statements on the old
        // tables: they are replaced (emptied, for in-memory SQLite) as they are next acquired,
        // on the writer and on every replica of the shard.
        shard.schema.changed();
    }
    report(&shard.writer.target, known, state, error)
}

fn report(
    target: &crate::error::Target,
    known: &[&'static MigrationSpec],
    state: State,
    error: Option<Error>,
) -> DatabaseReport {
    let find = |version| find(known, version);
    let (applied, pending) = if state.read {
        let applied = state
            .recorded
            .iter()
            .map(|r| AppliedMigration {
                version: r.version,
                name: r.name.clone(),
                applied_at: r.applied_at,
                duration_ms: r.duration_ms,
                known: find(r.version).is_some(),
                changed: find(r.version).is_some_and(|s| s.checksum != r.checksum),
            })
            .collect();
        let pending = known
            .iter()
            .filter(|s| !state.recorded.iter().any(|r| r.version == s.version))
            .map(|s| PendingMigration {
                version: s.version,
                name: s.name,
                file: s.file,
            })
            .collect();
        (applied, pending)
    } else {
        (Vec::new(), Vec::new())
    };
    DatabaseReport {
        target: target.clone(),
        version: state.recorded.iter().map(|r| r.version).max(),
        applied,
        pending,
        ran: state.ran,
        plan: state.plan,
        error,
    }
}

fn find(known: &[&'static MigrationSpec], version: i64) -> Option<&'static MigrationSpec> {
    known
        .binary_search_by_key(&version, |s| s.version)
        .ok()
        .map(|i| known[i])
}

fn problem(s: &Session, problem: MigrationProblem) -> Error {
    Error::Migration {
        target: s.target().clone(),
        problem: Box::new(problem),
    }
}

async fn status(s: &mut Session, state: &mut State) -> Result<()> {
    if table::exists(s).await? {
        state.recorded = table::read(s).await?;
    }
    state.read = true;
    Ok(())
}

/// Every recorded migration must be known, with the checksum it was applied with.
fn verify(s: &Session, known: &[&'static MigrationSpec], recorded: &[Recorded]) -> Result<()> {
    for r in recorded {
        match find(known, r.version) {
            None => {
                return Err(problem(
                    s,
                    MigrationProblem::Unknown {
                        version: r.version,
                        name: r.name.clone(),
                    },
                ));
            }
            Some(spec) if spec.checksum != r.checksum => {
                return Err(problem(
                    s,
                    MigrationProblem::Changed {
                        version: spec.version,
                        name: spec.name,
                        file: spec.file,
                        recorded: r.checksum.clone(),
                        current: spec.checksum,
                    },
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// The migrations `action` would run, in order, checked to be runnable here: reversible when
/// going down, with SQL for this backend in every step.
fn selected(
    s: &Session,
    known: &[&'static MigrationSpec],
    recorded: &[Recorded],
    action: Action,
) -> Result<(Direction, Vec<&'static MigrationSpec>)> {
    let (direction, chosen) = match action {
        Action::Status => return Ok((Direction::Up, Vec::new())),
        Action::Migrate(to) => (
            Direction::Up,
            known
                .iter()
                .copied()
                .filter(|spec| to.is_none_or(|to| spec.version <= to))
                .filter(|spec| !recorded.iter().any(|r| r.version == spec.version))
                .collect::<Vec<_>>(),
        ),
        Action::Rollback(steps) => (
            Direction::Down,
            recorded
                .iter()
                .rev()
                .take(steps)
                .filter_map(|r| find(known, r.version))
                .collect(),
        ),
    };
    for spec in &chosen {
        let Some(steps) = spec.steps(direction) else {
            return Err(problem(
                s,
                MigrationProblem::Irreversible {
                    version: spec.version,
                    name: spec.name,
                    file: spec.file,
                },
            ));
        };
        if let Some(step) = steps.iter().find(|step| step.sql(s.backend()).is_none()) {
            return Err(problem(
                s,
                MigrationProblem::MissingDialect {
                    version: spec.version,
                    name: spec.name,
                    file: spec.file,
                    step: step.describe,
                    direction,
                    backend: s.backend(),
                },
            ));
        }
    }
    Ok((direction, chosen))
}

async fn plan(
    s: &mut Session,
    known: &[&'static MigrationSpec],
    action: Action,
    state: &mut State,
) -> Result<()> {
    status(s, state).await?;
    verify(s, known, &state.recorded)?;
    let (direction, chosen) = selected(s, known, &state.recorded, action)?;
    let backend = s.backend();
    state.plan = chosen
        .into_iter()
        .map(|spec| planned(spec, direction, backend))
        .collect();
    Ok(())
}

fn begin_sql(backend: Backend) -> &'static str {
    match backend {
        // Takes the write lock at once: a concurrent run waits here, then sees this one's row.
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres | Backend::MySql => "BEGIN",
    }
}

fn planned(
    spec: &'static MigrationSpec,
    direction: Direction,
    backend: Backend,
) -> PlannedMigration {
    let transactional = backend != Backend::MySql;
    let mut statements = Vec::new();
    if transactional {
        statements.push(PlannedStatement {
            step: Cow::Borrowed("one transaction"),
            sql: begin_sql(backend),
        });
    }
    for step in spec.steps(direction).unwrap_or_default() {
        for sql in step.sql(backend).unwrap_or_default() {
            statements.push(PlannedStatement {
                step: Cow::Borrowed(step.describe),
                sql,
            });
        }
    }
    statements.push(match direction {
        Direction::Up => PlannedStatement {
            step: Cow::Owned(format!(
                "record it in `{}` (bound: {}, '{}', '{}', the time, the duration)",
                table::TABLE,
                spec.version,
                spec.name,
                spec.checksum
            )),
            sql: table::INSERT.get(backend),
        },
        Direction::Down => PlannedStatement {
            step: Cow::Owned(format!(
                "forget it in `{}` (bound: {})",
                table::TABLE,
                spec.version
            )),
            sql: table::DELETE.get(backend),
        },
    });
    if transactional {
        statements.push(PlannedStatement {
            step: Cow::Borrowed("one transaction"),
            sql: "COMMIT",
        });
    }
    PlannedMigration {
        version: spec.version,
        name: spec.name,
        file: spec.file,
        direction,
        transactional,
        statements,
    }
}

/// Apply or roll back, under the lock.
async fn change(
    s: &mut Session,
    known: &[&'static MigrationSpec],
    action: Action,
    options: Options,
    state: &mut State,
) -> Result<()> {
    // Look first: on SQLite, `CREATE TABLE IF NOT EXISTS` takes the write lock even when the
    // table exists. A rollback with no table has nothing to do and creates none.
    if table::exists(s).await? {
        state.recorded = table::read(s).await?;
    } else if matches!(action, Action::Migrate(_)) {
        if s.backend() == Backend::Sqlite {
            // Creating it takes SQLite's write lock: wait for it as for a migration.
            begin(s, options.lock_timeout).await?;
            table::ensure(s).await?;
            s.raw("COMMIT").await?;
        } else {
            table::ensure(s).await?;
        }
    }
    state.read = true;
    verify(s, known, &state.recorded)?;
    let (direction, chosen) = selected(s, known, &state.recorded, action)?;
    for spec in chosen {
        run_one(s, spec, direction, options, state).await?;
    }
    Ok(())
}

/// Whether a statement error is SQLite's "database is locked".
fn is_busy(e: &Error) -> bool {
    let Error::Query { source, .. } = e else {
        return false;
    };
    source
        .get_ref()
        .as_database_error()
        .and_then(|db| db.code())
        .and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|code| code & 0xff == 5)
}

/// Open the migration's transaction; on SQLite, wait for the write lock up to the lock timeout.
async fn begin(s: &mut Session, timeout: Duration) -> Result<()> {
    let backend = s.backend();
    let deadline = Instant::now() + timeout;
    loop {
        match s.raw(begin_sql(backend)).await {
            Err(e) if backend == Backend::Sqlite && is_busy(&e) => {
                if Instant::now() >= deadline {
                    return Err(problem(s, MigrationProblem::Locked { waited: timeout }));
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            other => return other,
        }
    }
}

/// Undo the open transaction; whether that worked (else the connection is closed, which
/// rolls back too).
async fn abort(s: &mut Session) -> bool {
    let ok = s.raw("ROLLBACK").await.is_ok();
    if !ok {
        s.discard();
    }
    ok
}

/// Apply or roll back one migration: on PostgreSQL and SQLite its steps and its version row in
/// one transaction; on MariaDB (DDL commits implicitly) the steps, then the row.
async fn run_one(
    s: &mut Session,
    spec: &'static MigrationSpec,
    direction: Direction,
    options: Options,
    state: &mut State,
) -> Result<()> {
    let backend = s.backend();
    let transactional = backend != Backend::MySql;
    let steps = spec.steps(direction).unwrap_or_default();
    let version_now = state.recorded.iter().map(|r| r.version).max();
    let failed = |step: Option<(usize, &'static str)>,
                  during: &'static str,
                  ran: Vec<&'static str>,
                  rolled_back: bool,
                  source: Error| MigrationProblem::Failed {
        version: spec.version,
        name: spec.name,
        file: spec.file,
        direction,
        step,
        during,
        steps: steps.len(),
        ran,
        rolled_back,
        version_now,
        source: Box::new(source),
    };
    if transactional {
        begin(s, options.lock_timeout).await?;
        if backend == Backend::Sqlite {
            // No session lock on SQLite: another run may have got here first. Look again now
            // that this transaction holds the write lock.
            let fresh = match direction {
                Direction::Up => table::has(s, spec.version).await.map(|has| !has),
                Direction::Down => table::latest(s)
                    .await
                    .map(|latest| {
                        if latest == Some(spec.version) {
                            Ok(true)
                        } else {
                            Err(latest)
                        }
                    })
                    .and_then(|r| match r {
                        Ok(fresh) => Ok(fresh),
                        Err(latest) => Err(problem(
                            s,
                            MigrationProblem::Raced {
                                version: spec.version,
                                latest,
                            },
                        )),
                    }),
            };
            match fresh {
                Ok(true) => {}
                Ok(false) => {
                    abort(s).await;
                    state.recorded = table::read(s).await?;
                    return Ok(());
                }
                Err(e) => {
                    abort(s).await;
                    return Err(e);
                }
            }
        }
    }
    state.touched = true;
    let start = Instant::now();
    let mut ran = Vec::with_capacity(steps.len());
    for (i, step) in steps.iter().enumerate() {
        for sql in step.sql(backend).unwrap_or_default() {
            if let Err(e) = s.raw(sql).await {
                let rolled_back = transactional && abort(s).await;
                let p = failed(Some((i + 1, step.describe)), "", ran, rolled_back, e);
                return Err(problem(s, p));
            }
        }
        ran.push(step.describe);
    }
    let elapsed = start.elapsed();
    let recorded = match direction {
        Direction::Up => table::insert(s, spec, elapsed).await.map(Some),
        Direction::Down => table::delete(s, spec.version).await.map(|()| None),
    };
    let recorded = match recorded {
        Ok(recorded) => recorded,
        Err(e) => {
            let rolled_back = transactional && abort(s).await;
            let p = failed(
                None,
                "recording it in the version table",
                ran,
                rolled_back,
                e,
            );
            return Err(problem(s, p));
        }
    };
    if transactional && let Err(e) = s.raw("COMMIT").await {
        let rolled_back = abort(s).await;
        let p = failed(None, "at commit", ran, rolled_back, e);
        return Err(problem(s, p));
    }
    match recorded {
        Some(row) => {
            let at = state.recorded.partition_point(|r| r.version < row.version);
            state.recorded.insert(at, row);
        }
        None => state.recorded.retain(|r| r.version != spec.version),
    }
    state.ran.push(RanMigration {
        version: spec.version,
        name: spec.name,
        direction,
        duration: elapsed,
    });
    Ok(())
}
