//! Matching fetched rows to their owners in memory, on typed keys, and handing each owner its
//! rows.
//!
//! The common case, a direct relation whose owners have distinct keys (a primary key), gives
//! every row at most one owner: rows are then moved to their owner in one pass, with no index
//! lists and no copies. When owners share keys (a `belongs_to`, where many posts name one user)
//! or a through-relation reaches a row from several owners, each owner keeps a list of row
//! indexes and a row is cloned for every owner but the last.

use std::collections::HashMap;

use crate::key::Key;

/// A row without an owner (null or unmatched key, or past the relation's limit).
const NONE: u32 = u32::MAX;

/// Which fetched rows belong to which owner.
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Links {
    /// Each row has at most one owner: `owner[row]`, in row order.
    Unique {
        /// The owner of each row, or `NONE`.
        owner: Vec<u32>,
        /// How many owners there are.
        owners: usize,
    },
    /// Each owner's rows, as indexes into the rows, in row order.
    Shared(Vec<Vec<u32>>),
}

/// Link `rows` to `owners` where the row's key equals the owner's key.
#[doc(hidden)]
pub fn link<P, C, K: Key>(
    owners: &[P],
    owner_key: impl Fn(&P) -> Option<&K>,
    rows: &[C],
    row_key: impl Fn(&C) -> Option<&K>,
) -> Links {
    // Row and owner counts are bounded by memory long before u32.
    let mut by_key: HashMap<&K, u32> = HashMap::with_capacity(owners.len());
    let mut distinct = true;
    for (i, o) in owners.iter().enumerate() {
        if let Some(k) = owner_key(o)
            && by_key.insert(k, i as u32).is_some()
        {
            distinct = false;
            break;
        }
    }
    if distinct {
        let owner = rows
            .iter()
            .map(|r| {
                row_key(r)
                    .and_then(|k| by_key.get(k))
                    .copied()
                    .unwrap_or(NONE)
            })
            .collect();
        return Links::Unique {
            owner,
            owners: owners.len(),
        };
    }
    let mut groups: HashMap<&K, Vec<u32>> = HashMap::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        if let Some(k) = row_key(row) {
            groups.entry(k).or_default().push(i as u32);
        }
    }
    Links::Shared(
        owners
            .iter()
            .map(|o| {
                owner_key(o)
                    .and_then(|k| groups.get(k))
                    .cloned()
                    .unwrap_or_default()
            })
            .collect(),
    )
}

impl Links {
    /// Each owner's row indexes.
    fn into_lists(self) -> Vec<Vec<u32>> {
        match self {
            Links::Shared(lists) => lists,
            Links::Unique { owner, owners } => {
                let mut lists = vec![Vec::new(); owners];
                for (row, &o) in owner.iter().enumerate() {
                    if o != NONE {
                        lists[o as usize].push(row as u32);
                    }
                }
                lists
            }
        }
    }

    /// Chain two hops: owner → middle rows (`self`), middle row → final rows (`next`). Each
    /// owner's final rows are listed once, in final-row order.
    #[doc(hidden)]
    pub fn then(self, next: Links) -> Links {
        if let (
            Links::Unique {
                owner: first,
                owners,
            },
            Links::Unique { owner: second, .. },
        ) = (&self, &next)
        {
            // One owner per middle row and one middle row per final row: one owner per final
            // row, still.
            let owner = second
                .iter()
                .map(|&m| if m == NONE { NONE } else { first[m as usize] })
                .collect();
            return Links::Unique {
                owner,
                owners: *owners,
            };
        }
        let second = next.into_lists();
        Links::Shared(
            self.into_lists()
                .into_iter()
                .map(|middle| {
                    let mut reached: Vec<u32> = middle
                        .iter()
                        .flat_map(|&m| second[m as usize].iter().copied())
                        .collect();
                    reached.sort_unstable();
                    reached.dedup();
                    reached
                })
                .collect(),
        )
    }

    /// Keep at most `limit` rows per owner (the first ones, in row order).
    #[doc(hidden)]
    pub fn limit(&mut self, limit: usize) {
        match self {
            Links::Shared(lists) => lists.iter_mut().for_each(|l| l.truncate(limit)),
            Links::Unique { owner, owners } => {
                let mut taken = vec![0usize; *owners];
                for o in owner.iter_mut().filter(|o| **o != NONE) {
                    let n = &mut taken[*o as usize];
                    if *n == limit {
                        *o = NONE;
                    } else {
                        *n += 1;
                    }
                }
            }
        }
    }

