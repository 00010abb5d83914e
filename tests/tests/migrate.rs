//! The runtime migrator: hand-written migrations (SQL per dialect, as the codegen embeds them)
//! on a table that no declaration has, applied to every shard's writer on SQLite, PostgreSQL
//! and MariaDB.

use std::time::Duration;

use switchyard::__private::{Conn, FromRow, MigrationSpec, Row, Step};
use switchyard::{Error, MigrationProblem, MigrationReport, Migrator, Role};
use switchyard_tests::backend_test;
use switchyard_tests::db::Database;
use switchyard_tests::harness::{Backend, TestDb};

const V1: i64 = 20_260_101_000_000;
const V2: i64 = 20_260_102_000_000;
const V3: i64 = 20_260_103_000_000;
const V4: i64 = 20_260_104_000_000;
const V5: i64 = 20_260_105_000_000;

const fn all(sql: &'static [&'static str]) -> Option<&'static [&'static str]> {
    Some(sql)
}

const CREATE: Step = Step {
    describe: "create table `mig_items`",
    sqlite: all(&[
        "CREATE TABLE `mig_items` (`id` INTEGER PRIMARY KEY NOT NULL, `label` TEXT NOT NULL, `qty` INTEGER NOT NULL)",
    ]),
    postgres: all(&[
        "CREATE TABLE \"mig_items\" (\"id\" BIGINT PRIMARY KEY, \"label\" TEXT NOT NULL, \"qty\" INTEGER NOT NULL)",
    ]),
    mysql: all(&[
        "CREATE TABLE `mig_items` (`id` BIGINT PRIMARY KEY, `label` VARCHAR(255) NOT NULL, `qty` INT NOT NULL)",
    ]),
};
const CREATE_LOG: Step = Step {
    describe: "create table `mig_log`",
    sqlite: all(&["CREATE TABLE `mig_log` (`note` TEXT NOT NULL)"]),
    postgres: all(&["CREATE TABLE \"mig_log\" (\"note\" TEXT NOT NULL)"]),
    mysql: all(&["CREATE TABLE `mig_log` (`note` VARCHAR(255) NOT NULL)"]),
};
const DROP: Step = Step {
    describe: "drop table `mig_items`",
    sqlite: all(&["DROP TABLE `mig_items`"]),
    postgres: all(&["DROP TABLE \"mig_items\""]),
    mysql: all(&["DROP TABLE `mig_items`"]),
};
const DROP_LOG: Step = Step {
    describe: "drop table `mig_log`",
    sqlite: all(&["DROP TABLE `mig_log`"]),
    postgres: all(&["DROP TABLE \"mig_log\""]),
    mysql: all(&["DROP TABLE `mig_log`"]),
};

const M1: MigrationSpec = MigrationSpec {
    version: V1,
    name: "create_mig_items",
    file: "schema/migrations/primary/20260101000000_create_mig_items.toml",
    checksum: "c1",
    up: &[CREATE, CREATE_LOG],
    down: Some(&[DROP_LOG, DROP]),
};

/// A data change: applied twice, it would leave two rows in `mig_log`.
const M2: MigrationSpec = MigrationSpec {
    version: V2,
    name: "seed_mig_log",
    file: "schema/migrations/primary/20260102000000_seed_mig_log.toml",
    checksum: "c2",
    up: &[Step {
        describe: "run hand-written SQL",
        sqlite: all(&["INSERT INTO `mig_log` (`note`) VALUES ('seeded')"]),
        postgres: all(&["INSERT INTO \"mig_log\" (\"note\") VALUES ('seeded')"]),
        mysql: all(&["INSERT INTO `mig_log` (`note`) VALUES ('seeded')"]),
    }],
    down: Some(&[Step {
        describe: "run hand-written SQL",
        sqlite: all(&["DELETE FROM `mig_log` WHERE `note` = 'seeded'"]),
        postgres: all(&["DELETE FROM \"mig_log\" WHERE \"note\" = 'seeded'"]),
        mysql: all(&["DELETE FROM `mig_log` WHERE `note` = 'seeded'"]),
    }]),
};

