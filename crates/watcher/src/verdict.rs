//! The verdict: a pure function from what ECS said to "done, failed, rolled back,
//! or not yet".
//!
//! [`assess`] never fetches and never sleeps; the polling loop gathers an
//! [`Observation`], asks for an [`Assessment`], and reports it. Keeping the
//! decision pure is what lets the table tests feed it realistic ECS JSON.

use std::collections::HashMap;

use crate::input::TaskDefinitionRef;
use crate::model::{
    Deployment, ServiceDeployment, ServiceEvent, ServiceSnapshot, StoppedTask,
    short_task_definition,
};

/// The deployment being watched, as far as it is known.
#[derive(Clone, Debug, Default)]
pub struct Target {
    /// Name of the service, for messages.
    pub service_name: String,
    /// `ecs-svc/<number>`: the id `DescribeServices` lists the deployment under.
    pub deployment_id: Option<String>,
    /// The task definition ARN the target deployment runs.
    pub task_definition: Option<String>,
    /// What the caller asked for, when they asked for a specific task definition.
    pub desired_task_definition: Option<TaskDefinitionRef>,
    /// Stops of the target's tasks that make a crash loop; 0 turns detection off.
    pub max_task_failures: u32,
    /// The highest desired count the service had while waiting. A deployment that
    /// "completes" after someone scaled the service from this to zero proved nothing.
    pub peak_desired_count: i32,
}

/// Everything the loop knows at one tick.
#[derive(Clone, Copy, Debug)]
pub struct Observation<'a> {
    /// `None` when `DescribeServices` no longer returns the service.
    pub service: Option<&'a ServiceSnapshot>,
    /// The target as `DescribeServiceDeployments` describes it, when that API is in use.
    pub service_deployment: Option<&'a ServiceDeployment>,
    /// The target's `deployments[]` entry from an earlier tick: ECS drops finished
    /// deployments from the list, and how it looked last tells a rollback from a
    /// replacement.
    pub last_seen_target: Option<&'a Deployment>,
    /// Stopped tasks started by the target deployment, collected so far.
    pub stopped_tasks: &'a [StoppedTask],
    /// Service revision ARN → task definition ARN (revisions are immutable).
    pub revision_task_definitions: &'a HashMap<String, String>,
}

/// Where the rollout stands while it is still undecided.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// The rollout or service-deployment status, e.g. `IN_PROGRESS`.
    pub rollout_state: String,
    pub running: i32,
    pub desired: i32,
    pub pending: i32,
    pub failed_tasks: i32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Assessment {
    Pending(Progress),
    Completed,
    /// `reason` is the head of the failure message; `message` adds task and event details.
    Failed {
        reason: String,
    },
    RolledBack {
        to_task_definition: Option<String>,
        reason: String,
    },
}

/// Decides the verdict for one observation.
pub fn assess(observation: &Observation<'_>, target: &Target) -> Assessment {
    let Some(service) = observation.service else {
        return Assessment::Failed {
            reason: format!("service {} was deleted while waiting", target.service_name),
        };
    };
    match service.status.as_deref() {
        Some("INACTIVE") => {
            return Assessment::Failed {
                reason: format!(
                    "service {} is INACTIVE (it was deleted)",
                    target.service_name
                ),
            };
        }
        Some("DRAINING") => {
            return Assessment::Failed {
                reason: format!(
                    "service {} is DRAINING (it is being deleted)",
                    target.service_name
                ),
            };
        }
        _ => {}
    }
    let view = TargetView::new(observation, service, target);

    if let Some(decided) = view.service_deployment_verdict() {
        return decided;
    }
    if let Some(decided) = view.describe_services_failure() {
        return decided;
    }
    if let Some(newer) = view.superseding_deployment() {
        return view.superseded_by(newer);
    }
    if observation.service_deployment.is_none()
        && let Some(decided) = view.describe_services_completion()
    {
        return decided;
    }
    if let Some(reason) = view.crash_loop() {
        return Assessment::Failed { reason };
    }
    Assessment::Pending(view.progress())
}

