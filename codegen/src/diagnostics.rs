//! Problems found in the declarations, located in their source and rendered like rustc's.
//!
//! Every stage reports into one `Report` instead of returning early, so a single run lists
//! every problem. A [`Diagnostic`] is resolved to line and column when it is created (the source
//! text is at hand then), which keeps rendering a pure formatting step.

mod suggest;

use std::cell::OnceCell;
use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

use crate::parse::SourceFile;

pub use suggest::did_you_mean;

/// One problem, located in a declaration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, as given to the generator.
    pub path: PathBuf,
    /// 1-based line of the start of the offending span.
    pub line: usize,
    /// 1-based column (in characters) of the start of the offending span.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is something useful to say.
    pub hint: Option<String>,
    /// The text of the line the span starts on, without its line break.
    pub source_line: String,
    /// Length of the span in characters, clamped to the line and at least 1 (the caret width).
    pub span_len: usize,
    /// Byte offset of the span, to list problems in source order.
    offset: usize,
    /// Byte offset of the start of `source_line`, to mask secrets on it.
    line_start: usize,
    /// Index of the file in its run, when located by a `Report`.
    file: Option<usize>,
}

impl Diagnostic {
    /// A diagnostic for the byte range `span` of `text` (the contents of `path`).
    ///
    /// The span comes from user input by way of the TOML parser, so it is clamped to the text and
    /// to character boundaries rather than trusted.
    pub fn new(path: PathBuf, text: &str, span: Range<usize>, message: impl Into<String>) -> Self {
        let start = floor_char_boundary(text, span.start);
        let line = text[..start].matches('\n').count() + 1;
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        Self::on_line(path, text, span, line, line_start, message.into())
    }

    /// A diagnostic for `span`, whose start is on 1-based line `line`, which starts at byte
    /// `line_start` (found by the caller, in a line index for many diagnostics of one file).
    fn on_line(
        path: PathBuf,
        text: &str,
        span: Range<usize>,
        line: usize,
        line_start: usize,
        message: String,
    ) -> Self {
        let start = floor_char_boundary(text, span.start);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let source_line = text[line_start..line_end].trim_end_matches('\r');
        // `min` then `max` rather than `clamp`: a span starting on the `\r` has start > end.
        let end = floor_char_boundary(text, span.end)
            .min(line_start + source_line.len())
            .max(start);
        Diagnostic {
            path,
            line,
            column: text[line_start..start].chars().count() + 1,
            message,
            hint: None,
            source_line: source_line.to_owned(),
            span_len: text[start..end].chars().count().max(1),
            offset: start,
            line_start,
            file: None,
        }
    }

    /// Replace the characters of the source line that belong to a secret (byte ranges of the
    /// file) or to a literal password of a URL written on the line (a syntax error on such a
    /// line is reported before URLs are checked) with `*`, so a rendered diagnostic never shows
    /// them. One `*` per character keeps the caret aligned. One pass over the line, however
    /// many secrets it holds.
    fn mask<'s>(&mut self, secrets: impl IntoIterator<Item = &'s Range<usize>>) {
        let line_end = self.line_start + self.source_line.len();
        let mut ranges: Vec<Range<usize>> = secrets
            .into_iter()
            .filter(|s| s.end > self.line_start && s.start < line_end)
            .map(|s| s.start.saturating_sub(self.line_start)..s.end.min(line_end) - self.line_start)
            .chain(crate::resolve::url::passwords_in_line(&self.source_line))
            .collect();
        if ranges.is_empty() {
            return;
        }
        ranges.sort_by_key(|r| r.start);
        let mut ranges = ranges.into_iter().peekable();
        let mut current: Option<Range<usize>> = None;
        self.source_line = self
            .source_line
            .char_indices()
            .map(|(i, c)| {
                while let Some(next) = ranges.next_if(|r| r.start <= i) {
                    if current.as_ref().is_none_or(|r| next.end > r.end) {
                        current = Some(next);
                    }
                }
                if current.as_ref().is_some_and(|r| r.contains(&i)) {
                    '*'
                } else {
                    c
                }
            })
            .collect();
    }

    /// Attach a hint (shown as `= help: ...`).
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// `path:line:column`, the way the message of a later diagnostic refers to this place.
    pub fn position(&self) -> String {
        format!("{}:{}:{}", self.path.display(), self.line, self.column)
    }
}

