//! A tour of switchyard on the declarations in `schema/`: three clusters (`primary`, `content`,
//! `animals`), two shards of `animals` on which dogs are placed by their kennel (the shard key:
//! key-routed inserts, a query pinned to one shard, a scatter-gather merged across both), reads
//! through replicas, and relations across all of them loaded eagerly, one query per database.
//! With no configuration it runs on SQLite files under `example-app/data/`; set
//! `DATABASE_URL`, `CONTENT_URL`, `ANIMALS_URL`, … to run the same binary on PostgreSQL or
//! MariaDB (or a mix: a relation may cross backends).
//!
//! `cargo run -p example-app -- serve [--addr HOST:PORT] [--causal]` serves the HTTP API of
//! [`example_app::serve`] instead (on `127.0.0.1:$PORT`, port 3000 by default) until Ctrl-C.

use db::{
    AnimalsShard, Database, Dog, NewDog, NewHome, NewHuman, NewPost, NewTreat, NewUser, NewYard,
    Post, User,
};
use example_app::db;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None => run().await.map_err(Into::into),
        Some("serve") => match ServeOptions::parse(&args[1..]) {
            Ok(options) => serve(options).await,
            Err(message) => {
                eprintln!("error: {message}\n{USAGE}");
                std::process::exit(2);
            }
        },
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => {
            eprintln!("error: unknown command `{other}`\n{USAGE}");
            std::process::exit(2);
        }
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

const USAGE: &str = "\
usage: example-app                  run the tour and exit
       example-app serve [--addr HOST:PORT] [--causal]
                                    serve the HTTP API (default 127.0.0.1:$PORT, PORT=3000)";

/// Options of `serve`.
struct ServeOptions {
    addr: String,
    consistency: switchyard::Consistency,
}

impl ServeOptions {
    fn parse(args: &[String]) -> Result<ServeOptions, String> {
        let port = std::env::var("PORT")
            .ok()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "3000".to_owned());
        let mut options = ServeOptions {
            addr: format!("127.0.0.1:{port}"),
            consistency: switchyard::Consistency::default(),
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--addr" => {
                    options.addr = args.next().ok_or("`--addr` needs HOST:PORT")?.clone();
                }
                "--causal" => options.consistency = switchyard::Consistency::Causal,
                other => match other.strip_prefix("--addr=") {
                    Some(addr) => options.addr = addr.to_owned(),
                    None => return Err(format!("unknown option `{other}`")),
                },
            }
        }
        Ok(options)
    }
}

