//! Placeholders of raw SQL: written `?` on every backend, counted, and numbered `$1, $2, ...`
//! for PostgreSQL.
//!
//! A `?` is a placeholder only where the backend reads it as one: outside string literals,
//! quoted identifiers and comments, as each dialect delimits them (backslash escapes in MySQL
//! strings and PostgreSQL `E'...'` strings, `#` comments and `-- ` needing a space on MySQL,
//! nested block comments and `$tag$...$tag$` strings on PostgreSQL, `[...]` identifiers on
//! SQLite). One pass over the bytes.

use crate::backend::Backend;

/// Raw SQL ready for its backend.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Numbered {
    /// The text to send: as written, except `?` numbered `$n` on PostgreSQL.
    pub(crate) sql: String,
    /// How many placeholders it has.
    pub(crate) count: usize,
}

/// Find the placeholders of `sql` as `backend` reads it; number them for PostgreSQL. Refuses
/// the placeholder forms that are not portable: numbered `?1` (SQLite), and `$1` (PostgreSQL).
pub(crate) fn number(sql: &str, backend: Backend) -> Result<Numbered, String> {
    let src = sql.as_bytes();
    let mysql = backend == Backend::MySql;
    let postgres = backend == Backend::Postgres;
    let sqlite = backend == Backend::Sqlite;
    let mut out = String::with_capacity(if postgres { sql.len() + 8 } else { 0 });
    let mut copied = 0;
    let mut count = 0;
    let mut i = 0;
    while let Some(&c) = src.get(i) {
        i = match c {
            b'\'' => skip_quoted(src, i + 1, b'\'', mysql),
            b'"' => skip_quoted(src, i + 1, b'"', mysql),
            b'`' if !postgres => skip_quoted(src, i + 1, b'`', false),
            b'[' if sqlite => src[i..]
                .iter()
                .position(|&b| b == b']')
                .map_or(src.len(), |end| i + end + 1),
            b'-' if src.get(i + 1) == Some(&b'-')
                && (!mysql || src.get(i + 2).is_none_or(|&b| b <= b' ')) =>
            {
                skip_line(src, i + 2)
            }
            b'#' if mysql => skip_line(src, i + 1),
            b'/' if src.get(i + 1) == Some(&b'*') => skip_block(src, i + 2, postgres),
            b'$' if postgres => {
                if src.get(i + 1).is_some_and(u8::is_ascii_digit) {
                    return Err(
                        "write placeholders as `?` (PostgreSQL's `$1` is not portable; the runtime \
                         numbers `?` for PostgreSQL)"
                            .into(),
                    );
                }
                skip_dollar(src, i)
            }
            b'?' => {
                if src.get(i + 1).is_some_and(u8::is_ascii_digit) {
                    return Err(
                        "write placeholders as `?`: numbered ones (`?1`) are not portable".into(),
                    );
                }
                count += 1;
                if postgres {
                    use std::fmt::Write as _;
                    out.push_str(&sql[copied..i]);
                    // Writing into a String cannot fail.
                    let _ = write!(out, "${count}");
                    copied = i + 1;
                }
                i + 1
            }
            c if is_word_start(c) => {
                let end = word_end(src, i);
                // PostgreSQL's `E'...'` takes backslash escapes.
                if postgres && end == i + 1 && c | 0x20 == b'e' && src.get(end) == Some(&b'\'') {
                    skip_quoted(src, end + 1, b'\'', true)
                } else {
                    end
                }
            }
            _ => i + 1,
        };
    }
    if !postgres {
        return Ok(Numbered {
            sql: sql.to_owned(),
            count,
        });
    }
    out.push_str(&sql[copied.min(sql.len())..]);
    Ok(Numbered { sql: out, count })
}

