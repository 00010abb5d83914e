//! Doc comments from declaration text.
//!
//! Declared docs are plain text: they must render as written and never become a doctest or a
//! rustdoc warning (which `cargo doc -D warnings` makes an error), whatever they contain.

use proc_macro2::TokenStream;
use quote::quote;

/// Markdown-safe plain text: what `text` says, rendered as written.
///
/// - Markdown characters are backslash-escaped (CommonMark renders `\X` as `X` for any ASCII
///   punctuation): `` \ ` * _ [ ] < > & ~ | # `` everywhere, `- + =` at the start of a line and
///   the `.` or `)` after a line's leading digits. So nothing opens a code fence (```` ``` ````,
///   `~~~`), a code span, an HTML tag or entity, a link (`[x]`, `[x](y)`), emphasis, a heading,
///   a list, a quote, a table or a setext underline. Other punctuation is left as written.
/// - Leading spaces and tabs become no-break spaces: four spaces would start an indented code
///   block, which rustdoc runs as a doctest.
/// - `http://` and `https://` URLs, even inside a word, become autolinks (`<https://...>`):
///   a bare URL is a `rustdoc::bare_urls` warning.
/// - Line breaks (`\r\n`, `\r`, `\n`) are kept as line breaks; other control characters and
///   the bidirectional-text controls rustc rejects in comments become U+FFFD; trailing
///   whitespace (a Markdown hard break) is dropped.
pub(crate) fn plain(text: &str) -> String {
    text.replace("\r\n", "\n")
        .split(['\n', '\r'])
        .map(plain_line)
        .collect::<Vec<_>>()
        .join("\n")
}

/// One line of [`plain`].
fn plain_line(line: &str) -> String {
    let line = line.trim_end();
    let body = line.trim_start_matches([' ', '\t']);
    let mut out = String::with_capacity(line.len() * 2);
    for c in line[..line.len() - body.len()].chars() {
        let width = if c == '\t' { 4 } else { 1 };
        out.extend(std::iter::repeat_n('\u{a0}', width));
    }
    let mut rest = body;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("http://") || rest.starts_with("https://") {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '<' || c == '>' || unprintable(c))
                .unwrap_or(rest.len());
            out.push('<');
            out.push_str(&rest[..end]);
            out.push('>');
            rest = &rest[end..];
            continue;
        }
        let at_start = rest.len() == body.len();
        if MARKUP.contains(c)
            || (at_start && LINE_START.contains(c))
            || ends_list_number(body, rest)
        {
            out.push('\\');
            out.push(c);
        } else if unprintable(c) {
            out.push('\u{fffd}');
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Characters that are Markdown (or HTML) wherever they are.
const MARKUP: &str = "\\`*_[]<>&~|#";

/// Characters that are Markdown at the start of a line: list bullets, setext underlines.
const LINE_START: &str = "-+=";

/// Whether `rest` starts with the `.` or `)` that, after the digits `body` starts with, would
/// make an ordered list item (`1. item`, `2) item`).
fn ends_list_number(body: &str, rest: &str) -> bool {
    let number = &body[..body.len() - rest.len()];
    !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && (rest.starts_with('.') || rest.starts_with(')'))
}

/// Control characters, and the bidirectional-text controls that rustc rejects in comments
/// (`text_direction_codepoint_in_comment`, as which a doc attribute may be printed).
fn unprintable(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `#[doc = ..]` attributes for paragraphs: the declared doc (if any), then generated facts.
pub(crate) fn attrs(declared: Option<&str>, facts: &[String]) -> TokenStream {
    let mut paragraphs: Vec<String> = declared
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(plain)
        .into_iter()
        .collect();
    paragraphs.extend(facts.iter().cloned());
    let text = paragraphs.join("\n\n");
    let lines = text.lines().map(|l| format!(" {l}"));
    quote!(#(#[doc = #lines])*)
}

/// `#[doc = ..]` attributes for one generated sentence or paragraph.
pub(crate) fn line(text: String) -> TokenStream {
    attrs(None, &[text])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markdown_that_would_do_something() {
        assert_eq!(plain("see [Foo] <b>"), "see \\[Foo\\] \\<b\\>");
        assert_eq!(
            plain("    indented code"),
            "\u{a0}\u{a0}\u{a0}\u{a0}indented code"
        );
        assert_eq!(plain("\tx"), "\u{a0}\u{a0}\u{a0}\u{a0}x");
        assert_eq!(plain("```rust"), "\\`\\`\\`rust");
        assert_eq!(plain("~~~ignore"), "\\~\\~\\~ignore");
        assert_eq!(plain("# Heading"), "\\# Heading");
        assert_eq!(plain("|a|b|"), "\\|a\\|b\\|");
        assert_eq!(plain("*em* _em_ [x](y)"), "\\*em\\* \\_em\\_ \\[x\\](y)");
        assert_eq!(plain("&amp; a\\"), "\\&amp; a\\\\");
        assert_eq!(
            plain("Items, sharded (by region)."),
            "Items, sharded (by region)."
        );
        assert_eq!(
            plain("=====\n---\n12) x\n3.5 x-y"),
            "\\=====\n\\---\n12\\) x\n3\\.5 x-y"
        );
        assert_eq!(plain("trailing  "), "trailing");
        assert_eq!(plain("- item\n1. item"), "\\- item\n1\\. item");
    }

    #[test]
    fn urls_become_autolinks() {
        assert_eq!(plain("at https://x.y/z ok"), "at <https://x.y/z> ok");
        assert_eq!(plain("seehttp://a.b/c_d*e."), "see<http://a.b/c_d*e.>");
        assert_eq!(plain("<https://x.y>"), "\\<<https://x.y>\\>");
        assert_eq!(plain("https://"), "<https://>");
    }

    #[test]
    fn line_breaks_and_control_characters() {
        assert_eq!(plain("a\r\nb\rc\nd"), "a\nb\nc\nd");
        assert_eq!(
            plain("a\0b\u{1b}c\u{202e}d"),
            "a\u{fffd}b\u{fffd}c\u{fffd}d"
        );
        assert_eq!(plain("ünïcode — 😀"), "ünïcode — 😀");
    }
}
