//! Generates the sharding benchmark's data layer (`switchyard_benches::fleet`) from the
//! declarations in `schema/`: one cluster hashed over four shards.

fn main() {
    switchyard_codegen::build("schema");
}
