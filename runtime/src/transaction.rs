//! Transactions: one connection on one server of one shard, so a transaction can never span
//! databases. The generated per-cluster transaction types wrap this one.

use std::sync::Arc;

use crate::backend::{Backend, each_backend};
use crate::database::{Engine, Handle, Server};
use crate::error::{Error, Result};
use crate::health::is_connection_error;
use crate::pool::Pool;

/// A transaction's connection (a variant per backend compiled in).
pub(crate) enum TxConn {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
    #[cfg(feature = "mysql")]
    MySql(sqlx::Transaction<'static, sqlx::MySql>),
}

/// An open transaction on one server. Dropped without [`commit`](Self::commit), it rolls back.
pub struct Transaction {
    pub(crate) conn: TxConn,
    pub(crate) server: Arc<Server>,
    pub(crate) engine: Engine,
    /// The handle it began on, on its shard chosen explicitly: a statement of the transaction
    /// inside a scope locked to another shard of its cluster is refused like any explicit
    /// handle's.
    pub(crate) handle: Handle,
}

impl std::fmt::Debug for Transaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction")
            .field("target", &self.server.target)
            .finish_non_exhaustive()
    }
}

impl Transaction {
    /// Begin on the server `handle` routes to (the writer, or a replica for reading handles).
    /// A replica that cannot be reached is ejected and another one tried; once begun, the
    /// transaction stays on its server, and fails if that server fails.
    pub async fn begin(handle: &Handle) -> Result<Transaction> {
        // The shard a `Shards` scope gives the handle, or its refusal before anything runs.
        let handle = &handle.resolve()?;
        let mut tried = Vec::new();
        loop {
            // Automatic routing sends transactions to the writer: they may write.
            let server = handle.route("BEGIN", true, &mut tried).await?;
            let conn = match &server.pool {
                #[cfg(feature = "sqlite")]
                Pool::Sqlite(p) => p.begin().await.map(TxConn::Sqlite),
                #[cfg(feature = "postgres")]
                Pool::Postgres(p) => p.begin().await.map(TxConn::Postgres),
                #[cfg(feature = "mysql")]
                Pool::MySql(p) => p.begin().await.map(TxConn::MySql),
            };
            match conn {
                Ok(conn) => {
                    return Ok(Transaction {
                        conn,
                        server,
                        engine: handle.engine().clone(),
                        handle: handle.with_shard(handle.shard_index()),
                    });
                }
                Err(e) if is_connection_error(&e) && handle.eject(&server) => tried.push(server),
                Err(e) => return Err(Error::query(&server.target, e)),
            }
        }
    }

    /// Make the transaction's writes permanent.
    pub async fn commit(self) -> Result<()> {
        let result = each_backend!(self.conn, TxConn(tx) => tx.commit().await);
        result.map_err(|e| Error::query(&self.server.target, e))
    }

    /// Discard the transaction's writes.
    pub async fn rollback(self) -> Result<()> {
        let result = each_backend!(self.conn, TxConn(tx) => tx.rollback().await);
        result.map_err(|e| Error::query(&self.server.target, e))
    }

    /// The backend of the transaction's server.
    pub fn backend(&self) -> Backend {
        each_backend!(&self.conn, TxConn => Backend)
    }

    /// Where the transaction runs.
    pub fn target(&self) -> &crate::error::Target {
        &self.server.target
    }
}
