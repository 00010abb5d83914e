//! Running statements: on a handle (a server picked per statement) or inside a transaction,
//! with every statement traced, counted and its errors classified.

use std::sync::Arc;
use std::time::Instant;

use sqlx::{AssertSqlSafe, SqlSafeStr, SqlStr};

use crate::backend::{Backend, each_backend};
use crate::database::{Handle, Server};
use crate::error::{Error, Result};
use crate::health::is_connection_error;
use crate::lookup::Single;
use crate::model::Present;
use crate::pool::Pool;
use crate::role::Routing;
use crate::transaction::{Transaction, TxConn};
use crate::value::{ArgBuf, Args, FromRow, Row, Value};
use futures_util::TryStreamExt;

/// SQL text: static (computed at codegen time) or built at run time (filters, batches).
#[doc(hidden)]
#[derive(Debug, Clone)]
pub enum SqlText {
    /// Fixed-shape statement from the generated code.
    Static(&'static str),
    /// Statement whose shape depends on the call (filter, order, batch size).
    Built(Arc<str>),
}

impl From<&'static str> for SqlText {
    fn from(s: &'static str) -> Self {
        SqlText::Static(s)
    }
}

impl From<String> for SqlText {
    fn from(s: String) -> Self {
        SqlText::Built(s.into())
    }
}

impl SqlText {
    fn to_sql_str(&self) -> SqlStr {
        match self {
            SqlText::Static(s) => s.into_sql_str(),
            SqlText::Built(s) => AssertSqlSafe(s.clone()).into_sql_str(),
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        match self {
            SqlText::Static(s) => s,
            SqlText::Built(s) => s,
        }
    }
}

/// Where a repository's statements run: a handle's pools or an open transaction.
#[doc(hidden)]
#[derive(Debug)]
pub enum Conn<'e> {
    /// A server picked per statement by the handle's routing.
    Handle(Handle),
    /// The one connection of a transaction.
    Tx(&'e mut Transaction),
}

enum Want {
    All,
    Optional,
    Execute,
}

enum Fetched<T> {
    Rows(Vec<T>),
    Row(Option<T>),
    Affected(u64),
}

// Rows are decoded as they stream in, never collected as driver rows first.
macro_rules! run {
    ($executor:expr, $sql:expr, $args:expr, $want:expr) => {{
        let query = sqlx::query_with($sql, $args);
        match $want {
            Want::All => query
                .fetch($executor)
                .and_then(|row| std::future::ready(T::from_row(&Row::from(row))))
                .try_collect()
                .await
                .map(Fetched::Rows),
            Want::Optional => match query.fetch_optional($executor).await {
                Ok(Some(row)) => T::from_row(&Row::from(row)).map(|row| Fetched::Row(Some(row))),
                Ok(None) => Ok(Fetched::Row(None)),
                Err(e) => Err(e),
            },
            Want::Execute => query
                .execute($executor)
                .await
                .map(|done| Fetched::Affected(done.rows_affected())),
        }
    }};
}

/// A statement answered in another shape than asked: a bug of this crate, reported as an
/// error rather than a panic.
fn unexpected(server: &Server) -> Error {
    Error::query(
        &server.target,
        sqlx::Error::Protocol("switchyard: unexpected result shape".into()),
    )
}

impl Conn<'_> {
    /// The backend statements will run on.
    pub fn backend(&self) -> Backend {
        match self {
            Conn::Handle(h) => h.backend(),
            Conn::Tx(tx) => tx.backend(),
        }
    }

