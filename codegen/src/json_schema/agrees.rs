//! The format and the parser agree: for every key of every table the format describes, at the
//! place the declarations write it, a value of the wrong kind is refused by the build, an
//! unknown key beside it is reported, and so is a table without a required key.
//!
//! Names cannot drift (the parser checks keys against the format's lists), but each key is read
//! by a reader chosen where it is read; this is what keeps the schema's type of a key the type
//! the parser reads it as.

use crate::Error;
use crate::diagnostics::Diagnostic;
use crate::parse::SourceFile;
use crate::parse::format::{self, Table, Value};

/// Where a table is written in a file: the header that opens it (none for the top level).
struct Place {
    header: String,
    table: &'static Table,
}

/// Every table reachable from the top level, each at one place, named `a` where the
/// declarations choose a name.
fn places() -> Vec<Place> {
    let mut all = vec![Place {
        header: String::new(),
        table: &format::TOP,
    }];
    let mut next = 0;
    while let Some(place) = all.get(next) {
        let (path, table) = (path_of(&place.header).to_owned(), place.table);
        next += 1;
        for key in table.keys {
            let path = if path.is_empty() {
                key.name.to_owned()
            } else {
                format!("{path}.{}", key.name)
            };
            if let Some((header, table)) = header_in(&key.value, &path) {
                all.push(Place { header, table });
            }
        }
    }
    all
}

/// The dotted path of a header (`[[a.b]]` → `a.b`).
fn path_of(header: &str) -> &str {
    header.trim_matches(['[', ']'])
}

/// The header of the table a value of kind `value` at `path` holds, if it holds one.
fn header_in(value: &Value, path: &str) -> Option<(String, &'static Table)> {
    match value {
        Value::Table(table) => Some((format!("[{path}]"), table)),
        Value::Named(each) => match each {
            Value::Array { item, .. } => {
                table_in(item).map(|table| (format!("[[{path}.a]]"), table))
            }
            other => table_in(other).map(|table| (format!("[{path}.a]"), table)),
        },
        Value::Array { item, .. } => table_in(item).map(|table| (format!("[[{path}]]"), table)),
        _ => None,
    }
}

/// The table a value may be written as (itself, or one of its alternatives).
fn table_in(value: &Value) -> Option<&'static Table> {
    match value {
        Value::Table(table) => Some(table),
        Value::AnyOf(kinds) => kinds.iter().find_map(table_in),
        _ => None,
    }
}

/// A value of a kind that `value` is not.
fn wrong(value: &Value) -> &'static str {
    match value {
        Value::Bool | Value::Int { .. } => "\"1\"",
        Value::String | Value::Choice(_) => "1",
        // A literal of no type a field takes.
        Value::Literal => "[1]",
        Value::Table(_) | Value::Named(_) | Value::Array { .. } | Value::AnyOf(_) => "true",
    }
}

/// A value of the kind `value` is, for the required keys beside the one tested.
fn right(value: &Value) -> String {
    match value {
        Value::Bool => "true".to_owned(),
        Value::Int { min, .. } => (*min).max(1).to_string(),
        Value::String | Value::Literal => "\"x\"".to_owned(),
        Value::Choice(names) => format!("{:?}", names().first().copied().unwrap_or_default()),
        Value::Table(_) | Value::Named(_) => "{}".to_owned(),
        Value::Array { .. } => "[]".to_owned(),
        Value::AnyOf(kinds) => kinds.first().map_or_else(String::new, right),
    }
}

/// The problems the whole front end reports for one file.
fn problems(text: &str) -> Vec<Diagnostic> {
    let file = SourceFile {
        path: "schema/test.toml".into(),
        text: text.to_owned(),
    };
    match crate::resolve::resolve_files(&[file]) {
        Ok(_) => Vec::new(),
        Err(Error::Declarations(found)) => found.iter().cloned().collect(),
        Err(other) => panic!("{other}\n{text}"),
    }
}

/// The lines of a table at `place` with `key = value` on its own line, its required keys
/// before it; and the line number of `key = value`.
fn document(place: &Place, key: &str, value: &str) -> (String, usize) {
    let mut lines: Vec<String> = Vec::new();
    if !place.header.is_empty() {
        lines.push(place.header.clone());
    }
    for required in place
        .table
        .keys
        .iter()
        .filter(|k| k.required && k.name != key)
    {
        lines.push(format!("{} = {}", required.name, right(&required.value)));
    }
    lines.push(format!("{key} = {value}"));
    (lines.join("\n") + "\n", lines.len())
}

