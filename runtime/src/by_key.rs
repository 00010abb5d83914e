//! Statements on one row, found by its primary key or another unique field, and routed to
//! the shards that may hold it (see [`placement`](crate::placement)): `find`, `delete`,
//! `update`.

use crate::backend::Sql;
use crate::error::{Error, Result};
use crate::exec::Conn;
use crate::model::{Model, Placement};
use crate::placement::{self, By, Reach};
use crate::scatter;
use crate::value::{Args, Bind};

/// The row whose unique field equals `value` (`sql` selects by it, `value` its one bound
/// value; `by` says which field it is).
#[doc(hidden)]
pub async fn find<M: Model, K: Bind + ?Sized>(
    mut conn: Conn<'_>,
    sql: Sql,
    value: &K,
    by: By,
) -> Result<Option<M>> {
    let mut args = conn.args();
    args.add(value);
    let sql = sql.get(conn.backend());
    match placement::by_value::<M, K>(&conn, value, by)?.narrow(&mut conn) {
        Reach::Here => conn.fetch_optional(sql, args).await,
        Reach::Shards(shards) => {
            let found = scatter::each(shards, &args, |mut conn, args| async move {
                conn.fetch_optional::<M>(sql, args).await
            })
            .await?;
            Ok(found.into_iter().flatten().next())
        }
    }
}

/// Delete the row with primary key `key` (`sql` deletes by it); whether there was one.
#[doc(hidden)]
pub async fn delete<M: Model, K: Bind + ?Sized>(
    mut conn: Conn<'_>,
    sql: Sql,
    key: &K,
    by: By,
) -> Result<bool> {
    let mut args = conn.args();
    args.add(key);
    let sql = sql.get(conn.backend());
    let reach = placement::by_value::<M, K>(&conn, key, by)?.narrow(&mut conn);
    Ok(crate::write_all::run(conn, sql, args, reach).await?.total() > 0)
}

/// Write `row` (`sql` updates by primary key, and by shard key for a model with one; `args`
/// holds its values) on the shard its shard key maps to. `NotFound` when no row has the key;
/// [`Error::ShardKeyChanged`] when the row is stored with another shard key.
#[doc(hidden)]
pub async fn update<M: Model>(mut conn: Conn<'_>, sql: Sql, args: Args, row: &M) -> Result<()> {
    let sql = sql.get(conn.backend());
    let result = match placement::for_row::<M>(&conn, row.shard_key(), None)?.and_then(|p| p.handle)
    {
        Some(handle) => {
            Conn::Handle(handle)
                .execute_one(sql, args, M::NAME, row.key())
                .await
        }
        None => conn.execute_one(sql, args, M::NAME, row.key()).await,
    };
    let (Err(Error::NotFound { .. }), Placement::Keyed { field, .. }) = (&result, M::PLACEMENT)
    else {
        return result;
    };
    // Not where its shard key says: stored under another shard key, or absent. The row is
    // looked for wherever the connection reaches (every shard, unless a scope or an explicit
    // shard narrows it).
    let stored = crate::query::Query::<M, crate::role::Write>::new(conn.reborrow())
        .filter(crate::expr::key_eq::<M>(row.key().clone()))
        .exists()
        .await?;
    Err(if stored {
        Error::ShardKeyChanged {
            model: M::NAME,
            key: format!("{:?}", row.key()).into(),
            field,
        }
    } else {
        not_found_anywhere::<M>(&conn, row.key())
    })
}

/// [`Error::NotFoundOnAnyShard`] for a row of `M` that none of the shards `conn` reached holds.
pub(crate) fn not_found_anywhere<M: Model>(
    conn: &Conn<'_>,
    key: &(dyn std::fmt::Debug + Sync),
) -> Error {
    Error::NotFoundOnAnyShard {
        cluster: conn.cluster_name(),
        model: M::NAME,
        key: format!("{key:?}").into(),
    }
}