const M3: MigrationSpec = MigrationSpec {
    version: V3,
    name: "add_mig_items_note",
    file: "schema/migrations/primary/20260103000000_add_mig_items_note.toml",
    checksum: "c3",
    up: &[Step {
        describe: "add column `note` to `mig_items`",
        sqlite: all(&["ALTER TABLE `mig_items` ADD COLUMN `note` TEXT"]),
        postgres: all(&["ALTER TABLE \"mig_items\" ADD COLUMN \"note\" TEXT"]),
        mysql: all(&["ALTER TABLE `mig_items` ADD COLUMN `note` VARCHAR(255)"]),
    }],
    down: Some(&[Step {
        describe: "drop column `note` of `mig_items`",
        sqlite: all(&["ALTER TABLE `mig_items` DROP COLUMN `note`"]),
        postgres: all(&["ALTER TABLE \"mig_items\" DROP COLUMN \"note\""]),
        mysql: all(&["ALTER TABLE `mig_items` DROP COLUMN `note`"]),
    }]),
};

/// Irreversible: a `sql` operation without `down`.
const M4_IRREVERSIBLE: MigrationSpec = MigrationSpec {
    version: V4,
    name: "backfill_notes",
    file: "schema/migrations/primary/20260104000000_backfill_notes.toml",
    checksum: "c4",
    up: &[Step {
        describe: "run hand-written SQL",
        sqlite: all(&["UPDATE `mig_items` SET `note` = 'backfilled'"]),
        postgres: all(&["UPDATE \"mig_items\" SET \"note\" = 'backfilled'"]),
        mysql: all(&["UPDATE `mig_items` SET `note` = 'backfilled'"]),
    }],
    down: None,
};

/// Fails at its second step, after a first that creates a table.
const M4_FAILING: MigrationSpec = MigrationSpec {
    version: V4,
    name: "half_way",
    file: "schema/migrations/primary/20260104000000_half_way.toml",
    checksum: "c4f",
    up: &[
        Step {
            describe: "create table `mig_extra`",
            sqlite: all(&["CREATE TABLE `mig_extra` (`id` INTEGER NOT NULL)"]),
            postgres: all(&["CREATE TABLE \"mig_extra\" (\"id\" INTEGER NOT NULL)"]),
            mysql: all(&["CREATE TABLE `mig_extra` (`id` INT NOT NULL)"]),
        },
        Step {
            describe: "run hand-written SQL",
            sqlite: all(&["INSERT INTO `mig_nowhere` (`id`) VALUES (1)"]),
            postgres: all(&["INSERT INTO \"mig_nowhere\" (\"id\") VALUES (1)"]),
            mysql: all(&["INSERT INTO `mig_nowhere` (`id`) VALUES (1)"]),
        },
        Step {
            describe: "drop table `mig_log`",
            sqlite: all(&["DROP TABLE `mig_log`"]),
            postgres: all(&["DROP TABLE \"mig_log\""]),
            mysql: all(&["DROP TABLE `mig_log`"]),
        },
    ],
    down: None,
};

/// Changes `qty`'s type and drops `note` under pools that cached statements on `mig_items`.
/// SQLite rebuilds the table: several statements in one step.
const M4_RETYPE: MigrationSpec = MigrationSpec {
    version: V4,
    name: "retype_qty",
    file: "schema/migrations/primary/20260104000000_retype_qty.toml",
    checksum: "c4r",
    up: &[
        Step {
            describe: "alter column `qty` of `mig_items`: type i32 → text",
            sqlite: all(&[
                "CREATE TABLE `mig_items_new` (`id` INTEGER PRIMARY KEY NOT NULL, `label` TEXT NOT NULL, `qty` TEXT NOT NULL)",
                "INSERT INTO `mig_items_new` (`id`, `label`, `qty`) SELECT `id`, `label`, CAST(`qty` AS TEXT) FROM `mig_items`",
                "DROP TABLE `mig_items`",
                "ALTER TABLE `mig_items_new` RENAME TO `mig_items`",
            ]),
            postgres: all(&["ALTER TABLE \"mig_items\" ALTER COLUMN \"qty\" TYPE TEXT"]),
            mysql: all(&["ALTER TABLE `mig_items` MODIFY `qty` VARCHAR(255) NOT NULL"]),
        },
        Step {
            describe: "drop column `note` of `mig_items`",
            // The rebuild above already left it out.
            sqlite: all(&[]),
            postgres: all(&["ALTER TABLE \"mig_items\" DROP COLUMN \"note\""]),
            mysql: all(&["ALTER TABLE `mig_items` DROP COLUMN `note`"]),
        },
    ],
    down: None,
};

/// A step with no PostgreSQL or MySQL text (SQLite only).
const M5_SQLITE_ONLY: MigrationSpec = MigrationSpec {
    version: V5,
    name: "sqlite_only",
    file: "schema/migrations/primary/20260105000000_sqlite_only.toml",
    checksum: "c5",
    up: &[Step {
        describe: "run hand-written SQL",
        sqlite: all(&["UPDATE `mig_items` SET `qty` = 0"]),
        postgres: None,
        mysql: None,
    }],
    down: None,
};

