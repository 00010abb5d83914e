//! Aggregates of one column over a query's rows (`sum`, `min`, `max`, `avg`), typed alike on
//! every backend, on one database or merged across shards.
//!
//! The databases type aggregates differently (PostgreSQL sums `bigint` as `numeric`, MariaDB
//! sums integers as `DECIMAL`, SQLite answers integer or real), so each is cast in SQL to one
//! portable type per dialect, and decoded as the same Rust type everywhere:
//!
//! | aggregate | SQLite | PostgreSQL | MariaDB | Rust |
//! |---|---|---|---|---|
//! | sum of integers | `SUM(x)` | `CAST(SUM(x) AS BIGINT)` | `CAST(SUM(x) AS CHAR)`, parsed | `i64` |
//! | sum of floats | `CAST(SUM(x) AS REAL)` | `SUM(CAST(x AS DOUBLE PRECISION))` | `SUM(x)` (a `DOUBLE`) | `f64` |
//! | avg | the sum above and `COUNT(x)` | same | same | `f64` |
//! | min, max | `MIN(x)`, `MAX(x)` | same | same | the column's type |
//!
//! Across shards, each shard answers its partial result (a sum, a count, a minimum) and they
//! merge: sums and counts add, minimums and maximums compare; an average is the merged sum
//! over the merged count, never an average of averages.

use std::cmp::Ordering;

use crate::backend::Backend;
use crate::database::Handle;
use crate::error::{Error, Result};
use crate::exec::SqlText;
use crate::expr::Column;
use crate::key::SortKey;
use crate::model::Model;
use crate::placement::Reach;
use crate::query::{Query, from_table};
use crate::role::Access;
use crate::scatter;
use crate::value::{Args, FromRow, Row, Value};

pub(crate) mod sealed {
    use crate::backend::Backend;
    use crate::value::Row;

    /// Implemented only here: the column types [`Numeric`](super::Numeric) and
    /// [`Ordered`](super::Ordered) cover.
    pub trait Sealed {}

    /// A sum's type (`i64`, `f64`): its SQL per dialect and how partial sums add.
    pub trait Total: Sized + Copy {
        /// The type's name, for errors.
        const NAME: &'static str;
        /// Append the sum of `column` (quoted), cast to this type's portable SQL type.
        fn render(backend: Backend, column: &str, sql: &mut String);
        /// Decode the sum at `index` (NULL: no non-null value).
        fn decode(row: &Row, index: usize) -> Result<Option<Self>, sqlx::Error>;
        /// `self + other`; `None` past the type's range.
        fn add(self, other: Self) -> Option<Self>;
        /// As a float, for an average.
        fn to_f64(self) -> f64;
    }

    /// A column type `MIN` and `MAX` return as is.
    pub trait Extreme: Sized {
        /// Decode the minimum or maximum at `index` (NULL: no non-null value).
        fn decode(row: &Row, index: usize) -> Result<Option<Self>, sqlx::Error>;
    }
}

/// A column type [`sum`](Query::sum) and [`avg`](Query::avg) apply to: `i16`, `i32`, `i64`
/// (summed as `i64`) and `f32`, `f64` (summed as `f64`).
pub trait Numeric: Value + sealed::Sealed + Send + Sync + 'static {
    /// The type of the column's sum: `i64` for integers, `f64` for floats.
    type Sum: Value + sealed::Total + Send + Sync + std::fmt::Debug + 'static;
}

/// A column type [`min`](Query::min) and [`max`](Query::max) apply to: the numbers, strings
/// (compared by their bytes on every backend), dates, times and datetimes.
pub trait Ordered:
    Value + SortKey + sealed::Extreme + sealed::Sealed + Send + Sync + 'static
{
}

impl sealed::Total for i64 {
    const NAME: &'static str = "i64";

    fn render(backend: Backend, column: &str, sql: &mut String) {
        let (open, close) = match backend {
            Backend::Sqlite => ("SUM(", ")"),
            Backend::Postgres => ("CAST(SUM(", ") AS BIGINT)"),
            // MariaDB sums integers as an exact DECIMAL; its text is parsed, so that a sum
            // past i64 is an error rather than clamped by a cast.
            Backend::MySql => ("CAST(SUM(", ") AS CHAR)"),
        };
        sql.push_str(open);
        sql.push_str(column);
        sql.push_str(close);
    }

