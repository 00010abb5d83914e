//! Fetching rows of one cluster by a set of key values, on every shard at once: the statement
//! shape behind eager loading, `where_has` and parent validation.
//!
//! PostgreSQL binds the whole set as one array (`col = ANY($1)`), so one statement serves any
//! number of keys. SQLite and MariaDB bind one placeholder per key (`col IN (?, ...)`), in chunks
//! under their bind limits (32,766 and 65,535). A chunk's placeholder count is rounded up to a
//! power of two by repeating its last key, so a handful of statement shapes cover every size and
//! stay in the drivers' prepared-statement caches.

use futures_util::future::try_join_all;

use crate::backend::{Backend, Sql};
use crate::database::{Engine, Handle};
use crate::error::Result;
use crate::exec::Conn;
use crate::expr::Expr;
use crate::key::Key;
use crate::model::{Model, Placement};
use crate::role::Routing;
use crate::value::{Args, FromRow, Row, Value};

/// Where relation statements run: an engine and the routing to use in every cluster.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct Ctx {
    pub(crate) engine: Engine,
    pub(crate) routing: Routing,
}

impl Ctx {
    /// A context on `engine` with `routing`.
    pub fn new(engine: Engine, routing: Routing) -> Ctx {
        Ctx { engine, routing }
    }

    /// The same engine, routing every statement to writers.
    pub fn writing(&self) -> Ctx {
        Ctx::new(self.engine.clone(), Routing::Writing)
    }

    /// One handle per shard of `cluster`, with this context's routing; only the scope's shard
    /// when a [`Shards`](crate::Shards) scope names the cluster.
    pub(crate) fn shards(&self, cluster: usize) -> impl Iterator<Item = Handle> + use<> {
        let handle = self.engine.handle(cluster).with_routing(self.routing);
        let shards = match crate::shard_scope::scoped(handle.cluster_index(), handle.cluster_name())
        {
            Some(shard) => shard..shard + 1,
            None => 0..handle.shard_count(),
        };
        shards.map(move |shard| handle.with_shard(shard))
    }

    /// The declared name of `cluster`.
    pub fn cluster_name(&self, cluster: usize) -> &'static str {
        self.engine.handle(cluster).cluster_name()
    }
}

/// Anything relation loading can start from: the generated `Database` (whole-app routing), a
/// cluster handle, or a runtime [`Handle`]. Statements go to every cluster a relation reaches,
/// with the routing of what was passed (writer or replicas), on every shard.
pub trait Scope {
    /// The engine and routing to load with.
    #[doc(hidden)]
    fn ctx(&self) -> Ctx;
}

impl Scope for Handle {
    fn ctx(&self) -> Ctx {
        Ctx::new(self.engine().clone(), self.routing())
    }
}

impl<S: Scope> Scope for &S {
    fn ctx(&self) -> Ctx {
        (**self).ctx()
    }
}

/// One column of a row, decoded (`SELECT DISTINCT col ...`).
#[doc(hidden)]
#[derive(Debug)]
pub struct Single<T>(pub T);

impl<T: Value> FromRow for Single<T> {
    fn from_row(row: &Row) -> Result<Self, sqlx::Error> {
        row.get(0).map(Single)
    }
}

/// Rows of `head WHERE column IN keys` from every shard of `cluster`, concurrently. No key, no
/// statement.
pub async fn select_in<R: FromRow + Send, K: Key>(
    ctx: &Ctx,
    cluster: usize,
    head: Sql,
    column: Sql,
    keys: &[&K],
) -> Result<Vec<R>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let shards = ctx
        .shards(cluster)
        .map(|handle| select_in_shard(handle, head, column, keys));
    Ok(try_join_all(shards).await?.into_iter().flatten().collect())
}

