//! The `switchyard` binary end to end: a project of its own in a temporary directory (two
//! managed clusters, one of them with two shards, and one declared `database_tasks = false`),
//! on SQLite always and on PostgreSQL and MariaDB when `SWITCHYARD_TEST_POSTGRES_URL` /
//! `SWITCHYARD_TEST_MYSQL_URL` are set (`SWITCHYARD_REQUIRE_BACKENDS=1` makes a missing one
//! fail). Each run creates uniquely named databases through the CLI and drops them at the end.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::Connection as _;

const DATABASES: &str = r#"
[cluster.main]
default = true
writer = "${MAIN_URL:-sqlite:data/main.sqlite3}"

[cluster.zoo]
[cluster.zoo.shard.east]
writer = "${ZOO_EAST_URL:-sqlite:data/zoo_east.sqlite3}"
[cluster.zoo.shard.west]
writer = "${ZOO_WEST_URL:-sqlite:data/zoo_west.sqlite3}"

[cluster.legacy]
database_tasks = false
writer = "${LEGACY_URL:-sqlite:data/legacy.sqlite3}"
"#;

/// The first version of the models.
const MODELS_V1: &str = r#"
[model.Person]
table = "people"
[model.Person.fields]
id = { type = "i64", primary_key = true }
name = "string"
email = "string"

[model.Animal]
cluster = "zoo"
table = "animals"
unique_across_shards = true
[model.Animal.fields]
id = { type = "i64", primary_key = true }
species = "string"

[model.Record]
cluster = "legacy"
table = "records"
[model.Record.fields]
id = { type = "i64", primary_key = true }
"#;

/// A field with a default, a field renamed, an index; a field with a default on the shards.
const MODELS_V2: &str = r#"
[model.Person]
table = "people"
[model.Person.fields]
id = { type = "i64", primary_key = true }
name = "string"
mail = { type = "string", renamed_from = "email" }
karma = { type = "i32", default = 7 }
[[model.Person.indexes]]
fields = ["name"]

[model.Animal]
cluster = "zoo"
table = "animals"
unique_across_shards = true
[model.Animal.fields]
id = { type = "i64", primary_key = true }
species = "string"
legs = { type = "i32", default = 4 }

[model.Record]
cluster = "legacy"
table = "records"
[model.Record.fields]
id = { type = "i64", primary_key = true }
"#;

/// Version 2 with `species` dropped: destructive.
fn models_v3() -> String {
    MODELS_V2.replace("species = \"string\"\n", "")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
    MySql,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// What one run of the binary did.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Both streams, for assertions and messages.
    fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    #[track_caller]
    fn expect(self, code: i32) -> Run {
        assert_eq!(self.code, code, "exit code\n{}", self.all());
        self
    }

    #[track_caller]
    fn shows(&self, text: &str) -> &Run {
        assert!(
            self.all().contains(text),
            "expected `{text}` in:\n{}",
            self.all()
        );
        self
    }

    #[track_caller]
    fn lacks(&self, text: &str) -> &Run {
        assert!(
            !self.all().contains(text),
            "unexpected `{text}` in:\n{}",
            self.all()
        );
        self
    }
}

/// A project directory (`schema/`, `data/`) and the environment the binary runs with.
struct Project {
    dir: tempfile::TempDir,
    backend: Backend,
    env: Vec<(String, String)>,
    /// Writer URL of each (cluster, shard), for the test's own queries.
    urls: Vec<((&'static str, &'static str), String)>,
}

