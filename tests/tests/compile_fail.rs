//! Misuses of the generated API that must not compile, with the errors they give (`ui/`).
//!
//! After an intended change of an error message, regenerate the expected output with
//! `TRYBUILD=overwrite cargo test -p switchyard-tests --test compile_fail` and review the diff
//! of `tests/ui/*.stderr`.

#[test]
fn compile_fail() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*.rs");
}
