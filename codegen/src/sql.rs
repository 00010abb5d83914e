//! SQL text per dialect, computed at codegen time: identifier quoting, column types, DDL and
//! the fixed-shape statements of each model. Values never appear here; statements use
//! placeholders (`?` on SQLite and MySQL, `$n` on PostgreSQL).

use crate::model::{DefaultValue, Field, FieldType, Model};

/// The three SQL dialects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
    MySql,
}

/// One text per dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SqlSet {
    pub sqlite: String,
    pub postgres: String,
    pub mysql: String,
}

impl SqlSet {
    /// Build each dialect's text with `f`.
    pub fn build(mut f: impl FnMut(Dialect) -> String) -> SqlSet {
        SqlSet {
            sqlite: f(Dialect::Sqlite),
            postgres: f(Dialect::Postgres),
            mysql: f(Dialect::MySql),
        }
    }
}

impl Dialect {
    /// Quote an identifier, doubling the quote character inside it.
    ///
    /// SQLite gets backticks, not the standard double quotes: it reads a double-quoted name
    /// that matches no column as a string literal, so a column missing from the table would
    /// silently read back as its own name. A backticked name is always an identifier.
    pub fn quote(self, name: &str) -> String {
        match self {
            Dialect::MySql | Dialect::Sqlite => format!("`{}`", name.replace('`', "``")),
            Dialect::Postgres => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// What follows a `CREATE TABLE`'s column list.
    pub(crate) fn table_options(self) -> &'static str {
        match self {
            // NO PAD: "abc" and "abc " are different strings, as on the other backends.
            Dialect::MySql => " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin",
            Dialect::Sqlite | Dialect::Postgres => "",
        }
    }

    /// What an auto-increment key's value is when the row leaves it to the database.
    pub fn auto_key_value(self) -> &'static str {
        match self {
            // SQLite has no DEFAULT in VALUES; NULL makes it assign the key.
            Dialect::Sqlite => "NULL",
            Dialect::Postgres | Dialect::MySql => "DEFAULT",
        }
    }

    /// Placeholder of the `n`-th (1-based) bound value.
    pub fn placeholder(self, n: usize) -> String {
        match self {
            Dialect::Postgres => format!("${n}"),
            Dialect::Sqlite | Dialect::MySql => "?".to_owned(),
        }
    }

    /// A string literal (DDL defaults only; statements always bind values).
    fn string_literal(self, s: &str) -> String {
        let escaped = s.replace('\'', "''");
        match self {
            Dialect::MySql => format!("'{}'", escaped.replace('\\', "\\\\")),
            Dialect::Sqlite | Dialect::Postgres => format!("'{escaped}'"),
        }
    }

