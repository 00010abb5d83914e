//! Projection: some columns of a model's rows, decoded into a value or a tuple
//! (`query.select((User::ID, User::USERNAME)).all()` is a `Vec<(i64, String)>`), with the
//! query's filter, order, limit and offset applying.
//!
//! Across several shards, each shard returns its first `offset + limit` rows in the query's
//! order and the rows are merged in that order in memory, which needs the ordered columns among
//! the selected ones.

use std::cmp::Ordering;
use std::fmt;
use std::marker::PhantomData;

use crate::backend::{Backend, Sql};
use crate::error::{Error, Result};
use crate::exec::SqlText;
use crate::expr::{Column, Expr, Order};
use crate::key::SortKey;
use crate::model::Model;
use crate::placement::Reach;
use crate::query::{Query, from_table};
use crate::role::Access;
use crate::scatter;
use crate::value::{Args, FromRow, Row, Value};

/// A column of model `M` whose NULLs are selected as `None`: `User::BIO.nullable()` selects
/// an `Option<String>` ([`Column::nullable`]).
pub struct Nullable<M, T> {
    column: Column<M, T>,
}

impl<M, T> Clone for Nullable<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, T> Copy for Nullable<M, T> {}

impl<M, T> fmt::Debug for Nullable<M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nullable({})", self.column.name())
    }
}

impl<M, T> Column<M, T> {
    /// This column, selected as `Option<T>` (`None` for NULL) by
    /// [`select`](Query::select) and [`group_by`](Query::group_by). Selected as is, a NULL in a
    /// nullable column fails to decode.
    pub fn nullable(self) -> Nullable<M, T> {
        Nullable { column: self }
    }
}

pub(crate) mod sealed {
    use std::cmp::Ordering;

    /// Implemented only here: the columns and tuples [`Selection`](super::Selection) takes.
    pub trait Sealed<M> {}

    /// A field type compared in memory as the databases sort it, to merge rows of several
    /// shards (`None`: json, which cannot be ordered).
    pub trait Compare {
        fn compare(&self, other: &Self, nulls_last: bool) -> Option<Ordering>;
    }
}

macro_rules! compare_sorted {
    ($($ty:ty),* $(,)?) => {$(
        impl sealed::Compare for $ty {
            fn compare(&self, other: &Self, _: bool) -> Option<Ordering> {
                Some(self.sort_cmp(other))
            }
        }
    )*};
}

compare_sorted!(
    bool,
    i16,
    i32,
    i64,
    f32,
    f64,
    String,
    Vec<u8>,
    uuid::Uuid,
    chrono::NaiveDate,
    chrono::NaiveTime,
    chrono::DateTime<chrono::Utc>,
);

impl sealed::Compare for serde_json::Value {
    fn compare(&self, _: &Self, _: bool) -> Option<Ordering> {
        None
    }
}

impl<T: sealed::Compare> sealed::Compare for Option<T> {
    fn compare(&self, other: &Self, nulls_last: bool) -> Option<Ordering> {
        match (self, other) {
            (Some(a), Some(b)) => a.compare(b, nulls_last),
            (None, None) => Some(Ordering::Equal),
            (None, Some(_)) if nulls_last => Some(Ordering::Greater),
            (None, Some(_)) => Some(Ordering::Less),
            (Some(_), None) if nulls_last => Some(Ordering::Less),
            (Some(_), None) => Some(Ordering::Greater),
        }
    }
}

/// One selected column of model `M`: a [`Column`] (its type) or a [`Nullable`] one
/// (`Option` of its type). Also what [`group_by`](Query::group_by) groups by.
pub trait Pick<M>: sealed::Sealed<M> + Copy + Send + Sync + 'static {
    /// What the column decodes to.
    type Out: Value + Send + 'static;

    /// The column, quoted for each dialect.
    #[doc(hidden)]
    fn quoted(&self) -> Sql;

    /// The position of the column's field in the model.
    #[doc(hidden)]
    fn field(&self) -> usize;

    /// Compare two values as the databases order them.
    #[doc(hidden)]
    fn compare(a: &Self::Out, b: &Self::Out, nulls_last: bool) -> Option<Ordering>;
}

impl<M: 'static, T: 'static> sealed::Sealed<M> for Column<M, T> {}

impl<M: 'static, T: 'static> sealed::Sealed<M> for Nullable<M, T> {}

impl<M: 'static, T: Value + sealed::Compare + Send + 'static> Pick<M> for Column<M, T> {
    type Out = T;

    fn quoted(&self) -> Sql {
        Column::quoted(self)
    }

    fn field(&self) -> usize {
        Column::field(self)
    }

