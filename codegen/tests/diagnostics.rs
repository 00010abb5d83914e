//! One broken declaration set per kind of problem, asserting where each is reported and what it
//! says; plus the full example passing and several problems reported in one run.

use switchyard_codegen::diagnostics::{Diagnostic, Diagnostics};
use switchyard_codegen::model::{
    DefaultValue, Fallback, FieldType, Hop, ListKey, OrderKey, Policy, Relation, RelationKind,
    Replica, RoleSet, Routing, Schema, ShardBy,
};
use switchyard_codegen::parse::{SourceFile, read_dir};
use switchyard_codegen::resolve::resolve_files;
use switchyard_codegen::{Error, load};

/// A valid cluster file, for sets that are about models.
const PRIMARY: (&str, &str) = (
    "schema/db.toml",
    "[cluster.primary]\nwriter = \"sqlite:p.db\"\n",
);

fn sources(files: &[(&str, &str)]) -> Vec<SourceFile> {
    files
        .iter()
        .map(|(path, text)| SourceFile {
            path: path.into(),
            text: (*text).to_owned(),
        })
        .collect()
}

fn resolve(files: &[(&str, &str)]) -> Result<Schema, Error> {
    resolve_files(&sources(files))
}

/// The problems of a set that must fail.
fn failure(files: &[(&str, &str)]) -> Diagnostics {
    match resolve(files) {
        Ok(schema) => panic!("expected problems, got {schema:#?}"),
        Err(Error::Declarations(diagnostics)) => diagnostics,
        Err(other) => panic!("expected declaration problems, got {other}"),
    }
}

/// Every problem of a set that must fail.
fn problems(files: &[(&str, &str)]) -> Vec<Diagnostic> {
    failure(files).iter().cloned().collect()
}

/// The single problem of a set that must fail with exactly one.
fn problem(files: &[(&str, &str)]) -> Diagnostic {
    let mut all = problems(files);
    assert_eq!(all.len(), 1, "expected one problem, got:\n{all:#?}");
    all.remove(0)
}

/// A model file with `fields` under `[model.User.fields]` (line 3 is the first field).
fn user(fields: &str) -> String {
    format!("[model.User]\n[model.User.fields]\n{fields}")
}

#[track_caller]
fn assert_at(
    d: &Diagnostic,
    path: &str,
    line: usize,
    column: usize,
    message: &str,
    hint: Option<&str>,
) {
    assert_eq!(
        (
            d.path.to_str(),
            d.line,
            d.column,
            d.message.as_str(),
            d.hint.as_deref()
        ),
        (Some(path), line, column, message, hint),
        "\n{d}"
    );
}

const EXAMPLE_DATABASES: &str = r#"# schema/databases.toml — topology is fixed at compile time; URLs are read at run time
[cluster.primary]
default = true                      # models without `cluster` live here
writer = "${DATABASE_URL:-sqlite:data/primary.sqlite3}"
replicas = ["${PRIMARY_REPLICA_URL:-sqlite:data/primary.sqlite3?mode=ro}"]
pool = { max_connections = 10, acquire_timeout_ms = 5000 }

[cluster.animals]
[cluster.animals.shard.default]     # the first shard is the default shard
writer = "${ANIMALS_URL:-sqlite:data/animals.sqlite3}"
replicas = ["${ANIMALS_REPLICA_URL:-sqlite:data/animals.sqlite3?mode=ro}"]
[cluster.animals.shard.shard_one]
writer = "${ANIMALS_SHARD_ONE_URL:-sqlite:data/animals_shard_one.sqlite3}"
"#;

const EXAMPLE_USERS: &str = r#"# schema/users.toml
[model.User]
cluster = "primary"
table = "users"                     # default: snake_case plural of the model name (ident::snake_plural)
doc = "A person with an account."
[model.User.fields]
id = { type = "i64", primary_key = true }        # auto-increment key
username = { type = "string", unique = true }
email = "string"                                  # shorthand: the type alone
bio = { type = "text", nullable = true }
created_at = { type = "datetime", default = "now" }
"#;

#[test]
fn full_example_resolves() {
    let schema = resolve(&[
        ("schema/databases.toml", EXAMPLE_DATABASES),
        ("schema/users.toml", EXAMPLE_USERS),
    ])
    .unwrap_or_else(|e| panic!("{e}"));

    let primary = &schema.clusters["primary"];
    assert!(primary.is_default && !primary.sharded);
    assert_eq!(primary.shards.len(), 1);
    assert_eq!(primary.shards[0].name, "default");
    assert_eq!(
        primary.shards[0].writer,
        "${DATABASE_URL:-sqlite:data/primary.sqlite3}"
    );
    assert_eq!(
        primary.shards[0].replicas,
        [Replica {
            url: "${PRIMARY_REPLICA_URL:-sqlite:data/primary.sqlite3?mode=ro}".into(),
            weight: 1
        }]
    );
    assert!(primary.shards[0].roles.is_empty());
    assert_eq!(primary.routing, Routing::default());
    assert_eq!(primary.pool.max_connections, Some(10));
    assert_eq!(primary.pool.acquire_timeout_ms, Some(5000));
    assert_eq!(primary.pool.min_connections, None);

    let animals = &schema.clusters["animals"];
    assert!(!animals.is_default && animals.sharded);
    let shards: Vec<&str> = animals.shards.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(shards, ["default", "shard_one"]);
    assert!(animals.shards[1].replicas.is_empty());

    let user = &schema.models["User"];
    assert_eq!(
        (user.cluster.as_str(), user.table.as_str()),
        ("primary", "users")
    );
    assert_eq!(user.doc.as_deref(), Some("A person with an account."));
    let fields: Vec<&str> = user.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(fields, ["id", "username", "email", "bio", "created_at"]);
    assert_eq!(user.key().name, "id");
    assert_eq!(user.key().ty, FieldType::I64);
    assert!(user.fields[1].unique && !user.fields[2].unique);
    assert_eq!(user.fields[2].ty, FieldType::String);
    assert!(user.fields[3].nullable);
    assert_eq!(user.fields[4].default, Some(DefaultValue::Now));
    assert_eq!(schema.files.len(), 2);
}

#[test]
fn defaults_are_applied() {
    let models = "[model.UserProfile.fields]\n\
                  id = { type = \"uuid\", primary_key = true }\n\
                  type = { type = \"string\", column = \"kind\", default = \"basic\" }\n\
                  match = { type = \"i16\", default = -3 }\n\
                  score = { type = \"f32\", default = 1 }\n\
                  [[model.UserProfile.indexes]]\n\
                  fields = [\"type\", \"match\"]\n\
                  [[model.UserProfile.indexes]]\n\
                  fields = [\"score\"]\n\
                  unique = true\n\
                  name = \"by_score\"\n";
    let schema = resolve(&[PRIMARY, ("schema/m.toml", models)]).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        schema.clusters["primary"].is_default,
        "a single cluster is the default"
    );
    let model = &schema.models["UserProfile"];
    assert_eq!(
        (model.cluster.as_str(), model.table.as_str()),
        ("primary", "user_profiles")
    );
    assert_eq!(model.fields[1].column, "kind");
    assert_eq!(
        model.fields[1].default,
        Some(DefaultValue::Str("basic".into()))
    );
    assert_eq!(model.fields[2].default, Some(DefaultValue::Int(-3)));
    assert_eq!(model.fields[3].default, Some(DefaultValue::Float(1.0)));
    assert_eq!(model.indexes[0].name, "user_profiles_kind_match_idx");
    assert_eq!(model.indexes[0].fields, ["type", "match"]);
    assert!(!model.indexes[0].unique);
    assert_eq!(model.indexes[1].name, "by_score");
    assert!(model.indexes[1].unique);
}

/// A primary key field line, for sets that are about something else.
const ID: &str = "id = { type = \"i64\", primary_key = true }\n";

fn with_id(fields: &str) -> String {
    user(&format!("{ID}{fields}"))
}

#[test]
fn several_problems_are_reported_together() {
    let users =
        user("id = { type = \"i64\", primary_key = true, nulable = true }\nemail = \"strng\"\n");
    let post = "[model.Post]\ncluster = \"primery\"\n[model.Post.fields]\nid = { type = \"i64\", primary_key = true }\n";
    let failure = failure(&[
        ("schema/a.toml", "[cluster.primary]\nwriter = \"${DB\"\n"),
        ("schema/b.toml", &users),
        ("schema/c.toml", post),
    ]);
    let places: Vec<(&str, usize, usize)> = failure
        .iter()
        .map(|d| (d.path.to_str().unwrap_or_default(), d.line, d.column))
        .collect();
    assert_eq!(
        places,
        [
            ("schema/a.toml", 2, 11),
            ("schema/b.toml", 3, 42),
            ("schema/b.toml", 4, 9),
            ("schema/c.toml", 2, 11)
        ]
    );
    let rendered = Error::Declarations(failure).to_string();
    assert!(
        rendered.contains("\n\nschema/b.toml:3:42: error: unknown key"),
        "{rendered}"
    );
    assert!(
        rendered.ends_with("\n\nerror: 4 problems in the declarations"),
        "{rendered}"
    );
}

#[test]
fn rendering() {
    let d = problem(&[
        PRIMARY,
        ("schema/users.toml", &with_id("email = \"strng\"\n")),
    ]);
    assert_eq!(
        d.to_string(),
        "schema/users.toml:4:9: error: unknown field type \"strng\"\n  |\n4 | email = \"strng\"\n  |         ^^^^^^^\n  = help: did you mean \"string\"?"
    );
    assert_eq!(
        (d.source_line.as_str(), d.span_len),
        ("email = \"strng\"", 7)
    );
}

#[test]
fn toml_syntax_error() {
    let d = problem(&[(
        "schema/db.toml",
        "[cluster.primary]\nwriter = \"sqlite:p.db\n",
    )]);
    assert_at(
        &d,
        "schema/db.toml",
        2,
        10,
        "invalid TOML: unclosed string",
        Some(
            "close it where it should end; the TOML parser gave up at line 2, column 22: \
             invalid basic string, expected `\"`",
        ),
    );
    // A syntax error that is not about something unclosed is reported as the parser says.
    let d = problem(&[("schema/db.toml", "[cluster.primary]\nwriter = = 1\n")]);
    assert_at(
        &d,
        "schema/db.toml",
        2,
        10,
        "invalid TOML: extra `=`, expected nothing",
        None,
    );
}

#[test]
fn one_syntax_error_names_what_is_unclosed() {
    // Every line after the unclosed `{` is an error to the parser; the cause is reported once.
    let mut text =
        String::from("[model.User]\nfields = { id = { type = \"i64\", primary_key = true }\n");
    for i in 0..50 {
        text.push_str(&format!("f{i} = \"string\"\n"));
    }
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    assert_eq!(
        (d.line, d.column, d.message.as_str()),
        (2, 10, "invalid TOML: unclosed `{`"),
        "\n{d}"
    );
    let hint = d.hint.as_deref().unwrap_or_default();
    assert!(
        hint.starts_with("close it where it should end; the TOML parser gave up at line "),
        "{hint}"
    );

    let d = problem(&[
        PRIMARY,
        (
            "schema/m.toml",
            "[model.User\n[model.User.fields]\nid = 1\n",
        ),
    ]);
    assert_eq!(
        (d.line, d.column, d.message.as_str()),
        (1, 1, "invalid TOML: unclosed `[`"),
        "\n{d}"
    );

    let d = problem(&[(
        "schema/db.toml",
        "[cluster.primary]\nreplicas = [\"a\",\n\"b\"\nwriter = \"x\"\npool = {}\n",
    )]);
    assert_eq!(
        (d.line, d.column, d.message.as_str()),
        (2, 12, "invalid TOML: unclosed `[`"),
        "\n{d}"
    );

    // 1,000 broken lines: one problem.
    let broken = "x = = 1\n".repeat(1000);
    let d = problem(&[("schema/db.toml", &broken)]);
    assert_at(
        &d,
        "schema/db.toml",
        1,
        5,
        "invalid TOML: extra `=`, expected nothing",
        None,
    );
}

#[test]
fn problems_per_file_are_capped() {
    let mut text = user("id = { type = \"i64\", primary_key = true }\n");
    for _ in 0..100 {
        text.push_str("a = \"string\"\n");
    }
    let diagnostics = failure(&[PRIMARY, ("schema/m.toml", &text)]);
    // `a` is first declared on line 4; the 99 later ones are duplicates, 20 of them shown.
    assert_eq!(diagnostics.len(), 20);
    assert_eq!(diagnostics.omitted(), 79);
    let first = diagnostics
        .iter()
        .next()
        .map(|d| (d.line, d.message.clone()));
    assert_eq!(
        first,
        Some((
            5,
            "field \"a\" of model \"User\" is declared twice; first declared at schema/m.toml:4:1"
                .to_owned()
        ))
    );
    let rendered = diagnostics.to_string();
    assert!(
        rendered.ends_with(
            "schema/m.toml: and 79 more problems in this file (the first 20 are shown)\n\n\
             error: 99 problems in the declarations"
        ),
        "{rendered}"
    );

    // Not only syntax: unknown keys are capped the same way, in each file separately.
    let keys = |n: usize| (0..n).map(|i| format!("k{i} = 1\n")).collect::<String>();
    let primary = format!(
        "[cluster.primary]\ndefault = true\nwriter = \"x\"\n{}",
        keys(30)
    );
    let other = format!("[cluster.other]\nwriter = \"x\"\n{}", keys(25));
    let diagnostics = failure(&[("schema/db.toml", &primary), ("schema/db2.toml", &other)]);
    assert_eq!((diagnostics.len(), diagnostics.omitted()), (40, 15));
    assert!(
        diagnostics
            .to_string()
            .contains("schema/db2.toml: and 5 more problems in this file")
    );
    assert!(
        diagnostics
            .to_string()
            .contains("schema/db.toml: and 10 more problems in this file")
    );
}

#[test]
fn syntax_errors_stop_before_validation() {
    // The unknown cluster in b.toml is not reported: a.toml could not be read.
    let all = problems(&[
        ("schema/a.toml", "[cluster.primary\nwriter = \"x\"\n"),
        ("schema/b.toml", "[model.User]\ncluster = \"primery\"\n"),
        ("schema/c.toml", "x = = 1\n"),
    ]);
    let files: Vec<&str> = all
        .iter()
        .map(|d| d.path.to_str().unwrap_or_default())
        .collect();
    assert_eq!(files, ["schema/a.toml", "schema/c.toml"], "{all:#?}");
    assert!(all.iter().all(|d| d.message.starts_with("invalid TOML: ")));
}

#[test]
fn unknown_key_top_level() {
    let d = problem(&[PRIMARY, ("schema/m.toml", "[models.User]\n")]);
    let hint = Some("did you mean \"model\"?");
    assert_at(
        &d,
        "schema/m.toml",
        1,
        2,
        "unknown key \"models\" at the top level",
        hint,
    );
}

#[test]
fn unknown_key_cluster() {
    let d = problem(&[(
        "schema/db.toml",
        "[cluster.primary]\nwriter = \"x\"\nreplica = [\"y\"]\n",
    )]);
    let message = "unknown key \"replica\" in cluster \"primary\"";
    assert_at(
        &d,
        "schema/db.toml",
        3,
        1,
        message,
        Some("did you mean \"replicas\"?"),
    );

    let d = problem(&[(
        "schema/db.toml",
        "[cluster.primary]\nwriter = \"x\"\ncolour = 1\n",
    )]);
    let hint = Some(
        "expected one of: default, doc, writer, replicas, roles, policy, fallback, \
         max_replica_lag_ms, health, pool, shard, shard_by, migrations, database_tasks",
    );
    assert_at(
        &d,
        "schema/db.toml",
        3,
        1,
        "unknown key \"colour\" in cluster \"primary\"",
        hint,
    );
}

#[test]
fn unknown_key_shard() {
    let d = problem(&[(
        "schema/db.toml",
        "[cluster.a.shard.one]\nwriter = \"x\"\nwritter = \"y\"\n",
    )]);
    let message = "unknown key \"writter\" in shard \"one\" of cluster \"a\"";
    assert_at(
        &d,
        "schema/db.toml",
        3,
        1,
        message,
        Some("did you mean \"writer\"?"),
    );
}

#[test]
fn unknown_key_pool() {
    let text = "[cluster.primary]\nwriter = \"x\"\npool = { max_conections = 5 }\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message = "unknown key \"max_conections\" in the pool of cluster \"primary\"";
    assert_at(
        &d,
        "schema/db.toml",
        3,
        10,
        message,
        Some("did you mean \"max_connections\"?"),
    );
}

#[test]
fn unknown_key_model() {
    let text = format!("[model.User]\ntabel = \"u\"\n[model.User.fields]\n{ID}");
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let message = "unknown key \"tabel\" in model \"User\"";
    assert_at(
        &d,
        "schema/m.toml",
        2,
        1,
        message,
        Some("did you mean \"table\"?"),
    );
}

#[test]
fn unknown_key_field() {
    let text = with_id("bio = { type = \"text\", nulable = true }\n");
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let message = "unknown key \"nulable\" in field \"bio\" of model \"User\"";
    assert_at(
        &d,
        "schema/m.toml",
        4,
        24,
        message,
        Some("did you mean \"nullable\"?"),
    );
}

#[test]
fn unknown_key_index() {
    let text = with_id("[[model.User.indexes]]\nfields = [\"id\"]\nuniqe = true\n");
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let message = "unknown key \"uniqe\" in an index of model \"User\"";
    assert_at(
        &d,
        "schema/m.toml",
        6,
        1,
        message,
        Some("did you mean \"unique\"?"),
    );
}

