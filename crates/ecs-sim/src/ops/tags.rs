//! TagResource, UntagResource and ListTagsForResource, for clusters, services, task definitions
//! and tasks.

use serde_json::json;

use super::answer;
use crate::model::Model;
use crate::model::tags;
use crate::wire::{EcsError, ErrorCode, Fields, arn};

/// Whether `resource_arn` names something that exists in this region's world.
fn exists(model: &Model, resource_arn: &str) -> Result<bool, EcsError> {
    let prefix = format!("arn:aws:ecs:{}:", model.arns.region());
    let Some(resource) = resource_arn
        .strip_prefix(&prefix)
        .and_then(|rest| rest.split_once(':'))
        .map(|(_, resource)| resource)
    else {
        return Err(EcsError::invalid_parameter(format!(
            "resourceArn: `{resource_arn}` is not an ECS ARN of this region \
             (arn:aws:ecs:{}:<account>:<resource>).",
            model.arns.region()
        )));
    };
    let mut parts = resource.split('/');
    let found = match (parts.next(), parts.next(), parts.next()) {
        (Some("cluster"), Some(cluster), None) => {
            model.clusters.get(cluster).is_some_and(|c| c.is_active())
        }
        (Some("service"), Some(cluster), Some(service)) => model
            .clusters
            .get(cluster)
            .and_then(|c| c.services.get(service))
            .is_some_and(|s| s.status != crate::model::service::ServiceStatus::Inactive),
        (Some("task"), Some(cluster), Some(task)) => model
            .clusters
            .get(cluster)
            .is_some_and(|c| c.task_owner(task).is_some()),
        (Some("task-definition"), Some(_), None) => {
            arn::task_definition_ref("resourceArn", resource_arn)
                .ok()
                .is_some_and(|r| model.task_definitions.resolve("resourceArn", &r).is_ok())
        }
        _ => false,
    };
    Ok(found)
}

fn not_found() -> EcsError {
    EcsError::new(
        ErrorCode::ResourceNotFound,
        "The specified resource could not be found.",
    )
}

pub(super) fn tag_resource(model: &mut Model, fields: &Fields) -> Result<Vec<u8>, EcsError> {
    let resource: String = fields.required("resourceArn")?;
    let new_tags = tags::parse(fields, "tags")?;
    if new_tags.is_empty() {
        return Err(EcsError::invalid_parameter(
            "tags: at least one tag is required.",
        ));
    }
    if !exists(model, &resource)? {
        return Err(not_found());
    }
    model.tags.add(&resource, new_tags)?;
    answer(&json!({}))
}

pub(super) fn untag_resource(model: &mut Model, fields: &Fields) -> Result<Vec<u8>, EcsError> {
    let resource: String = fields.required("resourceArn")?;
    let keys: Vec<String> = fields.required("tagKeys")?;
    if !exists(model, &resource)? {
        return Err(not_found());
    }
    model.tags.remove(&resource, &keys);
    answer(&json!({}))
}

pub(super) fn list_tags_for_resource(
    model: &mut Model,
    fields: &Fields,
) -> Result<Vec<u8>, EcsError> {
    let resource: String = fields.required("resourceArn")?;
    if !exists(model, &resource)? {
        return Err(EcsError::invalid_parameter(
            "The specified resource could not be found.",
        ));
    }
    answer(&json!({ "tags": model.tags.view(&resource) }))
}
