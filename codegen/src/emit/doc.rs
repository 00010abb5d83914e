//! Doc comments from declaration text.
//!
//! Declared docs are plain text: they must render as written and never become a doctest or a
//! rustdoc warning, whatever they contain.

use proc_macro2::TokenStream;
use quote::quote;

/// Markdown-safe plain text: indentation (an indented code block) is dropped, characters that
/// would open links, HTML tags or code fences are escaped, and URLs are wrapped in code spans.
pub(crate) fn plain(text: &str) -> String {
    text.lines()
        .map(|line| {
            line.trim_start()
                .split(' ')
                .map(|word| {
                    if word.starts_with("http://") || word.starts_with("https://") {
                        format!("`{}`", word.replace('`', ""))
                    } else {
                        let mut out = String::with_capacity(word.len());
                        for c in word.chars() {
                            if matches!(c, '[' | ']' | '<' | '>' | '`' | '*' | '_' | '#' | '\\') {
                                out.push('\\');
                            }
                            out.push(c);
                        }
                        out
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
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
        assert_eq!(plain("    indented code"), "indented code");
        assert_eq!(plain("```rust"), "\\`\\`\\`rust");
        assert_eq!(plain("at https://x.y/z ok"), "at `https://x.y/z` ok");
    }
}
