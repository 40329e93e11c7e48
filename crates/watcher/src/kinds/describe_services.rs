//! The `DescribeServices`-only kind: the fallback where the service-deployment
//! APIs are unusable (access denied, old endpoints, emulators). It makes no calls
//! of its own beyond the `DescribeServices` every ECS kind reads, and judges the
//! target by the rolling rules over `deployments[]` (rollout state, the circuit
//! breaker's rollback, completion when only the target is left and running ==
//! desired).
//!
//! A staged (blue/green, linear, canary) deployment's stages and hooks cannot be
//! seen this way: a checkpoint is refused, and "deployed" is decided as for a
//! rolling deployment (said once). It has no actions: rolling back or continuing
//! needs a service deployment to act on.

use super::Look;
use crate::model::{ServiceEvent, ServiceSnapshot};
use crate::verdict::{self, Assessment, Observation, RuleSet, Target};
use crate::wait_until::WaitUntil;
use crate::watch::session::Core;
use crate::watch::{ProgressEvent, WaitError};

/// The pure verdict of this kind: the rolling rules over `DescribeServices` alone.
pub fn assess(observation: &Observation<'_>, target: &Target) -> Assessment {
    let without_service_deployment = Observation {
        service_deployment: None,
        stage_reached: None,
        ..*observation
    };
    verdict::judge(&without_service_deployment, target, RuleSet::Rolling)
}

/// Why an action cannot be taken on a deployment this kind followed.
pub const NO_ACTIONS: &str = "this endpoint has no service-deployment APIs (the wait followed \
     DescribeServices alone), so there is no service deployment to act on";

#[derive(Default)]
pub(crate) struct Follow {
    /// The caller was told that stages cannot be seen without the newer APIs.
    told_stages_invisible: bool,
}

impl Follow {
    /// A checkpoint cannot be reached when only `DescribeServices` answers.
    pub(crate) fn refusal(
        service: &ServiceSnapshot,
        wait_until: &WaitUntil,
    ) -> Result<(), WaitError> {
        if !wait_until.needs_stages() {
            return Ok(());
        }
        if RuleSet::for_strategy(&service.strategy()) == RuleSet::Rolling {
            // The same refusal as with the newer APIs: the strategy has no stages.
            super::service_deployments::Follow::choose(service, wait_until)?;
        }
        Err(checkpoint_needs_service_deployments(wait_until))
    }

    pub(super) fn discover(&mut self, core: &mut Core<'_>, service: &ServiceSnapshot) -> Look {
        core.adopt_listed(service);
        Look::Go
    }

    /// A staged deployment followed this way: refuse a checkpoint (it may have been
    /// asked for before the fallback), and say once that stages cannot be seen.
    pub(super) fn follow(
        &mut self,
        core: &mut Core<'_>,
    ) -> Result<Look, crate::watch::session::Stop> {
        let Some(service) = core.snapshot() else {
            return Ok(Look::Go);
        };
        let strategy = service.strategy();
        if RuleSet::for_strategy(&strategy) == RuleSet::Rolling {
            return Ok(Look::Go);
        }
        if core.options.wait_until.needs_stages() {
            return Err(checkpoint_needs_service_deployments(&core.options.wait_until).into());
        }
        if !self.told_stages_invisible {
            self.told_stages_invisible = true;
            core.emit(ProgressEvent::StagesInvisible { strategy });
        }
        Ok(Look::Go)
    }

    pub(super) fn suggests_failure(&self, core: &Core<'_>, new_events: &[ServiceEvent]) -> bool {
        let Some(service) = core.snapshot() else {
            return false;
        };
        let new_events: Vec<&ServiceEvent> = new_events.iter().collect();
        verdict::suggests_failure(service, None, &core.verdict_target(), &new_events)
    }

    pub(super) fn assess(&self, core: &Core<'_>) -> Assessment {
        let revisions = core.shared.revision_snapshot();
        let observation = Observation {
            service: core.snapshot(),
            service_deployment: None,
            last_seen_target: core.last_seen_target(),
            stopped_tasks: &core.evidence.stopped,
            revision_task_definitions: &revisions,
            stage_reached: None,
        };
        assess(&observation, &core.verdict_target())
    }
}

fn checkpoint_needs_service_deployments(wait_until: &WaitUntil) -> WaitError {
    WaitError::Unsupported(format!(
        "--wait-until {wait_until} needs ECS's service-deployment APIs \
         (ListServiceDeployments / DescribeServiceDeployments), which did not answer here: \
         lifecycle stages and hooks cannot be seen through DescribeServices; wait with \
         `deployed` instead"
    ))
}
