//! TOML syntax: text to a spanned tree, or located syntax errors.
//!
//! TOML itself rejects a key declared twice in one file (`[model.User]` twice, a field listed
//! twice), but `toml::de::Error` only carries the second place. Those errors are rewritten to say
//! what was declared twice and where it was first declared, like duplicates across files.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use crate::diagnostics::{Loc, MAX_PER_FILE, Report};

/// Parse `text` (file number `file` of the run). On syntax errors, report and return `None`:
/// a tree recovered from broken syntax would only produce misleading follow-up errors.
///
/// Only the first syntax error is reported: the parser resynchronises after it, but what it
/// finds then is mostly a consequence (an unclosed `{` makes every later line an error), so
/// naming the cause is worth more than listing later errors. Duplicate keys are not syntax
/// errors in that sense: each one before the first syntax error is reported, up to
/// [`MAX_PER_FILE`], and the rest only counted (finding where a key was first declared parses
/// the file again, so doing it for every duplicate would take quadratic time).
pub(crate) fn parse<'i>(
    file: usize,
    text: &'i str,
    report: &mut Report<'_>,
) -> Option<DeTable<'i>> {
    let (tree, errors) = DeTable::parse_recoverable(text);
    if errors.is_empty() {
        return Some(tree.into_inner());
    }
    let mut errors: Vec<_> = errors
        .into_iter()
        .map(|error| (error.span().unwrap_or(0..0), error))
        .collect();
    errors.sort_by_key(|(span, _)| span.start);
    let first_syntax = errors
        .iter()
        .position(|(_, error)| error.message() != DUPLICATE);
    let duplicates = first_syntax.unwrap_or(errors.len());
    for (span, _) in errors.iter().take(duplicates.min(MAX_PER_FILE)) {
        let loc = Loc {
            file,
            span: span.clone(),
        };
        report_duplicate(text, &loc, report);
    }
    report.omit(file, duplicates.saturating_sub(MAX_PER_FILE));
    if let Some((span, error)) = first_syntax.and_then(|i| errors.get(i)) {
        let loc = Loc {
            file,
            span: span.clone(),
        };
        match unclosed(text).filter(|(opened, _)| opened.start <= span.start) {
            Some((opened, what)) => {
                let stopped = report.at(&loc, "");
                let opened = Loc { file, span: opened };
                report.error_with_hint(
                    &opened,
                    format!("invalid TOML: unclosed {what}"),
                    format!(
                        "close it where it should end; the TOML parser gave up at line {}, \
                         column {}: {}",
                        stopped.line,
                        stopped.column,
                        error.message()
                    ),
                );
            }
            None => report.error(&loc, format!("invalid TOML: {}", error.message())),
        }
    }
    None
}

/// The message of the TOML parser for a key declared twice.
const DUPLICATE: &str = "duplicate key";

/// The first bracket or string of `text` that is never closed, and what it is (`` `{` ``,
/// `` `[` `` or "string"). A light TOML lexer: comments, the four kinds of strings (with
/// escapes), brackets of values (which may span lines) and of table headers (which may not).
/// `None` when everything opened is closed, or brackets are mismatched (then the parser's own
/// message says more than "unclosed").
fn unclosed(text: &str) -> Option<(Range<usize>, &'static str)> {
    let bytes = text.as_bytes();
    // Open brackets: offset, byte, and whether it belongs to a table header.
    let mut open: Vec<(usize, u8, bool)> = Vec::new();
    let mut line_start = true;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\n' => {
                if let Some(&(at, _, _)) = open.iter().find(|(_, _, header)| *header) {
                    return Some((at..at + 1, "`[`"));
                }
                line_start = true;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => {
                i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
                continue;
            }
            b'"' | b'\'' => {
                let triple = if b == b'"' { "\"\"\"" } else { "'''" };
                let multi_line = text[i..].starts_with(triple);
                let delimiter = if multi_line { triple } else { &triple[..1] };
                match string_end(text, i + delimiter.len(), delimiter, b == b'"', multi_line) {
                    Some(end) => i = end,
                    None => return Some((i..i + delimiter.len(), "string")),
                }
            }
            b'[' | b'{' => {
                let header = b == b'[' && (line_start || open.last().is_some_and(|o| o.2));
                open.push((i, b, header));
                i += 1;
            }
            b']' | b'}' => {
                let opener = if b == b']' { b'[' } else { b'{' };
                match open.pop() {
                    Some((_, o, _)) if o == opener => {}
                    _ => return None,
                }
                i += 1;
            }
            _ => i += 1,
        }
        line_start = false;
    }
    let &(at, b, _) = open.first()?;
    Some((at..at + 1, if b == b'[' { "`[`" } else { "`{`" }))
}

/// The byte after the end of the string whose body starts at `body`, or `None` when it is not
/// closed (by the end of its line, for a single-line string).
fn string_end(
    text: &str,
    body: usize,
    delimiter: &str,
    escapes: bool,
    multi_line: bool,
) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = body;
    while let Some(&b) = bytes.get(i) {
        if escapes && b == b'\\' {
            i += 2;
            continue;
        }
        if !multi_line && b == b'\n' {
            return None;
        }
        if text
            .get(i..)
            .is_some_and(|rest| rest.starts_with(delimiter))
        {
            let mut end = i + delimiter.len();
            // Up to two more quotes still end a multi-line string (`""""` is `"` then the end).
            while multi_line && end - i < 5 && bytes.get(end) == Some(&delimiter.as_bytes()[0]) {
                end += 1;
            }
            return Some(end);
        }
        i += 1;
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

    fn unclosed_at(text: &str) -> Option<(usize, &'static str)> {
        unclosed(text).map(|(span, what)| (span.start, what))
    }

    #[test]
    fn finds_what_is_not_closed() {
        assert_eq!(unclosed_at("a = { b = 1\nc = 2\n"), Some((4, "`{`")));
        assert_eq!(unclosed_at("a = [1,\n2,\n[3]\n"), Some((4, "`[`")));
        assert_eq!(unclosed_at("[model.User\nx = 1\n"), Some((0, "`[`")));
        assert_eq!(unclosed_at("x = 1\n[[a.b]\n"), Some((6, "`[`")));
        assert_eq!(unclosed_at("a = \"x\nb = 1\n"), Some((4, "string")));
        assert_eq!(unclosed_at("a = 'x\n"), Some((4, "string")));
        assert_eq!(unclosed_at("a = \"\"\"x\n\ny = 1"), Some((4, "string")));
        assert_eq!(unclosed_at("a = '''x\n"), Some((4, "string")));
    }

    #[test]
    fn closed_text_has_nothing_unclosed() {
        for text in [
            "a = { b = [1, { c = \"]}\" }], d = '{' } # [ {\n",
            "[[model.User.indexes]]\nfields = [\n  \"a\",\n]\n",
            "a = \"\"\"x\"\"\"\"\nb = '''y''''\nc = \"\\\"\"\n",
            "\"[key\" = 1\n[\"a]\".b]\n",
            "a = [1 2]\n",
            "a = \"é\" # ü {\n",
        ] {
            assert_eq!(unclosed_at(text), None, "{text}");
        }
        // Mismatched, not unclosed: the parser's message is better.
        assert_eq!(unclosed_at("a = [1}\n"), None);
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
