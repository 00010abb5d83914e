//! Aggregates per group (`query.group_by(Post::USER_ID).count()`): one `GROUP BY` statement
//! per database, the groups of several shards merged by key, sorted by key in memory so the
//! order is the same on every backend.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use crate::aggregate::{Aggregate, Avg, Count, Extreme, Numeric, Ordered, Sum, overflow};
use crate::error::Result;
use crate::exec::SqlText;
use crate::expr::Column;
use crate::model::Model;
use crate::placement::Reach;
use crate::query::{Query, from_table};
use crate::role::Access;
use crate::scatter;
use crate::select::Pick;
use crate::value::{Args, FromRow, Row, Value};

/// A query's rows grouped by one column ([`Query::group_by`]): run one aggregate per group
/// with [`count`](Self::count), [`sum`](Self::sum), [`avg`](Self::avg), [`min`](Self::min)
/// or [`max`](Self::max). Each returns `(key, value)` pairs, one per group, sorted by key
/// (`None`, the group of NULLs, first).
#[must_use = "a grouped query does nothing until it is run with .count(), .sum(..), ..."]
#[derive(Debug)]
pub struct Grouped<'e, M, A, K> {
    query: Query<'e, M, A>,
    key: K,
}

impl<'e, M: Model, A: Access> Query<'e, M, A> {
    /// Group the matching rows by `key`: a [`Column`] whose type is ordered (integers,
    /// strings, booleans, uuids, dates and times; not floats or json), or a nullable one
    /// ([`Column::nullable`]), whose NULLs form one group with the key `None`.
    ///
    /// ```ignore
    /// let posts_per_user: Vec<(i64, i64)> =
    ///     db.content().posts().query().group_by(Post::USER_ID).count().await?;
    /// ```
    ///
    /// One statement (`SELECT key, aggregate ... GROUP BY key`) per database; on several
    /// shards, the groups of each shard merge by key (counts and sums add, minimums and
    /// maximums compare, averages from the merged sums and counts). The groups are sorted by
    /// key in memory (strings by their bytes, as every backend compares them), so their
    /// order is the same everywhere. The filter applies; the order does not, and a limit or
    /// an offset is refused with [`Error::Config`](crate::Error::Config).
    pub fn group_by<K: Pick<M>>(self, key: K) -> Grouped<'e, M, A, K>
    where
        K::Out: Ord,
    {
        Grouped { query: self, key }
    }
}

/// One database's answer for one group.
struct GroupRow<K, G: Aggregate>(K, G::Partial, PhantomData<fn() -> G>);

impl<K: Value, G: Aggregate> FromRow for GroupRow<K, G> {
    fn from_row(row: &Row) -> Result<Self, sqlx::Error> {
        Ok(GroupRow(row.get(0)?, G::decode(row, 1)?, PhantomData))
    }
}

impl<M: Model, A: Access, K: Pick<M>> Grouped<'_, M, A, K>
where
    K::Out: Ord,
{
    /// How many matching rows each group has.
    pub async fn count(self) -> Result<Vec<(K::Out, i64)>> {
        self.aggregate(Count, "group_by(..).count()").await
    }

    /// The sum of `column` in each group (see [`Query::sum`]).
    pub async fn sum<T: Numeric>(
        self,
        column: Column<M, T>,
    ) -> Result<Vec<(K::Out, Option<T::Sum>)>> {
        self.aggregate(Sum(column), "group_by(..).sum(..)").await
    }

    /// The average of `column` in each group (see [`Query::avg`]).
    pub async fn avg<T: Numeric>(self, column: Column<M, T>) -> Result<Vec<(K::Out, Option<f64>)>> {
        self.aggregate(Avg(column), "group_by(..).avg(..)").await
    }

    /// The smallest value of `column` in each group (see [`Query::min`]).
    pub async fn min<T: Ordered>(self, column: Column<M, T>) -> Result<Vec<(K::Out, Option<T>)>> {
        self.aggregate(Extreme::<M, T, false>(column), "group_by(..).min(..)")
            .await
    }

    /// The largest value of `column` in each group (see [`Query::max`]).
    pub async fn max<T: Ordered>(self, column: Column<M, T>) -> Result<Vec<(K::Out, Option<T>)>> {
        self.aggregate(Extreme::<M, T, true>(column), "group_by(..).max(..)")
            .await
    }

    async fn aggregate<G: Aggregate>(
        self,
        aggregate: G,
        what: &str,
    ) -> Result<Vec<(K::Out, G::Output)>> {
        let Grouped { mut query, key } = self;
        query.refuse_window(what)?;
        query.resolve().await?;
        let backend = query.conn.backend();
        let column = key.quoted().get(backend);
        let mut args = Args::new(backend);
        let mut sql = String::from("SELECT ");
        sql.push_str(column);
        sql.push_str(", ");
        aggregate.render(backend, &mut sql);
        sql.push_str(from_table::<M>(backend)?);
        query.where_clause(backend, &mut sql, &mut args);
        sql.push_str(" GROUP BY ");
        sql.push_str(column);
        let mut groups = BTreeMap::new();
        match query.reach()? {
            Reach::Here => {
                let rows = query
                    .conn
                    .fetch_all::<GroupRow<K::Out, G>>(sql, args)
                    .await?;
                groups.extend(
                    rows.into_iter()
                        .map(|GroupRow(key, partial, _)| (key, partial)),
                );
            }
            Reach::Shards(shards) => {
                let sql = SqlText::from(sql);
                let names = shards.clone();
                let per_shard = scatter::each(shards, &args, |mut conn, args| {
                    let sql = sql.clone();
                    async move { conn.fetch_all::<GroupRow<K::Out, G>>(sql, args).await }
                })
                .await?;
                for (handle, rows) in names.iter().zip(per_shard) {
                    for GroupRow(key, partial, _) in rows {
                        let merged = match groups.remove(&key) {
                            Some(earlier) => G::merge(earlier, partial)
                                .ok_or_else(|| overflow(handle, &aggregate.describe(backend)))?,
                            None => partial,
                        };
                        groups.insert(key, merged);
                    }
                }
            }
        }
        Ok(groups
            .into_iter()
            .map(|(key, partial)| (key, G::finish(partial)))
            .collect())
    }
}
