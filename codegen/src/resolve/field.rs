//! Fields: type lookup, options, primary key rules and default values.

use super::names::{Origin, Sql, check_renamed_from, check_snake, check_sql};
use crate::diagnostics::{Report, did_you_mean};
use crate::model::{DefaultValue, Field, FieldType};
use crate::parse::raw::{At, RawDefault, RawField};

/// Type names from SQL and other languages, mapped to ours, for the "did you mean" hint.
const ALIASES: &[(&str, &str)] = &[
    ("int", "i32"),
    ("integer", "i64"),
    ("bigint", "i64"),
    ("smallint", "i16"),
    ("float", "f64"),
    ("double", "f64"),
    ("real", "f32"),
    ("boolean", "bool"),
    ("str", "string"),
    ("varchar", "string"),
    ("blob", "bytes"),
    ("timestamp", "datetime"),
    ("timestamptz", "datetime"),
    ("jsonb", "json"),
];

/// Longest `string` default: `string` is VARCHAR(255) where a dialect needs a bound.
const MAX_STRING: usize = 255;

/// Resolve one field. `None` if it has a problem (reported).
pub(crate) fn resolve(raw: &RawField, report: &mut Report<'_>) -> Option<Field> {
    let before = report.count();
    let name = &raw.name.value;
    let named = check_snake(report, &raw.name, "field");
    let column = match &raw.column {
        Some(column) => {
            check_sql(
                report,
                &column.value,
                &column.loc,
                Sql::Column,
                Origin::Declared,
            );
            column.value.clone()
        }
        None => {
            // The column named after the field reaches SQL too (a snake_case name can still
            // be too long); an invalid field name is reported once, above.
            if named {
                let fix = "declare another with `column = \"...\"`";
                check_sql(
                    report,
                    name,
                    &raw.name.loc,
                    Sql::Column,
                    Origin::Derived(fix),
                );
            }
            name.clone()
        }
    };
    if let Some(old) = &raw.renamed_from {
        check_renamed_from(report, old, &column, Sql::Column);
    }
    let ty = field_type(raw.ty.as_ref()?, report)?;
    let flag = |option: &Option<At<bool>>| option.as_ref().is_some_and(|b| b.value);
    let nullable = flag(&raw.nullable);
    let unique = flag(&raw.unique);
    let primary_key = flag(&raw.primary_key);
    if primary_key {
        check_primary_key(raw, ty, report);
    } else if unique
        && unbounded(ty)
        && let Some(at) = &raw.unique
    {
        report.error_with_hint(
            &at.loc,
            format!("field {name:?} of type {} cannot be unique", ty.name()),
            unbounded_hint(ty),
        );
    }
    // A key's default is already an error of its own; its value does not matter.
    let default = match &raw.default {
        Some(at) if !primary_key => default_value(at, ty, report),
        _ => None,
    };
    let field = Field {
        name: name.clone(),
        column,
        ty,
        nullable,
        unique,
        primary_key,
        default,
        doc: raw.doc.as_ref().map(|doc| doc.value.clone()),
        renamed_from: raw.renamed_from.as_ref().map(|r| r.value.clone()),
    };
    (report.count() == before).then_some(field)
}

/// The type a type name names, with a suggestion when it names none.
fn field_type(name: &At<String>, report: &mut Report<'_>) -> Option<FieldType> {
    if let Some(ty) = FieldType::from_name(&name.value) {
        return Some(ty);
    }
    let names = FieldType::ALL.iter().map(|(n, _)| *n);
    let lower = name.value.to_ascii_lowercase();
    let suggestion = did_you_mean(&name.value, names.clone()).or_else(|| {
        ALIASES
            .iter()
            .find(|(alias, _)| *alias == lower)
            .map(|(_, ty)| *ty)
    });
    let hint = match suggestion {
        Some(ty) => format!("did you mean {ty:?}?"),
        None => format!("field types are: {}", names.collect::<Vec<_>>().join(", ")),
    };
    report.error_with_hint(
        &name.loc,
        format!("unknown field type {:?}", name.value),
        hint,
    );
    None
}

/// Types without a length bound, which MySQL cannot index.
pub(crate) fn unbounded(ty: FieldType) -> bool {
    matches!(ty, FieldType::Text | FieldType::Bytes | FieldType::Json)
}

pub(crate) fn unbounded_hint(ty: FieldType) -> String {
    format!(
        "MySQL cannot index unbounded {} columns; use type \"string\" (VARCHAR(255)) for short, \
         indexable values",
        ty.name()
    )
}

/// Primary key rules: a key type, not nullable, no default, `unique` not repeated.
fn check_primary_key(raw: &RawField, ty: FieldType, report: &mut Report<'_>) {
    let name = &raw.name.value;
    let key_type = ty.is_integer() || matches!(ty, FieldType::String | FieldType::Uuid);
    if !key_type && let Some(at) = &raw.ty {
        report.error_with_hint(
            &at.loc,
            format!("primary key {name:?} cannot be of type {}", ty.name()),
            "primary keys are i16, i32, i64 (auto-increment), string or uuid",
        );
    }
    if let Some(at) = raw.nullable.as_ref().filter(|n| n.value) {
        report.error(&at.loc, format!("primary key {name:?} cannot be nullable"));
    }
    if let Some(at) = raw.unique.as_ref().filter(|u| u.value) {
        report.error_with_hint(
            &at.loc,
            format!("`unique` is redundant on primary key {name:?}"),
            "remove it: a primary key is always unique",
        );
    }
    if let Some(at) = &raw.default {
        let hint = if ty.is_integer() {
            "integer primary keys are assigned by the database on insert"
        } else {
            "remove the default: a primary key is given on insert (a uuid key left empty gets a \
             random v4)"
        };
        report.error_with_hint(
            &at.loc,
            format!("primary key {name:?} cannot have a default"),
            hint,
        );
    }
}

