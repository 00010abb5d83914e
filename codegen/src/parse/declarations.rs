//! Reading one file's tree into raw declarations, by the format described in `super::format`
//! (its keys, their value types, the required ones), which `docs/declarations.md` documents.
//! Everything here is about shape; meaning is checked by `resolve`.

use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

use super::format::{
    self, cluster, field, health, index, model, pool, relation, replica, shard, top,
};
use super::raw::{
    At, Declarations, RELATION_KINDS, RawCluster, RawDefault, RawField, RawIndex, RawModel,
    RawPool, RawRelation, RawReplica, RawRole, RawRouting, RawShard, kind_key,
};
use super::reader::{Reader, Value};
use crate::diagnostics::did_you_mean;
use crate::model::{ListKey, RelationKind};

type Key<'i> = Spanned<DeString<'i>>;

/// Read the declarations of one file's tree.
pub(crate) fn read(tree: &DeTable<'_>, r: &mut Reader<'_, '_>) -> Declarations {
    r.check_keys(tree, &format::TOP.names(), "at the top level");
    let mut declarations = Declarations::default();
    if let Some(clusters) = r.key(tree, top::CLUSTER.name, Reader::table) {
        for (name, value) in clusters.iter() {
            declarations.clusters.push(cluster(r, name, value));
        }
    }
    if let Some(models) = r.key(tree, top::MODEL.name, Reader::table) {
        for (name, value) in models.iter() {
            declarations.models.push(model(r, name, value));
        }
    }
    if let Some(options) = r.key(tree, top::OPTIONS.name, Reader::table) {
        r.check_keys(options, &format::OPTIONS.names(), "in `[options]`");
        declarations.options.serde = r.key(options, format::options::SERDE.name, Reader::boolean);
    }
    declarations
}

/// A key's name, located at the key.
fn name(r: &Reader<'_, '_>, key: &Key<'_>) -> At<String> {
    At {
        value: key.get_ref().to_string(),
        loc: r.loc(key.span()),
    }
}

fn cluster(r: &mut Reader<'_, '_>, key: &Key<'_>, value: &Value<'_>) -> RawCluster {
    let before = r.problems();
    let name = name(r, key);
    let context = format!("cluster {:?}", name.value);
    let mut cluster = RawCluster {
        name,
        default: None,
        doc: None,
        writer: None,
        replicas: None,
        roles: None,
        routing: RawRouting::default(),
        pool: RawPool::default(),
        shards: None,
        shard_by: None,
        shard_by_known: true,
        migrations: None,
        database_tasks: None,
        complete: false,
    };
    if let Some(table) = r.table(value, &context) {
        let known = format::CLUSTER.names();
        r.check_keys(table, &known, &format!("in {context}"));
        cluster.default = r.key(table, cluster::DEFAULT.name, Reader::boolean);
        cluster.migrations = r.key(table, cluster::MIGRATIONS.name, Reader::string);
        cluster.database_tasks = r.key(table, cluster::DATABASE_TASKS.name, Reader::boolean);
        cluster.doc = r.key(table, cluster::DOC.name, Reader::string);
        cluster.writer = r.key(table, cluster::WRITER.name, Reader::string);
        cluster.replicas = r.key(table, cluster::REPLICAS.name, |r, v, what| {
            replicas(r, v, what, &context)
        });
        cluster.roles = roles(r, table, cluster::ROLES.name, &context);
        cluster.routing = routing(r, table, &context);
        cluster.shard_by = r.key(table, cluster::SHARD_BY.name, Reader::string);
        // A misspelt `shard_by` is reported as an unknown key; the shards' `range` or `keys`
        // and the models' `shard_key` are then not reported again for want of a strategy.
        let misspelt = table.keys().any(|key| {
            let key = key.get_ref().as_ref();
            !known.contains(&key)
                && did_you_mean(key, known.iter().copied()) == Some(cluster::SHARD_BY.name)
        });
        cluster.shard_by_known = !misspelt
            && (cluster.shard_by.is_some() || !table.contains_key(cluster::SHARD_BY.name));
        if let Some(pool) = r.key(table, cluster::POOL.name, Reader::table) {
            cluster.pool = self::pool(r, pool, &context);
        }
        if let Some((key, value)) = table.get_key_value(cluster::SHARD.name)
            && let Some(shards) = r.table(value, "`shard`")
        {
            let shards = shards
                .iter()
                .map(|(key, value)| shard(r, key, value, &cluster.name.value))
                .collect();
            cluster.shards = Some(At {
                value: shards,
                loc: r.loc(key.span()),
            });
        }
    }
    cluster.complete = r.problems() == before;
    cluster
}

