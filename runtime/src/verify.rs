//! Drift verification: does each live database match its cluster's declarations?
//!
//! `create_tables()` over an existing table of another shape succeeds, and the app would only
//! fail later, statement by statement. [`verify`] reads the catalog of every shard's writer
//! and reports, per database, each table, column, type, nullability, default, key and index
//! that differs from the declarations, in the declarations' terms. See docs/runtime.md,
//! "Drift verification".

mod catalog;
mod defaults;
mod drift;
mod expected;
mod report;
mod types;

use std::future::Future;

use futures_util::future::join_all;

pub use expected::{ExpectedColumn, ExpectedIndex, ExpectedTable, FieldType};
pub use report::{DatabaseDrift, Difference, DriftReport};

use crate::database::Handle;
use crate::error::{Error, Result};

/// Compare every shard of `handle`'s cluster with `expected`, the cluster's declared tables
/// (the generated code passes them). Each shard's catalog is read on its writer, whatever the
/// handle's routing; shards are read concurrently.
///
/// A database whose catalog cannot be read is reported with its error
/// ([`DatabaseDrift::error`]) and the others are still verified: the call itself fails only
/// on a configuration error. [`DriftReport::is_clean`] says whether everything matches.
///
/// The future owns what it needs and can be spawned.
pub fn verify(
    handle: &Handle,
    expected: &'static [ExpectedTable],
) -> impl Future<Output = Result<DriftReport>> + Send + 'static {
    let handle = handle.clone();
    async move {
        let shards: Vec<usize> = (0..handle.shard_count()).collect();
        Ok(run(&handle, expected, shards).await)
    }
}

/// Like [`verify`], on the shard named `shard` only; a configuration error naming the
/// cluster's shards when it has none so named.
pub fn verify_shard(
    handle: &Handle,
    shard: &str,
    expected: &'static [ExpectedTable],
) -> impl Future<Output = Result<DriftReport>> + Send + 'static {
    let handle = handle.clone();
    let shards: Vec<&'static str> = (0..handle.shard_count())
        .map(|i| handle.with_shard(i).shard_name())
        .collect();
    let found = match shards.iter().position(|s| *s == shard) {
        Some(i) => Ok(i),
        None => Err(Error::Config(format!(
            "cluster `{}` has no shard `{shard}`; its shards: {}",
            handle.cluster_name(),
            shards.join(", ")
        ))),
    };
    async move { Ok(run(&handle, expected, vec![found?]).await) }
}

async fn run(handle: &Handle, expected: &[ExpectedTable], shards: Vec<usize>) -> DriftReport {
    let databases = join_all(shards.into_iter().map(|shard| {
        let handle = handle.with_shard(shard);
        async move {
            let target = handle.shard_servers().writer.target.clone();
            match catalog::read(&handle).await {
                Ok(catalog) => {
                    let (differences, undeclared_tables) =
                        drift::compare(handle.backend(), expected, &catalog);
                    DatabaseDrift {
                        target,
                        differences,
                        undeclared_tables,
                        error: None,
                    }
                }
                Err(error) => DatabaseDrift {
                    target,
                    differences: Vec::new(),
                    undeclared_tables: Vec::new(),
                    error: Some(error),
                },
            }
        }
    }))
    .await;
    DriftReport { databases }
}
