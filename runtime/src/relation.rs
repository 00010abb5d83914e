//! Typed relations (`User::POSTS`): lazy loading, `where_has` filters and the orphan finder.
//!
//! A [`Relation`] is a constant the generated code defines per declared relation. It carries
//! the generated functions that fetch the relation for a batch of owners and that turn a filter
//! on the related model into a filter on the owner. Both work hop by hop, one query per hop on
//! the database that hop reaches, so a relation may cross clusters freely.

use std::marker::PhantomData;

use futures_util::future::BoxFuture;

use crate::eager::{FetchFn, Fetched};
use crate::error::{Error, Result};
use crate::exec::Conn;
use crate::expr::Expr;
use crate::key::Key;
use crate::lookup::{Ctx, Scope, select_in};
use crate::model::Model;
use crate::value::Args;

/// Kind marker of a `belongs_to` relation (the owner holds the foreign key).
#[derive(Debug, Clone, Copy)]
pub struct BelongsTo;

/// Kind marker of a `has_one` relation, direct or through.
#[derive(Debug, Clone, Copy)]
pub struct HasOne;

/// Kind marker of a `has_many` relation, direct or through.
#[derive(Debug, Clone, Copy)]
pub struct HasMany;

/// Turn a filter on the related model into a filter on the owner (`where_has`), by fetching
/// the matching keys hop by hop. Generated per relation.
#[doc(hidden)]
pub type HasFn<P, T> = fn(Option<Expr<T>>, bool, Ctx) -> BoxFuture<'static, Result<Expr<P>>>;

/// A relation from model `P` to model `T`, of kind `K` ([`BelongsTo`], [`HasOne`] or
/// [`HasMany`]). Generated as constants on the owning model: `User::POSTS`.
pub struct Relation<P, T, K> {
    name: &'static str,
    fetch: FetchFn<P, T>,
    has: HasFn<P, T>,
    refers: fn(&P) -> bool,
    _kind: PhantomData<fn() -> K>,
}

impl<P, T, K> Clone for Relation<P, T, K> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P, T, K> Copy for Relation<P, T, K> {}

impl<P, T, K> std::fmt::Debug for Relation<P, T, K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Relation({})", self.name)
    }
}

/// Used by generated code for relations whose owner always refers to related rows.
#[doc(hidden)]
pub fn always<P>(_: &P) -> bool {
    true
}

impl<P: Model, T: Model, K> Relation<P, T, K> {
    /// Used by generated code. `refers` tells whether an owner points at a related row at all
    /// (false for a null foreign key).
    #[doc(hidden)]
    pub const fn new(
        name: &'static str,
        fetch: FetchFn<P, T>,
        has: HasFn<P, T>,
        refers: fn(&P) -> bool,
    ) -> Self {
        Relation {
            name,
            fetch,
            has,
            refers,
            _kind: PhantomData,
        }
    }

    /// `Owner.relation`, as declared.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The related rows of `owner`, in the relation's order.
    async fn rows_of(&self, owner: &P, scope: &impl Scope) -> Result<Vec<T>> {
        let ctx = scope.ctx();
        let Fetched { rows, links } = (self.fetch)(std::slice::from_ref(owner), &ctx).await?;
        Ok(links.distribute(rows).pop().unwrap_or_default())
    }

    /// The filter on the owner that `where_has` (or with `negated`, `where_has_not`) stands
    /// for; resolved when the query runs.
    pub(crate) fn has(&self, filter: Option<Expr<T>>, negated: bool, ctx: Ctx) -> HasFuture<P> {
        (self.has)(filter, negated, ctx)
    }
}

pub(crate) type HasFuture<P> = BoxFuture<'static, Result<Expr<P>>>;

impl<P: Model, T: Model> Relation<P, T, HasMany> {
    /// Lazy loading: `owner`'s related rows, in the relation's order, one query per hop.
    pub async fn of(&self, owner: &P, scope: &impl Scope) -> Result<Vec<T>> {
        self.rows_of(owner, scope).await
    }
}

