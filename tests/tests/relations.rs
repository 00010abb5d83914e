//! Relations across databases: users in `primary`, posts in `content`, comments in
//! `discussion`, dogs in the sharded `animals`, and the Rails guide's Dog / Human / Treat /
//! Home / Yard chain over all four. On SQLite always; on PostgreSQL and MariaDB when their URLs
//! are set (see `switchyard_tests::harness`).

use std::collections::BTreeSet;

use switchyard::{Error, Role};
use switchyard_tests::backend_test;
use switchyard_tests::db::{
    AnimalsShard, Comment, Dog, NewComment, NewDog, NewHome, NewHuman, NewPost, NewProfile,
    NewTreat, NewUser, NewYard, Post, PostPatch, User,
};
use switchyard_tests::harness::{Backend, TestDb};

fn new_user(i: usize) -> NewUser {
    NewUser {
        username: format!("user{i:06}"),
        email: format!("user{i}@example.com"),
        ..Default::default()
    }
}

/// `users` users, `posts` posts each, `comments` comments on each post (authored round-robin
/// by the users). Returns the users and posts as stored.
async fn seed(t: &TestDb, users: usize, posts: usize, comments: usize) -> (Vec<User>, Vec<Post>) {
    let rows: Vec<NewUser> = (0..users).map(new_user).collect();
    let users =
        t.db.primary()
            .users()
            .insert_many(&rows)
            .await
            .expect("users");
    let rows: Vec<NewPost> = users
        .iter()
        .flat_map(|u| {
            (0..posts).map(|j| NewPost {
                user_id: u.id,
                title: format!("post {j} of {}", u.username),
                ..Default::default()
            })
        })
        .collect();
    let posts =
        t.db.content()
            .posts()
            .insert_many(&rows)
            .await
            .expect("posts");
    let rows: Vec<NewComment> = posts
        .iter()
        .enumerate()
        .flat_map(|(i, p)| {
            let users = &users;
            (0..comments).map(move |j| NewComment {
                post_id: p.id,
                author_id: Some(users[(i + j) % users.len()].id),
                body: format!("comment {j}"),
                ..Default::default()
            })
        })
        .collect();
    t.db.discussion()
        .comments()
        .insert_many(&rows)
        .await
        .expect("comments");
    (users, posts)
}

/// The per-database statement counts, for the test output.
fn report(t: &TestDb, what: &str) {
    let counts = t.counts();
    println!(
        "{what} on {:?}: primary {}, content {}, discussion {}, animals {} statements",
        t.backend,
        counts.cluster("primary"),
        counts.cluster("content"),
        counts.cluster("discussion"),
        counts.cluster("animals")
    );
}

backend_test! {
    async fn eager_loading_costs_one_statement_per_database(t) {
        seed(t, 1000, 10, 5).await;
        t.db.engine().reset_statement_counts();
        let users = t.db.primary().users().query()
            .include(|u| u.posts_with(|p| p.comments()))
            .all().await.expect("eager load");
        report(t, "1,000 users x 10 posts x 5 comments");
        let counts = t.counts();
        // 10,000 post keys fit one chunk on SQLite (32,766) and MariaDB (65,535).
        assert_eq!(counts.cluster("primary"), 1, "{counts:?}");
        assert_eq!(counts.cluster("content"), 1, "{counts:?}");
        assert_eq!(counts.cluster("discussion"), 1, "{counts:?}");
        assert_eq!(counts.total(), 3, "{counts:?}");
        assert_eq!(users.len(), 1000);
        let mut comments = 0;
        for user in &users {
            let posts = user.posts().expect("posts loaded");
            assert_eq!(posts.len(), 10);
            // The relation's order (title), whatever order the database returned.
            assert!(posts.windows(2).all(|w| w[0].title <= w[1].title));
            for post in posts {
                assert_eq!(post.user_id, user.id);
                // No inverse_of on User.posts: the post's user was not asked for.
                assert!(matches!(post.user(), Err(Error::NotLoaded { .. })));
                let list = post.comments().expect("comments loaded");
                assert_eq!(list.len(), 5);
                assert!(list.iter().all(|c| c.post_id == post.id));
                comments += list.len();
            }
        }
        assert_eq!(comments, 50_000);
        assert_eq!(t.counts().total(), 3, "reading loaded data ran no statement");

        // inverse_of (User.comments ↔ Comment.author): each comment's author is its owner,
        // set without a query.
        t.db.engine().reset_statement_counts();
        let authors = t.db.primary().users().query()
            .filter(User::USERNAME.lt("user000010"))
            .include(|u| u.comments())
            .all().await.expect("comments");
        assert_eq!(t.counts().total(), 2, "users and comments, no author query");
        for user in &authors {
            let comments = user.comments().expect("comments");
            assert!(!comments.is_empty());
            for comment in comments {
                assert_eq!(comment.author().expect("inverse").expect("set").row(), user.row());
            }
        }

        // One level deeper, back in the first database: one more statement there.
        t.db.engine().reset_statement_counts();
        let users = t.db.primary().users().query()
            .filter(User::USERNAME.lt("user000100"))
            .include(|u| u.posts_with(|p| p.comments_with(|c| c.author())))
            .all().await.expect("four levels");
        report(t, "100 users -> posts -> comments -> author");
        let counts = t.counts();
        assert_eq!(counts.cluster("primary"), 2, "{counts:?}");
        assert_eq!(counts.cluster("content"), 1, "{counts:?}");
        assert_eq!(counts.cluster("discussion"), 1, "{counts:?}");
        assert_eq!(users.len(), 100);
        for post in users.iter().flat_map(|u| u.posts().expect("posts")) {
            for comment in post.comments().expect("comments") {
                let author = comment.author().expect("author loaded").expect("has an author");
                assert_eq!(Some(author.id), comment.author_id);
            }
        }
    }
}

