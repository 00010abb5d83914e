//! PostgreSQL's catalog (`pg_catalog`), in the connection's current schema: the first schema
//! of its `search_path` that exists.

use super::{Catalog, FoundColumn};
use crate::error::Result;
use crate::exec::Conn;
use crate::lookup::Single;
use crate::value::row_struct;

/// Ordinary and partitioned tables.
const TABLES: &str = "SELECT c.relname::text FROM pg_catalog.pg_class AS c \
     JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace \
     WHERE n.nspname = current_schema() AND c.relkind::text IN ($1, $2) \
     ORDER BY 1";

const COLUMNS: &str = "SELECT c.relname::text, a.attname::text, \
     pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, \
     pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, co.collname::text \
     FROM pg_catalog.pg_attribute AS a \
     JOIN pg_catalog.pg_class AS c ON c.oid = a.attrelid \
     JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace \
     LEFT JOIN pg_catalog.pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
     LEFT JOIN pg_catalog.pg_collation AS co ON co.oid = a.attcollation \
     WHERE n.nspname = current_schema() AND c.relkind::text IN ($1, $2) \
     AND a.attnum > 0 AND NOT a.attisdropped \
     ORDER BY c.relname, a.attnum";

/// Each index with its key columns (not `INCLUDE`d ones) as a JSON array, `null` for an
/// expression.
const INDEXES: &str = "SELECT t.relname::text, i.relname::text, x.indisunique, x.indisprimary, \
     (SELECT array_to_json(array_agg(a.attname::text ORDER BY k.n))::text \
      FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) \
      LEFT JOIN pg_catalog.pg_attribute AS a ON a.attrelid = t.oid AND a.attnum = k.attnum \
      WHERE k.n <= x.indnkeyatts) \
     FROM pg_catalog.pg_index AS x \
     JOIN pg_catalog.pg_class AS i ON i.oid = x.indexrelid \
     JOIN pg_catalog.pg_class AS t ON t.oid = x.indrelid \
     JOIN pg_catalog.pg_namespace AS n ON n.oid = t.relnamespace \
     WHERE n.nspname = current_schema() \
     ORDER BY t.relname, i.relname";

row_struct! {
    struct ColumnRow {
        table: String,
        name: String,
        ty: String,
        not_null: bool,
        default: Option<String>,
        identity: Option<String>,
        collation: Option<String>,
    }
}

row_struct! {
    struct IndexRow {
        table: String,
        index: String,
        unique: bool,
        primary: bool,
        columns: Option<String>,
    }
}

fn kinds(conn: &Conn<'_>) -> crate::value::Args {
    let mut args = conn.args();
    args.add("r");
    args.add("p");
    args
}

pub(super) async fn read(conn: &mut Conn<'_>) -> Result<Catalog> {
    let tables: Vec<Single<String>> = conn.fetch_all(TABLES, kinds(conn)).await?;
    let columns: Vec<ColumnRow> = conn.fetch_all(COLUMNS, kinds(conn)).await?;
    let indexes: Vec<IndexRow> = conn.fetch_all(INDEXES, conn.args()).await?;

    let mut catalog = Catalog::default();
    for Single(name) in tables {
        catalog.table(name);
    }
    for row in columns {
        // An identity column, or a `serial` one (its default draws from a sequence).
        let serial = row
            .default
            .as_deref()
            .is_some_and(|d| d.starts_with("nextval("));
        let identity = row.identity.as_deref().is_some_and(|i| !i.is_empty());
        if !catalog.tables.contains_key(&row.table) {
            continue;
        }
        catalog.table(row.table).columns.push(FoundColumn {
            name: row.name,
            ty: row.ty,
            nullable: !row.not_null,
            default: if serial { None } else { row.default },
            auto_increment: identity || serial,
            collation: row.collation,
        });
    }
    for row in indexes {
        if !catalog.tables.contains_key(&row.table) {
            continue;
        }
        let columns: Vec<Option<String>> = row
            .columns
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default();
        if row.primary {
            catalog.table(row.table.clone()).primary_key =
                columns.iter().flatten().cloned().collect();
        }
        for column in if columns.is_empty() {
            vec![None]
        } else {
            columns
        } {
            catalog.index_column(
                row.table.clone(),
                row.index.clone(),
                row.unique,
                row.primary,
                column,
            );
        }
    }
    Ok(catalog)
}
