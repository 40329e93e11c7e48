//! RegisterTaskDefinition and DescribeTaskDefinition.

use serde_json::{Map, Value, json};

use super::answer;
use crate::model::Model;
use crate::model::task_definition::{ContainerSpec, TaskDefinition, parse_cpu, parse_memory};
use crate::wire::{EcsError, Fields, arn, timestamp};

/// Input members returned as given by DescribeTaskDefinition.
const ECHOED_MEMBERS: [&str; 14] = [
    "containerDefinitions",
    "networkMode",
    "requiresCompatibilities",
    "executionRoleArn",
    "taskRoleArn",
    "volumes",
    "placementConstraints",
    "runtimePlatform",
    "ephemeralStorage",
    "pidMode",
    "ipcMode",
    "proxyConfiguration",
    "inferenceAccelerators",
    "enableFaultInjection",
];

pub fn register(model: &mut Model, fields: &Fields, now: f64) -> Result<Vec<u8>, EcsError> {
    let family: String = fields.required("family")?;
    if !arn::is_valid_name(&family) {
        return Err(EcsError::client(format!(
            "family: `{family}` is not a valid family name; use 1-255 letters, digits, `-` and `_`."
        )));
    }
    let container_values: Vec<Value> = fields.required("containerDefinitions")?;
    if container_values.is_empty() {
        return Err(EcsError::client(
            "containerDefinitions: at least one container definition is required.",
        ));
    }
    let containers = container_values
        .iter()
        .enumerate()
        .map(|(i, value)| ContainerSpec::from_json(i, value))
        .collect::<Result<Vec<_>, _>>()?;

    let mut echo = Map::new();
    for member in ECHOED_MEMBERS {
        if let Some(value) = fields.raw(member) {
            echo.insert(member.to_owned(), value.clone());
        }
    }
    // ECS stores cpu and memory as strings; accept numbers too (hand-written JSON uses them).
    let cpu = size_text(fields, "cpu")?;
    let memory = size_text(fields, "memory")?;
    let cpu_units = cpu.as_deref().map(parse_cpu).transpose()?;
    let memory_mib = memory.as_deref().map(parse_memory).transpose()?;
    if let Some(cpu) = cpu {
        echo.insert("cpu".to_owned(), Value::String(cpu));
    }
    if let Some(memory) = memory {
        echo.insert("memory".to_owned(), Value::String(memory));
    }

    let revision = model.task_definitions.next_revision(&family);
    let definition = model.task_definitions.insert(TaskDefinition {
        arn: model.arns.task_definition(&family, revision),
        family,
        revision,
        registered_at: now,
        cpu_units,
        memory_mib,
        containers,
        echo,
    });
    answer(&json!({ "taskDefinition": view(model, &definition), "tags": [] }))
}

fn size_text(fields: &Fields, name: &str) -> Result<Option<String>, EcsError> {
    match fields.raw(name) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(Value::Number(number)) => Ok(Some(number.to_string())),
        Some(other) => Err(EcsError::client(format!(
            "{name}: {other} is not a size; expected a string such as \"256\" or \"1 vCPU\"."
        ))),
    }
}

pub fn describe(model: &mut Model, fields: &Fields) -> Result<Vec<u8>, EcsError> {
    let reference: String = fields.required("taskDefinition")?;
    let parsed = arn::task_definition_ref("taskDefinition", &reference)?;
    let definition = model
        .task_definitions
        .resolve("taskDefinition", &parsed)
        .map_err(|e| EcsError::client(e.message))?;
    answer(&json!({ "taskDefinition": view(model, &definition), "tags": [] }))
}

fn view(model: &Model, definition: &TaskDefinition) -> Value {
    let mut out = definition.echo.clone();
    out.insert("taskDefinitionArn".into(), json!(definition.arn));
    out.insert("family".into(), json!(definition.family));
    out.insert("revision".into(), json!(definition.revision));
    out.insert("status".into(), json!("ACTIVE"));
    out.insert(
        "registeredAt".into(),
        json!(timestamp(definition.registered_at)),
    );
    out.insert("registeredBy".into(), json!(model.arns.caller_role()));
    out.insert("compatibilities".into(), json!(["EC2", "FARGATE"]));
    out.insert("requiresAttributes".into(), json!([]));
    Value::Object(out)
}
