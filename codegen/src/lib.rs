//! Build-script code generator for switchyard.
//!
//! Reads every `*.toml` declaration file under a schema directory and emits one Rust file of
//! strongly typed models, per-cluster repositories and typed role and shard names, linked against
//! the `switchyard` runtime.
//!
//! In `build.rs`:
//!
//! ```no_run
//! switchyard_codegen::build("schema");
//! ```
//!
//! The pipeline, one module a stage: [`parse`] (TOML with spans) → [`resolve`] (validation,
//! defaults, references) → [`model`] (plain intermediate data) → `emit` (tokens) → `write`.

mod builder;
pub mod diagnostics;
mod emit;
mod error;
pub mod ident;
mod json_schema;
pub mod migrate;
pub mod migration_plan;
pub mod model;
pub mod parse;
pub mod resolve;
mod sql;
mod write;

pub use builder::{Builder, build};
pub use error::Error;
pub use json_schema::json_schema;

use std::path::Path;

/// Read and validate every declaration file under `dir`, and each cluster's migrations.
pub fn load(dir: &Path) -> Result<model::Schema, Error> {
    load_with_plan(dir).map(|(schema, _)| schema)
}

/// [`load`], and each cluster's migration plan (its files, the state they build and the diff
/// to the declarations), every file read once: for tools that write or check migrations.
pub fn load_with_plan(
    dir: &Path,
) -> Result<(model::Schema, Vec<migration_plan::ClusterMigrations>), Error> {
    let files = parse::read_dir(dir)?;
    let mut schema = resolve::resolve_files(&files)?;
    let plans = migration_plan::plan(dir, &schema)?;
    for plan in &plans {
        schema
            .files
            .extend(plan.migrations.iter().map(|m| m.path.clone()));
        schema
            .migrations
            .insert(plan.cluster.clone(), plan.migrations.clone());
    }
    Ok((schema, plans))
}

/// The whole front end on in-memory files: parse, resolve and emit, writing nothing. For
/// fuzzing (`fuzz/`) and the `no_panic` test: whatever the files say, this returns the
/// generated source or an error, and never panics.
#[doc(hidden)]
pub fn front_end(files: &[parse::SourceFile]) -> Result<String, Error> {
    generate_source(&resolve::resolve_files(files)?)
}

/// Generate the formatted Rust source for a validated schema (no file is written).
pub fn generate_source(schema: &model::Schema) -> Result<String, Error> {
    emit::source(schema)
}
