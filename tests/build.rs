//! Generates the test data layer from the declarations in `schema/`.
fn main() {
    switchyard_codegen::build("schema");
}
