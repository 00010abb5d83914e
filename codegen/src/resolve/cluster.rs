//! Clusters: topology (a writer and replicas, or shards of them), pool options, the default.

use std::collections::{BTreeMap, HashMap};

use super::claims::Claims;
use super::names::{check_snake, claim_types};
use super::placement::{self, Place, Strategy};
use super::url;
use crate::diagnostics::{Report, did_you_mean};
use crate::ident;
use crate::model::{Cluster, Fallback, Policy, PoolOptions, Replica, RoleSet, Routing, Shard};
use crate::parse::format::{Key, cluster, health, pool, replica};
use crate::parse::raw::{At, RawCluster, RawPool, RawReplica, RawRole, RawRouting, RawShard};

/// The resolved clusters and what models need to know about them.
pub(crate) struct Clusters {
    /// Clusters that resolved without problems.
    pub resolved: BTreeMap<String, Cluster>,
    /// Every declared cluster name in declaration order, broken or not: a model naming a
    /// broken cluster should not also get an "unknown cluster" error.
    pub declared: Vec<String>,
    /// The cluster models without `cluster` live in, if one could be chosen.
    pub default: Option<String>,
    /// The placement strategy of each resolved cluster, which its models' shard keys must fit.
    pub strategies: HashMap<String, Strategy>,
}

/// Resolve every cluster (already unique by name) and choose the default. `types` is the
/// namespace of generated type names, shared with models.
pub(crate) fn resolve(raw: &[RawCluster], types: &mut Claims, report: &mut Report<'_>) -> Clusters {
    let mut resolved = BTreeMap::new();
    let mut strategies = HashMap::new();
    for cluster in raw {
        let named = check_snake(report, &cluster.name, "cluster");
        if named {
            check_generated_names(cluster, types, report);
        }
        let placement = placement::cluster(cluster, report);
        let topology = topology(cluster, &placement.shards, report);
        if let Some(dir) = &cluster.migrations
            && dir.value.trim().is_empty()
        {
            report.error_with_hint(
                &dir.loc,
                "`migrations` is empty",
                "a directory relative to the one holding the schema directory, e.g. \"db/animals_migrate\"; leave it out for schema/migrations/<cluster>",
            );
        }
        let pool = pool(&cluster.pool, report);
        let routing = routing(&cluster.routing, report);
        if let (true, Some((sharded, shards))) = (named, topology) {
            let name = cluster.name.value.clone();
            let cluster = Cluster {
                name: name.clone(),
                doc: cluster.doc.as_ref().map(|doc| doc.value.clone()),
                is_default: false,
                sharded,
                shards,
                shard_by: placement.strategy.shard_by,
                pool,
                routing,
                migrations: cluster.migrations.as_ref().map(|m| m.value.clone()),
                database_tasks: cluster.database_tasks.as_ref().is_none_or(|b| b.value),
            };
            strategies.insert(name.clone(), placement.strategy);
            resolved.insert(name, cluster);
        }
    }
    let default = choose_default(raw, report);
    if let Some(cluster) = default.as_ref().and_then(|name| resolved.get_mut(name)) {
        cluster.is_default = true;
    }
    Clusters {
        resolved,
        declared: raw.iter().map(|c| c.name.value.clone()).collect(),
        default,
        strategies,
    }
}

/// A cluster's handle, transaction, shard and role types must not collide with other generated
/// types, nor its accessor with the methods of `Database`.
fn check_generated_names(cluster: &RawCluster, types: &mut Claims, report: &mut Report<'_>) {
    let name = &cluster.name.value;
    let mut generated = vec![ident::cluster_type(name), ident::transaction_type(name)];
    if cluster.shards.is_some() {
        generated.push(ident::shard_enum(name));
    }
    let declares_roles = |roles: &Option<At<Vec<RawRole>>>| {
        roles.as_ref().is_some_and(|roles| !roles.value.is_empty())
    };
    let shards = cluster.shards.as_ref().map_or(&[][..], |s| &s.value[..]);
    if declares_roles(&cluster.roles) || shards.iter().any(|s| declares_roles(&s.roles)) {
        generated.push(ident::role_enum(name));
    }
    claim_types(report, types, &cluster.name, "cluster", &generated);
    if ident::DATABASE_METHODS.contains(&name.as_str()) {
        report.error_with_hint(
            &cluster.name.loc,
            format!(
                "cluster {name:?} would get the accessor `{name}`, which is a method of `Database`"
            ),
            "rename the cluster",
        );
    }
}

