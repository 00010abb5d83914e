//! Richer queries: aggregates, group by, projection, raw SQL with bound values and typed rows,
//! and comparisons with bare literals; on one database and merged across shards, with the same
//! results on SQLite, PostgreSQL and MariaDB.

use switchyard::chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use switchyard::{Consistency, Error, Role, Selector};
use switchyard_tests::backend_test;
use switchyard_tests::db::{
    AnimalsShard, Comment, Database, Dog, Entry, NewComment, NewDog, NewEntry, NewPost, NewSample,
    NewUser, NewVisit, Post, PrimaryRole, Sample, User, Visit,
};
use switchyard_tests::harness::{Backend, TestDb};

const SHARDS: [AnimalsShard; 2] = AnimalsShard::ALL;

fn user(id: i64, name: &str, karma: i32) -> NewUser {
    NewUser {
        id: Some(id),
        username: name.to_owned(),
        email: format!("{name}@example.com"),
        karma: Some(karma),
        ..Default::default()
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + seconds, 250_000)
        .single()
        .expect("valid time")
}

/// Three samples with exactly representable numbers (so float sums are exact everywhere) and
/// some NULLs in the nullable columns.
fn sample_rows() -> Vec<NewSample> {
    let row =
        |small: i16, medium: i32, large: i64, single: f32, double: f64, short: &str| NewSample {
            small,
            medium,
            large,
            single,
            double,
            short: short.to_owned(),
            ..Default::default()
        };
    vec![
        NewSample {
            day: day(2024, 1, 2),
            clock: NaiveTime::from_hms_opt(12, 0, 0).expect("time"),
            at: at(10),
            small_n: Some(5),
            double_n: Some(0.5),
            short_n: Some("x".into()),
            ..row(1, 10, 100, 0.5, 1.25, "b")
        },
        NewSample {
            day: day(2023, 12, 31),
            clock: NaiveTime::from_hms_micro_opt(8, 30, 0, 1).expect("time"),
            at: at(-5),
            ..row(-3, 20, 200, 1.5, 2.5, "B")
        },
        NewSample {
            day: day(2024, 6, 1),
            clock: NaiveTime::from_hms_opt(23, 0, 0).expect("time"),
            at: at(99),
            small_n: Some(-1),
            double_n: Some(1.75),
            ..row(7, 30, 300, -0.25, -0.75, "a")
        },
    ]
}

