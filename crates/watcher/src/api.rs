//! [`EcsApi`]: the only door from the watcher to ECS.
//!
//! The trait is deliberately narrow (six read-only calls, and the two actions a
//! caller may opt into: stop a deployment with a rollback, continue a paused one)
//! and speaks `model` types, so the polling loop can be tested against an
//! in-memory fake and the AWS SDK stays confined to the `aws` module. Errors
//! arrive already classified ([`ApiError`]), and [`ApiError::recovery`] is the one
//! decision of what to do about one, which every caller obeys: the wait loop,
//! the actions and their follow-up, the provider's refresh.

use futures::future::BoxFuture;

use crate::model::{
    LifecycleHookAction, ServiceDeployment, ServiceDeploymentBrief, ServiceRevision,
    ServiceSnapshot, StoppedTask,
};

/// Largest batch ECS accepts per `DescribeServices` call.
pub const MAX_SERVICES_PER_CALL: usize = 10;
/// Largest batch ECS accepts per `DescribeServiceDeployments` / `DescribeServiceRevisions` call.
pub const MAX_SERVICE_DEPLOYMENTS_PER_CALL: usize = 20;
/// Largest batch ECS accepts per `DescribeTasks` call.
pub const MAX_TASKS_PER_CALL: usize = 100;
/// Task ARNs per `ListTasks` page (the most ECS returns, asked for explicitly).
pub const LIST_TASKS_PAGE_SIZE: usize = 100;
/// Entries per `ListServiceDeployments` page (ECS's default and maximum).
pub const LIST_SERVICE_DEPLOYMENTS_PAGE_SIZE: usize = 20;

pub type ApiResult<T> = Result<T, ApiError>;

/// What went wrong calling ECS, grouped by what the caller should do about it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// Rate limited: back off and try again; never a verdict on its own.
    #[error("{code}: {message}")]
    Throttled { code: String, message: String },
    /// The server failed (5xx): retry; for the newer service-deployment APIs, fall back.
    #[error("{code}: {message}")]
    Unavailable { code: String, message: String },
    /// This endpoint does not implement the operation (old regions, emulators).
    #[error("{code}: {message}")]
    Unsupported { code: String, message: String },
    /// The credentials lack an IAM permission.
    #[error("{message}")]
    AccessDenied { message: String },
    #[error("{message}")]
    ClusterNotFound { message: String },
    #[error("{message}")]
    ServiceNotFound { message: String },
    /// ECS rejected the request itself; retrying would not help.
    #[error("{code}: {message}")]
    InvalidParameter { code: String, message: String },
    /// The request never got an answer (connection refused, timeout, broken response).
    #[error("{message}")]
    Transport { message: String },
}

/// What a call is for, which decides what its failure means: a call every wait
/// (or action) needs, one of the newer service-deployment APIs the watcher can do
/// without, or an optional call that only enriches a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallRole {
    /// `DescribeServices`, `ListTasks`, `DescribeTasks`; an action's own calls
    /// and the follow-up of a requested rollback.
    Essential,
    /// `ListServiceDeployments`, `DescribeServiceDeployments` while waiting.
    ServiceDeployments,
    /// Enrichment (`DescribeServiceRevisions` for a revision's task definition):
    /// it must never change or delay a verdict.
    Optional,
}

/// What the watcher does about a failed call. Decided once per error, in
/// [`ApiError::recovery`], and obeyed by the loop (the smithy-rs way: no second
/// opinion elsewhere).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recovery {
    /// A later attempt may not hit it: look again after a jittered backoff.
    Retry,
    /// The service-deployment APIs are not usable here: follow the deployment
    /// with `DescribeServices` alone, for this and every later wait.
    FallBack,
    /// Retrying will not help and there is nothing to fall back to: no verdict.
    Fail,
    /// An optional call: go on at once without what it would have added (never
    /// retried, never a reason to wait longer).
    Skip,
}

impl ApiError {
    /// The one classification of errors into what to do about them.
    pub fn recovery(&self, role: CallRole) -> Recovery {
        match (self, role) {
            (_, CallRole::Optional) => Recovery::Skip,
            (ApiError::Throttled { .. } | ApiError::Transport { .. }, _) => Recovery::Retry,
            // A server error on an essential call is worth retrying; on the newer
            // APIs it is as likely a region or emulator without them.
            (ApiError::Unavailable { .. }, CallRole::Essential) => Recovery::Retry,
            (_, CallRole::ServiceDeployments) => Recovery::FallBack,
            (
                ApiError::Unsupported { .. }
                | ApiError::AccessDenied { .. }
                | ApiError::ClusterNotFound { .. }
                | ApiError::ServiceNotFound { .. }
                | ApiError::InvalidParameter { .. },
                CallRole::Essential,
            ) => Recovery::Fail,
        }
    }

    /// Short name for progress output and timeout messages, e.g. `ThrottlingException`.
    pub fn kind(&self) -> &str {
        match self {
            ApiError::Throttled { code, .. }
            | ApiError::Unavailable { code, .. }
            | ApiError::Unsupported { code, .. }
            | ApiError::InvalidParameter { code, .. } => code,
            ApiError::AccessDenied { .. } => "AccessDeniedException",
            ApiError::ClusterNotFound { .. } => "ClusterNotFoundException",
            ApiError::ServiceNotFound { .. } => "ServiceNotFoundException",
            ApiError::Transport { .. } => "transport error",
        }
    }
}

/// `StopServiceDeployment`'s `stopType`: the watcher only ever rolls back (ECS
/// documents ROLLBACK as the only value it accepts today).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StopType {
    /// Roll the service back to the revision it ran before.
    Rollback,
}

