//! Per model: the repository type a cluster handle or transaction hands out
//! (`db.primary().users()`), with reads for every access and writes only for `Write`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::model::rust_type;
use super::{doc, relation, sql};
use crate::ident;
use crate::model::{Field, FieldType, Model, Schema};
use crate::sql::Statements;

/// How a lookup method takes a value of this field: by reference for unsized-friendly
/// types, by value for `Copy` ones.
fn param_type(field: &Field) -> TokenStream {
    match field.ty {
        FieldType::String | FieldType::Text => quote!(&str),
        FieldType::Bytes => quote!(&[u8]),
        FieldType::Json => quote!(&::switchyard::serde_json::Value),
        ty => rust_type(ty),
    }
}

/// A lookup parameter as a reference to bind.
fn arg(field: &Field, id: &proc_macro2::Ident) -> TokenStream {
    match field.ty {
        FieldType::String | FieldType::Text | FieldType::Bytes | FieldType::Json => quote!(#id),
        _ => quote!(&#id),
    }
}

pub(crate) fn emit(_schema: &Schema, model: &Model, st: &Statements) -> TokenStream {
    let is_shard_key = |field: &Field| model.shard_key.as_deref() == Some(field.name.as_str());
    let name = ident::type_ident(&model.name);
    let repo = format_ident!("{}", ident::repository(&model.name));
    let new_name = format_ident!("{}", ident::new_struct(&model.name));
    let patch_name = format_ident!("{}", ident::patch_struct(&model.name));
    let cluster_ty = ident::cluster_type(&model.cluster);
    let key = model.key();
    let key_id = ident::snake_ident(&key.name);
    let key_ty = param_type(key);
    let find = sql(&st.find);
    let update = sql(&st.update);
    let delete_by_key = sql(&st.delete_by_key);
    let name_str = &model.name;
    let key_const = format_ident!("{}", ident::constant(&key.name));
    let validate_one =
        relation::validations(model, &quote!(::std::iter::once(&row)), relation::new_keys);
    let validate_many = relation::validations(model, &quote!(rows.iter()), relation::new_keys);
    let validate_update =
        relation::validations(model, &quote!(::std::iter::once(row)), relation::row_keys);
    let validate_patch = relation::validations(
        model,
        &quote!(::std::iter::once(patch)),
        relation::patch_keys,
    );

    let find_by = st.find_by.iter().map(|(i, set)| {
        let field = &model.fields[*i];
        let method = format_ident!("find_by_{}", field.name);
        let id = ident::snake_ident(&field.name);
        let ty = param_type(field);
        let arg = arg(field, &id);
        let by = if is_shard_key(field) { quote!(ShardKey) } else { quote!(Other) };
        let statement = sql(set);
        let d = doc::line(format!("The [`{name_str}`] whose `{}` equals the given value, if any.", field.name));
        quote! {
            #d
            pub async fn #method(self, #id: #ty) -> ::switchyard::Result<::std::option::Option<#name>> {
                const SQL: ::switchyard::__private::Sql = #statement;
                ::switchyard::__private::find(self.conn, SQL, #arg, ::switchyard::__private::By::#by).await
            }
        }
    });

    // Updates select the row by primary key, and by shard key when the model has one.
    let update_binds = crate::sql::update_fields(model)
        .into_iter()
        .chain(std::iter::once(key))
        .chain(model.shard_key_field().filter(|f| !f.primary_key))
        .map(|f| {
            let id = ident::snake_ident(&f.name);
            quote!(args.add(&row.#id);)
        });
    let key_by = if is_shard_key(key) {
        quote!(ShardKey)
    } else {
        quote!(PrimaryKey)
    };
    let key_arg = arg(key, &key_id);

    let repo_doc = doc::attrs(
        None,
        &[format!(
            "Queries of [`{name_str}`] on cluster [`{cluster_ty}`]; writes too when `A` is [`switchyard::Write`]."
        )],
    );
    let find_doc = doc::attrs(
        None,
        &[format!("The [`{name_str}`] with this primary key, if any.")],
    );

    quote! {
        #repo_doc
        #[derive(Debug)]
        pub struct #repo<'e, A = ::switchyard::Write> {
            conn: ::switchyard::__private::Conn<'e>,
            _access: ::std::marker::PhantomData<A>,
        }

        impl<'e, A: ::switchyard::Access> #repo<'e, A> {
            fn new(conn: ::switchyard::__private::Conn<'e>) -> Self {
                #repo { conn, _access: ::std::marker::PhantomData }
            }

            #find_doc
            pub async fn find(self, #key_id: #key_ty) -> ::switchyard::Result<::std::option::Option<#name>> {
                const SQL: ::switchyard::__private::Sql = #find;
                ::switchyard::__private::find(self.conn, SQL, #key_arg, ::switchyard::__private::By::#key_by).await
            }

            #(#find_by)*

            /// A query: add `filter`, `order_by`, `limit`, `offset`, then run it.
            pub fn query(self) -> ::switchyard::Query<'e, #name, A> {
                ::switchyard::Query::new(self.conn)
            }

            /// A query of the rows matching `condition`.
            pub fn filter(self, condition: ::switchyard::Expr<#name>) -> ::switchyard::Query<'e, #name, A> {
                self.query().filter(condition)
            }

            /// Every row, in no particular order.
            pub async fn all(self) -> ::switchyard::Result<::std::vec::Vec<#name>> {
                self.query().all().await
            }

            /// The row with the smallest primary key, if any.
            pub async fn first(self) -> ::switchyard::Result<::std::option::Option<#name>> {
                self.query().order_by(#name::#key_const.asc()).first().await
            }

            /// How many rows there are.
            pub async fn count(self) -> ::switchyard::Result<i64> {
                self.query().count().await
            }

            /// Whether a row with this primary key exists.
            pub async fn exists(self, #key_id: #key_ty) -> ::switchyard::Result<bool> {
                self.query().filter(#name::#key_const.eq(#key_id)).exists().await
            }
        }

        impl<'e> #repo<'e, ::switchyard::Write> {
            /// Insert one row and return it as stored (generated key and defaults included).
            pub async fn insert(mut self, row: #new_name) -> ::switchyard::Result<#name> {
                #validate_one
                ::switchyard::__private::insert_one(&mut self.conn, &row).await
            }

            /// Insert many rows in as few statements as the backend allows, all or none, and
            /// return them as stored, in input order.
            pub async fn insert_many(self, rows: &[#new_name]) -> ::switchyard::Result<::std::vec::Vec<#name>> {
                #validate_many
                ::switchyard::__private::insert_many(self.conn, rows).await
            }

            /// Write every field of `row` to the row with its primary key; `NotFound` if none.
            pub async fn update(self, row: &#name) -> ::switchyard::Result<()> {
                #validate_update
                const SQL: ::switchyard::__private::Sql = #update;
                let mut args = self.conn.args();
                #(#update_binds)*
                ::switchyard::__private::update(self.conn, SQL, args, row).await
            }

            /// Write only the fields set in `patch` to the row with this key; `NotFound` if
            /// none. An empty patch runs no statement.
            pub async fn update_partial(self, #key_id: #key_ty, patch: &#patch_name) -> ::switchyard::Result<()> {
                #validate_patch
                let mut update = ::switchyard::__private::Patch::<#name>::new(self.conn);
                ::switchyard::PatchFields::apply(patch, &mut update);
                update.run(#key_arg).await
            }

            /// Delete the row with this key; whether there was one.
            pub async fn delete(self, #key_id: #key_ty) -> ::switchyard::Result<bool> {
                const SQL: ::switchyard::__private::Sql = #delete_by_key;
                ::switchyard::__private::delete::<#name, _>(self.conn, SQL, #key_arg, ::switchyard::__private::By::#key_by).await
            }

            /// Delete every row matching `condition`; how many were deleted.
            pub async fn delete_where(self, condition: ::switchyard::Expr<#name>) -> ::switchyard::Result<u64> {
                ::switchyard::__private::delete_where(self.conn, condition).await
            }
        }
    }
}