/// The largest char boundary of `text` at or before `offset` (clamped to the text).
fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let number = self.line.to_string();
        let gutter = " ".repeat(number.len());
        writeln!(f, "{}: error: {}", self.position(), self.message)?;
        writeln!(f, "{gutter} |")?;
        writeln!(f, "{number} | {}", self.source_line)?;
        // Repeat tabs from the source line so the caret lines up however tabs are rendered.
        let indent: String = self
            .source_line
            .chars()
            .take(self.column.saturating_sub(1))
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        write!(f, "{gutter} | {indent}{}", "^".repeat(self.span_len))?;
        if let Some(hint) = &self.hint {
            write!(f, "\n{gutter} = help: {hint}")?;
        }
        Ok(())
    }
}

/// Most problems shown per file; the others are counted ("and N more"). A file of thousands of
/// broken lines gets a readable report, and one that is quick to produce.
pub const MAX_PER_FILE: usize = 20;

/// Every problem found in one run, in source order: at most [`MAX_PER_FILE`] per file, and how
/// many more each file had.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics {
    shown: Vec<Diagnostic>,
    /// Files with more than `MAX_PER_FILE` problems, in file order, and how many were not shown.
    omitted: Vec<(PathBuf, usize)>,
}

impl Diagnostics {
    /// The problems shown, in source order.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.shown.iter()
    }

    /// How many problems are shown.
    pub fn len(&self) -> usize {
        self.shown.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.shown.is_empty() && self.omitted.is_empty()
    }

    /// How many problems were found but not shown (beyond [`MAX_PER_FILE`] in a file).
    pub fn omitted(&self) -> usize {
        self.omitted.iter().map(|(_, n)| n).sum()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let omitted_in = |path: &std::path::Path| {
            self.omitted
                .iter()
                .find(|(p, _)| p == path)
                .map_or(0, |(_, n)| *n)
        };
        for (i, diagnostic) in self.shown.iter().enumerate() {
            writeln!(f, "{diagnostic}\n")?;
            let last_of_file = self
                .shown
                .get(i + 1)
                .is_none_or(|next| next.path != diagnostic.path);
            let more = omitted_in(&diagnostic.path);
            if last_of_file && more > 0 {
                let s = if more == 1 { "" } else { "s" };
                writeln!(
                    f,
                    "{}: and {more} more problem{s} in this file (the first {MAX_PER_FILE} are shown)\n",
                    diagnostic.path.display()
                )?;
            }
        }
        match self.shown.len() + self.omitted() {
            1 => write!(f, "error: 1 problem in the declarations"),
            n => write!(f, "error: {n} problems in the declarations"),
        }
    }
}

/// A place in one of the files of a run: the file's index in the run and a byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Loc {
    pub file: usize,
    pub span: Range<usize>,
}

/// Collects the diagnostics of one run over a set of files.
pub(crate) struct Report<'f> {
    files: &'f [SourceFile],
    found: Vec<Diagnostic>,
    /// Per file, the byte offset of each line's start, built on first use: locating a
    /// diagnostic is then a binary search, not a scan of the text before it.
    lines: Vec<OnceCell<Vec<usize>>>,
    /// Per file, spans no rendered source line may show (literal passwords).
    secrets: Vec<Vec<Range<usize>>>,
    /// Per file, problems found but not reported at all (see [`Report::omit`]).
    omitted: Vec<usize>,
    /// Per file, problems recorded so far.
    per_file: Vec<usize>,
}

impl<'f> Report<'f> {
    pub fn new(files: &'f [SourceFile]) -> Self {
        Report {
            files,
            found: Vec::new(),
            lines: files.iter().map(|_| OnceCell::new()).collect(),
            secrets: vec![Vec::new(); files.len()],
            omitted: vec![0; files.len()],
            per_file: vec![0; files.len()],
        }
    }

