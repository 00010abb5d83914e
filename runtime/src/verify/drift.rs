//! Comparing one database's catalog with its cluster's declarations.

use super::catalog::{Catalog, FoundColumn, FoundIndex, FoundTable};
use super::defaults;
use super::expected::{ExpectedColumn, ExpectedTable};
use super::report::Difference;
use super::types;
use crate::backend::Backend;

/// Every difference between `expected` and `catalog`, table by table in declaration order,
/// and the catalog's tables no declaration has.
pub(crate) fn compare(
    backend: Backend,
    expected: &[ExpectedTable],
    catalog: &Catalog,
) -> (Vec<Difference>, Vec<String>) {
    let mut out = Vec::new();
    for table in expected {
        match catalog.tables.get(table.name) {
            None => out.push(Difference::MissingTable {
                table: table.name.to_owned(),
            }),
            Some(found) => compare_table(backend, table, found, &mut out),
        }
    }
    let undeclared = catalog
        .tables
        .keys()
        .filter(|name| !expected.iter().any(|t| t.name == name.as_str()))
        .cloned()
        .collect();
    (out, undeclared)
}

fn compare_table(
    backend: Backend,
    table: &ExpectedTable,
    found: &FoundTable,
    out: &mut Vec<Difference>,
) {
    let name = table.name;
    let declared_key = table.primary_key();
    if declared_key != found.primary_key {
        out.push(Difference::PrimaryKey {
            table: name.to_owned(),
            declared: declared_key.iter().map(|c| (*c).to_owned()).collect(),
            found: found.primary_key.clone(),
        });
    }
    for column in table.columns {
        match found.columns.iter().find(|c| c.name == column.name) {
            None => out.push(Difference::MissingColumn {
                table: name.to_owned(),
                column: column.name.to_owned(),
                declared: column.ty,
            }),
            Some(c) => compare_column(backend, table, column, c, found, out),
        }
    }
    for c in &found.columns {
        if !table.columns.iter().any(|d| d.name == c.name) {
            out.push(Difference::UnexpectedColumn {
                table: name.to_owned(),
                column: c.name.clone(),
                found: c.ty.clone(),
            });
        }
    }
    for index in table.indexes {
        let declared_columns: Vec<String> = index.columns.iter().map(|c| (*c).to_owned()).collect();
        match found.indexes.iter().find(|i| i.name == index.name) {
            None => out.push(Difference::MissingIndex {
                table: name.to_owned(),
                index: index.name.to_owned(),
                columns: declared_columns,
                unique: index.unique,
            }),
            Some(i) => {
                let found_columns = column_names(i);
                if found_columns != declared_columns || i.unique != index.unique {
                    out.push(Difference::Index {
                        table: name.to_owned(),
                        index: index.name.to_owned(),
                        declared_columns,
                        declared_unique: index.unique,
                        found_columns,
                        found_unique: i.unique,
                    });
                }
            }
        }
    }
    for i in &found.indexes {
        if i.primary || table.indexes.iter().any(|d| d.name == i.name) || unique_column(i).is_some()
        {
            continue;
        }
        out.push(Difference::UnexpectedIndex {
            table: name.to_owned(),
            index: i.name.clone(),
            columns: column_names(i),
            unique: i.unique,
        });
    }
}

fn compare_column(
    backend: Backend,
    table: &ExpectedTable,
    column: &ExpectedColumn,
    found: &FoundColumn,
    found_table: &FoundTable,
    out: &mut Vec<Difference>,
) {
    let t = || table.name.to_owned();
    let c = || column.name.to_owned();
    let type_matches = types::matches(backend, column.ty, &found.ty);
    if !type_matches {
        out.push(Difference::Type {
            table: t(),
            column: c(),
            declared: column.ty,
            found: found.ty.clone(),
            found_as: types::declared_as(backend, &found.ty),
        });
    }
    // A collation only means something on a column of the declared type.
    if let Some(collation) = types::collation(backend, column.ty)
        && type_matches
        && found.collation.as_deref() != Some(collation)
    {
        out.push(Difference::Collation {
            table: t(),
            column: c(),
            declared: collation,
            found: found.collation.clone(),
        });
    }
    if column.nullable != found.nullable {
        out.push(Difference::Nullability {
            table: t(),
            column: c(),
            declared_nullable: column.nullable,
        });
    }
    if column.auto_increment() != found.auto_increment {
        out.push(Difference::KeyAssignment {
            table: t(),
            column: c(),
            declared: column.auto_increment(),
        });
    }
    if !found.auto_increment
        && !defaults::matches(
            column.ty,
            column.default,
            found.default.as_deref(),
            backend == Backend::MySql,
        )
    {
        out.push(Difference::Default {
            table: t(),
            column: c(),
            ty: column.ty,
            declared: column.default,
            found: found.default.clone(),
        });
    }
    if !column.primary_key {
        let found_unique = found_table.indexes.iter().any(|i| {
            !table.indexes.iter().any(|d| d.name == i.name) && unique_column(i) == Some(column.name)
        });
        if column.unique != found_unique {
            out.push(Difference::Unique {
                table: t(),
                column: c(),
                declared: column.unique,
            });
        }
    }
}

/// The one column a unique, non-primary index is on, if that is what it is.
fn unique_column(index: &FoundIndex) -> Option<&str> {
    match index.columns.as_slice() {
        [Some(column)] if index.unique && !index.primary => Some(column),
        _ => None,
    }
}

fn column_names(index: &FoundIndex) -> Vec<String> {
    index
        .columns
        .iter()
        .map(|c| c.clone().unwrap_or_else(|| "<expression>".to_owned()))
        .collect()
}
