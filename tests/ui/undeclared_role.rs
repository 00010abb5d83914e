// Custom roles are declared per cluster: `primary` has `reporting` only, `animals` has none.
use switchyard_tests::db;

fn roles(db: &db::Database) {
    let _analytics = db.primary().role(db::PrimaryRole::Analytics);
    let _animals = db.animals().role(db::PrimaryRole::Reporting);
}

fn main() {}