#[test]
fn wrong_value_type() {
    let text = with_id("bio = { type = \"text\", nullable = \"yes\" }\n");
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let message = "`nullable` must be a boolean (true or false), not a string";
    assert_at(
        &d,
        "schema/m.toml",
        4,
        35,
        message,
        Some("write the value without quotes"),
    );

    // No follow-up "neither `writer` nor `shard`" for a writer of the wrong type.
    let d = problem(&[("schema/db.toml", "[cluster.primary]\nwriter = 5\n")]);
    assert_at(
        &d,
        "schema/db.toml",
        2,
        10,
        "`writer` must be a string, not an integer",
        None,
    );

    let d = problem(&[PRIMARY, ("schema/m.toml", &with_id("email = 5\n"))]);
    let message = "field \"email\" of model \"User\" must be a type name (`\"string\"`) or a table \
                   (`{ type = \"string\" }`), not an integer";
    assert_at(&d, "schema/m.toml", 4, 9, message, None);
}

#[test]
fn missing_field_type() {
    let d = problem(&[
        PRIMARY,
        ("schema/m.toml", &with_id("email = { unique = true }\n")),
    ]);
    let message = "field \"email\" of model \"User\" has no `type`";
    assert_at(
        &d,
        "schema/m.toml",
        4,
        1,
        message,
        Some("add one, e.g. `type = \"string\"`"),
    );
}

#[test]
fn unknown_field_type() {
    let d = problem(&[PRIMARY, ("schema/m.toml", &with_id("email = \"strng\"\n"))]);
    assert_at(
        &d,
        "schema/m.toml",
        4,
        9,
        "unknown field type \"strng\"",
        Some("did you mean \"string\"?"),
    );

    let d = problem(&[PRIMARY, ("schema/m.toml", &with_id("n = \"integer\"\n"))]);
    assert_at(
        &d,
        "schema/m.toml",
        4,
        5,
        "unknown field type \"integer\"",
        Some("did you mean \"i64\"?"),
    );

    let d = problem(&[PRIMARY, ("schema/m.toml", &with_id("n = \"zzz\"\n"))]);
    let hint = "field types are: bool, i16, i32, i64, f32, f64, string, text, bytes, uuid, date, \
                time, datetime, json";
    assert_at(
        &d,
        "schema/m.toml",
        4,
        5,
        "unknown field type \"zzz\"",
        Some(hint),
    );
}

#[test]
fn unknown_cluster() {
    let text = format!("[model.User]\ncluster = \"primery\"\n[model.User.fields]\n{ID}");
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    assert_at(
        &d,
        "schema/m.toml",
        2,
        11,
        "unknown cluster \"primery\"",
        Some("did you mean \"primary\"?"),
    );

    let text = format!("[model.User]\ncluster = \"zzz\"\n[model.User.fields]\n{ID}");
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    assert_at(
        &d,
        "schema/m.toml",
        2,
        11,
        "unknown cluster \"zzz\"",
        Some("declared clusters: primary"),
    );
}

#[test]
fn duplicate_model_across_files() {
    let d = problem(&[
        PRIMARY,
        ("schema/a.toml", &user(ID)),
        ("schema/b.toml", "[model.User]\ntable = \"people\"\n"),
    ]);
    let message = "model \"User\" is declared twice; first declared at schema/a.toml:1:8";
    assert_at(&d, "schema/b.toml", 1, 8, message, None);
}

#[test]
fn duplicate_model_in_one_file() {
    let d = problem(&[
        PRIMARY,
        (
            "schema/m.toml",
            "[model.User]\ntable = \"a\"\n[model.User]\n",
        ),
    ]);
    let message = "model \"User\" is declared twice; first declared at schema/m.toml:1:8";
    assert_at(&d, "schema/m.toml", 3, 8, message, None);
}

#[test]
fn duplicate_cluster_across_files() {
    let d = problem(&[
        PRIMARY,
        ("schema/more.toml", "[cluster.primary]\nwriter = \"y\"\n"),
    ]);
    let message = "cluster \"primary\" is declared twice; first declared at schema/db.toml:1:10";
    assert_at(&d, "schema/more.toml", 1, 10, message, None);
}

#[test]
fn duplicate_cluster_in_one_file() {
    let text = "[cluster.primary]\nwriter = \"x\"\n[cluster.primary]\ndefault = true\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message = "cluster \"primary\" is declared twice; first declared at schema/db.toml:1:10";
    assert_at(&d, "schema/db.toml", 3, 10, message, None);
}

#[test]
fn duplicate_field() {
    let d = problem(&[PRIMARY, ("schema/m.toml", &with_id("id = \"string\"\n"))]);
    let message =
        "field \"id\" of model \"User\" is declared twice; first declared at schema/m.toml:3:1";
    assert_at(&d, "schema/m.toml", 4, 1, message, None);
}

#[test]
fn duplicate_column() {
    let text = with_id("email = \"string\"\nmail = { type = \"string\", column = \"email\" }\n");
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let message = "column \"email\" of model \"User\" is used by two fields; first declared at schema/m.toml:4:1";
    assert_at(&d, "schema/m.toml", 5, 36, message, None);
}

#[test]
fn duplicate_table_in_cluster() {
    let text = format!(
        "[model.User]\ntable = \"people\"\n[model.User.fields]\n{ID}\
         [model.Person]\ntable = \"People\"\n[model.Person.fields]\n{ID}"
    );
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let message = "table \"People\" of model \"Person\" is already used in cluster \"primary\"; \
                   first declared at schema/m.toml:2:9";
    assert_at(&d, "schema/m.toml", 6, 9, message, None);
}

#[test]
fn duplicate_index_name_in_cluster() {
    // Index names share the namespace of table names (PostgreSQL, SQLite).
    let text = with_id("[[model.User.indexes]]\nfields = [\"id\"]\nname = \"users\"\n");
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let message = "index name \"users\" is already used in cluster \"primary\"; first declared at schema/m.toml:1:8";
    assert_at(&d, "schema/m.toml", 6, 8, message, None);
}

#[test]
fn duplicate_shard() {
    let text = "[cluster.a.shard.one]\nwriter = \"x\"\n[cluster.a.shard.one]\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message =
        "shard \"one\" of cluster \"a\" is declared twice; first declared at schema/db.toml:1:18";
    assert_at(&d, "schema/db.toml", 3, 18, message, None);
}

#[test]
fn invalid_model_name() {
    let text = format!("[model.user_profile.fields]\n{ID}");
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let message = "invalid model name \"user_profile\": must be PascalCase (ASCII letters and digits, \
                   starting with an uppercase letter)";
    assert_at(
        &d,
        "schema/m.toml",
        1,
        8,
        message,
        Some("try \"UserProfile\""),
    );
}

#[test]
fn reserved_model_name() {
    for name in [
        "UserPatch",
        "Database",
        "NewUser",
        "Self",
        "AnimalsShard",
        "LoadedUser",
        "UserInclude",
    ] {
        let text = format!("[model.{name}]\ntable = \"t\"\n[model.{name}.fields]\n{ID}");
        let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
        assert_eq!((d.line, d.column), (1, 8));
        assert_eq!(d.message, format!("model name \"{name}\" is reserved"));
        assert!(d.hint.is_some_and(|h| h.contains("choose another name")));
    }
}

#[test]
fn invalid_field_name() {
    let d = problem(&[
        PRIMARY,
        ("schema/m.toml", &with_id("CreatedAt = \"datetime\"\n")),
    ]);
    let message = "invalid field name \"CreatedAt\": must be snake_case (lowercase ASCII letters, \
                   digits and single underscores, starting with a letter)";
    assert_at(
        &d,
        "schema/m.toml",
        4,
        1,
        message,
        Some("try \"created_at\""),
    );

    let d = problem(&[PRIMARY, ("schema/m.toml", &with_id("self = \"string\"\n"))]);
    let message = "\"self\" cannot be a field name: it is a reserved word in Rust";
    assert_at(
        &d,
        "schema/m.toml",
        4,
        1,
        message,
        Some("choose another name"),
    );
}

#[test]
fn rust_keywords_are_valid_field_names() {
    let text = with_id("type = \"string\"\nmatch = \"i32\"\nasync = \"bool\"\n");
    let schema = resolve(&[PRIMARY, ("schema/m.toml", &text)]).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = schema.models["User"]
        .fields
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(names, ["id", "type", "match", "async"]);
}

#[test]
fn invalid_cluster_name() {
    let d = problem(&[("schema/db.toml", "[cluster.Primary]\nwriter = \"x\"\n")]);
    let message = "invalid cluster name \"Primary\": must be snake_case (lowercase ASCII letters, \
                   digits and single underscores, starting with a letter)";
    assert_at(
        &d,
        "schema/db.toml",
        1,
        10,
        message,
        Some("try \"primary\""),
    );
}

#[test]
fn invalid_shard_name() {
    let d = problem(&[(
        "schema/db.toml",
        "[cluster.a.shard.Shard-One]\nwriter = \"x\"\n",
    )]);
    let message = "invalid shard name \"Shard-One\": must be snake_case (lowercase ASCII letters, \
                   digits and single underscores, starting with a letter)";
    assert_at(
        &d,
        "schema/db.toml",
        1,
        18,
        message,
        Some("try \"shard_one\""),
    );
}

#[test]
fn shard_variant_collision() {
    let text =
        "[cluster.a.shard.shard_1]\nwriter = \"x\"\n[cluster.a.shard.shard1]\nwriter = \"y\"\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message = "shard \"shard1\" of cluster \"a\" generates the variant name `Shard1`, like another \
                   shard; first declared at schema/db.toml:1:18";
    assert_at(&d, "schema/db.toml", 3, 18, message, None);
}

#[test]
fn cluster_type_collision() {
    let text = "[cluster.a_1]\ndefault = true\nwriter = \"x\"\n[cluster.a1]\nwriter = \"y\"\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message = "cluster \"a1\" generates the type `A1`, which another declaration also generates; \
                   first declared at schema/db.toml:1:10";
    assert_at(&d, "schema/db.toml", 4, 10, message, None);
}

#[test]
fn reserved_cluster_names() {
    let d = problem(&[("schema/db.toml", "[cluster.database]\nwriter = \"x\"\n")]);
    let message = "cluster \"database\" would generate the type `Database`, which is reserved";
    assert_at(
        &d,
        "schema/db.toml",
        1,
        10,
        message,
        Some("rename the cluster"),
    );

    let d = problem(&[("schema/db.toml", "[cluster.connect]\nwriter = \"x\"\n")]);
    let message =
        "cluster \"connect\" would get the accessor `connect`, which is a method of `Database`";
    assert_at(
        &d,
        "schema/db.toml",
        1,
        10,
        message,
        Some("rename the cluster"),
    );
}

#[test]
fn no_primary_key() {
    let d = problem(&[PRIMARY, ("schema/m.toml", &user("email = \"string\"\n"))]);
    let hint = "mark one field with `primary_key = true`, e.g. `id = { type = \"i64\", primary_key = true }`";
    assert_at(
        &d,
        "schema/m.toml",
        1,
        8,
        "model \"User\" has no primary key",
        Some(hint),
    );
}

#[test]
fn two_primary_keys() {
    let text = with_id("uid = { type = \"uuid\", primary_key = true }\n");
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let message = "model \"User\" has a second primary key; first declared at schema/m.toml:3:36";
    let hint = "composite primary keys are not supported: keep one key and add a unique index over \
                the other fields";
    assert_at(&d, "schema/m.toml", 4, 38, message, Some(hint));
}

#[test]
fn nullable_primary_key() {
    let text = user("id = { type = \"i64\", primary_key = true, nullable = true }\n");
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    assert_at(
        &d,
        "schema/m.toml",
        3,
        53,
        "primary key \"id\" cannot be nullable",
        None,
    );
}

#[test]
fn primary_key_type() {
    let text = user("id = { type = \"f64\", primary_key = true }\n");
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let hint = "primary keys are i16, i32, i64 (auto-increment), string or uuid";
    assert_at(
        &d,
        "schema/m.toml",
        3,
        15,
        "primary key \"id\" cannot be of type f64",
        Some(hint),
    );
}

#[test]
fn primary_key_options() {
    let text = user("id = { type = \"i64\", primary_key = true, unique = true, default = 1 }\n");
    let all = problems(&[PRIMARY, ("schema/m.toml", &text)]);
    let messages: Vec<&str> = all.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "`unique` is redundant on primary key \"id\"",
            "primary key \"id\" cannot have a default"
        ]
    );
}

#[test]
fn unique_on_unbounded_type() {
    let text = with_id("bio = { type = \"text\", unique = true }\n");
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let hint = "MySQL cannot index unbounded text columns; use type \"string\" (VARCHAR(255)) for \
                short, indexable values";
    assert_at(
        &d,
        "schema/m.toml",
        4,
        33,
        "field \"bio\" of type text cannot be unique",
        Some(hint),
    );
}

#[test]
fn index_on_unbounded_type() {
    let text = with_id("data = \"bytes\"\n[[model.User.indexes]]\nfields = [\"data\"]\n");
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let hint = "MySQL cannot index unbounded bytes columns; use type \"string\" (VARCHAR(255)) for \
                short, indexable values";
    assert_at(
        &d,
        "schema/m.toml",
        6,
        11,
        "field \"data\" of type bytes cannot be indexed",
        Some(hint),
    );
}

#[test]
fn no_default_cluster() {
    let text = "[cluster.primary]\nwriter = \"x\"\n[cluster.other]\nwriter = \"y\"\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message = "no default cluster: 2 clusters are declared and none has `default = true`";
    let hint =
        "mark the cluster that models without `cluster = \"...\"` live in with `default = true`";
    assert_at(&d, "schema/db.toml", 1, 10, message, Some(hint));
}

#[test]
fn two_default_clusters() {
    let text = "[cluster.primary]\ndefault = true\nwriter = \"x\"\n\
                [cluster.other]\ndefault = true\nwriter = \"y\"\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message = "cluster \"other\" is marked `default = true`, but only one cluster can be the \
                   default; first declared at schema/db.toml:2:11";
    assert_at(&d, "schema/db.toml", 5, 11, message, None);
}

#[test]
fn no_clusters_while_models_exist() {
    let d = problem(&[("schema/m.toml", &user(ID))]);
    let hint = "declare one, e.g. `[cluster.primary]` with `writer = \"${DATABASE_URL}\"`";
    let message = "model \"User\" needs a cluster, but no cluster is declared";
    assert_at(&d, "schema/m.toml", 1, 8, message, Some(hint));
}

#[test]
fn cluster_with_writer_and_shard() {
    let text = "[cluster.primary]\nwriter = \"x\"\n[cluster.primary.shard.one]\nwriter = \"y\"\n";
    let d = problem(&[("schema/db.toml", text)]);
    let hint = "a sharded cluster has a writer in each shard: remove the top-level `writer` (and \
                `replicas`), or remove the `shard` tables";
    let message = "cluster \"primary\" has both `writer` and `shard`";
    assert_at(&d, "schema/db.toml", 3, 18, message, Some(hint));
}

#[test]
fn cluster_with_neither_writer_nor_shard() {
    let d = problem(&[("schema/db.toml", "[cluster.primary]\ndoc = \"x\"\n")]);
    let hint = "add `writer = \"${DATABASE_URL}\"`, or shards as `[cluster.primary.shard.NAME]` \
                tables with a `writer` each";
    let message = "cluster \"primary\" has neither `writer` nor `shard`";
    assert_at(&d, "schema/db.toml", 1, 10, message, Some(hint));
}

#[test]
fn replicas_on_sharded_cluster() {
    let text = "[cluster.a]\nreplicas = [\"r\"]\n[cluster.a.shard.one]\nwriter = \"x\"\n";
    let d = problem(&[("schema/db.toml", text)]);
    let hint = "declare replicas in each `[cluster.a.shard.NAME]` table";
    assert_at(
        &d,
        "schema/db.toml",
        2,
        12,
        "sharded cluster \"a\" has top-level `replicas`",
        Some(hint),
    );
}

#[test]
fn shard_without_writer() {
    let d = problem(&[(
        "schema/db.toml",
        "[cluster.a.shard.one]\nreplicas = [\"r\"]\n",
    )]);
    let hint = "every shard needs a writer URL, e.g. `writer = \"${SHARD_URL}\"`";
    let message = "shard \"one\" of cluster \"a\" has no `writer`";
    assert_at(&d, "schema/db.toml", 1, 18, message, Some(hint));
}

#[test]
fn malformed_url_templates() {
    let hint = Some(
        "placeholders are `${NAME}` or `${NAME:-default}`, NAME matching [A-Za-z_][A-Za-z0-9_]*",
    );
    let d = problem(&[("schema/db.toml", "[cluster.primary]\nwriter = \"${DB\"\n")]);
    let message = "unclosed `${` in the writer URL of cluster \"primary\"";
    assert_at(&d, "schema/db.toml", 2, 11, message, hint);

    let text = "[cluster.primary]\nwriter = \"x\"\nreplicas = [\"${}\", \"${1DB}\", \"${DB:x}\"]\n";
    let all = problems(&[("schema/db.toml", text)]);
    assert_eq!(all.len(), 3, "{all:#?}");
    let replica = "in a replica URL of cluster \"primary\"";
    assert_at(
        &all[0],
        "schema/db.toml",
        3,
        14,
        &format!("empty variable name in `${{...}}` {replica}"),
        hint,
    );
    assert_at(
        &all[1],
        "schema/db.toml",
        3,
        21,
        &format!("invalid variable name \"1DB\" {replica}"),
        hint,
    );
    let unexpected = format!(
        "unexpected `:` after variable name \"DB\" (expected `}}` or `:-default}}`) {replica}"
    );
    assert_at(&all[2], "schema/db.toml", 3, 31, &unexpected, hint);

    let d = problem(&[("schema/db.toml", "[cluster.primary]\nwriter = \" \"\n")]);
    let message = "the writer URL of cluster \"primary\" is empty";
    assert_at(&d, "schema/db.toml", 2, 10, message, None);

    // In a shard, and written with an escape: the whole string is pointed at.
    let text = "[cluster.a.shard.one]\nwriter = \"\\u0024{DB\"\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message = "unclosed `${` in the writer URL of shard \"one\" of cluster \"a\"";
    assert_at(&d, "schema/db.toml", 2, 10, message, hint);
}

