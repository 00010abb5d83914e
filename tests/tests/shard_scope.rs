//! Shard scopes (`switchyard::Shards`): the default handles of a cluster a scope names go to
//! its shard; a locked scope refuses other shards before any statement runs; nesting, the role
//! selector and spawned work.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use switchyard::{Consistency, Error, Role, Selector, Shards, spawn_in_scope};
use switchyard_tests::backend_test;
use switchyard_tests::db::{AnimalsShard, Database, Dog, NewDog, NewUser};

fn dog(name: &str) -> NewDog {
    NewDog {
        name: name.to_owned(),
        ..Default::default()
    }
}

fn names(dogs: &[Dog]) -> Vec<String> {
    let mut names: Vec<String> = dogs.iter().map(|d| d.name.clone()).collect();
    names.sort();
    names
}

fn one() -> Shards {
    Shards::new().with(AnimalsShard::ShardOne)
}

/// Whether `e` is the lock's refusal of `requested` in a scope locked to `locked`.
fn refused(e: &Error, locked: &str, requested: &str) -> bool {
    matches!(e, Error::ShardLocked { cluster: "animals", locked: l, requested: r } if *l == locked && *r == requested)
}

backend_test! {
    async fn default_handle_follows_the_scope(t) {
        let db = &t.db;
        let user = db.primary().users().insert(NewUser {
            username: "ada".into(), email: "ada@example.com".into(), ..Default::default()
        }).await.expect("user");
        t.db.engine().reset_statement_counts();
        let owner = Some(user.id);
        one().run(async {
            db.animals().dogs().insert(NewDog { owner_id: owner, ..dog("Fido") }).await.expect("insert");
            // A transaction begun from the default handle.
            let mut tx = db.animals().begin().await.expect("begin");
            tx.dogs().insert(dog("Rex")).await.expect("insert in tx");
            tx.commit().await.expect("commit");
            assert_eq!(db.animals().dogs().count().await.expect("count"), 2);
            assert_eq!(db.animals().handle().shard_name(), "shard_one");
        }).await.expect("scope");
        let counts = t.counts();
        assert_eq!(counts.shard("animals", "default"), 0, "{counts:?}");
        // insert, BEGIN is not counted, insert, count
        assert!(counts.get("animals", "shard_one", Role::Writer) >= 3, "{counts:?}");

        // Outside the scope: the rows are on shard_one, not on the default shard.
        let on_one = db.animals().shard(AnimalsShard::ShardOne).dogs().all().await.expect("all");
        assert_eq!(names(&on_one), ["Fido", "Rex"]);
        assert_eq!(db.animals().dogs().count().await.expect("count"), 0);
        assert_eq!(db.animals().handle().shard_name(), "default");

        // Relations loading into the cluster go to the scope's shard only.
        t.db.engine().reset_statement_counts();
        let loaded = one().run(async {
            db.primary().users().query().include(|u| u.dogs()).all().await.expect("include")
        }).await.expect("scope");
        assert_eq!(loaded[0].dogs().expect("dogs").len(), 1);
        let counts = t.counts();
        assert_eq!(counts.shard("animals", "shard_one"), 1, "{counts:?}");
        assert_eq!(counts.shard("animals", "default"), 0, "{counts:?}");
    }
}

backend_test! {
    async fn clusters_not_named_are_unaffected(t) {
        let db = &t.db;
        one().run(async {
            db.primary().users().insert(NewUser {
                username: "bob".into(), email: "bob@example.com".into(), ..Default::default()
            }).await.expect("user");
            assert_eq!(db.primary().users().count().await.expect("count"), 1);
        }).await.expect("scope");
        let counts = t.counts();
        assert_eq!(counts.get("primary", "default", Role::Writer), 2, "{counts:?}");
        assert_eq!(counts.cluster("animals"), 0, "{counts:?}");
        // A scope naming nothing changes nothing.
        Shards::new().run(async {
            db.animals().dogs().insert(dog("Rex")).await.expect("insert");
        }).await.expect("empty scope");
        assert_eq!(t.counts().shard("animals", "default"), 1);
    }
}