/// The default value for a field of type `ty`, if `raw` fits it.
fn default_value(
    raw: &At<RawDefault>,
    ty: FieldType,
    report: &mut Report<'_>,
) -> Option<DefaultValue> {
    use FieldType as T;
    let type_name = ty.name();
    let fitted = match (ty, &raw.value) {
        (T::Bool, RawDefault::Bool(b)) => Ok(DefaultValue::Bool(*b)),
        (T::I16 | T::I32 | T::I64, RawDefault::Int(n)) => {
            let (min, max) = integer_range(ty);
            if (min..=max).contains(n) {
                Ok(DefaultValue::Int(*n))
            } else {
                Err((
                    format!("default {n} is out of range for {type_name}"),
                    format!("{type_name} holds {min} to {max}"),
                ))
            }
        }
        (T::F32 | T::F64, RawDefault::Int(n)) => Ok(DefaultValue::Float(*n as f64)),
        (T::F32 | T::F64, RawDefault::Float(f)) => {
            let limit = if ty == T::F32 {
                f64::from(f32::MAX)
            } else {
                f64::MAX
            };
            if f.is_finite() && f.abs() <= limit {
                Ok(DefaultValue::Float(*f))
            } else {
                Err((
                    format!("default {f} is not a finite {type_name}"),
                    "SQL databases do not all store NaN or infinity".to_owned(),
                ))
            }
        }
        (T::String | T::Text, RawDefault::Str(s)) if s.contains(char::is_control) => {
            let c = s.chars().find(|c| c.is_control()).unwrap_or_default();
            Err((
                format!(
                    "default contains the control character U+{:04X}",
                    u32::from(c)
                ),
                "control characters (NUL, line breaks, tabs, escape...) are not allowed in a \
                 default: the DDL of some databases cannot hold them; set such values on insert"
                    .to_owned(),
            ))
        }
        (T::String, RawDefault::Str(s)) if s.chars().count() > MAX_STRING => Err((
            format!("default is longer than {MAX_STRING} characters"),
            "a string field is VARCHAR(255); use type \"text\" for long values".to_owned(),
        )),
        (T::String | T::Text, RawDefault::Str(s)) => Ok(DefaultValue::Str(s.clone())),
        (T::Date | T::Time | T::DateTime, RawDefault::Str(s)) if s == "now" => {
            Ok(DefaultValue::Now)
        }
        (_, RawDefault::Str(s)) if s == "now" => Err((
            format!("default \"now\" does not fit type {type_name}"),
            "\"now\" is only valid for date, time and datetime fields".to_owned(),
        )),
        (T::Date | T::Time | T::DateTime, _) => Err((
            format!(
                "default {} is not supported for a {type_name} field",
                describe(&raw.value)
            ),
            "only `default = \"now\"` (the time of the insert, UTC) is supported".to_owned(),
        )),
        (T::Uuid | T::Bytes | T::Json, _) => Err((
            format!("a {type_name} field cannot have a default"),
            match ty {
                T::Uuid => "a uuid primary key left empty on insert gets a random v4",
                _ => "set the value on insert, or make the field nullable",
            }
            .to_owned(),
        )),
        _ => Err((
            format!(
                "default {} does not fit type {type_name}",
                describe(&raw.value)
            ),
            format!("{type_name} defaults are {}", expected_literal(ty)),
        )),
    };
    match fitted {
        Ok(value) => Some(value),
        Err((message, hint)) => {
            report.error_with_hint(&raw.loc, message, hint);
            None
        }
    }
}

/// Bounds of an integer type.
fn integer_range(ty: FieldType) -> (i64, i64) {
    match ty {
        FieldType::I16 => (i16::MIN.into(), i16::MAX.into()),
        FieldType::I32 => (i32::MIN.into(), i32::MAX.into()),
        _ => (i64::MIN, i64::MAX),
    }
}

/// The literal a default of type `ty` is written as.
fn expected_literal(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Bool => "true or false",
        FieldType::I16 | FieldType::I32 | FieldType::I64 => "integers, e.g. `default = 0`",
        FieldType::F32 | FieldType::F64 => "numbers, e.g. `default = 0.5`",
        FieldType::String | FieldType::Text => "quoted strings, e.g. `default = \"\"`",
        _ => "not supported",
    }
}

/// A default literal as it appears in a message.
fn describe(raw: &RawDefault) -> String {
    match raw {
        RawDefault::Bool(b) => b.to_string(),
        RawDefault::Int(n) => n.to_string(),
        RawDefault::Float(f) => f.to_string(),
        RawDefault::Str(s) => format!("{s:?}"),
        RawDefault::Other(kind) => (*kind).to_owned(),
    }
}
