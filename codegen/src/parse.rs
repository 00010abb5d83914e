//! Parse stage: declaration files to raw, located declarations.
//!
//! [`read_dir`] finds the files; `parse_files` turns each into raw declarations (TOML syntax,
//! known keys and value types), reporting problems instead of stopping at the first one.

mod declarations;
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

/// Read every `*.toml` under `dir` (recursively), sorted by path.
///
/// A missing directory, or one without any declaration file, is an error: generating an empty
/// schema from a mistyped path would only surface later as confusing missing items.
pub fn read_dir(dir: &Path) -> Result<Vec<SourceFile>, Error> {
    let mut paths = Vec::new();
    collect_toml_paths(dir, &mut paths)?;
    if paths.is_empty() {
        return Err(Error::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no `*.toml` declaration files in this directory or below it",
            ),
        });
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| match std::fs::read_to_string(&path) {
            Ok(text) => Ok(SourceFile { path, text }),
            Err(source) => Err(Error::Io { path, source }),
        })
        .collect()
}

/// Add the `*.toml` files under `dir` to `paths`. Symbolic links to directories are not
/// followed, so a link cycle cannot make this loop.
fn collect_toml_paths(dir: &Path, paths: &mut Vec<PathBuf>) -> Result<(), Error> {
    let io_error = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io_error)? {
        let entry = entry.map_err(io_error)?;
        let path = entry.path();
        if entry.file_type().map_err(io_error)?.is_dir() {
            collect_toml_paths(&path, paths)?;
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
