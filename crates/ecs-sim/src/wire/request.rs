//! Reading request bodies field by field, so every error names the field and the value.
//!
//! Deserialising a whole request struct with serde would report "invalid type: string, expected
//! i32 at line 1 column 40" without saying which field; reading each top-level member on its
//! own lets the error say `desiredCount` too.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::{EcsError, ErrorCode};

/// The members of a JSON request body.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    members: Map<String, Value>,
}

impl Fields {
    /// Parses a request body; an empty body counts as `{}` (the CLI sends that for no arguments).
    pub(crate) fn parse(body: &[u8]) -> Result<Self, EcsError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(members)) => Ok(Self { members }),
            Ok(other) => Err(EcsError::new(
                ErrorCode::Serialization,
                format!(
                    "request body must be a JSON object, got {}",
                    kind_of(&other)
                ),
            )),
            Err(e) => Err(EcsError::new(
                ErrorCode::Serialization,
                format!("request body is not valid JSON: {e}"),
            )),
        }
    }

    /// An optional member; JSON `null` counts as absent, as it does for ECS.
    pub(crate) fn optional<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, EcsError> {
        match self.members.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => serde_json::from_value(value.clone())
                .map(Some)
                .map_err(|e| {
                    EcsError::new(
                        ErrorCode::Serialization,
                        format!("{name}: {e} (got {})", preview(value)),
                    )
                }),
        }
    }

    /// A required member.
    pub(crate) fn required<T: DeserializeOwned>(&self, name: &str) -> Result<T, EcsError> {
        self.optional(name)?.ok_or_else(|| {
            EcsError::invalid_parameter(format!("{name} is required but was not given."))
        })
    }

    /// The raw JSON of a member, for configuration the simulator only echoes back.
    pub(crate) fn raw(&self, name: &str) -> Option<&Value> {
        self.members.get(name).filter(|v| !v.is_null())
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A short rendering of a value for error messages.
fn preview(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        let cut: String = text.chars().take(77).collect();
        format!("{cut}...")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_errors_name_the_field_and_the_value() {
        let fields = Fields::parse(br#"{"desiredCount": "three"}"#).unwrap();
        let err = fields.optional::<i32>("desiredCount").unwrap_err();
        assert_eq!(err.code, ErrorCode::Serialization);
        assert!(err.message.contains("desiredCount"), "{}", err.message);
        assert!(err.message.contains("\"three\""), "{}", err.message);
    }

    #[test]
    fn missing_required_member_is_invalid_parameter() {
        let fields = Fields::parse(b"").unwrap();
        let err = fields.required::<String>("service").unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameter);
        assert!(err.message.contains("service"));
    }

    #[test]
    fn null_is_absent_and_non_objects_are_rejected() {
        let fields = Fields::parse(br#"{"cluster": null}"#).unwrap();
        assert_eq!(fields.optional::<String>("cluster").unwrap(), None);
        assert!(Fields::parse(b"[1]").is_err());
        assert!(Fields::parse(b"{").is_err());
    }
}