fn shard(r: &mut Reader<'_, '_>, key: &Key<'_>, value: &Value<'_>, cluster_name: &str) -> RawShard {
    let before = r.problems();
    let name = name(r, key);
    let context = format!("shard {:?} of cluster {cluster_name:?}", name.value);
    let mut shard = RawShard {
        name,
        writer: None,
        replicas: Vec::new(),
        roles: None,
        roles_known: true,
        range: None,
        keys: None,
        complete: false,
    };
    if let Some(table) = r.table(value, &context) {
        r.check_keys_except(
            table,
            &format::SHARD.names(),
            cluster::ONLY,
            &format!("in {context}"),
        );
        for (key, _) in table.iter() {
            let key_name = key.get_ref().as_ref();
            if cluster::ONLY.contains(&key_name) {
                let loc = r.loc(key.span());
                r.report().error_with_hint(
                    &loc,
                    format!("`{key_name}` applies to a whole cluster, not to {context}"),
                    format!("declare it once, in the `[cluster.{cluster_name}]` table"),
                );
            }
        }
        shard.writer = r.key(table, shard::WRITER.name, Reader::string);
        if let Some(replicas) = r.key(table, shard::REPLICAS.name, |r, v, what| {
            replicas(r, v, what, &context)
        }) {
            shard.replicas = replicas.value;
        }
        shard.roles = roles(r, table, shard::ROLES.name, &context);
        shard.roles_known = shard.roles.is_some() || !table.contains_key(shard::ROLES.name);
        shard.range = r.key(table, shard::RANGE.name, range);
        shard.keys = r.key(table, shard::KEYS.name, list_keys);
        if shard.writer.is_none() && !table.contains_key(shard::WRITER.name) {
            let loc = shard.name.loc.clone();
            r.report().error_with_hint(
                &loc,
                format!("{context} has no `writer`"),
                "every shard needs a writer URL, e.g. `writer = \"${SHARD_URL}\"`",
            );
        }
    }
    shard.complete = r.problems() == before;
    shard
}

/// `range = [start, end]`: exactly two integers. That `start < end` is meaning, checked by
/// `resolve` with the other shards' ranges.
fn range(r: &mut Reader<'_, '_>, value: &Value<'_>, what: &str) -> Option<At<(i64, i64)>> {
    let DeValue::Array(items) = value.get_ref() else {
        return r.mismatch(
            value,
            what,
            "an array of two integers, `[start, end]`",
            false,
        );
    };
    let element = format!("each element of {what}");
    let mut bounds = Vec::with_capacity(2);
    for item in items {
        // Every element is read, so each one of the wrong type is reported.
        bounds.push(r.integer(item, &element).map(|n| n.value));
    }
    match bounds.as_slice() {
        [Some(start), Some(end)] => Some(r.at(value, (*start, *end))),
        [_, _] => None,
        _ => {
            let loc = r.loc(value.span());
            r.report().error_with_hint(
                &loc,
                format!(
                    "{what} must have exactly two elements, `[start, end]`, not {}",
                    items.len()
                ),
                "the shard holds the keys from `start` (included) to `end` (excluded), e.g. \
                 `range = [0, 1000]`",
            );
            None
        }
    }
}

/// `keys = [...]`: strings or integers, each located. Whether they are all of one kind, and
/// whether any is listed twice, is checked by `resolve` over the whole cluster.
fn list_keys(
    r: &mut Reader<'_, '_>,
    value: &Value<'_>,
    what: &str,
) -> Option<At<Vec<At<ListKey>>>> {
    let DeValue::Array(items) = value.get_ref() else {
        return r.mismatch(value, what, "an array of strings or integers", false);
    };
    let element = format!("each element of {what}");
    let mut keys = Vec::with_capacity(items.len());
    let mut complete = true;
    for item in items {
        let key = match item.get_ref() {
            DeValue::String(s) => Some(ListKey::Str(s.to_string())),
            DeValue::Integer(_) => r.integer(item, &element).map(|n| ListKey::Int(n.value)),
            _ => r.mismatch(item, &element, "a string or an integer", false),
        };
        match key {
            Some(key) => keys.push(r.at(item, key)),
            None => complete = false,
        }
    }
    complete.then(|| r.at(value, keys))
}

