//! The codegen's one error type.

use std::path::PathBuf;

use crate::diagnostics::Diagnostics;

/// Why generation failed. `Display` is the full text a build script should print.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The declarations have problems; every one found in the run is listed.
    #[error("{0}")]
    Declarations(Diagnostics),
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