    fn decode(row: &Row, index: usize) -> Result<Option<Self>, sqlx::Error> {
        if row.backend() != Backend::MySql {
            return row.get(index);
        }
        let Some(text) = row.get::<Option<String>>(index)? else {
            return Ok(None);
        };
        text.parse().map(Some).map_err(|_| {
            sqlx::Error::Decode(
                format!("switchyard: the sum {text} is out of the range of an i64").into(),
            )
        })
    }

    fn add(self, other: Self) -> Option<Self> {
        self.checked_add(other)
    }

    fn to_f64(self) -> f64 {
        // An average's precision: exact up to 2^53, rounded past it.
        self as f64
    }
}

impl sealed::Total for f64 {
    const NAME: &'static str = "f64";

    fn render(backend: Backend, column: &str, sql: &mut String) {
        let (open, close) = match backend {
            Backend::Sqlite => ("CAST(SUM(", ") AS REAL)"),
            // `real` columns would be summed in single precision.
            Backend::Postgres => ("SUM(CAST(", " AS DOUBLE PRECISION))"),
            // SUM of FLOAT and DOUBLE is a DOUBLE.
            Backend::MySql => ("SUM(", ")"),
        };
        sql.push_str(open);
        sql.push_str(column);
        sql.push_str(close);
    }

    fn decode(row: &Row, index: usize) -> Result<Option<Self>, sqlx::Error> {
        // PostgreSQL fails a float sum past f64's range; SQLite and MariaDB answer infinity:
        // an error on every backend.
        match row.get::<Option<f64>>(index)? {
            Some(sum) if !sum.is_finite() => Err(sqlx::Error::Decode(
                format!("switchyard: the sum {sum} is out of the range of an f64").into(),
            )),
            sum => Ok(sum),
        }
    }

    fn add(self, other: Self) -> Option<Self> {
        Some(self + other).filter(|sum| sum.is_finite())
    }

    fn to_f64(self) -> f64 {
        self
    }
}

macro_rules! numeric {
    ($($ty:ty => $sum:ty),* $(,)?) => {$(
        impl Numeric for $ty {
            type Sum = $sum;
        }
    )*};
}

numeric!(i16 => i64, i32 => i64, i64 => i64, f32 => f64, f64 => f64);

macro_rules! ordered {
    ($($ty:ty),* $(,)?) => {$(
        impl sealed::Sealed for $ty {}

        impl sealed::Extreme for $ty {
            fn decode(row: &Row, index: usize) -> Result<Option<Self>, sqlx::Error> {
                row.get(index)
            }
        }

        impl Ordered for $ty {}
    )*};
}

ordered!(
    i16,
    i32,
    i64,
    f32,
    f64,
    String,
    chrono::NaiveDate,
    chrono::NaiveTime,
    chrono::DateTime<chrono::Utc>,
);

/// One aggregate: its SQL, the partial result each database answers, how partial results of
/// several shards merge, and the final value.
pub(crate) trait Aggregate: Send + Sync + 'static {
    /// What one database answers.
    type Partial: Send + 'static;
    /// What the caller gets.
    type Output;
    /// Append the aggregate's select list.
    fn render(&self, backend: Backend, sql: &mut String);
    /// Decode the partial result from the row's columns from `at` on.
    fn decode(row: &Row, at: usize) -> Result<Self::Partial, sqlx::Error>;
    /// The result of no database (a filter that pins no shard).
    fn empty() -> Self::Partial;
    /// Merge two shards' partial results; `None` when a sum leaves its type's range.
    fn merge(a: Self::Partial, b: Self::Partial) -> Option<Self::Partial>;
    /// The final value of a merged partial result.
    fn finish(partial: Self::Partial) -> Self::Output;
    /// What is aggregated, for errors (`sum of "karma"`).
    fn describe(&self, backend: Backend) -> String;
}

/// `COUNT(*)`.
pub(crate) struct Count;

impl Aggregate for Count {
    type Partial = i64;
    type Output = i64;

    fn render(&self, _: Backend, sql: &mut String) {
        sql.push_str("COUNT(*)");
    }

    fn decode(row: &Row, at: usize) -> Result<i64, sqlx::Error> {
        row.get(at)
    }

    fn empty() -> i64 {
        0
    }

    fn merge(a: i64, b: i64) -> Option<i64> {
        a.checked_add(b)
    }

    fn finish(partial: i64) -> i64 {
        partial
    }

    fn describe(&self, _: Backend) -> String {
        "count as i64".into()
    }
}

/// The sum of a numeric column.
pub(crate) struct Sum<M, T>(pub(crate) Column<M, T>);

