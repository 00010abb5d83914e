//! The JSON Schema of declaration files (`docs/declarations.schema.json`): the checked-in file
//! is the generated one, it is a valid JSON Schema, every declaration file of the repository
//! passes it, and files the build refuses for their shape fail it too.
//!
//! After a change to the format, rewrite the file and review its diff:
//!
//! ```text
//! SWITCHYARD_UPDATE_SNAPSHOTS=1 cargo test -p switchyard-codegen --test json_schema
//! ```
//!
//! (or `switchyard schema > docs/declarations.schema.json`).

use std::path::{Path, PathBuf};

use serde_json::Value;
use switchyard_codegen::parse::SourceFile;

/// Set to `1` to rewrite the checked-in schema instead of comparing against it.
const UPDATE_VAR: &str = "SWITCHYARD_UPDATE_SNAPSHOTS";

/// The repository's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from(".."), Path::to_path_buf)
}

/// The checked-in schema's path.
fn checked_in() -> PathBuf {
    root().join("docs/declarations.schema.json")
}

/// The generated schema, parsed.
fn schema() -> Value {
    serde_json::from_str(&switchyard_codegen::json_schema())
        .unwrap_or_else(|e| panic!("the generated schema is not JSON: {e}"))
}

/// A validator for the generated schema.
fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&schema()).unwrap_or_else(|e| panic!("not a usable schema: {e}"))
}

