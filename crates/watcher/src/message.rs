//! The one place that words a verdict's `failureMessage`, and (in `progress`)
//! every progress line a wait shows.
//!
//! A failure message is one line a CI log or a Pulumi error can show as is: the
//! real reason first, then up to three distinct stopped-task reasons (container,
//! exit code, ECS's own words), then the service events that explain it.

mod progress;

use std::time::Duration;

pub use progress::{ProgressKind, ProgressLine, progress_line};

use crate::api::ApiError;
use crate::model::{PausedHook, ServiceEvent, StoppedTask, short_task_definition};
use crate::verdict::{Checkpoint, Progress, is_failure_stop};

/// At most this many distinct stopped-task reasons are shown.
pub const MAX_TASK_REASONS: usize = 3;
/// At most this many distinct service events are shown.
pub const MAX_EVENTS: usize = 2;
/// Long ECS texts (pull errors carry whole registry responses) are cut to this.
const MAX_PART_CHARS: usize = 240;

/// Service events worth quoting in a failure: they say why tasks do not run.
pub fn is_relevant_event(event: &ServiceEvent) -> bool {
    let text = event.message.to_ascii_lowercase();
    text.contains("unable to place a task")
        || text.contains("unhealthy")
        || text.contains("failed container health checks")
        || text.contains("health checks")
        || text.contains("failed to launch")
        || text.contains("unable to")
}

/// `head` (the verdict's reason), then what the stopped tasks and events add.
pub fn failure_message(
    head: &str,
    stopped_tasks: &[StoppedTask],
    events: &[ServiceEvent],
) -> String {
    let mut message = one_line(head).trim_end_matches('.').to_owned();
    if let Some(tasks) = stopped_tasks_summary(stopped_tasks) {
        message.push_str(". ");
        message.push_str(&tasks);
    }
    let quoted: Vec<String> = distinct(
        events
            .iter()
            .filter(|e| is_relevant_event(e))
            .map(|e| truncate(&one_line(&e.message), MAX_PART_CHARS)),
    )
    .into_iter()
    .take(MAX_EVENTS)
    .collect();
    if !quoted.is_empty() {
        message.push_str(". Service events: ");
        message.push_str(&quoted.join("; "));
    }
    message
}

/// `rolled back to my-app:2: <reason>`.
pub fn rolled_back_head(to_task_definition: Option<&str>, reason: &str) -> String {
    match to_task_definition {
        Some(td) => format!("rolled back to {}: {reason}", short_task_definition(td)),
        None => format!("rolled back: {reason}"),
    }
}

/// `3 tasks stopped: app exited 1 (Essential container in task exited); ...`, or
/// `None` when no task stopped for a failure.
pub fn stopped_tasks_summary(stopped_tasks: &[StoppedTask]) -> Option<String> {
    let failed: Vec<&StoppedTask> = stopped_tasks
        .iter()
        .filter(|t| is_failure_stop(t))
        .collect();
    if failed.is_empty() {
        return None;
    }
    let reasons = distinct(failed.iter().map(|t| stopped_task_reason(t)));
    let shown: Vec<&str> = reasons
        .iter()
        .take(MAX_TASK_REASONS)
        .map(String::as_str)
        .collect();
    let noun = if failed.len() == 1 { "task" } else { "tasks" };
    let mut summary = format!("{} {noun} stopped: {}", failed.len(), shown.join("; "));
    if reasons.len() > MAX_TASK_REASONS {
        summary.push_str(&format!(
            " (+{} more distinct reasons)",
            reasons.len() - MAX_TASK_REASONS
        ));
    }
    Some(summary)
}

