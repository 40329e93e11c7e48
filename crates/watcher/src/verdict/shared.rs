//! Rules every deployment strategy applies: the service going away, the
//! service-deployment API's terminal states, being superseded, and crash loops.

use super::view::TargetView;
use super::{Assessment, Target, evidence};
use crate::model::{
    AlarmStatus, CircuitBreakerStatus, LifecycleHookDetail, LifecycleHookStatus, ServiceDeployment,
    ServiceDeploymentStatus, ServiceSnapshot, ServiceStatus, StoppedTask,
};

/// The service, unless it was deleted or is being deleted: then nothing will
/// finish rolling out, and the error is the verdict.
pub(super) fn live_service<'a>(
    service: Option<&'a ServiceSnapshot>,
    target: &Target,
) -> Result<&'a ServiceSnapshot, Assessment> {
    let name = &target.service_name;
    let reason = match service {
        None => format!("service {name} was deleted while waiting"),
        Some(service) => match &service.status {
            Some(ServiceStatus::Inactive) => format!("service {name} is INACTIVE (it was deleted)"),
            Some(ServiceStatus::Draining) => {
                format!("service {name} is DRAINING (it is being deleted)")
            }
            Some(ServiceStatus::Active | ServiceStatus::Unknown(_)) | None => return Ok(service),
        },
    };
    Err(Assessment::Failed { reason })
}

/// Terminal states of `DescribeServiceDeployments`; `None` while it is running
/// (or without that API).
pub(super) fn service_deployment_ended(view: &TargetView<'_>) -> Option<Assessment> {
    let sd = view.observation.service_deployment?;
    let status_reason = sd.status_reason.as_deref().filter(|r| !r.is_empty());
    match sd.status.as_ref()? {
        ServiceDeploymentStatus::RollbackRequested
        | ServiceDeploymentStatus::RollbackInProgress
        | ServiceDeploymentStatus::RollbackSuccessful => Some(Assessment::RolledBack {
            to_task_definition: rollback_task_definition(view, sd),
            reason: rollback_reason(sd),
        }),
        ServiceDeploymentStatus::RollbackFailed => Some(Assessment::Failed {
            reason: format!(
                "deployment {} failed and so did the rollback: {}",
                view.id(),
                rollback_reason(sd)
            ),
        }),
        ServiceDeploymentStatus::Stopped | ServiceDeploymentStatus::StopRequested => {
            Some(match view.superseding_deployment() {
                Some(newer) => view.superseded_by(newer),
                None => Assessment::Failed {
                    reason: format!(
                        "deployment {} was stopped: {}",
                        view.id(),
                        status_reason.unwrap_or("no reason given")
                    ),
                },
            })
        }
        ServiceDeploymentStatus::Successful => Some(view.completed_if_serving_desired()),
        ServiceDeploymentStatus::Pending
        | ServiceDeploymentStatus::InProgress
        | ServiceDeploymentStatus::Unknown(_) => None,
    }
}

/// A newer deployment took over from the target.
pub(super) fn superseded(view: &TargetView<'_>) -> Option<Assessment> {
    view.superseding_deployment()
        .map(|newer| view.superseded_by(newer))
}

/// Tasks of the target keep stopping (at least `max_task_failures` failure
/// stops) and none of them stays up.
pub(super) fn crash_loop(view: &TargetView<'_>) -> Option<Assessment> {
    let target = view.target;
    let threshold = target.max_task_failures as usize;
    if threshold == 0 {
        return None;
    }
    let failures: Vec<&StoppedTask> = view
        .observation
        .stopped_tasks
        .iter()
        .filter(|task| {
            task.started_by.is_none()
                || target.deployment_id.is_none()
                || task.started_by == target.deployment_id
        })
        .filter(|task| evidence::is_failure_stop(task))
        .collect();
    if failures.len() < threshold {
        return None;
    }
    let (running, desired, _) = view.counts();
    // A task that exits a few seconds after starting shows up in the running
    // count in between, so "running" is weak evidence of health: every running
    // task may be the next to fail. Only failures beyond the running tasks show
    // that none stays up. Health-check kills were RUNNING until they died, so
    // for them the running count proves nothing at all.
    let beyond_running = failures.len() >= threshold + usize::try_from(running).unwrap_or(0);
    let all_health_check_kills = failures
        .iter()
        .all(|task| evidence::is_health_check_stop(task));
    (beyond_running || all_health_check_kills).then(|| Assessment::Failed {
        reason: format!(
            "tasks of deployment {} keep failing ({} stopped, {running}/{desired} running)",
            view.id(),
            failures.len()
        ),
    })
}

