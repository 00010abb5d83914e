#!/usr/bin/env python3
"""Print the ratio table of the `crud` criterion benchmark as markdown.

Reads target/criterion/<operation>/<switchyard|sqlx>/<backend>/new/estimates.json (written by
`cargo bench -p switchyard-benches --bench crud`) and prints, per operation and backend, the
mean time per operation of each side with criterion's 95% confidence interval, the ratio of
the means (switchyard / sqlx) and the ratio of the medians.

Usage: python3 benches/report.py [path/to/target/criterion]
"""

import json
import sys
from pathlib import Path

OPERATIONS = ["find_by_key", "filter_100_rows", "insert_1", "insert_1000"]
BACKENDS = ["sqlite", "postgres", "mysql"]
GOAL = 1.05


def load(root, op, side, backend):
    path = root / op / side / backend / "new" / "estimates.json"
    if not path.exists():
        return None
    with path.open() as f:
        return json.load(f)


def fmt(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.3f} ms"
    return f"{ns / 1e3:.1f} µs"


def fmt_ci(est):
    ci = est["mean"]["confidence_interval"]
    return f"{fmt(est['mean']['point_estimate'])} ({fmt(ci['lower_bound'])}–{fmt(ci['upper_bound'])})"


def main():
    default = Path(__file__).resolve().parent.parent / "target" / "criterion"
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    print("| operation | backend | switchyard mean (95% CI) | sqlx mean (95% CI) "
          "| ratio of means | ratio of medians | ≤ 1.05× |")
    print("|---|---|---:|---:|---:|---:|:---:|")
    found = False
    for op in OPERATIONS:
        for backend in BACKENDS:
            ours = load(root, op, "switchyard", backend)
            theirs = load(root, op, "sqlx", backend)
            if ours is None or theirs is None:
                continue
            found = True
            mean = ours["mean"]["point_estimate"] / theirs["mean"]["point_estimate"]
            med = ours["median"]["point_estimate"] / theirs["median"]["point_estimate"]
            ok = "yes" if mean <= GOAL else "no"
            print(f"| {op} | {backend} | {fmt_ci(ours)} | {fmt_ci(theirs)} "
                  f"| {mean:.3f}× | {med:.3f}× | {ok} |")
    if not found:
        sys.exit(f"no criterion results under {root}: run "
                 "`cargo bench -p switchyard-benches --bench crud` first")


if __name__ == "__main__":
    main()
