//! Column defaults: the catalog's expression (`'basic'::character varying` on PostgreSQL,
//! `'basic'` on MariaDB and SQLite, `current_timestamp(6)`, `CURRENT_TIMESTAMP`, `now()`)
//! compared with the declared value (`basic`, `now`, `0`, `true`, `1.5`).

use std::fmt;

use super::expected::FieldType;

/// A default expression, read.
#[derive(Debug, Clone, PartialEq)]
enum Parsed {
    /// A quoted literal, unquoted and unescaped.
    Quoted(String),
    /// An unquoted token: a number, `true`, or (MySQL 8) an unquoted string.
    Bare(String),
    /// The current date, time or timestamp, in any spelling.
    Now,
    /// `NULL`: no default.
    Null,
}

/// Functions that stand for the time of the insert.
const NOW: &[&str] = &[
    "current_timestamp",
    "current_date",
    "current_time",
    "now",
    "localtimestamp",
    "localtime",
    "curdate",
    "curtime",
    "transaction_timestamp",
    "statement_timestamp",
    "utc_timestamp",
];

fn parse(raw: &str, backslash_escapes: bool) -> Option<Parsed> {
    let mut s = raw.trim();
    while let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        s = inner.trim();
    }
    if let Some(rest) = s.strip_prefix('\'') {
        let (text, after) = unquote(rest, backslash_escapes)?;
        // PostgreSQL casts the literal: `'basic'::character varying`, `'-3'::integer`.
        return (after.trim().is_empty() || after.trim_start().starts_with("::"))
            .then_some(Parsed::Quoted(text));
    }
    let bare = s.split("::").next().unwrap_or(s).trim();
    let lower = bare.to_ascii_lowercase();
    if lower == "null" {
        return Some(Parsed::Null);
    }
    let function = match lower.split_once('(') {
        Some((name, args)) if args.ends_with(')') => name.trim(),
        Some(_) => return None,
        None => lower.as_str(),
    };
    if NOW.contains(&function) {
        return Some(Parsed::Now);
    }
    Some(Parsed::Bare(bare.to_owned()))
}

/// The literal after an opening quote, with `''` and MariaDB's backslash escapes undone, and
/// what follows the closing quote.
fn unquote(s: &str, backslash_escapes: bool) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' if chars.peek().is_some_and(|(_, n)| *n == '\'') => {
                chars.next();
                out.push('\'');
            }
            '\'' => return Some((out, &s[i + 1..])),
            '\\' if backslash_escapes => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, 'r')) => out.push('\r'),
                Some((_, '0')) => out.push('\0'),
                Some((_, other)) => out.push(other),
                None => return None,
            },
            other => out.push(other),
        }
    }
    None
}

/// Whether the catalog's default `found` is the declared `declared` for a `ty` column.
///
/// `backslash_escapes`: whether the catalog escapes backslashes in literals (MariaDB).
pub(crate) fn matches(
    ty: FieldType,
    declared: Option<&str>,
    found: Option<&str>,
    backslash_escapes: bool,
) -> bool {
    let found = match found {
        None => None,
        Some(raw) => match parse(raw, backslash_escapes) {
            Some(Parsed::Null) => None,
            other => Some(other),
        },
    };
    let (declared, found) = match (declared, found) {
        (None, None) => return true,
        (Some(declared), Some(Some(found))) => (declared, found),
        _ => return false,
    };
    let value = match &found {
        Parsed::Quoted(v) | Parsed::Bare(v) => v.as_str(),
        Parsed::Now => return declared == "now" && is_temporal(ty),
        Parsed::Null => return false,
    };
    use FieldType as T;
    match ty {
        T::Bool => parse_bool(declared).is_some() && parse_bool(declared) == parse_bool(value),
        T::I16 | T::I32 | T::I64 => {
            declared.parse::<i64>().ok().is_some()
                && declared.parse::<i64>().ok() == value.trim().parse::<i64>().ok()
        }
        T::F32 => {
            declared.parse::<f32>().ok().is_some()
                && declared.parse::<f32>().ok() == value.trim().parse::<f32>().ok()
        }
        T::F64 => {
            declared.parse::<f64>().ok().is_some()
                && declared.parse::<f64>().ok() == value.trim().parse::<f64>().ok()
        }
        T::Json => match (
            serde_json::from_str::<serde_json::Value>(declared),
            serde_json::from_str::<serde_json::Value>(value),
        ) {
            (Ok(a), Ok(b)) => a == b,
            _ => declared == value,
        },
        _ => declared == value && !(is_temporal(ty) && declared == "now"),
    }
}

