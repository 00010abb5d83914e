//! Golden snapshot of the generated code: the declarations in `tests/snapshots/small/` must
//! generate exactly `tests/snapshots/small.rs`.
//!
//! The snapshot is also compiled, against the real runtime, by the tests crate
//! (`tests/tests/snapshot_compiles.rs`), so an accepted snapshot is known to type-check.
//!
//! After an intended change to the generated code, rewrite the snapshot and review its diff:
//!
//! ```text
//! SWITCHYARD_UPDATE_SNAPSHOTS=1 cargo test -p switchyard-codegen --test snapshot
//! git diff codegen/tests/snapshots/
//! ```

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Set to `1` to rewrite the snapshots instead of comparing against them.
const UPDATE_VAR: &str = "SWITCHYARD_UPDATE_SNAPSHOTS";

/// Lines of unchanged text shown around each change in a mismatch report.
const CONTEXT: usize = 3;

/// Changed lines shown at most in a mismatch report (the rest is only counted).
const MAX_SHOWN: usize = 80;

#[test]
fn small_schema() {
    check_snapshot("small");
}

/// Generate from `tests/snapshots/<name>/` and compare with `tests/snapshots/<name>.rs`.
fn check_snapshot(name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("snapshots");
    let schema_dir = dir.join(name);
    let schema = switchyard_codegen::load(&schema_dir).unwrap_or_else(|e| {
        panic!(
            "the snapshot schema {} is invalid:\n{e}",
            schema_dir.display()
        )
    });
    let actual = switchyard_codegen::generate_source(&schema)
        .unwrap_or_else(|e| panic!("generating from {} failed:\n{e}", schema_dir.display()));
    let path = dir.join(format!("{name}.rs"));

    if update_requested() {
        write_snapshot(&path, &actual);
        return;
    }

    let expected = match std::fs::read_to_string(&path) {
        // A checkout with CRLF line endings must not make every line differ.
        Ok(text) => text.replace("\r\n", "\n"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "snapshot {} does not exist yet.\n{}",
            path.display(),
            instructions(&path)
        ),
        Err(e) => panic!("cannot read snapshot {}: {e}", path.display()),
    };
    if expected != actual {
        panic!(
            "generated code differs from snapshot {}\n\n{}\n{}",
            path.display(),
            diff(&expected, &actual),
            instructions(&path)
        );
    }
}

fn update_requested() -> bool {
    std::env::var_os(UPDATE_VAR).is_some_and(|v| !v.is_empty() && v != "0")
}

fn write_snapshot(path: &Path, text: &str) {
    let unchanged =
        std::fs::read_to_string(path).is_ok_and(|old| old.replace("\r\n", "\n") == text);
    if unchanged {
        eprintln!("snapshot {} is up to date", path.display());
        return;
    }
    std::fs::write(path, text)
        .unwrap_or_else(|e| panic!("cannot write snapshot {}: {e}", path.display()));
    eprintln!(
        "snapshot {} rewritten ({UPDATE_VAR} is set); review its diff",
        path.display()
    );
}

fn instructions(path: &Path) -> String {
    let relative: PathBuf = path
        .strip_prefix(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .unwrap_or(Path::new("")),
        )
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf());
    format!(
        "If the change to the generated code is intended, rewrite the snapshot with\n\n    \
         {UPDATE_VAR}=1 cargo test -p switchyard-codegen --test snapshot\n\n\
         then review `git diff {}` and make sure the tests crate still compiles it:\n\n    \
         cargo test -p switchyard-tests --test snapshot_compiles\n",
        relative.display()
    )
}

