//! The Pulumi package schema, generated from the field tables.
//!
//! Every property of the provider configuration, the resource inputs and the resource outputs is described
//! once, by a [`FieldSpec`] produced by the `typed_properties!` declarations in `resource` and `config`.
//! The same specs drive the wire conversion in `properties`, so the schema handed to `pulumi package gen-sdk`
//! and the code that reads the values cannot drift apart.

use serde_json::{Map, Value, json};

use crate::config::ProviderConfig;
use crate::fields::{FieldDefault, FieldSpec, FieldType, doc_text};
use crate::resource::{OUTPUT_TABLES, WaitArgs};
use crate::{PACKAGE_NAME, PLUGIN_DOWNLOAD_URL, RESOURCE_TOKEN, VERSION};

/// The JSON of a default value in the schema.
fn default_json(default: FieldDefault) -> Value {
    match default {
        FieldDefault::Integer(value) => json!(value),
        FieldDefault::Boolean(value) => json!(value),
    }
}

/// One property's schema. `default` only makes sense for inputs: outputs always hold the value that was used.
fn property_schema(field: &FieldSpec, with_default: bool) -> Value {
    let mut property = Map::new();
    property.insert("type".into(), json!(field.field_type.schema_name()));
    if field.field_type == FieldType::StringList {
        property.insert("items".into(), json!({"type": "string"}));
    }
    property.insert("description".into(), json!(field.description_text()));
    if let Some(default) = field.default.filter(|_| with_default) {
        property.insert("default".into(), default_json(default));
    }
    if field.secret {
        property.insert("secret".into(), json!(true));
    }
    Value::Object(property)
}

/// The properties of every table, by name (inputs with their defaults, outputs without).
fn properties(tables: &[&[FieldSpec]], with_default: bool) -> Value {
    Value::Object(
        tables
            .iter()
            .flat_map(|table| table.iter())
            .map(|field| (field.name.to_string(), property_schema(field, with_default)))
            .collect(),
    )
}

/// Names of the properties of `tables` for which `keep` holds, in declaration order.
fn names_where(tables: &[&[FieldSpec]], keep: fn(&FieldSpec) -> bool) -> Vec<&'static str> {
    tables
        .iter()
        .flat_map(|table| table.iter())
        .filter(|field| keep(field))
        .map(|field| field.name)
        .collect()
}

/// The Pulumi package schema of this provider, as a JSON value.
pub fn package_schema() -> Value {
    let config_properties = properties(&[ProviderConfig::FIELDS], true);
    json!({
        "name": PACKAGE_NAME,
        "displayName": "Wait for ECS deploy",
        "version": VERSION,
        "pluginDownloadURL": PLUGIN_DOWNLOAD_URL,
        "description": "Waits for an Amazon ECS service deployment to finish and reports whether it worked, \
                        and if not, why.",
        "keywords": ["pulumi", "aws", "ecs", "deployment", "category/cloud", "kind/native"],
        "license": "Apache-2.0",
        "config": { "variables": config_properties },
        "provider": {
            "description": "The provider for `WaitForEcsDeployment`: where and as whom to call Amazon ECS. \
                            Unset values come from the standard AWS environment (AWS_REGION, AWS_PROFILE, \
                            AWS_ENDPOINT_URL, ...).",
            "inputProperties": config_properties,
        },
        "resources": {
            RESOURCE_TOKEN: {
                "description": doc_text(WaitArgs::DESCRIPTION_TEXT),
                "inputProperties": properties(&[WaitArgs::FIELDS], true),
                // The properties a program must set.
                "requiredInputs": names_where(&[WaitArgs::FIELDS], FieldSpec::required),
                "properties": properties(OUTPUT_TABLES, false),
                // The outputs that always have a value once the resource exists (defaults count).
                "required": names_where(OUTPUT_TABLES, |field| !field.optional),
            }
        },
        "language": {
            "nodejs": {
                "packageName": "@wait-for-ecs-deploy/pulumi",
                // The generated code calls `runtime.existsResource`, new in @pulumi/pulumi 3.270.
                "dependencies": { "@pulumi/pulumi": "^3.270.0" },
                // Stamp the provider version into the SDK, so it asks the engine for this very plugin.
                "respectSchemaVersion": true,
            },
            "python": {
                "packageName": "pulumi_wait_for_ecs_deploy",
                "requires": { "pulumi": ">=3.0.0,<4.0.0" },
                "respectSchemaVersion": true,
            },
            "go": {
                "importBasePath": "github.com/wait-for-ecs-deploy/wait-for-ecs-deploy/sdk/go/waitforecsdeploy",
                // Without it the Go SDK guesses its version from the module path (v1) and asks the engine
                // for a plugin that does not exist.
                "respectSchemaVersion": true,
            },
        },
    })
}

/// The schema as the text `GetSchema` returns and `schema.json` holds (pretty JSON, sorted keys, final newline).
pub fn schema_text() -> String {
    // serde_json's default map is a BTreeMap, so the key order (and the checked-in file) is deterministic.
    let mut text = serde_json::to_string_pretty(&package_schema()).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::WaitResults;

    fn resource() -> Value {
        package_schema()["resources"][RESOURCE_TOKEN].clone()
    }

    #[test]
    fn required_inputs_are_the_three_names_of_the_npm_package() {
        assert_eq!(
            resource()["requiredInputs"],
            json!(["clusterName", "serviceName", "desiredTaskDef"])
        );
    }

    #[test]
    fn defaults_appear_in_the_schema() {
        let inputs = &resource()["inputProperties"];
        assert_eq!(inputs["timeoutMs"]["default"], json!(180_000));
        assert_eq!(inputs["maxTaskFailures"]["default"], json!(3));
        assert_eq!(inputs["failOnError"]["default"], json!(true));
        assert_eq!(inputs["pollIntervalMs"]["default"], json!(2000));
        assert_eq!(inputs["timeoutMs"]["type"], json!("integer"));
    }

    #[test]
    fn outputs_are_inputs_plus_results() {
        let outputs = resource()["properties"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for name in [
            "clusterName",
            "status",
            "failureMessage",
            "outcome",
            "deploymentId",
            "primaryTaskDef",
        ] {
            assert!(outputs.contains_key(name), "missing output {name}");
        }
        let required = resource()["required"].clone();
        assert!(
            required
                .as_array()
                .is_some_and(|r| r.contains(&json!("status")))
        );
        assert!(
            required
                .as_array()
                .is_some_and(|r| !r.contains(&json!("deploymentId")))
        );
    }

    #[test]
    fn every_property_has_a_description_from_its_doc_comment() {
        for table in [
            WaitArgs::FIELDS,
            WaitResults::FIELDS,
            ProviderConfig::FIELDS,
        ] {
            for field in table {
                let text = field.description_text();
                assert!(text.len() > 10, "{} has no real description", field.name);
                assert!(
                    !text.starts_with(' '),
                    "{} description keeps doc indentation",
                    field.name
                );
            }
        }
    }

    #[test]
    fn descriptions_lose_doc_indentation_and_outputs_have_no_defaults() {
        let description = resource()["description"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(!description.contains("\n "), "{description}");
        assert_eq!(resource()["properties"]["timeoutMs"].get("default"), None);
    }

    #[test]
    fn external_id_is_secret() {
        assert_eq!(
            resource()["inputProperties"]["externalId"]["secret"],
            json!(true)
        );
        assert_eq!(
            package_schema()["config"]["variables"]["externalId"]["secret"],
            json!(true)
        );
    }
}