#[test]
fn every_key_is_read_as_the_kind_the_format_says() {
    let places = places();
    assert!(places.len() >= 11, "every table is reached");
    for place in &places {
        for key in place.table.keys {
            let (text, line) = document(place, key.name, wrong(&key.value));
            let found = problems(&text);
            assert!(
                found.iter().any(|d| d.line == line),
                "a value of the wrong kind for `{}` is not refused:\n{text}\n{found:#?}",
                key.name
            );
            let unknown = format!("unknown key {:?}", key.name);
            assert!(
                !found.iter().any(|d| d.message.starts_with(&unknown)),
                "`{}` is in the format but unknown to the parser:\n{text}\n{found:#?}",
                key.name
            );
            // And a value of the right kind is read as one: no "`key` must be A, not B".
            let (text, line) = document(place, key.name, &right(&key.value));
            let found = problems(&text);
            let mismatch = format!("`{}` must be ", key.name);
            assert!(
                !found
                    .iter()
                    .any(|d| d.line == line && d.message.starts_with(&mismatch)),
                "a value of the kind the format says for `{}` is refused:\n{text}\n{found:#?}",
                key.name
            );
        }
    }
}

#[test]
fn unknown_and_missing_keys_are_reported() {
    for place in places() {
        let (text, line) = document(&place, "not_a_key", "1");
        let found = problems(&text);
        assert!(
            found
                .iter()
                .any(|d| d.line == line && d.message.starts_with("unknown key \"not_a_key\"")),
            "an unknown key is not reported:\n{text}\n{found:#?}"
        );
        // An empty table: the keys reported missing are the ones the format requires.
        let text = format!("{}\n", place.header);
        let mut missing: Vec<&str> = problems(&text)
            .iter()
            .filter_map(|d| {
                let (_, rest) = d.message.split_once("has no `")?;
                let (key, _) = rest.split_once('`')?;
                place
                    .table
                    .keys
                    .iter()
                    .find(|k| k.name == key)
                    .map(|k| k.name)
            })
            .collect();
        missing.sort_unstable();
        let mut required: Vec<&str> = place
            .table
            .keys
            .iter()
            .filter(|key| key.required)
            .map(|key| key.name)
            .collect();
        required.sort_unstable();
        assert_eq!(missing, required, "the required keys of {text}");
        if !place.table.exactly_one_of.is_empty() {
            let text = format!("{}\n", place.header);
            let found = problems(&text);
            let list = place.table.exactly_one_of.join(", ");
            assert!(
                found.iter().any(|d| d.message.contains(&list)),
                "a table without any of {list} is not reported:\n{text}\n{found:#?}"
            );
        }
    }
}

#[test]
fn integer_ranges_are_the_parsers() {
    for place in places() {
        for key in place.table.keys {
            let Value::Int { min, max } = key.value else {
                continue;
            };
            for (outside, bound) in [(min.checked_sub(1), min), (max.checked_add(1), max)] {
                let Some(outside) = outside else { continue };
                // Inside a declaration that is otherwise complete, so the range is checked.
                let Some(text) = complete(&place, key.name, outside) else {
                    continue;
                };
                let found = problems(&text);
                let expected = if outside < bound {
                    format!("`{}` must be at least {bound}, not {outside}", key.name)
                } else {
                    format!("`{}` must be at most {bound}, not {outside}", key.name)
                };
                assert!(
                    found.iter().any(|d| d.message == expected),
                    "{expected}:\n{text}\n{found:#?}"
                );
            }
        }
    }
}

/// A whole valid declaration with `key = value` in the table at `place`, for the tables whose
/// integers are range-checked once the rest is valid.
fn complete(place: &Place, key: &str, value: i64) -> Option<String> {
    let cluster = "[cluster.a]\nwriter = \"sqlite::memory:\"\n";
    let model = "[model.A]\n[model.A.fields]\nid = { type = \"i64\", primary_key = true }\n";
    let relation = "[model.A.relations]\nall = { has_many = \"A\", foreign_key = \"id\", ";
    Some(match place.header.as_str() {
        "[cluster.a]" => format!("{cluster}{key} = {value}\n"),
        "[cluster.a.health]" | "[cluster.a.pool]" => {
            format!("{cluster}{}\n{key} = {value}\n", place.header)
        }
        "[[cluster.a.replicas]]" => {
            format!("{cluster}replicas = [{{ url = \"sqlite::memory:\", {key} = {value} }}]\n")
        }
        "[model.a.relations.a]" => format!("{cluster}{model}{relation}{key} = {value} }}\n"),
        _ => return None,
    })
}
