//! A tour of switchyard on the declarations in `schema/`: two clusters (`primary`, `animals`),
//! two shards of `animals`, and reads through replicas. With no configuration it runs on
//! SQLite files under `example-app/data/`; set `DATABASE_URL`, `ANIMALS_URL`, … to run the same
//! binary on PostgreSQL or MariaDB.

use db::{AnimalsShard, Database, NewDog, NewPost, NewUser, Post, User};
use example_app::db;

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run() -> switchyard::Result<()> {
    let config = Database::config()
        .sqlite_dir(concat!(env!("CARGO_MANIFEST_DIR")))
        .on_statement(|event| {
            let t = event.target;
            println!("  [{}/{}/{}] {}", t.cluster, t.shard, t.role, event.sql);
        });
    let db = Database::connect(config).await?;
    db.create_tables().await?;

    println!("Writing a user and a post to cluster `primary` (writer):");
    let suffix = std::process::id();
    let ada = db
        .primary()
        .users()
        .insert(NewUser {
            username: format!("ada-{suffix}"),
            email: "ada@example.com".into(),
            bio: Some("Writes the first programs.".into()),
            ..Default::default()
        })
        .await?;
    db.primary()
        .posts()
        .insert(NewPost {
            user_id: ada.id,
            title: "Notes on the Analytical Engine".into(),
            body: "…".into(),
            ..Default::default()
        })
        .await?;

    println!("Reading them back through a replica of `primary`:");
    let reader = db.primary().reading();
    let found = reader.users().find_by_username(&ada.username).await?;
    let posts = reader
        .posts()
        .filter(Post::USER_ID.eq(ada.id))
        .order_by(Post::CREATED_AT.desc())
        .all()
        .await?;
    let users = reader.users().filter(User::ID.le(ada.id)).count().await?;
    println!(
        "  found {:?} with {} post(s); {users} user(s) so far",
        found.map(|u| u.username),
        posts.len()
    );

    println!("Writing dogs to both shards of cluster `animals`:");
    let animals = db.animals();
    let rex = insert_dog(&animals, "Rex", AnimalsShard::Default).await?;
    let fido = insert_dog(&animals, "Fido", AnimalsShard::ShardOne).await?;

    println!("Reading each shard (default shard through its replica):");
    let on_default = animals.reading().dogs().find(rex).await?.map(|d| d.name);
    let on_one = animals
        .shard(AnimalsShard::ShardOne)
        .dogs()
        .find(fido)
        .await?
        .map(|d| d.name);
    let missing = animals.dogs().find(fido).await?;
    println!(
        "  default shard has {on_default:?}; shard_one has {on_one:?}; Fido on default: {missing:?}"
    );

    println!("Statements per database:");
    for (cluster, shard, role, n) in db.engine().statement_counts().iter() {
        println!("  {cluster}/{shard}/{role}: {n}");
    }
    db.engine().close().await;
    Ok(())
}

/// Insert a dog on one shard of `animals`; its generated key.
async fn insert_dog(
    animals: &db::Animals,
    name: &str,
    shard: AnimalsShard,
) -> switchyard::Result<switchyard::uuid::Uuid> {
    let dog = animals
        .shard(shard)
        .dogs()
        .insert(NewDog {
            name: name.into(),
            ..Default::default()
        })
        .await?;
    Ok(dog.id)
}