/// One task's reason: each failed container with its exit code or error, then
/// ECS's stopped reason in parentheses.
pub fn stopped_task_reason(task: &StoppedTask) -> String {
    let stopped_reason = task.stopped_reason.as_deref().filter(|r| !r.is_empty());
    // A container reason that repeats the task's (CannotPullContainerError does) would say it twice.
    let container_reason = |c: &'_ crate::model::StoppedContainer| {
        c.reason
            .clone()
            .filter(|reason| !reason.is_empty() && Some(reason.as_str()) != stopped_reason)
    };
    let containers: Vec<String> = task
        .containers
        .iter()
        .filter(|c| c.exit_code.is_some_and(|code| code != 0) || container_reason(c).is_some())
        .map(|c| match (c.exit_code, container_reason(c).as_deref()) {
            (Some(code), Some(reason)) => format!("{} exited {code}: {reason}", c.name),
            (Some(code), None) => format!("{} exited {code}", c.name),
            (None, Some(reason)) => format!("{}: {reason}", c.name),
            (None, None) => c.name.clone(),
        })
        .collect();
    let text = match (containers.is_empty(), stopped_reason) {
        (false, Some(reason)) => format!("{} ({reason})", containers.join(", ")),
        (false, None) => containers.join(", "),
        (true, Some(reason)) => reason.to_owned(),
        (true, None) => task.stop_code.as_ref().map_or_else(
            || "stopped without a reason".to_owned(),
            ToString::to_string,
        ),
    };
    truncate(&one_line(&text), MAX_PART_CHARS)
}

