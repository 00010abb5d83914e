//! Drift verification: each shard's writer read back from its catalog and compared with
//! declarations written here by hand (as the generated code will emit them), on SQLite,
//! PostgreSQL and MariaDB. The harness creates every table with `create_tables()`.

use switchyard::__private::{ExpectedColumn, ExpectedIndex, ExpectedTable, FieldType};
use switchyard::{DriftReport, Handle, Role, verify, verify_shard};
use switchyard_tests::backend_test;
use switchyard_tests::db::AnimalsShard;
use switchyard_tests::harness::Backend;

const fn column(name: &'static str, ty: FieldType) -> ExpectedColumn {
    ExpectedColumn {
        name,
        ty,
        nullable: false,
        primary_key: false,
        unique: false,
        default: None,
    }
}

const fn key(name: &'static str, ty: FieldType) -> ExpectedColumn {
    ExpectedColumn {
        primary_key: true,
        ..column(name, ty)
    }
}

const fn nullable(name: &'static str, ty: FieldType) -> ExpectedColumn {
    ExpectedColumn {
        nullable: true,
        ..column(name, ty)
    }
}

const fn defaulting(name: &'static str, ty: FieldType, default: &'static str) -> ExpectedColumn {
    ExpectedColumn {
        default: Some(default),
        ..column(name, ty)
    }
}

// tests/schema/models.toml, model User.
const USERS: ExpectedTable = ExpectedTable {
    name: "users",
    columns: &[
        key("id", FieldType::I64),
        ExpectedColumn {
            unique: true,
            ..column("username", FieldType::String)
        },
        column("email", FieldType::String),
        nullable("bio", FieldType::Text),
        defaulting("karma", FieldType::I32, "0"),
        defaulting("created_at", FieldType::DateTime, "now"),
    ],
    indexes: &[],
};

// Model Tag: a string primary key, not assigned by the database.
const TAGS: ExpectedTable = ExpectedTable {
    name: "tags",
    columns: &[
        key("name", FieldType::String),
        nullable("color", FieldType::String),
    ],
    indexes: &[],
};

// Model Sample: every field type, required and nullable.
const SAMPLES: ExpectedTable = ExpectedTable {
    name: "samples",
    columns: &[
        key("id", FieldType::I32),
        column("flag", FieldType::Bool),
        column("small", FieldType::I16),
        column("medium", FieldType::I32),
        column("large", FieldType::I64),
        column("single", FieldType::F32),
        column("double", FieldType::F64),
        column("short", FieldType::String),
        column("long", FieldType::Text),
        column("blob", FieldType::Bytes),
        column("uid", FieldType::Uuid),
        column("day", FieldType::Date),
        column("clock", FieldType::Time),
        column("at", FieldType::DateTime),
        column("doc", FieldType::Json),
        nullable("flag_n", FieldType::Bool),
        nullable("small_n", FieldType::I16),
        nullable("medium_n", FieldType::I32),
        nullable("large_n", FieldType::I64),
        nullable("single_n", FieldType::F32),
        nullable("double_n", FieldType::F64),
        nullable("short_n", FieldType::String),
        nullable("long_n", FieldType::Text),
        nullable("blob_n", FieldType::Bytes),
        nullable("uid_n", FieldType::Uuid),
        nullable("day_n", FieldType::Date),
        nullable("clock_n", FieldType::Time),
        nullable("at_n", FieldType::DateTime),
        nullable("doc_n", FieldType::Json),
        defaulting("kind", FieldType::String, "plain"),
    ],
    indexes: &[],
};

static PRIMARY: &[ExpectedTable] = &[USERS, TAGS, SAMPLES];

// Model Dog (cluster animals, two shards): a uuid key and a declared index.
static ANIMALS: &[ExpectedTable] = &[ExpectedTable {
    name: "dogs",
    columns: &[
        key("id", FieldType::Uuid),
        column("name", FieldType::String),
        defaulting("age", FieldType::I16, "1"),
        nullable("owner_id", FieldType::I64),
        nullable("kennel_code", FieldType::String),
    ],
    indexes: &[ExpectedIndex {
        name: "dogs_name_idx",
        columns: &["name"],
        unique: false,
    }],
}];

