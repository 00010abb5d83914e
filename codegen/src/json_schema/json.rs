//! Just enough JSON to write the schema: values in the order they are built (so the schema
//! reads in the order the documentation lists keys), printed with two-space indentation.

use std::fmt::Write as _;

/// A JSON value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Bool(bool),
    Int(i64),
    Str(String),
    Array(Vec<Json>),
    /// Members in order; the builder never repeats a name.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// A string value.
    pub fn str(text: impl Into<String>) -> Json {
        Json::Str(text.into())
    }

    /// An object from `(name, value)` pairs.
    pub fn object<const N: usize>(members: [(&str, Json); N]) -> Json {
        Json::Object(
            members
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect(),
        )
    }

    /// Add a member to an object (nothing for another value).
    pub fn push(&mut self, name: &str, value: Json) {
        if let Json::Object(members) = self {
            members.push((name.to_owned(), value));
        }
    }

    /// The pretty-printed text, ending with a newline.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, 0);
        out.push('\n');
        out
    }

    fn write(&self, out: &mut String, depth: usize) {
        match self {
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Json::Str(s) => quote(out, s),
            Json::Array(items) if items.is_empty() => out.push_str("[]"),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    out.push_str(if i == 0 { "\n" } else { ",\n" });
                    indent(out, depth + 1);
                    item.write(out, depth + 1);
                }
                out.push('\n');
                indent(out, depth);
                out.push(']');
            }
            Json::Object(members) if members.is_empty() => out.push_str("{}"),
            Json::Object(members) => {
                out.push('{');
                for (i, (name, value)) in members.iter().enumerate() {
                    out.push_str(if i == 0 { "\n" } else { ",\n" });
                    indent(out, depth + 1);
                    quote(out, name);
                    out.push_str(": ");
                    value.write(out, depth + 1);
                }
                out.push('\n');
                indent(out, depth);
                out.push('}');
            }
        }
    }
}

fn indent(out: &mut String, depth: usize) {
    out.extend(std::iter::repeat_n("  ", depth));
}

/// `s` as a JSON string: quotes, backslashes and control characters escaped, the rest as is.
fn quote(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_nested_values() {
        let value = Json::object([
            ("a", Json::Array(vec![Json::Int(-1), Json::Bool(true)])),
            ("b \"q\"", Json::str("x\\y\n\u{1}é")),
            ("c", Json::Object(Vec::new())),
            ("d", Json::Array(Vec::new())),
        ]);
        assert_eq!(
            value.render(),
            "{\n  \"a\": [\n    -1,\n    true\n  ],\n  \"b \\\"q\\\"\": \"x\\\\y\\n\\u0001é\",\n  \
             \"c\": {},\n  \"d\": []\n}\n"
        );
    }
}
