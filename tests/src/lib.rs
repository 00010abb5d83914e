//! Integration tests of switchyard: generated code from `schema/`, and a harness that runs
//! each test against SQLite and, when configured, PostgreSQL and MySQL/MariaDB.

pub mod harness;

/// Code generated from `tests/schema/`.
pub mod db {
    switchyard::include_generated!();
}

/// The two versions of the schema-evolution test's declarations (`evolution/v1`, `v2`), each
/// with its migrations.
pub mod evolution {
    /// Version 1.
    pub mod v1 {
        switchyard::include_generated!("evolution_v1.rs");
    }

    /// Version 2.
    pub mod v2 {
        switchyard::include_generated!("evolution_v2.rs");
    }
}
