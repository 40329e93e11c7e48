//! The verdict: a pure function from what ECS said to "done, failed, rolled back,
//! or not yet". This module is the only place that decides one.
//!
//! [`assess`] never fetches and never sleeps; the polling loop gathers an
//! [`Observation`], asks for an [`Assessment`], and reports it. Keeping the
//! decision pure is what lets the table tests feed it realistic ECS JSON.
//!
//! The rules are grouped in rule sets ([`RuleSet`]), one per family of
//! deployment strategies, each a module (`rolling`, `staged`) that orders the
//! rules it needs, drawing on `shared` (service gone, service-deployment end
//! states, superseded, crash loop) and on `view` (the observation seen from the
//! target). The wait kinds ([`crate::kinds`]) choose the rule set once and call
//! [`judge`]; a new strategy is a new module and one arm in [`RuleSet`].
//! Verdicts reached without a look — the deployment never appeared, the
//! deadline came — are in `endings`.

mod endings;
mod evidence;
mod rolling;
mod shared;
mod staged;
mod view;

use std::collections::HashMap;
use std::fmt;

use serde::{Serialize, Serializer};

pub use endings::{AtDeadline, Search, at_deadline, no_deployment_found};
pub use evidence::{is_failure_stop, is_health_check_stop, suggests_failure};

use crate::input::TaskDefinitionRef;
use crate::model::{
    Deployment, DeploymentStrategy, LifecycleStage, PausedHook, RolloutState, ServiceDeployment,
    ServiceDeploymentStatus, ServiceSnapshot, StoppedTask,
};
use crate::wait_until::WaitUntil;
use view::TargetView;

/// The deployment being watched, as far as it is known.
#[derive(Clone, Debug, Default)]
pub struct Target {
    /// Name of the service, for messages.
    pub service_name: String,
    /// `ecs-svc/<number>`: the id `DescribeServices` lists the deployment under.
    pub deployment_id: Option<String>,
    /// The task definition ARN the target deployment runs.
    pub task_definition: Option<String>,
    /// What the caller asked for, when they asked for a specific task definition.
    pub desired_task_definition: Option<TaskDefinitionRef>,
    /// Stops of the target's tasks that make a crash loop; 0 turns detection off.
    pub max_task_failures: u32,
    /// The highest desired count the service had while waiting. A deployment that
    /// "completes" after someone scaled the service from this to zero proved nothing.
    pub peak_desired_count: i32,
    /// What counts as done; checkpoints other than `Deployed` need a staged strategy.
    pub wait_until: WaitUntil,
}

impl Target {
    /// The target's entry in `service`'s `deployments[]`, while ECS still lists it.
    pub(crate) fn deployment_in<'s>(&self, service: &'s ServiceSnapshot) -> Option<&'s Deployment> {
        service.deployment(self.deployment_id.as_deref()?)
    }
}

/// Everything the loop knows at one tick.
#[derive(Clone, Copy, Debug)]
pub struct Observation<'a> {
    /// `None` when `DescribeServices` no longer returns the service.
    pub service: Option<&'a ServiceSnapshot>,
    /// The target as `DescribeServiceDeployments` describes it, when that API is in use.
    pub service_deployment: Option<&'a ServiceDeployment>,
    /// The target's `deployments[]` entry from an earlier tick: ECS drops finished
    /// deployments from the list, and how it looked last tells a rollback from a
    /// replacement.
    pub last_seen_target: Option<&'a Deployment>,
    /// Stopped tasks started by the target deployment, collected so far.
    pub stopped_tasks: &'a [StoppedTask],
    /// Service revision ARN → task definition ARN (revisions are immutable).
    pub revision_task_definitions: &'a HashMap<String, String>,
    /// The furthest lifecycle stage the target was seen in while rolling forward:
    /// a rollback is reported in the stage it interrupted, whatever ECS shows
    /// while it undoes the deployment.
    pub stage_reached: Option<&'a LifecycleStage>,
}

