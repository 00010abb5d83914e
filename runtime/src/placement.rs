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

/// The shards a statement on the rows of `M` whose unique field equals `value` reaches: the
/// value's shard when the field is the shard key (`pinned`), every shard for another field of
/// a keyed model (primary keys are unique across shards, so at most one has the row), the
/// handle's shard for a model without a shard key.
pub(crate) fn by_value<M: Model, K: Bind + ?Sized>(
    conn: &Conn<'_>,
    value: &K,
    pinned: bool,
) -> Result<Reach> {
    read::<M>(conn, |map, _| {
        pinned.then(|| shards_of(map, value.as_shard_key()))
    })
}

/// The handle a write of one row of `M` goes to: the shard its shard key maps to. `None`: run
/// where `conn` points (a model without a shard key, or a transaction already on the row's
/// shard). A handle or transaction explicitly on another shard is refused with
/// [`Error::WrongShard`]; a [`Shards`](crate::Shards) scope locked to another shard refuses the
/// returned handle when it runs.
pub(crate) fn for_row<M: Model>(
    conn: &Conn<'_>,
    key: Option<ShardKeyValue<'_>>,
) -> Result<Option<Handle>> {
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
    match conn {
        Conn::Tx(tx) => {
            let on = tx.server.target.shard;
            if map.shards.get(shard) == Some(&on) {
                Ok(None)
            } else {
                Err(wrong(on))
            }
        }
        Conn::Handle(handle) => {
            if handle.is_explicit() && !handle.spans_all() && handle.shard_index() != shard {
                return Err(wrong(handle.name_of(handle.shard_index())));
            }
            Ok(Some(handle.with_shard(shard)))
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