    fn compare(a: &T, b: &T, nulls_last: bool) -> Option<Ordering> {
        sealed::Compare::compare(a, b, nulls_last)
    }
}

impl<M: 'static, T: sealed::Compare + Send + 'static> Pick<M> for Nullable<M, T>
where
    Option<T>: Value,
{
    type Out = Option<T>;

    fn quoted(&self) -> Sql {
        self.column.quoted()
    }

    fn field(&self) -> usize {
        self.column.field()
    }

    fn compare(a: &Option<T>, b: &Option<T>, nulls_last: bool) -> Option<Ordering> {
        sealed::Compare::compare(a, b, nulls_last)
    }
}

/// What [`select`](Query::select) takes: one column (a [`Column`] or a [`Nullable`] one),
/// selected as its value, or a tuple of 1 to 8 of them, selected as a tuple.
pub trait Selection<M>: sealed::Sealed<M> + Send + Sync + 'static {
    /// A selected row: the column's value, or the tuple of the columns' values.
    type Row: Send + 'static;

    /// The select list.
    #[doc(hidden)]
    fn render(&self, backend: Backend, sql: &mut String);

    /// Where the model's field at `field` is in the selection, if it is selected.
    #[doc(hidden)]
    fn position(&self, field: usize) -> Option<usize>;

    /// Decode a selected row.
    #[doc(hidden)]
    fn decode(row: &Row) -> Result<Self::Row, sqlx::Error>;

    /// Compare two rows by the value at `position` as the databases order it.
    #[doc(hidden)]
    fn compare(a: &Self::Row, b: &Self::Row, position: usize, nulls_last: bool)
    -> Option<Ordering>;
}

macro_rules! single {
    ($($ty:ident),*) => {$(
        impl<M: 'static, T: 'static> Selection<M> for $ty<M, T>
        where
            $ty<M, T>: Pick<M>,
        {
            type Row = <$ty<M, T> as Pick<M>>::Out;

            fn render(&self, backend: Backend, sql: &mut String) {
                sql.push_str(self.quoted().get(backend));
            }

            fn position(&self, field: usize) -> Option<usize> {
                (Pick::field(self) == field).then_some(0)
            }

            fn decode(row: &Row) -> Result<Self::Row, sqlx::Error> {
                row.get(0)
            }

            fn compare(
                a: &Self::Row,
                b: &Self::Row,
                _: usize,
                nulls_last: bool,
            ) -> Option<Ordering> {
                <$ty<M, T> as Pick<M>>::compare(a, b, nulls_last)
            }
        }
    )*};
}

single!(Column, Nullable);

macro_rules! tuples {
    ($(($($pick:ident $index:tt),+))*) => {$(
        impl<M: 'static, $($pick: Pick<M>),+> sealed::Sealed<M> for ($($pick,)+) {}

        impl<M: 'static, $($pick: Pick<M>),+> Selection<M> for ($($pick,)+) {
            type Row = ($($pick::Out,)+);

            fn render(&self, backend: Backend, sql: &mut String) {
                let columns = [$(self.$index.quoted()),+];
                for (i, column) in columns.iter().enumerate() {
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(column.get(backend));
                }
            }

            fn position(&self, field: usize) -> Option<usize> {
                $(
                    if self.$index.field() == field {
                        return Some($index);
                    }
                )+
                None
            }

            fn decode(row: &Row) -> Result<Self::Row, sqlx::Error> {
                Ok(($(row.get::<$pick::Out>($index)?,)+))
            }

            fn compare(
                a: &Self::Row,
                b: &Self::Row,
                position: usize,
                nulls_last: bool,
            ) -> Option<Ordering> {
                match position {
                    $($index => $pick::compare(&a.$index, &b.$index, nulls_last),)+
                    _ => None,
                }
            }
        }
    )*};
}

tuples! {
    (A 0)
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
    (A 0, B 1, C 2, D 3, E 4)
    (A 0, B 1, C 2, D 3, E 4, F 5)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
}

/// A selected row, decoded.
struct Picked<M, S: Selection<M>>(S::Row, PhantomData<fn() -> M>);

impl<M, S: Selection<M>> FromRow for Picked<M, S> {
    fn from_row(row: &Row) -> Result<Self, sqlx::Error> {
        S::decode(row).map(|row| Picked(row, PhantomData))
    }
}

/// A query of some columns of model `M` ([`Query::select`]): filter, order, limit and offset
/// as for the query, then run with [`all`](Self::all) or [`first`](Self::first).
#[must_use = "a query does nothing until it is run with .all() or .first()"]
#[derive(Debug)]
pub struct Select<'e, M, A, S> {
    query: Query<'e, M, A>,
    columns: S,
}