/// What a timed-out wait was still waiting for.
#[derive(Clone, Debug, Default)]
pub struct TimeoutContext<'a> {
    pub timeout: Duration,
    pub deployment_id: Option<&'a str>,
    pub task_definition: Option<&'a str>,
    pub progress: Option<&'a Progress>,
    /// The newest service event, verbatim.
    pub last_event: Option<&'a str>,
    /// The error calls kept failing with at the end, and how often it occurred.
    pub persistent_error: Option<(&'a ApiError, u32)>,
    /// The operation that failed with `persistent_error`, e.g. `DescribeServices`.
    pub failing_operation: Option<&'a str>,
    /// A call that had not answered when the wait gave up, and how long it had waited.
    pub unanswered_call: Option<(&'a str, Duration)>,
    pub stopped_tasks: &'a [StoppedTask],
    /// The PAUSE hook the deployment still waited at.
    pub paused_hook: Option<&'a PausedHook>,
}

/// `timed out after 3m waiting for deployment ecs-svc/1 (my-app:3): 2/3 running, 1 pending; last event: ...`
pub fn timed_out(context: &TimeoutContext<'_>) -> String {
    let mut message = format!("timed out after {}", human_duration(context.timeout));
    match (context.deployment_id, context.task_definition) {
        (Some(id), Some(td)) => message.push_str(&format!(
            " waiting for deployment {id} ({})",
            short_task_definition(td)
        )),
        (Some(id), None) => message.push_str(&format!(" waiting for deployment {id}")),
        (None, Some(td)) => message.push_str(&format!(
            " before a deployment of {} appeared",
            short_task_definition(td)
        )),
        (None, None) => {}
    }
    let mut details: Vec<String> = Vec::new();
    if let Some((operation, waited)) = context.unanswered_call {
        details.push(format!(
            "{operation} had not answered after {}",
            human_duration(waited)
        ));
    }
    if let Some((error, count)) = context.persistent_error {
        let times = if count == 1 {
            "once".to_owned()
        } else {
            format!("{count} times")
        };
        let caller = context.failing_operation.unwrap_or("ECS");
        details.push(match error {
            ApiError::Transport { message } => {
                format!(
                    "{caller} kept failing ({times}): {}",
                    truncate(&one_line(message), MAX_PART_CHARS)
                )
            }
            other => format!("{caller} kept answering {} ({times})", other.kind()),
        });
    }
    if let Some(progress) = context.progress {
        let mut counts = format!("{}/{} running", progress.running, progress.desired);
        if progress.pending > 0 {
            counts.push_str(&format!(", {} pending", progress.pending));
        }
        if progress.failed_tasks > 0 {
            counts.push_str(&format!(", {} failed", progress.failed_tasks));
        }
        details.push(counts);
    }
    if let Some(tasks) = stopped_tasks_summary(context.stopped_tasks) {
        details.push(tasks);
    }
    if let Some(hook) = context.paused_hook {
        details.push(format!(
            "the deployment was {} and nobody continued it",
            paused_at(hook)
        ));
    }
    if let Some(event) = context.last_event {
        details.push(format!(
            "last event: {}",
            truncate(&one_line(event), MAX_PART_CHARS)
        ));
    }
    if !details.is_empty() {
        message.push_str(": ");
        message.push_str(&details.join("; "));
    }
    message
}

/// `paused at lifecycle hook approve (stage POST_TEST_TRAFFIC_SHIFT) until
/// 2026-12-02T10:00:00Z, then ROLLBACK`.
pub fn paused_at(hook: &PausedHook) -> String {
    let mut text = format!("paused at lifecycle hook {}", hook.hook_id);
    if let Some(stage) = &hook.stage {
        text.push_str(&format!(" (stage {stage})"));
    }
    match (&hook.expires_at, &hook.timeout_action) {
        (Some(at), Some(action)) => text.push_str(&format!(" until {at}, then {action}")),
        (Some(at), None) => text.push_str(&format!(" until {at}")),
        (None, Some(action)) => text.push_str(&format!(", {action} at its timeout")),
        (None, None) => {}
    }
    text
}

/// What a checkpoint short of "deployed" looked like when the wait stopped at it.
pub fn checkpoint_reached(checkpoint: &Checkpoint) -> String {
    match checkpoint {
        Checkpoint::Paused(hook) => paused_at(hook),
        Checkpoint::Stage { wanted, reached } if wanted == reached => {
            format!("reached lifecycle stage {reached}")
        }
        Checkpoint::Stage { wanted, reached } => {
            format!("reached lifecycle stage {reached} (past {wanted})")
        }
    }
}

/// The command that continues (or, with `ROLLBACK`, rolls back) a paused deployment.
pub fn continue_command(service_deployment_arn: Option<&str>, hook_id: &str) -> String {
    format!(
        "aws ecs continue-service-deployment --service-deployment-arn {} --hook-id {hook_id} \
         --action CONTINUE",
        service_deployment_arn.unwrap_or("<service deployment ARN>")
    )
}

/// `no deployment of task definition my-app:3 found for service web (it runs my-app:2)`;
/// `wanted` is the phrase after "no deployment", e.g. `of task definition my-app:3`.
pub fn no_deployment_found(wanted: &str, service: &str, runs: Option<&str>) -> String {
    let runs = runs
        .map(|td| format!(" (it runs {})", short_task_definition(td)))
        .unwrap_or_default();
    format!("no deployment {wanted} found for service {service}{runs}")
}

/// `service web now serves web:2 instead of web:3 (ECS's reason)`: what a later
/// look found running in place of the task definition a wait ended on.
pub fn now_serves(service: &str, running: &str, desired: &str, reason: Option<&str>) -> String {
    let mut message = format!(
        "service {service} now serves {} instead of {}",
        short_task_definition(running),
        short_task_definition(desired)
    );
    if let Some(reason) = reason.filter(|r| !r.is_empty()) {
        message.push_str(&format!(" ({reason})"));
    }
    message
}

/// `3m`, `1m30s`, `45s`, `1.5s`, `250ms`.
pub fn human_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis < 1_000 {
        return format!("{millis}ms");
    }
    let seconds = duration.as_secs();
    if seconds < 60 {
        let tenths = (millis % 1_000) / 100;
        return if tenths == 0 {
            format!("{seconds}s")
        } else {
            format!("{seconds}.{tenths}s")
        };
    }
    let (hours, minutes, seconds) = (seconds / 3600, (seconds % 3600) / 60, seconds % 60);
    let mut text = String::new();
    if hours > 0 {
        text.push_str(&format!("{hours}h"));
    }
    if minutes > 0 {
        text.push_str(&format!("{minutes}m"));
    }
    if seconds > 0 {
        text.push_str(&format!("{seconds}s"));
    }
    text
}

/// Collapses newlines and runs of whitespace: the message must stay one line.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` as is when it has at most `max_chars` characters; else its first `max_chars` characters and `…`
/// to mark the cut. Counts and cuts characters, never bytes, so the result is always valid UTF-8 however
/// long the characters are. The watcher and both front ends shorten text with this, each with its own limit
/// (the simulator, which depends on none of them, has its own).
pub fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