/// Rows of model `M` whose `column` is in `keys`, on the shards that can hold them: by shard
/// key when `column` is `M`'s shard key, by the shard a uuid primary key was made for when
/// `column` is its primary key and every key records one, else on every shard (one statement
/// per shard, concurrently). No key, no statement.
pub async fn select_rows<M: Model, K: Key>(ctx: &Ctx, column: Sql, keys: &[&K]) -> Result<Vec<M>> {
    let handle = ctx.engine.handle(M::CLUSTER).with_routing(ctx.routing);
    let scoped = crate::shard_scope::scoped(M::CLUSTER, handle.cluster_name()).is_some();
    let shard_of = |key: &K| -> Option<Option<usize>> {
        let Placement::Keyed {
            map,
            column: shard_key,
            ..
        } = M::PLACEMENT
        else {
            return None;
        };
        if shard_key.sqlite == column.sqlite {
            // A key no shard holds has no rows.
            return Some(map.locate(key).ok());
        }
        match (column.sqlite == M::KEY.sqlite, key.shard_key_value()) {
            (true, crate::ShardKeyValue::Uuid(id)) => {
                crate::shard_key::uuid_shard(&id).map(|s| (s < map.shards.len()).then_some(s))
            }
            _ => None,
        }
    };
    // Each key to its shard, while every key says which; otherwise every shard (or the one a
    // scope names) with every key.
    let mut per_shard: Vec<Vec<&K>> = vec![Vec::new(); handle.shard_count()];
    for key in keys {
        match (scoped, shard_of(key)) {
            (false, Some(Some(shard))) => per_shard[shard].push(*key),
            (false, Some(None)) => {}
            _ => return select_in(ctx, M::CLUSTER, M::SELECT, column, keys).await,
        }
    }
    let shards = per_shard
        .into_iter()
        .enumerate()
        .filter(|(_, keys)| !keys.is_empty())
        .map(|(shard, keys)| {
            let handle = handle.with_shard(shard);
            async move { select_in_shard::<M, K>(handle, M::SELECT, column, &keys).await }
        });
    Ok(try_join_all(shards).await?.into_iter().flatten().collect())
}

async fn select_in_shard<R: FromRow, K: Key>(
    handle: Handle,
    head: Sql,
    column: Sql,
    keys: &[&K],
) -> Result<Vec<R>> {
    let backend = handle.backend();
    let head = head.get(backend);
    let column = column.get(backend);
    let mut conn = Conn::Handle(handle);
    if backend == Backend::Postgres {
        let mut args = Args::new(backend);
        K::bind_array(keys, &mut args);
        let sql = format!("{head} WHERE {column} = ANY($1)");
        return conn.fetch_all(sql, args).await;
    }
    let mut rows = Vec::new();
    for chunk in keys.chunks(backend.max_binds()) {
        let size = chunk
            .len()
            .next_power_of_two()
            .min(backend.max_binds())
            .max(chunk.len());
        let mut sql = String::with_capacity(head.len() + column.len() + 8 + 3 * size);
        sql.push_str(head);
        sql.push_str(" WHERE ");
        sql.push_str(column);
        sql.push_str(" IN (");
        let mut args = Args::new(backend);
        // `size >= chunk.len() >= 1`, so there is a last key to repeat.
        let last = chunk[chunk.len() - 1];
        for i in 0..size {
            sql.push_str(if i == 0 { "?" } else { ", ?" });
            args.add(chunk.get(i).copied().unwrap_or(last));
        }
        sql.push(')');
        rows.extend(conn.fetch_all::<R>(sql, args).await?);
    }
    Ok(rows)
}

/// Rows of `head [WHERE filter]` from every shard of `cluster`, concurrently.
pub async fn select_where<R: FromRow + Send, M>(
    ctx: &Ctx,
    cluster: usize,
    head: Sql,
    filter: Option<&Expr<M>>,
) -> Result<Vec<R>> {
    let shards = ctx.shards(cluster).map(|handle| async move {
        let backend = handle.backend();
        let mut args = Args::new(backend);
        let mut sql = String::from(head.get(backend));
        if let Some(filter) = filter {
            sql.push_str(" WHERE ");
            filter.render(backend, &mut sql, &mut args);
        }
        Conn::Handle(handle).fetch_all::<R>(sql, args).await
    });
    Ok(try_join_all(shards).await?.into_iter().flatten().collect())
}

/// The distinct non-null values of a `SELECT DISTINCT` run on several shards.
pub fn distinct<K: Key>(found: Vec<Single<Option<K>>>) -> Vec<K> {
    let mut seen = std::collections::HashSet::with_capacity(found.len());
    found
        .into_iter()
        .filter_map(|s| s.0)
        .filter(|k| seen.insert(k.clone()))
        .collect()
}
