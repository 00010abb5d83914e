//! Write paths whose SQL depends on the call: batched inserts, partial updates and
//! delete-where. Fixed-shape writes (insert one, update, delete by key) use the generated
//! static SQL directly.

use crate::backend::Backend;
use crate::by_key;
use crate::database::Handle;
use crate::error::Result;
use crate::exec::Conn;
use crate::expr::{Column, Expr};
use crate::model::{AutoKey, Insert, Model, Placement};
use crate::placement::{self, By, Placed, Reach};
use crate::transaction::Transaction;
use crate::value::Args;

/// Most rows one batched insert statement carries, bind limits permitting.
const MAX_BATCH_ROWS: usize = 1_000;

/// Insert one row, returning it as stored.
#[doc(hidden)]
pub async fn insert_one<N: Insert>(conn: &mut Conn<'_>, row: &N) -> Result<N::Model> {
    let placed = placement::for_row::<N::Model>(conn, row.shard_key(), row.primary_key())?;
    let shard = placed.as_ref().map(|p| p.shard);
    let mut routed;
    let conn = match placed.and_then(|p| p.handle) {
        Some(handle) => {
            routed = Conn::Handle(handle);
            &mut routed
        }
        None => conn,
    };
    if N::AUTO_KEY.is_some() && row.explicit_key().is_some() {
        // Rare (imports, fixtures): the statement is built, and PostgreSQL's sequence moved.
        let mut stored = insert_on(conn.reborrow(), shard, &[row]).await?;
        return stored.pop().ok_or_else(unreachable_no_row::<N>);
    }
    let mut args = conn.args();
    args.key_shard = shard;
    row.bind(&mut args);
    let sql = N::ONE.get(conn.backend());
    conn.fetch_optional::<N::Model>(sql, args)
        .await?
        .ok_or_else(unreachable_no_row::<N>)
}

fn unreachable_no_row<N: Insert>() -> crate::Error {
    crate::Error::Config(format!(
        "INSERT ... RETURNING of {} returned no row",
        <N::Model as Model>::NAME
    ))
}

/// Insert many rows in as few statements as the backend's bind limit allows, returning them
/// as stored, in input order. On a handle, more than one statement runs in a transaction, so
/// either every row is inserted or none is.
///
/// Rows of a model with a shard key go to their shards: one batch per shard, the shards
/// concurrently, each all or nothing on its own (not atomic across shards).
#[doc(hidden)]
pub async fn insert_many<N: Insert>(conn: Conn<'_>, rows: &[N]) -> Result<Vec<N::Model>> {
    let Placement::Keyed { .. } = <N::Model as Model>::PLACEMENT else {
        return insert_on(conn, None, &rows.iter().collect::<Vec<_>>()).await;
    };
    // Group by shard, keeping each row's position to put the stored rows back in input order.
    let mut groups: Vec<(Placed, Vec<usize>)> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let placed = placement::for_row::<N::Model>(&conn, row.shard_key(), row.primary_key())?
            .ok_or_else(|| {
                crate::Error::Config(format!(
                    "a row of {} without a shard key",
                    <N::Model as Model>::NAME
                ))
            })?;
        match groups.iter_mut().find(|(p, _)| p.shard == placed.shard) {
            Some((_, members)) => members.push(i),
            None => groups.push((placed, vec![i])),
        }
    }
    let batches = groups.iter().map(|(placed, members)| {
        let batch: Vec<&N> = members.iter().map(|&i| &rows[i]).collect();
        (placed.shard, placed.handle.clone(), batch)
    });
    let stored = match conn {
        // A transaction is on one shard, which every row was checked to belong to.
        Conn::Tx(tx) => {
            let mut all = Vec::new();
            for (shard, _, batch) in batches {
                all.push(insert_on(Conn::Tx(&mut *tx), Some(shard), &batch).await?);
            }
            all
        }
        Conn::Handle(_) => {
            futures_util::future::try_join_all(batches.map(|(shard, handle, batch)| async move {
                let handle = handle
                    .ok_or_else(|| crate::Error::Config("a shard without a handle".into()))?;
                insert_on(Conn::Handle(handle), Some(shard), &batch).await
            }))
            .await?
        }
    };
    let mut slots: Vec<Option<N::Model>> = rows.iter().map(|_| None).collect();
    for ((_, members), batch) in groups.iter().zip(stored) {
        for (&i, row) in members.iter().zip(batch) {
            slots[i] = Some(row);
        }
    }
    slots
        .into_iter()
        .map(|row| row.ok_or_else(unreachable_no_row::<N>))
        .collect()
}

