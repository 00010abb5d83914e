//! The migration file format's keys: one file's tree to located operations.
//!
//! The format is what [`crate::migrate::to_toml`] writes and `docs/migrations.md` documents:
//! an `[[operation]]` array, each table naming its kind by one key. Shapes and literals are
//! checked here; whether an operation fits the database (a table that exists, a column that
//! does not) is checked by replaying the migrations.

use toml::de::{DeTable, DeValue};

use super::raw::At;
use super::reader::{Reader, Value};
use crate::migrate::{Column, DialectSql, IndexDef, Operation};
use crate::model::{DefaultValue, FieldType};

/// Each kind's key and the other keys it takes.
const KINDS: &[(&str, &[&str])] = &[
    ("create_table", &["columns"]),
    ("drop_table", &["columns"]),
    ("rename_table", &["to"]),
    (
        "add_column",
        &[
            "table",
            "type",
            "primary_key",
            "nullable",
            "unique",
            "default",
        ],
    ),
    (
        "drop_column",
        &[
            "table",
            "type",
            "primary_key",
            "nullable",
            "unique",
            "default",
        ],
    ),
    ("rename_column", &["table", "to"]),
    ("alter_column", &["table", "from", "to"]),
    ("create_index", &["table", "columns", "unique"]),
    ("drop_index", &["table", "columns", "unique"]),
    ("sql", &["down"]),
];
const COLUMN_KEYS: &[&str] = &[
    "name",
    "type",
    "primary_key",
    "nullable",
    "unique",
    "default",
];
const DIALECT_KEYS: &[&str] = &["sqlite", "postgres", "mysql"];

/// Read the operations of one migration file's tree; an operation with a shape error is left
/// out (and reported).
pub(crate) fn read(tree: &DeTable<'_>, r: &mut Reader<'_, '_>) -> Vec<At<Operation>> {
    r.check_keys(tree, &["operation"], "in a migration file");
    let Some(list) = r.key(tree, "operation", Reader::array) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|value| {
            let table = r.table(value, "each `[[operation]]`")?;
            let op = operation(table, value, r)?;
            Some(r.at(value, op))
        })
        .collect()
}

fn operation(table: &DeTable<'_>, at: &Value<'_>, r: &mut Reader<'_, '_>) -> Option<Operation> {
    let kinds: Vec<&(&str, &[&str])> = KINDS
        .iter()
        .filter(|(kind, _)| table.get(*kind).is_some())
        .collect();
    let [(kind, keys)] = kinds.as_slice() else {
        let loc = r.loc(at.span());
        let names: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
        r.report().error_with_hint(
            &loc,
            format!(
                "an operation names exactly one kind, here {}",
                if kinds.is_empty() { "none" } else { "several" }
            ),
            format!("one of {}", names.join(", ")),
        );
        return None;
    };
    let mut known = vec![*kind];
    known.extend_from_slice(keys);
    let before = r.problems();
    r.check_keys(table, &known, &format!("in a `{kind}` operation"));
    // Every kind but `sql` names what it works on.
    let name = match *kind {
        "sql" => None,
        _ => r.key(table, kind, Reader::string),
    };
    let op = match *kind {
        "create_table" | "drop_table" => {
            let columns = columns(table, r)?;
            let table = name?.value;
            if *kind == "create_table" {
                Operation::CreateTable { table, columns }
            } else {
                Operation::DropTable { table, columns }
            }
        }
        "rename_table" => Operation::RenameTable {
            from: name?.value,
            to: required(table, "to", r)?,
        },
        "add_column" | "drop_column" => {
            let column = column(table, name?.value, at, r)?;
            let table = required(table, "table", r)?;
            if *kind == "add_column" {
                Operation::AddColumn { table, column }
            } else {
                Operation::DropColumn { table, column }
            }
        }
        "rename_column" => Operation::RenameColumn {
            from: name?.value,
            table: required(table, "table", r)?,
            to: required(table, "to", r)?,
        },
        "alter_column" => {
            let name = name?.value;
            let side = |key: &str, r: &mut Reader<'_, '_>| {
                let value = require(table, key, at, r)?;
                let t = r.table(value, &format!("`{key}`"))?;
                column(t, name.clone(), value, r)
            };
            let from = side("from", r);
            let to = side("to", r);
            Operation::AlterColumn {
                table: required(table, "table", r)?,
                from: from?,
                to: to?,
            }
        }
        "create_index" | "drop_index" => {
            let columns = r.key(table, "columns", Reader::strings);
            let index = IndexDef {
                name: name?.value,
                columns: columns?.value.into_iter().map(|c| c.value).collect(),
                unique: flag(table, "unique", r),
            };
            let table = required(table, "table", r)?;
            if *kind == "create_index" {
                Operation::CreateIndex { table, index }
            } else {
                Operation::DropIndex { table, index }
            }
        }
        _ => {
            let up = dialect_sql(table.get("sql")?, "`sql`", r)?;
            let down = match table.get("down") {
                Some(value) => Some(dialect_sql(value, "`down`", r)?),
                None => None,
            };
            Operation::Sql { up, down }
        }
    };
    (r.problems() == before).then_some(op)
}

