//! Run-time configuration: the topology declared at compile time, with URLs expanded from the
//! environment and overridable from code.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::observe::StatementEvent;

/// A cluster as declared (emitted by the codegen as a `static`).
#[doc(hidden)]
#[derive(Debug)]
pub struct ClusterSpec {
    /// Cluster name.
    pub name: &'static str,
    /// Shards in declaration order; one named `default` when the cluster is not sharded.
    pub shards: &'static [ShardSpec],
    /// Pool options from the declarations.
    pub pool: PoolSpec,
    /// Load balancing, fallback and health options as declared.
    pub routing: RoutingSpec,
}

/// One declared replica: URL template and load-balancing weight.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct ReplicaSpec {
    /// URL template.
    pub url: &'static str,
    /// Relative share of reads (at least 1).
    pub weight: u32,
}

/// A custom role of a shard: a named set of replicas.
#[doc(hidden)]
#[derive(Debug)]
pub struct RoleSpec {
    /// Role name as declared.
    pub name: &'static str,
    /// Its replicas.
    pub replicas: &'static [ReplicaSpec],
}

/// Routing options of a cluster as declared; `None` means "runtime default".
#[doc(hidden)]
#[derive(Debug, Default, Clone, Copy)]
pub struct RoutingSpec {
    /// How reads pick a replica.
    pub policy: Option<Policy>,
    /// Where a read goes when no replica is available.
    pub fallback: Option<Fallback>,
    /// Replicas lagging more than this leave rotation.
    pub max_replica_lag_ms: Option<u64>,
    /// How often ejected replicas are probed and lag is measured.
    pub check_interval_ms: Option<u64>,
    /// First ejection period after a connection failure.
    pub eject_backoff_ms: Option<u64>,
    /// Longest ejection period (the backoff doubles up to it).
    pub eject_backoff_max_ms: Option<u64>,
}

/// How reads pick among a shard's available replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Policy {
    /// In turn, each replica as often as its weight (the default).
    #[default]
    RoundRobin,
    /// At random, in proportion to weights.
    Random,
    /// The replica with the fewest connections in use per unit of weight.
    LeastBusy,
}

/// Where a read goes when no replica of its shard is available (all ejected or lagging).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fallback {
    /// To the shard's writer (the default): reads keep working, the writer takes the load.
    #[default]
    Writer,
    /// Nowhere: the read fails with [`Error::NoReplica`](crate::Error::NoReplica).
    Error,
}

/// Load balancing and health options of a cluster's replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoutingOptions {
    /// How reads pick a replica. Default: [`Policy::RoundRobin`].
    pub policy: Policy,
    /// Where reads go when no replica is available. Default: [`Fallback::Writer`].
    pub fallback: Fallback,
    /// Replicas lagging more than this leave rotation until they catch up. Default: none (lag
    /// is not measured).
    pub max_replica_lag: Option<Duration>,
    /// How often ejected replicas are probed and lag is measured. Default: 1 s.
    pub check_interval: Duration,
    /// Ejection period after a replica's first connection failure; doubles with each
    /// consecutive failure. Default: 500 ms.
    pub eject_backoff: Duration,
    /// Cap of the ejection period. Default: 30 s.
    pub eject_backoff_max: Duration,
}

impl Default for RoutingOptions {
    fn default() -> Self {
        RoutingOptions {
            policy: Policy::RoundRobin,
            fallback: Fallback::Writer,
            max_replica_lag: None,
            check_interval: Duration::from_secs(1),
            eject_backoff: Duration::from_millis(500),
            eject_backoff_max: Duration::from_secs(30),
        }
    }
}

