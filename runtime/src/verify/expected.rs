//! What the declarations say a cluster's tables are: plain data the generated code emits as
//! statics, one [`ExpectedTable`] per declared model of the cluster.

use std::fmt;

/// A field type as the declarations name it (`type = "string"`); its `Display` is that name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// `bool`
    Bool,
    /// `i16`
    I16,
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `f32`
    F32,
    /// `f64`
    F64,
    /// `string` (at most 255 characters)
    String,
    /// `text`
    Text,
    /// `bytes`
    Bytes,
    /// `uuid`
    Uuid,
    /// `date`
    Date,
    /// `time`
    Time,
    /// `datetime`
    DateTime,
    /// `json`
    Json,
}

impl FieldType {
    /// Every field type, in the declarations' order.
    pub const ALL: [FieldType; 14] = [
        FieldType::Bool,
        FieldType::I16,
        FieldType::I32,
        FieldType::I64,
        FieldType::F32,
        FieldType::F64,
        FieldType::String,
        FieldType::Text,
        FieldType::Bytes,
        FieldType::Uuid,
        FieldType::Date,
        FieldType::Time,
        FieldType::DateTime,
        FieldType::Json,
    ];

    /// The name a declaration uses (`"datetime"`).
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Bool => "bool",
            FieldType::I16 => "i16",
            FieldType::I32 => "i32",
            FieldType::I64 => "i64",
            FieldType::F32 => "f32",
            FieldType::F64 => "f64",
            FieldType::String => "string",
            FieldType::Text => "text",
            FieldType::Bytes => "bytes",
            FieldType::Uuid => "uuid",
            FieldType::Date => "date",
            FieldType::Time => "time",
            FieldType::DateTime => "datetime",
            FieldType::Json => "json",
        }
    }

    /// The type named `name` in a declaration, if any.
    pub fn from_name(name: &str) -> Option<FieldType> {
        FieldType::ALL.into_iter().find(|t| t.name() == name)
    }

    /// `i16`, `i32` or `i64`: as a primary key, assigned by the database.
    pub fn is_integer(self) -> bool {
        matches!(self, FieldType::I16 | FieldType::I32 | FieldType::I64)
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One declared table (a model) of a cluster.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct ExpectedTable {
    /// The table's name in the database.
    pub name: &'static str,
    /// Its columns, in declaration order.
    pub columns: &'static [ExpectedColumn],
    /// Its declared indexes (`[[model.X.indexes]]`); a field's `unique = true` is a column
    /// property, not an index here.
    pub indexes: &'static [ExpectedIndex],
}

/// One declared column (a field).
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct ExpectedColumn {
    /// The column's name in the database (the field's `column`, else its name).
    pub name: &'static str,
    /// The declared type.
    pub ty: FieldType,
    /// `nullable = true`.
    pub nullable: bool,
    /// `primary_key = true`. An integer primary key is assigned by the database.
    pub primary_key: bool,
    /// `unique = true`.
    pub unique: bool,
    /// The declared default as written, without TOML quotes: `0`, `1.5`, `true`, `basic` for
    /// `default = "basic"` on a string or text field, `now` on a date, time or datetime field.
    pub default: Option<&'static str>,
}

/// One declared index.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct ExpectedIndex {
    /// The index's name in the database.
    pub name: &'static str,
    /// Its columns' names in the database, in order.
    pub columns: &'static [&'static str],
    /// `unique = true`.
    pub unique: bool,
}

impl ExpectedTable {
    /// The primary key's columns, in declaration order.
    pub(crate) fn primary_key(&self) -> Vec<&'static str> {
        self.columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| c.name)
            .collect()
    }
}

impl ExpectedColumn {
    /// Whether the database assigns this column's value (an integer primary key: identity on
    /// PostgreSQL, `AUTO_INCREMENT` on MariaDB, the rowid on SQLite).
    pub(crate) fn auto_increment(&self) -> bool {
        self.primary_key && self.ty.is_integer()
    }
}