fn is_temporal(ty: FieldType) -> bool {
    matches!(ty, FieldType::Date | FieldType::Time | FieldType::DateTime)
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "t" | "1" | "b'1'" => Some(true),
        "false" | "f" | "0" | "b'0'" => Some(false),
        _ => None,
    }
}

/// A declared default as a declaration writes it: `"basic"`, `"now"`, `0`, `true`.
pub(crate) struct Declared<'a>(pub FieldType, pub &'a str);

impl fmt::Display for Declared<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            FieldType::String
            | FieldType::Text
            | FieldType::Date
            | FieldType::Time
            | FieldType::DateTime
            | FieldType::Json
            | FieldType::Uuid
            | FieldType::Bytes => write!(f, "{:?}", self.1),
            _ => f.write_str(self.1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FieldType as T;

    fn pg(ty: FieldType, declared: Option<&str>, found: Option<&str>) -> bool {
        matches(ty, declared, found, false)
    }

    fn my(ty: FieldType, declared: Option<&str>, found: Option<&str>) -> bool {
        matches(ty, declared, found, true)
    }

    #[test]
    fn postgres_defaults() {
        assert!(pg(T::I32, Some("0"), Some("0")));
        assert!(!pg(T::I32, Some("0"), Some("5")));
        assert!(pg(T::I16, Some("-3"), Some("'-3'::integer")));
        assert!(pg(T::I16, Some("-3"), Some("(-3)")));
        assert!(pg(
            T::String,
            Some("basic"),
            Some("'basic'::character varying")
        ));
        assert!(pg(T::Text, Some("it's"), Some("'it''s'::text")));
        assert!(pg(T::Text, Some("a\\b"), Some("'a\\b'::text")));
        assert!(pg(T::DateTime, Some("now"), Some("CURRENT_TIMESTAMP")));
        assert!(pg(T::DateTime, Some("now"), Some("now()")));
        assert!(pg(T::Date, Some("now"), Some("CURRENT_DATE")));
        assert!(pg(T::Bool, Some("true"), Some("true")));
        assert!(!pg(T::Bool, Some("true"), Some("false")));
        assert!(pg(T::F64, Some("-2.5"), Some("'-2.5'::numeric")));
        assert!(pg(T::F32, Some("1.5"), Some("1.5")));
        assert!(pg(T::I32, None, None));
        assert!(!pg(T::I32, None, Some("0")));
        assert!(!pg(T::I32, Some("0"), None));
        // "now" is a string on a string field.
        assert!(pg(T::String, Some("now"), Some("'now'::character varying")));
        assert!(!pg(T::String, Some("now"), Some("CURRENT_TIMESTAMP")));
    }

    #[test]
    fn mariadb_defaults() {
        assert!(my(T::String, Some("basic"), Some("'basic'")));
        assert!(my(T::String, Some("it's \\ x"), Some("'it''s \\\\ x'")));
        assert!(my(T::DateTime, Some("now"), Some("current_timestamp(6)")));
        assert!(my(T::Date, Some("now"), Some("curdate()")));
        assert!(my(T::Time, Some("now"), Some("curtime(6)")));
        assert!(my(T::Bool, Some("true"), Some("1")));
        assert!(my(T::Text, Some("plain"), Some("('plain')")));
        assert!(my(T::I32, None, Some("NULL")));
        // MySQL 8 prints string defaults unquoted.
        assert!(my(T::String, Some("basic"), Some("basic")));
    }

    #[test]
    fn sqlite_defaults() {
        assert!(pg(T::String, Some("plain"), Some("'plain'")));
        assert!(pg(T::DateTime, Some("now"), Some("CURRENT_TIMESTAMP")));
        assert!(pg(T::Bool, Some("false"), Some("0")));
        assert!(!pg(T::I32, Some("0"), Some("'zero'")));
    }

    #[test]
    fn declared_defaults_display_as_declared() {
        assert_eq!(Declared(T::String, "basic").to_string(), "\"basic\"");
        assert_eq!(Declared(T::I32, "0").to_string(), "0");
    }
}
