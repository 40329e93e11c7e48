//! ListTasks, DescribeTasks and StopTask.

use serde_json::json;

use super::view::{self, Failure, ViewContext};
use super::{answer, bounded_list, cluster_field};
use crate::model::Model;
use crate::wire::{self, EcsError, Fields, arn};

pub(super) fn list_tasks(
    model: &mut Model,
    fields: &Fields,
    now: f64,
) -> Result<Vec<u8>, EcsError> {
    let cluster_name = cluster_field(fields)?;
    let service_name = fields
        .optional::<String>("serviceName")?
        .map(|reference| arn::service_name("serviceName", &reference))
        .transpose()?;
    let desired_status = fields
        .optional::<String>("desiredStatus")?
        .unwrap_or_else(|| "RUNNING".to_owned());
    if !matches!(desired_status.as_str(), "RUNNING" | "PENDING" | "STOPPED") {
        return Err(EcsError::invalid_parameter(format!(
            "desiredStatus: `{desired_status}` is not valid; use RUNNING, PENDING or STOPPED."
        )));
    }
    let started_by: Option<String> = fields.optional("startedBy")?;
    let family: Option<String> = fields.optional("family")?;
    let launch_type: Option<String> = fields.optional("launchType")?;
    let max = wire::max_results(fields.optional("maxResults")?, 100, 100)?;
    let start = match fields.optional::<String>("nextToken")? {
        Some(token) => wire::parse_next_token(&token)?,
        None => 0,
    };

    let (cluster, ids, arns) = model.cluster_with_arns(&cluster_name)?;
    match &service_name {
        Some(name) => {
            cluster
                .with_service(name, now, ids, |_, _| ())
                .ok_or_else(EcsError::service_not_found)?;
        }
        None => cluster.advance_all(now, ids),
    }
    // PENDING is a desired status ECS accepts but never sets; simulated tasks desire RUNNING or STOPPED.
    let wanted_desired = if desired_status == "STOPPED" {
        "STOPPED"
    } else {
        "RUNNING"
    };
    let arns: Vec<String> = cluster
        .services
        .values()
        .filter(|s| service_name.as_ref().is_none_or(|name| &s.name == name))
        .filter(|s| launch_type.as_ref().is_none_or(|lt| &s.launch_type == lt))
        .flat_map(|s| s.all_tasks())
        .filter(|t| desired_status != "PENDING" && t.desired_status() == wanted_desired)
        .filter(|t| {
            started_by
                .as_ref()
                .is_none_or(|by| &crate::model::deployment::deployment_id(t.deployment) == by)
        })
        .filter(|t| {
            family
                .as_ref()
                .is_none_or(|f| &t.task_definition.family == f)
        })
        .map(|t| arns.task(&cluster_name, &t.id))
        .collect();
    let page: Vec<&String> = arns.iter().skip(start).take(max).collect();
    let next_token =
        (start + page.len() < arns.len()).then(|| wire::next_token(start + page.len()));
    answer(&json!({ "taskArns": page, "nextToken": next_token }))
}

/// The message ECS gives StopTask for a task it does not know.
const TASK_NOT_FOUND: &str = "The referenced task was not found.";

pub(super) fn stop_task(model: &mut Model, fields: &Fields, now: f64) -> Result<Vec<u8>, EcsError> {
    let cluster_name = cluster_field(fields)?;
    let reference: String = fields.required("task")?;
    let reason = fields
        .optional::<String>("reason")?
        .unwrap_or_else(|| "Task stopped by user".to_owned());
    if reason.chars().count() > 255 {
        return Err(EcsError::invalid_parameter(
            "reason: at most 255 characters are allowed.",
        ));
    }
    let Some(task_id) = arn::task_id(&reference) else {
        return Err(EcsError::invalid_parameter(format!(
            "task: `{reference}` is neither a task id (32 hex digits) nor a task ARN."
        )));
    };
    let (cluster, ids, arns) = model.cluster_with_arns(&cluster_name)?;
    let owner = cluster
        .task_owner(&task_id)
        .map(str::to_owned)
        .ok_or_else(|| EcsError::invalid_parameter(TASK_NOT_FOUND))?;
    let ctx = ViewContext {
        arns,
        cluster: &cluster_name,
        omit_rollout_state: false,
    };
    let view = cluster
        .with_service(&owner, now, ids, |service, ids| {
            // Stopping a task that is already stopping answers with it as it is, as ECS does.
            let _ = service.stop_task(&task_id, reason, ids, now);
            service
                .find_task(&task_id)
                .map(|task| view::task(&ctx, service, task, now))
        })
        .flatten()
        .ok_or_else(|| EcsError::invalid_parameter(TASK_NOT_FOUND))?;
    answer(&json!({ "task": view }))
}

pub(super) fn describe_tasks(
    model: &mut Model,
    fields: &Fields,
    now: f64,
) -> Result<Vec<u8>, EcsError> {
    let cluster_name = cluster_field(fields)?;
    let references = bounded_list(fields, "tasks", "DescribeTasks", 100)?;
    let include_tags = super::services::include_tags(fields)?;
    let (cluster, ids, arns) = model.cluster_with_arns(&cluster_name)?;
    let ctx = ViewContext {
        arns,
        cluster: &cluster_name,
        omit_rollout_state: false,
    };
    let mut tasks = Vec::new();
    let mut failures = Vec::new();
    for reference in references {
        let Some(task_id) = arn::task_id(&reference) else {
            return Err(EcsError::invalid_parameter(format!(
                "tasks: `{reference}` is neither a task id (32 hex digits) nor a task ARN \
                 (arn:aws:ecs:<region>:<account>:task/<cluster>/<id>)."
            )));
        };
        let owner = cluster.task_owner(&task_id).map(str::to_owned);
        let view = owner.and_then(|owner| {
            cluster
                .with_service(&owner, now, ids, |service, _| {
                    service.find_task(&task_id).map(|task| {
                        // Where the task's tags come from: propagateTags of its service.
                        let source = match service.settings.propagate_tags.as_str() {
                            "SERVICE" => service.arn.clone(),
                            "TASK_DEFINITION" => task.task_definition.arn.clone(),
                            _ => ctx.arns.task(&cluster_name, &task.id),
                        };
                        (view::task(&ctx, service, task, now), source)
                    })
                })
                .flatten()
        });
        match view {
            Some(view) => tasks.push(view),
            None => failures.push(Failure::missing(ctx.arns.task(&cluster_name, &task_id))),
        }
    }
    let tasks: Vec<serde_json::Value> = tasks
        .into_iter()
        .map(|(view, source)| {
            let mut value = serde_json::to_value(view).unwrap_or_default();
            if include_tags {
                value["tags"] = serde_json::Value::Array(model.tags.view(&source));
            }
            value
        })
        .collect();
    answer(&json!({ "tasks": tasks, "failures": failures }))
}
