//! Generates the test data layer from the declarations in `schema/`, and the two versions of
//! the schema-evolution test (`evolution/v1`, `evolution/v2`, each with its migrations).
use std::path::PathBuf;

fn main() {
    switchyard_codegen::build("schema");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    for version in ["v1", "v2"] {
        let generated = switchyard_codegen::Builder::new()
            .schema_dir(format!("evolution/{version}"))
            .out_file(out.join(format!("evolution_{version}.rs")))
            .generate();
        if let Err(e) = generated {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
