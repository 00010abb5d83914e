//! Placement: how a sharded cluster places rows on its shards (`shard_by`, and each shard's
//! `range` or `keys`), and which field of a model places its rows (`shard_key`).
//!
//! The cluster half runs with the clusters and the model half with each model; all a model
//! needs from its cluster's half is a [`Strategy`]. Every check is one pass over the
//! declarations with maps, except ranges, which are sorted once to find overlaps.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::diagnostics::{Report, did_you_mean};
use crate::model::{Cluster, Field, FieldType, ListKey, ShardBy};
use crate::parse::raw::{At, RawCluster, RawModel, RawShard};

/// Where one shard sits in the key space: its checked `range` or `keys`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Place {
    pub range: Option<(i64, i64)>,
    pub keys: Vec<ListKey>,
}

/// A cluster's placement, checked.
pub(crate) struct Placement {
    /// What its models' shard keys are checked against.
    pub strategy: Strategy,
    /// One per declared shard, in declaration order (empty for a cluster without shards).
    pub shards: Vec<Place>,
}

/// What a model's shard key is checked against: its cluster's strategy as declared.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Strategy {
    /// `shard_by`, when declared and usable.
    pub shard_by: Option<ShardBy>,
    /// `shard_by` is declared but unusable (reported). Nothing is checked against it then:
    /// "no `shard_by`" or a type that does not fit would only repeat that problem.
    pub broken: bool,
    /// With `shard_by = "list"`: the kind of the listed keys, when they are all of one kind.
    pub list_keys: Option<KeyKind>,
}

/// The two kinds of `list` keys, which a shard key's type must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Int,
    Str,
}

impl KeyKind {
    fn of(key: &ListKey) -> KeyKind {
        match key {
            ListKey::Int(_) => KeyKind::Int,
            ListKey::Str(_) => KeyKind::Str,
        }
    }

    /// The kind of key a shard key of this type compares with, if any.
    fn of_type(ty: FieldType) -> Option<KeyKind> {
        if ty.is_integer() {
            Some(KeyKind::Int)
        } else if ty == FieldType::String {
            Some(KeyKind::Str)
        } else {
            None
        }
    }

    fn one(self) -> &'static str {
        match self {
            KeyKind::Int => "an integer",
            KeyKind::Str => "a string",
        }
    }

    fn many(self) -> &'static str {
        match self {
            KeyKind::Int => "integers",
            KeyKind::Str => "strings",
        }
    }
}

/// The name a declaration uses for `strategy`.
fn strategy_name(strategy: ShardBy) -> &'static str {
    ShardBy::ALL
        .iter()
        .find(|(_, s)| *s == strategy)
        .map_or("?", |(name, _)| *name)
}

/// A list key as written (strings quoted).
fn shown(key: &ListKey) -> String {
    match key {
        ListKey::Int(n) => n.to_string(),
        ListKey::Str(s) => format!("{s:?}"),
    }
}

/// Check a cluster's `shard_by` and its shards' `range` and `keys`.
pub(crate) fn cluster(raw: &RawCluster, report: &mut Report<'_>) -> Placement {
    let (shard_by, broken) = shard_by(raw, report);
    let shards = raw.shards.as_ref().map_or(&[][..], |s| &s.value[..]);
    let mut places = vec![Place::default(); shards.len()];
    let cluster = Declared {
        name: &raw.name.value,
        shard_by,
        broken,
    };
    ranges(&cluster, shards, &mut places, report);
    let list_keys = lists(&cluster, shards, &mut places, report);
    Placement {
        strategy: Strategy {
            shard_by,
            broken,
            list_keys,
        },
        shards: places,
    }
}

