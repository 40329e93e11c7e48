//! Acting on a deployment, never by default: roll back the watched deployment
//! when its verdict (or an interrupt) is one the caller chose (`--rollback-on`,
//! `rollbackOn`), roll back the service's deployment in progress (`rollback`),
//! continue one paused at a PAUSE hook (`continue`).
//!
//! These are the rules both front ends share: which verdict triggers a rollback
//! ([`RollbackTrigger::for_outcome`]), what happens after a verdict
//! ([`after_verdict`]) and after an interrupt ([`after_interrupt`]), and how a
//! rollback's status is spelled ([`RollbackReport::status_label`]). Each action
//! is carried out by the wait kind that followed the deployment (its calls live
//! there: [`crate::kinds::service_deployments`]); a kind without actions refuses
//! with the reason. Every action is guarded the same way: never on a deployment
//! that already ended, that is not the one asked about, or that ECS is already
//! rolling back; its calls obey [`ApiError::recovery`].

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::api::ApiError;
use crate::clients::AwsClients;
use crate::kinds::service_deployments::{MAX_SERVICE_DEPLOYMENT_LOOKUPS, actions as sd_actions};

// The actions on a service's deployment in progress, with no wait before them to
// choose a kind: the service-deployments kind is the only one with actions today
// (a kind that brings its own, e.g. CodeDeploy's, makes these choose).
pub use crate::kinds::service_deployments::actions::{
    continue_paused, in_progress_deployment, roll_back_deployment, roll_back_in_progress,
};
use crate::kinds::{WaitKind, describe_services};
use crate::layer::Operation;
use crate::model::{
    LifecycleHookAction, LifecycleStage, ServiceDeployment, ServiceDeploymentStatus,
};
use crate::watch::{Outcome, WaitReport, Watched};

/// How long and how often to follow a rollback once requested.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FollowOptions {
    /// Stop following after this long (the rollback itself goes on). Default 10 minutes.
    pub timeout: Duration,
    pub poll_interval: Duration,
}

impl Default for FollowOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(600),
            poll_interval: Duration::from_secs(2),
        }
    }
}

/// The service deployment in progress and how it was found.
#[derive(Clone, Debug, PartialEq)]
pub struct InProgress {
    pub service_deployment_arn: String,
    pub deployment: ServiceDeployment,
}

/// What `continue` did.
#[derive(Clone, Debug, PartialEq)]
pub struct Continued {
    pub service_deployment_arn: String,
    pub hook_id: String,
    pub stage: Option<LifecycleStage>,
    pub action: LifecycleHookAction,
}

/// A verdict that may trigger a rollback (`--rollback-on failed,timed-out,interrupted`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RollbackTrigger {
    /// FAILED: a crash loop, a failed rollout without rollback, a stopped deployment.
    Failed,
    /// TIMED_OUT: the deployment is still in progress when the wait gives up.
    TimedOut,
    /// The wait was interrupted (Ctrl-C, SIGTERM, a Pulumi cancel).
    Interrupted,
}

/// The values `--rollback-on` accepts.
pub const ROLLBACK_TRIGGER_VALUES: &str =
    "a comma-separated list of `failed`, `timed-out` and `interrupted` (or empty for none)";

/// The values the provider's `rollbackOn` accepts (the schema documents these).
pub const ROLLBACK_ON_INPUT_VALUES: &str = "a list of `failed`, `timedOut` and `cancelled`";

impl RollbackTrigger {
    pub const ALL: [RollbackTrigger; 3] = [Self::Failed, Self::TimedOut, Self::Interrupted];

    /// The one grammar of rollback triggers: each trigger's two spellings, the CLI
    /// flag's (`--rollback-on`) and the Pulumi input's (`rollbackOn`).
    fn spellings(self) -> (&'static str, &'static str) {
        match self {
            Self::Failed => ("failed", "failed"),
            Self::TimedOut => ("timed-out", "timedOut"),
            Self::Interrupted => ("interrupted", "cancelled"),
        }
    }

