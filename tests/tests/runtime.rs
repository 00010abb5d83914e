//! The runtime suite: every generated operation, on SQLite always and on PostgreSQL and
//! MySQL/MariaDB when their URLs are set (see `switchyard_tests::harness`).

use switchyard::chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use switchyard::uuid::Uuid;
use switchyard::{Error, Role};
use switchyard_tests::backend_test;
use switchyard_tests::db::{
    AnimalsShard, NewDog, NewSample, NewTag, NewUser, Sample, Tag, User, UserPatch,
};
use switchyard_tests::harness::Backend;

fn user(name: &str, karma: i32) -> NewUser {
    NewUser {
        username: name.to_owned(),
        email: format!("{name}@example.com"),
        karma: Some(karma),
        ..Default::default()
    }
}

backend_test! {
    async fn insert_returns_generated_keys_and_defaults(t) {
        let users = || t.db.primary().users();
        let before = switchyard::__private::now();
        let a = users().insert(user("ada", 1)).await.expect("insert ada");
        let b = users()
            .insert(NewUser { karma: None, ..user("bob", 0) })
            .await
            .expect("insert bob");
        assert!(a.id > 0, "generated key {}", a.id);
        assert!(b.id > a.id, "keys increase: {} then {}", a.id, b.id);
        assert_eq!(b.karma, 0, "declared default applied");
        assert!(a.created_at >= before, "default now: {} >= {}", a.created_at, before);
        assert_eq!(users().find(a.id).await.expect("find"), Some(a.clone()));
        assert_eq!(users().find_by_username("ada").await.expect("find_by"), Some(a));
        assert_eq!(users().find(i64::MAX).await.expect("find missing"), None);

        // An explicit key is kept.
        let c = users().insert(NewUser { id: Some(1_000_000), ..user("cy", 0) }).await.expect("insert cy");
        assert_eq!(c.id, 1_000_000);

        // Uuid keys are generated client-side when left empty; string keys are required.
        let dog = t.db.animals().dogs().insert(NewDog { name: "Rex".into(), ..Default::default() }).await.expect("dog");
        assert!(!dog.id.is_nil());
        assert_eq!(dog.age, 1);
        let tag = t.db.primary().tags().insert(NewTag { name: "blue".into(), color: None }).await.expect("tag");
        assert_eq!(t.db.primary().tags().find("blue").await.expect("find tag"), Some(tag));
    }
}

