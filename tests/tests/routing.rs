//! Replica routing on the harness backends: load-balancing policies and weights, fallback when
//! no replica is available, and which errors eject a replica. (Replicas that really replicate,
//! die and lag are exercised in `replicas.rs`.)

use switchyard::{Error, Fallback, Policy, Role};
use switchyard_tests::backend_test;
use switchyard_tests::db::{Database, NewUser};
use switchyard_tests::harness::{Backend, TestDb};

/// The harness database with `primary`'s replica listed three times, weights 1, 2 and 3.
async fn weighted(t: &TestDb, policy: Policy) -> Database {
    let replica = &t.urls[&("primary", "default")].1;
    let config = t
        .config
        .clone()
        .weighted_replicas(
            "primary",
            "default",
            [
                (replica.clone(), 1),
                (replica.clone(), 2),
                (replica.clone(), 3),
            ],
        )
        .routing("primary", |r| r.policy = policy);
    Database::connect(config).await.expect("connect")
}

/// Reads per replica after `n` reads through `db.reading()`.
async fn spread(db: &Database, n: usize) -> [u64; 3] {
    db.engine().reset_statement_counts();
    for _ in 0..n {
        db.reading().primary().users().count().await.expect("read");
    }
    let counts = db.engine().statement_counts();
    assert_eq!(
        counts.get("primary", "default", Role::Writer),
        0,
        "no read on the writer"
    );
    [0, 1, 2].map(|i| counts.get("primary", "default", Role::Replica(i)))
}

backend_test! {
    async fn round_robin_honours_weights_exactly(t) {
        let db = weighted(t, Policy::RoundRobin).await;
        let got = spread(&db, 600).await;
        println!("round robin, weights 1:2:3, 600 reads on {:?}: {got:?}", t.backend);
        assert_eq!(got, [100, 200, 300]);
        db.engine().close().await;
    }
}

backend_test! {
    async fn random_follows_weights_within_tolerance(t) {
        let db = weighted(t, Policy::Random).await;
        let got = spread(&db, 1200).await;
        println!("random, weights 1:2:3, 1,200 reads on {:?}: {got:?}", t.backend);
        // Expected 200 / 400 / 600; a binomial's 5 standard deviations is under 80.
        for (count, expected) in got.iter().zip([200u64, 400, 600]) {
            assert!(count.abs_diff(expected) <= 80, "{got:?}");
        }
        db.engine().close().await;
    }
}