/// The strategy a cluster declares, and whether it declared one it cannot have.
fn shard_by(raw: &RawCluster, report: &mut Report<'_>) -> (Option<ShardBy>, bool) {
    if !raw.shard_by_known {
        return (None, true);
    }
    let Some(at) = &raw.shard_by else {
        return (None, false);
    };
    let names = ShardBy::ALL.iter().map(|(name, _)| *name);
    let Some(&(_, strategy)) = ShardBy::ALL.iter().find(|(name, _)| *name == at.value) else {
        let all = names.clone().collect::<Vec<_>>().join(", ");
        let hint = match did_you_mean(&at.value, names) {
            Some(close) => format!("did you mean {close:?}? expected one of: {all}"),
            None => format!("expected one of: {all}"),
        };
        report.error_with_hint(&at.loc, format!("unknown shard_by {:?}", at.value), hint);
        return (None, true);
    };
    if raw.shards.is_none() {
        let cluster = &raw.name.value;
        report.error_with_hint(
            &at.loc,
            format!("`shard_by` on cluster {cluster:?}, which has no shards"),
            format!(
                "`shard_by` chooses among a cluster's shards: declare them as \
                 `[cluster.{cluster}.shard.NAME]` tables with a `writer` each (instead of the \
                 top-level `writer`), or remove `shard_by`"
            ),
        );
        return (None, true);
    }
    (Some(strategy), false)
}

/// What the shard checks need to know about their cluster.
struct Declared<'c> {
    name: &'c str,
    shard_by: Option<ShardBy>,
    broken: bool,
}

impl Declared<'_> {
    /// Whether a shard's `key` (`range` or `keys`, which only `wanted` uses) is allowed;
    /// reported when it is not.
    fn allows(
        &self,
        key: &str,
        at: &At<impl Sized>,
        shard: &str,
        wanted: ShardBy,
        report: &mut Report<'_>,
    ) -> bool {
        if self.shard_by == Some(wanted) {
            return true;
        }
        // A `shard_by` that is not usable was reported; which keys fit it is unknown.
        if !self.broken {
            let cluster = self.name;
            let wanted = strategy_name(wanted);
            let has = match self.shard_by {
                Some(other) => format!("has `shard_by = \"{}\"`", strategy_name(other)),
                None => "has no `shard_by`".to_owned(),
            };
            report.error_with_hint(
                &at.loc,
                format!(
                    "`{key}` of shard {shard:?} is only for a cluster with \
                     `shard_by = \"{wanted}\"`, and cluster {cluster:?} {has}"
                ),
                format!(
                    "set `shard_by = \"{wanted}\"` in `[cluster.{cluster}]`, or remove `{key}`"
                ),
            );
        }
        false
    }
}

/// Each shard's `range`: allowed with `shard_by = "range"`, then required, not empty, and
/// not overlapping another's.
fn ranges(
    cluster: &Declared<'_>,
    shards: &[RawShard],
    places: &mut [Place],
    report: &mut Report<'_>,
) {
    let by_range = cluster.shard_by == Some(ShardBy::Range);
    let name = cluster.name;
    // (start, end, shard index) of every valid range.
    let mut valid = Vec::with_capacity(shards.len());
    for (index, (shard, place)) in shards.iter().zip(places.iter_mut()).enumerate() {
        let shard_name = &shard.name.value;
        let Some(range) = &shard.range else {
            // A shard with a shape problem may have a `range` that was not two integers.
            if by_range && shard.complete {
                report.error_with_hint(
                    &shard.name.loc,
                    format!("shard {shard_name:?} of cluster {name:?} has no `range`"),
                    "with `shard_by = \"range\"`, every shard declares the keys it holds, e.g. \
                     `range = [0, 1000]` for the keys from 0 to 999",
                );
            }
            continue;
        };
        if !cluster.allows("range", range, shard_name, ShardBy::Range, report) {
            continue;
        }
        let (start, end) = range.value;
        if start >= end {
            report.error_with_hint(
                &range.loc,
                format!(
                    "range [{start}, {end}] of shard {shard_name:?} of cluster {name:?} is empty"
                ),
                "a shard holds the keys from `start` (included) to `end` (excluded), so `start` \
                 must be less than `end`",
            );
            continue;
        }
        place.range = Some((start, end));
        valid.push((start, end, index));
    }
    overlaps(name, shards, valid, report);
}

