//! How a wait's progress reads in `pulumi up`: which events become live status lines and which are worth a
//! durable note.
//!
//! Counts and retries change every poll, so they are ephemeral (the engine shows the latest one beside the
//! resource). A stopped task, a service event explaining why tasks do not run, and the fallback to
//! DescribeServices are kept, because they explain the verdict afterwards; so are the lifecycle stages and
//! traffic steps of a blue/green, linear or canary deployment.

use ecs_watcher::ProgressEvent;
use ecs_watcher::message::{ProgressKind, progress_line};

use crate::engine_log::LogEntry;

pub fn log_entry(event: &ProgressEvent) -> LogEntry {
    let line = progress_line(event);
    // A staged deployment's course (stages, traffic steps) is kept too: after a rollback it tells how far
    // the deployment got, and a non-interactive `pulumi up` log shows nothing ephemeral.
    if matches!(
        event,
        ProgressEvent::StageChanged { .. } | ProgressEvent::TrafficShifted { .. }
    ) {
        return LogEntry::info(line.text);
    }
    match line.kind {
        ProgressKind::Status | ProgressKind::Happened => LogEntry::status(line.text),
        ProgressKind::Notice => LogEntry::info(line.text),
        ProgressKind::Warning => LogEntry::warning(line.text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine_log::Severity;
    use ecs_watcher::model::{RolloutState, StoppedContainer, StoppedTask};
    use ecs_watcher::verdict::ProgressState;

    #[test]
    fn stages_and_traffic_steps_are_kept() {
        let stage = log_entry(&ProgressEvent::StageChanged {
            deployment_id: "ecs-svc/1".into(),
            stage: ecs_watcher::model::LifecycleStage::BakeTime,
        });
        assert_eq!(stage.severity, Severity::Info);
        assert!(!stage.ephemeral);
        assert!(stage.text.contains("BAKE_TIME"), "{}", stage.text);
        let traffic = log_entry(&ProgressEvent::TrafficShifted {
            deployment_id: "ecs-svc/1".into(),
            task_definition: Some("web:4".into()),
            test_traffic_weight: None,
            production_traffic_weight: Some(30.0),
        });
        assert_eq!(traffic.text, "production traffic 30 % on web:4");
        assert!(!traffic.ephemeral);
    }

    #[test]
    fn counts_are_ephemeral_status_lines() {
        let entry = log_entry(&ProgressEvent::Status {
            deployment_id: "ecs-svc/123".into(),
            rollout_state: ProgressState::Rollout(RolloutState::InProgress),
            running: 2,
            desired: 3,
            pending: 1,
            failed_tasks: 0,
        });
        assert_eq!(
            entry,
            LogEntry::status("deployment ecs-svc/123 IN_PROGRESS: 2/3 running, 1 pending")
        );
    }

    #[test]
    fn a_stopped_task_is_a_durable_warning_with_its_reason() {
        let entry = log_entry(&ProgressEvent::TaskStopped {
            task: StoppedTask {
                task_arn: "arn:aws:ecs:us-east-1:123456789012:task/prod/abc123".into(),
                stopped_reason: Some("Essential container in task exited".into()),
                containers: vec![StoppedContainer {
                    name: "app".into(),
                    exit_code: Some(1),
                    reason: None,
                }],
                ..StoppedTask::default()
            },
        });
        assert_eq!(entry.severity, Severity::Warning);
        assert!(!entry.ephemeral);
        assert_eq!(
            entry.text,
            "task abc123 stopped: app exited 1 (Essential container in task exited)"
        );
    }

    #[test]
    fn placement_problems_are_kept_and_routine_events_are_not() {
        let unable = log_entry(&ProgressEvent::ServiceEvent {
            message: "(service web) was unable to place a task because no container instance met all of its requirements.".into(),
        });
        assert!(!unable.ephemeral);
        let steady = log_entry(&ProgressEvent::ServiceEvent {
            message: "(service web) has reached a steady state.".into(),
        });
        assert!(steady.ephemeral);
    }
}
