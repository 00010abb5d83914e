//! Raw SQL with bound values and typed rows, through a cluster handle:
//! `handle.query_as::<(i64, String)>("SELECT id, username FROM users WHERE karma > ?")`.
//!
//! The statement is routed like every other one on the handle (a reading handle reads a
//! replica; automatic routing follows the role selector), runs on the handle's one shard, and
//! on a handle that must not write is classified first and refused when it may write. Values
//! are always bound: placeholders are written `?` on every backend and numbered for PostgreSQL.

use std::marker::PhantomData;

use crate::database::Handle;
use crate::error::{Error, Result};
use crate::exec::Conn;
use crate::placeholder;
use crate::value::{Args, Bind, FromRow};

/// Raw SQL on one handle, with its bound values: run it with [`all`](Self::all),
/// [`one`](Self::one), [`optional`](Self::optional) or [`execute`](Self::execute).
///
/// Made by [`Handle::query_as`] (rows of type `R`) or [`Handle::query`] (no rows).
#[must_use = "raw SQL does nothing until it is run with .all(), .one(), .optional() or .execute()"]
pub struct RawQuery<R> {
    handle: Handle,
    sql: String,
    args: Args,
    _row: PhantomData<fn() -> R>,
}

impl<R> std::fmt::Debug for RawQuery<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawQuery")
            .field("sql", &self.sql)
            .field("bound", &self.args.len())
            .finish_non_exhaustive()
    }
}

impl Handle {
    /// Raw SQL whose rows decode as `R`: a tuple of 1 to 8 field types (`(i64, String)`,
    /// `Option<T>` for a column that may be NULL, `(i64,)` for one column), or a generated
    /// model when the statement selects its columns in declared order. Bind one value per `?`
    /// with [`bind`](RawQuery::bind), then run it.
    ///
    /// ```ignore
    /// let rows: Vec<(i64, String)> = db.primary().handle()
    ///     .query_as("SELECT id, username FROM users WHERE karma > ? ORDER BY id")
    ///     .bind(10)
    ///     .all()
    ///     .await?;
    /// ```
    ///
    /// - **Placeholders** are `?` on every backend (numbered `$1, $2, ...` for PostgreSQL by
    ///   the runtime); a `?` inside a string literal, quoted identifier or comment is text.
    ///   Numbered forms (`?1`, `$1`) are refused, and so is a statement whose placeholder count
    ///   differs from the values bound: [`Error::Config`], nothing run. On PostgreSQL, the
    ///   jsonb operators `?`, `?|` and `?&` cannot be written (they would be placeholders):
    ///   use `jsonb_exists`, `jsonb_exists_any` and `jsonb_exists_all`.
    /// - **Routing**: where every statement of the handle goes: a reading handle reads a
    ///   replica, a writing handle the writer, the automatic handle follows the role selector
    ///   (a statement that may write goes to the writer). It runs on the handle's one shard (the
    ///   default, a scope's, or `.shard(..)`'s); an `all_shards()` handle is refused with
    ///   [`Error::Config`], since the statement cannot be merged.
    /// - **Writes** on a reading handle, a custom role's handle or a prevent-writes handle are
    ///   classified ([`classify`](crate::classify::classify())) and refused with
    ///   [`Error::WriteRefused`] before anything runs.
    pub fn query_as<R: FromRow>(&self, sql: impl Into<String>) -> RawQuery<R> {
        RawQuery {
            handle: self.clone(),
            sql: sql.into(),
            args: Args::new(self.backend()),
            _row: PhantomData,
        }
    }

    /// Raw SQL run for its effect, with bound values:
    /// `handle.query("UPDATE users SET karma = ? WHERE id = ?").bind(1).bind(id).execute()`.
    /// Placeholders, routing and refusals as for [`query_as`](Self::query_as).
    pub fn query(&self, sql: impl Into<String>) -> RawQuery<()> {
        RawQuery {
            handle: self.clone(),
            sql: sql.into(),
            args: Args::new(self.backend()),
            _row: PhantomData,
        }
    }
}

impl<R> RawQuery<R> {
    /// Bind the value of the next `?` (any field type, `Option` of one for NULL, `&str`).
    pub fn bind<T: Bind>(mut self, value: T) -> Self {
        self.args.add(&value);
        self
    }

    /// The connection and text to run, after the checks that need no database.
    fn prepare(self) -> Result<(Conn<'static>, String, Args)> {
        let handle = self.handle;
        if handle.spans_all() {
            return Err(Error::Config(format!(
                "raw SQL runs on one shard, and this handle of cluster `{}` spans all shards; \
                 pick one with .shard(..)",
                handle.cluster_name()
            )));
        }
        handle.refuse_writes(&self.sql)?;
        let numbered = placeholder::number(&self.sql, handle.backend())
            .map_err(|e| Error::Config(format!("raw SQL: {e}")))?;
        if numbered.count != self.args.len() {
            return Err(Error::Config(format!(
                "raw SQL has {} placeholder(s) and {} bound value(s); bind one value per `?`",
                numbered.count,
                self.args.len()
            )));
        }
        Ok((Conn::Handle(handle), numbered.sql, self.args))
    }

    /// Run the statement; the number of rows it affected.
    pub async fn execute(self) -> Result<u64> {
        let (mut conn, sql, args) = self.prepare()?;
        conn.execute(sql, args).await
    }
}

impl<R: FromRow> RawQuery<R> {
    /// Every row.
    pub async fn all(self) -> Result<Vec<R>> {
        let (mut conn, sql, args) = self.prepare()?;
        conn.fetch_all(sql, args).await
    }

    /// The first row; no row is an error ([`Error::Query`] wrapping
    /// [`sqlx::Error::RowNotFound`], naming the database).
    pub async fn one(self) -> Result<R> {
        let (mut conn, sql, args) = self.prepare()?;
        conn.fetch_one(sql, args).await
    }

    /// The first row, if any.
    pub async fn optional(self) -> Result<Option<R>> {
        let (mut conn, sql, args) = self.prepare()?;
        conn.fetch_optional(sql, args).await
    }
}
