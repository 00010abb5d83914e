//! No password ever appears in an error's `Display` or `Debug`, in `Config`'s `Debug`, or in a
//! log line, on any backend.

use std::io::Write;
use std::sync::{Arc, Mutex};

use switchyard_tests::db::{Database, NewUser};

const SENTINEL: &str = "Sentinel-pw-7Qx9";

/// A `tracing` writer that keeps everything in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn assert_clean(what: &str, text: &str) {
    assert!(
        !text.contains(SENTINEL),
        "{what} leaks the password: {text}"
    );
    assert!(
        !text.contains("7Qx9"),
        "{what} leaks part of the password: {text}"
    );
}

fn config_for(url: &str) -> switchyard::Config {
    let mut config = Database::config();
    for (cluster, shard) in config.shards() {
        config = config
            .writer(cluster, shard, url)
            .replicas(cluster, shard, [url]);
    }
    config.role_replicas("primary", "default", "reporting", [url])
}

/// `base` (`scheme://user@host/db`) with password `pw` (already encoded).
fn with_password(base: &str, pw: &str) -> Option<String> {
    let (scheme, rest) = base.split_once("://")?;
    let (user_host, path) = rest.split_once('/')?;
    let (user, host) = user_host.split_once('@')?;
    let user = user.split(':').next()?;
    Some(format!("{scheme}://{user}:{pw}@{host}/{path}"))
}

/// Sentinel passwords: plain, and holding each character that has a meaning in a URL. Each
/// ends in `7Qx9`, which `assert_clean` looks for on its own.
const SENTINELS: &[&str] = &[
    SENTINEL,
    "Sen/tinel-7Qx9",
    "Sen?tinel-7Qx9",
    "Sen#tinel-7Qx9",
    "Sen@tinel-7Qx9",
    "Sen:tinel-7Qx9",
    "Sen&t=inel-7Qx9",
    "Sen%tinel-7Qx9",
    "Sen tinel-7Qx9",
];

