//! Raw declarations: what one file says, shape-checked but not yet validated.
//!
//! Every value keeps its location so `resolve` can point at it. Optional keys are `Option`s;
//! a key that was present with the wrong type is `None` too (the parse stage has reported it),
//! and the `complete` flags tell `resolve` to skip checks that such a gap would turn into noise
//! (for example "no primary key" when `primary_key = "yes"` was already reported).

use super::format::relation;
use crate::diagnostics::Loc;
use crate::model::{ListKey, RelationKind};

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct At<T> {
    pub value: T,
    pub loc: Loc,
}

/// The declarations of one file.
#[derive(Debug, Default)]
pub(crate) struct Declarations {
    pub clusters: Vec<RawCluster>,
    pub models: Vec<RawModel>,
    pub options: RawOptions,
}

/// `[options]`: settings for every model of every file. Each option is set in one file only
/// (checked by `resolve` when the files are merged).
#[derive(Debug, Default)]
pub(crate) struct RawOptions {
    /// `serde`: derive serde's traits on every model's structs, unless a model says otherwise.
    pub serde: Option<At<bool>>,
}

/// `[cluster.NAME]`.
#[derive(Debug)]
pub(crate) struct RawCluster {
    pub name: At<String>,
    pub default: Option<At<bool>>,
    pub doc: Option<At<String>>,
    pub writer: Option<At<String>>,
    /// Located at the array; elements with shape errors are left out.
    pub replicas: Option<At<Vec<RawReplica>>>,
    /// Located at the `roles` key.
    pub roles: Option<At<Vec<RawRole>>>,
    pub routing: RawRouting,
    pub pool: RawPool,
    /// `shard` itself (its key location) and its tables in declaration order.
    pub shards: Option<At<Vec<RawShard>>>,
    /// `shard_by`: the name of the strategy placing rows on the shards, looked up by `resolve`
    /// (which can suggest a spelling).
    pub shard_by: Option<At<String>>,
    /// `shard_by` is absent or a string, and not misspelt (an unknown key close to it): whether
    /// the cluster declares a strategy is known.
    pub shard_by_known: bool,
    /// `migrations`: the cluster's migrations directory, as written.
    pub migrations: Option<At<String>>,
    /// `database_tasks`: whether the tools create, drop and migrate this cluster.
    pub database_tasks: Option<At<bool>>,
    /// No shape error inside this cluster.
    pub complete: bool,
}

/// `[cluster.NAME.shard.NAME]`.
#[derive(Debug)]
pub(crate) struct RawShard {
    pub name: At<String>,
    pub writer: Option<At<String>>,
    pub replicas: Vec<RawReplica>,
    /// Located at the `roles` key.
    pub roles: Option<At<Vec<RawRole>>>,
    /// `roles` is absent or a table, so the names of the shard's roles are known.
    pub roles_known: bool,
    /// `range = [start, end]`, located at the array; `None` when absent or not two integers
    /// (reported). Whether `start < end` is checked by `resolve`.
    pub range: Option<At<(i64, i64)>>,
    /// `keys = [...]`, located at the array, each key located; `None` when absent or when an
    /// element is neither a string nor an integer (reported).
    pub keys: Option<At<Vec<At<ListKey>>>>,
    /// No shape error inside this shard.
    pub complete: bool,
}

/// One element of `replicas`: `"URL"` or `{ url = "URL", weight = N }`.
#[derive(Debug)]
pub(crate) struct RawReplica {
    /// `None` when the table has no `url` or a `url` of the wrong type (reported).
    pub url: Option<At<String>>,
    /// Range-checked by `resolve`; absent means 1.
    pub weight: Option<At<i64>>,
}

/// One entry of `roles = { NAME = [replicas] }`.
#[derive(Debug)]
pub(crate) struct RawRole {
    pub name: At<String>,
    /// The role's value (the array of replicas).
    pub loc: Loc,
    /// The replicas without shape errors.
    pub replicas: Vec<RawReplica>,
    /// No shape error in the role's value, so `replicas` is all of them.
    pub complete: bool,
}

/// Load-balancing and health keys of a cluster; values are checked by `resolve`.
#[derive(Debug, Default)]
pub(crate) struct RawRouting {
    pub policy: Option<At<String>>,
    pub fallback: Option<At<String>>,
    pub max_replica_lag_ms: Option<At<i64>>,
    pub check_interval_ms: Option<At<i64>>,
    pub eject_backoff_ms: Option<At<i64>>,
    pub eject_backoff_max_ms: Option<At<i64>>,
}

