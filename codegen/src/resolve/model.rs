//! Models: their cluster and table, fields, primary key, indexes, and the names they generate.
//! Relations are resolved afterwards (`super::relation`), when every model's fields are known.

use std::collections::BTreeMap;

use super::claims::Claims;
use super::cluster::Clusters;
use super::field::{self, unbounded, unbounded_hint};
use super::names::{
    Origin, Sql, check_model, check_renamed_from, check_sql, claim_types, is_sql_name,
};
use super::options::Options;
use super::placement;
use crate::diagnostics::{Loc, Report, did_you_mean};
use crate::ident;
use crate::model::{FieldType, Index, Model};
use crate::parse::raw::{At, RawField, RawIndex, RawModel};

/// Names that must be unique across models: generated types (shared with clusters), accessors,
/// and per cluster the SQL relation names (tables and indexes share one namespace in PostgreSQL
/// and SQLite).
struct Taken<'t> {
    types: &'t mut Claims,
    accessors: Claims,
    relations: Claims,
}

impl Taken<'_> {
    /// Claim a table or index name in `cluster`. SQL names compare case-insensitively.
    fn relation(&mut self, cluster: &str, name: &str, loc: &Loc) -> Option<Loc> {
        self.relations
            .claim(format!("{cluster}.{}", name.to_ascii_lowercase()), loc)
    }
}

/// Resolve every model (already unique by name) against the resolved clusters, without its
/// relations. `types` is the namespace of generated type names, shared with clusters.
pub(crate) fn resolve(
    raw: &[RawModel],
    clusters: &Clusters,
    options: Options,
    types: &mut Claims,
    report: &mut Report<'_>,
) -> BTreeMap<String, Model> {
    if clusters.declared.is_empty()
        && let Some(first) = raw.first()
    {
        report.error_with_hint(
            &first.name.loc,
            format!(
                "model {:?} needs a cluster, but no cluster is declared",
                first.name.value
            ),
            "declare one, e.g. `[cluster.primary]` with `writer = \"${DATABASE_URL}\"`",
        );
    }
    let mut taken = Taken {
        types,
        accessors: Claims::default(),
        relations: Claims::default(),
    };
    let mut models = BTreeMap::new();
    for model in raw {
        let before = report.count();
        let resolved = resolve_one(model, clusters, options, &mut taken, report);
        if let (Some(resolved), true) = (resolved, report.count() == before) {
            models.insert(resolved.name.clone(), resolved);
        }
    }
    models
}

fn resolve_one(
    raw: &RawModel,
    clusters: &Clusters,
    options: Options,
    taken: &mut Taken<'_>,
    report: &mut Report<'_>,
) -> Option<Model> {
    let name = &raw.name.value;
    let named = check_model(report, &raw.name);
    if named {
        check_generated_names(raw, taken, report);
    }
    let cluster = cluster_of(raw, clusters, report);
    let table = raw.table.clone().unwrap_or_else(|| At {
        value: ident::snake_plural(name),
        loc: raw.name.loc.clone(),
    });
    // A derived table name is only as good as the model name, which was checked above.
    let origin = match raw.table {
        Some(_) => Origin::Declared,
        None => Origin::Derived("declare another with `table = \"...\"`"),
    };
    if raw.table.is_some() || named {
        check_sql(report, &table.value, &table.loc, Sql::Table, origin);
    }
    if let Some(old) = &raw.renamed_from {
        check_renamed_from(report, old, &table.value, Sql::Table);
    }
    if let Some(cluster) = &cluster
        && let Some(first) = taken.relation(cluster, &table.value, &table.loc)
    {
        let message = format!(
            "table {:?} of model {name:?} is already used in cluster {cluster:?}",
            table.value
        );
        report.duplicate(&table.loc, message, &first);
    }
    check_field_names(raw, report);
    let fields: Vec<_> = raw
        .fields
        .iter()
        .map(|f| field::resolve(f, report))
        .collect();
    let primary_key = primary_key(raw, report);
    let indexes: Vec<_> = raw
        .indexes
        .iter()
        .map(|index| self::index(index, raw, &table.value, cluster.as_deref(), taken, report))
        .collect();
    // Placement needs the cluster's topology: skipped for a cluster with problems of its own.
    let resolved_cluster = cluster
        .as_deref()
        .and_then(|name| Some((clusters.resolved.get(name)?, clusters.strategies.get(name)?)));
    let placed = placement::model(raw, &fields, primary_key, resolved_cluster, report);
    Some(Model {
        name: name.clone(),
        cluster: cluster?,
        table: table.value,
        doc: raw.doc.as_ref().map(|doc| doc.value.clone()),
        renamed_from: raw.renamed_from.as_ref().map(|r| r.value.clone()),
        fields: fields.into_iter().collect::<Option<_>>()?,
        primary_key: primary_key?,
        indexes: indexes.into_iter().collect::<Option<_>>()?,
        // Filled in by `relation::resolve` once every model's fields are known.
        relations: Vec::new(),
        shard_key: placed.shard_key,
        unique_across_shards: placed.unique_across_shards,
        // The model's own `serde` overrides `[options]` either way.
        serde: raw
            .serde
            .as_ref()
            .map_or(options.serde, |serde| serde.value),
    })
}

