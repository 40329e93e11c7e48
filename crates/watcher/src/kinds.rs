//! Wait kinds: how one wait follows its deployment, chosen once at the first look
//! (the way ecspresso's `WaitFunc` picks a wait per deployment controller).
//!
//! Each kind is one module with the same small surface, and owns everything that
//! is particular to it:
//!
//! | | `service_deployments` | `describe_services` |
//! |---|---|---|
//! | calls | `ListServiceDeployments`, `DescribeServiceDeployments`, `DescribeServiceRevisions` | none beyond the `DescribeServices` every ECS kind shares |
//! | observation | `DescribeServices` + the target's service deployment | `DescribeServices` alone |
//! | pure assess | [`service_deployments::assess`]: the rules of the service's strategy (rolling or staged) | [`describe_services::assess`]: the rolling rules |
//! | actions | roll back, continue (`service_deployments::actions`) | none: refused with the reason |
//! | refusals | a checkpoint on a `ROLLING` service | a checkpoint (stages cannot be seen) |
//!
//! The loop that owns the deadline, cancellation, progress, the request budget and
//! the stopped-task evidence ([`crate::watch`]'s `Session`) only calls the
//! methods of [`Kind`]; it never matches on a controller or a strategy. Adding a
//! kind is a module here, an arm in [`Kind`] and [`WaitKind`], its choice in
//! [`Kind::choose`], and its tests (docs/ARCHITECTURE.md counts the files).

pub mod describe_services;
pub mod service_deployments;

use serde::Serialize;

use crate::model::{DeploymentControllerType, ServiceDeployment, ServiceEvent, ServiceSnapshot};
use crate::verdict::Assessment;
use crate::watch::WaitError;
use crate::watch::session::{Core, Step, Stop};

/// How a wait followed its deployment (reported, and what its actions go by).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WaitKind {
    /// ECS service deployments (`DescribeServiceDeployments`) besides `DescribeServices`.
    ServiceDeployments,
    /// `DescribeServices` alone: the service-deployment APIs are unavailable here.
    DescribeServicesOnly,
}

impl WaitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WaitKind::ServiceDeployments => "SERVICE_DEPLOYMENTS",
            WaitKind::DescribeServicesOnly => "DESCRIBE_SERVICES_ONLY",
        }
    }
}

/// One wait's kind, with the state only that kind keeps.
pub(crate) enum Kind {
    ServiceDeployments(Box<service_deployments::Follow>),
    DescribeServices(describe_services::Follow),
}

/// What a kind's calls gave this tick.
pub(crate) enum Look {
    /// Carry on with this tick.
    Go,
    /// End the tick with this step (a retry after a transient failure).
    End(Step),
    /// The kind's APIs are unusable here: hand over to the `DescribeServices`
    /// kind, for this wait and every later one of the watcher.
    FellBack(String),
}

impl Kind {
    /// The kind for this service, from the first look; refuses at once what
    /// cannot be followed, so the caller learns it now instead of at the timeout.
    pub(crate) fn choose(core: &Core<'_>, service: &ServiceSnapshot) -> Result<Kind, WaitError> {
        refuse_controller(service)?;
        let wait_until = &core.options.wait_until;
        match core.shared.service_deployments_unavailable() {
            Some(reason) => {
                describe_services::Follow::refusal(service, wait_until)?;
                Ok(Kind::fall_back(core, reason))
            }
            None => Ok(Kind::ServiceDeployments(Box::new(
                service_deployments::Follow::choose(service, wait_until)?,
            ))),
        }
    }

    /// The `DescribeServices` kind, taking over from one whose APIs failed (said once).
    pub(crate) fn fall_back(core: &Core<'_>, reason: String) -> Kind {
        core.told_fallback(reason);
        Kind::DescribeServices(describe_services::Follow::default())
    }

    /// Carries out what the kind's calls said: `Some(step)` ends the tick; a
    /// fallback hands over to the `DescribeServices` kind, for the rest of this
    /// tick and the wait.
    fn carry_out(&mut self, core: &mut Core<'_>, look: Look) -> Option<Step> {
        match look {
            Look::Go => None,
            Look::End(step) => Some(step),
            Look::FellBack(reason) => {
                *self = Kind::fall_back(core, reason);
                None
            }
        }
    }

    pub(crate) fn name(&self) -> WaitKind {
        match self {
            Kind::ServiceDeployments(_) => WaitKind::ServiceDeployments,
            Kind::DescribeServices(_) => WaitKind::DescribeServicesOnly,
        }
    }

    /// Finds (or re-finds) the deployment to follow; `Some(step)` ends the tick.
    pub(crate) async fn discover(
        &mut self,
        core: &mut Core<'_>,
        service: &ServiceSnapshot,
    ) -> Result<Option<Step>, Stop> {
        let look = match self {
            Kind::ServiceDeployments(follow) => follow.discover(core, service).await?,
            Kind::DescribeServices(follow) => follow.discover(core, service),
        };
        Ok(self.carry_out(core, look))
    }

    /// The kind's own calls about the target, after `DescribeServices`;
    /// `Some(step)` ends the tick. After a handover the `DescribeServices` kind
    /// makes its own follow-up in this same tick.
    pub(crate) async fn follow(&mut self, core: &mut Core<'_>) -> Result<Option<Step>, Stop> {
        let look = match self {
            Kind::ServiceDeployments(follow) => follow.follow(core).await?,
            Kind::DescribeServices(follow) => follow.follow(core)?,
        };
        let handed_over = matches!(look, Look::FellBack(_));
        if let Some(step) = self.carry_out(core, look) {
            return Ok(Some(step));
        }
        if handed_over && let Kind::DescribeServices(follow) = self {
            let look = follow.follow(core)?;
            return Ok(self.carry_out(core, look));
        }
        Ok(None)
    }

