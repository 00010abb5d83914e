//! Every public future of the generated code and the runtime is `Send`: each operation of each
//! handle kind runs inside `tokio::spawn` (which does not compile otherwise), on SQLite.
//!
//! The point is the compile check; the run only proves the spawned work is real. Results are
//! checked loosely (the operations themselves are tested in `runtime.rs` and `relations.rs`).

use std::future::Future;

use switchyard::{Consistency, Selector};
use switchyard_tests::db::{
    AnimalsShard, Database, Dog, DogPatch, NewDog, NewPost, NewUser, NewVisit, Post, PrimaryRole,
    User, UserPatch, Visit,
};
use switchyard_tests::harness::{Backend, TestDb};

/// Spawn `work` on the runtime and wait for it: `tokio::spawn` requires `Send + 'static`.
async fn spawned<T: Send + 'static>(work: impl Future<Output = T> + Send + 'static) -> T {
    tokio::spawn(work).await.expect("spawned task panicked")
}

fn new_user(name: &str) -> NewUser {
    NewUser {
        username: name.to_owned(),
        email: format!("{name}@example.com"),
        ..Default::default()
    }
}

/// Every read of the users repository, on a handle of access `$handle`'s kind.
macro_rules! spawn_reads {
    ($handle:expr, $id:expr) => {{
        let h = $handle;
        let id = $id;
        let r = h.clone();
        spawned(async move { r.users().find(id).await })
            .await
            .expect("find");
        let r = h.clone();
        spawned(async move { r.users().find_by_username("ada").await })
            .await
            .expect("find_by");
        let r = h.clone();
        spawned(async move { r.users().all().await })
            .await
            .expect("all");
        let r = h.clone();
        spawned(async move { r.users().first().await })
            .await
            .expect("first");
        let r = h.clone();
        spawned(async move { r.users().count().await })
            .await
            .expect("count");
        let r = h.clone();
        spawned(async move { r.users().exists(id).await })
            .await
            .expect("exists");
        let r = h.clone();
        spawned(async move {
            r.users()
                .filter(User::USERNAME.like("a%"))
                .order_by(User::ID.desc())
                .limit(5)
                .offset(0)
                .all()
                .await
        })
        .await
        .expect("filter");
        let r = h.clone();
        spawned(async move {
            r.users()
                .query()
                .where_has(User::POSTS, Post::TITLE.eq("t"))
                .where_has_not(User::DOGS, None)
                .count()
                .await
        })
        .await
        .expect("where_has");
    }};
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_of_every_handle_runs_in_tokio_spawn() {
    let t = spawned(TestDb::new(Backend::Sqlite, "send"))
        .await
        .expect("SQLite always runs");
    let db: Database = t.db.clone();

    // Connecting and DDL.
    let config = t.config.clone();
    let other = spawned(async move { Database::connect(config).await })
        .await
        .expect("connect");
    spawned(async move { other.engine().close().await }).await;
    let d = db.clone();
    spawned(async move { d.create_tables().await })
        .await
        .expect("create_tables");
    let d = db.clone();
    spawned(async move { d.primary().create_tables().await })
        .await
        .expect("cluster create_tables");

    // Writes through the writing handles.
    let p = db.primary();
    let ada = spawned(async move { p.users().insert(new_user("ada")).await })
        .await
        .expect("insert");
    let p = db.writing().primary();
    spawned(async move {
        p.users()
            .insert_many(&[new_user("bob"), new_user("cy")])
            .await
    })
    .await
    .expect("insert_many");
    let (p, row) = (db.primary(), ada.clone());
    spawned(async move { p.users().update(&row).await })
        .await
        .expect("update");
    let (p, id) = (db.primary(), ada.id);
    spawned(async move {
        p.users()
            .update_partial(
                id,
                &UserPatch {
                    bio: Some(Some("hi".into())),
                    ..Default::default()
                },
            )
            .await
    })
    .await
    .expect("update_partial");
    let p = db.primary();
    spawned(async move { p.users().delete_where(User::USERNAME.eq("cy")).await })
        .await
        .expect("delete_where");
    let p = db.primary();
    spawned(async move { p.users().delete(i64::MAX).await })
        .await
        .expect("delete");
    let a = db.animals().shard(AnimalsShard::ShardOne);
    spawned(async move {
        a.dogs()
            .insert(NewDog {
                name: "Rex".into(),
                ..Default::default()
            })
            .await
    })
    .await
    .expect("insert on a shard");

    // Reads through every kind of handle.
    spawn_reads!(db.primary(), ada.id);
    spawn_reads!(db.writing().primary(), ada.id);
    spawn_reads!(db.reading().primary(), ada.id);
    spawn_reads!(db.primary().reading(), ada.id);
    spawn_reads!(db.primary().prevent_writes(), ada.id);
    spawn_reads!(db.primary().role(PrimaryRole::Reporting), ada.id);
    let a = db.animals().shard(AnimalsShard::ShardOne).reading();
    spawned(async move { a.dogs().count().await })
        .await
        .expect("shard read");

    // Shard keys and scatter-gather: routed writes, merged reads, writes on every shard.
    let a = db.animals();
    let visit = spawned(async move {
        a.visits()
            .insert_many(&[NewVisit {
                id: None,
                user_id: 7,
                place: "park".into(),
                seq: 1,
                note: None,
            }])
            .await
    })
    .await
    .expect("routed insert_many");
    let (a, row) = (db.animals(), visit[0].clone());
    spawned(async move { a.visits().update(&row).await })
        .await
        .expect("routed update");
    let a = db.animals().reading();
    spawned(async move {
        a.visits()
            .query()
            .order_by(Visit::SEQ.desc())
            .limit(3)
            .all_partial()
            .await
    })
    .await
    .expect("scatter-gather");
    let a = db.animals().all_shards();
    spawned(async move {
        a.dogs()
            .filter(Dog::NAME.eq("nobody"))
            .update_all(&DogPatch::default())
            .await?;
        a.visits().query().delete_all().await
    })
    .await
    .expect("writes on every shard");

    // Relations: lazy, create-related, eager, orphans.
    let (d, u) = (db.clone(), ada.clone());
    spawned(async move {
        u.create_post(
            &d,
            NewPost {
                title: "t".into(),
                ..Default::default()
            },
        )
        .await
    })
    .await
    .expect("create_post");
    let (d, u) = (db.clone(), ada.clone());
    spawned(async move { u.posts(&d).await })
        .await
        .expect("lazy");
    let (d, u) = (db.reading(), ada.clone());
    spawned(async move { u.profile(&d).await })
        .await
        .expect("lazy on reading");
    let p = db.primary();
    let loaded = spawned(async move {
        p.users()
            .query()
            .include(|u| u.posts_with(|p| p.comments()).dogs().profile())
            .all()
            .await
    })
    .await
    .expect("include");
    assert!(!loaded.is_empty());
    let d = db.clone();
    spawned(async move { Post::USER.orphans(&d, 10).await })
        .await
        .expect("orphans");

    // Transactions.
    let p = db.primary();
    spawned(async move {
        let mut tx = p.begin().await?;
        tx.users().insert(new_user("dee")).await?;
        tx.users().count().await?;
        tx.commit().await
    })
    .await
    .expect("transaction commit");
    let p = db.primary();
    spawned(async move {
        let tx = p.begin().await?;
        tx.rollback().await
    })
    .await
    .expect("transaction rollback");

    // Raw SQL and automatic selection.
    let p = db.primary();
    spawned(async move { p.handle().execute_raw("SELECT 1").await })
        .await
        .expect("execute_raw");
    let (d, id) = (db.clone(), ada.id);
    let (found, _) = spawned(async move {
        Selector::new(Consistency::default())
            .run(
                false,
                None,
                async move { d.primary().users().find(id).await },
            )
            .await
    })
    .await;
    found.expect("selector");

    // Shard scopes, and spawning in one.
    let d = db.clone();
    let scope = switchyard::Shards::new().with(AnimalsShard::ShardOne);
    spawned(scope.run(async move {
        let d2 = d.clone();
        switchyard::spawn_in_scope(async move { d2.animals().dogs().count().await })
            .await
            .expect("spawned in scope")?;
        d.animals().dogs().count().await
    }))
    .await
    .expect("shard scope")
    .expect("count in scope");

    let d = db.clone();
    spawned(async move { d.drop_tables().await })
        .await
        .expect("drop_tables");
    t.finish().await;
}
