//! No silent wrong results: the same statement means the same thing on SQLite, PostgreSQL and
//! MySQL/MariaDB, or it fails. Each test here once passed on one backend with a wrong answer.

use switchyard::Error;
use switchyard_tests::backend_test;
use switchyard_tests::db::{NewUser, User};

fn user(name: &str) -> NewUser {
    NewUser {
        username: name.to_owned(),
        email: format!("{name}@example.com"),
        ..Default::default()
    }
}

fn assert_query_error<T: std::fmt::Debug>(what: &str, result: Result<T, Error>) {
    match result {
        Err(Error::Query { target, source }) => {
            assert_eq!(target.cluster, "primary", "{what}: {source}");
        }
        other => panic!("{what}: expected a query error, got {other:?}"),
    }
}

backend_test! {
    // SQLite reads a double-quoted name that is no column as a string literal: a declared
    // column missing from the table came back as its own name, and a filter on it matched.
    async fn a_declared_column_missing_from_the_table_is_an_error(t) {
        let users = || t.db.primary().users();
        let ada = users().insert(user("ada")).await.expect("insert");
        t.db.primary()
            .handle()
            .execute_raw("ALTER TABLE users DROP COLUMN bio")
            .await
            .expect("drop column");
        assert_query_error("find", users().find(ada.id).await);
        assert_query_error("filter on the missing column", users().filter(User::BIO.eq("bio")).count().await);
        assert_query_error("insert", users().insert(user("bob")).await);
        // The other columns still work.
        assert_eq!(users().filter(User::USERNAME.eq("ada")).count().await.expect("count"), 1);
    }
}

backend_test! {
    // PostgreSQL: an explicit key did not advance the key's sequence, so the next generated
    // key collided with it. On every backend a generated key now follows the largest key
    // inserted, explicit or not.
    async fn explicit_keys_advance_generated_keys(t) {
        let users = || t.db.primary().users();
        let a = users().insert(user("a")).await.expect("generated");
        let b = users()
            .insert(NewUser { id: Some(a.id + 1), ..user("b") })
            .await
            .expect("explicit next key");
        let c = users().insert(user("c")).await.expect("generated after an explicit key");
        assert!(c.id > b.id, "{} after {}", c.id, b.id);

        let many = users()
            .insert_many(&[
                NewUser { id: Some(c.id + 10), ..user("d") },
                user("e"),
                NewUser { id: Some(c.id + 5), ..user("f") },
            ])
            .await
            .expect("mixed batch");
        let ids: Vec<i64> = many.iter().map(|u| u.id).collect();
        assert_eq!(ids[0], c.id + 10);
        assert_eq!(ids[2], c.id + 5);
        assert_ne!(ids[1], ids[0]);
        assert_ne!(ids[1], ids[2]);
        let g = users().insert(user("g")).await.expect("generated after a batch");
        assert!(g.id > c.id + 10, "{} after {}", g.id, c.id + 10);

        // A smaller explicit key does not move generated keys back.
        users().delete(a.id).await.expect("delete");
        users().insert(NewUser { id: Some(a.id), ..user("a2") }).await.expect("reuse a key");
        let h = users().insert(user("h")).await.expect("generated after a smaller key");
        assert!(h.id > g.id, "{} after {}", h.id, g.id);

        // In a transaction, too.
        let mut tx = t.db.primary().begin().await.expect("begin");
        let i = tx.users().insert(NewUser { id: Some(h.id + 100), ..user("i") }).await.expect("explicit in tx");
        let j = tx.users().insert(user("j")).await.expect("generated in tx");
        tx.commit().await.expect("commit");
        assert!(j.id > i.id, "{} after {}", j.id, i.id);
        assert_eq!(users().count().await.expect("count"), 10);
    }
}

backend_test! {
    // MariaDB's utf8mb4_bin pads with spaces: "abc" and "abc " collided on a unique key and
    // compared equal. SQLite's LIKE ignored ASCII case. PostgreSQL ordered by its locale.
    async fn strings_compare_order_and_match_exactly(t) {
        let users = || t.db.primary().users();
        for name in ["abc", "abc ", "ABC", "abd", "Ábc", "_bc", "a%c", "b"] {
            users().insert(user(name)).await.unwrap_or_else(|e| panic!("insert {name:?}: {e}"));
        }
        let named = |name: &'static str| async move {
            users().filter(User::USERNAME.eq(name)).all().await.expect("eq").into_iter().map(|u| u.username).collect::<Vec<_>>()
        };
        assert_eq!(named("abc").await, ["abc"]);
        assert_eq!(named("abc ").await, ["abc "]);
        assert_eq!(users().find_by_username("abc").await.expect("find_by").map(|u| u.username).as_deref(), Some("abc"));
        assert_eq!(users().find_by_username("ab").await.expect("find_by"), None);

        let like = |pattern: &'static str| async move {
            let mut names: Vec<String> = users().filter(User::USERNAME.like(pattern)).all().await.expect("like").into_iter().map(|u| u.username).collect();
            names.sort();
            names
        };
        assert_eq!(like("a%").await, ["a%c", "abc", "abc ", "abd"], "LIKE is case-sensitive");
        assert_eq!(like("A%").await, ["ABC"]);
        assert_eq!(like("abc").await, ["abc"], "no trailing-space padding in LIKE");

        let ordered: Vec<String> = users()
            .query()
            .order_by(User::USERNAME.asc())
            .all()
            .await
            .expect("order")
            .into_iter()
            .map(|u| u.username)
            .collect();
        let mut bytes = ordered.clone();
        bytes.sort();
        assert_eq!(ordered, bytes, "strings order by their bytes");
        assert_eq!(
            users().filter(User::USERNAME.lt("abc ")).count().await.expect("lt"),
            // "ABC", "_bc", "a%c", "abc" sort before "abc "
            4
        );
    }
}

backend_test! {
    // SQLite ignored `VARCHAR(255)`; a MySQL server without strict mode truncated the value.
    async fn a_string_longer_than_its_column_is_an_error(t) {
        let users = || t.db.primary().users();
        let long = "x".repeat(256);
        let err = users().insert(user(&long)).await.expect_err("256 characters");
        assert!(matches!(err, Error::Query { .. }), "{err}");
        assert_eq!(users().count().await.expect("count"), 0, "nothing written");
        // 255 characters fit, multi-byte ones too: the limit counts characters.
        let fits = "é".repeat(255);
        let stored = users()
            .insert(NewUser { email: "e@example.com".into(), ..user(&fits) })
            .await
            .expect("255 characters");
        assert_eq!(stored.username, fits);
    }
}
