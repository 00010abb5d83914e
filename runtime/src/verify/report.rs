//! What a verification found: per database, every difference from the declarations, in the
//! declarations' terms, and the tables no declaration has.

use std::fmt;

use super::defaults::Declared;
use super::expected::FieldType;
use crate::error::{Error, Target};

/// One way a database differs from the declarations.
///
/// Names are the database's (table, column and index names as declared with `table`,
/// `column`, `name`); types and defaults are the declarations', next to what the database has
/// in its own terms.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Difference {
    /// A declared table the database does not have.
    MissingTable {
        /// The table.
        table: String,
    },
    /// A declared column the table does not have.
    MissingColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Its declared type.
        declared: FieldType,
    },
    /// A column no declaration has.
    UnexpectedColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Its type, in the database's terms.
        found: String,
    },
    /// The column's type is not what its declared type creates.
    Type {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The declared type.
        declared: FieldType,
        /// The database's type name (`text`, `longtext`, `INTEGER`).
        found: String,
        /// The declared type that creates `found`, when exactly one does.
        found_as: Option<FieldType>,
    },
    /// A string or text column does not compare by bytes (PostgreSQL `COLLATE "C"`, MariaDB
    /// `utf8mb4_nopad_bin`).
    Collation {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The collation the declarations create.
        declared: &'static str,
        /// The column's collation.
        found: Option<String>,
    },
    /// The column accepts NULL and is declared not to, or the reverse.
    Nullability {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// `nullable = true` in the declaration.
        declared_nullable: bool,
    },
    /// The column's default is not the declared one.
    Default {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The column's declared type.
        ty: FieldType,
        /// The declared default as written (`basic`, `now`, `0`), if any.
        declared: Option<&'static str>,
        /// The database's default expression (`'basic'::character varying`), if any.
        found: Option<String>,
    },
    /// An integer primary key the database does not assign, or a column it assigns that is
    /// not one (identity on PostgreSQL, `AUTO_INCREMENT` on MariaDB, the rowid on SQLite).
    KeyAssignment {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Whether the declarations have the database assign it.
        declared: bool,
    },
    /// The table's primary key is on other columns (or it has none).
    PrimaryKey {
        /// The table.
        table: String,
        /// The declared key's columns.
        declared: Vec<String>,
        /// The database's key's columns (empty: no primary key).
        found: Vec<String>,
    },
    /// The column is unique and is declared not to be, or the reverse (a unique constraint
    /// or unique index on that one column, not declared as an index).
    Unique {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// `unique = true` in the declaration.
        declared: bool,
    },
    /// A declared index the table does not have (by name).
    MissingIndex {
        /// The table.
        table: String,
        /// The index.
        index: String,
        /// Its declared columns.
        columns: Vec<String>,
        /// Declared unique.
        unique: bool,
    },
    /// An index no declaration has (a unique index on one column counts as that column's
    /// `unique` instead).
    UnexpectedIndex {
        /// The table.
        table: String,
        /// The index.
        index: String,
        /// Its columns (`<expression>` for an expression).
        columns: Vec<String>,
        /// Whether it is unique.
        unique: bool,
    },
    /// A declared index exists with other columns or another uniqueness.
    Index {
        /// The table.
        table: String,
        /// The index.
        index: String,
        /// Declared columns.
        declared_columns: Vec<String>,
        /// Declared unique.
        declared_unique: bool,
        /// The database's columns.
        found_columns: Vec<String>,
        /// Whether the database's index is unique.
        found_unique: bool,
    },
}

impl Difference {
    /// The table the difference is in.
    pub fn table(&self) -> &str {
        match self {
            Difference::MissingTable { table }
            | Difference::MissingColumn { table, .. }
            | Difference::UnexpectedColumn { table, .. }
            | Difference::Type { table, .. }
            | Difference::Collation { table, .. }
            | Difference::Nullability { table, .. }
            | Difference::Default { table, .. }
            | Difference::KeyAssignment { table, .. }
            | Difference::PrimaryKey { table, .. }
            | Difference::Unique { table, .. }
            | Difference::MissingIndex { table, .. }
            | Difference::UnexpectedIndex { table, .. }
            | Difference::Index { table, .. } => table,
        }
    }
}

struct Columns<'a>(&'a [String]);

impl fmt::Display for Columns<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none");
        }
        f.write_str("(")?;
        for (i, column) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "`{column}`")?;
        }
        f.write_str(")")
    }
}

fn unique(unique: bool) -> &'static str {
    if unique { "unique " } else { "" }
}

