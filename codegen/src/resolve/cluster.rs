//! Clusters: topology (a writer and replicas, or shards of them), pool options, the default.

use std::collections::BTreeMap;

use super::claims::Claims;
use super::names::{check_snake, claim_types};
use super::url;
use crate::diagnostics::Report;
use crate::ident;
use crate::model::{Cluster, PoolOptions, Shard};
use crate::parse::raw::{At, RawCluster, RawPool, RawShard};

/// The resolved clusters and what models need to know about them.
pub(crate) struct Clusters {
    /// Clusters that resolved without problems.
    pub resolved: BTreeMap<String, Cluster>,
    /// Every declared cluster name in declaration order, broken or not: a model naming a
    /// broken cluster should not also get an "unknown cluster" error.
    pub declared: Vec<String>,
    /// The cluster models without `cluster` live in, if one could be chosen.
    pub default: Option<String>,
}

/// Resolve every cluster (already unique by name) and choose the default. `types` is the
/// namespace of generated type names, shared with models.
pub(crate) fn resolve(raw: &[RawCluster], types: &mut Claims, report: &mut Report<'_>) -> Clusters {
    let mut resolved = BTreeMap::new();
    for cluster in raw {
        let named = check_snake(report, &cluster.name, "cluster");
        if named {
            check_generated_names(cluster, types, report);
        }
        let topology = topology(cluster, report);
        let pool = pool(&cluster.pool, report);
        if let (true, Some((sharded, shards))) = (named, topology) {
            let name = cluster.name.value.clone();
            let cluster = Cluster {
                name: name.clone(),
                doc: cluster.doc.as_ref().map(|doc| doc.value.clone()),
                is_default: false,
                sharded,
                shards,
                pool,
            };
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
    }
}

/// A cluster's handle, transaction and shard types must not collide with other generated types,
/// nor its accessor with the methods of `Database`.
fn check_generated_names(cluster: &RawCluster, types: &mut Claims, report: &mut Report<'_>) {
    let name = &cluster.name.value;
    let mut generated = vec![ident::cluster_type(name), ident::transaction_type(name)];
    if cluster.shards.is_some() {
        generated.push(ident::shard_enum(name));
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

/// Whether the cluster is sharded, and its shards (one named `default` if it is not).
fn topology(cluster: &RawCluster, report: &mut Report<'_>) -> Option<(bool, Vec<Shard>)> {
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
            let shard = shard_urls(
                report,
                "default",
                writer,
                replicas,
                &format!("cluster {name:?}"),
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
            if shards.value.is_empty() {
                report.error_with_hint(
                    &shards.loc,
                    format!("cluster {name:?} declares `shard` but no shards"),
                    format!("add `[cluster.{name}.shard.NAME]` tables with a `writer` each"),
                );
                return None;
            }
            let resolved = sharded(&shards.value, name, report);
            (resolved.len() == shards.value.len()).then_some((true, resolved))
        }
    }
}

/// The shards of a sharded cluster that resolved without problems.
fn sharded(shards: &[RawShard], cluster: &str, report: &mut Report<'_>) -> Vec<Shard> {
    let mut variants = Claims::default();
    let mut resolved = Vec::with_capacity(shards.len());
    for shard in shards {
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
            resolved.push(shard_urls(report, name, writer, &shard.replicas, &owner));
        }
    }
    resolved
}

/// A shard from its URL templates, reporting malformed placeholders. `owner` names the
/// cluster or shard in messages.
fn shard_urls(
    report: &mut Report<'_>,
    name: &str,
    writer: &At<String>,
    replicas: &[At<String>],
    owner: &str,
) -> Shard {
    url::check(report, writer, &format!("the writer URL of {owner}"));
    for replica in replicas {
        url::check(report, replica, &format!("a replica URL of {owner}"));
    }
    Shard {
        name: name.to_owned(),
        writer: writer.value.clone(),
        replicas: replicas.iter().map(|r| r.value.clone()).collect(),
    }
}

/// Range-checked pool options.
fn pool(raw: &RawPool, report: &mut Report<'_>) -> PoolOptions {
    const MAX_U32: i64 = u32::MAX as i64;
    let count = |report: &mut Report<'_>, value, key, min| {
        ranged(report, value, key, min, MAX_U32).and_then(|n| u32::try_from(n).ok())
    };
    let millis = |report: &mut Report<'_>, value, key| {
        ranged(report, value, key, 1, i64::MAX).and_then(|n| u64::try_from(n).ok())
    };
    let max_connections = count(report, &raw.max_connections, "max_connections", 1);
    let min_connections = count(report, &raw.min_connections, "min_connections", 0);
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
        acquire_timeout_ms: millis(report, &raw.acquire_timeout_ms, "acquire_timeout_ms"),
        idle_timeout_ms: millis(report, &raw.idle_timeout_ms, "idle_timeout_ms"),
        max_lifetime_ms: millis(report, &raw.max_lifetime_ms, "max_lifetime_ms"),
        lazy: raw.lazy.as_ref().map(|lazy| lazy.value),
    }
}

/// `value` if it is within `min..=max`; reported otherwise.
fn ranged(
    report: &mut Report<'_>,
    value: &Option<At<i64>>,
    key: &str,
    min: i64,
    max: i64,
) -> Option<i64> {
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