/// Which task definition ECS rolled back to, from the most to the least direct evidence.
fn rollback_task_definition(view: &TargetView<'_>, sd: &ServiceDeployment) -> Option<String> {
    let revisions = view.observation.revision_task_definitions;
    let from_revision = |arn: Option<&String>| arn.and_then(|arn| revisions.get(arn)).cloned();
    from_revision(
        sd.rollback
            .as_ref()
            .and_then(|r| r.service_revision_arn.as_ref()),
    )
    .or_else(|| {
        view.primary_other_than_target()
            .and_then(|p| p.task_definition.clone())
            .filter(|td| Some(td.as_str()) != view.task_definition)
    })
    .or_else(|| {
        from_revision(
            sd.source_service_revisions
                .first()
                .and_then(|r| r.arn.as_ref()),
        )
    })
}

/// Why ECS rolled back, from the service deployment: its status reason, plus the
/// circuit breaker or alarms that triggered it.
fn rollback_reason(sd: &ServiceDeployment) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(reason) = sd.status_reason.as_deref().filter(|r| !r.is_empty()) {
        parts.push(reason.to_owned());
    }
    if let Some(reason) = sd
        .rollback
        .as_ref()
        .and_then(|r| r.reason.as_deref())
        .filter(|r| !r.is_empty() && !parts.iter().any(|p| p.contains(r.trim_end_matches('.'))))
    {
        parts.push(reason.to_owned());
    }
    if let Some(cb) = sd
        .deployment_circuit_breaker
        .as_ref()
        .filter(|cb| cb.status == Some(CircuitBreakerStatus::Triggered))
    {
        parts.push(format!(
            "circuit breaker triggered after {} failed tasks (threshold {})",
            cb.failure_count, cb.threshold
        ));
    }
    for hook in sd.lifecycle_hook_details.iter().filter(|hook| {
        matches!(
            hook.status,
            Some(LifecycleHookStatus::Failed | LifecycleHookStatus::TimedOut)
        )
    }) {
        parts.push(hook_outcome(hook));
    }
    let already_said = |parts: &[String], names: &[String]| {
        !names.is_empty()
            && names
                .iter()
                .all(|n| parts.iter().any(|p| p.contains(n.as_str())))
    };
    if let Some(alarms) = sd
        .alarms
        .as_ref()
        .filter(|a| a.status == Some(AlarmStatus::Triggered))
        .filter(|a| !already_said(&parts, &a.triggered_alarm_names))
    {
        if alarms.triggered_alarm_names.is_empty() {
            parts.push("a CloudWatch alarm triggered".to_owned());
        } else {
            parts.push(format!(
                "CloudWatch alarm(s) triggered: {}",
                alarms.triggered_alarm_names.join(", ")
            ));
        }
    }
    if parts.is_empty() {
        "ECS rolled the deployment back".to_owned()
    } else {
        parts
            .iter()
            .map(|part| part.trim_end_matches('.'))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// `lifecycle hook check-health (AWS_LAMBDA arn:aws:lambda:…:function:check) FAILED`.
pub(super) fn hook_outcome(hook: &LifecycleHookDetail) -> String {
    let id = hook.hook_id.as_deref().unwrap_or("(no id)");
    let runs_on = match (&hook.target_type, hook.target_arn.as_deref()) {
        (Some(kind), Some(arn)) => format!(" ({kind} {arn})"),
        (Some(kind), None) => format!(" ({kind})"),
        (None, Some(arn)) => format!(" ({arn})"),
        (None, None) => String::new(),
    };
    let status = hook
        .status
        .as_ref()
        .map_or("in an unknown state", |s| s.as_str());
    let mut text = format!("lifecycle hook {id}{runs_on} {status}");
    if hook.status == Some(LifecycleHookStatus::TimedOut)
        && let Some(action) = &hook.timeout_action
    {
        text.push_str(&format!(" (timeout action {action})"));
    }
    text
}
