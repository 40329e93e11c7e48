//! Rules for the staged strategies (`BLUE_GREEN`, `LINEAR`, `CANARY`): ECS walks
//! them through lifecycle stages (scale up, test and production traffic shifts,
//! bake time, clean-up) and lifecycle hooks, and reports each through
//! `DescribeServiceDeployments`.
//!
//! Done means `SUCCESSFUL`, which ECS reports only after bake time and clean-up:
//! traffic on the new revision or healthy tasks prove nothing while an alarm may
//! still roll it back. A rollback names the stage it interrupted and its cause
//! (alarm, hook, circuit breaker). The caller may stop earlier, at a checkpoint
//! ([`WaitUntil`]): a PAUSE hook awaiting action, or a stage reached. Stages are
//! compared by their order, because a deployment may pass several between looks.

use super::view::TargetView;
use super::{Assessment, Checkpoint, rolling, shared};
use crate::model::PausedHook;
use crate::wait_until::WaitUntil;

pub(super) fn assess(view: &TargetView<'_>) -> Assessment {
    if let Some(decided) = shared::service_deployment_ended(view) {
        return in_stage(view, decided);
    }
    if let Some(reached) = checkpoint(view) {
        return Assessment::Checkpoint(reached);
    }
    in_stage(view, rolling::assess(view))
}

/// The caller's checkpoint, if the running deployment is at or past it.
fn checkpoint(view: &TargetView<'_>) -> Option<Checkpoint> {
    let sd = view.observation.service_deployment?;
    if !sd.status.as_ref().is_some_and(|s| s.is_running()) {
        return None;
    }
    match &view.target.wait_until {
        WaitUntil::Deployed => None,
        WaitUntil::Paused => PausedHook::of(sd).map(Checkpoint::Paused),
        WaitUntil::Stage(wanted) => {
            let reached = view.stage_reached()?;
            let (Some(wanted_at), Some(reached_at)) = (wanted.position(), reached.position())
            else {
                return None;
            };
            (reached_at >= wanted_at).then(|| Checkpoint::Stage {
                wanted: wanted.clone(),
                reached: reached.clone(),
            })
        }
    }
}

/// Rollbacks and failures say which stage they interrupted.
fn in_stage(view: &TargetView<'_>, decided: Assessment) -> Assessment {
    let Some(stage) = view.stage_reached() else {
        return decided;
    };
    match decided {
        Assessment::RolledBack {
            to_task_definition,
            reason,
        } => Assessment::RolledBack {
            to_task_definition,
            reason: format!("during {stage}: {reason}"),
        },
        Assessment::Failed { reason } if !reason.contains(stage.as_str()) => Assessment::Failed {
            reason: format!("{reason} (in {stage})"),
        },
        other => other,
    }
}