backend_test! {
    async fn aggregates_are_typed_alike_on_every_backend(t) {
        let samples = || t.db.primary().samples();
        samples().insert_many(&sample_rows()).await.expect("insert samples");
        let q = || samples().query();

        // Integers sum as i64, floats as f64; min and max keep the column's type.
        assert_eq!(q().sum(Sample::SMALL).await.expect("sum i16"), Some(5i64));
        assert_eq!(q().sum(Sample::MEDIUM).await.expect("sum i32"), Some(60i64));
        assert_eq!(q().sum(Sample::LARGE).await.expect("sum i64"), Some(600i64));
        assert_eq!(q().sum(Sample::SINGLE).await.expect("sum f32"), Some(1.75f64));
        assert_eq!(q().sum(Sample::DOUBLE).await.expect("sum f64"), Some(3.0f64));
        assert_eq!(q().min(Sample::SMALL).await.expect("min i16"), Some(-3i16));
        assert_eq!(q().max(Sample::SMALL).await.expect("max i16"), Some(7i16));
        assert_eq!(q().min(Sample::MEDIUM).await.expect("min i32"), Some(10));
        assert_eq!(q().max(Sample::LARGE).await.expect("max i64"), Some(300i64));
        assert_eq!(q().min(Sample::SINGLE).await.expect("min f32"), Some(-0.25f32));
        assert_eq!(q().max(Sample::DOUBLE).await.expect("max f64"), Some(2.5));
        // An average is the exact sum over the count: 5 / 3 on every backend (MariaDB's own
        // AVG would round it to four decimals).
        assert_eq!(q().avg(Sample::SMALL).await.expect("avg i16"), Some(5.0 / 3.0));
        assert_eq!(q().avg(Sample::MEDIUM).await.expect("avg i32"), Some(20.0));
        assert_eq!(q().avg(Sample::DOUBLE).await.expect("avg f64"), Some(1.0));
        assert_eq!(q().avg(Sample::SINGLE).await.expect("avg f32"), Some(1.75 / 3.0));

        // Strings by their bytes ("B" < "a" < "b"), dates, times and datetimes.
        assert_eq!(q().min(Sample::SHORT).await.expect("min string").as_deref(), Some("B"));
        assert_eq!(q().max(Sample::SHORT).await.expect("max string").as_deref(), Some("b"));
        assert_eq!(q().min(Sample::DAY).await.expect("min date"), Some(day(2023, 12, 31)));
        assert_eq!(q().max(Sample::DAY).await.expect("max date"), Some(day(2024, 6, 1)));
        assert_eq!(
            q().min(Sample::CLOCK).await.expect("min time"),
            NaiveTime::from_hms_micro_opt(8, 30, 0, 1)
        );
        assert_eq!(q().min(Sample::AT).await.expect("min datetime"), Some(at(-5)));
        assert_eq!(q().max(Sample::AT).await.expect("max datetime"), Some(at(99)));

        // NULLs are skipped; a column of NULLs only has no aggregate.
        assert_eq!(q().sum(Sample::SMALL_N).await.expect("sum nullable"), Some(4));
        assert_eq!(q().avg(Sample::SMALL_N).await.expect("avg nullable"), Some(2.0));
        assert_eq!(q().min(Sample::SMALL_N).await.expect("min nullable"), Some(-1));
        assert_eq!(q().max(Sample::DOUBLE_N).await.expect("max nullable"), Some(1.75));
        assert_eq!(q().sum(Sample::DOUBLE_N).await.expect("sum nullable f64"), Some(2.25));
        assert_eq!(q().max(Sample::SHORT_N).await.expect("max nullable string").as_deref(), Some("x"));
        assert_eq!(q().sum(Sample::LARGE_N).await.expect("sum of nulls"), None);
        assert_eq!(q().avg(Sample::LARGE_N).await.expect("avg of nulls"), None);
        assert_eq!(q().min(Sample::DAY_N).await.expect("min of nulls"), None);
        assert_eq!(q().max(Sample::SINGLE_N).await.expect("max of nulls"), None);

        // The filter applies; an empty set has no aggregate.
        let big = || q().filter(Sample::MEDIUM.ge(20));
        assert_eq!(big().sum(Sample::LARGE).await.expect("sum where"), Some(500));
        assert_eq!(big().min(Sample::SHORT).await.expect("min where").as_deref(), Some("B"));
        let none = || q().filter(Sample::MEDIUM.gt(1_000));
        assert_eq!(none().sum(Sample::LARGE).await.expect("empty sum"), None);
        assert_eq!(none().sum(Sample::DOUBLE).await.expect("empty float sum"), None);
        assert_eq!(none().avg(Sample::SMALL).await.expect("empty avg"), None);
        assert_eq!(none().min(Sample::AT).await.expect("empty min"), None);
        assert_eq!(none().max(Sample::SHORT).await.expect("empty max"), None);

        // One statement each; a limit or an offset would not limit what is read: refused.
        t.db.engine().reset_statement_counts();
        q().sum(Sample::LARGE).await.expect("sum");
        assert_eq!(t.counts().total(), 1);
        for refused in [
            q().limit(1).sum(Sample::LARGE).await.map(drop),
            q().offset(1).max(Sample::LARGE).await.map(drop),
        ] {
            assert!(matches!(refused, Err(Error::Config(_))), "{refused:?}");
        }
        assert_eq!(t.counts().total(), 1, "refused before running");
    }
}

backend_test! {
    async fn integer_sums_past_i64_fail_everywhere(t) {
        let samples = || t.db.primary().samples();
        let rows = [i64::MAX, 1].map(|large| NewSample { large, ..Default::default() });
        samples().insert_many(&rows).await.expect("insert");
        let err = samples().query().sum(Sample::LARGE).await.expect_err("a sum past i64");
        assert!(matches!(err, Error::Query { .. }), "{err}");
        let err = samples().query().avg(Sample::LARGE).await.expect_err("an average of it");
        assert!(matches!(err, Error::Query { .. }), "{err}");
        // The extremes themselves are fine.
        assert_eq!(samples().query().max(Sample::LARGE).await.expect("max"), Some(i64::MAX));
        let one = samples().filter(Sample::LARGE.eq(i64::MAX)).sum(Sample::LARGE).await;
        assert_eq!(one.expect("one value"), Some(i64::MAX));
    }
}