/// Whether the cluster is sharded, and its shards (one named `default` if it is not). `places`
/// are the checked places of the declared shards, in order.
fn topology(
    cluster: &RawCluster,
    places: &[Place],
    report: &mut Report<'_>,
) -> Option<(bool, Vec<Shard>)> {
    let name = &cluster.name.value;
    match (&cluster.writer, &cluster.shards) {
        (Some(_), Some(shards)) => {
            report.error_with_hint(
                &shards.loc,
                format!("cluster {name:?} has both `writer` and `shard`"),
                "a sharded cluster has a writer in each shard: remove the top-level `writer` \
                 (and `replicas`), or remove the `shard` tables",
            );
            None
        }
        (None, None) => {
            // A `writer` of the wrong type was already reported; "no writer" would be noise.
            if cluster.complete {
                report.error_with_hint(
                    &cluster.name.loc,
                    format!("cluster {name:?} has neither `writer` nor `shard`"),
                    format!(
                        "add `writer = \"${{DATABASE_URL}}\"`, or shards as \
                         `[cluster.{name}.shard.NAME]` tables with a `writer` each"
                    ),
                );
            }
            None
        }
        (Some(writer), None) => {
            let replicas = cluster.replicas.as_ref().map_or(&[][..], |r| &r.value[..]);
            let shard = shard(
                report,
                "default",
                writer,
                replicas,
                cluster.roles.as_ref(),
                &format!("cluster {name:?}"),
                Place::default(),
            );
            Some((false, vec![shard]))
        }
        (None, Some(shards)) => {
            if let Some(replicas) = &cluster.replicas {
                report.error_with_hint(
                    &replicas.loc,
                    format!("sharded cluster {name:?} has top-level `replicas`"),
                    format!("declare replicas in each `[cluster.{name}.shard.NAME]` table"),
                );
            }
            if let Some(roles) = &cluster.roles {
                report.error_with_hint(
                    &roles.loc,
                    format!("sharded cluster {name:?} has top-level `roles`"),
                    format!(
                        "declare the roles in each `[cluster.{name}.shard.NAME]` table, with \
                         that shard's replicas"
                    ),
                );
            }
            if shards.value.is_empty() {
                report.error_with_hint(
                    &shards.loc,
                    format!("cluster {name:?} declares `shard` but no shards"),
                    format!("add `[cluster.{name}.shard.NAME]` tables with a `writer` each"),
                );
                return None;
            }
            let mut resolved = sharded(&shards.value, places, name, report);
            check_same_roles(&shards.value, name, report);
            // One role order for the whole cluster: the first shard's (roles are enum variants
            // and indexes into each shard's role list).
            if let Some((first, rest)) = resolved.split_first_mut() {
                let order: Vec<&str> = first.roles.iter().map(|r| r.name.as_str()).collect();
                for shard in rest {
                    shard.roles.sort_by_key(|role| {
                        order.iter().position(|name| *name == role.name.as_str())
                    });
                }
            }
            (resolved.len() == shards.value.len()).then_some((true, resolved))
        }
    }
}

