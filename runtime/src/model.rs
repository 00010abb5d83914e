//! What the generated code tells the runtime about each model and insert struct: static SQL
//! per dialect, and how to bind and decode values.

use std::cmp::Ordering;

use crate::backend::Sql;
use crate::key::Key;
use crate::shard_key::{ShardKeyValue, ShardMap};
use crate::value::{Args, FromRow};

/// A generated model: one table, queried through its own cluster's handles.
pub trait Model: FromRow + Clone + Send + Sync + Unpin + 'static {
    /// Model name as declared.
    const NAME: &'static str;
    /// The primary key's type.
    type Key: Key;
    /// Position of the model's cluster in the generated topology.
    #[doc(hidden)]
    const CLUSTER: usize;
    /// The primary key of this row.
    fn key(&self) -> &Self::Key;
    /// `SELECT <every column> FROM <table>`.
    #[doc(hidden)]
    const SELECT: Sql;
    /// `SELECT COUNT(*) FROM <table>`.
    #[doc(hidden)]
    const COUNT: Sql;
    /// `SELECT 1 FROM <table>`.
    #[doc(hidden)]
    const EXISTS: Sql;
    /// `DELETE FROM <table>`.
    #[doc(hidden)]
    const DELETE: Sql;
    /// `UPDATE <table> SET `.
    #[doc(hidden)]
    const UPDATE: Sql;
    /// The quoted primary-key column.
    #[doc(hidden)]
    const KEY: Sql;
    /// Where rows live on the cluster's shards.
    #[doc(hidden)]
    const PLACEMENT: Placement = Placement::Handle;
    /// This row's shard key (models with a `shard_key` only).
    #[doc(hidden)]
    fn shard_key(&self) -> Option<ShardKeyValue<'_>> {
        None
    }
    /// Compare two rows by the field at position `field` in ascending order, NULL first or
    /// last (`None` for a field that cannot be ordered in memory: bytes and json), for merging
    /// rows of several shards.
    #[doc(hidden)]
    fn compare(&self, other: &Self, field: usize, nulls_last: bool) -> Option<Ordering> {
        let _ = (other, field, nulls_last);
        None
    }
}

/// Where a model's rows live on the shards of its cluster.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub enum Placement {
    /// Where the handle points: the default shard, a scope's, or an explicit one.
    Handle,
    /// On the shard its shard key maps to.
    Keyed {
        /// The cluster's shard map.
        map: &'static ShardMap,
        /// The shard key field's name.
        field: &'static str,
        /// The shard key column, quoted.
        column: Sql,
    },
}

/// A generated insert struct (`NewUser`).
#[doc(hidden)]
pub trait Insert: Send + Sync {
    /// The model a row of this becomes.
    type Model: Model;
    /// How many values one row binds.
    const COLUMNS: usize;
    /// `INSERT INTO <table> (<columns>) VALUES `.
    const HEAD: Sql;
    /// ` RETURNING <every column>`.
    const RETURNING: Sql;
    /// The one-row statement: `HEAD`, one row of placeholders, `RETURNING`.
    const ONE: Sql;
    /// `Some` when the key is auto-increment (it then comes first in column order and
    /// `bind` leaves it out).
    const AUTO_KEY: Option<AutoKey>;
    /// Bind this row's values in column order (defaults already applied), except an
    /// auto-increment key.
    fn bind(&self, args: &mut Args);
    /// The auto-increment key this row sets itself, if any.
    fn explicit_key(&self) -> Option<i64> {
        None
    }
    /// This row's shard key (models with a `shard_key` only).
    fn shard_key(&self) -> Option<ShardKeyValue<'_>> {
        None
    }
    /// The uuid primary key this row sets itself, if any (models with a `shard_key` only).
    fn primary_key(&self) -> Option<ShardKeyValue<'_>> {
        None
    }
}

/// An auto-increment key: the PostgreSQL statements that move its sequence past an explicit
/// key, so that generated keys never collide with it (SQLite and MySQL do this themselves).
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct AutoKey {
    /// Locks the table against inserts, which draw from the sequence.
    pub pg_lock: &'static str,
    /// `setval` to `$1` when `$1` is past the sequence's last value.
    pub pg_advance: &'static str,
}

/// Decodes nothing: rows whose presence is all that matters (`exists`).
pub(crate) struct Present;

impl FromRow for Present {
    fn from_row(_: &crate::value::Row) -> Result<Self, sqlx::Error> {
        Ok(Present)
    }
}
