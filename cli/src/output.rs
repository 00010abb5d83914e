//! What the commands print, and how they end: exit codes scripts can rely on.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything succeeded (0).
    Ok,
    /// A database operation or a check failed, or the declarations did not load (1).
    Failed,
    /// Refused or misused: a destructive change without its flag, an unknown cluster (2).
    Refused,
}

impl Exit {
    /// The worse of two outcomes.
    pub fn and(self, other: Exit) -> Exit {
        match (self, other) {
            (Exit::Refused, _) | (_, Exit::Refused) => Exit::Refused,
            (Exit::Failed, _) | (_, Exit::Failed) => Exit::Failed,
            _ => Exit::Ok,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(match exit {
            Exit::Ok => 0,
            Exit::Failed => 1,
            Exit::Refused => 2,
        })
    }
}

/// A command that stopped: the message (printed as `error: …`) and the exit code.
#[derive(Debug)]
pub struct Failure {
    /// How it ends.
    pub exit: Exit,
    /// Why, for people.
    pub message: String,
}

impl Failure {
    /// A failed operation or check (exit 1).
    pub fn failed(message: impl Into<String>) -> Failure {
        Failure {
            exit: Exit::Failed,
            message: message.into(),
        }
    }

    /// A refusal or a usage error (exit 2).
    pub fn refused(message: impl Into<String>) -> Failure {
        Failure {
            exit: Exit::Refused,
            message: message.into(),
        }
    }
}

/// A line of normal output (stdout), flushed at once so progress shows as it happens.
pub fn line(text: impl AsRef<str>) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", text.as_ref());
    let _ = out.flush();
}

/// A warning (stderr), prefixed `warning: `.
pub fn warning(text: impl AsRef<str>) {
    let _ = writeln!(std::io::stderr().lock(), "warning: {}", text.as_ref());
}

/// An error (stderr), prefixed `error: `.
pub fn error(text: impl AsRef<str>) {
    let _ = writeln!(std::io::stderr().lock(), "error: {}", text.as_ref());
}

/// `path` relative to the current directory when it lies below it, else as is.
pub fn path(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}

/// `cluster/shard`, padded so that the lines of one command line up.
pub fn database(cluster: &str, shard: &str, width: usize) -> String {
    format!("{:<width$}", format!("{cluster}/{shard}"))
}

/// A duration as people read it in a status line.
pub fn elapsed(d: Duration) -> String {
    if d < Duration::from_secs(10) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// Rows of text as a table with aligned columns (the first row is the header).
pub fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i + 1 == row.len() {
                    c.clone()
                } else {
                    format!("{c:<width$}", width = widths[i])
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align() {
        let rows = vec![
            vec!["cluster".to_owned(), "v".to_owned()],
            vec!["a".to_owned(), "1".to_owned()],
        ];
        assert_eq!(table(&rows), "cluster  v\na        1\n");
        assert_eq!(Exit::Ok.and(Exit::Failed), Exit::Failed);
        assert_eq!(Exit::Refused.and(Exit::Failed), Exit::Refused);
    }
}