static BASE: [MigrationSpec; 3] = [M1, M2, M3];
static WITH_IRREVERSIBLE: [MigrationSpec; 4] = [M1, M2, M3, M4_IRREVERSIBLE];
static WITH_FAILING: [MigrationSpec; 4] = [M1, M2, M3, M4_FAILING];
static WITH_RETYPE: [MigrationSpec; 4] = [M1, M2, M3, M4_RETYPE];
/// M2 edited after it was applied; M3 pending behind it.
static TAMPERED: [MigrationSpec; 3] = [
    M1,
    MigrationSpec {
        checksum: "c2-edited",
        ..M2
    },
    M3,
];
/// Code older than the database: it does not know M3.
static OLDER: [MigrationSpec; 2] = [M1, M2];
/// Reversed in the list: the migrator orders by version.
static SHUFFLED: [MigrationSpec; 3] = [M3, M1, M2];

fn primary(db: &Database, migrations: &'static [MigrationSpec]) -> Migrator {
    Migrator::new(db.primary().handle(), migrations)
}

/// One value from the writer of `(cluster, shard)`, over a connection of its own (not counted
/// by the engine).
async fn query(t: &TestDb, cluster: &str, shard: &str, sql: &str) -> Result<i64, sqlx::Error> {
    use sqlx::Connection as _;
    let url = &t.urls[&(cluster, shard)].0;
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    match t.backend {
        Backend::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(url).await?;
            sqlx::query_scalar(sql).fetch_one(&mut c).await
        }
        Backend::Postgres => {
            let mut c = sqlx::PgConnection::connect(url).await?;
            sqlx::query_scalar(sql).fetch_one(&mut c).await
        }
        Backend::MySql => {
            let mut c = sqlx::MySqlConnection::connect(url).await?;
            sqlx::query_scalar(sql).fetch_one(&mut c).await
        }
    }
}

async fn count(t: &TestDb, cluster: &str, shard: &str, table: &str) -> i64 {
    let sql = match t.backend {
        Backend::Postgres => format!("SELECT COUNT(*) FROM \"{table}\""),
        Backend::Sqlite | Backend::MySql => format!("SELECT COUNT(*) FROM `{table}`"),
    };
    query(t, cluster, shard, &sql)
        .await
        .unwrap_or_else(|e| panic!("count {table} on {cluster}/{shard}: {e}"))
}

async fn table_exists(t: &TestDb, cluster: &str, shard: &str, table: &str) -> bool {
    let sql = match t.backend {
        Backend::Postgres => format!("SELECT COUNT(*) FROM \"{table}\""),
        Backend::Sqlite | Backend::MySql => format!("SELECT COUNT(*) FROM `{table}`"),
    };
    query(t, cluster, shard, &sql).await.is_ok()
}

fn versions_ran(report: &MigrationReport) -> Vec<i64> {
    report.databases[0].ran.iter().map(|m| m.version).collect()
}

/// No statement reached any server but writers.
fn assert_writers_only(t: &TestDb) {
    let counts = t.counts();
    assert_eq!(counts.replicas(), 0, "replicas got statements: {counts:?}");
    let reporting = counts.get(
        "primary",
        "default",
        Role::Custom {
            role: "reporting",
            index: 0,
        },
    );
    assert_eq!(
        reporting, 0,
        "the reporting role got statements: {counts:?}"
    );
}

fn problem(e: &Error) -> &MigrationProblem {
    match e {
        Error::Migration { problem, .. } => problem,
        other => panic!("expected a migration error, got {other}"),
    }
}

/// The one database's error of a failed run.
fn only_error(result: Result<MigrationReport, Error>) -> (MigrationReport, Error) {
    match result {
        Err(Error::Migrations(mut report)) => {
            let error = report.databases[0]
                .error
                .take()
                .expect("the database failed");
            (*report, error)
        }
        Ok(report) => panic!("expected a failure, got {report}"),
        Err(other) => panic!("expected a per-database report, got {other}"),
    }
}

