//! Pulumi property values on the wire (`google.protobuf.Struct`) ⇄ typed Rust values. With `server` and
//! `engine_log`, the only module that handles protobuf: everything else receives a [`Received`] (typed
//! [`Input`]s plus what only the wire tells, such as which properties were secret) and returns typed values.
//!
//! The engine marks secrets by wrapping a value in an object carrying a signature key, and marks values not
//! known yet (during preview) with a sentinel string. [`reveal`] unwraps secrets while remembering which
//! properties were secret, so [`Revealed::conceal`] can wrap them again on the way out: a secret input stays a
//! secret output. `typed_properties!` declares a typed struct together with its field table (the one source
//! of truth for the schema), and a companion struct of [`Input`]s (each property known, unknown in a
//! preview, absent, or not a valid value) that Check, Diff and preview work on; it generates the
//! conversions from that table.

use std::collections::{BTreeMap, BTreeSet};

use prost_types::value::Kind;
use prost_types::{Struct, Value};

use crate::fields::{FieldDefault, FieldSpec, FieldType, always_secret};

/// The string the engine sends for a value that is not known yet (preview with unresolved outputs).
pub const UNKNOWN: &str = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/// The key whose value says which special object (secret, resource reference, ...) an object encodes.
const SIGNATURE_KEY: &str = "4dabf18193072939515e22adb298388d";
/// The signature of a secret: `{SIGNATURE_KEY: SECRET_SIGNATURE, "value": <the value>}`.
const SECRET_SIGNATURE: &str = "1b47061264138c4ac30d75fd1eb44270";

/// A top-level property map, with names sorted so that everything derived from it is deterministic.
pub type PropertyMap = BTreeMap<String, Value>;

pub fn string_value(text: impl Into<String>) -> Value {
    Value {
        kind: Some(Kind::StringValue(text.into())),
    }
}

pub fn number_value(number: f64) -> Value {
    Value {
        kind: Some(Kind::NumberValue(number)),
    }
}

pub fn bool_value(flag: bool) -> Value {
    Value {
        kind: Some(Kind::BoolValue(flag)),
    }
}

pub fn list_value(texts: impl IntoIterator<Item = impl Into<String>>) -> Value {
    Value {
        kind: Some(Kind::ListValue(prost_types::ListValue {
            values: texts.into_iter().map(string_value).collect(),
        })),
    }
}

pub fn unknown_value() -> Value {
    string_value(UNKNOWN)
}

pub fn is_unknown(value: &Value) -> bool {
    matches!(&value.kind, Some(Kind::StringValue(text)) if text == UNKNOWN)
}

/// Absent and `null` mean the same thing for every property here.
pub fn is_null(value: &Value) -> bool {
    matches!(value.kind, None | Some(Kind::NullValue(_)))
}

/// Wraps a value as a Pulumi secret.
pub fn secret_value(value: Value) -> Value {
    let fields = BTreeMap::from([
        (SIGNATURE_KEY.to_string(), string_value(SECRET_SIGNATURE)),
        ("value".to_string(), value),
    ]);
    Value {
        kind: Some(Kind::StructValue(Struct { fields })),
    }
}

/// The value inside a secret wrapper, or `None` when the value is not a secret.
fn secret_inner(value: &Value) -> Option<Value> {
    let Some(Kind::StructValue(object)) = &value.kind else {
        return None;
    };
    match object
        .fields
        .get(SIGNATURE_KEY)
        .and_then(|sig| sig.kind.as_ref())
    {
        Some(Kind::StringValue(sig)) if sig == SECRET_SIGNATURE => {
            // A secret whose value is missing is a secret null.
            Some(
                object
                    .fields
                    .get("value")
                    .cloned()
                    .unwrap_or(Value { kind: None }),
            )
        }
        _ => None,
    }
}

/// A property map with the secret wrappers removed, and the names of the properties that were secret.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Revealed {
    pub values: PropertyMap,
    pub secret: BTreeSet<String>,
}

