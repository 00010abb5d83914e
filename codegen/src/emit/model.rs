//! Per model: the row struct, its column handles, the insert and patch structs, and the
//! `Model` / `Insert` / `FromRow` implementations carrying static SQL.

use proc_macro2::{Literal, TokenStream};
use quote::{ToTokens, format_ident, quote};

use super::{doc, option, relation, repository, serde, sql};
use crate::ident;
use crate::model::{DefaultValue, Field, FieldType, Model, Schema};
use crate::sql::{Statements, insert_order};

/// The Rust type of a field type (without `Option`).
pub(crate) fn rust_type(ty: FieldType) -> TokenStream {
    match ty {
        FieldType::Bool => quote!(bool),
        FieldType::I16 => quote!(i16),
        FieldType::I32 => quote!(i32),
        FieldType::I64 => quote!(i64),
        FieldType::F32 => quote!(f32),
        FieldType::F64 => quote!(f64),
        FieldType::String | FieldType::Text => quote!(::std::string::String),
        FieldType::Bytes => quote!(::std::vec::Vec<u8>),
        FieldType::Uuid => quote!(::switchyard::uuid::Uuid),
        FieldType::Date => quote!(::switchyard::chrono::NaiveDate),
        FieldType::Time => quote!(::switchyard::chrono::NaiveTime),
        FieldType::DateTime => {
            quote!(::switchyard::chrono::DateTime<::switchyard::chrono::Utc>)
        }
        FieldType::Json => quote!(::switchyard::serde_json::Value),
    }
}

