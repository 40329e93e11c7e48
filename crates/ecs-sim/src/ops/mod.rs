//! ECS operations: each reads its request fields, acts on the model, and writes its answer.

mod clusters;
mod deployment_actions;
mod deployment_configuration;
mod service_deployments;
mod services;
mod tags;
mod task_definitions;
mod tasks;
pub(crate) mod view;

use serde::Serialize;

use crate::model::Model;
use crate::wire::{EcsError, ErrorCode, Fields, arn};

/// Options that change how answers are written (set by faults).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct AnswerOptions {
    pub(crate) omit_rollout_state: bool,
}

/// Every operation the simulator implements.
pub(crate) const OPERATIONS: [&str; 26] = [
    "CreateCluster",
    "DescribeClusters",
    "ListClusters",
    "DeleteCluster",
    "RegisterTaskDefinition",
    "DescribeTaskDefinition",
    "ListTaskDefinitions",
    "ListTaskDefinitionFamilies",
    "DeregisterTaskDefinition",
    "DeleteTaskDefinitions",
    "CreateService",
    "UpdateService",
    "DeleteService",
    "DescribeServices",
    "ListServiceDeployments",
    "DescribeServiceDeployments",
    "DescribeServiceRevisions",
    "ContinueServiceDeployment",
    "StopServiceDeployment",
    "ListTasks",
    "DescribeTasks",
    "StopTask",
    "ListServices",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
];

/// Runs `operation` with the JSON `body` at simulated time `now`; returns the JSON answer.
pub(crate) fn dispatch(
    model: &mut Model,
    operation: &str,
    body: &[u8],
    now: f64,
    options: AnswerOptions,
) -> Result<Vec<u8>, EcsError> {
    if !OPERATIONS.contains(&operation) {
        return Err(unknown_operation(operation));
    }
    let fields = Fields::parse(body)?;
    match operation {
        "CreateCluster" => clusters::create_cluster(model, &fields, now),
        "DescribeClusters" => clusters::describe_clusters(model, &fields, now),
        "ListClusters" => clusters::list_clusters(model, &fields),
        "DeleteCluster" => clusters::delete_cluster(model, &fields, now),
        "RegisterTaskDefinition" => task_definitions::register(model, &fields, now),
        "DescribeTaskDefinition" => task_definitions::describe(model, &fields),
        "ListTaskDefinitions" => task_definitions::list(model, &fields),
        "ListTaskDefinitionFamilies" => task_definitions::list_families(model, &fields),
        "DeregisterTaskDefinition" => task_definitions::deregister(model, &fields, now),
        "DeleteTaskDefinitions" => task_definitions::delete(model, &fields, now),
        "CreateService" => services::create_service(model, &fields, now),
        "UpdateService" => services::update_service(model, &fields, now),
        "DeleteService" => services::delete_service(model, &fields, now),
        "DescribeServices" => services::describe_services(model, &fields, now, options),
        "ListServices" => services::list_services(model, &fields, now),
        "ListServiceDeployments" => service_deployments::list(model, &fields, now),
        "DescribeServiceDeployments" => service_deployments::describe(model, &fields, now),
        "DescribeServiceRevisions" => service_deployments::describe_revisions(model, &fields, now),
        "ContinueServiceDeployment" => deployment_actions::continue_deployment(model, &fields, now),
        "StopServiceDeployment" => deployment_actions::stop_deployment(model, &fields, now),
        "ListTasks" => tasks::list_tasks(model, &fields, now),
        "DescribeTasks" => tasks::describe_tasks(model, &fields, now),
        "StopTask" => tasks::stop_task(model, &fields, now),
        "TagResource" => tags::tag_resource(model, &fields),
        "UntagResource" => tags::untag_resource(model, &fields),
        "ListTagsForResource" => tags::list_tags_for_resource(model, &fields),
        _ => Err(unknown_operation(operation)),
    }
}

/// What ECS answers for an action it does not have (or a missing `X-Amz-Target`): 400 with
/// `{"__type": "com.amazon.coral.service#UnknownOperationException"}` and no message. The SDKs
/// read the code as `UnknownOperationException`.
pub(crate) fn unknown_operation(_operation: &str) -> EcsError {
    EcsError::new(ErrorCode::UnknownOperation, "")
}

/// Serialises an answer. ECS omits absent members instead of writing `null`, so every `null`
/// member is left out (at any depth).
fn answer<T: Serialize>(output: &T) -> Result<Vec<u8>, EcsError> {
    let mut value = serde_json::to_value(output)
        .map_err(|e| EcsError::server(format!("could not encode the answer: {e}")))?;
    drop_nulls(&mut value);
    serde_json::to_vec(&value)
        .map_err(|e| EcsError::server(format!("could not encode the answer: {e}")))
}

fn drop_nulls(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(members) => {
            members.retain(|_, member| !member.is_null());
            members.values_mut().for_each(drop_nulls);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// The `cluster` member (name or ARN), defaulting to `default` as ECS does.
fn cluster_field(fields: &Fields) -> Result<String, EcsError> {
    match fields.optional::<String>("cluster")? {
        Some(reference) => arn::cluster_name("cluster", &reference),
        None => Ok("default".to_owned()),
    }
}

/// A list member with ECS's per-call limit.
fn bounded_list(
    fields: &Fields,
    name: &str,
    operation: &str,
    max: usize,
) -> Result<Vec<String>, EcsError> {
    let items: Vec<String> = fields.required(name)?;
    if items.is_empty() || items.len() > max {
        return Err(EcsError::invalid_parameter(format!(
            "{name}: {} given; {operation} accepts between 1 and {max} per call.",
            items.len()
        )));
    }
    Ok(items)
}
