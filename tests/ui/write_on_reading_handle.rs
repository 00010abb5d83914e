// A reading handle routes to replicas: write methods do not exist on it.
use switchyard_tests::db;

fn insert_on_replica(db: &db::Database) {
    let _insert = db.primary().reading().users().insert(db::NewUser {
        username: "ada".into(),
        email: "ada@example.com".into(),
        ..Default::default()
    });
}

fn main() {}
