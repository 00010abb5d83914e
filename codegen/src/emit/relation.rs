//! Per model: its relations. The typed relation constants (`User::POSTS`), lazy loaders
//! (`user.posts(&db)`), create-related methods (`user.create_post(&db, ..)`), parent checks for
//! `validate = true`, and for eager loading the include builder (`UserInclude`), the loaded
//! wrapper (`LoadedUser`) and the `Related` implementation.
//!
//! Every relation is emitted as its chain of hops: one `select_in` per hop on the cluster the
//! hop reaches, then an in-memory link on typed keys. The same fetch function serves lazy and
//! eager loading, the orphan finder and (walked backwards) `where_has`.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::model::{optional_on_insert, rust_type};
use super::{cluster_index, doc, sql};
use crate::ident;
use crate::model::{Field, FieldType, Hop, Model, Relation, RelationKind, Schema};
use crate::sql::SqlSet;

/// The model a validated name refers to.
fn model<'s>(schema: &'s Schema, name: &str) -> &'s Model {
    &schema.models[name]
}

/// A validated field of a validated model.
fn field<'s>(schema: &'s Schema, model_name: &str, name: &str) -> &'s Field {
    let m = model(schema, model_name);
    m.field(name).unwrap_or_else(|| m.key())
}

/// `Option<&K>` of `field` on `row`: the relation key, if not null.
fn key_of(field: &Field, row: &TokenStream) -> TokenStream {
    let id = ident::snake_ident(&field.name);
    if field.nullable {
        quote!(#row.#id.as_ref())
    } else {
        quote!(::std::option::Option::Some(&#row.#id))
    }
}

fn fetch_fn(relation: &Relation) -> Ident {
    format_ident!("__fetch_{}", relation.name)
}

fn has_fn(relation: &Relation) -> Ident {
    format_ident!("__has_{}", relation.name)
}

fn require_fn(relation: &Relation) -> Ident {
    format_ident!("__require_{}", relation.name)
}

fn constant(relation: &Relation) -> Ident {
    format_ident!("{}", ident::constant(&relation.name))
}

/// `SELECT DISTINCT <field> FROM <table of model>`.
fn distinct(schema: &Schema, model_name: &str, field_name: &str) -> TokenStream {
    let m = model(schema, model_name);
    let column = &field(schema, model_name, field_name).column;
    sql(&SqlSet::build(|d| {
        format!(
            "SELECT DISTINCT {} FROM {}",
            d.quote(column),
            d.quote(&m.table)
        )
    }))
}

/// `Model::FIELD.quoted()`: the quoted column of a field, from its column handle.
fn quoted(model_name: &str, field_name: &str) -> TokenStream {
    let ty = ident::type_ident(model_name);
    let konst = format_ident!("{}", ident::constant(field_name));
    quote!(#ty::#konst.quoted())
}

/// The comparator sorting fetched rows in the relation's order, ties broken by primary key.
fn comparator(schema: &Schema, relation: &Relation) -> TokenStream {
    let target = model(schema, &relation.target);
    let keys = relation.order.iter().map(|k| {
        let id = ident::snake_ident(&k.field);
        let (first, second) = if k.descending {
            (quote!(b), quote!(a))
        } else {
            (quote!(a), quote!(b))
        };
        quote!(::switchyard::SortKey::sort_cmp(&#first.#id, &#second.#id))
    });
    let key = ident::snake_ident(&target.key().name);
    let tie = quote!(::std::cmp::Ord::cmp(&a.#key, &b.#key));
    let mut all = keys.chain(std::iter::once(tie));
    let first = all.next().unwrap_or_default();
    quote!(|a, b| #first #(.then_with(|| #all))*)
}

/// Human-readable chain: `Dog.id = Human.dog_id, Human.id = Treat.human_id`.
fn chain(relation: &Relation) -> String {
    relation
        .hops
        .iter()
        .map(|h| format!("`{}.{}` = `{}.{}`", h.from, h.from_field, h.to, h.to_field))
        .collect::<Vec<_>>()
        .join(", then ")
}

fn describe(schema: &Schema, owner: &Model, relation: &Relation) -> String {
    let target = model(schema, &relation.target);
    let kind = match relation.kind {
        RelationKind::BelongsTo => "Belongs to",
        RelationKind::HasOne => "Has one",
        RelationKind::HasMany => "Has many",
    };
    let through = relation
        .through
        .as_ref()
        .map(|t| format!(" through `{t}`"))
        .unwrap_or_default();
    let clusters: Vec<&str> = relation
        .hops
        .iter()
        .map(|h| model(schema, &h.to).cluster.as_str())
        .collect();
    let crosses = if clusters.iter().any(|c| *c != owner.cluster) {
        format!(" Crosses databases: cluster `{}`", owner.cluster)
            + &clusters
                .iter()
                .map(|c| format!(" → `{c}`"))
                .collect::<String>()
            + "."
    } else {
        String::new()
    };
    let mut text = format!(
        "{kind} [`{}`] (cluster `{}`){through}: {}.{crosses}",
        target.name,
        target.cluster,
        chain(relation)
    );
    if !relation.order.is_empty() {
        let keys: Vec<String> = relation
            .order
            .iter()
            .map(|k| format!("`{}`{}", k.field, if k.descending { " desc" } else { "" }))
            .collect();
        text.push_str(&format!(" Ordered by {}.", keys.join(", ")));
    }
    if let Some(limit) = relation.limit {
        text.push_str(&format!(" At most {limit} per row."));
    }
    text
}

/// Everything generated for one model's relations (also for a model without any: its
/// `Related` implementation with nothing to load).
pub(crate) fn emit(schema: &Schema, owner: &Model) -> TokenStream {
    let name = ident::type_ident(&owner.name);
    if owner.relations.is_empty() {
        return quote! {
            impl ::switchyard::Related for #name {
                type Include = ::switchyard::NoRelations;
                type Loaded = #name;

                fn load<'a>(
                    rows: ::std::vec::Vec<#name>,
                    _include: &'a ::switchyard::NoRelations,
                    _ctx: &'a ::switchyard::__private::Ctx,
                ) -> ::switchyard::__private::BoxFuture<'a, ::switchyard::Result<::std::vec::Vec<#name>>> {
                    ::std::boxed::Box::pin(::std::future::ready(::std::result::Result::Ok(rows)))
                }
            }
        };
    }
    let items = owner
        .relations
        .iter()
        .map(|r| relation_items(schema, owner, r));
    let include = include(schema, owner);
    let loaded = loaded(schema, owner);
    quote! {
        impl #name {
            #(#items)*
        }

        #include
        #loaded
    }
}

/// The constant, lazy loader, create method and private fetch / has / require functions.
fn relation_items(schema: &Schema, owner: &Model, relation: &Relation) -> TokenStream {
    let owner_ty = ident::type_ident(&owner.name);
    let target = model(schema, &relation.target);
    let target_ty = ident::type_ident(&target.name);
    let konst = constant(relation);
    let fetch = fetch_fn(relation);
    let has = has_fn(relation);
    let method = ident::snake_ident(&relation.name);
    let kind = match relation.kind {
        RelationKind::BelongsTo => quote!(::switchyard::BelongsTo),
        RelationKind::HasOne => quote!(::switchyard::HasOne),
        RelationKind::HasMany => quote!(::switchyard::HasMany),
    };
    let full_name = format!("{}.{}", owner.name, relation.name);
    let description = describe(schema, owner, relation);
    let first = &relation.hops[0];
    let from = field(schema, &owner.name, &first.from_field);
    let refers = if from.nullable {
        let id = ident::snake_ident(&from.name);
        quote!(|row: &#owner_ty| row.#id.is_some())
    } else {
        quote!(::switchyard::__private::always)
    };
    let const_doc = doc::attrs(
        relation.doc.as_deref(),
        &[format!(
            "{description}\n\nUse it with `where_has`, `where_has_not`{}.",
            if relation.kind == RelationKind::BelongsTo && relation.through.is_none() {
                " and `orphans`"
            } else {
                ""
            }
        )],
    );
    let lazy_doc = doc::attrs(
        relation.doc.as_deref(),
        &[format!(
            "{description}\n\nLazy loading: one query per hop, on the related clusters with the role of `db`, on every shard."
        )],
    );
    let lazy = match relation.kind {
        RelationKind::HasMany => quote! {
            pub async fn #method(&self, db: &impl ::switchyard::Scope) -> ::switchyard::Result<::std::vec::Vec<#target_ty>> {
                Self::#konst.of(self, db).await
            }
        },
        RelationKind::BelongsTo if !relation.optional => {
            let fk = ident::snake_ident(&first.from_field);
            let target_name = &target.name;
            let cluster = &target.cluster;
            quote! {
                pub async fn #method(&self, db: &impl ::switchyard::Scope) -> ::switchyard::Result<#target_ty> {
                    ::switchyard::__private::found(
                        Self::#konst.of(self, db).await?,
                        #full_name,
                        #target_name,
                        &self.#fk,
                        #cluster,
                    )
                }
            }
        }
        _ => quote! {
            pub async fn #method(&self, db: &impl ::switchyard::Scope) -> ::switchyard::Result<::std::option::Option<#target_ty>> {
                Self::#konst.of(self, db).await
            }
        },
    };
    let fetch_body = fetch_body(schema, owner, relation);
    let has_body = has_body(schema, owner, relation);
    let create = create_related(schema, owner, relation);
    let require = require(schema, relation);
    quote! {
        #const_doc
        pub const #konst: ::switchyard::Relation<#owner_ty, #target_ty, #kind> =
            ::switchyard::Relation::new(#full_name, #owner_ty::#fetch, #owner_ty::#has, #refers);

        #lazy_doc
        #lazy

        #create

        fn #fetch<'a>(
            owners: &'a [#owner_ty],
            ctx: &'a ::switchyard::__private::Ctx,
        ) -> ::switchyard::__private::BoxFuture<'a, ::switchyard::Result<::switchyard::__private::Fetched<#target_ty>>> {
            ::std::boxed::Box::pin(async move { #fetch_body })
        }

        fn #has(
            filter: ::std::option::Option<::switchyard::Expr<#target_ty>>,
            negated: bool,
            ctx: ::switchyard::__private::Ctx,
        ) -> ::switchyard::__private::BoxFuture<'static, ::switchyard::Result<::switchyard::Expr<#owner_ty>>> {
            ::std::boxed::Box::pin(async move { #has_body })
        }

        #require
    }
}

/// Fetch a relation for a batch of owners: per hop, the distinct keys, one `select_in` on the
/// hop's cluster, and the links from the previous level; the last level sorted in the
/// relation's order before linking, so each owner's links come out in order.
fn fetch_body(schema: &Schema, owner: &Model, relation: &Relation) -> TokenStream {
    let mut steps = Vec::new();
    let mut previous = (quote!(owners), owner.name.clone());
    let last = relation.hops.len() - 1;
    for (i, hop) in relation.hops.iter().enumerate() {
        let Hop {
            from,
            from_field,
            to,
            to_field,
        } = hop;
        let (rows_prev, prev_model) = &previous;
        debug_assert_eq!(prev_model, from);
        let to_ty = ident::type_ident(to);
        let from_key = key_of(field(schema, from, from_field), &quote!(row));
        let to_key = key_of(field(schema, to, to_field), &quote!(row));
        let column = quoted(to, to_field);
        let rows = format_ident!("rows_{i}");
        let (binding, sort) = if i == last {
            let cmp = comparator(schema, relation);
            (quote!(mut #rows), quote!(#rows.sort_by(#cmp);))
        } else {
            (quote!(#rows), TokenStream::new())
        };
        let link = quote! {
            ::switchyard::__private::link(#rows_prev, |row| #from_key, &#rows, |row| #to_key)
        };
        let links = if i == 0 {
            quote!(let links = #link;)
        } else {
            quote!(let links = links.then(#link);)
        };
        steps.push(quote! {
            let keys = ::switchyard::__private::keys(#rows_prev, |row| #from_key);
            let #binding: ::std::vec::Vec<#to_ty> =
                ::switchyard::__private::select_rows(ctx, #column, &keys).await?;
            #sort
            #links
        });
        previous = (quote!(&#rows), to.clone());
    }
    let rows = format_ident!("rows_{last}");
    let limit = super::option(relation.limit.map(|l| l as usize));
    quote! {
        #(#steps)*
        ::std::result::Result::Ok(::switchyard::__private::Fetched::new(#rows, links, #limit))
    }
}

/// `where_has`: walk the hops backwards from the filtered target, collecting at each level the
/// distinct keys the level before needs, then filter the owner's key column with them.
fn has_body(schema: &Schema, owner: &Model, relation: &Relation) -> TokenStream {
    let hops = &relation.hops;
    let last = &hops[hops.len() - 1];
    let target_ty = ident::type_ident(&last.to);
    let target_cluster = cluster_index(schema, &model(schema, &last.to).cluster);
    let key_ty = rust_type(field(schema, &last.to, &last.to_field).ty);
    let head = distinct(schema, &last.to, &last.to_field);
    let mut steps = vec![quote! {
        let found: ::std::vec::Vec<#key_ty> = ::switchyard::__private::distinct(
            ::switchyard::__private::select_where::<_, #target_ty>(ctx, #target_cluster, #head, filter.as_ref()).await?,
        );
    }];
    // Hop j's keys are the `to_field` values of hop j-1's rows whose `from_field` matched.
    for j in (1..hops.len()).rev() {
        let hop = &hops[j];
        let previous = &hops[j - 1];
        let cluster = cluster_index(schema, &model(schema, &hop.from).cluster);
        let key_ty = rust_type(field(schema, &previous.to, &previous.to_field).ty);
        let head = distinct(schema, &hop.from, &previous.to_field);
        let column = quoted(&hop.from, &hop.from_field);
        steps.push(quote! {
            let keys: ::std::vec::Vec<_> = found.iter().collect();
            let found: ::std::vec::Vec<#key_ty> = ::switchyard::__private::distinct(
                ::switchyard::__private::select_in(ctx, #cluster, #head, #column, &keys).await?,
            );
        });
    }
    let first = &hops[0];
    let owner_ty = ident::type_ident(&owner.name);
    let konst = format_ident!("{}", ident::constant(&first.from_field));
    let nullable = field(schema, &owner.name, &first.from_field).nullable;
    let filter = if nullable {
        quote! {
            if negated {
                #owner_ty::#konst.is_null().or(#owner_ty::#konst.in_keys(found, true))
            } else {
                #owner_ty::#konst.in_keys(found, false)
            }
        }
    } else {
        quote!(#owner_ty::#konst.in_keys(found, negated))
    };
    quote! {
        let ctx = &ctx;
        #(#steps)*
        ::std::result::Result::Ok(#filter)
    }
}

/// `user.create_post(&db, new_post)`: direct `has_many` / `has_one` whose owner key is never
/// null. The row goes to the target cluster's default shard, on its writer.
fn create_related(schema: &Schema, owner: &Model, relation: &Relation) -> TokenStream {
    if relation.through.is_some() || relation.kind == RelationKind::BelongsTo {
        return TokenStream::new();
    }
    let hop = &relation.hops[0];
    let owner_key = field(schema, &owner.name, &hop.from_field);
    if owner_key.nullable {
        return TokenStream::new();
    }
    let target = model(schema, &relation.target);
    let target_ty = ident::type_ident(&target.name);
    let new_ty = format_ident!("{}", ident::new_struct(&target.name));
    let fk = field(schema, &target.name, &hop.to_field);
    let fk_id = ident::snake_ident(&fk.name);
    let key_id = ident::snake_ident(&owner_key.name);
    let value = if owner_key.ty == FieldType::String {
        quote!(self.#key_id.clone())
    } else {
        quote!(self.#key_id)
    };
    let value = if optional_on_insert(target, fk) {
        quote!(::std::option::Option::Some(#value))
    } else {
        value
    };
    let method = format_ident!("{}", ident::create_related(&relation.name));
    let cluster = ident::snake_ident(&target.cluster);
    let accessor = format_ident!("{}", ident::snake_plural(&target.name));
    // In the owner's sharded cluster, the child goes to the owner's shard: by its own shard
    // key if it has one, else to the shard the owner's shard key maps to.
    let owner_shard = (target.cluster == owner.cluster && target.shard_key.is_none())
        .then(|| owner.shard_key_field())
        .flatten();
    let (where_, handle) = match owner_shard {
        Some(shard_key) => {
            let shard_enum = format_ident!("{}", ident::shard_enum(&owner.cluster));
            let id = ident::snake_ident(&shard_key.name);
            (
                "on the shard of this row's shard key".to_owned(),
                quote!(db.#cluster().shard(#shard_enum::for_key(&self.#id)?)),
            )
        }
        None if target.shard_key.is_some() => (
            "on the shard of its shard key".to_owned(),
            quote!(db.#cluster()),
        ),
        None => ("(its default shard)".to_owned(), quote!(db.#cluster())),
    };
    let d = doc::line(format!(
        "Insert `row` as one of this row's `{}`, with `{}` set to this row's `{}`, on the writer of cluster `{}` {where_}. Not atomic with writes in other databases.",
        relation.name, fk.name, owner_key.name, target.cluster
    ));
    quote! {
        #d
        pub async fn #method(&self, db: &Database, mut row: #new_ty) -> ::switchyard::Result<#target_ty> {
            row.#fk_id = #value;
            #handle.#accessor().insert(row).await
        }
    }
}

/// For `validate = true`: check the referenced keys exist, on the target cluster's writers.
fn require(schema: &Schema, relation: &Relation) -> TokenStream {
    if !relation.validate {
        return TokenStream::new();
    }
    let hop = &relation.hops[0];
    let target = model(schema, &hop.to);
    let key_ty = rust_type(field(schema, &hop.to, &hop.to_field).ty);
    let name = require_fn(relation);
    let full_name = format!("{}.{}", hop.from, relation.name);
    let target_name = &target.name;
    let cluster = cluster_index(schema, &target.cluster);
    let head = distinct(schema, &hop.to, &hop.to_field);
    let column = quoted(&hop.to, &hop.to_field);
    quote! {
        async fn #name(
            conn: &::switchyard::__private::Conn<'_>,
            keys: &[&#key_ty],
        ) -> ::switchyard::Result<()> {
            ::switchyard::__private::require(conn, #full_name, #target_name, #cluster, #head, #column, keys).await
        }
    }
}

/// Checks a repository write runs before writing rows of `model`, one per validated relation.
/// `rows` is an iterator expression over the rows; `keys` gives, for a foreign key field, the
/// adaptor that turns it into an iterator of `&K` (`.map(..)` or `.filter_map(..)`).
pub(crate) fn validations(
    model: &Model,
    rows: &TokenStream,
    keys: impl Fn(&Model, &Field) -> Option<TokenStream>,
) -> TokenStream {
    let checks = model
        .relations
        .iter()
        .filter(|r| r.validate)
        .filter_map(|r| {
            let fk = model.field(&r.hops[0].from_field)?;
            let keys = keys(model, fk)?;
            let name = ident::type_ident(&model.name);
            let require = require_fn(r);
            Some(quote! {
                #name::#require(&self.conn, &#rows #keys.collect::<::std::vec::Vec<_>>()).await?;
            })
        });
    quote!(#(#checks)*)
}

/// `&K` of each row-struct row's foreign key (skipping nulls).
pub(crate) fn row_keys(_: &Model, field: &Field) -> Option<TokenStream> {
    let id = ident::snake_ident(&field.name);
    Some(if field.nullable {
        quote!(.filter_map(|row| row.#id.as_ref()))
    } else {
        quote!(.map(|row| &row.#id))
    })
}

/// `&K` of each insert-struct row's foreign key (optional when nullable or defaulted).
pub(crate) fn new_keys(model: &Model, field: &Field) -> Option<TokenStream> {
    let id = ident::snake_ident(&field.name);
    Some(if optional_on_insert(model, field) {
        quote!(.filter_map(|row| row.#id.as_ref()))
    } else {
        quote!(.map(|row| &row.#id))
    })
}

/// `&K` of a patch's foreign key, when the patch sets it (`Option<T>`, or `Option<Option<T>>`
/// when nullable); `None` for a shard key, which a patch cannot set.
pub(crate) fn patch_keys(model: &Model, field: &Field) -> Option<TokenStream> {
    if model.shard_key.as_deref() == Some(field.name.as_str()) {
        return None;
    }
    let id = ident::snake_ident(&field.name);
    Some(if field.nullable {
        quote!(.filter_map(|row| row.#id.as_ref().and_then(::std::option::Option::as_ref)))
    } else {
        quote!(.filter_map(|row| row.#id.as_ref()))
    })
}

/// The type a relation's slot holds per owner: the target's loaded wrapper when it has
/// relations of its own, else the target row.
fn loaded_type(schema: &Schema, target: &str) -> TokenStream {
    if model(schema, target).relations.is_empty() {
        let ty = ident::type_ident(target);
        quote!(#ty)
    } else {
        let ty = format_ident!("{}", ident::loaded_struct(target));
        quote!(#ty)
    }
}

fn include_type(schema: &Schema, target: &str) -> TokenStream {
    if model(schema, target).relations.is_empty() {
        quote!(::switchyard::NoRelations)
    } else {
        let ty = format_ident!("{}", ident::include_struct(target));
        quote!(#ty)
    }
}

/// `UserInclude`: which relations to load, nested.
fn include(schema: &Schema, owner: &Model) -> TokenStream {
    let name = &owner.name;
    let ty = format_ident!("{}", ident::include_struct(name));
    let fields = owner.relations.iter().map(|r| {
        let id = ident::snake_ident(&r.name);
        let nested = include_type(schema, &r.target);
        // Boxed: includes nest as deep as relations cycle (users → posts → user → ...).
        quote!(#id: ::std::option::Option<::std::boxed::Box<#nested>>,)
    });
    let methods = owner.relations.iter().map(|r| {
        let id = ident::snake_ident(&r.name);
        let d = doc::line(format!("Load `{}` ([`{}`]).", r.name, r.target));
        let plain = quote! {
            #d
            pub fn #id(mut self) -> Self {
                self.#id.get_or_insert_with(::std::default::Default::default);
                self
            }
        };
        if model(schema, &r.target).relations.is_empty() {
            return plain;
        }
        let with = format_ident!("{}", ident::include_with(&r.name));
        let nested = include_type(schema, &r.target);
        let d = doc::line(format!(
            "Load `{}` ([`{}`]) and, on those rows, what `nested` asks for.",
            r.name, r.target
        ));
        quote! {
            #plain

            #d
            pub fn #with(mut self, nested: impl ::std::ops::FnOnce(#nested) -> #nested) -> Self {
                let current = self.#id.take().map(|b| *b).unwrap_or_default();
                self.#id = ::std::option::Option::Some(::std::boxed::Box::new(nested(current)));
                self
            }
        }
    });
    let d = doc::line(format!(
        "Which relations of [`{name}`] a query loads with its rows: `query.include(|x| x.relation())`. Nothing is loaded unless asked for."
    ));
    quote! {
        #d
        #[derive(Debug, Clone, Default)]
        pub struct #ty {
            #(#fields)*
        }

        impl #ty {
            #(#methods)*
        }
    }
}

/// `LoadedUser`, its accessors, and `Related for User`.
fn loaded(schema: &Schema, owner: &Model) -> TokenStream {
    let name = &owner.name;
    let owner_ty = ident::type_ident(name);
    let ty = format_ident!("{}", ident::loaded_struct(name));
    let include_ty = format_ident!("{}", ident::include_struct(name));
    let ids: Vec<Ident> = owner
        .relations
        .iter()
        .map(|r| ident::snake_ident(&r.name))
        .collect();
    let slots = owner.relations.iter().zip(&ids).map(|(r, id)| {
        let loaded = loaded_type(schema, &r.target);
        if r.kind.is_many() {
            quote!(#id: ::std::option::Option<::std::vec::Vec<#loaded>>,)
        } else {
            // Shared: one parent row serves all its children (and the type may cycle back).
            quote!(#id: ::std::option::Option<::std::option::Option<::std::sync::Arc<#loaded>>>,)
        }
    });
    let accessors = owner
        .relations
        .iter()
        .zip(&ids)
        .map(|(r, id)| accessor(schema, owner, r, id));
    let fetches = owner.relations.iter().map(|r| {
        let id = ident::snake_ident(&r.name);
        let fetch = fetch_fn(r);
        let load = if r.kind.is_many() {
            quote!(load_many)
        } else {
            quote!(load_one)
        };
        quote!(::switchyard::__private::#load(&rows, #owner_ty::#fetch, include.#id.as_deref(), ctx))
    });
    let inverses = owner.relations.iter().zip(&ids).filter_map(|(r, id)| {
        let inverse = inverse_to_fill(schema, r)?;
        let inverse_id = ident::snake_ident(inverse);
        // A has_many group is a `Vec` of rows; a has_one group an `Option<Arc<row>>`, whose
        // row is copied only if another owner shares it.
        let child = if r.kind.is_many() {
            TokenStream::new()
        } else {
            quote!(let child = ::std::sync::Arc::make_mut(child);)
        };
        Some(quote! {
            if let ::std::option::Option::Some(groups) = #id.as_mut() {
                for (row, group) in rows.iter().zip(groups.iter_mut()) {
                    // One shared copy of the owner per owner, not one per child.
                    let mut owner = ::std::option::Option::None;
                    for child in group.iter_mut() {
                        #child
                        if child.#inverse_id.is_none() {
                            let owner = owner.get_or_insert_with(|| ::std::sync::Arc::new(#ty::new(row.clone())));
                            child.#inverse_id = ::std::option::Option::Some(::std::option::Option::Some(owner.clone()));
                        }
                    }
                }
            }
        })
    });
    let inverses: Vec<TokenStream> = inverses.collect();
    let bindings = owner.relations.iter().zip(&ids).map(|(r, id)| {
        if inverse_to_fill(schema, r).is_some() {
            quote!(mut #id)
        } else {
            quote!(#id)
        }
    });
    let binding = quote!(let (#(#bindings,)*));
    // Only needed to fill an inverse slot with a row of this model.
    let new = (!inverses.is_empty()).then(|| {
        quote! {
            fn new(row: #owner_ty) -> Self {
                #ty { row, #(#ids: ::std::option::Option::None,)* }
            }
        }
    });
    let d = doc::line(format!(
        "A [`{name}`] with the relations its query asked for (see [`{include_ty}`]); derefs to the row. Reading a relation that was not asked for is [`switchyard::Error::NotLoaded`]."
    ));
    quote! {
        #d
        #[derive(Debug, Clone, PartialEq)]
        pub struct #ty {
            row: #owner_ty,
            #(#slots)*
        }

        impl #ty {
            #new

            /// The row.
            pub fn row(&self) -> &#owner_ty {
                &self.row
            }

            /// The row, without its relations.
            pub fn into_row(self) -> #owner_ty {
                self.row
            }

            #(#accessors)*
        }

        impl ::std::ops::Deref for #ty {
            type Target = #owner_ty;

            fn deref(&self) -> &#owner_ty {
                &self.row
            }
        }

        impl ::switchyard::Related for #owner_ty {
            type Include = #include_ty;
            type Loaded = #ty;

            fn load<'a>(
                rows: ::std::vec::Vec<#owner_ty>,
                include: &'a #include_ty,
                ctx: &'a ::switchyard::__private::Ctx,
            ) -> ::switchyard::__private::BoxFuture<'a, ::switchyard::Result<::std::vec::Vec<#ty>>> {
                ::std::boxed::Box::pin(async move {
                    #binding = ::switchyard::__private::try_join!(#(#fetches),*)?;
                    #(#inverses)*
                    #(let mut #ids = #ids.map(::std::iter::IntoIterator::into_iter);)*
                    ::std::result::Result::Ok(
                        rows.into_iter()
                            .map(|row| #ty {
                                #(#ids: #ids.as_mut().and_then(::std::iter::Iterator::next),)*
                                row,
                            })
                            .collect(),
                    )
                })
            }
        }
    }
}

/// For a `has_many`/`has_one` with `inverse_of` naming a `belongs_to`: the slot on each loaded
/// child to fill with its owner, so `post.user()` needs no query.
fn inverse_to_fill<'r>(schema: &Schema, relation: &'r Relation) -> Option<&'r str> {
    let inverse = relation.inverse_of.as_deref()?;
    if relation.kind == RelationKind::BelongsTo || relation.through.is_some() {
        return None;
    }
    let target = model(schema, &relation.target);
    let back = target.relations.iter().find(|r| r.name == inverse)?;
    (back.kind == RelationKind::BelongsTo).then_some(inverse)
}

/// The accessor of one relation on the loaded wrapper.
fn accessor(schema: &Schema, owner: &Model, relation: &Relation, id: &Ident) -> TokenStream {
    let loaded = loaded_type(schema, &relation.target);
    let model_name = &owner.name;
    let relation_name = &relation.name;
    let slot = quote! {
        self.#id.as_ref().ok_or(::switchyard::Error::NotLoaded { model: #model_name, relation: #relation_name })
    };
    let d = doc::line(format!(
        "`{relation_name}`, as loaded by the query: [`switchyard::Error::NotLoaded`] if it was not asked for."
    ));
    match relation.kind {
        RelationKind::HasMany => quote! {
            #d
            pub fn #id(&self) -> ::switchyard::Result<&[#loaded]> {
                #slot.map(::std::vec::Vec::as_slice)
            }
        },
        RelationKind::BelongsTo if !relation.optional => {
            let hop = &relation.hops[0];
            let fk = ident::snake_ident(&hop.from_field);
            let full_name = format!("{model_name}.{relation_name}");
            let target = model(schema, &relation.target);
            let (target_name, cluster) = (&target.name, &target.cluster);
            let d = doc::line(format!(
                "`{relation_name}`, as loaded by the query: [`switchyard::Error::NotLoaded`] if it was not asked for, [`switchyard::Error::MissingRelated`] if the row it refers to does not exist."
            ));
            quote! {
                #d
                pub fn #id(&self) -> ::switchyard::Result<&#loaded> {
                    ::switchyard::__private::found(#slot?.as_deref(), #full_name, #target_name, &self.row.#fk, #cluster)
                }
            }
        }
        _ => quote! {
            #d
            pub fn #id(&self) -> ::switchyard::Result<::std::option::Option<&#loaded>> {
                #slot.map(::std::option::Option::as_deref)
            }
        },
    }
}