backend_test! {
    async fn a_locked_scope_refuses_another_shard_before_anything_runs(t) {
        let db = &t.db;
        one().lock(true).run(async {
            let other = db.animals().shard(AnimalsShard::Default);
            let e = other.dogs().all().await.expect_err("refused");
            assert!(refused(&e, "shard_one", "default"), "{e}");
            assert_eq!(
                e.to_string(),
                "shard `default` of cluster `animals` refused: the shard scope is locked to shard `shard_one`"
            );
            let e = other.dogs().insert(dog("Rex")).await.expect_err("refused");
            assert!(refused(&e, "shard_one", "default"), "{e}");
            let e = other.begin().await.expect_err("refused");
            assert!(refused(&e, "shard_one", "default"), "{e}");
            let e = other.handle().execute_raw("DELETE FROM dogs").await.expect_err("refused");
            assert!(refused(&e, "shard_one", "default"), "{e}");
            let e = db.animals().create_tables().await.expect_err("every shard, refused");
            assert!(refused(&e, "shard_one", "default"), "{e}");
            let e = other.reading().dogs().all().await.expect_err("refused");
            assert!(refused(&e, "shard_one", "default"), "{e}");
        }).await.expect("scope");
        assert_eq!(t.counts().total(), 0, "nothing reached a database: {:?}", t.counts());

        // The same shard, explicitly, is allowed.
        one().run(async {
            let same = db.animals().shard(AnimalsShard::ShardOne);
            same.dogs().insert(dog("Fido")).await.expect("same shard");
        }).await.expect("scope");
        assert_eq!(t.counts().get("animals", "shard_one", Role::Writer), 1);
        assert_eq!(t.counts().shard("animals", "default"), 0);

        // A transaction begun outside the scope, on the default shard, cannot run inside a
        // scope locked to shard_one either; it still can outside.
        let mut tx = db.animals().begin().await.expect("begin");
        let tx = one().run(async move {
            let e = tx.dogs().insert(dog("Rex")).await.expect_err("refused");
            assert!(refused(&e, "shard_one", "default"), "{e}");
            tx
        }).await.expect("scope");
        let mut tx = tx;
        tx.dogs().insert(dog("Rex")).await.expect("outside the scope");
        tx.commit().await.expect("commit");
        assert_eq!(t.counts().get("animals", "default", Role::Writer), 1);
    }
}

backend_test! {
    async fn an_unlocked_scope_lets_explicit_handles_through(t) {
        let db = &t.db;
        one().lock(false).run(async {
            db.animals().shard(AnimalsShard::DEFAULT).dogs().insert(dog("Rex")).await.expect("explicit");
            db.animals().dogs().insert(dog("Fido")).await.expect("default handle");
        }).await.expect("scope");
        let counts = t.counts();
        assert_eq!(counts.get("animals", "default", Role::Writer), 1, "{counts:?}");
        assert_eq!(counts.get("animals", "shard_one", Role::Writer), 1, "{counts:?}");
        let default = db.animals().dogs().all().await.expect("all");
        assert_eq!(names(&default), ["Rex"]);
    }
}

backend_test! {
    async fn nested_scopes(t) {
        let db = &t.db;
        let default = || Shards::new().with(AnimalsShard::Default);
        // Unlocked outer: the inner scope replaces it, and the outer is back after.
        one().lock(false).run(async {
            default().run(async {
                db.animals().dogs().insert(dog("Rex")).await.expect("inner");
            }).await.expect("inner scope");
            db.animals().dogs().insert(dog("Fido")).await.expect("outer");
        }).await.expect("outer scope");
        let counts = t.counts();
        assert_eq!(counts.get("animals", "default", Role::Writer), 1, "{counts:?}");
        assert_eq!(counts.get("animals", "shard_one", Role::Writer), 1, "{counts:?}");

        // Locked outer: a nested scope on another shard is refused without running.
        t.db.engine().reset_statement_counts();
        let polled = Arc::new(AtomicBool::new(false));
        let result = one().run(async {
            let flag = polled.clone();
            default().lock(false).run(async move {
                flag.store(true, Ordering::SeqCst);
                db.animals().dogs().count().await
            }).await
        }).await.expect("outer scope");
        let e = result.expect_err("nested scope refused");
        assert!(refused(&e, "shard_one", "default"), "{e}");
        assert!(!polled.load(Ordering::SeqCst), "the refused scope's work never ran");
        assert_eq!(t.counts().total(), 0);

        // Locked outer: a nested scope on the same shard is allowed, and stays locked even
        // if the inner one is not.
        one().run(async {
            one().lock(false).run(async {
                assert_eq!(db.animals().dogs().count().await.expect("count"), 1);
                let e = db.animals().shard(AnimalsShard::Default).dogs().count().await.expect_err("still locked");
                assert!(refused(&e, "shard_one", "default"), "{e}");
            }).await.expect("same shard");
        }).await.expect("outer scope");
        let counts = t.counts();
        assert_eq!(counts.get("animals", "shard_one", Role::Writer), 1, "{counts:?}");
        assert_eq!(counts.shard("animals", "default"), 0, "{counts:?}");
    }
}

