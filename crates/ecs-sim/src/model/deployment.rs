//! Deployments, seen through both ECS APIs: a `deployments[]` entry of DescribeServices
//! (`ecs-svc/N`, rolloutState) and a ServiceDeployment of the service-deployments API
//! (status, circuit breaker, rollback). Both views read the same [`Deployment`].

use std::sync::Arc;

use crate::behaviour::Placement;
use crate::model::lifecycle::Lifecycle;
use crate::model::strategy::{AlarmsConfig, HookConfig, Strategy};
use crate::model::task_definition::TaskDefinition;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RolloutState {
    InProgress,
    Completed,
    Failed,
}

impl RolloutState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RolloutState::InProgress => "IN_PROGRESS",
            RolloutState::Completed => "COMPLETED",
            RolloutState::Failed => "FAILED",
        }
    }
}

/// ServiceDeployment `status` values the simulator produces. (ECS also has PENDING,
/// STOP_REQUESTED and ROLLBACK_REQUESTED; the simulator moves a requested rollback straight to
/// ROLLBACK_IN_PROGRESS.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ServiceDeploymentStatus {
    InProgress,
    Successful,
    Stopped,
    RollbackInProgress,
    RollbackSuccessful,
    RollbackFailed,
}

impl ServiceDeploymentStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ServiceDeploymentStatus::InProgress => "IN_PROGRESS",
            ServiceDeploymentStatus::Successful => "SUCCESSFUL",
            ServiceDeploymentStatus::Stopped => "STOPPED",
            ServiceDeploymentStatus::RollbackInProgress => "ROLLBACK_IN_PROGRESS",
            ServiceDeploymentStatus::RollbackSuccessful => "ROLLBACK_SUCCESSFUL",
            ServiceDeploymentStatus::RollbackFailed => "ROLLBACK_FAILED",
        }
    }

    /// Every value ECS documents, for validating the ListServiceDeployments `status` filter.
    pub(crate) const ECS_VALUES: [&'static str; 9] = [
        "PENDING",
        "SUCCESSFUL",
        "STOPPED",
        "STOP_REQUESTED",
        "IN_PROGRESS",
        "ROLLBACK_REQUESTED",
        "ROLLBACK_IN_PROGRESS",
        "ROLLBACK_SUCCESSFUL",
        "ROLLBACK_FAILED",
    ];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct CircuitBreaker {
    pub(crate) enable: bool,
    pub(crate) rollback: bool,
}

/// A service's `deploymentConfiguration`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DeploymentConfig {
    pub(crate) minimum_healthy_percent: u32,
    pub(crate) maximum_percent: u32,
    pub(crate) circuit_breaker: CircuitBreaker,
    pub(crate) strategy: Strategy,
    /// `bakeTimeInMinutes`, as given (staged strategies bake 0 minutes without it).
    pub(crate) bake_time_minutes: Option<u32>,
    pub(crate) lifecycle_hooks: Vec<HookConfig>,
    pub(crate) alarms: Option<AlarmsConfig>,
    /// `earlySuccessCriteria` (ROLLING only), as accepted.
    pub(crate) early_success: Option<EarlySuccess>,
}

/// When ECS removes the source revision's tasks of a rolling deployment with early success
/// criteria (`sourceServiceRevisionCleanup`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SourceCleanup {
    /// Before the deployment is marked SUCCESSFUL.
    Blocking,
    /// After it is marked SUCCESSFUL, in the background.
    Deferred,
}

impl SourceCleanup {
    pub(crate) const ECS_VALUES: [&'static str; 2] = ["BLOCKING", "DEFERRED"];

    pub(crate) fn parse(value: &str) -> Option<SourceCleanup> {
        match value {
            "BLOCKING" => Some(SourceCleanup::Blocking),
            "DEFERRED" => Some(SourceCleanup::Deferred),
            _ => None,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SourceCleanup::Blocking => "BLOCKING",
            SourceCleanup::Deferred => "DEFERRED",
        }
    }
}

/// `deploymentConfiguration.earlySuccessCriteria`: with `enable`, a rolling deployment is
/// SUCCESSFUL once `healthy_percent` of the desired count (rounded up) of its tasks are healthy.
/// Both other members are required with `enable` and may be left out without it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct EarlySuccess {
    pub(crate) enable: bool,
    pub(crate) healthy_percent: Option<u32>,
    pub(crate) cleanup: Option<SourceCleanup>,
}

