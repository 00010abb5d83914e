//! Integration tests of switchyard: generated code from `schema/`, and a harness that runs
//! each test against SQLite and, when configured, PostgreSQL and MySQL/MariaDB.

pub mod harness;

/// Code generated from `tests/schema/`.
pub mod db {
    switchyard::include_generated!();
}
