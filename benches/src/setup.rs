//! Setup shared by the benchmark targets: admin statements, per-run schema and database URLs,
//! and the fixed timestamp seeded rows use.

use sqlx::Connection as _;
use switchyard::chrono::{DateTime, Utc};

/// Run one statement on PostgreSQL as admin.
pub async fn pg_admin(url: &str, statement: &str) {
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .expect("connect to PostgreSQL as admin");
    sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_owned()))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("`{statement}`: {e}"));
    conn.close().await.expect("close the admin connection");
}

/// Run one statement on MariaDB as admin.
pub async fn mysql_admin(url: &str, statement: &str) {
    let mut conn = sqlx::MySqlConnection::connect(url)
        .await
        .expect("connect to MariaDB as admin");
    sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_owned()))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("`{statement}`: {e}"));
    conn.close().await.expect("close the admin connection");
}

/// `url` with PostgreSQL's `search_path` set to `schema`.
pub fn pg_url(base: &str, schema: &str) -> String {
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-c%20search_path%3D{schema}")
}

/// `url` pointing at database `name` of the same server.
pub fn mysql_url(base: &str, name: &str) -> String {
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    format!("{server}/{name}")
}

/// A fixed timestamp (whole seconds, so it round-trips on every backend).
pub fn timestamp() -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000, 0).expect("valid timestamp")
}
