// A patch cannot set a shard key (it would move the row to another shard).
use switchyard_tests::db;

fn main() {
    let _patch = db::VisitPatch {
        user_id: Some(7),
        ..Default::default()
    };
}
