//! The connected topology: every cluster's shards and servers, and the handles that route
//! statements to them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::future::try_join_all;

use crate::backend::Backend;
use crate::balance::ReplicaSet;
use crate::config::Fallback;
use crate::config::{ClusterConfig, Config, Observer, ReplicaConfig, RoutingOptions, ShardConfig};
use crate::error::{Error, Result, Target};
use crate::health::{Health, Watched, is_connection_error, since, spawn_checker};
use crate::observe::{StatementCounts, StatementEvent};
use crate::pool::{Pool, PoolRequest};
use crate::role::{Role, Routing};
use crate::schema_epoch::SchemaEpoch;
use crate::selector::ReadPlan;

/// One server (writer or replica) of one shard.
#[derive(Debug)]
pub(crate) struct Server {
    pub(crate) pool: Pool,
    pub(crate) target: Target,
    pub(crate) statements: AtomicU64,
    /// Load-balancing weight (replicas; 1 for writers).
    pub(crate) weight: u32,
    /// Ejection and lag state (replicas only consult it).
    pub(crate) health: Arc<Health>,
}

#[derive(Debug)]
pub(crate) struct ShardServers {
    pub(crate) writer: Arc<Server>,
    pub(crate) replicas: ReplicaSet,
    /// Custom roles, in declaration order.
    pub(crate) roles: Vec<ReplicaSet>,
    /// The shard's last schema change (a migration), shared with every pool of the shard.
    pub(crate) schema: Arc<SchemaEpoch>,
}

#[derive(Debug)]
pub(crate) struct ClusterServers {
    pub(crate) name: &'static str,
    pub(crate) backend: Backend,
    pub(crate) shards: Vec<ShardServers>,
    pub(crate) routing: RoutingOptions,
}

struct Inner {
    clusters: Vec<ClusterServers>,
    observer: Option<Observer>,
    /// Time origin of the health state's timestamps.
    epoch: Instant,
}

/// The health of one replica, from [`Engine::replica_status`].
#[derive(Debug, Clone)]
pub struct ReplicaStatus {
    /// Which replica.
    pub target: Target,
    /// Out of rotation after a connection failure, until a probe succeeds.
    pub ejected: bool,
    /// Out of rotation because its lag exceeds the cluster's `max_replica_lag`.
    pub lagging: bool,
    /// The last measured lag (`None` before the first measurement, without a lag limit, or
    /// when replication is stopped).
    pub lag: Option<Duration>,
}

impl ReplicaStatus {
    /// Whether reads may go to it.
    pub fn in_rotation(&self) -> bool {
        !self.ejected && !self.lagging
    }
}

/// Every pool of an app, connected. Cheap to clone (an `Arc`).
///
/// Apps use the generated `Database`, which wraps this and hands out typed cluster handles.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.inner.clusters.iter().flat_map(|c| {
                c.shards.iter().flat_map(|s| {
                    std::iter::once(&s.writer.target).chain(s.replica_servers().map(|r| &r.target))
                })
            }))
            .finish()
    }
}

impl Engine {
    /// Expand every URL, open every pool (lazily if configured), and check the topology is
    /// usable: one backend per cluster, no unknown names in overrides.
    pub async fn connect(config: Config) -> Result<Engine> {
        if let Some(first) = config.errors.first() {
            return Err(Error::Config(first.clone()));
        }
        let epoch = Instant::now();
        let clusters = try_join_all(
            config
                .clusters
                .iter()
                .map(|c| open_cluster(&config, c, epoch)),
        )
        .await?;
        let watched = clusters
            .iter()
            .flat_map(|c| {
                c.shards.iter().flat_map(move |s| {
                    s.replicas
                        .servers
                        .iter()
                        .chain(s.roles.iter().flat_map(|r| &r.servers))
                        .map(move |server| Watched {
                            pool: server.pool.clone(),
                            health: Arc::downgrade(&server.health),
                            options: c.routing,
                        })
                })
            })
            .collect();
        spawn_checker(epoch, watched);
        Ok(Engine {
            inner: Arc::new(Inner {
                clusters,
                observer: config.observer.clone(),
                epoch,
            }),
        })
    }

