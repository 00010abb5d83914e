//! The declarations as the runtime knows them: the same `ClusterSpec` and `MigrationSpec`
//! statics the generated code emits (see `codegen/src/emit/cluster.rs` and `emit/migration.rs`),
//! built at run time from the codegen's model. The CLI is a one-shot process, so the specs are
//! leaked to get the `'static` lifetimes the runtime's types take.

use switchyard::__private::{
    ClusterSpec, MigrationSpec, PoolSpec, ReplicaSpec, RoleSpec, RoutingSpec, ShardSpec, Step,
};
use switchyard::__private::{ExpectedColumn, ExpectedIndex, ExpectedTable, FieldType};
use switchyard_codegen::migrate::{SchemaState, Step as RenderedStep};
use switchyard_codegen::migration_plan::render_all;
use switchyard_codegen::model::{
    Cluster, Fallback, FieldType as Declared, Policy, Replica, Schema,
};
use switchyard_codegen::resolve::Migration;

fn leak_str(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

fn leak<T>(items: Vec<T>) -> &'static [T] {
    Box::leak(items.into_boxed_slice())
}

fn replicas(replicas: &[Replica]) -> &'static [ReplicaSpec] {
    leak(
        replicas
            .iter()
            .map(|r| ReplicaSpec {
                url: leak_str(&r.url),
                weight: r.weight,
            })
            .collect(),
    )
}

/// One cluster as the generated `TOPOLOGY` static declares it.
pub fn cluster_spec(cluster: &Cluster) -> ClusterSpec {
    let shards = cluster
        .shards
        .iter()
        .map(|s| ShardSpec {
            name: leak_str(&s.name),
            writer: leak_str(&s.writer),
            replicas: replicas(&s.replicas),
            roles: leak(
                s.roles
                    .iter()
                    .map(|r| RoleSpec {
                        name: leak_str(&r.name),
                        replicas: replicas(&r.replicas),
                    })
                    .collect(),
            ),
        })
        .collect();
    let r = &cluster.routing;
    let p = &cluster.pool;
    ClusterSpec {
        name: leak_str(&cluster.name),
        shards: leak(shards),
        pool: PoolSpec {
            max_connections: p.max_connections,
            min_connections: p.min_connections,
            acquire_timeout_ms: p.acquire_timeout_ms,
            idle_timeout_ms: p.idle_timeout_ms,
            max_lifetime_ms: p.max_lifetime_ms,
            lazy: p.lazy,
        },
        routing: RoutingSpec {
            policy: r.policy.map(|p| match p {
                Policy::RoundRobin => switchyard::Policy::RoundRobin,
                Policy::Random => switchyard::Policy::Random,
                Policy::LeastBusy => switchyard::Policy::LeastBusy,
            }),
            fallback: r.fallback.map(|f| match f {
                Fallback::Writer => switchyard::Fallback::Writer,
                Fallback::Error => switchyard::Fallback::Error,
            }),
            max_replica_lag_ms: r.max_replica_lag_ms,
            check_interval_ms: r.check_interval_ms,
            eject_backoff_ms: r.eject_backoff_ms,
            eject_backoff_max_ms: r.eject_backoff_max_ms,
        },
    }
}

/// The runtime configuration of `clusters` (a selection of the declared ones, in order), for
/// a tool: writers only, since migrations and database tasks never touch a replica, and lazy
/// pools, so that a database that is missing or down fails the commands about it alone.
///
/// `sqlite_dir` resolves relative SQLite paths; `connect_timeout` (seconds) replaces the
/// declared acquire timeout.
pub fn config(
    clusters: &[&Cluster],
    sqlite_dir: &std::path::Path,
    connect_timeout: Option<u64>,
) -> switchyard::Config {
    let specs: &'static [ClusterSpec] = leak(clusters.iter().map(|c| cluster_spec(c)).collect());
    let mut config = switchyard::Config::from_specs(specs).sqlite_dir(sqlite_dir);
    for cluster in clusters {
        for shard in &cluster.shards {
            config = config.replicas(&cluster.name, &shard.name, Vec::<String>::new());
            for role in &shard.roles {
                config = config.role_replicas(
                    &cluster.name,
                    &shard.name,
                    &role.name,
                    Vec::<String>::new(),
                );
            }
        }
    }
    config.pools(|p| {
        p.lazy = true;
        if let Some(seconds) = connect_timeout {
            p.acquire_timeout = std::time::Duration::from_secs(seconds);
        }
    })
}

/// One cluster's migrations as the generated `MIGRATIONS_<CLUSTER>` static embeds them:
/// rendered per dialect, forward and back.
pub fn migration_specs(migrations: &[Migration]) -> &'static [MigrationSpec] {
    let step = |s: &RenderedStep| Step {
        describe: leak_str(&s.describe),
        sqlite: s.sqlite.as_deref().map(statements),
        postgres: s.postgres.as_deref().map(statements),
        mysql: s.mysql.as_deref().map(statements),
    };
    leak(
        render_all(migrations)
            .iter()
            .map(|m| MigrationSpec {
                version: i64::try_from(m.version).unwrap_or(i64::MAX),
                name: leak_str(&m.name),
                file: leak_str(&m.file),
                checksum: leak_str(&m.checksum),
                up: leak(m.up.iter().map(step).collect()),
                down: m
                    .down
                    .as_ref()
                    .map(|down| leak(down.iter().map(step).collect()) as &'static [Step]),
            })
            .collect(),
    )
}

fn statements(sql: &[String]) -> &'static [&'static str] {
    leak(sql.iter().map(|s| leak_str(s)).collect())
}

/// One cluster's declared tables as the generated `TABLES_<CLUSTER>` static holds them (see
/// `codegen/src/emit/verify.rs`), for `db verify`.
pub fn expected_tables(schema: &Schema, cluster: &str) -> &'static [ExpectedTable] {
    let state = SchemaState::declared(schema, cluster);
    leak(
        state
            .tables
            .iter()
            .map(|(name, table)| ExpectedTable {
                name: leak_str(name),
                columns: leak(
                    table
                        .columns
                        .iter()
                        .map(|c| ExpectedColumn {
                            name: leak_str(&c.name),
                            ty: field_type(c.ty),
                            nullable: c.nullable,
                            primary_key: c.primary_key,
                            unique: c.unique,
                            default: c.default.as_ref().map(|d| leak_str(&d.as_declared())),
                        })
                        .collect(),
                ),
                indexes: leak(
                    table
                        .indexes
                        .values()
                        .map(|i| ExpectedIndex {
                            name: leak_str(&i.name),
                            columns: leak(i.columns.iter().map(|c| leak_str(c)).collect()),
                            unique: i.unique,
                        })
                        .collect(),
                ),
            })
            .collect(),
    )
}

fn field_type(ty: Declared) -> FieldType {
    match ty {
        Declared::Bool => FieldType::Bool,
        Declared::I16 => FieldType::I16,
        Declared::I32 => FieldType::I32,
        Declared::I64 => FieldType::I64,
        Declared::F32 => FieldType::F32,
        Declared::F64 => FieldType::F64,
        Declared::String => FieldType::String,
        Declared::Text => FieldType::Text,
        Declared::Bytes => FieldType::Bytes,
        Declared::Uuid => FieldType::Uuid,
        Declared::Date => FieldType::Date,
        Declared::Time => FieldType::Time,
        Declared::DateTime => FieldType::DateTime,
        Declared::Json => FieldType::Json,
    }
}
