//! `serde = true` in the generated source: the derives, through the runtime's re-export, on the
//! three structs of the models that have it and on no other; the patch fields' attributes; and
//! the helper those name, only where something names it. (The snapshot shows the whole output
//! and `tests/tests/snapshot_compiles.rs` round-trips it through serde_json.)

use switchyard_codegen::parse::SourceFile;

/// The generated source of a cluster file and `models`.
fn generate(models: &str) -> String {
    let files = [
        (
            "schema/db.toml",
            "[cluster.main]\nwriter = \"sqlite::memory:\"\n",
        ),
        ("schema/models.toml", models),
    ]
    .map(|(path, text)| SourceFile {
        path: path.into(),
        text: text.to_owned(),
    });
    switchyard_codegen::front_end(&files).unwrap_or_else(|e| panic!("{e}"))
}

/// The attributes right above `pub struct NAME {` (or `{}` for an empty struct).
fn attributes<'s>(source: &'s str, name: &str) -> Vec<&'s str> {
    let lines: Vec<&str> = source.lines().collect();
    let at = lines
        .iter()
        .position(|line| line.starts_with(&format!("pub struct {name} {{")))
        .unwrap_or_else(|| panic!("no struct {name}"));
    lines[..at]
        .iter()
        .rev()
        .take_while(|line| line.starts_with("#["))
        .copied()
        .collect()
}

const DERIVE: &str = "#[derive(::switchyard::serde::Serialize, ::switchyard::serde::Deserialize)]";

#[test]
fn derives_on_the_models_that_have_serde() {
    let source = generate(
        "[options]\nserde = true\n\
         [model.Note]\n[model.Note.fields]\nid = { type = \"i64\", primary_key = true }\n\
         body = { type = \"text\", nullable = true }\n\
         [model.Log]\nserde = false\n[model.Log.fields]\nid = { type = \"i64\", primary_key = true }\n\
         line = \"text\"\n",
    );
    for name in ["Note", "NewNote", "NotePatch"] {
        let attributes = attributes(&source, name);
        assert!(attributes.contains(&DERIVE), "{name}: {attributes:?}");
    }
    assert!(attributes(&source, "Note").contains(&"#[serde(crate = \"::switchyard::serde\")]"));
    assert!(
        attributes(&source, "NotePatch")
            .contains(&"#[serde(crate = \"::switchyard::serde\", default)]"),
        "a patch's missing fields are unchanged"
    );
    for name in ["Log", "NewLog", "LogPatch"] {
        assert!(
            !attributes(&source, name).contains(&DERIVE),
            "`serde = false` on the model wins"
        );
    }
    let patch_field = "deserialize_with = \"__switchyard_serde_present\"";
    assert_eq!(
        source.matches(patch_field).count(),
        1,
        "one patch field with serde: NotePatch.body"
    );
    assert!(source.contains("fn __switchyard_serde_present<'de, D, T>("));
}

#[test]
fn no_helper_without_a_patch_field_to_use_it() {
    // A model whose only field is its key has an empty patch: nothing would call the helper.
    let source = generate(
        "[model.Tag]\nserde = true\n[model.Tag.fields]\nname = { type = \"string\", primary_key = true }\n",
    );
    assert!(attributes(&source, "TagPatch").contains(&DERIVE));
    assert!(!source.contains("__switchyard_serde_present"), "{source}");
    let without = generate(
        "[model.Tag]\n[model.Tag.fields]\nname = { type = \"string\", primary_key = true }\n",
    );
    assert!(!without.contains("serde"), "no serde unless asked");
}
