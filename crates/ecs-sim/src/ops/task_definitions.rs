//! RegisterTaskDefinition, DescribeTaskDefinition, ListTaskDefinitions,
//! ListTaskDefinitionFamilies, DeregisterTaskDefinition and DeleteTaskDefinitions.

use serde_json::{Map, Value, json};

use super::answer;
use super::view::Failure;
use crate::behaviour::{fargate_sizes_text, is_fargate_size};
use crate::model::Model;
use crate::model::tags;
use crate::model::task_definition::{
    ContainerSpec, RevisionStatus, TaskDefinition, parse_cpu, parse_memory,
};
use crate::wire::{self, EcsError, Fields, arn, timestamp};

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

pub(super) fn register(model: &mut Model, fields: &Fields, now: f64) -> Result<Vec<u8>, EcsError> {
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
    let tags = tags::parse(fields, "tags")?;

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
    let compatibilities: Vec<String> = fields
        .optional("requiresCompatibilities")?
        .unwrap_or_default();
    if compatibilities.iter().any(|c| c == "FARGATE") {
        check_fargate(fields, cpu_units, memory_mib)?;
    }
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
    model.tags.add(&definition.arn, tags)?;
    let tags = model.tags.view(&definition.arn);
    answer(&json!({ "taskDefinition": view(model, &definition), "tags": tags }))
}