backend_test! {
    async fn filters_order_limit_offset_count_exists(t) {
        let users = || t.db.primary().users();
        for (name, karma) in [("ann", 5), ("ben", 10), ("cat", 15), ("dan", 20), ("eve", 25)] {
            users().insert(user(name, karma)).await.expect("insert");
        }
        users()
            .update_partial(
                users().find_by_username("cat").await.expect("cat").expect("cat exists").id,
                &UserPatch { bio: Some(Some("has a bio".into())), ..Default::default() },
            )
            .await
            .expect("patch bio");
        let names = |rows: Vec<User>| rows.into_iter().map(|u| u.username).collect::<Vec<_>>();
        let ordered = |filter| async move {
            names(users().filter(filter).order_by(User::USERNAME.asc()).all().await.expect("query"))
        };
        assert_eq!(ordered(User::KARMA.eq(10)).await, ["ben"]);
        assert_eq!(ordered(User::KARMA.ne(10)).await, ["ann", "cat", "dan", "eve"]);
        assert_eq!(ordered(User::KARMA.lt(15)).await, ["ann", "ben"]);
        assert_eq!(ordered(User::KARMA.le(15)).await, ["ann", "ben", "cat"]);
        assert_eq!(ordered(User::KARMA.gt(20)).await, ["eve"]);
        assert_eq!(ordered(User::KARMA.ge(20)).await, ["dan", "eve"]);
        assert_eq!(ordered(User::KARMA.is_in([5, 25, 99])).await, ["ann", "eve"]);
        assert_eq!(ordered(User::KARMA.is_in(Vec::<i32>::new())).await, Vec::<String>::new());
        assert_eq!(ordered(User::KARMA.not_in([5, 25])).await, ["ben", "cat", "dan"]);
        assert_eq!(ordered(User::USERNAME.like("%a%")).await, ["ann", "cat", "dan"]);
        assert_eq!(ordered(User::BIO.is_not_null()).await, ["cat"]);
        assert_eq!(ordered(User::BIO.is_null()).await.len(), 4);
        assert_eq!(ordered(User::KARMA.lt(10).or(User::KARMA.gt(20))).await, ["ann", "eve"]);
        assert_eq!(ordered(User::KARMA.gt(5).and(User::KARMA.lt(25))).await, ["ben", "cat", "dan"]);
        assert_eq!(ordered(!User::KARMA.le(15)).await, ["dan", "eve"]);
        assert_eq!(ordered(User::KARMA.ge(10) & !User::USERNAME.eq("dan")).await, ["ben", "cat", "eve"]);

        let page = users().query().order_by(User::KARMA.desc()).limit(2).offset(1).all().await.expect("page");
        assert_eq!(names(page), ["dan", "cat"]);
        let tail = users().query().order_by(User::KARMA.asc()).offset(3).all().await.expect("offset only");
        assert_eq!(names(tail), ["dan", "eve"]);
        assert_eq!(users().count().await.expect("count"), 5);
        assert_eq!(users().filter(User::KARMA.gt(10)).count().await.expect("count where"), 3);
        assert!(users().filter(User::USERNAME.eq("eve")).exists().await.expect("exists"));
        assert!(!users().filter(User::USERNAME.eq("zed")).exists().await.expect("not exists"));
        let first = users().first().await.expect("first").expect("a first row");
        assert_eq!(first.username, "ann");
        assert!(users().exists(first.id).await.expect("exists by key"));
        assert_eq!(
            users().query().order_by(User::KARMA.desc()).first().await.expect("first desc").map(|u| u.username),
            Some("eve".to_owned())
        );
    }
}

backend_test! {
    async fn update_patch_delete(t) {
        let users = || t.db.primary().users();
        let mut ann = users().insert(user("ann", 1)).await.expect("insert");
        ann.email = "new@example.com".into();
        ann.bio = Some("it's \"quoted\"".into());
        users().update(&ann).await.expect("update");
        assert_eq!(users().find(ann.id).await.expect("find"), Some(ann.clone()));

        users()
            .update_partial(ann.id, &UserPatch { karma: Some(42), bio: Some(None), ..Default::default() })
            .await
            .expect("patch");
        let patched = users().find(ann.id).await.expect("find").expect("exists");
        assert_eq!((patched.karma, patched.bio.as_deref(), patched.email.as_str()), (42, None, "new@example.com"));
        users().update_partial(ann.id, &UserPatch::default()).await.expect("empty patch is a no-op");

        let missing = users().update_partial(-5, &UserPatch { karma: Some(1), ..Default::default() }).await;
        assert!(matches!(missing, Err(Error::NotFound { model: "User", .. })), "{missing:?}");
        let ghost = User { id: -7, ..patched.clone() };
        assert!(matches!(users().update(&ghost).await, Err(Error::NotFound { .. })));

        for name in ["b1", "b2", "c1"] {
            users().insert(user(name, 7)).await.expect("insert");
        }
        assert_eq!(users().delete_where(User::USERNAME.like("b%")).await.expect("delete where"), 2);
        assert!(users().delete(ann.id).await.expect("delete"));
        assert!(!users().delete(ann.id).await.expect("delete again"));
        assert_eq!(names_of(users().all().await.expect("all")), ["c1"]);
    }
}

fn names_of(rows: Vec<User>) -> Vec<String> {
    rows.into_iter().map(|u| u.username).collect()
}

