//! A service: its deployments, tasks and events, and the changes callers ask for.
//! How it moves over time lives in [`super::scheduler`].

use std::collections::VecDeque;
use std::sync::Arc;

use serde_json::Value;

use crate::behaviour::Placement;
use crate::model::alarms::{AlarmBoard, alarm_in_bake};
use crate::model::deployment::{
    Deployment, DeploymentConfig, Origin, RolloutState, ServiceDeploymentRecord,
    ServiceDeploymentStatus, in_progress_reason,
};
use crate::model::events::EventLog;
use crate::model::ids::Ids;
use crate::model::lifecycle::Lifecycle;
use crate::model::task::{LastStatus, Task};
use crate::model::task_definition::TaskDefinition;

/// At most this many deployments are remembered per service (listed ones are never dropped).
pub(crate) const DEPLOYMENT_HISTORY_CAP: usize = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ServiceStatus {
    Active,
    Draining,
    Inactive,
}

impl ServiceStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ServiceStatus::Active => "ACTIVE",
            ServiceStatus::Draining => "DRAINING",
            ServiceStatus::Inactive => "INACTIVE",
        }
    }
}

/// A change to the cluster's task-id index, reported by the service that caused it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum IndexChange {
    Added(String),
    Removed(String),
}

/// What CreateService asks for, already validated.
#[derive(Clone, Debug)]
pub(crate) struct NewService {
    pub(crate) name: String,
    pub(crate) arn: String,
    pub(crate) task_definition: Arc<TaskDefinition>,
    pub(crate) desired_count: u32,
    pub(crate) config: DeploymentConfig,
    pub(crate) launch_type: String,
    pub(crate) platform_version: String,
    pub(crate) network_configuration: Option<Value>,
    /// The simulator's alarm states, which the service's deployments watch.
    pub(crate) alarms: AlarmBoard,
}

/// What UpdateService asks for, already validated.
#[derive(Clone, Debug, Default)]
pub(crate) struct ServiceUpdate {
    pub(crate) desired_count: Option<u32>,
    pub(crate) task_definition: Option<Arc<TaskDefinition>>,
    pub(crate) force_new_deployment: bool,
    pub(crate) config: Option<DeploymentConfig>,
    pub(crate) network_configuration: Option<Value>,
    pub(crate) settings: SettingsUpdate,
}

/// Service inputs that ECS stores and DescribeServices echoes; the grace period also changes
/// how tasks behave (see [`Placement::on`]).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ServiceSettings {
    pub(crate) health_check_grace_period_seconds: Option<u32>,
    pub(crate) capacity_provider_strategy: Option<Value>,
    pub(crate) enable_execute_command: bool,
    pub(crate) enable_ecs_managed_tags: bool,
    pub(crate) propagate_tags: String,
    pub(crate) availability_zone_rebalancing: String,
    /// `deploymentController.type`: ECS, CODE_DEPLOY or EXTERNAL. Only ECS deploys new revisions
    /// here; the others are kept and echoed (their deployments belong to another tool).
    pub(crate) deployment_controller: String,
}

impl Default for ServiceSettings {
    fn default() -> Self {
        Self {
            health_check_grace_period_seconds: None,
            capacity_provider_strategy: None,
            enable_execute_command: false,
            enable_ecs_managed_tags: false,
            propagate_tags: "NONE".to_owned(),
            // CreateService defaults it to ENABLED.
            availability_zone_rebalancing: "ENABLED".to_owned(),
            deployment_controller: "ECS".to_owned(),
        }
    }
}

/// The [`ServiceSettings`] members an UpdateService gives (the rest stay as they are).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct SettingsUpdate {
    pub(crate) health_check_grace_period_seconds: Option<u32>,
    pub(crate) capacity_provider_strategy: Option<Value>,
    pub(crate) enable_execute_command: Option<bool>,
    pub(crate) enable_ecs_managed_tags: Option<bool>,
    pub(crate) propagate_tags: Option<String>,
    pub(crate) availability_zone_rebalancing: Option<String>,
}

