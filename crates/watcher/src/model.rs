//! Plain snapshots of what ECS said, independent of the AWS SDK types.
//!
//! Field names follow the ECS JSON (camelCase) so tests can build snapshots from
//! realistic `DescribeServices` / `DescribeServiceDeployments` / `DescribeTasks`
//! output, whether it came off the wire (epoch-second timestamps) or out of the
//! AWS CLI (RFC 3339 timestamps). Every field ECS may omit is optional or defaults.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

mod states;

pub use states::{
    AlarmStatus, CircuitBreakerStatus, DeploymentControllerType, DeploymentStatus,
    DeploymentStrategy, LifecycleHookAction, LifecycleHookStatus, LifecycleHookTargetType,
    LifecycleStage, RolloutState, ServiceDeploymentStatus, ServiceStatus, TaskStopCode,
};

/// A point in time as ECS reported it, kept to the millisecond.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    epoch_millis: i64,
}

impl Timestamp {
    pub fn from_epoch_millis(epoch_millis: i64) -> Self {
        Self { epoch_millis }
    }

    pub fn epoch_millis(self) -> i64 {
        self.epoch_millis
    }

    /// Parses RFC 3339 (`2024-05-01T10:00:00Z`, `2024-05-01T20:00:00.5+10:00`).
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        let parsed = aws_smithy_types::DateTime::from_str(
            text,
            aws_smithy_types::date_time::Format::DateTimeWithOffset,
        )
        .ok()?;
        parsed.to_millis().ok().map(Self::from_epoch_millis)
    }

    /// Signed distance `self - earlier` in milliseconds.
    pub fn millis_since(self, earlier: Timestamp) -> i64 {
        self.epoch_millis.saturating_sub(earlier.epoch_millis)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let date_time = aws_smithy_types::DateTime::from_millis(self.epoch_millis);
        match date_time.fmt(aws_smithy_types::date_time::Format::DateTime) {
            Ok(text) => f.write_str(&text),
            Err(_) => write!(f, "{}ms since epoch", self.epoch_millis),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    /// Accepts the wire format (epoch seconds, possibly fractional) and the CLI
    /// format (RFC 3339 string), because test fixtures are copied from both.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            EpochSeconds(f64),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::EpochSeconds(seconds) if seconds.is_finite() => {
                Ok(Self::from_epoch_millis((seconds * 1000.0).round() as i64))
            }
            Raw::EpochSeconds(seconds) => Err(serde::de::Error::custom(format!(
                "timestamp {seconds} is not a finite number of epoch seconds"
            ))),
            Raw::Text(text) => Self::parse_rfc3339(&text).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "timestamp `{text}` is neither epoch seconds nor RFC 3339"
                ))
            }),
        }
    }
}

/// One service as `DescribeServices` described it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceSnapshot {
    pub service_arn: Option<String>,
    pub service_name: Option<String>,
    pub cluster_arn: Option<String>,
    /// Absent only in trimmed fixtures; ECS always reports it.
    pub status: Option<ServiceStatus>,
    /// Tasks the service should run (and runs, and starts), over all its deployments.
    pub desired_count: i32,
    pub running_count: i32,
    pub pending_count: i32,
    /// The PRIMARY deployment's task definition.
    pub task_definition: Option<String>,
    /// The deployments still running tasks, PRIMARY among them.
    pub deployments: Vec<Deployment>,
    /// Newest first, as ECS returns them.
    pub events: Vec<ServiceEvent>,
    /// Absent means ECS: the field is optional on the wire.
    pub deployment_controller: Option<DeploymentController>,
    pub deployment_configuration: Option<DeploymentConfiguration>,
}

impl ServiceSnapshot {
    /// The deployment ECS currently routes to (`status: PRIMARY`).
    pub fn primary_deployment(&self) -> Option<&Deployment> {
        self.deployments.iter().find(|d| d.is_primary())
    }

    pub fn deployment(&self, id: &str) -> Option<&Deployment> {
        self.deployments
            .iter()
            .find(|d| d.id.as_deref() == Some(id))
    }

    /// Who runs this service's deployments; ECS unless the service says otherwise.
    pub fn controller(&self) -> DeploymentControllerType {
        self.deployment_controller
            .as_ref()
            .and_then(|c| c.controller_type.clone())
            .unwrap_or(DeploymentControllerType::Ecs)
    }

    /// How ECS deploys this service; rolling unless the service says otherwise.
    pub fn strategy(&self) -> DeploymentStrategy {
        self.deployment_configuration
            .as_ref()
            .and_then(|c| c.strategy.clone())
            .unwrap_or(DeploymentStrategy::Rolling)
    }

    /// True when this snapshot answers for `identifier` (a service name or ARN).
    pub fn is_identified_by(&self, identifier: &str) -> bool {
        let wanted = resource_name(identifier);
        self.service_arn.as_deref() == Some(identifier)
            || self.service_name.as_deref() == Some(wanted)
            || self.service_arn.as_deref().map(resource_name) == Some(wanted)
    }
}