impl EarlySuccess {
    /// The criteria in force: the healthy target tasks needed out of `desired`, and the cleanup;
    /// `None` when not enabled.
    pub(crate) fn in_force(&self, desired: u32) -> Option<(usize, SourceCleanup)> {
        let (true, Some(percent), Some(cleanup)) =
            (self.enable, self.healthy_percent, self.cleanup)
        else {
            return None;
        };
        let healthy = (u64::from(desired) * u64::from(percent)).div_ceil(100) as usize;
        Some((healthy, cleanup))
    }
}

impl Default for DeploymentConfig {
    fn default() -> Self {
        Self {
            minimum_healthy_percent: 100,
            maximum_percent: 200,
            circuit_breaker: CircuitBreaker::default(),
            strategy: Strategy::Rolling,
            bake_time_minutes: None,
            lifecycle_hooks: Vec::new(),
            alarms: None,
            early_success: None,
        }
    }
}

impl DeploymentConfig {
    /// The alarms a deployment watches: those of an enabled `alarms` configuration.
    pub(crate) fn watched_alarms(&self) -> &[String] {
        self.alarms
            .as_ref()
            .filter(|a| a.enable)
            .map_or(&[], |a| a.alarm_names.as_slice())
    }
}

/// The failed-task count at which the circuit breaker trips: half the desired count,
/// at least 3 and at most 200.
pub(crate) fn circuit_breaker_threshold(desired_count: u32) -> u32 {
    desired_count.div_ceil(2).clamp(3, 200)
}

/// Why a deployment exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// CreateService or UpdateService.
    Requested,
    /// Started by the circuit breaker: `failed` is rolled back to the task definition of the
    /// last completed deployment `to`.
    Rollback { failed: u64, to: u64 },
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RollbackRecord {
    pub(crate) reason: String,
    pub(crate) started_at: f64,
    /// The service revision (and `ecs-svc/` number) of the rollback deployment, which runs
    /// the task definition rolled back to.
    pub(crate) revision: u64,
}

/// The service-deployments API view of a requested deployment.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ServiceDeploymentRecord {
    pub(crate) token: String,
    pub(crate) status: ServiceDeploymentStatus,
    pub(crate) status_reason: Option<String>,
    pub(crate) started_at: f64,
    pub(crate) finished_at: Option<f64>,
    pub(crate) stopped_at: Option<f64>,
    /// Revisions (deployment numbers) that were running when this deployment started.
    pub(crate) source_revisions: Vec<u64>,
    pub(crate) rollback: Option<RollbackRecord>,
}

impl ServiceDeploymentRecord {
    pub(crate) fn finish(&mut self, status: ServiceDeploymentStatus, reason: String, at: f64) {
        self.status = status;
        self.status_reason = Some(reason);
        if status == ServiceDeploymentStatus::Stopped {
            self.stopped_at = Some(at);
        } else {
            self.finished_at = Some(at);
        }
    }

