//! Migration files as text: `<version>_<name>.toml`, an ordered `[[operation]]` list, written
//! the same way every time so that the same operations give byte-identical files.

use std::fmt::Write as _;

use super::operation::{Column, DialectSql, IndexDef, Operation};
use crate::model::DefaultValue;

/// `<version>_<name>.toml`.
pub fn file_name(version: u64, name: &str) -> String {
    format!("{version:014}_{name}.toml")
}

/// The text of a migration of `cluster` made of `operations`.
pub fn to_toml(cluster: &str, operations: &[Operation]) -> String {
    let mut out = format!(
        "# A migration of cluster `{cluster}`: its operations run in order on the writer of \
         every shard.\n# Review it before `switchyard db migrate`; see docs/migrations.md.\n"
    );
    for op in operations {
        out.push_str("\n[[operation]]\n");
        write_operation(&mut out, op);
    }
    out
}

fn write_operation(out: &mut String, op: &Operation) {
    let mut line = |key: &str, value: String| {
        // Writing into a String cannot fail.
        let _ = writeln!(out, "{key} = {value}");
    };
    match op {
        Operation::CreateTable { table, columns } | Operation::DropTable { table, columns } => {
            let key = match op {
                Operation::CreateTable { .. } => "create_table",
                _ => "drop_table",
            };
            line(key, string(table));
            let columns: Vec<String> = columns
                .iter()
                .map(|c| format!("    {},\n", inline_column(c, true)))
                .collect();
            line("columns", format!("[\n{}]", columns.concat()));
        }
        Operation::RenameTable { from, to } => {
            line("rename_table", string(from));
            line("to", string(to));
        }
        Operation::AddColumn { table, column } | Operation::DropColumn { table, column } => {
            let key = match op {
                Operation::AddColumn { .. } => "add_column",
                _ => "drop_column",
            };
            line(key, string(&column.name));
            line("table", string(table));
            for (key, value) in column_keys(column) {
                line(key, value);
            }
        }
        Operation::RenameColumn { table, from, to } => {
            line("rename_column", string(from));
            line("table", string(table));
            line("to", string(to));
        }
        Operation::AlterColumn { table, from, to } => {
            line("alter_column", string(&to.name));
            line("table", string(table));
            line("from", inline_column(from, false));
            line("to", inline_column(to, false));
        }
        Operation::CreateIndex { table, index } | Operation::DropIndex { table, index } => {
            let key = match op {
                Operation::CreateIndex { .. } => "create_index",
                _ => "drop_index",
            };
            write_index(&mut line, key, table, index);
        }
        Operation::Sql { up, down } => {
            line("sql", dialect_sql(up));
            if let Some(down) = down {
                line("down", dialect_sql(down));
            }
        }
    }
}

fn write_index(line: &mut impl FnMut(&str, String), key: &str, table: &str, index: &IndexDef) {
    line(key, string(&index.name));
    line("table", string(table));
    let columns: Vec<String> = index.columns.iter().map(|c| string(c)).collect();
    line("columns", format!("[{}]", columns.join(", ")));
    if index.unique {
        line("unique", "true".to_owned());
    }
}

/// The keys that describe a column besides its name, only those that differ from the
/// defaults (not nullable, not a key, not unique, no default).
fn column_keys(column: &Column) -> Vec<(&'static str, String)> {
    let mut keys = vec![("type", string(column.ty.name()))];
    if column.primary_key {
        keys.push(("primary_key", "true".to_owned()));
    }
    if column.nullable {
        keys.push(("nullable", "true".to_owned()));
    }
    if column.unique {
        keys.push(("unique", "true".to_owned()));
    }
    if let Some(default) = &column.default {
        keys.push(("default", default_value(default)));
    }
    keys
}

fn inline_column(column: &Column, with_name: bool) -> String {
    let mut parts = Vec::new();
    if with_name {
        parts.push(format!("name = {}", string(&column.name)));
    }
    parts.extend(
        column_keys(column)
            .into_iter()
            .map(|(key, value)| format!("{key} = {value}")),
    );
    format!("{{ {} }}", parts.join(", "))
}

fn dialect_sql(sql: &DialectSql) -> String {
    let parts: Vec<String> = [
        ("sqlite", &sql.sqlite),
        ("postgres", &sql.postgres),
        ("mysql", &sql.mysql),
    ]
    .into_iter()
    .filter_map(|(key, text)| text.as_ref().map(|t| format!("{key} = {}", string(t))))
    .collect();
    format!("{{ {} }}", parts.join(", "))
}

fn default_value(value: &DefaultValue) -> String {
    match value {
        DefaultValue::Now => string("now"),
        DefaultValue::Bool(b) => b.to_string(),
        DefaultValue::Int(i) => i.to_string(),
        DefaultValue::Float(x) => format!("{x:?}"),
        DefaultValue::Str(s) => string(s),
    }
}

/// A TOML basic string on one line: any text round-trips.
fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FieldType;

    #[test]
    fn writes_every_operation_deterministically() {
        let id = Column {
            name: "id".into(),
            ty: FieldType::I64,
            nullable: false,
            primary_key: true,
            unique: false,
            default: None,
        };
        let bio = Column {
            name: "bio".into(),
            ty: FieldType::Text,
            nullable: true,
            primary_key: false,
            unique: false,
            default: Some(DefaultValue::Str("say \"hi\"\n".into())),
        };
        let ops = [
            Operation::CreateTable {
                table: "users".into(),
                columns: vec![id.clone()],
            },
            Operation::AddColumn {
                table: "users".into(),
                column: bio.clone(),
            },
            Operation::AlterColumn {
                table: "users".into(),
                from: bio.clone(),
                to: Column {
                    ty: FieldType::String,
                    ..bio
                },
            },
            Operation::CreateIndex {
                table: "users".into(),
                index: IndexDef {
                    name: "users_bio_idx".into(),
                    columns: vec!["bio".into()],
                    unique: true,
                },
            },
            Operation::Sql {
                up: DialectSql {
                    sqlite: Some("UPDATE users SET bio = ''".into()),
                    postgres: None,
                    mysql: None,
                },
                down: None,
            },
        ];
        let text = to_toml("primary", &ops);
        assert_eq!(text, to_toml("primary", &ops));
        let expected = r#"
[[operation]]
create_table = "users"
columns = [
    { name = "id", type = "i64", primary_key = true },
]

[[operation]]
add_column = "bio"
table = "users"
type = "text"
nullable = true
default = "say \"hi\"\n"

[[operation]]
alter_column = "bio"
table = "users"
from = { type = "text", nullable = true, default = "say \"hi\"\n" }
to = { type = "string", nullable = true, default = "say \"hi\"\n" }

[[operation]]
create_index = "users_bio_idx"
table = "users"
columns = ["bio"]
unique = true

[[operation]]
sql = { sqlite = "UPDATE users SET bio = ''" }
"#;
        assert!(text.ends_with(expected), "{text}");
        let parsed: toml::Table = toml::from_str(&text).expect("valid TOML");
        let ops = parsed["operation"].as_array().expect("operations");
        assert_eq!(ops[1]["default"].as_str(), Some("say \"hi\"\n"));
        assert_eq!(
            file_name(20261204120000, "add_bio"),
            "20261204120000_add_bio.toml"
        );
    }
}
