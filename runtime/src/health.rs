//! Replica health: ejection after connection failures (exponential backoff, capped), background
//! probes that re-admit a replica once it answers, and replication lag measured against
//! `max_replica_lag`.
//!
//! Only connection failures eject: a statement's own error (syntax, constraint, its timeout)
//! says nothing about the server. An ejected or lagging replica receives no reads; the checker
//! task, one per engine, probes it every `check_interval` and puts it back when it answers (and,
//! with a lag limit, when it has caught up).

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use crate::backend::each_backend;
use crate::config::RoutingOptions;
use crate::pool::Pool;

/// The health of one replica.
#[derive(Debug, Default)]
pub(crate) struct Health {
    /// Milliseconds since the engine's epoch before which the next probe does not run.
    ejected_until: AtomicU64,
    /// Consecutive connection failures (drives the backoff).
    failures: AtomicU32,
    /// Replication lag above the cluster's limit (or unknown where a limit is set).
    lagging: AtomicBool,
    /// The last measured lag in milliseconds (`u64::MAX`: unknown).
    lag_ms: AtomicU64,
}

/// Milliseconds since `epoch`.
pub(crate) fn since(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
}

impl Health {
    /// Whether reads may go to this replica: not lagging, and not ejected (an ejected replica
    /// gets no read until a probe has found it healthy, however long ago it was ejected).
    pub(crate) fn available(&self) -> bool {
        !self.lagging.load(Ordering::Relaxed) && self.failures.load(Ordering::Relaxed) == 0
    }

    /// Whether the replica is ejected (waiting for a successful probe).
    pub(crate) fn is_ejected(&self) -> bool {
        self.failures.load(Ordering::Relaxed) > 0
    }

    /// Whether the replica is out of rotation for lag.
    pub(crate) fn is_lagging(&self) -> bool {
        self.lagging.load(Ordering::Relaxed)
    }

    /// The last measured lag, if known.
    pub(crate) fn lag(&self) -> Option<Duration> {
        match self.lag_ms.load(Ordering::Relaxed) {
            u64::MAX => None,
            ms => Some(Duration::from_millis(ms)),
        }
    }

    /// A connection failure: out of rotation for the backoff, doubled per consecutive failure.
    pub(crate) fn eject(&self, now_ms: u64, options: &RoutingOptions) {
        let failures = self.failures.fetch_add(1, Ordering::Relaxed);
        let backoff = options
            .eject_backoff
            .saturating_mul(1u32 << failures.min(16))
            .min(options.eject_backoff_max);
        let until = now_ms.saturating_add(u64::try_from(backoff.as_millis()).unwrap_or(u64::MAX));
        self.ejected_until.fetch_max(until, Ordering::Relaxed);
    }

    /// A successful probe: back in rotation.
    fn readmit(&self) {
        self.failures.store(0, Ordering::Relaxed);
        self.ejected_until.store(0, Ordering::Relaxed);
    }

    fn set_lag(&self, lag: Option<Duration>, limit: Duration) {
        let ms = lag.map_or(u64::MAX, |l| {
            u64::try_from(l.as_millis()).unwrap_or(u64::MAX)
        });
        self.lag_ms.store(ms, Ordering::Relaxed);
        self.lagging
            .store(lag.is_none_or(|l| l > limit), Ordering::Relaxed);
    }
}

/// Whether a driver error means the server (not the statement) failed: the connection could
/// not be made, broke, or the server is shutting down or starting up.
pub(crate) fn is_connection_error(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let code = db.code();
            let code = code.as_deref().unwrap_or_default();
            // SQLSTATE class 08 (connection exception; MariaDB's shutdown and lost
            // connection are 08S01), and PostgreSQL's 57P01..57P03 (shutdown, cannot connect
            // now, e.g. a standby starting up).
            code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03")
        }
        _ => false,
    }
}

/// A replica the checker watches.
pub(crate) struct Watched {
    pub(crate) pool: Pool,
    pub(crate) health: Weak<Health>,
    pub(crate) options: RoutingOptions,
}

/// Run the checker until every watched replica is gone (the engine was dropped).
pub(crate) fn spawn_checker(epoch: Instant, watched: Vec<Watched>) {
    let Some(interval) = watched.iter().map(|w| w.options.check_interval).min() else {
        return;
    };
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let mut alive = false;
            let checks = watched.iter().filter_map(|w| {
                let health = w.health.upgrade()?;
                alive = true;
                Some(check(epoch, w, health))
            });
            futures_util::future::join_all(checks.collect::<Vec<_>>()).await;
            if !alive {
                break;
            }
        }
    });
}

/// One round for one replica: probe it if ejected and its backoff is over; measure its lag if
/// the cluster has a limit.
async fn check(epoch: Instant, w: &Watched, health: Arc<Health>) {
    let now = since(epoch);
    if health.is_ejected() {
        if health.ejected_until.load(Ordering::Relaxed) > now {
            return;
        }
        match probe(&w.pool).await {
            Ok(()) => health.readmit(),
            Err(_) => {
                health.eject(since(epoch), &w.options);
                return;
            }
        }
    }
    if let Some(limit) = w.options.max_replica_lag {
        match lag(&w.pool).await {
            Ok(lag) => health.set_lag(lag, limit),
            Err(e) if is_connection_error(&e) => health.eject(since(epoch), &w.options),
            Err(_) => health.set_lag(None, limit),
        }
    }
}

async fn probe(pool: &Pool) -> Result<(), sqlx::Error> {
    each_backend!(pool, Pool(p) => sqlx::query("SELECT 1").execute(p).await.map(drop))
}

/// PostgreSQL: time since the last replayed transaction, counted as zero when everything
/// received has been replayed (an idle primary is not lag). MariaDB: `Seconds_Behind_Master`,
/// where NULL (replication stopped) is unknown. SQLite replicas never lag.
#[cfg(feature = "postgres")]
const PG_LAG: &str = "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0::float8 \
     WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0::float8 \
     ELSE COALESCE(EXTRACT(EPOCH FROM (now() - pg_last_xact_replay_timestamp())) * 1000, 0)::float8 END";

async fn lag(pool: &Pool) -> Result<Option<Duration>, sqlx::Error> {
    #[cfg(any(feature = "postgres", feature = "mysql"))]
    let ms = |ms: f64| Some(Duration::from_millis(ms.max(0.0) as u64));
    match pool {
        #[cfg(feature = "sqlite")]
        Pool::Sqlite(_) => Ok(Some(Duration::ZERO)),
        #[cfg(feature = "postgres")]
        Pool::Postgres(p) => {
            let lag: f64 = sqlx::query_scalar(PG_LAG).fetch_one(p).await?;
            Ok(ms(lag))
        }
        #[cfg(feature = "mysql")]
        Pool::MySql(p) => {
            use sqlx::Row as _;
            let Some(row) = sqlx::query("SHOW SLAVE STATUS").fetch_optional(p).await? else {
                // Not a replica at all (e.g. the writer's own server): no lag.
                return Ok(Some(Duration::ZERO));
            };
            let seconds: Option<u64> = row.try_get("Seconds_Behind_Master")?;
            Ok(seconds.and_then(|s| ms(s as f64 * 1000.0)))
        }
    }
}