/// Insert `rows` where `conn` points (on shard `shard` of a keyed model's cluster).
async fn insert_on<N: Insert>(
    conn: Conn<'_>,
    shard: Option<usize>,
    rows: &[&N],
) -> Result<Vec<N::Model>> {
    let backend = conn.backend();
    let per_batch = (backend.max_binds() / N::COLUMNS.max(1)).clamp(1, MAX_BATCH_ROWS);
    // PostgreSQL's sequence does not follow explicit keys: move it past the largest first,
    // in the inserting transaction.
    let advance = match (backend, N::AUTO_KEY) {
        (Backend::Postgres, Some(key)) => rows
            .iter()
            .filter_map(|row| row.explicit_key())
            .max()
            .map(|max| (key, max)),
        _ => None,
    };
    match conn {
        Conn::Handle(handle) if rows.len() > per_batch || advance.is_some() => {
            let mut tx = Transaction::begin(&handle).await?;
            let mut conn = Conn::Tx(&mut tx);
            if let Some((key, max)) = advance {
                advance_key(&mut conn, key, max).await?;
            }
            let stored = insert_batches(&mut conn, shard, rows, per_batch).await?;
            tx.commit().await?;
            Ok(stored)
        }
        mut conn => {
            if let Some((key, max)) = advance {
                advance_key(&mut conn, key, max).await?;
            }
            insert_batches(&mut conn, shard, rows, per_batch).await
        }
    }
}

/// Lock the table (so no insert draws from the sequence meanwhile), then move the sequence to
/// `max` if it is behind. Runs in the caller's transaction; the lock lasts until its end.
async fn advance_key(conn: &mut Conn<'_>, key: AutoKey, max: i64) -> Result<()> {
    let args = conn.args();
    conn.execute(key.pg_lock, args).await?;
    let mut args = conn.args();
    args.add(&max);
    conn.execute(key.pg_advance, args).await?;
    Ok(())
}

async fn insert_batches<N: Insert>(
    conn: &mut Conn<'_>,
    shard: Option<usize>,
    rows: &[&N],
    per_batch: usize,
) -> Result<Vec<N::Model>> {
    let backend = conn.backend();
    let mut stored = Vec::new();
    for batch in rows.chunks(per_batch) {
        let mut args = conn.args();
        args.key_shard = shard;
        let sql = batch_sql(backend, batch, &mut args);
        let batch = conn.fetch_all::<N::Model>(sql, args).await?;
        if stored.is_empty() {
            // One batch (the common case): no second move of every row.
            stored = batch;
        } else {
            stored.extend(batch);
        }
    }
    Ok(stored)
}

/// `HEAD (…), (…) RETURNING …` for `rows`, binding their values into `args`. An
/// auto-increment key is bound for the rows that set it and left to the database otherwise.
fn batch_sql<N: Insert>(backend: Backend, rows: &[&N], args: &mut Args) -> String {
    let mut sql = String::with_capacity(64 + rows.len() * N::COLUMNS * 6);
    sql.push_str(N::HEAD.get(backend));
    let auto_key = N::AUTO_KEY.is_some();
    for (r, row) in rows.iter().enumerate() {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        let mut first = true;
        if auto_key {
            first = false;
            match row.explicit_key() {
                Some(key) => {
                    args.add(&key);
                    backend.placeholder(&mut sql, args.len());
                }
                None => sql.push_str(backend.auto_key_value()),
            }
        }
        let bound = args.len();
        row.bind(args);
        for n in bound + 1..=args.len() {
            if !first {
                sql.push_str(", ");
            }
            first = false;
            backend.placeholder(&mut sql, n);
        }
        sql.push(')');
    }
    sql.push_str(N::RETURNING.get(backend));
    sql
}