fn nullable(nullable: bool) -> &'static str {
    if nullable { "nullable" } else { "NOT NULL" }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::MissingTable { table } => write!(f, "table `{table}`: missing"),
            Difference::MissingColumn {
                table,
                column,
                declared,
            } => write!(
                f,
                "table `{table}`, column `{column}`: missing (declared {declared})"
            ),
            Difference::UnexpectedColumn {
                table,
                column,
                found,
            } => write!(
                f,
                "table `{table}`, column `{column}`: not declared (found `{found}`)"
            ),
            Difference::Type {
                table,
                column,
                declared,
                found,
                found_as,
            } => {
                write!(
                    f,
                    "table `{table}`, column `{column}`: type differs: declared {declared}, found "
                )?;
                match found_as {
                    Some(ty) => write!(f, "{ty} (`{found}`)"),
                    None => write!(f, "`{found}`"),
                }
            }
            Difference::Collation {
                table,
                column,
                declared,
                found,
            } => write!(
                f,
                "table `{table}`, column `{column}`: collation differs: declared `{declared}`, \
                 found {}",
                found
                    .as_deref()
                    .map_or_else(|| "none".to_owned(), |c| format!("`{c}`"))
            ),
            Difference::Nullability {
                table,
                column,
                declared_nullable,
            } => write!(
                f,
                "table `{table}`, column `{column}`: nullability differs: declared {}, found {}",
                nullable(*declared_nullable),
                nullable(!declared_nullable)
            ),
            Difference::Default {
                table,
                column,
                ty,
                declared,
                found,
            } => {
                write!(
                    f,
                    "table `{table}`, column `{column}`: default differs: declared "
                )?;
                match declared {
                    Some(d) => write!(f, "{}", Declared(*ty, d))?,
                    None => f.write_str("none")?,
                }
                match found {
                    Some(d) => write!(f, ", found `{d}`"),
                    None => f.write_str(", found none"),
                }
            }
            Difference::KeyAssignment {
                table,
                column,
                declared,
            } => {
                let assigned = |yes: bool| {
                    if yes {
                        "assigned by the database"
                    } else {
                        "not assigned by the database"
                    }
                };
                write!(
                    f,
                    "table `{table}`, column `{column}`: key assignment differs: declared {}, \
                     found {}",
                    assigned(*declared),
                    assigned(!declared)
                )
            }
            Difference::PrimaryKey {
                table,
                declared,
                found,
            } => write!(
                f,
                "table `{table}`: primary key differs: declared {}, found {}",
                Columns(declared),
                Columns(found)
            ),
            Difference::Unique {
                table,
                column,
                declared,
            } => {
                let says = |yes: bool| if yes { "unique" } else { "not unique" };
                write!(
                    f,
                    "table `{table}`, column `{column}`: uniqueness differs: declared {}, found {}",
                    says(*declared),
                    says(!declared)
                )
            }
            Difference::MissingIndex {
                table,
                index,
                columns,
                unique: u,
            } => write!(
                f,
                "table `{table}`, index `{index}`: missing (declared {}on {})",
                unique(*u),
                Columns(columns)
            ),
            Difference::UnexpectedIndex {
                table,
                index,
                columns,
                unique: u,
            } => write!(
                f,
                "table `{table}`, index `{index}`: not declared (found {}on {})",
                unique(*u),
                Columns(columns)
            ),
            Difference::Index {
                table,
                index,
                declared_columns,
                declared_unique,
                found_columns,
                found_unique,
            } => write!(
                f,
                "table `{table}`, index `{index}`: differs: declared {}on {}, found {}on {}",
                unique(*declared_unique),
                Columns(declared_columns),
                unique(*found_unique),
                Columns(found_columns)
            ),
        }
    }
}

/// One database (a shard's writer) compared with its cluster's declarations.
#[derive(Debug)]
pub struct DatabaseDrift {
    /// Cluster, shard, the writer and its redacted server.
    pub target: Target,
    /// Every difference, table by table in declaration order.
    pub differences: Vec<Difference>,
    /// Tables the database has and no declaration of the cluster has: not drift (they may
    /// belong to another app), listed for information. The migrator's version table is left
    /// out.
    pub undeclared_tables: Vec<String>,
    /// Why the catalog could not be read, if it could not; the database is then unverified.
    pub error: Option<Error>,
}

impl DatabaseDrift {
    /// Read, and no difference.
    pub fn is_clean(&self) -> bool {
        self.error.is_none() && self.differences.is_empty()
    }
}

impl fmt::Display for DatabaseDrift {
    /// A line for the database, then one per difference and one per undeclared table.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.target)?;
        match (&self.error, self.differences.len()) {
            (Some(e), _) => write!(f, "not verified: {e}")?,
            (None, 0) => f.write_str("matches the declarations")?,
            (None, 1) => f.write_str("1 difference")?,
            (None, n) => write!(f, "{n} differences")?,
        }
        for difference in &self.differences {
            write!(f, "\n  {difference}")?;
        }
        for table in &self.undeclared_tables {
            write!(f, "\n  note: table `{table}` is not declared (not checked)")?;
        }
        Ok(())
    }
}

/// Where each database of one or several clusters differs from the declarations.
#[derive(Debug, Default)]
pub struct DriftReport {
    /// One entry per database verified, in shard order (cluster by cluster when combined).
    pub databases: Vec<DatabaseDrift>,
}

impl DriftReport {
    /// Every database was read and matches its declarations (undeclared tables aside).
    pub fn is_clean(&self) -> bool {
        self.databases.iter().all(DatabaseDrift::is_clean)
    }

    /// Whether some database could not be read (its [`DatabaseDrift::error`]).
    pub fn has_errors(&self) -> bool {
        self.databases.iter().any(|d| d.error.is_some())
    }

    /// Every difference, with the database it is in.
    pub fn differences(&self) -> impl Iterator<Item = (&Target, &Difference)> {
        self.databases
            .iter()
            .flat_map(|d| d.differences.iter().map(move |x| (&d.target, x)))
    }

    /// One report of several verifications (one per cluster): every database of each, in
    /// order. The first error wins.
    pub fn combine(
        reports: impl IntoIterator<Item = crate::error::Result<DriftReport>>,
    ) -> crate::error::Result<DriftReport> {
        let mut all = DriftReport::default();
        for report in reports {
            all.databases.extend(report?.databases);
        }
        Ok(all)
    }
}

impl fmt::Display for DriftReport {
    /// Each database's lines, database after database.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, database) in self.databases.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{database}")?;
        }
        Ok(())
    }
}
