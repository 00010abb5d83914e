//! Fuzz the codegen front end (parse → resolve → emit, nothing written): no input may panic.
//!
//! The input is split into declaration files at lines that are exactly `#---`, so one input can
//! hold clusters and models in separate files, as real schemas do.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchyard_codegen::parse::SourceFile;

/// The line that separates two files of one input.
const SEPARATOR: &str = "\n#---\n";

fuzz_target!(|data: &[u8]| {
    // Declaration files are UTF-8 (reading one that is not is an I/O error, before parsing).
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let files: Vec<SourceFile> = text
        .split(SEPARATOR)
        .enumerate()
        .map(|(i, text)| SourceFile {
            path: format!("schema/{i}.toml").into(),
            text: text.to_owned(),
        })
        .collect();
    match switchyard_codegen::front_end(&files) {
        Ok(source) => assert!(!source.is_empty()),
        Err(error) => assert!(!error.to_string().is_empty()),
    }
});