/// `pool = { ... }` of a cluster; integers are range-checked by `resolve`.
#[derive(Debug, Default)]
pub(crate) struct RawPool {
    pub max_connections: Option<At<i64>>,
    pub min_connections: Option<At<i64>>,
    pub acquire_timeout_ms: Option<At<i64>>,
    pub idle_timeout_ms: Option<At<i64>>,
    pub max_lifetime_ms: Option<At<i64>>,
    pub lazy: Option<At<bool>>,
}

/// `[model.NAME]`.
#[derive(Debug)]
pub(crate) struct RawModel {
    pub name: At<String>,
    pub cluster: Option<At<String>>,
    pub table: Option<At<String>>,
    pub doc: Option<At<String>>,
    /// The table's name before (a rename the migration differ keeps rows through).
    pub renamed_from: Option<At<String>>,
    pub fields: Vec<RawField>,
    pub indexes: Vec<RawIndex>,
    /// Entries of `[model.NAME.relations]`, in declaration order.
    pub relations: Vec<RawRelation>,
    /// `shard_key`: the name of the field that places the model's rows on the shards.
    pub shard_key: Option<At<String>>,
    /// `unique_across_shards`: the app's promise that primary keys never repeat across shards.
    pub unique_across_shards: Option<At<bool>>,
    /// `serde`: derive serde's traits on this model's structs, whatever `[options]` says.
    pub serde: Option<At<bool>>,
    /// No shape error in the model's own keys or in any of its fields (relations have their
    /// own flag).
    pub complete: bool,
}

/// One entry of `[model.NAME.fields]`, either `name = "type"` or `name = { type = ..., ... }`.
#[derive(Debug)]
pub(crate) struct RawField {
    pub name: At<String>,
    /// The type name as written (looked up by `resolve`, which can suggest a spelling).
    pub ty: Option<At<String>>,
    pub nullable: Option<At<bool>>,
    pub unique: Option<At<bool>>,
    pub primary_key: Option<At<bool>>,
    pub default: Option<At<RawDefault>>,
    pub column: Option<At<String>>,
    pub doc: Option<At<String>>,
    /// The column's name before (a rename the migration differ keeps values through).
    pub renamed_from: Option<At<String>>,
}

/// A `default = ...` literal, before it is checked against the field's type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawDefault {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// A TOML value no field type takes (array, table, datetime); names the TOML type.
    Other(&'static str),
}

/// One entry of `indexes = [...]`.
#[derive(Debug)]
pub(crate) struct RawIndex {
    /// The index's table (for errors about the index as a whole).
    pub loc: Loc,
    pub fields: Option<At<Vec<At<String>>>>,
    pub unique: Option<At<bool>>,
    pub name: Option<At<String>>,
}

/// The keys that declare a relation's kind (and name its target), with the kind each declares.
pub(crate) const RELATION_KINDS: [(&str, RelationKind); 3] = [
    (relation::BELONGS_TO.name, RelationKind::BelongsTo),
    (relation::HAS_ONE.name, RelationKind::HasOne),
    (relation::HAS_MANY.name, RelationKind::HasMany),
];

/// The key that declares `kind` (`has_many`), as messages name it.
pub(crate) fn kind_key(kind: RelationKind) -> &'static str {
    RELATION_KINDS
        .iter()
        .find(|(_, k)| *k == kind)
        .map_or("?", |(key, _)| key)
}

/// One entry of `[model.NAME.relations]`: `posts = { has_many = "Post", ... }`.
///
/// Keys that do not fit the kind (`limit` on a belongs_to, `foreign_key` with `through`, ...)
/// are reported by the parse stage and kept here, so `complete` is what tells `resolve` whether
/// the entry can be trusted.
#[derive(Debug)]
pub(crate) struct RawRelation {
    pub name: At<String>,
    /// The kind, when exactly one of `belongs_to`, `has_one`, `has_many` was given as a string.
    pub kind: Option<RelationKind>,
    /// The target model's name, located at the kind's value.
    pub target: Option<At<String>>,
    pub foreign_key: Option<At<String>>,
    pub primary_key: Option<At<String>>,
    pub inverse_of: Option<At<String>>,
    /// The `order` string as written; its syntax is checked by `resolve`.
    pub order: Option<At<String>>,
    pub limit: Option<At<i64>>,
    pub through: Option<At<String>>,
    pub source: Option<At<String>>,
    pub validate: Option<At<bool>>,
    pub doc: Option<At<String>>,
    /// No shape error in this entry.
    pub complete: bool,
}