    /// For each owner, whether it has any row.
    pub(crate) fn owners_with_rows(&self) -> Vec<bool> {
        match self {
            Links::Shared(lists) => lists.iter().map(|l| !l.is_empty()).collect(),
            Links::Unique { owner, owners } => {
                let mut any = vec![false; *owners];
                owner
                    .iter()
                    .filter(|o| **o != NONE)
                    .for_each(|&o| any[o as usize] = true);
                any
            }
        }
    }

    /// Each owner's rows, moved; a row linked to several owners is cloned for all but the last.
    pub(crate) fn distribute<U: Clone>(self, rows: Vec<U>) -> Vec<Vec<U>> {
        match self {
            Links::Unique { owner, owners } => {
                let mut counts = vec![0usize; owners];
                owner
                    .iter()
                    .filter(|o| **o != NONE)
                    .for_each(|&o| counts[o as usize] += 1);
                let mut out: Vec<Vec<U>> = counts.into_iter().map(Vec::with_capacity).collect();
                for (row, o) in rows.into_iter().zip(owner) {
                    if o != NONE {
                        out[o as usize].push(row);
                    }
                }
                out
            }
            Links::Shared(lists) => {
                let mut uses = vec![0u32; rows.len()];
                lists.iter().flatten().for_each(|&i| uses[i as usize] += 1);
                let mut rows: Vec<Option<U>> = rows.into_iter().map(Some).collect();
                lists
                    .iter()
                    .map(|l| {
                        l.iter()
                            .filter_map(|&i| {
                                let i = i as usize;
                                uses[i] -= 1;
                                if uses[i] == 0 {
                                    rows[i].take()
                                } else {
                                    rows[i].clone()
                                }
                            })
                            .collect()
                    })
                    .collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_owners_move_rows() {
        let owners = [Some(1i64), None, Some(2)];
        let rows = [
            (10, Some(1i64)),
            (11, Some(2)),
            (12, Some(1)),
            (13, None),
            (14, Some(9)),
        ];
        let links = link(&owners, |o| o.as_ref(), &rows, |r| r.1.as_ref());
        assert!(matches!(links, Links::Unique { .. }));
        assert_eq!(links.owners_with_rows(), [true, false, true]);
        let got = links.distribute(rows.iter().map(|r| r.0).collect());
        assert_eq!(got, vec![vec![10, 12], vec![], vec![11]]);
    }

    #[test]
    fn shared_owners_clone_rows() {
        let owners = [Some(1i64), None, Some(2), Some(1)];
        let rows = [(10, Some(1i64)), (11, Some(2)), (12, Some(1)), (13, None)];
        let links = link(&owners, |o| o.as_ref(), &rows, |r| r.1.as_ref());
        assert_eq!(
            links,
            Links::Shared(vec![vec![0, 2], vec![], vec![1], vec![0, 2]])
        );
        let got = links.distribute(rows.iter().map(|r| r.0).collect());
        assert_eq!(got, vec![vec![10, 12], vec![], vec![11], vec![10, 12]]);
    }

    #[test]
    fn chains_dedup_in_final_order() {
        let first = Links::Shared(vec![vec![0, 1], vec![1], vec![]]);
        let second = Links::Shared(vec![vec![2, 0], vec![0, 1]]);
        assert_eq!(
            first.then(second),
            Links::Shared(vec![vec![0, 1, 2], vec![0, 1], vec![]])
        );
        let first = Links::Unique {
            owner: vec![1, 0, NONE],
            owners: 2,
        };
        let second = Links::Unique {
            owner: vec![2, 0, 1, NONE],
            owners: 3,
        };
        assert_eq!(
            first.then(second),
            Links::Unique {
                owner: vec![NONE, 1, 0, NONE],
                owners: 2
            }
        );
    }

    #[test]
    fn limits_cut_per_owner() {
        let mut links = Links::Unique {
            owner: vec![0, 1, 0, 0, 1],
            owners: 2,
        };
        links.limit(2);
        assert_eq!(
            links,
            Links::Unique {
                owner: vec![0, 1, 0, NONE, 1],
                owners: 2
            }
        );
        let mut links = Links::Shared(vec![vec![0, 1, 2], vec![2]]);
        links.limit(2);
        assert_eq!(links, Links::Shared(vec![vec![0, 1], vec![2]]));
    }
}