/// The model's Rust names must not collide with other generated names: its types (including the
/// `Loaded*` wrapper and `*Include` builder of eager loading) with the types of clusters and
/// other models, its accessor (`ident::snake_plural`) with other models'
/// and with the cluster handle's methods.
fn check_generated_names(raw: &RawModel, taken: &mut Taken<'_>, report: &mut Report<'_>) {
    let name = &raw.name.value;
    let loc = &raw.name.loc;
    let generated = [
        name.clone(),
        ident::new_struct(name),
        ident::patch_struct(name),
        ident::repository(name),
        ident::loaded_struct(name),
        ident::include_struct(name),
    ];
    claim_types(report, taken.types, &raw.name, "model", &generated);
    let accessor = ident::snake_plural(name);
    let clash = if ident::CLUSTER_HANDLE_METHODS.contains(&accessor.as_str()) {
        Some("a method of the cluster handle")
    } else if ident::is_keyword(&accessor) {
        Some("a Rust keyword")
    } else {
        None
    };
    if let Some(clash) = clash {
        report.error_with_hint(
            loc,
            format!("model {name:?} would get the accessor `{accessor}`, which is {clash}"),
            "rename the model",
        );
    }
    if let Some(first) = taken.accessors.claim(accessor.as_str(), loc) {
        let message = format!("model {name:?} gets the accessor `{accessor}`, like another model");
        report.duplicate(loc, message, &first);
    }
}

/// The cluster a model lives in: the declared one, or the default cluster.
fn cluster_of(raw: &RawModel, clusters: &Clusters, report: &mut Report<'_>) -> Option<String> {
    let Some(declared) = &raw.cluster else {
        // No default cluster was already reported (as "no default" or "no clusters").
        return clusters.default.clone();
    };
    if clusters.declared.contains(&declared.value) {
        return Some(declared.value.clone());
    }
    if !clusters.declared.is_empty() {
        let names = clusters.declared.iter().map(String::as_str);
        let hint = || match did_you_mean(&declared.value, names) {
            Some(close) => format!("did you mean {close:?}?"),
            None => format!("declared clusters: {}", clusters.declared.join(", ")),
        };
        report.error_with_costly_hint(
            &declared.loc,
            format!("unknown cluster {:?}", declared.value),
            hint,
        );
    }
    None
}

/// Fields must map to distinct columns and distinct column constants.
fn check_field_names(raw: &RawModel, report: &mut Report<'_>) {
    let model = &raw.name.value;
    let mut columns = Claims::default();
    let mut constants = Claims::default();
    for field in &raw.fields {
        let name = &field.name.value;
        let column = field.column.as_ref().unwrap_or(&field.name);
        // SQL column names are case-insensitive in SQLite and MySQL.
        if let Some(first) = columns.claim(column.value.to_ascii_lowercase(), &column.loc) {
            let message = format!(
                "column {:?} of model {model:?} is used by two fields",
                column.value
            );
            report.duplicate(&column.loc, message, &first);
        }
        let constant = ident::constant(name);
        if let Some(first) = constants.claim(constant.as_str(), &field.name.loc) {
            let message = format!(
                "field {name:?} generates the column constant `{constant}`, like another field \
                 of model {model:?}"
            );
            report.duplicate(&field.name.loc, message, &first);
        }
    }
}

