//! The databases a `db` command reaches: per selected cluster, its runtime configuration, its
//! writer databases (for create and drop) or a connected engine and migrator (for migrations),
//! and running one task per database concurrently, printing each line as it finishes.

use std::future::Future;
use std::time::{Duration, Instant};

use switchyard::{Engine, Migrator, WriterDatabase};
use switchyard_codegen::migration_plan::ClusterMigrations;
use switchyard_codegen::model::Cluster;
use tokio::task::JoinSet;

use crate::output::{self, Exit};
use crate::project::{Project, Selection};
use crate::topology;

/// One selected cluster, with the shards a command works on.
pub struct Target<'a> {
    /// The cluster.
    pub cluster: &'a Cluster,
    /// Its migrations.
    pub plan: &'a ClusterMigrations,
    /// The shards selected (all, or the one `--shard` names), in declaration order.
    pub shards: Vec<&'a str>,
}

/// The selected clusters and shards.
pub fn targets<'a>(selection: &Selection<'a>, shard: Option<&str>) -> Vec<Target<'a>> {
    selection
        .clusters
        .iter()
        .map(|(cluster, plan)| Target {
            cluster,
            plan,
            shards: cluster
                .shards
                .iter()
                .map(|s| s.name.as_str())
                .filter(|s| shard.is_none_or(|wanted| wanted == *s))
                .collect(),
        })
        .collect()
}

/// The width of the `cluster/shard` column for these targets.
pub fn label_width(targets: &[Target<'_>]) -> usize {
    targets
        .iter()
        .flat_map(|t| t.shards.iter().map(|s| t.cluster.name.len() + 1 + s.len()))
        .max()
        .unwrap_or(0)
}

/// The runtime configuration of one cluster, as the CLI connects to it.
fn config(project: &Project, cluster: &Cluster) -> switchyard::Config {
    topology::config(&[cluster], &project.base_dir, project.connect_timeout)
}

/// The writer databases of the selected shards; a cluster whose URLs cannot be expanded is
/// reported (one line) and left out.
pub fn writer_databases(
    project: &Project,
    targets: &[Target<'_>],
    width: usize,
) -> (Vec<WriterDatabase>, Exit) {
    let mut out = Vec::new();
    let mut exit = Exit::Ok;
    for t in targets {
        match config(project, t.cluster).writer_databases() {
            Ok(databases) => out.extend(
                databases
                    .into_iter()
                    .filter(|d| t.shards.contains(&d.target().shard)),
            ),
            Err(e) => {
                output::line(format!("{:<width$}  FAILED: {e}", t.cluster.name.as_str()));
                exit = Exit::Failed;
            }
        }
    }
    (out, exit)
}

/// A connected cluster: its engine (lazy pools, writers only) and migrator.
pub struct Connected<'a> {
    /// What was selected.
    pub target: &'a Target<'a>,
    /// The engine, to close at the end.
    pub engine: Engine,
    /// The cluster's migrator, on every shard.
    pub migrator: Migrator,
    /// Selected shards whose SQLite file does not exist (when not created on connect): they
    /// are not connected and get no statement.
    pub missing: Vec<&'a str>,
}

impl Connected<'_> {
    /// What to say about a database that does not exist.
    pub const MISSING: &'static str =
        "the database does not exist: create it with `switchyard db create` (or `db setup`)";
}

/// Connect to each selected cluster; a cluster that cannot be connected (a URL that does not
/// expand or check) is reported and left out.
///
/// A SQLite writer creates its file when it connects, as in the app: `create_sqlite` allows
/// that (`migrate`); otherwise a shard whose file is missing is listed in
/// [`Connected::missing`] and kept away from (its writer is replaced by an unused in-memory
/// database).
pub async fn connect<'a>(
    project: &Project,
    targets: &'a [Target<'a>],
    width: usize,
    create_sqlite: bool,
) -> (Vec<Connected<'a>>, Exit) {
    let mut out = Vec::new();
    let mut exit = Exit::Ok;
    for target in targets {
        let start = Instant::now();
        let mut config = config(project, target.cluster);
        let mut missing = Vec::new();
        if !create_sqlite && let Ok(writers) = config.writer_databases() {
            for w in writers {
                let shard = w.target().shard;
                if let Some(path) = w.sqlite_path()
                    && !path.exists()
                {
                    config = config.writer(&target.cluster.name, shard, "sqlite::memory:");
                    if let Some(s) = target.shards.iter().find(|s| **s == shard) {
                        missing.push(*s);
                    }
                }
            }
        }
        match Engine::connect(config).await {
            Ok(engine) => {
                let specs = topology::migration_specs(&target.plan.migrations);
                let migrator = Migrator::new(&engine.handle(0), specs);
                out.push(Connected {
                    target,
                    engine,
                    migrator,
                    missing,
                });
            }
            Err(e) => {
                for shard in &target.shards {
                    output::line(format!(
                        "{}  FAILED in {}: {e}",
                        output::database(&target.cluster.name, shard, width),
                        output::elapsed(start.elapsed())
                    ));
                }
                exit = Exit::Failed;
            }
        }
    }
    (out, exit)
}

/// Close every engine (SQLite files are checkpointed on close).
pub async fn close(connected: &[Connected<'_>]) {
    for c in connected {
        c.engine.close().await;
    }
}

/// Run every task concurrently; `show` prints each result as it arrives (with how long its
/// task took) and says how it ended.
pub async fn each<T, F>(
    tasks: Vec<(String, F)>,
    mut show: impl FnMut(&str, T, Duration) -> Exit,
) -> Exit
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let mut set = JoinSet::new();
    for (label, task) in tasks {
        set.spawn(async move {
            let start = Instant::now();
            let result = task.await;
            (label, result, start.elapsed())
        });
    }
    let mut exit = Exit::Ok;
    while let Some(joined) = set.join_next().await {
        exit = exit.and(match joined {
            Ok((label, result, took)) => show(&label, result, took),
            Err(e) => {
                output::error(format!("a task stopped: {e}"));
                Exit::Failed
            }
        });
    }
    exit
}