/// A list of replicas: URL strings or `{ url, weight }` tables. `what` names the list in
/// messages, `owner` the cluster, shard or role it belongs to. `None` when it is not a list;
/// elements of another type are reported and left out.
fn replicas(
    r: &mut Reader<'_, '_>,
    value: &Value<'_>,
    what: &str,
    owner: &str,
) -> Option<At<Vec<RawReplica>>> {
    if let DeValue::String(_) = value.get_ref() {
        // `replicas = "${URL}"`: one replica, but not written as a list.
        let loc = r.loc(value.span());
        r.report().error_with_hint(
            &loc,
            format!("{what} must be an array, not a string"),
            "list the replicas in brackets, e.g. `[\"${REPLICA_URL}\"]`",
        );
        return None;
    }
    let array = r.array(value, what)?;
    let element = format!("each element of {what}");
    let list: Vec<RawReplica> = array
        .iter()
        .filter_map(|item| replica(r, item, &element, owner))
        .collect();
    Some(r.at(value, list))
}

/// One element of a replica list: `"URL"` or `{ url = "URL", weight = N }`.
fn replica(
    r: &mut Reader<'_, '_>,
    item: &Value<'_>,
    what: &str,
    owner: &str,
) -> Option<RawReplica> {
    match item.get_ref() {
        DeValue::String(_) => Some(RawReplica {
            url: r.string(item, what),
            weight: None,
        }),
        DeValue::Table(table) => {
            let context = format!("a replica of {owner}");
            r.check_keys(table, &format::REPLICA.names(), &format!("in {context}"));
            let url = r.key(table, replica::URL.name, Reader::string);
            let weight = r.key(table, replica::WEIGHT.name, Reader::integer);
            if !table.contains_key(replica::URL.name) {
                let loc = r.loc(item.span());
                r.report().error_with_hint(
                    &loc,
                    format!("{context} has no `url`"),
                    "give its URL template, e.g. `{ url = \"${REPLICA_URL}\", weight = 2 }`",
                );
            }
            Some(RawReplica { url, weight })
        }
        _ => {
            let expected =
                "a URL string (`\"${REPLICA_URL}\"`) or a table (`{ url = \"...\", weight = 2 }`)";
            r.mismatch(item, what, expected, false)
        }
    }
}

/// `roles = { NAME = [replicas], ... }` of a cluster or shard (`owner`), located at the key.
fn roles(
    r: &mut Reader<'_, '_>,
    table: &DeTable<'_>,
    key: &str,
    owner: &str,
) -> Option<At<Vec<RawRole>>> {
    let (key, value) = table.get_key_value(key)?;
    let roles = r.table(value, "`roles`")?;
    let list = roles
        .iter()
        .map(|(key, value)| {
            let name = name(r, key);
            let context = format!("role {:?} of {owner}", name.value);
            let what = format!("role {:?}", name.value);
            let before = r.problems();
            let replicas = replicas(r, value, &what, &context);
            RawRole {
                loc: r.loc(value.span()),
                replicas: replicas.map_or_else(Vec::new, |list| list.value),
                complete: r.problems() == before,
                name,
            }
        })
        .collect();
    Some(At {
        value: list,
        loc: r.loc(key.span()),
    })
}

/// `policy`, `fallback`, `max_replica_lag_ms` and `health = { ... }` of a cluster.
fn routing(r: &mut Reader<'_, '_>, table: &DeTable<'_>, cluster: &str) -> RawRouting {
    let mut routing = RawRouting {
        policy: r.key(table, cluster::POLICY.name, Reader::string),
        fallback: r.key(table, cluster::FALLBACK.name, Reader::string),
        max_replica_lag_ms: r.key(table, cluster::MAX_REPLICA_LAG_MS.name, Reader::integer),
        ..RawRouting::default()
    };
    if let Some(health) = r.key(table, cluster::HEALTH.name, Reader::table) {
        r.check_keys(
            health,
            &format::HEALTH.names(),
            &format!("in the health options of {cluster}"),
        );
        routing.check_interval_ms = r.key(health, health::CHECK_INTERVAL_MS.name, Reader::integer);
        routing.eject_backoff_ms = r.key(health, health::EJECT_BACKOFF_MS.name, Reader::integer);
        routing.eject_backoff_max_ms =
            r.key(health, health::EJECT_BACKOFF_MAX_MS.name, Reader::integer);
    }
    routing
}

