//! Shard keys and scatter-gather on the hash-sharded `animals` cluster: rows go to the shard
//! their key maps to, with exactly one statement there; filters that pin the key reach only its
//! shards; everything else reaches every shard and merges as one database would answer.

use switchyard::{Error, Role, Shards, uuid};
use switchyard_tests::backend_test;
use switchyard_tests::db::{
    AnimalsShard, Database, Dog, Entry, Kennel, LedgerShard, NewDog, NewEntry, NewKennel, NewUser,
    NewVisit, User, Visit, VisitPatch,
};

const SHARDS: [AnimalsShard; 2] = AnimalsShard::ALL;

fn index(shard: AnimalsShard) -> usize {
    SHARDS.iter().position(|s| *s == shard).unwrap_or(0)
}

/// The first user id at or after `from` whose visits live on `shard`.
fn user_on(shard: AnimalsShard, from: i64) -> i64 {
    (from..)
        .find(|&id| AnimalsShard::for_key(id).ok() == Some(shard))
        .unwrap_or(from)
}

fn visit(user_id: i64, seq: i64) -> NewVisit {
    NewVisit {
        id: None,
        user_id,
        place: format!("place {seq}"),
        seq,
        note: (seq % 3 == 0).then(|| format!("note {}", seq % 7)),
    }
}

/// Statements on each shard's writer and replicas since the last reset.
fn per_shard(db: &Database) -> [u64; 2] {
    let counts = db.engine().statement_counts();
    SHARDS.map(|s| counts.shard("animals", s.name()))
}

backend_test! {
    async fn key_routing_runs_one_statement_on_the_keys_shard(t) {
        let db = &t.db;
        for shard in SHARDS {
            let other = 1 - index(shard);
            let user = user_on(shard, 1);
            db.engine().reset_statement_counts();
            let stored = db.animals().visits().insert(visit(user, 1)).await.expect("insert");
            let mut expected = [0; 2];
            expected[index(shard)] = 1;
            assert_eq!(per_shard(db), expected, "insert of user {user}");

            // A filter pinning the key, with eq and with in.
            db.engine().reset_statement_counts();
            let pinned = db.animals().visits().filter(Visit::USER_ID.eq(user)).all().await.expect("pinned");
            assert_eq!(pinned, vec![stored.clone()]);
            let in_list = db.animals().visits().filter(Visit::USER_ID.is_in([user, user])).count().await.expect("in");
            assert_eq!(in_list, 1);
            assert_eq!(per_shard(db), expected.map(|n| n * 2), "pinned filters");

            // An update of the row (it carries its key) goes to its shard only.
            db.engine().reset_statement_counts();
            let mut changed = stored.clone();
            changed.place = "elsewhere".into();
            db.animals().visits().update(&changed).await.expect("update");
            assert_eq!(per_shard(db), expected, "update");
            assert_eq!(per_shard(db)[other], 0);

            // A model whose primary key is its shard key: find, update, delete by key.
            let code = (0..).map(|i| format!("k{i}"))
                .find(|c| AnimalsShard::for_key(c.as_str()).ok() == Some(shard))
                .expect("a code on every shard");
            db.engine().reset_statement_counts();
            let kennel = db.animals().kennels().insert(NewKennel { code: code.clone(), name: "K".into() }).await.expect("kennel");
            assert_eq!(db.animals().kennels().find(&code).await.expect("find"), Some(kennel.clone()));
            db.animals().kennels().update(&Kennel { name: "K2".into(), ..kennel }).await.expect("update");
            assert!(db.animals().kennels().delete(&code).await.expect("delete"));
            assert_eq!(per_shard(db), expected.map(|n| n * 4), "kennel by key");

            // By a uuid primary key that is not the shard key: a key the runtime made records
            // its row's shard (a version 8 uuid), so the lookup goes there alone.
            db.engine().reset_statement_counts();
            let found = db.animals().visits().find(stored.id).await.expect("find");
            assert_eq!(found.map(|v| v.place), Some("elsewhere".to_owned()));
            assert_eq!(stored.id.get_version_num(), 8);
            assert!(db.animals().visits().delete(stored.id).await.expect("delete"));
            assert_eq!(per_shard(db), expected.map(|n| n * 2), "find and delete by a made key");

            // A key the app chose says nothing: every shard (keys are unique across shards, so
            // exactly one has the row).
            let chosen = NewVisit { id: Some(uuid::Uuid::new_v4()), ..visit(user, 2) };
            let stored = db.animals().visits().insert(chosen).await.expect("insert");
            db.engine().reset_statement_counts();
            assert!(db.animals().visits().find(stored.id).await.expect("find").is_some());
            assert_eq!(per_shard(db), [1, 1], "find by a key that does not record its shard");
            // A key made for another shard cannot be given to a row of this one.
            let made = db.animals().visits().insert(visit(user_on(SHARDS[other], 10_000), 3)).await.expect("other");
            let err = db.animals().visits().insert(NewVisit { id: Some(made.id), ..visit(user, 4) }).await.expect_err("foreign key");
            assert!(matches!(err, Error::WrongShard { .. }), "{err}");
        }
    }
}

