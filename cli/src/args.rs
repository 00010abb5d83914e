//! The command line: every command and option, with the help text `--help` shows.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// switchyard: migrations made from the declarations, and database tasks for every cluster and
/// shard.
///
/// Reads the declarations directory (`--schema`) and each cluster's migrations, and connects
/// with the same URL templates and environment variables as the app. No app code is compiled.
///
/// Exit codes: 0 success; 1 a database operation or a check failed (or the declarations do
/// not load); 2 a usage error, or a command refused (a destructive migration without
/// `--allow-destructive`, a drop without `--force`).
#[derive(Debug, Parser)]
#[command(name = "switchyard", version, propagate_version = true)]
pub struct Cli {
    /// The declarations directory (relative to the current directory). Relative SQLite paths
    /// in URLs resolve against the directory that holds it, as the example app resolves them
    /// against its manifest directory.
    #[arg(long, global = true, value_name = "DIR", default_value = "schema")]
    pub schema: PathBuf,

    /// Resolve relative SQLite paths against this directory instead (relative to the current
    /// directory): for a project whose app resolves them elsewhere, like the example app, whose
    /// declarations are in `schema/` and whose SQLite files are in `example-app/data/`.
    #[arg(long, global = true, value_name = "DIR", env = "SWITCHYARD_SQLITE_DIR")]
    pub sqlite_dir: Option<PathBuf>,

    /// How long to wait for a database server to accept a connection, in seconds (default:
    /// each cluster's declared `acquire_timeout_ms`, else 10).
    #[arg(long, global = true, value_name = "SECONDS")]
    pub connect_timeout: Option<u64>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The command groups.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write, create or check migration files.
    #[command(subcommand)]
    Migration(MigrationCommand),
    /// Create, drop, migrate and inspect the databases.
    #[command(subcommand)]
    Db(DbCommand),
    /// Print the JSON Schema of declaration files, for editors to complete and check them with
    /// (`#:schema ./declarations.schema.json` at the top of a file, in Taplo or Even Better
    /// TOML). Reads no declarations.
    Schema,
}

/// `switchyard migration …`.
#[derive(Debug, Subcommand)]
pub enum MigrationCommand {
    /// Write one migration per cluster whose declarations differ from what its migrations
    /// build, into the cluster's migrations directory. Says so and writes nothing when nothing
    /// differs.
    ///
    /// The file is `<UTC timestamp>_<NAME>.toml`; the same declarations and migrations always
    /// give the same file. Clusters declared with `database_tasks = false` are skipped.
    Make {
        /// The migration's name, in snake_case (`add_bio`).
        #[arg(value_parser = snake_case)]
        name: String,
        /// Also write operations that lose data (a dropped table or column, a narrowing type
        /// change). Without it the command lists them, writes nothing and exits with 2.
        #[arg(long)]
        allow_destructive: bool,
        /// The version (UTC `YYYYMMDDHHMMSS`) to give the files instead of the current time
        /// (for reproducible runs; it must be later than every existing migration).
        #[arg(long, env = "SWITCHYARD_MIGRATION_VERSION", value_name = "YYYYMMDDHHMMSS",
              value_parser = version)]
        timestamp: Option<u64>,
    },
    /// Write an empty migration into a cluster's migrations directory, for hand-written
    /// operations (`sql` data changes, for example).
    New {
        /// The migration's name, in snake_case (`backfill_slugs`).
        #[arg(value_parser = snake_case)]
        name: String,
        /// The cluster it belongs to.
        #[arg(long, value_name = "CLUSTER")]
        cluster: String,
        /// The version (UTC `YYYYMMDDHHMMSS`) to give the file instead of the current time
        /// (it must be later than every existing migration of the cluster).
        #[arg(long, env = "SWITCHYARD_MIGRATION_VERSION", value_name = "YYYYMMDDHHMMSS",
              value_parser = version)]
        timestamp: Option<u64>,
    },
    /// Exit with 1, listing the differences, when a cluster's migrations do not build what
    /// its declarations say (a `migration make` is due); else print "migrations match the
    /// declarations" and exit with 0.
    Check,
}

