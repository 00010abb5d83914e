//! Names that must be unique within some scope, and where each was first taken.
//!
//! One helper for every "declared twice" and "collides with" check, so they all report the
//! second place and name the first.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::diagnostics::Loc;

/// Names taken so far in one scope.
#[derive(Debug, Default)]
pub(crate) struct Claims(HashMap<String, Loc>);

impl Claims {
    /// Take `name` for `loc`. If it was already taken, returns where it was taken first.
    pub fn claim(&mut self, name: impl Into<String>, loc: &Loc) -> Option<Loc> {
        match self.0.entry(name.into()) {
            Entry::Occupied(first) => Some(first.get().clone()),
            Entry::Vacant(slot) => {
                slot.insert(loc.clone());
                None
            }
        }
    }
}