backend_test! {
    async fn insert_many_sends_one_batch_per_shard(t) {
        let db = &t.db;
        let rows: Vec<NewVisit> = (0..1_000).map(|i| visit(i, i)).collect();
        db.engine().reset_statement_counts();
        let stored = db.animals().visits().insert_many(&rows).await.expect("insert_many");
        let counts = db.engine().statement_counts();
        for shard in SHARDS {
            assert_eq!(counts.get("animals", shard.name(), Role::Writer), 1, "{counts:?}");
        }
        // In input order, each on its key's shard and nowhere else.
        assert_eq!(stored.iter().map(|v| v.seq).collect::<Vec<_>>(), (0..1_000).collect::<Vec<_>>());
        for shard in SHARDS {
            let here = db.animals().shard(shard).visits().all().await.expect("all");
            assert!(!here.is_empty());
            for v in &here {
                assert_eq!(AnimalsShard::for_key(v.user_id).expect("key"), shard, "{v:?}");
            }
        }
        assert_eq!(db.animals().visits().count().await.expect("count"), 1_000);
    }
}

backend_test! {
    async fn writes_that_would_misplace_a_row_are_refused(t) {
        let db = &t.db;
        let on_default = user_on(AnimalsShard::Default, 1);
        let on_one = user_on(AnimalsShard::ShardOne, 1);
        let stored = db.animals().visits().insert(visit(on_default, 1)).await.expect("insert");
        db.engine().reset_statement_counts();

        // Changing the shard key would move the row: refused, and the row is unchanged.
        for user_id in [on_one, user_on(AnimalsShard::Default, on_default + 1)] {
            let moved = Visit { user_id, ..stored.clone() };
            let err = db.animals().visits().update(&moved).await.expect_err("shard key changed");
            assert!(matches!(err, Error::ShardKeyChanged { model: "Visit", field: "user_id", .. }), "{err}");
        }
        assert_eq!(db.animals().visits().find(stored.id).await.expect("find"), Some(stored.clone()));
        let missing = Visit { id: uuid::Uuid::new_v4(), ..stored.clone() };
        let err = db.animals().visits().update(&missing).await.expect_err("missing");
        assert!(matches!(err, Error::NotFoundOnAnyShard { cluster: "animals", model: "Visit", .. }), "{err}");
        // A patch cannot name the shard key (`VisitPatch` has no `user_id`); it finds the row
        // on whichever shard holds it.
        let patch = VisitPatch { place: Some("patched".into()), ..Default::default() };
        db.animals().visits().update_partial(stored.id, &patch).await.expect("patch");
        let err = db.animals().visits().update_partial(missing.id, &patch).await.expect_err("patch missing");
        assert!(matches!(err, Error::NotFoundOnAnyShard { .. }), "{err}");

        // An explicit handle or a transaction on another shard refuses the row, before any
        // statement.
        db.engine().reset_statement_counts();
        let err = db.animals().shard(AnimalsShard::ShardOne).visits().insert(visit(on_default, 2)).await.expect_err("wrong shard");
        assert!(matches!(err, Error::WrongShard { belongs: "default", shard: "shard_one", .. }), "{err}");
        let mut tx = db.animals().begin().await.expect("begin");
        let err = tx.visits().insert(visit(on_one, 3)).await.expect_err("wrong shard in tx");
        assert!(matches!(err, Error::WrongShard { belongs: "shard_one", shard: "default", .. }), "{err}");
        tx.visits().insert(visit(on_default, 4)).await.expect("right shard in tx");
        tx.commit().await.expect("commit");
        // A scope locked to shard_one refuses a key of the default shard.
        let err = Shards::new().with(AnimalsShard::ShardOne).run(async {
            db.animals().visits().insert(visit(on_default, 5)).await
        }).await.expect("scope").expect_err("locked");
        assert!(matches!(err, Error::ShardLocked { locked: "shard_one", requested: "default", .. }), "{err}");
        let counts = t.counts();
        assert_eq!(counts.get("animals", "shard_one", Role::Writer), 0, "{counts:?}");
        assert_eq!(counts.get("animals", "default", Role::Writer), 1, "only the insert in tx: {counts:?}");

        // A delete_where that pins nothing would write to every shard: only through
        // all_shards(), which reports the total.
        let err = db.animals().visits().delete_where(Visit::SEQ.gt(0)).await.expect_err("unpinned");
        assert!(matches!(err, Error::AllShardsRequired { model: "Visit", .. }), "{err}");
        db.animals().visits().insert(visit(on_one, 6)).await.expect("insert");
        let deleted = db.animals().all_shards().visits().delete_where(Visit::SEQ.gt(0)).await.expect("delete");
        assert_eq!(deleted, 3);
        assert_eq!(db.animals().visits().count().await.expect("count"), 0);

        // Range and list maps refuse keys they do not hold; hash maps every key.
        assert!(AnimalsShard::for_key(i64::MIN).is_ok());
    }
}

