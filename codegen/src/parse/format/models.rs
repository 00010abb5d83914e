//! The tables of a model: `[model.NAME]`, its fields, indexes and relations.

use super::{Key, Table, Value};
use crate::model::FieldType;

/// `[model.NAME]`.
pub(crate) const MODEL: Table = Table {
    id: "model",
    doc: "A model: one table in one cluster (on every shard of a sharded cluster), with typed \
          fields.",
    keys: &[
        model::CLUSTER,
        model::TABLE,
        model::DOC,
        model::FIELDS,
        model::INDEXES,
        model::RELATIONS,
        model::RENAMED_FROM,
        model::SHARD_KEY,
        model::UNIQUE_ACROSS_SHARDS,
        model::SERDE,
    ],
    exactly_one_of: &[],
};

/// A field written as a table, `{ type = "string", ... }`.
pub(crate) const FIELD: Table = Table {
    id: "field",
    doc: "A typed field, stored in one column.",
    keys: &[
        field::TYPE,
        field::NULLABLE,
        field::UNIQUE,
        field::PRIMARY_KEY,
        field::DEFAULT,
        field::COLUMN,
        field::DOC,
        field::RENAMED_FROM,
    ],
    exactly_one_of: &[],
};

/// One element of `indexes`.
pub(crate) const INDEX: Table = Table {
    id: "index",
    doc: "A secondary index over one or more fields.",
    keys: &[index::FIELDS, index::UNIQUE, index::NAME],
    exactly_one_of: &[],
};

/// One entry of `[model.NAME.relations]`.
pub(crate) const RELATION: Table = Table {
    id: "relation",
    doc: "A relation to another model (possibly in another cluster): exactly one of \
          `belongs_to`, `has_one` and `has_many`, naming the target.",
    keys: &[
        relation::BELONGS_TO,
        relation::HAS_ONE,
        relation::HAS_MANY,
        relation::FOREIGN_KEY,
        relation::PRIMARY_KEY,
        relation::INVERSE_OF,
        relation::ORDER,
        relation::LIMIT,
        relation::THROUGH,
        relation::SOURCE,
        relation::VALIDATE,
        relation::DOC,
    ],
    exactly_one_of: &[
        relation::BELONGS_TO.name,
        relation::HAS_ONE.name,
        relation::HAS_MANY.name,
    ],
};

/// The name of a field type (`"string"`), from the list `resolve` looks types up in.
const FIELD_TYPE: Value = Value::Choice(|| FieldType::ALL.iter().map(|(name, _)| *name).collect());

/// The keys of [`MODEL`].
pub(crate) mod model {
    use super::*;

    pub(crate) const CLUSTER: Key = Key::new(
        "cluster",
        Value::String,
        "Name of the cluster the model lives in. Default: the default cluster.",
    );
    pub(crate) const TABLE: Key = Key::new(
        "table",
        Value::String,
        "Table name. Default: the snake_case plural of the model name (`UserProfile` → \
         `user_profiles`).",
    );
    pub(crate) const DOC: Key = Key::new(
        "doc",
        Value::String,
        "Documentation of the generated struct (plain text).",
    );
    pub(crate) const FIELDS: Key = Key::new(
        "fields",
        Value::Named(&Value::AnyOf(&[FIELD_TYPE, Value::Table(&FIELD)])),
        "The fields, by snake_case name, in order: a type name alone (`email = \"string\"`) or \
         a table (`id = { type = \"i64\", primary_key = true }`). At least one, and exactly one \
         primary key.",
    );
    pub(crate) const INDEXES: Key = Key::new(
        "indexes",
        Value::Array {
            item: &Value::Table(&INDEX),
            len: None,
        },
        "Secondary indexes (`[[model.NAME.indexes]]`).",
    );
    pub(crate) const RELATIONS: Key = Key::new(
        "relations",
        Value::Named(&Value::Table(&RELATION)),
        "Relations to other models, by snake_case name, in order.",
    );
    pub(crate) const RENAMED_FROM: Key = Key::new(
        "renamed_from",
        Value::String,
        "The table's name before a rename: `migration make` then keeps its rows. Remove it once \
         every database is migrated.",
    );
    pub(crate) const SHARD_KEY: Key = Key::new(
        "shard_key",
        Value::String,
        "The field whose value places each row on a shard, by the cluster's `shard_by`.",
    );
    pub(crate) const UNIQUE_ACROSS_SHARDS: Key = Key::new(
        "unique_across_shards",
        Value::Bool,
        "The app guarantees that primary keys never repeat across the shards of the model's \
         sharded cluster. Default: false.",
    );
    pub(crate) const SERDE: Key = Key::new(
        "serde",
        Value::Bool,
        "Derive serde's `Serialize` and `Deserialize` on the row, insert and patch structs. \
         Default: `[options] serde`, else false.",
    );
}

