//! One statement on several shards at once (scatter-gather): each shard runs it concurrently,
//! then the results merge into one, as if one database had answered: rows in the query's
//! order (a k-way merge of the shards' sorted rows), counts summed, existence or'ed.
//!
//! A failing shard fails the whole statement with its error, which names the shard: no result
//! is ever silently partial.

use std::future::Future;

use futures_util::future::join_all;

use crate::backend::Backend;
use crate::database::Handle;
use crate::error::{Error, Result};
use crate::exec::Conn;
use crate::expr::Order;
use crate::model::Model;
use crate::value::Args;

/// Run `statement` on each of `handles` concurrently with a copy of `args`; the results in
/// shard order, or the first failing shard's error (in shard order).
pub(crate) async fn each<T, F, Fut>(
    handles: Vec<Handle>,
    args: &Args,
    statement: F,
) -> Result<Vec<T>>
where
    F: Fn(Conn<'static>, Args) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    settle(handles, args, statement).await.into_iter().collect()
}

/// Run `statement` on each of `handles` concurrently; every shard's result, failed or not:
/// a failing shard does not stop the others.
pub(crate) async fn settle<T, F, Fut>(
    handles: Vec<Handle>,
    args: &Args,
    statement: F,
) -> Vec<Result<T>>
where
    F: Fn(Conn<'static>, Args) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    join_all(
        handles
            .into_iter()
            .map(|handle| statement(Conn::Handle(handle), args.duplicate())),
    )
    .await
}

/// Merge each shard's rows, sorted by `order` as `backend` sorts them, into one sorted list;
/// then skip `offset` rows and keep at most `limit`. Without an order, shards follow each other
/// in declaration order.
pub(crate) fn merge<M: Model>(
    backend: Backend,
    shards: Vec<Vec<M>>,
    order: &[Order<M>],
    offset: usize,
    limit: Option<usize>,
) -> Result<Vec<M>> {
    let total: usize = shards.iter().map(Vec::len).sum();
    let wanted = limit.map_or(total, |l| l.min(total.saturating_sub(offset)));
    let mut merged = Vec::with_capacity(wanted);
    if order.is_empty() {
        merged.extend(shards.into_iter().flatten().skip(offset).take(wanted));
        return Ok(merged);
    }
    let mut heads: Vec<std::vec::IntoIter<M>> = shards.into_iter().map(Vec::into_iter).collect();
    let mut skipped = 0;
    while merged.len() < wanted {
        // Few shards: a linear scan of the heads beats a heap. Ties go to the earlier shard.
        let mut best: Option<usize> = None;
        for i in 0..heads.len() {
            let Some(row) = heads[i].as_slice().first() else {
                continue;
            };
            best = match best {
                Some(b) => {
                    let Some(current) = heads[b].as_slice().first() else {
                        continue;
                    };
                    if compare(backend, order, row, current)?.is_lt() {
                        Some(i)
                    } else {
                        Some(b)
                    }
                }
                None => Some(i),
            };
        }
        let Some(row) = best.and_then(|b| heads[b].next()) else {
            break;
        };
        if skipped < offset {
            skipped += 1;
        } else {
            merged.push(row);
        }
    }
    Ok(merged)
}

fn compare<M: Model>(
    backend: Backend,
    order: &[Order<M>],
    a: &M,
    b: &M,
) -> Result<std::cmp::Ordering> {
    for key in order {
        let ordering = key.compare(backend, a, b).ok_or_else(|| {
            Error::Config(format!(
                "rows of {} from several shards cannot be merged in the order of a json column; \
                 order by another column, or query one shard",
                M::NAME
            ))
        })?;
        if ordering.is_ne() {
            return Ok(ordering);
        }
    }
    Ok(std::cmp::Ordering::Equal)
}
