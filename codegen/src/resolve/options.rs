//! `[options]`: settings for the whole schema, which any one file may declare.
//!
//! Options are merged like clusters and models: an option set in two places (two files, since
//! TOML itself rejects a key set twice in one) is reported with both places, so which value
//! applies never depends on the order the files happen to be read in.

use crate::diagnostics::Report;
use crate::parse::raw::{At, RawOptions};

/// The merged options, with their defaults applied.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Options {
    /// `serde`: derive serde's traits on the structs of every model that does not say otherwise.
    pub serde: bool,
}

/// Merge every file's `[options]`, reporting an option set twice (the first one is kept).
pub(crate) fn merge<'a>(
    all: impl IntoIterator<Item = &'a RawOptions>,
    report: &mut Report<'_>,
) -> Options {
    let mut serde: Option<&At<bool>> = None;
    for value in all.into_iter().filter_map(|options| options.serde.as_ref()) {
        match serde {
            Some(first) => report.duplicate_with_hint(
                &value.loc,
                "option `serde` is set twice",
                &first.loc,
                "`[options]` apply to every declaration file: set each option in one file",
            ),
            None => serde = Some(value),
        }
    }
    Options {
        serde: serde.is_some_and(|value| value.value),
    }
}
