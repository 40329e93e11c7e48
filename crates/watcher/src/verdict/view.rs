//! The observation seen from the watched deployment's point of view: which
//! `deployments[]` entry is the target, what it runs, who took over from it, and
//! where its counts stand. Every strategy's rules read the observation through it.

use super::{Assessment, Observation, Progress, ProgressState, StagedProgress, Target};
use crate::model::{
    Deployment, LifecycleStage, PausedHook, RolloutState, ServiceSnapshot, short_task_definition,
};

pub(super) struct TargetView<'a> {
    pub(super) observation: &'a Observation<'a>,
    pub(super) service: &'a ServiceSnapshot,
    pub(super) target: &'a Target,
    /// The target's entry in the current `deployments[]`, if still listed.
    pub(super) deployment: Option<&'a Deployment>,
    pub(super) task_definition: Option<&'a str>,
}

impl<'a> TargetView<'a> {
    pub(super) fn new(
        observation: &'a Observation<'a>,
        service: &'a ServiceSnapshot,
        target: &'a Target,
    ) -> Self {
        let deployment = target.deployment_in(service);
        let task_definition = target
            .task_definition
            .as_deref()
            .or_else(|| deployment.and_then(|d| d.task_definition.as_deref()))
            .or_else(|| {
                observation
                    .last_seen_target
                    .and_then(|d| d.task_definition.as_deref())
            });
        Self {
            observation,
            service,
            target,
            deployment,
            task_definition,
        }
    }

    pub(super) fn id(&self) -> &str {
        self.target
            .deployment_id
            .as_deref()
            .unwrap_or("the target deployment")
    }

