//! A schema evolving through migrations, seen through the generated code of each version:
//! version 1's migrations build the tables and its API writes rows; version 2's migrations
//! (made by the differ from v2's declarations: a rename with `renamed_from`, a widened type, a
//! column added with a default, one dropped, an index) bring every shard along and v2's API
//! reads the same rows in the new shape; a rollback returns to v1's shape with the rows kept.

use switchyard::{Config, MigrationReport};
use switchyard_tests::backend_test;
use switchyard_tests::harness::TestDb;

use switchyard_tests::evolution::{v1, v2};

/// `config` pointed at the test's isolated databases (the harness made them for its own
/// schema, whose clusters and shards have the same names).
fn at(t: &TestDb, config: Config) -> Config {
    let url = |cluster, shard| t.urls[&(cluster, shard)].0.clone();
    config
        .writer("primary", "default", url("primary", "default"))
        .writer("animals", "default", url("animals", "default"))
        .writer("animals", "shard_one", url("animals", "shard_one"))
}

/// Versions applied by this run, per database.
fn ran(report: &MigrationReport) -> Vec<(String, Vec<i64>)> {
    report
        .databases
        .iter()
        .map(|d| {
            (
                format!("{}/{}", d.target.cluster, d.target.shard),
                d.ran.iter().map(|r| r.version).collect(),
            )
        })
        .collect()
}

fn each(versions: &[i64]) -> Vec<(String, Vec<i64>)> {
    ["animals/default", "animals/shard_one", "primary/default"]
        .iter()
        .map(|db| ((*db).to_owned(), versions.to_vec()))
        .collect()
}

const CREATE: i64 = 20260101000000;
const EVOLVE: i64 = 20260102000000;

backend_test! {
    async fn data_survives_migrations_made_from_the_declarations(t) {
        let first = v1::Database::connect(at(t, v1::Database::config())).await.expect("v1");
        let report = first.migrate().await.expect("v1 migrations");
        assert_eq!(ran(&report), each(&[CREATE]), "{report}");
        // What the migrations built is what the declarations say, column for column.
        let drift = first.verify().await.expect("verify v1");
        assert!(drift.is_clean(), "{drift}");
        let ada = first.primary().accounts()
            .insert(v1::NewAccount { name: "ada".into(), karma: Some(5), legacy: Some("x".into()), ..Default::default() })
            .await
            .expect("ada");
        first.primary().accounts()
            .insert(v1::NewAccount { name: "bob".into(), karma: Some(7), ..Default::default() })
            .await
            .expect("bob");
        for (shard, name) in [(v1::AnimalsShard::Default, "Rex"), (v1::AnimalsShard::ShardOne, "Fido")] {
            first.animals().shard(shard).pets()
                .insert(v1::NewPet { name: name.into(), ..Default::default() })
                .await
                .expect("pet");
        }
        assert_eq!(ran(&first.migrate().await.expect("again")), each(&[]), "a second run is a no-op");
        first.engine().close().await;

        // Version 2 finds one migration pending on every database, and applies it.
        let second = v2::Database::connect(at(t, v2::Database::config())).await.expect("v2");
        let status = second.migration_status().await.expect("status");
        assert!(status.databases.iter().all(|d| d.pending.len() == 1), "{status}");
        let report = second.migrate().await.expect("v2 migrations");
        assert_eq!(ran(&report), each(&[EVOLVE]), "{report}");
        let drift = second.verify().await.expect("verify v2");
        assert!(drift.is_clean(), "{drift}");

        // The rows, in the new shape: the renamed column kept its values, the widened one too,
        // the new one has its default.
        let ada2 = second.primary().accounts().find_by_handle("ada").await.expect("find").expect("ada");
        assert_eq!((ada2.id, ada2.karma, ada2.score), (ada.id, 5_i64, 3));
        let big = second.primary().accounts()
            .insert(v2::NewAccount { handle: "dee".into(), karma: Some(5_000_000_000), ..Default::default() })
            .await
            .expect("a karma past i32");
        assert_eq!(big.karma, 5_000_000_000);
        let by_karma = second.primary().accounts().filter(v2::Account::KARMA.gt(6)).count().await.expect("filter");
        assert_eq!(by_karma, 2, "bob and dee");
        for (shard, name) in [(v2::AnimalsShard::Default, "Rex"), (v2::AnimalsShard::ShardOne, "Fido")] {
            let pets = second.animals().shard(shard).pets().all().await.expect("pets");
            assert_eq!(pets.len(), 1, "{name}");
            assert_eq!((pets[0].name.as_str(), pets[0].nickname.as_deref()), (name, None));
        }

        // Back to version 1 (dee's karma would not fit the narrower column: she goes first).
        second.primary().accounts().delete(big.id).await.expect("delete dee");
        let back = second.primary().migrator().rollback(1).await.expect("rollback");
        assert_eq!(back.databases.len(), 1);
        assert_eq!(back.databases[0].version, Some(CREATE), "{back}");
        second.engine().close().await;
        let again = v1::Database::connect(at(t, v1::Database::config())).await.expect("v1 again");
        let drift = again.primary().verify().await.expect("verify after rollback");
        assert!(drift.is_clean(), "{drift}");
        let ada1 = again.primary().accounts().filter(v1::Account::NAME.eq("ada")).first().await.expect("find").expect("ada");
        assert_eq!((ada1.id, ada1.karma, ada1.legacy.as_deref()), (ada.id, 5, None), "legacy's values are gone");
        again.engine().close().await;

        // And forward again.
        let second = v2::Database::connect(at(t, v2::Database::config())).await.expect("v2 again");
        let report = second.migrate().await.expect("forward");
        let mut forward = ran(&report);
        forward.sort();
        assert_eq!(
            forward,
            [
                ("animals/default".to_owned(), vec![]),
                ("animals/shard_one".to_owned(), vec![]),
                ("primary/default".to_owned(), vec![EVOLVE]),
            ]
        );
        second.engine().close().await;
    }
}
