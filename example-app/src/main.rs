//! A tour of switchyard on the declarations in `schema/`: three clusters (`primary`, `content`,
//! `animals`), two shards of `animals`, reads through replicas, and relations across all of them
//! loaded eagerly, one query per database. With no configuration it runs on SQLite files under
//! `example-app/data/`; set `DATABASE_URL`, `CONTENT_URL`, `ANIMALS_URL`, … to run the same
//! binary on PostgreSQL or MariaDB (or a mix: a relation may cross backends).

use db::{
    AnimalsShard, Database, NewDog, NewHome, NewHuman, NewPost, NewTreat, NewUser, NewYard, Post,
    User,
};
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

    println!("Writing a user to cluster `primary` and a post to cluster `content` (writers):");
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
    // `validate = true` on Post.user: the user is checked on `primary` before the insert.
    ada.create_post(
        &db,
        NewPost {
            title: "Notes on the Analytical Engine".into(),
            body: "…".into(),
            ..Default::default()
        },
    )
    .await?;

    println!("Reading them back through replicas of `primary` and `content`:");
    let reader = db.reading();
    let found = reader
        .primary()
        .users()
        .find_by_username(&ada.username)
        .await?;
    let posts = reader
        .content()
        .posts()
        .filter(Post::USER_ID.eq(ada.id))
        .order_by(Post::CREATED_AT.desc())
        .all()
        .await?;
    let users = reader
        .primary()
        .users()
        .filter(User::ID.le(ada.id))
        .count()
        .await?;
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

    println!("The Rails guide's dog, its humans, their treats, its home and yard:");
    let humans = db
        .primary()
        .humans()
        .insert_many(&[human(rex, "Ann"), human(rex, "Bo")])
        .await?;
    let treats = [(0, "liver"), (1, "bacon"), (0, "cheese")].map(|(h, flavor)| NewTreat {
        human_id: humans[h].id,
        flavor: flavor.into(),
        ..Default::default()
    });
    db.content().treats().insert_many(&treats).await?;
    let home = db
        .primary()
        .homes()
        .insert(NewHome {
            dog_id: rex,
            address: "1 Kennel Road".into(),
            ..Default::default()
        })
        .await?;
    home.create_yard(
        &db,
        NewYard {
            fenced: Some(true),
            ..Default::default()
        },
    )
    .await?;
    print_counts(&db, "Statements per database so far:");

    println!("Eager loading: users with their posts (primary → content):");
    db.engine().reset_statement_counts();
    let users = db
        .reading()
        .primary()
        .users()
        .query()
        .filter(User::ID.le(ada.id))
        .include(|user| user.posts())
        .all()
        .await?;
    let posts: usize = users.iter().map(|u| u.posts().map_or(0, <[_]>::len)).sum();
    println!("  {} user(s) with {posts} post(s) in all", users.len());
    print_counts(
        &db,
        "  statements: one per database, whatever the number of users",
    );

    println!("Eager loading: dogs with humans, treats through humans, home, yard through home:");
    db.engine().reset_statement_counts();
    let dogs = db
        .animals()
        .dogs()
        .query()
        .filter(db::Dog::ID.eq(rex))
        .include(|dog| dog.humans().treats().home().yard())
        .all()
        .await?;
    for dog in &dogs {
        let humans: Vec<&str> = dog.humans()?.iter().map(|h| h.name.as_str()).collect();
        let treats: Vec<&str> = dog.treats()?.iter().map(|t| t.flavor.as_str()).collect();
        let address = dog.home()?.map(|h| h.address.clone());
        let fenced = dog.yard()?.map(|y| y.fenced);
        println!(
            "  {}: humans {humans:?}, treats {treats:?}, home {address:?}, fenced yard {fenced:?}",
            dog.name
        );
    }
    print_counts(
        &db,
        "  statements: one per hop, each on the database the hop reaches",
    );
    db.engine().close().await;
    Ok(())
}

fn human(dog_id: switchyard::uuid::Uuid, name: &str) -> NewHuman {
    NewHuman {
        dog_id,
        name: name.into(),
        ..Default::default()
    }
}

/// Print the statement count of every server that ran one.
fn print_counts(db: &Database, title: &str) {
    println!("{title}");
    for (cluster, shard, role, n) in db.engine().statement_counts().iter() {
        if n > 0 {
            println!("    {cluster}/{shard}/{role}: {n}");
        }
    }
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