    /// The column type of a field type.
    pub fn column_type(self, ty: FieldType) -> &'static str {
        use Dialect::*;
        use FieldType as T;
        match (self, ty) {
            (Sqlite, T::Bool | T::I16 | T::I32 | T::I64) => "INTEGER",
            (Sqlite, T::F32 | T::F64) => "REAL",
            (Sqlite, T::String | T::Text | T::Date | T::Time | T::DateTime | T::Json) => "TEXT",
            (Sqlite, T::Bytes | T::Uuid) => "BLOB",
            (Postgres, T::Bool) => "BOOLEAN",
            (Postgres, T::I16) | (MySql, T::I16) => "SMALLINT",
            (Postgres, T::I32) => "INTEGER",
            (Postgres, T::I64) | (MySql, T::I64) => "BIGINT",
            (Postgres, T::F32) => "REAL",
            (Postgres, T::F64) => "DOUBLE PRECISION",
            (Postgres, T::String) | (MySql, T::String) => "VARCHAR(255)",
            (Postgres, T::Text) => "TEXT",
            (Postgres, T::Bytes) => "BYTEA",
            (Postgres, T::Uuid) => "UUID",
            (Postgres, T::Date) | (MySql, T::Date) => "DATE",
            (Postgres, T::Time) => "TIME",
            (Postgres, T::DateTime) => "TIMESTAMPTZ",
            (Postgres, T::Json) => "JSONB",
            (MySql, T::Bool) => "BOOLEAN",
            (MySql, T::I32) => "INT",
            (MySql, T::F32) => "FLOAT",
            (MySql, T::F64) => "DOUBLE",
            (MySql, T::Text) => "LONGTEXT",
            (MySql, T::Bytes) => "LONGBLOB",
            (MySql, T::Uuid) => "BINARY(16)",
            (MySql, T::Time) => "TIME(6)",
            (MySql, T::DateTime) => "DATETIME(6)",
            (MySql, T::Json) => "JSON",
        }
    }

    pub(crate) fn default_clause(self, field: &Field) -> Option<String> {
        let value = match (field.default.as_ref()?, field.ty) {
            (DefaultValue::Now, ty) => match (self, ty) {
                (Dialect::MySql, FieldType::DateTime) => "CURRENT_TIMESTAMP(6)".to_owned(),
                (Dialect::MySql, FieldType::Date) => "(CURRENT_DATE)".to_owned(),
                (Dialect::MySql, _) => "(CURRENT_TIME(6))".to_owned(),
                (_, FieldType::Date) => "CURRENT_DATE".to_owned(),
                (_, FieldType::Time) => "CURRENT_TIME".to_owned(),
                _ => "CURRENT_TIMESTAMP".to_owned(),
            },
            (DefaultValue::Bool(b), _) => match self {
                Dialect::Sqlite => u8::from(*b).to_string(),
                _ => if *b { "TRUE" } else { "FALSE" }.to_owned(),
            },
            (DefaultValue::Int(i), _) => i.to_string(),
            (DefaultValue::Float(x), _) => format!("{x:?}"),
            (DefaultValue::Str(s), FieldType::Text | FieldType::Json) if self == Dialect::MySql => {
                format!("({})", self.string_literal(s))
            }
            (DefaultValue::Str(s), _) => self.string_literal(s),
        };
        Some(format!(" DEFAULT {value}"))
    }

    pub(crate) fn column_definition(self, field: &Field) -> String {
        let name = self.quote(&field.column);
        let ty = self.column_type(field.ty);
        if field.primary_key && field.ty.is_integer() {
            return match self {
                Dialect::Sqlite => format!("{name} INTEGER PRIMARY KEY AUTOINCREMENT"),
                Dialect::Postgres => {
                    format!("{name} {ty} GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
                }
                Dialect::MySql => format!("{name} {ty} NOT NULL AUTO_INCREMENT PRIMARY KEY"),
            };
        }
        let mut def = format!("{name} {ty}");
        if self == Dialect::Postgres && matches!(field.ty, FieldType::String | FieldType::Text) {
            // Compare and sort by bytes, as SQLite's BINARY and MariaDB's utf8mb4_nopad_bin do,
            // whatever the database's locale.
            def.push_str(" COLLATE \"C\"");
        }
        if field.primary_key {
            def.push_str(" NOT NULL PRIMARY KEY");
        } else if !field.nullable {
            def.push_str(" NOT NULL");
        }
        if self == Dialect::Sqlite && field.ty == FieldType::String {
            // SQLite ignores declared lengths; the others refuse a longer value.
            def.push_str(&format!(" CHECK (length({name}) <= 255)"));
        }
        if field.primary_key {
            return def;
        }
        if field.unique {
            def.push_str(" UNIQUE");
        }
        if let Some(default) = self.default_clause(field) {
            def.push_str(&default);
        }
        def
    }
}

/// The statements of one model, per dialect.
pub(crate) struct Statements {
    pub select: SqlSet,
    pub count: SqlSet,
    pub exists: SqlSet,
    pub delete: SqlSet,
    pub update_head: SqlSet,
    pub key: SqlSet,
    pub find: SqlSet,
    pub find_by: Vec<(usize, SqlSet)>,
    pub update: SqlSet,
    pub delete_by_key: SqlSet,
    pub insert_head: SqlSet,
    pub returning: SqlSet,
    pub insert_one: SqlSet,
    /// For an auto-increment key: the PostgreSQL statements that move its sequence past an
    /// explicit key (lock the table, then `setval`).
    pub pg_advance_key: Option<(String, String)>,
    pub create: Vec<SqlSet>,
    pub drop: SqlSet,
}

/// The fields an update writes, in order: every field but the primary key and the shard key.
pub(crate) fn update_fields(model: &Model) -> Vec<&Field> {
    model
        .fields
        .iter()
        .filter(|f| !f.primary_key && model.shard_key.as_deref() != Some(f.name.as_str()))
        .collect()
}

/// Columns in insert order: an auto-increment key first (left to the database unless a row
/// sets it), then every other field in declaration order.
pub(crate) fn insert_order(model: &Model) -> Vec<usize> {
    let key = model.primary_key;
    let mut order = vec![key];
    order.extend((0..model.fields.len()).filter(|&i| i != key));
    order
}