fn pool(r: &mut Reader<'_, '_>, table: &DeTable<'_>, cluster: &str) -> RawPool {
    r.check_keys(
        table,
        &format::POOL.names(),
        &format!("in the pool of {cluster}"),
    );
    RawPool {
        max_connections: r.key(table, pool::MAX_CONNECTIONS.name, Reader::integer),
        min_connections: r.key(table, pool::MIN_CONNECTIONS.name, Reader::integer),
        acquire_timeout_ms: r.key(table, pool::ACQUIRE_TIMEOUT_MS.name, Reader::integer),
        idle_timeout_ms: r.key(table, pool::IDLE_TIMEOUT_MS.name, Reader::integer),
        max_lifetime_ms: r.key(table, pool::MAX_LIFETIME_MS.name, Reader::integer),
        lazy: r.key(table, pool::LAZY.name, Reader::boolean),
    }
}

fn model(r: &mut Reader<'_, '_>, key: &Key<'_>, value: &Value<'_>) -> RawModel {
    let before = r.problems();
    let name = name(r, key);
    let context = format!("model {:?}", name.value);
    let mut model = RawModel {
        name,
        cluster: None,
        table: None,
        doc: None,
        renamed_from: None,
        fields: Vec::new(),
        indexes: Vec::new(),
        relations: Vec::new(),
        shard_key: None,
        unique_across_shards: None,
        serde: None,
        complete: false,
    };
    let mut relations = None;
    if let Some(table) = r.table(value, &context) {
        r.check_keys(table, &format::MODEL.names(), &format!("in {context}"));
        model.cluster = r.key(table, model::CLUSTER.name, Reader::string);
        model.table = r.key(table, model::TABLE.name, Reader::string);
        model.doc = r.key(table, model::DOC.name, Reader::string);
        model.renamed_from = r.key(table, model::RENAMED_FROM.name, Reader::string);
        model.shard_key = r.key(table, model::SHARD_KEY.name, Reader::string);
        model.unique_across_shards =
            r.key(table, model::UNIQUE_ACROSS_SHARDS.name, Reader::boolean);
        model.serde = r.key(table, model::SERDE.name, Reader::boolean);
        if let Some(fields) = r.key(table, model::FIELDS.name, Reader::table) {
            model.fields = fields
                .iter()
                .map(|(name, value)| field(r, name, value, &context))
                .collect();
        }
        if let Some(indexes) = r.key(table, model::INDEXES.name, Reader::array) {
            model.indexes = indexes
                .iter()
                .filter_map(|value| index(r, value, &context))
                .collect();
        }
        relations = r.key(table, model::RELATIONS.name, Reader::table);
    }
    // Relations have their own `complete` flag: a broken relation says nothing about whether
    // the model's fields and primary key can be trusted.
    model.complete = r.problems() == before;
    if let Some(relations) = relations {
        model.relations = relations
            .iter()
            .map(|(name, value)| relation(r, name, value, &context))
            .collect();
    }
    model
}

/// The kind keys, as messages list them: "belongs_to, has_one, has_many".
fn kind_list() -> String {
    let keys: Vec<&str> = RELATION_KINDS.iter().map(|(key, _)| *key).collect();
    keys.join(", ")
}

