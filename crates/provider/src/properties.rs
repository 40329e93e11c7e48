//! Pulumi property values on the wire (`google.protobuf.Struct`) ⇄ typed Rust values.
//!
//! The engine marks secrets by wrapping a value in an object carrying a signature key, and marks values not
//! known yet (during preview) with a sentinel string. [`reveal`] unwraps secrets while remembering which
//! properties were secret, so [`Revealed::conceal`] can wrap them again on the way out: a secret input stays a
//! secret output. `typed_properties!` declares a typed struct together with its field table (the one source
//! of truth for the schema) and generates the conversions from that table.

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

    /// Converts whatever the map holds for this property.
    fn decode(spec: &FieldSpec, value: Option<&Value>) -> Result<Self, FieldError> {
        match value {
            None => Self::from_missing(spec),
            Some(value) if is_null(value) => Self::from_missing(spec),
            Some(value) if is_unknown(value) => Err(FieldError::new(
                spec.name,
                format!(
                    "{} is not known yet (it depends on an output that has not been computed)",
                    spec.name
                ),
            )),
            Some(value) => Self::from_value(spec, value),
        }
    }
}

impl PropertyValue for String {
    const FIELD_TYPE: FieldType = FieldType::String;

    fn from_value(spec: &FieldSpec, value: &Value) -> Result<Self, FieldError> {
        match &value.kind {
            Some(Kind::StringValue(text)) => Ok(text.clone()),
            _ => Err(type_error(spec, value, "a string")),
        }
    }

    fn to_value(&self) -> Option<Value> {
        Some(string_value(self.clone()))
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

/// A list of strings; absent means empty, and an empty list is left out of the outputs (so a state written
/// before the property existed shows no change).
impl PropertyValue for Vec<String> {
    const FIELD_TYPE: FieldType = FieldType::StringList;
    const OPTIONAL: bool = true;

    fn from_value(spec: &FieldSpec, value: &Value) -> Result<Self, FieldError> {
        let Some(Kind::ListValue(list)) = &value.kind else {
            return Err(type_error(spec, value, "a list of strings"));
        };
        list.values
            .iter()
            .map(|item| match &item.kind {
                Some(Kind::StringValue(text)) => Ok(text.clone()),
                _ => Err(type_error(spec, item, "a list of strings")),
            })
            .collect()
    }

    fn from_missing(_spec: &FieldSpec) -> Result<Self, FieldError> {
        Ok(Vec::new())
    }

    fn to_value(&self) -> Option<Value> {
        (!self.is_empty()).then(|| Value {
            kind: Some(Kind::ListValue(prost_types::ListValue {
                values: self.iter().map(|text| string_value(text.clone())).collect(),
            })),
        })
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

/// The validator of properties that any well-typed value satisfies.
pub fn any_value<T>(_property: &str, _value: &T) -> Result<(), String> {
    Ok(())
}

/// Declares a typed property struct and its field table from one list of documented fields.
///
/// Each field reads `/// doc` then `rust_name: Type as "wireName" { default: .., secret: .., validate: .. }`.
/// The doc comment becomes both the rustdoc of the field and its schema description; the Rust type decides
/// the schema type and whether the property may be absent; `validate` is a function
/// `(property name, &value) -> Result<(), String>` run by `check` on known values. Secret fields are redacted in the
/// generated `Debug`.
macro_rules! typed_properties {
    (
        $(#[doc = $struct_doc:literal])*
        pub struct $name:ident {
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

            /// Converts a revealed property map; every property must be known and well-typed.
            #[allow(dead_code)]
            pub fn decode(
                values: &$crate::properties::PropertyMap,
            ) -> Result<Self, Vec<$crate::properties::FieldError>> {
                let mut errors = Vec::new();
                let mut index = 0usize;
                $(
                    let spec = &Self::FIELDS[index];
                    index += 1;
                    let $field = match <$ty as $crate::properties::PropertyValue>::decode(spec, values.get($wire)) {
                        Ok(value) => Some(value),
                        Err(error) => {
                            errors.push(error);
                            None
                        }
                    };
                )+
                let _ = index;
                match ($($field,)+) {
                    ($(Some($field),)+) if errors.is_empty() => Ok(Self { $($field,)+ }),
                    _ => Err(errors),
                }
            }

            /// Type-checks and validates every known property (unknown values pass unvalidated).
            #[allow(dead_code)]
            pub fn check(values: &$crate::properties::PropertyMap) -> Vec<$crate::properties::FieldError> {
                let mut errors = Vec::new();
                let mut index = 0usize;
                $(
                    let spec = &Self::FIELDS[index];
                    index += 1;
                    let raw = values.get($wire);
                    if !raw.is_some_and($crate::properties::is_unknown) {
                        match <$ty as $crate::properties::PropertyValue>::decode(spec, raw) {
                            Ok(value) => {
                                if let Err(reason) = ($validate)($wire, &value) {
                                    errors.push($crate::properties::FieldError::new($wire, reason));
                                }
                            }
                            Err(error) => errors.push(error),
                        }
                    }
                )+
                let _ = index;
                errors
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

pub(crate) use typed_properties;

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
    let known = |name: &str| {
        also_allowed.contains(&name) || tables.iter().flat_map(|t| t.iter()).any(|f| f.name == name)
    };
    let valid: Vec<&str> = tables
        .iter()
        .flat_map(|t| t.iter())
        .map(|f| f.name)
        .collect();
    values
        .keys()
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
        pub struct Sample {
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
        let errors = Sample::check(&values);
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