/// Users 1, 2 and 5; posts by 1 (three), 2 (one) and 5 (two); comments by 1, 2 and nobody.
async fn posts_and_comments(db: &Database) {
    for (id, name) in [(1, "ann"), (2, "bob"), (5, "cat")] {
        db.primary()
            .users()
            .insert(user(id, name, 0))
            .await
            .expect("user");
    }
    let posts = [
        (10, 1, "b"),
        (11, 1, "B"),
        (12, 1, "a"),
        (13, 2, "b"),
        (14, 5, "c"),
        (15, 5, "a"),
    ]
    .map(|(id, user_id, title): (i64, i64, &str)| NewPost {
        id: Some(id),
        user_id,
        title: title.into(),
    });
    db.content()
        .posts()
        .insert_many(&posts)
        .await
        .expect("posts");
    let comments = [
        (10, Some(1)),
        (10, None),
        (11, Some(2)),
        (13, None),
        (14, Some(1)),
        (15, None),
    ]
    .map(|(post_id, author_id)| NewComment {
        id: None,
        post_id,
        author_id,
        body: "hi".into(),
    });
    db.discussion()
        .comments()
        .insert_many(&comments)
        .await
        .expect("comments");
}

backend_test! {
    async fn group_by_counts_and_aggregates_per_key(t) {
        posts_and_comments(&t.db).await;
        let posts = || t.db.content().posts().query();
        assert_eq!(
            posts().group_by(Post::USER_ID).count().await.expect("count per user"),
            [(1, 3), (2, 1), (5, 2)]
        );
        // Sorted by key, strings by their bytes, whatever the backend.
        assert_eq!(
            posts().group_by(Post::TITLE).count().await.expect("count per title"),
            [("B".to_owned(), 1), ("a".to_owned(), 2), ("b".to_owned(), 2), ("c".to_owned(), 1)]
        );
        assert_eq!(
            posts().filter(Post::USER_ID.ne(2)).group_by(Post::USER_ID).count().await.expect("filtered"),
            [(1, 3), (5, 2)]
        );
        assert_eq!(
            posts().group_by(Post::USER_ID).sum(Post::ID).await.expect("sum per user"),
            [(1, Some(33)), (2, Some(13)), (5, Some(29))]
        );
        assert_eq!(
            posts().group_by(Post::USER_ID).avg(Post::ID).await.expect("avg per user"),
            [(1, Some(11.0)), (2, Some(13.0)), (5, Some(14.5))]
        );
        assert_eq!(
            posts().group_by(Post::USER_ID).min(Post::TITLE).await.expect("min per user"),
            [(1, Some("B".to_owned())), (2, Some("b".to_owned())), (5, Some("a".to_owned()))]
        );
        assert_eq!(
            posts().group_by(Post::TITLE).max(Post::USER_ID).await.expect("max per title"),
            [("B".to_owned(), Some(1)), ("a".to_owned(), Some(5)), ("b".to_owned(), Some(2)), ("c".to_owned(), Some(5))]
        );
        // NULLs form one group, first.
        let comments = || t.db.discussion().comments().query();
        assert_eq!(
            comments().group_by(Comment::AUTHOR_ID.nullable()).count().await.expect("nullable key"),
            [(None, 3), (Some(1), 2), (Some(2), 1)]
        );
        assert_eq!(
            comments().group_by(Comment::POST_ID).max(Comment::AUTHOR_ID).await.expect("max of nullable"),
            [(10, Some(1)), (11, Some(2)), (13, None), (14, Some(1)), (15, None)]
        );
        // No row, no group; one statement; a limit is refused before running.
        assert!(posts().filter(Post::USER_ID.eq(99)).group_by(Post::USER_ID).count().await.expect("none").is_empty());
        t.db.engine().reset_statement_counts();
        posts().group_by(Post::USER_ID).count().await.expect("count");
        assert_eq!(t.counts().total(), 1);
        let refused = posts().limit(2).group_by(Post::USER_ID).count().await;
        assert!(matches!(refused, Err(Error::Config(_))), "{refused:?}");
        assert_eq!(t.counts().total(), 1);
    }
}