impl Project {
    /// A project on `backend`, or `None` (after saying so) when it is not configured.
    fn new(backend: Backend, test: &str) -> Option<Project> {
        let var = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some("SWITCHYARD_TEST_POSTGRES_URL"),
            Backend::MySql => Some("SWITCHYARD_TEST_MYSQL_URL"),
        };
        let base = match var {
            None => None,
            Some(var) => match std::env::var(var).ok().filter(|v| !v.is_empty()) {
                Some(url) => Some(url),
                None => {
                    if std::env::var("SWITCHYARD_REQUIRE_BACKENDS").as_deref() == Ok("1") {
                        panic!("{test}: {var} is not set and SWITCHYARD_REQUIRE_BACKENDS=1");
                    }
                    let _ = writeln!(
                        std::io::stderr(),
                        "SKIPPED {test} on {backend:?}: set {var} to run it"
                    );
                    return None;
                }
            },
        };
        let dir = tempfile::tempdir().expect("test setup");
        std::fs::create_dir(dir.path().join("schema")).expect("test setup");
        let prefix = format!(
            "sycli{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let mut env = Vec::new();
        let mut urls = Vec::new();
        for (var, cluster, shard, file) in [
            ("MAIN_URL", "main", "default", "main"),
            ("ZOO_EAST_URL", "zoo", "east", "zoo_east"),
            ("ZOO_WEST_URL", "zoo", "west", "zoo_west"),
        ] {
            let url = match &base {
                None => format!(
                    "sqlite:{}",
                    dir.path()
                        .join("data")
                        .join(format!("{file}.sqlite3"))
                        .display()
                ),
                Some(base) => {
                    let server = base
                        .split_once("://")
                        .map_or(base.as_str(), |(_, rest)| rest);
                    let scheme = &base[..base.len() - server.len()];
                    let server = server.split_once('/').map_or(server, |(s, _)| s);
                    let url = format!("{scheme}{server}/{prefix}_{file}");
                    env.push((var.to_owned(), url.clone()));
                    url
                }
            };
            urls.push(((cluster, shard), url));
        }
        let project = Project {
            dir,
            backend,
            env,
            urls,
        };
        project.write("databases.toml", DATABASES);
        Some(project)
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, file: &str, text: &str) {
        std::fs::write(self.path().join("schema").join(file), text).expect("test setup");
    }

    fn migrations(&self, cluster: &str) -> PathBuf {
        self.path().join("schema/migrations").join(cluster)
    }

