//! How field values are bound and decoded on each backend.
//!
//! [`Args`] and [`Row`] wrap the argument buffers and rows of the drivers compiled in (the
//! features `sqlite`, `postgres`, `mysql`); [`Value`] is implemented for every field type a
//! declaration can use (and `Option` of each), delegating to sqlx's encoders so one build of the
//! generated code runs on any backend.

use sqlx::{Arguments, Row as _};

use crate::backend::{Backend, each_backend};

pub(crate) type BoxDynError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Bound values of one statement, for one backend.
///
/// Binding never fails on the spot: the first encoding error is kept and returned when the
/// statement runs, where it can name the database.
#[doc(hidden)]
pub struct Args {
    pub(crate) buf: ArgBuf,
    pub(crate) error: Option<BoxDynError>,
    /// The shard an insert's rows go to, when known before binding (rows of a keyed model):
    /// uuid keys left empty are then made for it.
    pub(crate) key_shard: Option<usize>,
}

/// A driver's argument buffer (a variant per backend compiled in).
#[doc(hidden)]
#[derive(Clone)]
pub enum ArgBuf {
    /// SQLite arguments.
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::sqlite::SqliteArguments),
    /// PostgreSQL arguments.
    #[cfg(feature = "postgres")]
    Postgres(sqlx::postgres::PgArguments),
    /// MySQL/MariaDB arguments.
    #[cfg(feature = "mysql")]
    MySql(sqlx::mysql::MySqlArguments),
}

impl Args {
    /// Empty arguments for `backend`.
    ///
    /// For a backend that is not compiled in (a URL of one is refused before any pool opens,
    /// so no statement can be meant for it), the arguments carry that error, returned when the
    /// statement runs like an encoding error.
    pub fn new(backend: Backend) -> Self {
        let buf = match backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite => ArgBuf::Sqlite(Default::default()),
            #[cfg(feature = "postgres")]
            Backend::Postgres => ArgBuf::Postgres(Default::default()),
            #[cfg(feature = "mysql")]
            Backend::MySql => ArgBuf::MySql(Default::default()),
            #[cfg(not(all(feature = "sqlite", feature = "postgres", feature = "mysql")))]
            missing => {
                let mut args = Args::new(Backend::any_compiled());
                args.error = Some(missing.not_compiled().into());
                return args;
            }
        };
        Args {
            buf,
            error: None,
            key_shard: None,
        }
    }

    /// A fresh uuid primary key for a row bound into these arguments: made for the row's
    /// shard when it is known (see `switchyard::shard_key`), random (v4) otherwise.
    pub fn new_key(&self) -> uuid::Uuid {
        match self.key_shard {
            Some(shard) => crate::shard_key::uuid_for_shard(shard),
            None => uuid::Uuid::new_v4(),
        }
    }

    /// Bind one more value.
    pub fn add<T: Bind + ?Sized>(&mut self, value: &T) {
        if let Err(e) = value.bind(&mut self.buf)
            && self.error.is_none()
        {
            self.error = Some(e);
        }
    }

    /// A copy of the bound values (for a retry on another server).
    pub(crate) fn clone_buf(&self) -> ArgBuf {
        self.buf.clone()
    }

    /// A copy of these arguments, for the same statement on another shard.
    pub(crate) fn duplicate(&self) -> Args {
        Args {
            buf: self.buf.clone(),
            error: self.error.as_ref().map(|e| e.to_string().into()),
            key_shard: self.key_shard,
        }
    }

    /// How many values are bound.
    pub fn len(&self) -> usize {
        each_backend!(&self.buf, ArgBuf(a) => a.len())
    }

    /// Whether no value is bound.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One result row, from one backend (a variant per backend compiled in).
#[doc(hidden)]
pub enum Row {
    /// SQLite row.
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::sqlite::SqliteRow),
    /// PostgreSQL row.
    #[cfg(feature = "postgres")]
    Postgres(sqlx::postgres::PgRow),
    /// MySQL/MariaDB row.
    #[cfg(feature = "mysql")]
    MySql(sqlx::mysql::MySqlRow),
}