    /// Whether this look is worth collecting stopped tasks for.
    pub(crate) fn suggests_failure(&self, core: &Core<'_>, new_events: &[ServiceEvent]) -> bool {
        match self {
            Kind::ServiceDeployments(follow) => follow.suggests_failure(core, new_events),
            Kind::DescribeServices(follow) => follow.suggests_failure(core, new_events),
        }
    }

    /// The kind's verdict on what it observed.
    pub(crate) fn assess(&self, core: &Core<'_>) -> Assessment {
        match self {
            Kind::ServiceDeployments(follow) => follow.assess(core),
            Kind::DescribeServices(follow) => follow.assess(core),
        }
    }

    /// The target's service deployment, for the report (only the kind that reads it has one).
    pub(crate) fn service_deployment(&self) -> Option<&ServiceDeployment> {
        match self {
            Kind::ServiceDeployments(follow) => follow.service_deployment(),
            Kind::DescribeServices(_) => None,
        }
    }
}

/// Services whose deployments ECS does not run are not followed by any kind yet.
fn refuse_controller(service: &ServiceSnapshot) -> Result<(), WaitError> {
    let name = service.service_name.as_deref().unwrap_or("the service");
    match service.controller() {
        DeploymentControllerType::Ecs => Ok(()),
        DeploymentControllerType::CodeDeploy => Err(WaitError::Unsupported(format!(
            "service {name} uses the CODE_DEPLOY deployment controller: CodeDeploy runs its \
             deployments and ECS does not report them; wait for the CodeDeploy deployment \
             instead (e.g. `aws deploy wait deployment-successful --deployment-id <id>`)"
        ))),
        DeploymentControllerType::External => Err(WaitError::Unsupported(format!(
            "service {name} uses the EXTERNAL deployment controller: its task sets are \
             deployed by another tool, whose own deployment status is the one to wait for"
        ))),
        DeploymentControllerType::Unknown(other) => Err(WaitError::Unsupported(format!(
            "service {name} uses the deployment controller {other}, which this version does \
             not know how to follow (it follows the ECS controller)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::verdict::RuleSet;
    use crate::wait_until::WaitUntil;

    fn service(value: serde_json::Value) -> ServiceSnapshot {
        serde_json::from_value(value).expect("fixture is a valid service")
    }

    fn with(controller: &str, strategy: &str) -> ServiceSnapshot {
        service(json!({"serviceName": "web", "status": "ACTIVE",
            "deploymentController": {"type": controller},
            "deploymentConfiguration": {"strategy": strategy}}))
    }

    #[test]
    fn other_deployment_controllers_are_refused_naming_what_to_wait_for() {
        assert!(refuse_controller(&with("ECS", "ROLLING")).is_ok());
        for (controller, says) in [
            ("CODE_DEPLOY", "aws deploy wait deployment-successful"),
            ("EXTERNAL", "another tool"),
            ("SOMETHING_NEW", "does not know how to follow"),
        ] {
            match refuse_controller(&with(controller, "BLUE_GREEN")) {
                Err(WaitError::Unsupported(message)) => {
                    assert!(message.contains(says), "{controller}: {message}")
                }
                other => panic!("{controller}: expected a refusal, got {other:?}"),
            }
        }
    }

    #[test]
    fn the_service_deployments_kind_takes_its_rules_from_the_strategy_once() {
        let rolling =
            service_deployments::Follow::choose(&with("ECS", "ROLLING"), &WaitUntil::Deployed)
                .unwrap();
        assert_eq!(rolling.rules(), RuleSet::Rolling);
        for staged in ["BLUE_GREEN", "LINEAR", "CANARY"] {
            let follow =
                service_deployments::Follow::choose(&with("ECS", staged), &WaitUntil::Paused)
                    .unwrap();
            assert_eq!(follow.rules(), RuleSet::Staged, "{staged}");
        }
        // A checkpoint on a rolling service: bad input, naming the option and the value.
        match service_deployments::Follow::choose(&with("ECS", "ROLLING"), &WaitUntil::Paused) {
            Err(WaitError::Input(error)) => {
                assert_eq!(
                    (error.field.as_str(), error.value.as_str()),
                    ("wait-until", "paused")
                );
                assert!(error.expected.contains("use `deployed`"), "{error}");
            }
            other => panic!("expected an input error, got {:?}", other.err()),
        }
    }

    #[test]
    fn the_describe_services_kind_refuses_every_checkpoint() {
        let stage = WaitUntil::parse("wait-until", "stage:BAKE_TIME").unwrap();
        assert!(
            describe_services::Follow::refusal(&with("ECS", "BLUE_GREEN"), &WaitUntil::Deployed)
                .is_ok()
        );
        match describe_services::Follow::refusal(&with("ECS", "BLUE_GREEN"), &stage) {
            Err(WaitError::Unsupported(message)) => {
                assert!(
                    message.contains("needs ECS's service-deployment APIs"),
                    "{message}"
                )
            }
            other => panic!("expected Unsupported, got {other:?}"),
        }
        assert!(matches!(
            describe_services::Follow::refusal(&with("ECS", "ROLLING"), &WaitUntil::Paused),
            Err(WaitError::Input(_))
        ));
    }
}
