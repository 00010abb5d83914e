//! Naming rules for declared names: Rust-facing names (models, fields, clusters, shards) and
//! SQL-facing names (tables, columns, indexes).

use super::claims::Claims;
use crate::diagnostics::{Loc, Report};
use crate::ident;
use crate::parse::raw::At;

/// Longest SQL name accepted: PostgreSQL truncates identifiers beyond 63 bytes (MySQL allows 64).
pub(crate) const MAX_SQL_NAME: usize = 63;

/// Check a snake_case name (`what` is "field", "cluster" or "shard"). Rust keywords such as
/// `type` are fine (they are emitted as raw identifiers); `self`, `super` and `crate` are not.
pub(crate) fn check_snake(report: &mut Report<'_>, name: &At<String>, what: &str) -> bool {
    let value = &name.value;
    if !ident::is_snake_case(value) {
        let message = format!(
            "invalid {what} name {value:?}: must be snake_case (lowercase ASCII letters, digits \
             and single underscores, starting with a letter)"
        );
        match snake_suggestion(value) {
            Some(suggestion) => {
                report.error_with_hint(&name.loc, message, format!("try {suggestion:?}"))
            }
            None => report.error(&name.loc, message),
        }
        return false;
    }
    if !ident::is_usable(value) {
        report.error_with_hint(
            &name.loc,
            format!("{value:?} cannot be a {what} name: it is a reserved word in Rust"),
            "choose another name",
        );
        return false;
    }
    true
}

/// A snake_case spelling of `name` that passes the rules, if the naive one does.
fn snake_suggestion(name: &str) -> Option<String> {
    let snake = ident::snake(name);
    (ident::is_snake_case(&snake) && ident::is_usable(&snake)).then_some(snake)
}

/// Check a model name: PascalCase, not a keyword, not a name the generator or std takes.
pub(crate) fn check_model(report: &mut Report<'_>, name: &At<String>) -> bool {
    let value = &name.value;
    if !ident::is_pascal_case(value) {
        let message = format!(
            "invalid model name {value:?}: must be PascalCase (ASCII letters and digits, \
             starting with an uppercase letter)"
        );
        let suggestion = ident::pascal(value);
        if ident::is_pascal_case(&suggestion) {
            report.error_with_hint(&name.loc, message, format!("try {suggestion:?}"));
        } else {
            report.error(&name.loc, message);
        }
        return false;
    }
    if ident::is_keyword(value) || ident::is_reserved_model_name(value) {
        report.error_with_hint(
            &name.loc,
            format!("model name {value:?} is reserved"),
            "the generator emits types named `Database`, `New<Model>`, `<Model>Patch`, \
             `<Model>Repository`, `Loaded<Model>`, `<Model>Include` and `<Cluster>Shard`, and \
             uses `Option`, `Result`, `Vec`, `String`, `Box`; choose another name",
        );
        return false;
    }
    true
}

/// What a SQL name names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sql {
    Table,
    Column,
    Index,
}

impl Sql {
    fn noun(self) -> &'static str {
        match self {
            Sql::Table => "table",
            Sql::Column => "column",
            Sql::Index => "index",
        }
    }
}

/// Whether a SQL name is declared as written, or derived from other names (and so fixed by
/// declaring it, or by changing what it derives from).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Declared,
    /// Derived; the text says how to name it instead (for the hint).
    Derived(&'static str),
}

/// Check `renamed_from`: a valid SQL name of kind `kind`, other than `current` (the name it
/// has now).
pub(crate) fn check_renamed_from(
    report: &mut Report<'_>,
    old: &At<String>,
    current: &str,
    kind: Sql,
) {
    if check_sql(report, &old.value, &old.loc, kind, Origin::Declared) && old.value == current {
        report.error_with_hint(
            &old.loc,
            format!(
                "`renamed_from` names the {} name it has now, {current:?}",
                kind.noun()
            ),
            "name the one it had before, or remove `renamed_from` once every database is migrated",
        );
    }
}

/// Whether `name` is a valid SQL name of kind `kind` (see [`check_sql`]), without reporting.
pub(crate) fn is_sql_name(name: &str, kind: Sql) -> bool {
    sql_problem(name, kind).is_none()
}

/// What is wrong with SQL name `name`, as a message and an optional hint.
fn sql_problem(name: &str, kind: Sql) -> Option<(String, Option<&'static str>)> {
    let what = kind.noun();
    let mut chars = name.chars();
    let well_formed = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !well_formed {
        let message = format!(
            "invalid {what} name {name:?}: must be ASCII letters, digits and underscores, not \
             starting with a digit"
        );
        return Some((message, None));
    }
    if name.len() > MAX_SQL_NAME {
        // Not truncated: PostgreSQL would, and two long names with a common beginning would
        // then be one.
        let message = format!("{what} name {name:?} is longer than {MAX_SQL_NAME} characters");
        return Some((message, Some("PostgreSQL truncates longer names")));
    }
    if kind == Sql::Table && name.to_ascii_lowercase().starts_with("sqlite_") {
        let message =
            format!("table name {name:?} is reserved: SQLite keeps names starting with `sqlite_`");
        return Some((message, None));
    }
    None
}

/// Check a SQL name: `[A-Za-z_][A-Za-z0-9_]*`, at most [`MAX_SQL_NAME`] bytes, so every dialect
/// accepts it and quoting never needs escapes (which also keeps NUL and every other control
/// character out of DDL). `loc` is where to point: the name itself, or what it was derived
/// from (`origin` then says how to name it instead).
pub(crate) fn check_sql(
    report: &mut Report<'_>,
    name: &str,
    loc: &Loc,
    kind: Sql,
    origin: Origin,
) -> bool {
    let Some((message, reason)) = sql_problem(name, kind) else {
        return true;
    };
    let what = kind.noun();
    let hint = match (reason, origin) {
        (Some(reason), Origin::Declared) => {
            Some(format!("{reason}; declare a shorter {what} name"))
        }
        (Some(reason), Origin::Derived(fix)) => {
            Some(format!("{reason}; this {what} name is derived: {fix}"))
        }
        (None, Origin::Derived(fix)) => Some(format!("this {what} name is derived: {fix}")),
        (None, Origin::Declared) => None,
    };
    match hint {
        Some(hint) => report.error_with_hint(loc, message, hint),
        None => report.error(loc, message),
    }
    false
}

/// Claim the Rust type names a cluster or model generates, in the one namespace all generated
/// types share, reporting any name that is reserved or already generated for another
/// declaration. `kind` is "cluster" or "model".
pub(crate) fn claim_types(
    report: &mut Report<'_>,
    types: &mut Claims,
    owner: &At<String>,
    kind: &str,
    generated: &[String],
) {
    let name = &owner.value;
    // Every name is claimed, but one problem per declaration is enough: `A1` and
    // `A1Transaction` colliding have the same cause.
    let mut reported = false;
    for ty in generated {
        let reserved = ident::RESERVED_TYPE_NAMES.contains(&ty.as_str());
        let first = if reserved {
            None
        } else {
            types.claim(ty.as_str(), &owner.loc)
        };
        if reported {
            continue;
        }
        reported = reserved || first.is_some();
        if reserved {
            report.error_with_hint(
                &owner.loc,
                format!("{kind} {name:?} would generate the type `{ty}`, which is reserved"),
                format!("rename the {kind}"),
            );
        } else if let Some(first) = first {
            let message = format!(
                "{kind} {name:?} generates the type `{ty}`, which another declaration also generates"
            );
            report.duplicate(&owner.loc, message, &first);
        }
    }
}