impl<M: 'static, T: Numeric> Aggregate for Sum<M, T> {
    type Partial = Option<T::Sum>;
    type Output = Option<T::Sum>;

    fn render(&self, backend: Backend, sql: &mut String) {
        <T::Sum as sealed::Total>::render(backend, self.0.quoted().get(backend), sql);
    }

    fn decode(row: &Row, at: usize) -> Result<Self::Partial, sqlx::Error> {
        <T::Sum as sealed::Total>::decode(row, at)
    }

    fn empty() -> Self::Partial {
        None
    }

    fn merge(a: Self::Partial, b: Self::Partial) -> Option<Self::Partial> {
        match (a, b) {
            (Some(a), Some(b)) => sealed::Total::add(a, b).map(Some),
            (a, b) => Some(a.or(b)),
        }
    }

    fn finish(partial: Self::Partial) -> Self::Output {
        partial
    }

    fn describe(&self, backend: Backend) -> String {
        let name = <T::Sum as sealed::Total>::NAME;
        format!("sum of {} as {name}", self.0.quoted().get(backend))
    }
}

/// The average of a numeric column: its sum over the count of its non-null values.
pub(crate) struct Avg<M, T>(pub(crate) Column<M, T>);

impl<M: 'static, T: Numeric> Aggregate for Avg<M, T> {
    type Partial = (Option<T::Sum>, i64);
    type Output = Option<f64>;

    fn render(&self, backend: Backend, sql: &mut String) {
        let column = self.0.quoted().get(backend);
        <T::Sum as sealed::Total>::render(backend, column, sql);
        sql.push_str(", COUNT(");
        sql.push_str(column);
        sql.push(')');
    }

    fn decode(row: &Row, at: usize) -> Result<Self::Partial, sqlx::Error> {
        Ok((
            <T::Sum as sealed::Total>::decode(row, at)?,
            row.get(at + 1)?,
        ))
    }

    fn empty() -> Self::Partial {
        (None, 0)
    }

    fn merge(a: Self::Partial, b: Self::Partial) -> Option<Self::Partial> {
        Some((Sum::<M, T>::merge(a.0, b.0)?, a.1.checked_add(b.1)?))
    }

    fn finish((sum, count): Self::Partial) -> Option<f64> {
        // Counts stay far below 2^53, where the conversion is exact.
        sum.filter(|_| count > 0)
            .map(|sum| sealed::Total::to_f64(sum) / count as f64)
    }

    fn describe(&self, backend: Backend) -> String {
        let name = <T::Sum as sealed::Total>::NAME;
        format!(
            "sum of {} as {name}, for its average,",
            self.0.quoted().get(backend)
        )
    }
}

/// The minimum (`MIN`) or maximum (`MAX`) of a column.
pub(crate) struct Extreme<M, T, const MAX: bool>(pub(crate) Column<M, T>);

impl<M: 'static, T: Ordered, const MAX: bool> Aggregate for Extreme<M, T, MAX> {
    type Partial = Option<T>;
    type Output = Option<T>;

    fn render(&self, backend: Backend, sql: &mut String) {
        sql.push_str(if MAX { "MAX(" } else { "MIN(" });
        sql.push_str(self.0.quoted().get(backend));
        sql.push(')');
    }

    fn decode(row: &Row, at: usize) -> Result<Option<T>, sqlx::Error> {
        <T as sealed::Extreme>::decode(row, at)
    }

    fn empty() -> Option<T> {
        None
    }

    fn merge(a: Option<T>, b: Option<T>) -> Option<Option<T>> {
        Some(match (a, b) {
            (Some(a), Some(b)) => {
                let keep_a = match a.sort_cmp(&b) {
                    Ordering::Less => !MAX,
                    Ordering::Greater => MAX,
                    Ordering::Equal => true,
                };
                Some(if keep_a { a } else { b })
            }
            (a, b) => a.or(b),
        })
    }

    fn finish(partial: Option<T>) -> Option<T> {
        partial
    }

    fn describe(&self, backend: Backend) -> String {
        let which = if MAX { "maximum" } else { "minimum" };
        format!("{which} of {}", self.0.quoted().get(backend))
    }
}

/// One database's answer to an aggregate without groups.
struct Scalar<G: Aggregate>(G::Partial);

impl<G: Aggregate> FromRow for Scalar<G> {
    fn from_row(row: &Row) -> Result<Self, sqlx::Error> {
        G::decode(row, 0).map(Scalar)
    }
}

