#!/usr/bin/env bash
# The daily loop at scale (issue 11): a generated schema of 200 models, 150 relations and 4
# clusters; how long the codegen takes as an unoptimised build script would run it, how many
# lines it writes per model, and how long `cargo check` of an app on it takes, from scratch
# (the app crate alone, its dependencies already built) and after one changed field.
#
#   bash benches/scale.sh [models]       (default 200; work in target/scale/)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
models=${1:-200}
work=${SCALE_DIR:-$root/target/scale}
app=$work/app
export CARGO_TARGET_DIR=$work/target
mkdir -p "$app/src"

cargo run -q -p switchyard-codegen --manifest-path "$root/Cargo.toml" --example scale -- "$app/schema" "$models"

cat > "$app/Cargo.toml" <<TOML
[package]
name = "scale-app"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
switchyard = { path = "$root/runtime" }

[build-dependencies]
switchyard-codegen = { path = "$root/codegen" }

[workspace]
TOML
echo 'fn main() { switchyard_codegen::build("schema"); }' > "$app/build.rs"
echo 'pub mod db { switchyard::include_generated!(); }' > "$app/src/lib.rs"

# Seconds a command takes; its output only if it fails (then the script stops).
seconds() {
    local start=$EPOCHREALTIME log
    log=$(mktemp)
    if ! "$@" > "$log" 2>&1; then
        cat "$log" >&2
        return 1
    fi
    rm -f "$log"
    awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $start }"
}
# Dependencies first, so the figures are the app's own.
(cd "$app" && cargo check -q)
(cd "$app" && cargo clean -q -p scale-app)
clean=$(cd "$app" && seconds cargo check)
# One changed field: the declarations change, so codegen reruns and the crate is checked again.
sed -i '0,/^count = /s//count_total = /' "$app/schema/models_00.toml"
changed=$(cd "$app" && seconds cargo check)
sed -i '0,/^count_total = /s//count = /' "$app/schema/models_00.toml"
# A file in schema/ that is not a declaration: should cost nothing.
touch "$app/schema/.notes.swp"
other=$(cd "$app" && seconds cargo check)
rm -f "$app/schema/.notes.swp"
echo "cargo check of the app: ${clean}s from scratch, ${changed}s after one changed field, ${other}s after touching a non-declaration file"
