//! What a failed AWS call means for the wait. The class of error decides it
//! ([`ApiError::recovery`]); this module only carries it out and keeps the
//! streak of failures that backoff and the timeout message need.

use std::collections::HashMap;

use super::super::{ProgressEvent, WaitError};
use super::{Core, Step, Stop};
use crate::api::{ApiError, CallRole, Recovery};
use crate::layer::Operation;

/// Calls that failed, for backoff and for the timeout message.
#[derive(Default)]
pub(super) struct FailureStreak {
    consecutive: u32,
    /// The operation that failed last, and how.
    last: Option<(String, ApiError)>,
    totals: HashMap<String, u32>,
}

impl FailureStreak {
    fn record(&mut self, operation: Operation, error: &ApiError) -> u32 {
        self.consecutive += 1;
        *self.totals.entry(error.kind().to_owned()).or_default() += 1;
        self.last = Some((operation.as_str().to_owned(), error.clone()));
        self.consecutive
    }

    pub(super) fn succeeded(&mut self) {
        self.consecutive = 0;
        self.last = None;
    }

    pub(super) fn consecutive(&self) -> u32 {
        self.consecutive
    }

    /// The last call failed.
    pub(super) fn is_failing(&self) -> bool {
        self.last.is_some()
    }

    /// The operation still failing, its error, and how often that error occurred overall.
    pub(super) fn persistent(&self) -> Option<(&str, &ApiError, u32)> {
        let (operation, error) = self.last.as_ref()?;
        Some((
            operation,
            error,
            self.totals.get(error.kind()).copied().unwrap_or(1),
        ))
    }
}

/// What the session does after a failed call.
pub(crate) enum AfterFailure {
    /// Look again after a backoff.
    Retry,
    /// The service-deployment APIs are out (the reason); carry on with `DescribeServices`.
    FellBack(String),
    /// An optional call: go on without what it would have added.
    Skipped,
}

impl Core<'_> {
    /// Carries out the recovery for a failed call: records and reports a retry,
    /// falls back, or ends the wait with the error a user can act on.
    pub(crate) fn recover(
        &mut self,
        operation: Operation,
        role: CallRole,
        error: ApiError,
    ) -> Result<AfterFailure, Stop> {
        match error.recovery(role) {
            Recovery::Retry => {
                let attempt = self.failures.record(operation, &error);
                self.emit(ProgressEvent::Retrying {
                    operation: operation.as_str().to_owned(),
                    error: error.to_string(),
                    attempt,
                });
                Ok(AfterFailure::Retry)
            }
            Recovery::FallBack => {
                let reason = format!("{operation} is unavailable ({error})");
                self.shared
                    .remember_service_deployments_unavailable(&reason);
                Ok(AfterFailure::FellBack(reason))
            }
            Recovery::Skip => {
                tracing::debug!(service = %self.plan.service, %operation, %error, "optional call failed; going on without it");
                Ok(AfterFailure::Skipped)
            }
            Recovery::Fail => Err(self.failure_error(operation, error).into()),
        }
    }

    /// Tells the caller (once per wait) that the wait goes on with `DescribeServices` alone.
    pub(crate) fn told_fallback(&self, reason: String) {
        tracing::info!(service = %self.plan.service, %reason, "following the deployment with DescribeServices alone");
        self.emit(ProgressEvent::FallbackToDescribeServices { reason });
    }

    /// A failed essential call: retry later, or stop with an error.
    pub(crate) fn call_failed(
        &mut self,
        operation: Operation,
        error: ApiError,
    ) -> Result<Step, Stop> {
        match self.recover(operation, CallRole::Essential, error)? {
            AfterFailure::Retry => Ok(Step::Retry),
            AfterFailure::FellBack(_) | AfterFailure::Skipped => Ok(Step::Continue),
        }
    }

    /// The error that ends a wait on a call that cannot succeed.
    fn failure_error(&self, operation: Operation, error: ApiError) -> WaitError {
        match error {
            ApiError::AccessDenied { message } => WaitError::AccessDenied {
                permission: operation.permission(),
                message,
            },
            ApiError::ClusterNotFound { .. } => WaitError::ClusterNotFound {
                cluster: self.request.cluster.clone(),
            },
            ApiError::ServiceNotFound { .. } if !self.service_seen() => self.service_not_found(),
            other => WaitError::Api(format!("{operation} failed: {other}")),
        }
    }
}
