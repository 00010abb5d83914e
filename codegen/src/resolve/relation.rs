//! Relations between models: kinds and key conventions, through-chains, inverses and order.
//!
//! Runs once every model's fields are resolved. Each relation is resolved once into a chain of
//! hops and memoized, so a relation that several through-relations use reports its problems
//! once; through-relations recurse into the relations they go through, with cycle detection.
//!
//! Checks that need a model's fields run only when that model resolved without problems: a
//! model that failed has reported why, and "no such field" on top of it would be noise.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use super::claims::Claims;
use super::names::check_snake;
use crate::diagnostics::{Loc, Report, did_you_mean};
use crate::ident;
use crate::model::{Field, Hop, Model, OrderKey, Relation, RelationKind};
use crate::parse::raw::{At, RawModel, RawRelation, kind_key};

/// What relation keys may be, for hints.
const KEY_TYPES: &str = "relation keys have type i16, i32, i64, string or uuid";

/// Most hops a relation chain may have. Through-relations nest at most this deep too (each
/// level adds a hop), which bounds the recursion whatever the declarations say.
const MAX_HOPS: usize = 32;

/// How `order` is written, for hints.
const ORDER_SYNTAX: &str = "write sort keys as `field`, `field asc` or `field desc`, separated \
                            by commas, e.g. `order = \"created_at desc, title\"`";

/// Resolve the relations of every model into `models` (the models that resolved without
/// problems, by name). A model with a relation that has a problem is removed from `models`.
pub(crate) fn resolve(
    raw: &[RawModel],
    models: &mut BTreeMap<String, Model>,
    report: &mut Report<'_>,
) {
    let outcome: Vec<Option<Vec<Relation>>> = {
        let mut resolver = Resolver {
            raw,
            models,
            index: raw
                .iter()
                .enumerate()
                .map(|(i, m)| (m.name.value.as_str(), i))
                .collect(),
            state: raw
                .iter()
                .map(|m| vec![State::Unvisited; m.relations.len()])
                .collect(),
            stack: Vec::new(),
            too_deep: false,
            report,
        };
        let names_ok: Vec<Vec<bool>> = (0..raw.len()).map(|m| resolver.check_names(m)).collect();
        for (m, model) in raw.iter().enumerate() {
            for r in 0..model.relations.len() {
                resolver.chain(m, r);
            }
        }
        raw.iter()
            .enumerate()
            .map(|(m, model)| {
                let relations: Vec<Option<Relation>> = (0..model.relations.len())
                    .map(|r| resolver.finish(m, r).filter(|_| names_ok[m][r]))
                    .collect();
                relations.into_iter().collect()
            })
            .collect()
    };
    for (model, relations) in raw.iter().zip(outcome) {
        let name = &model.name.value;
        match relations {
            Some(relations) => {
                if let Some(model) = models.get_mut(name) {
                    model.relations = relations;
                }
            }
            None => {
                models.remove(name);
            }
        }
    }
}

/// Where the resolution of one relation stands.
#[derive(Debug, Clone)]
enum State {
    Unvisited,
    /// On the stack: reaching it again is a cycle.
    InProgress,
    /// Resolved; `None` when it has a problem (reported once, when it was resolved).
    Done(Option<Chain>),
}

/// A relation resolved as far as the declarations allow.
#[derive(Debug, Clone)]
struct Chain {
    /// The model reached (index into the raw models).
    target: usize,
    /// The hops, or `None` when a model on the way did not resolve (its fields are unknown).
    hops: Option<Vec<Hop>>,
    /// How many hops the chain has (known even when `hops` is not).
    len: usize,
    /// Declared `has_many` (a through-relation declared `has_one` has no to-many step).
    many: bool,
    /// See `Relation::optional`.
    optional: bool,
}

/// A relation being resolved, and the key it is being followed by (for cycle reports).
struct Frame {
    model: usize,
    relation: usize,
    edge: Option<Loc>,
}

