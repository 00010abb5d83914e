//! The differ: the operations that take a database from one schema state to another, in an
//! order every backend accepts (renames, then changes inside tables, then new tables, then
//! dropped ones), with warnings for what a person should look at.

use std::collections::BTreeMap;

use super::operation::{Column, Operation};
use super::state::{SchemaState, Table};

/// What the declarations say was renamed (`renamed_from`): without it, a rename looks like a
/// drop and an add, and loses data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Renames {
    /// New table name → old table name.
    pub tables: BTreeMap<String, String>,
    /// (new table name, new column name) → old column name.
    pub columns: BTreeMap<(String, String), String>,
}

/// The operations, and warnings about them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diff {
    /// In the order they must run.
    pub operations: Vec<Operation>,
    /// Things a person should check before applying (a likely rename written as drop + add).
    pub warnings: Vec<String>,
}

/// The operations that turn `from` (the migrations' state) into `to` (the declarations').
pub fn diff(from: &SchemaState, to: &SchemaState, renames: &Renames) -> Diff {
    let mut out = Diff::default();
    let mut from = from.clone();
    for (new, old) in &renames.tables {
        if from.tables.contains_key(old) && !from.tables.contains_key(new) {
            let op = Operation::RenameTable {
                from: old.clone(),
                to: new.clone(),
            };
            // Checked just above: the old table exists and the new name is free.
            if from.apply(&op).is_ok() {
                out.operations.push(op);
            }
        }
    }
    for (name, want) in &to.tables {
        if let Some(have) = from.tables.get(name) {
            diff_table(name, have, want, renames, &mut out);
        }
    }
    for (name, want) in &to.tables {
        if from.tables.contains_key(name) {
            continue;
        }
        out.operations.push(Operation::CreateTable {
            table: name.clone(),
            columns: want.columns.clone(),
        });
        for index in want.indexes.values() {
            out.operations.push(Operation::CreateIndex {
                table: name.clone(),
                index: index.clone(),
            });
        }
    }
    for (name, have) in &from.tables {
        if !to.tables.contains_key(name) {
            if let Some(similar) = to
                .tables
                .iter()
                .find(|(n, t)| !from.tables.contains_key(*n) && same_columns(t, have))
            {
                out.warnings.push(format!(
                    "table `{name}` is dropped and `{}` created with the same columns: if it \
                     was renamed, say so with `renamed_from = \"{name}\"` on its model, or its \
                     rows are lost",
                    similar.0
                ));
            }
            out.operations.push(Operation::DropTable {
                table: name.clone(),
                columns: have.columns.clone(),
            });
        }
    }
    out
}

fn diff_table(name: &str, have: &Table, want: &Table, renames: &Renames, out: &mut Diff) {
    let table = || name.to_owned();
    // Indexes that go or change are dropped first: a column in one cannot be dropped.
    for (index_name, index) in &have.indexes {
        if want.indexes.get(index_name) != Some(index) {
            out.operations.push(Operation::DropIndex {
                table: table(),
                index: index.clone(),
            });
        }
    }
    let mut have = have.clone();
    for column in &want.columns {
        let key = (name.to_owned(), column.name.clone());
        if let Some(old) = renames.columns.get(&key)
            && have.column(old).is_some()
            && have.column(&column.name).is_none()
        {
            out.operations.push(Operation::RenameColumn {
                table: table(),
                from: old.clone(),
                to: column.name.clone(),
            });
            if let Some(c) = have.columns.iter_mut().find(|c| &c.name == old) {
                c.name.clone_from(&column.name);
            }
        }
    }
    let added: Vec<&Column> = want
        .columns
        .iter()
        .filter(|c| have.column(&c.name).is_none())
        .collect();
    let dropped: Vec<&Column> = have
        .columns
        .iter()
        .filter(|c| want.column(&c.name).is_none())
        .collect();
    for column in &added {
        if let Some(old) = dropped.iter().find(|d| d.ty == column.ty) {
            out.warnings.push(format!(
                "column `{}` of `{name}` is dropped and `{}` added with the same type: if it \
                 was renamed, say so with `renamed_from = \"{}\"` on its field, or its values \
                 are lost",
                old.name, column.name, old.name
            ));
        }
        out.operations.push(Operation::AddColumn {
            table: table(),
            column: (*column).clone(),
        });
    }
    for column in &want.columns {
        if let Some(old) = have.column(&column.name)
            && old != column
        {
            out.operations.push(Operation::AlterColumn {
                table: table(),
                from: old.clone(),
                to: column.clone(),
            });
        }
    }
    for column in dropped {
        out.operations.push(Operation::DropColumn {
            table: table(),
            column: column.clone(),
        });
    }
    for (index_name, index) in &want.indexes {
        if have.indexes.get(index_name) != Some(index) {
            out.operations.push(Operation::CreateIndex {
                table: table(),
                index: index.clone(),
            });
        }
    }
}

