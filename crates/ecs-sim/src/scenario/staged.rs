//! Staged deployments in scenarios: a [`DeploymentSpec`] builds the SDK's
//! `DeploymentConfiguration` for a strategy ([`Strategy`]), lifecycle hooks ([`Hook`]) and
//! CloudWatch alarms, so a caller says "blue/green with a failing Lambda hook at POST_SCALE_UP"
//! and not which function names or environment variables the simulator reacts to.
//!
//! ```no_run
//! # async fn demo(scenario: ecs_sim::scenario::Scenario) -> Result<(), ecs_sim::scenario::ScenarioError> {
//! use aws_sdk_ecs::types::{DeploymentLifecycleHookAction, DeploymentLifecycleHookStage as Stage};
//! use ecs_sim::scenario::{DeploymentSpec, Hook, LambdaOutcome, Strategy, TaskBehaviour};
//! let v1 = scenario.register("web", TaskBehaviour::Healthy).await?;
//! let spec = DeploymentSpec::new(Strategy::BlueGreen { bake_minutes: 1 })
//!     .hook(Hook::lambda("check", LambdaOutcome::Succeeds, &[Stage::PostScaleUp]))
//!     .hook(Hook::pause(&[Stage::PostTestTrafficShift], 10, DeploymentLifecycleHookAction::Rollback))
//!     .alarms(&["cpu-high"], true);
//! scenario.create_service_with("web", &v1, 2, spec.build()).await?;
//! # Ok(()) }
//! ```

use aws_sdk_ecs::types::{
    CanaryConfiguration, ContainerDefinition, DeploymentAlarms, DeploymentCircuitBreaker,
    DeploymentConfiguration, DeploymentEarlySuccessCriteria, DeploymentLifecycleHook,
    DeploymentLifecycleHookAction, DeploymentLifecycleHookStage, DeploymentLifecycleHookTargetType,
    DeploymentLifecycleHookTimeoutConfiguration, DeploymentStrategy, KeyValuePair,
    LinearConfiguration, ServiceRevisionCleanup,
};

use super::CircuitBreaker;
use crate::model::alarms::ALARM_IN_BAKE_VARIABLE;

/// The account of the Lambda function and role ARNs a [`Hook::lambda`] names.
pub const HOOK_ACCOUNT: &str = "123456789012";
/// The role ECS would assume to invoke a [`Hook::lambda`] function.
pub const HOOK_ROLE_ARN: &str = "arn:aws:iam::123456789012:role/ecs-lifecycle-hooks";

/// A deployment strategy with its settings (`bake_minutes` is `bakeTimeInMinutes`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Strategy {
    Rolling,
    BlueGreen {
        bake_minutes: i32,
    },
    Linear {
        step_percent: f64,
        step_bake_minutes: i32,
        bake_minutes: i32,
    },
    Canary {
        canary_percent: f64,
        canary_bake_minutes: i32,
        bake_minutes: i32,
    },
}

/// How a Lambda hook answers in the simulator (encoded in its function name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LambdaOutcome {
    /// SUCCEEDED about 5 simulated seconds after it starts.
    Succeeds,
    /// FAILED after about 5 simulated seconds: the deployment rolls back. (Name gets `-fail`.)
    Fails,
    /// Never answers: TIMED_OUT at its timeout, then its timeout action. (Name gets `-slow`.)
    NeverAnswers,
}

/// One lifecycle hook.
#[derive(Clone, Debug, PartialEq)]
pub struct Hook {
    hook: DeploymentLifecycleHook,
}

impl Hook {
    /// An AWS_LAMBDA hook at `stages` calling function `name` (suffixed `-fail` or `-slow` as
    /// `outcome` needs), with [`HOOK_ROLE_ARN`], ECS's default timeout (1440 min, ROLLBACK).
    pub fn lambda(
        name: &str,
        outcome: LambdaOutcome,
        stages: &[DeploymentLifecycleHookStage],
    ) -> Hook {
        let function = match outcome {
            LambdaOutcome::Succeeds => name.to_owned(),
            LambdaOutcome::Fails => format!("{name}-fail"),
            LambdaOutcome::NeverAnswers => format!("{name}-slow"),
        };
        Hook {
            hook: DeploymentLifecycleHook::builder()
                .target_type(DeploymentLifecycleHookTargetType::AwsLambda)
                .hook_target_arn(lambda_arn(&function))
                .role_arn(HOOK_ROLE_ARN)
                .set_lifecycle_stages(Some(stages.to_vec()))
                .build(),
        }
    }

