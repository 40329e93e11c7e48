//! `rollbackOn`: what the resource does about a verdict (or a cancel) it was told to roll back on. The rules
//! and the calls are the watcher's (`ecs_watcher::actions::{after_verdict, after_interrupt}`, shared with the
//! CLI); this module only maps the resource's input to triggers and the result to its outputs.

use std::time::Duration;

use ecs_watcher::actions::{self, FollowOptions, RollbackReport};
use ecs_watcher::{AwsClients, WaitReport, Watched};
use tokio_util::sync::CancellationToken;

use crate::resource::{WaitArgs, WaitState};

/// A rollback requested after a verdict is followed at most this long (or the wait's own timeout if shorter),
/// so `pulumi up` does not hang on a slow rollback.
const MAX_FOLLOW: Duration = Duration::from_secs(600);

/// After a verdict: rolls back if `rollbackOn` asks for it, and records what happened in `state`.
pub async fn after_verdict(
    clients: &AwsClients,
    report: &WaitReport,
    state: &mut WaitState,
    wait_timeout: Duration,
    poll_interval: Duration,
    cancel: &CancellationToken,
) -> Option<RollbackReport> {
    let follow = FollowOptions {
        timeout: wait_timeout.min(MAX_FOLLOW),
        poll_interval,
    };
    let rollback =
        actions::after_verdict(clients, report, &state.args.rollback_on, follow, cancel).await?;
    record(state, &rollback);
    Some(rollback)
}

/// After a Pulumi cancel: requests the rollback of the watched deployment (from the cancel error) without
/// following it, so the provider can stop at once.
pub async fn after_cancel(
    clients: &AwsClients,
    args: &WaitArgs,
    watched: Option<&Watched>,
) -> Option<RollbackReport> {
    let no_follow = FollowOptions {
        timeout: Duration::ZERO,
        ..FollowOptions::default()
    };
    actions::after_interrupt(
        clients,
        watched,
        &args.rollback_on,
        no_follow,
        &CancellationToken::new(),
    )
    .await
}

/// `rollbackStatus` and the rollback's words at the end of `failureMessage`.
fn record(state: &mut WaitState, rollback: &RollbackReport) {
    state.results.rollback_status = Some(rollback.status_label().to_owned());
    if !rollback.reason.is_empty() {
        state.results.failure_message = if state.results.failure_message.is_empty() {
            rollback.reason.clone()
        } else {
            format!("{}; {}", state.results.failure_message, rollback.reason)
        };
    }
}
