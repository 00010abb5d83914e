//! SQLite's catalog: `sqlite_master` joined with `pragma_table_info` and
//! `pragma_index_list`/`pragma_index_info` (one statement each).

use super::{Catalog, FoundColumn};
use crate::error::Result;
use crate::exec::Conn;
use crate::value::{FromRow, Row};

const COLUMNS: &str = "SELECT m.`name`, p.`name`, p.`type`, p.`notnull`, p.`dflt_value`, p.`pk` \
     FROM `sqlite_master` AS m JOIN pragma_table_info(m.`name`) AS p \
     WHERE m.`type` = ? ORDER BY m.`name`, p.`cid`";

const INDEXES: &str = "SELECT m.`name`, l.`name`, l.`unique`, l.`origin`, i.`name` \
     FROM `sqlite_master` AS m JOIN pragma_index_list(m.`name`) AS l \
     JOIN pragma_index_info(l.`name`) AS i \
     WHERE m.`type` = ? ORDER BY m.`name`, l.`name`, i.`seqno`";

struct ColumnRow {
    table: String,
    name: String,
    ty: String,
    not_null: bool,
    default: Option<String>,
    /// 1-based position in the primary key; 0 when not part of it.
    pk: i64,
}

impl FromRow for ColumnRow {
    fn from_row(row: &Row) -> Result<Self, sqlx::Error> {
        Ok(ColumnRow {
            table: row.get(0)?,
            name: row.get(1)?,
            ty: row.get(2)?,
            not_null: row.get::<i64>(3)? != 0,
            default: row.get(4)?,
            pk: row.get(5)?,
        })
    }
}

struct IndexRow {
    table: String,
    index: String,
    unique: bool,
    origin: String,
    column: Option<String>,
}

impl FromRow for IndexRow {
    fn from_row(row: &Row) -> Result<Self, sqlx::Error> {
        Ok(IndexRow {
            table: row.get(0)?,
            index: row.get(1)?,
            unique: row.get::<i64>(2)? != 0,
            origin: row.get(3)?,
            column: row.get(4)?,
        })
    }
}

pub(super) async fn read(conn: &mut Conn<'_>) -> Result<Catalog> {
    let mut args = conn.args();
    args.add("table");
    let columns: Vec<ColumnRow> = conn.fetch_all(COLUMNS, args).await?;
    let mut args = conn.args();
    args.add("table");
    let indexes: Vec<IndexRow> = conn.fetch_all(INDEXES, args).await?;

    let mut catalog = Catalog::default();
    let mut keys: std::collections::BTreeMap<String, Vec<(i64, String)>> = Default::default();
    for row in columns {
        if row.pk > 0 {
            keys.entry(row.table.clone())
                .or_default()
                .push((row.pk, row.name.clone()));
        }
        catalog.table(row.table).columns.push(FoundColumn {
            name: row.name,
            ty: row.ty,
            nullable: !row.not_null,
            default: row.default,
            auto_increment: false,
            collation: None,
        });
    }
    for (name, mut key) in keys {
        key.sort();
        let table = catalog.table(name);
        table.primary_key = key.into_iter().map(|(_, column)| column).collect();
        // A single `INTEGER` primary key is the rowid: never NULL, assigned by SQLite when an
        // insert leaves it NULL (whether or not it says AUTOINCREMENT).
        if let [key] = table.primary_key.as_slice()
            && let Some(column) = table.columns.iter_mut().find(|c| &c.name == key)
            && column.ty.trim().eq_ignore_ascii_case("INTEGER")
        {
            column.auto_increment = true;
            column.nullable = false;
        }
    }
    for row in indexes {
        // The primary key's own index (a non-integer key) is the key, not an index.
        let primary = row.origin == "pk";
        catalog.index_column(row.table, row.index, row.unique, primary, row.column);
    }
    Ok(catalog)
}
