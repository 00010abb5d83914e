// A shard scope takes a generated shard enum, never a string or another enum (a role).
use switchyard::Shards;
use switchyard_tests::db;

fn by_string() {
    let _scope = Shards::new().with("shard_one");
}

fn by_role() {
    let _scope = Shards::new().with(db::PrimaryRole::Reporting);
}

fn main() {}