struct Resolver<'a, 'f> {
    raw: &'a [RawModel],
    /// Models that resolved without problems, by name.
    models: &'a BTreeMap<String, Model>,
    /// Index into `raw` by model name.
    index: HashMap<&'a str, usize>,
    /// By model, then relation, both in declaration order.
    state: Vec<Vec<State>>,
    stack: Vec<Frame>,
    /// A relation nested deeper than `MAX_HOPS` was reported (once is enough: every relation
    /// above it on the stack is too long for the same reason).
    too_deep: bool,
    report: &'a mut Report<'f>,
}

impl<'a> Resolver<'a, '_> {
    /// The relation of model `m` that `name` (the value of option `key`) names, or a report
    /// saying it names none, with the closest name as a hint.
    fn named_relation(&mut self, m: usize, name: &At<String>, key: &str) -> Option<usize> {
        let on = &self.raw[m];
        if let Some(index) = on.relations.iter().position(|r| r.name.value == name.value) {
            return Some(index);
        }
        let message = format!(
            "`{key}` names unknown relation {:?} of model {:?}",
            name.value, on.name.value
        );
        let hint = || relation_hint(&name.value, on);
        self.report.error_with_costly_hint(&name.loc, message, hint);
        None
    }

    fn relation(&self, m: usize, r: usize) -> &'a RawRelation {
        &self.raw[m].relations[r]
    }

    fn model_name(&self, m: usize) -> &'a str {
        &self.raw[m].name.value
    }

    /// The resolved model at raw index `m`, if it resolved without problems.
    fn resolved(&self, m: usize) -> Option<&'a Model> {
        self.models.get(self.model_name(m))
    }

    /// Relation names of model `m` must be snake_case and not collide with its fields or with
    /// the methods generated for relations. Whether each relation passed.
    fn check_names(&mut self, m: usize) -> Vec<bool> {
        let raw = &self.raw[m];
        let model = &raw.name.value;
        let report = &mut *self.report;
        let mut ok = Vec::with_capacity(raw.relations.len());
        let mut constants = Claims::default();
        for relation in &raw.relations {
            let before = report.count();
            let name = &relation.name.value;
            let loc = &relation.name.loc;
            if check_snake(report, &relation.name, "relation") {
                let constant = ident::constant(name);
                let same_name = raw.fields.iter().find(|f| f.name.value == *name);
                let same_constant = raw
                    .fields
                    .iter()
                    .find(|f| ident::constant(&f.name.value) == constant);
                if let Some(field) = same_name {
                    let message =
                        format!("relation {name:?} of model {model:?} is named like a field");
                    report.duplicate(loc, message, &field.name.loc);
                } else if let Some(field) = same_constant {
                    let field = &field.name;
                    let message = format!(
                        "relation {name:?} generates the constant `{constant}`, like field {:?} \
                         of model {model:?}",
                        field.value
                    );
                    report.duplicate(loc, message, &field.loc);
                } else if let Some(first) = constants.claim(constant.as_str(), loc) {
                    let message = format!(
                        "relation {name:?} generates the constant `{constant}`, like another \
                         relation of model {model:?}"
                    );
                    report.duplicate(loc, message, &first);
                }
                if ident::LOADED_METHODS.contains(&name.as_str()) {
                    report.error_with_hint(
                        loc,
                        format!(
                            "relation {name:?} of model {model:?} would get the accessor \
                             `{name}`, which is a method of `{}`",
                            ident::loaded_struct(model)
                        ),
                        "rename the relation",
                    );
                }
            }
            ok.push(report.count() == before);
        }
        // `x` and `x_with` (the include method of `x`), and a direct has_one or has_many `x` and
        // the method `create_x` creating a related row, reported at the later of the two.
        for (i, relation) in raw.relations.iter().enumerate() {
            if !ok[i] {
                continue;
            }
            let name = &relation.name.value;
            let mut methods = vec![("include method", ident::include_with(name))];
            if relation.through.is_none() && relation.kind.is_some_and(has_kind) {
                methods.push(("method", ident::create_related(name)));
            }
            for (what, method) in methods {
                let Some(j) = raw.relations.iter().position(|o| o.name.value == method) else {
                    continue;
                };
                let other = &raw.relations[j];
                if j > i {
                    let message = format!(
                        "relation {method:?} of model {model:?} is named like the {what} \
                         `{method}` of relation {name:?}"
                    );
                    report.duplicate(&other.name.loc, message, &relation.name.loc);
                    ok[j] = false;
                } else {
                    let message = format!(
                        "relation {name:?} of model {model:?} generates the {what} `{method}`, \
                         which is the name of another relation"
                    );
                    report.duplicate(&relation.name.loc, message, &other.name.loc);
                    ok[i] = false;
                }
            }
        }
        // Two direct has_one or has_many relations may not generate the same `create_x`
        // (`post` and `posts`).
        let mut creates = Claims::default();
        for (i, relation) in raw.relations.iter().enumerate() {
            if !ok[i] || relation.through.is_some() || !relation.kind.is_some_and(has_kind) {
                continue;
            }
            let name = &relation.name.value;
            let create = ident::create_related(name);
            if let Some(first) = creates.claim(create.as_str(), &relation.name.loc) {
                let message = format!(
                    "relation {name:?} of model {model:?} generates the method `{create}`, like \
                     another relation"
                );
                report.duplicate(&relation.name.loc, message, &first);
                ok[i] = false;
            }
        }
        ok
    }

    /// Resolve relation `r` of model `m` (memoized).
    fn chain(&mut self, m: usize, r: usize) -> Option<Chain> {
        match &self.state[m][r] {
            State::Done(chain) => return chain.clone(),
            State::InProgress => {
                self.report_cycle(m, r);
                return None;
            }
            State::Unvisited => {}
        }
        // A relation has more hops than any relation it goes through, so a stack deeper than
        // `MAX_HOPS` means the relation at its bottom is too long (and the recursion stops).
        if self.stack.len() >= MAX_HOPS {
            if !self.too_deep
                && let Some(bottom) = self.stack.first()
            {
                self.too_deep = true;
                let relation = self.relation(bottom.model, bottom.relation);
                self.report.error_with_hint(
                    &relation.name.loc,
                    too_long(&relation.name.value, self.model_name(bottom.model)),
                    too_long_hint(),
                );
            }
            return None;
        }
        self.state[m][r] = State::InProgress;
        self.stack.push(Frame {
            model: m,
            relation: r,
            edge: None,
        });
        let chain = self.compute(m, r);
        self.stack.pop();
        self.state[m][r] = State::Done(chain.clone());
        chain
    }

    /// Note the key the relation on top of the stack is being followed by.
    fn follow(&mut self, edge: &Loc) {
        if let Some(frame) = self.stack.last_mut() {
            frame.edge = Some(edge.clone());
        }
    }

    /// Relation `r` of model `m` was reached while being resolved: the stack from it on is a
    /// cycle. Reported once, where the cycle was entered; every relation on it then fails
    /// without a report of its own.
    fn report_cycle(&mut self, m: usize, r: usize) {
        let Some(start) = self
            .stack
            .iter()
            .position(|frame| (frame.model, frame.relation) == (m, r))
        else {
            return;
        };
        let step = |frame_model: usize, frame_relation: usize| {
            format!(
                "{}.{}",
                self.model_name(frame_model),
                self.relation(frame_model, frame_relation).name.value
            )
        };
        let mut chain: Vec<String> = self.stack[start..]
            .iter()
            .map(|frame| step(frame.model, frame.relation))
            .collect();
        chain.push(step(m, r));
        let loc = self.stack[start]
            .edge
            .clone()
            .unwrap_or_else(|| self.relation(m, r).name.loc.clone());
        self.report.error_with_hint(
            &loc,
            format!("through-relations form a cycle: {}", chain.join(" -> ")),
            "a relation cannot go through itself, directly or by way of others: the chain must \
             end in direct relations (belongs_to, has_one or has_many without `through`)",
        );
    }

    fn compute(&mut self, m: usize, r: usize) -> Option<Chain> {
        let relation = self.relation(m, r);
        // Shape problems were reported by the parse stage; defaults from a half-read entry
        // would only add noise.
        if !relation.complete {
            return None;
        }
        let (Some(kind), Some(target)) = (relation.kind, &relation.target) else {
            return None;
        };
        let declared = self.target(target);
        match &relation.through {
            None => Some(self.direct(m, relation, kind, declared?)),
            Some(through) => self.through(m, relation, kind, through, declared),
        }
    }

    /// The model a relation names, reported when there is none.
    fn target(&mut self, target: &At<String>) -> Option<usize> {
        if let Some(&m) = self.index.get(target.value.as_str()) {
            return Some(m);
        }
        let names = self.raw.iter().map(|m| m.name.value.as_str());
        let hint = || match did_you_mean(&target.value, names.clone()) {
            Some(close) => format!("did you mean {close:?}?"),
            None => format!("declared models: {}", names.collect::<Vec<_>>().join(", ")),
        };
        self.report.error_with_costly_hint(
            &target.loc,
            format!("unknown model {:?}", target.value),
            hint,
        );
        None
    }

    /// A relation without `through`: one hop over a foreign key.
    fn direct(&mut self, m: usize, relation: &RawRelation, kind: RelationKind, t: usize) -> Chain {
        let mut chain = Chain {
            target: t,
            hops: None,
            len: 1,
            many: kind.is_many(),
            optional: kind == RelationKind::HasOne,
        };
        let (Some(owner), Some(target)) = (self.resolved(m), self.resolved(t)) else {
            return chain;
        };
        // The default foreign key of a belongs_to is named after the relation: from a name
        // that is not snake_case (reported by `check_names`), it would only be missing too.
        if kind == RelationKind::BelongsTo
            && relation.foreign_key.is_none()
            && !ident::is_snake_case(&relation.name.value)
        {
            return chain;
        }
        let (holder, referenced, default_fk) = match kind {
            RelationKind::BelongsTo => (owner, target, format!("{}_id", relation.name.value)),
            RelationKind::HasOne | RelationKind::HasMany => {
                (target, owner, format!("{}_id", ident::snake(&owner.name)))
            }
        };
        let key = self.key_field(referenced, relation);
        let foreign_key = self.foreign_key(holder, relation, default_fk, key);
        let (Some(key), Some((foreign_key, fk_loc))) = (key, foreign_key) else {
            return chain;
        };
        if foreign_key.ty != key.ty {
            self.report.error_with_hint(
                &fk_loc,
                format!(
                    "foreign key {:?} of model {:?} has type {}, but the key it refers to, {:?} \
                     of model {:?}, has type {}",
                    foreign_key.name,
                    holder.name,
                    foreign_key.ty.name(),
                    key.name,
                    referenced.name,
                    key.ty.name()
                ),
                format!(
                    "a foreign key has the type of the key it refers to: declare {:?} as {:?}",
                    foreign_key.name,
                    key.ty.name()
                ),
            );
            return chain;
        }
        let hop = match kind {
            RelationKind::BelongsTo => {
                chain.optional = foreign_key.nullable;
                Hop {
                    from: owner.name.clone(),
                    from_field: foreign_key.name.clone(),
                    to: target.name.clone(),
                    to_field: key.name.clone(),
                }
            }
            RelationKind::HasOne | RelationKind::HasMany => Hop {
                from: owner.name.clone(),
                from_field: key.name.clone(),
                to: target.name.clone(),
                to_field: foreign_key.name.clone(),
            },
        };
        chain.hops = Some(vec![hop]);
        chain
    }

    /// The key a direct relation refers to, on `model`: `primary_key`, or the primary key.
    fn key_field(&mut self, model: &'a Model, relation: &RawRelation) -> Option<&'a Field> {
        let Some(name) = &relation.primary_key else {
            return Some(model.key());
        };
        let Some(field) = model.field(&name.value) else {
            let hint = || field_hint(&name.value, model, None);
            self.report.error_with_costly_hint(
                &name.loc,
                format!(
                    "`primary_key` names unknown field {:?} of model {:?}",
                    name.value, model.name
                ),
                hint,
            );
            return None;
        };
        self.key_type(field, model, &name.loc).then_some(field)
    }

    /// The foreign key of a direct relation, on `model` (the owner for belongs_to, the target
    /// otherwise), and where to report problems with it. `key` is the key it refers to.
    fn foreign_key(
        &mut self,
        model: &'a Model,
        relation: &RawRelation,
        default: String,
        key: Option<&Field>,
    ) -> Option<(&'a Field, Loc)> {
        let (name, loc) = match &relation.foreign_key {
            Some(name) => (name.value.clone(), name.loc.clone()),
            None => (default, relation.name.loc.clone()),
        };
        let Some(field) = model.field(&name) else {
            let ty = key.map_or("i64", |key| key.ty.name());
            let names = model.fields.iter().map(|f| f.name.as_str());
            let declare = format!("add `{name} = {ty:?}` to `[model.{}.fields]`", model.name);
            let hint = || match (did_you_mean(&name, names), &relation.foreign_key) {
                (Some(close), Some(_)) => format!("did you mean {close:?}?"),
                (Some(close), None) => format!("did you mean `foreign_key = {close:?}`?"),
                (None, Some(_)) => declare,
                (None, None) => format!("{declare}, or name the foreign key with `foreign_key`"),
            };
            self.report.error_with_costly_hint(
                &loc,
                format!(
                    "foreign key {name:?} of relation {:?} is not a field of model {:?}",
                    relation.name.value, model.name
                ),
                hint,
            );
            return None;
        };
        self.key_type(field, model, &loc).then_some((field, loc))
    }

    /// Whether `field` can be a relation key (reported at `loc` when not).
    fn key_type(&mut self, field: &Field, model: &Model, loc: &Loc) -> bool {
        if field.ty.is_key() {
            return true;
        }
        self.report.error_with_hint(
            loc,
            format!(
                "field {:?} of model {:?} cannot be a relation key: it has type {}",
                field.name,
                model.name,
                field.ty.name()
            ),
            KEY_TYPES,
        );
        false
    }

    /// A relation with `through`: the hops of the relation it goes through, then those of its
    /// source on the model that one reaches. `declared` is the declared target, if it exists.
    fn through(
        &mut self,
        m: usize,
        relation: &'a RawRelation,
        kind: RelationKind,
        through: &At<String>,
        declared: Option<usize>,
    ) -> Option<Chain> {
        let owner = self.model_name(m);
        let name = &relation.name.value;
        let via_index = self.named_relation(m, through, "through")?;
        self.follow(&through.loc);
        let via = self.chain(m, via_index)?;
        let middle = via.target;
        let (source_index, source_loc) = self.source(m, relation, through, middle)?;
        self.follow(&source_loc);
        let source = self.chain(middle, source_index)?;
        let source_name = &self.relation(middle, source_index).name.value;
        let mut ok = true;
        if let Some(declared) = declared
            && declared != source.target
            && let Some(target) = &relation.target
        {
            let reached = self.model_name(source.target);
            self.report.error_with_hint(
                &target.loc,
                format!(
                    "relation {name:?} of model {owner:?} reaches model {reached:?} (through \
                     {:?}, then {source_name:?} of model {:?}), not {:?}",
                    through.value,
                    self.model_name(middle),
                    target.value
                ),
                format!(
                    "declare `{} = {reached:?}`, or follow another relation with `source`",
                    kind_key(kind)
                ),
            );
            ok = false;
        }
        if kind == RelationKind::HasOne && (via.many || source.many) {
            let (step_model, step) = if via.many {
                (owner, &through.value)
            } else {
                (self.model_name(middle), source_name)
            };
            self.report.error_with_hint(
                &through.loc,
                format!(
                    "has_one relation {name:?} of model {owner:?} goes through has_many relation \
                     {step:?} of model {step_model:?}"
                ),
                "a has_one through-relation reaches at most one row, so no step on the way may \
                 be has_many: declare it has_many",
            );
            ok = false;
        }
        let len = via.len + source.len;
        if len > MAX_HOPS {
            self.report
                .error_with_hint(&relation.name.loc, too_long(name, owner), too_long_hint());
            ok = false;
        }
        if !ok || declared.is_none() {
            return None;
        }
        let hops = match (via.hops, source.hops) {
            (Some(mut hops), Some(more)) => {
                hops.extend(more);
                Some(hops)
            }
            _ => None,
        };
        Some(Chain {
            target: source.target,
            hops,
            len,
            many: kind.is_many(),
            optional: kind == RelationKind::HasOne,
        })
    }

    /// The source of a through-relation on model `middle` (the one its `through` reaches):
    /// `source`, or by default a relation named like this one, its singular or its plural.
    /// Also where to report problems with following it.
    fn source(
        &mut self,
        m: usize,
        relation: &RawRelation,
        through: &At<String>,
        middle: usize,
    ) -> Option<(usize, Loc)> {
        let on = &self.raw[middle];
        let find = |name: &str| on.relations.iter().position(|r| r.name.value == name);
        if let Some(source) = &relation.source {
            let index = self.named_relation(middle, source, "source")?;
            return Some((index, source.loc.clone()));
        }
        let name = &relation.name.value;
        // The singular of a plural name (`treats` -> `treat`), or the plural of a singular one
        // (`yard` -> `yards`).
        let singular = ident::singular(name);
        let other = if singular == *name {
            ident::plural(name)
        } else {
            singular
        };
        let candidates = [name.clone(), other];
        if let Some(index) = candidates.iter().find_map(|c| find(c)) {
            return Some((index, through.loc.clone()));
        }
        let quoted: Vec<String> = candidates.iter().map(|c| format!("{c:?}")).collect();
        let names = on.relations.iter().map(|r| r.name.value.as_str());
        let hint = || {
            let close = candidates
                .iter()
                .find_map(|candidate| did_you_mean(candidate, names.clone()));
            match close {
                Some(close) => format!("did you mean `source = {close:?}`?"),
                None => format!(
                    "name the relation to follow with `source`; {}",
                    relation_list(on)
                ),
            }
        };
        let message = format!(
            "relation {name:?} of model {:?} goes through {:?} to model {:?}, which has no \
             relation {}",
            self.model_name(m),
            through.value,
            on.name.value,
            quoted.join(" or ")
        );
        self.report
            .error_with_costly_hint(&through.loc, message, hint);
        None
    }

    /// The finished relation `r` of model `m`, after the checks that need every relation
    /// resolved (`inverse_of`) and its target's fields (`order`). `None` when it has a problem
    /// or its model did not resolve.
    fn finish(&mut self, m: usize, r: usize) -> Option<Relation> {
        let relation = self.relation(m, r);
        let order = relation
            .order
            .as_ref()
            .filter(|_| relation.complete)
            .map(|order| parse_order(self.report, order));
        let chain = self.chain(m, r)?;
        let inverse_ok = self.check_inverse(m, relation, &chain);
        let order = match order {
            Some(keys) => self.order(&keys?, chain.target),
            None => Some(Vec::new()),
        };
        let (true, Some(order), Some(hops), Some(kind), Some(_)) = (
            inverse_ok,
            order,
            chain.hops,
            relation.kind,
            self.resolved(m),
        ) else {
            return None;
        };
        Some(Relation {
            name: relation.name.value.clone(),
            target: self.model_name(chain.target).to_owned(),
            kind,
            hops,
            through: relation.through.as_ref().map(|t| t.value.clone()),
            optional: chain.optional,
            inverse_of: relation.inverse_of.as_ref().map(|i| i.value.clone()),
            order,
            limit: relation
                .limit
                .as_ref()
                .and_then(|limit| u64::try_from(limit.value).ok()),
            validate: relation.validate.as_ref().is_some_and(|v| v.value),
            doc: relation.doc.as_ref().map(|doc| doc.value.clone()),
        })
    }

    /// `inverse_of` must name a direct relation on the target that points back over the same
    /// keys. Whether it does (or is not given).
    fn check_inverse(&mut self, m: usize, relation: &RawRelation, chain: &Chain) -> bool {
        let Some(inverse) = &relation.inverse_of else {
            return true;
        };
        let Some(kind) = relation.kind else {
            return false;
        };
        let owner = self.model_name(m);
        let target = &self.raw[chain.target];
        let Some(index) = self.named_relation(chain.target, inverse, "inverse_of") else {
            return false;
        };
        let other = &target.relations[index];
        let named = format!(
            "`inverse_of` names relation {:?} of model {:?}",
            inverse.value, target.name.value
        );
        // A broken inverse reports its own problems (an unknown target, a cycle, a bad key):
        // judged against it, this relation would only repeat them as a mismatch.
        let (Some(other_kind), Some(other_target), Some(other_chain)) =
            (other.kind, &other.target, self.chain(chain.target, index))
        else {
            return false;
        };
        if !other.complete {
            return false;
        }
        let problem = if other_target.value != owner {
            Some((
                format!(
                    "{named}, which targets model {:?}, not {owner:?}",
                    other_target.value
                ),
                format!(
                    "the inverse of a relation of model {owner:?} is a relation back to {owner:?}"
                ),
            ))
        } else if other.through.is_some() {
            Some((
                format!("{named}, which goes `through` another relation"),
                "an inverse is a direct relation over the same foreign key".to_owned(),
            ))
        } else if (kind == RelationKind::BelongsTo) == (other_kind == RelationKind::BelongsTo) {
            let expected = match kind {
                RelationKind::BelongsTo => "has_one or has_many",
                RelationKind::HasOne | RelationKind::HasMany => "belongs_to",
            };
            Some((
                format!("{named}, which is {}, not {expected}", kind_key(other_kind)),
                "a belongs_to and a has_one or has_many over the same foreign key are each \
                 other's inverse"
                    .to_owned(),
            ))
        } else {
            None
        };
        if let Some((message, hint)) = problem {
            self.report.error_with_hint(&inverse.loc, message, hint);
            return false;
        }
        if let (Some([hop]), Some([back])) = (chain.hops.as_deref(), other_chain.hops.as_deref())
            && !reverses(hop, back)
        {
            self.report.error_with_hint(
                &inverse.loc,
                format!(
                    "{named}, which joins {}, but this relation joins {}",
                    describe(back),
                    describe(hop)
                ),
                "a relation and its inverse use the same foreign key and key: set \
                 `foreign_key` (or `primary_key`) so that they match",
            );
            return false;
        }
        true
    }

    /// The order keys, checked against the fields of model `target`. `None` when one is wrong,
    /// or the target did not resolve.
    fn order(&mut self, keys: &[(At<String>, bool)], target: usize) -> Option<Vec<OrderKey>> {
        let model = self.resolved(target)?;
        let mut listed = Claims::default();
        let mut order = Vec::with_capacity(keys.len());
        let before = self.report.count();
        for (name, descending) in keys {
            if let Some(first) = listed.claim(name.value.as_str(), &name.loc) {
                let message = format!("field {:?} is listed twice in `order`", name.value);
                self.report.duplicate(&name.loc, message, &first);
                continue;
            }
            let Some(field) = model.field(&name.value) else {
                let hint = || field_hint(&name.value, model, None);
                self.report.error_with_costly_hint(
                    &name.loc,
                    format!(
                        "`order` names unknown field {:?} of model {:?}",
                        name.value, model.name
                    ),
                    hint,
                );
                continue;
            };
            if !field.ty.is_orderable() {
                self.report.error_with_hint(
                    &name.loc,
                    format!(
                        "cannot order by field {:?} of type {}",
                        name.value,
                        field.ty.name()
                    ),
                    "bytes and json fields have no order; sort by another field",
                );
                continue;
            }
            order.push(OrderKey {
                field: name.value.clone(),
                descending: *descending,
            });
        }
        (self.report.count() == before).then_some(order)
    }
}