    /// Locate `message` at `loc` without recording it yet (to attach a hint first).
    pub fn at(&self, loc: &Loc, message: impl Into<String>) -> Diagnostic {
        let (Some(file), Some(lines)) = (self.files.get(loc.file), self.lines.get(loc.file)) else {
            return Diagnostic::new(PathBuf::new(), "", 0..0, message);
        };
        let text = &file.text;
        let starts = lines.get_or_init(|| {
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        let start = floor_char_boundary(text, loc.span.start);
        // The number of line starts at or before `start` is the 1-based line.
        let line = starts.partition_point(|&s| s <= start).max(1);
        let line_start = starts.get(line - 1).copied().unwrap_or(0);
        let mut diagnostic = Diagnostic::on_line(
            file.path.clone(),
            text,
            loc.span.clone(),
            line,
            line_start,
            message.into(),
        );
        diagnostic.file = Some(loc.file);
        diagnostic
    }

    /// Whether the file of `loc` already has [`MAX_PER_FILE`] problems, so that a hint for
    /// another is probably not shown: a caller then skips work that grows with the declarations
    /// (a "did you mean" search over every model), which would make a run over thousands of
    /// problems quadratic.
    pub fn crowded(&self, loc: &Loc) -> bool {
        self.per_file
            .get(loc.file)
            .is_some_and(|&n| n >= MAX_PER_FILE)
    }

    /// Mark `loc` as secret: no rendered source line shows its text.
    pub fn secret(&mut self, loc: &Loc) {
        if let Some(secrets) = self.secrets.get_mut(loc.file) {
            secrets.push(loc.span.clone());
        }
    }

    /// Count `n` more problems of file `file` that are not reported one by one (beyond
    /// [`MAX_PER_FILE`], locating and describing them would be wasted work).
    pub fn omit(&mut self, file: usize, n: usize) {
        if let Some(count) = self.omitted.get_mut(file) {
            *count += n;
        }
        if let Some(count) = self.per_file.get_mut(file) {
            *count += n;
        }
    }

    /// Record a finished diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        if let Some(count) = diagnostic.file.and_then(|f| self.per_file.get_mut(f)) {
            *count += 1;
        }
        self.found.push(diagnostic);
    }

    /// Record a problem without a hint.
    pub fn error(&mut self, loc: &Loc, message: impl Into<String>) {
        let diagnostic = self.at(loc, message);
        self.push(diagnostic);
    }

    /// Record a problem with a hint.
    pub fn error_with_hint(
        &mut self,
        loc: &Loc,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        let diagnostic = self.at(loc, message).with_hint(hint);
        self.push(diagnostic);
    }

    /// Record a problem with a hint computed by `hint`, unless the file is [crowded]
    /// (then without one): for hints whose cost grows with the declarations.
    ///
    /// [crowded]: Report::crowded
    pub fn error_with_costly_hint(
        &mut self,
        loc: &Loc,
        message: impl Into<String>,
        hint: impl FnOnce() -> String,
    ) {
        let diagnostic = self.at(loc, message);
        let diagnostic = if self.crowded(loc) {
            diagnostic
        } else {
            diagnostic.with_hint(hint())
        };
        self.push(diagnostic);
    }

    /// Record that something at `loc` repeats what was first declared at `first`.
    pub fn duplicate(&mut self, loc: &Loc, message: impl fmt::Display, first: &Loc) {
        let first = self.position(first);
        self.error(loc, format!("{message}; first declared at {first}"));
    }

    /// [`Report::duplicate`], with a hint for when "remove one" is not the whole story.
    pub fn duplicate_with_hint(
        &mut self,
        loc: &Loc,
        message: impl fmt::Display,
        first: &Loc,
        hint: impl Into<String>,
    ) {
        let first = self.position(first);
        self.error_with_hint(loc, format!("{message}; first declared at {first}"), hint);
    }

    /// `path:line:column` of `loc`.
    pub fn position(&self, loc: &Loc) -> String {
        self.at(loc, "").position()
    }

    /// The location of bytes `range` of `value`, the string literal written at `loc`: exact
    /// when the literal is written verbatim between its quotes (no escapes, not multi-line),
    /// else the whole literal.
    pub fn within(&self, loc: &Loc, value: &str, range: Range<usize>) -> Loc {
        let verbatim = self.source(loc).is_some_and(|raw| {
            let quoted = |q: char| raw.strip_prefix(q).and_then(|r| r.strip_suffix(q));
            quoted('"').or_else(|| quoted('\'')) == Some(value)
        });
        if !verbatim || range.end > value.len() {
            return loc.clone();
        }
        let inner = loc.span.start + 1;
        Loc {
            file: loc.file,
            span: inner + range.start..inner + range.end,
        }
    }

