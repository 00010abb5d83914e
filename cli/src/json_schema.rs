//! `switchyard schema`: the JSON Schema of declaration files, for editors to complete and check
//! them with (Taplo, Even Better TOML: `#:schema PATH` at the top of a file). The same text as
//! the repository's `docs/declarations.schema.json`, for an app to keep a copy of its own.

use std::io::Write as _;

use crate::output::{Exit, Failure};

/// Print the schema to stdout. Needs no declarations.
pub fn print() -> Result<Exit, Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(switchyard_codegen::json_schema().as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::failed(format!("cannot write the schema: {e}")))?;
    Ok(Exit::Ok)
}
