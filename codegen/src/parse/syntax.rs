//! TOML syntax: text to a spanned tree, or located syntax errors.
//!
//! TOML itself rejects a key declared twice in one file (`[model.User]` twice, a field listed
//! twice), but `toml::de::Error` only carries the second place. Those errors are rewritten to say
//! what was declared twice and where it was first declared, like duplicates across files.

use std::collections::HashSet;
use std::ops::Range;

use toml::de::{DeTable, DeValue};

use crate::diagnostics::{Loc, Report};

/// Parse `text` (file number `file` of the run). On syntax errors, report every one and return
/// `None`: a tree recovered from broken syntax would only produce misleading follow-up errors.
pub(crate) fn parse<'i>(
    file: usize,
    text: &'i str,
    report: &mut Report<'_>,
) -> Option<DeTable<'i>> {
    let (tree, errors) = DeTable::parse_recoverable(text);
    if errors.is_empty() {
        return Some(tree.into_inner());
    }
    // Recovery often reports a second, derived error on the same line (`x = = 1` is an "extra
    // `=`" and then an "unexpected value"); only the first of each line is worth reading.
    let mut errors: Vec<_> = errors
        .into_iter()
        .map(|error| (error.span().unwrap_or(0..0), error))
        .collect();
    errors.sort_by_key(|(span, _)| span.start);
    let mut seen_lines = HashSet::new();
    for (span, error) in errors {
        let line = text
            .get(..span.start)
            .map_or(0, |before| before.matches('\n').count());
        if !seen_lines.insert(line) {
            continue;
        }
        let loc = Loc { file, span };
        if error.message() == "duplicate key" {
            report_duplicate(text, &loc, report);
        } else {
            report.error(&loc, format!("invalid TOML: {}", error.message()));
        }
    }
    None
}

/// One step of a path from the root of a tree to a key.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Item(usize),
}

/// Report the duplicate key at `loc`, naming what it declares and where it was first declared.
fn report_duplicate(text: &str, loc: &Loc, report: &mut Report<'_>) {
    match first_declaration(text, loc.span.clone()) {
        Some((path, first)) => {
            let first = Loc {
                file: loc.file,
                span: first,
            };
            report.duplicate(
                loc,
                format!("{} is declared twice", describe(&path)),
                &first,
            );
        }
        None => {
            let key = text.get(loc.span.clone()).unwrap_or_default();
            report.error(loc, format!("key {key} is declared twice"));
        }
    }
}

/// The path of the duplicate key at `dup` and the span of its first declaration.
///
/// The tree TOML recovers from a duplicate has lost one of the two places, so the duplicate is
/// renamed to a fresh key and the text parsed again: the fresh key's path is the duplicate's
/// path, and under that path the original name now leads to the first declaration only.
fn first_declaration(text: &str, dup: Range<usize>) -> Option<(Vec<String>, Range<usize>)> {
    const FRESH: &str = "__switchyard_duplicate_key__";
    let name = decode_key(text.get(dup.clone())?)?;
    let patched = format!("{}{FRESH}{}", text.get(..dup.start)?, text.get(dup.end..)?);
    let (tree, _) = DeTable::parse_recoverable(&patched);
    let mut path = path_to_key(tree.get_ref(), dup.start, 0)?;
    path.pop();
    let parent = follow(tree.get_ref(), &path)?;
    let (first, _) = parent.get_key_value(name.as_str())?;
    let mut names: Vec<String> = path
        .into_iter()
        .filter_map(|step| match step {
            Step::Key(key) => Some(key),
            Step::Item(_) => None,
        })
        .collect();
    names.push(name);
    Some((names, first.span()))
}

/// The name a key spells (`"id"` and `id` are the same key).
fn decode_key(raw: &str) -> Option<String> {
    let probe = format!("{raw} = 0");
    let tree = DeTable::parse(&probe).ok()?;
    let (key, _) = tree.get_ref().iter().next()?;
    Some(key.get_ref().to_string())
}

