//! Which shards a statement on a model reaches: the handle's one shard (as chosen by the
//! handle, a [`Shards`](crate::Shards) scope or `.shard(..)`), the shard a row's shard key maps
//! to, the shards a filter pins, or every shard (`all_shards()`, or a model with a shard key
//! that nothing pins).

use crate::backend::Sql;
use crate::database::Handle;
use crate::error::{Error, Result};
use crate::exec::Conn;
use crate::model::{Model, Placement};
use crate::shard_key::{ShardKeyValue, ShardMap};
use crate::value::Bind;

/// Where a read goes.
pub(crate) enum Reach {
    /// Where the connection points: one statement, as for an unsharded model.
    Here,
    /// On each of these shards (possibly none: a filter pinned no shard), merged.
    Shards(Vec<Handle>),
}

impl Reach {
    /// One shard is no scatter: move `conn` there and run as usual (no copies of the values,
    /// no merge), so routing by key costs what an explicit `.shard(..)` does.
    pub(crate) fn narrow(self, conn: &mut Conn<'_>) -> Reach {
        match self {
            Reach::Shards(mut shards) if shards.len() == 1 => {
                if let Some(handle) = shards.pop() {
                    *conn = Conn::Handle(handle);
                }
                Reach::Here
            }
            reach => reach,
        }
    }
}

/// The shards a read of `M` on `conn` reaches. `pins` gives the shards a filter restricts a
/// keyed model to (`None`: not restricted), from the model's shard map and shard key column.
pub(crate) fn read<M: Model>(
    conn: &Conn<'_>,
    pins: impl FnOnce(&'static ShardMap, Sql) -> Option<Vec<usize>>,
) -> Result<Reach> {
    let Conn::Handle(handle) = conn else {
        return Ok(Reach::Here);
    };
    let pinned =
        |pins: Option<Vec<usize>>| pins.unwrap_or_else(|| (0..handle.shard_count()).collect());
    let keyed = match M::PLACEMENT {
        Placement::Keyed { map, column, .. } => Some((map, column)),
        Placement::Handle => None,
    };
    if handle.spans_all() {
        let shards = pinned(keyed.and_then(|(map, column)| pins(map, column)));
        // Explicit shards: inside a scope locked to one shard, the others are refused.
        let handles = shards
            .into_iter()
            .map(|shard| handle.with_shard(shard).resolve())
            .collect::<Result<_>>()?;
        return Ok(Reach::Shards(handles));
    }
    match keyed {
        Some((map, column)) if !handle.is_explicit() && !scoped(handle) => {
            let shards = pinned(pins(map, column));
            Ok(Reach::Shards(
                shards.into_iter().map(|s| handle.with_shard(s)).collect(),
            ))
        }
        _ => Ok(Reach::Here),
    }
}

/// Whether a [`Shards`](crate::Shards) scope names the handle's cluster.
fn scoped(handle: &Handle) -> bool {
    crate::shard_scope::scoped(handle.cluster_index(), handle.cluster_name()).is_some()
}

/// Which unique field a statement on one row selects it by.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// The shard key (possibly also the primary key): the row is on the value's shard.
    ShardKey,
    /// The primary key, which is not the shard key: a uuid made for a shard says which
    /// (see [`uuid_shard`](crate::shard_key::uuid_shard)); any other key may be on any shard.
    PrimaryKey,
    /// Another unique field: the row may be on any shard.
    Other,
}

/// The shards a statement on the rows of `M` whose unique field equals `value` reaches: one
/// shard when `by` tells which, every shard of a keyed model otherwise (primary keys are
/// unique across shards, so at most one has the row), the handle's shard for a model without
/// a shard key.
pub(crate) fn by_value<M: Model, K: Bind + ?Sized>(
    conn: &Conn<'_>,
    value: &K,
    by: By,
) -> Result<Reach> {
    read::<M>(conn, |map, _| match (by, value.as_shard_key()) {
        (By::ShardKey, key) => Some(shards_of(map, key)),
        (By::PrimaryKey, Some(ShardKeyValue::Uuid(id))) => {
            let shard = crate::shard_key::uuid_shard(&id)?;
            Some(
                (shard < map.shards.len())
                    .then_some(shard)
                    .into_iter()
                    .collect(),
            )
        }
        _ => None,
    })
}

/// Where a write of one row of a keyed model goes: its key's shard, and the handle to run on
/// there (`None`: a transaction already on that shard).
pub(crate) struct Placed {
    /// The shard's position.
    pub(crate) shard: usize,
    /// The handle on it, for a write through a handle.
    pub(crate) handle: Option<Handle>,
}

/// Where a write of one row of `M` goes: the shard its shard key maps to. `None`: a model
/// without a shard key, which runs where `conn` points. A handle or transaction explicitly on
/// another shard is refused with [`Error::WrongShard`], and so is a row whose own uuid primary
/// key (`primary`) was made for another shard; a [`Shards`](crate::Shards) scope locked to
/// another shard refuses the returned handle when it runs.
pub(crate) fn for_row<M: Model>(
    conn: &Conn<'_>,
    key: Option<ShardKeyValue<'_>>,
    primary: Option<ShardKeyValue<'_>>,
) -> Result<Option<Placed>> {
    let (Placement::Keyed { map, .. }, Some(key)) = (M::PLACEMENT, key) else {
        return Ok(None);
    };
    let shard = map.locate(&key)?;
    let wrong = |on: &'static str| Error::WrongShard {
        cluster: map.cluster,
        model: M::NAME,
        key: key.to_string().into(),
        belongs: map.shards.get(shard).copied().unwrap_or("?"),
        shard: on,
    };
    if let Some(ShardKeyValue::Uuid(id)) = primary
        && let Some(made_for) = crate::shard_key::uuid_shard(&id)
        && made_for != shard
    {
        return Err(wrong(map.shards.get(made_for).copied().unwrap_or("?")));
    }
    match conn {
        Conn::Tx(tx) => {
            let on = tx.server.target.shard;
            if map.shards.get(shard) == Some(&on) {
                Ok(Some(Placed {
                    shard,
                    handle: None,
                }))
            } else {
                Err(wrong(on))
            }
        }
        Conn::Handle(handle) => {
            if handle.is_explicit() && !handle.spans_all() && handle.shard_index() != shard {
                return Err(wrong(handle.name_of(handle.shard_index())));
            }
            Ok(Some(Placed {
                shard,
                handle: Some(handle.with_shard(shard)),
            }))
        }
    }
}

/// The shards `values` map to, each once, in shard order; values no shard holds match no row
/// and are left out.
pub(crate) fn shards_of<'v>(
    map: &ShardMap,
    values: impl IntoIterator<Item = ShardKeyValue<'v>>,
) -> Vec<usize> {
    let mut hit = vec![false; map.shards.len()];
    for value in values {
        if let Ok(shard) = map.locate(&value) {
            hit[shard] = true;
        }
    }
    (0..hit.len()).filter(|&s| hit[s]).collect()
}
