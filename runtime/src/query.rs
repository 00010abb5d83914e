//! The filtered query builder every generated repository hands out.

use std::marker::PhantomData;

use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::exec::{Conn, SqlText};
use crate::expr::{Expr, Order};
use crate::lookup::Ctx;
use crate::model::{Model, Present};
use crate::placement::Reach;
use crate::relation::{HasFuture, Relation};
use crate::role::Access;
use crate::scatter;
use crate::value::Args;

/// ` FROM <table>` of model `M` in `backend`'s dialect: its `COUNT` statement without the
/// `SELECT COUNT(*)`, for statements that select something else (projections, aggregates).
pub(crate) fn from_table<M: Model>(backend: Backend) -> Result<&'static str> {
    M::COUNT
        .get(backend)
        .strip_prefix("SELECT COUNT(*)")
        .ok_or_else(|| {
            Error::Config(format!(
                "{}: its generated COUNT statement does not start with `SELECT COUNT(*)`; \
                 regenerate the code with this version of switchyard",
                M::NAME
            ))
        })
}

/// A `where_has` filter waiting for its keys from the related model's database.
struct Pending<M> {
    relation: &'static str,
    resolve: Box<dyn FnOnce(Ctx) -> HasFuture<M> + Send>,
}

impl<M> std::fmt::Debug for Pending<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "where_has({})", self.relation)
    }
}

/// The rows of a query from the shards that answered, and the errors of those that did not
/// ([`Query::all_partial`]).
#[derive(Debug)]
#[non_exhaustive]
pub struct Partial<M> {
    /// The rows of the shards that answered, merged in the query's order.
    pub rows: Vec<M>,
    /// Each shard that failed, by declared name, with its error.
    pub failed: Vec<(&'static str, Error)>,
}

impl<M> Partial<M> {
    /// Whether every shard answered (the rows are then the whole answer).
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty()
    }
}

/// A query on model `M`: filter, order, limit and offset, then run with [`all`](Self::all),
/// [`first`](Self::first), [`count`](Self::count) or [`exists`](Self::exists); aggregate a
/// column with [`sum`](Self::sum), [`avg`](Self::avg), [`min`](Self::min) or
/// [`max`](Self::max); group with [`group_by`](Self::group_by); or read some columns only with
/// [`select`](Self::select).
#[must_use = "a query does nothing until it is run with .all(), .first(), .count() or .exists()"]
#[derive(Debug)]
pub struct Query<'e, M, A> {
    pub(crate) conn: Conn<'e>,
    pub(crate) filter: Option<Expr<M>>,
    pub(crate) order: Vec<Order<M>>,
    pub(crate) limit: Option<u64>,
    pub(crate) offset: Option<u64>,
    pending: Vec<Pending<M>>,
    _marker: PhantomData<fn() -> A>,
}

impl<'e, M: Model, A: Access> Query<'e, M, A> {
    /// Used by generated repositories.
    #[doc(hidden)]
    pub fn new(conn: Conn<'e>) -> Self {
        Query {
            conn,
            filter: None,
            order: Vec::new(),
            limit: None,
            offset: None,
            pending: Vec::new(),
            _marker: PhantomData,
        }
    }