backend_test! {
    async fn concurrent_scopes_never_cross(t) {
        // Interleaved on the runtime's threads, half in each shard's scope.
        const TASKS: usize = 1_000;
        let db: Database = t.db.clone();
        let tasks: Vec<_> = (0..TASKS).map(|i| {
            let db = db.clone();
            let shard = if i % 2 == 0 { AnimalsShard::Default } else { AnimalsShard::ShardOne };
            tokio::spawn(Shards::new().with(shard).run(async move {
                let name = format!("{}-{i}", shard.name());
                db.animals().dogs().insert(dog(&name)).await.expect("insert");
                tokio::task::yield_now().await;
                let seen = db.animals().dogs().all().await.expect("all");
                assert!(seen.iter().any(|d| d.name == name), "own row seen");
                for d in &seen {
                    assert!(d.name.starts_with(shard.name()), "{} seen in {}'s scope", d.name, shard.name());
                }
            }))
        }).collect();
        for task in tasks {
            task.await.expect("task").expect("scope");
        }
        let counts = t.counts();
        assert_eq!(counts.get("animals", "default", Role::Writer), TASKS as u64, "{counts:?}");
        assert_eq!(counts.get("animals", "shard_one", Role::Writer), TASKS as u64, "{counts:?}");
        let one = db.animals().shard(AnimalsShard::ShardOne).dogs().all().await.expect("all");
        assert_eq!(one.len(), TASKS / 2);
        assert!(one.iter().all(|d| d.name.starts_with("shard_one-")));
    }
}

backend_test! {
    async fn composes_with_the_selector(t) {
        let db = &t.db;
        let selector = Selector::new(Consistency::default());
        // shard_one has no replica: its reads go to its writer.
        let (rows, _) = selector.run(false, None, one().run(async {
            db.reading().animals().dogs().all().await.expect("reading");
            db.animals().dogs().all().await.expect("auto")
        })).await;
        rows.expect("scope");
        let counts = t.counts();
        assert_eq!(counts.get("animals", "shard_one", Role::Writer), 2, "{counts:?}");
        assert_eq!(counts.shard("animals", "default"), 0, "{counts:?}");

        // The other order, on the default shard: its replica serves the reads.
        t.db.engine().reset_statement_counts();
        let default = Shards::new().with(AnimalsShard::Default);
        default.run(async {
            selector.run(false, None, async {
                db.reading().animals().dogs().all().await.expect("reading");
                db.animals().dogs().all().await.expect("auto");
            }).await
        }).await.expect("scope");
        let counts = t.counts();
        assert_eq!(counts.get("animals", "default", Role::Replica(0)), 2, "{counts:?}");
        assert_eq!(counts.get("animals", "default", Role::Writer), 0, "{counts:?}");
        assert_eq!(counts.shard("animals", "shard_one"), 0, "{counts:?}");

        // A write request in shard_one's scope: writes and reads on shard_one's writer.
        t.db.engine().reset_statement_counts();
        let (_, last) = selector.run(true, None, one().run(async {
            db.animals().dogs().insert(dog("Fido")).await.expect("insert");
            db.animals().dogs().all().await.expect("read");
        })).await;
        assert!(last.is_some(), "the write was recorded");
        let counts = t.counts();
        assert_eq!(counts.get("animals", "shard_one", Role::Writer), 2, "{counts:?}");
        assert_eq!(counts.shard("animals", "default"), 0, "{counts:?}");
    }
}

backend_test! {
    async fn spawned_work_carries_the_scope_with_the_helpers(t) {
        let db: Database = t.db.clone();
        one().run(async {
            let d = db.clone();
            spawn_in_scope(async move { d.animals().dogs().insert(dog("Fido")).await })
                .await.expect("task").expect("insert");
            let d = db.clone();
            tokio::spawn(Shards::current().run(async move { d.animals().dogs().insert(dog("Rex")).await }))
                .await.expect("task").expect("scope").expect("insert");
            // A locked scope stays locked in spawned work.
            let d = db.clone();
            let e = spawn_in_scope(async move {
                d.animals().shard(AnimalsShard::Default).dogs().count().await
            }).await.expect("task").expect_err("locked");
            assert!(refused(&e, "shard_one", "default"), "{e}");
            // Plain `tokio::spawn` does not carry task-locals: the default shard.
            let d = db.clone();
            tokio::spawn(async move { d.animals().dogs().insert(dog("Stray")).await })
                .await.expect("task").expect("insert");
        }).await.expect("scope");
        let on_one = db.animals().shard(AnimalsShard::ShardOne).dogs().all().await.expect("all");
        assert_eq!(names(&on_one), ["Fido", "Rex"]);
        assert_eq!(names(&db.animals().dogs().all().await.expect("all")), ["Stray"]);
        // Outside any scope, the helpers change nothing.
        let d = db.clone();
        spawn_in_scope(async move { d.animals().dogs().insert(dog("Max")).await })
            .await.expect("task").expect("insert");
        assert_eq!(db.animals().dogs().count().await.expect("count"), 2);
    }
}
