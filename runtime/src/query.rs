//! The filtered query builder every generated repository hands out.

use std::marker::PhantomData;

use crate::backend::Backend;
use crate::error::Result;
use crate::exec::Conn;
use crate::expr::{Expr, Order};
use crate::lookup::Ctx;
use crate::model::{Model, Present};
use crate::relation::{HasFuture, Relation};
use crate::role::Access;
use crate::value::Args;

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

/// A query on model `M`: filter, order, limit and offset, then run with [`all`](Self::all),
/// [`first`](Self::first), [`count`](Self::count) or [`exists`](Self::exists).
#[must_use = "a query does nothing until it is run with .all(), .first(), .count() or .exists()"]
#[derive(Debug)]
pub struct Query<'e, M, A> {
    conn: Conn<'e>,
    filter: Option<Expr<M>>,
    order: Vec<Order<M>>,
    limit: Option<u64>,
    offset: Option<u64>,
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
    async fn resolve(&mut self) -> Result<()> {
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

    fn where_clause(&self, backend: Backend, sql: &mut String, args: &mut Args) {
        if let Some(filter) = &self.filter {
            sql.push_str(" WHERE ");
            filter.render(backend, sql, args);
        }
    }

    fn select(&self, head: &str, backend: Backend, args: &mut Args) -> String {
        let mut sql = String::from(head);
        self.where_clause(backend, &mut sql, args);
        for (i, order) in self.order.iter().enumerate() {
            sql.push_str(if i == 0 { " ORDER BY " } else { ", " });
            order.render(backend, &mut sql);
        }
        // Values are bound like any other; only the keyword spelling differs per dialect.
        let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        let mut bind = |sql: &mut String, n: u64| {
            args.add(&clamp(n));
            backend.placeholder(sql, args.len());
        };
        match (self.limit, self.offset, backend) {
            (Some(limit), _, _) => {
                sql.push_str(" LIMIT ");
                bind(&mut sql, limit);
            }
            (None, Some(_), Backend::Sqlite) => sql.push_str(" LIMIT -1"),
            (None, Some(_), Backend::MySql) => sql.push_str(" LIMIT 18446744073709551615"),
            _ => {}
        }
        if let Some(offset) = self.offset {
            sql.push_str(" OFFSET ");
            bind(&mut sql, offset);
        }
        sql
    }

    /// Every matching row.
    pub async fn all(mut self) -> Result<Vec<M>> {
        self.resolve().await?;
        let backend = self.conn.backend();
        let mut args = Args::new(backend);
        let sql = self.select(M::SELECT.get(backend), backend, &mut args);
        self.conn.fetch_all(sql, args).await
    }

    /// The first matching row (in the query's order).
    pub async fn first(mut self) -> Result<Option<M>> {
        self.resolve().await?;
        self.limit = Some(1);
        let backend = self.conn.backend();
        let mut args = Args::new(backend);
        let sql = self.select(M::SELECT.get(backend), backend, &mut args);
        self.conn.fetch_optional(sql, args).await
    }

    /// How many rows match (order, limit and offset do not apply).
    pub async fn count(mut self) -> Result<i64> {
        self.resolve().await?;
        let backend = self.conn.backend();
        let mut args = Args::new(backend);
        let mut sql = String::from(M::COUNT.get(backend));
        self.where_clause(backend, &mut sql, &mut args);
        self.conn.fetch_scalar(sql, args).await
    }

    /// Whether any row matches.
    pub async fn exists(mut self) -> Result<bool> {
        self.resolve().await?;
        self.limit = Some(1);
        self.order.clear();
        let backend = self.conn.backend();
        let mut args = Args::new(backend);
        let sql = self.select(M::EXISTS.get(backend), backend, &mut args);
        Ok(self
            .conn
            .fetch_optional::<Present>(sql, args)
            .await?
            .is_some())
    }
}