fn relation(r: &mut Reader<'_, '_>, key: &Key<'_>, value: &Value<'_>, model: &str) -> RawRelation {
    let before = r.problems();
    let name = name(r, key);
    let context = format!("relation {:?} of {model}", name.value);
    let mut relation = RawRelation {
        name,
        kind: None,
        target: None,
        foreign_key: None,
        primary_key: None,
        inverse_of: None,
        order: None,
        limit: None,
        through: None,
        source: None,
        validate: None,
        doc: None,
        complete: false,
    };
    let Some(table) = r.table(value, &context) else {
        return relation;
    };
    let known = format::RELATION.names();
    r.check_keys(table, &known, &format!("in {context}"));
    relation.foreign_key = r.key(table, relation::FOREIGN_KEY.name, Reader::string);
    relation.primary_key = r.key(table, relation::PRIMARY_KEY.name, Reader::string);
    relation.inverse_of = r.key(table, relation::INVERSE_OF.name, Reader::string);
    relation.order = r.key(table, relation::ORDER.name, Reader::string);
    relation.limit = r.key(table, relation::LIMIT.name, Reader::integer);
    relation.through = r.key(table, relation::THROUGH.name, Reader::string);
    relation.source = r.key(table, relation::SOURCE.name, Reader::string);
    relation.validate = r.key(table, relation::VALIDATE.name, Reader::boolean);
    relation.doc = r.key(table, relation::DOC.name, Reader::string);

    let mut kinds: Vec<(&Key<'_>, &Value<'_>, RelationKind)> = RELATION_KINDS
        .iter()
        .filter_map(|(k, kind)| table.get_key_value(*k).map(|(k, v)| (k, v, *kind)))
        .collect();
    // In source order, so a second kind is reported where it is written.
    kinds.sort_by_key(|(key, _, _)| key.span().start);
    match kinds.as_slice() {
        [] => {
            // An unknown key (a misspelt kind, most likely) was already reported.
            let unknown_key = table.keys().any(|k| !known.contains(&k.get_ref().as_ref()));
            if !unknown_key {
                let loc = relation.name.loc.clone();
                r.report().error_with_hint(
                    &loc,
                    format!("{context} needs one of {}", kind_list()),
                    format!(
                        "name the related model with its kind, e.g. `{} = {{ has_many = \"Post\" }}`",
                        relation.name.value
                    ),
                );
            }
        }
        [(_, value, kind)] => {
            relation.target = r.string(value, &format!("`{}`", kind_key(*kind)));
            relation.kind = Some(*kind);
        }
        [(_, _, first), rest @ ..] => {
            for (key, _, kind) in rest {
                let loc = r.loc(key.span());
                let (first, second) = (kind_key(*first), kind_key(*kind));
                r.report().error_with_hint(
                    &loc,
                    format!("{context} has both `{first}` and `{second}`"),
                    format!("a relation has exactly one kind: one of {}", kind_list()),
                );
            }
        }
    }
    if let Some(kind) = relation.kind {
        check_kind_keys(r, table, kind, &context);
    }
    if table.contains_key(relation::THROUGH.name) {
        // A belongs_to with `through` was reported above; its other keys are not the problem.
        let keys = match relation.kind {
            Some(RelationKind::BelongsTo) => &[][..],
            _ => relation::NOT_WITH_THROUGH,
        };
        for key in keys {
            if let Some((key, _)) = table.get_key_value(*key) {
                let loc = r.loc(key.span());
                r.report().error_with_hint(
                    &loc,
                    format!(
                        "{context} goes `through` another relation, so it cannot have `{}`",
                        key.get_ref()
                    ),
                    "its keys come from the relations it goes through",
                );
            }
        }
    } else if let Some((key, _)) = table.get_key_value(relation::SOURCE.name) {
        let loc = r.loc(key.span());
        r.report().error_with_hint(
            &loc,
            format!("{context} has `source` but no `through`"),
            "`source` names the relation to follow on the model reached `through` another \
             relation; remove it, or add `through`",
        );
    }
    let (min, _) = relation::LIMIT.range();
    if let Some(limit) = relation.limit.as_ref().filter(|limit| limit.value < min) {
        let loc = limit.loc.clone();
        r.report().error(
            &loc,
            format!("`limit` must be at least {min}, not {}", limit.value),
        );
    }
    relation.complete = r.problems() == before;
    relation
}