    /// A PAUSE hook at `stages` waiting for ContinueServiceDeployment at most `timeout_minutes`,
    /// then doing `action`.
    pub fn pause(
        stages: &[DeploymentLifecycleHookStage],
        timeout_minutes: i32,
        action: DeploymentLifecycleHookAction,
    ) -> Hook {
        Hook {
            hook: DeploymentLifecycleHook::builder()
                .target_type(DeploymentLifecycleHookTargetType::Pause)
                .set_lifecycle_stages(Some(stages.to_vec()))
                .build(),
        }
        .timeout(timeout_minutes, action)
    }

    /// Sets the hook's `timeoutConfiguration`.
    pub fn timeout(mut self, minutes: i32, action: DeploymentLifecycleHookAction) -> Hook {
        self.hook.timeout_configuration = Some(
            DeploymentLifecycleHookTimeoutConfiguration::builder()
                .timeout_in_minutes(minutes)
                .action(action)
                .build(),
        );
        self
    }

    pub fn sdk(&self) -> &DeploymentLifecycleHook {
        &self.hook
    }
}

/// `arn:aws:lambda:us-east-1:123456789012:function:<name>`.
pub fn lambda_arn(name: &str) -> String {
    format!(
        "arn:aws:lambda:{}:{HOOK_ACCOUNT}:function:{name}",
        super::REGION
    )
}

/// Everything of a staged `deploymentConfiguration`. [`DeploymentSpec::build`] always names the
/// strategy and the (maybe empty) hooks, so an UpdateService with it replaces them.
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentSpec {
    strategy: Strategy,
    circuit_breaker: CircuitBreaker,
    hooks: Vec<Hook>,
    alarms: Option<(Vec<String>, bool)>,
    percentages: Option<(i32, i32)>,
    early_success: Option<(i32, ServiceRevisionCleanup)>,
}

impl DeploymentSpec {
    pub fn new(strategy: Strategy) -> DeploymentSpec {
        DeploymentSpec {
            strategy,
            circuit_breaker: CircuitBreaker::Off,
            hooks: Vec::new(),
            alarms: None,
            percentages: None,
            early_success: None,
        }
    }

    /// `minimumHealthyPercent` and `maximumPercent` (ECS's defaults, 100 and 200, when not set).
    pub fn percentages(mut self, minimum_healthy: i32, maximum: i32) -> DeploymentSpec {
        self.percentages = Some((minimum_healthy, maximum));
        self
    }

    /// Enabled `earlySuccessCriteria` (ROLLING only): SUCCESSFUL once `healthy_percent` of the
    /// desired count is healthy, the source revision's tasks removed before (BLOCKING) or after
    /// (DEFERRED). `healthy_percent` may not be below the minimum healthy percent.
    pub fn early_success(
        mut self,
        healthy_percent: i32,
        cleanup: ServiceRevisionCleanup,
    ) -> DeploymentSpec {
        self.early_success = Some((healthy_percent, cleanup));
        self
    }

    pub fn circuit_breaker(mut self, circuit_breaker: CircuitBreaker) -> DeploymentSpec {
        self.circuit_breaker = circuit_breaker;
        self
    }

    pub fn hook(mut self, hook: Hook) -> DeploymentSpec {
        self.hooks.push(hook);
        self
    }

    /// Watches CloudWatch alarms `names` (enabled), rolling back on ALARM if `rollback`.
    pub fn alarms(mut self, names: &[&str], rollback: bool) -> DeploymentSpec {
        self.alarms = Some((names.iter().map(|n| (*n).to_owned()).collect(), rollback));
        self
    }