backend_test! {
    async fn insert_many_in_batches_all_or_nothing(t) {
        let users = || t.db.primary().users();
        let rows: Vec<NewUser> = (0..2_500).map(|i| user(&format!("u{i:05}"), i)).collect();
        t.db.engine().reset_statement_counts();
        let stored = users().insert_many(&rows).await.expect("insert_many");
        assert_eq!(stored.len(), 2_500);
        assert!(stored.iter().zip(&rows).all(|(s, r)| s.username == r.username), "input order kept");
        assert!(stored.windows(2).all(|w| w[0].id < w[1].id), "keys ascending");
        // 2,500 rows of 6 columns: 3 batches of at most 1,000 rows.
        assert_eq!(t.counts().get("primary", "default", Role::Writer), 3);
        assert_eq!(users().count().await.expect("count"), 2_500);

        // A duplicate in the last batch rolls back every batch.
        let mut dupes: Vec<NewUser> = (0..1_500).map(|i| user(&format!("d{i}"), 0)).collect();
        dupes.push(user("u00000", 0));
        let err = users().insert_many(&dupes).await.expect_err("duplicate username");
        assert!(err.is_unique_violation(), "{err}");
        assert_eq!(users().count().await.expect("count"), 2_500, "nothing of the failed batch stays");
        assert!(users().insert_many(&[]).await.expect("empty").is_empty());
    }
}

backend_test! {
    async fn unique_violation_is_typed_and_names_the_database(t) {
        let users = || t.db.primary().users();
        users().insert(user("ada", 0)).await.expect("first");
        let err = users().insert(user("ada", 0)).await.expect_err("second ada");
        match &err {
            Error::UniqueViolation { target, .. } => {
                assert_eq!((target.cluster, target.shard, target.role), ("primary", "default", Role::Writer));
            }
            other => panic!("expected a unique violation, got {other:?}"),
        }
        let text = err.to_string();
        assert!(text.contains("cluster `primary`") && text.contains("writer"), "{text}");
    }
}

fn extremes() -> Vec<NewSample> {
    let at = Utc
        .with_ymd_and_hms(2024, 2, 29, 23, 59, 58)
        .single()
        .expect("valid")
        + chrono_micros(123_456);
    let full = NewSample {
        id: None,
        flag: true,
        small: i16::MIN,
        medium: i32::MAX,
        large: i64::MIN,
        single: 1.5e-3,
        double: -1.234_567_890_123e300,
        short: "ünïcødé ✓ 日本語 🎉".into(),
        long: "it's a \"quote\" \\ back\nslash; DROP TABLE samples; --".repeat(50),
        blob: vec![0, 1, 2, 254, 255, 0],
        uid: Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef),
        day: NaiveDate::from_ymd_opt(1970, 1, 1).expect("date"),
        clock: NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).expect("time"),
        at,
        doc: serde_json::json!({"a": [1, 2.5, "x"], "b": {"c": null, "ü": true}}),
        flag_n: Some(false),
        small_n: Some(i16::MAX),
        medium_n: Some(i32::MIN),
        large_n: Some(i64::MAX),
        single_n: Some(-2.5e-7),
        double_n: Some(f64::MAX),
        short_n: Some(String::new()),
        long_n: Some("'".into()),
        blob_n: Some(Vec::new()),
        uid_n: Some(Uuid::max()),
        day_n: Some(NaiveDate::from_ymd_opt(2999, 12, 31).expect("date")),
        clock_n: Some(NaiveTime::from_hms_opt(0, 0, 0).expect("time")),
        at_n: Some(DateTime::<Utc>::from_timestamp(0, 0).expect("epoch")),
        doc_n: Some(serde_json::json!([])),
        r#type: Some("kind with 'quotes'".into()),
    };
    let nulls = NewSample {
        id: None,
        flag: false,
        small: i16::MAX,
        medium: i32::MIN,
        large: i64::MAX,
        single: f32::MAX,
        double: f64::MIN_POSITIVE,
        short: String::new(),
        long: String::new(),
        blob: Vec::new(),
        uid: Uuid::nil(),
        day: NaiveDate::from_ymd_opt(2000, 2, 29).expect("date"),
        clock: NaiveTime::from_hms_micro_opt(0, 0, 0, 1).expect("time"),
        at: DateTime::<Utc>::from_timestamp(-1, 0).expect("before epoch"),
        doc: serde_json::json!("just a string"),
        flag_n: None,
        small_n: None,
        medium_n: None,
        large_n: None,
        single_n: None,
        double_n: None,
        short_n: None,
        long_n: None,
        blob_n: None,
        uid_n: None,
        day_n: None,
        clock_n: None,
        at_n: None,
        doc_n: None,
        r#type: None,
    };
    vec![full, nulls]
}