/// Every shard of a sharded cluster declares the roles of its first shard, and no others.
/// Shards whose `roles` is not a table (reported) are not compared.
fn check_same_roles(shards: &[RawShard], cluster: &str, report: &mut Report<'_>) {
    let Some((first, rest)) = shards.split_first() else {
        return;
    };
    if !first.roles_known {
        return;
    }
    let names = |shard: &RawShard| -> Vec<At<String>> {
        shard
            .roles
            .iter()
            .flat_map(|roles| roles.value.iter().map(|role| role.name.clone()))
            .collect()
    };
    let expected = names(first);
    let expected_names: Vec<&str> = expected.iter().map(|n| n.value.as_str()).collect();
    let first_name = &first.name.value;
    let declares = if expected_names.is_empty() {
        format!("shard {first_name:?} declares none")
    } else {
        format!(
            "shard {first_name:?} declares {}",
            expected_names.join(", ")
        )
    };
    let same = format!("every shard of a cluster declares the same roles; {declares}");
    for shard in rest.iter().filter(|shard| shard.roles_known) {
        let own = names(shard);
        let mut missing: Vec<&str> = expected_names
            .iter()
            .copied()
            .filter(|name| !own.iter().any(|n| n.value == *name))
            .collect();
        for extra in own
            .iter()
            .filter(|n| !expected_names.contains(&n.value.as_str()))
        {
            let message = format!(
                "role {:?} of shard {:?} of cluster {cluster:?} is not declared by shard \
                 {first_name:?}",
                extra.value, shard.name.value
            );
            // A misspelt role: the role it stands for is not reported missing as well.
            match did_you_mean(&extra.value, missing.iter().copied()) {
                Some(close) => {
                    report.error_with_hint(&extra.loc, message, format!("did you mean {close:?}?"));
                    missing.retain(|name| *name != close);
                }
                None => report.error_with_hint(&extra.loc, message, same.clone()),
            }
        }
        for name in missing {
            report.error_with_hint(
                &shard.name.loc,
                format!(
                    "shard {:?} of cluster {cluster:?} does not declare role {name:?}, which \
                     shard {first_name:?} declares",
                    shard.name.value
                ),
                same.clone(),
            );
        }
    }
}

/// The shards of a sharded cluster that resolved without problems, each in its place.
fn sharded(
    shards: &[RawShard],
    places: &[Place],
    cluster: &str,
    report: &mut Report<'_>,
) -> Vec<Shard> {
    let mut variants = Claims::default();
    let mut resolved = Vec::with_capacity(shards.len());
    for (index, shard) in shards.iter().enumerate() {
        let named = check_snake(report, &shard.name, "shard");
        // Shards become variants of the cluster's shard enum: `shard_1` and `shard1` collide.
        let variant = ident::pascal(&shard.name.value);
        if let Some(first) = variants.claim(variant.as_str(), &shard.name.loc) {
            let message = format!(
                "shard {:?} of cluster {cluster:?} generates the variant name `{variant}`, \
                 like another shard",
                shard.name.value
            );
            report.duplicate(&shard.name.loc, message, &first);
        }
        if let (true, Some(writer)) = (named, &shard.writer) {
            let name = shard.name.value.as_str();
            let owner = format!("shard {name:?} of cluster {cluster:?}");
            let roles = shard.roles.as_ref();
            resolved.push(self::shard(
                report,
                name,
                writer,
                &shard.replicas,
                roles,
                &owner,
                places.get(index).cloned().unwrap_or_default(),
            ));
        }
    }
    resolved
}

/// A shard from its URL templates, replicas and roles, reporting malformed placeholders,
/// weights and role names. `owner` names the cluster or shard in messages; `place` is the
/// shard's checked `range` or `keys`.
fn shard(
    report: &mut Report<'_>,
    name: &str,
    writer: &At<String>,
    replicas: &[RawReplica],
    roles: Option<&At<Vec<RawRole>>>,
    owner: &str,
    place: Place,
) -> Shard {
    url::check(report, writer, &format!("the writer URL of {owner}"));
    Shard {
        name: name.to_owned(),
        writer: writer.value.clone(),
        replicas: self::replicas(report, replicas, owner),
        roles: self::roles(report, roles.map_or(&[][..], |r| &r.value[..]), owner),
        range: place.range,
        keys: place.keys,
    }
}

/// Replicas with their URLs checked and weights in range (1 when not declared). A replica
/// without a URL (reported by the parse stage) has its weight checked and is left out.
fn replicas(report: &mut Report<'_>, raw: &[RawReplica], owner: &str) -> Vec<Replica> {
    let mut resolved = Vec::with_capacity(raw.len());
    for replica in raw {
        let weight = ranged(report, &replica.weight, &replica::WEIGHT)
            .and_then(|w| u32::try_from(w).ok())
            .unwrap_or(1);
        if let Some(url) = &replica.url {
            url::check(report, url, &format!("a replica URL of {owner}"));
            resolved.push(Replica {
                url: url.value.clone(),
                weight,
            });
        }
    }
    resolved
}