    /// A handle on one cluster (by its position in the generated topology).
    #[doc(hidden)]
    pub fn handle(&self, cluster: usize) -> Handle {
        Handle {
            engine: self.clone(),
            cluster,
            shard: 0,
            explicit_shard: false,
            all_shards: false,
            routing: Routing::Writing,
            prevent_writes: false,
        }
    }

    /// How many statements each server has run.
    pub fn statement_counts(&self) -> StatementCounts {
        let mut counts = StatementCounts::default();
        for server in self.servers() {
            let t = &server.target;
            counts.counts.insert(
                (t.cluster, t.shard, t.role),
                server.statements.load(Ordering::Relaxed),
            );
        }
        counts
    }

    /// The health of every replica: in rotation, ejected after connection failures, or out of
    /// rotation for lag.
    pub fn replica_status(&self) -> Vec<ReplicaStatus> {
        self.inner
            .clusters
            .iter()
            .flat_map(|c| c.shards.iter().flat_map(ShardServers::replica_servers))
            .map(|server| ReplicaStatus {
                target: server.target.clone(),
                ejected: server.health.is_ejected(),
                lagging: server.health.is_lagging(),
                lag: server.health.lag(),
            })
            .collect()
    }

    /// Set every statement counter back to zero.
    pub fn reset_statement_counts(&self) {
        self.servers()
            .for_each(|s| s.statements.store(0, Ordering::Relaxed));
    }

    /// Close every pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        for server in self.servers() {
            server.pool.close().await;
        }
    }

    fn servers(&self) -> impl Iterator<Item = &Arc<Server>> {
        self.inner.clusters.iter().flat_map(|c| {
            c.shards
                .iter()
                .flat_map(|s| std::iter::once(&s.writer).chain(s.replica_servers()))
        })
    }

    pub(crate) fn observe(&self, server: &Server, sql: &str, elapsed: Duration, ok: bool) {
        server.statements.fetch_add(1, Ordering::Relaxed);
        let event = StatementEvent {
            target: &server.target,
            sql,
            elapsed,
            ok,
        };
        crate::observe::trace(&event);
        if let Some(observer) = &self.inner.observer {
            observer(&event);
        }
    }
}

async fn open_cluster(
    config: &Config,
    cluster: &ClusterConfig,
    epoch: Instant,
) -> Result<ClusterServers> {
    let mut backend = None;
    let mut shards = Vec::with_capacity(cluster.shards.len());
    let mut check = |server: &Server| match backend {
        Some(b) if b != server.pool.backend() => Err(Error::Config(format!(
            "cluster `{}` mixes backends: {} is {}, others are {b}",
            cluster.name,
            server.target,
            server.pool.backend()
        ))),
        _ => {
            backend = Some(server.pool.backend());
            Ok(())
        }
    };
    for shard in &cluster.shards {
        let schema = Arc::new(SchemaEpoch::default());
        // The writer first: for SQLite it creates the file the replicas open read-only.
        let at = ShardAt {
            config,
            cluster,
            shard,
            epoch,
            schema: &schema,
        };
        let writer = open_server(&at, Role::Writer, &shard.writer, 1).await?;
        check(&writer)?;
        let mut sets = Vec::with_capacity(1 + shard.roles.len());
        let named = shard.roles.iter().map(|r| (Some(r.name), &r.replicas));
        for (name, replicas) in std::iter::once((None, &shard.replicas)).chain(named) {
            let mut servers = Vec::with_capacity(replicas.len());
            for (index, ReplicaConfig { url, weight }) in replicas.iter().enumerate() {
                let role = match name {
                    None => Role::Replica(index),
                    Some(role) => Role::Custom {
                        role,
                        index: u32::try_from(index).unwrap_or(u32::MAX),
                    },
                };
                let server = open_server(&at, role, url, *weight).await?;
                check(&server)?;
                servers.push(server);
            }
            sets.push(ReplicaSet::new(servers));
        }
        let replicas = sets.remove(0);
        shards.push(ShardServers {
            writer,
            replicas,
            roles: sets,
            schema,
        });
    }
    Ok(ClusterServers {
        name: cluster.name,
        backend: backend.unwrap_or(Backend::Sqlite),
        shards,
        routing: cluster.routing,
    })
}