impl<P: Model, T: Model> Relation<P, T, HasOne> {
    /// Lazy loading: `owner`'s related row, if any.
    pub async fn of(&self, owner: &P, scope: &impl Scope) -> Result<Option<T>> {
        Ok(self.rows_of(owner, scope).await?.into_iter().next())
    }
}

impl<P: Model, T: Model> Relation<P, T, BelongsTo> {
    /// Lazy loading: the row `owner` refers to; `None` when the foreign key is null or, for a
    /// dangling key, when no such row exists (the generated `post.user(&db)` turns the latter
    /// into [`Error::MissingRelated`]).
    pub async fn of(&self, owner: &P, scope: &impl Scope) -> Result<Option<T>> {
        Ok(self.rows_of(owner, scope).await?.into_iter().next())
    }

    /// Every owner row whose foreign key points at a row that does not exist (in the other
    /// database, where no foreign-key constraint can reach). Scans the owners' table on every
    /// shard in primary-key order, `batch_size` rows at a time, with one query per batch for
    /// the referenced keys; memory holds one batch plus the orphans found.
    pub async fn orphans(&self, scope: &impl Scope, batch_size: usize) -> Result<Vec<P>> {
        let ctx = scope.ctx();
        let batch_size = batch_size.max(1);
        let mut orphans = Vec::new();
        for handle in ctx.shards(P::CLUSTER) {
            let backend = handle.backend();
            let mut conn = Conn::Handle(handle);
            let mut after: Option<P::Key> = None;
            loop {
                let mut args = Args::new(backend);
                let mut sql = String::from(P::SELECT.get(backend));
                let key = P::KEY.get(backend);
                if let Some(after) = &after {
                    sql.push_str(" WHERE ");
                    sql.push_str(key);
                    sql.push_str(" > ");
                    args.add(after);
                    backend.placeholder(&mut sql, args.len());
                }
                sql.push_str(" ORDER BY ");
                sql.push_str(key);
                sql.push_str(" LIMIT ");
                args.add(&i64::try_from(batch_size).unwrap_or(i64::MAX));
                backend.placeholder(&mut sql, args.len());
                let batch: Vec<P> = conn.fetch_all(sql, args).await?;
                let Some(last) = batch.last() else { break };
                after = Some(last.key().clone());
                let Fetched { links, .. } = (self.fetch)(&batch, &ctx).await?;
                let found = links.owners_with_rows();
                let full = batch.len() == batch_size;
                orphans.extend(
                    batch
                        .into_iter()
                        .zip(found)
                        .filter(|(row, found)| !found && (self.refers)(row))
                        .map(|(row, _)| row),
                );
                if !full {
                    break;
                }
            }
        }
        Ok(orphans)
    }
}

/// Check that every key in `keys` exists as `column` of the model in `cluster` (on its
/// writers), before an insert or update that refers to them (`validate = true`).
#[doc(hidden)]
pub async fn require<K: Key>(
    conn: &Conn<'_>,
    relation: &'static str,
    target: &'static str,
    cluster: usize,
    head: crate::backend::Sql,
    column: crate::backend::Sql,
    keys: &[&K],
) -> Result<()> {
    let ctx = conn.ctx().writing();
    let keys = crate::eager::keys(keys, |k| Some(*k));
    let found: Vec<crate::lookup::Single<K>> =
        select_in(&ctx, cluster, head, column, &keys).await?;
    let found: std::collections::HashSet<K> = found.into_iter().map(|s| s.0).collect();
    match keys.into_iter().find(|k| !found.contains(*k)) {
        None => Ok(()),
        Some(missing) => Err(Error::MissingRelated {
            relation,
            target,
            key: format!("{missing:?}"),
            cluster: ctx.cluster_name(cluster),
        }),
    }
}

/// `found`, or [`Error::MissingRelated`] for a non-null foreign key whose row is missing.
#[doc(hidden)]
pub fn found<T>(
    found: Option<T>,
    relation: &'static str,
    target: &'static str,
    key: &dyn std::fmt::Debug,
    cluster: &'static str,
) -> Result<T> {
    found.ok_or_else(|| Error::MissingRelated {
        relation,
        target,
        key: format!("{key:?}"),
        cluster,
    })
}