impl RoutingOptions {
    fn from_spec(spec: &RoutingSpec) -> Self {
        let d = RoutingOptions::default();
        let ms = Duration::from_millis;
        RoutingOptions {
            policy: spec.policy.unwrap_or(d.policy),
            fallback: spec.fallback.unwrap_or(d.fallback),
            max_replica_lag: spec.max_replica_lag_ms.map(ms),
            check_interval: spec.check_interval_ms.map_or(d.check_interval, ms),
            eject_backoff: spec.eject_backoff_ms.map_or(d.eject_backoff, ms),
            eject_backoff_max: spec.eject_backoff_max_ms.map_or(d.eject_backoff_max, ms),
        }
    }
}

/// A shard as declared: URL templates.
#[doc(hidden)]
#[derive(Debug)]
pub struct ShardSpec {
    /// Shard name.
    pub name: &'static str,
    /// Writer URL template.
    pub writer: &'static str,
    /// Replica URL templates.
    pub replicas: &'static [ReplicaSpec],
    /// Custom roles: named replica sets (`reporting`), in declaration order.
    pub roles: &'static [RoleSpec],
}

/// Pool options as declared; `None` keeps the runtime default.
#[doc(hidden)]
#[derive(Debug, Default, Clone, Copy)]
pub struct PoolSpec {
    /// See [`PoolOptions::max_connections`].
    pub max_connections: Option<u32>,
    /// See [`PoolOptions::min_connections`].
    pub min_connections: Option<u32>,
    /// In milliseconds.
    pub acquire_timeout_ms: Option<u64>,
    /// In milliseconds.
    pub idle_timeout_ms: Option<u64>,
    /// In milliseconds.
    pub max_lifetime_ms: Option<u64>,
    /// See [`PoolOptions::lazy`].
    pub lazy: Option<bool>,
}

/// Options of every pool of one cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolOptions {
    /// Upper bound of open connections per server. Default: 10.
    pub max_connections: u32,
    /// Connections kept open when idle. Default: 0.
    pub min_connections: u32,
    /// How long a statement waits for a free connection. Default: 10 s.
    pub acquire_timeout: Duration,
    /// Idle connections are closed after this. Default: 10 min.
    pub idle_timeout: Option<Duration>,
    /// Connections are closed after this age. Default: 30 min.
    pub max_lifetime: Option<Duration>,
    /// Connect on first use rather than in `connect`. Default: false, so a wrong URL or a
    /// server that is down fails at start-up, naming the cluster, shard and role.
    pub lazy: bool,
    /// Ping a pooled connection before each use, so a connection the server dropped is
    /// replaced instead of failing a statement. Default: true. Turning it off saves a round
    /// trip per statement (measured: ~40 µs on local PostgreSQL) at the cost of that check.
    pub test_before_acquire: bool,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            max_connections: 10,
            min_connections: 0,
            acquire_timeout: Duration::from_secs(10),
            idle_timeout: Some(Duration::from_secs(600)),
            max_lifetime: Some(Duration::from_secs(1800)),
            lazy: false,
            test_before_acquire: true,
        }
    }
}

impl PoolOptions {
    fn from_spec(spec: &PoolSpec) -> Self {
        let d = PoolOptions::default();
        let ms = Duration::from_millis;
        PoolOptions {
            max_connections: spec.max_connections.unwrap_or(d.max_connections),
            min_connections: spec.min_connections.unwrap_or(d.min_connections),
            acquire_timeout: spec.acquire_timeout_ms.map_or(d.acquire_timeout, ms),
            idle_timeout: spec.idle_timeout_ms.map(ms).or(d.idle_timeout),
            max_lifetime: spec.max_lifetime_ms.map(ms).or(d.max_lifetime),
            lazy: spec.lazy.unwrap_or(d.lazy),
            test_before_acquire: d.test_before_acquire,
        }
    }
}

