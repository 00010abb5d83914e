//! Each cluster's migrations as statics, rendered to SQL per dialect, so an app migrates with
//! no file at run time.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::migrate::Step;
use crate::migration_plan::render_all;
use crate::model::Schema;
use crate::resolve::Migration;

/// The name of the static holding `cluster`'s migrations.
pub(crate) fn static_name(cluster: &str) -> proc_macro2::Ident {
    format_ident!("MIGRATIONS_{}", cluster.to_ascii_uppercase())
}

/// One `static MIGRATIONS_<CLUSTER>` per cluster.
pub(crate) fn emit(schema: &Schema) -> TokenStream {
    let statics = schema.clusters.keys().map(|cluster| {
        let name = static_name(cluster);
        let migrations = schema
            .migrations
            .get(cluster)
            .map_or(&[][..], Vec::as_slice);
        let specs = specs(migrations);
        let doc = format!("The migrations of cluster `{cluster}`, in version order.");
        quote! {
            #[doc = #doc]
            static #name: &[::switchyard::__private::MigrationSpec] = &[#(#specs),*];
        }
    });
    quote!(#(#statics)*)
}

fn specs(migrations: &[Migration]) -> Vec<TokenStream> {
    render_all(migrations)
        .iter()
        .map(|m| {
            let version = i64::try_from(m.version).unwrap_or(i64::MAX);
            let (name, file, checksum) = (&m.name, &m.file, &m.checksum);
            let up = m.up.iter().map(step);
            let down = match &m.down {
                Some(down) => {
                    let down = down.iter().map(step);
                    quote!(::std::option::Option::Some(&[#(#down),*]))
                }
                None => quote!(::std::option::Option::None),
            };
            quote! {
                ::switchyard::__private::MigrationSpec {
                    version: #version,
                    name: #name,
                    file: #file,
                    checksum: #checksum,
                    up: &[#(#up),*],
                    down: #down,
                }
            }
        })
        .collect()
}

fn step(step: &Step) -> TokenStream {
    let describe = &step.describe;
    let dialect = |sql: &Option<Vec<String>>| match sql {
        Some(statements) => quote!(::std::option::Option::Some(&[#(#statements),*])),
        None => quote!(::std::option::Option::None),
    };
    let (sqlite, postgres, mysql) = (
        dialect(&step.sqlite),
        dialect(&step.postgres),
        dialect(&step.mysql),
    );
    quote! {
        ::switchyard::__private::Step {
            describe: #describe,
            sqlite: #sqlite,
            postgres: #postgres,
            mysql: #mysql,
        }
    }
}