async fn ddl(handle: &Handle, sql: &str) {
    handle
        .execute_raw(sql)
        .await
        .unwrap_or_else(|e| panic!("`{sql}`: {e}"));
}

/// Run `statements` in order. On SQLite they go in one call, so on one connection: another
/// connection of the pool may still have the old schema cached when it prepares DDL, and
/// refuse to create again what was just dropped ("already exists").
async fn ddl_all(backend: Backend, handle: &Handle, statements: &[&str]) {
    if backend == Backend::Sqlite {
        ddl(handle, &statements.join(";\n")).await;
    } else {
        for sql in statements {
            ddl(handle, sql).await;
        }
    }
}

fn lines(report: &DriftReport) -> Vec<String> {
    let mut lines: Vec<String> = report.differences().map(|(_, d)| d.to_string()).collect();
    lines.sort();
    lines
}

backend_test! {
    async fn a_fresh_database_is_clean(t) {
        let primary = t.db.primary().handle().clone();
        // The migrator's version table is never compared.
        let version_table = match t.backend {
            Backend::Postgres => "CREATE TABLE \"switchyard_migrations\" (\"version\" BIGINT PRIMARY KEY)",
            Backend::Sqlite | Backend::MySql => {
                "CREATE TABLE `switchyard_migrations` (`version` BIGINT PRIMARY KEY)"
            }
        };
        ddl(&primary, version_table).await;
        t.db.engine().reset_statement_counts();

        let report = verify(&primary, PRIMARY).await.expect("verify primary");
        assert!(report.is_clean(), "{report}");
        assert_eq!(report.databases.len(), 1);
        let database = &report.databases[0];
        assert_eq!((database.target.cluster, database.target.shard), ("primary", "default"));
        assert_eq!(database.target.role, Role::Writer);
        // The cluster's other models are not in this test's declarations: noted, not drift.
        assert_eq!(database.undeclared_tables, ["homes", "humans", "profiles"], "{report}");
        assert!(report.to_string().contains("matches the declarations"), "{report}");

        let animals = verify(t.db.animals().handle(), ANIMALS).await.expect("verify animals");
        assert!(animals.is_clean(), "{animals}");
        let shards: Vec<_> = animals.databases.iter().map(|d| d.target.shard).collect();
        assert_eq!(shards, ["default", "shard_one"]);
        // Kennels and visits are not in this test's declarations either.
        assert!(animals.databases.iter().all(|d| d.undeclared_tables == ["kennels", "visits"]));

        // Catalogs are read on writers only, and counted like any other statement.
        let counts = t.counts();
        assert_eq!(counts.replicas(), 0, "{counts:?}");
        assert!(counts.get("primary", "default", Role::Writer) >= 2, "{counts:?}");
        assert!(counts.get("animals", "shard_one", Role::Writer) >= 2, "{counts:?}");
    }
}

