//! Resource tags (TagResource, UntagResource, ListTagsForResource and the `tags` members of the
//! Create/Register operations), kept by ARN.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::wire::{EcsError, Fields};

/// ECS allows at most 50 tags per resource.
pub(crate) const MAX_TAGS: usize = 50;

#[derive(Debug, Default)]
pub(crate) struct Tags {
    by_arn: BTreeMap<String, Vec<(String, String)>>,
}

impl Tags {
    /// The tags of `arn` in the wire shape `[{"key": .., "value": ..}]`, in the order they were added.
    pub(crate) fn view(&self, arn: &str) -> Vec<Value> {
        self.by_arn
            .get(arn)
            .into_iter()
            .flatten()
            .map(|(key, value)| json!({"key": key, "value": value}))
            .collect()
    }

    /// Adds `tags` to `arn`, replacing the values of keys it already has.
    pub(crate) fn add(&mut self, arn: &str, tags: Vec<(String, String)>) -> Result<(), EcsError> {
        let existing = self.by_arn.entry(arn.to_owned()).or_default();
        let mut merged = existing.clone();
        for (key, value) in tags {
            match merged.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => merged.push((key, value)),
            }
        }
        if merged.len() > MAX_TAGS {
            return Err(EcsError::invalid_parameter(format!(
                "tags: a resource can have at most {MAX_TAGS} tags; this would give it {}.",
                merged.len()
            )));
        }
        *existing = merged;
        Ok(())
    }

    pub(crate) fn remove(&mut self, arn: &str, keys: &[String]) {
        if let Some(tags) = self.by_arn.get_mut(arn) {
            tags.retain(|(key, _)| !keys.contains(key));
        }
    }

    /// Drops every tag of a resource that is gone.
    pub(crate) fn forget(&mut self, arn: &str) {
        self.by_arn.remove(arn);
    }
}

#[derive(Deserialize)]
struct TagInput {
    key: Option<String>,
    value: Option<String>,
}

/// Reads a `tags` member (`[{"key": .., "value": ..}]`) with ECS's limits.
pub(crate) fn parse(fields: &Fields, member: &str) -> Result<Vec<(String, String)>, EcsError> {
    let inputs: Vec<TagInput> = fields.optional(member)?.unwrap_or_default();
    if inputs.len() > MAX_TAGS {
        return Err(EcsError::invalid_parameter(format!(
            "{member}: {} tags given; at most {MAX_TAGS} are allowed.",
            inputs.len()
        )));
    }
    inputs
        .into_iter()
        .enumerate()
        .map(|(i, tag)| {
            let key = tag.key.unwrap_or_default();
            let value = tag.value.unwrap_or_default();
            if key.is_empty() || key.chars().count() > 128 {
                return Err(EcsError::invalid_parameter(format!(
                    "{member}[{i}].key: `{key}` must be 1 to 128 characters long."
                )));
            }
            if value.chars().count() > 256 {
                return Err(EcsError::invalid_parameter(format!(
                    "{member}[{i}].value: at most 256 characters are allowed."
                )));
            }
            if key.to_ascii_lowercase().starts_with("aws:") {
                return Err(EcsError::invalid_parameter(format!(
                    "{member}[{i}].key: `{key}`: the aws: prefix is reserved for use by AWS."
                )));
            }
            Ok((key, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_replaces_values_and_keeps_order() {
        let mut tags = Tags::default();
        tags.add(
            "a",
            vec![("env".into(), "dev".into()), ("team".into(), "x".into())],
        )
        .unwrap();
        tags.add("a", vec![("env".into(), "prod".into())]).unwrap();
        assert_eq!(
            tags.view("a"),
            vec![
                json!({"key": "env", "value": "prod"}),
                json!({"key": "team", "value": "x"})
            ]
        );
        tags.remove("a", &["env".into()]);
        assert_eq!(tags.view("a"), vec![json!({"key": "team", "value": "x"})]);
        assert!(tags.view("b").is_empty());
    }

    #[test]
    fn reserved_prefix_and_empty_keys_are_refused() {
        let fields = Fields::parse(br#"{"tags": [{"key": "aws:x", "value": "1"}]}"#).unwrap();
        assert!(parse(&fields, "tags").is_err());
        let fields = Fields::parse(br#"{"tags": [{"value": "1"}]}"#).unwrap();
        assert!(parse(&fields, "tags").is_err());
    }
}