    /// The source text under `loc`, if the location is valid.
    pub fn source(&self, loc: &Loc) -> Option<&'f str> {
        self.files.get(loc.file)?.text.get(loc.span.clone())
    }

    /// How many problems were recorded so far (to tell whether a step added any).
    pub fn count(&self) -> usize {
        self.found.len() + self.omitted.iter().sum::<usize>()
    }

    /// All problems, in file order then source order, at most [`MAX_PER_FILE`] per file, with
    /// secrets masked.
    pub fn finish(mut self) -> Diagnostics {
        let order: Vec<&std::path::Path> = self.files.iter().map(|f| f.path.as_path()).collect();
        let file_rank = |d: &Diagnostic| {
            order
                .iter()
                .position(|p| *p == d.path)
                .unwrap_or(usize::MAX)
        };
        // Stable: problems at the same place keep the order they were found in.
        self.found.sort_by_key(|d| (file_rank(d), d.offset));
        self.found.dedup();
        let mut shown = Vec::with_capacity(self.found.len());
        let mut omitted = Vec::new();
        let mut by_file = self.found.chunk_by(|a, b| a.path == b.path).peekable();
        for (index, file) in self.files.iter().enumerate() {
            let found = match by_file.peek() {
                Some(group) if group.first().is_some_and(|d| d.path == file.path) => {
                    by_file.next().unwrap_or_default()
                }
                _ => &[],
            };
            let more = found.len().saturating_sub(MAX_PER_FILE)
                + self.omitted.get(index).copied().unwrap_or(0);
            for diagnostic in found.iter().take(MAX_PER_FILE) {
                let mut diagnostic = diagnostic.clone();
                diagnostic.mask(self.secrets.get(index).into_iter().flatten());
                shown.push(diagnostic);
            }
            if more > 0 {
                omitted.push((file.path.clone(), more));
            }
        }
        // Diagnostics of no file (a location that was not valid) come last, unmasked.
        shown.extend(by_file.flatten().cloned());
        Diagnostics { shown, omitted }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_caret_under_span() {
        let text = "[model.User.fields]\nemail = \"strng\"\n";
        let d = Diagnostic::new(
            "schema/users.toml".into(),
            text,
            28..35,
            "unknown field type \"strng\"",
        )
        .with_hint("did you mean \"string\"?");
        assert_eq!((d.line, d.column, d.span_len), (2, 9, 7));
        assert_eq!(
            d.to_string(),
            "schema/users.toml:2:9: error: unknown field type \"strng\"\n  |\n2 | email = \"strng\"\n  |         ^^^^^^^\n  = help: did you mean \"string\"?"
        );
    }

    #[test]
    fn positions_are_utf8_safe_and_clamped() {
        let text = "doc = \"héllo\"\r\nx = 1";
        // Offset 9 is inside `é`; it is floored to the boundary before it.
        let d = Diagnostic::new("f.toml".into(), text, 9..400, "m");
        assert_eq!((d.line, d.column), (1, 9));
        assert_eq!(d.source_line, "doc = \"héllo\"");
        assert_eq!(d.span_len, 5);
        let d = Diagnostic::new("f.toml".into(), text, 1000..2000, "m");
        assert_eq!((d.line, d.column, d.span_len), (2, 6, 1));
        // A reversed span, as a buggy or fuzzed input could produce.
        let reversed = Range { start: 3, end: 1 };
        let d = Diagnostic::new("f.toml".into(), "", reversed, "m");
        assert_eq!((d.line, d.column, d.span_len), (1, 1, 1));
    }

    #[test]
    fn masks_secrets_and_passwords_on_the_line() {
        let text = "a\nx = 'secret' \"y://u:pw@h\" 'more'\nb";
        let mut d = Diagnostic::new("f.toml".into(), text, 3..4, "m");
        // Overlapping and nested ranges, one outside the line.
        d.mask(&[7..13, 8..10, 0..1, 29..33, 30..31]);
        assert_eq!(d.source_line, "x = '******' \"y://u:**@h\" '****'");
    }

    #[test]
    fn tabs_are_kept_for_alignment() {
        let d = Diagnostic::new("f.toml".into(), "\tx = 1", 1..2, "m");
        assert!(d.to_string().contains("1 | \tx = 1\n  | \t^"));
    }

    #[test]
    fn summary_counts_problems() {
        let d = Diagnostic::new("f.toml".into(), "x", 0..1, "m");
        let one = Diagnostics {
            shown: vec![d.clone()],
            omitted: Vec::new(),
        };
        assert!(
            one.to_string()
                .ends_with("\n\nerror: 1 problem in the declarations")
        );
        let two = Diagnostics {
            shown: vec![d.clone(), d],
            omitted: Vec::new(),
        };
        assert!(
            two.to_string()
                .ends_with("error: 2 problems in the declarations")
        );
    }
}
