//! Rules for rolling deployments (`strategy: ROLLING`, ECS's default): besides
//! the shared rules, what `DescribeServices` `deployments[]` says — the rollout
//! state ECS keeps per deployment, the circuit breaker's rollback deployment, and
//! completion on endpoints without the service-deployment API.

use super::view::{TargetView, created_after, is_rollback_reason};
use super::{Assessment, shared};
use crate::model::{Deployment, RolloutState};

pub(super) fn assess(view: &TargetView<'_>) -> Assessment {
    if let Some(decided) = shared::service_deployment_ended(view) {
        return decided;
    }
    if let Some(decided) = describe_services_failure(view) {
        return decided;
    }
    if let Some(decided) = shared::superseded(view) {
        return decided;
    }
    if view.observation.service_deployment.is_none()
        && let Some(decided) = describe_services_completion(view)
    {
        return decided;
    }
    if let Some(decided) = shared::crash_loop(view) {
        return decided;
    }
    Assessment::Pending(view.progress())
}

/// Rollouts `DescribeServices` already shows as failed or rolled back.
fn describe_services_failure(view: &TargetView<'_>) -> Option<Assessment> {
    let target_failure_reason = |d: &Deployment| {
        (d.rollout_state == Some(RolloutState::Failed)).then(|| {
            d.rollout_state_reason
                .clone()
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| format!("deployment {} FAILED", view.id()))
        })
    };
    let current_failure = view.deployment.and_then(target_failure_reason);
    let earlier_failure = view
        .observation
        .last_seen_target
        .and_then(target_failure_reason);

    if let Some(primary) = view.primary_other_than_target() {
        let newer_than_target = view.deployment.is_none_or(|t| created_after(primary, t));
        if is_rollback_reason(primary) && newer_than_target {
            let reason = current_failure
                .or(earlier_failure)
                .or_else(|| primary.rollout_state_reason.clone())
                .unwrap_or_default();
            return Some(Assessment::RolledBack {
                to_task_definition: primary.task_definition.clone(),
                reason,
            });
        }
        // The target failed and has since left the list; the service now runs
        // something else, which can only be the rollback.
        if view.deployment.is_none()
            && let Some(reason) = earlier_failure.clone()
            && primary.task_definition.as_deref() != view.task_definition
        {
            return Some(Assessment::RolledBack {
                to_task_definition: primary.task_definition.clone(),
                reason,
            });
        }
    }
    current_failure.map(|reason| Assessment::Failed { reason })
}

/// Completion as `DescribeServices` shows it, used only without the
/// service-deployment API (which knows about bake time and alarms).
fn describe_services_completion(view: &TargetView<'_>) -> Option<Assessment> {
    let deployment = view.deployment?;
    let done = match &deployment.rollout_state {
        Some(RolloutState::Completed) => deployment.is_primary(),
        Some(RolloutState::InProgress | RolloutState::Failed | RolloutState::Unknown(_)) => false,
        // Old endpoints and emulators: done when only the target is left and it
        // runs everything it should.
        None => {
            view.service.deployments.len() == 1
                && deployment.running_count == deployment.desired_count
                && deployment.pending_count == 0
        }
    };
    done.then(|| view.completed_if_serving_desired())
}