/// A callback that sees every executed statement.
pub type Observer = Arc<dyn Fn(&StatementEvent<'_>) + Send + Sync>;

#[derive(Debug, Clone)]
pub(crate) struct ShardConfig {
    pub(crate) name: &'static str,
    pub(crate) writer: String,
    pub(crate) replicas: Vec<ReplicaConfig>,
    pub(crate) roles: Vec<RoleConfig>,
}

/// A replica URL template and its weight.
#[derive(Debug, Clone)]
pub(crate) struct ReplicaConfig {
    pub(crate) url: String,
    pub(crate) weight: u32,
}

/// A custom role's replicas.
#[derive(Debug, Clone)]
pub(crate) struct RoleConfig {
    pub(crate) name: &'static str,
    pub(crate) replicas: Vec<ReplicaConfig>,
}

fn replicas_of(specs: &[ReplicaSpec]) -> Vec<ReplicaConfig> {
    specs
        .iter()
        .map(|r| ReplicaConfig {
            url: r.url.to_owned(),
            weight: r.weight.max(1),
        })
        .collect()
}

#[derive(Debug, Clone)]
pub(crate) struct ClusterConfig {
    pub(crate) name: &'static str,
    pub(crate) shards: Vec<ShardConfig>,
    pub(crate) pool: PoolOptions,
    pub(crate) routing: RoutingOptions,
}

/// Configuration of a whole app's databases.
///
/// Start from the generated `Database::config()` (the declared topology with its URL
/// templates), adjust, then connect. Templates are expanded at connect time: `${VAR}` from
/// [`Config::var`] values first, then the process environment.
#[derive(Clone, Default)]
pub struct Config {
    pub(crate) clusters: Vec<ClusterConfig>,
    pub(crate) vars: HashMap<String, String>,
    pub(crate) sqlite_dir: Option<PathBuf>,
    pub(crate) observer: Option<Observer>,
    pub(crate) errors: Vec<String>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |s: &String| crate::url::redact_template(s);
        let mut list = f.debug_list();
        for c in &self.clusters {
            for s in &c.shards {
                let urls = |replicas: &[ReplicaConfig]| {
                    replicas
                        .iter()
                        .map(|r| redacted(&r.url))
                        .collect::<Vec<_>>()
                };
                list.entry(&format_args!(
                    "{}/{}: writer {}, replicas {:?}, roles {:?}",
                    c.name,
                    s.name,
                    redacted(&s.writer),
                    urls(&s.replicas),
                    s.roles
                        .iter()
                        .map(|r| (r.name, urls(&r.replicas)))
                        .collect::<Vec<_>>()
                ));
            }
        }
        list.finish()
    }
}

