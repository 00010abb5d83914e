//! The runtime's one error type.
//!
//! Every error that involves a database names it with a [`Target`] (cluster, shard, role and a
//! redacted server address). Messages coming from drivers are scrubbed of the target's password
//! before they are displayed, so no password can reach `Display`, `Debug` or a log line.

use std::fmt;
use std::sync::Arc;

use crate::role::Role;
use crate::url::redact_in;

/// Which database an operation ran on.
#[derive(Clone)]
pub struct Target {
    /// Cluster name as declared.
    pub cluster: &'static str,
    /// Shard name as declared (`default` for a cluster that is not sharded).
    pub shard: &'static str,
    /// Writer or replica.
    pub role: Role,
    /// Server address with the password replaced by `***`.
    pub server: Arc<str>,
    /// The password and query secrets to scrub from driver messages; never printed.
    pub(crate) secrets: Arc<[Box<str>]>,
}

impl Target {
    pub(crate) fn scrub(&self, text: String) -> String {
        self.secrets
            .iter()
            .fold(text, |text, secret| redact_in(&text, secret))
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cluster `{}`, shard `{}`, {} ({})",
            self.cluster, self.shard, self.role, self.server
        )
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("cluster", &self.cluster)
            .field("shard", &self.shard)
            .field("role", &self.role)
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

/// A driver error, kept for programmatic inspection, displayed with the password scrubbed.
pub struct DriverError(Box<(Target, sqlx::Error)>);

impl DriverError {
    fn new(target: &Target, inner: sqlx::Error) -> Self {
        DriverError(Box::new((target.clone(), inner)))
    }

    /// The underlying sqlx error.
    pub fn get_ref(&self) -> &sqlx::Error {
        &self.0.1
    }
}

impl fmt::Display for DriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.0.scrub(self.0.1.to_string()))
    }
}

impl fmt::Debug for DriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.0.scrub(format!("{:?}", self.0.1)))
    }
}

impl std::error::Error for DriverError {}

