//! The codegen's one error type.

use std::path::{Path, PathBuf};

use crate::diagnostics::Diagnostics;

/// Why generation failed. `Display` is the full text a build script should print.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The declarations have problems; every one found in the run is listed.
    #[error("{0}")]
    Declarations(Diagnostics),
    /// The schema directory does not exist, or has no `*.toml` file: the first thing a new
    /// app runs into, so the message says where it looked and what to do.
    #[error("{}", no_declarations(.dir, *.exists))]
    NoDeclarations {
        /// The directory, as given.
        dir: PathBuf,
        /// It exists, but holds no declaration file.
        exists: bool,
    },
    /// A file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The generator produced code that does not parse: a bug in switchyard, not in the input.
    #[error("switchyard-codegen produced invalid Rust (this is a bug, please report it): {0}")]
    Internal(String),
}

/// The text of [`Error::NoDeclarations`]: the directory relative to the crate when it is in
/// the crate (a build script runs in the crate's directory, so `"schema"` means
/// `<crate>/schema`), where that is, and a hint.
fn no_declarations(dir: &Path, exists: bool) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let absolute = cwd.join(dir);
    let krate = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let in_crate = krate
        .as_deref()
        .and_then(|krate| Some((krate, absolute.strip_prefix(krate).ok()?)));
    let (shown, whereabouts) = match in_crate {
        Some((krate, relative)) => (
            relative.display().to_string(),
            format!(" (relative to the crate, {})", krate.display()),
        ),
        None if dir.is_relative() => (
            dir.display().to_string(),
            format!(" ({})", absolute.display()),
        ),
        None => (dir.display().to_string(), String::new()),
    };
    let problem = if exists {
        format!("the schema directory `{shown}`{whereabouts} has no `*.toml` declaration file")
    } else {
        format!("there is no schema directory `{shown}`{whereabouts}")
    };
    format!(
        "error: {problem}\n  = help: declare the databases and models in `*.toml` files there \
         (e.g. `{shown}/databases.toml` with `[cluster.primary]` and `writer = \"${{DATABASE_URL}}\"`; \
         see docs/declarations.md), or name the directory that has them: \
         `switchyard_codegen::build(\"...\")` in build.rs, `--schema DIR` for the `switchyard` CLI"
    )
}