backend_test! {
    async fn least_busy_spreads_concurrent_reads(t) {
        let db = weighted(t, Policy::LeastBusy).await;
        db.engine().reset_statement_counts();
        // 16 concurrent readers, 40 reads each.
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move {
                    for _ in 0..40 {
                        db.reading().primary().users().count().await.expect("read");
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("reader");
        }
        let counts = db.engine().statement_counts();
        let got = [0, 1, 2].map(|i| counts.get("primary", "default", Role::Replica(i)));
        println!("least busy, weights 1:2:3, 640 concurrent reads on {:?}: {got:?}", t.backend);
        assert_eq!(got.iter().sum::<u64>(), 640);
        // Load-dependent by nature: every replica serves, and the heaviest weight (the one
        // counted least busy at equal connections in use) serves more than the lightest.
        assert!(got.iter().all(|&n| n > 0), "every replica takes part: {got:?}");
        assert!(got[0] < got[2], "weight 3 serves more than weight 1: {got:?}");
        db.engine().close().await;
    }
}

/// The harness database with `primary`'s replica replaced by a server that refuses
/// connections, and the given fallback.
async fn dead_replica(t: &TestDb, fallback: Fallback) -> Option<Database> {
    let dead = match t.backend {
        // A SQLite replica is a file, which cannot go down.
        Backend::Sqlite => return None,
        Backend::Postgres => "postgres://postgres@127.0.0.1:9/none",
        Backend::MySql => "mysql://root@127.0.0.1:9/none",
    };
    let config = t
        .config
        .clone()
        .replicas("primary", "default", [dead])
        .routing("primary", |r| r.fallback = fallback);
    Some(
        Database::connect(config)
            .await
            .expect("a dead replica does not stop start-up"),
    )
}

backend_test! {
    async fn a_dead_replica_falls_back_to_the_writer_or_errors(t) {
        let Some(db) = dead_replica(t, Fallback::Writer).await else { return };
        let status = db.engine().replica_status();
        let primary = status.iter().find(|s| s.target.cluster == "primary").expect("replica");
        assert!(primary.ejected, "unreachable at start-up: ejected");
        db.engine().reset_statement_counts();
        let n = db.reading().primary().users().count().await.expect("falls back");
        assert_eq!(n, 0);
        let counts = db.engine().statement_counts();
        assert_eq!(counts.get("primary", "default", Role::Writer), 1);
        assert_eq!(counts.get("primary", "default", Role::Replica(0)), 0, "no traffic to it");
        db.engine().close().await;

        let Some(db) = dead_replica(t, Fallback::Error).await else { return };
        let err = db.reading().primary().users().count().await.expect_err("no replica");
        assert!(matches!(err, Error::NoReplica { cluster: "primary", shard: "default", .. }), "{err}");
        assert!(err.to_string().contains("cluster `primary`"), "{err}");
        // Writing handles are unaffected.
        db.primary().users().count().await.expect("writer");
        db.engine().close().await;
    }
}

backend_test! {
    async fn query_errors_are_returned_not_retried(t) {
        let users = t.db.primary().users();
        users.insert(NewUser { username: "ada".into(), email: "a@x".into(), ..Default::default() })
            .await.expect("insert");
        t.db.engine().reset_statement_counts();
        // A statement error on a replica: returned as is, on the replica, nothing ejected.
        let err = t.db.reading().primary().handle().execute_raw("SELECT * FROM no_such_table").await
            .expect_err("no such table");
        assert!(matches!(err, Error::Query { .. }), "{err}");
        assert_eq!(err.target().map(|t| t.role), Some(Role::Replica(0)));
        let counts = t.counts();
        assert_eq!(counts.get("primary", "default", Role::Replica(0)), 1, "ran once");
        assert_eq!(counts.get("primary", "default", Role::Writer), 0, "not retried on the writer");
        assert!(t.db.engine().replica_status().iter().all(|s| s.in_rotation()));
    }
}

backend_test! {
    async fn raw_writes_are_refused_on_reading_and_prevent_writes_handles(t) {
        let writer = t.db.primary().handle().clone();
        for handle in [t.db.reading().primary().handle().clone(), t.db.primary().prevent_writes().handle().clone()] {
            t.db.engine().reset_statement_counts();
            for sql in [
                "DELETE FROM users",
                "/* SELECT */ DELETE FROM users",
                "SELECT 1; DROP TABLE users",
                "EXPLAIN ANALYZE DELETE FROM users",
                "SELECT * FROM users FOR UPDATE",
                "WITH gone AS (DELETE FROM users RETURNING id) SELECT * FROM gone",
            ] {
                let err = handle.execute_raw(sql).await.expect_err(sql);
                assert!(matches!(err, Error::WriteRefused { cluster: "primary", .. }), "{sql}: {err}");
            }
            assert_eq!(t.counts().total(), 0, "nothing reached a database");
            // Reads pass, including shapes a regex-based guard blocks (the classifier's own
            // table covers the rest; these run on every backend).
            for sql in ["SELECT 1 UNION SELECT 2", "/* app */ SELECT 1", "-- why\nSELECT 1", "WITH x AS (SELECT 1 AS a) SELECT a FROM x"] {
                handle.execute_raw(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
        }
        // The writing handle runs what it is given.
        writer.execute_raw("DELETE FROM users").await.expect("writer");
        // prevent_writes reads from the writer.
        t.db.engine().reset_statement_counts();
        t.db.primary().prevent_writes().users().count().await.expect("read");
        assert_eq!(t.counts().get("primary", "default", Role::Writer), 1);
    }
}

backend_test! {
    async fn a_custom_role_reads_from_its_own_replicas(t) {
        use switchyard_tests::db::PrimaryRole;
        t.db.engine().reset_statement_counts();
        let reporting = t.db.primary().role(PrimaryRole::Reporting);
        for _ in 0..3 {
            reporting.users().count().await.expect("read");
        }
        let counts = t.counts();
        assert_eq!(counts.get("primary", "default", Role::Custom { role: "reporting", index: 0 }), 3, "{counts:?}");
        assert_eq!(counts.get("primary", "default", Role::Replica(0)), 0);
        assert_eq!(counts.get("primary", "default", Role::Writer), 0);
        assert_eq!(PrimaryRole::Reporting.name(), "reporting");
        let err = reporting.handle().execute_raw("DELETE FROM users").await.expect_err("refused");
        assert!(matches!(err, Error::WriteRefused { .. }), "{err}");
    }
}
