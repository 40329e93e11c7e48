//! The ECS service-deployments kind: the target's service deployment, kept fresh
//! through `DescribeServiceDeployments` beside the `DescribeServices` every ECS
//! kind reads, judged by the rules of the service's strategy (rolling, or the
//! staged blue/green, linear and canary), chosen once.
//!
//! Its calls: `ListServiceDeployments` (the target's ARN, and deployments that
//! already finished before the first look: `history`), `DescribeServiceDeployments`,
//! and `DescribeServiceRevisions` (which task definition a revision ran: enrichment,
//! never a verdict). When these APIs prove unusable (access denied, an endpoint
//! without them) it hands over to the `describe_services` kind. Its actions
//! (roll back, continue) are in `actions`.

pub mod actions;
mod history;

use super::Look;
use crate::api::{ApiError, ApiResult, CallRole};
use crate::input::InputError;
use crate::layer::Operation;
use crate::model::{
    DeploymentStrategy, LifecycleStage, ServiceDeployment, ServiceDeploymentBrief, ServiceEvent,
    ServiceSnapshot,
};
use crate::verdict::{self, Assessment, Observation, RuleSet, Target};
use crate::wait_until::WaitUntil;
use crate::watch::WaitError;
use crate::watch::session::{AfterFailure, Core, Step, Stop};
use crate::watch::wanted;

/// `ListServiceDeployments` look-ups per target before following it with
/// `DescribeServices` alone (ECS may list a fresh deployment a moment late).
pub(crate) const MAX_SERVICE_DEPLOYMENT_LOOKUPS: u32 = 3;

/// The pure verdict of this kind: `rules` (chosen once from the service's
/// strategy) over `DescribeServices` and the target's service deployment.
pub fn assess(observation: &Observation<'_>, target: &Target, rules: RuleSet) -> Assessment {
    verdict::judge(observation, target, rules)
}

/// What this kind keeps about its target between looks.
pub(crate) struct Follow {
    rules: RuleSet,
    service_deployment: Option<ServiceDeployment>,
    /// `ListServiceDeployments` look-ups spent finding its service deployment.
    lookups: u32,
    /// The furthest lifecycle stage seen while it rolled forward.
    stage_reached: Option<LifecycleStage>,
}

/// What a `ListServiceDeployments` look-up for the target gave.
enum Lookup {
    Found(String),
    /// Not listed (yet), or out of look-ups: no service deployment this tick.
    Nothing,
    /// The call failed: what to do about it.
    Failed(Look),
}

impl Follow {
    /// This kind for `service`, unless the caller's checkpoint cannot be reached
    /// by its strategy.
    pub(crate) fn choose(
        service: &ServiceSnapshot,
        wait_until: &WaitUntil,
    ) -> Result<Self, WaitError> {
        let strategy = service.strategy();
        if wait_until.needs_stages() && RuleSet::for_strategy(&strategy) == RuleSet::Rolling {
            return Err(no_stages_to_stop_at(service, &strategy, wait_until).into());
        }
        Ok(Self {
            rules: RuleSet::for_strategy(&strategy),
            service_deployment: None,
            lookups: 0,
            stage_reached: None,
        })
    }

    /// The rule set chosen for this wait.
    #[cfg(test)]
    pub(crate) fn rules(&self) -> RuleSet {
        self.rules
    }

    pub(crate) fn service_deployment(&self) -> Option<&ServiceDeployment> {
        self.service_deployment.as_ref()
    }

    /// The target from `deployments[]`, or else from the service-deployment history.
    pub(super) async fn discover(
        &mut self,
        core: &mut Core<'_>,
        service: &ServiceSnapshot,
    ) -> Result<Look, Stop> {
        match core.adopt_listed(service) {
            Some(adopted_new) => {
                if adopted_new {
                    self.forget_target();
                }
                Ok(Look::Go)
            }
            None if core.target().is_some() => Ok(Look::Go),
            None => self.find_in_history(core).await,
        }
    }

    /// A new target: nothing known about its service deployment yet.
    fn forget_target(&mut self) {
        self.service_deployment = None;
        self.lookups = 0;
        self.stage_reached = None;
    }

    /// Refreshes the target's service deployment, the revisions a rollback went
    /// back to, and the furthest stage reached.
    pub(super) async fn follow(&mut self, core: &mut Core<'_>) -> Result<Look, Stop> {
        let Some(target) = core.target() else {
            return Ok(Look::Go);
        };
        let arn = match target.service_deployment_arn.clone() {
            Some(arn) => arn,
            None => match self.look_up_service_deployment(core).await? {
                Lookup::Found(arn) => arn,
                Lookup::Nothing => return Ok(Look::Go),
                Lookup::Failed(look) => return Ok(look),
            },
        };
        let answer = core
            .guard(
                Operation::DescribeServiceDeployments,
                core.shared.service_deployments.get((), arn),
            )
            .await?;
        match answer {
            Ok(found) => self.service_deployment = found,
            Err(error) => {
                return Ok(service_deployments_failed(
                    core,
                    Operation::DescribeServiceDeployments,
                    error,
                ));
            }
        }
        self.resolve_rollback_revisions(core).await?;
        self.note_stage_reached();
        Ok(Look::Go)
    }

    pub(super) fn suggests_failure(&self, core: &Core<'_>, new_events: &[ServiceEvent]) -> bool {
        let Some(service) = core.snapshot() else {
            return false;
        };
        let new_events: Vec<&ServiceEvent> = new_events.iter().collect();
        verdict::suggests_failure(
            service,
            self.service_deployment.as_ref(),
            &core.verdict_target(),
            &new_events,
        )
    }

