//! Schema migrations: dialect-neutral [`Operation`]s, the [`SchemaState`] they leave a
//! database in, the [`diff`] between that state and the declarations, and the SQL each
//! operation runs per dialect.
//!
//! This stage reads models (from `resolve`) and migrations; it knows nothing of TOML spans.

mod diff;
mod file;
mod operation;
mod render;
mod state;

pub use diff::{Diff, Renames, diff};
pub use file::{file_name, to_toml};
pub use operation::{Column, DialectSql, IndexDef, Operation};
pub use state::{SchemaState, Table};

pub use render::{Step, steps};
