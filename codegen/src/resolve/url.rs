//! URL templates: `${VAR}` and `${VAR:-default}` placeholders, expanded by the runtime.
//!
//! Only the syntax is checked here (the values are read at run time), plus one rule about
//! content: a password is never written in a declaration file, which is checked in and
//! printed in build logs. It comes from a variable (`postgres://app:${APP_DB_PASSWORD}@db/app`).
//! Any `$` not followed by `{` is a literal character.

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
    for range in literal_passwords(&template.value) {
        let loc = locate(report, template, range);
        // The rendered source line shows the password as `*`s, on this diagnostic and on any
        // other of the same line; the message never quotes it.
        report.secret(&loc);
        report.error_with_hint(
            &loc,
            format!("literal password in {what}"),
            "take the password from an environment variable, e.g. \
             `postgres://app:${APP_DB_PASSWORD}@db/app`, and set it where the app runs",
        );
    }
}

/// A well-formed `${NAME}` or `${NAME:-default}` placeholder of a template.
struct Placeholder {
    /// From the `$` to the `}` included.
    range: Range<usize>,
    /// The default's text, after `:-`.
    default: Option<Range<usize>>,
}

/// The well-formed placeholders of `text`, in order (malformed ones are reported by `check`
/// and read as plain text here).
fn placeholders(text: &str) -> Vec<Placeholder> {
    let mut found = Vec::new();
    let mut rest_start = 0;
    while let Some(offset) = text[rest_start..].find("${") {
        let start = rest_start + offset;
        let body_start = start + 2;
        let Some(close) = text[body_start..].find('}').map(|i| body_start + i) else {
            break;
        };
        if check_body(&text[body_start..close]).is_ok() {
            let default = text[body_start..close]
                .find(":-")
                .map(|i| body_start + i + 2..close);
            found.push(Placeholder {
                range: start..close + 1,
                default,
            });
        }
        rest_start = close + 1;
    }
    found
}

/// Whether a query parameter named `key` holds a password (`password`, `pass`, `sslpassword`,
/// any key ending in `password`, in any case).
fn is_password_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key == "pass" || key.ends_with("password")
}

/// The byte ranges of `template` that are literal passwords: the password of a URL's userinfo
/// (`user:PASSWORD@host`) or the value of a password query parameter (`?password=...`),
/// when it is anything but one placeholder without default, in the template itself or in the
/// default of a placeholder (`${DATABASE_URL:-postgres://app:PASSWORD@db/app}`).
fn literal_passwords(template: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    passwords_in(template, 0, &mut found);
    found.sort_by_key(|r| (r.start, r.end));
    found.dedup();
    found
}

/// The literal passwords of URLs written anywhere in a line of a declaration file, as byte
/// ranges of `line`: each quoted piece is read as a template. So a line can be shown masked
/// even when the file is not valid TOML, and the URL's password was never checked.
pub(crate) fn passwords_in_line(line: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut start = 0;
    for piece in line.split(['"', '\'']) {
        passwords_in(piece, start, &mut found);
        start += piece.len() + 1;
    }
    found
}

