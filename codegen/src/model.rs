//! The intermediate model: plain data produced by `resolve` and consumed by `emit`.
//!
//! Every reference is already resolved and validated (a model's cluster exists, exactly one
//! primary key, names are valid identifiers), so emitters never re-read TOML or re-validate.
//! Maps are `BTreeMap`s so generated output is deterministic; vectors keep declaration order
//! where order is meaningful (fields, shards, replicas, roles).

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
    /// Each cluster's migration files (read by [`crate::load`]; empty from declarations
    /// alone), embedded so an app can migrate with no file at run time.
    pub migrations: BTreeMap<String, Vec<crate::resolve::Migration>>,
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
    /// How rows of models with a `shard_key` are placed on the shards (`shard_by`); `None`
    /// when not declared (only sharded clusters may declare it).
    pub shard_by: Option<ShardBy>,
    /// Pool options from the declarations (unset options use the runtime's defaults).
    pub pool: PoolOptions,
    /// Load balancing, fallback and health options (unset options use the runtime's defaults).
    pub routing: Routing,
    /// The migrations directory as declared (`migrations = "..."`, relative to the directory
    /// that holds the schema directory); `None`: `<schema>/migrations/<cluster>`.
    pub migrations: Option<String>,
    /// Whether the tools create, drop and migrate this cluster (Rails' `database_tasks`);
    /// `false` for a database the app uses but does not manage.
    pub database_tasks: bool,
}

impl Cluster {
    /// The names of the cluster's custom roles, in declaration order (every shard declares the
    /// same roles in this order).
    pub fn role_names(&self) -> Vec<&str> {
        self.shards.first().map_or_else(Vec::new, |shard| {
            shard.roles.iter().map(|role| role.name.as_str()).collect()
        })
    }
}

/// One shard of a cluster: a writer URL and replica URLs, as templates (`${VAR:-default}`),
/// expanded by the runtime at connect time.
#[derive(Debug, Clone, PartialEq)]
pub struct Shard {
    /// snake_case name as declared (`default` for a cluster that is not sharded).
    pub name: String,
    /// URL template of the writer.
    pub writer: String,
    /// The read replicas, in declaration order.
    pub replicas: Vec<Replica>,
    /// Custom roles: named replica sets. Every shard of a cluster has the same roles, in the
    /// order the first shard declares them.
    pub roles: Vec<RoleSet>,
    /// `range = [start, end]`: the shard holds keys `start <= key < end` (`shard_by = "range"`
    /// only; then every shard has one, and no two overlap).
    pub range: Option<(i64, i64)>,
    /// `keys = [...]`: the shard holds exactly these keys (`shard_by = "list"` only; then every
    /// shard has at least one, all of one kind, none on two shards).
    pub keys: Vec<ListKey>,
}

/// How a cluster places rows on its shards by their shard key (`shard_by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ShardBy {
    /// `hash`: a stable 64-bit hash of the key, mapped to shards by jump consistent hashing.
    /// Keys: integers, strings, uuids.
    Hash,
    /// `range`: each shard holds a half-open range of integer keys.
    Range,
    /// `list`: each shard holds a list of keys (integers or strings).
    List,
}

impl ShardBy {
    /// Every strategy, with the name a declaration uses for it.
    pub const ALL: [(&'static str, ShardBy); 3] = [
        ("hash", ShardBy::Hash),
        ("range", ShardBy::Range),
        ("list", ShardBy::List),
    ];

    /// Whether a shard key of this type can be placed by this strategy. For `list`, the
    /// key's kind must also match the listed keys' (see [`ListKey`]).
    pub fn accepts(self, ty: FieldType) -> bool {
        match self {
            ShardBy::Hash => ty.is_integer() || matches!(ty, FieldType::String | FieldType::Uuid),
            ShardBy::Range => ty.is_integer(),
            ShardBy::List => ty.is_integer() || ty == FieldType::String,
        }
    }
}

/// One key of a shard's `keys` list.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ListKey {
    /// An integer key (for integer shard keys).
    Int(i64),
    /// A string key (for string shard keys).
    Str(String),
}

