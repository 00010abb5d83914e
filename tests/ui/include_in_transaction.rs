// Eager loading reaches other databases, so it is not offered inside a transaction (one
// connection to one database).
use switchyard_tests::db;

async fn eager_in_transaction(db: &db::Database) -> switchyard::Result<()> {
    let mut tx = db.primary().begin().await?;
    let _users = tx.users().query().include(|u| u.posts()).all().await?;
    tx.commit().await
}

fn main() {}