/// Index into the fields of the single primary key.
fn primary_key(raw: &RawModel, report: &mut Report<'_>) -> Option<usize> {
    let model = &raw.name.value;
    let keys: Vec<(usize, &At<bool>)> = raw
        .fields
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            f.primary_key
                .as_ref()
                .filter(|pk| pk.value)
                .map(|pk| (i, pk))
        })
        .collect();
    match keys.as_slice() {
        [(index, _)] => Some(*index),
        [(_, first), rest @ ..] => {
            for (_, second) in rest {
                let message = format!(
                    "model {model:?} has a second primary key; first declared at {}",
                    report.position(&first.loc)
                );
                let diagnostic = report.at(&second.loc, message).with_hint(
                    "composite primary keys are not supported: keep one key and add a unique \
                     index over the other fields",
                );
                report.push(diagnostic);
            }
            None
        }
        // Skipped when a field had a shape problem: the key may be the field that failed.
        [] if !raw.complete => None,
        [] if raw.fields.is_empty() => {
            report.error_with_hint(
                &raw.name.loc,
                format!("model {model:?} has no fields"),
                format!("declare them in a `[model.{model}.fields]` table"),
            );
            None
        }
        [] => {
            report.error_with_hint(
                &raw.name.loc,
                format!("model {model:?} has no primary key"),
                "mark one field with `primary_key = true`, e.g. \
                 `id = { type = \"i64\", primary_key = true }`",
            );
            None
        }
    }
}

/// One index of a model; its name is claimed in the cluster's relation namespace.
fn index(
    raw: &RawIndex,
    model: &RawModel,
    table: &str,
    cluster: Option<&str>,
    taken: &mut Taken<'_>,
    report: &mut Report<'_>,
) -> Option<Index> {
    let fields = raw.fields.as_ref()?;
    if fields.value.is_empty() {
        report.error_with_hint(
            &fields.loc,
            "an index needs at least one field",
            "list the indexed fields, e.g. `fields = [\"email\"]`",
        );
        return None;
    }
    let mut listed = Claims::default();
    let mut columns = Vec::with_capacity(fields.value.len());
    for name in &fields.value {
        if let Some(first) = listed.claim(name.value.as_str(), &name.loc) {
            let message = format!("field {:?} is listed twice in this index", name.value);
            report.duplicate(&name.loc, message, &first);
        }
        if let Some(field) = indexed_field(name, model, report) {
            columns.push(field.column.as_ref().unwrap_or(&field.name).value.as_str());
        }
    }
    if columns.len() != fields.value.len() {
        return None;
    }
    let name = match &raw.name {
        Some(name) => name.clone(),
        None => At {
            value: format!("{table}_{}_idx", columns.join("_")),
            loc: raw.loc.clone(),
        },
    };
    let valid_name = match &raw.name {
        Some(_) => check_sql(report, &name.value, &name.loc, Sql::Index, Origin::Declared),
        // A name derived from an invalid table or column name is invalid for the same reason,
        // which is reported where that name is.
        None if !is_sql_name(table, Sql::Table)
            || !columns.iter().all(|c| is_sql_name(c, Sql::Column)) =>
        {
            return None;
        }
        None => {
            let fix = "declare another with `name = \"...\"`";
            check_sql(
                report,
                &name.value,
                &name.loc,
                Sql::Index,
                Origin::Derived(fix),
            )
        }
    };
    if let (true, Some(cluster)) = (valid_name, cluster)
        && let Some(first) = taken.relation(cluster, &name.value, &name.loc)
    {
        let message = format!(
            "index name {:?} is already used in cluster {cluster:?}",
            name.value
        );
        report.duplicate(&name.loc, message, &first);
    }
    Some(Index {
        name: name.value,
        fields: fields.value.iter().map(|f| f.value.clone()).collect(),
        unique: raw.unique.as_ref().is_some_and(|u| u.value),
    })
}

/// The field an index names, if it exists and can be indexed (reported otherwise).
fn indexed_field<'m>(
    name: &At<String>,
    model: &'m RawModel,
    report: &mut Report<'_>,
) -> Option<&'m RawField> {
    let Some(field) = model.fields.iter().find(|f| f.name.value == name.value) else {
        let names = model.fields.iter().map(|f| f.name.value.as_str());
        let hint = || match did_you_mean(&name.value, names.clone()) {
            Some(close) => format!("did you mean {close:?}?"),
            None => format!(
                "fields of model {:?}: {}",
                model.name.value,
                names.collect::<Vec<_>>().join(", ")
            ),
        };
        report.error_with_costly_hint(
            &name.loc,
            format!("index names unknown field {:?}", name.value),
            hint,
        );
        return None;
    };
    let ty = field
        .ty
        .as_ref()
        .and_then(|ty| FieldType::from_name(&ty.value));
    if let Some(ty) = ty.filter(|ty| unbounded(*ty)) {
        report.error_with_hint(
            &name.loc,
            format!(
                "field {:?} of type {} cannot be indexed",
                name.value,
                ty.name()
            ),
            unbounded_hint(ty),
        );
        return None;
    }
    Some(field)
}
