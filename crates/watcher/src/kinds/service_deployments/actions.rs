//! The service-deployments kind's actions: roll back a service deployment
//! (`StopServiceDeployment` ROLLBACK) and follow the rollback, continue one paused
//! at a PAUSE hook (`ContinueServiceDeployment`). `find` is the deployment in
//! progress, the only one an action may touch. The public entry points, which
//! choose the kind, are in [`crate::actions`].

mod find;
mod resume;
mod rollback;

use std::future::Future;

use tokio_util::sync::CancellationToken;

use crate::actions::ActionError;
use crate::api::ApiResult;
use crate::layer::Operation;
use crate::retry::{self, GaveUp, RetryPolicy};

pub use find::in_progress_deployment;
pub use resume::continue_paused;
pub(crate) use rollback::roll_back_watched;
pub use rollback::{roll_back_deployment, roll_back_in_progress};

/// Makes an action's call, obeying the one error policy ([`retry::obeying_recovery`]):
/// a few attempts while a later one may succeed, else the error that names what is
/// wrong (for access denied: the permission).
async fn call<T, F, Fut>(operation: Operation, send: F) -> Result<T, ActionError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ApiResult<T>>,
{
    // An action is one request a person asked for: it is not cancelled half-way.
    let never = CancellationToken::new();
    retry::obeying_recovery(operation, RetryPolicy::ONE_OFF, &never, send)
        .await
        .map_err(|gave_up| match gave_up {
            GaveUp::Error(error) => ActionError::from_call(operation, error),
            GaveUp::Cancelled => ActionError::Cancelled,
        })
}
