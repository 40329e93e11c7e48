//! What counts as evidence of failure: which stopped tasks are failures (and
//! count towards a crash loop), and when a look is worth the two extra calls
//! that collect stopped tasks.

use super::Target;
use super::view::is_rollback_reason;
use crate::model::{
    RolloutState, ServiceDeployment, ServiceDeploymentStatus, ServiceEvent, ServiceSnapshot,
    StoppedTask, TaskStopCode,
};

/// True when the loop should look at stopped tasks this tick: something says tasks
/// are failing. Stopped tasks cost two calls, so healthy rollouts skip them.
pub fn suggests_failure(
    service: &ServiceSnapshot,
    service_deployment: Option<&ServiceDeployment>,
    target: &Target,
    new_events: &[&ServiceEvent],
) -> bool {
    let target_deployment = target.deployment_in(service);
    let deployment_says = target_deployment
        .is_some_and(|d| d.failed_tasks > 0 || d.rollout_state == Some(RolloutState::Failed));
    let rollback_under_way = service
        .primary_deployment()
        .is_some_and(|p| p.id != target.deployment_id && is_rollback_reason(p));
    let service_deployment_says = service_deployment.is_some_and(|sd| {
        sd.deployment_circuit_breaker
            .as_ref()
            .is_some_and(|cb| cb.failure_count > 0)
            || sd.status.as_ref().is_some_and(|status| {
                status.is_rollback()
                    || matches!(
                        status,
                        ServiceDeploymentStatus::Stopped | ServiceDeploymentStatus::StopRequested
                    )
            })
    });
    let events_say = new_events.iter().any(|event| {
        let text = event.message.to_ascii_lowercase();
        text.contains("unhealthy") || text.contains("stopped") || text.contains("failed")
    });
    deployment_says || rollback_under_way || service_deployment_says || events_say
}

/// A stop that counts towards a crash loop: the task failed, rather than being
/// scaled in, replaced, or stopped by a person or a spot reclaim.
pub fn is_failure_stop(task: &StoppedTask) -> bool {
    let reason = task
        .stopped_reason
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let container_failed = task.containers.iter().any(|c| {
        c.exit_code.is_some_and(|code| code != 0)
            || c.reason.as_deref().is_some_and(|r| {
                let r = r.to_ascii_lowercase();
                r.contains("error") || r.contains("outofmemory")
            })
    });
    let judged_by_reason = || {
        is_health_check_stop(task)
            || container_failed
            || reason.contains("cannotpullcontainer")
            || reason.contains("resourceinitializationerror")
            || reason.contains("failed to start")
    };
    match &task.stop_code {
        Some(TaskStopCode::TaskFailedToStart) => true,
        Some(TaskStopCode::EssentialContainerExited) => {
            // An essential container that exited 0 ended normally; no exit code at
            // all (killed, never started) still means the task died.
            container_failed || !task.containers.iter().any(|c| c.exit_code == Some(0))
        }
        Some(
            TaskStopCode::UserInitiated
            | TaskStopCode::SpotInterruption
            | TaskStopCode::TerminationNotice,
        ) => false,
        Some(TaskStopCode::ServiceSchedulerInitiated | TaskStopCode::Unknown(_)) | None => {
            judged_by_reason()
        }
    }
}

/// Tasks that reached RUNNING but were killed for failing health checks.
pub fn is_health_check_stop(task: &StoppedTask) -> bool {
    task.stopped_reason
        .as_deref()
        .is_some_and(|r| r.to_ascii_lowercase().contains("health check"))
}