    pub(crate) fn is_active(&self) -> bool {
        matches!(
            self.status,
            ServiceDeploymentStatus::InProgress | ServiceDeploymentStatus::RollbackInProgress
        )
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Deployment {
    /// `N` of `ecs-svc/N`; also the service revision number.
    pub(crate) number: u64,
    pub(crate) task_definition: Arc<TaskDefinition>,
    pub(crate) placement: Placement,
    /// The desired count while this deployment is PRIMARY.
    pub(crate) desired_count: u32,
    pub(crate) created_at: f64,
    pub(crate) updated_at: f64,
    pub(crate) rollout_state: RolloutState,
    pub(crate) rollout_reason: String,
    pub(crate) failed_tasks: u32,
    /// The service's deployment configuration when this deployment started.
    pub(crate) config: DeploymentConfig,
    pub(crate) launch_type: String,
    pub(crate) network_configuration: Option<serde_json::Value>,
    pub(crate) origin: Origin,
    /// Still shown in DescribeServices `deployments[]`.
    pub(crate) listed: bool,
    pub(crate) next_placement_event_at: Option<f64>,
    pub(crate) warned_unable_to_start: bool,
    /// `None` for rollback deployments: ECS reports a rollback on the failed deployment's record.
    pub(crate) record: Option<ServiceDeploymentRecord>,
    /// The lifecycle of a requested deployment with a staged strategy.
    pub(crate) lifecycle: Option<Lifecycle>,
    /// Watched alarms seen in ALARM while this deployment was in progress.
    pub(crate) triggered_alarms: Vec<String>,
    /// Until when a DEFERRED early success leaves the source revision's tasks running.
    pub(crate) deferred_cleanup_until: Option<f64>,
}

impl Deployment {
    pub(crate) fn id(&self) -> String {
        deployment_id(self.number)
    }

    pub(crate) fn circuit_breaker_threshold(&self) -> u32 {
        circuit_breaker_threshold(self.desired_count)
    }

    /// `deploymentCircuitBreaker.status` of the ServiceDeployment.
    pub(crate) fn circuit_breaker_status(&self) -> &'static str {
        if !self.config.circuit_breaker.enable {
            "DISABLED"
        } else if self.rollout_state == RolloutState::Failed {
            "TRIGGERED"
        } else if self.rollout_state == RolloutState::Completed {
            // ECS stops watching a deployment once it completed.
            "MONITORING_COMPLETE"
        } else {
            "MONITORING"
        }
    }
}

pub(crate) fn deployment_id(number: u64) -> String {
    format!("ecs-svc/{number}")
}

pub(crate) fn in_progress_reason(number: u64) -> String {
    format!("ECS deployment {} in progress.", deployment_id(number))
}

pub(crate) fn completed_reason(number: u64) -> String {
    format!("ECS deployment {} completed.", deployment_id(number))
}

/// What failed a deployment, and so how ECS words it and whether it rolls back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FailureCause {
    CircuitBreaker,
    /// Watched CloudWatch alarms in ALARM.
    Alarms(Vec<String>),
    /// StopServiceDeployment with stopType ROLLBACK.
    StopRequested,
    /// A lifecycle hook failed, timed out with ROLLBACK, or was answered with ROLLBACK.
    Hook {
        hook_id: String,
        detail: String,
    },
}

impl FailureCause {
    pub(crate) fn wants_rollback(&self, config: &DeploymentConfig) -> bool {
        match self {
            FailureCause::CircuitBreaker => config.circuit_breaker.rollback,
            FailureCause::Alarms(_) => config.alarms.as_ref().is_some_and(|a| a.rollback),
            FailureCause::StopRequested | FailureCause::Hook { .. } => true,
        }
    }

    /// The failed deployment's `rolloutStateReason` (DescribeServices).
    pub(crate) fn rollout_reason(&self, number: u64) -> String {
        match self {
            FailureCause::CircuitBreaker => CIRCUIT_BREAKER_FAILED_REASON.to_owned(),
            FailureCause::Alarms(names) => format!(
                "ECS deployment {} failed: alarm(s) {} in ALARM state.",
                deployment_id(number),
                names.join(", ")
            ),
            FailureCause::StopRequested => format!(
                "ECS deployment {} stopped: rollback requested by StopServiceDeployment.",
                deployment_id(number)
            ),
            FailureCause::Hook { hook_id, detail } => format!(
                "ECS deployment {} failed: lifecycle hook {hook_id} {detail}.",
                deployment_id(number)
            ),
        }
    }