    /// The CLI flag's spelling, e.g. `timed-out`.
    pub fn flag_spelling(self) -> &'static str {
        self.spellings().0
    }

    /// The Pulumi input's spelling, e.g. `timedOut`.
    pub fn input_spelling(self) -> &'static str {
        self.spellings().1
    }

    /// One `rollbackOn` item, in the Pulumi input's spelling only (as the schema documents it).
    pub fn parse_input(field: &str, text: &str) -> Result<Self, crate::InputError> {
        Self::ALL
            .into_iter()
            .find(|trigger| trigger.input_spelling() == text)
            .ok_or_else(|| {
                crate::InputError::new(field, text, format!("expected {ROLLBACK_ON_INPUT_VALUES}"))
            })
    }

    /// The trigger a verdict is, if any: COMPLETED and ROLLED_BACK need no rollback.
    pub fn for_outcome(outcome: Outcome) -> Option<Self> {
        match outcome {
            Outcome::Failed => Some(Self::Failed),
            Outcome::TimedOut => Some(Self::TimedOut),
            Outcome::Completed | Outcome::RolledBack => None,
        }
    }

    /// Parses a comma-separated list; `field` names the option in the error.
    /// `timedOut` and `cancelled` are the provider's spellings of the same triggers.
    pub fn parse_list(field: &str, text: &str) -> Result<Vec<Self>, crate::InputError> {
        let mut triggers = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let trigger = Self::parse(part).ok_or_else(|| {
                crate::InputError::new(field, part, format!("expected {ROLLBACK_TRIGGER_VALUES}"))
            })?;
            if !triggers.contains(&trigger) {
                triggers.push(trigger);
            }
        }
        Ok(triggers)
    }

    /// One trigger in either spelling (the CLI accepts both, case and `-`/`_`
    /// aside, and `canceled` for `cancelled`).
    pub fn parse(text: &str) -> Option<Self> {
        let loose = |spelling: &str| spelling.to_ascii_lowercase().replace(['-', '_'], "");
        let wanted = loose(text).replace("canceled", "cancelled");
        Self::ALL.into_iter().find(|trigger| {
            loose(trigger.flag_spelling()) == wanted || loose(trigger.input_spelling()) == wanted
        })
    }
}

/// What a requested (or refused) rollback did.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RollbackReport {
    /// `StopServiceDeployment` was called and accepted.
    pub requested: bool,
    /// The service deployment's status when following stopped: ROLLBACK_SUCCESSFUL,
    /// ROLLBACK_FAILED, or still ROLLBACK_IN_PROGRESS. Left out of JSON when unknown, as
    /// the verdict's other optional fields are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<ServiceDeploymentStatus>,
    /// The task definition the service went back to, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_task_definition: Option<String>,
    /// Why it was not requested, or what ECS said about it.
    pub reason: String,
}

impl RollbackReport {
    pub(crate) fn not_requested(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            ..Self::default()
        }
    }

    /// The rollback finished and the service runs the previous revision again.
    pub fn succeeded(&self) -> bool {
        self.status == Some(ServiceDeploymentStatus::RollbackSuccessful)
    }

    /// The one spelling of what the rollback is: its status once requested
    /// (`ROLLBACK_SUCCESSFUL`, `ROLLBACK_FAILED`, `ROLLBACK_IN_PROGRESS`, …), else
    /// [`NOT_REQUESTED`].
    pub fn status_label(&self) -> &str {
        match (&self.status, self.requested) {
            (Some(status), true) => status.as_str(),
            _ => NOT_REQUESTED,
        }
    }
}

/// The status of a rollback that was not requested, in the CLI and the provider.
pub const NOT_REQUESTED: &str = "NOT_REQUESTED";

/// Why an action could not be taken. All are setup errors (exit 4) for the CLI.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    /// No deployment of the service is in progress.
    #[error("{0}")]
    NothingInProgress(String),
    /// The deployment in progress is not paused at a PAUSE hook.
    #[error("{0}")]
    NothingPaused(String),
    /// Several hooks await action and none was named, or the named one is not among them.
    #[error("{0}")]
    WhichHook(String),
    #[error("access denied: the credentials need the IAM permission {permission} ({message})")]
    AccessDenied { permission: String, message: String },
    /// This endpoint has no service-deployment APIs, which every action needs.
    #[error("{0}")]
    Unsupported(String),
    /// ECS refused or failed the call.
    #[error("{operation} failed: {error}")]
    Api { operation: String, error: ApiError },
    #[error("cancelled")]
    Cancelled,
}

