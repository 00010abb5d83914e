//! One connection to one shard's writer, held for a whole migration run: the session lock
//! (PostgreSQL, MariaDB) and each migration's transaction live on it. Every statement is
//! traced and counted like any other.

use std::sync::Arc;
use std::time::Instant;

use sqlx::pool::PoolConnection;

use crate::backend::{Backend, each_backend};
use crate::database::{Engine, Handle, Server};
use crate::error::{Error, Result, Target};
use crate::pool::Pool;
use crate::value::{ArgBuf, Args, Row};

/// A pooled connection (a variant per backend compiled in).
enum Link {
    #[cfg(feature = "sqlite")]
    Sqlite(PoolConnection<sqlx::Sqlite>),
    #[cfg(feature = "postgres")]
    Postgres(PoolConnection<sqlx::Postgres>),
    #[cfg(feature = "mysql")]
    MySql(PoolConnection<sqlx::MySql>),
}

/// A connection checked out of a writer's pool for the length of a run.
pub(crate) struct Session {
    link: Link,
    server: Arc<Server>,
    engine: Engine,
}

impl Session {
    /// A connection to the writer of `handle`'s shard (never a replica, whatever the routing).
    pub(crate) async fn open(handle: &Handle) -> Result<Session> {
        let server = handle.shard_servers().writer.clone();
        let link = match &server.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => p.acquire().await.map(Link::Sqlite),
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => p.acquire().await.map(Link::Postgres),
            #[cfg(feature = "mysql")]
            Pool::MySql(p) => p.acquire().await.map(Link::MySql),
        }
        .map_err(|e| Error::connect(&server.target, e))?;
        Ok(Session {
            link,
            server,
            engine: handle.engine().clone(),
        })
    }

    pub(crate) fn backend(&self) -> Backend {
        each_backend!(&self.link, Link => Backend)
    }

    pub(crate) fn target(&self) -> &Target {
        &self.server.target
    }

    pub(crate) fn args(&self) -> Args {
        Args::new(self.backend())
    }

    /// Close the connection when the session ends instead of returning it to the pool (its
    /// state is unknown: a failed rollback or unlock). Closing also ends a session lock.
    pub(crate) fn discard(&mut self) {
        each_backend!(&mut self.link, Link(c) => c.close_on_drop());
    }

    fn observe<T>(&self, sql: &str, start: Instant, result: &Result<T, sqlx::Error>) {
        self.engine
            .observe(&self.server, sql, start.elapsed(), result.is_ok());
    }

    /// Run SQL as written, without preparing it (migration steps, `BEGIN`, `COMMIT`): DDL is
    /// neither cached as a prepared statement nor limited to what a driver can prepare.
    pub(crate) async fn raw(&mut self, sql: &'static str) -> Result<()> {
        let start = Instant::now();
        let result = each_backend!(
            &mut self.link,
            Link(c) => sqlx::raw_sql(sql).execute(&mut **c).await.map(drop)
        );
        self.observe(sql, start, &result);
        result.map_err(|e| Error::query(&self.server.target, e))
    }

    /// Run a statement with bound values; the rows it affected.
    pub(crate) async fn execute(&mut self, sql: &'static str, args: Args) -> Result<u64> {
        let start = Instant::now();
        let result = each_backend!(
            (&mut self.link, args.buf),
            (Link(c), ArgBuf(a)) => sqlx::query_with(sql, a)
                .execute(&mut **c)
                .await
                .map(|d| d.rows_affected())
        );
        self.observe(sql, start, &result);
        result.map_err(|e| Error::query(&self.server.target, e))
    }

    /// Every row of a statement with bound values.
    pub(crate) async fn fetch(&mut self, sql: &'static str, args: Args) -> Result<Vec<Row>> {
        let start = Instant::now();
        let result = each_backend!(
            (&mut self.link, args.buf),
            (Link(c), ArgBuf(a)) => sqlx::query_with(sql, a)
                .fetch_all(&mut **c)
                .await
                .map(|rows| rows.into_iter().map(Row::from).collect())
        );
        self.observe(sql, start, &result);
        result.map_err(|e| Error::query(&self.server.target, e))
    }

    /// The first column of the one row a statement returns.
    pub(crate) async fn scalar<T: crate::value::Value>(
        &mut self,
        sql: &'static str,
        args: Args,
    ) -> Result<T> {
        let rows = self.fetch(sql, args).await?;
        let row = rows
            .first()
            .ok_or_else(|| Error::query(&self.server.target, sqlx::Error::RowNotFound))?;
        self.decode(row, 0)
    }

    /// Decode one column, naming this database on failure.
    pub(crate) fn decode<T: crate::value::Value>(&self, row: &Row, index: usize) -> Result<T> {
        row.get(index)
            .map_err(|e| Error::query(&self.server.target, e))
    }
}