/// Merging partial results of `handle`'s shard took a sum out of its type's range: an error
/// naming that shard's writer.
pub(crate) fn overflow(handle: &Handle, what: &str) -> Error {
    Error::query(
        &handle.shard_servers().writer.target,
        sqlx::Error::Decode(
            format!(
                "switchyard: the {what} over the shards of cluster `{}` is out of its type's range",
                handle.cluster_name()
            )
            .into(),
        ),
    )
}

impl<'e, M: Model, A: Access> Query<'e, M, A> {
    /// The sum of `column` over the matching rows, as `i64` for an integer column and `f64`
    /// for a float column; `None` when no row matches or every value is NULL.
    ///
    /// Integers are summed exactly: a sum past the range of `i64` is an error on every backend
    /// (SQLite's integer overflow, PostgreSQL's `bigint out of range`, MariaDB's exact
    /// `DECIMAL` sum failing to decode, or the merge of several shards' sums), never wrapped
    /// or clamped. A float sum past the range of `f64` is an error too (PostgreSQL's overflow
    /// error; the infinity SQLite and MariaDB answer is refused), and so is a sum of stored
    /// infinities; the order in which each database adds floats may change the last bits.
    ///
    /// Order, limit and offset do not apply: a query that sets a limit or an offset is refused
    /// with [`Error::Config`]. On several shards, each shard sums its rows and the sums add.
    pub async fn sum<T: Numeric>(self, column: Column<M, T>) -> Result<Option<T::Sum>> {
        self.aggregate(Sum(column), "sum").await
    }

    /// The average of `column`'s non-null values over the matching rows, as `f64`; `None` when
    /// no row matches or every value is NULL.
    ///
    /// Computed as the [`sum`](Self::sum) (exact, for integers) over the count of non-null
    /// values, on every backend and across shards alike (the shards' sums and counts add;
    /// never an average of averages), so it is the same on all three backends. An integer sum
    /// past `i64` is an error, as for `sum`. Limit and offset are refused as for `sum`.
    pub async fn avg<T: Numeric>(self, column: Column<M, T>) -> Result<Option<f64>> {
        self.aggregate(Avg(column), "avg").await
    }

    /// The smallest non-null value of `column` over the matching rows, as the column's type;
    /// `None` when no row matches or every value is NULL. Strings compare by their bytes on
    /// every backend. Limit and offset are refused as for [`sum`](Self::sum); across shards,
    /// the smallest of the shards' minimums.
    pub async fn min<T: Ordered>(self, column: Column<M, T>) -> Result<Option<T>> {
        self.aggregate(Extreme::<M, T, false>(column), "min").await
    }

    /// The largest non-null value of `column`; see [`min`](Self::min).
    pub async fn max<T: Ordered>(self, column: Column<M, T>) -> Result<Option<T>> {
        self.aggregate(Extreme::<M, T, true>(column), "max").await
    }

    /// Refuse a limit or offset, which would not limit the rows an aggregate reads.
    pub(crate) fn refuse_window(&self, what: &str) -> Result<()> {
        if self.limit.is_some() || self.offset.is_some() {
            return Err(Error::Config(format!(
                "{}: limit and offset do not apply to {what} (it reads every matching row); \
                 filter the rows instead",
                M::NAME
            )));
        }
        Ok(())
    }

    async fn aggregate<G: Aggregate>(mut self, aggregate: G, what: &str) -> Result<G::Output> {
        self.refuse_window(what)?;
        self.resolve().await?;
        let backend = self.conn.backend();
        let mut args = Args::new(backend);
        let mut sql = String::from("SELECT ");
        aggregate.render(backend, &mut sql);
        sql.push_str(from_table::<M>(backend)?);
        self.where_clause(backend, &mut sql, &mut args);
        let shards = match self.reach()? {
            Reach::Here => {
                let Scalar(partial) = self.conn.fetch_one::<Scalar<G>>(sql, args).await?;
                return Ok(G::finish(partial));
            }
            Reach::Shards(shards) => shards,
        };
        let sql = SqlText::from(sql);
        let names = shards.clone();
        let partials = scatter::each(shards, &args, |mut conn, args| {
            let sql = sql.clone();
            async move { conn.fetch_one::<Scalar<G>>(sql, args).await }
        })
        .await?;
        let mut merged = G::empty();
        for (handle, Scalar(partial)) in names.iter().zip(partials) {
            merged = G::merge(merged, partial)
                .ok_or_else(|| overflow(handle, &aggregate.describe(backend)))?;
        }
        Ok(G::finish(merged))
    }
}
