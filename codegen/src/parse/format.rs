//! The declaration format, described once: every table, its keys, what each key's value may be
//! and what it means.
//!
//! The parser checks every table's keys against it (an unknown key, with its "did you mean"),
//! reads each key by the name it gives and reports the required keys it marks; `resolve` takes
//! the integer ranges from it; `crate::json_schema` turns it into the JSON Schema that editors
//! complete and validate declaration files with. One description, so what the editor accepts
//! cannot drift from what the build accepts (a test in `crate::json_schema` feeds each key a
//! value of the wrong type and checks the parser refuses it too).
//!
//! Shapes only: whether a name refers to something declared, or two keys fit together, is
//! `resolve`'s to check and no part of the schema.

mod clusters;
mod models;

pub(crate) use clusters::{
    CLUSTER, HEALTH, POOL, REPLICA, SHARD, cluster, health, pool, replica, shard,
};
pub(crate) use models::{FIELD, INDEX, MODEL, RELATION, field, index, model, relation};

/// A table of the format: its keys, and how the JSON Schema names and describes it.
#[derive(Debug)]
pub(crate) struct Table {
    /// The name of its definition in the JSON Schema (`cluster`).
    pub id: &'static str,
    /// What it is, as the schema describes it.
    pub doc: &'static str,
    /// Every key it may have, in the order the documentation lists them.
    pub keys: &'static [Key],
    /// Keys of which exactly one must be present (a relation's kind); empty for most tables.
    pub exactly_one_of: &'static [&'static str],
}

impl Table {
    /// The names of its keys, for "unknown key" and "did you mean".
    pub fn names(&self) -> Vec<&'static str> {
        self.keys.iter().map(|key| key.name).collect()
    }
}

/// One key of a table.
#[derive(Debug)]
pub(crate) struct Key {
    pub name: &'static str,
    pub value: Value,
    /// What it means, with its default; the schema's description of it.
    pub doc: &'static str,
    /// The parser reports a table without it.
    pub required: bool,
}

impl Key {
    /// An optional key.
    pub const fn new(name: &'static str, value: Value, doc: &'static str) -> Key {
        Key {
            name,
            value,
            doc,
            required: false,
        }
    }

    /// A key every table of its kind must have.
    pub const fn required(name: &'static str, value: Value, doc: &'static str) -> Key {
        Key {
            name,
            value,
            doc,
            required: true,
        }
    }

    /// The range of an integer key (the whole of `i64` for another key).
    pub fn range(&self) -> (i64, i64) {
        match self.value {
            Value::Int { min, max } => (min, max),
            _ => (i64::MIN, i64::MAX),
        }
    }
}

/// What a key's value may be.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value {
    Bool,
    /// An integer from `min` to `max`, both included.
    Int {
        min: i64,
        max: i64,
    },
    String,
    /// A string naming one of a fixed set (a field type, a policy): the names, from the same
    /// list `resolve` looks them up in.
    Choice(fn() -> Vec<&'static str>),
    /// A literal of any of these scalar kinds (a field's `default`).
    Literal,
    Table(&'static Table),
    /// A table whose keys are names the declarations choose (clusters, fields, roles), each
    /// with a value of this kind.
    Named(&'static Value),
    /// An array of values of this kind, of `len` elements when given.
    Array {
        item: &'static Value,
        len: Option<usize>,
    },
    /// Any of these kinds (`"string"` or `{ type = "string" }`).
    AnyOf(&'static [Value]),
}

/// An integer from 1 up, such as a duration in milliseconds.
pub(crate) const POSITIVE: Value = Value::Int {
    min: 1,
    max: i64::MAX,
};

/// The top level of a file.
pub(crate) const TOP: Table = Table {
    id: "declarations",
    doc: "A switchyard declaration file: clusters (logical databases) and models (tables), \
          merged with every other `*.toml` file of the schema directory.",
    keys: &[top::CLUSTER, top::MODEL, top::OPTIONS],
    exactly_one_of: &[],
};

/// `[options]`.
pub(crate) const OPTIONS: Table = Table {
    id: "options",
    doc: "Settings for every model of every declaration file; each option is set in one file \
          only.",
    keys: &[options::SERDE],
    exactly_one_of: &[],
};

/// The keys of [`TOP`].
pub(crate) mod top {
    use super::{CLUSTER as CLUSTER_TABLE, Key, MODEL as MODEL_TABLE, OPTIONS as OPTIONS_TABLE};
    use super::{Value, Value::Named};

    pub(crate) const CLUSTER: Key = Key::new(
        "cluster",
        Named(&Value::Table(&CLUSTER_TABLE)),
        "The clusters, by name (`[cluster.primary]`): each a logical database, with a writer and \
         replicas, or shards of them.",
    );
    pub(crate) const MODEL: Key = Key::new(
        "model",
        Named(&Value::Table(&MODEL_TABLE)),
        "The models, by PascalCase name (`[model.User]`): each a table in one cluster.",
    );
    pub(crate) const OPTIONS: Key = Key::new(
        "options",
        Value::Table(&OPTIONS_TABLE),
        "Settings for every model of every declaration file (`[options]`).",
    );
}

/// The keys of [`OPTIONS`].
pub(crate) mod options {
    use super::{Key, Value};

    pub(crate) const SERDE: Key = Key::new(
        "serde",
        Value::Bool,
        "Derive serde's `Serialize` and `Deserialize` on the row, insert and patch structs of \
         every model that does not declare `serde` itself. Default: false.",
    );
}