    /// The cluster statements run on.
    pub fn cluster_name(&self) -> &'static str {
        match self {
            Conn::Handle(h) => h.cluster_name(),
            Conn::Tx(tx) => tx.server.target.cluster,
        }
    }

    /// The shard statements run on (a scope's, for a handle inside one).
    pub fn shard_name(&self) -> &'static str {
        match self {
            Conn::Handle(h) => h.shard_name(),
            Conn::Tx(tx) => tx.server.target.shard,
        }
    }

    /// The engine and routing of this connection, for statements in other clusters (relations).
    /// A transaction's routing is the writer's.
    pub fn ctx(&self) -> crate::lookup::Ctx {
        match self {
            Conn::Handle(h) => crate::lookup::Ctx::new(h.engine().clone(), h.routing()),
            Conn::Tx(tx) => crate::lookup::Ctx::new(tx.engine.clone(), Routing::Writing),
        }
    }

    /// The same connection for a shorter borrow (a handle is cloned, which is cheap).
    pub fn reborrow(&mut self) -> Conn<'_> {
        match self {
            Conn::Handle(h) => Conn::Handle(h.clone()),
            Conn::Tx(tx) => Conn::Tx(tx),
        }
    }

    /// Empty arguments for this connection's backend.
    pub fn args(&self) -> Args {
        Args::new(self.backend())
    }

    async fn run<T: FromRow>(
        &mut self,
        sql: &SqlText,
        args: Args,
        want: Want,
    ) -> Result<(Fetched<T>, Arc<Server>)> {
        let mut tried = Vec::new();
        let mut args = args;
        // The shard a `Shards` scope moves the handle to (`None`: where it is), or its refusal
        // before anything runs.
        let moved = match self {
            Conn::Handle(h) => h.moved()?,
            Conn::Tx(tx) => {
                // Begun outside a scope locked to another shard, it may not run inside it.
                tx.handle.moved()?;
                None
            }
        };
        loop {
            let server = match self {
                Conn::Handle(h) => {
                    let h = moved.as_ref().unwrap_or(h);
                    h.route(sql.as_str(), false, &mut tried).await?
                }
                Conn::Tx(tx) => tx.server.clone(),
            };
            if let Some(e) = args.error.take() {
                return Err(Error::query(&server.target, sqlx::Error::Encode(e)));
            }
            // A read on a replica may be retried elsewhere, so it keeps a copy of its values.
            let retry = match self {
                Conn::Handle(h) if moved.as_ref().unwrap_or(h).is_replica(&server) => {
                    Some(args.clone_buf())
                }
                _ => None,
            };
            let (result, server) = self.run_on(server, sql, args.buf, &want).await;
            match result {
                Ok(fetched) => return Ok((fetched, server)),
                Err(e) => {
                    if let (Conn::Handle(h), Some(buf)) = (&*self, retry)
                        && is_connection_error(&e)
                        && moved.as_ref().unwrap_or(h).eject(&server)
                    {
                        args = Args {
                            buf,
                            error: None,
                            key_shard: None,
                        };
                        tried.push(server);
                        continue;
                    }
                    return Err(Error::query(&server.target, e));
                }
            }
        }
    }

    async fn run_on<T: FromRow>(
        &mut self,
        server: Arc<Server>,
        sql: &SqlText,
        buf: ArgBuf,
        want: &Want,
    ) -> (Result<Fetched<T>, sqlx::Error>, Arc<Server>) {
        let start = Instant::now();
        let sql_str = sql.to_sql_str();
        let result = match self {
            Conn::Handle(_) => each_backend!(
                (&server.pool, buf),
                (Pool(p), ArgBuf(a)) => run!(p, sql_str, a, want)
            ),
            Conn::Tx(tx) => each_backend!(
                (&mut tx.conn, buf),
                (TxConn(c), ArgBuf(a)) => run!(&mut **c, sql_str, a, want)
            ),
        };
        let engine = match self {
            Conn::Handle(h) => h.engine(),
            Conn::Tx(tx) => &tx.engine,
        };
        engine.observe(&server, sql.as_str(), start.elapsed(), result.is_ok());
        (result, server)
    }

    /// Every row, decoded.
    pub async fn fetch_all<T: FromRow>(
        &mut self,
        sql: impl Into<SqlText>,
        args: Args,
    ) -> Result<Vec<T>> {
        match self.run(&sql.into(), args, Want::All).await? {
            (Fetched::Rows(rows), _) => Ok(rows),
            (_, server) => Err(unexpected(&server)),
        }
    }

    /// The first row, decoded, if there is one.
    pub async fn fetch_optional<T: FromRow>(
        &mut self,
        sql: impl Into<SqlText>,
        args: Args,
    ) -> Result<Option<T>> {
        match self.run(&sql.into(), args, Want::Optional).await? {
            (Fetched::Row(row), _) => Ok(row),
            (_, server) => Err(unexpected(&server)),
        }
    }

    /// The first row, decoded; no row is an error naming the server
    /// ([`sqlx::Error::RowNotFound`]).
    pub(crate) async fn fetch_one<T: FromRow>(
        &mut self,
        sql: impl Into<SqlText>,
        args: Args,
    ) -> Result<T> {
        match self.run(&sql.into(), args, Want::Optional).await? {
            (Fetched::Row(Some(row)), _) => Ok(row),
            (_, server) => Err(Error::query(&server.target, sqlx::Error::RowNotFound)),
        }
    }

    /// The first column of the one row a statement returns (`COUNT(*)`, `EXISTS`).
    pub async fn fetch_scalar<T: Value>(
        &mut self,
        sql: impl Into<SqlText>,
        args: Args,
    ) -> Result<T> {
        match self
            .run::<Single<T>>(&sql.into(), args, Want::Optional)
            .await?
        {
            (Fetched::Row(Some(Single(value))), _) => Ok(value),
            (_, server) => Err(Error::query(&server.target, sqlx::Error::RowNotFound)),
        }
    }

    /// Run a statement; the number of rows it affected.
    pub async fn execute(&mut self, sql: impl Into<SqlText>, args: Args) -> Result<u64> {
        match self
            .run::<Present>(&sql.into(), args, Want::Execute)
            .await?
        {
            (Fetched::Affected(n), _) => Ok(n),
            (_, server) => Err(unexpected(&server)),
        }
    }

    /// Run a statement that must affect exactly one row (update or delete by key).
    pub async fn execute_one(
        &mut self,
        sql: impl Into<SqlText>,
        args: Args,
        model: &'static str,
        key: &(dyn std::fmt::Debug + Sync),
    ) -> Result<()> {
        let (fetched, server) = self
            .run::<Present>(&sql.into(), args, Want::Execute)
            .await?;
        match fetched {
            Fetched::Affected(0) => Err(Error::NotFound {
                target: server.target.clone(),
                model,
                key: format!("{key:?}").into(),
            }),
            _ => Ok(()),
        }
    }
}