backend_test! {
    async fn eager_results_equal_lazy_results_for_every_kind(t) {
        let f = fixture(t).await;
        let db = &t.db;
        let users = db.primary().users().query()
            .include(|u| u.posts().profile().comments().commented_posts().dogs())
            .all().await.expect("users");
        assert_eq!(users.len(), f.users.len());
        for user in &users {
            let rows = |loaded: &[switchyard_tests::db::LoadedPost]| loaded.iter().map(|p| p.row().clone()).collect::<Vec<_>>();
            assert_eq!(rows(user.posts().expect("posts")), user.row().posts(db).await.expect("lazy posts"));
            assert_eq!(
                user.profile().expect("profile").map(|p| p.row().clone()),
                user.row().profile(db).await.expect("lazy profile")
            );
            let comments: Vec<Comment> = user.comments().expect("comments").iter().map(|c| c.row().clone()).collect();
            assert_eq!(comments, user.row().comments(db).await.expect("lazy comments"));
            assert_eq!(rows(user.commented_posts().expect("m2m")), user.row().commented_posts(db).await.expect("lazy m2m"));
            let dogs: Vec<Dog> = user.dogs().expect("dogs").iter().map(|d| d.row().clone()).collect();
            assert_eq!(dogs, user.row().dogs(db).await.expect("lazy dogs"));
        }
        // The fixture's shapes, so the comparison above compared something.
        let ada = users.iter().find(|u| u.username == "ada").expect("ada");
        assert_eq!(ada.posts().expect("posts").len(), 2);
        assert!(ada.profile().expect("profile").is_some());
        assert_eq!(ada.dogs().expect("dogs").len(), 2, "dogs on both shards");
        let titles: Vec<&str> = ada.commented_posts().expect("m2m").iter().map(|p| p.title.as_str()).collect();
        assert_eq!(titles, ["zebra", "apple"], "each post once, in `title desc` order");
        let cy = users.iter().find(|u| u.username == "cy").expect("cy");
        assert!(cy.posts().expect("posts").is_empty(), "a parent with no children");
        assert!(cy.profile().expect("profile").is_none());

        let posts = db.content().posts().query()
            .include(|p| p.user().comments().latest_comments().commenters())
            .all().await.expect("posts");
        assert_eq!(posts.len(), 3);
        for post in &posts {
            assert_eq!(post.user().expect("user").row(), &post.row().user(db).await.expect("lazy user"));
            let c = |l: &[switchyard_tests::db::LoadedComment]| l.iter().map(|c| c.row().clone()).collect::<Vec<_>>();
            assert_eq!(c(post.comments().expect("comments")), post.row().comments(db).await.expect("lazy"));
            assert_eq!(c(post.latest_comments().expect("latest")), post.row().latest_comments(db).await.expect("lazy"));
            let commenters: Vec<User> = post.commenters().expect("commenters").iter().map(|u| u.row().clone()).collect();
            assert_eq!(commenters, post.row().commenters(db).await.expect("lazy commenters"));
        }
        let apple = posts.iter().find(|p| p.title == "apple").expect("apple");
        let latest: Vec<i64> = apple.latest_comments().expect("latest").iter().map(|c| c.id).collect();
        let mut all: Vec<i64> = apple.comments().expect("all").iter().map(|c| c.id).collect();
        assert_eq!(all.len(), 3);
        all.reverse();
        assert_eq!(latest, all[..2], "limit 2, id desc");
        let names: Vec<&str> = apple.commenters().expect("commenters").iter().map(|u| u.username.as_str()).collect();
        assert_eq!(names, ["ada", "bob"], "distinct commenters by username");

        let comments = db.discussion().comments().query()
            .include(|c| c.post().author())
            .all().await.expect("comments");
        for comment in &comments {
            assert_eq!(comment.post().expect("post").row(), &comment.row().post(db).await.expect("lazy post"));
            assert_eq!(
                comment.author().expect("author").map(|u| u.row().clone()),
                comment.row().author(db).await.expect("lazy author")
            );
        }
        assert!(
            comments.iter().any(|c| c.author_id.is_none() && c.author().expect("loaded").is_none()),
            "a null foreign key loads as None"
        );

        for shard in AnimalsShard::ALL {
            let dogs = db.animals().shard(shard).dogs().query()
                .include(|d| d.owner().humans().treats().home().yard())
                .all().await.expect("dogs");
            for dog in &dogs {
                assert_eq!(dog.owner().expect("owner").map(|u| u.row().clone()), dog.row().owner(db).await.expect("lazy"));
                let humans: Vec<_> = dog.humans().expect("humans").iter().map(|h| h.row().clone()).collect();
                assert_eq!(humans, dog.row().humans(db).await.expect("lazy humans"));
                assert_eq!(dog.treats().expect("treats").to_vec(), dog.row().treats(db).await.expect("lazy treats"));
                assert_eq!(dog.home().expect("home").map(|h| h.row().clone()), dog.row().home(db).await.expect("lazy home"));
                assert_eq!(dog.yard().expect("yard").cloned(), dog.row().yard(db).await.expect("lazy yard"));
            }
            if shard == AnimalsShard::DEFAULT {
                let rex = dogs.iter().find(|d| d.name == "Rex").expect("Rex");
                let flavors: Vec<&str> = rex.treats().expect("treats").iter().map(|t| t.flavor.as_str()).collect();
                assert_eq!(flavors, ["bacon", "cheese", "liver"], "through humans, ordered by flavor");
                assert!(rex.yard().expect("yard").expect("has a yard").fenced, "has_one through home");
                let stray = dogs.iter().find(|d| d.name == "Stray").expect("Stray");
                assert!(stray.owner().expect("owner").is_none());
                assert!(stray.yard().expect("yard").is_none());
                assert!(stray.treats().expect("treats").is_empty());
            }
        }
    }
}