backend_test! {
    async fn projection_selects_columns_into_tuples(t) {
        let users = || t.db.primary().users();
        for (id, name, karma) in [(1, "ann", 5), (2, "ben", 10), (3, "cat", 15), (4, "dan", 20), (5, "eve", 25)] {
            users().insert(user(id, name, karma)).await.expect("insert");
        }
        users()
            .update_partial(3, &switchyard_tests::db::UserPatch { bio: Some(Some("a bio".into())), ..Default::default() })
            .await
            .expect("bio");
        let page = users()
            .query()
            .select((User::ID, User::USERNAME))
            .order_by(User::KARMA.desc())
            .limit(2)
            .offset(1)
            .all()
            .await
            .expect("page");
        assert_eq!(page, [(4, "dan".to_owned()), (3, "cat".to_owned())]);
        // Filter, order, limit and offset apply before or after select alike.
        let names: Vec<String> = users()
            .filter(User::KARMA.gt(5))
            .order_by(User::USERNAME.asc())
            .select(User::USERNAME)
            .offset(2)
            .all()
            .await
            .expect("one column");
        assert_eq!(names, ["dan", "eve"]);
        let karma: Vec<(i32,)> = users().query().select((User::KARMA,)).order_by(User::ID.asc()).limit(2).all().await.expect("1-tuple");
        assert_eq!(karma, [(5,), (10,)]);
        // Nullable columns are selected as Option.
        let bios = users()
            .query()
            .select((User::USERNAME, User::BIO.nullable()))
            .filter(User::ID.le(3))
            .order_by(User::ID.asc())
            .all()
            .await
            .expect("nullable");
        assert_eq!(bios, [("ann".into(), None), ("ben".into(), None), ("cat".into(), Some("a bio".into()))]);
        // Six columns.
        let wide = users()
            .filter(User::USERNAME.eq("eve"))
            .select((User::ID, User::USERNAME, User::EMAIL, User::BIO.nullable(), User::KARMA, User::CREATED_AT))
            .first()
            .await
            .expect("wide")
            .expect("eve");
        assert_eq!((wide.0, wide.1.as_str(), wide.2.as_str(), wide.3, wide.4), (5, "eve", "eve@example.com", None, 25));
        assert!(wide.5 <= switchyard::__private::now());
        assert_eq!(users().filter(User::ID.eq(99)).select(User::ID).first().await.expect("none"), None);
        // One statement, on the replica for a reading handle.
        t.db.engine().reset_statement_counts();
        let read = t.db.primary().reading().users().query().select(User::ID).all().await.expect("reading");
        assert_eq!(read.len(), 5);
        assert_eq!(t.counts().get("primary", "default", Role::Replica(0)), 1);
        assert_eq!(t.counts().total(), 1);
    }
}

backend_test! {
    async fn raw_sql_binds_values_and_decodes_typed_rows(t) {
        let primary = t.db.primary();
        for (id, name, karma) in [(1, "ada", 5), (2, "bob", 15), (3, "cy", 25)] {
            primary.users().insert(user(id, name, karma)).await.expect("insert");
        }
        let handle = primary.handle();
        let rows: Vec<(i64, String)> = handle
            .query_as("SELECT id, username FROM users WHERE karma > ? ORDER BY id")
            .bind(10)
            .all()
            .await
            .expect("all");
        assert_eq!(rows, [(2, "bob".to_owned()), (3, "cy".to_owned())]);
        let (karma,): (i32,) = handle
            .query_as("SELECT karma FROM users WHERE username = ?")
            .bind("bob")
            .one()
            .await
            .expect("one");
        assert_eq!(karma, 15);
        let none = handle
            .query_as::<(i64,)>("SELECT id FROM users WHERE username = ?")
            .bind(String::from("zed"))
            .optional()
            .await
            .expect("optional");
        assert_eq!(none, None);
        let err = handle
            .query_as::<(i64,)>("SELECT id FROM users WHERE username = ?")
            .bind("zed")
            .one()
            .await
            .expect_err("no row");
        assert!(matches!(&err, Error::Query { target, .. } if target.role == Role::Writer), "{err}");
        // NULL in, NULL out; a `?` inside a string literal is text, not a placeholder.
        let rows: Vec<(String, Option<String>)> = handle
            .query_as(
                "SELECT username, bio FROM users \
                 WHERE (bio = '?' OR bio IS NULL) AND karma >= ? AND COALESCE(?, 0) = 0 \
                 ORDER BY username",
            )
            .bind(Some(15))
            .bind(None::<i64>)
            .all()
            .await
            .expect("question mark in a literal");
        assert_eq!(rows, [("bob".to_owned(), None), ("cy".to_owned(), None)]);
        // A whole model, its columns in declared order.
        let ada: User = handle
            .query_as("SELECT id, username, email, bio, karma, created_at FROM users WHERE id = ?")
            .bind(1i64)
            .one()
            .await
            .expect("model row");
        assert_eq!(primary.users().find(1).await.expect("find"), Some(ada));
        // Writes with bound values, and INSERT ... RETURNING as typed rows.
        let changed = handle
            .query("UPDATE users SET karma = karma + ? WHERE username IN (?, ?)")
            .bind(100)
            .bind("ada")
            .bind("cy")
            .execute()
            .await
            .expect("execute");
        assert_eq!(changed, 2);
        let sum = primary.users().query().sum(User::KARMA).await.expect("sum");
        assert_eq!(sum, Some(245));

        // Placeholders must match the values bound: refused before anything runs.
        t.db.engine().reset_statement_counts();
        let too_few = handle.query_as::<(i64,)>("SELECT id FROM users WHERE id = ? OR id = ?").bind(1).all().await;
        assert!(matches!(too_few, Err(Error::Config(_))), "{too_few:?}");
        let too_many = handle.query("DELETE FROM users WHERE id = ?").bind(1).bind(2).execute().await;
        assert!(matches!(too_many, Err(Error::Config(_))), "{too_many:?}");
        let numbered = handle.query_as::<(i64,)>("SELECT id FROM users WHERE id = ?1").bind(1).all().await;
        assert!(matches!(numbered, Err(Error::Config(_))), "{numbered:?}");
        assert_eq!(t.counts().total(), 0);
        assert_eq!(primary.users().count().await.expect("count"), 3, "nothing deleted");
    }
}