fn require<'a, 'i>(
    table: &'a DeTable<'i>,
    key: &str,
    at: &Value<'_>,
    r: &mut Reader<'_, '_>,
) -> Option<&'a Value<'i>> {
    let value = table.get(key);
    if value.is_none() {
        let loc = r.loc(at.span());
        r.report().error(&loc, format!("missing key `{key}`"));
    }
    value
}

fn required(table: &DeTable<'_>, key: &str, r: &mut Reader<'_, '_>) -> Option<String> {
    match table.get(key) {
        Some(value) => r.string(value, &format!("`{key}`")).map(|s| s.value),
        None => {
            // Located at the operation's first key: the table itself has no span here.
            let span = table.iter().next().map_or(0..0, |(k, _)| k.span());
            let loc = r.loc(span);
            r.report().error(&loc, format!("missing key `{key}`"));
            None
        }
    }
}

fn flag(table: &DeTable<'_>, key: &str, r: &mut Reader<'_, '_>) -> bool {
    r.key(table, key, Reader::boolean).is_some_and(|b| b.value)
}

fn columns(table: &DeTable<'_>, r: &mut Reader<'_, '_>) -> Option<Vec<Column>> {
    let list = r.key(table, "columns", Reader::array)?;
    let mut out = Vec::with_capacity(list.len());
    for value in list {
        let t = r.table(value, "each element of `columns`")?;
        r.check_keys(t, COLUMN_KEYS, "in a column");
        let name = r.key(t, "name", Reader::string);
        let Some(name) = name else {
            let loc = r.loc(value.span());
            r.report().error(&loc, "missing key `name`");
            return None;
        };
        out.push(column(t, name.value, value, r)?);
    }
    Some(out)
}

/// A column from the keys of `table` (`type`, `nullable`, `unique`, `primary_key`, `default`).
fn column(
    table: &DeTable<'_>,
    name: String,
    at: &Value<'_>,
    r: &mut Reader<'_, '_>,
) -> Option<Column> {
    let ty_value = require(table, "type", at, r)?;
    let ty_name = r.string(ty_value, "`type`")?;
    let Some(ty) = FieldType::from_name(&ty_name.value) else {
        let names: Vec<&str> = FieldType::ALL.iter().map(|(n, _)| *n).collect();
        r.report().error_with_hint(
            &ty_name.loc,
            format!("unknown type {:?}", ty_name.value),
            format!("one of {}", names.join(", ")),
        );
        return None;
    };
    let default = match table.get("default") {
        Some(value) => Some(default(value, ty, r)?),
        None => None,
    };
    Some(Column {
        name,
        ty,
        nullable: flag(table, "nullable", r),
        primary_key: flag(table, "primary_key", r),
        unique: flag(table, "unique", r),
        default,
    })
}

fn default(value: &Value<'_>, ty: FieldType, r: &mut Reader<'_, '_>) -> Option<DefaultValue> {
    use FieldType as T;
    let parsed = match (value.get_ref(), ty) {
        (DeValue::Boolean(b), T::Bool) => Some(DefaultValue::Bool(*b)),
        (DeValue::Integer(_), T::I16 | T::I32 | T::I64) => r
            .integer(value, "`default`")
            .map(|i| DefaultValue::Int(i.value)),
        (DeValue::Integer(_), T::F32 | T::F64) => r
            .integer(value, "`default`")
            .map(|i| DefaultValue::Float(i.value as f64)),
        (DeValue::Float(f), T::F32 | T::F64) => f.as_str().parse().ok().map(DefaultValue::Float),
        (DeValue::String(s), T::Date | T::Time | T::DateTime) if &**s == "now" => {
            Some(DefaultValue::Now)
        }
        (DeValue::String(s), T::String | T::Text | T::Json) => {
            Some(DefaultValue::Str(s.to_string()))
        }
        _ => None,
    };
    if parsed.is_none() {
        let loc = r.loc(value.span());
        r.report().error_with_hint(
            &loc,
            format!("`default` does not fit type {}", ty.name()),
            "booleans, integers and floats as literals; \"now\" for dates and times; strings in quotes",
        );
    }
    parsed
}

fn dialect_sql(value: &Value<'_>, what: &str, r: &mut Reader<'_, '_>) -> Option<DialectSql> {
    let table = r.table(value, what)?;
    r.check_keys(table, DIALECT_KEYS, &format!("in {what}"));
    let text =
        |key: &str, r: &mut Reader<'_, '_>| r.key(table, key, Reader::string).map(|s| s.value);
    let sql = DialectSql {
        sqlite: text("sqlite", r),
        postgres: text("postgres", r),
        mysql: text("mysql", r),
    };
    if sql == DialectSql::default() {
        let loc = r.loc(value.span());
        r.report().error(
            &loc,
            format!("{what} has no text for any dialect (sqlite, postgres, mysql)"),
        );
        return None;
    }
    Some(sql)
}
