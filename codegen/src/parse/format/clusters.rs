//! The tables of a cluster: `[cluster.NAME]`, its shards, replicas, health and pool options.

use super::{Key, POSITIVE, Table, Value};
use crate::model::{Fallback, Policy, Replica, ShardBy};

/// `[cluster.NAME]`.
pub(crate) const CLUSTER: Table = Table {
    id: "cluster",
    doc: "A cluster: one logical database, declared with `writer` (and `replicas`), or with \
          `[cluster.NAME.shard.SHARD]` tables.",
    keys: &[
        cluster::DEFAULT,
        cluster::DOC,
        cluster::WRITER,
        cluster::REPLICAS,
        cluster::ROLES,
        cluster::POLICY,
        cluster::FALLBACK,
        cluster::MAX_REPLICA_LAG_MS,
        cluster::HEALTH,
        cluster::POOL,
        cluster::SHARD,
        cluster::SHARD_BY,
        cluster::MIGRATIONS,
        cluster::DATABASE_TASKS,
    ],
    exactly_one_of: &[],
};

/// `[cluster.NAME.shard.SHARD]`.
pub(crate) const SHARD: Table = Table {
    id: "shard",
    doc: "A shard of a cluster: its writer, replicas and roles, and with `shard_by` the keys it \
          holds. The first shard is the default shard.",
    keys: &[
        shard::WRITER,
        shard::REPLICAS,
        shard::ROLES,
        shard::RANGE,
        shard::KEYS,
    ],
    exactly_one_of: &[],
};

/// A replica written as a table, `{ url = "...", weight = 2 }`.
pub(crate) const REPLICA: Table = Table {
    id: "replica",
    doc: "A read replica: its URL template and its share of reads.",
    keys: &[replica::URL, replica::WEIGHT],
    exactly_one_of: &[],
};

/// `health = { ... }` of a cluster.
pub(crate) const HEALTH: Table = Table {
    id: "health",
    doc: "Ejection and probing of failing replicas; an omitted key uses the runtime's default.",
    keys: &[
        health::CHECK_INTERVAL_MS,
        health::EJECT_BACKOFF_MS,
        health::EJECT_BACKOFF_MAX_MS,
    ],
    exactly_one_of: &[],
};

/// `pool = { ... }` of a cluster.
pub(crate) const POOL: Table = Table {
    id: "pool",
    doc: "Connection pool options, for every pool of the cluster (each writer and replica has \
          its own); an omitted key uses the runtime's default.",
    keys: &[
        pool::MAX_CONNECTIONS,
        pool::MIN_CONNECTIONS,
        pool::ACQUIRE_TIMEOUT_MS,
        pool::IDLE_TIMEOUT_MS,
        pool::MAX_LIFETIME_MS,
        pool::LAZY,
    ],
    exactly_one_of: &[],
};

/// One element of a list of replicas: a URL template, or a [`REPLICA`] table.
const REPLICA_ITEM: Value = Value::AnyOf(&[Value::String, Value::Table(&REPLICA)]);

/// A list of replicas.
const REPLICAS: Value = Value::Array {
    item: &REPLICA_ITEM,
    len: None,
};

/// Custom roles: each a named list of replicas.
const ROLES: Value = Value::Named(&REPLICAS);

/// The keys of [`CLUSTER`].
pub(crate) mod cluster {
    use super::*;

    pub(crate) const DEFAULT: Key = Key::new(
        "default",
        Value::Bool,
        "Models without `cluster` live in the default cluster; exactly one cluster is the \
         default (the only one, when one is declared). Default: false.",
    );
    pub(crate) const DOC: Key = Key::new(
        "doc",
        Value::String,
        "Documentation of the generated cluster handle (plain text).",
    );
    pub(crate) const WRITER: Key = Key::new(
        "writer",
        Value::String,
        "URL template of the writer (`${DATABASE_URL:-sqlite:data/app.sqlite3}`). A cluster \
         has either `writer` or `shard`.",
    );
    pub(crate) const REPLICAS: Key = Key::new(
        "replicas",
        super::REPLICAS,
        "Read replicas, in order: URL templates or `{ url, weight }` tables. Only with \
         `writer`: a sharded cluster declares them per shard.",
    );
    pub(crate) const ROLES: Key = Key::new(
        "roles",
        super::ROLES,
        "Custom roles: named sets of replicas (`reporting = [\"${REPORTING_URL}\"]`). Only \
         with `writer`: a sharded cluster declares them per shard.",
    );
    pub(crate) const POLICY: Key = Key::new(
        "policy",
        Value::Choice(|| Policy::ALL.iter().map(|(name, _)| *name).collect()),
        "How reads pick a replica. Default: \"round_robin\".",
    );
    pub(crate) const FALLBACK: Key = Key::new(
        "fallback",
        Value::Choice(|| Fallback::ALL.iter().map(|(name, _)| *name).collect()),
        "Where reads go when no replica is available. Default: \"writer\".",
    );
    pub(crate) const MAX_REPLICA_LAG_MS: Key = Key::new(
        "max_replica_lag_ms",
        POSITIVE,
        "Replicas lagging more than this many milliseconds leave rotation until they catch \
         up. Default: lag is not measured.",
    );
    pub(crate) const HEALTH: Key = Key::new(
        "health",
        Value::Table(&super::HEALTH),
        "Ejection and probing of failing replicas.",
    );
    pub(crate) const POOL: Key = Key::new(
        "pool",
        Value::Table(&super::POOL),
        "Connection pool options.",
    );
    pub(crate) const SHARD: Key = Key::new(
        "shard",
        Value::Named(&Value::Table(&super::SHARD)),
        "The shards, by name, in order (`[cluster.NAME.shard.SHARD]`): makes the cluster \
         sharded; the first is the default shard.",
    );
    pub(crate) const SHARD_BY: Key = Key::new(
        "shard_by",
        Value::Choice(|| ShardBy::ALL.iter().map(|(name, _)| *name).collect()),
        "How rows of models with a `shard_key` are placed on the shards. Only on a sharded \
         cluster.",
    );
    pub(crate) const MIGRATIONS: Key = Key::new(
        "migrations",
        Value::String,
        "The cluster's migrations directory, relative to the directory that holds the schema \
         directory. Default: `<schema>/migrations/<cluster>`.",
    );
    pub(crate) const DATABASE_TASKS: Key = Key::new(
        "database_tasks",
        Value::Bool,
        "false: the app uses this database but does not manage it (no migrations, no `db` \
         tasks). Default: true.",
    );