backend_test! {
    async fn raw_sql_is_routed_and_refused_like_every_statement(t) {
        let primary = t.db.primary();
        primary.users().insert(user(1, "ada", 5)).await.expect("insert");
        t.db.engine().reset_statement_counts();
        let count = |h: &switchyard::Handle| {
            h.query_as::<(i64,)>("SELECT COUNT(*) FROM users WHERE karma >= ?").bind(0)
        };
        assert_eq!(count(primary.reading().handle()).one().await.expect("replica").0, 1);
        assert_eq!(count(primary.role(PrimaryRole::Reporting).handle()).one().await.expect("role").0, 1);
        assert_eq!(count(primary.handle()).one().await.expect("writer").0, 1);
        let counts = t.counts();
        assert_eq!(counts.get("primary", "default", Role::Replica(0)), 1, "{counts:?}");
        assert_eq!(counts.get("primary", "default", Role::Writer), 1, "{counts:?}");
        assert_eq!(counts.total(), 3, "{counts:?}");

        // A statement that may write is refused on reading, role and prevent-writes handles,
        // with no statement run.
        t.db.engine().reset_statement_counts();
        let update = "UPDATE users SET karma = ? WHERE id = ?";
        for handle in [
            primary.reading().handle().clone(),
            primary.role(PrimaryRole::Reporting).handle().clone(),
            primary.prevent_writes().handle().clone(),
        ] {
            let err = handle.query(update).bind(99).bind(1).execute().await.expect_err("refused");
            assert!(matches!(err, Error::WriteRefused { .. }), "{err}");
            let returning = "INSERT INTO users (username, email, karma, created_at) VALUES (?, ?, ?, ?) RETURNING id";
            let err = handle
                .query_as::<(i64,)>(returning)
                .bind("eve")
                .bind("eve@example.com")
                .bind(1)
                .bind(Utc::now())
                .one()
                .await
                .expect_err("refused");
            assert!(matches!(err, Error::WriteRefused { .. }), "{err}");
        }
        assert_eq!(t.counts().total(), 0, "nothing ran");
        assert_eq!(primary.users().find(1).await.expect("find").map(|u| u.karma), Some(5));

        // Automatic routing follows the role selector: a read goes to a replica, a write to
        // the writer (and is recorded as the session's last write).
        t.db.engine().reset_statement_counts();
        let db = t.db.clone();
        let (result, last) = Selector::new(Consistency::default())
            .run(false, None, async move {
                let handle = db.primary().handle().clone();
                let read = handle.query_as::<(String,)>("SELECT username FROM users WHERE id = ?").bind(1).one().await?;
                let written = handle.query(update).bind(6).bind(1).execute().await?;
                Ok::<_, Error>((read, written))
            })
            .await;
        assert_eq!(result.expect("in a request"), (("ada".to_owned(),), 1));
        assert!(last.is_some(), "the raw write was recorded");
        let counts = t.counts();
        assert_eq!(counts.get("primary", "default", Role::Replica(0)), 1, "{counts:?}");
        assert_eq!(counts.get("primary", "default", Role::Writer), 1, "{counts:?}");

        // Raw SQL runs on one shard: the handle's; a handle on every shard is refused.
        let animals = t.db.animals();
        animals.shard(AnimalsShard::ShardOne).dogs().insert(NewDog { name: "Rex".into(), ..Default::default() }).await.expect("dog");
        t.db.engine().reset_statement_counts();
        let dogs = |h: &switchyard::Handle| h.query_as::<(i64,)>("SELECT COUNT(*) FROM dogs WHERE age >= ?").bind(0);
        assert_eq!(dogs(animals.handle()).one().await.expect("default shard").0, 0);
        assert_eq!(dogs(animals.shard(AnimalsShard::ShardOne).handle()).one().await.expect("shard one").0, 1);
        let err = dogs(animals.all_shards().handle()).one().await.expect_err("all shards");
        assert!(matches!(err, Error::Config(_)), "{err}");
        let counts = t.counts();
        assert_eq!((counts.shard("animals", "default"), counts.shard("animals", "shard_one")), (1, 1), "{counts:?}");
    }
}

