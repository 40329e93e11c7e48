//! The field table and the Pulumi package schema generated from it.
//!
//! Every property of the provider configuration, the resource inputs and the resource outputs is described
//! once, by a [`FieldSpec`] produced by the `typed_properties!` declarations in `resource` and `config`.
//! The same specs drive the wire conversion in `properties`, so the schema handed to `pulumi package gen-sdk`
//! and the code that reads the values cannot drift apart.

use serde_json::{Map, Value, json};

use crate::config::ProviderConfig;
use crate::resource::{WaitArgs, WaitResults};
use crate::{PACKAGE_NAME, RESOURCE_TOKEN, VERSION};

/// The schema type of a property (Pulumi schema primitive types only: every property here is a scalar).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    String,
    Integer,
    Number,
    Boolean,
}

impl FieldType {
    /// The name used in the Pulumi schema's `type`.
    pub fn schema_name(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Integer => "integer",
            FieldType::Number => "number",
            FieldType::Boolean => "boolean",
        }
    }
}

/// The value a property takes when the program leaves it out (applied by `Check`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FieldDefault {
    Integer(u64),
    Boolean(bool),
}

impl FieldDefault {
    fn to_json(self) -> Value {
        match self {
            FieldDefault::Integer(value) => json!(value),
            FieldDefault::Boolean(value) => json!(value),
        }
    }
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

    /// `default` only makes sense for inputs: outputs always hold the value that was used.
    fn property_schema(&self, with_default: bool) -> Value {
        let mut property = Map::new();
        property.insert("type".into(), json!(self.field_type.schema_name()));
        property.insert("description".into(), json!(self.description_text()));
        if let Some(default) = self.default.filter(|_| with_default) {
            property.insert("default".into(), default.to_json());
        }
        if self.secret {
            property.insert("secret".into(), json!(true));
        }
        Value::Object(property)
    }
}

/// A doc comment as schema text: each line without the space rustdoc keeps after `///`.
pub fn doc_text(doc: &str) -> String {
    let lines: Vec<&str> = doc.lines().map(str::trim).collect();
    lines.join("\n").trim().to_string()
}

fn input_properties(fields: &[FieldSpec]) -> Value {
    Value::Object(
        fields
            .iter()
            .map(|field| (field.name.to_string(), field.property_schema(true)))
            .collect(),
    )
}

fn output_properties(tables: &[&[FieldSpec]]) -> Value {
    let map: Map<String, Value> = tables
        .iter()
        .flat_map(|table| table.iter())
        .map(|field| (field.name.to_string(), field.property_schema(false)))
        .collect();
    Value::Object(map)
}

/// Names of the properties a program must set.
fn required_inputs(fields: &[FieldSpec]) -> Vec<&'static str> {
    fields
        .iter()
        .filter(|field| field.required())
        .map(|field| field.name)
        .collect()
}

/// Names of the output properties that always have a value once the resource exists (defaults count).
fn always_present_outputs(fields: &[&[FieldSpec]]) -> Vec<&'static str> {
    fields
        .iter()
        .flat_map(|table| table.iter())
        .filter(|field| !field.optional)
        .map(|field| field.name)
        .collect()
}

/// The Pulumi package schema of this provider, as a JSON value.
pub fn package_schema() -> Value {
    let config_properties = input_properties(ProviderConfig::FIELDS);
    let output_tables: &[&[FieldSpec]] = &[WaitArgs::FIELDS, WaitResults::FIELDS];
    json!({
        "name": PACKAGE_NAME,
        "displayName": "Wait for ECS deploy",
        "version": VERSION,
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
                "inputProperties": input_properties(WaitArgs::FIELDS),
                "requiredInputs": required_inputs(WaitArgs::FIELDS),
                "properties": output_properties(output_tables),
                "required": always_present_outputs(output_tables),
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