backend_test! {
    async fn every_change_by_hand_is_reported_once(t) {
        let primary = t.db.primary().handle().clone();
        let shard_one = t.db.animals().shard(AnimalsShard::ShardOne).handle().clone();
        let statements: &[&str] = match t.backend {
            Backend::Postgres => &[
                "ALTER TABLE \"users\" DROP COLUMN \"bio\"",
                "ALTER TABLE \"users\" ADD COLUMN \"nickname\" VARCHAR(255) COLLATE \"C\"",
                "ALTER TABLE \"tags\" ALTER COLUMN \"color\" TYPE BIGINT USING NULL",
                "ALTER TABLE \"users\" ALTER COLUMN \"email\" DROP NOT NULL",
                "ALTER TABLE \"users\" ALTER COLUMN \"karma\" SET DEFAULT 5",
                "CREATE TABLE \"legacy_notes\" (\"id\" INTEGER)",
            ],
            Backend::MySql => &[
                "ALTER TABLE `users` DROP COLUMN `bio`",
                "ALTER TABLE `users` ADD COLUMN `nickname` VARCHAR(255)",
                "ALTER TABLE `tags` MODIFY `color` BIGINT",
                "ALTER TABLE `users` MODIFY `email` VARCHAR(255) NULL",
                "ALTER TABLE `users` ALTER COLUMN `karma` SET DEFAULT 5",
                "CREATE TABLE `legacy_notes` (`id` INT)",
            ],
            // SQLite alters only by adding, dropping and renaming columns; other changes
            // recreate the table.
            Backend::Sqlite => &[
                "ALTER TABLE `users` DROP COLUMN `bio`",
                "ALTER TABLE `users` ADD COLUMN `nickname` TEXT",
                "DROP TABLE `users`",
                "CREATE TABLE `users` (`id` INTEGER PRIMARY KEY AUTOINCREMENT, \
                 `username` TEXT NOT NULL CHECK (length(`username`) <= 255) UNIQUE, \
                 `email` TEXT CHECK (length(`email`) <= 255), `karma` INTEGER NOT NULL DEFAULT 5, \
                 `created_at` TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, `nickname` TEXT)",
                "DROP TABLE `tags`",
                "CREATE TABLE `tags` (`name` TEXT NOT NULL PRIMARY KEY CHECK (length(`name`) <= 255), \
                 `color` INTEGER)",
                "CREATE TABLE `legacy_notes` (`id` INTEGER)",
            ],
        };
        ddl_all(t.backend, &primary, statements).await;
        // One shard only: the other stays clean.
        let drop_index = match t.backend {
            Backend::Postgres => "DROP INDEX \"dogs_name_idx\"",
            Backend::MySql => "DROP INDEX `dogs_name_idx` ON `dogs`",
            Backend::Sqlite => "DROP INDEX `dogs_name_idx`",
        };
        ddl(&shard_one, drop_index).await;

        let (nickname, color) = match t.backend {
            Backend::Postgres => ("`character varying(255)`", "i64 (`bigint`)"),
            Backend::MySql => ("`varchar(255)`", "i64 (`bigint(20)`)"),
            // SQLite's INTEGER is what bool and every integer type create.
            Backend::Sqlite => ("`TEXT`", "`INTEGER`"),
        };
        let report = verify(&primary, PRIMARY).await.expect("verify primary");
        assert!(!report.is_clean());
        let mut expected = vec![
            "table `users`, column `bio`: missing (declared text)".to_owned(),
            format!("table `users`, column `nickname`: not declared (found {nickname})"),
            format!("table `tags`, column `color`: type differs: declared string, found {color}"),
            "table `users`, column `email`: nullability differs: declared NOT NULL, found nullable"
                .to_owned(),
            "table `users`, column `karma`: default differs: declared 0, found `5`".to_owned(),
        ];
        expected.sort();
        assert_eq!(lines(&report), expected, "{report}");
        // An extra table is information, not drift.
        assert!(report.databases[0].undeclared_tables.iter().any(|t| t == "legacy_notes"));
        let text = report.to_string();
        assert!(text.contains("5 differences"), "{text}");
        assert!(text.contains("note: table `legacy_notes` is not declared"), "{text}");

        let animals = verify(t.db.animals().handle(), ANIMALS).await.expect("verify animals");
        assert!(animals.databases[0].is_clean(), "{animals}");
        assert_eq!(
            lines(&animals),
            ["table `dogs`, index `dogs_name_idx`: missing (declared on (`name`))"],
            "{animals}"
        );
        assert_eq!(animals.databases[1].target.shard, "shard_one");

        // One shard alone, and several clusters in one report.
        let one = verify_shard(t.db.animals().handle(), "shard_one", ANIMALS).await.expect("shard");
        assert_eq!(one.databases.len(), 1);
        assert!(!one.is_clean());
        let unknown = verify_shard(t.db.animals().handle(), "nope", ANIMALS).await;
        assert!(unknown.is_err());
        let all = DriftReport::combine([Ok(report), Ok(animals)]).expect("combine");
        assert_eq!(all.databases.len(), 3);
        assert_eq!(all.differences().count(), 6, "{all}");
    }
}