backend_test! {
    async fn comparisons_take_bare_literals_of_the_columns_type(t) {
        let users = || t.db.primary().users();
        for (id, name, karma) in [(1, "ada", 5), (2, "bob", 10), (3, "cy", 15)] {
            users().insert(user(id, name, karma)).await.expect("insert");
        }
        let names = |rows: Vec<User>| rows.into_iter().map(|u| u.username).collect::<Vec<_>>();
        let by = |filter| async move { names(users().filter(filter).order_by(User::ID.asc()).all().await.expect("query")) };
        // i32, i64.
        assert_eq!(by(User::KARMA.eq(10)).await, ["bob"]);
        assert_eq!(by(User::KARMA.is_in([5, 15])).await, ["ada", "cy"]);
        assert_eq!(by(User::ID.ge(2)).await, ["bob", "cy"]);
        assert_eq!(by(User::ID.not_in([1, 2])).await, ["cy"]);
        assert_eq!(by(User::ID.lt(2i32)).await, ["ada"], "a narrower integer still widens");
        // Strings: &str, String, &String, and lists of them.
        let bob = String::from("bob");
        assert_eq!(by(User::USERNAME.eq("ada")).await, ["ada"]);
        assert_eq!(by(User::USERNAME.eq(bob.clone())).await, ["bob"]);
        assert_eq!(by(User::USERNAME.ne(&bob)).await, ["ada", "cy"]);
        assert_eq!(by(User::USERNAME.is_in(["ada", "cy"])).await, ["ada", "cy"]);
        let list = vec![bob.clone(), "cy".to_owned()];
        assert_eq!(by(User::USERNAME.is_in(&list)).await, ["bob", "cy"]);
        assert_eq!(by(User::USERNAME.not_in(list)).await, ["ada"]);

        // i16: a bare literal takes the column's type.
        let dogs = || t.db.animals().dogs();
        for (name, age) in [("Rex", 1), ("Ace", 3), ("Max", 5)] {
            dogs().insert(NewDog { name: name.into(), age: Some(age), ..Default::default() }).await.expect("dog");
        }
        let dog_names = |rows: Vec<Dog>| rows.into_iter().map(|d| d.name).collect::<Vec<_>>();
        let age = |filter| async move { dog_names(dogs().filter(filter).order_by(Dog::AGE.asc()).all().await.expect("dogs")) };
        assert_eq!(age(Dog::AGE.eq(3)).await, ["Ace"]);
        assert_eq!(age(Dog::AGE.gt(2)).await, ["Ace", "Max"]);
        assert_eq!(age(Dog::AGE.is_in([1, 5])).await, ["Rex", "Max"]);
        assert_eq!(age(Dog::AGE.not_in([3])).await, ["Rex", "Max"]);

        // f32 and f64; i64.
        let samples = || t.db.primary().samples();
        samples().insert_many(&sample_rows()).await.expect("samples");
        let count = |filter| async move { samples().filter(filter).count().await.expect("count") };
        assert_eq!(count(Sample::SINGLE.eq(0.5)).await, 1);
        assert_eq!(count(Sample::DOUBLE.lt(2.0)).await, 2);
        assert_eq!(count(Sample::DOUBLE.ge(1)).await, 2, "an integer literal widens to f64");
        assert_eq!(count(Sample::LARGE.gt(150)).await, 2);
        assert_eq!(count(Sample::SMALL.is_in([-3, 7])).await, 2);
    }
}

/// The first user id at or after `from` whose visits live on `shard`.
fn user_on(shard: AnimalsShard, from: i64) -> i64 {
    (from..)
        .find(|&id| AnimalsShard::for_key(id).ok() == Some(shard))
        .unwrap_or(from)
}

/// Statements on each animals shard since the last reset.
fn per_shard(db: &Database) -> [u64; 2] {
    let counts = db.engine().statement_counts();
    SHARDS.map(|s| counts.shard("animals", s.name()))
}

/// Visits of a user on each shard: three on the first (seq 1, 2, 3), one on the second
/// (seq 10), so the average of the shards' averages (6) is not the average (4).
async fn visits(db: &Database) -> (i64, i64) {
    let (a, b) = (user_on(SHARDS[0], 1), user_on(SHARDS[1], 1));
    let rows = [
        (a, 1, "home", None),
        (a, 2, "park", Some("b")),
        (a, 3, "home", Some("a")),
        (b, 10, "home", None),
    ]
    .map(
        |(user_id, seq, place, note): (i64, i64, &str, Option<&str>)| NewVisit {
            id: None,
            user_id,
            place: place.into(),
            seq,
            note: note.map(Into::into),
        },
    );
    db.animals()
        .visits()
        .insert_many(&rows)
        .await
        .expect("visits");
    (a, b)
}

