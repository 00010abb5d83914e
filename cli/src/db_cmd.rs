//! `switchyard db …`: create, drop, migrate, roll back and inspect every shard's writer.
//!
//! Creating and dropping use the runtime's admin API ([`switchyard::WriterDatabase`]);
//! migrations use the runtime's [`switchyard::Migrator`] with the cluster's migrations rendered
//! exactly as the generated code embeds them.

use std::future::Future;
use std::time::Duration;

use switchyard::{AdminOutcome, Direction, Error, MigrationReport, WriterDatabase};

use crate::args::{DbCommand, SchemaCommand, Select};
use crate::databases::{self, Connected, Target};
use crate::output::{self, Exit, Failure};
use crate::project::Project;
use crate::schema_dump;

/// Run a `db` command.
pub async fn run(project: &Project, command: DbCommand) -> Result<Exit, Failure> {
    match command {
        DbCommand::Create(select) => with(project, &select, None, create).await,
        DbCommand::Drop { select, force } => {
            refuse_without(force, "drop")?;
            with(project, &select, None, drop).await
        }
        DbCommand::Migrate {
            select,
            to,
            dry_run,
        } => with(project, &select, None, |p, t| migrate(p, t, to, dry_run)).await,
        DbCommand::Rollback {
            select,
            step,
            dry_run,
        } => with(project, &select, None, |p, t| rollback(p, t, step, dry_run)).await,
        DbCommand::Status(select) => with(project, &select, None, status).await,
        DbCommand::Verify(select) => with(project, &select, None, verify).await,
        DbCommand::Schema(SchemaCommand::Dump { cluster }) => {
            schema_dump::dump(project, cluster.as_deref())
        }
        // Every migration, in one run per database: on an empty database, that builds the
        // schema the migrations describe and records every version.
        DbCommand::Schema(SchemaCommand::Load(select)) => {
            with(project, &select, None, |p, t| migrate(p, t, None, false)).await
        }
        DbCommand::Setup(select) => setup(project, &select).await,
        DbCommand::Reset { select, force } => {
            refuse_without(force, "reset")?;
            let dropped = with(project, &select, Some("dropping"), drop).await?;
            Ok(dropped.and(setup(project, &select).await?))
        }
    }
}

async fn setup(project: &Project, select: &Select) -> Result<Exit, Failure> {
    let created = with(project, select, Some("creating"), create).await?;
    let migrated = with(project, select, Some("migrating"), |p, t| {
        migrate(p, t, None, false)
    })
    .await?;
    Ok(created.and(migrated))
}

fn refuse_without(force: bool, what: &str) -> Result<(), Failure> {
    if force {
        Ok(())
    } else {
        Err(Failure::refused(format!(
            "`db {what}` drops databases with everything in them: rerun with --force to do it"
        )))
    }
}

/// Select the clusters and shards of `select`, list the skipped ones, then run `task` on the
/// rest. `phase` titles a step of a compound command (`setup`, `reset`).
async fn with<'p, F, Fut>(
    project: &'p Project,
    select: &Select,
    phase: Option<&str>,
    task: F,
) -> Result<Exit, Failure>
where
    F: FnOnce(&'p Project, Vec<Target<'p>>) -> Fut,
    Fut: Future<Output = Exit>,
{
    let selection = project.select(select.cluster.as_deref(), select.shard.as_deref())?;
    if let Some(phase) = phase {
        output::line(format!("{phase}:"));
    }
    selection.print_skipped();
    let targets = databases::targets(&selection, select.shard.as_deref());
    if targets.is_empty() {
        output::line("no database to work on");
        return Ok(Exit::Ok);
    }
    Ok(task(project, targets).await)
}

async fn create(project: &Project, targets: Vec<Target<'_>>) -> Exit {
    admin(project, &targets, |db| async move { db.create().await }).await
}

async fn drop(project: &Project, targets: Vec<Target<'_>>) -> Exit {
    admin(
        project,
        &targets,
        |db| async move { db.drop_database().await },
    )
    .await
}

