// A condition on `Tag` columns cannot filter a query of `User`s.
use switchyard_tests::db;

fn filter_users_by_tag(db: &db::Database) {
    let _query = db.primary().users().filter(db::Tag::NAME.eq("rust"));
}

fn main() {}