backend_test! {
    async fn aggregates_and_groups_merge_across_shards(t) {
        let db = &t.db;
        let (a, b) = visits(db).await;
        let q = || db.animals().visits().query();
        db.engine().reset_statement_counts();
        assert_eq!(q().sum(Visit::SEQ).await.expect("sum"), Some(16));
        assert_eq!(q().min(Visit::SEQ).await.expect("min"), Some(1));
        assert_eq!(q().max(Visit::SEQ).await.expect("max"), Some(10));
        assert_eq!(q().avg(Visit::SEQ).await.expect("avg from sums and counts"), Some(4.0));
        assert_eq!(q().min(Visit::NOTE).await.expect("min of nullable").as_deref(), Some("a"));
        assert_eq!(q().count().await.expect("count"), 4);
        assert_eq!(per_shard(db), [6, 6], "one statement per shard each");

        let mut users = [(a, 3), (b, 1)];
        users.sort_unstable();
        assert_eq!(q().group_by(Visit::USER_ID).count().await.expect("per user"), users);
        assert_eq!(
            q().group_by(Visit::PLACE).count().await.expect("per place, merged"),
            [("home".to_owned(), 3), ("park".to_owned(), 1)]
        );
        assert_eq!(
            q().group_by(Visit::PLACE).avg(Visit::SEQ).await.expect("avg per place"),
            [("home".to_owned(), Some(14.0 / 3.0)), ("park".to_owned(), Some(2.0))]
        );
        assert_eq!(
            q().group_by(Visit::PLACE).max(Visit::NOTE).await.expect("max per place"),
            [("home".to_owned(), Some("a".to_owned())), ("park".to_owned(), Some("b".to_owned()))]
        );
        assert_eq!(
            q().group_by(Visit::NOTE.nullable()).sum(Visit::SEQ).await.expect("sum per note"),
            [(None, Some(11)), (Some("a".to_owned()), Some(3)), (Some("b".to_owned()), Some(2))]
        );

        // A filter pinning the shard key reaches its shard only.
        db.engine().reset_statement_counts();
        assert_eq!(q().filter(Visit::USER_ID.eq(a)).sum(Visit::SEQ).await.expect("pinned"), Some(6));
        assert_eq!(q().filter(Visit::USER_ID.eq(b)).group_by(Visit::PLACE).count().await.expect("pinned"), [("home".to_owned(), 1)]);
        assert_eq!(per_shard(db), [1, 1]);
        // Reading handles read each shard's replicas (the writer where a shard has none).
        db.engine().reset_statement_counts();
        assert_eq!(db.reading().animals().visits().query().sum(Visit::SEQ).await.expect("reading"), Some(16));
        let counts = t.counts();
        assert_eq!(counts.get("animals", "default", Role::Replica(0)), 1, "{counts:?}");
        assert_eq!(counts.get("animals", "shard_one", Role::Writer), 1, "{counts:?}");

        // A model without a shard key, through all_shards().
        let animals = db.animals();
        for (shard, age) in [(AnimalsShard::DEFAULT, 2), (AnimalsShard::ShardOne, 4), (AnimalsShard::ShardOne, 9)] {
            animals.shard(shard).dogs().insert(NewDog { name: "Rex".into(), age: Some(age), ..Default::default() }).await.expect("dog");
        }
        let everywhere = || animals.all_shards().dogs().query();
        assert_eq!(everywhere().sum(Dog::AGE).await.expect("sum of i16"), Some(15i64));
        assert_eq!(everywhere().max(Dog::AGE).await.expect("max"), Some(9i16));
        assert_eq!(everywhere().avg(Dog::AGE).await.expect("avg"), Some(5.0));
        assert_eq!(everywhere().group_by(Dog::NAME).count().await.expect("merged"), [("Rex".to_owned(), 3)]);
        assert_eq!(animals.dogs().query().sum(Dog::AGE).await.expect("default shard only"), Some(2));

        // The range-sharded ledger: merged sums, and a merged sum past i64 is an error too.
        let entries = || db.ledger().entries();
        let rows = [(5, 7), (999, 3), (1_000, 10), (5_000, 20)].map(|(account, amount)| NewEntry { id: None, account, amount });
        entries().insert_many(&rows).await.expect("entries");
        assert_eq!(entries().query().sum(Entry::AMOUNT).await.expect("ledger sum"), Some(40));
        assert_eq!(entries().query().group_by(Entry::ACCOUNT).sum(Entry::AMOUNT).await.expect("per account"),
            [(5, Some(7)), (999, Some(3)), (1_000, Some(10)), (5_000, Some(20))]);
        db.engine().reset_statement_counts();
        assert_eq!(entries().filter(Entry::ACCOUNT.eq(-1)).sum(Entry::AMOUNT).await.expect("no shard"), None);
        assert!(entries().filter(Entry::ACCOUNT.is_in(Vec::<i32>::new())).group_by(Entry::ACCOUNT).count().await.expect("no shard").is_empty());
        assert_eq!(t.counts().cluster("ledger"), 0, "a filter pinning no shard runs nothing");
        let huge = [(1, i64::MAX), (2_000, 1)].map(|(account, amount)| NewEntry { id: None, account, amount });
        entries().insert_many(&huge).await.expect("huge");
        let err = entries().filter(Entry::ACCOUNT.is_in([1, 2_000])).sum(Entry::AMOUNT).await.expect_err("past i64");
        assert!(matches!(err, Error::Query { .. }), "{err}");
    }
}