#[test]
fn default_of_wrong_type() {
    let d = problem(&[
        PRIMARY,
        (
            "schema/m.toml",
            &with_id("n = { type = \"i64\", default = \"now\" }\n"),
        ),
    ]);
    let hint = Some("\"now\" is only valid for date, time and datetime fields");
    assert_at(
        &d,
        "schema/m.toml",
        4,
        31,
        "default \"now\" does not fit type i64",
        hint,
    );

    let d = problem(&[
        PRIMARY,
        (
            "schema/m.toml",
            &with_id("b = { type = \"bool\", default = 1 }\n"),
        ),
    ]);
    let hint = Some("bool defaults are true or false");
    assert_at(
        &d,
        "schema/m.toml",
        4,
        32,
        "default 1 does not fit type bool",
        hint,
    );

    let text = with_id("d = { type = \"date\", default = 2024-01-01 }\n");
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let hint = Some("only `default = \"now\"` (the time of the insert, UTC) is supported");
    assert_at(
        &d,
        "schema/m.toml",
        4,
        32,
        "default a datetime is not supported for a date field",
        hint,
    );
}

#[test]
fn default_out_of_range() {
    let text = with_id("n = { type = \"i16\", default = 40000 }\n");
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let hint = Some("i16 holds -32768 to 32767");
    assert_at(
        &d,
        "schema/m.toml",
        4,
        31,
        "default 40000 is out of range for i16",
        hint,
    );

    let text = with_id("n = { type = \"i64\", default = 9223372036854775808 }\n");
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    assert_at(
        &d,
        "schema/m.toml",
        4,
        31,
        "`default` is out of range for a 64-bit integer",
        None,
    );
}

#[test]
fn accessor_collision() {
    let text = format!(
        "[model.HttpLog.fields]\n{ID}[model.HTTPLog]\ntable = \"raw_http_logs\"\n[model.HTTPLog.fields]\n{ID}"
    );
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let message = "model \"HTTPLog\" gets the accessor `http_logs`, like another model; first \
                   declared at schema/m.toml:1:8";
    assert_at(&d, "schema/m.toml", 3, 8, message, None);
}

#[test]
fn accessor_is_a_cluster_handle_method() {
    let text = format!("[model.CreateTable]\ntable = \"ct\"\n[model.CreateTable.fields]\n{ID}");
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let message = "model \"CreateTable\" would get the accessor `create_tables`, which is a method of \
                   the cluster handle";
    assert_at(&d, "schema/m.toml", 1, 8, message, Some("rename the model"));
}

#[test]
fn accessor_is_a_keyword() {
    let d = problem(&[
        PRIMARY,
        ("schema/m.toml", &format!("[model.A.fields]\n{ID}")),
    ]);
    let message = "model \"A\" would get the accessor `as`, which is a Rust keyword";
    assert_at(&d, "schema/m.toml", 1, 8, message, Some("rename the model"));
}

#[test]
fn model_type_collides_with_cluster_types() {
    let clusters = ("schema/db.toml", "[cluster.animals]\nwriter = \"x\"\n");
    for (model, ty) in [
        ("Animals", "Animals"),
        ("AnimalsTransaction", "AnimalsTransaction"),
    ] {
        let text = format!("[model.{model}]\ntable = \"t\"\n[model.{model}.fields]\n{ID}");
        let d = problem(&[clusters, ("schema/m.toml", &text)]);
        let message = format!(
            "model \"{model}\" generates the type `{ty}`, which another declaration also \
             generates; first declared at schema/db.toml:1:10"
        );
        assert_at(&d, "schema/m.toml", 1, 8, &message, None);
    }
    // The eager-loading types of a model, too.
    for (cluster, ty) in [
        ("loaded_user", "LoadedUser"),
        ("user_include", "UserInclude"),
    ] {
        let clusters = format!("[cluster.{cluster}]\nwriter = \"x\"\n");
        let d = problem(&[("schema/db.toml", &clusters), ("schema/m.toml", &user(ID))]);
        let message = format!(
            "model \"User\" generates the type `{ty}`, which another declaration also \
             generates; first declared at schema/db.toml:1:10"
        );
        assert_at(&d, "schema/m.toml", 1, 8, &message, None);
    }
}

#[test]
fn field_constant_collision() {
    // Valid snake_case names always have distinct constants; an invalid name shows the check.
    let all = problems(&[
        PRIMARY,
        (
            "schema/m.toml",
            &with_id("email = \"string\"\nEmail = \"string\"\n"),
        ),
    ]);
    let d = all
        .iter()
        .find(|d| d.message.contains("constant"))
        .unwrap_or_else(|| panic!("{all:#?}"));
    let message = "field \"Email\" generates the column constant `EMAIL`, like another field of model \
                   \"User\"; first declared at schema/m.toml:4:1";
    assert_at(d, "schema/m.toml", 5, 1, message, None);
}

#[test]
fn index_on_unknown_field() {
    let text = with_id("email = \"string\"\n[[model.User.indexes]]\nfields = [\"emial\"]\n");
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let hint = Some("did you mean \"email\"?");
    assert_at(
        &d,
        "schema/m.toml",
        6,
        11,
        "index names unknown field \"emial\"",
        hint,
    );
}

#[test]
fn empty_fields() {
    let text = with_id("[[model.User.indexes]]\nfields = []\n");
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let hint = Some("list the indexed fields, e.g. `fields = [\"email\"]`");
    assert_at(
        &d,
        "schema/m.toml",
        5,
        10,
        "an index needs at least one field",
        hint,
    );

    let text = with_id("[[model.User.indexes]]\nunique = true\n");
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    assert_at(
        &d,
        "schema/m.toml",
        4,
        1,
        "an index of model \"User\" has no `fields`",
        hint,
    );

    let d = problem(&[
        PRIMARY,
        ("schema/m.toml", "[model.User]\ntable = \"users\"\n"),
    ]);
    let hint = Some("declare them in a `[model.User.fields]` table");
    assert_at(
        &d,
        "schema/m.toml",
        1,
        8,
        "model \"User\" has no fields",
        hint,
    );
}

#[test]
fn pool_values_out_of_range() {
    let text = "[cluster.primary]\nwriter = \"x\"\npool = { max_connections = 0 }\n";
    let d = problem(&[("schema/db.toml", text)]);
    assert_at(
        &d,
        "schema/db.toml",
        3,
        28,
        "`max_connections` must be at least 1, not 0",
        None,
    );

    let text =
        "[cluster.primary]\nwriter = \"x\"\npool = { max_connections = 2, min_connections = 3 }\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message = "`min_connections` (3) is larger than `max_connections` (2)";
    assert_at(&d, "schema/db.toml", 3, 49, message, None);

    let text = "[cluster.primary]\nwriter = \"x\"\npool = { idle_timeout_ms = -5 }\n";
    let d = problem(&[("schema/db.toml", text)]);
    assert_at(
        &d,
        "schema/db.toml",
        3,
        28,
        "`idle_timeout_ms` must be at least 1, not -5",
        None,
    );
}

#[test]
fn invalid_sql_names() {
    let text = format!("[model.User]\ntable = \"user table\"\n[model.User.fields]\n{ID}");
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let message = "invalid table name \"user table\": must be ASCII letters, digits and underscores, \
                   not starting with a digit";
    assert_at(&d, "schema/m.toml", 2, 9, message, None);
}

#[test]
fn read_dir_finds_toml_files_recursively_in_order() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap_or(dir.path()))
            .unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
    };
    write("users.toml", EXAMPLE_USERS);
    write("a/databases.toml", EXAMPLE_DATABASES);
    write("notes.txt", "not a declaration");
    let files = read_dir(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<_> = files
        .iter()
        .map(|f| f.path.strip_prefix(dir.path()).ok())
        .collect();
    assert_eq!(
        names,
        [
            Some("a/databases.toml".as_ref()),
            Some("users.toml".as_ref())
        ]
    );
    let schema = load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        schema.files,
        files.iter().map(|f| f.path.clone()).collect::<Vec<_>>()
    );
}

#[test]
fn read_dir_rejects_missing_or_empty_dirs() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let missing = dir.path().join("nope");
    assert!(matches!(
        read_dir(&missing),
        Err(Error::NoDeclarations { dir, exists: false }) if dir == missing
    ));
    let err = read_dir(dir.path())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("has no `*.toml` declaration file"), "{err}");
    assert!(err.contains(&dir.path().display().to_string()), "{err}");
}

/// A missing schema directory, as a build script meets it: a path relative to the crate
/// (the directory `cargo test` runs this test in, like a build script), said relative to the
/// crate, where that is, and what to do.
#[test]
fn a_missing_schema_directory_says_where_and_what_to_do() {
    // As the build script's process sees it (cargo sets it when it runs a test, too).
    let crate_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let err = load(std::path::Path::new("no_such_schema"))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert_eq!(
        err.lines().next(),
        Some(
            format!(
                "error: there is no schema directory `no_such_schema` (relative to the crate, \
                 {crate_dir})"
            )
            .as_str()
        ),
        "{err}"
    );
    assert!(
        err.contains("= help: declare the databases and models in `*.toml` files there"),
        "{err}"
    );
    assert!(err.contains("switchyard_codegen::build(\"...\")"), "{err}");
    // A path outside the crate is shown as given.
    let outside = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let gone = outside.path().join("schema");
    let err = load(&gone).err().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(
        err.lines().next(),
        Some(format!("error: there is no schema directory `{}`", gone.display()).as_str()),
        "{err}"
    );
}

// Relations.

