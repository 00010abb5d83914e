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

fn with_password(base: &str) -> Option<String> {
    let (scheme, rest) = base.split_once("://")?;
    let (user_host, path) = rest.split_once('/')?;
    let (user, host) = user_host.split_once('@')?;
    let user = user.split(':').next()?;
    Some(format!("{scheme}://{user}:{SENTINEL}@{host}/{path}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_never_appear_in_errors_or_logs() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

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
    // PostgreSQL) followed by statements and a failing query, all logged at TRACE.
    let mut ran = Vec::new();
    for var in ["SWITCHYARD_TEST_POSTGRES_URL", "SWITCHYARD_TEST_MYSQL_URL"] {
        let Some(url) = std::env::var(var)
            .ok()
            .and_then(|base| with_password(&base))
        else {
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
        let config =
            config_for(&url).pools(|p| p.acquire_timeout = std::time::Duration::from_secs(5));
        match Database::connect(config).await {
            Err(err) => {
                assert_clean("connect error", &format!("{err} {err:?}"));
            }
            Ok(db) => {
                assert_clean("Database Debug", &format!("{db:?}"));
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
    let logs = String::from_utf8(logs.0.lock().expect("log buffer").clone()).expect("utf-8 logs");
    assert_clean("logs", &logs);
    eprintln!("checked {} bytes of logs; servers: {ran:?}", logs.len());
}