impl Row {
    /// Decode the column at `index`.
    #[inline]
    pub fn get<T: Value>(&self, index: usize) -> Result<T, sqlx::Error> {
        T::decode(self, index)
    }

    /// The backend the row came from.
    pub(crate) fn backend(&self) -> Backend {
        each_backend!(self, Row => Backend)
    }
}

/// A driver's row as a [`Row`]: what the statement runners wrap each row they fetch in.
macro_rules! row_from {
    ($($feature:literal: $variant:ident($driver:ty)),* $(,)?) => {$(
        #[cfg(feature = $feature)]
        impl From<$driver> for Row {
            fn from(row: $driver) -> Self {
                Row::$variant(row)
            }
        }
    )*};
}

row_from!(
    "sqlite": Sqlite(sqlx::sqlite::SqliteRow),
    "postgres": Postgres(sqlx::postgres::PgRow),
    "mysql": MySql(sqlx::mysql::MySqlRow),
);

/// A value that can be bound to a statement on every backend.
pub trait Bind: Send + Sync {
    /// Append `self` to `args`.
    #[doc(hidden)]
    fn bind(&self, args: &mut ArgBuf) -> Result<(), BoxDynError>;
    /// The value as a shard key, for the types a shard key can have (`None`: not one, or
    /// NULL), so a filter pinning a shard key reaches only its shards.
    #[doc(hidden)]
    fn as_shard_key(&self) -> Option<crate::shard_key::ShardKeyValue<'_>> {
        None
    }
}

/// A field type: bound to statements and decoded from rows on every backend.
pub trait Value: Bind + Sized {
    /// Decode the column at `index` of `row`.
    #[doc(hidden)]
    fn decode(row: &Row, index: usize) -> Result<Self, sqlx::Error>;
}

macro_rules! bind {
    ($($ty:ty $(=> $key:ident)?),* $(,)?) => {$(
        impl Bind for $ty {
            fn bind(&self, args: &mut ArgBuf) -> Result<(), BoxDynError> {
                each_backend!(args, ArgBuf(a) => a.add(self))
            }
            $(bind!(@$key);)?
        }
    )*};
    (@shard_key) => {
        fn as_shard_key(&self) -> Option<crate::shard_key::ShardKeyValue<'_>> {
            Some(crate::shard_key::ShardKey::shard_key_value(self))
        }
    };
    (@option_shard_key) => {
        fn as_shard_key(&self) -> Option<crate::shard_key::ShardKeyValue<'_>> {
            self.as_ref().map(crate::shard_key::ShardKey::shard_key_value)
        }
    };
}

macro_rules! value {
    ($($ty:ty $(=> $key:ident)?),* $(,)?) => {$(
        bind!($ty $(=> $key)?);

        impl Bind for Option<$ty> {
            fn bind(&self, args: &mut ArgBuf) -> Result<(), BoxDynError> {
                let value = self.as_ref();
                each_backend!(args, ArgBuf(a) => a.add(value))
            }
            $(value!(@option $key);)?
        }

        impl Value for $ty {
            fn decode(row: &Row, index: usize) -> Result<Self, sqlx::Error> {
                each_backend!(row, Row(r) => r.try_get(index))
            }
        }

        impl Value for Option<$ty> {
            fn decode(row: &Row, index: usize) -> Result<Self, sqlx::Error> {
                each_backend!(row, Row(r) => r.try_get(index))
            }
        }
    )*};
    (@option shard_key) => {
        bind!(@option_shard_key);
    };
}

value!(
    bool,
    i16 => shard_key,
    i32 => shard_key,
    i64 => shard_key,
    f32,
    f64,
    String => shard_key,
    Vec<u8>,
    uuid::Uuid => shard_key,
    chrono::NaiveDate,
    chrono::NaiveTime,
    serde_json::Value,
);

bind!(str => shard_key, [u8]);

impl<T: Bind + ?Sized> Bind for &T {
    fn bind(&self, args: &mut ArgBuf) -> Result<(), BoxDynError> {
        (**self).bind(args)
    }

    fn as_shard_key(&self) -> Option<crate::shard_key::ShardKeyValue<'_>> {
        (**self).as_shard_key()
    }
}