/// The keys of [`FIELD`].
pub(crate) mod field {
    use super::*;

    pub(crate) const TYPE: Key = Key::required("type", FIELD_TYPE, "The field's type.");
    pub(crate) const NULLABLE: Key = Key::new(
        "nullable",
        Value::Bool,
        "`Option<T>` in Rust, NULL allowed in SQL. Default: false.",
    );
    pub(crate) const UNIQUE: Key = Key::new(
        "unique",
        Value::Bool,
        "A unique constraint; generates `find_by_<field>`. Not on text, bytes or json fields. \
         Default: false.",
    );
    pub(crate) const PRIMARY_KEY: Key = Key::new(
        "primary_key",
        Value::Bool,
        "The model's primary key (exactly one field): i16, i32, i64 (assigned by the \
         database), string or uuid. Default: false.",
    );
    pub(crate) const DEFAULT: Key = Key::new(
        "default",
        Value::Literal,
        "Value used on insert when none is given: a literal of the field's type, or \"now\" for \
         date, time and datetime fields.",
    );
    pub(crate) const COLUMN: Key = Key::new(
        "column",
        Value::String,
        "Column name in SQL. Default: the field name.",
    );
    pub(crate) const DOC: Key = Key::new(
        "doc",
        Value::String,
        "Documentation of the generated struct field (plain text).",
    );
    pub(crate) const RENAMED_FROM: Key = Key::new(
        "renamed_from",
        Value::String,
        "The column's name before a rename: `migration make` then keeps its values. Remove it \
         once every database is migrated.",
    );
}

/// The keys of [`INDEX`].
pub(crate) mod index {
    use super::*;

    pub(crate) const FIELDS: Key = Key::required(
        "fields",
        Value::Array {
            item: &Value::String,
            len: None,
        },
        "Field names (not column names), in index order; at least one.",
    );
    pub(crate) const UNIQUE: Key =
        Key::new("unique", Value::Bool, "A unique index. Default: false.");
    pub(crate) const NAME: Key = Key::new(
        "name",
        Value::String,
        "Index name. Default: `<table>_<column>_..._idx`.",
    );
}

/// The keys of [`RELATION`].
pub(crate) mod relation {
    use super::*;

    pub(crate) const BELONGS_TO: Key = Key::new(
        "belongs_to",
        Value::String,
        "The target model; the owner holds the foreign key (at most one related row).",
    );
    pub(crate) const HAS_ONE: Key = Key::new(
        "has_one",
        Value::String,
        "The target model; the target holds the foreign key (at most one related row).",
    );
    pub(crate) const HAS_MANY: Key = Key::new(
        "has_many",
        Value::String,
        "The target model; the target holds the foreign key (any number of related rows).",
    );
    pub(crate) const FOREIGN_KEY: Key = Key::new(
        "foreign_key",
        Value::String,
        "The field holding the reference. Default: `<relation>_id` for belongs_to, \
         `<owner>_id` for has_one and has_many. Not with `through`.",
    );
    pub(crate) const PRIMARY_KEY: Key = Key::new(
        "primary_key",
        Value::String,
        "The field the foreign key refers to. Default: the primary key of the model referred \
         to. Not with `through`.",
    );
    pub(crate) const INVERSE_OF: Key = Key::new(
        "inverse_of",
        Value::String,
        "The relation of the target that is this one walked backwards. Not with `through`.",
    );
    pub(crate) const ORDER: Key = Key::new(
        "order",
        Value::String,
        "has_many and has_one: sort keys over the target's fields, `field`, `field asc` or \
         `field desc` separated by commas.",
    );
    pub(crate) const LIMIT: Key = Key::new(
        "limit",
        Value::Int {
            min: 1,
            max: i64::MAX,
        },
        "has_many: keep at most this many related rows per owner, after ordering.",
    );
    pub(crate) const THROUGH: Key = Key::new(
        "through",
        Value::String,
        "has_many and has_one: go through this other relation of the same model.",
    );
    pub(crate) const SOURCE: Key = Key::new(
        "source",
        Value::String,
        "With `through`: the relation to follow from the model `through` reaches.",
    );
    pub(crate) const VALIDATE: Key = Key::new(
        "validate",
        Value::Bool,
        "belongs_to: check that the referenced row exists before insert and update. \
         Default: false.",
    );
    pub(crate) const DOC: Key = Key::new(
        "doc",
        Value::String,
        "Documentation of what is generated for the relation (plain text).",
    );

    /// Keys a relation declared with `through` takes from the relations it goes through.
    pub(crate) const NOT_WITH_THROUGH: &[&str] =
        &[FOREIGN_KEY.name, PRIMARY_KEY.name, INVERSE_OF.name];
}