    /// The ServiceDeployment `statusReason` (and `rollback.reason`) while rolling back.
    pub(crate) fn rollback_reason(&self) -> String {
        match self {
            FailureCause::CircuitBreaker => {
                "Service deployment rolled back because the circuit breaker threshold was exceeded."
                    .to_owned()
            }
            FailureCause::Alarms(names) => format!(
                "Service deployment rolled back because the CloudWatch alarm(s) {} went into ALARM state.",
                names.join(", ")
            ),
            FailureCause::StopRequested => {
                "Service deployment rolled back because of a StopServiceDeployment request."
                    .to_owned()
            }
            FailureCause::Hook { hook_id, detail } => format!(
                "Service deployment rolled back because the lifecycle hook {hook_id} {detail}."
            ),
        }
    }

    /// The service event announcing the failure.
    pub(crate) fn event(&self, service: &str, deployment_id: &str) -> String {
        let why = match self {
            FailureCause::CircuitBreaker => {
                return crate::model::events::deployment_failed(service, deployment_id);
            }
            FailureCause::Alarms(names) => format!("alarm(s) {} in ALARM state", names.join(", ")),
            FailureCause::StopRequested => "rollback requested".to_owned(),
            FailureCause::Hook { hook_id, .. } => format!("lifecycle hook {hook_id}"),
        };
        format!("(service {service}) (deployment {deployment_id}) deployment failed: {why}.")
    }

    /// The ServiceDeployment `statusReason` when it fails without rolling back (STOPPED).
    pub(crate) fn stopped_reason(&self, number: u64) -> String {
        self.rollout_reason(number)
    }

    /// The rollback deployment's `rolloutStateReason` (rolling strategy).
    pub(crate) fn rolling_back_reason(&self, to: u64) -> String {
        match self {
            FailureCause::CircuitBreaker => rolling_back_reason(to),
            FailureCause::Alarms(_) => format!(
                "ECS deployment alarms: rolling back to deploymentId {}.",
                deployment_id(to)
            ),
            FailureCause::StopRequested | FailureCause::Hook { .. } => format!(
                "ECS deployment rollback: rolling back to deploymentId {}.",
                deployment_id(to)
            ),
        }
    }
}

pub(crate) const CIRCUIT_BREAKER_FAILED_REASON: &str =
    "ECS deployment circuit breaker: tasks failed to start.";

pub(crate) fn rolling_back_reason(to: u64) -> String {
    format!(
        "ECS deployment circuit breaker: rolling back to deploymentId {}.",
        deployment_id(to)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_is_half_desired_clamped_to_3_and_200() {
        assert_eq!(circuit_breaker_threshold(0), 3);
        assert_eq!(circuit_breaker_threshold(1), 3);
        assert_eq!(circuit_breaker_threshold(7), 4);
        assert_eq!(circuit_breaker_threshold(10), 5);
        assert_eq!(circuit_breaker_threshold(1000), 200);
    }

    #[test]
    fn early_success_needs_the_healthy_percent_of_desired_rounded_up() {
        let criteria = |enable, percent, cleanup| EarlySuccess {
            enable,
            healthy_percent: percent,
            cleanup,
        };
        let deferred = Some(SourceCleanup::Deferred);
        // ECS's examples: 90 % of 100 is 90 tasks, 50 % of 3 is 2.
        assert_eq!(
            criteria(true, Some(90), deferred).in_force(100),
            Some((90, SourceCleanup::Deferred))
        );
        assert_eq!(criteria(true, Some(50), deferred).in_force(3).unwrap().0, 2);
        assert_eq!(criteria(true, Some(0), deferred).in_force(4).unwrap().0, 0);
        assert_eq!(criteria(false, Some(50), deferred).in_force(4), None);
        assert_eq!(criteria(true, None, deferred).in_force(4), None);
    }

    #[test]
    fn reasons_match_ecs_wording() {
        assert_eq!(
            in_progress_reason(12),
            "ECS deployment ecs-svc/12 in progress."
        );
        assert_eq!(completed_reason(12), "ECS deployment ecs-svc/12 completed.");
        assert_eq!(
            rolling_back_reason(5),
            "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/5."
        );
    }
}
