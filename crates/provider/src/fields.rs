//! The field table's row type: what the provider knows about one property (name, type, default, secrecy,
//! description).
//!
//! A leaf: it imports nothing from the crate, so the modules that declare tables (`resource`, `config`), convert
//! values by them (`properties`, `diff`) and publish them (`schema`) all depend on it and not on each other.

/// The schema type of a property: Pulumi schema primitive types, and lists of strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    String,
    Integer,
    Number,
    Boolean,
    /// `{"type": "array", "items": {"type": "string"}}`.
    StringList,
}

impl FieldType {
    /// The name used in the Pulumi schema's `type`.
    pub fn schema_name(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Integer => "integer",
            FieldType::Number => "number",
            FieldType::Boolean => "boolean",
            FieldType::StringList => "array",
        }
    }
}

/// The value a property takes when the program leaves it out (applied by `Check`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FieldDefault {
    Integer(u64),
    Boolean(bool),
}

/// One row of the field table: everything the schema and the wire conversion need to know about a property.
#[derive(Clone, Copy, Debug)]
pub struct FieldSpec {
    /// The property name on the wire and in every SDK (camelCase, as the npm package spelled it).
    pub name: &'static str,
    pub field_type: FieldType,
    /// True when the Rust field is an `Option`: the property may be absent.
    pub optional: bool,
    pub default: Option<FieldDefault>,
    /// The doc comment written beside the Rust field, one source line per line.
    pub description: &'static str,
    /// Always handled as a secret: marked `secret` in the schema (the SDKs wrap it) and in the outputs.
    pub secret: bool,
}

impl FieldSpec {
    /// A program must set this property: it is neither optional nor defaulted.
    pub fn required(&self) -> bool {
        !self.optional && self.default.is_none()
    }

    /// The description as schema text.
    pub fn description_text(&self) -> String {
        doc_text(self.description)
    }
}

/// Whether any of `tables` marks the property `name` as always secret.
pub fn always_secret(tables: &[&[FieldSpec]], name: &str) -> bool {
    tables
        .iter()
        .flat_map(|table| table.iter())
        .any(|field| field.secret && field.name == name)
}

/// A doc comment as schema text: each line without the space rustdoc keeps after `///`.
pub fn doc_text(doc: &str) -> String {
    let lines: Vec<&str> = doc.lines().map(str::trim).collect();
    lines.join("\n").trim().to_string()
}
