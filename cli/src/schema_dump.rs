//! `switchyard db schema dump`: the schema each cluster's migrations build, as SQL per dialect,
//! written beside the migrations for review.
//!
//! The state is the codegen's replay of the migration files (`ClusterMigrations::state`); the
//! SQL is the codegen's rendering of a `create_table` per table and a `create_index` per index
//! on an empty database, the very statements a migration creating them would run. Only `*.toml`
//! files in a migrations directory are read as migrations, so the `schema.<dialect>.sql` files
//! are never taken for one.

use std::fmt::Write as _;

use switchyard_codegen::migrate::{Operation, SchemaState, Step, steps};
use switchyard_codegen::migration_plan::ClusterMigrations;

use crate::output::{self, Exit, Failure};
use crate::project::Project;

/// The dialects, their file suffix and name in the header.
const DIALECTS: [(&str, &str); 3] = [
    ("sqlite", "SQLite"),
    ("postgres", "PostgreSQL"),
    ("mysql", "MySQL/MariaDB"),
];

/// Write `schema.<dialect>.sql` for `cluster` (or every managed cluster with migrations).
pub fn dump(project: &Project, cluster: Option<&str>) -> Result<Exit, Failure> {
    let selection = project.select(cluster, None)?;
    selection.print_skipped();
    let mut exit = Exit::Ok;
    for (_, plan) in &selection.clusters {
        let Some(latest) = plan.migrations.last() else {
            output::line(format!(
                "{}: no migrations yet; nothing to dump",
                plan.cluster
            ));
            continue;
        };
        let rendered = render(&plan.state);
        let mut written = Vec::new();
        for (key, title) in DIALECTS {
            let path = plan.dir.join(format!("schema.{key}.sql"));
            let text = script(plan, latest.version, &latest.name, title, key, &rendered);
            match std::fs::write(&path, text) {
                Ok(()) => written.push(format!("schema.{key}.sql")),
                Err(e) => {
                    output::error(format!("cannot write {}: {e}", output::path(&path)));
                    exit = Exit::Failed;
                }
            }
        }
        let indexes: usize = plan.state.tables.values().map(|t| t.indexes.len()).sum();
        output::line(format!(
            "{}: wrote {} in {} ({} table{}, {} index{}, at {})",
            plan.cluster,
            written.join(", "),
            output::path(&plan.dir),
            plan.state.tables.len(),
            if plan.state.tables.len() == 1 {
                ""
            } else {
                "s"
            },
            indexes,
            if indexes == 1 { "" } else { "es" },
            latest.version
        ));
    }
    Ok(exit)
}

/// Every table and index of `state`, as the operations that create them, rendered.
fn render(state: &SchemaState) -> Vec<Step> {
    let mut ops = Vec::new();
    for (name, table) in &state.tables {
        ops.push(Operation::CreateTable {
            table: name.clone(),
            columns: table.columns.clone(),
        });
        ops.extend(table.indexes.values().map(|index| Operation::CreateIndex {
            table: name.clone(),
            index: index.clone(),
        }));
    }
    // Each table is created before its indexes, on an empty database: this always fits.
    steps(&mut SchemaState::default(), &ops).unwrap_or_default()
}

fn script(
    plan: &ClusterMigrations,
    version: u64,
    name: &str,
    title: &str,
    key: &str,
    steps: &[Step],
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "-- The schema of cluster `{}` as its migrations build it, up to {version}_{name}\n\
         -- ({title}). Written by `switchyard db schema dump` for review: do not edit, and do not\n\
         -- run it on a database that migrations manage (it has no `switchyard_migrations`).",
        plan.cluster
    );
    for step in steps {
        let statements = match key {
            "sqlite" => &step.sqlite,
            "postgres" => &step.postgres,
            _ => &step.mysql,
        };
        let _ = writeln!(out, "\n-- {}", step.describe);
        for statement in statements.iter().flatten() {
            let _ = writeln!(out, "{statement};");
        }
    }
    out
}