/// True when the loop should look at stopped tasks this tick: something says tasks
/// are failing. Stopped tasks cost two calls, so healthy rollouts skip them.
pub fn suggests_failure(
    service: &ServiceSnapshot,
    service_deployment: Option<&ServiceDeployment>,
    target: &Target,
    new_events: &[&ServiceEvent],
) -> bool {
    let target_deployment = target
        .deployment_id
        .as_deref()
        .and_then(|id| service.deployment(id));
    let deployment_says = target_deployment
        .is_some_and(|d| d.failed_tasks > 0 || d.rollout_state.as_deref() == Some("FAILED"));
    let rollback_under_way = service
        .primary_deployment()
        .is_some_and(|p| p.id != target.deployment_id && is_rollback_reason(p));
    let service_deployment_says = service_deployment.is_some_and(|sd| {
        sd.deployment_circuit_breaker
            .as_ref()
            .is_some_and(|cb| cb.failure_count > 0)
            || matches!(
                sd.status.as_deref(),
                Some(
                    "ROLLBACK_REQUESTED"
                        | "ROLLBACK_IN_PROGRESS"
                        | "ROLLBACK_SUCCESSFUL"
                        | "ROLLBACK_FAILED"
                        | "STOPPED"
                        | "STOP_REQUESTED"
                )
            )
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
    match task.stop_code.as_deref() {
        Some("TaskFailedToStart") => true,
        Some("EssentialContainerExited") => {
            // An essential container that exited 0 ended normally; no exit code at
            // all (killed, never started) still means the task died.
            container_failed || !task.containers.iter().any(|c| c.exit_code == Some(0))
        }
        Some("UserInitiated" | "SpotInterruption" | "TerminationNotice") => false,
        _ => {
            is_health_check_stop(task)
                || container_failed
                || reason.contains("cannotpullcontainer")
                || reason.contains("resourceinitializationerror")
                || reason.contains("failed to start")
        }
    }
}

/// Tasks that reached RUNNING but were killed for failing health checks.
pub fn is_health_check_stop(task: &StoppedTask) -> bool {
    task.stopped_reason
        .as_deref()
        .is_some_and(|r| r.to_ascii_lowercase().contains("health check"))
}

/// ECS writes "…: rolling back to deploymentId ecs-svc/…" into the rollout reason
/// of the deployment it creates to roll back.
fn is_rollback_reason(deployment: &Deployment) -> bool {
    deployment.rollout_state_reason.as_deref().is_some_and(|r| {
        r.to_ascii_lowercase()
            .contains("rolling back to deploymentid")
    })
}

fn created_after(later: &Deployment, earlier: &Deployment) -> bool {
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

/// The observation seen from the target's point of view.
struct TargetView<'a> {
    observation: &'a Observation<'a>,
    service: &'a ServiceSnapshot,
    target: &'a Target,
    /// The target's entry in the current `deployments[]`, if still listed.
    deployment: Option<&'a Deployment>,
    task_definition: Option<&'a str>,
}

impl<'a> TargetView<'a> {
    fn new(
        observation: &'a Observation<'a>,
        service: &'a ServiceSnapshot,
        target: &'a Target,
    ) -> Self {
        let deployment = target
            .deployment_id
            .as_deref()
            .and_then(|id| service.deployment(id));
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

    fn id(&self) -> &str {
        self.target
            .deployment_id
            .as_deref()
            .unwrap_or("the target deployment")
    }

    fn primary_other_than_target(&self) -> Option<&'a Deployment> {
        self.service
            .primary_deployment()
            .filter(|p| p.id.is_none() || p.id != self.target.deployment_id)
    }

    /// Terminal states of `DescribeServiceDeployments`; `None` while it is running.
    fn service_deployment_verdict(&self) -> Option<Assessment> {
        let sd = self.observation.service_deployment?;
        let status_reason = sd.status_reason.as_deref().filter(|r| !r.is_empty());
        match sd.status.as_deref()? {
            "ROLLBACK_REQUESTED" | "ROLLBACK_IN_PROGRESS" | "ROLLBACK_SUCCESSFUL" => {
                Some(Assessment::RolledBack {
                    to_task_definition: self.rollback_task_definition(sd),
                    reason: rollback_reason(sd),
                })
            }
            "ROLLBACK_FAILED" => Some(Assessment::Failed {
                reason: format!(
                    "deployment {} failed and so did the rollback: {}",
                    self.id(),
                    rollback_reason(sd)
                ),
            }),
            "STOPPED" | "STOP_REQUESTED" => Some(match self.superseding_deployment() {
                Some(newer) => self.superseded_by(newer),
                None => Assessment::Failed {
                    reason: format!(
                        "deployment {} was stopped: {}",
                        self.id(),
                        status_reason.unwrap_or("no reason given")
                    ),
                },
            }),
            "SUCCESSFUL" => Some(self.completed_if_serving_desired()),
            _ => None,
        }
    }

    /// Which task definition ECS rolled back to, from the most to the least direct evidence.
    fn rollback_task_definition(&self, sd: &ServiceDeployment) -> Option<String> {
        let revisions = self.observation.revision_task_definitions;
        let from_revision = |arn: Option<&String>| arn.and_then(|arn| revisions.get(arn)).cloned();
        from_revision(
            sd.rollback
                .as_ref()
                .and_then(|r| r.service_revision_arn.as_ref()),
        )
        .or_else(|| {
            self.primary_other_than_target()
                .and_then(|p| p.task_definition.clone())
                .filter(|td| Some(td.as_str()) != self.task_definition)
        })
        .or_else(|| {
            from_revision(
                sd.source_service_revisions
                    .first()
                    .and_then(|r| r.arn.as_ref()),
            )
        })
    }

    /// Rollouts `DescribeServices` already shows as failed or rolled back.
    fn describe_services_failure(&self) -> Option<Assessment> {
        let target_failure_reason = |d: &Deployment| {
            (d.rollout_state.as_deref() == Some("FAILED")).then(|| {
                d.rollout_state_reason
                    .clone()
                    .filter(|r| !r.is_empty())
                    .unwrap_or_else(|| format!("deployment {} FAILED", self.id()))
            })
        };
        let current_failure = self.deployment.and_then(target_failure_reason);
        let earlier_failure = self
            .observation
            .last_seen_target
            .and_then(target_failure_reason);

        if let Some(primary) = self.primary_other_than_target() {
            let newer_than_target = self.deployment.is_none_or(|t| created_after(primary, t));
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
            if self.deployment.is_none()
                && let Some(reason) = earlier_failure.clone()
                && primary.task_definition.as_deref() != self.task_definition
            {
                return Some(Assessment::RolledBack {
                    to_task_definition: primary.task_definition.clone(),
                    reason,
                });
            }
        }
        current_failure.map(|reason| Assessment::Failed { reason })
    }

    /// A newer deployment took over from the target (not a rollback of it).
    fn superseding_deployment(&self) -> Option<&'a Deployment> {
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
                    && matches!(sd.status.as_deref(), Some("PENDING" | "IN_PROGRESS"))
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

    fn superseded_by(&self, newer: &Deployment) -> Assessment {
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
        // older revision — that is what a finished rollback looks like.
        if self.deployment.is_none()
            && self.observation.service_deployment.is_none()
            && older_revision_of_same_family
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

    /// Completion as `DescribeServices` shows it, used only without the
    /// service-deployment API (which knows about bake time and alarms).
    fn describe_services_completion(&self) -> Option<Assessment> {
        let deployment = self.deployment?;
        let done = match deployment.rollout_state.as_deref() {
            Some("COMPLETED") => deployment.is_primary(),
            Some(_) => false,
            // Old endpoints and emulators: done when only the target is left and it
            // runs everything it should.
            None => {
                self.service.deployments.len() == 1
                    && deployment.running_count == deployment.desired_count
                    && deployment.pending_count == 0
            }
        };
        done.then(|| self.completed_if_serving_desired())
    }

    fn completed_if_serving_desired(&self) -> Assessment {
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

    fn counts(&self) -> (i32, i32, i32) {
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

    /// Tasks of the target keep stopping (at least `max_task_failures` failure
    /// stops) and none of them stays up.
    fn crash_loop(&self) -> Option<String> {
        let threshold = self.target.max_task_failures as usize;
        if threshold == 0 {
            return None;
        }
        let failures: Vec<&StoppedTask> = self
            .observation
            .stopped_tasks
            .iter()
            .filter(|task| {
                task.started_by.is_none()
                    || self.target.deployment_id.is_none()
                    || task.started_by == self.target.deployment_id
            })
            .filter(|task| is_failure_stop(task))
            .collect();
        if failures.len() < threshold {
            return None;
        }
        let (running, desired, _) = self.counts();
        // A task that exits a few seconds after starting shows up in the running
        // count in between, so "running" is weak evidence of health: every running
        // task may be the next to fail. Only failures beyond the running tasks show
        // that none stays up. Health-check kills were RUNNING until they died, so
        // for them the running count proves nothing at all.
        let beyond_running = failures.len() >= threshold + usize::try_from(running).unwrap_or(0);
        let all_health_check_kills = failures.iter().all(|task| is_health_check_stop(task));
        (beyond_running || all_health_check_kills).then(|| {
            format!(
                "tasks of deployment {} keep failing ({} stopped, {running}/{desired} running)",
                self.id(),
                failures.len()
            )
        })
    }

    fn progress(&self) -> Progress {
        let (running, desired, pending) = self.counts();
        let rollout_state = self
            .observation
            .service_deployment
            .and_then(|sd| sd.status.clone())
            .or_else(|| self.deployment.and_then(|d| d.rollout_state.clone()))
            .unwrap_or_else(|| "IN_PROGRESS".to_owned());
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
        }
    }
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
        .filter(|r| !r.is_empty() && !parts.iter().any(|p| p == r))
    {
        parts.push(reason.to_owned());
    }
    if let Some(cb) = sd
        .deployment_circuit_breaker
        .as_ref()
        .filter(|cb| cb.status.as_deref() == Some("TRIGGERED"))
    {
        parts.push(format!(
            "circuit breaker triggered after {} failed tasks (threshold {})",
            cb.failure_count, cb.threshold
        ));
    }
    if let Some(alarms) = sd
        .alarms
        .as_ref()
        .filter(|a| a.status.as_deref() == Some("TRIGGERED"))
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

#[cfg(test)]
mod tests;
