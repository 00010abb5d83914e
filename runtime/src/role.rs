//! Roles: which server of a shard a statement goes to, and the type-level access markers that
//! keep writes off reading handles.

use std::fmt;

/// The server a statement ran on within one shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// The shard's writer (primary).
    Writer,
    /// The shard's replica at this index (in declaration order).
    Replica(usize),
    /// Replica `index` of the custom role `role` (a named replica set, e.g. `reporting`).
    Custom {
        /// The role's declared name.
        role: &'static str,
        /// Index among the role's replicas, in declaration order.
        index: u32,
    },
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::Writer => f.write_str("writer"),
            Role::Replica(i) => write!(f, "replica #{i}"),
            Role::Custom { role, index } => write!(f, "{role} #{index}"),
        }
    }
}

/// The role a handle asks for; the handle picks the concrete server per statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Routing {
    /// Automatic (the default handles): writes go to the writer; reads follow the request's
    /// [`Selector`](crate::Selector) context (a replica unless the session's own recent writes
    /// must be seen), and go to the writer outside any such context.
    Auto,
    /// Every statement goes to the writer.
    Writing,
    /// Reads go to a replica picked by the cluster's policy, or (by the cluster's fallback) to
    /// the writer when none is available.
    Reading,
    /// Reads go to the replicas of the custom role at this index (declaration order), with the
    /// same policy and fallback as `Reading`.
    Role(usize),
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Write {}
    impl Sealed for super::Read {}
}

/// Type-level access of a handle: [`Write`] handles have write methods, [`Read`] handles do not.
pub trait Access: sealed::Sealed + Send + Sync + Clone + Copy + fmt::Debug + 'static {}

/// Access marker of writing handles: reads and writes on the writer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Write;

/// Access marker of reading handles: reads only, on replicas.
#[derive(Debug, Clone, Copy, Default)]
pub struct Read;

impl Access for Write {}

impl Access for Read {}