/// Serve the HTTP API until Ctrl-C, printing each request and the statements it ran.
async fn serve(options: ServeOptions) -> Result<(), Box<dyn std::error::Error>> {
    let config = Database::config()
        .sqlite_dir(env!("CARGO_MANIFEST_DIR"))
        .on_statement(|event| {
            let t = event.target;
            println!("  [{}/{}/{}] {}", t.cluster, t.shard, t.role, event.sql);
        });
    let db = Database::connect(config).await?;
    println!("{}", db.migrate().await?);
    let app = example_app::serve::router(db.clone(), options.consistency)
        .layer(axum::middleware::from_fn(log_request));
    let listener = tokio::net::TcpListener::bind(&options.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", options.addr))?;
    let mode = match options.consistency {
        switchyard::Consistency::Delay(delay) => {
            format!("reads after a write go to the writer for {delay:?}")
        }
        switchyard::Consistency::Causal => {
            "causal: reads go to a replica once it has replayed the session's last write".to_owned()
        }
    };
    println!("listening on http://{} ({mode})", listener.local_addr()?);
    println!("  POST /users, GET /users/{{id}}, POST|GET /users/{{id}}/posts, GET /health");
    println!("  POST|GET /dogs with `X-Kennel: <kennel>`: on the kennel's shard of `animals`");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            // If Ctrl-C cannot be listened for, serve until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await?;
    println!("shutting down");
    db.engine().close().await;
    Ok(())
}

/// Print `METHOD /path` before the request's statements, and its status after them.
async fn log_request(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let cookie = request.headers().contains_key(axum::http::header::COOKIE);
    println!(
        "{} {}{}",
        request.method(),
        request.uri(),
        if cookie { " (with cookie)" } else { "" }
    );
    let response = next.run(request).await;
    let set = response
        .headers()
        .contains_key(axum::http::header::SET_COOKIE);
    println!(
        "  -> {}{}",
        response.status(),
        if set {
            " (sets switchyard_last_write)"
        } else {
            ""
        }
    );
    response
}

async fn run() -> switchyard::Result<()> {
    let config = Database::config()
        .sqlite_dir(concat!(env!("CARGO_MANIFEST_DIR")))
        .on_statement(|event| {
            let t = event.target;
            println!("  [{}/{}/{}] {}", t.cluster, t.shard, t.role, event.sql);
        });
    let db = Database::connect(config).await?;
    // The tables come from the checked-in migrations (schema/migrations/<cluster>/), applied
    // on every shard's writer; a second run finds nothing pending.
    println!("Migrating every cluster (schema/migrations/):");
    let report = db.migrate().await?;
    println!("{report}");

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

    let animals = db.animals();
    println!(
        "Cluster `animals` places dogs by kennel (`shard_by = \"hash\"`, `shard_key = \"kennel\"`)."
    );
    println!(
        "Clearing the tour's kennels of an earlier run (a delete pinned by `Dog::KENNEL.is_in(..)`):"
    );
    let cleared = animals
        .dogs()
        .filter(Dog::KENNEL.is_in(KENNELS))
        .delete_all()
        .await?;
    let per_shard: Vec<String> = cleared
        .per_shard()
        .iter()
        .map(|(shard, n)| format!("{n} on {shard}"))
        .collect();
    println!(
        "  {} dog(s) deleted: {}",
        cleared.total(),
        per_shard.join(", ")
    );
    db.engine().reset_statement_counts();

    println!("Key-routed inserts through the default handle: each dog goes to its kennel's shard:");
    let mut ids = Vec::new();
    for (name, kennel) in [
        ("Rex", "riverside"),
        ("Fido", "harbor"),
        ("Bella", "hilltop"),
    ] {
        let dog = animals
            .dogs()
            .insert(NewDog {
                name: name.into(),
                kennel: kennel.into(),
                ..Default::default()
            })
            .await?;
        println!(
            "  {name} of kennel {kennel}: AnimalsShard::for_key({kennel:?}) = {}, ran on {}",
            AnimalsShard::for_key(kennel)?.name(),
            ran_on(&db)
        );
        ids.push(dog.id);
    }
    let (rex, fido) = (ids[0], ids[1]);
    let more = [
        ("Max", "harbor"),
        ("Luna", "riverside"),
        ("Ace", "lakeside"),
    ]
    .map(|(name, kennel)| NewDog {
        name: name.into(),
        kennel: kennel.into(),
        ..Default::default()
    });
    animals.dogs().insert_many(&more).await?;
    println!(
        "  insert_many of Max (harbor), Luna (riverside), Ace (lakeside): one batch per shard, ran on {}",
        ran_on(&db)
    );

    println!("A query pinned to one shard by its key, `Dog::KENNEL.eq(\"harbor\")`:");
    let harbor = animals
        .dogs()
        .filter(Dog::KENNEL.eq("harbor"))
        .order_by(Dog::NAME.asc())
        .all()
        .await?;
    println!(
        "  kennel harbor (shard {}): {:?}; ran on {} only",
        AnimalsShard::for_key("harbor")?.name(),
        names(&harbor),
        ran_on(&db)
    );

    println!("Scatter-gather: `order_by(Dog::NAME.asc()).limit(3)` on every shard, merged:");
    let first = animals
        .dogs()
        .query()
        .order_by(Dog::NAME.asc())
        .limit(3)
        .all()
        .await?;
    let counted = animals.dogs().count().await?;
    let first: Vec<String> = first
        .iter()
        .map(|d| format!("{} ({})", d.name, d.kennel))
        .collect();
    println!(
        "  the first 3 by name: {first:?}; {counted} dog(s) in all (counts summed); ran on {}",
        ran_on(&db)
    );

    println!("Finding dogs by id (a uuid, not the shard key), and explicit shard handles:");
    let anywhere = animals.reading().dogs().find(rex).await?.map(|d| d.name);
    let where_read = ran_on(&db);
    let on_one = animals
        .shard(AnimalsShard::ShardOne)
        .dogs()
        .find(fido)
        .await?
        .map(|d| d.name);
    let on_default = animals
        .shard(AnimalsShard::Default)
        .dogs()
        .find(fido)
        .await?
        .map(|d| d.name);
    println!(
        "  Rex on a reading handle: {anywhere:?} (ran on {where_read}); Fido on \
         `.shard(AnimalsShard::ShardOne)`: {on_one:?}, on `.shard(AnimalsShard::Default)`: \
         {on_default:?}"
    );

    println!("The Rails guide's dog, its humans, their treats, its home and yard:");
    db.engine().reset_statement_counts();
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
    print_counts(
        &db,
        "  statements: Rex's humans and home on `primary`, treats and yard on `content`",
    );

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
        .filter(Dog::KENNEL.eq("riverside")) // pinned: only Rex's shard is asked
        .filter(Dog::ID.eq(rex))
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

/// The kennels the tour writes: `riverside` and `hilltop` hash to the default shard, `harbor`
/// and `lakeside` to `shard_one`.
const KENNELS: [&str; 4] = ["riverside", "hilltop", "harbor", "lakeside"];

/// The servers that ran a statement since the last reset, with their counts; then reset.
fn ran_on(db: &Database) -> String {
    let counts = db.engine().statement_counts();
    db.engine().reset_statement_counts();
    let servers: Vec<String> = counts
        .iter()
        .map(|(cluster, shard, role, n)| format!("{cluster}/{shard}/{role} ×{n}"))
        .collect();
    servers.join(", ")
}

/// The dogs' names.
fn names(dogs: &[Dog]) -> Vec<&str> {
    dogs.iter().map(|d| d.name.as_str()).collect()
}