backend_test! {
    async fn applies_every_migration_once_then_nothing(t) {
        let m = primary(&t.db, &SHUFFLED);
        let before = m.status().await.expect("status before");
        let db = &before.databases[0];
        assert_eq!(db.version, None);
        assert!(db.applied.is_empty());
        assert_eq!(db.pending.iter().map(|p| p.version).collect::<Vec<_>>(), [V1, V2, V3]);
        assert!(!table_exists(t, "primary", "default", "switchyard_migrations").await, "status creates nothing");

        let report = m.migrate(None).await.expect("migrate");
        assert_eq!(versions_ran(&report), [V1, V2, V3]);
        assert_eq!(report.databases[0].version, Some(V3));
        assert!(report.databases[0].pending.is_empty());
        assert_eq!(count(t, "primary", "default", "mig_log").await, 1);

        let again = m.migrate(None).await.expect("migrate again");
        assert!(again.databases[0].ran.is_empty(), "second run is a no-op: {again}");
        assert_eq!(again.databases[0].version, Some(V3));
        assert_eq!(count(t, "primary", "default", "switchyard_migrations").await, 3);
        assert_eq!(count(t, "primary", "default", "mig_log").await, 1);

        let after = m.status().await.expect("status after");
        let db = &after.databases[0];
        assert_eq!(db.version, Some(V3));
        assert_eq!(
            db.applied.iter().map(|a| (a.version, a.name.as_str())).collect::<Vec<_>>(),
            [(V1, "create_mig_items"), (V2, "seed_mig_log"), (V3, "add_mig_items_note")]
        );
        assert!(db.applied.iter().all(|a| a.known && !a.changed));
        assert!(db.applied.iter().all(|a| a.applied_at <= switchyard::__private::now()));
        assert!(db.pending.is_empty());
        assert_writers_only(t);
        // Only the migrated cluster was touched.
        let counts = t.counts();
        assert_eq!(counts.total(), counts.get("primary", "default", Role::Writer), "{counts:?}");
    }
}

backend_test! {
    async fn to_a_version_stops_there(t) {
        let m = primary(&t.db, &BASE);
        let report = m.migrate(Some(V2)).await.expect("migrate to V2");
        assert_eq!(versions_ran(&report), [V1, V2]);
        assert_eq!(report.databases[0].version, Some(V2));
        assert_eq!(report.databases[0].pending.iter().map(|p| p.version).collect::<Vec<_>>(), [V3]);
        let e = m.migrate(Some(V2 + 1)).await.expect_err("not a version");
        assert!(matches!(e, Error::Config(_)), "{e}");
        assert!(e.to_string().contains(&(V2 + 1).to_string()), "{e}");
        let report = m.migrate(None).await.expect("the rest");
        assert_eq!(versions_ran(&report), [V3]);
    }
}

backend_test! {
    async fn rolls_back_by_steps_to_zero_and_forward_again(t) {
        let m = primary(&t.db, &BASE);
        m.migrate(None).await.expect("migrate");
        let back = m.rollback(1).await.expect("rollback 1");
        assert_eq!(versions_ran(&back), [V3]);
        assert_eq!(back.databases[0].version, Some(V2));
        assert_eq!(back.databases[0].pending.iter().map(|p| p.version).collect::<Vec<_>>(), [V3]);

        let back = m.rollback(10).await.expect("rollback the rest");
        assert_eq!(versions_ran(&back), [V2, V1]);
        assert_eq!(back.databases[0].version, None);
        assert!(!table_exists(t, "primary", "default", "mig_items").await, "dropped");
        assert_eq!(count(t, "primary", "default", "switchyard_migrations").await, 0);
        let nothing = m.rollback(1).await.expect("rollback with nothing applied");
        assert!(nothing.databases[0].ran.is_empty());

        let forward = m.migrate(None).await.expect("forward again");
        assert_eq!(versions_ran(&forward), [V1, V2, V3]);
        assert_eq!(count(t, "primary", "default", "mig_log").await, 1);
        let status = m.status().await.expect("status");
        assert_eq!(status.databases[0].version, Some(V3));
        assert_writers_only(t);
    }
}

backend_test! {
    async fn rollback_past_an_irreversible_migration_changes_nothing(t) {
        let m = primary(&t.db, &WITH_IRREVERSIBLE);
        m.migrate(Some(V3)).await.expect("migrate to V3");
        t.db.primary()
            .handle()
            .execute_raw("INSERT INTO mig_items (id, label, qty) VALUES (1, 'a', 2)")
            .await
            .expect("insert");
        m.migrate(None).await.expect("migrate V4");
        let (report, e) = only_error(m.rollback(2).await);
        assert!(
            matches!(problem(&e), MigrationProblem::Irreversible { version: V4, .. }),
            "{e}"
        );
        let message = e.to_string();
        assert!(message.contains("20260104000000_backfill_notes.toml"), "{message}");
        assert!(message.contains("cluster `primary`, shard `default`, writer"), "{message}");
        assert!(report.databases[0].ran.is_empty());
        assert_eq!(report.databases[0].version, Some(V4));
        // Nothing changed: V3's column is there with V4's data, every row recorded.
        let backfilled = query(t, "primary", "default", "SELECT COUNT(*) FROM mig_items WHERE note = 'backfilled'").await;
        assert_eq!(backfilled.expect("note is still there"), 1);
        assert_eq!(count(t, "primary", "default", "switchyard_migrations").await, 4);
    }
}