/// Create or drop every selected writer database.
async fn admin<F, Fut>(project: &Project, targets: &[Target<'_>], action: F) -> Exit
where
    F: Fn(WriterDatabase) -> Fut,
    Fut: Future<Output = switchyard::Result<AdminOutcome>> + Send + 'static,
{
    let width = databases::label_width(targets);
    let (writers, exit) = databases::writer_databases(project, targets, width);
    let tasks = writers
        .into_iter()
        .map(|db| {
            let t = db.target();
            let label = output::database(t.cluster, t.shard, width);
            let place = match db.sqlite_path() {
                Some(path) => format!("sqlite:{}", output::path(&path)),
                None => t.server.to_string(),
            };
            (format!("{label}\u{0}{place}"), action(db))
        })
        .collect();
    exit.and(
        databases::each(tasks, |label, result, took| {
            let (label, place) = label.split_once('\u{0}').unwrap_or((label, ""));
            let took = output::elapsed(took);
            match result {
                Ok(outcome) => {
                    output::line(format!("{label}  {outcome} ({place}) in {took}"));
                    Exit::Ok
                }
                Err(e) => {
                    output::line(format!("{label}  FAILED in {took}: {e}"));
                    Exit::Failed
                }
            }
        })
        .await,
    )
}

/// Apply pending migrations (up to `to`: each cluster stops at its latest migration at or
/// before that version).
async fn migrate(project: &Project, targets: Vec<Target<'_>>, to: Option<i64>, dry: bool) -> Exit {
    let width = databases::label_width(&targets);
    // A dry run creates nothing, not even a SQLite file.
    let (connected, exit) = databases::connect(project, &targets, width, !dry).await;
    let mut tasks = Vec::new();
    for c in &connected {
        let to = match to {
            None => None,
            Some(to) => match c.migrator.versions().filter(|v| *v <= to).max() {
                Some(v) => Some(v),
                None => {
                    for shard in &c.target.shards {
                        output::line(format!(
                            "{}  nothing to apply: no migration at or before {to}",
                            output::database(&c.target.cluster.name, shard, width)
                        ));
                    }
                    continue;
                }
            },
        };
        for (label, m) in shards(c, width) {
            let task = async move {
                match m {
                    Ok(m) => m.dry_run(dry).migrate(to).await,
                    Err(e) => Err(e),
                }
            };
            tasks.push((label, task));
        }
    }
    let exit = exit
        .and(databases::each(tasks, |label, r, took| show(label, r, took, Direction::Up)).await);
    databases::close(&connected).await;
    exit
}

/// Roll back the latest `steps` migrations of each database.
async fn rollback(project: &Project, targets: Vec<Target<'_>>, steps: usize, dry: bool) -> Exit {
    let width = databases::label_width(&targets);
    let (connected, exit) = databases::connect(project, &targets, width, false).await;
    let mut tasks = Vec::new();
    for c in &connected {
        for (label, m) in shards(c, width) {
            let task = async move {
                match m {
                    Ok(m) => m.dry_run(dry).rollback(steps).await,
                    Err(e) => Err(e),
                }
            };
            tasks.push((label, task));
        }
    }
    let exit = exit.and(
        databases::each(tasks, |label, r, took| {
            show(label, r, took, Direction::Down)
        })
        .await,
    );
    databases::close(&connected).await;
    exit
}

/// One migrator per selected shard of a connected cluster, with its label.
fn shards(
    c: &Connected<'_>,
    width: usize,
) -> Vec<(String, switchyard::Result<switchyard::Migrator>)> {
    c.target
        .shards
        .iter()
        .map(|shard| {
            let migrator = if c.missing.contains(shard) {
                Err(missing(&c.target.cluster.name, shard))
            } else {
                c.migrator.clone().shard(shard)
            };
            (
                output::database(&c.target.cluster.name, shard, width),
                migrator,
            )
        })
        .collect()
}

/// The error of a shard whose SQLite database does not exist.
fn missing(cluster: &str, shard: &str) -> Error {
    Error::Config(format!(
        "cluster `{cluster}`, shard `{shard}`, writer: {}",
        Connected::MISSING
    ))
}

fn versions(ran: &[switchyard::RanMigration]) -> String {
    ran.iter()
        .map(|m| m.version.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn show_version(version: Option<i64>) -> String {
    version.map_or_else(|| "no version".to_owned(), |v| v.to_string())
}

/// Print the line (and, for a dry run, the SQL) of one database's run.
fn show(
    label: &str,
    result: switchyard::Result<MigrationReport>,
    took: Duration,
    direction: Direction,
) -> Exit {
    let took = output::elapsed(took);
    let report = match result {
        Ok(report) => report,
        Err(Error::Migrations(report)) => *report,
        Err(e) => {
            output::line(format!("{label}  FAILED in {took}: {e}"));
            return Exit::Failed;
        }
    };
    if report.dry_run {
        print!("{}", report.script());
    }
    let mut exit = Exit::Ok;
    for db in &report.databases {
        let now = format!("now at {}", show_version(db.version));
        let pending = match db.pending.len() {
            0 => String::new(),
            n => format!(", {n} pending"),
        };
        let (verb, undone) = match direction {
            Direction::Up => ("apply", "migrated"),
            Direction::Down => ("roll back", "rolled back"),
        };
        let line = if report.dry_run {
            let versions: Vec<String> = db.plan.iter().map(|m| m.version.to_string()).collect();
            let what = if versions.is_empty() {
                format!("nothing to {verb}")
            } else {
                format!("would {verb} {} ({})", versions.len(), versions.join(", "))
            };
            format!("{label}  dry run in {took}: {what}; {now}{pending}")
        } else {
            let what = match (db.ran.is_empty(), direction) {
                (true, Direction::Up) => "up to date".to_owned(),
                (true, Direction::Down) => "nothing rolled back".to_owned(),
                (false, _) => format!("{undone} {} ({})", db.ran.len(), versions(&db.ran)),
            };
            format!("{label}  {what} in {took}, {now}{pending}")
        };
        match &db.error {
            None => output::line(line),
            Some(e) => {
                output::line(format!("{line}; FAILED: {e}"));
                exit = Exit::Failed;
            }
        }
    }
    exit
}

/// Compare every selected writer with the declarations.
async fn verify(project: &Project, targets: Vec<Target<'_>>) -> Exit {
    let width = databases::label_width(&targets);
    let (connected, exit) = databases::connect(project, &targets, width, false).await;
    let mut tasks = Vec::new();
    for c in &connected {
        let expected = crate::topology::expected_tables(&project.schema, &c.target.cluster.name);
        let handle = c.engine.handle(0);
        for shard in &c.target.shards {
            let label = output::database(&c.target.cluster.name, shard, width);
            let run = if c.missing.contains(shard) {
                Err(missing(&c.target.cluster.name, shard))
            } else {
                Ok(switchyard::verify_shard(&handle, shard, expected))
            };
            let task = async move {
                match run {
                    Ok(run) => run.await,
                    Err(e) => Err(e),
                }
            };
            tasks.push((label, task));
        }
    }
    let exit = exit.and(
        databases::each(tasks, |label, result, took| {
            let took = output::elapsed(took);
            match result {
                Ok(report) => {
                    let clean = report.is_clean();
                    for db in &report.databases {
                        output::line(format!("{label}  verified in {took}: {db}"));
                    }
                    if clean { Exit::Ok } else { Exit::Failed }
                }
                Err(e) => {
                    output::line(format!("{label}  FAILED in {took}: {e}"));
                    Exit::Failed
                }
            }
        })
        .await,
    );
    databases::close(&connected).await;
    exit
}

/// A table of every selected database: version and pending migrations.
async fn status(project: &Project, targets: Vec<Target<'_>>) -> Exit {
    let width = databases::label_width(&targets);
    let (connected, mut exit) = databases::connect(project, &targets, width, false).await;
    let mut runs = Vec::new();
    for c in &connected {
        for shard in &c.target.shards {
            let m = if c.missing.contains(shard) {
                Err(missing(&c.target.cluster.name, shard))
            } else {
                c.migrator.clone().shard(shard)
            };
            let task = async move {
                match m {
                    Ok(m) => m.status().await,
                    Err(e) => Err(e),
                }
            };
            runs.push((c.target.cluster.name.as_str(), *shard, tokio::spawn(task)));
        }
    }
    let mut rows = vec![vec![
        "cluster".to_owned(),
        "shard".to_owned(),
        "version".to_owned(),
        "pending".to_owned(),
        String::new(),
    ]];
    for (cluster, shard, run) in runs {
        let result = match run.await {
            Ok(result) => result,
            Err(e) => Err(Error::Config(format!("the status task stopped: {e}"))),
        };
        let report = match result {
            Ok(report) => report,
            Err(Error::Migrations(report)) => *report,
            Err(e) => {
                rows.push(row(cluster, shard, "?", "?", format!("error: {e}")));
                exit = Exit::Failed;
                continue;
            }
        };
        for db in &report.databases {
            let mut notes = Vec::new();
            for m in &db.applied {
                if !m.known {
                    notes.push(format!(
                        "{}_{} is not among the migrations (the database is newer)",
                        m.version, m.name
                    ));
                } else if m.changed {
                    notes.push(format!(
                        "{}_{} changed since it was applied",
                        m.version, m.name
                    ));
                }
            }
            let pending = if let Some(e) = &db.error {
                notes.push(format!("error: {e}"));
                exit = Exit::Failed;
                "?".to_owned()
            } else if db.pending.is_empty() {
                "0".to_owned()
            } else {
                let names: Vec<String> = db
                    .pending
                    .iter()
                    .map(|p| format!("{}_{}", p.version, p.name))
                    .collect();
                format!("{} ({})", db.pending.len(), names.join(", "))
            };
            let version = if db.error.is_some() {
                "?".to_owned()
            } else {
                db.version
                    .map_or_else(|| "none".to_owned(), |v| v.to_string())
            };
            rows.push(row(cluster, shard, &version, &pending, notes.join("; ")));
        }
    }
    print!("{}", output::table(&rows));
    databases::close(&connected).await;
    exit
}

fn row(cluster: &str, shard: &str, version: &str, pending: &str, note: String) -> Vec<String> {
    vec![
        cluster.to_owned(),
        shard.to_owned(),
        version.to_owned(),
        pending.to_owned(),
        note,
    ]
}