/// A declaration file's text as the JSON the schema describes.
fn as_json(text: &str, path: &Path) -> Value {
    let table: toml::Table =
        toml::from_str(text).unwrap_or_else(|e| panic!("{} is not TOML: {e}", path.display()));
    serde_json::to_value(table).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The schema's complaints about `text`, one line each.
fn complaints(validator: &jsonschema::Validator, text: &str, path: &Path) -> Vec<String> {
    let instance = as_json(text, path);
    validator
        .iter_errors(&instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn checked_in_schema_is_the_generated_one() {
    let generated = switchyard_codegen::json_schema();
    let path = checked_in();
    if std::env::var_os(UPDATE_VAR).is_some_and(|v| !v.is_empty() && v != "0") {
        std::fs::write(&path, &generated)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let on_disk = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
        .replace("\r\n", "\n");
    assert!(
        on_disk == generated,
        "{} is not what the format generates; rewrite it with\n\n    \
         {UPDATE_VAR}=1 cargo test -p switchyard-codegen --test json_schema\n\n\
         and review its diff",
        path.display()
    );
}

#[test]
fn the_schema_is_a_valid_draft_7_schema() {
    let schema = schema();
    assert_eq!(
        schema["$schema"], "http://json-schema.org/draft-07/schema#",
        "the draft editors read"
    );
    if let Err(e) = jsonschema::meta::validate(&schema) {
        panic!("the schema does not follow its draft: {e}");
    }
}

/// Every `*.toml` under `dir`, except migrations (another format).
fn declaration_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_none_or(|name| name != "migrations") {
                declaration_files(&path, found);
            }
        } else if path.extension().is_some_and(|ext| ext == "toml") {
            found.push(path);
        }
    }
}

#[test]
fn every_declaration_file_of_the_repository_passes() {
    let root = root();
    let mut files = Vec::new();
    for dir in [
        "schema",
        "tests/schema",
        "tests/evolution",
        "codegen/tests/snapshots/small",
        "benches/schema",
    ] {
        declaration_files(&root.join(dir), &mut files);
    }
    assert!(files.len() >= 15, "the declaration files: {files:?}");
    let validator = validator();
    let mut failed = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        for complaint in complaints(&validator, &text, path) {
            failed.push(format!("{}: {complaint}", path.display()));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn the_example_files_name_the_schema() {
    // Taplo and Even Better TOML read `#:schema PATH` at the top of a file, PATH relative to it.
    let dir = root().join("schema");
    let mut files = Vec::new();
    declaration_files(&dir, &mut files);
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let first = text.lines().next().unwrap_or_default();
        let target = first
            .strip_prefix("#:schema ")
            .unwrap_or_else(|| panic!("{} does not start with `#:schema`", path.display()));
        let target = dir.join(target.trim());
        assert_eq!(
            target.canonicalize().ok(),
            checked_in().canonicalize().ok(),
            "{}",
            path.display()
        );
    }
}

/// A cluster, for the files below that are about models.
const CLUSTER: &str = "[cluster.primary]\nwriter = \"sqlite::memory:\"\n";

/// A model with the given lines in its fields table.
fn user(fields: &str) -> String {
    format!(
        "{CLUSTER}[model.User]\n[model.User.fields]\nid = {{ type = \"i64\", primary_key = true }}\n{fields}"
    )
}

#[test]
fn files_of_the_wrong_shape_fail_the_schema_and_the_build() {
    let sharded = |shard: &str| {
        format!("[cluster.animals]\nshard_by = \"range\"\n[cluster.animals.shard.one]\n{shard}")
    };
    let cases = [
        (
            "a misspelt top-level table",
            "[clusters.primary]\nwriter = \"x\"\n".to_owned(),
        ),
        (
            "an unknown cluster key",
            format!("{CLUSTER}replica = [\"y\"]\n"),
        ),
        (
            "an unknown field key",
            user("name = { type = \"string\", nulable = true }\n"),
        ),
        (
            "a quoted boolean",
            user("name = { type = \"string\", unique = \"yes\" }\n"),
        ),
        ("an unknown field type", user("name = \"strng\"\n")),
        (
            "a field table without a type",
            user("name = { nullable = true }\n"),
        ),
        (
            "an unknown policy",
            format!("{CLUSTER}policy = \"fastest\"\n"),
        ),
        (
            "a weight out of range",
            format!("{CLUSTER}replicas = [{{ url = \"y\", weight = 0 }}]\n"),
        ),
        (
            "a pool size that is not a number",
            format!("{CLUSTER}pool = {{ max_connections = \"10\" }}\n"),
        ),
        ("a shard without a writer", sharded("range = [0, 10]\n")),
        (
            "a range of three integers",
            sharded("writer = \"x\"\nrange = [0, 10, 20]\n"),
        ),
        (
            "a relation of two kinds",
            user("[model.User.relations]\nme = { belongs_to = \"User\", has_one = \"User\" }\n"),
        ),
        (
            "a relation of no kind",
            user("[model.User.relations]\nme = { order = \"id\" }\n"),
        ),
        (
            "an index without fields",
            user("[[model.User.indexes]]\nunique = true\n"),
        ),
        (
            "a serde option that is a string",
            format!("{CLUSTER}[options]\nserde = \"yes\"\n"),
        ),
        (
            "an unknown option",
            format!("{CLUSTER}[options]\nserde = true\nderive = true\n"),
        ),
    ];
    let validator = validator();
    for (what, text) in cases {
        let path = Path::new("schema/bad.toml");
        assert!(
            !complaints(&validator, &text, path).is_empty(),
            "the schema accepts {what}:\n{text}"
        );
        let file = SourceFile {
            path: path.to_path_buf(),
            text: text.clone(),
        };
        assert!(
            switchyard_codegen::resolve::resolve_files(&[file]).is_err(),
            "the build accepts {what}:\n{text}"
        );
    }
    // And the same files with the mistake fixed pass both.
    let fixed = [
        user("name = { type = \"string\", nullable = true, unique = true }\n"),
        format!("{CLUSTER}policy = \"least_busy\"\nreplicas = [{{ url = \"y\", weight = 2 }}]\n"),
        format!("{CLUSTER}[options]\nserde = true\n"),
    ];
    for text in fixed {
        let path = Path::new("schema/good.toml");
        assert_eq!(
            complaints(&validator, &text, path),
            Vec::<String>::new(),
            "{text}"
        );
        let file = SourceFile {
            path: path.to_path_buf(),
            text: text.clone(),
        };
        if let Err(e) = switchyard_codegen::resolve::resolve_files(&[file]) {
            panic!("{e}\n{text}");
        }
    }
}
