//! Operations to SQL, per dialect, given the schema state before each runs.
//!
//! Where a backend cannot change a table in place (SQLite: a column's type, nullability,
//! uniqueness or default, adding a unique or NOT NULL column, dropping a unique one), the
//! table is rebuilt: created anew, rows copied, the old one dropped and the new one renamed,
//! its indexes recreated.

use super::operation::{Column, IndexDef, Operation};
use super::state::{SchemaState, Table};
use crate::model::{DefaultValue, Field, FieldType};
use crate::sql::Dialect;

/// One operation rendered for every dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What it does, for people ([`Operation::describe`]).
    pub describe: String,
    /// SQLite statements; `None`: hand-written SQL without SQLite text.
    pub sqlite: Option<Vec<String>>,
    /// PostgreSQL statements.
    pub postgres: Option<Vec<String>>,
    /// MySQL/MariaDB statements.
    pub mysql: Option<Vec<String>>,
}

/// Replay `operations` from `state`, rendering each; on the first operation that does not
/// fit, its index and why. `state` is left as the operations leave it.
pub fn steps(
    state: &mut SchemaState,
    operations: &[Operation],
) -> Result<Vec<Step>, (usize, String)> {
    let mut out = Vec::with_capacity(operations.len());
    for (i, op) in operations.iter().enumerate() {
        let before = state.clone();
        state.apply(op).map_err(|e| (i, e))?;
        out.push(Step {
            describe: op.describe(),
            sqlite: render(op, &before, Dialect::Sqlite),
            postgres: render(op, &before, Dialect::Postgres),
            mysql: render(op, &before, Dialect::MySql),
        });
    }
    Ok(out)
}

/// The statements of `op` on `dialect`, run against a database in state `before`; `None`
/// for hand-written SQL without text for this dialect. `before` must accept `op` (the caller
/// has replayed it).
fn render(op: &Operation, before: &SchemaState, d: Dialect) -> Option<Vec<String>> {
    let q = |name: &str| d.quote(name);
    let after = || {
        let mut after = before.clone();
        // The caller checked that `op` applies to `before`.
        let _ = after.apply(op);
        after
    };
    let rebuild = |table: &str| {
        let after = after();
        let (Some(old), Some(new)) = (before.tables.get(table), after.tables.get(table)) else {
            return Vec::new();
        };
        rebuild_table(d, table, old, new)
    };
    Some(match op {
        Operation::CreateTable { table, columns } => vec![create_table(d, table, columns)],
        Operation::DropTable { table, .. } => vec![format!("DROP TABLE {}", q(table))],
        Operation::RenameTable { from, to } => {
            vec![format!("ALTER TABLE {} RENAME TO {}", q(from), q(to))]
        }
        Operation::AddColumn { table, column } => {
            if d == Dialect::Sqlite && !sqlite_can_add(column) {
                rebuild(table)
            } else {
                vec![format!(
                    "ALTER TABLE {} ADD COLUMN {}",
                    q(table),
                    d.column_definition(&field_of(column))
                )]
            }
        }
        Operation::DropColumn { table, column } => {
            if d == Dialect::Sqlite && column.unique {
                rebuild(table)
            } else {
                vec![format!(
                    "ALTER TABLE {} DROP COLUMN {}",
                    q(table),
                    q(&column.name)
                )]
            }
        }
        Operation::RenameColumn { table, from, to } => vec![format!(
            "ALTER TABLE {} RENAME COLUMN {} TO {}",
            q(table),
            q(from),
            q(to)
        )],
        Operation::AlterColumn { table, from, to } => match d {
            Dialect::Sqlite => rebuild(table),
            Dialect::Postgres => alter_postgres(table, from, to),
            Dialect::MySql => alter_mysql(table, from, to),
        },
        Operation::CreateIndex { table, index } => vec![create_index(d, table, index)],
        Operation::DropIndex { table, index } => vec![match d {
            Dialect::MySql => format!("DROP INDEX {} ON {}", q(&index.name), q(table)),
            _ => format!("DROP INDEX {}", q(&index.name)),
        }],
        Operation::Sql { up, .. } => {
            let text = match d {
                Dialect::Sqlite => &up.sqlite,
                Dialect::Postgres => &up.postgres,
                Dialect::MySql => &up.mysql,
            };
            vec![text.clone()?]
        }
    })
}

/// A column as the DDL helpers of [`crate::sql`] take it.
fn field_of(column: &Column) -> Field {
    Field {
        name: column.name.clone(),
        column: column.name.clone(),
        ty: column.ty,
        nullable: column.nullable,
        unique: column.unique,
        primary_key: column.primary_key,
        default: column.default.clone(),
        doc: None,
        renamed_from: None,
    }
}