/// Keeps the first occurrence of each text, in order.
fn distinct(texts: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for text in texts {
        if !seen.contains(&text) {
            seen.push(text);
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RolloutState, StoppedContainer};
    use crate::verdict::ProgressState;

    fn exited(arn: &str, container: &str, code: i32) -> StoppedTask {
        StoppedTask {
            task_arn: arn.into(),
            stop_code: Some("EssentialContainerExited".into()),
            stopped_reason: Some("Essential container in task exited".into()),
            containers: vec![StoppedContainer {
                name: container.into(),
                exit_code: Some(code),
                reason: None,
            }],
            started_by: Some("ecs-svc/1".into()),
            ..Default::default()
        }
    }

    #[test]
    fn truncate_keeps_short_text_and_cuts_long_text_on_a_char_boundary() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "abc…");
        assert_eq!(truncate("", 0), "");
        // Multi-byte characters count as one each, and the cut never splits one.
        assert_eq!(truncate("ééé", 2), "éé…");
        assert_eq!(truncate("日本語テキスト", 3), "日本語…");
    }

    fn event(message: &str) -> ServiceEvent {
        ServiceEvent {
            message: message.into(),
            ..Default::default()
        }
    }

    #[test]
    fn rolled_back_message_names_revision_reason_and_task_exit_codes() {
        let tasks: Vec<StoppedTask> = (0..3).map(|i| exited(&format!("t{i}"), "app", 1)).collect();
        let head = rolled_back_head(
            Some("arn:aws:ecs:us-east-1:123456789012:task-definition/my-app:2"),
            "ECS deployment circuit breaker: tasks failed to start.",
        );
        assert_eq!(
            failure_message(&head, &tasks, &[]),
            "rolled back to my-app:2: ECS deployment circuit breaker: tasks failed to start. \
             3 tasks stopped: app exited 1 (Essential container in task exited)"
        );
    }

    #[test]
    fn identical_task_reasons_are_shown_once() {
        let tasks = vec![
            exited("a", "app", 1),
            exited("b", "app", 1),
            exited("c", "app", 2),
        ];
        let summary = stopped_tasks_summary(&tasks).unwrap();
        assert_eq!(
            summary,
            "3 tasks stopped: app exited 1 (Essential container in task exited); \
             app exited 2 (Essential container in task exited)"
        );
    }

    #[test]
    fn at_most_three_distinct_task_reasons_are_shown() {
        let tasks: Vec<StoppedTask> = (1..=5)
            .map(|code| exited(&format!("t{code}"), "app", code))
            .collect();
        let summary = stopped_tasks_summary(&tasks).unwrap();
        assert!(summary.contains("app exited 1") && summary.contains("app exited 3"));
        assert!(!summary.contains("app exited 4"));
        assert!(summary.ends_with("(+2 more distinct reasons)"), "{summary}");
    }

    #[test]
    fn pull_errors_show_the_container_reason_without_exit_code() {
        let task = StoppedTask {
            task_arn: "t".into(),
            stop_code: Some("TaskFailedToStart".into()),
            stopped_reason: Some(
                "CannotPullContainerError: pull image manifest has been retried 5 time(s)".into(),
            ),
            containers: vec![StoppedContainer {
                name: "web".into(),
                exit_code: None,
                reason: Some("CannotPullContainerError: ref not found".into()),
            }],
            ..Default::default()
        };
        assert_eq!(
            stopped_task_reason(&task),
            "web: CannotPullContainerError: ref not found \
             (CannotPullContainerError: pull image manifest has been retried 5 time(s))"
        );
    }

    #[test]
    fn a_container_reason_equal_to_the_task_reason_is_said_once() {
        let reason =
            "CannotPullContainerError: failed to resolve ref nonexistent.example/web:2: not found";
        let task = StoppedTask {
            task_arn: "t".into(),
            stop_code: Some("TaskFailedToStart".into()),
            stopped_reason: Some(reason.into()),
            containers: vec![StoppedContainer {
                name: "web".into(),
                exit_code: None,
                reason: Some(reason.into()),
            }],
            ..Default::default()
        };
        assert_eq!(stopped_task_reason(&task), reason);
    }

    #[test]
    fn scale_in_stops_are_not_failure_reasons() {
        let task = StoppedTask {
            task_arn: "t".into(),
            stop_code: Some("ServiceSchedulerInitiated".into()),
            stopped_reason: Some("Scaling activity initiated by (deployment ecs-svc/1)".into()),
            ..Default::default()
        };
        assert_eq!(stopped_tasks_summary(&[task]), None);
        assert_eq!(
            failure_message("deployment stopped.", &[], &[]),
            "deployment stopped"
        );
    }

    #[test]
    fn relevant_service_events_are_quoted_on_one_line() {
        let events = vec![
            event("(service web) has reached a steady state."),
            event(
                "(service web) was unable to place a task because no container instance met all of its requirements.\nReason: no capacity",
            ),
            event("(service web) (task 1) failed container health checks."),
            event("(service web) (task 2) failed container health checks."),
        ];
        let message = failure_message("head", &[], &events);
        assert!(!message.contains('\n'));
        assert!(!message.contains("steady state"));
        assert!(message.contains("unable to place a task because no container instance met all of its requirements. Reason: no capacity"));
        assert!(message.contains("(task 1) failed container health checks"));
        assert!(
            !message.contains("(task 2)"),
            "at most two events: {message}"
        );
    }

    #[test]
    fn timeout_message_says_what_was_pending() {
        let progress = Progress {
            rollout_state: ProgressState::Rollout(RolloutState::InProgress),
            running: 2,
            desired: 3,
            pending: 1,
            failed_tasks: 0,
            staged: None,
        };
        let message = timed_out(&TimeoutContext {
            timeout: Duration::from_secs(180),
            deployment_id: Some("ecs-svc/42"),
            task_definition: Some("arn:aws:ecs:us-east-1:123456789012:task-definition/my-app:3"),
            progress: Some(&progress),
            last_event: Some("(service web) was unable to place a task."),
            ..Default::default()
        });
        assert_eq!(
            message,
            "timed out after 3m waiting for deployment ecs-svc/42 (my-app:3): 2/3 running, 1 pending; \
             last event: (service web) was unable to place a task."
        );
    }

    #[test]
    fn timeout_message_names_the_error_ecs_kept_answering() {
        let throttled = ApiError::Throttled {
            code: "ThrottlingException".into(),
            message: "Rate exceeded".into(),
        };
        let message = timed_out(&TimeoutContext {
            timeout: Duration::from_secs(90),
            persistent_error: Some((&throttled, 41)),
            ..Default::default()
        });
        assert_eq!(
            message,
            "timed out after 1m30s: ECS kept answering ThrottlingException (41 times)"
        );
        let named = timed_out(&TimeoutContext {
            timeout: Duration::from_secs(90),
            persistent_error: Some((&throttled, 41)),
            failing_operation: Some("DescribeServices"),
            ..Default::default()
        });
        assert_eq!(
            named,
            "timed out after 1m30s: DescribeServices kept answering ThrottlingException (41 times)"
        );
    }

    #[test]
    fn timeout_message_names_a_call_that_never_answered_and_a_transport_failure() {
        let reset = ApiError::Transport {
            message: "could not reach ECS: dispatch failure: connection closed".into(),
        };
        let message = timed_out(&TimeoutContext {
            timeout: Duration::from_secs(60),
            persistent_error: Some((&reset, 3)),
            failing_operation: Some("ListTasks"),
            unanswered_call: Some(("DescribeServices", Duration::from_millis(2500))),
            ..Default::default()
        });
        assert_eq!(
            message,
            "timed out after 1m: DescribeServices had not answered after 2.5s; \
             ListTasks kept failing (3 times): could not reach ECS: dispatch failure: connection closed"
        );
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(human_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(human_duration(Duration::from_secs(45)), "45s");
        assert_eq!(
            human_duration(Duration::from_secs(3600 + 120 + 5)),
            "1h2m5s"
        );
    }
}
