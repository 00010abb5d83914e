// Creating a related row writes, so it needs a writing `Database`: a reading one does not do.
use switchyard_tests::db;

async fn post_through_replicas(db: &db::Database, user: &db::User) {
    let reading = db.reading();
    let _ = user.create_post(&reading, db::NewPost::default()).await;
}

fn main() {}
