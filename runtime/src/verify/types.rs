//! Column types per backend, as `switchyard-codegen` creates them, read back in the
//! declarations' terms.
//!
//! | declared | SQLite | PostgreSQL (`format_type`) | MariaDB (`COLUMN_TYPE`) |
//! |---|---|---|---|
//! | bool | INTEGER | boolean | tinyint(1) |
//! | i16 | INTEGER | smallint | smallint(6) |
//! | i32 | INTEGER | integer | int(11) |
//! | i64 | INTEGER | bigint | bigint(20) |
//! | f32 | REAL | real | float |
//! | f64 | REAL | double precision | double |
//! | string | TEXT | character varying(255) | varchar(255) |
//! | text | TEXT | text | longtext |
//! | bytes | BLOB | bytea | longblob |
//! | uuid | BLOB | uuid | binary(16) |
//! | date | TEXT | date | date |
//! | time | TEXT | time without time zone | time(6) |
//! | datetime | TEXT | timestamp with time zone | datetime(6) |
//! | json | TEXT | jsonb | json (a longtext with a `json_valid` check) |
//!
//! SQLite's type names are affinities, shared by several declared types: there the declared
//! type's SQLite column type is compared, so `string` and `text` (or `i32` and `i64`) cannot be
//! told apart.

use super::expected::FieldType;
use crate::backend::Backend;

/// The type a declared type's column is created with, as the catalog names it (lowercase
/// except SQLite's; MariaDB's integer display widths left out).
fn catalog_name(backend: Backend, ty: FieldType) -> &'static str {
    use FieldType as T;
    match backend {
        Backend::Sqlite => match ty {
            T::Bool | T::I16 | T::I32 | T::I64 => "INTEGER",
            T::F32 | T::F64 => "REAL",
            T::String | T::Text | T::Date | T::Time | T::DateTime | T::Json => "TEXT",
            T::Bytes | T::Uuid => "BLOB",
        },
        Backend::Postgres => match ty {
            T::Bool => "boolean",
            T::I16 => "smallint",
            T::I32 => "integer",
            T::I64 => "bigint",
            T::F32 => "real",
            T::F64 => "double precision",
            T::String => "character varying(255)",
            T::Text => "text",
            T::Bytes => "bytea",
            T::Uuid => "uuid",
            T::Date => "date",
            T::Time => "time without time zone",
            T::DateTime => "timestamp with time zone",
            T::Json => "jsonb",
        },
        Backend::MySql => match ty {
            T::Bool => "tinyint(1)",
            T::I16 => "smallint",
            T::I32 => "int",
            T::I64 => "bigint",
            T::F32 => "float",
            T::F64 => "double",
            T::String => "varchar(255)",
            T::Text => "longtext",
            T::Bytes => "longblob",
            T::Uuid => "binary(16)",
            T::Date => "date",
            T::Time => "time(6)",
            T::DateTime => "datetime(6)",
            T::Json => "json",
        },
    }
}

/// `found` in the form [`catalog_name`] uses.
fn normalize(backend: Backend, found: &str) -> String {
    let found = found.trim();
    match backend {
        Backend::Sqlite => found.to_ascii_uppercase(),
        Backend::Postgres => found.to_ascii_lowercase(),
        Backend::MySql => {
            let found = found.to_ascii_lowercase();
            if found == "boolean" || found == "bool" {
                return "tinyint(1)".to_owned();
            }
            // Display widths (`int(11)`) mean nothing, except `tinyint(1)`, MariaDB's boolean.
            for base in ["smallint", "mediumint", "bigint", "int"] {
                if let Some(rest) = found.strip_prefix(base).and_then(|r| r.strip_prefix('('))
                    && let Some((_, after)) = rest.split_once(')')
                {
                    return format!("{base}{after}");
                }
            }
            found
        }
    }
}

/// Whether a column of type `found` is what `ty` creates on `backend`.
pub(crate) fn matches(backend: Backend, ty: FieldType, found: &str) -> bool {
    normalize(backend, found) == catalog_name(backend, ty)
}

/// The declared type that creates `found` on `backend`, when exactly one does.
pub(crate) fn declared_as(backend: Backend, found: &str) -> Option<FieldType> {
    let mut candidates = FieldType::ALL
        .into_iter()
        .filter(|ty| matches(backend, *ty, found));
    let first = candidates.next()?;
    candidates.next().is_none().then_some(first)
}

/// The collation a declared type's column is created with, where it is part of the column:
/// strings and texts compare by bytes (`COLLATE "C"` on PostgreSQL, the tables'
/// `utf8mb4_nopad_bin` on MariaDB). SQLite's `BINARY` default is not read.
pub(crate) fn collation(backend: Backend, ty: FieldType) -> Option<&'static str> {
    match (backend, ty) {
        (Backend::Postgres, FieldType::String | FieldType::Text) => Some("C"),
        (Backend::MySql, FieldType::String | FieldType::Text) => Some("utf8mb4_nopad_bin"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_names() {
        let pg = Backend::Postgres;
        assert!(matches(pg, FieldType::String, "character varying(255)"));
        assert!(matches(pg, FieldType::DateTime, "timestamp with time zone"));
        assert!(!matches(pg, FieldType::String, "text"));
        assert_eq!(declared_as(pg, "text"), Some(FieldType::Text));
        assert_eq!(declared_as(pg, "numeric(10,2)"), None);
    }

    #[test]
    fn mariadb_names() {
        let my = Backend::MySql;
        assert!(matches(my, FieldType::Bool, "tinyint(1)"));
        assert!(matches(my, FieldType::Bool, "BOOLEAN"));
        assert!(matches(my, FieldType::I16, "smallint(6)"));
        assert!(matches(my, FieldType::I32, "int(11)"));
        assert!(matches(my, FieldType::I64, "bigint(20)"));
        assert!(matches(my, FieldType::I64, "bigint"));
        assert!(!matches(my, FieldType::I64, "bigint(20) unsigned"));
        assert!(!matches(my, FieldType::I16, "tinyint(4)"));
        assert!(matches(my, FieldType::Uuid, "binary(16)"));
        assert!(matches(my, FieldType::DateTime, "datetime(6)"));
        assert!(!matches(my, FieldType::DateTime, "datetime"));
        assert_eq!(declared_as(my, "longtext"), Some(FieldType::Text));
    }

    #[test]
    fn sqlite_compares_affinity_names() {
        let lite = Backend::Sqlite;
        assert!(matches(lite, FieldType::String, "TEXT"));
        assert!(matches(lite, FieldType::Text, "text"));
        assert!(matches(lite, FieldType::I32, "INTEGER"));
        assert!(!matches(lite, FieldType::String, "VARCHAR(255)"));
        assert_eq!(declared_as(lite, "INTEGER"), None);
    }
}
