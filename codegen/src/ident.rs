//! Identifier handling: every Rust name the generator derives from a declared name.
//!
//! `resolve` uses these to validate and detect collisions; `emit` uses them to spell items.
//! Keeping both on one set of functions means a name that validated always emits.

use heck::{ToPascalCase, ToShoutySnakeCase, ToSnakeCase};
use proc_macro2::{Ident, Span};

/// Strict and reserved keywords of Rust 2024 (`r#` makes them usable, except the few below).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
];

/// Keywords that cannot be raw identifiers either.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

/// Whether `name` is a Rust keyword (and so needs `r#` as an identifier).
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// Whether `name` can be an identifier at all, raw if needed.
pub fn is_usable(name: &str) -> bool {
    !NOT_RAW.contains(&name)
}

/// `snake_case`: lowercase ASCII letters, digits and single underscores, starting with a letter.
pub fn is_snake_case(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.contains("__")
        && !name.ends_with('_')
}

/// `PascalCase`: ASCII letters and digits, starting with an uppercase letter.
pub fn is_pascal_case(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// An identifier for a declared snake_case name (field, cluster, shard): raw for keywords.
pub fn snake_ident(name: &str) -> Ident {
    if is_keyword(name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

/// An identifier for a PascalCase name (model, generated type).
pub fn type_ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// `UserProfile` -> `user_profile`.
pub fn snake(name: &str) -> String {
    name.to_snake_case()
}

/// `shard_one` -> `ShardOne`.
pub fn pascal(name: &str) -> String {
    name.to_pascal_case()
}

/// `created_at` -> `CREATED_AT` (the column-handle constant of a field).
pub fn constant(name: &str) -> String {
    name.to_shouty_snake_case()
}

/// English plural of a lowercase word, good enough for table and accessor names.
pub fn plural(word: &str) -> String {
    let vowel = |c: char| "aeiou".contains(c);
    if let Some(stem) = word.strip_suffix('y')
        && stem.chars().last().is_some_and(|c| !vowel(c))
    {
        return format!("{stem}ies");
    }
    if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|s| word.ends_with(s))
    {
        return format!("{word}es");
    }
    format!("{word}s")
}

/// `UserProfile` -> `user_profiles`: default table name and repository accessor of a model.
pub fn snake_plural(model: &str) -> String {
    let snake = snake(model);
    match snake.rsplit_once('_') {
        Some((head, last)) => format!("{head}_{}", plural(last)),
        None => plural(&snake),
    }
}

/// Name of the generated handle type of a cluster: `animals` -> `Animals`.
pub fn cluster_type(cluster: &str) -> String {
    pascal(cluster)
}

/// Name of the generated shard enum of a cluster: `animals` -> `AnimalsShard`.
pub fn shard_enum(cluster: &str) -> String {
    format!("{}Shard", pascal(cluster))
}

/// Name of the generated custom-role enum of a cluster: `primary` -> `PrimaryRole`.
pub fn role_enum(cluster: &str) -> String {
    format!("{}Role", pascal(cluster))
}

/// Names a custom role may not have: they name the built-in routing (`writing()`,
/// `reading()`) or the replicas every shard already has.
pub const RESERVED_ROLE_NAMES: &[&str] = &["writer", "reading", "writing", "replica", "replicas"];

/// Name of the insert struct of a model: `User` -> `NewUser`.
pub fn new_struct(model: &str) -> String {
    format!("New{model}")
}

/// Name of the partial-update struct of a model: `User` -> `UserPatch`.
pub fn patch_struct(model: &str) -> String {
    format!("{model}Patch")
}

/// Name of the repository type of a model: `User` -> `UserRepository`.
pub fn repository(model: &str) -> String {
    format!("{model}Repository")
}

/// Name of the loaded-relations wrapper of a model: `User` -> `LoadedUser`.
pub fn loaded_struct(model: &str) -> String {
    format!("Loaded{model}")
}

/// Name of the eager-loading request builder of a model: `User` -> `UserInclude`.
pub fn include_struct(model: &str) -> String {
    format!("{model}Include")
}

/// The include-builder method that takes a nested request: `posts` -> `posts_with`.
pub fn include_with(relation: &str) -> String {
    format!("{relation}_with")
}

/// The method that creates a related row through a direct `has_many`/`has_one` relation:
/// `posts` -> `create_post`, `profile` -> `create_profile`.
pub fn create_related(relation: &str) -> String {
    let last = relation.rsplit('_').next().unwrap_or(relation);
    let head = &relation[..relation.len() - last.len()];
    format!("create_{head}{}", singular(last))
}

/// English singular of a lowercase plural word; the inverse of [`plural`] for the words it makes.
pub fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies")
        && !stem.is_empty()
    {
        return format!("{stem}y");
    }
    for suffix in ["sses", "xes", "zes", "ches", "shes"] {
        if word.ends_with(suffix) {
            return word[..word.len() - 2].to_string();
        }
    }
    match word.strip_suffix('s') {
        Some(stem) if !stem.is_empty() && !stem.ends_with('s') => stem.to_string(),
        _ => word.to_string(),
    }
}

/// Names of the methods every `Loaded*` wrapper has besides its relation accessors.
pub const LOADED_METHODS: &[&str] = &["row", "into_row", "clone"];

/// Methods of a generated cluster handle; a model accessor must not take one of these names.
pub const CLUSTER_HANDLE_METHODS: &[&str] = &[
    "reading",
    "prevent_writes",
    "writing",
    "shard",
    "role",
    "begin",
    "handle",
    "create_tables",
    "drop_tables",
    "commit",
    "rollback",
    "clone",
];

/// Name of the generated transaction type of a cluster: `animals` -> `AnimalsTransaction`.
pub fn transaction_type(cluster: &str) -> String {
    format!("{}Transaction", pascal(cluster))
}

/// Methods of the generated `Database`; a cluster accessor must not take one of these names.
pub const DATABASE_METHODS: &[&str] = &[
    "config",
    "reading",
    "writing",
    "connect",
    "engine",
    "create_tables",
    "drop_tables",
    "clone",
];

/// Type names the generated code defines once (`Database`) or relies on from the prelude; no
/// declared model or cluster may generate a type of one of these names.
pub const RESERVED_TYPE_NAMES: &[&str] = &["Database", "Option", "Result", "Vec", "String", "Box"];

/// Names a model may not have because the generator emits a type of that name.
pub fn is_reserved_model_name(name: &str) -> bool {
    RESERVED_TYPE_NAMES.contains(&name)
        || name.ends_with("Repository")
        || name.ends_with("Patch")
        || name.ends_with("Shard")
        || name.ends_with("Include")
        || name
            .strip_prefix("Loaded")
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
        || name
            .strip_prefix("New")
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals() {
        assert_eq!(snake_plural("User"), "users");
        assert_eq!(snake_plural("Category"), "categories");
        assert_eq!(snake_plural("Day"), "days");
        assert_eq!(snake_plural("Box"), "boxes");
        assert_eq!(snake_plural("Match"), "matches");
        assert_eq!(snake_plural("UserProfile"), "user_profiles");
        assert_eq!(snake_plural("Dog"), "dogs");
    }

    #[test]
    fn keywords_become_raw() {
        assert_eq!(snake_ident("type").to_string(), "r#type");
        assert_eq!(snake_ident("match").to_string(), "r#match");
        assert_eq!(snake_ident("name").to_string(), "name");
        assert!(!is_usable("self"));
        assert!(is_usable("type"));
    }

    #[test]
    fn case_checks() {
        assert!(is_snake_case("created_at"));
        assert!(is_snake_case("a1"));
        assert!(!is_snake_case("Created"));
        assert!(!is_snake_case("a__b"));
        assert!(!is_snake_case("_a"));
        assert!(!is_snake_case("a-b"));
        assert!(!is_snake_case(""));
        assert!(is_pascal_case("User"));
        assert!(is_pascal_case("HTTPLog2"));
        assert!(!is_pascal_case("user"));
        assert!(!is_pascal_case("User_Profile"));
    }

    #[test]
    fn derived_names() {
        assert_eq!(constant("created_at"), "CREATED_AT");
        assert_eq!(constant("type"), "TYPE");
        assert_eq!(cluster_type("animals"), "Animals");
        assert_eq!(shard_enum("animals"), "AnimalsShard");
        assert_eq!(role_enum("primary"), "PrimaryRole");
        assert_eq!(pascal("shard_one"), "ShardOne");
        assert_eq!(new_struct("User"), "NewUser");
        assert_eq!(loaded_struct("User"), "LoadedUser");
        assert_eq!(include_struct("User"), "UserInclude");
        assert_eq!(include_with("posts"), "posts_with");
    }

    #[test]
    fn create_methods_use_the_singular() {
        assert_eq!(create_related("posts"), "create_post");
        assert_eq!(create_related("profile"), "create_profile");
        assert_eq!(create_related("categories"), "create_category");
        assert_eq!(create_related("boxes"), "create_box");
        assert_eq!(create_related("matches"), "create_match");
        assert_eq!(create_related("blog_posts"), "create_blog_post");
        assert_eq!(create_related("address"), "create_address");
        assert_eq!(create_related("news"), "create_new");
        for word in ["user", "dog", "category", "box", "match", "wish", "day"] {
            assert_eq!(singular(&plural(word)), word);
        }
    }
}