/// Report ranges that share keys: sorted by start, a range overlaps an earlier one exactly when
/// it starts before the largest end so far. Each overlap is reported at the shard declared
/// later, naming the other.
fn overlaps(
    cluster: &str,
    shards: &[RawShard],
    mut valid: Vec<(i64, i64, usize)>,
    report: &mut Report<'_>,
) {
    valid.sort_unstable();
    let mut widest: Option<(i64, i64, usize)> = None;
    for (start, end, index) in valid {
        if let Some((other_start, other_end, other)) = widest {
            if start < other_end {
                let ((later, later_range), (earlier, earlier_range)) = if index > other {
                    ((index, (start, end)), (other, (other_start, other_end)))
                } else {
                    ((other, (other_start, other_end)), (index, (start, end)))
                };
                if let (Some(later), Some(earlier)) = (shards.get(later), shards.get(earlier))
                    && let Some(at) = &later.range
                {
                    report.error_with_hint(
                        &at.loc,
                        format!(
                            "range [{}, {}] of shard {:?} overlaps range [{}, {}] of shard {:?} \
                             of cluster {cluster:?}",
                            later_range.0,
                            later_range.1,
                            later.name.value,
                            earlier_range.0,
                            earlier_range.1,
                            earlier.name.value
                        ),
                        "a key belongs to one shard; ranges are half-open (`[0, 100]` holds 0 to \
                         99), so `[0, 100]` and `[100, 200]` do not overlap",
                    );
                }
            }
            if end <= other_end {
                continue;
            }
        }
        widest = Some((start, end, index));
    }
}

/// Each shard's `keys`: allowed with `shard_by = "list"`, then required, not empty, all of one
/// kind across the cluster and each on one shard. Returns that kind, when there is one.
fn lists(
    cluster: &Declared<'_>,
    shards: &[RawShard],
    places: &mut [Place],
    report: &mut Report<'_>,
) -> Option<KeyKind> {
    let by_list = cluster.shard_by == Some(ShardBy::List);
    let name = cluster.name;
    // The cluster's first key, which sets the kind, and its shard.
    let mut first: Option<(&ListKey, &str)> = None;
    let mut mixed = false;
    // Where each key was first listed: its shard's index and name, and its location.
    let mut listed = HashMap::new();
    for (index, (shard, place)) in shards.iter().zip(places.iter_mut()).enumerate() {
        let shard_name = shard.name.value.as_str();
        let Some(keys) = &shard.keys else {
            if by_list && shard.complete {
                report.error_with_hint(
                    &shard.name.loc,
                    format!("shard {shard_name:?} of cluster {name:?} has no `keys`"),
                    "with `shard_by = \"list\"`, every shard lists the keys it holds, e.g. \
                     `keys = [\"eu\", \"uk\"]`",
                );
            }
            continue;
        };
        if !cluster.allows("keys", keys, shard_name, ShardBy::List, report) {
            continue;
        }
        if keys.value.is_empty() {
            report.error_with_hint(
                &keys.loc,
                format!("`keys` of shard {shard_name:?} of cluster {name:?} is empty"),
                "list the keys the shard holds, e.g. `keys = [\"eu\", \"uk\"]`",
            );
            continue;
        }
        // One report per shard: its first key of the other kind says what is wrong.
        let mut odd_reported = false;
        for key in &keys.value {
            let kind = KeyKind::of(&key.value);
            match first {
                None => first = Some((&key.value, shard_name)),
                Some((first_key, first_shard)) if KeyKind::of(first_key) != kind => {
                    mixed = true;
                    if !odd_reported {
                        odd_reported = true;
                        report.error_with_hint(
                            &key.loc,
                            format!(
                                "key {} of shard {shard_name:?} is {}, but the first key of \
                                 cluster {name:?}, {} of shard {first_shard:?}, is {}",
                                shown(&key.value),
                                kind.one(),
                                shown(first_key),
                                KeyKind::of(first_key).one()
                            ),
                            "the keys of a cluster are all strings (for a string shard key) or \
                             all integers (for an integer one)",
                        );
                    }
                }
                Some(_) => {}
            }
            match listed.entry(&key.value) {
                Entry::Occupied(seen) => {
                    let (first_index, first_shard, first_loc): (usize, &str, _) = *seen.get();
                    let key_shown = shown(&key.value);
                    let message = if first_index == index {
                        format!(
                            "key {key_shown} is listed twice in shard {shard_name:?} of \
                             cluster {name:?}"
                        )
                    } else {
                        format!(
                            "key {key_shown} of shard {shard_name:?} is already listed by shard \
                             {first_shard:?} of cluster {name:?}"
                        )
                    };
                    report.duplicate_with_hint(
                        &key.loc,
                        message,
                        first_loc,
                        "a key is listed once, by the shard that holds it",
                    );
                }
                Entry::Vacant(slot) => {
                    slot.insert((index, shard_name, &key.loc));
                }
            }
        }
        place.keys = keys.value.iter().map(|key| key.value.clone()).collect();
    }
    if mixed {
        None
    } else {
        first.map(|(key, _)| KeyKind::of(key))
    }
}