fn create_table(d: Dialect, table: &str, columns: &[Column]) -> String {
    let defs = columns
        .iter()
        .map(|c| d.column_definition(&field_of(c)))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "CREATE TABLE {} ({defs}){}",
        d.quote(table),
        d.table_options()
    )
}

fn create_index(d: Dialect, table: &str, index: &IndexDef) -> String {
    let columns = index
        .columns
        .iter()
        .map(|c| d.quote(c))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "CREATE {}INDEX {} ON {} ({columns})",
        if index.unique { "UNIQUE " } else { "" },
        d.quote(&index.name),
        d.quote(table)
    )
}

/// SQLite's `ADD COLUMN` takes no UNIQUE or PRIMARY KEY, no NOT NULL without a default, and
/// no default that is not a constant.
fn sqlite_can_add(column: &Column) -> bool {
    !column.unique
        && !column.primary_key
        && (column.nullable || column.default.is_some())
        && column.default != Some(DefaultValue::Now)
}

/// Create the new shape under a temporary name, copy the rows, swap, recreate the indexes.
fn rebuild_table(d: Dialect, table: &str, old: &Table, new: &Table) -> Vec<String> {
    let temporary = format!("__switchyard_new_{table}");
    let shared = new
        .columns
        .iter()
        .filter(|c| old.column(&c.name).is_some())
        .map(|c| d.quote(&c.name))
        .collect::<Vec<_>>()
        .join(", ");
    let mut statements = vec![
        create_table(d, &temporary, &new.columns),
        format!(
            "INSERT INTO {} ({shared}) SELECT {shared} FROM {}",
            d.quote(&temporary),
            d.quote(table)
        ),
        format!("DROP TABLE {}", d.quote(table)),
        format!(
            "ALTER TABLE {} RENAME TO {}",
            d.quote(&temporary),
            d.quote(table)
        ),
    ];
    statements.extend(new.indexes.values().map(|i| create_index(d, table, i)));
    statements
}

fn alter_postgres(table: &str, from: &Column, to: &Column) -> Vec<String> {
    let d = Dialect::Postgres;
    let alter = |what: String| {
        format!(
            "ALTER TABLE {} ALTER COLUMN {} {what}",
            d.quote(table),
            d.quote(&to.name)
        )
    };
    let mut statements = Vec::new();
    if from.ty != to.ty {
        let ty = d.column_type(to.ty);
        let collate = if matches!(to.ty, FieldType::String | FieldType::Text) {
            " COLLATE \"C\""
        } else {
            ""
        };
        statements.push(alter(format!(
            "TYPE {ty}{collate} USING {}::{ty}",
            d.quote(&to.name)
        )));
    }
    if from.nullable != to.nullable {
        statements.push(alter(
            if to.nullable {
                "DROP NOT NULL"
            } else {
                "SET NOT NULL"
            }
            .to_owned(),
        ));
    }
    if from.default != to.default || from.ty != to.ty {
        statements.push(alter(match d.default_clause(&field_of(to)) {
            Some(default) => format!("SET{default}"),
            None => "DROP DEFAULT".to_owned(),
        }));
    }
    if from.unique != to.unique {
        // PostgreSQL names a column's UNIQUE constraint `<table>_<column>_key`.
        let constraint = d.quote(&format!("{table}_{}_key", to.name));
        statements.push(if to.unique {
            format!(
                "ALTER TABLE {} ADD CONSTRAINT {constraint} UNIQUE ({})",
                d.quote(table),
                d.quote(&to.name)
            )
        } else {
            format!(
                "ALTER TABLE {} DROP CONSTRAINT {constraint}",
                d.quote(table)
            )
        });
    }
    statements
}

fn alter_mysql(table: &str, from: &Column, to: &Column) -> Vec<String> {
    let d = Dialect::MySql;
    let mut statements = Vec::new();
    // MySQL names a column's UNIQUE key after the column.
    if from.unique && !to.unique {
        statements.push(format!(
            "ALTER TABLE {} DROP INDEX {}",
            d.quote(table),
            d.quote(&from.name)
        ));
    }
    let definition = if to.primary_key {
        let auto = if to.ty.is_integer() {
            " AUTO_INCREMENT"
        } else {
            ""
        };
        format!(
            "{} {} NOT NULL{auto}",
            d.quote(&to.name),
            d.column_type(to.ty)
        )
    } else {
        d.column_definition(&field_of(&Column {
            unique: false,
            ..to.clone()
        }))
    };
    statements.push(format!(
        "ALTER TABLE {} MODIFY COLUMN {definition}",
        d.quote(table)
    ));
    if to.unique && !from.unique {
        statements.push(format!(
            "ALTER TABLE {} ADD UNIQUE INDEX {} ({})",
            d.quote(table),
            d.quote(&to.name),
            d.quote(&to.name)
        ));
    }
    statements
}
