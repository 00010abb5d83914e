//! When a shard's schema last changed (a migration ran), so that pooled connections opened
//! before are not reused: they may hold prepared statements planned against the old tables
//! (PostgreSQL then answers "cached plan must not change result type").

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The last schema change of one shard, shared by the pools of its writer and replicas.
#[derive(Debug)]
pub(crate) struct SchemaEpoch {
    origin: Instant,
    /// Nanoseconds from `origin` to the last change, plus one; 0: never changed.
    changed: AtomicU64,
}

impl Default for SchemaEpoch {
    fn default() -> Self {
        SchemaEpoch {
            origin: Instant::now(),
            changed: AtomicU64::new(0),
        }
    }
}

impl SchemaEpoch {
    fn now(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX - 1)
    }

    /// The schema changed now: connections opened until now are stale.
    pub(crate) fn changed(&self) {
        self.changed.store(self.now() + 1, Ordering::Release);
    }

    /// Whether a connection of this `age` was opened before the last change.
    pub(crate) fn is_stale(&self, age: Duration) -> bool {
        let changed = self.changed.load(Ordering::Acquire);
        if changed == 0 {
            return false;
        }
        let age = u64::try_from(age.as_nanos()).unwrap_or(u64::MAX);
        let opened = self.now().saturating_sub(age);
        opened < changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_opened_before_a_change_are_stale() {
        let epoch = SchemaEpoch::default();
        assert!(!epoch.is_stale(Duration::from_secs(3600)), "never changed");
        std::thread::sleep(Duration::from_millis(5));
        epoch.changed();
        assert!(epoch.is_stale(Duration::from_millis(10)), "opened before");
        std::thread::sleep(Duration::from_millis(5));
        assert!(!epoch.is_stale(Duration::from_millis(1)), "opened after");
    }
}
