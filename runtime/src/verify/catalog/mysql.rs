//! MariaDB's catalog (`information_schema`), in the connection's database (`DATABASE()`).

use super::{Catalog, FoundColumn};
use crate::error::Result;
use crate::exec::Conn;
use crate::lookup::Single;
use crate::value::row_struct;

const TABLES: &str = "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES \
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = ? ORDER BY TABLE_NAME";

const COLUMNS: &str = "SELECT CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), \
     CAST(COLUMN_TYPE AS CHAR), CAST(IS_NULLABLE AS CHAR), CAST(COLUMN_DEFAULT AS CHAR), \
     CAST(EXTRA AS CHAR), CAST(COLLATION_NAME AS CHAR) \
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
     ORDER BY TABLE_NAME, ORDINAL_POSITION";

const INDEXES: &str = "SELECT CAST(TABLE_NAME AS CHAR), CAST(INDEX_NAME AS CHAR), \
     CAST(NON_UNIQUE AS SIGNED), CAST(COLUMN_NAME AS CHAR) \
     FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
     ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX";

/// MariaDB's `json` is a `longtext` with a `json_valid` check; read only when the database
/// has a `longtext` column.
const CHECKS: &str = "SELECT CAST(TABLE_NAME AS CHAR), CAST(CHECK_CLAUSE AS CHAR) \
     FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()";

/// The primary key's index, always so named.
const PRIMARY: &str = "PRIMARY";

row_struct! {
    struct ColumnRow {
        table: String,
        name: String,
        ty: String,
        nullable: String,
        default: Option<String>,
        extra: Option<String>,
        collation: Option<String>,
    }
}

row_struct! {
    struct IndexRow {
        table: String,
        index: String,
        non_unique: i64,
        column: Option<String>,
    }
}

row_struct! {
    struct CheckRow {
        table: String,
        clause: String,
    }
}

pub(super) async fn read(conn: &mut Conn<'_>) -> Result<Catalog> {
    let mut args = conn.args();
    args.add("BASE TABLE");
    let tables: Vec<Single<String>> = conn.fetch_all(TABLES, args).await?;
    let columns: Vec<ColumnRow> = conn.fetch_all(COLUMNS, conn.args()).await?;
    let indexes: Vec<IndexRow> = conn.fetch_all(INDEXES, conn.args()).await?;
    let checks: Vec<CheckRow> = if columns
        .iter()
        .any(|c| c.ty.eq_ignore_ascii_case("longtext"))
    {
        conn.fetch_all(CHECKS, conn.args()).await?
    } else {
        Vec::new()
    };

    let mut catalog = Catalog::default();
    for Single(name) in tables {
        catalog.table(name);
    }
    for row in columns {
        if !catalog.tables.contains_key(&row.table) {
            continue; // a view's
        }
        let json_check = format!("json_valid({})", quote(&row.name));
        let is_json = row.ty.eq_ignore_ascii_case("longtext")
            && checks.iter().any(|c| {
                c.table == row.table
                    && c.clause
                        .replace(' ', "")
                        .eq_ignore_ascii_case(&json_check.replace(' ', ""))
            });
        let extra = row.extra.unwrap_or_default().to_ascii_lowercase();
        catalog.table(row.table).columns.push(FoundColumn {
            name: row.name,
            // MariaDB's own name for the alias.
            ty: if is_json { "json".to_owned() } else { row.ty },
            nullable: row.nullable.eq_ignore_ascii_case("YES"),
            // MariaDB prints "no default" as NULL (the word) for a nullable column.
            default: row.default.filter(|d| !d.eq_ignore_ascii_case("NULL")),
            auto_increment: extra.contains("auto_increment"),
            collation: row.collation,
        });
    }
    for row in indexes {
        if !catalog.tables.contains_key(&row.table) {
            continue;
        }
        let primary = row.index == PRIMARY;
        if primary && let Some(column) = &row.column {
            catalog
                .table(row.table.clone())
                .primary_key
                .push(column.clone());
        }
        catalog.index_column(
            row.table,
            row.index,
            row.non_unique == 0,
            primary,
            row.column,
        );
    }
    Ok(catalog)
}

/// A column name as MariaDB prints it in a check clause.
fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}
