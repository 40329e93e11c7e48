//! The one wording of a wait's progress, shared by the CLI's stderr lines and
//! the Pulumi provider's live display. Each front end decides only how to show a
//! line of each [`ProgressKind`].

use super::{is_relevant_event, stopped_task_reason};
use crate::message;
use crate::model::{ServiceEvent, short_task_definition};
use crate::watch::ProgressEvent;

/// What a progress line is, for deciding how long to show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgressKind {
    /// Where the deployment stands now, replaced by the next one (counts, retries).
    Status,
    /// Something that happened (the deployment found, a routine service event).
    Happened,
    /// A change in how the wait works (the fallback to `DescribeServices`).
    Notice,
    /// Something that explains a failure (a stopped task, a placement or health event).
    Warning,
}

/// One progress line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgressLine {
    pub kind: ProgressKind,
    pub text: String,
}

impl ProgressLine {
    fn new(kind: ProgressKind, text: String) -> Self {
        Self { kind, text }
    }
}

/// How `event` reads.
pub fn progress_line(event: &ProgressEvent) -> ProgressLine {
    match event {
        ProgressEvent::DeploymentFound {
            deployment_id,
            task_definition,
        } => ProgressLine::new(
            ProgressKind::Happened,
            format!(
                "watching deployment {deployment_id} ({})",
                short_task_definition(task_definition)
            ),
        ),
        ProgressEvent::Status {
            deployment_id,
            rollout_state,
            running,
            desired,
            pending,
            failed_tasks,
        } => {
            let mut text =
                format!("deployment {deployment_id} {rollout_state}: {running}/{desired} running");
            if *pending > 0 {
                text.push_str(&format!(", {pending} pending"));
            }
            if *failed_tasks > 0 {
                text.push_str(&format!(", {failed_tasks} failed tasks"));
            }
            ProgressLine::new(ProgressKind::Status, text)
        }
        ProgressEvent::ServiceEvent { message } => {
            let event = ServiceEvent {
                message: message.clone(),
                ..ServiceEvent::default()
            };
            let kind = if is_relevant_event(&event) {
                ProgressKind::Warning
            } else {
                ProgressKind::Happened
            };
            ProgressLine::new(kind, format!("ECS event: {message}"))
        }
        ProgressEvent::TaskStopped { task } => {
            let task_id = task.task_arn.rsplit('/').next().unwrap_or(&task.task_arn);
            ProgressLine::new(
                ProgressKind::Warning,
                format!("task {task_id} stopped: {}", stopped_task_reason(task)),
            )
        }
        ProgressEvent::FallbackToDescribeServices { reason } => ProgressLine::new(
            ProgressKind::Notice,
            format!(
                "ECS service-deployment APIs unavailable ({reason}); following the deployment \
                 through DescribeServices"
            ),
        ),
        ProgressEvent::StageChanged {
            deployment_id,
            stage,
        } => ProgressLine::new(
            ProgressKind::Happened,
            format!("deployment {deployment_id} is in lifecycle stage {stage}"),
        ),
        ProgressEvent::TrafficShifted {
            deployment_id,
            task_definition,
            test_traffic_weight,
            production_traffic_weight,
        } => {
            let on = task_definition.as_deref().unwrap_or(deployment_id.as_str());
            let shares: Vec<String> = [
                ("production", production_traffic_weight),
                ("test", test_traffic_weight),
            ]
            .into_iter()
            .filter_map(|(kind, weight)| {
                weight.map(|w| format!("{kind} traffic {} % on {on}", percent(w)))
            })
            .collect();
            ProgressLine::new(ProgressKind::Happened, shares.join(", "))
        }
        ProgressEvent::Paused {
            deployment_id,
            hook,
            service_deployment_arn,
        } => ProgressLine::new(
            ProgressKind::Notice,
            format!(
                "deployment {deployment_id} is {}; still waiting. To continue it: {}",
                message::paused_at(hook),
                message::continue_command(service_deployment_arn.as_deref(), &hook.hook_id)
            ),
        ),
        ProgressEvent::StagesInvisible { strategy } => ProgressLine::new(
            ProgressKind::Notice,
            format!(
                "the service deploys with strategy {strategy}, but without the service-deployment \
                 APIs its lifecycle stages and hooks cannot be seen: deciding from DescribeServices"
            ),
        ),
        ProgressEvent::Retrying {
            operation,
            error,
            attempt,
        } => ProgressLine::new(
            ProgressKind::Status,
            format!("ECS {operation} failed ({error}); retrying (attempt {attempt})"),
        ),
    }
}

/// `30`, `12.5`: a traffic weight without noise.
fn percent(weight: f64) -> String {
    let rounded = (weight * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RolloutState, StoppedTask};
    use crate::verdict::ProgressState;

    #[test]
    fn counts_leave_out_what_is_zero() {
        let status = |pending, failed_tasks| {
            progress_line(&ProgressEvent::Status {
                deployment_id: "ecs-svc/123".into(),
                rollout_state: ProgressState::Rollout(RolloutState::InProgress),
                running: 2,
                desired: 3,
                pending,
                failed_tasks,
            })
        };
        assert_eq!(
            status(1, 0),
            ProgressLine::new(
                ProgressKind::Status,
                "deployment ecs-svc/123 IN_PROGRESS: 2/3 running, 1 pending".into()
            )
        );
        assert_eq!(
            status(0, 2).text,
            "deployment ecs-svc/123 IN_PROGRESS: 2/3 running, 2 failed tasks"
        );
    }

    #[test]
    fn the_found_deployment_is_named_with_its_short_task_definition() {
        let line = progress_line(&ProgressEvent::DeploymentFound {
            deployment_id: "ecs-svc/7".into(),
            task_definition: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3".into(),
        });
        assert_eq!(line.text, "watching deployment ecs-svc/7 (web:3)");
        assert_eq!(line.kind, ProgressKind::Happened);
    }

    #[test]
    fn a_stopped_task_is_a_warning_with_its_reason() {
        let task: StoppedTask = serde_json::from_value(serde_json::json!({
            "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/prod/abc123",
            "stoppedReason": "Essential container in task exited",
            "containers": [{"name": "app", "exitCode": 1}]
        }))
        .unwrap();
        let line = progress_line(&ProgressEvent::TaskStopped { task });
        assert_eq!(line.kind, ProgressKind::Warning);
        assert_eq!(
            line.text,
            "task abc123 stopped: app exited 1 (Essential container in task exited)"
        );
    }

    #[test]
    fn events_that_explain_a_failure_are_warnings_and_routine_ones_are_not() {
        let line = |message: &str| {
            progress_line(&ProgressEvent::ServiceEvent {
                message: message.into(),
            })
        };
        assert_eq!(
            line("(service web) was unable to place a task because no container instance met all of its requirements.").kind,
            ProgressKind::Warning
        );
        assert_eq!(
            line("(service web) has reached a steady state.").kind,
            ProgressKind::Happened
        );
    }
}