/// `rows` split by shard, each shard's rows as its own database orders them.
async fn by_hand(db: &Database) -> Vec<Vec<Visit>> {
    let mut shards = Vec::new();
    for shard in SHARDS {
        let rows = db
            .animals()
            .shard(shard)
            .visits()
            .query()
            .order_by(Visit::SEQ.desc())
            .all()
            .await
            .expect("shard");
        shards.push(rows);
    }
    shards
}

backend_test! {
    async fn scatter_gather_equals_the_shards_merged_by_hand(t) {
        let db = &t.db;
        let rows: Vec<NewVisit> = (0..60).map(|i| visit(i * 7 + 1, (i * 37) % 60)).collect();
        db.animals().visits().insert_many(&rows).await.expect("insert");
        let shards = by_hand(db).await;
        assert!(shards.iter().all(|s| !s.is_empty()), "both shards hold rows");
        let mut merged: Vec<Visit> = shards.concat();
        merged.sort_by_key(|v| std::cmp::Reverse(v.seq));

        db.engine().reset_statement_counts();
        let page = db.animals().visits().query().order_by(Visit::SEQ.desc()).offset(5).limit(7).all().await.expect("page");
        assert_eq!(page, merged[5..12].to_vec());
        assert_eq!(per_shard(db), [1, 1], "one statement per shard");

        let all = db.reading().animals().visits().query().order_by(Visit::SEQ.desc()).all().await.expect("all");
        assert_eq!(all, merged);
        let first = db.animals().visits().query().order_by(Visit::SEQ.desc()).first().await.expect("first");
        assert_eq!(first.as_ref(), merged.first());
        let count = db.animals().visits().filter(Visit::SEQ.lt(30)).count().await.expect("count");
        assert_eq!(count, 30);
        assert!(db.animals().visits().filter(Visit::SEQ.eq(59)).exists().await.expect("exists"));
        assert!(!db.animals().visits().filter(Visit::SEQ.eq(60)).exists().await.expect("exists"));
        assert!(db.animals().visits().query().offset(59).exists().await.expect("offset 59"));
        assert!(!db.animals().visits().query().offset(60).exists().await.expect("offset 60"));
        // Past the end, and a limit larger than everything.
        let empty = db.animals().visits().query().order_by(Visit::SEQ.asc()).offset(100).all().await.expect("past");
        assert!(empty.is_empty());

        // A nullable column: NULL first (SQLite, MariaDB) or last (PostgreSQL), as each
        // database orders it, and each shard's own order kept.
        let notes = db.animals().visits().query().order_by(Visit::NOTE.asc()).order_by(Visit::SEQ.asc()).all().await.expect("notes");
        assert_eq!(notes.len(), 60);
        let nulls: Vec<bool> = notes.iter().map(|v| v.note.is_none()).collect();
        let first_non_null = nulls.iter().position(|n| !n).expect("some notes");
        let nulls_first = nulls[..first_non_null].iter().all(|n| *n) && nulls[first_non_null..].iter().all(|n| !n);
        let nulls_last = {
            let first_null = nulls.iter().position(|n| *n).expect("some nulls");
            nulls[..first_null].iter().all(|n| !n) && nulls[first_null..].iter().all(|n| *n)
        };
        match t.backend {
            switchyard_tests::harness::Backend::Postgres => assert!(nulls_last, "{nulls:?}"),
            _ => assert!(nulls_first, "{nulls:?}"),
        }
        for shard in SHARDS {
            let own = db.animals().shard(shard).visits().query().order_by(Visit::NOTE.asc()).order_by(Visit::SEQ.asc()).all().await.expect("own");
            let kept: Vec<&Visit> = notes.iter().filter(|v| AnimalsShard::for_key(v.user_id).ok() == Some(shard)).collect();
            assert_eq!(kept, own.iter().collect::<Vec<_>>());
        }

        // A model without a shard key, through all_shards(): the same merge.
        for (i, shard) in SHARDS.into_iter().enumerate() {
            for name in ["b", "d", "a"] {
                db.animals().shard(shard).dogs().insert(NewDog { name: format!("{name}{i}"), ..Default::default() }).await.expect("dog");
            }
        }
        let dogs: Vec<String> = db.animals().all_shards().dogs().query().order_by(Dog::NAME.asc()).limit(4).all().await.expect("dogs")
            .into_iter().map(|d| d.name).collect();
        assert_eq!(dogs, ["a0", "a1", "b0", "b1"]);
        assert_eq!(db.animals().all_shards().dogs().count().await.expect("count"), 6);
        assert_eq!(db.animals().dogs().count().await.expect("default shard only"), 3);
    }
}