/// `Service.deploymentController`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DeploymentController {
    #[serde(rename = "type")]
    pub controller_type: Option<DeploymentControllerType>,
}

/// The part of `Service.deploymentConfiguration` that decides how to watch.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DeploymentConfiguration {
    pub strategy: Option<DeploymentStrategy>,
}

/// One entry of `DescribeServices` `deployments[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Deployment {
    /// `ecs-svc/<number>`.
    pub id: Option<String>,
    /// PRIMARY is the newest deployment, the one ECS routes to.
    pub status: Option<DeploymentStatus>,
    /// The task definition this deployment rolls out.
    pub task_definition: Option<String>,
    /// Tasks this deployment should run, and how many run or start now.
    pub desired_count: i32,
    pub pending_count: i32,
    pub running_count: i32,
    /// Tasks of this deployment that failed to start or stopped unhealthy.
    pub failed_tasks: i32,
    /// When `UpdateService` (or the rollback) created it: orders deployments.
    pub created_at: Option<Timestamp>,
    /// Last change of its counts or state.
    pub updated_at: Option<Timestamp>,
    /// Absent on old endpoints and emulators.
    pub rollout_state: Option<RolloutState>,
    /// ECS's words on the rollout, e.g. "… rolling back to deploymentId …".
    pub rollout_state_reason: Option<String>,
}

impl Deployment {
    pub fn is_primary(&self) -> bool {
        self.status == Some(DeploymentStatus::Primary)
    }

    pub fn id_or_unknown(&self) -> &str {
        self.id.as_deref().unwrap_or("(unknown deployment)")
    }
}

/// One event from `DescribeServices` `events[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceEvent {
    pub id: Option<String>,
    pub created_at: Option<Timestamp>,
    pub message: String,
}

/// One entry of `DescribeServiceDeployments` `serviceDeployments[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceDeployment {
    pub service_deployment_arn: Option<String>,
    pub service_arn: Option<String>,
    pub cluster_arn: Option<String>,
    pub created_at: Option<Timestamp>,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub stopped_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
    pub source_service_revisions: Vec<ServiceRevisionSummary>,
    pub target_service_revision: Option<ServiceRevisionSummary>,
    pub status: Option<ServiceDeploymentStatus>,
    pub status_reason: Option<String>,
    /// Staged strategies only: where the deployment is in its course.
    pub lifecycle_stage: Option<LifecycleStage>,
    /// The lifecycle hooks active so far, with their outcome.
    pub lifecycle_hook_details: Vec<LifecycleHookDetail>,
    pub rollback: Option<Rollback>,
    pub deployment_circuit_breaker: Option<CircuitBreakerState>,
    pub alarms: Option<AlarmsState>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceRevisionSummary {
    pub arn: Option<String>,
    pub requested_task_count: i32,
    pub running_task_count: i32,
    pub pending_task_count: i32,
    /// Staged strategies: the share of test / production traffic (0–100) ECS
    /// routes to this revision.
    pub requested_test_traffic_weight: Option<f64>,
    pub requested_production_traffic_weight: Option<f64>,
}

/// One entry of `ServiceDeployment.lifecycleHookDetails[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LifecycleHookDetail {
    /// What `ContinueServiceDeployment` takes to continue or roll back a paused deployment.
    pub hook_id: Option<String>,
    pub target_type: Option<LifecycleHookTargetType>,
    /// The Lambda function ARN; absent for PAUSE hooks.
    pub target_arn: Option<String>,
    pub status: Option<LifecycleHookStatus>,
    /// When ECS takes `timeout_action` unless the hook finished.
    pub expires_at: Option<Timestamp>,
    pub timeout_action: Option<LifecycleHookAction>,
}

impl LifecycleHookDetail {
    /// A PAUSE hook waiting for someone to continue the deployment.
    pub fn is_awaiting_action(&self) -> bool {
        self.status == Some(LifecycleHookStatus::AwaitingAction)
    }
}

impl ServiceDeployment {
    /// The PAUSE hooks waiting for someone to continue the deployment, in ECS's order.
    pub fn awaiting_hooks(&self) -> impl Iterator<Item = &LifecycleHookDetail> {
        self.lifecycle_hook_details
            .iter()
            .filter(|hook| hook.is_awaiting_action())
    }

    /// The hook the deployment is paused at, if any.
    pub fn awaiting_hook(&self) -> Option<&LifecycleHookDetail> {
        self.awaiting_hooks().next()
    }
}

/// A deployment waiting at a PAUSE hook, as the caller is told about it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PausedHook {
    pub hook_id: String,
    /// The lifecycle stage the deployment paused in.
    pub stage: Option<LifecycleStage>,
    pub expires_at: Option<Timestamp>,
    /// What ECS does at `expires_at` unless someone continues or rolls back first.
    pub timeout_action: Option<LifecycleHookAction>,
}