backend_test! {
    async fn keys_uniques_indexes_and_collations(t) {
        let primary = t.db.primary().handle().clone();
        let dogs = t.db.animals().shard(AnimalsShard::Default).handle().clone();
        let (primary_sql, dogs_sql): (&[&str], &[&str]) = match t.backend {
            Backend::Postgres => (
                &[
                    "ALTER TABLE \"users\" DROP CONSTRAINT \"users_username_key\"",
                    "CREATE INDEX \"users_email_karma_idx\" ON \"users\" (\"email\", \"karma\")",
                    "CREATE UNIQUE INDEX \"tags_color_key\" ON \"tags\" (\"color\")",
                    "ALTER TABLE \"users\" ALTER COLUMN \"email\" TYPE VARCHAR(255) COLLATE \"POSIX\"",
                ],
                &[
                    "DROP INDEX \"dogs_name_idx\"",
                    "CREATE UNIQUE INDEX \"dogs_name_idx\" ON \"dogs\" (\"name\", \"age\")",
                ],
            ),
            Backend::MySql => (
                &[
                    "DROP INDEX `username` ON `users`",
                    "CREATE INDEX `users_email_karma_idx` ON `users` (`email`, `karma`)",
                    "CREATE UNIQUE INDEX `tags_color_key` ON `tags` (`color`)",
                    "ALTER TABLE `users` MODIFY `email` VARCHAR(255) NOT NULL COLLATE utf8mb4_bin",
                ],
                &[
                    "DROP INDEX `dogs_name_idx` ON `dogs`",
                    "CREATE UNIQUE INDEX `dogs_name_idx` ON `dogs` (`name`, `age`)",
                ],
            ),
            Backend::Sqlite => (
                &[
                    "DROP TABLE `users`",
                    "CREATE TABLE `users` (`id` INTEGER PRIMARY KEY AUTOINCREMENT, \
                     `username` TEXT NOT NULL CHECK (length(`username`) <= 255), \
                     `email` TEXT NOT NULL CHECK (length(`email`) <= 255), `bio` TEXT, \
                     `karma` INTEGER NOT NULL DEFAULT 0, \
                     `created_at` TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)",
                    "CREATE INDEX `users_email_karma_idx` ON `users` (`email`, `karma`)",
                    "CREATE UNIQUE INDEX `tags_color_key` ON `tags` (`color`)",
                ],
                &[
                    "DROP INDEX `dogs_name_idx`",
                    "CREATE UNIQUE INDEX `dogs_name_idx` ON `dogs` (`name`, `age`)",
                ],
            ),
        };
        ddl_all(t.backend, &primary, primary_sql).await;
        ddl_all(t.backend, &dogs, dogs_sql).await;

        let report = verify(&primary, PRIMARY).await.expect("verify primary");
        let mut expected = vec![
            "table `users`, column `username`: uniqueness differs: declared unique, found not unique"
                .to_owned(),
            "table `users`, index `users_email_karma_idx`: not declared (found on (`email`, `karma`))"
                .to_owned(),
            // A unique index on one column is that column's `unique`, not an index.
            "table `tags`, column `color`: uniqueness differs: declared not unique, found unique"
                .to_owned(),
        ];
        match t.backend {
            Backend::Postgres => expected.push(
                "table `users`, column `email`: collation differs: declared `C`, found `POSIX`"
                    .to_owned(),
            ),
            Backend::MySql => expected.push(
                "table `users`, column `email`: collation differs: declared `utf8mb4_nopad_bin`, \
                 found `utf8mb4_bin`"
                    .to_owned(),
            ),
            Backend::Sqlite => {}
        }
        expected.sort();
        assert_eq!(lines(&report), expected, "{report}");

        let animals = verify_shard(t.db.animals().handle(), "default", ANIMALS)
            .await
            .expect("verify animals");
        assert_eq!(
            lines(&animals),
            ["table `dogs`, index `dogs_name_idx`: differs: declared on (`name`), \
              found unique on (`name`, `age`)"],
            "{animals}"
        );
    }
}

backend_test! {
    // The generated statics describe exactly what `create_tables()` makes: a fresh database
    // of every cluster and shard is clean.
    async fn the_generated_declared_tables_match_create_tables(t) {
        let drift = t.db.verify().await.expect("verify");
        assert!(drift.is_clean(), "{drift}");
        assert_eq!(drift.databases.len(), 7, "every cluster and shard: {drift}");
        assert_eq!(t.counts().replicas(), 0);
    }
}
