//! Automatic role selection per request (Rails' `DatabaseSelector`), framework-agnostic.
//!
//! A [`Selector`] runs one request's work inside a task-local context. The default handles
//! (`db.primary()`, routing [`Routing::Auto`]) consult it for every statement: writes go to the
//! writer and are recorded; reads go to a replica unless the session must see its own writes,
//! in which case they go to the writer. Explicit `reading()` / `writing()` handles ignore it.
//!
//! Two ways to decide "must see its own writes", per [`Consistency`]:
//! - **Delay**: the session wrote less than `delay` ago (Rails' behaviour, default 2 s).
//! - **Causal**: after a write, the writer's replication position is recorded (PostgreSQL
//!   `pg_current_wal_lsn()`, MariaDB `@@gtid_binlog_pos`). A later read uses a replica only if
//!   that replica has replayed the position (`pg_last_wal_replay_lsn()`,
//!   `MASTER_GTID_WAIT(pos, 0)`), checked once per replica per request; otherwise the writer.
//!   Reads see the session's writes with no fixed delay, and go to replicas as soon as they can.
//!
//! What the session remembers between requests is a [`LastWrite`], which the caller stores
//! (a cookie, a session store); the `tower` layer does it with a cookie.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::database::Server;
use crate::pool::Pool;

/// How reads after a session's own writes are kept consistent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consistency {
    /// Reads go to the writer for this long after the session's last write.
    Delay(Duration),
    /// Reads go to a replica only if it has replayed the session's last write.
    Causal,
}

impl Default for Consistency {
    fn default() -> Self {
        Consistency::Delay(Duration::from_secs(2))
    }
}

/// A session's last write, as stored between requests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LastWrite {
    /// When, in milliseconds since the Unix epoch.
    pub at_unix_ms: u64,
    /// Causal mode: the writer's replication position after the write, per written shard.
    pub positions: Vec<WritePosition>,
}

/// The replication position of one shard's writer after a session's write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WritePosition {
    /// Cluster name.
    pub cluster: String,
    /// Shard name.
    pub shard: String,
    /// A PostgreSQL LSN (`16/B374D848`) or a MariaDB GTID list (`0-1-42`).
    pub position: String,
}

impl LastWrite {
    /// A compact text form, safe in a cookie value: `<ms>` then `.cluster.shard.position` per
    /// shard, with `,` in GTID lists written as `_`.
    pub fn encode(&self) -> String {
        let mut out = self.at_unix_ms.to_string();
        for p in &self.positions {
            out.push('.');
            out.push_str(&p.cluster);
            out.push('.');
            out.push_str(&p.shard);
            out.push('.');
            out.push_str(&p.position.replace(',', "_"));
        }
        out
    }

