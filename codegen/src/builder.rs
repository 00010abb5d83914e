//! The build-script entry points: [`Builder`] and the one-call [`build`].

use std::path::{Path, PathBuf};

use crate::Error;

/// Configures and runs code generation from a build script.
///
/// ```no_run
/// switchyard_codegen::Builder::new()
///     .schema_dir("schema")
///     .generate()
///     .unwrap_or_else(|e| panic!("{e}"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Builder {
    schema_dir: Option<PathBuf>,
    out_file: Option<PathBuf>,
    cargo_directives: Option<bool>,
}

impl Builder {
    /// A builder with default settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// The directory of declaration files. Default: `schema`, relative to the crate.
    pub fn schema_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.schema_dir = Some(dir.into());
        self
    }

    /// Where to write the generated code. Default: `$OUT_DIR/switchyard.rs`.
    pub fn out_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.out_file = Some(path.into());
        self
    }

    /// Whether to print `cargo:rerun-if-changed` lines. Default: only when `OUT_DIR` is set
    /// (that is, inside a build script).
    pub fn cargo_directives(mut self, on: bool) -> Self {
        self.cargo_directives = Some(on);
        self
    }

    /// Read, validate and emit; write the file if its content changed. Returns the path of the
    /// generated file. The error's `Display` is the full diagnostics text.
    pub fn generate(self) -> Result<PathBuf, Error> {
        let dir = self.schema_dir.unwrap_or_else(|| PathBuf::from("schema"));
        let out_dir = std::env::var_os("OUT_DIR").map(PathBuf::from);
        let directives = self.cargo_directives.unwrap_or(out_dir.is_some());
        if directives {
            // Before reading, so a failed build still reruns when the files are fixed.
            println!("cargo:rerun-if-changed={}", dir.display());
        }
        let schema = crate::load(&dir);
        if directives && let Ok(schema) = &schema {
            for file in &schema.files {
                println!("cargo:rerun-if-changed={}", file.display());
            }
            // A migration added to a directory outside the schema directory.
            for cluster in schema.clusters.keys() {
                let migrations = crate::migration_plan::migrations_dir(&dir, schema, cluster);
                if !migrations.starts_with(&dir) {
                    println!("cargo:rerun-if-changed={}", migrations.display());
                }
            }
        }
        let source = crate::generate_source(&schema?)?;
        let out = match (self.out_file, out_dir) {
            (Some(path), _) => path,
            (None, Some(dir)) => dir.join("switchyard.rs"),
            (None, None) => {
                return Err(Error::Io {
                    path: PathBuf::from("$OUT_DIR"),
                    source: std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "OUT_DIR is not set: call from a build script or set out_file()",
                    ),
                });
            }
        };
        crate::write::write_if_changed(&out, &source)?;
        Ok(out)
    }
}

/// Generate from `schema_dir` into `$OUT_DIR/switchyard.rs`; on error print the diagnostics
/// and exit the build script with status 1 (no panic, no backtrace).
pub fn build(schema_dir: impl AsRef<Path>) {
    if let Err(e) = Builder::new().schema_dir(schema_dir.as_ref()).generate() {
        eprintln!("{e}");
        std::process::exit(1);
    }
}