/// The shard a server is opened for, and what its servers share.
struct ShardAt<'a> {
    config: &'a Config,
    cluster: &'a ClusterConfig,
    shard: &'a ShardConfig,
    /// Time origin of the health state's timestamps.
    epoch: Instant,
    /// The shard's last schema change, shared by its pools.
    schema: &'a Arc<SchemaEpoch>,
}

async fn open_server(
    at: &ShardAt<'_>,
    role: Role,
    template: &str,
    weight: u32,
) -> Result<Arc<Server>> {
    let ShardAt {
        config,
        cluster,
        shard,
        epoch,
        schema,
    } = *at;
    let config_error = |e: String| {
        Error::Config(format!(
            "cluster `{}`, shard `{}`, {role}: {e}",
            cluster.name, shard.name
        ))
    };
    let url = config.expand(template).map_err(config_error)?;
    let backend = crate::url::usable(&url).map_err(config_error)?;
    let target = Target {
        cluster: cluster.name,
        shard: shard.name,
        role,
        server: crate::url::redact(&url).into(),
        secrets: crate::url::secrets(&url).into(),
    };
    let replica = role != Role::Writer;
    let mut options = cluster.pool;
    if replica {
        // A dead replica must not hold a read for the whole acquire timeout before the read
        // moves on to another server.
        options.acquire_timeout = options.acquire_timeout.min(REPLICA_ACQUIRE_TIMEOUT);
    }
    let request = |lazy| PoolRequest {
        url: &url,
        backend,
        read_only: replica,
        options: &options,
        #[cfg(feature = "sqlite")]
        sqlite_dir: config.sqlite_dir.as_deref(),
        lazy,
        schema: schema.clone(),
    };
    let health = Arc::new(Health::default());
    let pool = match Pool::open(request(options.lazy)).await {
        Ok(pool) => pool,
        // A replica that is down at start-up is ejected, not fatal: reads go elsewhere until a
        // probe finds it back.
        Err(e) if replica && is_connection_error(&e) => {
            tracing::warn!(target: "switchyard::health", %target, "replica unreachable at start-up; ejected");
            health.eject(since(epoch), &cluster.routing);
            Pool::open(request(true))
                .await
                .map_err(|e| Error::connect(&target, e))?
        }
        Err(e) => return Err(Error::connect(&target, e)),
    };
    Ok(Arc::new(Server {
        pool,
        target,
        statements: AtomicU64::new(0),
        weight,
        health,
    }))
}

/// Longest wait for a replica connection before the read moves on.
const REPLICA_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

impl ShardServers {
    /// Every replica, of the default set and of custom roles.
    pub(crate) fn replica_servers(&self) -> impl Iterator<Item = &Arc<Server>> {
        self.replicas
            .servers
            .iter()
            .chain(self.roles.iter().flat_map(|r| &r.servers))
    }
}

/// A cluster, one of its shards, and a routing (writing or reading). Cheap to clone.
///
/// Generated cluster handles wrap this; apps rarely use it directly.
#[derive(Clone, Debug)]
pub struct Handle {
    engine: Engine,
    cluster: usize,
    shard: usize,
    /// The shard was chosen with [`with_shard`](Self::with_shard); otherwise it is the default
    /// shard, which a [`Shards`](crate::Shards) scope naming the cluster replaces.
    explicit_shard: bool,
    /// Reads reach every shard and write-where statements run on each (`all_shards()`).
    all_shards: bool,
    routing: Routing,
    /// Refuse raw SQL that may write, whatever the routing (Rails' `prevent_writes`).
    prevent_writes: bool,
}

