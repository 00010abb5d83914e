//! Values compared in memory: relation keys (hashed to group related rows, bound as one array
//! on PostgreSQL) and sort keys (a relation's `order`, applied after fetching).

use std::cmp::Ordering;
use std::fmt::Debug;
use std::hash::Hash;

use crate::value::{Args, Value};

/// A type relation keys can have: the primary-key types (`i16`, `i32`, `i64`, `String`,
/// `Uuid`). They hash and compare exactly on every backend.
pub trait Key:
    Value + crate::shard_key::ShardKey + Hash + Eq + Ord + Clone + Debug + Send + Sync + 'static
{
    /// Bind `keys` as one PostgreSQL array (`= ANY($1)`).
    #[doc(hidden)]
    fn bind_array(keys: &[&Self], args: &mut Args);
}

fn keep_error(args: &mut Args, result: Result<(), crate::value::BoxDynError>) {
    if let Err(e) = result
        && args.error.is_none()
    {
        args.error = Some(e);
    }
}

#[cfg(any(feature = "sqlite", feature = "mysql"))]
const NOT_POSTGRES: &str = "switchyard: key arrays are bound on PostgreSQL only";

#[cfg(feature = "postgres")]
fn pg_array<T>(args: &mut Args, array: Vec<T>)
where
    for<'q> Vec<T>: sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    use crate::value::ArgBuf;
    let result = match &mut args.buf {
        ArgBuf::Postgres(a) => sqlx::Arguments::add(a, array),
        #[cfg(feature = "sqlite")]
        ArgBuf::Sqlite(_) => Err(NOT_POSTGRES.into()),
        #[cfg(feature = "mysql")]
        ArgBuf::MySql(_) => Err(NOT_POSTGRES.into()),
    };
    keep_error(args, result);
}

/// Without the PostgreSQL driver no statement binds a key array (only PostgreSQL arguments
/// take one).
#[cfg(not(feature = "postgres"))]
fn pg_array<T>(args: &mut Args, _array: Vec<T>) {
    keep_error(args, Err(NOT_POSTGRES.into()));
}

macro_rules! copy_key {
    ($($ty:ty),*) => {$(
        impl Key for $ty {
            fn bind_array(keys: &[&Self], args: &mut Args) {
                pg_array(args, keys.iter().map(|k| **k).collect());
            }
        }
    )*};
}

copy_key!(i16, i32, i64, uuid::Uuid);

impl Key for String {
    fn bind_array(keys: &[&Self], args: &mut Args) {
        pg_array(args, keys.iter().map(|k| k.as_str()).collect::<Vec<&str>>());
    }
}

/// A field type a relation's `order` can sort by in memory. `None` sorts before every value,
/// floats sort by IEEE total order, so the order is the same whatever backend the rows came
/// from.
pub trait SortKey {
    /// Compare two values in ascending order.
    fn sort_cmp(&self, other: &Self) -> Ordering;

    /// Compare two values in ascending order, NULL (`None`) last instead of first.
    #[doc(hidden)]
    fn sort_cmp_nulls_last(&self, other: &Self) -> Ordering {
        self.sort_cmp(other)
    }
}

/// Compare two field values in ascending order, NULL first or last: what generated models'
/// `compare` runs per field.
#[doc(hidden)]
pub fn compare<T: SortKey>(a: &T, b: &T, nulls_last: bool) -> Option<Ordering> {
    Some(if nulls_last {
        a.sort_cmp_nulls_last(b)
    } else {
        a.sort_cmp(b)
    })
}

macro_rules! sort_by_ord {
    ($($ty:ty),* $(,)?) => {$(
        impl SortKey for $ty {
            fn sort_cmp(&self, other: &Self) -> Ordering {
                self.cmp(other)
            }
        }
    )*};
}

sort_by_ord!(
    Vec<u8>,
    bool,
    i16,
    i32,
    i64,
    String,
    uuid::Uuid,
    chrono::NaiveDate,
    chrono::NaiveTime,
    chrono::DateTime<chrono::Utc>,
);

impl SortKey for f32 {
    fn sort_cmp(&self, other: &Self) -> Ordering {
        self.total_cmp(other)
    }
}

impl SortKey for f64 {
    fn sort_cmp(&self, other: &Self) -> Ordering {
        self.total_cmp(other)
    }
}

impl<T: SortKey> SortKey for Option<T> {
    fn sort_cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Some(a), Some(b)) => a.sort_cmp(b),
            (a, b) => a.is_some().cmp(&b.is_some()),
        }
    }

    fn sort_cmp_nulls_last(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Some(a), Some(b)) => a.sort_cmp(b),
            (a, b) => b.is_some().cmp(&a.is_some()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_first_and_floats_total() {
        assert_eq!(None::<i64>.sort_cmp(&Some(1)), Ordering::Less);
        assert_eq!(Some(2).sort_cmp(&Some(1)), Ordering::Greater);
        assert_eq!(f64::NAN.sort_cmp(&1.0), Ordering::Greater);
        assert_eq!((-0.0f64).sort_cmp(&0.0), Ordering::Less);
    }
}
