//! A cluster's migrations: file names to versions, files to operations, and the replay that
//! checks each operation fits the database the earlier ones leave, reported where it is
//! written.

use std::path::{Path, PathBuf};

use crate::Error;
use crate::diagnostics::{Loc, Report};
use crate::migrate::{Operation, SchemaState};
use crate::parse::{self, SourceFile};

/// One migration file, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Migration {
    /// The UTC timestamp that starts the file name (`YYYYMMDDHHMMSS`).
    pub version: u64,
    /// The rest of the file name (`add_bio`).
    pub name: String,
    /// Path as given, for messages.
    pub path: PathBuf,
    /// FNV-1a 64 of the file's bytes, in hex: an applied migration whose file changed is
    /// refused.
    pub checksum: String,
    /// In order.
    pub operations: Vec<Operation>,
}

/// A cluster's migrations in `dir`, in version order, and the schema state they leave. A
/// missing directory means no migrations yet.
pub fn load_migrations(dir: &Path) -> Result<(Vec<Migration>, SchemaState), Error> {
    let files = match std::fs::read_dir(dir) {
        Ok(_) => parse::read_toml_files(dir)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(source) => {
            return Err(Error::Io {
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    resolve_migrations(&files)
}

/// [`load_migrations`] on files already read (sorted by path).
pub fn resolve_migrations(files: &[SourceFile]) -> Result<(Vec<Migration>, SchemaState), Error> {
    let mut report = Report::new(files);
    let mut state = SchemaState::default();
    let mut migrations = Vec::with_capacity(files.len());
    let mut last: Option<(u64, usize)> = None;
    for (index, file) in files.iter().enumerate() {
        let whole = Loc {
            file: index,
            span: 0..0,
        };
        let Some((version, name)) = version_and_name(&file.path) else {
            report.error_with_hint(
                &whole,
                "a migration file is named `<UTC timestamp>_<snake_name>.toml`",
                "for example `20261204120000_add_bio.toml`; `switchyard migration new` names it",
            );
            continue;
        };
        if let Some((previous, at)) = last
            && previous == version
        {
            report.error(
                &whole,
                format!(
                    "version {version} is used twice (also by {})",
                    files[at].path.display()
                ),
            );
            continue;
        }
        last = Some((version, index));
        let Some(operations) = parse::parse_migration(index, &file.text, &mut report) else {
            continue;
        };
        let mut checked = Vec::with_capacity(operations.len());
        for op in operations {
            match state.apply(&op.value) {
                Ok(()) => checked.push(op.value),
                Err(message) => {
                    report.error_with_hint(
                        &op.loc,
                        message,
                        "the migrations before this one leave the database without it; check \
                         the order of the files and their operations",
                    );
                }
            }
        }
        migrations.push(Migration {
            version,
            name,
            path: file.path.clone(),
            checksum: checksum(file.text.as_bytes()),
            operations: checked,
        });
    }
    if report.count() > 0 {
        return Err(Error::Declarations(report.finish()));
    }
    Ok((migrations, state))
}

/// `20261204120000_add_bio.toml` → (20261204120000, "add_bio").
fn version_and_name(path: &Path) -> Option<(u64, String)> {
    let stem = path.file_stem()?.to_str()?;
    let (version, name) = stem.split_once('_')?;
    let valid_name = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    (version.len() == 14 && version.bytes().all(|b| b.is_ascii_digit()) && valid_name)
        .then(|| Some((version.parse().ok()?, name.to_owned())))
        .flatten()
}

/// FNV-1a, 64 bits, as 16 hex digits: stable across platforms and releases.
pub fn checksum(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> SourceFile {
        SourceFile {
            path: PathBuf::from(path),
            text: text.to_owned(),
        }
    }

    const CREATE: &str = r#"
[[operation]]
create_table = "users"
columns = [
    { name = "id", type = "i64", primary_key = true },
    { name = "name", type = "string", unique = true },
]
"#;

    #[test]
    fn replays_files_in_order() {
        let files = [
            file("m/20260101000000_create.toml", CREATE),
            file(
                "m/20260102000000_rename.toml",
                "[[operation]]\nrename_column = \"name\"\ntable = \"users\"\nto = \"username\"\n",
            ),
        ];
        let (migrations, state) = resolve_migrations(&files).expect("valid");
        assert_eq!(migrations.len(), 2);
        assert_eq!(migrations[1].version, 20260102000000);
        assert_eq!(migrations[1].name, "rename");
        assert!(state.tables["users"].column("username").is_some());
        assert_eq!(checksum(b""), "cbf29ce484222325");
        assert_ne!(migrations[0].checksum, migrations[1].checksum);
    }

    #[test]
    fn written_files_read_back_to_the_same_operations() {
        use crate::migrate::{Column, DialectSql, IndexDef, to_toml};
        use crate::model::{DefaultValue, FieldType};
        let column = |name: &str, ty, default| Column {
            name: name.into(),
            ty,
            nullable: name.ends_with("_n"),
            primary_key: name == "id",
            unique: name == "code",
            default,
        };
        let ops = vec![
            Operation::CreateTable {
                table: "t".into(),
                columns: vec![
                    column("id", FieldType::I64, None),
                    column(
                        "code",
                        FieldType::String,
                        Some(DefaultValue::Str("a\"b\\c\n".into())),
                    ),
                    column("at_n", FieldType::DateTime, Some(DefaultValue::Now)),
                    column("f", FieldType::F64, Some(DefaultValue::Float(1.5))),
                    column("b", FieldType::Bool, Some(DefaultValue::Bool(true))),
                ],
            },
            Operation::AddColumn {
                table: "t".into(),
                column: column("n_n", FieldType::I32, Some(DefaultValue::Int(-3))),
            },
            Operation::AlterColumn {
                table: "t".into(),
                from: column("n_n", FieldType::I32, Some(DefaultValue::Int(-3))),
                to: column("n_n", FieldType::I64, None),
            },
            Operation::RenameColumn {
                table: "t".into(),
                from: "f".into(),
                to: "g".into(),
            },
            Operation::CreateIndex {
                table: "t".into(),
                index: IndexDef {
                    name: "t_g".into(),
                    columns: vec!["g".into(), "b".into()],
                    unique: true,
                },
            },
            Operation::DropIndex {
                table: "t".into(),
                index: IndexDef {
                    name: "t_g".into(),
                    columns: vec!["g".into(), "b".into()],
                    unique: true,
                },
            },
            Operation::DropColumn {
                table: "t".into(),
                column: column("n_n", FieldType::I64, None),
            },
            Operation::Sql {
                up: DialectSql {
                    sqlite: Some("SELECT 1".into()),
                    postgres: Some("SELECT 2".into()),
                    mysql: None,
                },
                down: Some(DialectSql {
                    mysql: Some("SELECT 3".into()),
                    ..DialectSql::default()
                }),
            },
            Operation::RenameTable {
                from: "t".into(),
                to: "u".into(),
            },
            Operation::DropTable {
                table: "u".into(),
                columns: vec![
                    column("id", FieldType::I64, None),
                    column(
                        "code",
                        FieldType::String,
                        Some(DefaultValue::Str("a\"b\\c\n".into())),
                    ),
                    column("at_n", FieldType::DateTime, Some(DefaultValue::Now)),
                    column("g", FieldType::F64, Some(DefaultValue::Float(1.5))),
                    column("b", FieldType::Bool, Some(DefaultValue::Bool(true))),
                ],
            },
        ];
        let text = to_toml("primary", &ops);
        let (migrations, state) =
            resolve_migrations(&[file("m/20260101000000_all.toml", &text)]).expect(&text);
        assert_eq!(migrations[0].operations, ops);
        assert!(state.tables.is_empty());
    }

    #[test]
    fn broken_files_are_located() {
        let cases = [
            (
                file(
                    "m/20260101000000_x.toml",
                    "[[operation]]\nadd_column = \"bio\"\ntable = \"users\"\ntype = \"text\"\n",
                ),
                "m/20260101000000_x.toml:1:1: error: no table `users`",
            ),
            (
                file(
                    "m/20260101000000_x.toml",
                    "[[operation]]\ncreate_tabel = \"t\"\n",
                ),
                "an operation names exactly one kind",
            ),
            (
                file(
                    "m/20260101000000_x.toml",
                    "[[operation]]\nadd_column = \"b\"\ntable = \"t\"\ntype = \"strng\"\n",
                ),
                "m/20260101000000_x.toml:4:8: error: unknown type \"strng\"",
            ),
            (
                file(
                    "m/20260101000000_x.toml",
                    "[[operation]]\nadd_column = \"b\"\ntable = \"t\"\ntype = \"i32\"\ndefault = \"x\"\n",
                ),
                "m/20260101000000_x.toml:5:11: error: `default` does not fit type i32",
            ),
            (file("m/create.toml", CREATE), "a migration file is named"),
            (
                file("m/20260101000000_x.toml", "[[operation]\n"),
                "m/20260101000000_x.toml:1:",
            ),
        ];
        for (f, expected) in cases {
            let err = resolve_migrations(std::slice::from_ref(&f)).expect_err(&f.text);
            let shown = err.to_string();
            assert!(shown.contains(expected), "{expected}\n---\n{shown}");
        }
    }
}