impl Handle {
    /// The same cluster and shard with another routing.
    #[doc(hidden)]
    pub fn with_routing(&self, routing: Routing) -> Handle {
        Handle {
            routing,
            prevent_writes: false,
            ..self.clone()
        }
    }

    /// The same handle, refusing raw SQL that may write (typed writes are already absent from
    /// the generated read handles this backs).
    #[doc(hidden)]
    pub fn preventing_writes(&self) -> Handle {
        Handle {
            prevent_writes: true,
            ..self.clone()
        }
    }

    /// Whether raw SQL that may write is refused whatever the routing.
    pub fn prevents_writes(&self) -> bool {
        self.prevent_writes
    }

    /// Shard name: the shard statements go to in the current [`Shards`](crate::Shards) scope
    /// (the handle's own if a locked scope refuses it).
    pub fn shard_name(&self) -> &'static str {
        let shard = self.scoped_shard().unwrap_or(self.shard);
        self.name_of(shard)
    }

    pub(crate) fn name_of(&self, shard: usize) -> &'static str {
        self.cluster_servers().shards[shard].writer.target.shard
    }

    /// The same cluster and routing on another shard (by declaration index), chosen
    /// explicitly: a [`Shards`](crate::Shards) scope does not move it.
    #[doc(hidden)]
    pub fn with_shard(&self, shard: usize) -> Handle {
        Handle {
            shard,
            explicit_shard: true,
            all_shards: false,
            ..self.clone()
        }
    }

    /// The same cluster and routing on every shard: reads run on each shard and are merged,
    /// write-where statements run on each shard and report per shard.
    #[doc(hidden)]
    pub fn all_shards(&self) -> Handle {
        Handle {
            all_shards: true,
            explicit_shard: true,
            ..self.clone()
        }
    }

    /// Whether this handle spans every shard ([`all_shards`](Self::all_shards)).
    pub(crate) fn spans_all(&self) -> bool {
        self.all_shards
    }

    /// Whether the shard was chosen explicitly (`.shard(..)`, `all_shards()`).
    pub(crate) fn is_explicit(&self) -> bool {
        self.explicit_shard
    }

    /// The position of this handle's own shard (before any scope).
    pub(crate) fn shard_index(&self) -> usize {
        self.shard
    }

    /// The shard this handle's statements go to in the current [`Shards`](crate::Shards)
    /// scope, or [`Error::ShardLocked`].
    fn scoped_shard(&self) -> Result<usize> {
        crate::shard_scope::resolve(
            self.cluster,
            self.cluster_name(),
            self.shard,
            self.explicit_shard,
            |shard| self.name_of(shard),
        )
    }

    /// This handle on the shard the current [`Shards`](crate::Shards) scope gives it (marked
    /// explicit), or [`Error::ShardLocked`] before any statement runs. Everything that runs
    /// statements on a handle resolves it first.
    pub(crate) fn resolve(&self) -> Result<Handle> {
        Ok(self.moved()?.unwrap_or_else(|| self.clone()))
    }

    /// Like [`resolve`](Self::resolve), but `None` when the scope leaves the handle where it
    /// is (the common case, on every statement: no clone).
    pub(crate) fn moved(&self) -> Result<Option<Handle>> {
        let shard = self.scoped_shard()?;
        Ok((shard != self.shard).then(|| Handle {
            shard,
            explicit_shard: true,
            ..self.clone()
        }))
    }

    /// The cluster's position in the topology.
    pub(crate) fn cluster_index(&self) -> usize {
        self.cluster
    }

    /// The engine this handle belongs to.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The backend of this handle's cluster.
    pub fn backend(&self) -> Backend {
        self.cluster_servers().backend
    }

    /// The routing of this handle.
    pub fn routing(&self) -> Routing {
        self.routing
    }

    /// Cluster name.
    pub fn cluster_name(&self) -> &'static str {
        self.cluster_servers().name
    }

    fn cluster_servers(&self) -> &ClusterServers {
        &self.engine.inner.clusters[self.cluster]
    }

    pub(crate) fn shard_servers(&self) -> &ShardServers {
        &self.cluster_servers().shards[self.shard]
    }

    /// Number of shards of this handle's cluster.
    pub(crate) fn shard_count(&self) -> usize {
        self.cluster_servers().shards.len()
    }

    /// The server the next statement goes to, skipping `tried` (servers that failed this
    /// statement already). Reads pick a replica by the cluster's policy among those available;
    /// with none, the cluster's fallback decides between the writer and an error.
    pub(crate) fn pick(&self, tried: &[Arc<Server>]) -> Result<Arc<Server>> {
        self.pick_for(self.routing, tried)
    }

    fn pick_for(&self, routing: Routing, tried: &[Arc<Server>]) -> Result<Arc<Server>> {
        let shard = self.shard_servers();
        let set = match routing {
            Routing::Writing | Routing::Auto => return Ok(shard.writer.clone()),
            Routing::Reading => &shard.replicas,
            Routing::Role(i) => match shard.roles.get(i) {
                Some(set) => set,
                None => return Ok(shard.writer.clone()),
            },
        };
        if set.servers.is_empty() && routing == Routing::Reading {
            // No replica declared: reads are the writer's by design, not a fallback.
            return Ok(shard.writer.clone());
        }
        let cluster = self.cluster_servers();
        if let Some(server) = set.pick(cluster.routing.policy, tried) {
            return Ok(server.clone());
        }
        match cluster.routing.fallback {
            Fallback::Writer if !tried.iter().any(|t| Arc::ptr_eq(t, &shard.writer)) => {
                Ok(shard.writer.clone())
            }
            _ => Err(Error::NoReplica {
                cluster: cluster.name,
                shard: shard.writer.target.shard,
                routing,
            }),
        }
    }

    /// The server for statement `sql`: [`pick`](Self::pick), except for automatic routing
    /// inside a [`Selector`](crate::Selector) request, where writes go to the writer (and are
    /// recorded) and reads follow the request's consistency rule. `write` forces the writer
    /// (a transaction, which may write).
    pub(crate) async fn route(
        &self,
        sql: &str,
        write: bool,
        tried: &mut Vec<Arc<Server>>,
    ) -> Result<Arc<Server>> {
        if self.routing != Routing::Auto {
            return self.pick(tried);
        }
        let writer = &self.shard_servers().writer;
        let Some(context) = crate::selector::current() else {
            return Ok(writer.clone());
        };
        if write || !crate::classify::classify(sql).is_read() {
            context.record_write(writer);
            return Ok(writer.clone());
        }
        let position = match context.read_plan(writer) {
            ReadPlan::Writer => return Ok(writer.clone()),
            ReadPlan::Replica => None,
            ReadPlan::CaughtUp(position) => Some(position),
        };
        loop {
            // Consistency first: when no replica will do, the writer serves whatever the
            // cluster's fallback says about unavailable replicas.
            let server = match self.pick_for(Routing::Reading, tried) {
                Ok(server) => server,
                Err(_) if position.is_some() => return Ok(writer.clone()),
                Err(e) => return Err(e),
            };
            match &position {
                Some(position)
                    if !Arc::ptr_eq(&server, writer)
                        && !context.caught_up(&server, position).await =>
                {
                    tried.push(server);
                }
                _ => return Ok(server),
            }
        }
    }

    /// Whether `server` is one of this shard's replicas (a read there may be retried).
    pub(crate) fn is_replica(&self, server: &Arc<Server>) -> bool {
        !Arc::ptr_eq(server, &self.shard_servers().writer)
    }

    /// Take `server` out of rotation after a connection failure; whether the statement may be
    /// retried elsewhere (replicas only: a write, or a read on the writer, is never retried).
    pub(crate) fn eject(&self, server: &Arc<Server>) -> bool {
        if Arc::ptr_eq(server, &self.shard_servers().writer) {
            return false;
        }
        let routing = self.cluster_servers().routing;
        server
            .health
            .eject(since(self.engine.inner.epoch), &routing);
        tracing::warn!(target: "switchyard::health", target = %server.target, "replica ejected after a connection failure");
        true
    }
}
