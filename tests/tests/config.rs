//! Configuration errors are reported by `connect`, clearly, before anything runs.

use switchyard::Error;
use switchyard_tests::db::Database;

fn sqlite_everywhere(dir: &std::path::Path) -> switchyard::Config {
    let mut config = Database::config();
    for (cluster, shard) in config.shards() {
        let path = dir.join(format!("{cluster}_{shard}.sqlite3"));
        config = config
            .writer(cluster, shard, format!("sqlite:{}", path.display()))
            .replicas(cluster, shard, Vec::<String>::new());
    }
    config.role_replicas("primary", "default", "reporting", Vec::<String>::new())
}

async fn config_error(config: switchyard::Config) -> String {
    match Database::connect(config).await {
        Err(Error::Config(message)) => message,
        Err(other) => panic!("expected a configuration error, got {other}"),
        Ok(_) => panic!("expected a configuration error, connected"),
    }
}

#[tokio::test]
async fn unknown_cluster_or_shard_in_an_override() {
    let dir = tempfile::tempdir().expect("tempdir");
    let message =
        config_error(sqlite_everywhere(dir.path()).writer("animal", "default", "sqlite::memory:"))
            .await;
    assert!(message.contains("`animal`"), "{message}");
    let message =
        config_error(sqlite_everywhere(dir.path()).replicas("animals", "shard_two", ["x"])).await;
    assert!(message.contains("`shard_two`"), "{message}");
}

#[tokio::test]
async fn unset_variable_and_bad_scheme_name_the_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let message = config_error(sqlite_everywhere(dir.path()).writer(
        "primary",
        "default",
        "${SWITCHYARD_SURELY_UNSET_VAR}",
    ))
    .await;
    assert!(
        message.contains("SWITCHYARD_SURELY_UNSET_VAR")
            && message.contains("cluster `primary`")
            && message.contains("writer"),
        "{message}"
    );
    let message = config_error(sqlite_everywhere(dir.path()).writer(
        "primary",
        "default",
        "oracle://u:pw@h/db",
    ))
    .await;
    assert!(
        message.contains("oracle:") && !message.contains(":pw@"),
        "{message}"
    );
}

#[tokio::test]
async fn variables_set_from_code_win_and_defaults_apply() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("from_var.sqlite3");
    let config = sqlite_everywhere(dir.path())
        .writer("primary", "default", "${SWITCHYARD_PRIMARY_URL}")
        .var(
            "SWITCHYARD_PRIMARY_URL",
            format!("sqlite:{}", path.display()),
        );
    let db = Database::connect(config).await.expect("connect");
    db.create_tables().await.expect("create");
    assert!(
        path.exists(),
        "the writer opened the file named by the variable"
    );
    db.engine().close().await;
}

#[tokio::test]
async fn mixed_backends_in_one_cluster_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = sqlite_everywhere(dir.path())
        .replicas("primary", "default", ["postgres://u@127.0.0.1:9/db"])
        .pools(|p| p.lazy = true);
    let message = config_error(config).await;
    assert!(message.contains("mixes backends"), "{message}");
}

#[tokio::test]
async fn lazy_pools_connect_on_first_use() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Nothing listens on port 9: eager pools fail in connect, lazy ones at the first statement.
    let config = sqlite_everywhere(dir.path())
        .writer("primary", "default", "postgres://u@127.0.0.1:9/db")
        .pool("primary", |p| {
            p.lazy = true;
            p.acquire_timeout = std::time::Duration::from_millis(500);
        });
    let db = Database::connect(config)
        .await
        .expect("lazy connect succeeds");
    let err = db.primary().users().count().await.expect_err("no server");
    assert!(matches!(err, Error::Connect { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("cluster `primary`, shard `default`, writer"),
        "{err}"
    );
}