impl ServiceSettings {
    pub(crate) fn apply(&mut self, update: SettingsUpdate) {
        if let Some(grace) = update.health_check_grace_period_seconds {
            self.health_check_grace_period_seconds = Some(grace);
        }
        if let Some(strategy) = update.capacity_provider_strategy {
            self.capacity_provider_strategy = Some(strategy);
        }
        if let Some(enable) = update.enable_execute_command {
            self.enable_execute_command = enable;
        }
        if let Some(enable) = update.enable_ecs_managed_tags {
            self.enable_ecs_managed_tags = enable;
        }
        if let Some(propagate) = update.propagate_tags {
            self.propagate_tags = propagate;
        }
        if let Some(rebalancing) = update.availability_zone_rebalancing {
            self.availability_zone_rebalancing = rebalancing;
        }
    }
}

#[derive(Debug)]
pub(crate) struct Service {
    pub(crate) name: String,
    pub(crate) arn: String,
    pub(crate) created_at: f64,
    pub(crate) status: ServiceStatus,
    pub(crate) desired_count: u32,
    pub(crate) task_definition: Arc<TaskDefinition>,
    pub(crate) config: DeploymentConfig,
    pub(crate) launch_type: String,
    pub(crate) platform_version: String,
    pub(crate) network_configuration: Option<Value>,
    pub(crate) settings: ServiceSettings,
    /// Oldest first, including deployments no longer listed (kept for the service-deployments API).
    pub(crate) deployments: Vec<Deployment>,
    pub(crate) events: EventLog,
    /// Tasks not yet STOPPED, in launch order.
    pub(crate) live_tasks: Vec<Task>,
    /// STOPPED tasks, newest first, capped.
    pub(crate) stopped_tasks: VecDeque<Task>,
    /// Simulated time the service state has been advanced to.
    pub(crate) clock: f64,
    /// Number and task definition of the last deployment that COMPLETED, the rollback target.
    pub(crate) last_completed: Option<(u64, Arc<TaskDefinition>)>,
    /// Since when the service has looked steady (right task count, all healthy, nothing old).
    pub(crate) steady_since: Option<f64>,
    /// Whether the current steady period has been announced with a steady-state event.
    pub(crate) steady_announced: bool,
    pub(crate) index_changes: Vec<IndexChange>,
    pub(crate) alarms: AlarmBoard,
}