impl<'e, M: Model, A: Access> Query<'e, M, A> {
    /// Select only `columns` of the matching rows: one column (`User::ID`, decoded as `i64`),
    /// or a tuple of 1 to 8 (`(User::ID, User::USERNAME)`, decoded as `(i64, String)`). A
    /// nullable column is selected with [`Column::nullable`] (`User::BIO.nullable()`,
    /// decoded as `Option<String>`).
    ///
    /// The query's filter, order, limit and offset apply. On several shards, each shard sends
    /// its first `offset + limit` rows and they are merged in the query's order as for
    /// [`all`](Self::all); every ordered column must then be selected (otherwise the merge
    /// could not compare rows), or the query fails with [`Error::Config`] before anything
    /// runs.
    pub fn select<S: Selection<M>>(self, columns: S) -> Select<'e, M, A, S> {
        Select {
            query: self,
            columns,
        }
    }
}

impl<M: Model, A: Access, S: Selection<M>> Select<'_, M, A, S> {
    /// Keep rows matching `condition` (and any earlier filter).
    pub fn filter(mut self, condition: Expr<M>) -> Self {
        self.query = self.query.filter(condition);
        self
    }

    /// Sort by `order`, after any earlier sort keys.
    pub fn order_by(mut self, order: Order<M>) -> Self {
        self.query = self.query.order_by(order);
        self
    }

    /// Return at most `n` rows.
    pub fn limit(mut self, n: u64) -> Self {
        self.query = self.query.limit(n);
        self
    }

    /// Skip the first `n` rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.query = self.query.offset(n);
        self
    }

    /// The first matching row's columns (in the query's order).
    pub async fn first(mut self) -> Result<Option<S::Row>> {
        self.query.limit = Some(1);
        Ok(self.all().await?.into_iter().next())
    }

    /// The selected columns of every matching row.
    pub async fn all(self) -> Result<Vec<S::Row>> {
        let Select { mut query, columns } = self;
        query.resolve().await?;
        let backend = query.conn.backend();
        let mut head = String::from("SELECT ");
        columns.render(backend, &mut head);
        head.push_str(from_table::<M>(backend)?);
        let mut args = Args::new(backend);
        let shards = match query.reach()? {
            Reach::Here => {
                let sql = query.render_select(&head, backend, &mut args, query.limit, query.offset);
                let rows = query.conn.fetch_all::<Picked<M, S>>(sql, args).await?;
                return Ok(rows.into_iter().map(|row| row.0).collect());
            }
            Reach::Shards(shards) => shards,
        };
        // The merge compares rows by the ordered columns, so they must be selected.
        let keys = query
            .order
            .iter()
            .map(|order| match columns.position(order.field()) {
                Some(position) => Ok((position, order.is_descending())),
                None => Err(Error::Config(format!(
                    "{}: rows selected from several shards are merged in the query's order, so \
                     the ordered column {} must be selected too; select it, or query one shard",
                    M::NAME,
                    order.quoted().get(backend)
                ))),
            })
            .collect::<Result<Vec<_>>>()?;
        let limit = query
            .limit
            .map(|l| l.saturating_add(query.offset.unwrap_or(0)));
        let sql = SqlText::from(query.render_select(&head, backend, &mut args, limit, None));
        let per_shard = scatter::each(shards, &args, |mut conn, args| {
            let sql = sql.clone();
            async move { conn.fetch_all::<Picked<M, S>>(sql, args).await }
        })
        .await?;
        let mut rows: Vec<S::Row> = per_shard.into_iter().flatten().map(|r| r.0).collect();
        if !keys.is_empty() {
            // Each shard's rows are sorted and a stable sort keeps ties in shard order: the
            // result of a k-way merge, ties to the earlier shard.
            let nulls_last = backend == Backend::Postgres;
            let mut incomparable = false;
            rows.sort_by(|a, b| {
                for &(position, descending) in &keys {
                    let Some(ordering) = S::compare(a, b, position, nulls_last) else {
                        incomparable = true;
                        return Ordering::Equal;
                    };
                    if ordering.is_ne() {
                        return if descending {
                            ordering.reverse()
                        } else {
                            ordering
                        };
                    }
                }
                Ordering::Equal
            });
            if incomparable {
                return Err(Error::Config(format!(
                    "{}: rows of several shards cannot be merged in the order of a json column; \
                     order by another column, or query one shard",
                    M::NAME
                )));
            }
        }
        let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        let offset = query.offset.map_or(0, size);
        let limit = query.limit.map_or(usize::MAX, size);
        Ok(rows.into_iter().skip(offset).take(limit).collect())
    }
}