/// `pw` with every character that is not alphanumeric percent-encoded.
fn encoded(pw: &str) -> String {
    pw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// URL templates that carry `pw` at every place a password can be written, for a server
/// `host_db` (`127.0.0.1:9/db`) of `scheme`.
fn shapes(scheme: &str, host_db: &str, pw: &str) -> Vec<String> {
    let enc = encoded(pw);
    vec![
        format!("{scheme}://app:{pw}@{host_db}"),
        format!("{scheme}://app:{enc}@{host_db}"),
        format!("{scheme}://:{pw}@{host_db}"),
        format!("{scheme}://app:{pw}@{host_db}?sslmode=disable"),
        format!("{scheme}://app@{host_db}?password={pw}"),
        format!("{scheme}://app@{host_db}?password={enc}"),
        format!("{scheme}://app@{host_db}?sslpassword=x&password={pw}"),
        format!("{scheme}://app@{host_db}?a=b&sslpassword={pw}&c=d"),
        format!("{scheme}://app@{host_db}?PASSWORD={pw}#frag"),
        format!("{scheme}:/app:{pw}@{host_db}"),
        format!("{scheme}:app:{pw}@{host_db}"),
        format!("${{SWITCHYARD_SECRETS_UNSET:-{scheme}://app:{pw}@{host_db}}}"),
        format!("{scheme}://app:{pw}@{host_db}${{SWITCHYARD_SECRETS_UNSET}}"),
        format!("{scheme}://app:{pw}@{host_db}${{SWITCHYARD_SECRETS_UNCLOSED"),
    ]
}

/// Capture every `tracing` event at TRACE for the rest of the test.
fn capture_logs() -> (Captured, tracing::subscriber::DefaultGuard) {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    (logs, tracing::subscriber::set_default(subscriber))
}

fn logged(logs: &Captured) -> String {
    String::from_utf8(logs.0.lock().expect("log buffer").clone()).expect("utf-8 logs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_password_in_any_url_shape_reaches_errors_config_or_logs() {
    let (logs, _guard) = capture_logs();
    let mut checked = 0;
    for scheme in ["postgres", "mysql", "mariadb"] {
        for pw in SENTINELS {
            for url in shapes(scheme, "127.0.0.1:9/db", pw) {
                let config = config_for(&url)
                    .pools(|p| p.acquire_timeout = std::time::Duration::from_millis(50));
                assert_clean(
                    &format!("Config Debug of {scheme} shape"),
                    &format!("{config:?}"),
                );
                let err = Database::connect(config)
                    .await
                    .expect_err("nothing listens on port 9, and broken URLs are refused");
                let shown = format!("{err} {err:?} {err:#?}");
                assert_clean("error", &shown);
                assert!(shown.contains("cluster `"), "names the cluster: {shown}");
                if let Some(target) = err.target() {
                    assert_clean("error target", &format!("{target} {target:?}"));
                }
                checked += 1;
            }
        }
    }
    // SQLite URLs have no password, but a query key naming one is still hidden.
    let config = config_for(&format!("sqlite::memory:?password={SENTINEL}"));
    assert_clean("SQLite Config Debug", &format!("{config:?}"));
    assert_clean("logs", &logged(&logs));
    eprintln!("checked {checked} URLs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_never_appear_in_errors_or_logs() {
    let (logs, _guard) = capture_logs();

    // Servers that do not exist: connection errors name the database, never the password.
    for url in [
        format!("postgres://app:{SENTINEL}@127.0.0.1:9/db"),
        format!("mysql://app:{SENTINEL}@127.0.0.1:9/db"),
        format!("postgres://app@127.0.0.1:9/db?password={SENTINEL}"),
    ] {
        let config =
            config_for(&url).pools(|p| p.acquire_timeout = std::time::Duration::from_secs(2));
        assert_clean("Config Debug", &format!("{config:?}"));
        let err = Database::connect(config)
            .await
            .expect_err("nothing listens on port 9");
        assert_clean("error Display", &err.to_string());
        assert_clean("error Debug", &format!("{err:?} {err:#?}"));
        assert!(
            err.to_string().contains("cluster `"),
            "names the cluster: {err}"
        );
        assert!(
            err.to_string().contains("***"),
            "shows the redacted URL: {err}"
        );
    }

    // Real servers, when configured: a wrong password (MySQL) or an accepted one (trust auth on
    // PostgreSQL) followed by statements and a failing query, all logged at TRACE; the engine's
    // Debug and replica status, with one replica dead, while it runs.
    let mut ran = Vec::new();
    for var in ["SWITCHYARD_TEST_POSTGRES_URL", "SWITCHYARD_TEST_MYSQL_URL"] {
        let Ok(base) = std::env::var(var) else {
            if std::env::var("SWITCHYARD_REQUIRE_BACKENDS").as_deref() == Ok("1") {
                panic!("{var} is not set and SWITCHYARD_REQUIRE_BACKENDS=1");
            }
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED the {var} part of passwords_never_appear_in_errors_or_logs"
            );
            continue;
        };
        ran.push(var);
        for pw in SENTINELS {
            let url = with_password(&base, &encoded(pw)).expect("a user@host/db URL");
            let dead = with_password(
                &base.replace(":5432/", ":9/").replace(":3306/", ":9/"),
                &encoded(pw),
            )
            .expect("a user@host/db URL");
            let config = config_for(&url)
                .replicas("primary", "default", [url.clone(), dead])
                .pools(|p| p.acquire_timeout = std::time::Duration::from_secs(5));
            match Database::connect(config).await {
                Err(err) => {
                    assert_clean("connect error", &format!("{err} {err:?}"));
                }
                Ok(db) => {
                    assert_clean("Database Debug", &format!("{db:?}"));
                    assert_clean("Engine Debug", &format!("{:?}", db.engine()));
                    let status = db.engine().replica_status();
                    assert!(
                        status.iter().any(|s| !s.in_rotation()),
                        "the dead replica is ejected"
                    );
                    for s in &status {
                        assert_clean("replica status", &format!("{s:?} {}", s.target));
                    }
                    // No tables were created: this fails at the database.
                    let err = db
                        .primary()
                        .users()
                        .insert(NewUser {
                            username: SENTINEL.replace("7Qx9", "x"),
                            ..Default::default()
                        })
                        .await
                        .expect_err("no users table");
                    assert_clean("query error", &format!("{err} {err:?}"));
                    db.engine().close().await;
                }
            }
        }
    }
    let logs = logged(&logs);
    assert_clean("logs", &logs);
    eprintln!("checked {} bytes of logs; servers: {ran:?}", logs.len());
}