backend_test! {
    async fn a_changed_or_unknown_migration_is_refused_with_nothing_run(t) {
        primary(&t.db, &OLDER).migrate(None).await.expect("migrate V1, V2");
        t.db.engine().reset_statement_counts();

        let (report, e) = only_error(primary(&t.db, &TAMPERED).migrate(None).await);
        let MigrationProblem::Changed { version, recorded, current, .. } = problem(&e) else {
            panic!("expected a changed migration: {e}");
        };
        assert_eq!((*version, recorded.as_str(), *current), (V2, "c2", "c2-edited"));
        let message = e.to_string();
        assert!(message.contains("schema/migrations/primary/20260102000000_seed_mig_log.toml"), "{message}");
        assert!(message.contains("cluster `primary`, shard `default`, writer"), "{message}");
        assert_eq!(report.databases[0].version, Some(V2));
        assert_eq!(report.databases[0].pending.len(), 1, "V3 still pending");
        assert!(report.databases[0].ran.is_empty());
        let noted = query(t, "primary", "default", "SELECT COUNT(note) FROM mig_items").await;
        assert!(noted.is_err(), "V3 did not run: {noted:?}");
        // The overall error lists the database.
        let overall = primary(&t.db, &TAMPERED).migrate(None).await.expect_err("still refused");
        assert!(overall.to_string().contains("failed on 1 of 1 database"), "{overall}");
        // Status flags it instead of failing.
        let status = primary(&t.db, &TAMPERED).status().await.expect("status");
        assert!(status.databases[0].applied.iter().any(|a| a.version == V2 && a.changed));

        // The database is newer than the code.
        primary(&t.db, &BASE).migrate(None).await.expect("migrate V3");
        let (_, e) = only_error(primary(&t.db, &OLDER).migrate(None).await);
        assert!(matches!(problem(&e), MigrationProblem::Unknown { version: V3, .. }), "{e}");
        assert!(e.to_string().contains("20260103000000_add_mig_items_note"), "{e}");
        assert_writers_only(t);
    }
}

backend_test! {
    async fn a_step_without_sql_for_the_backend_is_refused(t) {
        static SPECS: [MigrationSpec; 4] = [M1, M2, M3, M5_SQLITE_ONLY];
        let result = primary(&t.db, &SPECS).migrate(None).await;
        if t.backend == Backend::Sqlite {
            result.expect("SQLite has its text");
            return;
        }
        let (report, e) = only_error(result);
        assert!(matches!(problem(&e), MigrationProblem::MissingDialect { version: V5, .. }), "{e}");
        assert!(e.to_string().contains("20260105000000_sqlite_only.toml"), "{e}");
        assert!(e.to_string().contains("run hand-written SQL"), "{e}");
        assert!(report.databases[0].ran.is_empty(), "checked before anything ran");
        assert_eq!(report.databases[0].version, None);
    }
}

backend_test! {
    async fn a_migration_failing_half_way(t) {
        let m = primary(&t.db, &WITH_FAILING);
        m.migrate(Some(V3)).await.expect("migrate to V3");
        let (report, e) = only_error(m.migrate(None).await);
        let MigrationProblem::Failed { version, step, ran, rolled_back, version_now, .. } = problem(&e) else {
            panic!("expected a failed migration: {e}");
        };
        assert_eq!(*version, V4);
        assert_eq!(*step, Some((2, "run hand-written SQL")));
        assert_eq!(*version_now, Some(V3));
        assert_eq!(ran, &["create table `mig_extra`"]);
        let message = e.to_string();
        assert!(message.contains("20260104000000_half_way"), "{message}");
        assert!(message.contains("at step 2 of 3 (`run hand-written SQL`)"), "{message}");
        assert!(message.contains("mig_nowhere"), "the driver's message: {message}");
        assert_eq!(report.databases[0].version, Some(V3));
        assert_eq!(count(t, "primary", "default", "switchyard_migrations").await, 3);
        let has_row = query(t, "primary", "default", &format!("SELECT COUNT(*) FROM switchyard_migrations WHERE version = {V4}")).await;
        assert_eq!(has_row.expect("version table"), 0, "nothing recorded for it");
        assert!(table_exists(t, "primary", "default", "mig_log").await, "step 3 never ran");
        match t.backend {
            Backend::Sqlite | Backend::Postgres => {
                assert!(*rolled_back, "{message}");
                assert!(message.contains("rolled back: the database stays at version 20260103000000"), "{message}");
                assert!(!table_exists(t, "primary", "default", "mig_extra").await, "step 1 undone");
            }
            Backend::MySql => {
                assert!(!*rolled_back, "{message}");
                assert!(message.contains("1 `create table `mig_extra``"), "{message}");
                assert!(message.contains("nothing was recorded for this migration"), "{message}");
                assert!(table_exists(t, "primary", "default", "mig_extra").await, "step 1 stays on MariaDB");
            }
        }
        // The earlier migrations are intact and a status still works.
        let status = m.status().await.expect("status");
        assert_eq!(status.databases[0].pending.iter().map(|p| p.version).collect::<Vec<_>>(), [V4]);
    }
}