impl ActionError {
    /// The error of a failed `operation` call, naming the permission it needs.
    pub(crate) fn from_call(operation: Operation, error: ApiError) -> Self {
        match error {
            ApiError::AccessDenied { message } => Self::AccessDenied {
                permission: operation.permission(),
                message,
            },
            ApiError::Unsupported { .. } => Self::Unsupported(format!(
                "{operation} is not available on this endpoint ({error}): acting on a deployment \
                 needs ECS's service-deployment APIs"
            )),
            error => Self::Api {
                operation: operation.as_str().to_owned(),
                error,
            },
        }
    }
}

impl fmt::Display for RollbackTrigger {
    /// The CLI's spelling.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.flag_spelling())
    }
}

/// `--rollback-on` / `rollbackOn` after a verdict: rolls back the watched
/// deployment when the verdict is one of `triggers`; `None` when none applies.
/// The verdict is not changed; the answer says what the rollback did, or why it
/// was not requested.
pub async fn after_verdict(
    clients: &AwsClients,
    report: &WaitReport,
    triggers: &[RollbackTrigger],
    follow: FollowOptions,
    cancel: &CancellationToken,
) -> Option<RollbackReport> {
    let trigger = RollbackTrigger::for_outcome(report.outcome)?;
    if !triggers.contains(&trigger) {
        return None;
    }
    Some(roll_back_watched(clients, report, follow, cancel).await)
}

/// `--rollback-on interrupted` / `rollbackOn: cancelled` after an interrupt:
/// rolls back the deployment in progress, only if it is the one the wait was
/// watching (`watched`, from the cancel error); `None` when not asked for.
pub async fn after_interrupt(
    clients: &AwsClients,
    watched: Option<&Watched>,
    triggers: &[RollbackTrigger],
    follow: FollowOptions,
    cancel: &CancellationToken,
) -> Option<RollbackReport> {
    if !triggers.contains(&RollbackTrigger::Interrupted) {
        return None;
    }
    let Some(watched) = watched else {
        return Some(RollbackReport::not_requested(
            "rollback not requested: the watched deployment had not been found yet",
        ));
    };
    if let Some(refused) = refused_by_kind(watched) {
        return Some(refused);
    }
    Some(
        roll_back_in_progress(
            clients,
            &watched.cluster,
            &watched.service,
            Some(&watched.deployment_id),
            follow,
            cancel,
        )
        .await
        .unwrap_or_else(|error| {
            RollbackReport::not_requested(format!("rollback not requested: {error}"))
        }),
    )
}

/// Rolls back the deployment `report` watched, if that is safe and possible.
pub async fn roll_back_watched(
    clients: &AwsClients,
    report: &WaitReport,
    follow: FollowOptions,
    cancel: &CancellationToken,
) -> RollbackReport {
    if report.outcome == Outcome::RolledBack {
        return RollbackReport::not_requested("ECS already rolled the deployment back");
    }
    if report.outcome == Outcome::Completed {
        return RollbackReport::not_requested("the deployment completed");
    }
    let Some(watched) = report.watched() else {
        return RollbackReport::not_requested(
            "rollback not requested: the watched deployment was never found",
        );
    };
    if let Some(refused) = refused_by_kind(&watched) {
        return refused;
    }
    let Some(arn) = &watched.service_deployment_arn else {
        return RollbackReport::not_requested(format!(
            "rollback not requested: the watched deployment's service deployment was not \
             found (ListServiceDeployments did not list {} within {MAX_SERVICE_DEPLOYMENT_LOOKUPS} \
             look-ups), so there is no service deployment to stop",
            watched.deployment_id
        ));
    };
    sd_actions::roll_back_watched(clients, arn, follow, cancel).await
}

/// A kind without actions refuses them, saying why.
fn refused_by_kind(watched: &Watched) -> Option<RollbackReport> {
    match watched.kind {
        Some(WaitKind::DescribeServicesOnly) => Some(RollbackReport::not_requested(format!(
            "rollback not requested: {}",
            describe_services::NO_ACTIONS
        ))),
        Some(WaitKind::ServiceDeployments) | None => None,
    }
}

#[cfg(test)]
mod tests;