/// [`literal_passwords`] of `url`, which starts at byte `base` of the template.
fn passwords_in(url: &str, base: usize, found: &mut Vec<Range<usize>>) {
    let holders = placeholders(url);
    for default in holders.iter().filter_map(|p| p.default.clone()) {
        passwords_in(&url[default.clone()], base + default.start, found);
    }
    // Delimiters count only outside placeholders: `${A:-x@y}` has no userinfo.
    let mut inside = vec![false; url.len()];
    for holder in &holders {
        inside[holder.range.clone()].fill(true);
    }
    let literal = |i: usize| !inside.get(i).copied().unwrap_or(false);
    let find = |from: usize, to: usize, pattern: &[char]| {
        url[from..to]
            .char_indices()
            .map(|(i, c)| (from + i, c))
            .find(|&(i, c)| pattern.contains(&c) && literal(i))
            .map(|(i, _)| i)
    };
    // A value is safe when it is empty or exactly one `${NAME}`; a default is a literal.
    let mut check_value = |value: Range<usize>| {
        if value.is_empty() {
            return;
        }
        let holder = holders
            .binary_search_by_key(&value.start, |p| p.range.start)
            .ok()
            .and_then(|i| holders.get(i))
            .filter(|p| p.range == value);
        match holder {
            Some(Placeholder { default: None, .. }) => {}
            Some(Placeholder {
                default: Some(default),
                ..
            }) if !default.is_empty() => found.push(base + default.start..base + default.end),
            Some(_) => {}
            None => found.push(base + value.start..base + value.end),
        }
    };
    let scheme_end = url
        .match_indices("://")
        .map(|(i, _)| i)
        .find(|&i| literal(i));
    let mut query_from = 0;
    if let Some(scheme_end) = scheme_end {
        let authority = scheme_end + 3;
        let authority_end = find(authority, url.len(), &['/', '?', '#']).unwrap_or(url.len());
        let at = url[authority..authority_end]
            .char_indices()
            .map(|(i, c)| (authority + i, c))
            .rev()
            .find(|&(i, c)| c == '@' && literal(i))
            .map(|(i, _)| i);
        if let Some(at) = at
            && let Some(colon) = find(authority, at, &[':'])
        {
            check_value(colon + 1..at);
        }
        query_from = authority_end;
    }
    let Some(question) = find(query_from, url.len(), &['?']) else {
        return;
    };
    let query_end = find(question, url.len(), &['#']).unwrap_or(url.len());
    let mut start = question + 1;
    while start <= query_end {
        let end = find(start, query_end, &['&', ';']).unwrap_or(query_end);
        if let Some(equals) = find(start, end, &['=']) {
            let key = &url[start..equals];
            if is_password_key(key) {
                check_value(equals + 1..end);
            }
        }
        start = end + 1;
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

    /// The literal passwords of `template`, as text.
    fn passwords(template: &str) -> Vec<&str> {
        literal_passwords(template)
            .into_iter()
            .map(|r| &template[r])
            .collect()
    }

    #[test]
    fn passwords_from_variables_are_fine() {
        for ok in [
            "postgres://app:${APP_DB_PASSWORD}@db/app",
            "postgres://app@db/app",
            "postgres://app:@db/app",
            "postgres://${USERINFO}@db/app",
            "${DATABASE_URL}",
            "${DATABASE_URL:-sqlite:data/primary.sqlite3?mode=ro}",
            "${A:-postgres://app@db}",
            "mysql://root@127.0.0.1:3306/x?password=${PW}&ssl-mode=required",
            "postgres://db/app?user=app&passfile=/x",
            "postgres://u@db/app?pass=",
            "sqlite::memory:",
            "postgres://app@db/a@b:c",
        ] {
            assert_eq!(passwords(ok), Vec::<&str>::new(), "{ok}");
        }
    }

    #[test]
    fn literal_passwords_are_found() {
        assert_eq!(passwords("postgres://app:s3cret@db/app"), ["s3cret"]);
        assert_eq!(passwords("postgres://app:pa$$word@db"), ["pa$$word"]);
        assert_eq!(passwords("mysql://root:x@y:z@h:3306/d"), ["x@y:z"]);
        assert_eq!(passwords("postgres://app:pre${P}@db"), ["pre${P}"]);
        assert_eq!(passwords("postgres://app:${P:-hunter2}@db"), ["hunter2"]);
        assert_eq!(
            passwords("${DATABASE_URL:-postgres://app:hunter2@db/app}"),
            ["hunter2"]
        );
        assert_eq!(
            passwords("${U:-postgres://u@h/d?sslmode=x&PassWord=pw1}"),
            ["pw1"]
        );
        assert_eq!(passwords("postgres://h/d?sslpassword=k&pass=p"), ["k", "p"]);
        assert_eq!(passwords("sqlite:x.db?db_password=p#frag"), ["p"]);
        assert_eq!(passwords("postgres://${U}:lit@${H}/d"), ["lit"]);
    }

    #[test]
    fn passwords_in_lines_of_any_shape() {
        let line = "replicas = [\"postgres://a:pw1@h/d\", 'mysql://b:pw2@h', \"${X:-x://c:pw3@h}";
        let found: Vec<&str> = passwords_in_line(line)
            .into_iter()
            .map(|r| &line[r])
            .collect();
        assert_eq!(found, ["pw1", "pw2", "pw3"]);
        assert_eq!(passwords_in_line("writer = \"${DATABASE_URL}\""), []);
    }
}