backend_test! {
    async fn two_engines_migrating_at_once_apply_each_migration_once(t) {
        for round in 0..3 {
            let a = Database::connect(t.config.clone()).await.expect("engine a");
            let b = Database::connect(t.config.clone()).await.expect("engine b");
            let (ra, rb) = tokio::join!(
                primary(&a, &BASE).lock_timeout(Duration::from_secs(30)).migrate(None),
                primary(&b, &BASE).lock_timeout(Duration::from_secs(30)).migrate(None),
            );
            let (ra, rb) = (ra.expect("run a"), rb.expect("run b"));
            let mut ran: Vec<i64> = versions_ran(&ra).into_iter().chain(versions_ran(&rb)).collect();
            ran.sort_unstable();
            assert_eq!(ran, [V1, V2, V3], "each applied once, by one of them (round {round})");
            assert_eq!(count(t, "primary", "default", "switchyard_migrations").await, 3);
            assert_eq!(count(t, "primary", "default", "mig_log").await, 1, "the data step ran once");
            a.engine().close().await;
            b.engine().close().await;
            primary(&t.db, &BASE).rollback(3).await.expect("back to zero for the next round");
        }
    }
}

backend_test! {
    async fn every_shard_migrated_and_recorded_replicas_untouched(t) {
        let m = Migrator::new(t.db.animals().handle(), &BASE);
        let report = m.migrate(None).await.expect("migrate animals");
        let shards: Vec<_> = report.databases.iter().map(|d| d.target.shard).collect();
        assert_eq!(shards, ["default", "shard_one"]);
        for db in &report.databases {
            assert_eq!(db.target.role, Role::Writer);
            assert_eq!(db.version, Some(V3), "{db}");
            assert_eq!(db.ran.len(), 3, "{db}");
            assert_eq!(count(t, "animals", db.target.shard, "switchyard_migrations").await, 3);
            assert_eq!(count(t, "animals", db.target.shard, "mig_log").await, 1);
        }
        assert!(report.to_string().contains("shard `shard_one`"), "{report}");
        assert_writers_only(t);
        let counts = t.counts();
        assert_eq!(counts.cluster("primary"), 0, "{counts:?}");

        // One shard by name.
        let back = m.clone().shard("shard_one").expect("shard").rollback(1).await.expect("rollback shard_one");
        assert_eq!(back.databases.len(), 1);
        let status = m.status().await.expect("status");
        let versions: Vec<_> = status.databases.iter().map(|d| (d.target.shard, d.version)).collect();
        assert_eq!(versions, [("default", Some(V3)), ("shard_one", Some(V2))]);
        let e = m.clone().shard("shard_two").expect_err("no such shard");
        assert!(e.to_string().contains("default, shard_one"), "{e}");
        // A rerun brings the lagging shard along.
        let report = m.migrate(None).await.expect("rerun");
        let ran: Vec<_> = report.databases.iter().map(|d| d.ran.len()).collect();
        assert_eq!(ran, [0, 1]);
        assert_eq!(t.counts().replicas(), 0);
    }
}