/// A small data set with every relation kind populated, some left empty, one null key.
struct Fixture {
    users: Vec<User>,
}

async fn fixture(t: &TestDb) -> Fixture {
    let db = &t.db;
    let users = db
        .primary()
        .users()
        .insert_many(&[named("ada"), named("bob"), named("cy")])
        .await
        .expect("users");
    let (ada, bob) = (&users[0], &users[1]);
    let posts = db
        .content()
        .posts()
        .insert_many(&[
            NewPost {
                user_id: ada.id,
                title: "zebra".into(),
                ..Default::default()
            },
            NewPost {
                user_id: ada.id,
                title: "apple".into(),
                ..Default::default()
            },
            NewPost {
                user_id: bob.id,
                title: "mango".into(),
                ..Default::default()
            },
        ])
        .await
        .expect("posts");
    let comment = |post: &Post, author: Option<&User>, body: &str| NewComment {
        post_id: post.id,
        author_id: author.map(|a| a.id),
        body: body.into(),
        ..Default::default()
    };
    db.discussion()
        .comments()
        .insert_many(&[
            comment(&posts[1], Some(ada), "first"),
            comment(&posts[1], Some(bob), "second"),
            comment(&posts[1], Some(ada), "third"),
            comment(&posts[0], Some(ada), "own"),
            comment(&posts[2], None, "anonymous"),
        ])
        .await
        .expect("comments");
    db.primary()
        .profiles()
        .insert(NewProfile {
            user_id: ada.id,
            motto: "first!".into(),
            ..Default::default()
        })
        .await
        .expect("profile");
    let rex = db
        .animals()
        .dogs()
        .insert(NewDog {
            name: "Rex".into(),
            owner_id: Some(ada.id),
            ..Default::default()
        })
        .await
        .expect("rex");
    db.animals()
        .shard(AnimalsShard::ShardOne)
        .dogs()
        .insert(NewDog {
            name: "Fido".into(),
            owner_id: Some(ada.id),
            ..Default::default()
        })
        .await
        .expect("fido");
    db.animals()
        .dogs()
        .insert(NewDog {
            name: "Stray".into(),
            ..Default::default()
        })
        .await
        .expect("stray");
    let humans = db
        .primary()
        .humans()
        .insert_many(&[
            NewHuman {
                dog_id: rex.id,
                name: "Ann".into(),
                ..Default::default()
            },
            NewHuman {
                dog_id: rex.id,
                name: "Bo".into(),
                ..Default::default()
            },
        ])
        .await
        .expect("humans");
    db.content()
        .treats()
        .insert_many(&[
            NewTreat {
                human_id: humans[0].id,
                flavor: "liver".into(),
                ..Default::default()
            },
            NewTreat {
                human_id: humans[1].id,
                flavor: "bacon".into(),
                ..Default::default()
            },
            NewTreat {
                human_id: humans[0].id,
                flavor: "cheese".into(),
                ..Default::default()
            },
        ])
        .await
        .expect("treats");
    let home = db
        .primary()
        .homes()
        .insert(NewHome {
            dog_id: rex.id,
            address: "1 Kennel Rd".into(),
            ..Default::default()
        })
        .await
        .expect("home");
    db.discussion()
        .yards()
        .insert(NewYard {
            home_id: home.id,
            fenced: Some(true),
            ..Default::default()
        })
        .await
        .expect("yard");
    Fixture { users }
}

