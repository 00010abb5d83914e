//! The project a command works on: the declarations directory, read and checked by the
//! codegen's front end (`switchyard_codegen::load`), each cluster's migrations and their
//! distance to the declarations (`switchyard_codegen::load_with_plan`), and which clusters a command selects.

use std::path::{Path, PathBuf};

use switchyard_codegen::migration_plan::ClusterMigrations;
use switchyard_codegen::model::{Cluster, Schema};

use crate::output::{self, Failure};

/// The declarations and migrations, loaded.
#[derive(Debug)]
pub struct Project {
    /// Where relative SQLite paths resolve: `--sqlite-dir`, else the directory that holds the
    /// declarations directory.
    pub base_dir: PathBuf,
    /// The declarations.
    pub schema: Schema,
    /// Every cluster's migrations and pending diff, in declaration (name) order.
    pub plans: Vec<ClusterMigrations>,
    /// `--connect-timeout`, in seconds.
    pub connect_timeout: Option<u64>,
}

/// The clusters a command works on.
#[derive(Debug)]
pub struct Selection<'a> {
    /// Managed clusters, with their migrations.
    pub clusters: Vec<(&'a Cluster, &'a ClusterMigrations)>,
    /// Clusters declared with `database_tasks = false`, skipped.
    pub skipped: Vec<&'a str>,
}

impl Project {
    /// Read `schema_dir` (relative to the current directory) and every cluster's migrations;
    /// a declaration or migration file that does not check out fails with its diagnostics.
    pub fn load(
        schema_dir: &Path,
        sqlite_dir: Option<&Path>,
        connect_timeout: Option<u64>,
    ) -> Result<Project, Failure> {
        let cwd = std::env::current_dir()
            .map_err(|e| Failure::failed(format!("cannot read the current directory: {e}")))?;
        let schema_dir = cwd.join(schema_dir);
        let (schema, plans) = switchyard_codegen::load_with_plan(&schema_dir).map_err(|e| {
            Failure::failed(format!(
                "cannot load the declarations in {}:\n{e}",
                output::path(&schema_dir)
            ))
        })?;
        let base_dir = match sqlite_dir {
            Some(dir) => cwd.join(dir),
            None => schema_dir.parent().unwrap_or(&cwd).to_path_buf(),
        };
        Ok(Project {
            base_dir,
            schema,
            plans,
            connect_timeout,
        })
    }

    /// The cluster named `name`, or a refusal listing the declared ones.
    pub fn cluster(&self, name: &str) -> Result<(&Cluster, &ClusterMigrations), Failure> {
        let found = self
            .schema
            .clusters
            .get(name)
            .zip(self.plans.iter().find(|p| p.cluster == name));
        found.ok_or_else(|| {
            let known: Vec<&str> = self.schema.clusters.keys().map(String::as_str).collect();
            Failure::refused(format!(
                "no cluster `{name}` is declared; the clusters: {}",
                known.join(", ")
            ))
        })
    }

    /// `name`'s cluster, or every cluster; those declared with `database_tasks = false` are
    /// skipped. A `shard` must be one of the (named) cluster's shards.
    pub fn select(
        &self,
        name: Option<&str>,
        shard: Option<&str>,
    ) -> Result<Selection<'_>, Failure> {
        let all: Vec<(&Cluster, &ClusterMigrations)> = match name {
            Some(name) => vec![self.cluster(name)?],
            None => self
                .plans
                .iter()
                .filter_map(|p| self.schema.clusters.get(&p.cluster).map(|c| (c, p)))
                .collect(),
        };
        if let (Some(shard), Some((cluster, _))) = (shard, all.first())
            && !cluster.shards.iter().any(|s| s.name == shard)
        {
            let known: Vec<&str> = cluster.shards.iter().map(|s| s.name.as_str()).collect();
            return Err(Failure::refused(format!(
                "cluster `{}` has no shard `{shard}`; its shards: {}",
                cluster.name,
                known.join(", ")
            )));
        }
        let (clusters, skipped): (Vec<_>, Vec<_>) =
            all.into_iter().partition(|(c, _)| c.database_tasks);
        Ok(Selection {
            clusters,
            skipped: skipped.into_iter().map(|(c, _)| c.name.as_str()).collect(),
        })
    }
}

impl Selection<'_> {
    /// Print one line per skipped cluster.
    pub fn print_skipped(&self) {
        for name in &self.skipped {
            output::line(format!(
                "{name}: skipped (database_tasks = false: no task manages it)"
            ));
        }
    }
}
