#!/usr/bin/env bash
# Refresh the seed corpus of the `front_end` fuzz target from the repository's declaration
# files: each schema directory becomes one input, its files joined by `#---` lines (the
# separator the target splits on), plus one input per file.
set -euo pipefail
cd "$(dirname "$0")/.."
out=fuzz/corpus/front_end
mkdir -p "$out"
for dir in schema tests/schema codegen/tests/snapshots/small; do
    name=$(echo "$dir" | tr '/' '-')
    first=1
    : > "$out/seed-$name"
    for file in $(find "$dir" -name '*.toml' | sort); do
        if [ $first -eq 0 ]; then printf '\n#---\n' >> "$out/seed-$name"; fi
        cat "$file" >> "$out/seed-$name"
        first=0
        cp "$file" "$out/seed-$(echo "$file" | tr '/' '-')"
    done
done
ls "$out" | wc -l | xargs echo "seeds in $out:"