/// Unwraps the (top-level) secrets of a property struct; absent structs are empty maps.
pub fn reveal(properties: Option<&Struct>) -> Revealed {
    let mut revealed = Revealed::default();
    for (name, value) in properties.map(|s| &s.fields).into_iter().flatten() {
        match secret_inner(value) {
            Some(inner) => {
                revealed.secret.insert(name.clone());
                revealed.values.insert(name.clone(), inner);
            }
            None => {
                revealed.values.insert(name.clone(), value.clone());
            }
        }
    }
    revealed
}

impl Revealed {
    /// Builds the wire struct, wrapping as secret every property that arrived secret or that the field table
    /// marks secret (unknown and null values stay bare: there is nothing to hide).
    pub fn conceal(&self, tables: &[&[FieldSpec]]) -> Struct {
        let fields = self
            .values
            .iter()
            .map(|(name, value)| {
                let hide = self.is_secret(tables, name) && !is_unknown(value) && !is_null(value);
                let value = if hide {
                    secret_value(value.clone())
                } else {
                    value.clone()
                };
                (name.clone(), value)
            })
            .collect();
        Struct { fields }
    }

    /// The property arrived secret, or one of `tables` marks it always secret.
    fn is_secret(&self, tables: &[&[FieldSpec]], name: &str) -> bool {
        self.secret.contains(name) || always_secret(tables, name)
    }

    /// The text of every secret property value, for redaction of messages.
    pub fn secret_texts(&self, tables: &[&[FieldSpec]]) -> Vec<String> {
        self.values
            .iter()
            .filter(|(name, _)| self.is_secret(tables, name))
            .filter_map(|(_, value)| match &value.kind {
                Some(Kind::StringValue(text)) if text != UNKNOWN => Some(text.clone()),
                Some(Kind::NumberValue(number)) => Some(number.to_string()),
                _ => None,
            })
            .collect()
    }
}

/// A revealed map of `entries`, none of them secret (test inputs).
#[cfg(test)]
pub(crate) fn revealed(entries: &[(&str, Value)]) -> Revealed {
    Revealed {
        values: entries
            .iter()
            .map(|(name, value)| (name.to_string(), value.clone()))
            .collect(),
        secret: BTreeSet::new(),
    }
}

/// Why one property could not be used, phrased for the person who wrote the program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub property: String,
    pub reason: String,
}