    /// Keys that apply to all of a cluster's shards, so a shard cannot have them.
    pub(crate) const ONLY: &[&str] = &[
        POLICY.name,
        FALLBACK.name,
        MAX_REPLICA_LAG_MS.name,
        HEALTH.name,
        POOL.name,
        SHARD_BY.name,
    ];
}

/// The keys of [`SHARD`].
pub(crate) mod shard {
    use super::*;

    pub(crate) const WRITER: Key = Key::required(
        "writer",
        Value::String,
        "URL template of the shard's writer.",
    );
    pub(crate) const REPLICAS: Key = Key::new(
        "replicas",
        super::REPLICAS,
        "The shard's read replicas, in order.",
    );
    pub(crate) const ROLES: Key = Key::new(
        "roles",
        super::ROLES,
        "The shard's custom roles; every shard of a cluster declares the same role names.",
    );
    pub(crate) const RANGE: Key = Key::new(
        "range",
        Value::Array {
            item: &Value::Int {
                min: i64::MIN,
                max: i64::MAX,
            },
            len: Some(2),
        },
        "`[start, end]`: the shard holds the keys from `start` (included) to `end` \
         (excluded). Only with `shard_by = \"range\"`, and then required.",
    );
    pub(crate) const KEYS: Key = Key::new(
        "keys",
        Value::Array {
            item: &Value::AnyOf(&[
                Value::String,
                Value::Int {
                    min: i64::MIN,
                    max: i64::MAX,
                },
            ]),
            len: None,
        },
        "The keys the shard holds, all strings or all integers. Only with \
         `shard_by = \"list\"`, and then required.",
    );
}

/// The keys of [`REPLICA`].
pub(crate) mod replica {
    use super::*;

    pub(crate) const URL: Key = Key::required(
        "url",
        Value::String,
        "URL template of the replica (`${VAR}`, `${VAR:-default}`).",
    );
    pub(crate) const WEIGHT: Key = Key::new(
        "weight",
        Value::Int {
            min: 1,
            max: Replica::MAX_WEIGHT as i64,
        },
        "Relative share of reads: a replica of weight 2 gets twice the reads of one of \
         weight 1. Default: 1.",
    );
}

/// The keys of [`HEALTH`].
pub(crate) mod health {
    use super::*;

    pub(crate) const CHECK_INTERVAL_MS: Key = Key::new(
        "check_interval_ms",
        POSITIVE,
        "How often ejected replicas are probed and lag is measured, in milliseconds. \
         Default: 1000.",
    );
    pub(crate) const EJECT_BACKOFF_MS: Key = Key::new(
        "eject_backoff_ms",
        POSITIVE,
        "How long a replica stays out after its first connection failure, in milliseconds; \
         doubles with each consecutive failure. Default: 500.",
    );
    pub(crate) const EJECT_BACKOFF_MAX_MS: Key = Key::new(
        "eject_backoff_max_ms",
        POSITIVE,
        "The longest ejection, in milliseconds. Default: 30000.",
    );
}

/// The keys of [`POOL`].
pub(crate) mod pool {
    use super::*;

    /// The largest connection count a pool takes.
    const MAX_COUNT: i64 = u32::MAX as i64;

    pub(crate) const MAX_CONNECTIONS: Key = Key::new(
        "max_connections",
        Value::Int {
            min: 1,
            max: MAX_COUNT,
        },
        "Upper bound of open connections per pool.",
    );
    pub(crate) const MIN_CONNECTIONS: Key = Key::new(
        "min_connections",
        Value::Int {
            min: 0,
            max: MAX_COUNT,
        },
        "Connections kept open even when idle; at most `max_connections`.",
    );
    pub(crate) const ACQUIRE_TIMEOUT_MS: Key = Key::new(
        "acquire_timeout_ms",
        POSITIVE,
        "How long to wait for a free connection, in milliseconds.",
    );
    pub(crate) const IDLE_TIMEOUT_MS: Key = Key::new(
        "idle_timeout_ms",
        POSITIVE,
        "Close connections idle for longer than this, in milliseconds.",
    );
    pub(crate) const MAX_LIFETIME_MS: Key = Key::new(
        "max_lifetime_ms",
        POSITIVE,
        "Close connections older than this, in milliseconds.",
    );
    pub(crate) const LAZY: Key = Key::new(
        "lazy",
        Value::Bool,
        "Connect on first use instead of at start-up.",
    );
}