/// Deepest nesting searched; declarations are a few levels deep, fuzzed input can be any depth.
const MAX_DEPTH: usize = 16;

/// The path to the key whose span starts at `start`.
fn path_to_key(table: &DeTable<'_>, start: usize, depth: usize) -> Option<Vec<Step>> {
    for (key, value) in table.iter() {
        if key.span().start == start {
            return Some(vec![Step::Key(key.get_ref().to_string())]);
        }
        if let Some(mut path) = path_in_value(value.get_ref(), start, depth + 1) {
            path.insert(0, Step::Key(key.get_ref().to_string()));
            return Some(path);
        }
    }
    None
}

fn path_in_value(value: &DeValue<'_>, start: usize, depth: usize) -> Option<Vec<Step>> {
    if depth > MAX_DEPTH {
        return None;
    }
    match value {
        DeValue::Table(table) => path_to_key(table, start, depth),
        DeValue::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            let mut path = path_in_value(item.get_ref(), start, depth + 1)?;
            path.insert(0, Step::Item(i));
            Some(path)
        }),
        _ => None,
    }
}

/// The table at `path`.
fn follow<'a, 'i>(mut table: &'a DeTable<'i>, path: &[Step]) -> Option<&'a DeTable<'i>> {
    let mut steps = path.iter().peekable();
    while let Some(step) = steps.next() {
        let Step::Key(key) = step else { return None };
        let mut value = table.get(key.as_str())?.get_ref();
        while let Some(Step::Item(i)) = steps.peek() {
            value = value.as_array()?.get(*i)?.get_ref();
            steps.next();
        }
        table = value.as_table()?;
    }
    Some(table)
}

/// What a path declares, in the words of the declaration format.
fn describe(path: &[String]) -> String {
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    match path.as_slice() {
        ["cluster", cluster] => format!("cluster {cluster:?}"),
        ["cluster", cluster, "shard", shard] => {
            format!("shard {shard:?} of cluster {cluster:?}")
        }
        ["cluster", cluster, "roles", role] => format!("role {role:?} of cluster {cluster:?}"),
        ["cluster", cluster, "shard", shard, "roles", role] => {
            format!("role {role:?} of shard {shard:?} of cluster {cluster:?}")
        }
        ["model", model] => format!("model {model:?}"),
        ["model", model, "fields", field] => format!("field {field:?} of model {model:?}"),
        [.., key] => format!("key {key:?}"),
        [] => "a key".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(text: &str, dup: &str) -> Option<(Vec<String>, String)> {
        let at = text.rfind(dup)?;
        let (path, span) = first_declaration(text, at..at + dup.len())?;
        Some((path, format!("{}@{}", &text[span.clone()], span.start)))
    }

    #[test]
    fn finds_first_table_header() {
        let text = "[model.User]\ntable = \"a\"\n[model.Post]\n[model.User]\n";
        let (path, first) = first(text, "User").expect("found");
        assert_eq!(path, ["model", "User"]);
        assert_eq!(first, "User@7");
        assert_eq!(describe(&path), "model \"User\"");
    }

    #[test]
    fn finds_first_field_even_quoted() {
        let text = "[model.User.fields]\nid = \"i64\"\nname = \"string\"\n\"id\" = \"string\"\n";
        let (path, first) = first(text, "\"id\"").expect("found");
        assert_eq!(describe(&path), "field \"id\" of model \"User\"");
        assert_eq!(first, "id@20");
    }

    #[test]
    fn finds_keys_inside_arrays_of_tables() {
        let text = "[[model.User.indexes]]\nname = \"a\"\nname = \"b\"\n";
        let (path, first) = first(text, "name").expect("found");
        assert_eq!(path, ["model", "User", "indexes", "name"]);
        assert_eq!(first, "name@23");
    }
}