impl Statements {
    pub fn of(model: &Model) -> Statements {
        let key = model.key();
        let table = |d: Dialect| d.quote(&model.table);
        let columns = |d: Dialect| {
            model
                .fields
                .iter()
                .map(|f| d.quote(&f.column))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let select = SqlSet::build(|d| format!("SELECT {} FROM {}", columns(d), table(d)));
        let by = |column: &str| {
            SqlSet::build(|d| {
                format!(
                    "SELECT {} FROM {} WHERE {} = {}",
                    columns(d),
                    table(d),
                    d.quote(column),
                    d.placeholder(1)
                )
            })
        };
        // A shard key is never written by an update (it would move the row to another shard):
        // it selects the row together with the primary key, so a changed one matches nothing.
        let shard_key = model.shard_key_field().filter(|f| !f.primary_key);
        let others = update_fields(model);
        let update = SqlSet::build(|d| {
            let sets = others
                .iter()
                .enumerate()
                .map(|(i, f)| format!("{} = {}", d.quote(&f.column), d.placeholder(i + 1)))
                .collect::<Vec<_>>()
                .join(", ");
            let mut sql = format!(
                "UPDATE {} SET {sets} WHERE {} = {}",
                table(d),
                d.quote(&key.column),
                d.placeholder(others.len() + 1)
            );
            if let Some(shard_key) = shard_key {
                sql.push_str(&format!(
                    " AND {} = {}",
                    d.quote(&shard_key.column),
                    d.placeholder(others.len() + 2)
                ));
            }
            sql
        });
        let order = insert_order(model);
        let insert_head = SqlSet::build(|d| {
            let cols = order
                .iter()
                .map(|&i| d.quote(&model.fields[i].column))
                .collect::<Vec<_>>()
                .join(", ");
            format!("INSERT INTO {} ({cols}) VALUES ", table(d))
        });
        let returning = SqlSet::build(|d| format!(" RETURNING {}", columns(d)));
        let auto_key = key.ty.is_integer();
        let pg_advance_key = auto_key.then(|| {
            let pg = Dialect::Postgres;
            let sequence = format!(
                "pg_get_serial_sequence({}, {})::regclass",
                pg.string_literal(&pg.quote(&model.table)),
                pg.string_literal(&key.column)
            );
            // The table lock keeps inserts (and so nextval) out between reading the sequence
            // and setting it, so the sequence never moves backwards.
            (
                format!(
                    "LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE",
                    pg.quote(&model.table)
                ),
                format!(
                    "SELECT setval(seq, $1) FROM (SELECT {sequence} AS seq) AS k \
                     WHERE $1 > COALESCE(pg_sequence_last_value(seq), 0)"
                ),
            )
        });
        let insert_one = SqlSet::build(|d| {
            // The one-row statement leaves an auto-increment key to the database; a row that
            // sets it goes through the batch path.
            let first_bound = if auto_key { 0 } else { 1 };
            let values = (0..order.len())
                .map(|i| match i {
                    0 if auto_key => d.auto_key_value().to_owned(),
                    _ => d.placeholder(i + first_bound),
                })
                .collect::<Vec<_>>()
                .join(", ");
            let head = match d {
                Dialect::Sqlite => &insert_head.sqlite,
                Dialect::Postgres => &insert_head.postgres,
                Dialect::MySql => &insert_head.mysql,
            };
            format!("{head}({values}) RETURNING {}", columns(d))
        });
        let mut create = vec![SqlSet::build(|d| {
            let defs = model
                .fields
                .iter()
                .map(|f| d.column_definition(f))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "CREATE TABLE IF NOT EXISTS {} ({defs}){}",
                table(d),
                d.table_options()
            )
        })];
        for index in &model.indexes {
            create.push(SqlSet::build(|d| {
                let cols = index
                    .fields
                    .iter()
                    .filter_map(|name| model.fields.iter().find(|f| &f.name == name))
                    .map(|f| d.quote(&f.column))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!(
                    "CREATE {}INDEX IF NOT EXISTS {} ON {} ({cols})",
                    if index.unique { "UNIQUE " } else { "" },
                    d.quote(&index.name),
                    table(d)
                )
            }));
        }
        Statements {
            count: SqlSet::build(|d| format!("SELECT COUNT(*) FROM {}", table(d))),
            exists: SqlSet::build(|d| format!("SELECT 1 FROM {}", table(d))),
            delete: SqlSet::build(|d| format!("DELETE FROM {}", table(d))),
            update_head: SqlSet::build(|d| format!("UPDATE {} SET ", table(d))),
            key: SqlSet::build(|d| d.quote(&key.column)),
            find: by(&key.column),
            find_by: model
                .fields
                .iter()
                .enumerate()
                .filter(|(_, f)| f.unique && !f.primary_key)
                .map(|(i, f)| (i, by(&f.column)))
                .collect(),
            update,
            delete_by_key: SqlSet::build(|d| {
                format!(
                    "DELETE FROM {} WHERE {} = {}",
                    table(d),
                    d.quote(&key.column),
                    d.placeholder(1)
                )
            }),
            insert_head,
            returning,
            insert_one,
            pg_advance_key,
            create,
            drop: SqlSet::build(|d| format!("DROP TABLE IF EXISTS {}", table(d))),
            select,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_doubles_the_quote_character() {
        assert_eq!(Dialect::Postgres.quote("a\"b"), "\"a\"\"b\"");
        assert_eq!(Dialect::MySql.quote("a`b"), "`a``b`");
        assert_eq!(Dialect::Sqlite.quote("order"), "`order`");
        assert_eq!(Dialect::Sqlite.quote("a`b"), "`a``b`");
    }

    #[test]
    fn string_literals_are_escaped() {
        assert_eq!(Dialect::Postgres.string_literal("it's"), "'it''s'");
        assert_eq!(Dialect::MySql.string_literal("a\\'b"), "'a\\\\''b'");
    }

    #[test]
    fn placeholders() {
        assert_eq!(Dialect::Postgres.placeholder(3), "$3");
        assert_eq!(Dialect::MySql.placeholder(3), "?");
    }
}