fn named(name: &str) -> NewUser {
    NewUser {
        username: name.into(),
        email: format!("{name}@example.com"),
        ..Default::default()
    }
}

backend_test! {
    async fn edge_cases_empty_sets_null_keys_duplicates_not_loaded(t) {
        fixture(t).await;
        let db = &t.db;
        // An empty parent set issues no child statement at all.
        t.db.engine().reset_statement_counts();
        let none = db.primary().users().query()
            .filter(User::USERNAME.eq("nobody"))
            .include(|u| u.posts_with(|p| p.comments()).dogs())
            .all().await.expect("empty");
        assert!(none.is_empty());
        let counts = t.counts();
        assert_eq!(counts.total(), 1, "only the users query: {counts:?}");

        // Duplicate keys: every comment of post "apple" shares a post and two share an author;
        // each key is fetched once and every row gets its parent.
        t.db.engine().reset_statement_counts();
        let comments = db.discussion().comments().query()
            .include(|c| c.post().author())
            .all().await.expect("comments");
        assert_eq!(t.counts().cluster("content"), 1);
        assert_eq!(t.counts().cluster("primary"), 1);
        let on_apple: Vec<_> = comments.iter().filter(|c| c.post().expect("post").title == "apple").collect();
        assert_eq!(on_apple.len(), 3);

        // A relation that was not requested is an error, never an empty list.
        let bare = db.primary().users().query().include(|u| u.profile()).all().await.expect("users");
        let err = bare[0].posts().expect_err("posts were not requested");
        assert!(matches!(err, Error::NotLoaded { model: "User", relation: "posts" }), "{err}");
        assert!(err.to_string().contains("not loaded"), "{err}");

        // A non-null belongs_to whose parent is gone: a clear error, lazily and eagerly.
        let orphan = db.discussion().comments()
            .insert(NewComment { post_id: 987_654, author_id: None, body: "lost".into(), ..Default::default() })
            .await.expect("comment");
        let err = orphan.post(db).await.expect_err("missing parent");
        assert!(matches!(err, Error::MissingRelated { relation: "Comment.post", target: "Post", cluster: "content", .. }), "{err}");
        assert_eq!(err.to_string(), "Comment.post: no Post with key 987654 in cluster `content`");
        let loaded = db.discussion().comments().query()
            .filter(Comment::ID.eq(orphan.id))
            .include(|c| c.post())
            .first().await.expect("query").expect("the orphan");
        assert!(matches!(loaded.post(), Err(Error::MissingRelated { .. })));

        // A reading query loads its relations from replicas too.
        t.db.engine().reset_statement_counts();
        db.reading().primary().users().query().include(|u| u.posts()).all().await.expect("reading");
        let counts = t.counts();
        assert_eq!(counts.get("content", "default", Role::Writer), 0, "{counts:?}");
        assert_eq!(counts.get("content", "default", Role::Replica(0)), 1, "{counts:?}");

        // Into a sharded cluster: every shard, one statement each.
        t.db.engine().reset_statement_counts();
        db.primary().users().query().include(|u| u.dogs()).all().await.expect("dogs");
        let counts = t.counts();
        assert_eq!(counts.shard("animals", "default"), 1, "{counts:?}");
        assert_eq!(counts.shard("animals", "shard_one"), 1, "{counts:?}");
    }
}

