// A relation of `Post` cannot filter a query of `User`s, even though both are related.
use switchyard_tests::db;

fn users_with_a_user(db: &db::Database) {
    let _query = db.primary().users().query().where_has(db::Post::USER, None);
}

fn main() {}