backend_test! {
    async fn projection_merges_across_shards_like_all(t) {
        let db = &t.db;
        visits(db).await;
        let q = || db.animals().visits().query();
        let all = q().order_by(Visit::SEQ.desc()).limit(2).offset(1).all().await.expect("all");
        db.engine().reset_statement_counts();
        let picked = q()
            .select((Visit::SEQ, Visit::PLACE))
            .order_by(Visit::SEQ.desc())
            .limit(2)
            .offset(1)
            .all()
            .await
            .expect("select");
        assert_eq!(picked, all.iter().map(|v| (v.seq, v.place.clone())).collect::<Vec<_>>());
        assert_eq!(picked, [(3, "home".to_owned()), (2, "park".to_owned())]);
        assert_eq!(per_shard(db), [1, 1]);
        // NULLs sort where each backend sorts them, as all() merges them.
        let by_note = || q().order_by(Visit::NOTE.asc()).order_by(Visit::SEQ.asc());
        let all = by_note().all().await.expect("all by note");
        let picked = by_note().select((Visit::NOTE.nullable(), Visit::SEQ)).all().await.expect("select by note");
        assert_eq!(picked, all.iter().map(|v| (v.note.clone(), v.seq)).collect::<Vec<_>>());
        let first = q().select(Visit::SEQ).order_by(Visit::SEQ.asc()).first().await.expect("first");
        assert_eq!(first, Some(1));
        // Without an order, every row, shard after shard.
        let mut every = q().select(Visit::SEQ).all().await.expect("unordered");
        every.sort_unstable();
        assert_eq!(every, [1, 2, 3, 10]);
        // Merging needs the ordered columns: refused before anything runs.
        db.engine().reset_statement_counts();
        let err = q().select(Visit::PLACE).order_by(Visit::SEQ.asc()).all().await.expect_err("order not selected");
        assert!(matches!(err, Error::Config(_)), "{err}");
        assert_eq!(per_shard(db), [0, 0]);
        // On one shard, any order.
        let one = db.animals().shard(AnimalsShard::DEFAULT).visits().query();
        let places = one.select(Visit::PLACE).order_by(Visit::SEQ.desc()).all().await.expect("one shard");
        assert!(!places.is_empty());
    }
}

/// The futures of every new query are `Send` (they run inside `tokio::spawn`).
#[tokio::test]
async fn new_query_futures_are_send() {
    let Some(t) = TestDb::new(Backend::Sqlite, "queries::send").await else {
        return;
    };
    let db = t.db.clone();
    let spawned = tokio::spawn(async move {
        let users = || db.primary().users().query();
        users().sum(User::KARMA).await?;
        users().avg(User::KARMA).await?;
        users().min(User::USERNAME).await?;
        users().group_by(User::KARMA).count().await?;
        users().select((User::ID, User::USERNAME)).all().await?;
        db.animals()
            .visits()
            .query()
            .select(Visit::SEQ)
            .order_by(Visit::SEQ.asc())
            .all()
            .await?;
        db.primary()
            .handle()
            .query_as::<(i64,)>("SELECT id FROM users WHERE id = ?")
            .bind(1)
            .optional()
            .await?;
        db.primary()
            .handle()
            .query("DELETE FROM users WHERE id = ?")
            .bind(1)
            .execute()
            .await?;
        Ok::<_, Error>(())
    });
    spawned.await.expect("spawned").expect("queries");
    t.finish().await;
}