/// A read replica: its URL template and load-balancing weight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replica {
    /// URL template.
    pub url: String,
    /// Relative share of reads, 1 to [`Replica::MAX_WEIGHT`] (1 when not declared).
    pub weight: u32,
}

impl Replica {
    /// The largest weight a declaration may give.
    pub const MAX_WEIGHT: u32 = 1000;
}

/// A custom role of a shard: a named set of replicas (`reporting`), reached through the
/// cluster handle's `role` method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSet {
    /// snake_case name as declared.
    pub name: String,
    /// The role's replicas, in declaration order; at least one.
    pub replicas: Vec<Replica>,
}

/// Routing options of a cluster; `None` means "runtime default".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Routing {
    /// How reads pick a replica.
    pub policy: Option<Policy>,
    /// Where reads go when no replica is available.
    pub fallback: Option<Fallback>,
    /// Replicas lagging more than this leave rotation, in milliseconds.
    pub max_replica_lag_ms: Option<u64>,
    /// How often ejected replicas are probed and lag is measured, in milliseconds.
    pub check_interval_ms: Option<u64>,
    /// First ejection period after a connection failure, in milliseconds.
    pub eject_backoff_ms: Option<u64>,
    /// Longest ejection period, in milliseconds.
    pub eject_backoff_max_ms: Option<u64>,
}

impl Routing {
    /// The runtime's default `eject_backoff_ms`.
    pub const DEFAULT_EJECT_BACKOFF_MS: u64 = 500;
    /// The runtime's default `eject_backoff_max_ms`.
    pub const DEFAULT_EJECT_BACKOFF_MAX_MS: u64 = 30_000;
}

/// How reads pick among a shard's available replicas (`policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Policy {
    /// `round_robin`: in turn, each replica as often as its weight.
    RoundRobin,
    /// `random`: at random, in proportion to weights.
    Random,
    /// `least_busy`: the replica with the fewest connections in use per unit of weight.
    LeastBusy,
}

impl Policy {
    /// Every policy, with the name a declaration uses for it.
    pub const ALL: [(&'static str, Policy); 3] = [
        ("round_robin", Policy::RoundRobin),
        ("random", Policy::Random),
        ("least_busy", Policy::LeastBusy),
    ];
}

/// Where a read goes when no replica of its shard is available (`fallback`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fallback {
    /// `writer`: to the shard's writer.
    Writer,
    /// `error`: nowhere; the read fails.
    Error,
}