/// The message for a relation of more than `MAX_HOPS` hops.
fn too_long(name: &str, model: &str) -> String {
    format!("relation {name:?} of model {model:?} is a chain of more than {MAX_HOPS} hops")
}

fn too_long_hint() -> String {
    format!(
        "through-relations may go through through-relations, but a chain has at most {MAX_HOPS} \
         hops"
    )
}

/// has_one or has_many: the target holds the foreign key.
fn has_kind(kind: RelationKind) -> bool {
    kind != RelationKind::BelongsTo
}

/// Whether `back` is `hop` walked the other way.
fn reverses(hop: &Hop, back: &Hop) -> bool {
    hop.from == back.to
        && hop.from_field == back.to_field
        && hop.to == back.from
        && hop.to_field == back.from_field
}

/// A hop as messages show it: `Post.user_id to User.id`.
fn describe(hop: &Hop) -> String {
    format!(
        "{}.{} to {}.{}",
        hop.from, hop.from_field, hop.to, hop.to_field
    )
}

/// The hint for a field name that `model` does not have: a close name; or, when `ty` is given
/// (a missing foreign key), how to declare it; or the model's fields.
fn field_hint(name: &str, model: &Model, ty: Option<&str>) -> String {
    let names = model.fields.iter().map(|f| f.name.as_str());
    match (did_you_mean(name, names.clone()), ty) {
        (Some(close), _) => format!("did you mean {close:?}?"),
        (None, Some(ty)) => format!("add `{name} = {ty:?}` to `[model.{}.fields]`", model.name),
        (None, None) => format!(
            "fields of model {:?}: {}",
            model.name,
            names.collect::<Vec<_>>().join(", ")
        ),
    }
}