/// Where the rollout stands while it is still undecided.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    /// What ECS says of the target while it is under way, e.g. `IN_PROGRESS`.
    pub rollout_state: ProgressState,
    pub running: i32,
    pub desired: i32,
    pub pending: i32,
    pub failed_tasks: i32,
    /// Stage, traffic and hooks, for the staged strategies' service deployments.
    pub staged: Option<Box<StagedProgress>>,
}

/// What ECS says of a deployment still under way, from whichever API describes it. It reads (and
/// serializes) as ECS spells it, so progress lines quote ECS.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum ProgressState {
    /// The target's `status` in `DescribeServiceDeployments`: preferred when that API is in use, as it
    /// tells the lifecycle (a staged deployment is still `IN_PROGRESS` while `DescribeServices` already
    /// says `COMPLETED`).
    ServiceDeployment(ServiceDeploymentStatus),
    /// The target's `rolloutState` in `DescribeServices` `deployments[]`.
    Rollout(RolloutState),
    /// Neither says anything: an endpoint that predates `rolloutState` and has no service-deployment
    /// APIs. The deployment is undecided, which reads as `IN_PROGRESS`.
    #[default]
    Unreported,
}

impl ProgressState {
    /// The state as ECS spells it; `IN_PROGRESS` when ECS reported none.
    pub fn as_str(&self) -> &str {
        match self {
            Self::ServiceDeployment(status) => status.as_str(),
            Self::Rollout(state) => state.as_str(),
            Self::Unreported => RolloutState::InProgress.as_str(),
        }
    }
}

impl fmt::Display for ProgressState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ProgressState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Where a staged (blue/green, linear, canary) deployment stands.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StagedProgress {
    pub stage: Option<LifecycleStage>,
    /// Share (0–100) of test / production traffic on the target revision.
    pub test_traffic_weight: Option<f64>,
    pub production_traffic_weight: Option<f64>,
    /// The PAUSE hook the deployment waits at, if any.
    pub paused_hook: Option<PausedHook>,
}

/// A point short of "deployed" that the caller asked to stop at.
#[derive(Clone, Debug, PartialEq)]
pub enum Checkpoint {
    /// A PAUSE hook is awaiting action.
    Paused(PausedHook),
    /// The deployment reached `reached`, at or past the `wanted` stage.
    Stage {
        wanted: LifecycleStage,
        reached: LifecycleStage,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Assessment {
    Pending(Progress),
    Completed,
    /// The caller's checkpoint (`--wait-until paused` / `stage:…`) was reached
    /// without a rollback: reported as COMPLETED.
    Checkpoint(Checkpoint),
    /// `reason` is the head of the failure message; `message` adds task and event details.
    Failed {
        reason: String,
    },
    RolledBack {
        to_task_definition: Option<String>,
        reason: String,
    },
    /// The wanted deployment never appeared; `reason` is the whole message.
    NotFound {
        reason: String,
    },
    /// The deadline came before any of the above.
    TimedOut,
}

/// Which rules judge an ECS deployment, by the service's strategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleSet {
    /// `ROLLING` (ECS's default): `deployments[]` rollout states and the service deployment.
    Rolling,
    /// `BLUE_GREEN`, `LINEAR`, `CANARY`: lifecycle stages, hooks and bake time.
    Staged,
}

impl RuleSet {
    pub fn for_strategy(strategy: &DeploymentStrategy) -> Self {
        match strategy {
            DeploymentStrategy::Rolling | DeploymentStrategy::Unknown(_) => RuleSet::Rolling,
            DeploymentStrategy::BlueGreen
            | DeploymentStrategy::Linear
            | DeploymentStrategy::Canary => RuleSet::Staged,
        }
    }
}

/// Decides the verdict for one ECS observation by `rules`, after the rule every
/// deployment shares (the service was deleted or is being deleted).
pub fn judge(observation: &Observation<'_>, target: &Target, rules: RuleSet) -> Assessment {
    let service = match shared::live_service(observation.service, target) {
        Ok(service) => service,
        Err(gone) => return gone,
    };
    let view = TargetView::new(observation, service, target);
    match rules {
        RuleSet::Rolling => rolling::assess(&view),
        RuleSet::Staged => staged::assess(&view),
    }
}

#[cfg(test)]
mod tests;