impl FieldError {
    pub fn new(property: impl Into<String>, reason: impl Into<String>) -> Self {
        FieldError {
            property: property.into(),
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

/// Shows a wire value in an error message: its JSON text (truncated) and kind.
pub fn describe_value(value: &Value) -> String {
    let (text, kind) = match &value.kind {
        None | Some(Kind::NullValue(_)) => ("null".to_string(), "null"),
        Some(Kind::StringValue(text)) => (format!("{text:?}"), "a string"),
        Some(Kind::NumberValue(number)) => (number.to_string(), "a number"),
        Some(Kind::BoolValue(flag)) => (flag.to_string(), "a boolean"),
        Some(Kind::StructValue(_)) => ("{...}".to_string(), "an object"),
        Some(Kind::ListValue(_)) => ("[...]".to_string(), "a list"),
    };
    let text = ecs_watcher::message::truncate(&text, 80);
    format!("`{text}` ({kind})")
}

fn type_error(spec: &FieldSpec, value: &Value, expected: &str) -> FieldError {
    let shown = if spec.secret {
        "(secret value not shown)".to_string()
    } else {
        describe_value(value)
    };
    FieldError::new(
        spec.name,
        format!("invalid {} {shown}: expected {expected}", spec.name),
    )
}

fn missing(spec: &FieldSpec) -> FieldError {
    FieldError::new(
        spec.name,
        format!(
            "missing required property {}: {}",
            spec.name,
            first_sentence(&spec.description_text())
        ),
    )
}

fn first_sentence(text: &str) -> String {
    let flat = text.replace('\n', " ");
    match flat.find(". ") {
        Some(end) => flat[..=end].to_string(),
        None => flat,
    }
}

/// A Rust type that a scalar property converts to and from.
pub trait PropertyValue: Sized {
    const FIELD_TYPE: FieldType;
    /// `Option<T>`: the property may be absent.
    const OPTIONAL: bool = false;

    /// Converts a present, known, non-null wire value.
    fn from_value(spec: &FieldSpec, value: &Value) -> Result<Self, FieldError>;

    /// The value when the property is absent or null: its default, or an error if it is required.
    fn from_missing(spec: &FieldSpec) -> Result<Self, FieldError> {
        Err(missing(spec))
    }

    /// The wire value, `None` to leave the property out.
    fn to_value(&self) -> Option<Value>;
}

/// A typed value that travels as a string: parsed once when the properties are read, written back as its text.
/// Every `TextValue` is a [`PropertyValue`] of schema type string, and a list of them a string list.
pub trait TextValue: Sized + PartialEq {
    /// What leaving the property out means, when it may be left out (`None`: the property is required).
    /// A value equal to it is left out of the outputs too, so spelling the default out is no change.
    const WHEN_ABSENT: Option<fn() -> Self> = None;

    /// Parses the text of the property `field`; the error names the field, the value and what is valid.
    fn parse_text(field: &str, text: &str) -> Result<Self, String>;

    /// The text written to the wire, which [`TextValue::parse_text`] reads back as the same value.
    fn to_text(&self) -> String;
}

impl TextValue for String {
    fn parse_text(_field: &str, text: &str) -> Result<Self, String> {
        Ok(text.to_string())
    }

    fn to_text(&self) -> String {
        self.clone()
    }
}

impl<T: TextValue> PropertyValue for T {
    const FIELD_TYPE: FieldType = FieldType::String;
    const OPTIONAL: bool = T::WHEN_ABSENT.is_some();

    fn from_value(spec: &FieldSpec, value: &Value) -> Result<Self, FieldError> {
        match &value.kind {
            Some(Kind::StringValue(text)) => {
                T::parse_text(spec.name, text).map_err(|reason| FieldError::new(spec.name, reason))
            }
            _ => Err(type_error(spec, value, "a string")),
        }
    }

    fn from_missing(spec: &FieldSpec) -> Result<Self, FieldError> {
        T::WHEN_ABSENT
            .map(|absent| absent())
            .ok_or_else(|| missing(spec))
    }

    fn to_value(&self) -> Option<Value> {
        let absent = T::WHEN_ABSENT.map(|absent| absent());
        (absent.as_ref() != Some(self)).then(|| string_value(self.to_text()))
    }
}

impl PropertyValue for bool {
    const FIELD_TYPE: FieldType = FieldType::Boolean;

    fn from_value(spec: &FieldSpec, value: &Value) -> Result<Self, FieldError> {
        match &value.kind {
            Some(Kind::BoolValue(flag)) => Ok(*flag),
            _ => Err(type_error(spec, value, "true or false")),
        }
    }

    fn from_missing(spec: &FieldSpec) -> Result<Self, FieldError> {
        match spec.default {
            Some(FieldDefault::Boolean(flag)) => Ok(flag),
            _ => Err(missing(spec)),
        }
    }

    fn to_value(&self) -> Option<Value> {
        Some(bool_value(*self))
    }
}

/// The largest integer a Pulumi number (an IEEE double) holds exactly.
const MAX_EXACT_INTEGER: f64 = 9_007_199_254_740_991.0;

fn whole_number(spec: &FieldSpec, value: &Value, max: f64) -> Result<u64, FieldError> {
    match &value.kind {
        Some(Kind::NumberValue(number))
            if number.is_finite() && number.fract() == 0.0 && *number >= 0.0 && *number <= max =>
        {
            // In range and integral, so the conversion is exact.
            Ok(*number as u64)
        }
        _ => Err(type_error(
            spec,
            value,
            &format!("a whole number from 0 to {max}"),
        )),
    }
}

fn integer_default(spec: &FieldSpec) -> Result<u64, FieldError> {
    match spec.default {
        Some(FieldDefault::Integer(number)) => Ok(number),
        _ => Err(missing(spec)),
    }
}

impl PropertyValue for u64 {
    const FIELD_TYPE: FieldType = FieldType::Integer;

    fn from_value(spec: &FieldSpec, value: &Value) -> Result<Self, FieldError> {
        whole_number(spec, value, MAX_EXACT_INTEGER)
    }

    fn from_missing(spec: &FieldSpec) -> Result<Self, FieldError> {
        integer_default(spec)
    }

    fn to_value(&self) -> Option<Value> {
        Some(number_value(*self as f64))
    }
}

impl PropertyValue for u32 {
    const FIELD_TYPE: FieldType = FieldType::Integer;

    fn from_value(spec: &FieldSpec, value: &Value) -> Result<Self, FieldError> {
        let number = whole_number(spec, value, f64::from(u32::MAX))?;
        u32::try_from(number).map_err(|_| type_error(spec, value, "a smaller whole number"))
    }

    fn from_missing(spec: &FieldSpec) -> Result<Self, FieldError> {
        let number = integer_default(spec)?;
        u32::try_from(number).map_err(|_| missing(spec))
    }

    fn to_value(&self) -> Option<Value> {
        Some(number_value(f64::from(*self)))
    }
}

impl PropertyValue for f64 {
    const FIELD_TYPE: FieldType = FieldType::Number;

    fn from_value(spec: &FieldSpec, value: &Value) -> Result<Self, FieldError> {
        match &value.kind {
            Some(Kind::NumberValue(number)) if number.is_finite() => Ok(*number),
            _ => Err(type_error(spec, value, "a number")),
        }
    }

    fn to_value(&self) -> Option<Value> {
        Some(number_value(*self))
    }
}

/// A list of texts; absent means empty, and an empty list is left out of the outputs (so a state written
/// before the property existed shows no change).
impl<T: TextValue> PropertyValue for Vec<T> {
    const FIELD_TYPE: FieldType = FieldType::StringList;
    const OPTIONAL: bool = true;

    fn from_value(spec: &FieldSpec, value: &Value) -> Result<Self, FieldError> {
        let Some(Kind::ListValue(list)) = &value.kind else {
            return Err(type_error(spec, value, "a list of strings"));
        };
        list.values
            .iter()
            .map(|item| match &item.kind {
                Some(Kind::StringValue(text)) => T::parse_text(spec.name, text)
                    .map_err(|reason| FieldError::new(spec.name, reason)),
                _ => Err(type_error(spec, item, "a list of strings")),
            })
            .collect()
    }

    fn from_missing(_spec: &FieldSpec) -> Result<Self, FieldError> {
        Ok(Vec::new())
    }

    fn to_value(&self) -> Option<Value> {
        (!self.is_empty()).then(|| list_value(self.iter().map(TextValue::to_text)))
    }
}

impl<T: PropertyValue> PropertyValue for Option<T> {
    const FIELD_TYPE: FieldType = T::FIELD_TYPE;
    const OPTIONAL: bool = true;

    fn from_value(spec: &FieldSpec, value: &Value) -> Result<Self, FieldError> {
        T::from_value(spec, value).map(Some)
    }

    fn from_missing(_spec: &FieldSpec) -> Result<Self, FieldError> {
        Ok(None)
    }

    fn to_value(&self) -> Option<Value> {
        self.as_ref().and_then(T::to_value)
    }
}

/// One property as a request gives it, read by its field table: what Check validates, Diff compares and a
/// preview echoes, so none of them looks at a wire value.
#[derive(Clone, Debug, PartialEq)]
pub enum Input<T> {
    /// Left out, or null: the table's default applies (or `None`, or an empty list).
    Absent,
    Known(T),
    /// Not known yet: it depends on an output that has not been computed (only in a preview).
    Unknown,
    /// Given, but not a value of the property (wrong type, or a text that does not parse).
    Invalid(FieldError),
}

/// How a property's new input compares with the recorded one (see [`Input::compared_with`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compared {
    Same,
    Added,
    Removed,
    Changed,
}

impl<T: PropertyValue + PartialEq> Input<T> {
    /// Reads what the map holds for the property `spec`.
    pub fn read(spec: &FieldSpec, value: Option<&Value>) -> Self {
        match value {
            None => Input::Absent,
            Some(value) if is_null(value) => Input::Absent,
            Some(value) if is_unknown(value) => Input::Unknown,
            Some(value) => match T::from_value(spec, value) {
                Ok(known) => Input::Known(known),
                Err(error) => Input::Invalid(error),
            },
        }
    }

    /// The value to use: the known one, or the table's default for an absent one; an error when the
    /// property is required and absent, not known yet, or invalid.
    pub fn resolve(self, spec: &FieldSpec) -> Result<T, FieldError> {
        match self {
            Input::Known(value) => Ok(value),
            Input::Absent => T::from_missing(spec),
            Input::Unknown => Err(FieldError::new(
                spec.name,
                format!(
                    "{} is not known yet (it depends on an output that has not been computed)",
                    spec.name
                ),
            )),
            Input::Invalid(error) => Err(error),
        }
    }

    /// The known value, if there is one.
    pub fn known(&self) -> Option<&T> {
        match self {
            Input::Known(value) => Some(value),
            _ => None,
        }
    }

    /// Something is set: a value that would be written to the outputs, an unknown, or an invalid value.
    /// An empty list and a value spelling out the absent one count as not set, like an absent property.
    fn is_set(&self) -> bool {
        match self {
            Input::Absent => false,
            Input::Known(value) => value.to_value().is_some(),
            Input::Unknown | Input::Invalid(_) => true,
        }
    }

    /// Diff's rule: an unknown new value may differ, so it is a change; so is anything invalid.
    pub fn compared_with(&self, old: &Input<T>) -> Compared {
        match (old.is_set(), self.is_set()) {
            (false, false) => Compared::Same,
            (false, true) => Compared::Added,
            (true, false) => Compared::Removed,
            (true, true) => match (old, self) {
                (Input::Known(old), Input::Known(new)) if old == new => Compared::Same,
                _ => Compared::Changed,
            },
        }
    }

    /// The wire value a preview echoes: the known value, the unknown marker, or nothing.
    pub fn preview_value(&self) -> Option<Value> {
        match self {
            Input::Known(value) => value.to_value(),
            Input::Unknown => Some(unknown_value()),
            Input::Absent | Input::Invalid(_) => None,
        }
    }
}

/// A property struct that a field table (or several) reads from a request.
pub trait FromProperties: Sized {
    /// The tables whose properties it holds.
    fn tables() -> Vec<&'static [FieldSpec]>;
    fn read(values: &PropertyMap) -> Self;
}

impl<A: FromProperties, B: FromProperties> FromProperties for (A, B) {
    fn tables() -> Vec<&'static [FieldSpec]> {
        let mut tables = A::tables();
        tables.extend(B::tables());
        tables
    }

    fn read(values: &PropertyMap) -> Self {
        (A::read(values), B::read(values))
    }
}

/// A request's property struct as the provider's code receives it: read by field tables into typed
/// [`Input`]s, plus what only the wire tells.
#[derive(Clone, Debug)]
pub struct Received<T> {
    pub inputs: T,
    /// The names of the properties that arrived secret: they leave secret too.
    pub secret: BTreeSet<String>,
    /// The text of every secret value (arrived secret, or secret by the tables), for redaction.
    pub secret_texts: Vec<String>,
    /// The names of the properties no table declares.
    pub undeclared: Vec<String>,
    /// The struct held no property at all.
    pub is_empty: bool,
}

/// Reads a request's property struct (absent: empty).
pub fn receive<T: FromProperties>(properties: Option<&Struct>) -> Received<T> {
    let revealed = reveal(properties);
    let tables = T::tables();
    let undeclared = revealed
        .values
        .keys()
        .filter(|name| {
            !tables
                .iter()
                .flat_map(|table| table.iter())
                .any(|field| field.name == name.as_str())
        })
        .cloned()
        .collect();
    Received {
        inputs: T::read(&revealed.values),
        secret_texts: revealed.secret_texts(&tables),
        is_empty: revealed.values.is_empty(),
        secret: revealed.secret,
        undeclared,
    }
}

/// Builds a wire struct from typed properties: `write` fills the map, then every property in `secret` or
/// marked secret by `tables` is wrapped as a secret.
pub fn send(
    secret: &BTreeSet<String>,
    tables: &[&[FieldSpec]],
    write: impl FnOnce(&mut PropertyMap),
) -> Struct {
    let mut values = PropertyMap::new();
    write(&mut values);
    Revealed {
        values,
        secret: secret.clone(),
    }
    .conceal(tables)
}

/// Every property of `fields` as not known yet (the results of a preview).
pub fn all_unknown(fields: &[FieldSpec], values: &mut PropertyMap) {
    for field in fields {
        values.insert(field.name.to_string(), unknown_value());
    }
}

/// `Check`'s answer to the engine: the inputs as given (undeclared ones too), plus the table's defaults.
pub fn with_defaults(properties: Option<&Struct>, fields: &[FieldSpec]) -> Struct {
    let mut revealed = reveal(properties);
    apply_defaults(fields, &mut revealed.values);
    revealed.conceal(&[fields])
}

/// The validator of properties that any well-typed value satisfies.
pub fn any_value<T>(_property: &str, _value: &T) -> Result<(), String> {
    Ok(())
}

/// Declares a typed property struct, its field table, and its struct of [`Input`]s, from one list of
/// documented fields.
///
/// It reads `pub struct Name (given: NameInputs) { ... }`, each field `/// doc` then
/// `rust_name: Type as "wireName" { default: .., secret: .., validate: .. }`. The doc comment becomes both the
/// rustdoc of the field and its schema description; the Rust type decides the schema type and whether the
/// property may be absent; `validate` is a function `(property name, &value) -> Result<(), String>` run by
/// `check` on known values. `NameInputs` holds an `Input<Type>` per field: what a request gave, known or not.
/// Secret fields are redacted in the generated `Debug`s.
macro_rules! typed_properties {
    (
        $(#[doc = $struct_doc:literal])*
        pub struct $name:ident (given: $given:ident) {
            $(
                $(#[doc = $doc:literal])+
                $field:ident : $ty:ty as $wire:literal {
                    default: $default:expr,
                    secret: $secret:expr,
                    validate: $validate:expr $(,)?
                }
            ),+ $(,)?
        }
    ) => {
        $(#[doc = $struct_doc])*
        #[derive(Clone, PartialEq)]
        pub struct $name {
            $( $(#[doc = $doc])+ pub $field: $ty, )+
        }

        #[doc = concat!("The properties of [`", stringify!($name), "`] as a request gives them: each known, not known yet, absent or invalid.")]
        #[derive(Clone, PartialEq)]
        pub struct $given {
            $( $(#[doc = $doc])+ pub $field: $crate::properties::Input<$ty>, )+
        }

        impl $name {
            /// The struct's doc comment, used as the schema description.
            #[allow(dead_code)]
            pub const DESCRIPTION_TEXT: &'static str = concat!($($struct_doc, "\n"),*);

            /// The field table: one row per property, in declaration order.
            pub const FIELDS: &'static [$crate::fields::FieldSpec] = &[
                $(
                    $crate::fields::FieldSpec {
                        name: $wire,
                        field_type: <$ty as $crate::properties::PropertyValue>::FIELD_TYPE,
                        optional: <$ty as $crate::properties::PropertyValue>::OPTIONAL,
                        default: $default,
                        description: concat!($($doc, "\n"),+),
                        secret: $secret,
                    },
                )+
            ];

            /// Converts a revealed property map; every property must be known and valid.
            #[allow(dead_code)]
            pub fn decode(
                values: &$crate::properties::PropertyMap,
            ) -> Result<Self, Vec<$crate::properties::FieldError>> {
                <$given as $crate::properties::FromProperties>::read(values).resolve()
            }

            /// Writes every property that has a value into `values`.
            #[allow(dead_code)]
            pub fn encode_into(&self, values: &mut $crate::properties::PropertyMap) {
                $(
                    if let Some(value) = $crate::properties::PropertyValue::to_value(&self.$field) {
                        values.insert($wire.to_string(), value);
                    }
                )+
            }
        }

        impl $crate::properties::FromProperties for $given {
            fn tables() -> Vec<&'static [$crate::fields::FieldSpec]> {
                vec![$name::FIELDS]
            }

            fn read(values: &$crate::properties::PropertyMap) -> Self {
                let mut specs = $name::FIELDS.iter();
                $(
                    let $field = match specs.next() {
                        Some(spec) => $crate::properties::Input::read(spec, values.get($wire)),
                        None => $crate::properties::Input::Absent,
                    };
                )+
                Self { $($field,)+ }
            }
        }

        impl $given {
            /// The values to use (defaults for absent ones), or what is wrong, property by property.
            #[allow(dead_code)]
            pub fn resolve(self) -> Result<$name, Vec<$crate::properties::FieldError>> {
                let mut errors = Vec::new();
                let mut specs = $name::FIELDS.iter();
                $(
                    let $field = specs.next().and_then(|spec| match self.$field.resolve(spec) {
                        Ok(value) => Some(value),
                        Err(error) => {
                            errors.push(error);
                            None
                        }
                    });
                )+
                match ($($field,)+) {
                    ($(Some($field),)+) if errors.is_empty() => Ok($name { $($field,)+ }),
                    _ => Err(errors),
                }
            }

            /// What is wrong with each property: invalid values, missing required ones, and the `validate`
            /// rules of known values and defaults (values not known yet pass unvalidated).
            #[allow(dead_code)]
            pub fn check(&self) -> Vec<$crate::properties::FieldError> {
                let mut errors = Vec::new();
                let mut specs = $name::FIELDS.iter();
                $(
                    if let Some(spec) = specs.next() {
                        if !matches!(self.$field, $crate::properties::Input::Unknown) {
                            match self.$field.clone().resolve(spec) {
                                Ok(value) => {
                                    if let Err(reason) = ($validate)($wire, &value) {
                                        errors.push($crate::properties::FieldError::new($wire, reason));
                                    }
                                }
                                Err(error) => errors.push(error),
                            }
                        }
                    }
                )+
                errors
            }

            /// How each property compares with `old`, in table order.
            #[allow(dead_code)]
            pub fn compared_with(&self, old: &Self) -> Vec<(&'static str, $crate::properties::Compared)> {
                vec![$(($wire, self.$field.compared_with(&old.$field)),)+]
            }

            /// Writes what a preview echoes: known values, and the unknown marker for unknown ones.
            #[allow(dead_code)]
            pub fn preview_into(&self, values: &mut $crate::properties::PropertyMap) {
                $(
                    if let Some(value) = self.$field.preview_value() {
                        values.insert($wire.to_string(), value);
                    }
                )+
            }
        }

        // Secret fields print as `[secret]`, in the typed values and as given alike.
        $crate::properties::debug_without_secrets!($name { $($field: $secret),+ });
        $crate::properties::debug_without_secrets!($given { $($field: $secret),+ });
    };
}

pub(crate) use typed_properties;

/// A `Debug` for the struct `$name` whose fields flagged secret print as `[secret]`.
macro_rules! debug_without_secrets {
    ($name:ident { $($field:ident: $secret:expr),+ }) => {
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut out = f.debug_struct(stringify!($name));
                $(
                    if $secret {
                        out.field(stringify!($field), &"[secret]");
                    } else {
                        out.field(stringify!($field), &self.$field);
                    }
                )+
                out.finish()
            }
        }
    };
}
pub(crate) use debug_without_secrets;

/// Every table property missing from `values` gets its default (what `Check` returns to the engine).
pub fn apply_defaults(fields: &[FieldSpec], values: &mut PropertyMap) {
    for field in fields {
        let Some(default) = field.default else {
            continue;
        };
        if values.get(field.name).is_none_or(is_null) {
            let value = match default {
                FieldDefault::Integer(number) => number_value(number as f64),
                FieldDefault::Boolean(flag) => bool_value(flag),
            };
            values.insert(field.name.to_string(), value);
        }
    }
}

/// A failure for every property that no table (and no allowed extra name) declares.
pub fn unknown_properties(
    values: &PropertyMap,
    tables: &[&[FieldSpec]],
    also_allowed: &[&str],
) -> Vec<FieldError> {
    let names: Vec<String> = values.keys().cloned().collect();
    unknown_names(&names, tables, also_allowed)
}

/// A failure for every name in `names` that no table (and no allowed extra name) declares.
pub fn unknown_names(
    names: &[String],
    tables: &[&[FieldSpec]],
    also_allowed: &[&str],
) -> Vec<FieldError> {
    let known = |name: &str| {
        also_allowed.contains(&name) || tables.iter().flat_map(|t| t.iter()).any(|f| f.name == name)
    };
    let valid: Vec<&str> = tables
        .iter()
        .flat_map(|t| t.iter())
        .map(|f| f.name)
        .collect();
    names
        .iter()
        .filter(|name| !known(name))
        .map(|name| {
            FieldError::new(
                name.clone(),
                format!(
                    "unknown property {name:?}: valid properties are {}",
                    valid.join(", ")
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    typed_properties! {
        /// A sample.
        pub struct Sample (given: SampleInputs) {
            /// The name. Used everywhere.
            name: String as "name" { default: None, secret: false, validate: any_value },
            /// How many.
            count: u64 as "count" { default: Some(FieldDefault::Integer(7)), secret: false, validate: |_, v: &u64| -> Result<(), String> {
                if *v == 0 { Err("count must be positive".into()) } else { Ok(()) }
            } },
            /// A password.
            password: Option<String> as "password" { default: None, secret: true, validate: any_value },
        }
    }

    fn map(entries: &[(&str, Value)]) -> PropertyMap {
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn decodes_with_defaults_and_options() {
        let sample = Sample::decode(&map(&[("name", string_value("a"))])).unwrap();
        assert_eq!(sample.name, "a");
        assert_eq!(sample.count, 7);
        assert_eq!(sample.password, None);
    }

    #[test]
    fn reports_missing_and_mistyped_properties_by_name() {
        let errors = Sample::decode(&map(&[("count", string_value("3m"))])).unwrap_err();
        let properties: Vec<&str> = errors.iter().map(|e| e.property.as_str()).collect();
        assert_eq!(properties, ["name", "count"]);
        assert_eq!(
            errors[0].reason,
            "missing required property name: The name."
        );
        assert_eq!(
            errors[1].reason,
            "invalid count `\"3m\"` (a string): expected a whole number from 0 to 9007199254740991"
        );
    }

    #[test]
    fn rejects_fractional_and_negative_integers() {
        for bad in [1.5, -1.0, f64::INFINITY] {
            let errors = Sample::decode(&map(&[
                ("name", string_value("a")),
                ("count", number_value(bad)),
            ]))
            .unwrap_err();
            assert_eq!(errors[0].property, "count");
        }
    }

    #[test]
    fn check_skips_unknowns_and_runs_validators() {
        let values = map(&[("name", unknown_value()), ("count", number_value(0.0))]);
        let errors = SampleInputs::read(&values).check();
        assert_eq!(
            errors,
            vec![FieldError::new("count", "count must be positive")]
        );
    }

    #[test]
    fn secrets_round_trip_and_table_secrets_are_wrapped() {
        let wire = Struct {
            fields: BTreeMap::from([
                (
                    "name".to_string(),
                    secret_value(string_value("hidden-name")),
                ),
                ("password".to_string(), string_value("pw")),
            ]),
        };
        let revealed = reveal(Some(&wire));
        assert_eq!(revealed.values["name"], string_value("hidden-name"));
        assert!(revealed.secret.contains("name"));
        let back = revealed.conceal(&[Sample::FIELDS]);
        assert_eq!(
            back.fields["name"],
            secret_value(string_value("hidden-name"))
        );
        assert_eq!(back.fields["password"], secret_value(string_value("pw")));
        let mut texts = revealed.secret_texts(&[Sample::FIELDS]);
        texts.sort();
        assert_eq!(texts, ["hidden-name", "pw"]);
    }

    #[test]
    fn debug_hides_secret_fields() {
        let sample = Sample {
            name: "n".into(),
            count: 1,
            password: Some("hunter2".into()),
        };
        let text = format!("{sample:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("[secret]"));
    }

    #[test]
    fn unknown_property_names_are_reported_with_the_valid_ones() {
        let errors =
            unknown_properties(&map(&[("nmae", string_value("x"))]), &[Sample::FIELDS], &[]);
        assert_eq!(errors[0].property, "nmae");
        assert!(
            errors[0]
                .reason
                .contains("valid properties are name, count, password")
        );
    }

    #[test]
    fn defaults_fill_only_missing_values() {
        let mut values = map(&[("count", number_value(5.0))]);
        apply_defaults(Sample::FIELDS, &mut values);
        assert_eq!(values["count"], number_value(5.0));
        let mut empty = PropertyMap::new();
        apply_defaults(Sample::FIELDS, &mut empty);
        assert_eq!(empty["count"], number_value(7.0));
    }
}