impl PausedHook {
    /// The hook `sd` is paused at, if any.
    pub fn of(sd: &ServiceDeployment) -> Option<Self> {
        let hook = sd.awaiting_hook()?;
        Some(Self {
            hook_id: hook.hook_id.clone().unwrap_or_default(),
            stage: sd.lifecycle_stage.clone(),
            expires_at: hook.expires_at,
            timeout_action: hook.timeout_action.clone(),
        })
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Rollback {
    pub reason: Option<String>,
    pub started_at: Option<Timestamp>,
    pub service_revision_arn: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CircuitBreakerState {
    pub status: Option<CircuitBreakerStatus>,
    pub failure_count: i32,
    pub threshold: i32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AlarmsState {
    pub status: Option<AlarmStatus>,
    pub alarm_names: Vec<String>,
    pub triggered_alarm_names: Vec<String>,
}

/// One entry of `ListServiceDeployments` `serviceDeployments[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceDeploymentBrief {
    pub service_deployment_arn: Option<String>,
    pub service_arn: Option<String>,
    pub cluster_arn: Option<String>,
    pub created_at: Option<Timestamp>,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub target_service_revision_arn: Option<String>,
    pub status: Option<ServiceDeploymentStatus>,
    pub status_reason: Option<String>,
}

/// The part of a `DescribeServiceRevisions` entry the watcher needs. Revisions are
/// immutable, so one lookup per ARN is enough for the life of a process.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceRevision {
    pub service_revision_arn: Option<String>,
    pub task_definition: Option<String>,
    pub created_at: Option<Timestamp>,
}

/// A task that ECS stopped, as `DescribeTasks` described it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StoppedTask {
    pub task_arn: String,
    pub stop_code: Option<TaskStopCode>,
    pub stopped_reason: Option<String>,
    pub containers: Vec<StoppedContainer>,
    /// For service tasks: the id of the deployment (`ecs-svc/<number>`) that started it.
    pub started_by: Option<String>,
    pub task_definition_arn: Option<String>,
    pub stopped_at: Option<Timestamp>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StoppedContainer {
    pub name: String,
    pub exit_code: Option<i32>,
    pub reason: Option<String>,
}

/// The last path segment of an ARN (`.../service/cluster/web` → `web`), or the
/// input itself when it is already a plain name.
pub fn resource_name(name_or_arn: &str) -> &str {
    if name_or_arn.starts_with("arn:") {
        name_or_arn.rsplit('/').next().unwrap_or(name_or_arn)
    } else {
        name_or_arn
    }
}

/// `arn:aws:ecs:...:task-definition/my-app:3` → `my-app:3`, for messages.
pub fn short_task_definition(task_definition: &str) -> &str {
    match task_definition.rsplit_once("task-definition/") {
        Some((_, family_and_revision)) => family_and_revision,
        None => task_definition,
    }
}

/// `.../service-revision/<cluster>/<service>/<N>` → `N`: the same number appears in
/// the `ecs-svc/<N>` id `DescribeServices` gives the deployment.
pub fn revision_number(service_revision_arn: &str) -> Option<&str> {
    let (_, number) = service_revision_arn.rsplit_once('/')?;
    (!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())).then_some(number)
}

/// `ecs-svc/<N>` → `N`.
pub fn deployment_number(deployment_id: &str) -> Option<&str> {
    let number = deployment_id.strip_prefix("ecs-svc/")?;
    (!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())).then_some(number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_from_wire_and_cli_formats() {
        let wire: Timestamp = serde_json::from_str("1714557600.5").unwrap();
        let cli: Timestamp = serde_json::from_str("\"2024-05-01T20:00:00.500+10:00\"").unwrap();
        assert_eq!(wire, cli);
        assert_eq!(wire.to_string(), "2024-05-01T10:00:00.5Z");
        assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
    }

    #[test]
    fn names_and_numbers_come_out_of_arns() {
        assert_eq!(
            resource_name("arn:aws:ecs:ap-southeast-2:123456789012:service/prod/web"),
            "web"
        );
        assert_eq!(resource_name("web"), "web");
        assert_eq!(
            short_task_definition("arn:aws:ecs:us-east-1:123456789012:task-definition/app:7"),
            "app:7"
        );
        assert_eq!(
            revision_number("arn:aws:ecs:us-east-1:1:service-revision/prod/web/4218"),
            Some("4218")
        );
        assert_eq!(deployment_number("ecs-svc/4218"), Some("4218"));
        assert_eq!(deployment_number("ecs-svc/"), None);
    }

    #[test]
    fn a_service_answers_for_its_name_and_its_arn() {
        let service = ServiceSnapshot {
            service_arn: Some("arn:aws:ecs:us-east-1:1:service/prod/web".into()),
            service_name: Some("web".into()),
            ..Default::default()
        };
        assert!(service.is_identified_by("web"));
        assert!(service.is_identified_by("arn:aws:ecs:us-east-1:1:service/prod/web"));
        assert!(service.is_identified_by("arn:aws:ecs:us-east-1:1:service/web"));
        assert!(!service.is_identified_by("api"));
    }
}
