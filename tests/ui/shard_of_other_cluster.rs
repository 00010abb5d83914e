// A shard of cluster `ledger` cannot address cluster `animals`.
use switchyard_tests::db;

fn shard_of_other_cluster(db: &db::Database) {
    let _animals = db.animals().shard(db::LedgerShard::Low);
}

fn main() {}