/// What ECS checks of a task definition that requires FARGATE compatibility.
fn check_fargate(
    fields: &Fields,
    cpu_units: Option<u32>,
    memory_mib: Option<u32>,
) -> Result<(), EcsError> {
    let network_mode: Option<String> = fields.optional("networkMode")?;
    if network_mode.as_deref().is_some_and(|mode| mode != "awsvpc") {
        return Err(EcsError::client(
            "Fargate only supports network mode 'awsvpc'.",
        ));
    }
    let (Some(cpu), Some(memory)) = (cpu_units, memory_mib) else {
        return Err(EcsError::client(
            "Fargate requires that 'cpu' and 'memory' be defined at the task level.",
        ));
    };
    if !is_fargate_size(cpu, memory) {
        return Err(EcsError::client(format!(
            "No Fargate configuration exists for given values: {cpu} CPU, {memory} memory. \
             See the Amazon ECS documentation for the possible combinations ({}).",
            fargate_sizes_text()
        )));
    }
    Ok(())
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

pub(super) fn describe(model: &mut Model, fields: &Fields) -> Result<Vec<u8>, EcsError> {
    let reference: String = fields.required("taskDefinition")?;
    let include_tags = super::services::include_tags(fields)?;
    let parsed = arn::task_definition_ref("taskDefinition", &reference)?;
    let definition = model.task_definitions.resolve("taskDefinition", &parsed)?;
    let mut out = json!({ "taskDefinition": view(model, &definition) });
    if include_tags {
        out["tags"] = Value::Array(model.tags.view(&definition.arn));
    }
    answer(&out)
}

/// `status` of the List operations: ACTIVE (default), INACTIVE, and for families also ALL.
fn status_filter(fields: &Fields, allow_all: bool) -> Result<Option<RevisionStatus>, EcsError> {
    let status = fields
        .optional::<String>("status")?
        .unwrap_or_else(|| "ACTIVE".to_owned());
    match status.as_str() {
        "ACTIVE" => Ok(Some(RevisionStatus::Active)),
        "INACTIVE" => Ok(Some(RevisionStatus::Inactive)),
        "DELETE_IN_PROGRESS" if !allow_all => Ok(Some(RevisionStatus::DeleteInProgress)),
        "ALL" if allow_all => Ok(None),
        _ => Err(EcsError::invalid_parameter(format!(
            "status: `{status}` is not valid; use {}.",
            if allow_all {
                "ACTIVE, INACTIVE or ALL"
            } else {
                "ACTIVE, INACTIVE or DELETE_IN_PROGRESS"
            }
        ))),
    }
}

/// One page of `items` from the `nextToken`/`maxResults` members (default and most: 100).
fn page(fields: &Fields, items: Vec<String>) -> Result<Value, EcsError> {
    let max = wire::max_results(fields.optional("maxResults")?, 100, 100)?;
    let start = match fields.optional::<String>("nextToken")? {
        Some(token) => wire::parse_next_token(&token)?,
        None => 0,
    };
    let page: Vec<&String> = items.iter().skip(start).take(max).collect();
    let mut out = Map::new();
    let end = start + page.len();
    out.insert("page".to_owned(), json!(page));
    if end < items.len() {
        out.insert("nextToken".to_owned(), json!(wire::next_token(end)));
    }
    Ok(Value::Object(out))
}

/// Renames the `page` member of [`page`]'s answer.
fn named_page(mut page: Value, name: &str) -> Value {
    if let Some(members) = page.as_object_mut()
        && let Some(items) = members.remove("page")
    {
        members.insert(name.to_owned(), items);
    }
    page
}

pub(super) fn list(model: &mut Model, fields: &Fields) -> Result<Vec<u8>, EcsError> {
    let family: Option<String> = fields.optional("familyPrefix")?;
    let status = status_filter(fields, false)?;
    let descending = match fields.optional::<String>("sort")?.as_deref() {
        None | Some("ASC") => false,
        Some("DESC") => true,
        Some(other) => {
            return Err(EcsError::invalid_parameter(format!(
                "sort: `{other}` is not valid; use ASC or DESC."
            )));
        }
    };
    let registry = &model.task_definitions;
    let mut arns: Vec<String> = registry
        .all()
        // familyPrefix is a whole family name for this operation, as in ECS.
        .filter(|d| family.as_ref().is_none_or(|f| &d.family == f))
        .filter(|d| status.is_none_or(|s| registry.status(d) == s))
        .map(|d| d.arn.clone())
        .collect();
    if descending {
        arns.reverse();
    }
    answer(&named_page(page(fields, arns)?, "taskDefinitionArns"))
}

pub(super) fn list_families(model: &mut Model, fields: &Fields) -> Result<Vec<u8>, EcsError> {
    let prefix: Option<String> = fields.optional("familyPrefix")?;
    let status = status_filter(fields, true)?;
    let registry = &model.task_definitions;
    let names: Vec<String> = registry
        .families()
        .filter(|(name, _)| prefix.as_ref().is_none_or(|p| name.starts_with(p.as_str())))
        .filter(|(_, revisions)| {
            let active = revisions
                .iter()
                .any(|d| registry.status(d) == RevisionStatus::Active);
            match status {
                None => true,
                Some(RevisionStatus::Active) => active,
                Some(_) => !active,
            }
        })
        .map(|(name, _)| name.clone())
        .collect();
    answer(&named_page(page(fields, names)?, "families"))
}

pub(super) fn deregister(
    model: &mut Model,
    fields: &Fields,
    now: f64,
) -> Result<Vec<u8>, EcsError> {
    let reference: String = fields.required("taskDefinition")?;
    let parsed = arn::task_definition_ref("taskDefinition", &reference)?;
    let definition = model.task_definitions.deregister(&parsed, now)?;
    answer(&json!({ "taskDefinition": view(model, &definition) }))
}

pub(super) fn delete(model: &mut Model, fields: &Fields, now: f64) -> Result<Vec<u8>, EcsError> {
    let references = super::bounded_list(fields, "taskDefinitions", "DeleteTaskDefinitions", 10)?;
    let mut deleted = Vec::new();
    let mut failures = Vec::new();
    for reference in references {
        let parsed = arn::task_definition_ref("taskDefinitions", &reference)?;
        if !matches!(parsed, arn::TaskDefinitionRef::Revision(..)) {
            return Err(EcsError::client(format!(
                "taskDefinitions: `{reference}` names a family; give family:revision or a full ARN."
            )));
        }
        match model.task_definitions.delete(&parsed, now)? {
            Ok(definition) => deleted.push(view(model, &definition)),
            Err(refusal) => failures.push(Failure {
                arn: match &parsed {
                    arn::TaskDefinitionRef::Revision(family, revision) => {
                        model.arns.task_definition(family, *revision)
                    }
                    arn::TaskDefinitionRef::Latest(family) => family.clone(),
                },
                reason: refusal.reason.to_owned(),
                detail: None,
            }),
        }
    }
    answer(&json!({ "taskDefinitions": deleted, "failures": failures }))
}

fn view(model: &Model, definition: &TaskDefinition) -> Value {
    let state = model.task_definitions.state(definition);
    let mut out = definition.echo.clone();
    out.insert("taskDefinitionArn".into(), json!(definition.arn));
    out.insert("family".into(), json!(definition.family));
    out.insert("revision".into(), json!(definition.revision));
    out.insert("status".into(), json!(state.status.as_str()));
    out.insert(
        "registeredAt".into(),
        json!(timestamp(definition.registered_at)),
    );
    if let Some(at) = state.deregistered_at {
        out.insert("deregisteredAt".into(), json!(timestamp(at)));
    }
    if let Some(at) = state.delete_requested_at {
        out.insert("deleteRequestedAt".into(), json!(timestamp(at)));
    }
    out.insert("registeredBy".into(), json!(model.arns.caller_role()));
    out.insert("compatibilities".into(), json!(["EC2", "FARGATE"]));
    out.insert("requiresAttributes".into(), json!([]));
    Value::Object(out)
}
