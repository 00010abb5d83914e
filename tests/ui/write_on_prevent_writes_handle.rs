// A prevent-writes handle reads from the writer but has no write methods.
use switchyard_tests::db;

async fn write_anyway(db: &db::Database) {
    let _ = db
        .primary()
        .prevent_writes()
        .users()
        .insert(db::NewUser::default())
        .await;
}

fn main() {}