backend_test! {
    async fn a_failure_on_one_shard_does_not_hide_the_others(t) {
        // Prepare shard_one so that M1 fails there: its table already exists.
        let animals = t.db.animals();
        let shard_one = animals.handle().with_shard(1);
        let create = CREATE.sql(shard_one.backend()).expect("sql")[0];
        shard_one.execute_raw(create).await.expect("pre-create on shard_one");
        let result = Migrator::new(animals.handle(), &BASE).migrate(None).await;
        let Err(Error::Migrations(report)) = result else {
            panic!("expected a report of the failure");
        };
        assert_eq!(report.databases[0].version, Some(V3), "default migrated");
        assert!(report.databases[0].error.is_none());
        assert_eq!(report.databases[1].version, None, "shard_one stopped at M1");
        let e = report.databases[1].error.as_ref().expect("shard_one failed");
        assert!(e.to_string().contains("shard `shard_one`"), "{e}");
        assert_eq!(report.failures().count(), 1);
        assert!(report.to_string().contains("failed on 1 of 2 database"), "{report}");
    }
}

backend_test! {
    async fn dry_run_plans_without_running(t) {
        let m = primary(&t.db, &BASE).dry_run(true);
        let plan = m.migrate(None).await.expect("dry run");
        assert!(plan.dry_run);
        let db = &plan.databases[0];
        assert!(db.ran.is_empty());
        assert_eq!(db.plan.iter().map(|p| p.version).collect::<Vec<_>>(), [V1, V2, V3]);
        let script = plan.script();
        assert!(script.contains("CREATE TABLE"), "{script}");
        assert!(script.contains("-- add column `note` to `mig_items`"), "{script}");
        assert!(script.contains("switchyard_migrations"), "{script}");
        assert_eq!(db.plan[0].transactional, t.backend != Backend::MySql);
        assert!(!table_exists(t, "primary", "default", "switchyard_migrations").await, "nothing created");
        assert!(!table_exists(t, "primary", "default", "mig_items").await, "nothing run");

        primary(&t.db, &BASE).migrate(None).await.expect("migrate");
        let plan = m.rollback(2).await.expect("dry rollback");
        assert_eq!(plan.databases[0].plan.iter().map(|p| p.version).collect::<Vec<_>>(), [V3, V2]);
        assert!(plan.script().contains("DROP COLUMN"), "{}", plan.script());
        assert_eq!(count(t, "primary", "default", "switchyard_migrations").await, 3, "nothing rolled back");
    }
}

/// A row's width and, after the retype, its `qty` as text.
struct Shape {
    width: usize,
    qty: Option<String>,
}

impl FromRow for Shape {
    fn from_row(row: &Row) -> Result<Self, sqlx::Error> {
        use sqlx::Row as _;
        let width = match row {
            Row::Sqlite(r) => r.len(),
            Row::Postgres(r) => r.len(),
            Row::MySql(r) => r.len(),
        };
        Ok(Shape {
            width,
            qty: row.get::<String>(2).ok(),
        })
    }
}

async fn shapes(
    handle: &switchyard::Handle,
    sql: &'static str,
) -> Result<Vec<(usize, Option<String>)>, Error> {
    let mut conn = Conn::Handle(handle.clone());
    let args = conn.args();
    let rows: Vec<Shape> = conn.fetch_all(sql, args).await?;
    Ok(rows.into_iter().map(|s| (s.width, s.qty)).collect())
}

backend_test! {
    async fn open_pools_survive_a_table_changed_under_them(t) {
        // One connection per pool, so the statements cached before are on the connections
        // used after.
        let config = t.config.clone().pool("primary", |p| p.max_connections = 1);
        let db = Database::connect(config).await.expect("connect");
        let m = primary(&db, &WITH_RETYPE);
        m.migrate(Some(V3)).await.expect("migrate to V3");
        let writer = db.primary().handle().clone();
        let reader = db.primary().reading().handle().clone();
        writer
            .execute_raw("INSERT INTO mig_items (id, label, qty, note) VALUES (1, 'a', 2, 'n')")
            .await
            .expect("insert");
        let star = "SELECT * FROM mig_items";
        let listed = "SELECT id, label, qty FROM mig_items";
        for handle in [&writer, &reader] {
            assert_eq!(shapes(handle, star).await.expect("cache *"), [(4, None)]);
            assert_eq!(shapes(handle, listed).await.expect("cache listed"), [(3, None)]);
        }
        m.migrate(None).await.expect("retype");
        let after = [(3, Some("2".to_owned()))];
        for (handle, role) in [(&writer, "writer"), (&reader, "replica")] {
            for sql in [star, listed] {
                let got = shapes(handle, sql).await.unwrap_or_else(|e| panic!("{role}, `{sql}` after the migration: {e}"));
                assert_eq!(got, after, "{role}, `{sql}` sees the new shape");
            }
        }
        db.engine().close().await;
    }
}

