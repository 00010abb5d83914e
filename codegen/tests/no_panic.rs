//! Deterministic mutation fuzzing of the front end: whatever the declarations say, `front_end`
//! returns (a schema or rendered diagnostics) and never panics.

use std::panic::{AssertUnwindSafe, catch_unwind};

use switchyard_codegen::parse::SourceFile;
use switchyard_codegen::resolve::resolve_files;
use switchyard_codegen::{Error, front_end};

const DATABASES: &str = r#"# topology
[cluster.primary]
default = true
doc = "Main database."
writer = "${DATABASE_URL:-sqlite:data/primary.sqlite3}"
replicas = ["${PRIMARY_REPLICA_URL:-sqlite:data/primary.sqlite3?mode=ro}", { url = "${R2:-x}", weight = 2 }]
pool = { max_connections = 10, min_connections = 1, acquire_timeout_ms = 5000, lazy = true }
policy = "least_busy"
fallback = "writer"
max_replica_lag_ms = 2000
health = { check_interval_ms = 1000, eject_backoff_ms = 500, eject_backoff_max_ms = 30000 }
roles = { reporting = ["${REPORTING_URL:-x}", { url = "${REPORTING_2:-y}", weight = 3 }] }

[cluster.animals]
fallback = "error"
[cluster.animals.shard.default]
writer = "${ANIMALS_URL:-sqlite:data/animals.sqlite3}"
replicas = ["${ANIMALS_REPLICA_URL:-sqlite:data/animals.sqlite3?mode=ro}"]
roles = { reporting = ["x"], audit = ["y"] }
[cluster.animals.shard.shard_one]
writer = "${ANIMALS_SHARD_ONE_URL:-sqlite:data/animals_shard_one.sqlite3}"
roles = { audit = ["z"], reporting = [{ url = "w", weight = 1000 }] }
"#;

const USERS: &str = r#"[model.User]
cluster = "primary"
table = "users"
doc = "A person with an account — ünïcode."
[model.User.fields]
id = { type = "i64", primary_key = true }
username = { type = "string", unique = true }
email = "string"
bio = { type = "text", nullable = true }
created_at = { type = "datetime", default = "now" }
type = { type = "i16", default = 3, column = "kind" }
[[model.User.indexes]]
fields = ["email", "type"]
unique = false
name = "users_email_kind"

[model.Dog]
cluster = "animals"
[model.Dog.fields]
id = { type = "uuid", primary_key = true }
weight = { type = "f64", default = 1.5 }
good = { type = "bool", default = true }
owner_id = { type = "i64", nullable = true }
[model.Dog.relations]
owner = { belongs_to = "User", validate = true, inverse_of = "dogs" }
humans = { has_many = "Human", order = "name desc, id", limit = 3 }
treats = { has_many = "Treat", through = "humans" }
first_human = { has_one = "Human", doc = "The oldest." }
vets = { has_many = "User", through = "owner", source = "me" }

[model.Human]
cluster = "animals"
[model.Human.fields]
id = { type = "uuid", primary_key = true }
dog_id = "uuid"
name = "string"
[model.Human.relations]
treats = { has_many = "Treat", foreign_key = "giver_id", primary_key = "id" }
dog = { belongs_to = "Dog", inverse_of = "humans" }

[model.Treat]
cluster = "animals"
unique_across_shards = true
[model.Treat.fields]
id = { type = "i32", primary_key = true }
giver_id = "uuid"

[model.User.relations]
dogs = { has_many = "Dog", foreign_key = "owner_id" }
me = { has_one = "User", foreign_key = "id" }
"#;

/// Syntax fragments inserted by mutations.
const SYNTAX: &[&str] = &[
    "=", "[", "]", "[[", "]]", "\"", "'", "\"\"\"", "{", "}", ",", ".", "#", "\\", "\n", "\r\n",
    "\t", " ", "${", ":-", "$", "${}", "${1X}", "é", "\u{feff}", "😀", "[]", "{}",
];