/// `switchyard db …`.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Create the database of every shard's writer (if missing): the SQLite file, or the
    /// database on its PostgreSQL or MySQL/MariaDB server.
    Create(Select),
    /// Drop the database of every shard's writer, with everything in it. Refuses (exit 2)
    /// without --force.
    Drop {
        #[command(flatten)]
        select: Select,
        /// Really drop.
        #[arg(long)]
        force: bool,
    },
    /// Apply pending migrations on every shard's writer.
    Migrate {
        #[command(flatten)]
        select: Select,
        /// Stop after this version (`YYYYMMDDHHMMSS`); later migrations stay pending. Nothing
        /// is rolled back.
        #[arg(long, value_name = "VERSION")]
        to: Option<i64>,
        /// Print the SQL each database would run, and run nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Roll back the latest applied migrations on every shard's writer.
    Rollback {
        #[command(flatten)]
        select: Select,
        /// How many migrations to roll back, latest first, on each database.
        #[arg(long, default_value_t = 1, value_name = "N")]
        step: usize,
        /// Print the SQL each database would run, and run nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// A table of every database: cluster, shard, version and pending migrations. Exits with
    /// 1 when a database cannot be read.
    Status(Select),
    /// Compare each writer's tables, columns, types, nullability, defaults and indexes with the
    /// declarations (in the declarations' terms); exits with 1 on any difference, or when a
    /// database cannot be read. Tables that are not declared are listed, not counted.
    Verify(Select),
    /// The schema the migrations build, as SQL files.
    #[command(subcommand)]
    Schema(SchemaCommand),
    /// Create the databases, then apply every migration (`db create` + `db migrate`).
    Setup(Select),
    /// Drop the databases, create them and apply every migration (`db drop` + `db setup`).
    /// Refuses (exit 2) without --force.
    Reset {
        #[command(flatten)]
        select: Select,
        /// Really drop.
        #[arg(long)]
        force: bool,
    },
}

/// `switchyard db schema …`.
#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Write the schema each cluster's migrations build, as `CREATE TABLE` and `CREATE INDEX`
    /// statements per dialect, into `schema.sqlite.sql`, `schema.postgres.sql` and
    /// `schema.mysql.sql` beside the migrations, for review. Connects to no database.
    Dump {
        /// Only this cluster (default: every cluster that has migrations).
        cluster: Option<String>,
    },
    /// Build the schema on empty databases: apply every migration in one run (the same as
    /// `db migrate` on a database that has none, recording every version).
    Load(Select),
}

/// Which databases a `db` command works on.
#[derive(Debug, Clone, Args)]
pub struct Select {
    /// Only this cluster (default: every cluster; clusters declared with `database_tasks =
    /// false` are skipped).
    pub cluster: Option<String>,
    /// Only this shard of the cluster (needs CLUSTER; default: every shard).
    #[arg(long, value_name = "SHARD", requires = "cluster")]
    pub shard: Option<String>,
}

/// A migration name: lowercase ASCII letters, digits and `_`, starting with a letter.
fn snake_case(name: &str) -> Result<String, String> {
    let mut bytes = name.bytes();
    let starts = bytes.next().is_some_and(|b| b.is_ascii_lowercase());
    let rest = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if starts && rest && !name.ends_with('_') && !name.contains("__") {
        Ok(name.to_owned())
    } else {
        Err(format!(
            "`{name}` is not snake_case: use lowercase letters, digits and single `_`, \
             starting with a letter (e.g. `add_bio`)"
        ))
    }
}

/// A version: `YYYYMMDDHHMMSS`, a valid UTC date and time.
fn version(text: &str) -> Result<u64, String> {
    let valid = text.len() == 14
        && text.bytes().all(|b| b.is_ascii_digit())
        && chrono::NaiveDateTime::parse_from_str(text, "%Y%m%d%H%M%S").is_ok();
    if !valid {
        return Err(format!(
            "`{text}` is not a version: expected a UTC date and time as YYYYMMDDHHMMSS"
        ));
    }
    text.parse().map_err(|e| format!("`{text}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_versions() {
        assert!(snake_case("add_bio2").is_ok());
        for bad in ["", "AddBio", "add-bio", "_x", "x_", "a__b", "2x"] {
            assert!(snake_case(bad).is_err(), "{bad}");
        }
        assert_eq!(version("20261204120000"), Ok(20261204120000));
        for bad in ["2026120412000", "20261304120000", "2026120412000x"] {
            assert!(version(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory as _;
        Cli::command().debug_assert();
    }
}
