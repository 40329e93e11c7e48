//! One task's life as a function of time.
//!
//! Every transition time is fixed when the task launches (from its deployment's
//! [`LaunchPlan`]); only a stop decided by the scheduler is added later. So the status at any
//! moment is computed, never stepped, and a task that nobody looks at costs nothing.

use std::sync::Arc;

use crate::behaviour::{
    DEPROVISIONING_SECONDS, ESSENTIAL_EXIT_SECONDS, Health, IMAGE_PULL_FAILURE_SECONDS, LaunchPlan,
    Outcome, PROVISIONING_SECONDS,
};
use crate::model::task_definition::TaskDefinition;

/// ECS `lastStatus` values a simulated Fargate task goes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LastStatus {
    Provisioning,
    Pending,
    Running,
    Deprovisioning,
    Stopped,
}

impl LastStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            LastStatus::Provisioning => "PROVISIONING",
            LastStatus::Pending => "PENDING",
            LastStatus::Running => "RUNNING",
            LastStatus::Deprovisioning => "DEPROVISIONING",
            LastStatus::Stopped => "STOPPED",
        }
    }
}

/// Why a task failed on its own (each counts as a failed task for its deployment).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FailureKind {
    PullFailed { container: String, image: String },
    EssentialExited { container: String },
    FailedHealthChecks { container: String },
}

impl FailureKind {
    pub(crate) fn stop_code(&self) -> &'static str {
        match self {
            FailureKind::PullFailed { .. } => "TaskFailedToStart",
            FailureKind::EssentialExited { .. } => "EssentialContainerExited",
            FailureKind::FailedHealthChecks { .. } => "ServiceSchedulerInitiated",
        }
    }

    pub(crate) fn stopped_reason(&self) -> String {
        match self {
            FailureKind::PullFailed { image, .. } => pull_error(image),
            FailureKind::EssentialExited { .. } => "Essential container in task exited".to_owned(),
            FailureKind::FailedHealthChecks { .. } => {
                "Task failed container health checks".to_owned()
            }
        }
    }

    fn container(&self) -> &str {
        match self {
            FailureKind::PullFailed { container, .. }
            | FailureKind::EssentialExited { container }
            | FailureKind::FailedHealthChecks { container } => container,
        }
    }
}

/// The message ECS gives when an image reference does not resolve.
pub(crate) fn pull_error(image: &str) -> String {
    format!(
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref {image}: not found"
    )
}