backend_test! {
    async fn a_hundred_thousand_keys_in_one_eager_load(t) {
        let rows: Vec<NewUser> = (0..100_000).map(new_user).collect();
        let users = t.db.primary().users().insert_many(&rows).await.expect("users");
        let with_posts = [&users[0], &users[50_000], &users[99_999]];
        for u in with_posts {
            t.db.content().posts()
                .insert(NewPost { user_id: u.id, title: "hello".into(), ..Default::default() })
                .await.expect("post");
        }
        t.db.engine().reset_statement_counts();
        let loaded = t.db.primary().users().query().include(|u| u.posts()).all().await.expect("load");
        report(t, "100,000 users -> posts");
        assert_eq!(loaded.len(), 100_000);
        let expected = match t.backend {
            Backend::Postgres => 1, // one array
            Backend::Sqlite => 4,   // chunks of 32,766
            Backend::MySql => 2,    // chunks of 65,535
        };
        assert_eq!(t.counts().cluster("content"), expected);
        let with: Vec<i64> = loaded.iter().filter(|u| !u.posts().expect("posts").is_empty()).map(|u| u.id).collect();
        assert_eq!(with, with_posts.map(|u| u.id));
    }
}

backend_test! {
    async fn where_has_and_where_has_not_across_databases(t) {
        fixture(t).await;
        let db = &t.db;
        let names = |users: Vec<User>| users.into_iter().map(|u| u.username).collect::<BTreeSet<_>>();
        let set = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<BTreeSet<_>>();

        let has_posts = db.primary().users().query().where_has(User::POSTS, None).all().await.expect("has");
        assert_eq!(names(has_posts), set(&["ada", "bob"]));
        let no_posts = db.primary().users().query().where_has_not(User::POSTS, None).all().await.expect("has not");
        assert_eq!(names(no_posts), set(&["cy"]));
        let mango = db.primary().users().query()
            .where_has(User::POSTS, Post::TITLE.eq("mango"))
            .all().await.expect("filtered");
        assert_eq!(names(mango), set(&["bob"]));
        // Through three databases, backwards: users who commented on a post titled "apple".
        let on_apple = db.primary().users().query()
            .where_has(User::COMMENTED_POSTS, Post::TITLE.eq("apple"))
            .all().await.expect("through");
        assert_eq!(names(on_apple), set(&["ada", "bob"]));
        // Into a sharded cluster.
        let fido = db.primary().users().query()
            .where_has(User::DOGS, Dog::NAME.eq("Fido"))
            .count().await.expect("count");
        assert_eq!(fido, 1);
        // belongs_to: posts whose user is bob; comments whose author is not ada (a null
        // author has no author, so it is kept).
        let bobs = db.content().posts().query()
            .where_has(Post::USER, User::USERNAME.eq("bob"))
            .all().await.expect("belongs_to");
        assert_eq!(bobs.len(), 1);
        let not_ada = db.discussion().comments().query()
            .where_has_not(Comment::AUTHOR, User::USERNAME.eq("ada"))
            .all().await.expect("belongs_to not");
        let bodies: BTreeSet<String> = not_ada.into_iter().map(|c| c.body).collect();
        assert_eq!(bodies, set(&["anonymous", "second"]));
        // Combined with a local filter, and nothing matching on the other side.
        let none = db.primary().users().query()
            .filter(User::USERNAME.ne("cy"))
            .where_has(User::POSTS, Post::TITLE.eq("no such title"))
            .exists().await.expect("exists");
        assert!(!none);
    }
}

