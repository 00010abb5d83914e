//! Eager loading: a query's rows with the relations it asked for, one query per relation per
//! level per database, never one per row.
//!
//! Generated code implements [`Related`] for every model: its include builder (which
//! relations to load, nested), its loaded wrapper (the row plus the loaded relations), and a
//! `load` that runs every requested relation of a batch of rows concurrently, recursing into
//! the nested requests. Relations are matched to their owners in memory on typed keys (a
//! `HashMap` per hop), then moved into place. A to-one relation's row is held in an `Arc`, so a
//! row shared by many owners (the user of many posts) is stored once; a to-many row reached by
//! several owners (through a join model) is cloned for each extra owner.

use std::collections::HashSet;
use std::fmt::Debug;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use crate::error::Result;
use crate::key::Key;
use crate::link::Links;
use crate::lookup::Ctx;
use crate::model::Model;
use crate::query::Query;
use crate::role::Access;

/// A model's relations as the generated code describes them for eager loading.
pub trait Related: Model {
    /// Which relations to load, nested (`UserInclude`); [`NoRelations`] for a model without.
    type Include: Default + Debug + Send + Sync;
    /// A row with its loaded relations (`LoadedUser`); the model itself when it has none.
    type Loaded: Clone + Debug + Send + Sync;

    /// Load the relations `include` asks for, for all of `rows` at once.
    #[doc(hidden)]
    fn load<'a>(
        rows: Vec<Self>,
        include: &'a Self::Include,
        ctx: &'a Ctx,
    ) -> BoxFuture<'a, Result<Vec<Self::Loaded>>>;
}

/// The include builder of a model that has no relations: there is nothing to ask for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoRelations;

/// The rows one relation reached for a batch of owners, sorted in the relation's order, and
/// which owner each belongs to (within the relation's limit).
#[doc(hidden)]
#[derive(Debug)]
pub struct Fetched<T> {
    pub rows: Vec<T>,
    pub links: Links,
}

/// Fetch one relation for a batch of owners (generated per relation).
#[doc(hidden)]
pub type FetchFn<P, T> = for<'a> fn(&'a [P], &'a Ctx) -> BoxFuture<'a, Result<Fetched<T>>>;

/// The distinct non-null keys of `rows`, in first-seen order.
#[doc(hidden)]
pub fn keys<'r, R, K: Key>(rows: &'r [R], key: impl Fn(&'r R) -> Option<&'r K>) -> Vec<&'r K> {
    let mut seen = HashSet::with_capacity(rows.len());
    rows.iter()
        .filter_map(key)
        .filter(|k| seen.insert(*k))
        .collect()
}

impl<T> Fetched<T> {
    /// Rows already sorted in the relation's order, and their links, cut to `limit` rows per
    /// owner.
    pub fn new(rows: Vec<T>, mut links: Links, limit: Option<usize>) -> Self {
        if let Some(limit) = limit {
            links.limit(limit);
        }
        Fetched { rows, links }
    }
}

/// Load a to-many relation of `owners` if `include` asks for it, nested relations included.
#[doc(hidden)]
pub async fn load_many<P, T: Related>(
    owners: &[P],
    fetch: FetchFn<P, T>,
    include: Option<&T::Include>,
    ctx: &Ctx,
) -> Result<Option<Vec<Vec<T::Loaded>>>> {
    let Some(include) = include else {
        return Ok(None);
    };
    let Fetched { rows, links } = fetch(owners, ctx).await?;
    let loaded = T::load(rows, include, ctx).await?;
    Ok(Some(links.distribute(loaded)))
}

/// Load a to-one relation of `owners` if `include` asks for it, nested relations included.
#[doc(hidden)]
pub async fn load_one<P, T: Related>(
    owners: &[P],
    fetch: FetchFn<P, T>,
    include: Option<&T::Include>,
    ctx: &Ctx,
) -> Result<Option<Vec<Option<Arc<T::Loaded>>>>> {
    let Some(include) = include else {
        return Ok(None);
    };
    let Fetched { rows, mut links } = fetch(owners, ctx).await?;
    links.limit(1);
    // Shared, not copied: many owners often point at one row (the user of many posts).
    let loaded: Vec<Arc<T::Loaded>> = T::load(rows, include, ctx)
        .await?
        .into_iter()
        .map(Arc::new)
        .collect();
    Ok(Some(
        links
            .distribute(loaded)
            .into_iter()
            .map(|mut one| one.pop())
            .collect(),
    ))
}

/// A query whose rows come back with the relations it asked for; see [`Query::include`].
#[must_use = "a query does nothing until it is run with .all() or .first()"]
#[derive(Debug)]
pub struct Eager<M: Related, A> {
    query: Query<'static, M, A>,
    include: M::Include,
}

impl<M: Related, A: Access> Query<'static, M, A> {
    /// Load relations with the rows: `include(|user| user.posts_with(|post| post.comments()))`.
    ///
    /// Each requested relation costs one query per database it reaches (per hop for a
    /// through-relation, per shard of a sharded cluster, and per chunk of keys on SQLite and
    /// MariaDB), whatever the number of rows; relations in different databases load
    /// concurrently. They run with this query's routing: a reading query reads its relations
    /// from replicas too. A relation that was not requested is an error to read, never an
    /// empty list.
    pub fn include(self, build: impl FnOnce(M::Include) -> M::Include) -> Eager<M, A> {
        Eager {
            query: self,
            include: build(M::Include::default()),
        }
    }
}

impl<M: Related, A: Access> Eager<M, A> {
    /// Keep rows matching `condition` (and any earlier filter); see [`Query::filter`].
    pub fn filter(mut self, condition: crate::expr::Expr<M>) -> Self {
        self.query = self.query.filter(condition);
        self
    }

    /// Sort by `order`, after any earlier sort keys.
    pub fn order_by(mut self, order: crate::expr::Order<M>) -> Self {
        self.query = self.query.order_by(order);
        self
    }

    /// Return at most `n` rows (relations are loaded for those rows only).
    pub fn limit(mut self, n: u64) -> Self {
        self.query = self.query.limit(n);
        self
    }

    /// Skip the first `n` rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.query = self.query.offset(n);
        self
    }

    /// Every matching row, with its relations.
    pub async fn all(self) -> Result<Vec<M::Loaded>> {
        let ctx = self.query.ctx();
        let rows = self.query.all().await?;
        M::load(rows, &self.include, &ctx).await
    }

    /// The first matching row (in the query's order), with its relations.
    pub async fn first(self) -> Result<Option<M::Loaded>> {
        let ctx = self.query.ctx();
        let Some(row) = self.query.first().await? else {
            return Ok(None);
        };
        Ok(M::load(vec![row], &self.include, &ctx).await?.pop())
    }
}

/// Load relations for rows already fetched: the same plan as [`Query::include`].
pub async fn load<M: Related>(
    scope: &impl crate::lookup::Scope,
    rows: Vec<M>,
    build: impl FnOnce(M::Include) -> M::Include,
) -> Result<Vec<M::Loaded>> {
    let include = build(M::Include::default());
    M::load(rows, &include, &scope.ctx()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_distinct() {
        let rows = [Some(3i64), Some(1), None, Some(3)];
        assert_eq!(keys(&rows, |r| r.as_ref()), vec![&3, &1]);
    }
}