fn chrono_micros(n: i64) -> TimeDelta {
    TimeDelta::microseconds(n)
}

fn expected(new: &NewSample, id: i32) -> Sample {
    Sample {
        id,
        flag: new.flag,
        small: new.small,
        medium: new.medium,
        large: new.large,
        single: new.single,
        double: new.double,
        short: new.short.clone(),
        long: new.long.clone(),
        blob: new.blob.clone(),
        uid: new.uid,
        day: new.day,
        clock: new.clock,
        at: new.at,
        doc: new.doc.clone(),
        flag_n: new.flag_n,
        small_n: new.small_n,
        medium_n: new.medium_n,
        large_n: new.large_n,
        single_n: new.single_n,
        double_n: new.double_n,
        short_n: new.short_n.clone(),
        long_n: new.long_n.clone(),
        blob_n: new.blob_n.clone(),
        uid_n: new.uid_n,
        day_n: new.day_n,
        clock_n: new.clock_n,
        at_n: new.at_n,
        doc_n: new.doc_n.clone(),
        r#type: new.r#type.clone().unwrap_or_else(|| "plain".into()),
    }
}

backend_test! {
    async fn every_field_type_round_trips_exactly(t) {
        let samples = || t.db.primary().samples();
        for new in extremes() {
            let stored = samples().insert(new.clone()).await.expect("insert sample");
            let want = expected(&new, stored.id);
            assert_eq!(stored, want, "RETURNING row");
            let read = samples().find(stored.id).await.expect("find").expect("exists");
            assert_eq!(read, want, "read back");
            let by_uid = samples().filter(Sample::UID.eq(new.uid)).all().await.expect("by uuid");
            assert_eq!(by_uid, std::slice::from_ref(&want));
            let by_time = samples().filter(Sample::AT.eq(new.at)).count().await.expect("by datetime");
            assert_eq!(by_time, 1);
            // Whole-row update writes every type back unchanged.
            samples().update(&read).await.expect("update");
            assert_eq!(samples().find(stored.id).await.expect("find").expect("exists"), want);
        }
        let many = samples().insert_many(&extremes()).await.expect("insert_many samples");
        for (row, new) in many.iter().zip(extremes()) {
            assert_eq!(row, &expected(&new, row.id));
        }
    }
}

backend_test! {
    async fn clusters_and_shards_are_isolated(t) {
        let animals = t.db.animals();
        let rex = animals.dogs().insert(NewDog { name: "Rex".into(), ..Default::default() }).await.expect("rex");
        let one = animals.shard(AnimalsShard::ShardOne);
        let fido = one.dogs().insert(NewDog { name: "Fido".into(), ..Default::default() }).await.expect("fido");
        assert_eq!(animals.dogs().find(fido.id).await.expect("find"), None, "fido is not on the default shard");
        assert_eq!(one.dogs().find(rex.id).await.expect("find"), None, "rex is not on shard_one");
        assert_eq!(one.dogs().all().await.expect("all").len(), 1);
        assert_eq!(animals.shard(AnimalsShard::DEFAULT).dogs().count().await.expect("count"), 1);
        t.db.primary().users().insert(user("ada", 0)).await.expect("user");
        let counts = t.counts();
        assert_eq!(counts.get("animals", "default", Role::Writer), 3, "{counts:?}");
        assert_eq!(counts.get("animals", "shard_one", Role::Writer), 3, "{counts:?}");
        assert_eq!(counts.cluster("primary"), 1, "{counts:?}");
        // The same table name in another cluster is another table: animals has no users.
        let err = animals.handle().execute_raw("SELECT COUNT(*) FROM users").await;
        assert!(err.is_err(), "users must not exist in cluster animals");
    }
}