impl StopType {
    pub fn as_str(self) -> &'static str {
        match self {
            StopType::Rollback => "ROLLBACK",
        }
    }
}

/// `DescribeServices`: the services found. What it did not find (`failures[]`,
/// e.g. `MISSING`) is simply absent: the watcher matches services back by
/// identity, and a missing one is "not found".
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DescribeServicesOutput {
    /// The services ECS found, in no particular order (match them by identity).
    pub services: Vec<ServiceSnapshot>,
}

/// `DescribeServiceDeployments`: the deployments found (the ARNs it did not find
/// are absent, as for [`DescribeServicesOutput`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DescribeServiceDeploymentsOutput {
    /// The service deployments ECS found, matched back by ARN.
    pub service_deployments: Vec<ServiceDeployment>,
}

/// Orders `briefs` as [`EcsApi::list_service_deployments`] returns them: newest first.
pub(crate) fn newest_first(briefs: &mut [ServiceDeploymentBrief]) {
    briefs.sort_by_key(|brief| std::cmp::Reverse(brief.created_at));
}

/// The ECS calls the watcher makes: six read-only ones, and the two actions
/// (`stop_service_deployment`, `continue_service_deployment`) made only when a
/// caller asks. Implementations must not retry throttling for long: the watcher
/// owns the backoff policy.
///
/// Batch limits (callers never exceed them): `describe_services` ≤ 10 services,
/// `describe_service_deployments` and `describe_service_revisions` ≤ 20 ARNs,
/// `describe_tasks` ≤ 100 tasks. List calls paginate internally.
pub trait EcsApi: Send + Sync {
    fn describe_services<'a>(
        &'a self,
        cluster: &'a str,
        services: &'a [String],
    ) -> BoxFuture<'a, ApiResult<DescribeServicesOutput>>;

    /// The service's deployments (any status), newest first.
    fn list_service_deployments<'a>(
        &'a self,
        cluster: &'a str,
        service: &'a str,
    ) -> BoxFuture<'a, ApiResult<Vec<ServiceDeploymentBrief>>>;

    fn describe_service_deployments<'a>(
        &'a self,
        service_deployment_arns: &'a [String],
    ) -> BoxFuture<'a, ApiResult<DescribeServiceDeploymentsOutput>>;

    fn describe_service_revisions<'a>(
        &'a self,
        service_revision_arns: &'a [String],
    ) -> BoxFuture<'a, ApiResult<Vec<ServiceRevision>>>;

    /// `ListTasks` with `desiredStatus` STOPPED: ARNs of the service's stopped tasks
    /// (all pages), the only tasks the watcher asks about (why a deployment fails).
    /// ECS allows `startedBy` only as the sole filter, so the watcher lists by
    /// service and matches the deployment on the described tasks instead.
    fn list_stopped_tasks<'a>(
        &'a self,
        cluster: &'a str,
        service: &'a str,
    ) -> BoxFuture<'a, ApiResult<Vec<String>>>;

    fn describe_tasks<'a>(
        &'a self,
        cluster: &'a str,
        task_arns: &'a [String],
    ) -> BoxFuture<'a, ApiResult<Vec<StoppedTask>>>;

    /// `StopServiceDeployment`: the one call that changes a deployment without a
    /// person asking for it in that moment, so only `--rollback-on` and the
    /// `rollback` command make it.
    fn stop_service_deployment<'a>(
        &'a self,
        service_deployment_arn: &'a str,
        stop_type: StopType,
    ) -> BoxFuture<'a, ApiResult<()>>;

    /// `ContinueServiceDeployment`: continue (or roll back) a deployment paused at
    /// the PAUSE hook `hook_id`.
    fn continue_service_deployment<'a>(
        &'a self,
        service_deployment_arn: &'a str,
        hook_id: &'a str,
        action: LifecycleHookAction,
    ) -> BoxFuture<'a, ApiResult<()>>;

    /// True while a call made now would have to wait its turn for a client-side
    /// request budget (see [`crate::budget`]). The watcher keeps a batch open
    /// meanwhile, so look-ups that arrive join it instead of queueing behind it
    /// one call each. Without a budget, never.
    fn is_backlogged(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_class_has_one_recovery_per_call_role() {
        use Recovery::{Fail, FallBack, Retry};
        let (code, message) = (|| "Code".to_owned(), || "message".to_owned());
        // (error, recovery of an essential call, recovery of a service-deployment call)
        let cases = [
            (
                ApiError::Throttled {
                    code: code(),
                    message: message(),
                },
                Retry,
                Retry,
            ),
            (ApiError::Transport { message: message() }, Retry, Retry),
            (
                ApiError::Unavailable {
                    code: code(),
                    message: message(),
                },
                Retry,
                FallBack,
            ),
            (
                ApiError::Unsupported {
                    code: code(),
                    message: message(),
                },
                Fail,
                FallBack,
            ),
            (
                ApiError::AccessDenied { message: message() },
                Fail,
                FallBack,
            ),
            (
                ApiError::InvalidParameter {
                    code: code(),
                    message: message(),
                },
                Fail,
                FallBack,
            ),
            (
                ApiError::ClusterNotFound { message: message() },
                Fail,
                FallBack,
            ),
        ];
        for (error, essential, service_deployments) in cases {
            let recoveries = (
                error.recovery(CallRole::Essential),
                error.recovery(CallRole::ServiceDeployments),
            );
            assert_eq!(recoveries, (essential, service_deployments), "{error:?}");
            // An optional call never waits or fails the wait, whatever went wrong.
            assert_eq!(
                error.recovery(CallRole::Optional),
                Recovery::Skip,
                "{error:?}"
            );
        }
    }
}