/// Models `User` and `Post` (lines 1-8); relations tables follow from line 9.
const BLOG: &str = "[model.User.fields]
id = { type = \"i64\", primary_key = true }
name = \"string\"
[model.Post.fields]
id = { type = \"i64\", primary_key = true }
user_id = \"i64\"
title = \"string\"
created_at = \"datetime\"
";

/// `BLOG` followed by `relations` (its first line is line 9).
fn blog(relations: &str) -> String {
    format!("{BLOG}{relations}")
}

/// The single problem of the blog models with `relations`.
fn blog_problem(relations: &str) -> Diagnostic {
    problem(&[PRIMARY, ("schema/m.toml", &blog(relations))])
}

fn hop(from: &str, from_field: &str, to: &str, to_field: &str) -> Hop {
    Hop {
        from: from.into(),
        from_field: from_field.into(),
        to: to.into(),
        to_field: to_field.into(),
    }
}

const RELATIONS_EXAMPLE: &str = r#"
[model.User]
cluster = "primary"
[model.User.fields]
id = { type = "i64", primary_key = true }
[model.User.relations]
posts = { has_many = "Post", foreign_key = "user_id", inverse_of = "user", order = "created_at desc, title", limit = 10, doc = "Newest first." }
profile = { has_one = "Profile" }
dogs = { has_many = "Dog", foreign_key = "owner_id" }

[model.Profile.fields]
id = { type = "i64", primary_key = true }
user_id = "i64"

[model.Post.fields]
id = { type = "i64", primary_key = true }
user_id = { type = "i64", nullable = true }
title = "string"
created_at = "datetime"
[model.Post.relations]
user = { belongs_to = "User", foreign_key = "user_id", validate = true }
comments = { has_many = "Comment" }
commenters = { has_many = "User", through = "comments", source = "author" }

[model.Comment.fields]
id = { type = "i64", primary_key = true }
post_id = "i64"
author_id = "i64"
[model.Comment.relations]
author = { belongs_to = "User" }

[model.Dog]
cluster = "animals"
unique_across_shards = true
[model.Dog.fields]
id = { type = "i64", primary_key = true }
owner_id = "i64"
[model.Dog.relations]
owner = { belongs_to = "User", inverse_of = "dogs" }
humans = { has_many = "Human" }
treats = { has_many = "Treat", through = "humans" }
home = { has_one = "Home" }
yard = { has_one = "Yard", through = "home" }
owner_posts = { has_many = "Post", through = "owner", source = "posts" }

[model.Human]
cluster = "animals"
unique_across_shards = true
[model.Human.fields]
id = { type = "i64", primary_key = true }
dog_id = "i64"
[model.Human.relations]
treats = { has_many = "Treat" }

[model.Treat]
cluster = "animals"
unique_across_shards = true
[model.Treat.fields]
id = { type = "i64", primary_key = true }
human_id = "i64"

[model.Home]
cluster = "animals"
unique_across_shards = true
[model.Home.fields]
id = { type = "i64", primary_key = true }
dog_id = "i64"
[model.Home.relations]
yards = { has_one = "Yard" }

[model.Yard]
cluster = "animals"
unique_across_shards = true
[model.Yard.fields]
id = { type = "string", primary_key = true }
home_id = "i64"
"#;

#[test]
fn relations_resolve() {
    let schema = resolve(&[
        ("schema/databases.toml", EXAMPLE_DATABASES),
        ("schema/relations.toml", RELATIONS_EXAMPLE),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let relation = |model: &str, name: &str| -> Relation {
        schema.models[model]
            .relations
            .iter()
            .find(|r| r.name == name)
            .cloned()
            .unwrap_or_else(|| panic!("no relation {model}.{name}"))
    };
    let names: Vec<&str> = schema.models["Dog"]
        .relations
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["owner", "humans", "treats", "home", "yard", "owner_posts"],
        "declaration order"
    );

    assert_eq!(
        relation("User", "posts"),
        Relation {
            name: "posts".into(),
            target: "Post".into(),
            kind: RelationKind::HasMany,
            hops: vec![hop("User", "id", "Post", "user_id")],
            through: None,
            optional: false,
            inverse_of: Some("user".into()),
            order: vec![
                OrderKey {
                    field: "created_at".into(),
                    descending: true
                },
                OrderKey {
                    field: "title".into(),
                    descending: false
                },
            ],
            limit: Some(10),
            validate: false,
            doc: Some("Newest first.".into()),
        }
    );
    // has_one: the foreign key defaults to the owner's snake_case name + `_id`.
    let profile = relation("User", "profile");
    assert_eq!(profile.kind, RelationKind::HasOne);
    assert_eq!(profile.hops, [hop("User", "id", "Profile", "user_id")]);
    assert!(profile.optional);
    // belongs_to: optional when the foreign key is nullable; `validate` kept.
    let user = relation("Post", "user");
    assert_eq!(user.hops, [hop("Post", "user_id", "User", "id")]);
    assert!(user.optional && user.validate);
    // belongs_to: the foreign key defaults to the relation's name + `_id`; across clusters.
    let owner = relation("Dog", "owner");
    assert_eq!(owner.hops, [hop("Dog", "owner_id", "User", "id")]);
    assert!(!owner.optional);
    assert_eq!(owner.inverse_of.as_deref(), Some("dogs"));
    // Many-to-many through a join model: has_many through a belongs_to source.
    let commenters = relation("Post", "commenters");
    assert_eq!(commenters.through.as_deref(), Some("comments"));
    assert_eq!(
        commenters.hops,
        [
            hop("Post", "id", "Comment", "post_id"),
            hop("Comment", "author_id", "User", "id")
        ]
    );
    // The source defaults to the relation's name (`treats`), else its singular or plural.
    assert_eq!(
        relation("Dog", "treats").hops,
        [
            hop("Dog", "id", "Human", "dog_id"),
            hop("Human", "id", "Treat", "human_id")
        ]
    );
    let yard = relation("Dog", "yard");
    assert_eq!((yard.kind, yard.optional), (RelationKind::HasOne, true));
    assert_eq!(
        yard.hops,
        [
            hop("Dog", "id", "Home", "dog_id"),
            hop("Home", "id", "Yard", "home_id")
        ]
    );
    // A source may itself be a relation with order and limit; only the hops are followed.
    let owner_posts = relation("Dog", "owner_posts");
    assert_eq!(
        owner_posts.hops,
        [
            hop("Dog", "owner_id", "User", "id"),
            hop("User", "id", "Post", "user_id")
        ]
    );
    assert!(owner_posts.order.is_empty() && owner_posts.limit.is_none());
}

#[test]
fn through_chains_nest() {
    // `tags` goes through `posts` (direct) then `tags` of Post, itself a through-relation.
    let text = blog(
        "[model.User.relations]
posts = { has_many = \"Post\" }
tags = { has_many = \"Tag\", through = \"posts\" }
first_tag = { has_one = \"Tag\", through = \"profile\", source = \"tag\" }
profile = { has_one = \"Profile\" }
[model.Post.relations]
taggings = { has_many = \"Tagging\" }
tags = { has_many = \"Tag\", through = \"taggings\", source = \"tag\" }
[model.Tagging.fields]
id = { type = \"i64\", primary_key = true }
post_id = \"i64\"
tag_id = \"i64\"
[model.Tagging.relations]
tag = { belongs_to = \"Tag\" }
[model.Tag.fields]
id = { type = \"i64\", primary_key = true }
[model.Profile.fields]
id = { type = \"i64\", primary_key = true }
user_id = \"i64\"
tag_id = { type = \"i64\", nullable = true }
[model.Profile.relations]
tag = { belongs_to = \"Tag\" }
",
    );
    let schema = resolve(&[PRIMARY, ("schema/m.toml", &text)]).unwrap_or_else(|e| panic!("{e}"));
    let relations = &schema.models["User"].relations;
    assert_eq!(
        relations[1].hops,
        [
            hop("User", "id", "Post", "user_id"),
            hop("Post", "id", "Tagging", "post_id"),
            hop("Tagging", "tag_id", "Tag", "id"),
        ]
    );
    // has_one through to-one steps only (a has_one and a belongs_to).
    assert_eq!(relations[2].kind, RelationKind::HasOne);
    assert_eq!(
        relations[2].hops,
        [
            hop("User", "id", "Profile", "user_id"),
            hop("Profile", "tag_id", "Tag", "id")
        ]
    );
}

#[test]
fn relation_to_unknown_model() {
    let d = blog_problem("[model.User.relations]\nposts = { has_many = \"Pst\" }\n");
    let hint = Some("did you mean \"Post\"?");
    assert_at(&d, "schema/m.toml", 10, 22, "unknown model \"Pst\"", hint);

    let d = blog_problem("[model.User.relations]\nposts = { has_many = \"Zebra\" }\n");
    let hint = Some("declared models: User, Post");
    assert_at(&d, "schema/m.toml", 10, 22, "unknown model \"Zebra\"", hint);
}

#[test]
fn relation_foreign_key_missing() {
    // belongs_to: on the owner, defaulting to the relation's name + `_id`.
    let d = blog_problem("[model.Post.relations]\nauthor = { belongs_to = \"User\" }\n");
    let message =
        "foreign key \"author_id\" of relation \"author\" is not a field of model \"Post\"";
    let hint = "add `author_id = \"i64\"` to `[model.Post.fields]`, or name the foreign key with \
                `foreign_key`";
    assert_at(&d, "schema/m.toml", 10, 1, message, Some(hint));

    // has_many: on the target, defaulting to the owner's name + `_id`; a close field is named.
    let text = "[model.Author.fields]\nid = { type = \"i64\", primary_key = true }\n\
                [model.Author.relations]\nposts = { has_many = \"Post\" }\n";
    let d = blog_problem(text);
    let message =
        "foreign key \"author_id\" of relation \"posts\" is not a field of model \"Post\"";
    let hint = Some(
        "add `author_id = \"i64\"` to `[model.Post.fields]`, or name the foreign key \
                     with `foreign_key`",
    );
    assert_at(&d, "schema/m.toml", 12, 1, message, hint);

    let d = blog_problem(
        "[model.User.relations]\nposts = { has_one = \"Post\", foreign_key = \"usr_id\" }\n",
    );
    let message = "foreign key \"usr_id\" of relation \"posts\" is not a field of model \"Post\"";
    let hint = Some("did you mean \"user_id\"?");
    assert_at(&d, "schema/m.toml", 10, 43, message, hint);

    let d = blog_problem(
        "[model.Post.relations]\nuser = { belongs_to = \"User\", primary_key = \"nme\" }\n",
    );
    let message = "`primary_key` names unknown field \"nme\" of model \"User\"";
    let hint = Some("did you mean \"name\"?");
    assert_at(&d, "schema/m.toml", 10, 45, message, hint);
}

#[test]
fn relation_key_types() {
    let text = "[model.Author.fields]
id = { type = \"i32\", primary_key = true }
[model.Author.relations]
posts = { has_many = \"Post\", foreign_key = \"user_id\" }
";
    let d = blog_problem(text);
    let message = "foreign key \"user_id\" of model \"Post\" has type i64, but the key it refers to, \
                   \"id\" of model \"Author\", has type i32";
    let hint = "a foreign key has the type of the key it refers to: declare \"user_id\" as \"i32\"";
    assert_at(&d, "schema/m.toml", 12, 44, message, Some(hint));

    // Equal types are not enough: text cannot be a key (and string and text differ).
    let text = "[model.User.relations]
by_name = { has_many = \"Post\", primary_key = \"name\", foreign_key = \"title\" }
[model.Post.relations]
by_title = { belongs_to = \"User\", foreign_key = \"created_at\" }
";
    let all = problems(&[PRIMARY, ("schema/m.toml", &blog(text))]);
    assert_eq!(all.len(), 1, "{all:#?}");
    let message = "field \"created_at\" of model \"Post\" cannot be a relation key: it has type \
                   datetime";
    let hint = Some("relation keys have type i16, i32, i64, string or uuid");
    assert_at(&all[0], "schema/m.toml", 12, 49, message, hint);

    let text = blog("[model.Post.relations]\nauthor = { belongs_to = \"User\", foreign_key = \"title\", primary_key = \"bio\" }\n")
        .replace("name = \"string\"", "bio = \"text\"");
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let message = "field \"bio\" of model \"User\" cannot be a relation key: it has type text";
    assert_at(&d, "schema/m.toml", 10, 70, message, hint);
}

#[test]
fn relation_inverse_of() {
    // `name` is an i64 here, so that `writer` can refer to it.
    let blog_problem = |posts: &str| {
        let text = blog(&format!(
            "[model.User.relations]\n{posts}\n[model.Post.relations]\n\
             user = {{ belongs_to = \"User\" }}\n\
             writer = {{ belongs_to = \"User\", foreign_key = \"user_id\", primary_key = \"name\" }}\n\
             copies = {{ has_many = \"Post\", foreign_key = \"id\" }}\n\
             users = {{ has_many = \"User\", through = \"copies\", source = \"user\" }}\n"
        ))
        .replace("name = \"string\"", "name = \"i64\"");
        problem(&[PRIMARY, ("schema/m.toml", &text)])
    };
    let text = |posts: &str| posts.to_owned();
    let d = blog_problem(&text(
        "posts = { has_many = \"Post\", inverse_of = \"usr\" }",
    ));
    let hint = Some("did you mean \"user\"?");
    let message = "`inverse_of` names unknown relation \"usr\" of model \"Post\"";
    assert_at(&d, "schema/m.toml", 10, 43, message, hint);

    let d = blog_problem(&text(
        "posts = { has_many = \"Post\", inverse_of = \"copies\" }",
    ));
    let message = "`inverse_of` names relation \"copies\" of model \"Post\", which targets model \
                   \"Post\", not \"User\"";
    let hint = Some("the inverse of a relation of model \"User\" is a relation back to \"User\"");
    assert_at(&d, "schema/m.toml", 10, 43, message, hint);

    let d = blog_problem(&text(
        "posts = { has_many = \"Post\", inverse_of = \"users\" }",
    ));
    let message = "`inverse_of` names relation \"users\" of model \"Post\", which goes `through` \
                   another relation";
    let hint = Some("an inverse is a direct relation over the same foreign key");
    assert_at(&d, "schema/m.toml", 10, 43, message, hint);

    let d = blog_problem(&text(
        "posts = { has_many = \"Post\", inverse_of = \"writer\" }",
    ));
    let message = "`inverse_of` names relation \"writer\" of model \"Post\", which joins \
                   Post.user_id to User.name, but this relation joins User.id to Post.user_id";
    let hint = Some(
        "a relation and its inverse use the same foreign key and key: set \
                     `foreign_key` (or `primary_key`) so that they match",
    );
    assert_at(&d, "schema/m.toml", 10, 43, message, hint);

    // Both sides belong to (or both have): not a pair.
    let text = blog(
        "[model.Post.relations]\nuser = { belongs_to = \"User\", inverse_of = \"author\" }\n\
         [model.User.relations]\nauthor = { belongs_to = \"Post\", foreign_key = \"id\" }\n",
    );
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let message = "`inverse_of` names relation \"author\" of model \"User\", which is belongs_to, \
                   not has_one or has_many";
    let hint = Some(
        "a belongs_to and a has_one or has_many over the same foreign key are each \
                     other's inverse",
    );
    assert_at(&d, "schema/m.toml", 10, 44, message, hint);
}

#[test]
fn relation_through_step_missing() {
    let tags =
        "[model.Tag.fields]\nid = { type = \"i64\", primary_key = true }\npost_id = \"i64\"\n";
    let text = |user: &str| {
        blog(&format!(
            "[model.User.relations]\nposts = {{ has_many = \"Post\" }}\n{user}\n\
             [model.Post.relations]\ntags = {{ has_many = \"Tag\" }}\n{tags}"
        ))
    };
    let d = problem(&[
        PRIMARY,
        (
            "schema/m.toml",
            &text("tags = { has_many = \"Tag\", through = \"psts\" }"),
        ),
    ]);
    let message = "`through` names unknown relation \"psts\" of model \"User\"";
    assert_at(
        &d,
        "schema/m.toml",
        11,
        38,
        message,
        Some("did you mean \"posts\"?"),
    );

    let d = problem(&[
        PRIMARY,
        (
            "schema/m.toml",
            &text("labels = { has_many = \"Tag\", through = \"posts\", source = \"tgs\" }"),
        ),
    ]);
    let message = "`source` names unknown relation \"tgs\" of model \"Post\"";
    assert_at(
        &d,
        "schema/m.toml",
        11,
        58,
        message,
        Some("did you mean \"tags\"?"),
    );

    // The default source: the relation's name, then its singular (or plural).
    let d = problem(&[
        PRIMARY,
        (
            "schema/m.toml",
            &text("labels = { has_many = \"Tag\", through = \"posts\" }"),
        ),
    ]);
    let message = "relation \"labels\" of model \"User\" goes through \"posts\" to model \"Post\", \
                   which has no relation \"labels\" or \"label\"";
    let hint = "name the relation to follow with `source`; relations of model \"Post\": tags";
    assert_at(&d, "schema/m.toml", 11, 40, message, Some(hint));
}

#[test]
fn relation_through_reaches_another_model() {
    let text = blog(
        "[model.User.relations]\nposts = { has_many = \"Post\" }\n\
         authors = { has_many = \"User\", through = \"posts\", source = \"posts\" }\n\
         [model.Post.relations]\nuser = { belongs_to = \"User\" }\nposts = { has_many = \"Post\", foreign_key = \"id\" }\n",
    );
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let message = "relation \"authors\" of model \"User\" reaches model \"Post\" (through \"posts\", \
                   then \"posts\" of model \"Post\"), not \"User\"";
    let hint = Some("declare `has_many = \"Post\"`, or follow another relation with `source`");
    assert_at(&d, "schema/m.toml", 11, 24, message, hint);
}

#[test]
fn has_one_through_a_collection() {
    let text = blog(
        "[model.User.relations]\nposts = { has_many = \"Post\" }\n\
         first_author = { has_one = \"User\", through = \"posts\", source = \"user\" }\n\
         [model.Post.relations]\nuser = { belongs_to = \"User\" }\n",
    );
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let message = "has_one relation \"first_author\" of model \"User\" goes through has_many \
                   relation \"posts\" of model \"User\"";
    let hint = Some(
        "a has_one through-relation reaches at most one row, so no step on the way \
                     may be has_many: declare it has_many",
    );
    assert_at(&d, "schema/m.toml", 11, 46, message, hint);
}

#[test]
fn relation_names() {
    let d = blog_problem("[model.User.relations]\nname = { has_many = \"Post\" }\n");
    let message = "relation \"name\" of model \"User\" is named like a field; first declared at \
                   schema/m.toml:3:1";
    assert_at(&d, "schema/m.toml", 10, 1, message, None);

    let text = blog("[model.User.relations]\nnames = { has_many = \"Post\" }\n")
        .replace("name = \"string\"", "Names = \"string\"");
    let all = problems(&[PRIMARY, ("schema/m.toml", &text)]);
    let d = all
        .iter()
        .find(|d| d.message.contains("constant"))
        .unwrap_or_else(|| panic!("{all:#?}"));
    let message = "relation \"names\" generates the constant `NAMES`, like field \"Names\" of \
                   model \"User\"; first declared at schema/m.toml:3:1";
    assert_at(d, "schema/m.toml", 10, 1, message, None);

    let d = blog_problem("[model.User.relations]\nrow = { has_many = \"Post\" }\n");
    let message = "relation \"row\" of model \"User\" would get the accessor `row`, which is a method \
                   of `LoadedUser`";
    assert_at(
        &d,
        "schema/m.toml",
        10,
        1,
        message,
        Some("rename the relation"),
    );

    let d = blog_problem("[model.User.relations]\nPosts = { has_many = \"Post\" }\n");
    let message = "invalid relation name \"Posts\": must be snake_case (lowercase ASCII letters, \
                   digits and single underscores, starting with a letter)";
    assert_at(&d, "schema/m.toml", 10, 1, message, Some("try \"posts\""));

    // Rust keywords are fine, as for fields.
    let text = blog(
        "[model.Post.relations]\ntype = { belongs_to = \"User\", foreign_key = \"user_id\" }\n",
    );
    resolve(&[PRIMARY, ("schema/m.toml", &text)]).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn relation_names_collide_with_generated_methods() {
    let d = blog_problem(
        "[model.User.relations]\nposts = { has_many = \"Post\" }\nposts_with = { has_many = \"Post\" }\n",
    );
    let message = "relation \"posts_with\" of model \"User\" is named like the include method \
                   `posts_with` of relation \"posts\"; first declared at schema/m.toml:10:1";
    assert_at(&d, "schema/m.toml", 11, 1, message, None);

    let d = blog_problem(
        "[model.User.relations]\ncreate_post = { has_one = \"Post\" }\nposts = { has_many = \"Post\" }\n",
    );
    let message = "relation \"posts\" of model \"User\" generates the method `create_post`, which \
                   is the name of another relation; first declared at schema/m.toml:10:1";
    assert_at(&d, "schema/m.toml", 11, 1, message, None);

    let d = blog_problem(
        "[model.User.relations]\npost = { has_one = \"Post\" }\nposts = { has_many = \"Post\" }\n",
    );
    let message = "relation \"posts\" of model \"User\" generates the method `create_post`, like \
                   another relation; first declared at schema/m.toml:10:1";
    assert_at(&d, "schema/m.toml", 11, 1, message, None);

    // Through-relations create nothing: `create_post` is free.
    let text = blog(
        "[model.User.relations]\nposts = { has_many = \"Post\" }\n\
         post = { has_many = \"Post\", through = \"posts\", source = \"me\" }\n\
         [model.Post.relations]\nme = { has_one = \"Post\", foreign_key = \"id\" }\n",
    );
    resolve(&[PRIMARY, ("schema/m.toml", &text)]).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn through_cycles() {
    let text = blog(
        "[model.User.relations]\n\
         a = { has_many = \"Post\", through = \"b\" }\n\
         b = { has_many = \"Post\", through = \"a\" }\n\
         c = { has_many = \"Post\", through = \"c\" }\n\
         d = { has_many = \"Post\", through = \"a\" }\n",
    );
    let all = problems(&[PRIMARY, ("schema/m.toml", &text)]);
    assert_eq!(all.len(), 2, "{all:#?}");
    let hint = Some(
        "a relation cannot go through itself, directly or by way of others: the chain \
                     must end in direct relations (belongs_to, has_one or has_many without \
                     `through`)",
    );
    let message = "through-relations form a cycle: User.a -> User.b -> User.a";
    assert_at(&all[0], "schema/m.toml", 10, 36, message, hint);
    let message = "through-relations form a cycle: User.c -> User.c";
    assert_at(&all[1], "schema/m.toml", 12, 36, message, hint);

    // Across models, by way of a source.
    let text = blog(
        "[model.User.relations]\n\
         posts = { has_many = \"Post\" }\n\
         x = { has_many = \"User\", through = \"posts\", source = \"y\" }\n\
         [model.Post.relations]\n\
         user = { belongs_to = \"User\" }\n\
         y = { has_many = \"User\", through = \"user\", source = \"x\" }\n",
    );
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let message = "through-relations form a cycle: User.x -> Post.y -> User.x";
    assert_at(&d, "schema/m.toml", 11, 54, message, hint);
}

#[test]
fn through_chain_too_long() {
    let mut text =
        String::from("[model.User.relations]\nr0 = { has_one = \"User\", foreign_key = \"id\" }\n");
    for i in 1..40 {
        text.push_str(&format!(
            "r{i} = {{ has_one = \"User\", through = \"r{}\", source = \"r0\" }}\n",
            i - 1
        ));
    }
    let d = blog_problem(&text);
    let message = "relation \"r32\" of model \"User\" is a chain of more than 32 hops";
    let hint = Some(
        "through-relations may go through through-relations, but a chain has at most \
                     32 hops",
    );
    assert_at(&d, "schema/m.toml", 42, 1, message, hint);

    // Nested the other way round, so that resolving the first one recurses 40 deep.
    let mut text = String::from("[model.User.relations]\n");
    for i in (1..400).rev() {
        text.push_str(&format!(
            "r{i} = {{ has_one = \"User\", through = \"r{}\", source = \"r0\" }}\n",
            i - 1
        ));
    }
    text.push_str("r0 = { has_one = \"User\", foreign_key = \"id\" }\n");
    let d = blog_problem(&text);
    let message = "relation \"r399\" of model \"User\" is a chain of more than 32 hops";
    assert_at(&d, "schema/m.toml", 10, 1, message, hint);
}

#[test]
fn relation_shape() {
    let d = blog_problem("[model.User.relations]\nposts = { has_many = \"Post\", limt = 5 }\n");
    let message = "unknown key \"limt\" in relation \"posts\" of model \"User\"";
    assert_at(
        &d,
        "schema/m.toml",
        10,
        30,
        message,
        Some("did you mean \"limit\"?"),
    );

    let d = blog_problem("[model.User.relations]\nposts = { foreign_key = \"user_id\" }\n");
    let message = "relation \"posts\" of model \"User\" needs one of belongs_to, has_one, has_many";
    let hint = Some("name the related model with its kind, e.g. `posts = { has_many = \"Post\" }`");
    assert_at(&d, "schema/m.toml", 10, 1, message, hint);

    // A misspelt kind is reported once, as an unknown key.
    let d = blog_problem("[model.User.relations]\nposts = { has_mny = \"Post\" }\n");
    let message = "unknown key \"has_mny\" in relation \"posts\" of model \"User\"";
    let hint = Some("did you mean \"has_many\"?");
    assert_at(&d, "schema/m.toml", 10, 11, message, hint);

    let d = blog_problem(
        "[model.User.relations]\nposts = { has_many = \"Post\", has_one = \"Post\" }\n",
    );
    let message = "relation \"posts\" of model \"User\" has both `has_many` and `has_one`";
    let hint = Some("a relation has exactly one kind: one of belongs_to, has_one, has_many");
    assert_at(&d, "schema/m.toml", 10, 30, message, hint);

    let d = blog_problem("[model.User.relations]\nposts = \"Post\"\n");
    let message = "relation \"posts\" of model \"User\" must be a table, not a string";
    assert_at(&d, "schema/m.toml", 10, 9, message, None);

    let d = blog_problem("[model.User.relations]\nposts = { has_many = [\"Post\"] }\n");
    let message = "`has_many` must be a string, not an array";
    assert_at(&d, "schema/m.toml", 10, 22, message, None);

    let d =
        blog_problem("[model.User.relations]\nposts = { has_many = \"Post\", limit = \"5\" }\n");
    let message = "`limit` must be an integer, not a string";
    let hint = Some("write the value without quotes");
    assert_at(&d, "schema/m.toml", 10, 38, message, hint);

    let d = blog_problem("[model.User.relations]\nposts = { has_many = \"Post\", limit = 0 }\n");
    let message = "`limit` must be at least 1, not 0";
    assert_at(&d, "schema/m.toml", 10, 38, message, None);
}

#[test]
fn relation_keys_that_do_not_fit_the_kind() {
    let d =
        blog_problem("[model.User.relations]\nposts = { has_many = \"Post\", validate = true }\n");
    let message = "`validate` is only for belongs_to relations, and relation \"posts\" of model \
                   \"User\" is has_many";
    let hint = Some("`validate` checks that the row a belongs_to refers to exists");
    assert_at(&d, "schema/m.toml", 10, 30, message, hint);

    let d = blog_problem("[model.User.relations]\npost = { has_one = \"Post\", limit = 1 }\n");
    let message = "`limit` is only for has_many relations, and relation \"post\" of model \"User\" is has_one";
    let hint = Some("a to-one relation yields at most one row");
    assert_at(&d, "schema/m.toml", 10, 28, message, hint);

    let d = blog_problem(
        "[model.Post.relations]\nuser = { belongs_to = \"User\", order = \"name\" }\n",
    );
    let message = "`order` is only for has_many and has_one relations, and relation \"user\" of \
                   model \"Post\" is belongs_to";
    let hint = Some("a belongs_to relation yields at most one row");
    assert_at(&d, "schema/m.toml", 10, 31, message, hint);

    let d = blog_problem(
        "[model.Post.relations]\nuser = { belongs_to = \"User\" }\nauthor = { belongs_to = \"User\", through = \"user\" }\n",
    );
    let message = "`through` is only for has_many and has_one relations, and relation \"author\" of \
                   model \"Post\" is belongs_to";
    let hint = Some("declare a to-one relation through another as `has_one` with `through`");
    assert_at(&d, "schema/m.toml", 11, 33, message, hint);

    let d = blog_problem(
        "[model.User.relations]\nposts = { has_many = \"Post\", source = \"user\" }\n",
    );
    let message = "relation \"posts\" of model \"User\" has `source` but no `through`";
    let hint = Some(
        "`source` names the relation to follow on the model reached `through` another \
                     relation; remove it, or add `through`",
    );
    assert_at(&d, "schema/m.toml", 10, 30, message, hint);

    let all = problems(&[
        PRIMARY,
        (
            "schema/m.toml",
            &blog(
                "[model.User.relations]\nposts = { has_many = \"Post\" }\n\
                 again = { has_many = \"Post\", through = \"posts\", source = \"posts\", \
                 foreign_key = \"id\", primary_key = \"id\", inverse_of = \"user\" }\n",
            ),
        ),
    ]);
    let found: Vec<(usize, usize, &str)> = all
        .iter()
        .map(|d| (d.line, d.column, d.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                11,
                67,
                "relation \"again\" of model \"User\" goes `through` another relation, so it \
                 cannot have `foreign_key`"
            ),
            (
                11,
                87,
                "relation \"again\" of model \"User\" goes `through` another relation, so it \
                 cannot have `primary_key`"
            ),
            (
                11,
                107,
                "relation \"again\" of model \"User\" goes `through` another relation, so it \
                 cannot have `inverse_of`"
            ),
        ]
    );
    assert_eq!(
        all[0].hint.as_deref(),
        Some("its keys come from the relations it goes through")
    );
}

#[test]
fn relation_order() {
    let posts = |order: &str| {
        blog_problem(&format!(
            "[model.User.relations]\nposts = {{ has_many = \"Post\", order = \"{order}\" }}\n"
        ))
    };
    let syntax = "write sort keys as `field`, `field asc` or `field desc`, separated by commas, \
                  e.g. `order = \"created_at desc, title\"`";
    let d = posts("created_at sideways");
    let message = "unknown sort direction \"sideways\" in `order` (expected asc or desc)";
    assert_at(&d, "schema/m.toml", 10, 50, message, Some(syntax));

    let d = posts("title, created_at dsc");
    let message = "unknown sort direction \"dsc\" in `order` (expected asc or desc)";
    assert_at(
        &d,
        "schema/m.toml",
        10,
        57,
        message,
        Some("did you mean \"desc\"?"),
    );

    let d = posts("created_at desc title");
    let message = "unexpected \"title\" after the sort key \"created_at\" in `order`";
    assert_at(&d, "schema/m.toml", 10, 55, message, Some(syntax));

    let d = posts("title,,id");
    assert_at(
        &d,
        "schema/m.toml",
        10,
        45,
        "empty sort key in `order`",
        Some(syntax),
    );

    let d = posts(" ");
    assert_at(
        &d,
        "schema/m.toml",
        10,
        38,
        "`order` is empty",
        Some(syntax),
    );

    let d = posts("title, craeted_at desc");
    let message = "`order` names unknown field \"craeted_at\" of model \"Post\"";
    let hint = Some("did you mean \"created_at\"?");
    assert_at(&d, "schema/m.toml", 10, 46, message, hint);

    let d = posts("title, id DESC, title");
    let message =
        "field \"title\" is listed twice in `order`; first declared at schema/m.toml:10:39";
    assert_at(&d, "schema/m.toml", 10, 55, message, None);

    let text = blog("[model.User.relations]\nposts = { has_many = \"Post\", order = \"data\" }\n")
        .replace("title = \"string\"", "data = \"json\"");
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let message = "cannot order by field \"data\" of type json";
    let hint = Some("bytes and json fields have no order; sort by another field");
    assert_at(&d, "schema/m.toml", 10, 39, message, hint);

    // With escapes in the literal, the whole string is pointed at.
    let d = posts("created_at \\u0020sideways");
    let message = "unknown sort direction \"sideways\" in `order` (expected asc or desc)";
    assert_at(&d, "schema/m.toml", 10, 38, message, Some(syntax));
}

#[test]
fn relation_problems_do_not_cascade() {
    // The target's own problem is reported; its missing foreign key would be noise.
    let text = blog("[model.User.relations]\nposts = { has_many = \"Post\" }\n")
        .replace("user_id = \"i64\"", "user_id = \"integr\"");
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    assert_at(
        &d,
        "schema/m.toml",
        6,
        11,
        "unknown field type \"integr\"",
        Some(
            "field types are: bool, i16, i32, i64, f32, f64, string, text, bytes, uuid, date, \
              time, datetime, json",
        ),
    );

    // A broken relation fails silently where another goes through it or names it as inverse.
    let text = blog(
        "[model.User.relations]\nposts = { has_many = \"Post\", foreign_key = \"writer_id\" }\n\
         titles = { has_many = \"Post\", through = \"posts\", source = \"me\" }\n\
         [model.Post.relations]\nme = { has_one = \"Post\", foreign_key = \"id\" }\n\
         user = { belongs_to = \"User\", inverse_of = \"posts\" }\n",
    );
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    assert_eq!((d.line, d.column), (10, 44), "{d}");

    // A relation whose kind could not be read is not followed either.
    let text = blog(
        "[model.User.relations]\nposts = { has_many = 1 }\n\
         titles = { has_many = \"Post\", through = \"posts\", source = \"me\" }\n",
    );
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    assert_eq!((d.line, d.column), (10, 22), "{d}");
}

#[test]
fn relations_across_files() {
    let schema = resolve(&[
        PRIMARY,
        (
            "schema/a.toml",
            "[model.Post.fields]\nid = { type = \"i64\", primary_key = true }\nuser_id = \"i64\"\n\
             [model.Post.relations]\nuser = { belongs_to = \"User\" }\n",
        ),
        (
            "schema/b.toml",
            &user(&format!(
                "{ID}[model.User.relations]\nposts = {{ has_many = \"Post\" }}\n"
            )),
        ),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        schema.models["User"].relations[0].hops,
        [hop("User", "id", "Post", "user_id")]
    );
    assert_eq!(
        schema.models["Post"].relations[0].hops,
        [hop("Post", "user_id", "User", "id")]
    );
}

// Replicas, roles and routing.

#[test]
fn replicas_roles_and_routing_resolve() {
    let text = r#"[cluster.primary]
default = true
writer = "w"
replicas = [{ url = "a", weight = 2 }, "b"]
policy = "random"
fallback = "error"
max_replica_lag_ms = 2000
health = { check_interval_ms = 100, eject_backoff_ms = 50, eject_backoff_max_ms = 800 }
roles = { reporting = ["r1", { url = "r2", weight = 3 }], audit = ["r3"] }

[cluster.animals.shard.one]
writer = "w1"
roles = { reporting = ["x1"], audit = ["y1"] }
[cluster.animals.shard.two]
writer = "w2"
[cluster.animals.shard.two.roles]
audit = [{ url = "y2" }]
reporting = ["x2"]
"#;
    let schema = resolve(&[("schema/db.toml", text)]).unwrap_or_else(|e| panic!("{e}"));

    let replica = |url: &str, weight| Replica {
        url: url.into(),
        weight,
    };
    let primary = &schema.clusters["primary"];
    let shard = &primary.shards[0];
    assert_eq!(shard.replicas, [replica("a", 2), replica("b", 1)]);
    assert_eq!(
        shard.roles,
        [
            RoleSet {
                name: "reporting".into(),
                replicas: vec![replica("r1", 1), replica("r2", 3)],
            },
            RoleSet {
                name: "audit".into(),
                replicas: vec![replica("r3", 1)],
            },
        ]
    );
    assert_eq!(primary.role_names(), ["reporting", "audit"]);
    assert_eq!(
        primary.routing,
        Routing {
            policy: Some(Policy::Random),
            fallback: Some(Fallback::Error),
            max_replica_lag_ms: Some(2000),
            check_interval_ms: Some(100),
            eject_backoff_ms: Some(50),
            eject_backoff_max_ms: Some(800),
        }
    );

    // Every shard has the first shard's roles, in the first shard's order.
    let animals = &schema.clusters["animals"];
    assert_eq!(animals.routing, Routing::default());
    assert_eq!(animals.role_names(), ["reporting", "audit"]);
    let two = &animals.shards[1];
    let names: Vec<&str> = two.roles.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["reporting", "audit"]);
    assert_eq!(two.roles[1].replicas, [replica("y2", 1)]);
}

#[test]
fn every_policy_and_fallback_resolves() {
    for (name, policy) in Policy::ALL {
        let text = format!("[cluster.primary]\nwriter = \"w\"\npolicy = \"{name}\"\n");
        let schema = resolve(&[("schema/db.toml", &text)]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(schema.clusters["primary"].routing.policy, Some(policy));
    }
    for (name, fallback) in Fallback::ALL {
        let text = format!("[cluster.primary]\nwriter = \"w\"\nfallback = \"{name}\"\n");
        let schema = resolve(&[("schema/db.toml", &text)]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(schema.clusters["primary"].routing.fallback, Some(fallback));
    }
}

#[test]
fn replica_weight_out_of_range() {
    let text = "[cluster.primary]\nwriter = \"w\"\nreplicas = [{ url = \"a\", weight = 0 }]\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message = "`weight` must be at least 1, not 0";
    assert_at(&d, "schema/db.toml", 3, 35, message, None);

    let text =
        "[cluster.primary]\nwriter = \"w\"\nroles = { r = [{ url = \"a\", weight = 1001 }] }\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message = "`weight` must be at most 1000, not 1001";
    assert_at(&d, "schema/db.toml", 3, 38, message, None);

    let text = "[cluster.primary]\nwriter = \"w\"\nreplicas = [{ url = \"a\", weight = \"2\" }]\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message = "`weight` must be an integer, not a string";
    let hint = Some("write the value without quotes");
    assert_at(&d, "schema/db.toml", 3, 35, message, hint);
}

#[test]
fn unknown_key_replica() {
    let text = "[cluster.primary]\nwriter = \"w\"\nreplicas = [{ url = \"a\", wieght = 2 }]\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message = "unknown key \"wieght\" in a replica of cluster \"primary\"";
    let hint = Some("did you mean \"weight\"?");
    assert_at(&d, "schema/db.toml", 3, 26, message, hint);

    let text =
        "[cluster.a.shard.one]\nwriter = \"w\"\nroles = { r = [{ url = \"a\", host = \"h\" }] }\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message =
        "unknown key \"host\" in a replica of role \"r\" of shard \"one\" of cluster \"a\"";
    let hint = Some("expected one of: url, weight");
    assert_at(&d, "schema/db.toml", 3, 29, message, hint);
}

#[test]
fn replica_without_url() {
    let text = "[cluster.primary]\nwriter = \"w\"\nreplicas = [\"a\", { weight = 2 }]\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message = "a replica of cluster \"primary\" has no `url`";
    let hint = Some("give its URL template, e.g. `{ url = \"${REPLICA_URL}\", weight = 2 }`");
    assert_at(&d, "schema/db.toml", 3, 18, message, hint);
}

#[test]
fn replica_of_wrong_type() {
    let text = "[cluster.primary]\nwriter = \"w\"\nreplicas = [\"a\", 2]\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message = "each element of `replicas` must be a URL string (`\"${REPLICA_URL}\"`) or a \
                   table (`{ url = \"...\", weight = 2 }`), not an integer";
    assert_at(&d, "schema/db.toml", 3, 18, message, None);

    // One replica, not written as a list.
    let text = "[cluster.primary]\nwriter = \"w\"\nreplicas = \"a\"\n";
    let d = problem(&[("schema/db.toml", text)]);
    let hint = Some("list the replicas in brackets, e.g. `[\"${REPLICA_URL}\"]`");
    let message = "`replicas` must be an array, not a string";
    assert_at(&d, "schema/db.toml", 3, 12, message, hint);

    // A role is a list of replicas too.
    let text = "[cluster.primary]\nwriter = \"w\"\nroles = { reporting = 5 }\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message = "role \"reporting\" must be an array, not an integer";
    assert_at(&d, "schema/db.toml", 3, 23, message, None);
}

#[test]
fn role_replica_urls_are_checked() {
    let text = "[cluster.primary]\nwriter = \"w\"\nroles = { reporting = [\"${}\"] }\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message = "empty variable name in `${...}` in a replica URL of role \"reporting\" of \
                   cluster \"primary\"";
    let hint = Some(
        "placeholders are `${NAME}` or `${NAME:-default}`, NAME matching [A-Za-z_][A-Za-z0-9_]*",
    );
    assert_at(&d, "schema/db.toml", 3, 25, message, hint);
}

#[test]
fn unknown_policy_and_fallback() {
    let text = "[cluster.primary]\nwriter = \"w\"\npolicy = \"round-robin\"\n";
    let d = problem(&[("schema/db.toml", text)]);
    let hint = Some("did you mean \"round_robin\"?");
    assert_at(
        &d,
        "schema/db.toml",
        3,
        10,
        "unknown policy \"round-robin\"",
        hint,
    );

    let text = "[cluster.primary]\nwriter = \"w\"\nfallback = \"replica\"\n";
    let d = problem(&[("schema/db.toml", text)]);
    let hint = Some("expected one of: writer, error");
    assert_at(
        &d,
        "schema/db.toml",
        3,
        12,
        "unknown fallback \"replica\"",
        hint,
    );
}

#[test]
fn routing_values_out_of_range() {
    let text = "[cluster.primary]\nwriter = \"w\"\nmax_replica_lag_ms = 0\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message = "`max_replica_lag_ms` must be at least 1, not 0";
    assert_at(&d, "schema/db.toml", 3, 22, message, None);

    let text = "[cluster.primary]\nwriter = \"w\"\nhealth = { check_interval_ms = -1 }\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message = "`check_interval_ms` must be at least 1, not -1";
    assert_at(&d, "schema/db.toml", 3, 32, message, None);
}

#[test]
fn unknown_key_health() {
    let text = "[cluster.primary]\nwriter = \"w\"\nhealth = { check_interval = 5 }\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message = "unknown key \"check_interval\" in the health options of cluster \"primary\"";
    let hint = Some("did you mean \"check_interval_ms\"?");
    assert_at(&d, "schema/db.toml", 3, 12, message, hint);
}

#[test]
fn eject_backoff_larger_than_its_maximum() {
    let text = "[cluster.primary]\nwriter = \"w\"\n\
                health = { eject_backoff_ms = 900, eject_backoff_max_ms = 800 }\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message = "`eject_backoff_ms` (900) is larger than `eject_backoff_max_ms` (800)";
    assert_at(&d, "schema/db.toml", 3, 31, message, None);

    // Against the runtime's defaults (500 and 30000) when one is omitted.
    let text = "[cluster.primary]\nwriter = \"w\"\nhealth = { eject_backoff_ms = 60000 }\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message =
        "`eject_backoff_ms` (60000) is larger than `eject_backoff_max_ms` (30000, its default)";
    let hint = Some("declare `eject_backoff_max_ms` too");
    assert_at(&d, "schema/db.toml", 3, 31, message, hint);

    let text = "[cluster.primary]\nwriter = \"w\"\nhealth = { eject_backoff_max_ms = 100 }\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message =
        "`eject_backoff_max_ms` (100) is smaller than `eject_backoff_ms` (500, its default)";
    let hint = Some("declare `eject_backoff_ms` too");
    assert_at(&d, "schema/db.toml", 3, 35, message, hint);
}

#[test]
fn routing_key_in_a_shard() {
    let text = "[cluster.a.shard.one]\nwriter = \"w\"\npolicy = \"random\"\n\
                health = { check_interval_ms = 5 }\n";
    let all = problems(&[("schema/db.toml", text)]);
    assert_eq!(all.len(), 2, "{all:#?}");
    let hint = Some("declare it once, in the `[cluster.a]` table");
    let message = "`policy` applies to a whole cluster, not to shard \"one\" of cluster \"a\"";
    assert_at(&all[0], "schema/db.toml", 3, 1, message, hint);
    let message = "`health` applies to a whole cluster, not to shard \"one\" of cluster \"a\"";
    assert_at(&all[1], "schema/db.toml", 4, 1, message, hint);
}

#[test]
fn invalid_role_names() {
    let text = "[cluster.primary]\nwriter = \"w\"\nroles = { Reporting = [\"r\"] }\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message = "invalid role name \"Reporting\": must be snake_case (lowercase ASCII letters, \
                   digits and single underscores, starting with a letter)";
    assert_at(
        &d,
        "schema/db.toml",
        3,
        11,
        message,
        Some("try \"reporting\""),
    );

    for reserved in ["writer", "reading", "writing", "replica", "replicas"] {
        let text =
            format!("[cluster.primary]\nwriter = \"w\"\nroles = {{ {reserved} = [\"r\"] }}\n");
        let d = problem(&[("schema/db.toml", &text)]);
        let message = format!("role name \"{reserved}\" is reserved");
        let hint = "`writer`, `reading`, `writing`, `replica` and `replicas` name the built-in \
                    routing (`writing()` and `reading()`); choose another name, e.g. \
                    \"reporting\"";
        assert_at(&d, "schema/db.toml", 3, 11, &message, Some(hint));
    }

    let text = "[cluster.primary]\nwriter = \"w\"\nroles = { self = [\"r\"] }\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message = "\"self\" cannot be a role name: it is a reserved word in Rust";
    assert_at(
        &d,
        "schema/db.toml",
        3,
        11,
        message,
        Some("choose another name"),
    );
}

#[test]
fn role_variant_collision() {
    let text =
        "[cluster.primary]\nwriter = \"w\"\nroles = { report_1 = [\"a\"], report1 = [\"b\"] }\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message = "role \"report1\" of cluster \"primary\" generates the variant name `Report1`, \
                   like another role; first declared at schema/db.toml:3:11";
    assert_at(&d, "schema/db.toml", 3, 29, message, None);
}

#[test]
fn duplicate_role() {
    let text =
        "[cluster.primary]\nwriter = \"w\"\n[cluster.primary.roles]\nr = [\"a\"]\nr = [\"b\"]\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message =
        "role \"r\" of cluster \"primary\" is declared twice; first declared at schema/db.toml:4:1";
    assert_at(&d, "schema/db.toml", 5, 1, message, None);
}

#[test]
fn role_without_replicas() {
    let text = "[cluster.primary]\nwriter = \"w\"\nroles = { reporting = [] }\n";
    let d = problem(&[("schema/db.toml", text)]);
    let message = "role \"reporting\" of cluster \"primary\" has no replicas";
    let hint = Some("list at least one replica URL, e.g. `reporting = [\"${REPLICA_URL}\"]`");
    assert_at(&d, "schema/db.toml", 3, 23, message, hint);
}

#[test]
fn roles_on_a_sharded_cluster() {
    let text = "[cluster.a]\nroles = { r = [\"x\"] }\n[cluster.a.shard.one]\nwriter = \"w\"\n";
    let d = problem(&[("schema/db.toml", text)]);
    let hint = Some(
        "declare the roles in each `[cluster.a.shard.NAME]` table, with that shard's replicas",
    );
    let message = "sharded cluster \"a\" has top-level `roles`";
    assert_at(&d, "schema/db.toml", 2, 1, message, hint);
}

#[test]
fn shards_with_different_roles() {
    let shards = |one: &str, two: &str, three: &str| {
        format!(
            "[cluster.a.shard.one]\nwriter = \"w\"\nroles = {{ {one} }}\n\
             [cluster.a.shard.two]\nwriter = \"w\"\nroles = {{ {two} }}\n\
             [cluster.a.shard.three]\nwriter = \"w\"\n{three}"
        )
    };
    // `two` misses `audit` and adds `billing`; `three` declares no roles at all.
    let text = shards(
        "reporting = [\"r\"], audit = [\"r\"]",
        "reporting = [\"r\"], billing = [\"r\"]",
        "",
    );
    let all = problems(&[("schema/db.toml", &text)]);
    assert_eq!(all.len(), 4, "{all:#?}");
    let same = "every shard of a cluster declares the same roles; shard \"one\" declares \
                reporting, audit";
    assert_at(
        &all[0],
        "schema/db.toml",
        4,
        18,
        "shard \"two\" of cluster \"a\" does not declare role \"audit\", which shard \"one\" \
         declares",
        Some(same),
    );
    assert_at(
        &all[1],
        "schema/db.toml",
        6,
        30,
        "role \"billing\" of shard \"two\" of cluster \"a\" is not declared by shard \"one\"",
        Some(same),
    );
    for (d, role) in all[2..].iter().zip(["reporting", "audit"]) {
        let message = format!(
            "shard \"three\" of cluster \"a\" does not declare role \"{role}\", which shard \
             \"one\" declares"
        );
        assert_at(d, "schema/db.toml", 7, 18, &message, Some(same));
    }

    // A misspelt role is reported once, with the role it stands for.
    let text = shards(
        "reporting = [\"r\"]",
        "reportng = [\"r\"]",
        "roles = { reporting = [\"r\"] }\n",
    );
    let d = problem(&[("schema/db.toml", &text)]);
    let message =
        "role \"reportng\" of shard \"two\" of cluster \"a\" is not declared by shard \"one\"";
    assert_at(
        &d,
        "schema/db.toml",
        6,
        11,
        message,
        Some("did you mean \"reporting\"?"),
    );

    // A role only on a later shard.
    let text = shards("", "audit = [\"r\"]", "");
    let d = problem(&[("schema/db.toml", &text)]);
    let message =
        "role \"audit\" of shard \"two\" of cluster \"a\" is not declared by shard \"one\"";
    let hint =
        Some("every shard of a cluster declares the same roles; shard \"one\" declares none");
    assert_at(&d, "schema/db.toml", 6, 11, message, hint);
}

#[test]
fn role_enum_type_collision() {
    let clusters = "[cluster.primary]\ndefault = true\nwriter = \"w\"\nroles = { r = [\"x\"] }\n\
                    [cluster.primary_role]\nwriter = \"w\"\n";
    let d = problem(&[("schema/db.toml", clusters)]);
    let message = "cluster \"primary_role\" generates the type `PrimaryRole`, which another \
                   declaration also generates; first declared at schema/db.toml:1:10";
    assert_at(&d, "schema/db.toml", 5, 10, message, None);

    let text = format!("[model.PrimaryRole]\ntable = \"t\"\n[model.PrimaryRole.fields]\n{ID}");
    let clusters = "[cluster.primary]\nwriter = \"w\"\nroles = { r = [\"x\"] }\n";
    let d = problem(&[("schema/db.toml", clusters), ("schema/m.toml", &text)]);
    let message = "model \"PrimaryRole\" generates the type `PrimaryRole`, which another \
                   declaration also generates; first declared at schema/db.toml:1:10";
    assert_at(&d, "schema/m.toml", 1, 8, message, None);

    // Without roles, no role enum: the name is free.
    let clusters = "[cluster.primary]\nwriter = \"w\"\n";
    resolve(&[("schema/db.toml", clusters), ("schema/m.toml", &text)])
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn literal_passwords_in_urls() {
    let text = "[cluster.primary]
writer = \"postgres://app:hunter2@db/app\"
replicas = [\"${R:-postgres://app:s3cr3t@db/app}\", \"postgres://db/app?sslmode=require&PassWord=letmein\"]
roles = { reporting = [\"mysql://ro:${RO_PASSWORD}@db/app\", { url = \"postgres://ro:${P:-dflt}@db\" }] }
";
    let diagnostics = failure(&[("schema/db.toml", text)]);
    let all: Vec<&Diagnostic> = diagnostics.iter().collect();
    assert_eq!(all.len(), 4, "{diagnostics}");
    let hint = Some(
        "take the password from an environment variable, e.g. \
         `postgres://app:${APP_DB_PASSWORD}@db/app`, and set it where the app runs",
    );
    let column = |line: usize, password: &str| {
        let line = text.lines().nth(line - 1).unwrap_or_default();
        line.find(password).map_or(0, |i| i + 1)
    };
    assert_eq!(column(2, "hunter2"), 26);
    let writer = "literal password in the writer URL of cluster \"primary\"";
    assert_at(all[0], "schema/db.toml", 2, 26, writer, hint);
    let replica = "literal password in a replica URL of cluster \"primary\"";
    assert_at(all[1], "schema/db.toml", 3, 34, replica, hint);
    assert_at(
        all[2],
        "schema/db.toml",
        3,
        column(3, "letmein"),
        replica,
        hint,
    );
    let role = "literal password in a replica URL of role \"reporting\" of cluster \"primary\"";
    assert_at(all[3], "schema/db.toml", 4, column(4, "dflt"), role, hint);
    // The caret covers the password, and no rendered line shows it (nor any other password on
    // the same line).
    assert_eq!(all[0].span_len, "hunter2".len());
    assert_eq!(
        all[0].source_line,
        "writer = \"postgres://app:*******@db/app\""
    );
    let rendered = diagnostics.to_string();
    for password in ["hunter2", "s3cr3t", "letmein", "dflt"] {
        assert!(!rendered.contains(password), "{password} in:\n{rendered}");
    }
    assert!(
        rendered.contains(
            "2 | writer = \"postgres://app:*******@db/app\"\n  |                          ^^^^^^^\n"
        ),
        "{rendered}"
    );
}

#[test]
fn passwords_from_variables_are_accepted() {
    let text = "[cluster.primary]
writer = \"postgres://app:${APP_DB_PASSWORD}@db/app\"
replicas = [\"${R:-postgres://app@db/app?sslmode=require}\", \"mysql://root@h/d?password=${PW}\", \"pa$$word\"]
";
    resolve(&[("schema/db.toml", text)]).unwrap_or_else(|e| panic!("{e}"));
}

/// The blog models with a relation that names a model that does not exist, plus `more`.
fn knock_on(more: &str) -> Vec<Diagnostic> {
    let text = blog(&format!(
        "[model.Post.relations]\nauthor = {{ belongs_to = \"Autor\", foreign_key = \"user_id\" }}\n{more}"
    ));
    problems(&[PRIMARY, ("schema/m.toml", &text)])
}

#[test]
fn errors_caused_by_others_are_not_reported() {
    let unknown = "unknown model \"Autor\"";
    let only_unknown = |all: Vec<Diagnostic>| {
        assert_eq!(all.len(), 1, "{all:#?}");
        let hint = Some("declared models: User, Post");
        assert_at(&all[0], "schema/m.toml", 10, 25, unknown, hint);
    };
    // An inverse whose other side names an unknown model: no `inverse_of` mismatch, which
    // used to be reported first.
    only_unknown(knock_on(
        "[model.User.relations]\nposts = { has_many = \"Post\", inverse_of = \"author\" }\n",
    ));
    // The relation itself names an inverse: not checked against a model that does not exist.
    let text = blog(
        "[model.Post.relations]\nauthor = { belongs_to = \"Autor\", inverse_of = \"posts\" }\n\
         [model.User.relations]\nposts = { has_many = \"Post\" }\n",
    );
    let all = problems(&[PRIMARY, ("schema/m.toml", &text)]);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0].message, unknown);
    // Through it, as `through` or as `source`, with `order` over the unknown model's fields.
    only_unknown(knock_on(
        "authors = { has_many = \"User\", through = \"author\", source = \"me\", order = \"nme\" }\n",
    ));
    only_unknown(knock_on(
        "[model.User.relations]\nposts = { has_many = \"Post\" }\n\
         writers = { has_many = \"User\", through = \"posts\", source = \"author\" }\n",
    ));
    // Its fields: `primary_key` and `order` name fields of a model that does not exist.
    let text = blog(
        "[model.User.relations]\nposts = { has_many = \"Pots\", primary_key = \"nope\", \
         order = \"nope desc\" }\n",
    );
    let all = problems(&[PRIMARY, ("schema/m.toml", &text)]);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0].message, "unknown model \"Pots\"");
    // An invalid relation name: its default foreign key (`Author_id`) is not missing as well.
    let d = blog_problem("[model.Post.relations]\nAuthor = { belongs_to = \"User\" }\n");
    assert_eq!((d.line, d.column), (10, 1), "{d}");
    assert!(
        d.message.starts_with("invalid relation name \"Author\""),
        "{d}"
    );
}

#[test]
fn every_sql_name_is_at_most_63_characters() {
    // A column named after its field: the field name is fine for Rust, too long for SQL.
    let long = format!("a{}", "_b".repeat(32));
    assert_eq!(long.len(), 65);
    let d = problem(&[
        PRIMARY,
        ("schema/m.toml", &with_id(&format!("{long} = \"string\"\n"))),
    ]);
    assert_at(
        &d,
        "schema/m.toml",
        4,
        1,
        &format!("column name {long:?} is longer than 63 characters"),
        Some(
            "PostgreSQL truncates longer names; this column name is derived: declare another \
             with `column = \"...\"`",
        ),
    );
    // The same field with a `column` of its own is fine.
    let fields = format!("{long} = {{ type = \"string\", column = \"short\" }}\n");
    resolve(&[PRIMARY, ("schema/m.toml", &with_id(&fields))]).unwrap_or_else(|e| panic!("{e}"));

    // A derived index name: `<table>_<columns>_idx`.
    let column = "c".repeat(60);
    let text = with_id(&format!(
        "{column} = \"string\"\n[[model.User.indexes]]\nfields = [\"{column}\"]\n"
    ));
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    let name = format!("users_{column}_idx");
    assert_at(
        &d,
        "schema/m.toml",
        5,
        1,
        &format!("index name {name:?} is longer than 63 characters"),
        Some(
            "PostgreSQL truncates longer names; this index name is derived: declare another with \
             `name = \"...\"`",
        ),
    );
}

#[test]
fn a_derived_index_name_is_not_reported_for_its_parts() {
    // The column is invalid: reported once, at the column, not again in the index name.
    let text = with_id(
        "email = { type = \"string\", column = \"e-mail\" }\n[[model.User.indexes]]\nfields = [\"email\"]\n",
    );
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    assert_eq!(d.line, 4, "{d}");
    assert!(
        d.message.starts_with("invalid column name \"e-mail\""),
        "{d}"
    );
    // So is a table name that is too long.
    let text = format!(
        "[model.User]\ntable = \"{}\"\n[model.User.fields]\nid = {{ type = \"i64\", primary_key = true }}\n\
         email = \"string\"\n[[model.User.indexes]]\nfields = [\"email\"]\n",
        "t".repeat(64)
    );
    let d = problem(&[PRIMARY, ("schema/m.toml", &text)]);
    assert_eq!(d.line, 2, "{d}");
}

#[test]
fn control_characters_are_diagnostics() {
    let d = problem(&[
        PRIMARY,
        (
            "schema/m.toml",
            &with_id("bio = { type = \"text\", default = \"a\\u0000b\" }\n"),
        ),
    ]);
    let hint = Some(
        "control characters (NUL, line breaks, tabs, escape...) are not allowed in a default: \
         the DDL of some databases cannot hold them; set such values on insert",
    );
    assert_at(
        &d,
        "schema/m.toml",
        4,
        34,
        "default contains the control character U+0000",
        hint,
    );
    let d = problem(&[
        PRIMARY,
        (
            "schema/m.toml",
            &with_id("name = { type = \"string\", default = \"x\\ty\" }\n"),
        ),
    ]);
    assert_eq!(d.message, "default contains the control character U+0009");
    // In names: each reaches SQL only as a validated name, so it is an invalid name.
    let d = problem(&[
        PRIMARY,
        (
            "schema/m.toml",
            "[model.User]\ntable = \"us\\u0000ers\"\n[model.User.fields]\nid = { type = \"i64\", primary_key = true }\n",
        ),
    ]);
    assert_eq!(d.line, 2);
    assert!(
        d.message.starts_with("invalid table name \"us\\0ers\""),
        "{d}"
    );
    let d = problem(&[
        PRIMARY,
        (
            "schema/m.toml",
            &with_id("x = { type = \"string\", column = \"a\\u001bb\" }\n"),
        ),
    ]);
    assert!(
        d.message.starts_with("invalid column name \"a\\u{1b}b\""),
        "{d}"
    );
    let d = problem(&[
        PRIMARY,
        ("schema/m.toml", &with_id("\"a\\u0000\" = \"string\"\n")),
    ]);
    assert!(d.message.starts_with("invalid field name \"a\\0\""), "{d}");
}

#[test]
fn passwords_are_masked_in_any_diagnostic() {
    // Not valid TOML, so URLs are never checked; the line is shown masked all the same.
    let text = "[cluster.primary]\nwriter = \"postgres://app:hunter2@db/app\nreplicas = []\n";
    let diagnostics = failure(&[("schema/db.toml", text)]);
    let d = diagnostics.iter().next().cloned();
    let d = d.unwrap_or_else(|| panic!("no diagnostic"));
    assert_eq!(
        (d.line, d.message.as_str()),
        (2, "invalid TOML: unclosed string")
    );
    assert_eq!(d.source_line, "writer = \"postgres://app:*******@db/app");
    assert!(!diagnostics.to_string().contains("hunter2"));
    // Another problem on the line of a literal password: both show it masked.
    let text = "[cluster.primary]\nwriter = \"postgres://app:hunter2@db/app\"\nreplicas = [\"postgres://app:s3cr3t@db/app\", 7]\n";
    let diagnostics = failure(&[("schema/db.toml", text)]);
    assert_eq!(diagnostics.len(), 3, "{diagnostics}");
    let rendered = diagnostics.to_string();
    assert!(
        rendered.contains("each element of `replicas`"),
        "{rendered}"
    );
    assert!(
        !rendered.contains("hunter2") && !rendered.contains("s3cr3t"),
        "{rendered}"
    );
}

#[test]
fn migration_keys() {
    let db = "[cluster.primary]\nwriter = \"sqlite::memory:\"\n";
    let d = problem(&[
        ("schema/db.toml", db),
        (
            "schema/users.toml",
            &user(
                "id = { type = \"i64\", primary_key = true }\nname = { type = \"string\", renamed_from = \"name\" }\n",
            ),
        ),
    ]);
    assert_at(
        &d,
        "schema/users.toml",
        4,
        42,
        "`renamed_from` names the column name it has now, \"name\"",
        Some(
            "name the one it had before, or remove `renamed_from` once every database is migrated",
        ),
    );
    let d = problem(&[
        ("schema/db.toml", db),
        (
            "schema/users.toml",
            "[model.User]\nrenamed_from = \"old users\"\n[model.User.fields]\nid = { type = \"i64\", primary_key = true }\n",
        ),
    ]);
    assert_eq!((d.line, d.column), (2, 16), "{d}");
    assert!(
        d.message.starts_with("invalid table name \"old users\""),
        "{d}"
    );
    let d = problem(&[
        (
            "schema/db.toml",
            "[cluster.primary]\nwriter = \"sqlite::memory:\"\nmigrations = \"\"\ndatabase_tasks = false\n",
        ),
        (
            "schema/users.toml",
            &user("id = { type = \"i64\", primary_key = true }\n"),
        ),
    ]);
    assert_at(
        &d,
        "schema/db.toml",
        3,
        14,
        "`migrations` is empty",
        Some(
            "a directory relative to the one holding the schema directory, e.g. \"db/animals_migrate\"; leave it out for schema/migrations/<cluster>",
        ),
    );
    let d = problem(&[
        (
            "schema/db.toml",
            "[cluster.primary]\nwriter = \"sqlite::memory:\"\ndatabase_tasks = \"no\"\n",
        ),
        (
            "schema/users.toml",
            &user("id = { type = \"i64\", primary_key = true }\n"),
        ),
    ]);
    assert_eq!((d.line, d.column), (3, 18), "{d}");
    assert_eq!(
        d.message, "`database_tasks` must be a boolean (true or false), not a string",
        "{d}"
    );
}

// Sharding: `shard_by`, each shard's `range` or `keys`, a model's `shard_key`, and keys that
// may repeat across shards.

/// The single problem of one cluster file.
fn db_problem(text: &str) -> Diagnostic {
    problem(&[("schema/db.toml", text)])
}

/// Clusters for shard key checks: `primary` (the default, not sharded), `animals` (by hash),
/// `plain` (sharded, no `shard_by`), `regions` (by a list of strings), `numbers` (by a list of
/// integers) and `ranked` (by range).
const SHARDED: (&str, &str) = (
    "schema/db.toml",
    "[cluster.primary]\ndefault = true\nwriter = \"w\"\n\
     [cluster.animals]\nshard_by = \"hash\"\n[cluster.animals.shard.one]\nwriter = \"w1\"\n\
     [cluster.animals.shard.two]\nwriter = \"w2\"\n\
     [cluster.plain]\n[cluster.plain.shard.one]\nwriter = \"w\"\n\
     [cluster.regions]\nshard_by = \"list\"\n[cluster.regions.shard.eu]\nwriter = \"w\"\n\
     keys = [\"eu\", \"uk\"]\n[cluster.regions.shard.us]\nwriter = \"w\"\nkeys = [\"us\"]\n\
     [cluster.numbers]\nshard_by = \"list\"\n[cluster.numbers.shard.low]\nwriter = \"w\"\n\
     keys = [1, 2]\n\
     [cluster.ranked]\nshard_by = \"range\"\n[cluster.ranked.shard.low]\nwriter = \"w\"\n\
     range = [0, 1000]\n",
);

/// Model `Dog` in `cluster`, with `keys` (model keys, one per line, from line 3) and `fields`
/// (from the line after `[model.Dog.fields]`).
fn dog(cluster: &str, keys: &str, fields: &str) -> String {
    format!("[model.Dog]\ncluster = \"{cluster}\"\n{keys}[model.Dog.fields]\n{fields}")
}

/// The problems of `SHARDED` with model `Dog`.
fn dog_problems(cluster: &str, keys: &str, fields: &str) -> Vec<Diagnostic> {
    problems(&[SHARDED, ("schema/m.toml", &dog(cluster, keys, fields))])
}

/// The single problem of `SHARDED` with model `Dog`.
#[track_caller]
fn dog_problem(cluster: &str, keys: &str, fields: &str) -> Diagnostic {
    let mut all = dog_problems(cluster, keys, fields);
    assert_eq!(all.len(), 1, "expected one problem, got:\n{all:#?}");
    all.remove(0)
}

/// `SHARDED` with model `Dog`, which must resolve.
fn dog_schema(cluster: &str, keys: &str, fields: &str) -> Schema {
    resolve(&[SHARDED, ("schema/m.toml", &dog(cluster, keys, fields))])
        .unwrap_or_else(|e| panic!("{e}"))
}

const UUID_ID: &str = "id = { type = \"uuid\", primary_key = true }\n";

#[test]
fn shard_by_unknown() {
    // Nothing follows from a strategy that is not known: not the shard's `range`, not the
    // model's `shard_key`.
    let text = "[cluster.a]\nshard_by = \"hsh\"\n[cluster.a.shard.one]\nwriter = \"w\"\n\
                range = [0, 10]\n";
    let model =
        format!("[model.Dog]\nshard_key = \"n\"\n[model.Dog.fields]\n{UUID_ID}n = \"i64\"\n");
    let d = problem(&[("schema/db.toml", text), ("schema/m.toml", &model)]);
    let hint = Some("did you mean \"hash\"? expected one of: hash, range, list");
    assert_at(
        &d,
        "schema/db.toml",
        2,
        12,
        "unknown shard_by \"hsh\"",
        hint,
    );

    let d =
        db_problem("[cluster.a]\nshard_by = \"modulo\"\n[cluster.a.shard.one]\nwriter = \"w\"\n");
    let hint = Some("expected one of: hash, range, list");
    assert_at(
        &d,
        "schema/db.toml",
        2,
        12,
        "unknown shard_by \"modulo\"",
        hint,
    );

    let text = "[cluster.a]\nshard_by = 1\n[cluster.a.shard.one]\nwriter = \"w\"\nkeys = [1]\n";
    let d = db_problem(text);
    let message = "`shard_by` must be a string, not an integer";
    assert_at(&d, "schema/db.toml", 2, 12, message, None);
}

#[test]
fn shard_by_on_a_cluster_without_shards() {
    // The model's shard key is not reported too: the cluster's problem is the cause.
    let text = "[cluster.a]\nwriter = \"w\"\nshard_by = \"hash\"\n";
    let model =
        format!("[model.Dog]\nshard_key = \"n\"\n[model.Dog.fields]\n{UUID_ID}n = \"i64\"\n");
    let d = problem(&[("schema/db.toml", text), ("schema/m.toml", &model)]);
    let hint = Some(
        "`shard_by` chooses among a cluster's shards: declare them as `[cluster.a.shard.NAME]` \
         tables with a `writer` each (instead of the top-level `writer`), or remove `shard_by`",
    );
    let message = "`shard_by` on cluster \"a\", which has no shards";
    assert_at(&d, "schema/db.toml", 3, 12, message, hint);

    // In a shard: it is the whole cluster's.
    let d = db_problem(
        "[cluster.a]\nshard_by = \"hash\"\n[cluster.a.shard.one]\nwriter = \"w\"\n\
         shard_by = \"hash\"\n",
    );
    let message = "`shard_by` applies to a whole cluster, not to shard \"one\" of cluster \"a\"";
    let hint = Some("declare it once, in the `[cluster.a]` table");
    assert_at(&d, "schema/db.toml", 5, 1, message, hint);
}

#[test]
fn misspelt_sharding_keys_are_unknown_keys() {
    // A misspelt `shard_by`: the shard's `range` is not reported for want of one.
    let d = db_problem(
        "[cluster.a]\nshard_bi = \"hash\"\n[cluster.a.shard.one]\nwriter = \"w\"\nrange = [0, 1]\n",
    );
    let message = "unknown key \"shard_bi\" in cluster \"a\"";
    assert_at(
        &d,
        "schema/db.toml",
        2,
        1,
        message,
        Some("did you mean \"shard_by\"?"),
    );

    let d = db_problem("[cluster.a.shard.one]\nwriter = \"w\"\nkey = [\"eu\"]\n");
    let message = "unknown key \"key\" in shard \"one\" of cluster \"a\"";
    assert_at(
        &d,
        "schema/db.toml",
        3,
        1,
        message,
        Some("did you mean \"keys\"?"),
    );

    let d = db_problem("[cluster.a.shard.one]\nwriter = \"w\"\nrnage = [0, 1]\n");
    let message = "unknown key \"rnage\" in shard \"one\" of cluster \"a\"";
    assert_at(
        &d,
        "schema/db.toml",
        3,
        1,
        message,
        Some("did you mean \"range\"?"),
    );

    let text = format!(
        "[model.User]\nshard_kye = \"id\"\nunique_accross_shards = true\n[model.User.fields]\n{ID}"
    );
    let all = problems(&[PRIMARY, ("schema/m.toml", &text)]);
    assert_eq!(all.len(), 2, "{all:#?}");
    let message = "unknown key \"shard_kye\" in model \"User\"";
    assert_at(
        &all[0],
        "schema/m.toml",
        2,
        1,
        message,
        Some("did you mean \"shard_key\"?"),
    );
    let message = "unknown key \"unique_accross_shards\" in model \"User\"";
    let hint = Some("did you mean \"unique_across_shards\"?");
    assert_at(&all[1], "schema/m.toml", 3, 1, message, hint);
}

#[test]
fn range_without_shard_by_range() {
    let d = db_problem("[cluster.a.shard.one]\nwriter = \"w\"\nrange = [0, 10]\n");
    let message = "`range` of shard \"one\" is only for a cluster with `shard_by = \"range\"`, and \
                   cluster \"a\" has no `shard_by`";
    let hint = Some("set `shard_by = \"range\"` in `[cluster.a]`, or remove `range`");
    assert_at(&d, "schema/db.toml", 3, 9, message, hint);

    let d = db_problem(
        "[cluster.a]\nshard_by = \"hash\"\n[cluster.a.shard.one]\nwriter = \"w\"\n\
         range = [0, 10]\n",
    );
    let message = "`range` of shard \"one\" is only for a cluster with `shard_by = \"range\"`, and \
                   cluster \"a\" has `shard_by = \"hash\"`";
    assert_at(&d, "schema/db.toml", 5, 9, message, hint);
}

#[test]
fn malformed_ranges() {
    let ranged = |range: &str| {
        format!(
            "[cluster.a]\nshard_by = \"range\"\n[cluster.a.shard.one]\nwriter = \"w\"\n\
             range = {range}\n"
        )
    };
    // A malformed range is not also missing.
    let hint = Some(
        "the shard holds the keys from `start` (included) to `end` (excluded), e.g. \
         `range = [0, 1000]`",
    );
    let d = db_problem(&ranged("[1]"));
    let message = "`range` must have exactly two elements, `[start, end]`, not 1";
    assert_at(&d, "schema/db.toml", 5, 9, message, hint);
    let d = db_problem(&ranged("[0, 10, 20]"));
    let message = "`range` must have exactly two elements, `[start, end]`, not 3";
    assert_at(&d, "schema/db.toml", 5, 9, message, hint);

    let hint = Some(
        "a shard holds the keys from `start` (included) to `end` (excluded), so `start` must be \
         less than `end`",
    );
    let d = db_problem(&ranged("[5, 2]"));
    let message = "range [5, 2] of shard \"one\" of cluster \"a\" is empty";
    assert_at(&d, "schema/db.toml", 5, 9, message, hint);
    let d = db_problem(&ranged("[5, 5]"));
    let message = "range [5, 5] of shard \"one\" of cluster \"a\" is empty";
    assert_at(&d, "schema/db.toml", 5, 9, message, hint);

    let all = problems(&[("schema/db.toml", &ranged("[\"0\", \"10\"]"))]);
    assert_eq!(all.len(), 2, "{all:#?}");
    let message = "each element of `range` must be an integer, not a string";
    let hint = Some("write the value without quotes");
    assert_at(&all[0], "schema/db.toml", 5, 10, message, hint);
    assert_at(&all[1], "schema/db.toml", 5, 15, message, hint);

    let d = db_problem(&ranged("\"0..10\""));
    let message = "`range` must be an array of two integers, `[start, end]`, not a string";
    assert_at(&d, "schema/db.toml", 5, 9, message, None);
}

#[test]
fn missing_range() {
    let d = db_problem(
        "[cluster.a]\nshard_by = \"range\"\n[cluster.a.shard.one]\nwriter = \"w\"\n\
         range = [0, 100]\n[cluster.a.shard.two]\nwriter = \"w\"\n",
    );
    let message = "shard \"two\" of cluster \"a\" has no `range`";
    let hint = Some(
        "with `shard_by = \"range\"`, every shard declares the keys it holds, e.g. \
         `range = [0, 1000]` for the keys from 0 to 999",
    );
    assert_at(&d, "schema/db.toml", 6, 18, message, hint);
}

#[test]
fn overlapping_ranges() {
    // Adjacent ranges (`one`, `two`) and a gap (`two`, `three`) are fine. Each overlap is
    // reported at the shard declared later, whichever starts first.
    let text = "[cluster.a]\nshard_by = \"range\"\n\
                [cluster.a.shard.one]\nwriter = \"w\"\nrange = [0, 100]\n\
                [cluster.a.shard.two]\nwriter = \"w\"\nrange = [100, 200]\n\
                [cluster.a.shard.three]\nwriter = \"w\"\nrange = [300, 400]\n\
                [cluster.a.shard.four]\nwriter = \"w\"\nrange = [350, 360]\n\
                [cluster.a.shard.five]\nwriter = \"w\"\nrange = [-10, 10]\n";
    let all = problems(&[("schema/db.toml", text)]);
    assert_eq!(all.len(), 2, "{all:#?}");
    let hint = Some(
        "a key belongs to one shard; ranges are half-open (`[0, 100]` holds 0 to 99), so \
         `[0, 100]` and `[100, 200]` do not overlap",
    );
    let message = "range [350, 360] of shard \"four\" overlaps range [300, 400] of shard \"three\" \
                   of cluster \"a\"";
    assert_at(&all[0], "schema/db.toml", 14, 9, message, hint);
    let message = "range [-10, 10] of shard \"five\" overlaps range [0, 100] of shard \"one\" of \
                   cluster \"a\"";
    assert_at(&all[1], "schema/db.toml", 17, 9, message, hint);
}

#[test]
fn keys_without_shard_by_list() {
    let d = db_problem(
        "[cluster.a]\nshard_by = \"range\"\n[cluster.a.shard.one]\nwriter = \"w\"\n\
         range = [0, 10]\nkeys = [1]\n",
    );
    let message = "`keys` of shard \"one\" is only for a cluster with `shard_by = \"list\"`, and \
                   cluster \"a\" has `shard_by = \"range\"`";
    let hint = Some("set `shard_by = \"list\"` in `[cluster.a]`, or remove `keys`");
    assert_at(&d, "schema/db.toml", 6, 8, message, hint);

    let d = db_problem("[cluster.a.shard.one]\nwriter = \"w\"\nkeys = [\"eu\"]\n");
    let message = "`keys` of shard \"one\" is only for a cluster with `shard_by = \"list\"`, and \
                   cluster \"a\" has no `shard_by`";
    assert_at(&d, "schema/db.toml", 3, 8, message, hint);
}

#[test]
fn missing_or_malformed_keys() {
    let text = "[cluster.a]\nshard_by = \"list\"\n[cluster.a.shard.one]\nwriter = \"w\"\n\
                keys = []\n[cluster.a.shard.two]\nwriter = \"w\"\n";
    let all = problems(&[("schema/db.toml", text)]);
    assert_eq!(all.len(), 2, "{all:#?}");
    let message = "`keys` of shard \"one\" of cluster \"a\" is empty";
    let hint = Some("list the keys the shard holds, e.g. `keys = [\"eu\", \"uk\"]`");
    assert_at(&all[0], "schema/db.toml", 5, 8, message, hint);
    let message = "shard \"two\" of cluster \"a\" has no `keys`";
    let hint = Some(
        "with `shard_by = \"list\"`, every shard lists the keys it holds, e.g. \
         `keys = [\"eu\", \"uk\"]`",
    );
    assert_at(&all[1], "schema/db.toml", 6, 18, message, hint);

    // Malformed keys are not also missing.
    let listed = |keys: &str| {
        format!(
            "[cluster.a]\nshard_by = \"list\"\n[cluster.a.shard.one]\nwriter = \"w\"\n\
             keys = {keys}\n"
        )
    };
    let d = db_problem(&listed("\"eu\""));
    let message = "`keys` must be an array of strings or integers, not a string";
    assert_at(&d, "schema/db.toml", 5, 8, message, None);
    let d = db_problem(&listed("[\"eu\", 1.5]"));
    let message = "each element of `keys` must be a string or an integer, not a float";
    assert_at(&d, "schema/db.toml", 5, 15, message, None);
}

#[test]
fn mixed_key_kinds() {
    // Reported once per shard, at its first key of the other kind.
    let d = db_problem(
        "[cluster.a]\nshard_by = \"list\"\n[cluster.a.shard.one]\nwriter = \"w\"\n\
         keys = [\"eu\", \"uk\"]\n[cluster.a.shard.two]\nwriter = \"w\"\nkeys = [\"fr\", 3, 4]\n",
    );
    let message = "key 3 of shard \"two\" is an integer, but the first key of cluster \"a\", \
                   \"eu\" of shard \"one\", is a string";
    let hint = Some(
        "the keys of a cluster are all strings (for a string shard key) or all integers (for an \
         integer one)",
    );
    assert_at(&d, "schema/db.toml", 8, 15, message, hint);
}

#[test]
fn duplicate_list_keys() {
    let text = "[cluster.a]\nshard_by = \"list\"\n[cluster.a.shard.one]\nwriter = \"w\"\n\
                keys = [\"eu\", \"uk\", \"eu\"]\n[cluster.a.shard.two]\nwriter = \"w\"\n\
                keys = [\"fr\", \"uk\"]\n";
    let all = problems(&[("schema/db.toml", text)]);
    assert_eq!(all.len(), 2, "{all:#?}");
    let hint = Some("a key is listed once, by the shard that holds it");
    let message = "key \"eu\" is listed twice in shard \"one\" of cluster \"a\"; first declared at \
                   schema/db.toml:5:9";
    assert_at(&all[0], "schema/db.toml", 5, 21, message, hint);
    let message = "key \"uk\" of shard \"two\" is already listed by shard \"one\" of cluster \
                   \"a\"; first declared at schema/db.toml:5:15";
    assert_at(&all[1], "schema/db.toml", 8, 15, message, hint);

    // Integers compare by value, however they are written.
    let d = db_problem(
        "[cluster.a]\nshard_by = \"list\"\n[cluster.a.shard.one]\nwriter = \"w\"\nkeys = [1, 2]\n\
         [cluster.a.shard.two]\nwriter = \"w\"\nkeys = [0x2]\n",
    );
    let message = "key 2 of shard \"two\" is already listed by shard \"one\" of cluster \"a\"; \
                   first declared at schema/db.toml:5:12";
    assert_at(&d, "schema/db.toml", 8, 9, message, hint);
}

#[test]
fn shard_key_not_a_field() {
    let fields = format!("{UUID_ID}owner_id = \"i64\"\n");
    let d = dog_problem("animals", "shard_key = \"ownr_id\"\n", &fields);
    let message = "`shard_key` names unknown field \"ownr_id\" of model \"Dog\"";
    assert_at(
        &d,
        "schema/m.toml",
        3,
        13,
        message,
        Some("did you mean \"owner_id\"?"),
    );

    let d = dog_problem("animals", "shard_key = \"kennel\"\n", &fields);
    let message = "`shard_key` names unknown field \"kennel\" of model \"Dog\"";
    let hint = Some("fields of model \"Dog\": id, owner_id");
    assert_at(&d, "schema/m.toml", 3, 13, message, hint);
}

#[test]
fn shard_key_on_a_cluster_without_shard_by() {
    let fields = format!("{UUID_ID}owner_id = \"i64\"\n");
    let d = dog_problem("plain", "shard_key = \"owner_id\"\n", &fields);
    let message = "shard key of model \"Dog\" in cluster \"plain\", which has no `shard_by`";
    let hint = Some(
        "declare how cluster \"plain\" places rows on its shards in `[cluster.plain]`, e.g. \
         `shard_by = \"hash\"` (one of hash, range, list)",
    );
    assert_at(&d, "schema/m.toml", 3, 13, message, hint);

    let d = dog_problem("primary", "shard_key = \"owner_id\"\n", &fields);
    let message = "shard key of model \"Dog\" in cluster \"primary\", which is not sharded";
    let hint = Some(
        "a shard key chooses one of a cluster's shards: put the model in a sharded cluster that \
         declares `shard_by`, or remove `shard_key`",
    );
    assert_at(&d, "schema/m.toml", 3, 13, message, hint);
}

#[test]
fn nullable_shard_key() {
    let fields = format!("{UUID_ID}owner_id = {{ type = \"i64\", nullable = true }}\n");
    let d = dog_problem("animals", "shard_key = \"owner_id\"\n", &fields);
    let message = "shard key \"owner_id\" of model \"Dog\" is nullable";
    let hint = Some(
        "a row without a shard key has no shard: remove `nullable = true` from the field, or \
         choose another",
    );
    assert_at(&d, "schema/m.toml", 3, 13, message, hint);
}

#[test]
fn integer_primary_key_as_shard_key() {
    // Not also "may repeat across the shards": it is the shard key.
    let d = dog_problem("animals", "shard_key = \"id\"\n", ID);
    let message = "shard key \"id\" of model \"Dog\" is its auto-increment primary key";
    let hint = Some(
        "integer primary keys are assigned by the database after the shard is chosen, so they \
         cannot choose it: shard by another field, or use a string or uuid key",
    );
    assert_at(&d, "schema/m.toml", 3, 13, message, hint);

    // A string or uuid primary key may be the shard key.
    let code = "code = { type = \"string\", primary_key = true }\n";
    let schema = dog_schema("regions", "shard_key = \"code\"\n", code);
    assert_eq!(schema.models["Dog"].shard_key.as_deref(), Some("code"));
    let schema = dog_schema("animals", "shard_key = \"id\"\n", UUID_ID);
    assert_eq!(schema.models["Dog"].shard_key.as_deref(), Some("id"));
}

#[test]
fn shard_key_type_does_not_fit_the_strategy() {
    let fit = |cluster: &str, ty: &str| {
        let fields = format!("{UUID_ID}k = \"{ty}\"\n");
        dog_problem(cluster, "shard_key = \"k\"\n", &fields)
    };
    let d = fit("animals", "bool");
    let message = "shard key \"k\" of model \"Dog\" has type bool, which `shard_by = \"hash\"` \
                   cannot place";
    let hint = Some("hash places integer (i16, i32, i64), string and uuid keys");
    assert_at(&d, "schema/m.toml", 3, 13, message, hint);

    let d = fit("ranked", "string");
    let message = "shard key \"k\" of model \"Dog\" has type string, which `shard_by = \"range\"` \
                   cannot place";
    let hint =
        Some("range places integer keys (i16, i32, i64); place a string or uuid key by hash");
    assert_at(&d, "schema/m.toml", 3, 13, message, hint);

    let d = fit("regions", "uuid");
    let message = "shard key \"k\" of model \"Dog\" has type uuid, which `shard_by = \"list\"` \
                   cannot place";
    let hint = Some("list places integer (i16, i32, i64) and string keys");
    assert_at(&d, "schema/m.toml", 3, 13, message, hint);

    let d = fit("numbers", "string");
    let message = "shard key \"k\" of model \"Dog\" has type string, but the `keys` of cluster \
                   \"numbers\" are integers";
    let hint =
        Some("list strings (`keys = [\"eu\"]`) for a string shard key, or choose an integer field");
    assert_at(&d, "schema/m.toml", 3, 13, message, hint);

    let d = fit("regions", "i32");
    let message = "shard key \"k\" of model \"Dog\" has type i32, but the `keys` of cluster \
                   \"regions\" are strings";
    let hint =
        Some("list integers (`keys = [1, 2]`) for an integer shard key, or choose a string field");
    assert_at(&d, "schema/m.toml", 3, 13, message, hint);

    // Every integer type fits range, hash and an integer list; a string fits hash and a
    // string list.
    for (cluster, ty) in [
        ("ranked", "i16"),
        ("ranked", "i64"),
        ("animals", "i32"),
        ("animals", "string"),
        ("animals", "uuid"),
        ("numbers", "i64"),
        ("regions", "string"),
    ] {
        let fields = format!("{UUID_ID}k = \"{ty}\"\n");
        let schema = dog_schema(cluster, "shard_key = \"k\"\n", &fields);
        assert_eq!(
            schema.models["Dog"].shard_key.as_deref(),
            Some("k"),
            "{cluster} {ty}"
        );
    }
}

#[test]
fn primary_keys_that_may_repeat_across_shards() {
    let integer_hint = Some(
        "each shard's database assigns integer keys on its own, so shards hand out the same keys: \
         use a uuid key, or declare `unique_across_shards = true` on the model if the app \
         guarantees keys never repeat across shards",
    );
    let d = dog_problem("animals", "", ID);
    let message = "primary key \"id\" of model \"Dog\" may repeat across the shards of cluster \
                   \"animals\"";
    assert_at(&d, "schema/m.toml", 4, 1, message, integer_hint);
    // With a shard key that is another field, too.
    let fields = "id = { type = \"i32\", primary_key = true }\nowner_id = \"i64\"\n";
    let d = dog_problem("animals", "shard_key = \"owner_id\"\n", fields);
    assert_at(&d, "schema/m.toml", 5, 1, message, integer_hint);

    // A string key, in a cluster by hash and in one without `shard_by`.
    let code = "code = { type = \"string\", primary_key = true }\nowner_id = \"i64\"\n";
    let d = dog_problem("animals", "shard_key = \"owner_id\"\n", code);
    let message = "primary key \"code\" of model \"Dog\" may repeat across the shards of cluster \
                   \"animals\"";
    let hint = Some(
        "use a uuid key, make this key the model's `shard_key`, or declare \
         `unique_across_shards = true` on the model if the app guarantees keys never repeat \
         across shards",
    );
    assert_at(&d, "schema/m.toml", 5, 1, message, hint);
    let d = dog_problem("plain", "", code);
    let message = "primary key \"code\" of model \"Dog\" may repeat across the shards of cluster \
                   \"plain\"";
    let hint = Some(
        "use a uuid key, make this key the model's `shard_key` (with a `shard_by` on cluster \
         \"plain\"), or declare `unique_across_shards = true` on the model if the app guarantees \
         keys never repeat across shards",
    );
    assert_at(&d, "schema/m.toml", 4, 1, message, hint);
}

#[test]
fn primary_keys_that_cannot_repeat_across_shards() {
    // A uuid key, sharded or not.
    for cluster in ["animals", "plain"] {
        let schema = dog_schema(cluster, "", UUID_ID);
        assert!(!schema.models["Dog"].unique_across_shards);
    }
    // A string key that is the shard key.
    let code = "code = { type = \"string\", primary_key = true }\n";
    dog_schema("animals", "shard_key = \"code\"\n", code);
    // Keys the app keeps unique: integer or string, with or without `shard_by`.
    for (cluster, fields) in [("animals", ID), ("plain", ID), ("plain", code)] {
        let schema = dog_schema(cluster, "unique_across_shards = true\n", fields);
        assert!(
            schema.models["Dog"].unique_across_shards,
            "{cluster}: {fields}"
        );
    }
    // Keys in a cluster that is not sharded never meet.
    dog_schema("primary", "", ID);
}

#[test]
fn unique_across_shards_on_a_cluster_that_is_not_sharded() {
    let d = dog_problem("primary", "unique_across_shards = true\n", ID);
    let message =
        "`unique_across_shards` on model \"Dog\" of cluster \"primary\", which is not sharded";
    let hint = Some("keys can only repeat across the shards of a sharded cluster: remove it");
    assert_at(&d, "schema/m.toml", 3, 24, message, hint);
    // Saying it does not hold changes nothing.
    dog_schema("primary", "unique_across_shards = false\n", ID);

    let d = dog_problem("animals", "unique_across_shards = \"yes\"\n", UUID_ID);
    let message = "`unique_across_shards` must be a boolean (true or false), not a string";
    let hint = Some("write the value without quotes");
    assert_at(&d, "schema/m.toml", 3, 24, message, hint);
}

const PLACEMENT_DATABASES: &str = r#"[cluster.primary]
default = true
writer = "sqlite:p.db"

[cluster.animals]
shard_by = "hash"
[cluster.animals.shard.one]
writer = "w1"
[cluster.animals.shard.two]
writer = "w2"

[cluster.ledger]
shard_by = "range"
[cluster.ledger.shard.low]
writer = "w"
range = [0, 1000]
[cluster.ledger.shard.high]
writer = "w"
range = [2000, 9223372036854775807]   # a gap: keys 1000 to 1999 have no shard

[cluster.regions]
shard_by = "list"
[cluster.regions.shard.europe]
writer = "w"
keys = ["eu", "uk"]
[cluster.regions.shard.america]
writer = "w"
keys = ["us"]

[cluster.numbers]
shard_by = "list"
[cluster.numbers.shard.odd]
writer = "w"
keys = [1, 3]
[cluster.numbers.shard.even]
writer = "w"
keys = [-2, 0x10]

[cluster.plain]
[cluster.plain.shard.one]
writer = "w"
"#;

const PLACEMENT_MODELS: &str = r#"[model.Dog]
cluster = "animals"
shard_key = "owner_id"
[model.Dog.fields]
id = { type = "uuid", primary_key = true }
owner_id = "i64"

[model.Entry]
cluster = "ledger"
shard_key = "account"
unique_across_shards = true
[model.Entry.fields]
id = { type = "i64", primary_key = true }
account = "i32"

[model.Shop]
cluster = "regions"
shard_key = "code"
[model.Shop.fields]
code = { type = "string", primary_key = true }

[model.Counter]
cluster = "numbers"
shard_key = "n"
[model.Counter.fields]
id = { type = "uuid", primary_key = true }
n = "i16"

[model.Note]
cluster = "plain"
[model.Note.fields]
id = { type = "uuid", primary_key = true }

[model.User]
[model.User.fields]
id = { type = "i64", primary_key = true }
"#;

#[test]
fn placement_resolves() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (name, text) in [
        ("databases.toml", PLACEMENT_DATABASES),
        ("models.toml", PLACEMENT_MODELS),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap_or_else(|e| panic!("{e}"));
    }
    let schema = load(dir.path()).unwrap_or_else(|e| panic!("{e}"));

    let cluster = |name: &str| &schema.clusters[name];
    let ranges = |name: &str| -> Vec<Option<(i64, i64)>> {
        cluster(name).shards.iter().map(|s| s.range).collect()
    };
    let keys = |name: &str| -> Vec<Vec<ListKey>> {
        cluster(name)
            .shards
            .iter()
            .map(|s| s.keys.clone())
            .collect()
    };
    let s = |key: &str| ListKey::Str(key.into());

    assert_eq!(cluster("primary").shard_by, None);
    assert_eq!(ranges("primary"), [None]);
    assert_eq!(cluster("animals").shard_by, Some(ShardBy::Hash));
    assert_eq!(ranges("animals"), [None, None]);
    assert_eq!(keys("animals"), [vec![], vec![]]);
    assert_eq!(cluster("ledger").shard_by, Some(ShardBy::Range));
    assert_eq!(ranges("ledger"), [Some((0, 1000)), Some((2000, i64::MAX))]);
    assert_eq!(keys("ledger"), [vec![], vec![]]);
    assert_eq!(cluster("regions").shard_by, Some(ShardBy::List));
    assert_eq!(keys("regions"), [vec![s("eu"), s("uk")], vec![s("us")]]);
    assert_eq!(ranges("regions"), [None, None]);
    assert_eq!(cluster("numbers").shard_by, Some(ShardBy::List));
    assert_eq!(
        keys("numbers"),
        [
            vec![ListKey::Int(1), ListKey::Int(3)],
            vec![ListKey::Int(-2), ListKey::Int(16)]
        ]
    );
    assert!(cluster("plain").sharded);
    assert_eq!(cluster("plain").shard_by, None);

    let placed = |model: &str| {
        let model = &schema.models[model];
        (model.shard_key.as_deref(), model.unique_across_shards)
    };
    assert_eq!(placed("Dog"), (Some("owner_id"), false));
    assert_eq!(placed("Entry"), (Some("account"), true));
    assert_eq!(placed("Shop"), (Some("code"), false));
    assert_eq!(placed("Counter"), (Some("n"), false));
    assert_eq!(placed("Note"), (None, false));
    assert_eq!(placed("User"), (None, false));

    // Every strategy by its name.
    for (name, strategy) in ShardBy::ALL {
        let text = format!(
            "[cluster.a]\nshard_by = \"{name}\"\n[cluster.a.shard.one]\nwriter = \"w\"\n{}",
            match strategy {
                ShardBy::Hash => "",
                ShardBy::Range => "range = [0, 1]\n",
                ShardBy::List => "keys = [0]\n",
            }
        );
        let schema = resolve(&[("schema/db.toml", &text)]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(schema.clusters["a"].shard_by, Some(strategy));
    }
}

/// `serde`: `[options]` in any file applies to every model; a model's own key overrides it
/// either way.
#[test]
fn serde_option_and_model_override() {
    let models = "[model.Plain]\n[model.Plain.fields]\nid = { type = \"i64\", primary_key = true }\n\
                  [model.Off]\nserde = false\n[model.Off.fields]\nid = { type = \"i64\", primary_key = true }\n\
                  [model.On]\nserde = true\n[model.On.fields]\nid = { type = \"i64\", primary_key = true }\n";
    let serde =
        |schema: &Schema| ["Plain", "Off", "On"].map(|name| (name, schema.models[name].serde));
    let without =
        resolve(&[PRIMARY, ("schema/models.toml", models)]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        serde(&without),
        [("Plain", false), ("Off", false), ("On", true)]
    );
    let options = ("schema/options.toml", "[options]\nserde = true\n");
    let with = resolve(&[PRIMARY, ("schema/models.toml", models), options])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        serde(&with),
        [("Plain", true), ("Off", false), ("On", true)]
    );
    let off = ("schema/options.toml", "[options]\nserde = false\n");
    let with_off =
        resolve(&[PRIMARY, ("schema/models.toml", models), off]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(serde(&with_off), serde(&without));
}

#[test]
fn option_set_in_two_files() {
    let d = problem(&[
        PRIMARY,
        ("schema/a.toml", "[options]\nserde = true\n"),
        ("schema/b.toml", "options = { serde = true }\n"),
    ]);
    assert_at(
        &d,
        "schema/b.toml",
        1,
        21,
        "option `serde` is set twice; first declared at schema/a.toml:2:9",
        Some("`[options]` apply to every declaration file: set each option in one file"),
    );
}

#[test]
fn options_of_the_wrong_shape() {
    let all = problems(&[
        PRIMARY,
        ("schema/a.toml", "[options]\nserde = \"yes\"\nserd = true\n"),
        ("schema/b.toml", "options = true\n"),
        (
            "schema/c.toml",
            "[model.User]\nserde = 1\n[model.User.fields]\nid = { type = \"i64\", primary_key = true }\n",
        ),
    ]);
    assert_eq!(all.len(), 4, "{all:#?}");
    assert_at(
        &all[0],
        "schema/a.toml",
        2,
        9,
        "`serde` must be a boolean (true or false), not a string",
        Some("write the value without quotes"),
    );
    assert_at(
        &all[1],
        "schema/a.toml",
        3,
        1,
        "unknown key \"serd\" in `[options]`",
        Some("did you mean \"serde\"?"),
    );
    assert_at(
        &all[2],
        "schema/b.toml",
        1,
        11,
        "`options` must be a table, not a boolean",
        None,
    );
    assert_at(
        &all[3],
        "schema/c.toml",
        2,
        9,
        "`serde` must be a boolean (true or false), not an integer",
        None,
    );
}