impl Fallback {
    /// Every fallback, with the name a declaration uses for it.
    pub const ALL: [(&'static str, Fallback); 2] =
        [("writer", Fallback::Writer), ("error", Fallback::Error)];
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
    /// The table's name before, if it was renamed (`renamed_from`).
    pub renamed_from: Option<String>,
    /// Fields in declaration order.
    pub fields: Vec<Field>,
    /// Index into `fields` of the single primary key.
    pub primary_key: usize,
    /// Secondary indexes (unique fields get their unique constraint from `Field::unique`).
    pub indexes: Vec<Index>,
    /// Relations to other models (possibly in other clusters), in declaration order.
    pub relations: Vec<Relation>,
    /// The field whose value places a row on a shard of its cluster (`shard_key`); `None`:
    /// rows go where the handle points (the default shard, a scope's or an explicit shard).
    /// Validated: the cluster declares `shard_by`, the field exists, is not nullable, is not
    /// an auto-increment key, and its type fits the strategy.
    pub shard_key: Option<String>,
    /// `unique_across_shards = true`: the app guarantees primary keys never repeat across the
    /// cluster's shards, for a key switchyard cannot prove unique (an integer or string key that
    /// is not the shard key, in a sharded cluster).
    pub unique_across_shards: bool,
    /// Derive serde's `Serialize` and `Deserialize` on the row, insert and patch structs: the
    /// model's `serde`, else `[options] serde`, else `false`.
    pub serde: bool,
}

impl Model {
    /// The primary key field.
    pub fn key(&self) -> &Field {
        &self.fields[self.primary_key]
    }

    /// The shard key field, for a model that declares one.
    pub fn shard_key_field(&self) -> Option<&Field> {
        self.shard_key.as_deref().and_then(|name| self.field(name))
    }

    /// The field with this name. Only for names `resolve` has checked.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
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
    /// The column's name before, if it was renamed (`renamed_from`).
    pub renamed_from: Option<String>,
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

    /// Types a primary key, and so a relation key, may have: they hash and compare exactly on
    /// every backend.
    pub fn is_key(self) -> bool {
        self.is_integer() || matches!(self, FieldType::String | FieldType::Uuid)
    }

    /// Types a relation's `order` may sort by in memory (not bytes or json).
    pub fn is_orderable(self) -> bool {
        !matches!(self, FieldType::Bytes | FieldType::Json)
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

impl DefaultValue {
    /// The value as declared, without TOML quoting (`0`, `1.5`, `true`, `basic`, `now`).
    pub fn as_declared(&self) -> String {
        match self {
            DefaultValue::Now => "now".to_owned(),
            DefaultValue::Bool(b) => b.to_string(),
            DefaultValue::Int(i) => i.to_string(),
            DefaultValue::Float(x) => format!("{x:?}"),
            DefaultValue::Str(s) => s.clone(),
        }
    }
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

/// A relation from one model to another, possibly in another cluster or shard.
///
/// Every relation, direct or `through`, is resolved to a chain of [`Hop`]s: a direct relation
/// has one, a through-relation the hops of its `through` relation followed by those of its
/// `source`. Loading follows the chain one query per hop, whatever clusters the hops cross.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    /// snake_case name as declared (`posts`); may be a Rust keyword.
    pub name: String,
    /// The related model's name.
    pub target: String,
    /// Declared kind; with `through` set, `HasMany` or `HasOne` through another relation.
    pub kind: RelationKind,
    /// The chain from the owning model to `target`; never empty. `hops[0].from` is the owner,
    /// the last hop's `to` is `target`.
    pub hops: Vec<Hop>,
    /// For a through-relation: the name of the relation it goes through (on the owner).
    pub through: Option<String>,
    /// For a to-one relation: whether the related row may be absent. Always true for `has_one`;
    /// for `belongs_to`, true when the foreign key is nullable.
    pub optional: bool,
    /// The relation on `target` that points back (validated: it exists, targets the owner,
    /// and uses the same keys in reverse).
    pub inverse_of: Option<String>,
    /// Sort keys on `target`'s fields, applied in memory after fetching; the target's primary
    /// key always breaks ties.
    pub order: Vec<OrderKey>,
    /// Keep at most this many related rows per owner (`has_many` only), after ordering.
    pub limit: Option<u64>,
    /// `belongs_to` only: check that the referenced row exists before insert and update.
    pub validate: bool,
    /// Plain-text documentation from the declarations.
    pub doc: Option<String>,
}

/// What a relation declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RelationKind {
    /// The owner holds the foreign key; one related row (or none when it is nullable).
    BelongsTo,
    /// The target holds the foreign key; at most one related row.
    HasOne,
    /// The target holds the foreign key; any number of related rows.
    HasMany,
}

impl RelationKind {
    /// Whether the relation yields many rows.
    pub fn is_many(self) -> bool {
        self == RelationKind::HasMany
    }
}

/// One step of a relation chain: rows of `to` whose `to_field` equals `from_field` of a row of
/// `from`. Both fields have the same Rust type (validated), either may be nullable.
#[derive(Debug, Clone, PartialEq)]
pub struct Hop {
    /// Model the step starts from.
    pub from: String,
    /// Field of `from` whose values are looked up.
    pub from_field: String,
    /// Model the step reaches.
    pub to: String,
    /// Field of `to` that must equal `from_field`.
    pub to_field: String,
}

/// One sort key of a relation's `order`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderKey {
    /// Field name on the relation's target.
    pub field: String,
    /// `desc` was given.
    pub descending: bool,
}
