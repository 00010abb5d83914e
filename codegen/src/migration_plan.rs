//! Where each cluster's migrations live, what they are, and how the declarations differ from
//! the database they build: what `build` embeds and what `switchyard migration make` and
//! `check` work from.

use std::path::{Path, PathBuf};

use crate::Error;
use crate::migrate::{Diff, Operation, Renames, SchemaState, Step, diff, steps};
use crate::model::Schema;
use crate::parse::MIGRATIONS_DIR;
use crate::resolve::{Migration, load_migrations};

/// One cluster's migrations and their distance to the declarations.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterMigrations {
    /// The cluster's name.
    pub cluster: String,
    /// Its migrations directory.
    pub dir: PathBuf,
    /// Whether the tools manage this cluster (`database_tasks`).
    pub managed: bool,
    /// The migration files, in version order.
    pub migrations: Vec<Migration>,
    /// The schema the migrations leave.
    pub state: SchemaState,
    /// What a new migration must do to reach the declarations (empty when they agree).
    pub pending: Diff,
}

/// The migrations directory of `cluster`: as declared (relative to the directory holding
/// `schema_dir`), or `<schema_dir>/migrations/<cluster>`.
pub fn migrations_dir(schema_dir: &Path, schema: &Schema, cluster: &str) -> PathBuf {
    match schema
        .clusters
        .get(cluster)
        .and_then(|c| c.migrations.as_deref())
    {
        Some(declared) => schema_dir
            .parent()
            .unwrap_or_else(|| Path::new(""))
            .join(declared),
        None => schema_dir.join(MIGRATIONS_DIR).join(cluster),
    }
}

/// Every cluster's migrations, read and checked, and diffed with the declarations.
pub fn plan(schema_dir: &Path, schema: &Schema) -> Result<Vec<ClusterMigrations>, Error> {
    let renames = renames(schema);
    schema
        .clusters
        .values()
        .map(|cluster| {
            let dir = migrations_dir(schema_dir, schema, &cluster.name);
            let (migrations, state) = load_migrations(&dir)?;
            let declared = SchemaState::declared(schema, &cluster.name);
            let pending = diff(&state, &declared, &renames);
            Ok(ClusterMigrations {
                cluster: cluster.name.clone(),
                dir,
                managed: cluster.database_tasks,
                migrations,
                state,
                pending,
            })
        })
        .collect()
}

/// The renames the declarations state with `renamed_from`.
pub fn renames(schema: &Schema) -> Renames {
    let mut renames = Renames::default();
    for model in schema.models.values() {
        if let Some(old) = &model.renamed_from {
            renames.tables.insert(model.table.clone(), old.clone());
        }
        for field in &model.fields {
            if let Some(old) = &field.renamed_from {
                renames
                    .columns
                    .insert((model.table.clone(), field.column.clone()), old.clone());
            }
        }
    }
    renames
}

/// A migration rendered for every dialect, forward and back: what the generated code embeds
/// and what the CLI runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The file's version.
    pub version: u64,
    /// The file's name after the version.
    pub name: String,
    /// The file's path, for messages.
    pub file: String,
    /// Checksum of the file's bytes.
    pub checksum: String,
    /// Forward.
    pub up: Vec<Step>,
    /// Back (the reversed operations, in reverse order); `None` when hand-written SQL has no
    /// `down`.
    pub down: Option<Vec<Step>>,
}

/// Render `migrations` (one cluster's, in version order, as read: each operation fits the
/// state the earlier ones leave).
pub fn render_all(migrations: &[Migration]) -> Vec<Rendered> {
    let mut state = SchemaState::default();
    migrations
        .iter()
        .map(|m| {
            // Checked when read, so replaying cannot fail here.
            let up = steps(&mut state, &m.operations).unwrap_or_default();
            let reversed: Option<Vec<Operation>> =
                m.operations.iter().rev().map(Operation::reverse).collect();
            let down = reversed.map(|ops| steps(&mut state.clone(), &ops).unwrap_or_default());
            Rendered {
                version: m.version,
                name: m.name.clone(),
                file: m.path.display().to_string(),
                checksum: m.checksum.clone(),
                up,
                down,
            }
        })
        .collect()
}