/// Words that replace words: keys, types, names and values, mostly valid TOML in place.
const WORDS: &[&str] = &[
    "type",
    "nullable",
    "nulable",
    "unique",
    "primary_key",
    "default",
    "column",
    "doc",
    "cluster",
    "model",
    "fields",
    "indexes",
    "relations",
    "pool",
    "shard",
    "writer",
    "replicas",
    "max_connections",
    "min_connections",
    "idle_timeout_ms",
    "lazy",
    "name",
    "table",
    "i16",
    "i64",
    "f32",
    "string",
    "strng",
    "text",
    "bytes",
    "json",
    "uuid",
    "date",
    "time",
    "datetime",
    "bool",
    "User",
    "user",
    "Self",
    "self",
    "match",
    "primary",
    "primery",
    "animals",
    "CreateTable",
    "HTTPLog",
    "HttpLog",
    "NewUser",
    "Animals",
    "sqlite_x",
    "a_1",
    "a1",
    "now",
    "0x7f",
    "-1",
    "0",
    "40000",
    "99999999999999999999",
    "1e999",
    "nan",
    "inf",
    "1979-05-27",
    "1979-05-27T07:32:00Z",
    "true",
    "false",
    "\"now\"",
    "\"${A:-${B}}\"",
    "\"\"",
    "[\"id\"]",
    "belongs_to",
    "has_one",
    "has_many",
    "foreign_key",
    "inverse_of",
    "order",
    "limit",
    "through",
    "source",
    "validate",
    "humans",
    "treats",
    "owner",
    "Dog",
    "Human",
    "\"id desc\"",
    "roles",
    "policy",
    "fallback",
    "max_replica_lag_ms",
    "health",
    "check_interval_ms",
    "eject_backoff_ms",
    "eject_backoff_max_ms",
    "url",
    "weight",
    "reporting",
    "audit",
    "round_robin",
    "least_busy",
    "random",
    "error",
    "replica",
    "1001",
    "role",
];

/// xorshift64*: small, fast and reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick(&mut self, from: &[&'static str]) -> Vec<char> {
        from[self.below(from.len())].chars().collect()
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Apply one random mutation to `text` (as chars, so it stays valid UTF-8). Character-level
/// mutations mostly break the syntax; word- and line-level ones mostly keep it, and so reach
/// the checks behind the parser.
fn mutate(text: &mut Vec<char>, rng: &mut Rng) {
    let len = text.len();
    let at = rng.below(len + 1);
    let span = rng.below(12).min(len - at);
    match rng.below(10) {
        0 if at < len => {
            text.remove(at);
        }
        1 => {
            text.drain(at..at + span);
        }
        2 => {
            let copy: Vec<char> = text[at..at + span].to_vec();
            let to = rng.below(text.len() + 1);
            text.splice(to..to, copy);
        }
        3 => {
            let token = rng.pick(SYNTAX);
            text.splice(at..at, token);
        }
        4..=6 => {
            // Replace the word around `at` (or insert one between words).
            let start = (0..at)
                .rev()
                .take_while(|&i| is_word(text[i]))
                .last()
                .unwrap_or(at);
            let end = (at..len)
                .take_while(|&i| is_word(text[i]))
                .last()
                .map_or(at, |i| i + 1);
            let word = rng.pick(WORDS);
            text.splice(start..end, word);
        }
        _ => {
            // Delete, duplicate or swap whole lines.
            let joined: String = text.iter().collect();
            let mut lines: Vec<&str> = joined.lines().collect();
            if lines.is_empty() {
                return;
            }
            let (a, b) = (rng.below(lines.len()), rng.below(lines.len()));
            match rng.below(3) {
                0 => {
                    lines.remove(a);
                }
                1 => lines.insert(b, lines[a]),
                _ => lines.swap(a, b),
            }
            *text = lines.join("\n").chars().collect();
        }
    }
}

/// Resolve `texts` as files, and with `emit` also generate code from them as the fuzz target
/// does (`front_end`); panics (failing the test) with the input if either panicked or produced
/// a diagnostic that does not render sensibly.
fn check(texts: &[String], emit: bool) {
    let files: Vec<SourceFile> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| SourceFile {
            path: format!("schema/{i}.toml").into(),
            text: text.clone(),
        })
        .collect();
    let run = || match emit {
        true => front_end(&files).map(drop),
        false => resolve_files(&files).map(drop),
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| match run() {
        Ok(()) => {}
        Err(error) => {
            if let Error::Declarations(diagnostics) = &error {
                assert!(!diagnostics.is_empty(), "an error without diagnostics");
                for d in diagnostics {
                    assert!(d.line >= 1 && d.column >= 1 && d.span_len >= 1, "{d:?}");
                    assert!(!d.source_line.contains('\n'), "{d:?}");
                }
            }
            assert!(!error.to_string().is_empty());
        }
    }));
    if outcome.is_err() {
        panic!("the front end panicked on:\n{texts:#?}");
    }
}

