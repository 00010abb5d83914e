//! Transactions: one connection on one server of one shard, so a transaction can never span
//! databases. The generated per-cluster transaction types wrap this one.

use std::sync::Arc;

use crate::backend::Backend;
use crate::database::{Engine, Handle, Server};
use crate::error::{Error, Result};
use crate::health::is_connection_error;
use crate::pool::Pool;

pub(crate) enum TxConn {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
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
                Pool::Sqlite(p) => p.begin().await.map(TxConn::Sqlite),
                Pool::Postgres(p) => p.begin().await.map(TxConn::Postgres),
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
        let result = match self.conn {
            TxConn::Sqlite(tx) => tx.commit().await,
            TxConn::Postgres(tx) => tx.commit().await,
            TxConn::MySql(tx) => tx.commit().await,
        };
        result.map_err(|e| Error::query(&self.server.target, e))
    }

    /// Discard the transaction's writes.
    pub async fn rollback(self) -> Result<()> {
        let result = match self.conn {
            TxConn::Sqlite(tx) => tx.rollback().await,
            TxConn::Postgres(tx) => tx.rollback().await,
            TxConn::MySql(tx) => tx.rollback().await,
        };
        result.map_err(|e| Error::query(&self.server.target, e))
    }

    /// The backend of the transaction's server.
    pub fn backend(&self) -> Backend {
        match self.conn {
            TxConn::Sqlite(_) => Backend::Sqlite,
            TxConn::Postgres(_) => Backend::Postgres,
            TxConn::MySql(_) => Backend::MySql,
        }
    }

    /// Where the transaction runs.
    pub fn target(&self) -> &crate::error::Target {
        &self.server.target
    }
}