/// A model's `shard_key` and `unique_across_shards`, checked.
#[derive(Debug, Default)]
pub(crate) struct ModelPlacement {
    pub shard_key: Option<String>,
    pub unique_across_shards: bool,
}

/// Check a model's `shard_key` against its fields and its cluster's strategy, and that its
/// primary key cannot repeat across the shards of its cluster. `fields` are the raw fields
/// resolved (`None` for one with a problem), `cluster` the model's cluster when it resolved.
pub(crate) fn model(
    raw: &RawModel,
    fields: &[Option<Field>],
    primary_key: Option<usize>,
    cluster: Option<(&Cluster, &Strategy)>,
    report: &mut Report<'_>,
) -> ModelPlacement {
    let unique = raw.unique_across_shards.as_ref().is_some_and(|u| u.value);
    if let Some(key) = &raw.shard_key {
        shard_key(raw, key, fields, cluster, report);
    }
    if let (Some(at), Some((cluster, _))) = (&raw.unique_across_shards, cluster)
        && at.value
        && !cluster.sharded
    {
        report.error_with_hint(
            &at.loc,
            format!(
                "`unique_across_shards` on model {:?} of cluster {:?}, which is not sharded",
                raw.name.value, cluster.name
            ),
            "keys can only repeat across the shards of a sharded cluster: remove it",
        );
    }
    if let Some((cluster, _)) = cluster
        && cluster.sharded
        && !unique
        // A shape problem may be in the very keys this is about.
        && raw.complete
    {
        repeating_key(raw, fields, primary_key, cluster, report);
    }
    ModelPlacement {
        shard_key: raw.shard_key.as_ref().map(|key| key.value.clone()),
        unique_across_shards: unique,
    }
}

