//! The service-deployments kind's actions: roll back a service deployment
//! (`StopServiceDeployment` ROLLBACK) and follow the rollback, continue one paused
//! at a PAUSE hook (`ContinueServiceDeployment`). `find` is the deployment in
//! progress, the only one an action may touch. The public entry points, which
//! choose the kind, are in [`crate::actions`].

mod find;
mod resume;
mod rollback;

use std::future::Future;
use std::time::Duration;

use crate::actions::ActionError;
use crate::api::{ApiResult, CallRole, Recovery};
use crate::layer::Operation;
use crate::watch::backoff;

pub(crate) use find::in_progress_deployment;
pub(crate) use resume::continue_paused;
pub(crate) use rollback::{roll_back_deployment, roll_back_in_progress, roll_back_watched};

/// Attempts of an action's call while [`ApiError::recovery`](crate::api::ApiError::recovery)
/// says a later one may succeed (throttling, a dropped connection).
const MAX_ATTEMPTS: u32 = 3;
/// The backoff between those attempts grows from this.
const RETRY_BASE: Duration = Duration::from_secs(1);

/// Makes an action's call, obeying the one error policy: retried (with jittered
/// backoff, a few times) when a later attempt may succeed, else the error that
/// names what is wrong (for access denied: the permission).
async fn call<T, F, Fut>(operation: Operation, mut send: F) -> Result<T, ActionError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ApiResult<T>>,
{
    let mut attempt = 1;
    loop {
        match send().await {
            Ok(value) => return Ok(value),
            Err(error)
                if attempt < MAX_ATTEMPTS
                    && error.recovery(CallRole::Essential) == Recovery::Retry =>
            {
                tracing::debug!(%operation, %error, attempt, "action call failed; retrying");
                let delay = backoff::retry_delay(attempt, RETRY_BASE, &mut rand::rng());
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
            Err(error) => return Err(ActionError::from_call(operation, error)),
        }
    }
}