backend_test! {
    async fn relations_into_a_keyed_model_reach_only_the_parents_shards(t) {
        let db = &t.db;
        let mut users: Vec<User> = Vec::new();
        for i in 0..4 {
            users.push(db.primary().users().insert(NewUser {
                username: format!("u{i}"), email: "u@example.com".into(), ..Default::default()
            }).await.expect("user"));
        }
        for (i, user) in users.iter().enumerate() {
            for seq in 0..3 {
                user.create_visit(db, visit(0, i as i64 * 10 + seq)).await.expect("create_visit");
            }
        }
        // Users whose ids all map to one shard: their visits are loaded from it alone.
        let shard = AnimalsShard::for_key(users[0].id).expect("key");
        let ids: Vec<i64> = users.iter().map(|u| u.id).filter(|&id| AnimalsShard::for_key(id).ok() == Some(shard)).collect();
        db.engine().reset_statement_counts();
        let loaded = db.primary().users().filter(User::ID.is_in(ids.clone())).include(|u| u.visits()).all().await.expect("include");
        let mut expected = [0; 2];
        expected[index(shard)] = 1;
        assert_eq!(per_shard(db), expected);
        for user in &loaded {
            let visits = user.visits().expect("loaded");
            assert_eq!(visits.len(), 3);
            assert!(visits.iter().all(|v| v.user_id == user.id));
        }
        // And back: visits include their user, from every shard.
        let visits = db.animals().visits().query().include(|v| v.user()).all().await.expect("visits");
        assert_eq!(visits.len(), 12);
        assert!(visits.iter().all(|v| v.user().expect("user").id == v.user_id));

        // A child without a shard key goes to its keyed parent's shard.
        for code in ["k1", "k2", "k3", "k4"] {
            let kennel = db.animals().kennels().insert(NewKennel { code: code.into(), name: code.into() }).await.expect("kennel");
            let dog = kennel.create_dog(db, NewDog { name: format!("dog of {code}"), ..Default::default() }).await.expect("dog");
            let home = AnimalsShard::for_key(code).expect("key");
            let there = db.animals().shard(home).dogs().find(dog.id).await.expect("find");
            assert_eq!(there.map(|d| d.kennel_code), Some(Some(code.to_owned())));
        }
    }
}