    /// The `*.toml` files of a cluster's migrations directory, sorted.
    fn files(&self, cluster: &str) -> Vec<String> {
        let mut files: Vec<String> = std::fs::read_dir(self.migrations(cluster))
            .map(|entries| {
                entries
                    .map(|e| {
                        e.expect("test setup")
                            .file_name()
                            .to_string_lossy()
                            .into_owned()
                    })
                    .filter(|name| name.ends_with(".toml"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    }

    /// Run the binary in the project directory.
    fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_switchyard"));
        command
            .args(args)
            .current_dir(self.path())
            .env_remove("SWITCHYARD_MIGRATION_VERSION")
            .env_remove("SWITCHYARD_SQLITE_DIR");
        for var in ["MAIN_URL", "ZOO_EAST_URL", "ZOO_WEST_URL", "LEGACY_URL"] {
            command.env_remove(var);
        }
        for (k, v) in &self.env {
            command.env(k, v);
        }
        for (k, v) in env {
            command.env(k, v);
        }
        let out = command.output().expect("test setup");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `migration make NAME` at a fixed version.
    fn make(&self, name: &str, version: &str, extra: &[&str]) -> Run {
        let mut args = vec!["migration", "make", name];
        args.extend(extra);
        self.run_with(&args, &[("SWITCHYARD_MIGRATION_VERSION", version)])
    }

    fn url(&self, cluster: &str, shard: &str) -> &str {
        &self
            .urls
            .iter()
            .find(|((c, s), _)| *c == cluster && *s == shard)
            .expect("test setup")
            .1
    }

    /// Run statements on one writer, the test's own connection (closed after).
    async fn exec(&self, cluster: &str, shard: &str, statements: &[&str]) {
        let url = self.url(cluster, shard);
        macro_rules! on {
            ($conn:ty) => {{
                let mut c = <$conn>::connect(url).await.expect("test setup");
                for s in statements {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(s.to_string()))
                        .execute(&mut c)
                        .await
                        .unwrap_or_else(|e| panic!("{s}: {e}"));
                }
                c.close().await.expect("test setup");
            }};
        }
        match self.backend {
            Backend::Sqlite => on!(sqlx::SqliteConnection),
            Backend::Postgres => on!(sqlx::PgConnection),
            Backend::MySql => on!(sqlx::MySqlConnection),
        }
    }

    /// `(name, mail, karma)` of person 1.
    async fn person(&self) -> (String, String, i32) {
        let sql = "SELECT name, mail, karma FROM people WHERE id = 1";
        let url = self.url("main", "default");
        macro_rules! on {
            ($conn:ty) => {{
                let mut c = <$conn>::connect(url).await.expect("test setup");
                let row = sqlx::query_as(sql)
                    .fetch_one(&mut c)
                    .await
                    .expect("test setup");
                c.close().await.expect("test setup");
                row
            }};
        }
        match self.backend {
            Backend::Sqlite => on!(sqlx::SqliteConnection),
            Backend::Postgres => on!(sqlx::PgConnection),
            Backend::MySql => on!(sqlx::MySqlConnection),
        }
    }

    /// `(id, species, legs)` of every animal on one shard.
    async fn animals(&self, shard: &str) -> Vec<(i64, String, i32)> {
        let sql = "SELECT id, species, legs FROM animals ORDER BY id";
        let url = self.url("zoo", shard);
        macro_rules! on {
            ($conn:ty) => {{
                let mut c = <$conn>::connect(url).await.expect("test setup");
                let rows = sqlx::query_as(sql)
                    .fetch_all(&mut c)
                    .await
                    .expect("test setup");
                c.close().await.expect("test setup");
                rows
            }};
        }
        match self.backend {
            Backend::Sqlite => on!(sqlx::SqliteConnection),
            Backend::Postgres => on!(sqlx::PgConnection),
            Backend::MySql => on!(sqlx::MySqlConnection),
        }
    }

    /// How many people there are.
    async fn people(&self) -> i64 {
        let sql = "SELECT COUNT(*) FROM people";
        let url = self.url("main", "default");
        macro_rules! on {
            ($conn:ty) => {{
                let mut c = <$conn>::connect(url).await.expect("test setup");
                let (n,): (i64,) = sqlx::query_as(sql)
                    .fetch_one(&mut c)
                    .await
                    .expect("test setup");
                c.close().await.expect("test setup");
                n
            }};
        }
        match self.backend {
            Backend::Sqlite => on!(sqlx::SqliteConnection),
            Backend::Postgres => on!(sqlx::PgConnection),
            Backend::MySql => on!(sqlx::MySqlConnection),
        }
    }
}

impl Drop for Project {
    /// Drop the test's databases whatever happened (the SQLite files go with the directory).
    fn drop(&mut self) {
        if self.backend != Backend::Sqlite {
            let _ = self.run(&["db", "drop", "--force"]);
        }
    }
}

const V1: &str = "20260101000000";
const V2: &str = "20260102000000";
const V3: &str = "20260103000000";

/// Make, check, setup, status, evolve with data kept, migrate twice, roll back, dry run,
/// dump, a destructive change, reset, drop.
async fn lifecycle(backend: Backend) {
    let Some(p) = Project::new(backend, "lifecycle") else {
        return;
    };
    p.write("models.toml", MODELS_V1);

    // Declarations without migrations: a check fails, listing what is due.
    p.run(&["migration", "check"])
        .expect(1)
        .shows("create table `people`")
        .shows("create table `animals`")
        .shows("legacy: skipped")
        .lacks("create table `records`");

    // make: one file per managed cluster, none for `legacy`.
    p.make("init", V1, &[])
        .expect(0)
        .shows("main: wrote")
        .shows("zoo: wrote")
        .shows("legacy: skipped");
    let init = format!("{V1}_init.toml");
    assert_eq!(p.files("main"), std::slice::from_ref(&init));
    assert_eq!(p.files("zoo"), std::slice::from_ref(&init));
    assert!(!p.migrations("legacy").exists());
    let first = std::fs::read(p.migrations("main").join(&init)).expect("test setup");

    // Deterministic: the same declarations and migrations give the same bytes.
    std::fs::remove_file(p.migrations("main").join(&init)).expect("test setup");
    std::fs::remove_file(p.migrations("zoo").join(&init)).expect("test setup");
    p.make("init", V1, &[]).expect(0);
    assert_eq!(
        std::fs::read(p.migrations("main").join(&init)).expect("test setup"),
        first
    );

    // A second make writes nothing.
    p.make("again", V2, &[]).expect(0).shows("nothing to do");
    assert_eq!(p.files("main"), std::slice::from_ref(&init));
    p.run(&["migration", "check"])
        .expect(0)
        .shows("migrations match the declarations");

    // drop refuses without --force.
    p.run(&["db", "drop"]).expect(2).shows("--force");

    // setup: create + migrate every shard; legacy skipped.
    p.run(&["db", "setup"])
        .expect(0)
        .shows("main/default")
        .shows("zoo/east")
        .shows("zoo/west")
        .shows(&format!("migrated 1 ({V1})"))
        .shows("legacy: skipped");
    let status = p.run(&["db", "status"]);
    status.shows("legacy: skipped");
    let status = status.expect(0);
    for shard in ["east", "west"] {
        let row = status
            .stdout
            .lines()
            .find(|l| l.starts_with("zoo") && l.contains(shard))
            .unwrap_or_else(|| panic!("no row for zoo/{shard}:\n{}", status.stdout));
        assert!(row.contains(V1), "{row}");
    }

    // Rows written with the first shape.
    p.exec(
        "main",
        "default",
        &["INSERT INTO people (id, name, email) VALUES (1, 'ada', 'ada@example.com')"],
    )
    .await;
    p.exec(
        "zoo",
        "east",
        &["INSERT INTO animals (id, species) VALUES (1, 'cat')"],
    )
    .await;
    p.exec(
        "zoo",
        "west",
        &["INSERT INTO animals (id, species) VALUES (2, 'dog')"],
    )
    .await;

    // Evolve: a default, a rename, an index.
    p.write("models.toml", MODELS_V2);
    p.run(&["migration", "check"])
        .expect(1)
        .shows("rename column `email` of `people` to `mail`")
        .shows("add column `karma` to `people`")
        .shows("create index `people_name_idx` on `people`")
        .shows("add column `legs` to `animals`");
    p.make("evolve", V2, &[]).expect(0);
    p.run(&["migration", "check"]).expect(0);
    p.run(&["db", "migrate"])
        .expect(0)
        .shows(&format!("migrated 1 ({V2})"));
    // Twice: nothing to do.
    p.run(&["db", "migrate"])
        .expect(0)
        .lacks("migrated")
        .shows("up to date");

    // The rows kept their values; the new columns have their defaults.
    assert_eq!(
        p.person().await,
        ("ada".to_owned(), "ada@example.com".to_owned(), 7)
    );
    assert_eq!(p.animals("east").await, [(1, "cat".to_owned(), 4)]);
    assert_eq!(p.animals("west").await, [(2, "dog".to_owned(), 4)]);

    // The live databases match the declarations; a column added by hand is drift.
    p.run(&["db", "verify"])
        .expect(0)
        .shows("matches the declarations")
        .shows("legacy: skipped");
    p.exec(
        "zoo",
        "west",
        &["ALTER TABLE animals ADD COLUMN extra INTEGER"],
    )
    .await;
    p.run(&["db", "verify", "zoo"])
        .expect(1)
        .shows("extra")
        .lacks("main/default");
    p.exec("zoo", "west", &["ALTER TABLE animals DROP COLUMN extra"])
        .await;
    p.run(&["db", "verify", "zoo", "--shard", "west"]).expect(0);

    // Roll back one shard by one step; the other stays.
    p.run(&["db", "rollback", "zoo", "--shard", "east", "--step", "1"])
        .expect(0)
        .shows(&format!("rolled back 1 ({V2})"))
        .lacks("zoo/west");
    let status = p.run(&["db", "status", "zoo"]).expect(0);
    let east = status
        .stdout
        .lines()
        .find(|l| l.contains("east"))
        .expect("test setup");
    let west = status
        .stdout
        .lines()
        .find(|l| l.contains("west"))
        .expect("test setup");
    assert!(
        east.contains(V1) && east.contains(&format!("1 ({V2}_evolve)")),
        "{east}"
    );
    assert!(west.contains(V2), "{west}");

    // A dry run prints the SQL and changes nothing.
    p.run(&["db", "migrate", "zoo", "--dry-run"])
        .expect(0)
        .shows("ALTER TABLE")
        .shows("would apply 1");
    let again = p.run(&["db", "status", "zoo", "--shard", "east"]).expect(0);
    assert!(
        again.stdout.contains(&format!("1 ({V2}_evolve)")),
        "{}",
        again.stdout
    );
    p.run(&["db", "migrate", "zoo", "--to", V2])
        .expect(0)
        .shows(&format!("migrated 1 ({V2})"));
    assert_eq!(p.animals("east").await, [(1, "cat".to_owned(), 4)]);

    // The schema as SQL, beside the migrations; not read as a migration.
    p.run(&["db", "schema", "dump"])
        .expect(0)
        .shows("legacy: skipped");
    for dialect in ["sqlite", "postgres", "mysql"] {
        let dump =
            std::fs::read_to_string(p.migrations("main").join(format!("schema.{dialect}.sql")))
                .expect("test setup");
        assert!(dump.contains("CREATE TABLE"), "{dump}");
        assert!(dump.contains("people_name_idx"), "{dump}");
        assert!(dump.contains("karma"), "{dump}");
    }
    p.run(&["migration", "check"]).expect(0);
    p.run(&["db", "migrate"]).expect(0).lacks("migrated");

    // A destructive change is refused without the flag, and nothing is written.
    p.write("models.toml", &models_v3());
    p.make("drop_species", V3, &[])
        .expect(2)
        .shows("drop column `species` of `animals`")
        .shows("--allow-destructive");
    assert_eq!(p.files("zoo").len(), 2);
    p.make("drop_species", V3, &["--allow-destructive"])
        .expect(0)
        .shows("(destructive)");
    p.run(&["db", "migrate"])
        .expect(0)
        .shows(&format!("migrated 1 ({V3})"));

    // reset: drop + setup, to the latest version, empty.
    p.run(&["db", "reset"]).expect(2);
    p.run(&["db", "reset", "--force"])
        .expect(0)
        .shows("dropped")
        .shows("created")
        .shows(&format!("migrated 3 ({V1}, {V2}, {V3})"));
    assert_eq!(p.people().await, 0);
    p.run(&["db", "status"]).expect(0).shows(V3);

    // The unmanaged cluster never got a database or a migrations directory.
    assert!(!p.path().join("data/legacy.sqlite3").exists());
    assert!(!p.migrations("legacy").exists());

    p.run(&["db", "drop", "--force"]).expect(0).shows("dropped");
    if backend == Backend::Sqlite {
        assert!(!p.path().join("data/main.sqlite3").exists());
        assert!(!p.path().join("data/zoo_east.sqlite3").exists());
    }
    p.run(&["db", "status"]).expect(1);
}

#[test]
fn lifecycle_sqlite() {
    runtime().block_on(lifecycle(Backend::Sqlite));
}

#[test]
fn lifecycle_postgres() {
    runtime().block_on(lifecycle(Backend::Postgres));
}

#[test]
fn lifecycle_mysql() {
    runtime().block_on(lifecycle(Backend::MySql));
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("test setup")
}

/// A server that does not answer, with a password in its URL: the error names the cluster,
/// shard and server, never the password, and the exit code is 1.
#[test]
fn a_bad_url_is_named_without_its_password() {
    let p = Project::new(Backend::Sqlite, "bad_url").expect("test setup");
    p.write("models.toml", MODELS_V1);
    p.make("init", V1, &[]).expect(0);
    let secret = "s3cr3t-pw";
    for (scheme, port) in [("postgres", 1), ("mysql", 2)] {
        let url = format!("{scheme}://app:{secret}@127.0.0.1:{port}/app");
        let env = [("MAIN_URL", url.as_str())];
        for args in [
            &["db", "create", "main"][..],
            &["db", "migrate", "main", "--connect-timeout", "1"],
            &["db", "status", "main", "--connect-timeout", "1"],
        ] {
            let run = p.run_with(args, &env).expect(1);
            run.shows("cluster `main`")
                .shows("shard `default`")
                .shows(&format!("{scheme}://app:***@127.0.0.1:{port}/app"))
                .lacks(secret);
        }
    }
    // An unset variable in a template is named, with the cluster.
    std::fs::write(
        p.path().join("schema/databases.toml"),
        DATABASES.replace("${MAIN_URL:-sqlite:data/main.sqlite3}", "${MAIN_URL_UNSET}"),
    )
    .expect("test setup");
    p.run(&["db", "migrate", "main"])
        .expect(1)
        .shows("cluster `main`")
        .shows("MAIN_URL_UNSET");
}

#[test]
fn usage_errors_exit_with_2() {
    let p = Project::new(Backend::Sqlite, "usage").expect("test setup");
    p.write("models.toml", MODELS_V1);
    p.run(&["migration", "make", "NotSnake"]).expect(2);
    p.run(&["db", "migrate", "nope"])
        .expect(2)
        .shows("main, zoo");
    p.run(&["db", "migrate", "zoo", "--shard", "north"])
        .expect(2)
        .shows("east, west");
    p.run(&["db", "migrate", "--shard", "east"]).expect(2);
    p.run(&["migration", "new", "x", "--cluster", "nope"])
        .expect(2);
    p.make("init", "2026", &[]).expect(2);
    // A version that is not after the existing migrations is refused.
    p.make("init", V2, &[]).expect(0);
    p.write("models.toml", MODELS_V2);
    p.make("older", V1, &[]).expect(2).shows(V2);
    assert_eq!(p.files("main").len(), 1);
    // Broken declarations: exit 1 with the diagnostics.
    p.write(
        "models.toml",
        "[model.Person]\n[model.Person.fields]\nid = { type = \"i65\" }\n",
    );
    p.run(&["migration", "check"])
        .expect(1)
        .shows("models.toml:3:");
}

/// `--schema` before or after the subcommand, from another directory: SQLite paths resolve
/// against the directory holding the schema directory, not the current one.
#[test]
fn schema_option_anywhere_and_paths_relative_to_the_project() {
    let p = Project::new(Backend::Sqlite, "schema_option").expect("test setup");
    p.write("models.toml", MODELS_V1);
    let elsewhere = tempfile::tempdir().expect("test setup");
    let schema = p.path().join("schema");
    let schema = schema.to_str().expect("test setup");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_switchyard"))
            .args(args)
            .current_dir(elsewhere.path())
            .env("SWITCHYARD_MIGRATION_VERSION", V1)
            .env_remove("MAIN_URL")
            .env_remove("ZOO_EAST_URL")
            .env_remove("ZOO_WEST_URL")
            .env_remove("SWITCHYARD_SQLITE_DIR")
            .output()
            .expect("test setup");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    run(&["--schema", schema, "migration", "make", "init"]).expect(0);
    run(&["migration", "check", "--schema", schema]).expect(0);
    run(&["db", "--schema", schema, "setup"]).expect(0);
    assert!(p.path().join("data/main.sqlite3").exists());
    assert!(p.path().join("data/zoo_west.sqlite3").exists());
    assert!(!elsewhere.path().join("data").exists());
    // --sqlite-dir, relative to the current directory, resolves them elsewhere.
    run(&[
        "db",
        "create",
        "main",
        "--schema",
        schema,
        "--sqlite-dir",
        "app",
    ])
    .expect(0)
    .shows("created");
    assert!(elsewhere.path().join("app/data/main.sqlite3").exists());
    // Without --schema, `schema` in the current directory: none there.
    run(&["migration", "check"]).expect(1);
}

/// `migration new` writes an empty migration that reads back, changes nothing in the schema,
/// and is applied (recorded) like any other.
#[test]
fn new_writes_an_empty_migration() {
    let p = Project::new(Backend::Sqlite, "new").expect("test setup");
    p.write("models.toml", MODELS_V1);
    p.make("init", V1, &[]).expect(0);
    p.run_with(
        &["migration", "new", "backfill", "--cluster", "zoo"],
        &[("SWITCHYARD_MIGRATION_VERSION", V2)],
    )
    .expect(0)
    .shows(&format!("{V2}_backfill.toml"));
    assert_eq!(
        p.files("zoo"),
        [format!("{V1}_init.toml"), format!("{V2}_backfill.toml")]
    );
    assert_eq!(p.files("main"), [format!("{V1}_init.toml")]);
    p.run(&["migration", "check"]).expect(0);
    p.run(&["db", "setup", "zoo"])
        .expect(0)
        .shows(&format!("migrated 2 ({V1}, {V2})"))
        .lacks("main/default");
    assert!(!p.path().join("data/main.sqlite3").exists());
}

#[test]
fn help_describes_every_command() {
    let p = Project::new(Backend::Sqlite, "help").expect("test setup");
    let top = p.run(&["--help"]).expect(0);
    top.shows("--schema")
        .shows("migration")
        .shows("db")
        .shows("Exit codes");
    p.run(&["db", "migrate", "--help"])
        .expect(0)
        .shows("--to")
        .shows("--dry-run")
        .shows("--shard")
        .shows("--schema");
    p.run(&["db", "rollback", "--help"])
        .expect(0)
        .shows("--step");
    p.run(&["db", "drop", "--help"]).expect(0).shows("--force");
    p.run(&["migration", "make", "--help"])
        .expect(0)
        .shows("--allow-destructive")
        .shows("SWITCHYARD_MIGRATION_VERSION");
    p.run(&["db", "schema", "dump", "--help"])
        .expect(0)
        .shows("schema.sqlite.sql");
}

/// `switchyard schema` prints the JSON Schema of declaration files, the repository's checked-in
/// copy, in a directory without declarations.
#[test]
fn schema_prints_the_json_schema_of_declaration_files() {
    let empty = tempfile::tempdir().expect("test setup");
    let out = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .arg("schema")
        .current_dir(empty.path())
        .output()
        .expect("run switchyard");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let checked_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/declarations.schema.json");
    let expected = std::fs::read_to_string(&checked_in).expect("the checked-in schema");
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
}