/// The hint for a relation name that `model` does not have.
fn relation_hint(name: &str, model: &RawModel) -> String {
    let names = model.relations.iter().map(|r| r.name.value.as_str());
    match did_you_mean(name, names) {
        Some(close) => format!("did you mean {close:?}?"),
        None => relation_list(model),
    }
}

/// "relations of model "M": a, b", or that it has none.
fn relation_list(model: &RawModel) -> String {
    if model.relations.is_empty() {
        return format!("model {:?} declares no relations", model.name.value);
    }
    let names: Vec<&str> = model
        .relations
        .iter()
        .map(|r| r.name.value.as_str())
        .collect();
    format!(
        "relations of model {:?}: {}",
        model.name.value,
        names.join(", ")
    )
}

/// The sort keys of an `order` string, each field name located (as exactly as the literal
/// allows) and whether it is descending. `None` when the syntax is wrong (reported).
fn parse_order(report: &mut Report<'_>, order: &At<String>) -> Option<Vec<(At<String>, bool)>> {
    let text = order.value.as_str();
    let at = |report: &Report<'_>, range: Range<usize>| report.within(&order.loc, text, range);
    if text.trim().is_empty() {
        report.error_with_hint(&order.loc, "`order` is empty", ORDER_SYNTAX);
        return None;
    }
    let mut keys = Vec::new();
    let mut ok = true;
    let mut start = 0;
    for part in text.split(',') {
        let range = start..start + part.len();
        start = range.end + 1;
        let words = words(part, range.start);
        let (field, direction) = match words.as_slice() {
            [] => {
                let loc = at(report, range);
                report.error_with_hint(&loc, "empty sort key in `order`", ORDER_SYNTAX);
                ok = false;
                continue;
            }
            [field] => (field, None),
            [field, direction] => (field, Some(direction)),
            [field, _, extra, ..] => {
                let loc = at(report, extra.0.clone());
                report.error_with_hint(
                    &loc,
                    format!(
                        "unexpected {:?} after the sort key {:?} in `order`",
                        extra.1, field.1
                    ),
                    ORDER_SYNTAX,
                );
                ok = false;
                continue;
            }
        };
        let descending = match direction {
            None => false,
            Some((range, word)) => match word.to_ascii_lowercase().as_str() {
                "asc" => false,
                "desc" => true,
                _ => {
                    let loc = at(report, range.clone());
                    let hint = match did_you_mean(word, ["desc", "asc"]) {
                        Some(close) => format!("did you mean {close:?}?"),
                        None => ORDER_SYNTAX.to_owned(),
                    };
                    report.error_with_hint(
                        &loc,
                        format!(
                            "unknown sort direction {word:?} in `order` (expected asc or desc)"
                        ),
                        hint,
                    );
                    ok = false;
                    continue;
                }
            },
        };
        let loc = at(report, field.0.clone());
        keys.push((
            At {
                value: field.1.to_owned(),
                loc,
            },
            descending,
        ));
    }
    ok.then_some(keys)
}

/// The whitespace-separated words of `text`, each with its byte range shifted by `offset`.
fn words(text: &str, offset: usize) -> Vec<(Range<usize>, &str)> {
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                words.push((offset + s..offset + i, &text[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_located() {
        assert_eq!(
            words(" created_at  desc", 10),
            [(11..21, "created_at"), (23..27, "desc")]
        );
        assert_eq!(words("", 0), []);
        assert_eq!(words("é x", 0), [(0..2, "é"), (3..4, "x")]);
    }
}
