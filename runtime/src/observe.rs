//! Observability of executed statements: a `tracing` event for each, a per-server counter,
//! and an optional callback.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::error::Target;
use crate::role::Role;

/// One executed statement.
#[derive(Debug)]
pub struct StatementEvent<'a> {
    /// Where it ran.
    pub target: &'a Target,
    /// The SQL text (values are bound, never inlined).
    pub sql: &'a str,
    /// How long it took, including waiting for a connection.
    pub elapsed: Duration,
    /// Whether it succeeded.
    pub ok: bool,
}

/// How many statements each server has run since connect (or the last reset).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatementCounts {
    pub(crate) counts: BTreeMap<(&'static str, &'static str, Role), u64>,
}

impl StatementCounts {
    fn sum(&self, keep: impl Fn(&str, &str, Role) -> bool) -> u64 {
        self.counts
            .iter()
            .filter(|((c, s, r), _)| keep(c, s, *r))
            .map(|(_, n)| n)
            .sum()
    }

    /// Statements on one server.
    pub fn get(&self, cluster: &str, shard: &str, role: Role) -> u64 {
        self.sum(|c, s, r| c == cluster && s == shard && r == role)
    }

    /// Statements on every server of a cluster.
    pub fn cluster(&self, cluster: &str) -> u64 {
        self.sum(|c, _, _| c == cluster)
    }

    /// Statements on every server of one shard.
    pub fn shard(&self, cluster: &str, shard: &str) -> u64 {
        self.sum(|c, s, _| c == cluster && s == shard)
    }

    /// Statements on every replica of every cluster.
    pub fn replicas(&self) -> u64 {
        self.sum(|_, _, r| matches!(r, Role::Replica(_)))
    }

    /// All statements.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// Every server with at least one statement: `(cluster, shard, role, count)`.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &'static str, Role, u64)> + '_ {
        self.counts
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|((c, s, r), n)| (*c, *s, *r, *n))
    }
}

pub(crate) fn trace(event: &StatementEvent<'_>) {
    let t = event.target;
    tracing::debug!(
        target: "switchyard::sql",
        cluster = t.cluster,
        shard = t.shard,
        role = %t.role,
        server = %t.server,
        elapsed_us = event.elapsed.as_micros() as u64,
        ok = event.ok,
        sql = event.sql,
        "statement"
    );
}