/// In-memory SQLite lives as long as a connection: the stale connection is kept, its statement
/// cache emptied, and the database with it.
#[tokio::test]
async fn in_memory_sqlite_keeps_its_data_across_a_migration() {
    let config = Database::config()
        .writer("primary", "default", "sqlite::memory:")
        .replicas("primary", "default", Vec::<String>::new())
        .pool("primary", |p| p.max_connections = 1);
    let db = Database::connect(config).await.expect("connect");
    let m = primary(&db, &WITH_RETYPE);
    m.migrate(Some(V3)).await.expect("migrate to V3");
    let writer = db.primary().handle().clone();
    writer
        .execute_raw("INSERT INTO mig_items (id, label, qty, note) VALUES (1, 'a', 2, 'n')")
        .await
        .expect("insert");
    assert_eq!(
        shapes(&writer, "SELECT * FROM mig_items")
            .await
            .expect("cache"),
        [(4, None)]
    );
    m.migrate(None).await.expect("retype");
    let got = shapes(&writer, "SELECT * FROM mig_items")
        .await
        .expect("after");
    assert_eq!(got, [(3, Some("2".to_owned()))], "new shape, same row");
    let status = m.status().await.expect("status");
    assert_eq!(status.databases[0].version, Some(V4));
}

/// Every migrator future can be spawned: `Send` and borrowing nothing.
#[test]
fn futures_are_send_and_static() {
    fn spawnable<T: Send + 'static>(_: T) {}
    fn check(m: &Migrator) {
        spawnable(m.migrate(None));
        spawnable(m.rollback(1));
        spawnable(m.status());
    }
    let _ = check;
}

backend_test! {
    async fn a_held_lock_makes_the_run_wait_then_fail(t) {
        use sqlx::Connection as _;
        let url = &t.urls[&("primary", "default")].0;
        let m = primary(&t.db, &BASE).lock_timeout(Duration::from_millis(300));
        // SQLite has no session lock: each migration takes the write lock with
        // `BEGIN IMMEDIATE`, so another connection's open write transaction holds it.
        let holder: Box<dyn std::any::Any> = match t.backend {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(url).await.expect("connect");
                sqlx::raw_sql("BEGIN IMMEDIATE")
                    .execute(&mut c)
                    .await
                    .expect("hold the write lock");
                Box::new(c)
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
                sqlx::raw_sql("SELECT pg_advisory_lock(1398231373, hashtext(coalesce(current_schema(), '')))")
                    .execute(&mut c)
                    .await
                    .expect("hold the lock");
                Box::new(c)
            }
            Backend::MySql => {
                let mut c = sqlx::MySqlConnection::connect(url).await.expect("connect");
                sqlx::raw_sql("SELECT GET_LOCK(CONCAT('switchyard_migrations.', MD5(DATABASE())), 0)")
                    .execute(&mut c)
                    .await
                    .expect("hold the lock");
                Box::new(c)
            }
        };
        let (report, e) = only_error(m.migrate(None).await);
        assert!(matches!(problem(&e), MigrationProblem::Locked { .. }), "{e}");
        assert!(e.to_string().contains("holds this database's migration lock"), "{e}");
        assert!(report.databases[0].ran.is_empty());
        assert!(!table_exists(t, "primary", "default", "mig_items").await);
        drop(holder);
        // The server frees the lock when it sees the connection gone: wait for it.
        let report = primary(&t.db, &BASE).migrate(None).await.expect("the lock is free again");
        assert_eq!(versions_ran(&report), [V1, V2, V3]);
    }
}

backend_test! {
    // `database_tasks = false` on `discussion`: the generated `Database::migrate()` runs every
    // other cluster on every shard's writer, and sends that cluster no statement at all.
    async fn the_generated_migrate_skips_unmanaged_clusters_and_replicas(t) {
        let report = t.db.migrate().await.expect("migrate");
        let mut databases: Vec<String> = report
            .databases
            .iter()
            .map(|d| format!("{}/{}", d.target.cluster, d.target.shard))
            .collect();
        databases.sort();
        assert_eq!(
            databases,
            [
                "animals/default",
                "animals/shard_one",
                "content/default",
                "ledger/high",
                "ledger/low",
                "primary/default"
            ]
        );
        let counts = t.counts();
        assert_eq!(counts.cluster("discussion"), 0, "{counts:?}");
        assert_eq!(counts.replicas(), 0, "{counts:?}");
        assert!(counts.cluster("primary") > 0, "{counts:?}");
        let status = t.db.migration_status().await.expect("status");
        assert_eq!(status.databases.len(), 6);
        assert!(status.databases.iter().all(|d| d.pending.is_empty()));
    }
}