/// A failure that will happen at `at` unless the scheduler stops the task first.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PlannedFailure {
    pub(crate) at: f64,
    pub(crate) kind: FailureKind,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum StopCause {
    Failed(FailureKind),
    /// Stopped by the service scheduler (replaced, scaled in, service deleted).
    Scheduler {
        reason: String,
    },
    /// Stopped with StopTask (the scheduler then replaces it; not a failed task).
    User {
        reason: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TaskStop {
    pub(crate) stopping_at: f64,
    pub(crate) stopped_at: f64,
    pub(crate) cause: StopCause,
}

/// One simulated task.
#[derive(Clone, Debug)]
pub(crate) struct Task {
    pub(crate) id: String,
    /// The deployment number `N` of `ecs-svc/N` that started it.
    pub(crate) deployment: u64,
    pub(crate) task_definition: Arc<TaskDefinition>,
    /// One id per container, for container ARNs.
    pub(crate) container_ids: Vec<String>,
    pub(crate) created_at: f64,
    pub(crate) pending_at: f64,
    pub(crate) running_at: Option<f64>,
    pub(crate) has_health_check: bool,
    pub(crate) healthy_at: Option<f64>,
    pub(crate) planned_failure: Option<PlannedFailure>,
    pub(crate) stop: Option<TaskStop>,
}

/// A container's state as DescribeTasks shows it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ContainerState {
    pub(crate) container_id: String,
    pub(crate) name: String,
    pub(crate) image: String,
    pub(crate) last_status: &'static str,
    pub(crate) exit_code: Option<i32>,
    pub(crate) reason: Option<String>,
    pub(crate) health_status: &'static str,
}

impl Task {
    /// A task launched at `now` that follows `plan`.
    pub(crate) fn launch(
        id: String,
        deployment: u64,
        task_definition: Arc<TaskDefinition>,
        container_ids: Vec<String>,
        plan: &LaunchPlan,
        now: f64,
    ) -> Self {
        let pending_at = now + PROVISIONING_SECONDS;
        let ready_at = pending_at + plan.pending_seconds;
        let (running_at, planned_failure) = match &plan.outcome {
            Outcome::KeepsRunning => (Some(ready_at), None),
            Outcome::PullFails { container, image } => (
                None,
                Some(PlannedFailure {
                    at: pending_at + IMAGE_PULL_FAILURE_SECONDS,
                    kind: FailureKind::PullFailed {
                        container: container.clone(),
                        image: image.clone(),
                    },
                }),
            ),
            Outcome::EssentialExits { container } => (
                Some(ready_at),
                Some(PlannedFailure {
                    at: ready_at + ESSENTIAL_EXIT_SECONDS,
                    kind: FailureKind::EssentialExited {
                        container: container.clone(),
                    },
                }),
            ),
            Outcome::FailsHealthChecks {
                container,
                after_running,
            } => (
                Some(ready_at),
                Some(PlannedFailure {
                    at: ready_at + after_running,
                    kind: FailureKind::FailedHealthChecks {
                        container: container.clone(),
                    },
                }),
            ),
        };
        let healthy_at = match (&plan.health, running_at) {
            (Health::HealthyAfter(delay), Some(running_at)) => Some(running_at + delay),
            _ => None,
        };
        Self {
            id,
            deployment,
            task_definition,
            container_ids,
            created_at: now,
            pending_at,
            running_at,
            has_health_check: plan.health != Health::NoCheck,
            healthy_at,
            planned_failure,
            stop: None,
        }
    }

    pub(crate) fn last_status(&self, now: f64) -> LastStatus {
        if let Some(stop) = &self.stop {
            if now >= stop.stopped_at {
                return LastStatus::Stopped;
            }
            if now >= stop.stopping_at {
                return LastStatus::Deprovisioning;
            }
        }
        if self.running_at.is_some_and(|at| now >= at) {
            LastStatus::Running
        } else if now >= self.pending_at {
            LastStatus::Pending
        } else {
            LastStatus::Provisioning
        }
    }

    /// Whether the scheduler or a failure has already decided to stop this task.
    pub(crate) fn is_stopping(&self) -> bool {
        self.stop.is_some()
    }

    pub(crate) fn desired_status(&self) -> &'static str {
        if self.is_stopping() {
            "STOPPED"
        } else {
            "RUNNING"
        }
    }

    /// Healthy for the scheduler: RUNNING and, with a health check, HEALTHY.
    pub(crate) fn is_healthy(&self, now: f64) -> bool {
        !self.is_stopping()
            && self.running_at.is_some_and(|at| now >= at)
            && (!self.has_health_check || self.healthy_at.is_some_and(|at| now >= at))
    }

    pub(crate) fn health_status(&self, now: f64) -> &'static str {
        if !self.has_health_check {
            return "UNKNOWN";
        }
        let failed_checks = matches!(
            self.failure_seen(now),
            Some(FailureKind::FailedHealthChecks { .. })
        );
        if failed_checks {
            "UNHEALTHY"
        } else if self.healthy_at.is_some_and(|at| now >= at) {
            "HEALTHY"
        } else {
            "UNKNOWN"
        }
    }

    /// The failure that stopped this task, once it has happened.
    fn failure_seen(&self, now: f64) -> Option<&FailureKind> {
        match &self.stop {
            Some(TaskStop {
                stopping_at,
                cause: StopCause::Failed(kind),
                ..
            }) if now >= *stopping_at => Some(kind),
            _ => None,
        }
    }

    /// The earliest moment after `now` at which this task changes in a way the scheduler cares about.
    pub(crate) fn next_event_after(&self, now: f64) -> Option<f64> {
        let mut candidates = [None; 4];
        if self.stop.is_none() {
            candidates[0] = self.running_at;
            candidates[1] = self.healthy_at;
            candidates[2] = self.planned_failure.as_ref().map(|f| f.at);
        }
        candidates[3] = self.stop.as_ref().map(|s| s.stopped_at);
        candidates
            .into_iter()
            .flatten()
            .filter(|&t| t > now)
            .reduce(f64::min)
    }

    /// The planned failure if it is due by `now` and nothing stopped the task first.
    pub(crate) fn due_failure(&self, now: f64) -> Option<&PlannedFailure> {
        if self.stop.is_some() {
            return None;
        }
        self.planned_failure.as_ref().filter(|f| f.at <= now)
    }

    /// Records a stop decided at `at`.
    pub(crate) fn stop_at(&mut self, at: f64, cause: StopCause) {
        if self.stop.is_none() {
            self.stop = Some(TaskStop {
                stopping_at: at,
                stopped_at: at + DEPROVISIONING_SECONDS,
                cause,
            });
        }
    }

    pub(crate) fn stop_code(&self) -> Option<&'static str> {
        self.stop.as_ref().map(|stop| match &stop.cause {
            StopCause::Failed(kind) => kind.stop_code(),
            StopCause::Scheduler { .. } => "ServiceSchedulerInitiated",
            StopCause::User { .. } => "UserInitiated",
        })
    }

    pub(crate) fn stopped_reason(&self) -> Option<String> {
        self.stop.as_ref().map(|stop| match &stop.cause {
            StopCause::Failed(kind) => kind.stopped_reason(),
            StopCause::Scheduler { reason } | StopCause::User { reason } => reason.clone(),
        })
    }

    /// Whether the task reached RUNNING before it started stopping.
    fn ran_before_stop(&self) -> bool {
        match (&self.stop, self.running_at) {
            (Some(stop), Some(running_at)) => running_at <= stop.stopping_at,
            (None, Some(_)) => true,
            (_, None) => false,
        }
    }

    pub(crate) fn containers(&self, now: f64) -> Vec<ContainerState> {
        let status = self.last_status(now);
        let stopped = matches!(status, LastStatus::Deprovisioning | LastStatus::Stopped);
        let failure = self.failure_seen(now);
        self.task_definition
            .containers
            .iter()
            .zip(&self.container_ids)
            .map(|(spec, container_id)| {
                let is_culprit = failure.is_some_and(|f| f.container() == spec.name);
                let last_status = match status {
                    LastStatus::Provisioning | LastStatus::Pending => "PENDING",
                    LastStatus::Running => "RUNNING",
                    LastStatus::Deprovisioning | LastStatus::Stopped => "STOPPED",
                };
                let exit_code = if !stopped || !self.ran_before_stop() {
                    None
                } else {
                    match failure {
                        Some(FailureKind::EssentialExited { .. }) if is_culprit => Some(1),
                        // Killed after failing its health check.
                        Some(FailureKind::FailedHealthChecks { .. }) if is_culprit => Some(137),
                        _ => Some(0),
                    }
                };
                let reason = match failure {
                    Some(FailureKind::PullFailed { image, .. }) if is_culprit => {
                        Some(pull_error(image))
                    }
                    _ => None,
                };
                let health_status = if spec.health_check.is_some() && spec.essential {
                    self.health_status(now)
                } else {
                    "UNKNOWN"
                };
                ContainerState {
                    container_id: container_id.clone(),
                    name: spec.name.clone(),
                    image: spec.image.clone(),
                    last_status,
                    exit_code,
                    reason,
                    health_status,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::behaviour::{DEFAULT_PENDING_SECONDS, Placement};
    use crate::model::task_definition::test_definition;

    fn task_with(command: &[&str], image: &str) -> Task {
        let definition = test_definition(1, command, image);
        let Placement::Placeable(plan) = Placement::of(&definition) else {
            panic!("placeable")
        };
        Task::launch(
            "t1".into(),
            7,
            Arc::new(definition),
            vec!["c1".into()],
            &plan,
            100.0,
        )
    }

    #[test]
    fn healthy_task_walks_provisioning_pending_running() {
        let task = task_with(&[], "nginx");
        assert_eq!(task.last_status(100.0), LastStatus::Provisioning);
        assert_eq!(task.last_status(102.5), LastStatus::Pending);
        let running_at = 100.0 + PROVISIONING_SECONDS + DEFAULT_PENDING_SECONDS;
        assert_eq!(task.last_status(running_at), LastStatus::Running);
        assert!(task.is_healthy(running_at));
        assert_eq!(task.health_status(running_at), "UNKNOWN");
        assert_eq!(task.next_event_after(100.0), Some(running_at));
        assert_eq!(task.next_event_after(running_at), None);
    }

    #[test]
    fn exiting_container_reports_exit_code_1() {
        let mut task = task_with(&["/bin/false"], "app");
        let failure = task.planned_failure.clone().unwrap();
        assert_eq!(failure.at, 100.0 + 2.0 + 5.0 + 2.0);
        task.stop_at(failure.at, StopCause::Failed(failure.kind));
        assert_eq!(task.last_status(failure.at), LastStatus::Deprovisioning);
        assert_eq!(
            task.last_status(failure.at + DEPROVISIONING_SECONDS),
            LastStatus::Stopped
        );
        assert_eq!(task.stop_code(), Some("EssentialContainerExited"));
        assert_eq!(
            task.stopped_reason().as_deref(),
            Some("Essential container in task exited")
        );
        let containers = task.containers(failure.at + 10.0);
        assert_eq!(containers[0].exit_code, Some(1));
        assert_eq!(containers[0].last_status, "STOPPED");
    }

    #[test]
    fn pull_failure_never_runs_and_has_no_exit_code() {
        let mut task = task_with(&[], "nonexistent.example/app:1");
        assert_eq!(task.running_at, None);
        let failure = task.planned_failure.clone().unwrap();
        assert_eq!(failure.at, 100.0 + 2.0 + 3.0);
        task.stop_at(failure.at, StopCause::Failed(failure.kind));
        let containers = task.containers(failure.at + 5.0);
        assert_eq!(containers[0].exit_code, None);
        assert_eq!(
            containers[0].reason.as_deref(),
            Some(
                "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref nonexistent.example/app:1: not found"
            )
        );
        assert_eq!(task.stop_code(), Some("TaskFailedToStart"));
    }

    #[test]
    fn scheduler_stop_wins_over_a_later_planned_failure() {
        let mut task = task_with(&["/bin/false"], "app");
        task.stop_at(
            101.0,
            StopCause::Scheduler {
                reason: "Scaling activity".into(),
            },
        );
        assert!(task.due_failure(1000.0).is_none());
        assert_eq!(task.stop_code(), Some("ServiceSchedulerInitiated"));
        assert_eq!(task.containers(200.0)[0].exit_code, None, "it never ran");
    }
}