/// One line of a line diff.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Line<'a> {
    /// In both texts: line numbers in the snapshot and in the new output.
    Same(usize, usize, &'a str),
    /// Only in the snapshot.
    Removed(usize, &'a str),
    /// Only in the new output.
    Added(usize, &'a str),
}

/// A readable line diff of `expected` (the snapshot) against `actual` (the new output): only
/// the changes with a little context, `-` for snapshot lines and `+` for generated lines.
fn diff(expected: &str, actual: &str) -> String {
    let lines = diff_lines(expected, actual);
    let changed: Vec<usize> = (0..lines.len())
        .filter(|&i| !matches!(lines[i], Line::Same(..)))
        .collect();
    let mut out = format!(
        "{} changed line(s); columns: line in the snapshot, line in the generated code\n\
         --- snapshot (expected)\n+++ generated (actual)\n",
        changed.len()
    );
    let visible = |i: usize| {
        changed
            .iter()
            .any(|&c| i + CONTEXT >= c && i <= c + CONTEXT)
    };
    let mut shown = 0;
    let mut last: Option<usize> = None;
    for (i, line) in lines.iter().enumerate() {
        if !visible(i) {
            continue;
        }
        if shown >= MAX_SHOWN {
            let rest = changed.iter().filter(|&&c| c >= i).count();
            let _ = writeln!(out, "... and {rest} more changed line(s)");
            break;
        }
        if last.is_some_and(|l| l + 1 != i) {
            out.push_str("...\n");
        }
        last = Some(i);
        let _ = match *line {
            Line::Same(e, a, text) => writeln!(out, "{:>5} {:>5}   {text}", e + 1, a + 1),
            Line::Removed(e, text) => {
                shown += 1;
                writeln!(out, "{:>5} {:>5} - {text}", e + 1, "")
            }
            Line::Added(a, text) => {
                shown += 1;
                writeln!(out, "{:>5} {:>5} + {text}", "", a + 1)
            }
        };
    }
    if expected.ends_with('\n') != actual.ends_with('\n') {
        out.push_str("(the texts also differ in their final newline)\n");
    }
    out
}

/// The lines of both texts aligned by a longest common subsequence, computed on the part
/// between the common prefix and suffix (small for a typical change).
fn diff_lines<'a>(expected: &'a str, actual: &'a str) -> Vec<Line<'a>> {
    let old: Vec<&str> = expected.lines().collect();
    let new: Vec<&str> = actual.lines().collect();
    let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let (o, n) = (
        &old[prefix..old.len() - suffix],
        &new[prefix..new.len() - suffix],
    );

    let mut lines: Vec<Line<'a>> = (0..prefix).map(|i| Line::Same(i, i, old[i])).collect();
    if o.len().saturating_mul(n.len()) > 16_000_000 {
        // Too large to align: show the whole middle as removed, then added.
        lines.extend(
            o.iter()
                .enumerate()
                .map(|(i, t)| Line::Removed(prefix + i, t)),
        );
        lines.extend(
            n.iter()
                .enumerate()
                .map(|(i, t)| Line::Added(prefix + i, t)),
        );
    } else {
        // lcs[i][j]: length of the longest common subsequence of o[i..] and n[j..].
        let mut lcs = vec![vec![0u32; n.len() + 1]; o.len() + 1];
        for i in (0..o.len()).rev() {
            for j in (0..n.len()).rev() {
                lcs[i][j] = if o[i] == n[j] {
                    lcs[i + 1][j + 1] + 1
                } else {
                    lcs[i + 1][j].max(lcs[i][j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < o.len() || j < n.len() {
            if i < o.len() && j < n.len() && o[i] == n[j] {
                lines.push(Line::Same(prefix + i, prefix + j, o[i]));
                i += 1;
                j += 1;
            } else if i < o.len() && (j == n.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
                lines.push(Line::Removed(prefix + i, o[i]));
                i += 1;
            } else {
                lines.push(Line::Added(prefix + j, n[j]));
                j += 1;
            }
        }
    }
    let (old_tail, new_tail) = (old.len() - suffix, new.len() - suffix);
    lines.extend((0..suffix).map(|k| Line::Same(old_tail + k, new_tail + k, old[old_tail + k])));
    lines
}

#[test]
fn diff_shows_changed_lines_with_context() {
    let expected = "a\nb\nc\nd\ne\nf\ng\nh\n";
    let actual = "a\nb\nc\nd\nE\nf\ng\nh\ni\n";
    let report = diff(expected, actual);
    assert!(report.starts_with("3 changed line(s)"), "{report}");
    assert!(
        report.contains("    5       - e\n          5 + E\n"),
        "{report}"
    );
    assert!(report.contains("          9 + i\n"), "{report}");
    assert!(report.contains("    2     2   b\n"), "{report}");
    assert!(!report.contains("   a\n"), "{report}");
}
