//! Writes of every row a query matches (`delete_all`, `update_all`), on every shard the
//! query reaches, reporting the rows affected per shard.
//!
//! Each shard runs its statement on its own and commits on its own: a write across shards is
//! not atomic. On a model with a shard key, a filter that pins no shard key reaches every shard
//! only through the cluster's `all_shards()` handle, so that writing everywhere is never an
//! accident.

use crate::error::{Error, Result};
use crate::exec::{Conn, SqlText};
use crate::model::{Model, Placement};
use crate::placement::Reach;
use crate::query::Query;
use crate::role::Write;
use crate::scatter;
use crate::value::Args;
use crate::write::{Patch, PatchFields};

/// Rows a write affected, per shard it ran on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Affected {
    per_shard: Vec<(&'static str, u64)>,
}

impl Affected {
    /// Rows affected on every shard together.
    pub fn total(&self) -> u64 {
        self.per_shard.iter().map(|(_, n)| n).sum()
    }

    /// Each shard the write ran on, by declared name, with its rows affected, in declaration
    /// order.
    pub fn per_shard(&self) -> &[(&'static str, u64)] {
        &self.per_shard
    }
}

impl<M: Model> Query<'_, M, Write> {
    /// Delete every row the query's filter matches, on every shard it reaches.
    ///
    /// Order, `limit` and `offset` do not apply to writes: a query that sets `limit` or
    /// `offset` is refused before anything runs.
    pub async fn delete_all(mut self) -> Result<Affected> {
        self.prepare()?;
        self.resolve().await?;
        let backend = self.conn.backend();
        let mut args = Args::new(backend);
        let mut sql = String::from(M::DELETE.get(backend));
        self.where_clause(backend, &mut sql, &mut args);
        let reach = self.write_reach()?;
        run(self.conn, sql, args, reach).await
    }

    /// Write the fields set in `patch` to every row the query's filter matches, on every
    /// shard it reaches. An empty patch runs no statement. Order, `limit` and `offset` are
    /// refused as for [`delete_all`](Self::delete_all).
    pub async fn update_all(mut self, patch: &impl PatchFields<Model = M>) -> Result<Affected> {
        self.prepare()?;
        self.resolve().await?;
        let reach = self.write_reach()?;
        let mut update = Patch::<M>::new(self.conn.reborrow());
        patch.apply(&mut update);
        let Some((mut sql, mut args)) = update.into_parts() else {
            return Ok(Affected {
                per_shard: Vec::new(),
            });
        };
        let backend = self.conn.backend();
        self.where_clause(backend, &mut sql, &mut args);
        run(self.conn, sql, args, reach).await
    }

    fn prepare(&self) -> Result<()> {
        if self.limit.is_some() || self.offset.is_some() {
            return Err(Error::Config(format!(
                "{}: limit and offset do not apply to delete_all / update_all; filter the rows instead",
                M::NAME
            )));
        }
        Ok(())
    }

    /// Where the write goes: as for a read, except that an unpinned filter on a keyed model
    /// needs an `all_shards()` handle.
    fn write_reach(&mut self) -> Result<Reach> {
        let mut pinned = true;
        let reach = crate::placement::read::<M>(&self.conn, |map, column| {
            let shards = self.filter.as_ref().and_then(|f| f.pinned(map, column));
            pinned = shards.is_some();
            shards
        })?;
        if let (Reach::Shards(_), false, Conn::Handle(handle), Placement::Keyed { map, .. }) =
            (&reach, pinned, &self.conn, M::PLACEMENT)
            && !handle.spans_all()
        {
            return Err(Error::AllShardsRequired {
                cluster: map.cluster,
                model: M::NAME,
            });
        }
        Ok(reach.narrow(&mut self.conn))
    }
}

/// Run a write where `reach` says; the rows it affected on each shard.
pub(crate) async fn run(
    mut conn: Conn<'_>,
    sql: impl Into<SqlText>,
    args: Args,
    reach: Reach,
) -> Result<Affected> {
    let per_shard = match reach {
        Reach::Here => {
            let shard = conn.shard_name();
            vec![(shard, conn.execute(sql, args).await?)]
        }
        Reach::Shards(shards) => {
            let names: Vec<&'static str> = shards.iter().map(|h| h.shard_name()).collect();
            let sql = sql.into();
            let counts = scatter::each(shards, &args, |mut conn, args| {
                let sql = sql.clone();
                async move { conn.execute(sql, args).await }
            })
            .await?;
            names.into_iter().zip(counts).collect()
        }
    };
    Ok(Affected { per_shard })
}