    pub(super) fn primary_other_than_target(&self) -> Option<&'a Deployment> {
        self.service
            .primary_deployment()
            .filter(|p| p.id.is_none() || p.id != self.target.deployment_id)
    }

    /// A newer deployment took over from the target (not a rollback of it).
    pub(super) fn superseding_deployment(&self) -> Option<&'a Deployment> {
        let primary = self.primary_other_than_target()?;
        if is_rollback_reason(primary) {
            return None;
        }
        match self.deployment {
            Some(target) => created_after(primary, target).then_some(primary),
            None => {
                // A running service deployment that `DescribeServices` does not list
                // yet is ECS lagging, not a replacement; if it gets replaced its
                // status turns STOPPED.
                if let Some(sd) = self.observation.service_deployment
                    && sd.status.as_ref().is_some_and(|s| s.is_running())
                {
                    return None;
                }
                let serves_other_definition =
                    primary.task_definition.as_deref() != self.task_definition;
                // Seen in `deployments[]` earlier and gone now: replaced, whatever it runs.
                let dropped_from_list = self.observation.last_seen_target.is_some()
                    && self.observation.service_deployment.is_none();
                (serves_other_definition || dropped_from_list).then_some(primary)
            }
        }
    }

    pub(super) fn superseded_by(&self, newer: &Deployment) -> Assessment {
        let runs = newer
            .task_definition
            .as_deref()
            .map(|td| format!(" ({})", short_task_definition(td)))
            .unwrap_or_default();
        let older_revision_of_same_family = match (
            self.task_definition.and_then(family_and_revision),
            newer
                .task_definition
                .as_deref()
                .and_then(family_and_revision),
        ) {
            (Some((family, revision)), Some((newer_family, newer_revision))) => {
                family == newer_family && newer_revision < revision
            }
            _ => false,
        };
        // The README's rule: the target vanished and the service went back to an
        // older revision — that is what a finished rollback looks like. Unless the
        // target was seen completed: ECS rolls back only rollouts in progress, so
        // an older revision after a completed one is someone else's deploy.
        let seen_completed = self
            .observation
            .last_seen_target
            .is_some_and(|d| d.rollout_state == Some(RolloutState::Completed));
        if self.deployment.is_none()
            && self.observation.service_deployment.is_none()
            && older_revision_of_same_family
            && !seen_completed
        {
            return Assessment::RolledBack {
                to_task_definition: newer.task_definition.clone(),
                reason: format!(
                    "deployment {} is gone and the service is back on an older revision",
                    self.id()
                ),
            };
        }
        Assessment::Failed {
            reason: format!(
                "deployment {} was superseded by deployment {}{runs}",
                self.id(),
                newer.id_or_unknown()
            ),
        }
    }

    /// The deployment finished: COMPLETED, unless what the service ends up with
    /// is not what was asked for.
    pub(super) fn completed_if_serving_desired(&self) -> Assessment {
        if let (Some(desired), Some(actual)) =
            (&self.target.desired_task_definition, self.task_definition)
            && !desired.matches(actual)
        {
            return Assessment::Failed {
                reason: format!(
                    "deployment {} finished but runs {}, not the desired {desired}",
                    self.id(),
                    short_task_definition(actual)
                ),
            };
        }
        if let Some(newer) = self.superseding_deployment() {
            return self.superseded_by(newer);
        }
        if self.service.desired_count == 0 && self.target.peak_desired_count > 0 {
            return Assessment::Failed {
                reason: format!(
                    "service {} was scaled to zero (from {} tasks) while deployment {} rolled out: \
                     no task runs it",
                    self.target.service_name,
                    self.target.peak_desired_count,
                    self.id()
                ),
            };
        }
        Assessment::Completed
    }

    /// `(running, desired, pending)` of the target, from whichever API lists it.
    pub(super) fn counts(&self) -> (i32, i32, i32) {
        if let Some(d) = self.deployment {
            return (d.running_count, d.desired_count, d.pending_count);
        }
        self.observation
            .service_deployment
            .and_then(|sd| sd.target_service_revision.as_ref())
            .map(|r| {
                (
                    r.running_task_count,
                    r.requested_task_count,
                    r.pending_task_count,
                )
            })
            .unwrap_or_default()
    }

    pub(super) fn progress(&self) -> Progress {
        let (running, desired, pending) = self.counts();
        let rollout_state = self
            .observation
            .service_deployment
            .and_then(|sd| sd.status.clone().map(ProgressState::ServiceDeployment))
            .or_else(|| {
                self.deployment
                    .and_then(|d| d.rollout_state.clone().map(ProgressState::Rollout))
            })
            .unwrap_or_default();
        let failed_tasks = self
            .deployment
            .map(|d| d.failed_tasks)
            .or_else(|| {
                self.observation
                    .service_deployment
                    .and_then(|sd| sd.deployment_circuit_breaker.as_ref())
                    .map(|cb| cb.failure_count)
            })
            .unwrap_or_default();
        Progress {
            rollout_state,
            running,
            desired,
            pending,
            failed_tasks,
            staged: self.staged_progress(),
        }
    }

    /// Stage, traffic split and pause of a staged deployment; `None` when the
    /// service deployment reports none of them (rolling, or no such API).
    fn staged_progress(&self) -> Option<Box<StagedProgress>> {
        let sd = self.observation.service_deployment?;
        let revision = sd.target_service_revision.as_ref();
        let staged = StagedProgress {
            stage: sd.lifecycle_stage.clone(),
            test_traffic_weight: revision.and_then(|r| r.requested_test_traffic_weight),
            production_traffic_weight: revision.and_then(|r| r.requested_production_traffic_weight),
            paused_hook: PausedHook::of(sd),
        };
        (staged != StagedProgress::default()).then(|| Box::new(staged))
    }

    /// The stage the target got to: the furthest seen, or the one it shows now.
    pub(super) fn stage_reached(&self) -> Option<&'a LifecycleStage> {
        let now = self
            .observation
            .service_deployment
            .and_then(|sd| sd.lifecycle_stage.as_ref());
        match (self.observation.stage_reached, now) {
            (Some(seen), Some(now)) if now.position() > seen.position() => Some(now),
            (Some(seen), _) => Some(seen),
            (None, now) => now,
        }
    }
}

/// ECS writes "…: rolling back to deploymentId ecs-svc/…" into the rollout reason
/// of the deployment it creates to roll back.
pub(super) fn is_rollback_reason(deployment: &Deployment) -> bool {
    deployment.rollout_state_reason.as_deref().is_some_and(|r| {
        r.to_ascii_lowercase()
            .contains("rolling back to deploymentid")
    })
}

pub(super) fn created_after(later: &Deployment, earlier: &Deployment) -> bool {
    match (later.created_at, earlier.created_at) {
        (Some(later), Some(earlier)) => later > earlier,
        // ECS always makes the newest deployment PRIMARY; without timestamps that
        // is the best evidence of order there is.
        _ => true,
    }
}

/// `family:revision` of a task definition ARN, split.
fn family_and_revision(task_definition: &str) -> Option<(&str, u32)> {
    let (family, revision) = short_task_definition(task_definition).rsplit_once(':')?;
    Some((family, revision.parse().ok()?))
}