/// Keys that only some kinds take: `validate` (belongs_to), `limit` (has_many), `order`
/// (has_one, has_many), `through` (has_one, has_many).
fn check_kind_keys(r: &mut Reader<'_, '_>, table: &DeTable<'_>, kind: RelationKind, context: &str) {
    let kind_name = kind_key(kind);
    let rules: [(&str, bool, &str, &str); 4] = [
        (
            relation::VALIDATE.name,
            kind == RelationKind::BelongsTo,
            "belongs_to relations",
            "`validate` checks that the row a belongs_to refers to exists",
        ),
        (
            relation::LIMIT.name,
            kind == RelationKind::HasMany,
            "has_many relations",
            "a to-one relation yields at most one row",
        ),
        (
            relation::ORDER.name,
            kind != RelationKind::BelongsTo,
            "has_many and has_one relations",
            "a belongs_to relation yields at most one row",
        ),
        (
            relation::THROUGH.name,
            kind != RelationKind::BelongsTo,
            "has_many and has_one relations",
            "declare a to-one relation through another as `has_one` with `through`",
        ),
    ];
    for (key, allowed, only_for, hint) in rules {
        if allowed {
            continue;
        }
        let Some((key, _)) = table.get_key_value(key) else {
            continue;
        };
        let loc = r.loc(key.span());
        r.report().error_with_hint(
            &loc,
            format!(
                "`{}` is only for {only_for}, and {context} is {kind_name}",
                key.get_ref()
            ),
            hint,
        );
    }
}

fn field(r: &mut Reader<'_, '_>, key: &Key<'_>, value: &Value<'_>, model: &str) -> RawField {
    let name = name(r, key);
    let context = format!("field {:?} of {model}", name.value);
    let mut field = RawField {
        name,
        ty: None,
        nullable: None,
        unique: None,
        primary_key: None,
        default: None,
        column: None,
        doc: None,
        renamed_from: None,
    };
    match value.get_ref() {
        // The shorthand `email = "string"`.
        DeValue::String(_) => field.ty = r.string(value, &context),
        DeValue::Table(table) => {
            r.check_keys(table, &format::FIELD.names(), &format!("in {context}"));
            field.ty = r.key(table, field::TYPE.name, Reader::string);
            field.nullable = r.key(table, field::NULLABLE.name, Reader::boolean);
            field.unique = r.key(table, field::UNIQUE.name, Reader::boolean);
            field.primary_key = r.key(table, field::PRIMARY_KEY.name, Reader::boolean);
            field.default = r.key(table, field::DEFAULT.name, default);
            field.column = r.key(table, field::COLUMN.name, Reader::string);
            field.doc = r.key(table, field::DOC.name, Reader::string);
            field.renamed_from = r.key(table, field::RENAMED_FROM.name, Reader::string);
            if !table.contains_key(field::TYPE.name) {
                let loc = field.name.loc.clone();
                r.report().error_with_hint(
                    &loc,
                    format!("{context} has no `type`"),
                    "add one, e.g. `type = \"string\"`",
                );
            }
        }
        _ => {
            let expected = "a type name (`\"string\"`) or a table (`{ type = \"string\" }`)";
            r.mismatch::<()>(value, &context, expected, false);
        }
    }
    field
}

/// A `default` literal of any TOML type; `resolve` checks it against the field's type.
fn default(r: &mut Reader<'_, '_>, value: &Value<'_>, what: &str) -> Option<At<RawDefault>> {
    let raw = match value.get_ref() {
        DeValue::Boolean(b) => RawDefault::Bool(*b),
        DeValue::Integer(_) => RawDefault::Int(r.integer(value, what)?.value),
        DeValue::String(s) => RawDefault::Str(s.to_string()),
        DeValue::Float(f) => match f.as_str().parse::<f64>() {
            Ok(f) => RawDefault::Float(f),
            Err(_) => {
                let loc = r.loc(value.span());
                r.report()
                    .error(&loc, format!("{what} is not a valid number"));
                return None;
            }
        },
        DeValue::Datetime(_) => RawDefault::Other("a datetime"),
        DeValue::Array(_) => RawDefault::Other("an array"),
        DeValue::Table(_) => RawDefault::Other("a table"),
    };
    Some(r.at(value, raw))
}

fn index(r: &mut Reader<'_, '_>, value: &Value<'_>, model: &str) -> Option<RawIndex> {
    let context = format!("an index of {model}");
    let table = r.table(value, &context)?;
    r.check_keys(table, &format::INDEX.names(), &format!("in {context}"));
    let index = RawIndex {
        loc: r.loc(value.span()),
        fields: r.key(table, index::FIELDS.name, Reader::strings),
        unique: r.key(table, index::UNIQUE.name, Reader::boolean),
        name: r.key(table, index::NAME.name, Reader::string),
    };
    if !table.contains_key(index::FIELDS.name) {
        r.report().error_with_hint(
            &index.loc,
            format!("{context} has no `fields`"),
            "list the indexed fields, e.g. `fields = [\"email\"]`",
        );
    }
    Some(index)
}
