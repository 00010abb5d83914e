//! Resolve stage: merge the raw declarations of every file, validate them, apply defaults and
//! produce the intermediate [`Schema`].
//!
//! Nothing stops at the first problem: every check reports into one `Report`, and the run fails
//! with all of them. Only syntax errors end the run early, because a tree recovered from broken
//! TOML would produce misleading follow-up errors.

mod claims;
mod cluster;
mod field;
mod migration;
mod model;
mod names;
mod options;
mod placement;
mod relation;
pub(crate) mod url;

use crate::Error;
use crate::diagnostics::Report;
use crate::model::Schema;
use crate::parse::raw::{At, Declarations, RawCluster, RawModel};
use crate::parse::{self, SourceFile};
use claims::Claims;
pub use migration::{Migration, checksum, load_migrations, resolve_migrations};

/// Parse, merge and validate declaration files into a schema.
pub fn resolve_files(files: &[SourceFile]) -> Result<Schema, Error> {
    let mut report = Report::new(files);
    let (declarations, syntax_errors) = parse::parse_files(files, &mut report);
    if !syntax_errors {
        let options = options::merge(declarations.iter().map(|d| &d.options), &mut report);
        let (clusters, models) = merge(declarations, &mut report);
        // Clusters and models generate Rust types into one module: one namespace for both.
        let mut types = Claims::default();
        let clusters = cluster::resolve(&clusters, &mut types, &mut report);
        let mut resolved = model::resolve(&models, &clusters, options, &mut types, &mut report);
        // Relations refer to other models' fields: a second pass, once all models are known.
        relation::resolve(&models, &mut resolved, &mut report);
        if report.count() == 0 {
            return Ok(Schema {
                clusters: clusters.resolved,
                models: resolved,
                files: files.iter().map(|f| f.path.clone()).collect(),
                migrations: std::collections::BTreeMap::new(),
            });
        }
    }
    Err(Error::Declarations(report.finish()))
}

/// All files' clusters and models, each name once (later declarations are reported and dropped).
fn merge(all: Vec<Declarations>, report: &mut Report<'_>) -> (Vec<RawCluster>, Vec<RawModel>) {
    let mut clusters = Vec::new();
    let mut models = Vec::new();
    let mut cluster_names = Claims::default();
    let mut model_names = Claims::default();
    for declarations in all {
        keep_first(
            declarations.clusters,
            |c| &c.name,
            "cluster",
            &mut cluster_names,
            &mut clusters,
            report,
        );
        keep_first(
            declarations.models,
            |m| &m.name,
            "model",
            &mut model_names,
            &mut models,
            report,
        );
    }
    (clusters, models)
}

/// Move `items` whose name is not yet claimed into `kept`; report the others as declared twice.
fn keep_first<T>(
    items: Vec<T>,
    name: impl Fn(&T) -> &At<String>,
    kind: &str,
    claims: &mut Claims,
    kept: &mut Vec<T>,
    report: &mut Report<'_>,
) {
    for item in items {
        let name = name(&item);
        match claims.claim(name.value.as_str(), &name.loc) {
            Some(first) => {
                let message = format!("{kind} {:?} is declared twice", name.value);
                report.duplicate(&name.loc, message, &first);
            }
            None => kept.push(item),
        }
    }
}