/// The custom roles of a cluster or shard (`owner`): valid names, distinct enum variants, at
/// least one replica each.
fn roles(report: &mut Report<'_>, raw: &[RawRole], owner: &str) -> Vec<RoleSet> {
    let mut variants = Claims::default();
    let mut resolved = Vec::with_capacity(raw.len());
    for role in raw {
        let name = &role.name.value;
        if check_snake(report, &role.name, "role") {
            if ident::RESERVED_ROLE_NAMES.contains(&name.as_str()) {
                report.error_with_hint(
                    &role.name.loc,
                    format!("role name {name:?} is reserved"),
                    "`writer`, `reading`, `writing`, `replica` and `replicas` name the built-in \
                     routing (`writing()` and `reading()`); choose another name, e.g. \
                     \"reporting\"",
                );
            } else {
                // Roles become variants of the cluster's role enum: `report_1` and `report1`
                // collide.
                let variant = ident::pascal(name);
                if let Some(first) = variants.claim(variant.as_str(), &role.name.loc) {
                    let message = format!(
                        "role {name:?} of {owner} generates the variant name `{variant}`, like \
                         another role"
                    );
                    report.duplicate(&role.name.loc, message, &first);
                }
            }
        }
        let context = format!("role {name:?} of {owner}");
        if role.complete && role.replicas.is_empty() {
            report.error_with_hint(
                &role.loc,
                format!("{context} has no replicas"),
                format!("list at least one replica URL, e.g. `{name} = [\"${{REPLICA_URL}}\"]`"),
            );
        }
        resolved.push(RoleSet {
            name: name.clone(),
            replicas: replicas(report, &role.replicas, &context),
        });
    }
    resolved
}

/// Load balancing, fallback and health options, checked.
fn routing(raw: &RawRouting, report: &mut Report<'_>) -> Routing {
    let millis = |report: &mut Report<'_>, value, key| {
        ranged(report, value, key).and_then(|n| u64::try_from(n).ok())
    };
    let routing = Routing {
        policy: choice(report, &raw.policy, cluster::POLICY.name, &Policy::ALL),
        fallback: choice(
            report,
            &raw.fallback,
            cluster::FALLBACK.name,
            &Fallback::ALL,
        ),
        max_replica_lag_ms: millis(
            report,
            &raw.max_replica_lag_ms,
            &cluster::MAX_REPLICA_LAG_MS,
        ),
        check_interval_ms: millis(report, &raw.check_interval_ms, &health::CHECK_INTERVAL_MS),
        eject_backoff_ms: millis(report, &raw.eject_backoff_ms, &health::EJECT_BACKOFF_MS),
        eject_backoff_max_ms: millis(
            report,
            &raw.eject_backoff_max_ms,
            &health::EJECT_BACKOFF_MAX_MS,
        ),
    };
    // The backoff doubles from `eject_backoff_ms` up to `eject_backoff_max_ms`; an omitted one
    // is the runtime's default.
    let backoff = routing
        .eject_backoff_ms
        .unwrap_or(Routing::DEFAULT_EJECT_BACKOFF_MS);
    let max = routing
        .eject_backoff_max_ms
        .unwrap_or(Routing::DEFAULT_EJECT_BACKOFF_MAX_MS);
    if backoff > max {
        match (&raw.eject_backoff_ms, &raw.eject_backoff_max_ms) {
            (Some(at), Some(_)) => report.error(
                &at.loc,
                format!(
                    "`eject_backoff_ms` ({backoff}) is larger than `eject_backoff_max_ms` ({max})"
                ),
            ),
            (Some(at), None) => report.error_with_hint(
                &at.loc,
                format!(
                    "`eject_backoff_ms` ({backoff}) is larger than `eject_backoff_max_ms` \
                     ({max}, its default)"
                ),
                "declare `eject_backoff_max_ms` too",
            ),
            (None, Some(at)) => report.error_with_hint(
                &at.loc,
                format!(
                    "`eject_backoff_max_ms` ({max}) is smaller than `eject_backoff_ms` \
                     ({backoff}, its default)"
                ),
                "declare `eject_backoff_ms` too",
            ),
            (None, None) => {}
        }
    }
    routing
}