/// Everything that can go wrong at run time.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is unusable: a bad URL, a missing variable, an unknown cluster.
    #[error("configuration: {0}")]
    Config(String),
    /// A connection could not be opened or acquired.
    #[error("cannot connect to {target}: {source}")]
    Connect {
        /// Where.
        target: Target,
        /// Why.
        source: DriverError,
    },
    /// A statement failed.
    #[error("query failed on {target}: {source}")]
    Query {
        /// Where.
        target: Target,
        /// Why.
        source: DriverError,
    },
    /// An insert or update hit a unique constraint.
    #[error("unique constraint violated on {target}: {source}")]
    UniqueViolation {
        /// Where.
        target: Target,
        /// The constraint's name, when the backend reports it.
        constraint: Option<Box<str>>,
        /// The database's message.
        source: DriverError,
    },
    /// A row that had to exist does not (for example the row of an `update`).
    #[error("{model} with key {key} not found on {target}")]
    NotFound {
        /// Where.
        target: Target,
        /// Model name.
        model: &'static str,
        /// The key that was looked up, formatted.
        key: Box<str>,
    },
    /// A row that had to exist is on none of the shards a statement reached (an update or
    /// delete by key of a model with a shard key, which reaches every shard).
    #[error("{model} with key {key} not found on any shard of cluster `{cluster}`")]
    NotFoundOnAnyShard {
        /// Cluster name.
        cluster: &'static str,
        /// Model name.
        model: &'static str,
        /// The key that was looked up, formatted.
        key: Box<str>,
    },
    /// A write-where statement (`delete_where`) on a model with a shard key would reach every
    /// shard, without the filter pinning the shard key or an `all_shards()` handle; nothing
    /// ran.
    #[error(
        "{model}: this statement would write to every shard of cluster `{cluster}`; pin the shard key in the filter, or use the cluster's all_shards() handle"
    )]
    AllShardsRequired {
        /// Cluster name.
        cluster: &'static str,
        /// Model name.
        model: &'static str,
    },
    /// No replica of the shard was available for a read (all ejected or lagging), and the
    /// cluster's fallback is `error`.
    #[error(
        "no replica available in cluster `{cluster}`, shard `{shard}` ({routing:?}), and fallback is `error`"
    )]
    NoReplica {
        /// Cluster name.
        cluster: &'static str,
        /// Shard name.
        shard: &'static str,
        /// The routing that found nothing.
        routing: crate::role::Routing,
    },
    /// Raw SQL that may write was sent through a handle that must not write (reading, a
    /// custom role, or prevent-writes); it was not run.
    #[error("write refused on cluster `{cluster}`, shard `{shard}` ({routing:?} handle): {reason}")]
    WriteRefused {
        /// Cluster name.
        cluster: &'static str,
        /// Shard name.
        shard: &'static str,
        /// The handle's routing.
        routing: crate::role::Routing,
        /// Why the statement counts as a write.
        reason: &'static str,
    },
    /// A shard of a cluster was requested (an explicit `.shard(..)` handle, or a nested
    /// [`Shards`](crate::Shards) scope) inside a scope locked to another shard of that cluster;
    /// nothing ran.
    #[error(
        "shard `{requested}` of cluster `{cluster}` refused: the shard scope is locked to shard `{locked}`"
    )]
    ShardLocked {
        /// Cluster name.
        cluster: &'static str,
        /// The shard the scope is locked to.
        locked: &'static str,
        /// The shard that was requested.
        requested: &'static str,
    },
    /// A `range` or `list` shard map has no shard for a shard key; nothing ran (the row does not
    /// go to the default shard instead).
    #[error("no shard of cluster `{cluster}` holds the shard key {key}")]
    NoShardForKey {
        /// Cluster name.
        cluster: &'static str,
        /// The key, formatted.
        key: Box<str>,
    },
    /// A row was written through a handle or transaction on one shard while its shard key
    /// places it on another; nothing ran.
    #[error(
        "{model} with shard key {key} belongs on shard `{belongs}` of cluster `{cluster}`, not on shard `{shard}`"
    )]
    WrongShard {
        /// Cluster name.
        cluster: &'static str,
        /// The model.
        model: &'static str,
        /// The shard key, formatted.
        key: Box<str>,
        /// The shard the key maps to.
        belongs: &'static str,
        /// The shard the handle or transaction is on.
        shard: &'static str,
    },
    /// An update would change a row's shard key, which would move the row to another shard;
    /// nothing was changed. Delete the row and insert it again instead.
    #[error(
        "{model} with key {key}: the update changes its shard key `{field}` (it would move to another shard); nothing was changed"
    )]
    ShardKeyChanged {
        /// The model.
        model: &'static str,
        /// The primary key, formatted.
        key: Box<str>,
        /// The shard key field.
        field: &'static str,
    },
    /// A relation was read from a loaded row without having been requested.
    #[error(
        "relation `{relation}` of {model} was not loaded: request it with `.include(...)` on \
         the query, or load it lazily"
    )]
    NotLoaded {
        /// The owning model.
        model: &'static str,
        /// The relation's name.
        relation: &'static str,
    },
    /// A row refers to a related row that does not exist: a `belongs_to` whose parent is
    /// missing, or a `validate = true` check before a write.
    #[error("{relation}: no {target} with key {key} in cluster `{cluster}`")]
    MissingRelated {
        /// `Owner.relation`.
        relation: &'static str,
        /// The related model.
        target: &'static str,
        /// The missing key, formatted.
        key: String,
        /// The cluster that was searched (every shard of it).
        cluster: &'static str,
    },
    /// Migrations were refused or failed on one database: what happened, and what state the
    /// database is left in.
    #[error("{target}: {problem}")]
    Migration {
        /// The database (a shard's writer).
        target: Target,
        /// What went wrong.
        problem: Box<crate::migrate::MigrationProblem>,
    },
    /// A migration run failed on at least one database. The report says where every database
    /// of the run stands, including those that succeeded.
    #[error("{0}")]
    Migrations(Box<crate::migrate::MigrationReport>),
}

impl Error {
    /// The database this error happened on, if it involves one.
    pub fn target(&self) -> Option<&Target> {
        match self {
            Error::Config(_)
            | Error::NotLoaded { .. }
            | Error::MissingRelated { .. }
            | Error::NoReplica { .. }
            | Error::WriteRefused { .. }
            | Error::ShardLocked { .. }
            | Error::NoShardForKey { .. }
            | Error::NotFoundOnAnyShard { .. }
            | Error::AllShardsRequired { .. }
            | Error::WrongShard { .. }
            | Error::ShardKeyChanged { .. }
            | Error::Migrations(_) => None,
            Error::Migration { target, .. }
            | Error::Connect { target, .. }
            | Error::Query { target, .. }
            | Error::UniqueViolation { target, .. }
            | Error::NotFound { target, .. } => Some(target),
        }
    }

    /// Whether this is a unique-constraint violation.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, Error::UniqueViolation { .. })
    }

    pub(crate) fn connect(target: &Target, inner: sqlx::Error) -> Self {
        Error::Connect {
            source: DriverError::new(target, inner),
            target: target.clone(),
        }
    }

    /// Classify a driver error from running a statement.
    pub(crate) fn query(target: &Target, inner: sqlx::Error) -> Self {
        match &inner {
            sqlx::Error::Database(db) if db.is_unique_violation() => Error::UniqueViolation {
                constraint: db.constraint().map(Into::into),
                source: DriverError::new(target, inner),
                target: target.clone(),
            },
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed => Error::connect(target, inner),
            _ => Error::Query {
                source: DriverError::new(target, inner),
                target: target.clone(),
            },
        }
    }
}

/// `Result` with the runtime's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
