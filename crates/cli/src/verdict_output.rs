//! The verdict as CI consumes it: one text line, or exactly one JSON object (the npm package's `status` and
//! `failureMessage`, plus what the watcher knows).

use ecs_watcher::model::PausedHook;
use ecs_watcher::{Outcome, WaitReport};
use serde::Serialize;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonVerdict<'a> {
    /// `COMPLETED` or `FAILED`, as the npm package reported it.
    pub status: &'static str,
    /// One of COMPLETED, FAILED, ROLLED_BACK, TIMED_OUT.
    pub outcome: &'static str,
    pub failure_message: &'a str,
    pub cluster: &'a str,
    pub service: &'a str,
    pub desired_task_def: Option<&'a str>,
    pub deployment_id: Option<&'a str>,
    pub primary_task_def: Option<&'a str>,
    pub elapsed_seconds: f64,
    pub stopped_tasks: Vec<JsonStoppedTask<'a>>,
    /// How ECS deploys the service: ROLLING, BLUE_GREEN, LINEAR or CANARY.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategy: Option<&'a str>,
    /// Staged strategies: the lifecycle stage at the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle_stage: Option<&'a str>,
    /// The PAUSE hook the wait stopped at (`--wait-until paused`) or that the deployment still waited at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paused_hook: Option<&'a PausedHook>,
    /// What was reached when `--wait-until` stopped short of `deployed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<&'a str>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonStoppedTask<'a> {
    pub task_arn: &'a str,
    pub stop_code: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub containers: Vec<JsonContainer<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonContainer<'a> {
    pub name: &'a str,
    pub exit_code: Option<i32>,
    pub reason: Option<&'a str>,
}

impl<'a> JsonVerdict<'a> {
    pub fn from_report(report: &'a WaitReport) -> Self {
        Self {
            status: report.outcome.status(),
            outcome: report.outcome.as_str(),
            failure_message: &report.failure_message,
            cluster: &report.cluster,
            service: &report.service,
            desired_task_def: report.desired_task_definition.as_deref(),
            deployment_id: report.deployment_id.as_deref(),
            primary_task_def: report.primary_task_definition.as_deref(),
            elapsed_seconds: (report.elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
            stopped_tasks: report
                .stopped_tasks
                .iter()
                .map(|task| JsonStoppedTask {
                    task_arn: &task.task_arn,
                    stop_code: task.stop_code.as_ref().map(|code| code.as_str()),
                    reason: task.stopped_reason.as_deref(),
                    containers: task
                        .containers
                        .iter()
                        .map(|container| JsonContainer {
                            name: &container.name,
                            exit_code: container.exit_code,
                            reason: container.reason.as_deref(),
                        })
                        .collect(),
                })
                .collect(),
            strategy: report.strategy.as_ref().map(|s| s.as_str()),
            lifecycle_stage: report.lifecycle_stage.as_ref().map(|s| s.as_str()),
            paused_hook: report.paused_hook.as_ref(),
            checkpoint: report.checkpoint.as_deref(),
        }
    }
}

/// `COMPLETED web (prod) deployment ecs-svc/1 serves web:3 after 42.1s` or `ROLLED_BACK …: <reason>`.
pub fn text_line(report: &WaitReport) -> String {
    let mut line = format!(
        "{} service {} (cluster {})",
        report.outcome.as_str(),
        report.service,
        report.cluster
    );
    if let Some(deployment) = &report.deployment_id {
        line.push_str(&format!(" deployment {deployment}"));
    }
    // Only these verdicts know what serves traffic; after a failure the PRIMARY may be the broken revision.
    if let (Outcome::Completed | Outcome::RolledBack, Some(primary)) =
        (report.outcome, &report.primary_task_definition)
    {
        line.push_str(&format!(
            ", serving {}",
            crate::progress::short_task_definition(primary)
        ));
    }
    line.push_str(&format!(", after {:.1}s", report.elapsed.as_secs_f64()));
    if let Some(checkpoint) = &report.checkpoint {
        line.push_str(&format!(": {checkpoint}"));
    }
    if !report.failure_message.is_empty() {
        line.push_str(": ");
        line.push_str(&report.failure_message);
    }
    line
}

pub fn json_line(report: &WaitReport) -> String {
    serde_json::to_string(&JsonVerdict::from_report(report)).unwrap_or_else(|error| {
        format!("{{\"status\":\"FAILED\",\"failureMessage\":\"cannot encode verdict: {error}\"}}")
    })
}
