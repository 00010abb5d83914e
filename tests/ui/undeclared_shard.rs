// Cluster `animals` declares shards `default` and `shard_one` only.
use switchyard_tests::db;

fn undeclared_shard(db: &db::Database) {
    let _animals = db.animals().shard(db::AnimalsShard::ShardTwo);
}

fn main() {}
