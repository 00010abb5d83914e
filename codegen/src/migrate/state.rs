//! A database's schema as migrations leave it: replaying operations, and the same shape built
//! from the declarations, so the two can be compared.

use std::collections::BTreeMap;

use super::operation::{Column, IndexDef, Operation};
use crate::model::{Field, Model, Schema};

/// One table: columns in order, indexes by name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Columns in creation order.
    pub columns: Vec<Column>,
    /// Indexes by name.
    pub indexes: BTreeMap<String, IndexDef>,
}

impl Table {
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// The tables of one database (one cluster: every shard has the same).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SchemaState {
    /// Tables by name.
    pub tables: BTreeMap<String, Table>,
}

impl SchemaState {
    /// The state the declarations describe for `cluster`.
    pub fn declared(schema: &Schema, cluster: &str) -> SchemaState {
        let tables = schema
            .models
            .values()
            .filter(|m| m.cluster == cluster)
            .map(|m| (m.table.clone(), declared_table(m)))
            .collect();
        SchemaState { tables }
    }

    /// Apply one operation, or say why it does not fit this state (the message names tables
    /// and columns; the caller adds where the operation was written).
    pub fn apply(&mut self, op: &Operation) -> Result<(), String> {
        match op {
            Operation::CreateTable { table, columns } => {
                if self.tables.contains_key(table) {
                    return Err(format!("table `{table}` already exists"));
                }
                check_columns(table, columns)?;
                self.tables.insert(
                    table.clone(),
                    Table {
                        columns: columns.clone(),
                        indexes: BTreeMap::new(),
                    },
                );
            }
            Operation::DropTable { table, .. } => {
                self.tables
                    .remove(table)
                    .ok_or_else(|| format!("no table `{table}`"))?;
            }
            Operation::RenameTable { from, to } => {
                if self.tables.contains_key(to) {
                    return Err(format!("table `{to}` already exists"));
                }
                let moved = self
                    .tables
                    .remove(from)
                    .ok_or_else(|| format!("no table `{from}`"))?;
                self.tables.insert(to.clone(), moved);
            }
            Operation::AddColumn { table, column } => {
                let t = self.table_mut(table)?;
                if t.column(&column.name).is_some() {
                    return Err(format!(
                        "column `{}` of `{table}` already exists",
                        column.name
                    ));
                }
                if column.primary_key {
                    return Err(format!(
                        "column `{}`: a primary key cannot be added to existing table `{table}`",
                        column.name
                    ));
                }
                t.columns.push(column.clone());
            }
            Operation::DropColumn { table, column } => {
                let t = self.table_mut(table)?;
                let at = position(t, table, &column.name)?;
                if t.columns[at].primary_key {
                    return Err(format!(
                        "column `{}` is the primary key of `{table}`; drop the table instead",
                        column.name
                    ));
                }
                if let Some(index) = t
                    .indexes
                    .values()
                    .find(|i| i.columns.contains(&column.name))
                {
                    return Err(format!(
                        "column `{}` of `{table}` is in index `{}`; drop the index first",
                        column.name, index.name
                    ));
                }
                t.columns.remove(at);
            }
            Operation::RenameColumn { table, from, to } => {
                let t = self.table_mut(table)?;
                if t.column(to).is_some() {
                    return Err(format!("column `{to}` of `{table}` already exists"));
                }
                let at = position(t, table, from)?;
                t.columns[at].name = to.clone();
                for index in t.indexes.values_mut() {
                    for c in &mut index.columns {
                        if c == from {
                            c.clone_from(to);
                        }
                    }
                }
            }
            Operation::AlterColumn { table, from, to } => {
                let t = self.table_mut(table)?;
                let at = position(t, table, &from.name)?;
                if from.name != to.name {
                    return Err(format!(
                        "alter_column cannot rename (`{}` → `{}`); use rename_column",
                        from.name, to.name
                    ));
                }
                if from.primary_key != to.primary_key {
                    return Err(format!(
                        "column `{}` of `{table}`: the primary key cannot change",
                        from.name
                    ));
                }
                t.columns[at] = to.clone();
            }
            Operation::CreateIndex { table, index } => {
                if let Some((owner, _)) = self
                    .tables
                    .iter()
                    .find(|(_, t)| t.indexes.contains_key(&index.name))
                {
                    return Err(format!(
                        "index `{}` already exists (on `{owner}`)",
                        index.name
                    ));
                }
                let t = self.table_mut(table)?;
                for column in &index.columns {
                    position(t, table, column)?;
                }
                t.indexes.insert(index.name.clone(), index.clone());
            }
            Operation::DropIndex { table, index } => {
                let t = self.table_mut(table)?;
                t.indexes
                    .remove(&index.name)
                    .ok_or_else(|| format!("no index `{}` on `{table}`", index.name))?;
            }
            // Hand-written SQL is opaque: it must leave the tables as they were.
            Operation::Sql { .. } => {}
        }
        Ok(())
    }

    fn table_mut(&mut self, table: &str) -> Result<&mut Table, String> {
        self.tables
            .get_mut(table)
            .ok_or_else(|| format!("no table `{table}`"))
    }
}

fn position(t: &Table, table: &str, column: &str) -> Result<usize, String> {
    t.columns
        .iter()
        .position(|c| c.name == column)
        .ok_or_else(|| format!("no column `{column}` in `{table}`"))
}

fn check_columns(table: &str, columns: &[Column]) -> Result<(), String> {
    if columns.iter().filter(|c| c.primary_key).count() != 1 {
        return Err(format!(
            "table `{table}` needs exactly one primary key column"
        ));
    }
    for (i, c) in columns.iter().enumerate() {
        if columns[..i].iter().any(|d| d.name == c.name) {
            return Err(format!("column `{}` of `{table}` appears twice", c.name));
        }
    }
    Ok(())
}

/// A declared field as a column.
pub(crate) fn column_of(field: &Field) -> Column {
    Column {
        name: field.column.clone(),
        ty: field.ty,
        nullable: field.nullable,
        primary_key: field.primary_key,
        unique: field.unique && !field.primary_key,
        default: field.default.clone(),
    }
}

fn declared_table(model: &Model) -> Table {
    let column_name = |field: &str| {
        model
            .field(field)
            .map_or_else(|| field.to_owned(), |f| f.column.clone())
    };
    Table {
        columns: model.fields.iter().map(column_of).collect(),
        indexes: model
            .indexes
            .iter()
            .map(|i| {
                (
                    i.name.clone(),
                    IndexDef {
                        name: i.name.clone(),
                        columns: i.fields.iter().map(|f| column_name(f)).collect(),
                        unique: i.unique,
                    },
                )
            })
            .collect(),
    }
}
