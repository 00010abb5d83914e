//! Shard keys: the value of a model's `shard_key` field, and the map from such values to a
//! shard of their cluster (`shard_by = "hash" | "range" | "list"`).
//!
//! The hash is part of the data's layout: a row written today must be found by the same key
//! tomorrow, by this crate's next version or by a program in another language. It is therefore
//! written down here (and in docs/sharding.md) and pinned by golden vectors in the tests:
//!
//! 1. The key's canonical bytes: an integer (`i16`, `i32` or `i64`) as the 8 bytes of its
//!    value as an `i64`, big-endian two's complement (so `7i16` and `7i64` hash alike); a
//!    string as its UTF-8 bytes; a uuid as its 16 bytes in RFC 9562 order.
//! 2. FNV-1a 64 over those bytes (offset basis `0xcbf29ce484222325`, prime `0x100000001b3`),
//!    then MurmurHash3's 64-bit finalizer (`fmix64`) so that nearby keys spread.
//! 3. Jump consistent hashing (Lamping and Veach, 2014) of that 64-bit value into the number of
//!    shards, so adding a shard at the end moves only the keys that must move (about `1/n`).

use std::fmt;

use crate::error::{Error, Result};

/// A shard key value as the maps see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShardKeyValue<'a> {
    /// Any integer key, widened to `i64`.
    Int(i64),
    /// A string key.
    Str(&'a str),
    /// A uuid key.
    Uuid(uuid::Uuid),
}

impl fmt::Display for ShardKeyValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShardKeyValue::Int(i) => write!(f, "{i}"),
            ShardKeyValue::Str(s) => write!(f, "{s:?}"),
            ShardKeyValue::Uuid(u) => write!(f, "{u}"),
        }
    }
}

/// A type a shard key can have: integers, strings and uuids.
pub trait ShardKey {
    /// The value the shard maps see.
    fn shard_key_value(&self) -> ShardKeyValue<'_>;
}

macro_rules! int_key {
    ($($ty:ty),*) => {$(
        impl ShardKey for $ty {
            fn shard_key_value(&self) -> ShardKeyValue<'_> {
                ShardKeyValue::Int(i64::from(*self))
            }
        }
    )*};
}

int_key!(i16, i32, i64);

impl ShardKey for str {
    fn shard_key_value(&self) -> ShardKeyValue<'_> {
        ShardKeyValue::Str(self)
    }
}

impl ShardKey for String {
    fn shard_key_value(&self) -> ShardKeyValue<'_> {
        ShardKeyValue::Str(self)
    }
}

impl ShardKey for uuid::Uuid {
    fn shard_key_value(&self) -> ShardKeyValue<'_> {
        ShardKeyValue::Uuid(*self)
    }
}

impl ShardKey for ShardKeyValue<'_> {
    fn shard_key_value(&self) -> ShardKeyValue<'_> {
        *self
    }
}

impl<T: ShardKey + ?Sized> ShardKey for &T {
    fn shard_key_value(&self) -> ShardKeyValue<'_> {
        (**self).shard_key_value()
    }
}

/// The stable 64-bit hash of a shard key (steps 1 and 2 of the module docs).
pub fn shard_hash(key: &(impl ShardKey + ?Sized)) -> u64 {
    let value = key.shard_key_value();
    let mut hash = Fnv1a::default();
    match value {
        ShardKeyValue::Int(i) => hash.write(&i.to_be_bytes()),
        ShardKeyValue::Str(s) => hash.write(s.as_bytes()),
        ShardKeyValue::Uuid(u) => hash.write(u.as_bytes()),
    }
    fmix64(hash.0)
}

struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^= k >> 33;
    k
}

/// Jump consistent hash: the bucket in `0..buckets` of a 64-bit hash (`buckets` ≥ 1).
pub fn jump_consistent_hash(mut key: u64, buckets: usize) -> usize {
    let mut b: i64 = -1;
    let mut j: i64 = 0;
    let buckets = i64::try_from(buckets).unwrap_or(i64::MAX);
    while j < buckets {
        b = j;
        key = key.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(1);
        // As in the paper, in IEEE doubles, so any language computes the same bucket.
        j = ((b + 1) as f64 * ((1u64 << 31) as f64 / ((key >> 33) + 1) as f64)) as i64;
    }
    usize::try_from(b).unwrap_or(0)
}

/// Bytes 12 and 13 of a uuid key made for a shard: `sy`.
const UUID_MARK: [u8; 2] = *b"sy";

