//! Shape checks on a parsed TOML tree: "expect a table / a string / ...", and "only these keys".
//!
//! Every declaration key is read through these helpers, so a wrong type or an unknown key is
//! reported the same way everywhere, located at the offending value or key.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::raw::At;
use crate::diagnostics::{Loc, Report, did_you_mean};

/// A parsed TOML value with its span.
pub(crate) type Value<'i> = Spanned<DeValue<'i>>;

/// Reads shapes out of one file's tree, reporting mismatches.
pub(crate) struct Reader<'r, 'f> {
    file: usize,
    report: &'r mut Report<'f>,
}

impl<'r, 'f> Reader<'r, 'f> {
    pub fn new(file: usize, report: &'r mut Report<'f>) -> Self {
        Reader { file, report }
    }

    /// A location in this file.
    pub fn loc(&self, span: Range<usize>) -> Loc {
        Loc {
            file: self.file,
            span,
        }
    }

    /// Problems reported so far in the run (compare before and after to see if a part had any).
    pub fn problems(&self) -> usize {
        self.report.count()
    }

    /// The run's report, for problems that are not about shape.
    pub fn report(&mut self) -> &mut Report<'f> {
        self.report
    }

    /// Report every key of `table` that is not in `known`, suggesting the closest known key.
    /// `place` completes "unknown key ... " (e.g. "in cluster \"primary\"").
    pub fn check_keys(&mut self, table: &DeTable<'_>, known: &[&str], place: &str) {
        self.check_keys_except(table, known, &[], place);
    }

    /// [`Reader::check_keys`], except that keys in `elsewhere` (keys of another table, which the
    /// caller reports as misplaced) are neither reported nor suggested.
    pub fn check_keys_except(
        &mut self,
        table: &DeTable<'_>,
        known: &[&str],
        elsewhere: &[&str],
        place: &str,
    ) {
        for key in table.keys() {
            let name = key.get_ref().as_ref();
            if known.contains(&name) || elsewhere.contains(&name) {
                continue;
            }
            let hint = match did_you_mean(name, known.iter().copied()) {
                Some(close) => format!("did you mean {close:?}?"),
                None => format!("expected one of: {}", known.join(", ")),
            };
            let loc = self.loc(key.span());
            self.report
                .error_with_hint(&loc, format!("unknown key {name:?} {place}"), hint);
        }
    }

    /// The value of optional key `key` of `table`, read with `read` (one of the methods below).
    pub fn key<'a, 'i, T>(
        &mut self,
        table: &'a DeTable<'i>,
        key: &str,
        read: impl FnOnce(&mut Self, &'a Value<'i>, &str) -> Option<T>,
    ) -> Option<T> {
        let value = table.get(key)?;
        read(self, value, &format!("`{key}`"))
    }

    /// `value` as a table; `what` names it in the error (e.g. "`pool`", "model \"User\"").
    pub fn table<'a, 'i>(&mut self, value: &'a Value<'i>, what: &str) -> Option<&'a DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(table) => Some(table),
            _ => self.mismatch(value, what, "a table", false),
        }
    }

    /// `value` as an array.
    pub fn array<'a, 'i>(&mut self, value: &'a Value<'i>, what: &str) -> Option<&'a [Value<'i>]> {
        match value.get_ref() {
            DeValue::Array(array) => Some(array),
            _ => self.mismatch(value, what, "an array", false),
        }
    }

    /// `value` as a string.
    pub fn string(&mut self, value: &Value<'_>, what: &str) -> Option<At<String>> {
        match value.get_ref() {
            DeValue::String(s) => Some(self.at(value, s.to_string())),
            _ => self.mismatch(value, what, "a string", false),
        }
    }

    /// `value` as a boolean.
    pub fn boolean(&mut self, value: &Value<'_>, what: &str) -> Option<At<bool>> {
        match value.get_ref() {
            DeValue::Boolean(b) => Some(self.at(value, *b)),
            _ => self.mismatch(value, what, "a boolean (true or false)", true),
        }
    }

    /// `value` as an integer that fits in 64 bits.
    pub fn integer(&mut self, value: &Value<'_>, what: &str) -> Option<At<i64>> {
        let DeValue::Integer(int) = value.get_ref() else {
            return self.mismatch(value, what, "an integer", true);
        };
        match i64::from_str_radix(int.as_str(), int.radix()) {
            Ok(n) => Some(self.at(value, n)),
            Err(_) => {
                let loc = self.loc(value.span());
                self.report
                    .error(&loc, format!("{what} is out of range for a 64-bit integer"));
                None
            }
        }
    }

    /// `value` as an array of strings (each located, for errors about one element).
    pub fn strings(&mut self, value: &Value<'_>, what: &str) -> Option<At<Vec<At<String>>>> {
        let array = self.array(value, what)?;
        let element = format!("each element of {what}");
        let mut strings = Vec::with_capacity(array.len());
        let mut complete = true;
        for item in array {
            match self.string(item, &element) {
                Some(s) => strings.push(s),
                None => complete = false,
            }
        }
        complete.then(|| self.at(value, strings))
    }

    /// `value`'s payload, located at `value`.
    pub fn at<T>(&self, value: &Value<'_>, payload: T) -> At<T> {
        At {
            value: payload,
            loc: self.loc(value.span()),
        }
    }

    /// Report that `value` is not `expected`; always `None`, to return from a reader.
    /// `scalar` marks booleans and numbers, where a quoted `"true"` or `"10"` is the usual slip.
    pub fn mismatch<T>(
        &mut self,
        value: &Value<'_>,
        what: &str,
        expected: &str,
        scalar: bool,
    ) -> Option<T> {
        let found = match value.get_ref() {
            DeValue::String(_) => "a string",
            DeValue::Integer(_) => "an integer",
            DeValue::Float(_) => "a float",
            DeValue::Boolean(_) => "a boolean",
            DeValue::Datetime(_) => "a datetime",
            DeValue::Array(_) => "an array",
            DeValue::Table(_) => "a table",
        };
        let loc = self.loc(value.span());
        let message = format!("{what} must be {expected}, not {found}");
        if scalar && matches!(value.get_ref(), DeValue::String(_)) {
            self.report
                .error_with_hint(&loc, message, "write the value without quotes");
        } else {
            self.report.error(&loc, message);
        }
        None
    }
}