impl Config {
    /// The declared topology (used by the generated `Database::config()`).
    #[doc(hidden)]
    pub fn from_specs(specs: &'static [ClusterSpec]) -> Self {
        Config {
            clusters: specs
                .iter()
                .map(|c| ClusterConfig {
                    name: c.name,
                    pool: PoolOptions::from_spec(&c.pool),
                    routing: RoutingOptions::from_spec(&c.routing),
                    shards: c
                        .shards
                        .iter()
                        .map(|s| ShardConfig {
                            name: s.name,
                            writer: s.writer.to_owned(),
                            replicas: replicas_of(s.replicas),
                            roles: s
                                .roles
                                .iter()
                                .map(|r| RoleConfig {
                                    name: r.name,
                                    replicas: replicas_of(r.replicas),
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
            ..Config::default()
        }
    }

    /// Every `(cluster, shard)` of the topology, in declaration order.
    pub fn shards(&self) -> Vec<(&'static str, &'static str)> {
        self.clusters
            .iter()
            .flat_map(|c| c.shards.iter().map(move |s| (c.name, s.name)))
            .collect()
    }

    /// Give `${name}` this value (it wins over the process environment).
    pub fn var(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.vars.insert(name.into(), value.into());
        self
    }

    /// Replace the writer URL (template) of a shard; use shard `default` for a cluster that
    /// is not sharded. An unknown cluster or shard is reported by `connect`.
    pub fn writer(mut self, cluster: &str, shard: &str, url: impl Into<String>) -> Self {
        let url = url.into();
        if let Some(s) = self.shard_mut(cluster, shard) {
            s.writer = url;
        }
        self
    }

    /// Replace the replica URLs (templates) of a shard; an empty list routes reads to the writer.
    pub fn replicas<I, S>(mut self, cluster: &str, shard: &str, urls: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let replicas = urls
            .into_iter()
            .map(|url| ReplicaConfig {
                url: url.into(),
                weight: 1,
            })
            .collect();
        if let Some(s) = self.shard_mut(cluster, shard) {
            s.replicas = replicas;
        }
        self
    }

    /// Replace the replicas of one shard, each with a load-balancing weight (at least 1).
    pub fn weighted_replicas<I, S>(mut self, cluster: &str, shard: &str, replicas: I) -> Self
    where
        I: IntoIterator<Item = (S, u32)>,
        S: Into<String>,
    {
        let replicas = replicas
            .into_iter()
            .map(|(url, weight)| ReplicaConfig {
                url: url.into(),
                weight: weight.max(1),
            })
            .collect();
        if let Some(s) = self.shard_mut(cluster, shard) {
            s.replicas = replicas;
        }
        self
    }

    /// Replace the replicas of custom role `role` of one shard.
    pub fn role_replicas<I, S>(mut self, cluster: &str, shard: &str, role: &str, urls: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let replicas: Vec<ReplicaConfig> = urls
            .into_iter()
            .map(|url| ReplicaConfig {
                url: url.into(),
                weight: 1,
            })
            .collect();
        let Some(s) = self.shard_mut(cluster, shard) else {
            return self;
        };
        match s.roles.iter_mut().find(|r| r.name == role) {
            Some(r) => r.replicas = replicas,
            None => self
                .errors
                .push(format!("unknown role `{role}` of `{cluster}`/`{shard}`")),
        }
        self
    }

    /// Change the routing options (load balancing, fallback, health) of one cluster.
    pub fn routing(mut self, cluster: &str, f: impl FnOnce(&mut RoutingOptions)) -> Self {
        match self.clusters.iter_mut().find(|c| c.name == cluster) {
            Some(c) => f(&mut c.routing),
            None => self.errors.push(format!("unknown cluster `{cluster}`")),
        }
        self
    }

    /// Change the pool options of a cluster.
    pub fn pool(mut self, cluster: &str, f: impl FnOnce(&mut PoolOptions)) -> Self {
        match self.clusters.iter_mut().find(|c| c.name == cluster) {
            Some(c) => f(&mut c.pool),
            None => self.errors.push(format!("unknown cluster `{cluster}`")),
        }
        self
    }

    /// Change the pool options of every cluster.
    pub fn pools(mut self, f: impl Fn(&mut PoolOptions)) -> Self {
        self.clusters.iter_mut().for_each(|c| f(&mut c.pool));
        self
    }

    /// Resolve relative SQLite paths against this directory (default: the working directory).
    pub fn sqlite_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.sqlite_dir = Some(dir.into());
        self
    }

    /// Call `f` after every statement, with where it ran, its SQL and how long it took.
    pub fn on_statement(mut self, f: impl Fn(&StatementEvent<'_>) + Send + Sync + 'static) -> Self {
        self.observer = Some(Arc::new(f));
        self
    }

    fn shard_mut(&mut self, cluster: &str, shard: &str) -> Option<&mut ShardConfig> {
        let found = self
            .clusters
            .iter_mut()
            .find(|c| c.name == cluster)
            .and_then(|c| c.shards.iter_mut().find(|s| s.name == shard));
        if found.is_none() {
            self.errors
                .push(format!("unknown cluster/shard `{cluster}`/`{shard}`"));
        }
        found
    }

    pub(crate) fn expand(&self, template: &str) -> Result<String, String> {
        crate::url::expand(template, |name| {
            self.vars
                .get(name)
                .cloned()
                .or_else(|| std::env::var(name).ok())
        })
    }
}
