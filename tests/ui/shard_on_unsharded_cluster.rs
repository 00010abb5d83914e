// Cluster `primary` is not sharded: its handle has no `shard` method and no shard enum.
use switchyard_tests::db;

fn shard_of_primary(db: &db::Database) {
    let _primary = db.primary().shard(db::AnimalsShard::ShardOne);
}

fn main() {}