/// A type decoded from a whole row by position: a generated model (its columns in declared
/// order), or a tuple of 1 to 8 field types (`(i64, String, Option<i32>)`), each decoding the
/// column at its position. Rows of raw SQL ([`Handle::query_as`](crate::Handle::query_as)) have
/// such a type.
pub trait FromRow: Sized {
    /// Decode `row`, whose columns are in the model's declared order.
    #[doc(hidden)]
    fn from_row(row: &Row) -> Result<Self, sqlx::Error>;
}

/// Tuples of field types, decoded column by column.
macro_rules! tuple_rows {
    ($(($($ty:ident $index:tt),+))*) => {$(
        impl<$($ty: Value),+> FromRow for ($($ty,)+) {
            fn from_row(row: &Row) -> Result<Self, sqlx::Error> {
                Ok(($(row.get::<$ty>($index)?,)+))
            }
        }
    )*};
}

tuple_rows! {
    (A 0)
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
    (A 0, B 1, C 2, D 3, E 4)
    (A 0, B 1, C 2, D 3, E 4, F 5)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
}

/// A struct decoded from a row by position: its fields are the row's columns, in order.
/// For the runtime's own catalog queries (the generated code writes its `FromRow` impls).
macro_rules! row_struct {
    ($(#[$meta:meta])* struct $name:ident { $($(#[$field_meta:meta])* $field:ident: $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        struct $name {
            $($(#[$field_meta])* $field: $ty),*
        }

        impl $crate::value::FromRow for $name {
            fn from_row(row: &$crate::value::Row) -> ::std::result::Result<Self, sqlx::Error> {
                let mut column = 0..;
                ::std::result::Result::Ok($name {
                    $($field: row.get(column.next().unwrap_or_default())?),*
                })
            }
        }
    };
}
pub(crate) use row_struct;

// MySQL: sqlx sends `DateTime<Utc>` as TIMESTAMP, whose range is 1970–2038; a DATETIME(6)
// column holds 1000–9999, so send and read the naive UTC value instead.
type Utc = chrono::DateTime<chrono::Utc>;

impl Bind for Utc {
    fn bind(&self, args: &mut ArgBuf) -> Result<(), BoxDynError> {
        match args {
            #[cfg(feature = "sqlite")]
            ArgBuf::Sqlite(a) => a.add(self),
            #[cfg(feature = "postgres")]
            ArgBuf::Postgres(a) => a.add(self),
            #[cfg(feature = "mysql")]
            ArgBuf::MySql(a) => a.add(self.naive_utc()),
        }
    }
}

impl Bind for Option<Utc> {
    fn bind(&self, args: &mut ArgBuf) -> Result<(), BoxDynError> {
        match args {
            #[cfg(feature = "sqlite")]
            ArgBuf::Sqlite(a) => a.add(self.as_ref()),
            #[cfg(feature = "postgres")]
            ArgBuf::Postgres(a) => a.add(self.as_ref()),
            #[cfg(feature = "mysql")]
            ArgBuf::MySql(a) => a.add(self.map(|t| t.naive_utc())),
        }
    }
}

impl Value for Utc {
    fn decode(row: &Row, index: usize) -> Result<Self, sqlx::Error> {
        match row {
            #[cfg(feature = "sqlite")]
            Row::Sqlite(r) => r.try_get(index),
            #[cfg(feature = "postgres")]
            Row::Postgres(r) => r.try_get(index),
            #[cfg(feature = "mysql")]
            Row::MySql(r) => r
                .try_get::<chrono::NaiveDateTime, _>(index)
                .map(|t| t.and_utc()),
        }
    }
}

impl Value for Option<Utc> {
    fn decode(row: &Row, index: usize) -> Result<Self, sqlx::Error> {
        match row {
            #[cfg(feature = "sqlite")]
            Row::Sqlite(r) => r.try_get(index),
            #[cfg(feature = "postgres")]
            Row::Postgres(r) => r.try_get(index),
            #[cfg(feature = "mysql")]
            Row::MySql(r) => r
                .try_get::<Option<chrono::NaiveDateTime>, _>(index)
                .map(|t| t.map(|t| t.and_utc())),
        }
    }
}
