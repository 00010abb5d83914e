//! The connected topology: every cluster's shards and servers, and the handles that route
//! statements to them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use futures_util::future::try_join_all;

use crate::backend::Backend;
use crate::config::{ClusterConfig, Config, Observer, ShardConfig};
use crate::error::{Error, Result, Target};
use crate::observe::{StatementCounts, StatementEvent};
use crate::pool::{Pool, PoolRequest};
use crate::role::{Role, Routing};

/// One server (writer or replica) of one shard.
#[derive(Debug)]
pub(crate) struct Server {
    pub(crate) pool: Pool,
    pub(crate) target: Target,
    pub(crate) statements: AtomicU64,
}

#[derive(Debug)]
pub(crate) struct ShardServers {
    pub(crate) writer: Arc<Server>,
    pub(crate) replicas: Vec<Arc<Server>>,
    next_replica: AtomicUsize,
}

#[derive(Debug)]
pub(crate) struct ClusterServers {
    pub(crate) name: &'static str,
    pub(crate) backend: Backend,
    pub(crate) shards: Vec<ShardServers>,
}

struct Inner {
    clusters: Vec<ClusterServers>,
    observer: Option<Observer>,
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
                    std::iter::once(&s.writer.target).chain(s.replicas.iter().map(|r| &r.target))
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
        let clusters =
            try_join_all(config.clusters.iter().map(|c| open_cluster(&config, c))).await?;
        Ok(Engine {
            inner: Arc::new(Inner {
                clusters,
                observer: config.observer.clone(),
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
            routing: Routing::Writing,
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
                .flat_map(|s| std::iter::once(&s.writer).chain(&s.replicas))
        })
    }

    pub(crate) fn observe(
        &self,
        server: &Server,
        sql: &str,
        elapsed: std::time::Duration,
        ok: bool,
    ) {
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

async fn open_cluster(config: &Config, cluster: &ClusterConfig) -> Result<ClusterServers> {
    let mut backend = None;
    let mut shards = Vec::with_capacity(cluster.shards.len());
    for shard in &cluster.shards {
        // The writer first: for SQLite it creates the file the replicas open read-only.
        let roles = std::iter::once((Role::Writer, &shard.writer)).chain(
            shard
                .replicas
                .iter()
                .enumerate()
                .map(|(i, url)| (Role::Replica(i), url)),
        );
        let mut servers = Vec::with_capacity(1 + shard.replicas.len());
        for (role, template) in roles {
            let server = open_server(config, cluster, shard, role, template).await?;
            let this = server.pool.backend();
            match backend {
                Some(b) if b != this => {
                    return Err(Error::Config(format!(
                        "cluster `{}` mixes backends: {} is {this}, others are {b}",
                        cluster.name, server.target
                    )));
                }
                _ => backend = Some(this),
            }
            servers.push(server);
        }
        let writer = servers.remove(0);
        shards.push(ShardServers {
            writer,
            replicas: servers,
            next_replica: AtomicUsize::new(0),
        });
    }
    Ok(ClusterServers {
        name: cluster.name,
        backend: backend.unwrap_or(Backend::Sqlite),
        shards,
    })
}

async fn open_server(
    config: &Config,
    cluster: &ClusterConfig,
    shard: &ShardConfig,
    role: Role,
    template: &str,
) -> Result<Arc<Server>> {
    let config_error = |e: String| {
        Error::Config(format!(
            "cluster `{}`, shard `{}`, {role}: {e}",
            cluster.name, shard.name
        ))
    };
    let url = config.expand(template).map_err(config_error)?;
    let backend = crate::url::backend_of(&url).map_err(config_error)?;
    let target = Target {
        cluster: cluster.name,
        shard: shard.name,
        role,
        server: crate::url::redact(&url).into(),
        secret: crate::url::password(&url).map(Into::into),
    };
    let pool = Pool::open(PoolRequest {
        url: &url,
        backend,
        read_only: role != Role::Writer,
        options: &cluster.pool,
        sqlite_dir: config.sqlite_dir.as_deref(),
    })
    .await
    .map_err(|e| Error::connect(&target, e))?;
    Ok(Arc::new(Server {
        pool,
        target,
        statements: AtomicU64::new(0),
    }))
}

/// A cluster, one of its shards, and a routing (writing or reading). Cheap to clone.
///
/// Generated cluster handles wrap this; apps rarely use it directly.
#[derive(Clone, Debug)]
pub struct Handle {
    engine: Engine,
    cluster: usize,
    shard: usize,
    routing: Routing,
}

impl Handle {
    /// The same cluster and shard with another routing.
    #[doc(hidden)]
    pub fn with_routing(&self, routing: Routing) -> Handle {
        Handle {
            routing,
            ..self.clone()
        }
    }

    /// The same cluster and routing on another shard (by declaration index).
    #[doc(hidden)]
    pub fn with_shard(&self, shard: usize) -> Handle {
        Handle {
            shard,
            ..self.clone()
        }
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

    /// The server the next statement goes to.
    pub(crate) fn server(&self) -> &Arc<Server> {
        let shard = self.shard_servers();
        match self.routing {
            Routing::Reading if !shard.replicas.is_empty() => {
                let i = shard.next_replica.fetch_add(1, Ordering::Relaxed);
                &shard.replicas[i % shard.replicas.len()]
            }
            _ => &shard.writer,
        }
    }
}
