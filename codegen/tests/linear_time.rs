//! Codegen time grows linearly with the size of the declarations, valid or not.
//!
//! Timed as a ratio, not against a clock: 10 times the lines may take at most `MAX_RATIO` times
//! as long (quadratic growth would be about 100 times). Each size is timed a few times and the
//! fastest run kept, so a busy machine does not fail the test.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use switchyard_codegen::parse::SourceFile;
use switchyard_codegen::resolve::resolve_files;

/// Lines of the small input; the large one has ten times as many.
const SMALL: usize = 400;

/// Allowed growth for ten times the input: linear is about 10, quadratic about 100.
const MAX_RATIO: f64 = 30.0;

/// Runs per size; the fastest counts.
const RUNS: usize = 3;

const CLUSTER: &str = "[cluster.primary]\nwriter = \"sqlite:p.db\"\n";

/// One model whose field `a` is declared again on every line.
fn duplicate_keys(lines: usize) -> String {
    let mut text =
        String::from("[model.User.fields]\nid = { type = \"i64\", primary_key = true }\n");
    for _ in 0..lines {
        text.push_str("a = \"string\"\n");
    }
    text
}

/// Lines that are not TOML: garbage, keys without a value, unclosed table headers.
fn broken_lines(lines: usize) -> String {
    let mut text = String::from("[model.User.fields]\n");
    for i in 0..lines {
        match i % 3 {
            0 => text.push_str(&format!("this is line {i} = = of garbage [\n")),
            1 => text.push_str("a =\n"),
            _ => text.push_str("[model.User.fields\n"),
        }
    }
    text
}

/// Valid declarations: models of ten lines each.
fn valid(lines: usize) -> String {
    let mut text = String::new();
    for i in 0..lines / 10 {
        text.push_str(&format!(
            "[model.Model{i}]\ndoc = \"Model number {i}.\"\n[model.Model{i}.fields]\n\
             id = {{ type = \"i64\", primary_key = true }}\nname = {{ type = \"string\", unique = true }}\n\
             body = \"text\"\nowner_id = {{ type = \"i64\", nullable = true }}\n\
             [model.Model{i}.relations]\nowner = {{ belongs_to = \"Model{i}\" }}\n\
             [[model.Model{i}.indexes]]\n"
        ));
        text.push_str("fields = [\"name\", \"owner_id\"]\n");
    }
    text
}

/// Models of ten lines each, each with a relation to a model that does not exist (every one
/// gets a "did you mean" search over all the model names).
fn unknown_models(lines: usize) -> String {
    valid(lines).replace("belongs_to = \"Model", "belongs_to = \"Modle")
}

/// A cluster with a replica per line, each with a literal password (every one an error, and a
/// secret to mask wherever its line is shown).
fn passwords(lines: usize) -> String {
    let mut text = String::from("[cluster.other]\nwriter = \"x\"\nreplicas = [\n");
    for i in 0..lines {
        text.push_str(&format!(
            "\"postgres://app:pw{i}@db/app?password=x&a=${{A}}\",\n"
        ));
    }
    text.push_str("]\n");
    text
}

fn time(text: &str) -> Duration {
    let files = [
        SourceFile {
            path: "schema/db.toml".into(),
            text: CLUSTER.to_owned(),
        },
        SourceFile {
            path: "schema/m.toml".into(),
            text: text.to_owned(),
        },
    ];
    (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let outcome = resolve_files(&files);
            let elapsed = start.elapsed();
            // Rendering is part of what a build waits for.
            if let Err(error) = outcome {
                assert!(!error.to_string().is_empty());
            }
            elapsed
        })
        .min()
        .unwrap_or_default()
}

/// The tests of this file run one at a time: timings taken in parallel disturb each other.
static SERIAL: Mutex<()> = Mutex::new(());

#[track_caller]
fn assert_linear(what: &str, input: fn(usize) -> String) {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let small = time(&input(SMALL));
    let large = time(&input(SMALL * 10));
    // A floor, so a tiny small-case time cannot make the ratio meaningless.
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-4);
    eprintln!(
        "{what}: {SMALL} lines {small:?}, {} lines {large:?}, ratio {ratio:.1}",
        SMALL * 10
    );
    assert!(
        ratio < MAX_RATIO,
        "{what}: ten times the lines took {ratio:.1} times as long ({small:?} -> {large:?})"
    );
}

#[test]
fn duplicate_keys_take_linear_time() {
    assert_linear("duplicate keys", duplicate_keys);
}

#[test]
fn broken_lines_take_linear_time() {
    assert_linear("broken lines", broken_lines);
}

#[test]
fn valid_declarations_take_linear_time() {
    assert_linear("valid declarations", valid);
}

#[test]
fn unknown_names_take_linear_time() {
    assert_linear("unknown models", unknown_models);
}

#[test]
fn literal_passwords_take_linear_time() {
    assert_linear("literal passwords", passwords);
}
