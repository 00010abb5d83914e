//! Load balancing: which available replica of a set serves the next read, by the cluster's
//! policy and the replicas' weights.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crate::config::Policy;
use crate::database::Server;

/// The replicas of one shard (the default set, or one custom role's).
#[derive(Debug)]
pub(crate) struct ReplicaSet {
    pub(crate) servers: Vec<Arc<Server>>,
    /// Weighted round robin: server indexes, each as often as its weight, interleaved so a
    /// heavy replica's turns are spread out (weights 2, 1 give 0, 1, 0).
    schedule: Vec<usize>,
    next: AtomicUsize,
    /// State of a xorshift generator for the random policy.
    seed: AtomicU64,
}

impl ReplicaSet {
    pub(crate) fn new(servers: Vec<Arc<Server>>) -> Self {
        ReplicaSet {
            schedule: schedule(&servers.iter().map(|s| s.weight).collect::<Vec<_>>()),
            servers,
            next: AtomicUsize::new(0),
            seed: AtomicU64::new(0x9E37_79B9_7F4A_7C15),
        }
    }

    /// An available replica not in `tried`, or `None` when there is none.
    pub(crate) fn pick(&self, policy: Policy, tried: &[Arc<Server>]) -> Option<&Arc<Server>> {
        let usable =
            |s: &Arc<Server>| s.health.available() && !tried.iter().any(|t| Arc::ptr_eq(t, s));
        match policy {
            Policy::RoundRobin => {
                let start = self.next.fetch_add(1, Ordering::Relaxed);
                (0..self.schedule.len())
                    .map(|i| &self.servers[self.schedule[(start + i) % self.schedule.len()]])
                    .find(|s| usable(s))
            }
            Policy::Random => {
                let total: u64 = self
                    .servers
                    .iter()
                    .filter(|s| usable(s))
                    .map(|s| u64::from(s.weight))
                    .sum();
                if total == 0 {
                    return None;
                }
                let mut ticket = self.random() % total;
                self.servers.iter().filter(|s| usable(s)).find(|s| {
                    let w = u64::from(s.weight);
                    if ticket < w {
                        true
                    } else {
                        ticket -= w;
                        false
                    }
                })
            }
            Policy::LeastBusy => {
                // Rotate the starting point so ties (idle replicas) share the load.
                let start = self.next.fetch_add(1, Ordering::Relaxed);
                let n = self.servers.len();
                (0..n)
                    .map(|i| &self.servers[(start + i) % n.max(1)])
                    .filter(|s| usable(s))
                    // in_use / weight, compared without division.
                    .min_by(|a, b| {
                        let load = |s: &Arc<Server>, other: &Arc<Server>| {
                            s.pool.in_use() as u64 * u64::from(other.weight)
                        };
                        load(a, b).cmp(&load(b, a))
                    })
            }
        }
    }

    fn random(&self) -> u64 {
        // xorshift64*: statistically fine for spreading load, and lock-free.
        let mut x = self.seed.load(Ordering::Relaxed);
        loop {
            let mut y = x;
            y ^= y >> 12;
            y ^= y << 25;
            y ^= y >> 27;
            match self
                .seed
                .compare_exchange_weak(x, y, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return y.wrapping_mul(0x2545_F491_4F6C_DD1D),
                Err(current) => x = current,
            }
        }
    }
}

/// Interleaved weighted round robin: in each of `max(weight)` rounds, every server whose weight
/// exceeds the round number takes one turn.
fn schedule(weights: &[u32]) -> Vec<usize> {
    let rounds = weights.iter().copied().max().unwrap_or(0);
    (0..rounds)
        .flat_map(|round| {
            weights
                .iter()
                .enumerate()
                .filter(move |(_, w)| **w > round)
                .map(|(i, _)| i)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::schedule;

    #[test]
    fn schedules_follow_weights() {
        assert_eq!(schedule(&[1, 1]), [0, 1]);
        assert_eq!(schedule(&[2, 1]), [0, 1, 0]);
        assert_eq!(schedule(&[1, 3]), [0, 1, 1, 1]);
        assert_eq!(schedule(&[]), [] as [usize; 0]);
    }
}
