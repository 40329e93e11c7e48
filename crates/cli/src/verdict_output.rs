//! The verdict as CI consumes it: one text line, exactly one JSON object (the npm package's `status` and
//! `failureMessage`, plus what the watcher knows), or, for GitHub Actions, the text lines after one error
//! annotation per service that did not complete.

use ecs_watcher::actions::RollbackReport;
use ecs_watcher::model::PausedHook;
use ecs_watcher::{Outcome, WaitReport};
use serde::Serialize;

use crate::ExitCode;
use crate::args::OutputFormat;
use crate::github;

/// How the wait for one service ended.
#[derive(Debug)]
pub enum WaitEnd {
    /// A verdict, and what `--rollback-on` did about it.
    Verdict {
        report: Box<WaitReport>,
        rollback: Option<RollbackReport>,
    },
    /// Ctrl-C or SIGTERM; with `--rollback-on interrupted`, what the rollback did.
    Interrupted { rollback: Option<RollbackReport> },
    /// `--fail-fast` ended this wait because another service failed.
    NotWaitedFor { reason: String },
    /// Bad input or a setup error (not found, access denied, …).
    Error(String),
}

/// One service's result.
#[derive(Debug)]
pub struct ServiceResult {
    pub cluster: String,
    pub service: String,
    pub desired_task_definition: Option<String>,
    pub end: WaitEnd,
    /// The deployment in the AWS console ([`ecs_watcher::console::deployment_url`]), once it was found.
    pub console_url: Option<String>,
}

