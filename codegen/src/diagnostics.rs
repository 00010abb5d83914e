//! Problems found in the declarations, located in their source and rendered like rustc's.
//!
//! Every stage reports into one `Report` instead of returning early, so a single run lists
//! every problem. A [`Diagnostic`] is resolved to line and column when it is created (the source
//! text is at hand then), which keeps rendering a pure formatting step.

mod suggest;

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
}

impl Diagnostic {
    /// A diagnostic for the byte range `span` of `text` (the contents of `path`).
    ///
    /// The span comes from user input by way of the TOML parser, so it is clamped to the text and
    /// to character boundaries rather than trusted.
    pub fn new(path: PathBuf, text: &str, span: Range<usize>, message: impl Into<String>) -> Self {
        let start = floor_char_boundary(text, span.start);
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let source_line = text[line_start..line_end].trim_end_matches('\r');
        // `min` then `max` rather than `clamp`: a span starting on the `\r` has start > end.
        let end = floor_char_boundary(text, span.end)
            .min(line_start + source_line.len())
            .max(start);
        Diagnostic {
            path,
            line: text[..start].matches('\n').count() + 1,
            column: text[line_start..start].chars().count() + 1,
            message: message.into(),
            hint: None,
            source_line: source_line.to_owned(),
            span_len: text[start..end].chars().count().max(1),
            offset: start,
        }
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

/// Every problem found in one run, in source order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    /// The problems, in source order.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// How many problems there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
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
        for diagnostic in &self.0 {
            writeln!(f, "{diagnostic}\n")?;
        }
        match self.0.len() {
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
}

impl<'f> Report<'f> {
    pub fn new(files: &'f [SourceFile]) -> Self {
        Report {
            files,
            found: Vec::new(),
        }
    }

    /// Locate `message` at `loc` without recording it yet (to attach a hint first).
    pub fn at(&self, loc: &Loc, message: impl Into<String>) -> Diagnostic {
        match self.files.get(loc.file) {
            Some(file) => Diagnostic::new(file.path.clone(), &file.text, loc.span.clone(), message),
            None => Diagnostic::new(PathBuf::new(), "", 0..0, message),
        }
    }

    /// Record a finished diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
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

    /// Record that something at `loc` repeats what was first declared at `first`.
    pub fn duplicate(&mut self, loc: &Loc, message: impl fmt::Display, first: &Loc) {
        let first = self.position(first);
        self.error(loc, format!("{message}; first declared at {first}"));
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
        self.found.len()
    }

    /// All problems, in file order then source order.
    pub fn finish(mut self) -> Diagnostics {
        let order: Vec<&std::path::Path> = self.files.iter().map(|f| f.path.as_path()).collect();
        let file_rank = |d: &Diagnostic| order.iter().position(|p| *p == d.path);
        // Stable: problems at the same place keep the order they were found in.
        self.found.sort_by_key(|d| (file_rank(d), d.offset));
        self.found.dedup();
        Diagnostics(self.found)
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
    fn tabs_are_kept_for_alignment() {
        let d = Diagnostic::new("f.toml".into(), "\tx = 1", 1..2, "m");
        assert!(d.to_string().contains("1 | \tx = 1\n  | \t^"));
    }

    #[test]
    fn summary_counts_problems() {
        let d = Diagnostic::new("f.toml".into(), "x", 0..1, "m");
        let one = Diagnostics(vec![d.clone()]);
        assert!(
            one.to_string()
                .ends_with("\n\nerror: 1 problem in the declarations")
        );
        let two = Diagnostics(vec![d.clone(), d]);
        assert!(
            two.to_string()
                .ends_with("error: 2 problems in the declarations")
        );
    }
}