backend_test! {
    async fn create_related_validate_and_orphans(t) {
        let db = &t.db;
        let users = db.primary().users().insert_many(&[named("ada"), named("bob"), named("cy")]).await.expect("users");
        let (ada, bob, cy) = (&users[0], &users[1], &users[2]);
        // Create across databases: the foreign key is set from the owner.
        let post = ada.create_post(db, NewPost { title: "hello".into(), ..Default::default() }).await.expect("create");
        assert_eq!(post.user_id, ada.id);
        assert_eq!(db.content().posts().find(post.id).await.expect("find"), Some(post.clone()));
        assert_eq!(&post.user(db).await.expect("back"), ada);
        let profile = bob.create_profile(db, NewProfile { motto: "hi".into(), ..Default::default() }).await.expect("profile");
        assert_eq!(profile.user_id, bob.id);

        // validate = true: no post for a user that does not exist, and nothing written.
        let before = db.content().posts().count().await.expect("count");
        let err = db.content().posts()
            .insert(NewPost { user_id: 424_242, title: "ghost".into(), ..Default::default() })
            .await.expect_err("no such user");
        assert!(matches!(err, Error::MissingRelated { relation: "Post.user", target: "User", cluster: "primary", .. }), "{err}");
        assert_eq!(err.to_string(), "Post.user: no User with key 424242 in cluster `primary`");
        let err = db.content().posts().insert_many(&[
            NewPost { user_id: bob.id, title: "fine".into(), ..Default::default() },
            NewPost { user_id: 777, title: "ghost".into(), ..Default::default() },
        ]).await.expect_err("one bad row");
        assert!(matches!(err, Error::MissingRelated { .. }), "{err}");
        assert_eq!(db.content().posts().count().await.expect("count"), before, "nothing inserted");
        let err = db.content().posts().update(&Post { user_id: 778, ..post.clone() }).await.expect_err("update");
        assert!(matches!(err, Error::MissingRelated { .. }), "{err}");
        let err = db.content().posts()
            .update_partial(post.id, &PostPatch { user_id: Some(779), ..Default::default() })
            .await.expect_err("patch");
        assert!(matches!(err, Error::MissingRelated { .. }), "{err}");
        db.content().posts()
            .update_partial(post.id, &PostPatch { user_id: Some(bob.id), ..Default::default() })
            .await.expect("valid patch");

        // Orphans: posts whose user was deleted from the other database, found in batches.
        let mut planted = BTreeSet::new();
        for (user, n) in [(bob, 3), (cy, 2)] {
            for i in 0..n {
                let p = user.create_post(db, NewPost { title: format!("p{i}"), ..Default::default() }).await.expect("post");
                planted.insert(p.id);
            }
        }
        planted.insert(post.id); // moved to bob above
        ada.create_post(db, NewPost { title: "kept".into(), ..Default::default() }).await.expect("kept");
        db.primary().users().delete(bob.id).await.expect("delete bob");
        db.primary().users().delete(cy.id).await.expect("delete cy");
        t.db.engine().reset_statement_counts();
        let orphans = Post::USER.orphans(db, 2).await.expect("orphans");
        let found: BTreeSet<i64> = orphans.iter().map(|p| p.id).collect();
        assert_eq!(found, planted);
        println!("orphans on {:?}: {} found of {} posts, batch size 2, {} statements", t.backend, found.len(), planted.len() + 1, t.counts().total());
        // Null keys are not orphans.
        db.discussion().comments().insert(NewComment { post_id: 1, author_id: None, body: "anon".into(), ..Default::default() }).await.expect("anon");
        assert!(Comment::AUTHOR.orphans(db, 10).await.expect("none").is_empty());
    }
}
