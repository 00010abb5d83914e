//! Per cluster: the typed handle (`db.primary()`), its shard enum, its transaction type; and
//! the app-wide `Database` with the declared topology.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use proc_macro2::Literal;

use super::{doc, option, sql};
use crate::ident;
use crate::model::{Cluster, Fallback, ListKey, Policy, Replica, Routing, Schema, ShardBy};
use crate::sql::{SqlSet, Statements};

/// `&[ReplicaSpec { .. }, ..]` for a list of replicas.
fn replica_specs(replicas: &[Replica]) -> TokenStream {
    let specs = replicas.iter().map(|r| {
        let url = &r.url;
        let weight = Literal::u32_unsuffixed(r.weight);
        quote!(::switchyard::__private::ReplicaSpec { url: #url, weight: #weight })
    });
    quote!(&[#(#specs),*])
}

/// `RoutingSpec { .. }` for a cluster's routing options.
fn routing_spec(routing: &Routing) -> TokenStream {
    let policy = option(routing.policy.map(|p| match p {
        Policy::RoundRobin => quote!(::switchyard::Policy::RoundRobin),
        Policy::Random => quote!(::switchyard::Policy::Random),
        Policy::LeastBusy => quote!(::switchyard::Policy::LeastBusy),
    }));
    let fallback = option(routing.fallback.map(|f| match f {
        Fallback::Writer => quote!(::switchyard::Fallback::Writer),
        Fallback::Error => quote!(::switchyard::Fallback::Error),
    }));
    let lag = option(routing.max_replica_lag_ms);
    let interval = option(routing.check_interval_ms);
    let backoff = option(routing.eject_backoff_ms);
    let backoff_max = option(routing.eject_backoff_max_ms);
    quote! {
        ::switchyard::__private::RoutingSpec {
            policy: #policy,
            fallback: #fallback,
            max_replica_lag_ms: #lag,
            check_interval_ms: #interval,
            eject_backoff_ms: #backoff,
            eject_backoff_max_ms: #backoff_max,
        }
    }
}

pub(crate) fn emit(schema: &Schema) -> TokenStream {
    let clusters: Vec<TokenStream> = schema
        .clusters
        .values()
        .enumerate()
        .map(|(index, c)| emit_cluster(schema, c, index))
        .collect();
    let accessors = schema.clusters.values().enumerate().map(|(index, c)| {
        let method = ident::snake_ident(&c.name);
        let ty = format_ident!("{}", ident::cluster_type(&c.name));
        let d = doc::line(format!(
            "Cluster `{}`, with this database's routing (see [`{ty}::reading`] and [`{ty}::writing`] to switch this cluster alone).",
            c.name
        ));
        quote! {
            #d
            pub fn #method(&self) -> #ty<A> {
                #ty::from_handle(self.engine.handle(#index).with_routing(self.routing))
            }
        }
    });
    let creates = schema.clusters.values().map(|c| {
        let method = ident::snake_ident(&c.name);
        quote!(self.#method().create_tables().await?;)
    });
    let drops = schema.clusters.values().map(|c| {
        let method = ident::snake_ident(&c.name);
        quote!(self.#method().drop_tables().await?;)
    });
    // Clusters declared with `database_tasks = false` are the app's to use, not to manage.
    let managed: Vec<_> = schema
        .clusters
        .values()
        .filter(|c| c.database_tasks)
        .map(|c| ident::snake_ident(&c.name))
        .collect();
    let unmanaged: Vec<String> = schema
        .clusters
        .values()
        .filter(|c| !c.database_tasks)
        .map(|c| format!("`{}`", c.name))
        .collect();
    let skipped = if unmanaged.is_empty() {
        String::new()
    } else {
        format!(
            " Clusters declared with `database_tasks = false` are skipped: {}.",
            unmanaged.join(", ")
        )
    };
    let migrate_doc = doc::line(format!(
        "Apply every pending migration of every cluster on every shard's writer, clusters concurrently; `Ok` with what ran where, or [`switchyard::Error::Migrations`] with every database's report if one failed.{skipped}"
    ));
    let runs = |call: TokenStream| {
        if managed.is_empty() {
            return quote!(::switchyard::MigrationReport::combine(::std::iter::empty()));
        }
        quote! {
            let runs = ::switchyard::__private::join_all([
                #(self.#managed().writing().migrator()#call),*
            ])
            .await;
            ::switchyard::MigrationReport::combine(runs)
        }
    };
    let every: Vec<_> = schema
        .clusters
        .values()
        .map(|c| ident::snake_ident(&c.name))
        .collect();
    let verify_body = quote! {
        let runs = ::switchyard::__private::join_all([
            #(::std::boxed::Box::pin(self.#every().writing().verify())
                as ::switchyard::__private::BoxFuture<'_, ::switchyard::Result<::switchyard::DriftReport>>),*
        ])
        .await;
        ::switchyard::DriftReport::combine(runs)
    };
    let migrate_body = runs(quote!(.migrate(::std::option::Option::None)));
    let status_body = runs(quote!(.status()));
    let status_doc = doc::line(format!(
        "Where each database stands: version, applied and pending migrations, per cluster and shard.{skipped}"
    ));
    let specs = schema.clusters.values().map(|c| {
        let name = &c.name;
        let shards = c.shards.iter().map(|s| {
            let shard = &s.name;
            let writer = &s.writer;
            let replicas = replica_specs(&s.replicas);
            let roles = s.roles.iter().map(|role| {
                let name = &role.name;
                let replicas = replica_specs(&role.replicas);
                quote!(::switchyard::__private::RoleSpec { name: #name, replicas: #replicas })
            });
            quote! {
                ::switchyard::__private::ShardSpec {
                    name: #shard,
                    writer: #writer,
                    replicas: #replicas,
                    roles: &[#(#roles),*],
                }
            }
        });
        let routing = routing_spec(&c.routing);
        let p = &c.pool;
        let (max, min) = (option(p.max_connections), option(p.min_connections));
        let (acquire, idle, life) = (
            option(p.acquire_timeout_ms),
            option(p.idle_timeout_ms),
            option(p.max_lifetime_ms),
        );
        let lazy = option(p.lazy);
        quote! {
            ::switchyard::__private::ClusterSpec {
                name: #name,
                shards: &[#(#shards),*],
                pool: ::switchyard::__private::PoolSpec {
                    max_connections: #max,
                    min_connections: #min,
                    acquire_timeout_ms: #acquire,
                    idle_timeout_ms: #idle,
                    max_lifetime_ms: #life,
                    lazy: #lazy,
                },
                routing: #routing,
            }
        }
    });
    let cluster_list = schema
        .clusters
        .keys()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let db_doc = doc::attrs(
        None,
        &[format!(
            "The app's databases: clusters {cluster_list}. Cheap to clone.\n\nConnect with [`Database::connect`] and [`Database::config`], then reach each cluster through its typed handle."
        )],
    );
    quote! {
        /// The declared topology: clusters, shards, URL templates, roles and routing options.
        static TOPOLOGY: &[::switchyard::__private::ClusterSpec] = &[#(#specs),*];

        #db_doc
        ///
        /// `A` is [`switchyard::Write`] (reads and writes) or [`switchyard::Read`] (reads
        /// only). A connected `Database` routes automatically: writes to writers, reads to
        /// writers too unless a [`switchyard::Selector`] request context sends them to
        /// replicas. [`Database::reading`] and [`Database::writing`] switch the whole app to
        /// replicas or writers explicitly.
        #[derive(Debug, Clone)]
        pub struct Database<A = ::switchyard::Write> {
            engine: ::switchyard::Engine,
            routing: ::switchyard::Routing,
            _access: ::std::marker::PhantomData<A>,
        }

        impl Database {
            /// The declared topology with its URL templates, to adjust before connecting.
            pub fn config() -> ::switchyard::Config {
                ::switchyard::Config::from_specs(TOPOLOGY)
            }

            /// Expand the URLs of `config` and open every pool.
            pub async fn connect(config: ::switchyard::Config) -> ::switchyard::Result<Self> {
                ::std::result::Result::Ok(Database {
                    engine: ::switchyard::Engine::connect(config).await?,
                    routing: ::switchyard::Routing::Auto,
                    _access: ::std::marker::PhantomData,
                })
            }

            /// Create every cluster's tables and indexes (if missing) on every shard's writer.
            pub async fn create_tables(&self) -> ::switchyard::Result<()> {
                #(#creates)*
                ::std::result::Result::Ok(())
            }

            /// Drop every cluster's tables on every shard's writer.
            pub async fn drop_tables(&self) -> ::switchyard::Result<()> {
                #(#drops)*
                ::std::result::Result::Ok(())
            }

            #migrate_doc
            pub async fn migrate(&self) -> ::switchyard::Result<::switchyard::MigrationReport> {
                #migrate_body
            }

            /// Compare every cluster's writers with the declarations ([`switchyard::DriftReport`]:
            /// one entry per cluster and shard).
            pub async fn verify(&self) -> ::switchyard::Result<::switchyard::DriftReport> {
                #verify_body
            }

            #status_doc
            pub async fn migration_status(
                &self,
            ) -> ::switchyard::Result<::switchyard::MigrationReport> {
                #status_body
            }
        }

        impl<A: ::switchyard::Access> Database<A> {
            /// The runtime engine: statement counts, closing.
            pub fn engine(&self) -> &::switchyard::Engine {
                &self.engine
            }

            /// Every cluster reading from its replicas (the writer where there are none).
            /// Write methods do not exist on it.
            pub fn reading(&self) -> Database<::switchyard::Read> {
                Database {
                    engine: self.engine.clone(),
                    routing: ::switchyard::Routing::Reading,
                    _access: ::std::marker::PhantomData,
                }
            }

            /// Every cluster on its writer, whatever a request context says.
            pub fn writing(&self) -> Database<::switchyard::Write> {
                Database {
                    engine: self.engine.clone(),
                    routing: ::switchyard::Routing::Writing,
                    _access: ::std::marker::PhantomData,
                }
            }

            #(#accessors)*
        }

        impl<A: ::switchyard::Access> ::switchyard::Scope for Database<A> {
            fn ctx(&self) -> ::switchyard::__private::Ctx {
                ::switchyard::__private::Ctx::new(self.engine.clone(), self.routing)
            }
        }

        #(#clusters)*
    }
}

/// `MAP` and `for_key` on the shard enum of a cluster with `shard_by`.
fn shard_map(cluster: &Cluster, enum_ty: &proc_macro2::Ident) -> TokenStream {
    let Some(shard_by) = cluster.shard_by else {
        return TokenStream::new();
    };
    let name = &cluster.name;
    let names = cluster.shards.iter().map(|s| s.name.as_str());
    let (strategy, how) = match shard_by {
        ShardBy::Hash => (
            quote!(::switchyard::__private::Strategy::Hash),
            "by a stable hash of the key (see `switchyard::shard_hash`), mapped to shards by jump consistent hashing",
        ),
        ShardBy::Range => {
            let ranges = cluster.shards.iter().map(|s| {
                let (lo, hi) = s.range.unwrap_or((0, 0));
                quote!((#lo, #hi))
            });
            (
                quote!(::switchyard::__private::Strategy::Range(&[#(#ranges),*])),
                "by the declared ranges; a key outside every range is `switchyard::Error::NoShardForKey`",
            )
        }
        ShardBy::List => {
            let lists = cluster.shards.iter().map(|s| {
                let keys = s.keys.iter().map(|k| match k {
                    ListKey::Int(i) => quote!(::switchyard::__private::ListKey::Int(#i)),
                    ListKey::Str(s) => quote!(::switchyard::__private::ListKey::Str(#s)),
                });
                quote!(&[#(#keys),*])
            });
            (
                quote!(::switchyard::__private::Strategy::List(&[#(#lists),*])),
                "by the declared key lists; a key on no list is `switchyard::Error::NoShardForKey`",
            )
        }
    };
    let d = doc::line(format!(
        "The shard that holds rows with this shard key: {how}."
    ));
    quote! {
        impl #enum_ty {
            /// How shard keys map to this cluster's shards.
            #[doc(hidden)]
            pub const MAP: ::switchyard::__private::ShardMap = ::switchyard::__private::ShardMap {
                cluster: #name,
                shards: &[#(#names),*],
                strategy: #strategy,
            };

            #d
            pub fn for_key(key: impl ::switchyard::ShardKey) -> ::switchyard::Result<#enum_ty> {
                let index = #enum_ty::MAP.locate(&key)?;
                ::std::result::Result::Ok(#enum_ty::ALL[index])
            }
        }
    }
}

fn emit_cluster(schema: &Schema, cluster: &Cluster, index: usize) -> TokenStream {
    let ty = format_ident!("{}", ident::cluster_type(&cluster.name));
    let tx = format_ident!("{}", ident::transaction_type(&cluster.name));
    let models: Vec<_> = schema
        .models
        .values()
        .filter(|m| m.cluster == cluster.name)
        .collect();
    let accessors = models.iter().map(|m| {
        let method = format_ident!("{}", ident::snake_plural(&m.name));
        let repo = format_ident!("{}", ident::repository(&m.name));
        let d = doc::line(format!("[`{}`] rows in this cluster.", m.name));
        quote! {
            #d
            pub fn #method(&self) -> #repo<'static, A> {
                #repo::new(::switchyard::__private::Conn::Handle(self.handle.clone()))
            }
        }
    });
    let tx_accessors = models.iter().map(|m| {
        let method = format_ident!("{}", ident::snake_plural(&m.name));
        let repo = format_ident!("{}", ident::repository(&m.name));
        let d = doc::attrs(
            None,
            &[format!("[`{}`] rows, inside this transaction.", m.name)],
        );
        quote! {
            #d
            pub fn #method(&mut self) -> #repo<'_, A> {
                #repo::new(::switchyard::__private::Conn::Tx(&mut self.tx))
            }
        }
    });
    let statements: Vec<Statements> = models.iter().map(|m| Statements::of(m)).collect();
    let create: Vec<SqlSet> = statements.iter().flat_map(|s| s.create.clone()).collect();
    // Reverse order, so a later issue's foreign keys never block a drop.
    let drop: Vec<SqlSet> = statements.iter().rev().map(|s| s.drop.clone()).collect();
    let create = create.iter().map(sql);
    let drop = drop.iter().map(sql);
    let migrations = super::migration::static_name(&cluster.name);
    let tables = super::verify::static_name(&cluster.name);
    let count = schema.migrations.get(&cluster.name).map_or(0, Vec::len);
    let migrator_doc = doc::line(format!(
        "This cluster's migrations ({count} embedded), to apply, roll back or inspect on every shard's writer (or one shard: [`switchyard::Migrator::shard`])."
    ));

    let (shard_enum, shard_method) = if cluster.sharded {
        let enum_ty = format_ident!("{}", ident::shard_enum(&cluster.name));
        let variants: Vec<_> = cluster
            .shards
            .iter()
            .map(|s| format_ident!("{}", ident::pascal(&s.name)))
            .collect();
        let names: Vec<&str> = cluster.shards.iter().map(|s| s.name.as_str()).collect();
        let variant_docs: Vec<String> = cluster
            .shards
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let default = if i == 0 { " The default shard." } else { "" };
                format!(
                    " Shard `{}` of cluster `{}`.{default}",
                    s.name, cluster.name
                )
            })
            .collect();
        let enum_doc = doc::attrs(
            None,
            &[format!(
                "The shards of cluster [`{ty}`], as declared. A shard that is not declared is a compile error."
            )],
        );
        let first = &variants[0];
        let default = quote! {
            /// The default (first declared) shard.
            pub const DEFAULT: #enum_ty = #enum_ty::#first;
        };
        let shard_enum = named_enum(
            &enum_doc,
            &enum_ty,
            &variants,
            &variant_docs,
            &names,
            "shard",
            default,
        );
        let cluster_name = &cluster.name;
        let shard_map = shard_map(cluster, &enum_ty);
        let shard_enum = quote! {
            #shard_enum

            #shard_map

            impl ::switchyard::ShardName for #enum_ty {
                const CLUSTER: usize = #index;
                const CLUSTER_NAME: &'static str = #cluster_name;
                fn shard_index(self) -> usize {
                    self.index()
                }
                fn shard_name(self) -> &'static str {
                    self.name()
                }
            }
        };
        let method = quote! {
            /// The same handle (access and role) on another shard.
            pub fn shard(&self, shard: #enum_ty) -> Self {
                #ty {
                    handle: self.handle.with_shard(shard.index()),
                    _access: ::std::marker::PhantomData,
                }
            }

            /// The same handle (access and role) on every shard: queries run on each shard
            /// concurrently and merge (rows in the query's order, counts summed), and
            /// `delete_where` deletes on each. Each shard commits on its own.
            pub fn all_shards(&self) -> Self {
                #ty {
                    handle: self.handle.all_shards(),
                    _access: ::std::marker::PhantomData,
                }
            }
        };
        (shard_enum, method)
    } else {
        (quote!(), quote!())
    };

    let (role_enum, role_method) = roles(cluster, &ty);

    let shard_list = cluster
        .shards
        .iter()
        .map(|s| format!("`{}`", s.name))
        .collect::<Vec<_>>()
        .join(", ");
    let model_list = models
        .iter()
        .map(|m| format!("[`{}`]", m.name))
        .collect::<Vec<_>>()
        .join(", ");
    let mut facts = vec![format!(
        "Handle on cluster `{}`{}. Models: {}.",
        cluster.name,
        if cluster.is_default {
            " (the default cluster)"
        } else {
            ""
        },
        if model_list.is_empty() {
            "none".to_owned()
        } else {
            model_list
        }
    )];
    if cluster.sharded {
        facts.push(format!(
            "Shards: {shard_list}; statements go to the default shard unless [`{ty}::shard`] picks another, or a [`switchyard::Shards`] scope names one."
        ));
    }
    let role_names = cluster.role_names();
    if !role_names.is_empty() {
        let list = role_names
            .iter()
            .map(|r| format!("`{r}`"))
            .collect::<Vec<_>>()
            .join(", ");
        facts.push(format!(
            "Custom roles: {list}; [`{ty}::role`] reads from a role's replicas."
        ));
    }
    facts.push(
        "`A` is [`switchyard::Write`] (the writer; reads and writes) or [`switchyard::Read`] (replicas; reads only), chosen with `writing()` / `reading()`."
            .to_owned(),
    );
    let cluster_doc = doc::attrs(cluster.doc.as_deref(), &facts);
    let tx_doc = doc::attrs(
        None,
        &[format!(
            "A transaction on one server of cluster [`{ty}`]: it reaches only this cluster's models, so it never spans databases. Dropped without `commit`, it rolls back."
        )],
    );

    quote! {
        #shard_enum

        #role_enum

        #cluster_doc
        #[derive(Debug, Clone)]
        pub struct #ty<A = ::switchyard::Write> {
            handle: ::switchyard::Handle,
            _access: ::std::marker::PhantomData<A>,
        }

        impl #ty {
            /// Create this cluster's tables and indexes (if missing) on every shard's writer.
            pub async fn create_tables(&self) -> ::switchyard::Result<()> {
                ::switchyard::__private::run_ddl(&self.handle, &[#(#create),*]).await
            }

            /// Drop this cluster's tables on every shard's writer.
            pub async fn drop_tables(&self) -> ::switchyard::Result<()> {
                ::switchyard::__private::run_ddl(&self.handle, &[#(#drop),*]).await
            }

            #migrator_doc
            pub fn migrator(&self) -> ::switchyard::Migrator {
                ::switchyard::Migrator::new(&self.handle, #migrations)
            }

            /// Compare each shard writer's tables with the declarations: every missing or
            /// unexpected column, type, nullability, default, key, unique and index, per shard.
            pub async fn verify(&self) -> ::switchyard::Result<::switchyard::DriftReport> {
                ::switchyard::verify(&self.handle, #tables).await
            }
        }

        impl<A: ::switchyard::Access> #ty<A> {
            fn from_handle(handle: ::switchyard::Handle) -> Self {
                #ty {
                    handle,
                    _access: ::std::marker::PhantomData,
                }
            }

            /// The same cluster and shard, reading from replicas (the writer when there are
            /// none). Write methods do not exist on it.
            pub fn reading(&self) -> #ty<::switchyard::Read> {
                #ty::from_handle(self.handle.with_routing(::switchyard::Routing::Reading))
            }

            /// The same cluster and shard, on the writer, whatever a request context says.
            pub fn writing(&self) -> #ty<::switchyard::Write> {
                #ty::from_handle(self.handle.with_routing(::switchyard::Routing::Writing))
            }

            /// The same cluster and shard on the writer, refusing writes (Rails'
            /// `prevent_writes`): write methods do not exist on it, and raw SQL that may
            /// write is refused before it reaches the database.
            pub fn prevent_writes(&self) -> #ty<::switchyard::Read> {
                #ty {
                    handle: self
                        .handle
                        .with_routing(::switchyard::Routing::Writing)
                        .preventing_writes(),
                    _access: ::std::marker::PhantomData,
                }
            }

            #shard_method

            #role_method

            /// The runtime handle (routing, backend, engine).
            pub fn handle(&self) -> &::switchyard::Handle {
                &self.handle
            }

            /// Begin a transaction on the server this handle routes to.
            pub async fn begin(&self) -> ::switchyard::Result<#tx<A>> {
                ::std::result::Result::Ok(#tx {
                    tx: ::switchyard::Transaction::begin(&self.handle).await?,
                    _access: ::std::marker::PhantomData,
                })
            }

            #(#accessors)*
        }

        impl<A: ::switchyard::Access> ::switchyard::Scope for #ty<A> {
            fn ctx(&self) -> ::switchyard::__private::Ctx {
                ::switchyard::Scope::ctx(&self.handle)
            }
        }

        #tx_doc
        #[derive(Debug)]
        pub struct #tx<A = ::switchyard::Write> {
            tx: ::switchyard::Transaction,
            _access: ::std::marker::PhantomData<A>,
        }

        impl<A: ::switchyard::Access> #tx<A> {
            /// Make the transaction's writes permanent.
            pub async fn commit(self) -> ::switchyard::Result<()> {
                self.tx.commit().await
            }

            /// Discard the transaction's writes.
            pub async fn rollback(self) -> ::switchyard::Result<()> {
                self.tx.rollback().await
            }

            #(#tx_accessors)*
        }
    }
}

/// The role enum of a cluster that declares custom roles, and the handle's `role` method; nothing
/// for a cluster without roles, so naming a role there is a compile error.
fn roles(cluster: &Cluster, ty: &proc_macro2::Ident) -> (TokenStream, TokenStream) {
    let names = cluster.role_names();
    if names.is_empty() {
        return (quote!(), quote!());
    }
    let enum_ty = format_ident!("{}", ident::role_enum(&cluster.name));
    let variants: Vec<_> = names
        .iter()
        .map(|name| format_ident!("{}", ident::pascal(name)))
        .collect();
    let variant_docs = names.iter().map(|name| {
        let replicas = cluster.shards[0]
            .roles
            .iter()
            .find(|r| r.name == *name)
            .map_or(0, |r| r.replicas.len());
        if cluster.sharded {
            format!(
                " Role `{name}` of cluster `{}`, declared on every shard.",
                cluster.name
            )
        } else if replicas == 1 {
            format!(" Role `{name}` of cluster `{}`: 1 replica.", cluster.name)
        } else {
            format!(
                " Role `{name}` of cluster `{}`: {replicas} replicas.",
                cluster.name
            )
        }
    });
    let variant_docs: Vec<String> = variant_docs.collect();
    let enum_doc = doc::attrs(
        None,
        &[format!(
            "The custom roles of cluster [`{ty}`], as declared: named replica sets, reached with [`{ty}::role`]. A role that is not declared is a compile error."
        )],
    );
    let role_enum = named_enum(
        &enum_doc,
        &enum_ty,
        &variants,
        &variant_docs,
        &names,
        "role",
        TokenStream::new(),
    );
    let method = quote! {
        /// The same cluster and shard, reading from the replicas of custom role `role` (by the
        /// cluster's policy and fallback). Write methods do not exist on it.
        pub fn role(&self, role: #enum_ty) -> #ty<::switchyard::Read> {
            #ty {
                handle: self.handle.with_routing(::switchyard::Routing::Role(role.index())),
                _access: ::std::marker::PhantomData,
            }
        }
    };
    (role_enum, method)
}

/// A typed enum of declared names (shards, custom roles): one variant per name in declaration
/// order, `ALL`, `name()`, and a private `index()` into the runtime's lists. `extra` adds items
/// to the impl.
fn named_enum(
    enum_doc: &TokenStream,
    enum_ty: &proc_macro2::Ident,
    variants: &[proc_macro2::Ident],
    variant_docs: &[String],
    names: &[&str],
    what: &str,
    extra: TokenStream,
) -> TokenStream {
    let count = variants.len();
    let indexes = 0..count;
    let all_doc = format!(" Every {what}, in declaration order.");
    let name_doc = format!(" The {what}'s declared name.");
    quote! {
        #enum_doc
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #enum_ty {
            #(#[doc = #variant_docs] #variants,)*
        }

        impl #enum_ty {
            #[doc = #all_doc]
            pub const ALL: [#enum_ty; #count] = [#(#enum_ty::#variants),*];

            #extra

            #[doc = #name_doc]
            pub fn name(self) -> &'static str {
                match self { #(#enum_ty::#variants => #names,)* }
            }

            fn index(self) -> usize {
                match self { #(#enum_ty::#variants => #indexes,)* }
            }
        }
    }
}
