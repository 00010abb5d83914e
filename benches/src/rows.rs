//! The hand-written row type of the `users` table that every benchmark's sqlx side decodes into,
//! by column index as the generated code does.

use sqlx::Row as _;
use switchyard::chrono::{DateTime, NaiveDateTime, Utc};
use switchyard_tests::db::User;

/// A `users` row, decoded by hand.
#[derive(Debug, Clone)]
pub(crate) struct UserRow {
    pub(crate) id: i64,
    pub(crate) username: String,
    pub(crate) email: String,
    pub(crate) bio: Option<String>,
    pub(crate) karma: i32,
    pub(crate) created_at: DateTime<Utc>,
}

impl PartialEq<User> for UserRow {
    fn eq(&self, u: &User) -> bool {
        self.id == u.id
            && self.username == u.username
            && self.email == u.email
            && self.bio == u.bio
            && self.karma == u.karma
            && self.created_at == u.created_at
    }
}

macro_rules! user_from_row {
    ($row:ty, $created_at:expr) => {
        impl<'r> sqlx::FromRow<'r, $row> for UserRow {
            fn from_row(row: &'r $row) -> Result<Self, sqlx::Error> {
                Ok(UserRow {
                    id: row.try_get(0)?,
                    username: row.try_get(1)?,
                    email: row.try_get(2)?,
                    bio: row.try_get(3)?,
                    karma: row.try_get(4)?,
                    created_at: $created_at(row)?,
                })
            }
        }
    };
}

user_from_row!(sqlx::sqlite::SqliteRow, |row: &sqlx::sqlite::SqliteRow| row
    .try_get(5));
user_from_row!(sqlx::postgres::PgRow, |row: &sqlx::postgres::PgRow| row
    .try_get(5));
// MariaDB: `DATETIME(6)` read as the naive UTC value, as switchyard does.
user_from_row!(sqlx::mysql::MySqlRow, |row: &sqlx::mysql::MySqlRow| row
    .try_get::<NaiveDateTime, _>(5)
    .map(|t| t.and_utc()));