/// Past the closing `quote` of a run starting at `from`: a doubled quote stands for one, and
/// with `escapes` a backslash escapes the next byte. The end of the text if it is not closed.
fn skip_quoted(src: &[u8], from: usize, quote: u8, escapes: bool) -> usize {
    let mut i = from;
    while let Some(&b) = src.get(i) {
        if b == quote {
            if src.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += if escapes && b == b'\\' { 2 } else { 1 };
    }
    src.len()
}

/// The end of the line starting at `from` (a line comment's body).
fn skip_line(src: &[u8], from: usize) -> usize {
    src[from.min(src.len())..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(src.len(), |end| from + end)
}

/// Past the `*/` closing a block comment whose body starts at `from`; PostgreSQL's nest.
fn skip_block(src: &[u8], from: usize, nested: bool) -> usize {
    let mut depth = 1usize;
    let mut i = from;
    while i < src.len() {
        match src.get(i..i + 2) {
            Some(b"*/") => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            Some(b"/*") if nested => {
                depth += 1;
                i += 2;
            }
            _ => i += 1,
        }
    }
    src.len()
}

/// At a `$` (PostgreSQL): past a `$tag$ ... $tag$` string, or past the `$` alone.
fn skip_dollar(src: &[u8], at: usize) -> usize {
    let mut i = at + 1;
    if src.get(i).is_some_and(|&b| is_word_start(b)) {
        while src.get(i).is_some_and(|&b| b != b'$' && is_word_char(b)) {
            i += 1;
        }
    }
    if src.get(i) != Some(&b'$') {
        return at + 1;
    }
    let tag = &src[at..=i];
    let body = i + 1;
    src.get(body..)
        .and_then(|rest| rest.windows(tag.len()).position(|w| w == tag))
        .map_or(src.len(), |end| body + end + tag.len())
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_word_char(b: u8) -> bool {
    is_word_start(b) || b.is_ascii_digit() || b == b'$'
}

/// The end of the word (name, keyword or number) starting at `from`; `$` is part of names.
fn word_end(src: &[u8], from: usize) -> usize {
    let mut i = from + 1;
    while src.get(i).is_some_and(|&b| is_word_char(b)) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(sql: &str) -> (String, usize) {
        let numbered = number(sql, Backend::Postgres).expect("numbered");
        (numbered.sql, numbered.count)
    }

    fn count(sql: &str, backend: Backend) -> usize {
        number(sql, backend).expect("counted").count
    }

    #[test]
    fn numbers_placeholders_for_postgres_only() {
        let sql = "SELECT id FROM users WHERE karma > ? AND username = ?";
        assert_eq!(
            pg(sql),
            (
                "SELECT id FROM users WHERE karma > $1 AND username = $2".into(),
                2
            )
        );
        for backend in [Backend::Sqlite, Backend::MySql] {
            let numbered = number(sql, backend).expect("counted");
            assert_eq!((numbered.sql.as_str(), numbered.count), (sql, 2));
        }
    }

    #[test]
    fn question_marks_in_literals_comments_and_identifiers_are_text() {
        let sql = "SELECT '?', \"?\", $$?$$, $t$ ? $t$, E'\\'?', x -- ?\n FROM t /* ? /* ? */ ? */ WHERE a = ?";
        assert_eq!(pg(sql).1, 1);
        assert!(pg(sql).0.ends_with("WHERE a = $1"));
        assert!(pg(sql).0.starts_with("SELECT '?', \"?\", $$?$$"));
        // MySQL: backslash escapes, `#` comments, backticks; `--` needs a space.
        assert_eq!(
            count("SELECT 'a\\'?', `?`, \"\\\"?\" # ?\n, ?", Backend::MySql),
            1
        );
        assert_eq!(count("SELECT 1 --?", Backend::MySql), 1);
        assert_eq!(count("SELECT 1 -- ?", Backend::MySql), 0);
        // SQLite: no backslash escapes, `[...]` identifiers.
        assert_eq!(count("SELECT 'a\\', [?], ?", Backend::Sqlite), 1);
        // PostgreSQL: no backslash escapes in plain strings, brackets are subscripts.
        assert_eq!(pg("SELECT 'a\\', arr[?]").1, 1);
        // A name with `$` is not a dollar quote.
        assert_eq!(pg("SELECT a$b$ FROM t WHERE c = ?").1, 1);
    }

    #[test]
    fn unicode_is_kept() {
        assert_eq!(
            pg("SELECT 'ünï' WHERE 名 = ?"),
            ("SELECT 'ünï' WHERE 名 = $1".into(), 1)
        );
    }

    #[test]
    fn non_portable_placeholders_are_refused() {
        assert!(number("SELECT ?1", Backend::Sqlite).is_err());
        assert!(number("SELECT $1", Backend::Postgres).is_err());
        assert_eq!(count("SELECT '$1', $$ $1 $$", Backend::Postgres), 0);
    }

    #[test]
    fn unterminated_text_stops_counting() {
        assert_eq!(count("SELECT ? '?", Backend::Sqlite), 1);
        assert_eq!(pg("SELECT ? /* ?").0, "SELECT $1 /* ?");
    }
}