/// A random uuid primary key that records the shard its row is written to, so that a lookup
/// by it goes to that shard alone: an RFC 9562 version 8 uuid whose bytes 12 and 13 are `sy`
/// and 14 and 15 the shard's position (big-endian); the other 90 bits are random.
pub(crate) fn uuid_for_shard(shard: usize) -> uuid::Uuid {
    let mut bytes = *uuid::Uuid::new_v4().as_bytes();
    bytes[12..14].copy_from_slice(&UUID_MARK);
    bytes[14..16].copy_from_slice(&u16::try_from(shard).unwrap_or(u16::MAX).to_be_bytes());
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// The shard a uuid made by [`uuid_for_shard`] records, if it is one.
pub(crate) fn uuid_shard(id: &uuid::Uuid) -> Option<usize> {
    let bytes = id.as_bytes();
    (id.get_version_num() == 8 && bytes[12..14] == UUID_MARK)
        .then(|| usize::from(u16::from_be_bytes([bytes[14], bytes[15]])))
}

/// One key of a `list` shard map.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKey {
    /// An integer key.
    Int(i64),
    /// A string key.
    Str(&'static str),
}

impl ListKey {
    fn matches(self, value: ShardKeyValue<'_>) -> bool {
        match (self, value) {
            (ListKey::Int(a), ShardKeyValue::Int(b)) => a == b,
            (ListKey::Str(a), ShardKeyValue::Str(b)) => a == b,
            _ => false,
        }
    }
}

/// How a cluster places keys on its shards (`shard_by`).
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub enum Strategy {
    /// Jump consistent hashing of [`shard_hash`].
    Hash,
    /// Shard `i` holds `ranges[i].0 <= key < ranges[i].1`.
    Range(&'static [(i64, i64)]),
    /// Shard `i` holds the keys `lists[i]`.
    List(&'static [&'static [ListKey]]),
}

/// A sharded cluster's map from shard keys to shards, generated from its declaration.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct ShardMap {
    /// The cluster's name, for errors.
    pub cluster: &'static str,
    /// The shards' names, in declaration order.
    pub shards: &'static [&'static str],
    /// How keys map to shards.
    pub strategy: Strategy,
}

