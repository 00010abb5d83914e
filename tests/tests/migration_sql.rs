//! The SQL the migration differ writes runs on every backend and keeps data: a table evolves
//! through renames, type changes, added and dropped columns and indexes (SQLite rebuilding the
//! table where it cannot alter it), rows written before survive, and the reversed operations
//! bring the first shape back with the rows still there.

use std::collections::BTreeMap;

use switchyard::__private::Conn;
use switchyard::{Error, Transaction};
use switchyard_codegen::migrate::{
    Column, IndexDef, Operation, Renames, SchemaState, Step, Table, diff, steps,
};
use switchyard_codegen::model::{DefaultValue, FieldType};
use switchyard_tests::backend_test;
use switchyard_tests::harness::{Backend, TestDb};

fn column(name: &str, ty: FieldType) -> Column {
    Column {
        name: name.to_owned(),
        ty,
        nullable: false,
        primary_key: false,
        unique: false,
        default: None,
    }
}

fn table(columns: Vec<Column>, indexes: &[IndexDef]) -> SchemaState {
    let mut state = SchemaState::default();
    state.tables.insert(
        "mig_users".to_owned(),
        Table {
            columns,
            indexes: indexes
                .iter()
                .map(|i| (i.name.clone(), i.clone()))
                .collect::<BTreeMap<_, _>>(),
        },
    );
    state
}

fn first_shape() -> SchemaState {
    table(
        vec![
            Column {
                primary_key: true,
                ..column("id", FieldType::I64)
            },
            Column {
                unique: true,
                ..column("username", FieldType::String)
            },
            Column {
                default: Some(DefaultValue::Int(0)),
                ..column("karma", FieldType::I32)
            },
            Column {
                nullable: true,
                ..column("old_note", FieldType::Text)
            },
        ],
        &[],
    )
}

fn second_shape() -> SchemaState {
    table(
        vec![
            Column {
                primary_key: true,
                ..column("id", FieldType::I64)
            },
            Column {
                unique: true,
                ..column("handle", FieldType::String)
            },
            Column {
                default: Some(DefaultValue::Int(1)),
                ..column("karma", FieldType::I64)
            },
            Column {
                default: Some(DefaultValue::Int(3)),
                ..column("score", FieldType::I32)
            },
            Column {
                unique: true,
                nullable: true,
                ..column("code", FieldType::String)
            },
            Column {
                nullable: true,
                default: Some(DefaultValue::Now),
                ..column("seen_at", FieldType::DateTime)
            },
        ],
        &[IndexDef {
            name: "mig_users_karma_idx".into(),
            columns: vec!["karma".into()],
            unique: false,
        }],
    )
}

/// Run each step in a transaction, as the migrator does: one connection sees its own schema
/// changes (a SQLite rebuild renames a table it just dropped the old one of).
async fn apply(t: &TestDb, steps: &[Step]) {
    let handle = t.db.primary().handle().clone();
    for step in steps {
        let statements = match t.backend {
            Backend::Sqlite => &step.sqlite,
            Backend::Postgres => &step.postgres,
            Backend::MySql => &step.mysql,
        };
        let mut tx = Transaction::begin(&handle).await.expect("begin");
        let mut conn = Conn::Tx(&mut tx);
        for sql in statements
            .as_deref()
            .expect("structural steps render everywhere")
        {
            let args = conn.args();
            conn.execute(sql.clone(), args)
                .await
                .unwrap_or_else(|e| panic!("{}: {sql}: {e}", step.describe));
        }
        tx.commit().await.expect("commit");
    }
}

/// How many rows match `condition` (counted by deleting them: the raw API returns counts).
async fn matching(t: &TestDb, condition: &str) -> Result<u64, Error> {
    t.db.primary()
        .handle()
        .execute_raw(format!("DELETE FROM mig_users WHERE {condition}"))
        .await
}

backend_test! {
    async fn a_table_evolves_and_rolls_back_with_its_rows(t) {
        let mut state = SchemaState::default();
        let create = diff(&state, &first_shape(), &Renames::default());
        let first = steps(&mut state, &create.operations).expect("create");
        apply(t, &first).await;
        t.db.primary()
            .handle()
            .execute_raw("INSERT INTO mig_users (username, karma, old_note) VALUES ('ada', 5, 'n1'), ('bob', 7, NULL), ('cy', 9, NULL)")
            .await
            .expect("rows before");

        let mut renames = Renames::default();
        renames.columns.insert(("mig_users".into(), "handle".into()), "username".into());
        let evolve = diff(&state, &second_shape(), &renames);
        assert!(evolve.operations.iter().any(Operation::is_destructive), "drops old_note");
        let second = steps(&mut state, &evolve.operations).expect("evolve");
        apply(t, &second).await;

        // Rows kept their values under the new names and types; new columns got defaults.
        assert_eq!(matching(t, "handle = 'ada' AND karma = 5 AND score = 3 AND code IS NULL").await.expect("ada"), 1);
        // The new shape works: a 64-bit karma, a unique code, the index.
        t.db.primary()
            .handle()
            .execute_raw("INSERT INTO mig_users (handle, karma, code) VALUES ('dee', 5000000000, 'x')")
            .await
            .expect("a row in the new shape");
        let again = t.db.primary()
            .handle()
            .execute_raw("INSERT INTO mig_users (handle, code) VALUES ('eve', 'x')")
            .await;
        assert!(again.is_err(), "code is unique");
        assert_eq!(matching(t, "handle = 'dee' AND karma = 5000000000 AND score = 3").await.expect("dee"), 1);

        // Back to the first shape, operation by operation in reverse.
        let back: Vec<Operation> = evolve.operations.iter().rev().map(|op| op.reverse().expect("structural")).collect();
        let third = steps(&mut state, &back).expect("reverse");
        assert_eq!(diff(&state, &first_shape(), &Renames::default()).operations, []);
        apply(t, &third).await;
        assert_eq!(matching(t, "username = 'bob' AND karma = 7").await.expect("bob"), 1);
        assert!(matching(t, "handle = 'cy'").await.is_err(), "handle is gone");
        assert_eq!(matching(t, "username = 'cy' AND karma = 9 AND old_note IS NULL").await.expect("cy"), 1);
    }
}
