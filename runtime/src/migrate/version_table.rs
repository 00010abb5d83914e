//! The version table, `switchyard_migrations`, in each database: which migrations it has.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::session::Session;
use super::spec::MigrationSpec;
use crate::backend::{Backend, Sql};
use crate::error::Result;

/// The table's name in every database.
pub(crate) const TABLE: &str = "switchyard_migrations";

const CREATE: Sql = Sql {
    sqlite: "CREATE TABLE IF NOT EXISTS `switchyard_migrations` (`version` BIGINT NOT NULL PRIMARY KEY, \
             `name` TEXT NOT NULL, `checksum` TEXT NOT NULL, `applied_at` TEXT NOT NULL, \
             `duration_ms` BIGINT NOT NULL)",
    postgres: "CREATE TABLE IF NOT EXISTS \"switchyard_migrations\" (\"version\" BIGINT NOT NULL PRIMARY KEY, \
               \"name\" TEXT NOT NULL, \"checksum\" TEXT NOT NULL, \"applied_at\" TIMESTAMPTZ NOT NULL, \
               \"duration_ms\" BIGINT NOT NULL)",
    mysql: "CREATE TABLE IF NOT EXISTS `switchyard_migrations` (`version` BIGINT NOT NULL PRIMARY KEY, \
            `name` VARCHAR(255) NOT NULL, `checksum` VARCHAR(255) NOT NULL, `applied_at` DATETIME(6) NOT NULL, \
            `duration_ms` BIGINT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
};

const EXISTS: Sql = Sql {
    sqlite: "SELECT COUNT(*) FROM `sqlite_master` WHERE `type` = ? AND `name` = ?",
    postgres: "SELECT COUNT(*) FROM information_schema.tables \
               WHERE table_schema = current_schema() AND table_name = $1",
    mysql: "SELECT COUNT(*) FROM information_schema.tables \
            WHERE table_schema = DATABASE() AND table_name = ?",
};

const SELECT: Sql = Sql {
    sqlite: "SELECT `version`, `name`, `checksum`, `applied_at`, `duration_ms` \
             FROM `switchyard_migrations` ORDER BY `version`",
    postgres: "SELECT \"version\", \"name\", \"checksum\", \"applied_at\", \"duration_ms\" \
               FROM \"switchyard_migrations\" ORDER BY \"version\"",
    mysql: "SELECT `version`, `name`, `checksum`, `applied_at`, `duration_ms` \
            FROM `switchyard_migrations` ORDER BY `version`",
};

/// Record an applied migration.
pub(crate) const INSERT: Sql = Sql {
    sqlite: "INSERT INTO `switchyard_migrations` (`version`, `name`, `checksum`, `applied_at`, `duration_ms`) \
             VALUES (?, ?, ?, ?, ?)",
    postgres: "INSERT INTO \"switchyard_migrations\" (\"version\", \"name\", \"checksum\", \"applied_at\", \"duration_ms\") \
               VALUES ($1, $2, $3, $4, $5)",
    mysql: "INSERT INTO `switchyard_migrations` (`version`, `name`, `checksum`, `applied_at`, `duration_ms`) \
            VALUES (?, ?, ?, ?, ?)",
};

/// Forget a rolled-back migration.
pub(crate) const DELETE: Sql = Sql {
    sqlite: "DELETE FROM `switchyard_migrations` WHERE `version` = ?",
    postgres: "DELETE FROM \"switchyard_migrations\" WHERE \"version\" = $1",
    mysql: "DELETE FROM `switchyard_migrations` WHERE `version` = ?",
};

const LATEST: Sql = Sql {
    sqlite: "SELECT MAX(`version`) FROM `switchyard_migrations`",
    postgres: "SELECT MAX(\"version\") FROM \"switchyard_migrations\"",
    mysql: "SELECT MAX(`version`) FROM `switchyard_migrations`",
};

const HAS: Sql = Sql {
    sqlite: "SELECT COUNT(*) FROM `switchyard_migrations` WHERE `version` = ?",
    postgres: "SELECT COUNT(*) FROM \"switchyard_migrations\" WHERE \"version\" = $1",
    mysql: "SELECT COUNT(*) FROM `switchyard_migrations` WHERE `version` = ?",
};

/// One row of the version table.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub version: i64,
    pub name: String,
    pub checksum: String,
    pub applied_at: DateTime<Utc>,
    pub duration_ms: i64,
}

/// Whether the table exists (reads only: status and dry runs create nothing).
pub(crate) async fn exists(s: &mut Session) -> Result<bool> {
    let mut args = s.args();
    if s.backend() == Backend::Sqlite {
        args.add("table");
    }
    args.add(TABLE);
    let n: i64 = s.scalar(EXISTS.get(s.backend()), args).await?;
    Ok(n > 0)
}

/// Create the table if it is missing.
pub(crate) async fn ensure(s: &mut Session) -> Result<()> {
    s.raw(CREATE.get(s.backend())).await
}

/// Every recorded migration, by version.
pub(crate) async fn read(s: &mut Session) -> Result<Vec<Recorded>> {
    let rows = s.fetch(SELECT.get(s.backend()), s.args()).await?;
    rows.iter()
        .map(|row| {
            Ok(Recorded {
                version: s.decode(row, 0)?,
                name: s.decode(row, 1)?,
                checksum: s.decode(row, 2)?,
                applied_at: s.decode(row, 3)?,
                duration_ms: s.decode(row, 4)?,
            })
        })
        .collect()
}

/// Whether `version` is recorded (re-read inside SQLite's write lock).
pub(crate) async fn has(s: &mut Session, version: i64) -> Result<bool> {
    let mut args = s.args();
    args.add(&version);
    let n: i64 = s.scalar(HAS.get(s.backend()), args).await?;
    Ok(n > 0)
}

/// The latest recorded version.
pub(crate) async fn latest(s: &mut Session) -> Result<Option<i64>> {
    s.scalar(LATEST.get(s.backend()), s.args()).await
}

/// Record `spec` as applied now, after running for `elapsed`.
pub(crate) async fn insert(
    s: &mut Session,
    spec: &MigrationSpec,
    elapsed: Duration,
) -> Result<Recorded> {
    let row = Recorded {
        version: spec.version,
        name: spec.name.to_owned(),
        checksum: spec.checksum.to_owned(),
        applied_at: crate::__private::now(),
        duration_ms: i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX),
    };
    let mut args = s.args();
    args.add(&row.version);
    args.add(&row.name);
    args.add(&row.checksum);
    args.add(&row.applied_at);
    args.add(&row.duration_ms);
    s.execute(INSERT.get(s.backend()), args).await?;
    Ok(row)
}

/// Forget `version` (rolled back).
pub(crate) async fn delete(s: &mut Session, version: i64) -> Result<()> {
    let mut args = s.args();
    args.add(&version);
    s.execute(DELETE.get(s.backend()), args).await.map(drop)
}
