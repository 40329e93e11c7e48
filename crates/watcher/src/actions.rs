//! Acting on a deployment, never by default: roll back the watched deployment
//! when its verdict is one the caller chose (`--rollback-on`), roll back the
//! service's deployment in progress (`rollback`), continue one paused at a PAUSE
//! hook (`continue`).
//!
//! Every action goes through [`EcsApi`] like the watching does, and is guarded
//! the same way everywhere: never on a deployment that already ended, that is
//! not the one asked about, or that ECS is already rolling back.
//! `submodule`s: `find` (the service's deployment in progress), `rollback`
//! (request and follow a rollback), `resume` (continue a paused deployment).

mod find;
mod resume;
mod rollback;

use std::fmt;

use serde::Serialize;

use crate::api::ApiError;
use crate::model::ServiceDeploymentStatus;

pub use find::{InProgress, in_progress_deployment};
pub use resume::{Continued, continue_paused};
pub use rollback::{
    FollowOptions, follow_rollback, roll_back_deployment, roll_back_in_progress, roll_back_watched,
};

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

impl RollbackTrigger {
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

    /// One trigger, in the CLI's or the provider's spelling.
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().replace('_', "-").as_str() {
            "failed" => Some(Self::Failed),
            "timed-out" | "timedout" => Some(Self::TimedOut),
            "interrupted" | "cancelled" | "canceled" => Some(Self::Interrupted),
            _ => None,
        }
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
}

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
    pub(crate) fn from_call(operation: &str, error: ApiError) -> Self {
        match error {
            ApiError::AccessDenied { message } => Self::AccessDenied {
                permission: format!("ecs:{operation}"),
                message,
            },
            ApiError::Unsupported { .. } => Self::Unsupported(format!(
                "{operation} is not available on this endpoint ({error}): acting on a deployment \
                 needs ECS's service-deployment APIs"
            )),
            error => Self::Api {
                operation: operation.to_owned(),
                error,
            },
        }
    }
}

impl fmt::Display for RollbackTrigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Failed => "failed",
            Self::TimedOut => "timed-out",
            Self::Interrupted => "interrupted",
        })
    }
}

#[cfg(test)]
mod tests;