impl Service {
    /// A new ACTIVE service with one PRIMARY deployment; tasks start on the first schedule.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn create(new: NewService, ids: &mut Ids, now: f64) -> Self {
        Self::create_with(new, ServiceSettings::default(), ids, now)
    }

    /// As [`Service::create`], with the settings CreateService gave.
    pub(crate) fn create_with(
        new: NewService,
        settings: ServiceSettings,
        ids: &mut Ids,
        now: f64,
    ) -> Self {
        let mut service = Self {
            name: new.name,
            arn: new.arn,
            created_at: now,
            status: ServiceStatus::Active,
            desired_count: new.desired_count,
            task_definition: Arc::clone(&new.task_definition),
            config: new.config,
            launch_type: new.launch_type,
            platform_version: new.platform_version,
            network_configuration: new.network_configuration,
            settings,
            deployments: Vec::new(),
            events: EventLog::default(),
            live_tasks: Vec::new(),
            stopped_tasks: VecDeque::new(),
            clock: now,
            last_completed: None,
            steady_since: None,
            steady_announced: false,
            index_changes: Vec::new(),
            alarms: new.alarms,
        };
        service.start_deployment(
            new.task_definition,
            new.desired_count,
            Origin::Requested,
            None,
            ids,
            now,
        );
        service.schedule(now, ids);
        service
    }

    /// Applies UpdateService at `now` (the caller has advanced the service to `now`).
    pub(crate) fn update(&mut self, update: ServiceUpdate, ids: &mut Ids, now: f64) {
        if let Some(config) = update.config {
            self.config = config;
        }
        if let Some(network) = update.network_configuration {
            self.network_configuration = Some(network);
        }
        self.settings.apply(update.settings);
        if let Some(desired) = update.desired_count {
            self.desired_count = desired;
        }
        let new_definition = update
            .task_definition
            .filter(|td| td.arn != self.task_definition.arn);
        if new_definition.is_some() || update.force_new_deployment {
            let definition = new_definition.unwrap_or_else(|| Arc::clone(&self.task_definition));
            self.supersede_active_deployments(now);
            self.task_definition = Arc::clone(&definition);
            self.start_deployment(
                definition,
                self.desired_count,
                Origin::Requested,
                None,
                ids,
                now,
            );
        } else {
            let desired = self.desired_count;
            if let Some(primary) = self.primary_mut() {
                primary.desired_count = desired;
                primary.updated_at = now;
            }
        }
        self.schedule(now, ids);
    }

    /// StopTask at `now` (the caller has advanced the service to `now`): the task stops and the
    /// scheduler starts a replacement. `None` when the task is not running or about to.
    pub(crate) fn stop_task(
        &mut self,
        task_id: &str,
        reason: String,
        ids: &mut Ids,
        now: f64,
    ) -> Option<()> {
        let task = self
            .live_tasks
            .iter_mut()
            .find(|t| t.id == task_id && !t.is_stopping())?;
        task.stop_at(now, crate::model::task::StopCause::User { reason });
        self.steady_since = None;
        self.steady_announced = false;
        self.schedule(now, ids);
        Some(())
    }

    /// DeleteService with `force` (or at desired count 0): drain every task, then go INACTIVE.
    pub(crate) fn delete(&mut self, ids: &mut Ids, now: f64) {
        self.status = ServiceStatus::Draining;
        self.desired_count = 0;
        for deployment in self.deployments.iter_mut().filter(|d| d.listed) {
            if let Some(record) = deployment.record.as_mut().filter(|r| r.is_active()) {
                record.finish(
                    ServiceDeploymentStatus::Stopped,
                    "Service deployment stopped because the service was deleted.".to_owned(),
                    now,
                );
            }
        }
        self.schedule(now, ids);
    }

    /// Marks in-flight deployments as superseded by the deployment about to start.
    fn supersede_active_deployments(&mut self, now: f64) {
        let mut interrupted_rollbacks = Vec::new();
        for deployment in self.deployments.iter_mut().filter(|d| d.listed) {
            if deployment.rollout_state != RolloutState::InProgress {
                continue;
            }
            if let Some(record) = deployment.record.as_mut().filter(|r| r.is_active()) {
                record.finish(
                    ServiceDeploymentStatus::Stopped,
                    "Service deployment stopped because it was superseded by a newer service deployment.".to_owned(),
                    now,
                );
            }
            if let Origin::Rollback { failed, .. } = deployment.origin {
                interrupted_rollbacks.push(failed);
            }
        }
        for failed in interrupted_rollbacks {
            if let Some(record) = self.record_mut(failed).filter(|r| r.is_active()) {
                record.finish(
                    ServiceDeploymentStatus::RollbackFailed,
                    "Rollback interrupted because a newer service deployment was started."
                        .to_owned(),
                    now,
                );
            }
        }
    }

    /// Adds a new PRIMARY deployment.
    pub(crate) fn start_deployment(
        &mut self,
        task_definition: Arc<TaskDefinition>,
        desired_count: u32,
        origin: Origin,
        rollout_reason: Option<String>,
        ids: &mut Ids,
        now: f64,
    ) -> u64 {
        let number = ids.deployment_number();
        let source_revisions = self.running_revisions();
        let serving = self
            .last_completed
            .as_ref()
            .map(|(n, _)| *n)
            .filter(|n| source_revisions.contains(n))
            .or_else(|| source_revisions.last().copied());
        let lifecycle =
            (origin == Origin::Requested && self.config.strategy.is_staged()).then(|| {
                let mut lifecycle = Lifecycle::new(
                    self.config.strategy,
                    self.config.bake_time_minutes.unwrap_or(0),
                    source_revisions.len() > 1,
                    alarm_in_bake(&task_definition),
                    now,
                );
                lifecycle.serving = serving;
                lifecycle
            });
        let record = (origin == Origin::Requested).then(|| ServiceDeploymentRecord {
            token: ids.service_deployment_token(),
            status: ServiceDeploymentStatus::InProgress,
            status_reason: None,
            started_at: now,
            finished_at: None,
            stopped_at: None,
            source_revisions,
            rollback: None,
        });
        self.deployments.push(Deployment {
            number,
            placement: Placement::on(
                &task_definition,
                &self.launch_type,
                self.settings.health_check_grace_period_seconds.unwrap_or(0),
            ),
            task_definition,
            desired_count,
            created_at: now,
            updated_at: now,
            rollout_state: RolloutState::InProgress,
            rollout_reason: rollout_reason.unwrap_or_else(|| in_progress_reason(number)),
            failed_tasks: 0,
            config: self.config.clone(),
            launch_type: self.launch_type.clone(),
            network_configuration: self.network_configuration.clone(),
            origin,
            listed: true,
            next_placement_event_at: None,
            warned_unable_to_start: false,
            record,
            lifecycle,
            triggered_alarms: Vec::new(),
            deferred_cleanup_until: None,
        });
        self.steady_since = None;
        self.steady_announced = false;
        self.prune_history();
        number
    }

    fn prune_history(&mut self) {
        while self.deployments.len() > DEPLOYMENT_HISTORY_CAP {
            match self.deployments.iter().position(|d| !d.listed) {
                Some(oldest) => {
                    self.deployments.remove(oldest);
                }
                None => break,
            }
        }
    }

    /// Deployment numbers with tasks that are not stopping.
    fn running_revisions(&self) -> Vec<u64> {
        self.deployments
            .iter()
            .filter(|d| d.listed)
            .map(|d| d.number)
            .filter(|&n| {
                self.live_tasks
                    .iter()
                    .any(|t| t.deployment == n && !t.is_stopping())
            })
            .collect()
    }

    pub(crate) fn primary_index(&self) -> Option<usize> {
        self.deployments.iter().rposition(|d| d.listed)
    }

    pub(crate) fn primary(&self) -> Option<&Deployment> {
        self.primary_index().map(|i| &self.deployments[i])
    }

    pub(crate) fn primary_mut(&mut self) -> Option<&mut Deployment> {
        self.primary_index().map(move |i| &mut self.deployments[i])
    }

    pub(crate) fn deployment(&self, number: u64) -> Option<&Deployment> {
        self.deployments.iter().find(|d| d.number == number)
    }

    pub(crate) fn deployment_mut(&mut self, number: u64) -> Option<&mut Deployment> {
        self.deployments.iter_mut().find(|d| d.number == number)
    }

    pub(crate) fn record_mut(&mut self, number: u64) -> Option<&mut ServiceDeploymentRecord> {
        self.deployment_mut(number).and_then(|d| d.record.as_mut())
    }

    /// Counts of a deployment's tasks (or all tasks with `None`) as `(running, pending)`.
    pub(crate) fn task_counts(&self, deployment: Option<u64>) -> (u32, u32) {
        let now = self.clock;
        let mut running = 0;
        let mut pending = 0;
        for task in self
            .live_tasks
            .iter()
            .filter(|t| deployment.is_none_or(|n| t.deployment == n))
        {
            match task.last_status(now) {
                LastStatus::Running => running += 1,
                LastStatus::Provisioning | LastStatus::Pending => pending += 1,
                LastStatus::Deprovisioning | LastStatus::Stopped => {}
            }
        }
        (running, pending)
    }

    /// The desired count a deployment reports: the service's for the PRIMARY, and for older
    /// deployments the tasks they still keep (ECS scales them in as the rollout proceeds).
    pub(crate) fn reported_desired_count(&self, deployment: &Deployment) -> u32 {
        let is_primary = self
            .primary()
            .is_some_and(|p| p.number == deployment.number);
        if is_primary {
            if self.status == ServiceStatus::Active {
                deployment.desired_count
            } else {
                0
            }
        } else {
            self.live_tasks
                .iter()
                .filter(|t| t.deployment == deployment.number && !t.is_stopping())
                .count() as u32
        }
    }

    /// Every task, live ones first.
    pub(crate) fn all_tasks(&self) -> impl Iterator<Item = &Task> {
        self.live_tasks.iter().chain(self.stopped_tasks.iter())
    }

    pub(crate) fn find_task(&self, task_id: &str) -> Option<&Task> {
        self.all_tasks().find(|t| t.id == task_id)
    }

    pub(crate) fn push_event(&mut self, ids: &mut Ids, at: f64, message: String) {
        self.events.push(ids.uuid(), at, message);
    }
}