    /// Parse [`encode`](Self::encode)'s form; `None` for anything else.
    pub fn decode(text: &str) -> Option<LastWrite> {
        let mut parts = text.split('.');
        let at_unix_ms = parts.next()?.parse().ok()?;
        let rest: Vec<&str> = parts.collect();
        if !rest.len().is_multiple_of(3) {
            return None;
        }
        let safe = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_-/".contains(&b))
        };
        let positions = rest
            .chunks(3)
            .map(|c| {
                (safe(c[0]) && safe(c[1]) && safe(c[2])).then(|| WritePosition {
                    cluster: c[0].to_owned(),
                    shard: c[1].to_owned(),
                    position: c[2].replace('_', ","),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(LastWrite {
            at_unix_ms,
            positions,
        })
    }

    fn position(&self, cluster: &str, shard: &str) -> Option<&str> {
        self.positions
            .iter()
            .find(|p| p.cluster == cluster && p.shard == shard)
            .map(|p| p.position.as_str())
    }
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Runs requests with automatic role selection. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Selector {
    consistency: Consistency,
}

/// One request's routing state.
#[derive(Debug)]
pub(crate) struct RequestContext {
    consistency: Consistency,
    /// The request writes (POST, PUT, PATCH, DELETE): every statement goes to the writer.
    writes: bool,
    last: Option<LastWrite>,
    state: Mutex<RequestState>,
}

#[derive(Debug, Default)]
struct RequestState {
    /// Shards written during this request, with their writer.
    written: Vec<Arc<Server>>,
    /// Causal mode: whether a replica (by address) has replayed the position it was checked
    /// against, cached for the request.
    caught_up: HashMap<usize, bool>,
}

tokio::task_local! {
    static REQUEST: Arc<RequestContext>;
}

/// What an automatic read may use.
pub(crate) enum ReadPlan {
    /// No context, a write request, or a recent write: the writer.
    Writer,
    /// Any replica.
    Replica,
    /// A replica that has replayed this position (causal mode).
    CaughtUp(String),
}

impl Selector {
    /// A selector with this consistency mode. It applies to the default (automatic) handles of
    /// every engine used inside [`run`](Self::run).
    pub fn new(consistency: Consistency) -> Selector {
        Selector { consistency }
    }

    /// The consistency mode.
    pub fn consistency(&self) -> Consistency {
        self.consistency
    }

    /// Run `request` with automatic role selection. `writes` says whether the request is a
    /// write (for HTTP: POST, PUT, PATCH and DELETE), `last` is the session's last write as
    /// stored. Returns the request's output and, if it wrote, the session's new last write to
    /// store (in causal mode with the writers' positions, one statement per written shard).
    pub async fn run<F: Future>(
        &self,
        writes: bool,
        last: Option<LastWrite>,
        request: F,
    ) -> (F::Output, Option<LastWrite>) {
        let context = Arc::new(RequestContext {
            consistency: self.consistency,
            writes,
            last,
            state: Mutex::new(RequestState::default()),
        });
        let output = REQUEST.scope(context.clone(), request).await;
        let written = match context.state.lock() {
            Ok(mut state) => std::mem::take(&mut state.written),
            Err(_) => Vec::new(),
        };
        if written.is_empty() {
            return (output, None);
        }
        let mut next = LastWrite {
            at_unix_ms: unix_ms(),
            positions: Vec::new(),
        };
        if self.consistency == Consistency::Causal {
            // Keep positions of shards not written now, replace the others.
            if let Some(last) = &context.last {
                next.positions = last
                    .positions
                    .iter()
                    .filter(|p| {
                        !written
                            .iter()
                            .any(|w| w.target.cluster == p.cluster && w.target.shard == p.shard)
                    })
                    .cloned()
                    .collect();
            }
            for writer in &written {
                // SQLite has no position (its replicas are the writer's file). A position
                // that cannot be read is recorded as unknown, which reads treat by the
                // default delay instead.
                let position = match writer_position(&writer.pool).await {
                    Ok(None) => continue,
                    Ok(Some(position)) => position,
                    Err(_) => UNKNOWN.to_owned(),
                };
                next.positions.push(WritePosition {
                    cluster: writer.target.cluster.to_owned(),
                    shard: writer.target.shard.to_owned(),
                    position,
                });
            }
        }
        (output, Some(next))
    }
}

/// The current request's context, if the statement runs inside [`Selector::run`].
pub(crate) fn current() -> Option<Arc<RequestContext>> {
    REQUEST.try_with(Arc::clone).ok()
}

impl RequestContext {
    /// A write on `writer`'s shard happened in this request.
    pub(crate) fn record_write(&self, writer: &Arc<Server>) {
        if let Ok(mut state) = self.state.lock()
            && !state.written.iter().any(|w| Arc::ptr_eq(w, writer))
        {
            state.written.push(writer.clone());
        }
    }

    /// Where a read of the shard whose writer is `writer` may go.
    pub(crate) fn read_plan(&self, writer: &Arc<Server>) -> ReadPlan {
        if self.writes {
            return ReadPlan::Writer;
        }
        let wrote_here = self
            .state
            .lock()
            .map(|s| s.written.iter().any(|w| Arc::ptr_eq(w, writer)))
            .unwrap_or(true);
        if wrote_here {
            return ReadPlan::Writer;
        }
        let Some(last) = &self.last else {
            return ReadPlan::Replica;
        };
        match self.consistency {
            Consistency::Delay(_) => delay_plan(last, self.consistency),
            Consistency::Causal => {
                match last.position(writer.target.cluster, writer.target.shard) {
                    Some(UNKNOWN) => delay_plan(last, Consistency::default()),
                    Some(position) => ReadPlan::CaughtUp(position.to_owned()),
                    None => ReadPlan::Replica,
                }
            }
        }
    }

    /// Whether `replica` has replayed `position`, asking it once per request.
    pub(crate) async fn caught_up(&self, replica: &Arc<Server>, position: &str) -> bool {
        let key = Arc::as_ptr(replica) as usize;
        if let Some(known) = self
            .state
            .lock()
            .ok()
            .and_then(|s| s.caught_up.get(&key).copied())
        {
            return known;
        }
        let ok = replayed(&replica.pool, position).await.unwrap_or(false);
        if let Ok(mut state) = self.state.lock() {
            state.caught_up.insert(key, ok);
        }
        ok
    }
}

/// A position that could not be read after a write.
const UNKNOWN: &str = "unknown";

/// The delay rule: the writer within `delay` of the last write, a replica after.
fn delay_plan(last: &LastWrite, consistency: Consistency) -> ReadPlan {
    let Consistency::Delay(delay) = consistency else {
        return ReadPlan::Writer;
    };
    let since = unix_ms().saturating_sub(last.at_unix_ms);
    if u128::from(since) < delay.as_millis() {
        ReadPlan::Writer
    } else {
        ReadPlan::Replica
    }
}

/// The writer's current replication position.
async fn writer_position(pool: &Pool) -> Result<Option<String>, sqlx::Error> {
    match pool {
        #[cfg(feature = "sqlite")]
        Pool::Sqlite(_) => Ok(None),
        #[cfg(feature = "postgres")]
        Pool::Postgres(p) => sqlx::query_scalar("SELECT pg_current_wal_lsn()::text")
            .fetch_one(p)
            .await
            .map(Some),
        #[cfg(feature = "mysql")]
        Pool::MySql(p) => sqlx::query_scalar::<_, String>("SELECT @@gtid_binlog_pos")
            .fetch_one(p)
            .await
            .map(|gtid| (!gtid.is_empty()).then_some(gtid)),
    }
}

/// Whether a replica has replayed `position`.
async fn replayed(pool: &Pool, position: &str) -> Result<bool, sqlx::Error> {
    // Matched with the pool: only the server backends read it.
    match (pool, position) {
        // A SQLite replica is the writer's own file.
        #[cfg(feature = "sqlite")]
        (Pool::Sqlite(_), _) => Ok(true),
        #[cfg(feature = "postgres")]
        (Pool::Postgres(p), position) => {
            sqlx::query_scalar::<_, Option<bool>>("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn")
                .bind(position)
                .fetch_one(p)
                .await
                .map(|b| b.unwrap_or(false))
        }
        #[cfg(feature = "mysql")]
        (Pool::MySql(p), position) => {
            sqlx::query_scalar::<_, Option<i64>>("SELECT MASTER_GTID_WAIT(?, 0)")
                .bind(position)
                .fetch_one(p)
                .await
                .map(|r| r == Some(0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_write_round_trips() {
        let last = LastWrite {
            at_unix_ms: 1_700_000_000_123,
            positions: vec![
                WritePosition {
                    cluster: "primary".into(),
                    shard: "default".into(),
                    position: "16/B374D848".into(),
                },
                WritePosition {
                    cluster: "animals".into(),
                    shard: "shard_one".into(),
                    position: "0-1-42,1-2-7".into(),
                },
            ],
        };
        let text = last.encode();
        assert!(!text.contains([',', ';', ' ', '"']), "{text}");
        assert_eq!(LastWrite::decode(&text), Some(last));
        assert_eq!(
            LastWrite::decode("12"),
            Some(LastWrite {
                at_unix_ms: 12,
                positions: vec![]
            })
        );
        assert_eq!(LastWrite::decode("x"), None);
        assert_eq!(LastWrite::decode("1.a.b"), None);
        assert_eq!(LastWrite::decode("1.a.b.c;d"), None);
    }
}