/// The field `shard_key` names: it exists, can hold every row's key, and fits the strategy.
fn shard_key(
    raw: &RawModel,
    key: &At<String>,
    fields: &[Option<Field>],
    cluster: Option<(&Cluster, &Strategy)>,
    report: &mut Report<'_>,
) {
    let model = &raw.name.value;
    let field = match raw.fields.iter().position(|f| f.name.value == key.value) {
        Some(index) => fields.get(index).and_then(Option::as_ref),
        None => {
            let names = raw.fields.iter().map(|f| f.name.value.as_str());
            let hint = || match did_you_mean(&key.value, names.clone()) {
                Some(close) => format!("did you mean {close:?}?"),
                None => format!(
                    "fields of model {model:?}: {}",
                    names.clone().collect::<Vec<_>>().join(", ")
                ),
            };
            report.error_with_costly_hint(
                &key.loc,
                format!(
                    "`shard_key` names unknown field {:?} of model {model:?}",
                    key.value
                ),
                hint,
            );
            None
        }
    };
    if let Some(field) = field {
        if field.nullable {
            report.error_with_hint(
                &key.loc,
                format!("shard key {:?} of model {model:?} is nullable", field.name),
                "a row without a shard key has no shard: remove `nullable = true` from the \
                 field, or choose another",
            );
        }
        if field.primary_key && field.ty.is_integer() {
            report.error_with_hint(
                &key.loc,
                format!(
                    "shard key {:?} of model {model:?} is its auto-increment primary key",
                    field.name
                ),
                "integer primary keys are assigned by the database after the shard is chosen, \
                 so they cannot choose it: shard by another field, or use a string or uuid key",
            );
        }
    }
    let Some((cluster, strategy)) = cluster else {
        return;
    };
    // A `shard_by` the cluster cannot have was reported there.
    if strategy.broken {
        return;
    }
    let cluster_name = &cluster.name;
    let Some(shard_by) = strategy.shard_by else {
        let (why, hint) = if cluster.sharded {
            (
                "has no `shard_by`",
                format!(
                    "declare how cluster {cluster_name:?} places rows on its shards in \
                     `[cluster.{cluster_name}]`, e.g. `shard_by = \"hash\"` (one of hash, \
                     range, list)"
                ),
            )
        } else {
            (
                "is not sharded",
                "a shard key chooses one of a cluster's shards: put the model in a sharded \
                 cluster that declares `shard_by`, or remove `shard_key`"
                    .to_owned(),
            )
        };
        report.error_with_hint(
            &key.loc,
            format!("shard key of model {model:?} in cluster {cluster_name:?}, which {why}"),
            hint,
        );
        return;
    };
    let Some(field) = field else {
        return;
    };
    let by = strategy_name(shard_by);
    if !shard_by.accepts(field.ty) {
        let hint = match shard_by {
            ShardBy::Hash => "hash places integer (i16, i32, i64), string and uuid keys",
            ShardBy::Range => {
                "range places integer keys (i16, i32, i64); place a string or uuid key by hash"
            }
            ShardBy::List => "list places integer (i16, i32, i64) and string keys",
        };
        report.error_with_hint(
            &key.loc,
            format!(
                "shard key {:?} of model {model:?} has type {}, which `shard_by = \
                 \"{by}\"` cannot place",
                field.name,
                field.ty.name()
            ),
            hint,
        );
        return;
    }
    if let (ShardBy::List, Some(listed), Some(kind)) =
        (shard_by, strategy.list_keys, KeyKind::of_type(field.ty))
        && listed != kind
    {
        let hint = if kind == KeyKind::Str {
            "list strings (`keys = [\"eu\"]`) for a string shard key, or choose an integer field"
        } else {
            "list integers (`keys = [1, 2]`) for an integer shard key, or choose a string field"
        };
        report.error_with_hint(
            &key.loc,
            format!(
                "shard key {:?} of model {model:?} has type {}, but the `keys` of cluster \
                 {cluster_name:?} are {}",
                field.name,
                field.ty.name(),
                listed.many()
            ),
            hint,
        );
    }
}

/// In a sharded cluster, an integer or string primary key that does not place its row can
/// repeat across shards (each shard's database checks only its own rows), unless the app
/// promises otherwise. A uuid key is random, and a key that is the shard key is on one shard.
fn repeating_key(
    raw: &RawModel,
    fields: &[Option<Field>],
    primary_key: Option<usize>,
    cluster: &Cluster,
    report: &mut Report<'_>,
) {
    let Some(index) = primary_key else {
        return;
    };
    let (Some(Some(key)), Some(raw_key)) = (fields.get(index), raw.fields.get(index)) else {
        return;
    };
    let is_shard_key = raw
        .shard_key
        .as_ref()
        .is_some_and(|shard_key| shard_key.value == key.name);
    if is_shard_key || !(key.ty.is_integer() || key.ty == FieldType::String) {
        return;
    }
    let promise = "declare `unique_across_shards = true` on the model if the app guarantees \
                   keys never repeat across shards";
    let hint = if key.ty.is_integer() {
        format!(
            "each shard's database assigns integer keys on its own, so shards hand out the same \
             keys: use a uuid key, or {promise}"
        )
    } else if cluster.shard_by.is_some() {
        format!("use a uuid key, make this key the model's `shard_key`, or {promise}")
    } else {
        format!(
            "use a uuid key, make this key the model's `shard_key` (with a `shard_by` on cluster \
             {:?}), or {promise}",
            cluster.name
        )
    };
    report.error_with_hint(
        &raw_key.name.loc,
        format!(
            "primary key {:?} of model {:?} may repeat across the shards of cluster {:?}",
            key.name, raw.name.value, cluster.name
        ),
        hint,
    );
}