#[test]
fn mutated_declarations_never_panic() {
    let seeds = [DATABASES, USERS];
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    for i in 0..3000 {
        let mut texts: Vec<Vec<char>> = seeds.iter().map(|s| s.chars().collect()).collect();
        let target = rng.below(texts.len());
        for _ in 0..1 + rng.below(4) {
            mutate(&mut texts[target], &mut rng);
        }
        // Sometimes mutate both files, for cross-file problems.
        if rng.below(4) == 0 {
            let other = 1 - target;
            mutate(&mut texts[other], &mut rng);
        }
        let texts: Vec<String> = texts.iter().map(|t| t.iter().collect()).collect();
        // Emitting a whole schema is slow in a debug build: one input in five is emitted too.
        check(&texts, i % 5 == 0);
    }
}

#[test]
fn edge_inputs_never_panic() {
    let deep_array = format!("x = {}{}", "[".repeat(300), "]".repeat(300));
    let deep_keys = format!("{} = 1", vec!["a"; 500].join("."));
    let deep_tables = format!("[{}]", vec!["model"; 200].join("."));
    let cases: Vec<String> = vec![
        String::new(),
        "\u{feff}".into(),
        "\u{feff}[cluster.primary]\r\nwriter = \"x\"\r\n".into(),
        "[cluster.primary]\nwriter = \"x\"\r".into(),
        "é = 1\n[é]\n\"é\" = 2".into(),
        "[model.User.fields]\nid = \"i64\"\nid = \"i64\"\nid = \"i64\"\n".into(),
        "[[model.User.indexes]]\nfields = 1\n[[model.User.indexes]]\nfields = [1, \"x\"]".into(),
        "[model.User]\nindexes = [1, {}, { fields = [] }]\nrelations = 5\nfields = []".into(),
        "model = 1\ncluster = []".into(),
        "[cluster.a]\nshard = 1\n[cluster.b]\nshard = {}\npool = 3\n".into(),
        "[cluster.a.shard]\nx = 1\n".into(),
        "[cluster.a]\nwriter = \"${\"\nreplicas = [\"${é\", \"é${A:-é\", \"\"]\n".into(),
        "[cluster.a]\nwriter = '''\n${X'''\n".into(),
        "[model.A.fields]\nid = { type = \"i64\", primary_key = true }\n[model.A.relations]\n\
         a = { has_many = \"A\", through = \"a\", source = \"a\" }\n\
         b = { has_one = \"A\", through = \"a\" }\nc = { has_many = \"A\", through = \"b\", \
         source = \"c\", order = \",, x y z\" }\nd = { belongs_to = \"A\", foreign_key = \"id\", \
         inverse_of = \"d\" }\ne = { has_many = \"B\", order = \"\\u00e9 desc\", limit = -1 }"
            .into(),
        "[model.A.relations]\nx = {}\ny = { has_one = {}, has_many = [] }\nz = []\n".into(),
        "[cluster.a]\nreplicas = [{}, { url = 1, weight = [] }, 3]\nroles = { r = {}, s = [{}] }\n\
         health = 1\npolicy = []\n[cluster.a.shard.x]\nroles = []\npool = 1\n\
         [cluster.a.shard.y]\nroles = { r = \"u\", writer = [\"\"] }\nhealth = {}\n"
            .into(),
        deep_array,
        deep_keys,
        deep_tables,
    ];
    for case in cases {
        check(std::slice::from_ref(&case), true);
        check(&[DATABASES.to_owned(), case], true);
    }
}

#[test]
fn seeds_resolve() {
    // Mutations of valid declarations reach every check; broken seeds would mostly test errors.
    let files: Vec<SourceFile> = [DATABASES, USERS]
        .iter()
        .enumerate()
        .map(|(i, text)| SourceFile {
            path: format!("schema/{i}.toml").into(),
            text: (*text).to_owned(),
        })
        .collect();
    if let Err(error) = resolve_files(&files) {
        panic!("{error}");
    }
}

#[test]
fn repository_schemas_generate() {
    // The fuzz target's seeds (`fuzz/seed.sh`): the example's and the tests' declarations,
    // which must keep generating as the checks grow.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for dir in ["schema", "tests/schema"] {
        let files = switchyard_codegen::parse::read_dir(&root.join(dir))
            .unwrap_or_else(|e| panic!("{dir}: {e}"));
        if let Err(error) = front_end(&files) {
            panic!("{dir}:\n{error}");
        }
    }
}
