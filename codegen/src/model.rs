//! The intermediate model: plain data produced by `resolve` and consumed by `emit`.
//!
//! Every reference is already resolved and validated (a model's cluster exists, exactly one
//! primary key, names are valid identifiers), so emitters never re-read TOML or re-validate.
//! Maps are `BTreeMap`s so generated output is deterministic; vectors keep declaration order
//! where order is meaningful (fields, shards, replicas).

use std::collections::BTreeMap;
use std::path::PathBuf;

/// A whole, validated declaration set.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// Clusters by name (snake_case, e.g. `primary`).
    pub clusters: BTreeMap<String, Cluster>,
    /// Models by name (PascalCase, e.g. `User`).
    pub models: BTreeMap<String, Model>,
    /// Every file that was read, for `cargo:rerun-if-changed`.
    pub files: Vec<PathBuf>,
}

/// A logical database: one writer and its replicas, or several shards of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// snake_case name as declared.
    pub name: String,
    /// Plain-text documentation from the declarations.
    pub doc: Option<String>,
    /// Models without an explicit `cluster` live here. Exactly one cluster is the default.
    pub is_default: bool,
    /// True when declared with `shard.*` tables; false for a plain `writer`/`replicas` cluster.
    pub sharded: bool,
    /// In declaration order; the first is the default shard. A cluster that is not sharded has
    /// exactly one shard, named `default`.
    pub shards: Vec<Shard>,
    /// Pool options from the declarations (unset options use the runtime's defaults).
    pub pool: PoolOptions,
}

/// One shard of a cluster: a writer URL and replica URLs, as templates (`${VAR:-default}`),
/// expanded by the runtime at connect time.
#[derive(Debug, Clone, PartialEq)]
pub struct Shard {
    /// snake_case name as declared (`default` for a cluster that is not sharded).
    pub name: String,
    /// URL template of the writer.
    pub writer: String,
    /// URL templates of the read replicas, in declaration order.
    pub replicas: Vec<String>,
}

/// Pool options of a cluster; `None` means "runtime default".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PoolOptions {
    /// Upper bound of open connections per pool.
    pub max_connections: Option<u32>,
    /// Connections kept open even when idle.
    pub min_connections: Option<u32>,
    /// How long to wait for a free connection, in milliseconds.
    pub acquire_timeout_ms: Option<u64>,
    /// Close connections idle for longer than this, in milliseconds.
    pub idle_timeout_ms: Option<u64>,
    /// Close connections older than this, in milliseconds.
    pub max_lifetime_ms: Option<u64>,
    /// Connect on first use instead of at start-up.
    pub lazy: Option<bool>,
}

/// A model: one table in one cluster (on every shard of it).
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// PascalCase name as declared.
    pub name: String,
    /// Name of the cluster it lives in (resolved: the declared one or the default cluster).
    pub cluster: String,
    /// Table name (declared, or the snake_case plural of the model name).
    pub table: String,
    /// Plain-text documentation from the declarations.
    pub doc: Option<String>,
    /// Fields in declaration order.
    pub fields: Vec<Field>,
    /// Index into `fields` of the single primary key.
    pub primary_key: usize,
    /// Secondary indexes (unique fields get their unique constraint from `Field::unique`).
    pub indexes: Vec<Index>,
}

impl Model {
    /// The primary key field.
    pub fn key(&self) -> &Field {
        &self.fields[self.primary_key]
    }
}

/// A typed field, stored in one column.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// snake_case name as declared (may be a Rust keyword such as `type`).
    pub name: String,
    /// Column name (declared `column`, or the field name).
    pub column: String,
    /// The field's type.
    pub ty: FieldType,
    /// `Option<T>` in Rust, NULL allowed in SQL.
    pub nullable: bool,
    /// A unique constraint; generates `find_by_<field>`.
    pub unique: bool,
    /// The model's primary key. Integer keys are assigned by the database (auto-increment).
    pub primary_key: bool,
    /// Value used on insert when none is given.
    pub default: Option<DefaultValue>,
    /// Plain-text documentation from the declarations.
    pub doc: Option<String>,
}

/// The field types a declaration may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    /// `String`, a short string (VARCHAR(255) where the dialect needs a bound)
    String,
    /// `String`, long text
    Text,
    /// `Vec<u8>`
    Bytes,
    /// `uuid::Uuid`
    Uuid,
    /// `chrono::NaiveDate`
    Date,
    /// `chrono::NaiveTime`
    Time,
    /// `chrono::DateTime<chrono::Utc>`
    DateTime,
    /// `serde_json::Value`
    Json,
}

impl FieldType {
    /// Every type, with the name a declaration uses for it.
    pub const ALL: [(&'static str, FieldType); 14] = [
        ("bool", FieldType::Bool),
        ("i16", FieldType::I16),
        ("i32", FieldType::I32),
        ("i64", FieldType::I64),
        ("f32", FieldType::F32),
        ("f64", FieldType::F64),
        ("string", FieldType::String),
        ("text", FieldType::Text),
        ("bytes", FieldType::Bytes),
        ("uuid", FieldType::Uuid),
        ("date", FieldType::Date),
        ("time", FieldType::Time),
        ("datetime", FieldType::DateTime),
        ("json", FieldType::Json),
    ];

    /// The type for a declaration name (`"i64"`), if there is one.
    pub fn from_name(name: &str) -> Option<FieldType> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }

    /// The declaration name of this type.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, t)| *t == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }

    /// Integer types, which make auto-increment primary keys.
    pub fn is_integer(self) -> bool {
        matches!(self, FieldType::I16 | FieldType::I32 | FieldType::I64)
    }
}

/// A default value for inserts. Validated against the field's type by `resolve`.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    /// `default = "now"` on a date, time or datetime field: the current time at insert.
    Now,
    /// A boolean literal.
    Bool(bool),
    /// An integer literal (in range of the field's type).
    Int(i64),
    /// A float literal.
    Float(f64),
    /// A string literal (string and text fields).
    Str(String),
}

/// A secondary index over one or more fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    /// Index name (declared, or `<table>_<col>_..._idx`).
    pub name: String,
    /// Field names (not column names), in index order.
    pub fields: Vec<String>,
    /// A unique index.
    pub unique: bool,
}