/// The field's type in the row struct.
pub(crate) fn field_type(field: &Field) -> TokenStream {
    let ty = rust_type(field.ty);
    if field.nullable {
        quote!(::std::option::Option<#ty>)
    } else {
        ty
    }
}

/// Whether the insert struct may leave this field out. Never a shard key: it places the row
/// before anything is written, so it must be known.
pub(crate) fn optional_on_insert(model: &Model, field: &Field) -> bool {
    (field.nullable
        || field.default.is_some()
        || (field.primary_key && (field.ty.is_integer() || field.ty == FieldType::Uuid)))
        && model.shard_key.as_deref() != Some(field.name.as_str())
}

fn field_facts(field: &Field) -> String {
    let mut fact = format!("Type `{}`", field.ty.name());
    if field.nullable {
        fact.push_str(", nullable");
    }
    fact.push_str(&format!(", column `{}`", field.column.replace('`', "'")));
    if field.primary_key {
        fact.push_str(if field.ty.is_integer() {
            "; primary key, assigned by the database"
        } else {
            "; primary key"
        });
    }
    if field.unique {
        fact.push_str("; unique");
    }
    match &field.default {
        Some(DefaultValue::Now) => fact.push_str("; defaults to the time of insert"),
        Some(_) => fact.push_str("; has a default"),
        None => {}
    }
    fact.push('.');
    fact
}

pub(crate) fn emit(schema: &Schema, model: &Model) -> TokenStream {
    let name = ident::type_ident(&model.name);
    let name_str = &model.name;
    let new_name = format_ident!("{}", ident::new_struct(&model.name));
    let patch_name = format_ident!("{}", ident::patch_struct(&model.name));
    let cluster_ty = ident::cluster_type(&model.cluster);
    let st = Statements::of(model);

    let table_line = format!(
        "Table `{}` in cluster [`{cluster_ty}`], reached with `{}()` on its handles.",
        model.table.replace('`', "'"),
        ident::snake_plural(&model.name)
    );
    let struct_lines: Vec<String> = std::iter::once(table_line)
        .chain(serde::row_doc(model))
        .collect();
    let struct_doc = doc::attrs(model.doc.as_deref(), &struct_lines);
    let fields = model.fields.iter().map(|f| {
        let id = ident::snake_ident(&f.name);
        let ty = field_type(f);
        let d = doc::attrs(f.doc.as_deref(), &[field_facts(f)]);
        quote!(#d pub #id: #ty,)
    });
    let columns = model.fields.iter().enumerate().map(|(index, f)| {
        let konst = format_ident!("{}", ident::constant(&f.name));
        let ty = rust_type(f.ty);
        let column = &f.column;
        let quoted = sql(&crate::sql::SqlSet::build(|d| d.quote(&f.column)));
        let d = doc::line(format!("Filter and order by `{}`. {}", f.name, field_facts(f)));
        quote! {
            #d
            pub const #konst: ::switchyard::Column<#name, #ty> = ::switchyard::Column::new(#index, #column, #quoted);
        }
    });
    let decode = model.fields.iter().enumerate().map(|(i, f)| {
        let id = ident::snake_ident(&f.name);
        quote!(#id: row.get(#i)?,)
    });

    let new_fields = model.fields.iter().map(|f| {
        let id = ident::snake_ident(&f.name);
        let ty = rust_type(f.ty);
        let optional = optional_on_insert(model, f);
        let ty = if optional {
            quote!(::std::option::Option<#ty>)
        } else {
            ty
        };
        let how = match (&f.default, f.primary_key) {
            (_, true) if f.ty.is_integer() => " `None` lets the database assign it.",
            (_, true) if f.ty == FieldType::Uuid => " `None` generates a random (v4) key.",
            (Some(DefaultValue::Now), _) => " `None` uses the time of insert.",
            (Some(_), _) => " `None` uses the declared default.",
            (None, _) if f.nullable => " `None` stores NULL.",
            _ => "",
        };
        let d = doc::line(format!("{}{how}", field_facts(f)));
        quote!(#d pub #id: #ty,)
    });
    let key_field = model.key();
    let auto_key = key_field.ty.is_integer();
    // An auto-increment key is not among the bound values: the runtime binds it only for
    // rows that set it (see `explicit_key`).
    let binds = insert_order(model)
        .into_iter()
        .skip(usize::from(auto_key))
        .map(|i| bind_insert(model, &model.fields[i]));
    let explicit_key = auto_key.then(|| {
        let id = ident::snake_ident(&key_field.name);
        let key = match key_field.ty {
            FieldType::I64 => quote!(self.#id),
            _ => quote!(self.#id.map(i64::from)),
        };
        quote! {
            fn explicit_key(&self) -> ::std::option::Option<i64> {
                #key
            }
        }
    });

    let patch_serde = serde::patch_field(model);
    let patch_fields = crate::sql::update_fields(model).into_iter().map(|f| {
        let id = ident::snake_ident(&f.name);
        let ty = field_type(f);
        let d = doc::attrs(
            None,
            &[format!(
                "New value of `{}`; `None` leaves it unchanged.",
                f.name
            )],
        );
        quote!(#d #patch_serde pub #id: ::std::option::Option<#ty>,)
    });

    let select = sql(&st.select);
    let count = sql(&st.count);
    let exists = sql(&st.exists);
    let delete = sql(&st.delete);
    let update_head = sql(&st.update_head);
    let key = sql(&st.key);
    let head = sql(&st.insert_head);
    let returning = sql(&st.returning);
    let one = sql(&st.insert_one);
    let columns_len = model.fields.len();
    let auto_key_spec = option(st.pg_advance_key.as_ref().map(|(lock, advance)| {
        quote!(::switchyard::__private::AutoKey { pg_lock: #lock, pg_advance: #advance })
    }));
    let new_doc = doc::attrs(
        None,
        &[format!(
            "A new [`{name_str}`] to insert: every field, with those that have defaults optional."
        )],
    );
    let patch_lines: Vec<String> = std::iter::once(format!(
        "A partial update of [`{name_str}`] rows: only the fields that are `Some` are written."
    ))
    .chain(serde::patch_doc(model))
    .collect();
    let patch_doc = doc::attrs(None, &patch_lines);
    let derive_serde = serde::derives(model);
    let derive_patch_serde = serde::patch_derives(model);
    let patch_sets = crate::sql::update_fields(model).into_iter().map(|f| {
        let id = ident::snake_ident(&f.name);
        let konst = format_ident!("{}", ident::constant(&f.name));
        quote! {
            if let ::std::option::Option::Some(value) = &self.#id {
                update.set(#name::#konst, value);
            }
        }
    });
    let repository = repository::emit(schema, model, &st);
    let relations = relation::emit(schema, model);
    let key_ty = rust_type(key_field.ty);
    let key_id = ident::snake_ident(&key_field.name);
    let cluster_index = super::cluster_index(schema, &model.cluster);
    let placement = placement(model);
    // A uuid key the row sets itself must not have been made for another shard.
    let primary_key = (model.shard_key.is_some()
        && key_field.ty == FieldType::Uuid
        && optional_on_insert(model, key_field))
    .then(|| {
        quote! {
            fn primary_key(&self) -> ::std::option::Option<::switchyard::ShardKeyValue<'_>> {
                self.#key_id.as_ref().map(::switchyard::ShardKey::shard_key_value)
            }
        }
    });
    let shard_key = shard_key_fn(model);
    let compare = schema
        .clusters
        .get(&model.cluster)
        .is_some_and(|c| c.sharded)
        .then(|| compare(model));

    quote! {
        #struct_doc
        #[derive(Debug, Clone, PartialEq)]
        #derive_serde
        pub struct #name {
            #(#fields)*
        }

        impl #name {
            #(#columns)*
        }

        impl ::switchyard::__private::FromRow for #name {
            fn from_row(
                row: &::switchyard::__private::Row,
            ) -> ::std::result::Result<Self, ::switchyard::__private::SqlxError> {
                ::std::result::Result::Ok(#name { #(#decode)* })
            }
        }

        impl ::switchyard::Model for #name {
            const NAME: &'static str = #name_str;
            type Key = #key_ty;
            const CLUSTER: usize = #cluster_index;
            fn key(&self) -> &#key_ty {
                &self.#key_id
            }
            const SELECT: ::switchyard::__private::Sql = #select;
            const COUNT: ::switchyard::__private::Sql = #count;
            const EXISTS: ::switchyard::__private::Sql = #exists;
            const DELETE: ::switchyard::__private::Sql = #delete;
            const UPDATE: ::switchyard::__private::Sql = #update_head;
            const KEY: ::switchyard::__private::Sql = #key;
            #placement
            #shard_key
            #compare
        }

        #new_doc
        #[derive(Debug, Clone, Default, PartialEq)]
        #derive_serde
        pub struct #new_name {
            #(#new_fields)*
        }

        impl ::switchyard::__private::Insert for #new_name {
            type Model = #name;
            const COLUMNS: usize = #columns_len;
            const HEAD: ::switchyard::__private::Sql = #head;
            const RETURNING: ::switchyard::__private::Sql = #returning;
            const ONE: ::switchyard::__private::Sql = #one;
            const AUTO_KEY: ::std::option::Option<::switchyard::__private::AutoKey> = #auto_key_spec;

            fn bind(&self, args: &mut ::switchyard::__private::Args) {
                #(#binds)*
            }

            #explicit_key
            #shard_key
            #primary_key
        }

        #patch_doc
        #[derive(Debug, Clone, Default, PartialEq)]
        #derive_patch_serde
        pub struct #patch_name {
            #(#patch_fields)*
        }

        impl ::switchyard::PatchFields for #patch_name {
            type Model = #name;

            fn apply(&self, update: &mut ::switchyard::__private::Patch<'_, #name>) {
                #(#patch_sets)*
            }
        }

        #repository

        #relations
    }
}

/// `const PLACEMENT` for a model with a shard key: its cluster's shard map and the key column.
fn placement(model: &Model) -> Option<TokenStream> {
    let field = model.shard_key_field()?;
    let map = format_ident!("{}", ident::shard_enum(&model.cluster));
    let name = &field.name;
    let column = sql(&crate::sql::SqlSet::build(|d| d.quote(&field.column)));
    Some(quote! {
        const PLACEMENT: ::switchyard::__private::Placement = ::switchyard::__private::Placement::Keyed {
            map: &#map::MAP,
            field: #name,
            column: #column,
        };
    })
}

/// `fn shard_key` of the row and insert structs of a model with a shard key.
fn shard_key_fn(model: &Model) -> Option<TokenStream> {
    let id = ident::snake_ident(&model.shard_key_field()?.name);
    Some(quote! {
        fn shard_key(&self) -> ::std::option::Option<::switchyard::ShardKeyValue<'_>> {
            ::std::option::Option::Some(::switchyard::ShardKey::shard_key_value(&self.#id))
        }
    })
}

/// `fn compare` of a model in a sharded cluster, which rows of several shards merge by.
fn compare(model: &Model) -> TokenStream {
    let arms = model
        .fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.ty != FieldType::Json)
        .map(|(i, f)| {
            let id = ident::snake_ident(&f.name);
            quote!(#i => ::switchyard::__private::compare(&self.#id, &other.#id, nulls_last),)
        });
    quote! {
        fn compare(
            &self,
            other: &Self,
            field: usize,
            nulls_last: bool,
        ) -> ::std::option::Option<::std::cmp::Ordering> {
            match field {
                #(#arms)*
                _ => ::std::option::Option::None,
            }
        }
    }
}

/// Bind one insert-struct field, applying its default when it is `None`.
fn bind_insert(model: &Model, field: &Field) -> TokenStream {
    let id = ident::snake_ident(&field.name);
    if !optional_on_insert(model, field) || (field.nullable && field.default.is_none()) {
        return quote!(args.add(&self.#id););
    }
    if field.primary_key {
        // A uuid key left empty: made for the row's shard when the runtime knows it.
        return quote! {
            let key = self.#id.unwrap_or_else(|| args.new_key());
            args.add(&key);
        };
    }
    match (&field.default, field.ty) {
        (Some(DefaultValue::Now), FieldType::Date) => {
            quote!(args.add(&self.#id.unwrap_or_else(|| ::switchyard::__private::now().date_naive()));)
        }
        (Some(DefaultValue::Now), FieldType::Time) => {
            quote!(args.add(&self.#id.unwrap_or_else(|| ::switchyard::__private::now().time()));)
        }
        (Some(DefaultValue::Now), _) => {
            quote!(args.add(&self.#id.unwrap_or_else(::switchyard::__private::now));)
        }
        (Some(DefaultValue::Str(s)), _) => quote! {
            match &self.#id {
                ::std::option::Option::Some(value) => args.add(value),
                ::std::option::Option::None => args.add(#s),
            }
        },
        (Some(DefaultValue::Bool(b)), _) => quote!(args.add(&self.#id.unwrap_or(#b));),
        (Some(DefaultValue::Int(i)), ty) => {
            let lit = literal_number(ty, *i as f64, Some(*i));
            quote!(args.add(&self.#id.unwrap_or(#lit));)
        }
        (Some(DefaultValue::Float(x)), ty) => {
            let lit = literal_number(ty, *x, None);
            quote!(args.add(&self.#id.unwrap_or(#lit));)
        }
        (None, _) => quote!(args.add(&self.#id);),
    }
}

fn literal_number(ty: FieldType, float: f64, int: Option<i64>) -> TokenStream {
    match (ty, int) {
        (FieldType::I16, Some(i)) => Literal::i16_suffixed(i as i16).to_token_stream(),
        (FieldType::I32, Some(i)) => Literal::i32_suffixed(i as i32).to_token_stream(),
        (FieldType::I64, Some(i)) => Literal::i64_suffixed(i).to_token_stream(),
        (FieldType::F32, _) => Literal::f32_suffixed(float as f32).to_token_stream(),
        _ => Literal::f64_suffixed(float).to_token_stream(),
    }
}