backend_test! {
    async fn a_failing_shard_fails_the_query_and_names_it(t) {
        let db = &t.db;
        db.animals().visits().insert_many(&(0..20).map(|i| visit(i, i)).collect::<Vec<_>>()).await.expect("insert");
        db.animals().shard(AnimalsShard::ShardOne).handle().execute_raw("DROP TABLE visits").await.expect("drop");
        let err = db.animals().visits().query().order_by(Visit::SEQ.asc()).all().await.expect_err("shard_one fails");
        let target = err.target().expect("names a database");
        assert_eq!((target.cluster, target.shard), ("animals", "shard_one"), "{err}");
        let err = db.animals().visits().count().await.expect_err("count fails too");
        assert_eq!(err.target().map(|t| t.shard), Some("shard_one"), "{err}");
        // The shard that is fine still answers on its own, and all_partial returns its rows
        // beside the other shard's error.
        let fine = db.animals().shard(AnimalsShard::Default).visits().query().order_by(Visit::SEQ.asc()).all().await.expect("default");
        assert!(!fine.is_empty());
        let partial = db.animals().visits().query().order_by(Visit::SEQ.asc()).all_partial().await.expect("partial");
        assert!(!partial.is_complete());
        assert_eq!(partial.rows, fine);
        assert_eq!(partial.failed.len(), 1);
        assert_eq!(partial.failed[0].0, "shard_one");
        assert_eq!(partial.failed[0].1.target().map(|t| t.shard), Some("shard_one"));
    }
}

