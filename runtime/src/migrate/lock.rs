//! One migration run per database at a time: a session lock held on the run's connection
//! (PostgreSQL advisory lock, MariaDB `GET_LOCK`). SQLite needs none: each migration runs in
//! a `BEGIN IMMEDIATE` transaction, which takes the database's write lock.

use std::time::Duration;

use super::problem::MigrationProblem;
use super::session::Session;
use crate::backend::Backend;
use crate::error::{Error, Result};

/// The lock is per database: per schema on PostgreSQL (the key hashes the current schema, so
/// shards kept as schemas of one database do not wait for each other), per database on
/// MariaDB (its lock names are server-wide).
const PG_LOCK: &str =
    "SELECT pg_advisory_lock(1398231373, hashtext(coalesce(current_schema(), '')))";
const PG_UNLOCK: &str =
    "SELECT pg_advisory_unlock(1398231373, hashtext(coalesce(current_schema(), '')))";
const PG_TIMEOUT: &str = "SELECT set_config('lock_timeout', $1, false)";
const PG_RESET: &str = "RESET lock_timeout";
const MYSQL_LOCK: &str =
    "SELECT CAST(GET_LOCK(CONCAT('switchyard_migrations.', MD5(DATABASE())), ?) AS SIGNED)";
const MYSQL_UNLOCK: &str = "SELECT RELEASE_LOCK(CONCAT('switchyard_migrations.', MD5(DATABASE())))";

/// Wait at most `timeout` for the database's migration lock.
pub(crate) async fn acquire(s: &mut Session, timeout: Duration) -> Result<()> {
    match s.backend() {
        Backend::Sqlite => Ok(()),
        Backend::Postgres => {
            let mut args = s.args();
            args.add(&format!("{}ms", timeout.as_millis().max(1)));
            s.fetch(PG_TIMEOUT, args).await?;
            let locked = s.raw(PG_LOCK).await;
            let reset = s.raw(PG_RESET).await;
            match locked {
                Err(Error::Query { source, .. })
                    if source
                        .get_ref()
                        .as_database_error()
                        .and_then(|e| e.code())
                        .as_deref()
                        == Some("55P03") =>
                {
                    Err(locked_error(s, timeout))
                }
                Err(e) => Err(e),
                Ok(()) => reset,
            }
        }
        Backend::MySql => {
            let mut args = s.args();
            args.add(&timeout.as_secs_f64());
            let got: Option<i64> = s.scalar(MYSQL_LOCK, args).await?;
            if got == Some(1) {
                Ok(())
            } else {
                Err(locked_error(s, timeout))
            }
        }
    }
}

/// Release the lock taken by [`acquire`]. On failure the connection is closed instead, which
/// releases a session lock too.
pub(crate) async fn release(s: &mut Session) {
    let released = match s.backend() {
        Backend::Sqlite => Ok(()),
        Backend::Postgres => s.raw(PG_UNLOCK).await,
        Backend::MySql => s.raw(MYSQL_UNLOCK).await,
    };
    if let Err(e) = released {
        tracing::warn!(target: "switchyard::migrate", error = %e, "releasing the migration lock failed; closing its connection");
        s.discard();
    }
}

fn locked_error(s: &Session, waited: Duration) -> Error {
    Error::Migration {
        target: s.target().clone(),
        problem: Box::new(MigrationProblem::Locked { waited }),
    }
}
