//! URL templates: `${VAR}` and `${VAR:-default}` placeholders, expanded by the runtime.
//!
//! Only the syntax is checked here (the values are read at run time). Any `$` not followed by
//! `{` is a literal character, so passwords containing `$` need no escaping.

use std::ops::Range;

use crate::diagnostics::{Loc, Report};
use crate::parse::raw::At;

/// Report every malformed placeholder in `template` (`what` names it, e.g. "writer URL").
pub(crate) fn check(report: &mut Report<'_>, template: &At<String>, what: &str) {
    if template.value.trim().is_empty() {
        report.error(&template.loc, format!("{what} is empty"));
        return;
    }
    for (range, message) in problems(&template.value) {
        let loc = locate(report, template, range);
        report.error_with_hint(
            &loc,
            format!("{message} in {what}"),
            "placeholders are `${NAME}` or `${NAME:-default}`, NAME matching [A-Za-z_][A-Za-z0-9_]*",
        );
    }
}

/// Malformed placeholders: their byte range in `template` (starting at the `$`) and what is
/// wrong with each.
fn problems(template: &str) -> Vec<(Range<usize>, String)> {
    let mut found = Vec::new();
    let mut rest_start = 0;
    while let Some(offset) = template[rest_start..].find("${") {
        let start = rest_start + offset;
        let body_start = start + 2;
        let Some(close) = template[body_start..].find('}').map(|i| body_start + i) else {
            found.push((start..body_start, "unclosed `${`".to_owned()));
            break;
        };
        if let Err(message) = check_body(&template[body_start..close]) {
            found.push((start..close + 1, message));
        }
        rest_start = close + 1;
    }
    found
}

/// Check what is between `${` and `}`.
fn check_body(body: &str) -> Result<(), String> {
    let name_len = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(body.len());
    let (name, after) = body.split_at(name_len);
    if name.is_empty() {
        return Err("empty variable name in `${...}`".to_owned());
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!("invalid variable name {name:?}"));
    }
    if after.is_empty() {
        return Ok(());
    }
    match after.strip_prefix(":-") {
        Some(default) if default.contains("${") => Err(format!(
            "nested `${{` in the default of {name:?} (not supported)"
        )),
        Some(_) => Ok(()),
        None => {
            let unexpected = after.chars().next().unwrap_or('}');
            Err(format!(
                "unexpected `{unexpected}` after variable name {name:?} (expected `}}` or `:-default}}`)"
            ))
        }
    }
}

/// The location of `range` of the template's value in the source: exact when the literal is
/// written verbatim between its quotes (no escapes, not multi-line), else the whole literal.
fn locate(report: &Report<'_>, template: &At<String>, range: Range<usize>) -> Loc {
    let verbatim = report.source(&template.loc).is_some_and(|raw| {
        let quoted = |q: char| raw.strip_prefix(q).and_then(|r| r.strip_suffix(q));
        quoted('"').or_else(|| quoted('\'')) == Some(template.value.as_str())
    });
    if !verbatim {
        return template.loc.clone();
    }
    let inner = template.loc.span.start + 1;
    Loc {
        file: template.loc.file,
        span: inner + range.start..inner + range.end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(template: &str) -> Vec<(usize, String)> {
        problems(template)
            .into_iter()
            .map(|(range, message)| (range.start, message))
            .collect()
    }

    #[test]
    fn valid_templates() {
        for ok in [
            "sqlite:data/a.sqlite3",
            "${DATABASE_URL}",
            "${DATABASE_URL:-sqlite:data/primary.sqlite3?mode=ro}",
            "postgres://u:pa$$word@${HOST:-localhost}/db",
            "${_X1}${Y:-}",
            "$",
            "${A:-x:-y}",
        ] {
            assert_eq!(messages(ok), [], "{ok}");
        }
    }

    #[test]
    fn malformed_templates() {
        assert_eq!(messages("x${A"), [(1, "unclosed `${`".to_owned())]);
        assert_eq!(
            messages("${}"),
            [(0, "empty variable name in `${...}`".to_owned())]
        );
        assert_eq!(messages("${:-x}")[0].1, "empty variable name in `${...}`");
        assert_eq!(
            messages("ab${1X}")[0],
            (2, "invalid variable name \"1X\"".to_owned())
        );
        assert_eq!(
            messages("${A-B}")[0].1,
            "unexpected `-` after variable name \"A\" (expected `}` or `:-default}`)"
        );
        assert!(messages("${A:x}")[0].1.starts_with("unexpected `:`"));
        assert_eq!(messages("${Ä}")[0].1, "empty variable name in `${...}`");
        assert_eq!(
            messages("${A:-${B}}")[0].1,
            "nested `${` in the default of \"A\" (not supported)"
        );
        assert_eq!(messages("${A} ${} ${B").len(), 2);
    }
}