backend_test! {
    async fn writes_across_all_shards_report_each_shard(t) {
        let db = &t.db;
        let rows: Vec<NewVisit> = (0..40).map(|i| visit(i, i)).collect();
        let stored = db.animals().visits().insert_many(&rows).await.expect("insert");
        let on = |shard: AnimalsShard, pred: &dyn Fn(&Visit) -> bool| {
            stored.iter().filter(|v| AnimalsShard::for_key(v.user_id).ok() == Some(shard) && pred(v)).count() as u64
        };
        let patch = VisitPatch { note: Some(Some("seen".into())), ..Default::default() };

        // Unpinned writes on a keyed model need all_shards(); nothing runs otherwise.
        db.engine().reset_statement_counts();
        let err = db.animals().visits().filter(Visit::SEQ.lt(10)).update_all(&patch).await.expect_err("unpinned");
        assert!(matches!(err, Error::AllShardsRequired { cluster: "animals", model: "Visit" }), "{err}");
        let err = db.animals().visits().query().limit(3).delete_all().await.expect_err("limit");
        assert!(matches!(err, Error::Config(_)), "{err}");
        assert_eq!(per_shard(db), [0, 0]);

        let updated = db.animals().all_shards().visits().filter(Visit::SEQ.lt(10)).update_all(&patch).await.expect("update_all");
        let expected: Vec<(&str, u64)> = SHARDS.iter().map(|&s| (s.name(), on(s, &|v| v.seq < 10))).collect();
        assert_eq!(updated.per_shard(), expected.as_slice());
        assert_eq!(updated.total(), 10);
        let seen = db.animals().visits().filter(Visit::NOTE.eq("seen")).count().await.expect("count");
        assert_eq!(seen, 10);

        // A filter pinning the key writes on its shard alone, without all_shards().
        let user = stored[0].user_id;
        let home = AnimalsShard::for_key(user).expect("key");
        let deleted = db.animals().visits().filter(Visit::USER_ID.eq(user)).delete_all().await.expect("pinned delete");
        assert_eq!(deleted.per_shard(), &[(home.name(), 1)]);

        let deleted = db.animals().all_shards().visits().filter(Visit::SEQ.ge(20)).delete_all().await.expect("delete_all");
        let expected: Vec<(&str, u64)> = SHARDS.iter().map(|&s| (s.name(), on(s, &|v| v.seq >= 20))).collect();
        assert_eq!(deleted.per_shard(), expected.as_slice());
        assert_eq!(db.animals().visits().count().await.expect("count"), 19);

        // A model without a shard key writes where its handle points, or everywhere through
        // all_shards().
        for shard in SHARDS {
            db.animals().shard(shard).dogs().insert(NewDog { name: "x".into(), ..Default::default() }).await.expect("dog");
        }
        let here = db.animals().dogs().query().delete_all().await.expect("default shard");
        assert_eq!(here.per_shard(), &[("default", 1)]);
        let everywhere = db.animals().all_shards().dogs().query().delete_all().await.expect("all shards");
        assert_eq!(everywhere.per_shard(), &[("default", 0), ("shard_one", 1)]);
    }
}

backend_test! {
    async fn range_shards_hold_their_ranges_and_refuse_other_keys(t) {
        let db = &t.db;
        let entry = |account: i32| NewEntry { id: None, account, amount: 10 };
        db.engine().reset_statement_counts();
        for account in [0, 999] {
            db.ledger().entries().insert(entry(account)).await.expect("low");
        }
        for account in [1_000, 999_999] {
            db.ledger().entries().insert(entry(account)).await.expect("high");
        }
        let counts = t.counts();
        assert_eq!(counts.get("ledger", "low", Role::Writer), 2, "{counts:?}");
        assert_eq!(counts.get("ledger", "high", Role::Writer), 2, "{counts:?}");

        // Outside every range: a typed error, and nothing written anywhere (not the default
        // shard).
        db.engine().reset_statement_counts();
        for account in [-1, 1_000_000] {
            let err = db.ledger().entries().insert(entry(account)).await.expect_err("outside");
            assert!(matches!(&err, Error::NoShardForKey { cluster: "ledger", key } if **key == *account.to_string()), "{err}");
            assert!(matches!(LedgerShard::for_key(account), Err(Error::NoShardForKey { .. })));
        }
        let rows: Vec<NewEntry> = [5, -3].into_iter().map(entry).collect();
        assert!(db.ledger().entries().insert_many(&rows).await.is_err(), "one row outside: none inserted");
        assert_eq!(t.counts().cluster("ledger"), 0);

        // A pinned filter outside every range matches nothing, without a statement.
        let none = db.ledger().entries().filter(Entry::ACCOUNT.eq(-1)).all().await.expect("outside");
        assert!(none.is_empty());
        assert_eq!(t.counts().cluster("ledger"), 0);
        let pinned = db.ledger().entries().filter(Entry::ACCOUNT.is_in([0, 999])).count().await.expect("low");
        assert_eq!(pinned, 2);
        assert_eq!(t.counts().get("ledger", "high", Role::Writer), 0);
        assert_eq!(db.ledger().entries().count().await.expect("count"), 4);
        assert_eq!(LedgerShard::for_key(999).ok(), Some(LedgerShard::Low));
        assert_eq!(LedgerShard::for_key(1_000).ok(), Some(LedgerShard::High));
    }
}