/// What every per-service JSON object starts with, verdict or not.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonHead<'a> {
    /// `COMPLETED` or `FAILED`, as the npm package reported it.
    pub status: &'static str,
    /// One of COMPLETED, FAILED, ROLLED_BACK, TIMED_OUT (and, without a verdict, ERROR or INTERRUPTED).
    pub outcome: &'static str,
    pub failure_message: &'a str,
    pub cluster: &'a str,
    pub service: &'a str,
    pub desired_task_def: Option<&'a str>,
    /// What `--rollback-on` did, when the verdict (or the interruption) triggered it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback: Option<&'a RollbackReport>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonVerdict<'a> {
    #[serde(flatten)]
    pub head: JsonHead<'a>,
    pub deployment_id: Option<&'a str>,
    /// The watched service deployment's ARN (what `continue`, `rollback` and the AWS CLI take), when the
    /// service-deployment APIs found it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_deployment_arn: Option<&'a str>,
    pub primary_task_def: Option<&'a str>,
    /// On ROLLED_BACK: the task definition ECS went back to, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rolled_back_to: Option<&'a str>,
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
    /// The deployment in the AWS console of its partition and Region: its service deployment's page, or the
    /// service's deployments page when the service deployment is not known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub console_url: Option<&'a str>,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum JsonService<'a> {
    Verdict(Box<JsonVerdict<'a>>),
    /// A service without a verdict (error, interrupted, not waited for): `outcome` is `ERROR`,
    /// `INTERRUPTED`, or `TIMED_OUT` for a service `--fail-fast` did not wait for.
    NoVerdict(JsonHead<'a>),
}

/// `--output json` with several services: the most severe outcome, and one object per service.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonSeveral<'a> {
    pub status: &'static str,
    pub outcome: &'static str,
    pub services: Vec<JsonService<'a>>,
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
    /// The verdict of `report`, with what `--rollback-on` did about it and the console link.
    pub fn from_report(
        report: &'a WaitReport,
        rollback: Option<&'a RollbackReport>,
        console_url: Option<&'a str>,
    ) -> Self {
        Self {
            head: JsonHead {
                status: report.outcome.status(),
                outcome: report.outcome.as_str(),
                failure_message: &report.failure_message,
                cluster: &report.cluster,
                service: &report.service,
                desired_task_def: report.desired_task_definition.as_deref(),
                rollback,
            },
            deployment_id: report.deployment_id.as_deref(),
            service_deployment_arn: report.service_deployment_arn.as_deref(),
            primary_task_def: report.primary_task_definition.as_deref(),
            rolled_back_to: report.rolled_back_to.as_deref(),
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
            console_url,
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
    // Only a completed deployment knows what serves traffic: after a failure the PRIMARY may be the broken
    // revision, and a rollback is decided as soon as it starts, while green may still be PRIMARY (the
    // message names the revision it goes back to).
    if let (Outcome::Completed, Some(primary)) = (report.outcome, &report.primary_task_definition) {
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

fn encode(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|error| {
        format!("{{\"status\":\"FAILED\",\"failureMessage\":\"cannot encode verdict: {error}\"}}")
    })
}

/// `; rolled back to web:3` or `; rollback not requested: …`: what `--rollback-on` did, for the text line.
fn rollback_suffix(rollback: &RollbackReport) -> String {
    format!("; {}", rollback.reason)
}

/// The exit code of several results: 4 if any setup error, else 1 if any FAILED, else 2 if any ROLLED_BACK,
/// else 3 if any TIMED_OUT, else 0 — and 130 when interrupted.
pub fn exit_code(results: &[ServiceResult]) -> ExitCode {
    let ends = || results.iter().map(|r| &r.end);
    if ends().any(|e| matches!(e, WaitEnd::Interrupted { .. })) {
        return ExitCode::Interrupted;
    }
    if ends().any(|e| matches!(e, WaitEnd::Error(_))) {
        return ExitCode::SetupError;
    }
    ExitCode::from(most_severe(results))
}

/// The most severe verdict among the results, by the exit-code precedence.
fn most_severe(results: &[ServiceResult]) -> Outcome {
    let outcomes: Vec<Outcome> = results
        .iter()
        .filter_map(|r| match &r.end {
            WaitEnd::Verdict { report, .. } => Some(report.outcome),
            WaitEnd::NotWaitedFor { .. } => Some(Outcome::TimedOut),
            WaitEnd::Interrupted { .. } | WaitEnd::Error(_) => None,
        })
        .collect();
    [Outcome::Failed, Outcome::RolledBack, Outcome::TimedOut]
        .into_iter()
        .find(|severe| outcomes.contains(severe))
        .unwrap_or(Outcome::Completed)
}

/// The verdict line of a result, as text and `github` print it (none for an error or an interruption, told
/// on stderr): [`text_line`], what `--rollback-on` did, and with `console_link` (`-v`) the console link.
fn plain_line(result: &ServiceResult, console_link: bool) -> Option<String> {
    let mut line = match &result.end {
        WaitEnd::Verdict { report, rollback } => {
            let mut line = text_line(report);
            if let Some(rollback) = rollback {
                line.push_str(&rollback_suffix(rollback));
            }
            line
        }
        WaitEnd::NotWaitedFor { reason } => format!(
            "TIMED_OUT service {} (cluster {}): {reason}",
            result.service, result.cluster
        ),
        WaitEnd::Interrupted { .. } | WaitEnd::Error(_) => return None,
    };
    if let (true, Some(url)) = (console_link, &result.console_url) {
        line.push_str(&format!("; console: {url}"));
    }
    Some(line)
}

/// `--output github`: the `::error` annotation of a service that did not complete, titled with the service
/// and its outcome (as in the JSON), its message the failure message.
fn error_annotation(result: &ServiceResult) -> Option<String> {
    let (outcome, message) = match &result.end {
        WaitEnd::Verdict { report, .. } if report.outcome == Outcome::Completed => return None,
        WaitEnd::Verdict { report, .. } if report.failure_message.is_empty() => {
            (report.outcome.as_str(), text_line(report))
        }
        WaitEnd::Verdict { report, .. } => {
            (report.outcome.as_str(), report.failure_message.clone())
        }
        WaitEnd::NotWaitedFor { reason } => ("TIMED_OUT", reason.clone()),
        WaitEnd::Interrupted { .. } => ("INTERRUPTED", "interrupted: stopped waiting".to_owned()),
        WaitEnd::Error(message) => ("ERROR", message.clone()),
    };
    Some(github::error(
        &format!("{} {outcome}", result.service),
        &message,
    ))
}

/// Prints every result (stdout: verdicts; stderr: errors and interruptions) and returns the exit code.
/// `verbose` (`-v`) adds the console link to the text verdict lines.
pub fn print_all(results: &[ServiceResult], output: OutputFormat, verbose: bool) -> ExitCode {
    let several = results.len() > 1;
    for result in results {
        let name = if several {
            format!("service {}: ", result.service)
        } else {
            String::new()
        };
        match &result.end {
            WaitEnd::Interrupted { rollback } => {
                let mut line = format!(
                    "interrupted: {name}stopped waiting (the deployment itself goes on in ECS)"
                );
                if let Some(rollback) = rollback {
                    line.push_str(&rollback_suffix(rollback));
                }
                eprintln!("{line}");
            }
            WaitEnd::Error(message) => eprintln!("error: {name}{message}"),
            WaitEnd::Verdict { .. } | WaitEnd::NotWaitedFor { .. } => {}
        }
    }
    match output {
        OutputFormat::Text => {
            for line in results.iter().filter_map(|r| plain_line(r, verbose)) {
                println!("{line}");
            }
        }
        OutputFormat::Github => {
            for annotation in results.iter().filter_map(error_annotation) {
                println!("{annotation}");
            }
            for line in results.iter().filter_map(|r| plain_line(r, verbose)) {
                println!("{line}");
            }
        }
        OutputFormat::Json if !several => {
            if let Some(result) = results.first()
                && let WaitEnd::Verdict { report, rollback } = &result.end
            {
                let verdict = JsonVerdict::from_report(
                    report,
                    rollback.as_ref(),
                    result.console_url.as_deref(),
                );
                println!("{}", encode(&verdict));
            }
        }
        OutputFormat::Json => {
            let outcome = most_severe(results);
            let all_completed = results.iter().all(
                |r| matches!(&r.end, WaitEnd::Verdict { report, .. } if report.outcome == Outcome::Completed),
            );
            let services = results.iter().map(json_service).collect();
            println!(
                "{}",
                encode(&JsonSeveral {
                    status: if all_completed { "COMPLETED" } else { "FAILED" },
                    outcome: outcome.as_str(),
                    services,
                })
            );
        }
    }
    exit_code(results)
}

fn json_service(result: &ServiceResult) -> JsonService<'_> {
    let no_verdict = |outcome, failure_message, rollback| {
        JsonService::NoVerdict(JsonHead {
            status: "FAILED",
            outcome,
            failure_message,
            cluster: &result.cluster,
            service: &result.service,
            desired_task_def: result.desired_task_definition.as_deref(),
            rollback,
        })
    };
    match &result.end {
        WaitEnd::Verdict { report, rollback } => JsonService::Verdict(Box::new(
            JsonVerdict::from_report(report, rollback.as_ref(), result.console_url.as_deref()),
        )),
        WaitEnd::NotWaitedFor { reason } => no_verdict("TIMED_OUT", reason, None),
        WaitEnd::Interrupted { rollback } => no_verdict(
            "INTERRUPTED",
            "interrupted: stopped waiting",
            rollback.as_ref(),
        ),
        WaitEnd::Error(message) => no_verdict("ERROR", message, None),
    }
}