    /// Keep rows that have at least one related row matching `filter` (`None`: any related
    /// row), wherever the related model lives.
    ///
    /// Runs when the query runs: first the related model's matching keys are fetched from its
    /// database (one query per hop of the relation, on every shard, with this query's routing),
    /// then they filter this query as `key IN (...)`. The cost is one extra query per hop and
    /// the matching keys in memory; PostgreSQL binds them as one array, so any number fits,
    /// while SQLite and MariaDB bind one value per key and fail the statement with a clear
    /// error past 32,766 and 65,535 keys.
    pub fn where_has<T: Model, K: 'static>(
        self,
        relation: Relation<M, T, K>,
        filter: impl Into<Option<Expr<T>>>,
    ) -> Self {
        self.pending_has(relation, filter.into(), false)
    }

    /// Keep rows that have no related row matching `filter` (`None`: no related row at all),
    /// wherever the related model lives; rows with a null foreign key have none. Same cost as
    /// [`where_has`](Self::where_has).
    pub fn where_has_not<T: Model, K: 'static>(
        self,
        relation: Relation<M, T, K>,
        filter: impl Into<Option<Expr<T>>>,
    ) -> Self {
        self.pending_has(relation, filter.into(), true)
    }

    fn pending_has<T: Model, K: 'static>(
        mut self,
        relation: Relation<M, T, K>,
        filter: Option<Expr<T>>,
        negated: bool,
    ) -> Self {
        self.pending.push(Pending {
            relation: relation.name(),
            resolve: Box::new(move |ctx| relation.has(filter, negated, ctx)),
        });
        self
    }

    /// The engine and routing relation statements of this query use.
    pub(crate) fn ctx(&self) -> Ctx {
        self.conn.ctx()
    }

    /// Turn pending `where_has` filters into plain filters on this model.
    pub(crate) async fn resolve(&mut self) -> Result<()> {
        for pending in std::mem::take(&mut self.pending) {
            let condition = (pending.resolve)(self.conn.ctx()).await?;
            self.filter = Some(match self.filter.take() {
                Some(existing) => existing.and(condition),
                None => condition,
            });
        }
        Ok(())
    }

    /// Keep rows matching `condition` (and any earlier filter).
    pub fn filter(mut self, condition: Expr<M>) -> Self {
        self.filter = Some(match self.filter.take() {
            Some(existing) => existing.and(condition),
            None => condition,
        });
        self
    }

    /// Sort by `order`, after any earlier sort keys.
    pub fn order_by(mut self, order: Order<M>) -> Self {
        self.order.push(order);
        self
    }

    /// Return at most `n` rows.
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    /// Skip the first `n` rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.offset = Some(n);
        self
    }

    pub(crate) fn where_clause(&self, backend: Backend, sql: &mut String, args: &mut Args) {
        if let Some(filter) = &self.filter {
            sql.push_str(" WHERE ");
            filter.render(backend, sql, args);
        }
    }

    /// `head`, the filter, the order, then `limit` and `offset`, written into the SQL as
    /// integers (bound, PostgreSQL may settle on a generic plan that ignores the limit).
    pub(crate) fn render_select(
        &self,
        head: &str,
        backend: Backend,
        args: &mut Args,
        limit: Option<u64>,
        offset: Option<u64>,
    ) -> String {
        use std::fmt::Write as _;
        let mut sql = String::from(head);
        self.where_clause(backend, &mut sql, args);
        for (i, order) in self.order.iter().enumerate() {
            sql.push_str(if i == 0 { " ORDER BY " } else { ", " });
            order.render(backend, &mut sql);
        }
        // Clamped to i64: every backend takes it, and no table holds more rows.
        let clamp = |n: u64| n.min(i64::MAX as u64);
        match (limit, offset, backend) {
            (Some(limit), _, _) => {
                let _ = write!(sql, " LIMIT {}", clamp(limit));
            }
            (None, Some(_), Backend::Sqlite) => sql.push_str(" LIMIT -1"),
            (None, Some(_), Backend::MySql) => sql.push_str(" LIMIT 18446744073709551615"),
            _ => {}
        }
        if let Some(offset) = offset {
            let _ = write!(sql, " OFFSET {}", clamp(offset));
        }
        sql
    }

    /// Where this query runs: where its connection points, or on several shards (a model with
    /// a shard key, pinned by the filter or not, or an `all_shards()` handle).
    pub(crate) fn reach(&mut self) -> Result<Reach> {
        let reach = crate::placement::read::<M>(&self.conn, |map, column| {
            self.filter.as_ref().and_then(|f| f.pinned(map, column))
        })?;
        Ok(reach.narrow(&mut self.conn))
    }

    /// Every matching row.
    pub async fn all(self) -> Result<Vec<M>> {
        let (rows, mut failed) = self.gather(false).await?;
        match failed.pop() {
            Some((_, error)) => Err(error),
            None => Ok(rows),
        }
    }

    /// Every matching row from the shards that answered, with the error of each shard that
    /// did not, instead of failing the whole query (for a dashboard that would rather show
    /// most rows than none). With one shard, or none failing, it is [`all`](Self::all).
    ///
    /// The rows are merged, ordered, offset and limited as if the failed shards held none:
    /// check [`Partial::is_complete`] before treating them as the answer.
    pub async fn all_partial(self) -> Result<Partial<M>> {
        let (rows, failed) = self.gather(true).await?;
        Ok(Partial { rows, failed })
    }

    /// The rows of every shard the query reaches, merged; with `settle`, shards that fail are
    /// returned beside the rows instead of failing the query.
    async fn gather(mut self, settle: bool) -> Result<(Vec<M>, Vec<(&'static str, Error)>)> {
        self.resolve().await?;
        let backend = self.conn.backend();
        let mut args = Args::new(backend);
        let shards = match self.reach()? {
            Reach::Here => {
                let sql = self.render_select(
                    M::SELECT.get(backend),
                    backend,
                    &mut args,
                    self.limit,
                    self.offset,
                );
                return match self.conn.fetch_all(sql, args).await {
                    Ok(rows) => Ok((rows, Vec::new())),
                    Err(e) if settle => Ok((Vec::new(), vec![(self.conn.shard_name(), e)])),
                    Err(e) => Err(e),
                };
            }
            Reach::Shards(shards) => shards,
        };
        // Each shard returns its first `offset + limit` rows; the merge skips `offset`.
        let limit = self
            .limit
            .map(|l| l.saturating_add(self.offset.unwrap_or(0)));
        let sql = SqlText::from(self.render_select(
            M::SELECT.get(backend),
            backend,
            &mut args,
            limit,
            None,
        ));
        // Shard names only matter to report failures beside the rows.
        let names: Vec<&'static str> = if settle {
            shards.iter().map(|h| h.shard_name()).collect()
        } else {
            Vec::new()
        };
        let results = scatter::settle(shards, &args, |mut conn, args| {
            let sql = sql.clone();
            async move { conn.fetch_all::<M>(sql, args).await }
        })
        .await;
        let mut rows = Vec::with_capacity(results.len());
        let mut failed = Vec::new();
        for (i, result) in results.into_iter().enumerate() {
            match result {
                Ok(shard_rows) => rows.push(shard_rows),
                Err(e) if settle => failed.push((names.get(i).copied().unwrap_or("?"), e)),
                Err(e) => return Err(e),
            }
        }
        let size = |n: Option<u64>| n.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        let rows = scatter::merge(
            backend,
            rows,
            &self.order,
            size(self.offset).unwrap_or(0),
            size(self.limit),
        )?;
        Ok((rows, failed))
    }

    /// The first matching row (in the query's order).
    pub async fn first(mut self) -> Result<Option<M>> {
        self.limit = Some(1);
        Ok(self.all().await?.pop())
    }

    /// How many rows match (order, limit and offset do not apply).
    pub async fn count(mut self) -> Result<i64> {
        self.resolve().await?;
        let backend = self.conn.backend();
        let mut args = Args::new(backend);
        let mut sql = String::from(M::COUNT.get(backend));
        self.where_clause(backend, &mut sql, &mut args);
        match self.reach()? {
            Reach::Here => self.conn.fetch_scalar(sql, args).await,
            Reach::Shards(shards) => {
                let sql = SqlText::from(sql);
                let counts = scatter::each(shards, &args, |mut conn, args| {
                    let sql = sql.clone();
                    async move { conn.fetch_scalar::<i64>(sql, args).await }
                })
                .await?;
                Ok(counts.into_iter().sum())
            }
        }
    }

    /// Whether any row matches (past `offset`, if one is set).
    pub async fn exists(mut self) -> Result<bool> {
        self.resolve().await?;
        self.order.clear();
        let backend = self.conn.backend();
        let mut args = Args::new(backend);
        match self.reach()? {
            Reach::Here => {
                let sql = self.render_select(
                    M::EXISTS.get(backend),
                    backend,
                    &mut args,
                    Some(1),
                    self.offset,
                );
                Ok(self
                    .conn
                    .fetch_optional::<Present>(sql, args)
                    .await?
                    .is_some())
            }
            Reach::Shards(shards) => {
                // Past an offset, rows of all shards count together.
                let offset = self.offset.unwrap_or(0);
                let sql = self.render_select(
                    M::EXISTS.get(backend),
                    backend,
                    &mut args,
                    Some(offset.saturating_add(1)),
                    None,
                );
                let sql = SqlText::from(sql);
                let found = scatter::each(shards, &args, |mut conn, args| {
                    let sql = sql.clone();
                    async move { conn.fetch_all::<Present>(sql, args).await }
                })
                .await?;
                let rows: usize = found.iter().map(Vec::len).sum();
                Ok(u64::try_from(rows).unwrap_or(u64::MAX) > offset)
            }
        }
    }
}