/// The value named by a string option (`policy = "random"`), or an "unknown" report.
fn choice<T: Copy>(
    report: &mut Report<'_>,
    value: &Option<At<String>>,
    key: &str,
    all: &[(&str, T)],
) -> Option<T> {
    let at = value.as_ref()?;
    if let Some((_, found)) = all.iter().find(|(name, _)| *name == at.value) {
        return Some(*found);
    }
    let names: Vec<&str> = all.iter().map(|(name, _)| *name).collect();
    let hint = match did_you_mean(&at.value, names.iter().copied()) {
        Some(close) => format!("did you mean {close:?}?"),
        None => format!("expected one of: {}", names.join(", ")),
    };
    report.error_with_hint(&at.loc, format!("unknown {key} {:?}", at.value), hint);
    None
}

/// Range-checked pool options.
fn pool(raw: &RawPool, report: &mut Report<'_>) -> PoolOptions {
    let count = |report: &mut Report<'_>, value, key| {
        ranged(report, value, key).and_then(|n| u32::try_from(n).ok())
    };
    let millis = |report: &mut Report<'_>, value, key| {
        ranged(report, value, key).and_then(|n| u64::try_from(n).ok())
    };
    let max_connections = count(report, &raw.max_connections, &pool::MAX_CONNECTIONS);
    let min_connections = count(report, &raw.min_connections, &pool::MIN_CONNECTIONS);
    if let (Some(min), Some(max), Some(at)) =
        (min_connections, max_connections, &raw.min_connections)
        && min > max
    {
        report.error(
            &at.loc,
            format!("`min_connections` ({min}) is larger than `max_connections` ({max})"),
        );
    }
    PoolOptions {
        max_connections,
        min_connections,
        acquire_timeout_ms: millis(report, &raw.acquire_timeout_ms, &pool::ACQUIRE_TIMEOUT_MS),
        idle_timeout_ms: millis(report, &raw.idle_timeout_ms, &pool::IDLE_TIMEOUT_MS),
        max_lifetime_ms: millis(report, &raw.max_lifetime_ms, &pool::MAX_LIFETIME_MS),
        lazy: raw.lazy.as_ref().map(|lazy| lazy.value),
    }
}

/// `value` if it is within the range the format gives `key`; reported otherwise.
fn ranged(report: &mut Report<'_>, value: &Option<At<i64>>, key: &Key) -> Option<i64> {
    let (min, max) = key.range();
    let key = key.name;
    let at = value.as_ref()?;
    if at.value < min {
        report.error(
            &at.loc,
            format!("`{key}` must be at least {min}, not {}", at.value),
        );
        None
    } else if at.value > max {
        report.error(
            &at.loc,
            format!("`{key}` must be at most {max}, not {}", at.value),
        );
        None
    } else {
        Some(at.value)
    }
}

/// The default cluster: the one marked `default = true`, or the only cluster.
fn choose_default(raw: &[RawCluster], report: &mut Report<'_>) -> Option<String> {
    let marked: Vec<(&RawCluster, &At<bool>)> = raw
        .iter()
        .filter_map(|c| c.default.as_ref().filter(|d| d.value).map(|d| (c, d)))
        .collect();
    match (marked.as_slice(), raw) {
        ([(first, first_mark), rest @ ..], _) => {
            for (cluster, mark) in rest {
                let message = format!(
                    "cluster {:?} is marked `default = true`, but only one cluster can be the \
                     default",
                    cluster.name.value
                );
                report.duplicate(&mark.loc, message, &first_mark.loc);
            }
            Some(first.name.value.clone())
        }
        // Lenient: with a single cluster there is nothing to choose from.
        ([], [only]) => Some(only.name.value.clone()),
        ([], []) => None,
        ([], [first, ..]) => {
            report.error_with_hint(
                &first.name.loc,
                format!(
                    "no default cluster: {} clusters are declared and none has `default = true`",
                    raw.len()
                ),
                "mark the cluster that models without `cluster = \"...\"` live in with \
                 `default = true`",
            );
            None
        }
    }
}
