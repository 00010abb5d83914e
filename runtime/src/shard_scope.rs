//! Shard scopes (Rails' `connected_to(shard:)` with `prohibit_shard_swapping`): run a future
//! with a shard chosen per cluster.
//!
//! [`Shards::run`] runs its future inside a task-local scope. The default handles of a cluster
//! the scope names (`db.animals()`, everything reached from them: repositories, queries,
//! relation loading, transactions) go to the scope's shard; a handle given a shard explicitly
//! (`db.animals().shard(..)`) keeps it, unless the scope is locked to another shard, in which
//! case its statements are refused with [`Error::ShardLocked`] before they run. Clusters the
//! scope does not name are unaffected.
//!
//! Task-locals do not cross `tokio::spawn`: [`spawn_in_scope`] spawns a future in the current
//! scope, and [`Shards::current`] captures it to enter again anywhere.

use std::future::Future;
use std::sync::Arc;

use crate::error::{Error, Result};

/// A generated shard enum (`AnimalsShard`): which cluster it belongs to and which shard it is.
/// Implemented by the generated code only; it is what makes [`Shards::with`] typed.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a generated shard enum",
    label = "expected a shard enum of a sharded cluster, such as `AnimalsShard::ShardOne`"
)]
pub trait ShardName: Copy + Send + Sync + 'static {
    /// The cluster's position in the generated topology.
    #[doc(hidden)]
    const CLUSTER: usize;
    /// The cluster's declared name.
    #[doc(hidden)]
    const CLUSTER_NAME: &'static str;
    /// The shard's position in its cluster's declaration.
    #[doc(hidden)]
    fn shard_index(self) -> usize;
    /// The shard's declared name.
    #[doc(hidden)]
    fn shard_name(self) -> &'static str;
}

/// One cluster's shard in a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    cluster: usize,
    cluster_name: &'static str,
    shard: usize,
    shard_name: &'static str,
    locked: bool,
}

impl Entry {
    fn is(&self, cluster: usize, cluster_name: &str) -> bool {
        self.cluster == cluster && self.cluster_name == cluster_name
    }
}

/// A shard per cluster, to run a future with. Cheap to clone.
///
/// ```ignore
/// let dogs = switchyard::Shards::new()
///     .with(db::AnimalsShard::ShardOne)
///     .run(async { db.animals().dogs().all().await })
///     .await??;
/// ```
#[derive(Debug, Clone)]
pub struct Shards {
    entries: Vec<Entry>,
    locked: bool,
}

impl Default for Shards {
    fn default() -> Self {
        Shards::new()
    }
}

tokio::task_local! {
    static SHARDS: Arc<[Entry]>;
}

impl Shards {
    /// A scope naming no cluster yet, locked by default.
    pub fn new() -> Shards {
        Shards {
            entries: Vec::new(),
            locked: true,
        }
    }

    /// Send the default handles of `shard`'s cluster to `shard` (replacing an earlier `with`
    /// of the same cluster).
    pub fn with<S: ShardName>(mut self, shard: S) -> Shards {
        self.entries.retain(|e| !e.is(S::CLUSTER, S::CLUSTER_NAME));
        self.entries.push(Entry {
            cluster: S::CLUSTER,
            cluster_name: S::CLUSTER_NAME,
            shard: shard.shard_index(),
            shard_name: shard.shard_name(),
            locked: true,
        });
        self
    }

    /// Whether the scope is locked (the default): inside it, reaching another shard of a
    /// cluster it names, with an explicit handle or a nested scope, is refused with
    /// [`Error::ShardLocked`]. Unlocked, explicit handles and nested scopes win.
    pub fn lock(mut self, locked: bool) -> Shards {
        self.locked = locked;
        self
    }

    /// The scope the current task runs in (every cluster named by enclosing scopes, each
    /// locked as it was), or an empty one outside any scope. Use it to carry the scope into
    /// spawned work: `tokio::spawn(Shards::current().run(work))`, or [`spawn_in_scope`].
    pub fn current() -> Shards {
        let entries = SHARDS
            .try_with(|entries| entries.to_vec())
            .unwrap_or_default();
        // Each entry keeps its own lock (`run` combines it with this `true`).
        Shards {
            entries,
            locked: true,
        }
    }

    /// Run `work` in this scope. Clusters this scope names replace those of an enclosing
    /// scope; the others keep the enclosing scope's shard. Refused with
    /// [`Error::ShardLocked`], without polling `work`, when an enclosing scope is locked to
    /// another shard of a cluster this one names.
    ///
    /// The returned future owns the scope (it is `'static` and `Send` when `work` is), and
    /// nests in the scope of the task that polls it.
    pub async fn run<F: Future>(self, work: F) -> Result<F::Output> {
        let entries = self.nest()?;
        Ok(SHARDS.scope(entries, work).await)
    }

    /// The entries of this scope nested in the current one.
    fn nest(&self) -> Result<Arc<[Entry]>> {
        let mut entries: Vec<Entry> = SHARDS.try_with(|outer| outer.to_vec()).unwrap_or_default();
        for inner in &self.entries {
            let inner = Entry {
                locked: inner.locked && self.locked,
                ..*inner
            };
            match entries
                .iter_mut()
                .find(|e| e.is(inner.cluster, inner.cluster_name))
            {
                Some(outer) if outer.locked && outer.shard != inner.shard => {
                    return Err(Error::ShardLocked {
                        cluster: outer.cluster_name,
                        locked: outer.shard_name,
                        requested: inner.shard_name,
                    });
                }
                Some(outer) => {
                    // The same shard stays locked if it was; another replaces an unlocked one.
                    let locked = inner.locked || outer.locked;
                    *outer = Entry { locked, ..inner };
                }
                None => entries.push(inner),
            }
        }
        Ok(entries.into())
    }
}

/// Spawn `work` on the tokio runtime in the current task's shard scope ([`Shards::current`]);
/// `tokio::spawn` alone would run it outside any scope, since task-locals do not cross a spawn.
/// A [`Selector`](crate::Selector) request context is not carried.
pub fn spawn_in_scope<F>(work: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match SHARDS.try_with(Arc::clone) {
        Ok(entries) => tokio::spawn(SHARDS.scope(entries, work)),
        Err(_) => tokio::spawn(work),
    }
}

/// The shard the current scope gives `cluster`, if it names it.
pub(crate) fn scoped(cluster: usize, cluster_name: &str) -> Option<usize> {
    SHARDS
        .try_with(|entries| {
            entries
                .iter()
                .find(|e| e.is(cluster, cluster_name))
                .map(|e| e.shard)
        })
        .ok()
        .flatten()
}

/// The shard a handle of `cluster` on `shard` (`explicit` if chosen with `.shard(..)`) uses in
/// the current scope. `name` gives a shard's declared name, for the error.
pub(crate) fn resolve(
    cluster: usize,
    cluster_name: &'static str,
    shard: usize,
    explicit: bool,
    name: impl Fn(usize) -> &'static str,
) -> Result<usize> {
    let entry = SHARDS
        .try_with(|entries| {
            entries
                .iter()
                .find(|e| e.is(cluster, cluster_name))
                .copied()
        })
        .ok()
        .flatten();
    match entry {
        None => Ok(shard),
        Some(e) if !explicit || e.shard == shard => Ok(e.shard),
        Some(e) if e.locked => Err(Error::ShardLocked {
            cluster: cluster_name,
            locked: e.shard_name,
            requested: name(shard),
        }),
        Some(_) => Ok(shard),
    }
}