    pub(super) fn assess(&self, core: &Core<'_>) -> Assessment {
        let revisions = core.shared.revision_snapshot();
        let observation = Observation {
            service: core.snapshot(),
            service_deployment: self.service_deployment.as_ref(),
            last_seen_target: core.last_seen_target(),
            stopped_tasks: &core.evidence.stopped,
            revision_task_definitions: &revisions,
            stage_reached: self.stage_reached.as_ref(),
        };
        assess(&observation, &core.verdict_target(), self.rules)
    }

    /// The target's service-deployment ARN from `ListServiceDeployments`, within
    /// the look-up allowance.
    async fn look_up_service_deployment(&mut self, core: &mut Core<'_>) -> Result<Lookup, Stop> {
        if self.lookups >= MAX_SERVICE_DEPLOYMENT_LOOKUPS {
            return Ok(Lookup::Nothing);
        }
        self.lookups += 1;
        let briefs = match list_service_deployments(core).await? {
            Ok(briefs) => briefs,
            Err(error) => {
                return Ok(Lookup::Failed(service_deployments_failed(
                    core,
                    Operation::ListServiceDeployments,
                    error,
                )));
            }
        };
        let last_seen = core.last_seen_target().cloned();
        let Some(target) = core.target_mut() else {
            return Ok(Lookup::Nothing);
        };
        let arn = wanted::correlate(&briefs, &target.deployment_id, last_seen.as_ref())
            .and_then(|brief| brief.service_deployment_arn.clone());
        Ok(match arn {
            Some(arn) => {
                target.service_deployment_arn = Some(arn.clone());
                Lookup::Found(arn)
            }
            None => Lookup::Nothing,
        })
    }

    /// Looks up the revisions a rollback went back to, so the message can name them.
    async fn resolve_rollback_revisions(&mut self, core: &mut Core<'_>) -> Result<(), Stop> {
        let Some(sd) = &self.service_deployment else {
            return Ok(());
        };
        if !sd.status.as_ref().is_some_and(|s| s.is_rollback()) {
            return Ok(());
        }
        let revisions: Vec<String> = sd
            .rollback
            .iter()
            .filter_map(|r| r.service_revision_arn.clone())
            .chain(
                sd.source_service_revisions
                    .iter()
                    .filter_map(|r| r.arn.clone()),
            )
            .collect();
        for revision in revisions {
            revision_task_definition(core, &revision).await?;
        }
        Ok(())
    }

    /// Keeps the furthest stage the target reached while rolling forward.
    fn note_stage_reached(&mut self) {
        let Some(sd) = &self.service_deployment else {
            return;
        };
        if !sd.status.as_ref().is_some_and(|s| s.is_running()) {
            return;
        }
        if let Some(stage) = &sd.lifecycle_stage
            && stage.position() > self.stage_reached.as_ref().and_then(|s| s.position())
        {
            self.stage_reached = Some(stage.clone());
        }
    }
}

/// The service's deployments, newest first (discovery uses them too).
async fn list_service_deployments(
    core: &Core<'_>,
) -> Result<ApiResult<Vec<ServiceDeploymentBrief>>, Stop> {
    core.guard(
        Operation::ListServiceDeployments,
        core.shared
            .api
            .list_service_deployments(&core.plan.cluster, &core.plan.service),
    )
    .await
}

/// A failed service-deployment call: retry, or hand over to `DescribeServices`.
fn service_deployments_failed(core: &mut Core<'_>, operation: Operation, error: ApiError) -> Look {
    match core.recover(operation, CallRole::ServiceDeployments, error) {
        Ok(AfterFailure::Retry) => Look::End(Step::Retry),
        Ok(AfterFailure::FellBack(reason)) => Look::FellBack(reason),
        // This role never fails a wait: without the APIs the wait goes on without them.
        Ok(AfterFailure::Skipped) | Err(_) => Look::Go,
    }
}

/// The task definition of a service revision, from the cache or ECS. A revision
/// only adds detail: a failed look-up yields `None` and delays nothing.
pub(crate) async fn revision_task_definition(
    core: &mut Core<'_>,
    revision_arn: &str,
) -> Result<Option<String>, Stop> {
    if let Some(cached) = core.shared.cached_revision(revision_arn) {
        return Ok(Some(cached));
    }
    let answer = core
        .guard(
            Operation::DescribeServiceRevisions,
            core.shared
                .service_revisions
                .get((), revision_arn.to_owned()),
        )
        .await?;
    Ok(match answer {
        Ok(Some(revision)) => revision.task_definition.inspect(|td| {
            core.shared.cache_revision(revision_arn, td);
        }),
        Ok(None) => None,
        Err(error) => {
            // An optional call: whatever the error, the wait goes on without the detail.
            let _skipped = core.recover(
                Operation::DescribeServiceRevisions,
                CallRole::Optional,
                error,
            );
            None
        }
    })
}

fn no_stages_to_stop_at(
    service: &ServiceSnapshot,
    strategy: &DeploymentStrategy,
    wait_until: &WaitUntil,
) -> InputError {
    let name = service.service_name.as_deref().unwrap_or("the service");
    InputError::new(
        "wait-until",
        &wait_until.to_string(),
        format!(
            "service {name} deploys with strategy {strategy}, which has no lifecycle stages or \
             PAUSE hooks to stop at (only BLUE_GREEN, LINEAR and CANARY have them); use `deployed`"
        ),
    )
}
