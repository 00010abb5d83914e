//! Each cluster's declared tables as statics, so an app (and `switchyard db verify`) can
//! compare a live database with the declarations.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::migrate::SchemaState;
use crate::model::{DefaultValue, Schema};

/// The name of the static holding `cluster`'s declared tables.
pub(crate) fn static_name(cluster: &str) -> proc_macro2::Ident {
    format_ident!("TABLES_{}", cluster.to_ascii_uppercase())
}

/// One `static TABLES_<CLUSTER>` per cluster.
pub(crate) fn emit(schema: &Schema) -> TokenStream {
    let statics = schema.clusters.keys().map(|cluster| {
        let name = static_name(cluster);
        let state = SchemaState::declared(schema, cluster);
        let tables = state.tables.iter().map(|(table, t)| {
            let columns = t.columns.iter().map(|c| {
                let column = &c.name;
                let ty = format_ident!("{}", format!("{:?}", c.ty));
                let (nullable, primary_key, unique) = (c.nullable, c.primary_key, c.unique);
                let default = match c.default.as_ref().map(DefaultValue::as_declared) {
                    Some(text) => quote!(::std::option::Option::Some(#text)),
                    None => quote!(::std::option::Option::None),
                };
                quote! {
                    ::switchyard::__private::ExpectedColumn {
                        name: #column,
                        ty: ::switchyard::__private::FieldType::#ty,
                        nullable: #nullable,
                        primary_key: #primary_key,
                        unique: #unique,
                        default: #default,
                    }
                }
            });
            let indexes = t.indexes.values().map(|i| {
                let (index, columns, unique) = (&i.name, &i.columns, i.unique);
                quote! {
                    ::switchyard::__private::ExpectedIndex {
                        name: #index,
                        columns: &[#(#columns),*],
                        unique: #unique,
                    }
                }
            });
            quote! {
                ::switchyard::__private::ExpectedTable {
                    name: #table,
                    columns: &[#(#columns),*],
                    indexes: &[#(#indexes),*],
                }
            }
        });
        let doc = format!("The tables the declarations give cluster `{cluster}`.");
        quote! {
            #[doc = #doc]
            static #name: &[::switchyard::__private::ExpectedTable] = &[#(#tables),*];
        }
    });
    quote!(#(#statics)*)
}
