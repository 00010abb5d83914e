//! The dialect-neutral operations a migration is made of, and their reverses.
//!
//! Operations name tables and columns as the database knows them (not models and fields):
//! a migration describes a database, whatever the declarations say today.

use crate::model::{DefaultValue, FieldType};

/// A column as a migration creates or changes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Column name in the database.
    pub name: String,
    /// Declared type.
    pub ty: FieldType,
    /// Accepts NULL.
    pub nullable: bool,
    /// The table's primary key (an integer one is auto-increment).
    pub primary_key: bool,
    /// A unique constraint on this column alone.
    pub unique: bool,
    /// The database-side default.
    pub default: Option<DefaultValue>,
}

/// An index as a migration creates or drops it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDef {
    /// Index name (unique per database on PostgreSQL and SQLite).
    pub name: String,
    /// Its columns, in order.
    pub columns: Vec<String>,
    /// A unique index.
    pub unique: bool,
}

/// Hand-written SQL, one text per dialect; a dialect without text fails when run there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DialectSql {
    /// SQLite text.
    pub sqlite: Option<String>,
    /// PostgreSQL text.
    pub postgres: Option<String>,
    /// MySQL/MariaDB text.
    pub mysql: Option<String>,
}

/// One step of a migration.
#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    /// `CREATE TABLE` with these columns.
    CreateTable {
        /// Table name.
        table: String,
        /// Columns in order.
        columns: Vec<Column>,
    },
    /// `DROP TABLE`; the columns are kept so the drop can be reversed (its rows cannot).
    DropTable {
        /// Table name.
        table: String,
        /// The columns it had.
        columns: Vec<Column>,
    },
    /// Rename a table, keeping its rows.
    RenameTable {
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// Add a column.
    AddColumn {
        /// Table name.
        table: String,
        /// The new column.
        column: Column,
    },
    /// Drop a column; kept whole so the drop can be reversed (its values cannot).
    DropColumn {
        /// Table name.
        table: String,
        /// The column as it was.
        column: Column,
    },
    /// Rename a column, keeping its values.
    RenameColumn {
        /// Table name.
        table: String,
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// Change a column's type, nullability, uniqueness or default (not its name).
    AlterColumn {
        /// Table name.
        table: String,
        /// The column before.
        from: Column,
        /// The column after.
        to: Column,
    },
    /// Create an index.
    CreateIndex {
        /// Table name.
        table: String,
        /// The index.
        index: IndexDef,
    },
    /// Drop an index; kept whole so the drop can be reversed.
    DropIndex {
        /// Table name.
        table: String,
        /// The index as it was.
        index: IndexDef,
    },
    /// Hand-written SQL (data changes); `down` undoes it, or the migration is irreversible.
    Sql {
        /// Run forward.
        up: DialectSql,
        /// Run on rollback; `None`: irreversible.
        down: Option<DialectSql>,
    },
}

impl Operation {
    /// The operation that undoes this one, or `None` for SQL without `down`.
    pub fn reverse(&self) -> Option<Operation> {
        use Operation::*;
        Some(match self.clone() {
            CreateTable { table, columns } => DropTable { table, columns },
            DropTable { table, columns } => CreateTable { table, columns },
            RenameTable { from, to } => RenameTable { from: to, to: from },
            AddColumn { table, column } => DropColumn { table, column },
            DropColumn { table, column } => AddColumn { table, column },
            RenameColumn { table, from, to } => RenameColumn {
                table,
                from: to,
                to: from,
            },
            AlterColumn { table, from, to } => AlterColumn {
                table,
                from: to,
                to: from,
            },
            CreateIndex { table, index } => DropIndex { table, index },
            DropIndex { table, index } => CreateIndex { table, index },
            Sql { up, down } => Sql {
                up: down?,
                down: Some(up),
            },
        })
    }

    /// Whether running it loses data: a dropped table or column, or a type change that may
    /// not hold every old value.
    pub fn is_destructive(&self) -> bool {
        match self {
            Operation::DropTable { .. } | Operation::DropColumn { .. } => true,
            Operation::AlterColumn { from, to, .. } => !widens(from.ty, to.ty) && from.ty != to.ty,
            _ => false,
        }
    }

    /// One line for people: what it does, in the database's terms.
    pub fn describe(&self) -> String {
        match self {
            Operation::CreateTable { table, .. } => format!("create table `{table}`"),
            Operation::DropTable { table, .. } => format!("drop table `{table}`"),
            Operation::RenameTable { from, to } => format!("rename table `{from}` to `{to}`"),
            Operation::AddColumn { table, column } => {
                format!("add column `{}` to `{table}`", column.name)
            }
            Operation::DropColumn { table, column } => {
                format!("drop column `{}` of `{table}`", column.name)
            }
            Operation::RenameColumn { table, from, to } => {
                format!("rename column `{from}` of `{table}` to `{to}`")
            }
            Operation::AlterColumn { table, from, to } => {
                let mut changes = Vec::new();
                if from.ty != to.ty {
                    changes.push(format!("type {} → {}", from.ty.name(), to.ty.name()));
                }
                if from.nullable != to.nullable {
                    changes.push(if to.nullable { "nullable" } else { "not null" }.to_owned());
                }
                if from.unique != to.unique {
                    changes.push(if to.unique { "unique" } else { "not unique" }.to_owned());
                }
                if from.default != to.default {
                    changes.push("default".to_owned());
                }
                format!(
                    "alter column `{}` of `{table}`: {}",
                    to.name,
                    changes.join(", ")
                )
            }
            Operation::CreateIndex { table, index } => {
                format!("create index `{}` on `{table}`", index.name)
            }
            Operation::DropIndex { table, index } => {
                format!("drop index `{}` of `{table}`", index.name)
            }
            Operation::Sql { .. } => "run hand-written SQL".to_owned(),
        }
    }
}

/// Whether every value of `from` fits `to` unchanged.
fn widens(from: FieldType, to: FieldType) -> bool {
    use FieldType::*;
    matches!(
        (from, to),
        (I16, I32 | I64) | (I32, I64) | (F32, F64) | (String, Text)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, ty: FieldType) -> Column {
        Column {
            name: name.to_owned(),
            ty,
            nullable: false,
            primary_key: false,
            unique: false,
            default: None,
        }
    }

    #[test]
    fn every_structural_operation_reverses_to_itself() {
        let ops = [
            Operation::CreateTable {
                table: "t".into(),
                columns: vec![column("id", FieldType::I64)],
            },
            Operation::RenameTable {
                from: "a".into(),
                to: "b".into(),
            },
            Operation::AddColumn {
                table: "t".into(),
                column: column("c", FieldType::Text),
            },
            Operation::RenameColumn {
                table: "t".into(),
                from: "a".into(),
                to: "b".into(),
            },
            Operation::AlterColumn {
                table: "t".into(),
                from: column("c", FieldType::I32),
                to: column("c", FieldType::I64),
            },
            Operation::CreateIndex {
                table: "t".into(),
                index: IndexDef {
                    name: "i".into(),
                    columns: vec!["c".into()],
                    unique: false,
                },
            },
        ];
        for op in ops {
            let back = op.reverse().expect("structural");
            assert_ne!(back, op);
            assert_eq!(back.reverse(), Some(op));
        }
        let irreversible = Operation::Sql {
            up: DialectSql::default(),
            down: None,
        };
        assert_eq!(irreversible.reverse(), None);
    }

    #[test]
    fn destructive_operations() {
        let alter = |from, to| Operation::AlterColumn {
            table: "t".into(),
            from: column("c", from),
            to: column("c", to),
        };
        assert!(!alter(FieldType::I32, FieldType::I64).is_destructive());
        assert!(alter(FieldType::I64, FieldType::I32).is_destructive());
        assert!(alter(FieldType::Text, FieldType::String).is_destructive());
        assert!(!alter(FieldType::String, FieldType::String).is_destructive());
        assert!(
            Operation::DropColumn {
                table: "t".into(),
                column: column("c", FieldType::I32)
            }
            .is_destructive()
        );
    }
}
