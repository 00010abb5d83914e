// `Dog` lives in cluster `animals`: the `primary` handle has no repository for it.
use switchyard_tests::db;

fn dogs_through_primary(db: &db::Database) {
    let _dogs = db.primary().dogs();
}

fn main() {}
