//! One call made outside the wait loop (an action, the provider's refresh),
//! obeying the one error policy: retried with jittered backoff while
//! [`ApiError::recovery`] says a later attempt may succeed (throttling, a dropped
//! connection), given up at once otherwise. The wait loop does the same with its
//! own deadline and progress (`watch::session::calls`).

use std::future::Future;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::api::{ApiError, ApiResult, CallRole, Recovery};
use crate::layer::Operation;
use crate::watch::backoff;

/// How often and how patiently [`obeying_recovery`] retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The backoff grows (doubling, jittered, capped at 30 s) from this.
    pub base_delay: Duration,
}

impl RetryPolicy {
    /// Actions and one-off reads: a few attempts a second or more apart.
    pub const ONE_OFF: RetryPolicy = RetryPolicy {
        attempts: 4,
        base_delay: Duration::from_secs(1),
    };
}

/// Why [`obeying_recovery`] gave up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GaveUp {
    /// The last attempt's error: one retrying would not fix, or the attempts ran out.
    Error(ApiError),
    Cancelled,
}

/// Makes `operation` through `send` (an essential call), retrying as
/// [`ApiError::recovery`] says.
pub async fn obeying_recovery<T, F, Fut>(
    operation: Operation,
    policy: RetryPolicy,
    cancel: &CancellationToken,
    mut send: F,
) -> Result<T, GaveUp>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ApiResult<T>>,
{
    let mut attempt = 1;
    loop {
        let answer = tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(GaveUp::Cancelled),
            answer = send() => answer,
        };
        let error = match answer {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        if attempt >= policy.attempts || error.recovery(CallRole::Essential) != Recovery::Retry {
            return Err(GaveUp::Error(error));
        }
        tracing::debug!(%operation, %error, attempt, "call failed; retrying after a backoff");
        let delay = backoff::retry_delay(attempt, policy.base_delay, &mut rand::rng());
        tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(GaveUp::Cancelled),
            _ = tokio::time::sleep(delay) => {}
        }
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn throttled() -> ApiError {
        ApiError::Throttled {
            code: "ThrottlingException".into(),
            message: "Rate exceeded".into(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn throttling_is_retried_until_an_answer() {
        let calls = AtomicU32::new(0);
        let throttled_twice = || async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => Err(throttled()),
                _ => Ok("answer"),
            }
        };
        let never = CancellationToken::new();
        let policy = RetryPolicy::ONE_OFF;
        let answer = obeying_recovery(Operation::ListTasks, policy, &never, throttled_twice).await;
        assert_eq!(answer, Ok("answer"));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    /// Calls that always fail with `error`: what came back, and how many attempts.
    async fn always_failing(error: ApiError) -> (Result<(), GaveUp>, u32) {
        let calls = AtomicU32::new(0);
        let answer = obeying_recovery(
            Operation::DescribeServices,
            RetryPolicy::ONE_OFF,
            &CancellationToken::new(),
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(error.clone())
            },
        )
        .await;
        (answer, calls.load(Ordering::SeqCst))
    }

    #[tokio::test(start_paused = true)]
    async fn access_denied_is_given_up_at_once_and_throttling_after_the_attempts() {
        let denied = ApiError::AccessDenied {
            message: "not authorized".into(),
        };
        assert_eq!(
            always_failing(denied.clone()).await,
            (Err(GaveUp::Error(denied)), 1)
        );
        assert_eq!(
            always_failing(throttled()).await,
            (
                Err(GaveUp::Error(throttled())),
                RetryPolicy::ONE_OFF.attempts
            )
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancel_ends_the_backoff() {
        let cancel = CancellationToken::new();
        cancel.cancel();
        let answer: Result<(), _> = obeying_recovery(
            Operation::DescribeServices,
            RetryPolicy::ONE_OFF,
            &cancel,
            || async { Err(throttled()) },
        )
        .await;
        assert_eq!(answer, Err(GaveUp::Cancelled));
    }
}