/// Same column names and types, in any order.
fn same_columns(a: &Table, b: &Table) -> bool {
    a.columns.len() == b.columns.len()
        && a.columns
            .iter()
            .all(|c| b.column(&c.name).is_some_and(|d| d.ty == c.ty))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::operation::IndexDef;
    use crate::model::{DefaultValue, FieldType};

    fn column(name: &str, ty: FieldType) -> Column {
        Column {
            name: name.to_owned(),
            ty,
            nullable: false,
            primary_key: name == "id",
            unique: false,
            default: None,
        }
    }

    fn state(tables: &[(&str, Vec<Column>)]) -> SchemaState {
        SchemaState {
            tables: tables
                .iter()
                .map(|(name, columns)| {
                    (
                        (*name).to_owned(),
                        Table {
                            columns: columns.clone(),
                            indexes: BTreeMap::new(),
                        },
                    )
                })
                .collect(),
        }
    }

    /// Applying the diff to `from` gives `to` (up to column order), and the reverse of the
    /// diff, applied in reverse order, gives `from` back.
    fn round_trip(from: &SchemaState, to: &SchemaState, renames: &Renames) -> Diff {
        let d = diff(from, to, renames);
        let mut s = from.clone();
        for op in &d.operations {
            s.apply(op).unwrap_or_else(|e| panic!("{op:?}: {e}"));
        }
        assert_eq!(
            diff(&s, to, &Renames::default()).operations,
            [],
            "converged"
        );
        for op in d.operations.iter().rev() {
            s.apply(&op.reverse().expect("structural"))
                .unwrap_or_else(|e| panic!("reverse of {op:?}: {e}"));
        }
        assert_eq!(
            diff(&s, from, &Renames::default()).operations,
            [],
            "reversed"
        );
        d
    }

    #[test]
    fn nothing_to_do_when_equal() {
        let s = state(&[("users", vec![column("id", FieldType::I64)])]);
        assert_eq!(diff(&s, &s, &Renames::default()), Diff::default());
    }

    #[test]
    fn add_alter_drop_rename_and_index() {
        let from = state(&[(
            "users",
            vec![
                column("id", FieldType::I64),
                column("name", FieldType::String),
                column("karma", FieldType::I32),
                column("old", FieldType::Text),
            ],
        )]);
        let mut to = state(&[(
            "users",
            vec![
                column("id", FieldType::I64),
                column("username", FieldType::String),
                Column {
                    default: Some(DefaultValue::Int(0)),
                    ..column("karma", FieldType::I64)
                },
                Column {
                    nullable: true,
                    ..column("bio", FieldType::Text)
                },
            ],
        )]);
        if let Some(t) = to.tables.get_mut("users") {
            t.indexes.insert(
                "users_karma_idx".into(),
                IndexDef {
                    name: "users_karma_idx".into(),
                    columns: vec!["karma".into()],
                    unique: false,
                },
            );
        }
        let mut renames = Renames::default();
        renames
            .columns
            .insert(("users".into(), "username".into()), "name".into());
        let d = round_trip(&from, &to, &renames);
        let described: Vec<String> = d.operations.iter().map(Operation::describe).collect();
        assert_eq!(
            described,
            [
                "rename column `name` of `users` to `username`",
                "add column `bio` to `users`",
                "alter column `karma` of `users`: type i32 → i64, default",
                "drop column `old` of `users`",
                "create index `users_karma_idx` on `users`",
            ]
        );
        // `old` (text) dropped and `bio` (text) added: flagged as a possible rename.
        assert_eq!(d.warnings.len(), 1, "{:?}", d.warnings);
    }

    #[test]
    fn tables_created_renamed_and_dropped() {
        let from = state(&[
            ("people", vec![column("id", FieldType::I64)]),
            ("gone", vec![column("id", FieldType::I32)]),
        ]);
        let to = state(&[
            ("users", vec![column("id", FieldType::I64)]),
            ("fresh", vec![column("id", FieldType::I32)]),
        ]);
        let mut renames = Renames::default();
        renames.tables.insert("users".into(), "people".into());
        let d = round_trip(&from, &to, &renames);
        let described: Vec<String> = d.operations.iter().map(Operation::describe).collect();
        assert_eq!(
            described,
            [
                "rename table `people` to `users`",
                "create table `fresh`",
                "drop table `gone`",
            ]
        );
        assert_eq!(
            d.warnings.len(),
            1,
            "gone/fresh look alike: {:?}",
            d.warnings
        );
    }
}