/// A generated patch struct (`UserPatch`): the fields it sets, written into a [`Patch`].
pub trait PatchFields: Send + Sync {
    /// The model it updates.
    type Model: Model;
    /// Set each field that is `Some`.
    #[doc(hidden)]
    fn apply(&self, update: &mut Patch<'_, Self::Model>);
}

/// `UPDATE <table> SET` only the columns that were given, `WHERE <key> = key`.
#[doc(hidden)]
pub struct Patch<'e, M> {
    conn: Conn<'e>,
    sql: String,
    args: Args,
    _marker: std::marker::PhantomData<fn() -> M>,
}

impl<'e, M: Model> Patch<'e, M> {
    /// Start a patch.
    pub fn new(conn: Conn<'e>) -> Self {
        let backend = conn.backend();
        Patch {
            sql: String::from(M::UPDATE.get(backend)),
            args: Args::new(backend),
            conn,
            _marker: std::marker::PhantomData,
        }
    }

    /// Set `column` to `value`.
    pub fn set<T>(&mut self, column: Column<M, T>, value: &impl crate::value::Bind) {
        let backend = self.conn.backend();
        if !self.args.is_empty() {
            self.sql.push_str(", ");
        }
        self.sql.push_str(column.quoted().get(backend));
        self.sql.push_str(" = ");
        self.args.add(value);
        backend.placeholder(&mut self.sql, self.args.len());
    }

    /// The statement so far and its values; `None` when it sets nothing.
    pub(crate) fn into_parts(self) -> Option<(String, Args)> {
        (!self.args.is_empty()).then_some((self.sql, self.args))
    }

    /// Run it on the row with this key. A patch that sets nothing runs no statement. Fails
    /// with `NotFound` when no row has the key.
    pub async fn run<K: crate::value::Bind + std::fmt::Debug + Sync + ?Sized>(
        mut self,
        key: &K,
    ) -> Result<()> {
        if self.args.is_empty() {
            return Ok(());
        }
        let backend = self.conn.backend();
        self.sql.push_str(" WHERE ");
        self.sql.push_str(M::KEY.get(backend));
        self.sql.push_str(" = ");
        self.args.add(key);
        backend.placeholder(&mut self.sql, self.args.len());
        let by = match M::PLACEMENT {
            Placement::Keyed { column, .. } if column.sqlite == M::KEY.sqlite => By::ShardKey,
            _ => By::PrimaryKey,
        };
        match placement::by_value::<M, K>(&self.conn, key, by)?.narrow(&mut self.conn) {
            Reach::Here => {
                self.conn
                    .execute_one(self.sql, self.args, M::NAME, &key)
                    .await
            }
            reach => {
                let affected =
                    crate::write_all::run(self.conn.reborrow(), self.sql, self.args, reach).await?;
                if affected.total() == 0 {
                    return Err(by_key::not_found_anywhere::<M>(&self.conn, &key));
                }
                Ok(())
            }
        }
    }
}

/// `DELETE FROM <table> WHERE condition`; the number of rows deleted, on every shard the
/// condition reaches (see [`Query::delete_all`](crate::Query::delete_all)).
#[doc(hidden)]
pub async fn delete_where<M: Model>(conn: Conn<'_>, condition: Expr<M>) -> Result<u64> {
    let affected = crate::query::Query::<M, crate::role::Write>::new(conn)
        .filter(condition)
        .delete_all()
        .await?;
    Ok(affected.total())
}

/// Run DDL statements on the writer of every shard of `handle`'s cluster.
#[doc(hidden)]
pub async fn run_ddl(handle: &Handle, statements: &[crate::backend::Sql]) -> Result<()> {
    // Every shard, explicitly: inside a locked `Shards` scope this is refused before any
    // statement runs.
    let shards = (0..handle.shard_count())
        .map(|shard| {
            handle
                .with_shard(shard)
                .with_routing(crate::role::Routing::Writing)
                .resolve()
        })
        .collect::<Result<Vec<_>>>()?;
    for shard in shards {
        let mut conn = Conn::Handle(shard);
        for statement in statements {
            let args = conn.args();
            conn.execute(statement.get(conn.backend()), args).await?;
        }
    }
    Ok(())
}
