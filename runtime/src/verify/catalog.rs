//! What a database has: its tables, columns and indexes, read from its catalog on the shard's
//! writer. Every statement goes through the writer's pool, traced and counted like any other;
//! every value is bound.

mod mysql;
mod postgres;
mod sqlite;

use std::collections::BTreeMap;

use crate::backend::Backend;
use crate::database::Handle;
use crate::error::Result;
use crate::exec::Conn;
use crate::role::Routing;

/// The migrator's version table: never compared with the declarations.
const VERSION_TABLE: &str = "switchyard_migrations";

/// One database's tables, by name.
#[derive(Debug, Default)]
pub(crate) struct Catalog {
    pub tables: BTreeMap<String, FoundTable>,
}

/// A table as the database has it.
#[derive(Debug, Default)]
pub(crate) struct FoundTable {
    /// In the table's column order.
    pub columns: Vec<FoundColumn>,
    /// Every index, the primary key's included (`primary`).
    pub indexes: Vec<FoundIndex>,
    /// The primary key's columns, in key order (empty without one).
    pub primary_key: Vec<String>,
}

/// A column as the database has it.
#[derive(Debug)]
pub(crate) struct FoundColumn {
    pub name: String,
    /// The database's own type name: `format_type` on PostgreSQL (`character varying(255)`),
    /// `COLUMN_TYPE` on MariaDB (`varchar(255)`; `json` for a `longtext` with MariaDB's
    /// `json_valid` check), the declared type on SQLite (`TEXT`).
    pub ty: String,
    pub nullable: bool,
    /// The default's expression as the catalog prints it (`'basic'::character varying`).
    pub default: Option<String>,
    /// Assigned by the database: identity or `nextval` (PostgreSQL), `auto_increment`
    /// (MariaDB), the rowid (SQLite's single `INTEGER` primary key).
    pub auto_increment: bool,
    /// The column's collation (PostgreSQL, MariaDB); `None` where it has none or it is not
    /// read (SQLite).
    pub collation: Option<String>,
}

/// An index as the database has it.
#[derive(Debug)]
pub(crate) struct FoundIndex {
    pub name: String,
    /// Column names in order; `None` for an expression.
    pub columns: Vec<Option<String>>,
    pub unique: bool,
    /// The primary key's index.
    pub primary: bool,
}

impl Catalog {
    pub(crate) fn table(&mut self, name: String) -> &mut FoundTable {
        self.tables.entry(name).or_default()
    }

    /// An index's row: the index is appended to when it is the table's last one so far.
    pub(crate) fn index_column(
        &mut self,
        table: String,
        index: String,
        unique: bool,
        primary: bool,
        column: Option<String>,
    ) {
        let indexes = &mut self.table(table).indexes;
        match indexes.last_mut() {
            Some(last) if last.name == index => last.columns.push(column),
            _ => indexes.push(FoundIndex {
                name: index,
                columns: vec![column],
                unique,
                primary,
            }),
        }
    }
}

/// The catalog of `handle`'s shard, read on its writer.
pub(crate) async fn read(handle: &Handle) -> Result<Catalog> {
    let mut conn = Conn::Handle(handle.with_routing(Routing::Writing));
    let mut catalog = match handle.backend() {
        Backend::Sqlite => sqlite::read(&mut conn).await?,
        Backend::Postgres => postgres::read(&mut conn).await?,
        Backend::MySql => mysql::read(&mut conn).await?,
    };
    catalog.tables.retain(|name, _| {
        name != VERSION_TABLE
            && !(handle.backend() == Backend::Sqlite && name.starts_with("sqlite_"))
    });
    Ok(catalog)
}
