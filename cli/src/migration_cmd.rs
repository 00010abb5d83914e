//! `switchyard migration make | new | check`: migration files from the declarations.
//!
//! The differ, the file format and the checks are the codegen's (`migration_plan::plan`,
//! `migrate::to_toml`, `resolve::load_migrations`); this module decides what to write where
//! and prints it.

use std::path::{Path, PathBuf};

use chrono::{NaiveDateTime, TimeDelta, Utc};
use switchyard_codegen::migrate::{Operation, file_name, to_toml};
use switchyard_codegen::migration_plan::ClusterMigrations;
use switchyard_codegen::resolve::load_migrations;

use crate::output::{self, Exit, Failure};
use crate::project::Project;

const VERSION_FORMAT: &str = "%Y%m%d%H%M%S";

/// `migration make NAME`.
pub fn make(
    project: &Project,
    name: &str,
    allow_destructive: bool,
    timestamp: Option<u64>,
) -> Result<Exit, Failure> {
    let selection = project.select(None, None)?;
    selection.print_skipped();
    let due: Vec<&ClusterMigrations> = selection
        .clusters
        .iter()
        .map(|(_, plan)| *plan)
        .filter(|plan| !plan.pending.operations.is_empty())
        .collect();
    for plan in &due {
        for warning in &plan.pending.warnings {
            output::warning(format!("cluster `{}`: {warning}", plan.cluster));
        }
    }
    if due.is_empty() {
        output::line("nothing to do: the migrations match the declarations (no file written)");
        return Ok(Exit::Ok);
    }
    let destructive: Vec<(&str, &Operation)> = due
        .iter()
        .flat_map(|plan| {
            plan.pending
                .operations
                .iter()
                .filter(|op| op.is_destructive())
                .map(|op| (plan.cluster.as_str(), op))
        })
        .collect();
    if !destructive.is_empty() && !allow_destructive {
        output::error(
            "these operations lose data; nothing was written (rerun with --allow-destructive \
             to write them, or declare a rename with `renamed_from`):",
        );
        for (cluster, op) in &destructive {
            output::error(format!("  cluster `{cluster}`: {}", op.describe()));
        }
        return Ok(Exit::Refused);
    }
    let version = choose_version(timestamp, due.iter().copied())?;
    let files: Vec<(&ClusterMigrations, PathBuf, String)> = due
        .iter()
        .map(|plan| {
            let path = plan.dir.join(file_name(version, name));
            let text = to_toml(&plan.cluster, &plan.pending.operations);
            (*plan, path, text)
        })
        .collect();
    write_all(&files)?;
    for (plan, path, _) in &files {
        let ops = &plan.pending.operations;
        output::line(format!(
            "{}: wrote {} ({} operation{})",
            plan.cluster,
            output::path(path),
            ops.len(),
            if ops.len() == 1 { "" } else { "s" }
        ));
        for op in ops {
            let mark = if op.is_destructive() {
                "  (destructive)"
            } else {
                ""
            };
            output::line(format!("    {}{mark}", op.describe()));
        }
    }
    Ok(Exit::Ok)
}

/// `migration new NAME --cluster C`.
pub fn new(
    project: &Project,
    name: &str,
    cluster: &str,
    timestamp: Option<u64>,
) -> Result<Exit, Failure> {
    let (_, plan) = project.cluster(cluster)?;
    let version = choose_version(timestamp, [plan])?;
    let path = plan.dir.join(file_name(version, name));
    write_all(&[(plan, path.clone(), to_toml(&plan.cluster, &[]))])?;
    output::line(format!(
        "{}: wrote {} (empty: add `[[operation]]` tables, see docs/migrations.md)",
        plan.cluster,
        output::path(&path)
    ));
    Ok(Exit::Ok)
}

/// `migration check`.
pub fn check(project: &Project) -> Result<Exit, Failure> {
    let selection = project.select(None, None)?;
    selection.print_skipped();
    let mut differ = false;
    for (_, plan) in &selection.clusters {
        if plan.pending.operations.is_empty() {
            continue;
        }
        differ = true;
        output::line(format!(
            "cluster `{}`: the declarations differ from what its migrations build ({}):",
            plan.cluster,
            output::path(&plan.dir)
        ));
        for op in &plan.pending.operations {
            output::line(format!("    {}", op.describe()));
        }
        for warning in &plan.pending.warnings {
            output::warning(format!("cluster `{}`: {warning}", plan.cluster));
        }
    }
    if differ {
        output::error("migrations are due: run `switchyard migration make NAME`");
        Ok(Exit::Failed)
    } else {
        output::line("migrations match the declarations");
        Ok(Exit::Ok)
    }
}

/// The version of new files: `timestamp`, or the current UTC time (moved to one second after
/// the latest existing migration when the clock is behind it). It must come after every
/// migration of the clusters written to, so that it applies last.
fn choose_version<'a>(
    timestamp: Option<u64>,
    plans: impl IntoIterator<Item = &'a ClusterMigrations>,
) -> Result<u64, Failure> {
    let latest = plans
        .into_iter()
        .flat_map(|p| p.migrations.iter().map(move |m| (m.version, p)))
        .max_by_key(|(v, _)| *v);
    match (timestamp, latest) {
        (Some(version), Some((last, plan))) if version <= last => Err(Failure::refused(format!(
            "version {version} is not later than migration {last} of cluster `{}`; a new \
             migration must apply after every existing one",
            plan.cluster
        ))),
        (Some(version), _) => Ok(version),
        (None, latest) => {
            let now = Utc::now().naive_utc();
            let after_latest = latest
                .and_then(|(v, _)| {
                    NaiveDateTime::parse_from_str(&v.to_string(), VERSION_FORMAT).ok()
                })
                .and_then(|t| t.checked_add_signed(TimeDelta::seconds(1)));
            let at = after_latest.map_or(now, |t| t.max(now));
            at.format(VERSION_FORMAT)
                .to_string()
                .parse()
                .map_err(|e| Failure::failed(format!("cannot make a version from {at}: {e}")))
        }
    }
}

/// Write every file (creating directories), refusing to replace one, then read each
/// directory back with the codegen's checks. On any failure the files written are removed
/// and nothing is left behind.
fn write_all(files: &[(&ClusterMigrations, PathBuf, String)]) -> Result<(), Failure> {
    let mut written: Vec<&Path> = Vec::new();
    let undo = |written: &[&Path]| {
        for path in written {
            let _ = std::fs::remove_file(path);
        }
    };
    for (_, path, text) in files {
        let result = write_new(path, text);
        if let Err(message) = result {
            undo(&written);
            return Err(Failure::failed(message));
        }
        written.push(path);
    }
    for (plan, _, _) in files {
        if let Err(e) = load_migrations(&plan.dir) {
            undo(&written);
            return Err(Failure::failed(format!(
                "the new migration of cluster `{}` does not read back (nothing was written):\n{e}",
                plan.cluster
            )));
        }
    }
    Ok(())
}

fn write_new(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write as _;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", output::path(dir)))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", output::path(path)))?;
    file.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", output::path(path)))
}