    /// The SDK's `DeploymentConfiguration` (ECS's default percentages).
    pub fn build(&self) -> DeploymentConfiguration {
        let mut configuration = DeploymentConfiguration::builder()
            .set_minimum_healthy_percent(self.percentages.map(|(minimum, _)| minimum))
            .set_maximum_percent(self.percentages.map(|(_, maximum)| maximum))
            .set_early_success_criteria(self.early_success.clone().map(|(percent, cleanup)| {
                DeploymentEarlySuccessCriteria::builder()
                    .enable(true)
                    .healthy_percent(percent)
                    .source_service_revision_cleanup(cleanup)
                    .build()
            }));
        if let CircuitBreaker::On { rollback } = self.circuit_breaker {
            configuration = configuration.deployment_circuit_breaker(
                DeploymentCircuitBreaker::builder()
                    .enable(true)
                    .rollback(rollback)
                    .build(),
            );
        }
        configuration = match self.strategy {
            Strategy::Rolling => configuration.strategy(DeploymentStrategy::Rolling),
            Strategy::BlueGreen { bake_minutes } => configuration
                .strategy(DeploymentStrategy::BlueGreen)
                .bake_time_in_minutes(bake_minutes),
            Strategy::Linear {
                step_percent,
                step_bake_minutes,
                bake_minutes,
            } => configuration
                .strategy(DeploymentStrategy::Linear)
                .bake_time_in_minutes(bake_minutes)
                .linear_configuration(
                    LinearConfiguration::builder()
                        .step_percent(step_percent)
                        .step_bake_time_in_minutes(step_bake_minutes)
                        .build(),
                ),
            Strategy::Canary {
                canary_percent,
                canary_bake_minutes,
                bake_minutes,
            } => configuration
                .strategy(DeploymentStrategy::Canary)
                .bake_time_in_minutes(bake_minutes)
                .canary_configuration(
                    CanaryConfiguration::builder()
                        .canary_percent(canary_percent)
                        .canary_bake_time_in_minutes(canary_bake_minutes)
                        .build(),
                ),
        };
        // Always sent (maybe empty), so a spec without hooks clears the hooks of an earlier one:
        // UpdateService keeps the members it is not given.
        configuration = configuration
            .set_lifecycle_hooks(Some(self.hooks.iter().map(|h| h.hook.clone()).collect()));
        if let Some((names, rollback)) = &self.alarms {
            configuration = configuration.alarms(
                DeploymentAlarms::builder()
                    .set_alarm_names(Some(names.clone()))
                    .enable(true)
                    .rollback(*rollback)
                    .build()
                    .expect("alarm names, enable and rollback are all set"),
            );
        }
        configuration.build()
    }
}

/// `container` with the trigger that makes a staged deployment of it see CloudWatch alarm
/// `alarm` in ALARM once it reaches BAKE_TIME.
pub fn with_alarm_in_bake(container: ContainerDefinition, alarm: &str) -> ContainerDefinition {
    let mut container = container;
    let trigger = KeyValuePair::builder()
        .name(ALARM_IN_BAKE_VARIABLE)
        .value(alarm)
        .build();
    container
        .environment
        .get_or_insert_with(Vec::new)
        .push(trigger);
    container
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_linear_spec_sets_every_member() {
        let spec = DeploymentSpec::new(Strategy::Linear {
            step_percent: 25.0,
            step_bake_minutes: 1,
            bake_minutes: 2,
        })
        .hook(Hook::lambda(
            "check",
            LambdaOutcome::Fails,
            &[DeploymentLifecycleHookStage::PostScaleUp],
        ))
        .alarms(&["cpu"], false)
        .build();
        assert_eq!(spec.strategy(), Some(&DeploymentStrategy::Linear));
        assert_eq!(spec.bake_time_in_minutes(), Some(2));
        assert_eq!(
            spec.linear_configuration().unwrap().step_percent(),
            Some(25.0)
        );
        let hook = &spec.lifecycle_hooks()[0];
        assert!(
            hook.hook_target_arn()
                .unwrap()
                .ends_with(":function:check-fail")
        );
        assert_eq!(hook.role_arn(), Some(HOOK_ROLE_ARN));
        let alarms = spec.alarms().unwrap();
        assert!(alarms.enable() && !alarms.rollback());
    }

    #[test]
    fn a_rolling_spec_with_early_success_criteria() {
        let spec = DeploymentSpec::new(Strategy::Rolling)
            .percentages(50, 100)
            .early_success(75, ServiceRevisionCleanup::Deferred)
            .build();
        assert_eq!(spec.strategy(), Some(&DeploymentStrategy::Rolling));
        assert_eq!(spec.minimum_healthy_percent(), Some(50));
        assert_eq!(spec.maximum_percent(), Some(100));
        let criteria = spec.early_success_criteria().unwrap();
        assert!(criteria.enable());
        assert_eq!(criteria.healthy_percent(), Some(75));
        assert_eq!(
            criteria.source_service_revision_cleanup(),
            Some(&ServiceRevisionCleanup::Deferred)
        );
        let plain = DeploymentSpec::new(Strategy::Rolling).build();
        assert!(plain.early_success_criteria().is_none());
        assert!(plain.minimum_healthy_percent().is_none());
    }

    #[test]
    fn the_alarm_trigger_is_an_environment_variable() {
        let container = with_alarm_in_bake(
            ContainerDefinition::builder()
                .name("app")
                .image("x")
                .build(),
            "cpu",
        );
        assert_eq!(
            container.environment()[0].name(),
            Some(ALARM_IN_BAKE_VARIABLE)
        );
        assert_eq!(container.environment()[0].value(), Some("cpu"));
    }
}