impl Handle {
    /// Run one SQL statement as written, with no bound values, on the server this handle
    /// routes to; the number of rows it affected. An escape hatch for maintenance statements:
    /// anything that takes a value belongs in a generated method, where values are bound.
    ///
    /// On a reading handle, a custom role's handle or a prevent-writes handle, the statement is
    /// classified first ([`classify`](crate::classify::classify())) and anything that may write is refused
    /// with [`Error::WriteRefused`] before it reaches a database.
    pub async fn execute_raw(&self, sql: impl Into<String>) -> Result<u64> {
        let sql = sql.into();
        self.refuse_writes(&sql)?;
        let mut conn = Conn::Handle(self.clone());
        let args = conn.args();
        conn.execute(sql, args).await
    }

    /// On a reading handle, a custom role's handle or a prevent-writes handle, refuse raw SQL
    /// that may write ([`classify`](crate::classify::classify())) with
    /// [`Error::WriteRefused`], before it reaches a database.
    pub(crate) fn refuse_writes(&self, sql: &str) -> Result<()> {
        if matches!(self.routing(), Routing::Reading | Routing::Role(_)) || self.prevents_writes() {
            let classified = crate::classify::classify(sql);
            if let Some(reason) = classified.reason() {
                return Err(Error::WriteRefused {
                    cluster: self.cluster_name(),
                    shard: self.shard_name(),
                    routing: self.routing(),
                    reason,
                });
            }
        }
        Ok(())
    }
}
