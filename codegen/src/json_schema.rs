//! The JSON Schema of declaration files, for editors: completion of keys and values, their
//! documentation on hover, and validation as you type (Taplo, Even Better TOML, and any other
//! tool that reads JSON Schema for TOML).
//!
//! It is made from `parse::format`, the description the parser checks keys against, so it
//! lists exactly the keys the build accepts, with their types, integer ranges, the names a
//! string may take (field types, policies, strategies) and the keys a table requires. What
//! needs more than one key or one file to check (a model's cluster exists, a cluster has a
//! writer or shards) is left to the build's diagnostics. The repository keeps the output as
//! `docs/declarations.schema.json`; `switchyard schema` prints it.

mod json;

#[cfg(test)]
mod agrees;

use json::Json;

use crate::parse::format::{self, Key, Table, Value};

/// The draft of JSON Schema the schema is written in: the newest one editors' TOML tooling
/// reads everywhere.
const DRAFT: &str = "http://json-schema.org/draft-07/schema#";

/// The JSON Schema of a declaration file, as pretty-printed JSON.
pub fn json_schema() -> String {
    let mut definitions = Definitions::default();
    let mut root = Json::object([
        ("$schema", Json::str(DRAFT)),
        ("title", Json::str("switchyard declarations")),
    ]);
    for (name, value) in table(&format::TOP, &mut definitions) {
        root.push(&name, value);
    }
    root.push("definitions", Json::Object(definitions.done));
    root.render()
}

/// The tables written under `definitions`, each once, in the order they are first met.
#[derive(Default)]
struct Definitions {
    done: Vec<(String, Json)>,
}

impl Definitions {
    /// A reference to `table`'s definition, writing the definition the first time.
    fn reference(&mut self, table: &'static Table) -> Json {
        if !self.done.iter().any(|(id, _)| id == table.id) {
            // Claimed before its keys are written, so the order is that of first mention.
            let at = self.done.len();
            self.done
                .push((table.id.to_owned(), Json::Object(Vec::new())));
            let schema = Json::Object(self::table(table, self));
            self.done[at].1 = schema;
        }
        Json::object([("$ref", Json::str(format!("#/definitions/{}", table.id)))])
    }
}

/// The members of a table's schema: its keys and nothing else, the required ones, and the
/// keys of which exactly one is present.
fn table(table: &'static Table, definitions: &mut Definitions) -> Vec<(String, Json)> {
    let properties = table
        .keys
        .iter()
        .map(|key| (key.name.to_owned(), self::key(key, definitions)))
        .collect();
    let mut members = vec![
        ("description".to_owned(), Json::str(table.doc)),
        ("type".to_owned(), Json::str("object")),
        ("properties".to_owned(), Json::Object(properties)),
        ("additionalProperties".to_owned(), Json::Bool(false)),
    ];
    let required: Vec<Json> = table
        .keys
        .iter()
        .filter(|key| key.required)
        .map(|key| Json::str(key.name))
        .collect();
    if !required.is_empty() {
        members.push(("required".to_owned(), Json::Array(required)));
    }
    if !table.exactly_one_of.is_empty() {
        let each = table
            .exactly_one_of
            .iter()
            .map(|name| Json::object([("required", Json::Array(vec![Json::str(*name)]))]))
            .collect();
        members.push(("oneOf".to_owned(), Json::Array(each)));
    }
    members
}

/// One key's schema, with its documentation.
fn key(key: &Key, definitions: &mut Definitions) -> Json {
    let schema = value(&key.value, definitions);
    let description = ("description".to_owned(), Json::str(key.doc));
    match schema {
        // Draft 7 ignores the siblings of `$ref`: the description goes beside a reference.
        Json::Object(members) if members.iter().any(|(name, _)| name == "$ref") => {
            Json::Object(vec![
                description,
                ("allOf".to_owned(), Json::Array(vec![Json::Object(members)])),
            ])
        }
        Json::Object(mut members) => {
            members.insert(0, description);
            Json::Object(members)
        }
        other => other,
    }
}

/// The schema of a value of kind `value`.
fn value(value: &Value, definitions: &mut Definitions) -> Json {
    match value {
        Value::Bool => Json::object([("type", Json::str("boolean"))]),
        Value::Int { min, max } => {
            let mut schema = Json::object([("type", Json::str("integer"))]);
            // The bounds of i64 are those of TOML integers: no need to say them.
            if *min != i64::MIN {
                schema.push("minimum", Json::Int(*min));
            }
            if *max != i64::MAX {
                schema.push("maximum", Json::Int(*max));
            }
            schema
        }
        Value::String => Json::object([("type", Json::str("string"))]),
        Value::Choice(names) => Json::object([
            ("type", Json::str("string")),
            (
                "enum",
                Json::Array(names().into_iter().map(Json::str).collect()),
            ),
        ]),
        Value::Literal => Json::object([(
            "type",
            Json::Array(
                ["boolean", "integer", "number", "string"]
                    .into_iter()
                    .map(Json::str)
                    .collect(),
            ),
        )]),
        Value::Table(table) => definitions.reference(table),
        Value::Named(each) => Json::object([
            ("type", Json::str("object")),
            ("additionalProperties", self::value(each, definitions)),
        ]),
        Value::Array { item, len } => {
            let mut schema = Json::object([
                ("type", Json::str("array")),
                ("items", self::value(item, definitions)),
            ]);
            if let Some(len) = len.and_then(|len| i64::try_from(len).ok()) {
                schema.push("minItems", Json::Int(len));
                schema.push("maxItems", Json::Int(len));
            }
            schema
        }
        Value::AnyOf(kinds) => Json::object([(
            "anyOf",
            Json::Array(
                kinds
                    .iter()
                    .map(|kind| self::value(kind, definitions))
                    .collect(),
            ),
        )]),
    }
}