backend_test! {
    async fn reading_routes_to_replicas_which_refuse_writes(t) {
        let writer = t.db.primary();
        let ada = writer.users().insert(user("ada", 3)).await.expect("insert");
        t.db.engine().reset_statement_counts();
        let reader = writer.reading();
        assert_eq!(reader.users().find(ada.id).await.expect("read"), Some(ada.clone()));
        assert_eq!(reader.users().count().await.expect("count"), 1);
        let counts = t.counts();
        assert_eq!(counts.get("primary", "default", Role::Replica(0)), 2, "{counts:?}");
        assert_eq!(counts.get("primary", "default", Role::Writer), 0, "{counts:?}");

        // A shard without replicas reads from its writer.
        let one = t.db.animals().shard(AnimalsShard::ShardOne).reading();
        one.dogs().count().await.expect("count on shard_one");
        assert_eq!(t.counts().get("animals", "shard_one", Role::Writer), 1);

        // Raw SQL that writes is refused before it leaves the process ...
        let err = reader
            .handle()
            .execute_raw("UPDATE users SET karma = 99")
            .await
            .expect_err("a write through a replica must fail");
        assert!(matches!(err, Error::WriteRefused { .. }), "{err}");
        // ... and the replica session is read-only at the database too, whatever the SQL
        // (the statement below bypasses the classifier through the generated code's door).
        let mut conn = switchyard::__private::Conn::Handle(reader.handle().clone());
        let args = conn.args();
        let err = conn
            .execute("UPDATE users SET karma = 99".to_owned(), args)
            .await
            .expect_err("the database refuses it");
        let target = err.target().expect("names its database");
        assert_eq!(target.role, Role::Replica(0), "{err}");
        assert_eq!(writer.users().find(ada.id).await.expect("find").map(|u| u.karma), Some(3));
    }
}

backend_test! {
    async fn transactions_commit_and_roll_back(t) {
        let primary = t.db.primary();
        let mut tx = primary.begin().await.expect("begin");
        tx.users().insert(user("kept", 0)).await.expect("insert in tx");
        assert_eq!(tx.users().count().await.expect("count in tx"), 1);
        tx.commit().await.expect("commit");

        let mut tx = primary.begin().await.expect("begin");
        tx.users().insert(user("dropped", 0)).await.expect("insert in tx");
        tx.rollback().await.expect("rollback");
        {
            let mut tx = primary.begin().await.expect("begin");
            tx.users().insert(user("dropped too", 0)).await.expect("insert in tx");
            // Dropped without commit: rolled back.
        }
        assert_eq!(names_of(primary.users().all().await.expect("all")), ["kept"]);
        let counts = t.counts();
        assert_eq!(counts.cluster("animals"), 0, "a primary transaction touches no other cluster");
    }
}

backend_test! {
    async fn tables_are_created_idempotently_and_dropped(t) {
        t.db.create_tables().await.expect("create again is a no-op");
        t.db.primary().users().insert(user("ada", 0)).await.expect("insert");
        t.db.create_tables().await.expect("create with data");
        assert_eq!(t.db.primary().users().count().await.expect("count"), 1, "data survives");
        t.db.drop_tables().await.expect("drop");
        assert!(t.db.primary().users().count().await.is_err(), "table is gone");
        t.db.create_tables().await.expect("create after drop");
        assert_eq!(t.db.primary().users().count().await.expect("count"), 0);
    }
}

#[tokio::test]
async fn tags_string_keys_are_quoted_values_never_inlined() {
    // Runs on SQLite regardless of configured servers: an injection attempt is only data.
    let Some(t) = switchyard_tests::harness::TestDb::new(Backend::Sqlite, "injection").await else {
        return;
    };
    let evil = "x'); DROP TABLE tags; --";
    let tags = || t.db.primary().tags();
    tags()
        .insert(NewTag {
            name: evil.into(),
            color: Some("\"".into()),
        })
        .await
        .expect("insert");
    assert_eq!(
        tags().find(evil).await.expect("find").map(|t: Tag| t.name),
        Some(evil.to_owned())
    );
    assert_eq!(tags().count().await.expect("table still there"), 1);
    t.finish().await;
}
