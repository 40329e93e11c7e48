//! `rollbackOn`: what the resource does about a verdict (or a cancel) it was told to roll back on. The
//! decisions and the calls are the watcher's (`ecs_watcher::actions`); this module only maps the resource's
//! input to triggers and the result to its outputs.

use std::time::Duration;

use ecs_watcher::actions::{self, FollowOptions, RollbackReport, RollbackTrigger};
use ecs_watcher::api::EcsApi;
use ecs_watcher::{Outcome, WaitReport};
use tokio_util::sync::CancellationToken;

use crate::resource::{WaitArgs, WaitState};

/// A rollback requested after a verdict is followed at most this long (or the wait's own timeout if shorter),
/// so `pulumi up` does not hang on a slow rollback.
const MAX_FOLLOW: Duration = Duration::from_secs(600);

impl WaitArgs {
    /// `rollbackOn` lists `trigger`.
    pub fn rolls_back_on(&self, trigger: RollbackTrigger) -> bool {
        self.rollback_on.contains(&trigger)
    }
}

/// After a verdict: rolls back if `rollbackOn` asks for it, and records what happened in `state`.
pub async fn after_verdict(
    api: &dyn EcsApi,
    report: &WaitReport,
    state: &mut WaitState,
    wait_timeout: Duration,
    poll_interval: Duration,
    cancel: &CancellationToken,
) -> Option<RollbackReport> {
    let trigger = match report.outcome {
        Outcome::Failed => RollbackTrigger::Failed,
        Outcome::TimedOut => RollbackTrigger::TimedOut,
        Outcome::Completed | Outcome::RolledBack => return None,
    };
    if !state.args.rolls_back_on(trigger) {
        return None;
    }
    let follow = FollowOptions {
        timeout: wait_timeout.min(MAX_FOLLOW),
        poll_interval,
    };
    let rollback = actions::roll_back_watched(api, report, follow, cancel).await;
    record(state, &rollback);
    Some(rollback)
}

/// After a Pulumi cancel: requests the rollback of the watched deployment (`watched`, `ecs-svc/N`) without
/// following it, so the provider can stop at once.
pub async fn after_cancel(
    api: &dyn EcsApi,
    args: &WaitArgs,
    watched: Option<String>,
) -> Option<RollbackReport> {
    if !args.rolls_back_on(RollbackTrigger::Interrupted) {
        return None;
    }
    let Some(watched) = watched else {
        return Some(RollbackReport {
            reason: "rollback not requested: the deployment had not been found yet".into(),
            ..RollbackReport::default()
        });
    };
    let no_follow = FollowOptions {
        timeout: Duration::ZERO,
        ..FollowOptions::default()
    };
    Some(
        actions::roll_back_in_progress(
            api,
            &args.cluster_name,
            &args.service_name,
            Some(&watched),
            no_follow,
            &CancellationToken::new(),
        )
        .await
        .unwrap_or_else(|error| RollbackReport {
            reason: format!("rollback not requested: {error}"),
            ..RollbackReport::default()
        }),
    )
}

/// `rollbackStatus` and the rollback's words at the end of `failureMessage`.
fn record(state: &mut WaitState, rollback: &RollbackReport) {
    state.results.rollback_status = Some(match (&rollback.status, rollback.requested) {
        (Some(status), true) => status.to_string(),
        _ => "NOT_REQUESTED".to_owned(),
    });
    if !rollback.reason.is_empty() {
        state.results.failure_message = if state.results.failure_message.is_empty() {
            rollback.reason.clone()
        } else {
            format!("{}; {}", state.results.failure_message, rollback.reason)
        };
    }
}
