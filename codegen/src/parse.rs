//! Parse stage: declaration files to raw, located declarations.
//!
//! [`read_dir`] finds the files; `parse_files` turns each into raw declarations (TOML syntax,
//! known keys and value types), reporting problems instead of stopping at the first one.

mod declarations;
pub(crate) mod format;
mod migration;
pub(crate) mod raw;
mod reader;
mod syntax;

use std::path::{Path, PathBuf};

use crate::Error;
use crate::diagnostics::Report;
use raw::Declarations;
use reader::Reader;

/// One declaration file's path and text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as given (used in diagnostics).
    pub path: PathBuf,
    /// Full text.
    pub text: String,
}

/// The directory under a schema directory that holds migrations (one subdirectory per
/// cluster); its files are never read as declarations.
pub const MIGRATIONS_DIR: &str = "migrations";

/// Read every `*.toml` declaration file under `dir` (recursively, except
/// [`MIGRATIONS_DIR`]), sorted by path.
///
/// A missing directory, or one without any declaration file, is an error: generating an empty
/// schema from a mistyped path would only surface later as confusing missing items.
pub fn read_dir(dir: &Path) -> Result<Vec<SourceFile>, Error> {
    let no_declarations = |exists| Error::NoDeclarations {
        dir: dir.to_path_buf(),
        exists,
    };
    if std::fs::metadata(dir).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
        return Err(no_declarations(false));
    }
    let mut paths = Vec::new();
    collect_toml_paths(dir, &dir.join(MIGRATIONS_DIR), &mut paths)?;
    if paths.is_empty() {
        return Err(no_declarations(true));
    }
    read_files(paths)
}

/// Read every `*.toml` directly in `dir` (a cluster's migrations), sorted by path.
pub fn read_toml_files(dir: &Path) -> Result<Vec<SourceFile>, Error> {
    let io_error = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_error)? {
        let path = entry.map_err(io_error)?.path();
        if path.extension().is_some_and(|ext| ext == "toml") && path.is_file() {
            paths.push(path);
        }
    }
    read_files(paths)
}

fn read_files(mut paths: Vec<PathBuf>) -> Result<Vec<SourceFile>, Error> {
    paths.sort();
    paths
        .into_iter()
        .map(|path| match std::fs::read_to_string(&path) {
            Ok(text) => Ok(SourceFile { path, text }),
            Err(source) => Err(Error::Io { path, source }),
        })
        .collect()
}

/// Add the `*.toml` files under `dir` to `paths`, except under `skip`. Symbolic links to
/// directories are not followed, so a link cycle cannot make this loop.
fn collect_toml_paths(dir: &Path, skip: &Path, paths: &mut Vec<PathBuf>) -> Result<(), Error> {
    let io_error = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io_error)? {
        let entry = entry.map_err(io_error)?;
        let path = entry.path();
        if entry.file_type().map_err(io_error)?.is_dir() {
            if path != skip {
                collect_toml_paths(&path, skip, paths)?;
            }
        } else if path.extension().is_some_and(|ext| ext == "toml") && path.is_file() {
            paths.push(path);
        }
    }
    Ok(())
}

/// Parse every file into its raw declarations, reporting problems into `report`. Files with
/// syntax errors yield no declarations; the second value tells whether any file had them.
pub(crate) fn parse_files(
    files: &[SourceFile],
    report: &mut Report<'_>,
) -> (Vec<Declarations>, bool) {
    let mut all = Vec::with_capacity(files.len());
    let mut syntax_errors = false;
    for (index, file) in files.iter().enumerate() {
        match syntax::parse(index, &file.text, report) {
            Some(tree) => all.push(declarations::read(&tree, &mut Reader::new(index, report))),
            None => syntax_errors = true,
        }
    }
    (all, syntax_errors)
}

/// Parse one migration file (number `index` of the run) into its located operations, or
/// report why not.
pub(crate) fn parse_migration(
    index: usize,
    text: &str,
    report: &mut Report<'_>,
) -> Option<Vec<raw::At<crate::migrate::Operation>>> {
    let tree = syntax::parse(index, text, report)?;
    Some(migration::read(&tree, &mut Reader::new(index, report)))
}