impl ShardMap {
    /// The position of the shard that holds `key`, or [`Error::NoShardForKey`] when a range or
    /// list map has no shard for it (never the default shard in its place).
    pub fn locate(&self, key: &(impl ShardKey + ?Sized)) -> Result<usize> {
        let value = key.shard_key_value();
        let found = match self.strategy {
            Strategy::Hash => Some(jump_consistent_hash(shard_hash(key), self.shards.len())),
            Strategy::Range(ranges) => match value {
                ShardKeyValue::Int(k) => ranges.iter().position(|&(lo, hi)| lo <= k && k < hi),
                _ => None,
            },
            Strategy::List(lists) => lists
                .iter()
                .position(|keys| keys.iter().any(|k| k.matches(value))),
        };
        found.ok_or_else(|| Error::NoShardForKey {
            cluster: self.cluster,
            key: value.to_string().into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Computed by an independent implementation of the algorithm in the module docs (Python):
    /// a change here moves stored rows to other shards, so it must never happen silently.
    #[test]
    fn golden_vectors() {
        type Case<'a> = (u64, [usize; 4], &'a dyn Fn() -> u64);
        let cases: [Case<'_>; 11] = [
            (0x7bd3_144f_29c0_cc9e, [1, 1, 3, 5], &|| shard_hash(&0i64)),
            (0x0d4a_d0eb_39c5_0357, [0, 0, 0, 4], &|| shard_hash(&1i64)),
            (0x6a92_c022_8678_c02e, [0, 2, 2, 5], &|| shard_hash(&-1i64)),
            (0x641d_ede4_f097_3e8c, [0, 0, 0, 6], &|| shard_hash(&42i32)),
            (0xec95_5921_1635_08be, [0, 0, 0, 0], &|| {
                shard_hash(&i64::MAX)
            }),
            (0xefd0_1f60_ba99_2926, [1, 1, 1, 1], &|| shard_hash("")),
            (0xab53_f147_ca0b_949f, [0, 0, 0, 6], &|| shard_hash("eu")),
            (0xaf4e_1ee8_70dc_5f24, [1, 1, 1, 8], &|| {
                shard_hash("tenant-17")
            }),
            (0xc4b3_c4eb_f61b_c14d, [1, 2, 2, 8], &|| {
                shard_hash("ünïcødé")
            }),
            (0xa5e0_dba6_c385_580a, [1, 1, 1, 1], &|| {
                shard_hash(&uuid::Uuid::nil())
            }),
            (0xd7f5_9285_83c2_0faa, [1, 1, 1, 1], &|| {
                shard_hash(&uuid::uuid!("67e55044-10b1-426f-9247-bb680e5fe0c8"))
            }),
        ];
        for (hash, buckets, compute) in cases {
            assert_eq!(compute(), hash, "hash {hash:#x}");
            let got = [2, 3, 4, 10].map(|n| jump_consistent_hash(hash, n));
            assert_eq!(got, buckets, "buckets of {hash:#x}");
        }
        let raw = [0u64, 1, 0xdead_beef, u64::MAX].map(|k| jump_consistent_hash(k, 1000));
        assert_eq!(raw, [0, 549, 285, 313]);
    }

    #[test]
    fn ten_thousand_keys_spread_evenly_over_four_shards() {
        let map = ShardMap {
            cluster: "c",
            shards: &["a", "b", "c", "d"],
            strategy: Strategy::Hash,
        };
        let mut per_shard = [0usize; 4];
        for key in 0..10_000i64 {
            per_shard[map.locate(&key).expect("hash maps every key")] += 1;
        }
        for (shard, n) in per_shard.iter().enumerate() {
            assert!(
                (2_250..=2_750).contains(n),
                "shard {shard}: {n} of 10,000 ({per_shard:?})"
            );
        }
        let mut per_shard = [0usize; 4];
        for i in 0..10_000 {
            per_shard[map.locate(&format!("tenant-{i}")).expect("maps")] += 1;
        }
        for n in per_shard {
            assert!((2_250..=2_750).contains(&n), "{per_shard:?}");
        }
    }

    #[test]
    fn jump_matches_the_paper_for_small_inputs() {
        // Every key lands in bucket 0 of 1, and a bucket never exceeds the count.
        for key in 0..1000u64 {
            assert_eq!(jump_consistent_hash(key, 1), 0);
            assert!(jump_consistent_hash(key, 7) < 7);
        }
    }

    #[test]
    fn adding_a_bucket_moves_keys_only_to_the_new_bucket() {
        for key in 0..10_000u64 {
            let h = shard_hash(&(key as i64));
            let before = jump_consistent_hash(h, 4);
            let after = jump_consistent_hash(h, 5);
            assert!(after == before || after == 4, "{key}: {before} -> {after}");
        }
    }

    #[test]
    fn uuids_made_for_a_shard_record_it() {
        for shard in [0, 1, 7, 300] {
            let id = uuid_for_shard(shard);
            assert_eq!(id.get_version_num(), 8);
            assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
            assert_eq!(uuid_shard(&id), Some(shard));
            assert_ne!(uuid_for_shard(shard), id, "random");
        }
        assert_eq!(uuid_shard(&uuid::Uuid::new_v4()), None);
        assert_eq!(uuid_shard(&uuid::Uuid::nil()), None);
    }

    #[test]
    fn integers_hash_alike_whatever_their_width() {
        assert_eq!(shard_hash(&7i16), shard_hash(&7i64));
        assert_eq!(shard_hash(&-1i32), shard_hash(&-1i64));
    }

    #[test]
    fn range_and_list_refuse_keys_they_do_not_hold() {
        let range = ShardMap {
            cluster: "c",
            shards: &["a", "b"],
            strategy: Strategy::Range(&[(0, 10), (20, 30)]),
        };
        assert_eq!(range.locate(&0i64).ok(), Some(0));
        assert_eq!(range.locate(&29i64).ok(), Some(1));
        for outside in [-1i64, 10, 15, 30] {
            let err = range.locate(&outside).expect_err("outside").to_string();
            assert_eq!(
                err,
                format!("no shard of cluster `c` holds the shard key {outside}")
            );
        }
        let list = ShardMap {
            cluster: "c",
            shards: &["eu", "us"],
            strategy: Strategy::List(&[&[ListKey::Str("de")], &[ListKey::Str("us")]]),
        };
        assert_eq!(list.locate("us").ok(), Some(1));
        assert!(matches!(
            list.locate("fr"),
            Err(Error::NoShardForKey { cluster: "c", .. })
        ));
    }
}
