//! The service scheduler and the passage of time for one service.
//!
//! A service is advanced lazily: when a request touches it, [`Service::advance_to`] walks from
//! the last simulated moment to "now" event by event (a task turns RUNNING or HEALTHY, a task
//! fails, a stop finishes, a stabilisation period ends) and runs one scheduler pass at each.
//! Between events nothing the scheduler reads can change, so skipping them is exact; an idle
//! service costs one scan of its live tasks per request.

use crate::behaviour::Placement;
use crate::model::deployment::{
    FailureCause, Origin, RolloutState, ServiceDeploymentStatus, SourceCleanup, completed_reason,
    deployment_id,
};
use crate::model::events;
use crate::model::ids::Ids;
use crate::model::service::{IndexChange, Service, ServiceStatus};
use crate::model::task::{FailureKind, LastStatus, StopCause, Task};

/// How long a rollout must look finished before ECS calls it COMPLETED.
pub(crate) const STABILISATION_SECONDS: f64 = 5.0;
/// How long a DEFERRED early success leaves the source revision's tasks running after the
/// deployment is SUCCESSFUL, before the scheduler drains them as usual.
pub(crate) const DEFERRED_CLEANUP_SECONDS: f64 = 30.0;
/// How often ECS repeats "unable to place a task".
pub(crate) const PLACEMENT_RETRY_SECONDS: f64 = 60.0;
/// STOPPED tasks kept per service (oldest dropped first).
pub(crate) const STOPPED_TASK_CAP: usize = 200;
/// Failed tasks after which ECS warns "unable to consistently start tasks".
const UNSTABLE_WARNING_AFTER_FAILURES: u32 = 3;

/// The tasks one scheduler pass stops: all at `now` and for the same reason, gathered so that one
/// service event names them.
pub(crate) struct SchedulerStops {
    pub(crate) now: f64,
    reason: String,
    stopped: Vec<String>,
}

impl SchedulerStops {
    /// Stops at `now` for the deployment `deployment_id` (`ecs-svc/N`), which ECS names as their
    /// reason.
    pub(crate) fn new(now: f64, deployment_id: &str) -> Self {
        Self {
            now,
            reason: format!("Scaling activity initiated by (deployment {deployment_id})"),
            stopped: Vec::new(),
        }
    }

    pub(crate) fn stop(&mut self, task: &mut Task) {
        task.stop_at(
            self.now,
            StopCause::Scheduler {
                reason: self.reason.clone(),
            },
        );
        self.stopped.push(task.id.clone());
    }
}

const ROLLBACK_REASON: &str =
    "Service deployment rolled back because the circuit breaker threshold was exceeded.";

impl Service {
    /// Brings the service from its clock to `now`, running the scheduler at every event.
    pub(crate) fn advance_to(&mut self, now: f64, ids: &mut Ids) {
        if now <= self.clock {
            return;
        }
        while let Some(at) = self.next_event_after(self.clock) {
            if at > now {
                break;
            }
            self.clock = at;
            self.apply_due_failures(at, ids);
            self.reap_stopped(at);
            self.schedule(at, ids);
        }
        self.clock = now;
        self.reap_stopped(now);
    }

    fn next_event_after(&self, t: f64) -> Option<f64> {
        let tasks = self
            .live_tasks
            .iter()
            .filter_map(|task| task.next_event_after(t));
        let steady = self.steady_since.map(|since| since + STABILISATION_SECONDS);
        let placement = self.primary().and_then(|p| p.next_placement_event_at);
        let lifecycle = self
            .primary()
            .and_then(|p| p.lifecycle.as_ref())
            .and_then(|l| l.next_event_after(t));
        let deferred_cleanup = self.primary().and_then(|p| p.deferred_cleanup_until);
        let alarms = self.primary().and_then(|p| {
            let watching = p.rollout_state == RolloutState::InProgress
                && p.record.as_ref().is_some_and(|r| r.is_active());
            watching
                .then(|| self.alarms.next_change_after(p.config.watched_alarms(), t))
                .flatten()
        });
        tasks
            .chain(steady)
            .chain(placement)
            .chain(lifecycle)
            .chain(alarms)
            .chain(deferred_cleanup)
            .filter(|&at| at > t)
            .reduce(f64::min)
    }

    /// Stops tasks whose planned failure has come, and counts the failures.
    fn apply_due_failures(&mut self, at: f64, ids: &mut Ids) {
        let due: Vec<(usize, f64, FailureKind)> = self
            .live_tasks
            .iter()
            .enumerate()
            .filter_map(|(i, task)| task.due_failure(at).map(|f| (i, f.at, f.kind.clone())))
            .collect();
        for (index, failed_at, kind) in due {
            let task = &mut self.live_tasks[index];
            task.stop_at(failed_at, StopCause::Failed(kind.clone()));
            let (task_id, deployment) = (task.id.clone(), task.deployment);
            match kind {
                FailureKind::EssentialExited { .. } => {
                    let message = events::stopped_running_tasks(&self.name, &[task_id]);
                    self.push_event(ids, failed_at, message);
                }
                FailureKind::FailedHealthChecks { .. } => {
                    let message = events::failed_health_checks(&self.name, &task_id);
                    self.push_event(ids, failed_at, message);
                }
                FailureKind::PullFailed { .. } => {}
            }
            self.count_failed_task(deployment, failed_at, ids);
        }
    }

    fn count_failed_task(&mut self, number: u64, at: f64, ids: &mut Ids) {
        let is_primary = self.primary().is_some_and(|p| p.number == number);
        let name = self.name.clone();
        let Some(deployment) = self.deployment_mut(number) else {
            return;
        };
        deployment.failed_tasks += 1;
        deployment.updated_at = at;
        let breaker = deployment.config.circuit_breaker;
        let warn = !breaker.enable
            && !deployment.warned_unable_to_start
            && deployment.failed_tasks >= UNSTABLE_WARNING_AFTER_FAILURES;
        if warn {
            deployment.warned_unable_to_start = true;
        }
        let trips = is_primary
            && breaker.enable
            && deployment.rollout_state == RolloutState::InProgress
            && deployment.failed_tasks >= deployment.circuit_breaker_threshold();
        if warn {
            self.push_event(ids, at, events::unable_to_start_consistently(&name));
        }
        if trips {
            self.fail_deployment(number, at, ids, FailureCause::CircuitBreaker);
        }
    }

    /// Marks the deployment FAILED and, if its cause asks for it and it is possible, rolls it
    /// back: a staged deployment shifts traffic back to its source revision, a rolling one starts
    /// a rollback deployment on the task definition of the last completed deployment.
    pub(crate) fn fail_deployment(
        &mut self,
        number: u64,
        at: f64,
        ids: &mut Ids,
        cause: FailureCause,
    ) {
        if self
            .deployment(number)
            .is_some_and(|d| d.lifecycle.as_ref().is_some_and(|l| l.is_driving()))
        {
            self.fail_staged(number, at, ids, cause);
            return;
        }
        let name = self.name.clone();
        let Some(deployment) = self.deployment_mut(number) else {
            return;
        };
        deployment.rollout_state = RolloutState::Failed;
        deployment.rollout_reason = cause.rollout_reason(number);
        deployment.updated_at = at;
        let origin = deployment.origin;
        let wants_rollback = cause.wants_rollback(&deployment.config);
        let desired = deployment.desired_count;
        let failed_id = deployment.id();
        self.push_event(ids, at, cause.event(&name, &failed_id));

        match origin {
            // A failing rollback is not rolled back again; the original deployment's record says so.
            Origin::Rollback { failed, .. } => {
                if let Some(record) = self.record_mut(failed) {
                    record.finish(
                        ServiceDeploymentStatus::RollbackFailed,
                        format!(
                            "The rollback deployment {failed_id} failed: tasks failed to start."
                        ),
                        at,
                    );
                }
            }
            Origin::Requested if !wants_rollback => {
                if let Some(record) = self.record_mut(number) {
                    record.finish(
                        ServiceDeploymentStatus::Stopped,
                        cause.stopped_reason(number),
                        at,
                    );
                }
            }
            Origin::Requested => match self.last_completed.clone() {
                Some((to, definition)) => {
                    self.push_event(ids, at, events::rolling_back(&name, &deployment_id(to)));
                    self.task_definition = std::sync::Arc::clone(&definition);
                    let rollback = self.start_deployment(
                        definition,
                        desired,
                        Origin::Rollback { failed: number, to },
                        Some(cause.rolling_back_reason(to)),
                        ids,
                        at,
                    );
                    let reason = cause.rollback_reason();
                    if let Some(record) = self.record_mut(number) {
                        record.status = ServiceDeploymentStatus::RollbackInProgress;
                        record.status_reason = Some(reason.clone());
                        record.rollback = Some(crate::model::deployment::RollbackRecord {
                            reason,
                            started_at: at,
                            revision: rollback,
                        });
                    }
                }
                None => {
                    if let Some(record) = self.record_mut(number) {
                        record.finish(
                            ServiceDeploymentStatus::RollbackFailed,
                            format!(
                                "{} There is no previously completed deployment to roll back to.",
                                cause.rollout_reason(number)
                            ),
                            at,
                        );
                    }
                }
            },
        }
    }

    /// Moves tasks that finished stopping into the stopped list.
    fn reap_stopped(&mut self, now: f64) {
        if !self
            .live_tasks
            .iter()
            .any(|t| t.last_status(now) == LastStatus::Stopped)
        {
            return;
        }
        let (stopped, live): (Vec<Task>, Vec<Task>) = std::mem::take(&mut self.live_tasks)
            .into_iter()
            .partition(|t| t.last_status(now) == LastStatus::Stopped);
        self.live_tasks = live;
        for task in stopped {
            self.stopped_tasks.push_front(task);
        }
        while self.stopped_tasks.len() > STOPPED_TASK_CAP {
            if let Some(dropped) = self.stopped_tasks.pop_back() {
                self.index_changes.push(IndexChange::Removed(dropped.id));
            }
        }
    }

    /// One scheduler pass at `now`: replace, scale, launch, and notice a finished rollout.
    pub(crate) fn schedule(&mut self, now: f64, ids: &mut Ids) {
        if self.status == ServiceStatus::Inactive {
            return;
        }
        let Some(mut primary_index) = self.primary_index() else {
            return;
        };
        let draining = self.status == ServiceStatus::Draining;
        if !draining {
            self.check_alarms(primary_index, now, ids);
            let Some(index) = self.primary_index() else {
                return;
            };
            primary_index = index;
            let staged = self.deployments[primary_index]
                .lifecycle
                .as_ref()
                .is_some_and(|l| l.is_driving());
            if staged {
                self.schedule_staged(primary_index, now, ids);
                return;
            }
        }
        let primary = &self.deployments[primary_index];
        let primary_number = primary.number;
        let primary_failed = primary.rollout_state == RolloutState::Failed;
        let desired = if draining { 0 } else { primary.desired_count };
        let mut stops = SchedulerStops::new(now, &primary.id());
        // After a circuit-breaker failure without rollback ECS stops replacing: keep what runs.
        let replacing = draining || !primary_failed;
        let deferring = !draining && self.check_early_success(primary_index, &mut stops, ids);
        if replacing {
            self.stop_unhealthy_old_tasks(primary_number, &mut stops);
        }
        self.stop_excess_primary_tasks(primary_number, desired, &mut stops);
        if replacing && !deferring {
            self.drain_old_tasks_above_minimum(primary_number, desired, &mut stops);
        }
        self.announce_stopped(primary_index, stops, ids);
        self.unlist_finished_deployments(primary_index);
        if !draining && !primary_failed {
            self.launch_missing_tasks(primary_index, desired, now, ids);
        }
        if draining {
            if self.live_tasks.is_empty() {
                self.status = ServiceStatus::Inactive;
            }
            return;
        }
        self.check_steady_state(primary_index, desired, now, ids);
    }

    /// Early success of the rolling deployment at `primary_index` (requested, with
    /// `earlySuccessCriteria` enabled): once the healthy percent of its desired count is healthy
    /// (the simulator's rolling deployments have no bake time), BLOCKING stops every source task and
    /// completes the deployment when they are gone; DEFERRED completes it at once and leaves the
    /// source tasks running for [`DEFERRED_CLEANUP_SECONDS`]. True while that deferral lasts, in
    /// which the scheduler does not drain the source tasks.
    fn check_early_success(
        &mut self,
        primary_index: usize,
        stops: &mut SchedulerStops,
        ids: &mut Ids,
    ) -> bool {
        let now = stops.now;
        let primary = &self.deployments[primary_index];
        if let Some(until) = primary.deferred_cleanup_until {
            return now < until;
        }
        let criteria = primary
            .config
            .early_success
            .and_then(|e| e.in_force(primary.desired_count));
        let (Some((needed, cleanup)), RolloutState::InProgress, Origin::Requested) =
            (criteria, primary.rollout_state, primary.origin)
        else {
            return false;
        };
        let number = primary.number;
        let healthy = self
            .live_tasks
            .iter()
            .filter(|t| t.deployment == number && !t.is_stopping() && t.is_healthy(now))
            .count();
        if healthy < needed {
            return false;
        }
        match cleanup {
            SourceCleanup::Blocking => {
                let mut source_left = false;
                for task in self
                    .live_tasks
                    .iter_mut()
                    .filter(|t| t.deployment != number)
                {
                    if !task.is_stopping() {
                        stops.stop(task);
                    }
                    source_left = true;
                }
                if !source_left {
                    self.complete_rollout(primary_index, now, ids);
                }
                false
            }
            SourceCleanup::Deferred => {
                self.complete_rollout(primary_index, now, ids);
                let until = now + DEFERRED_CLEANUP_SECONDS;
                self.deployments[primary_index].deferred_cleanup_until = Some(until);
                true
            }
        }
    }

    /// Once the deployment at `primary_index` COMPLETED, older deployments leave `deployments[]`
    /// as their last tasks are gone.
    fn unlist_finished_deployments(&mut self, primary_index: usize) {
        let primary = &self.deployments[primary_index];
        if primary.rollout_state != RolloutState::Completed {
            return;
        }
        let number = primary.number;
        for deployment in self.deployments.iter_mut().filter(|d| d.number != number) {
            if !self
                .live_tasks
                .iter()
                .any(|t| t.deployment == deployment.number)
            {
                deployment.listed = false;
            }
        }
    }

    /// Names the tasks `stops` stopped in a service event, and marks the deployment at `index`
    /// updated; nothing when none was stopped.
    pub(crate) fn announce_stopped(&mut self, index: usize, stops: SchedulerStops, ids: &mut Ids) {
        if stops.stopped.is_empty() {
            return;
        }
        let message = events::stopped_running_tasks(&self.name, &stops.stopped);
        self.push_event(ids, stops.now, message);
        self.deployments[index].updated_at = stops.now;
    }

    fn stop_unhealthy_old_tasks(&mut self, primary: u64, stops: &mut SchedulerStops) {
        let now = stops.now;
        for task in self
            .live_tasks
            .iter_mut()
            .filter(|t| t.deployment != primary && !t.is_stopping() && !t.is_healthy(now))
        {
            stops.stop(task);
        }
    }

    pub(crate) fn stop_excess_primary_tasks(
        &mut self,
        primary: u64,
        desired: u32,
        stops: &mut SchedulerStops,
    ) {
        let now = stops.now;
        let mut active: Vec<usize> = (0..self.live_tasks.len())
            .filter(|&i| {
                let task = &self.live_tasks[i];
                task.deployment == primary && !task.is_stopping()
            })
            .collect();
        let excess = active.len().saturating_sub(desired as usize);
        if excess == 0 {
            return;
        }
        // Unhealthy first, then the newest: keep the tasks that serve traffic longest.
        active.sort_by(|&a, &b| {
            let (a, b) = (&self.live_tasks[a], &self.live_tasks[b]);
            a.is_healthy(now)
                .cmp(&b.is_healthy(now))
                .then(b.created_at.total_cmp(&a.created_at))
        });
        for &i in active.iter().take(excess) {
            stops.stop(&mut self.live_tasks[i]);
        }
    }

    /// Stops healthy tasks of older deployments while the healthy count stays at or above
    /// `minimumHealthyPercent` of the desired count (rounded up, as ECS does).
    fn drain_old_tasks_above_minimum(
        &mut self,
        primary: u64,
        desired: u32,
        stops: &mut SchedulerStops,
    ) {
        let now = stops.now;
        let minimum_healthy = (u64::from(desired) * u64::from(self.config.minimum_healthy_percent))
            .div_ceil(100) as usize;
        let mut healthy = self.live_tasks.iter().filter(|t| t.is_healthy(now)).count();
        // Live tasks are in launch order, so older deployments' tasks come first.
        for task in self.live_tasks.iter_mut() {
            if healthy <= minimum_healthy {
                break;
            }
            if task.deployment != primary && task.is_healthy(now) {
                stops.stop(task);
                healthy -= 1;
            }
        }
    }

    /// Starts PRIMARY tasks up to the desired count, within `maximumPercent` of it (rounded down).
    fn launch_missing_tasks(
        &mut self,
        primary_index: usize,
        desired: u32,
        now: f64,
        ids: &mut Ids,
    ) {
        let primary_number = self.deployments[primary_index].number;
        let active_total = self.live_tasks.iter().filter(|t| !t.is_stopping()).count();
        let active_primary = self
            .live_tasks
            .iter()
            .filter(|t| t.deployment == primary_number && !t.is_stopping())
            .count();
        let maximum_total =
            (u64::from(desired) * u64::from(self.config.maximum_percent) / 100) as usize;
        let wanted = (desired as usize)
            .saturating_sub(active_primary)
            .min(maximum_total.saturating_sub(active_total));
        self.launch_tasks(primary_index, wanted, now, ids);
    }

    /// Starts `wanted` tasks of the deployment at `primary_index` (or repeats "unable to place").
    pub(crate) fn launch_tasks(
        &mut self,
        primary_index: usize,
        wanted: usize,
        now: f64,
        ids: &mut Ids,
    ) {
        if wanted == 0 {
            return;
        }
        let primary_number = self.deployments[primary_index].number;
        let primary = &mut self.deployments[primary_index];
        let plan = match &primary.placement {
            Placement::Placeable(plan) => plan.clone(),
            Placement::Unplaceable => {
                let due = primary.next_placement_event_at.is_none_or(|at| now >= at);
                if due {
                    primary.next_placement_event_at = Some(now + PLACEMENT_RETRY_SECONDS);
                    let message = events::unable_to_place(&self.name, &primary.launch_type);
                    self.push_event(ids, now, message);
                }
                return;
            }
        };
        primary.updated_at = now;
        let definition = std::sync::Arc::clone(&primary.task_definition);
        let mut started = Vec::with_capacity(wanted);
        for _ in 0..wanted {
            let task_id = ids.task_id();
            let container_ids = definition.containers.iter().map(|_| ids.uuid()).collect();
            self.live_tasks.push(Task::launch(
                task_id.clone(),
                primary_number,
                std::sync::Arc::clone(&definition),
                container_ids,
                &plan,
                now,
            ));
            self.index_changes.push(IndexChange::Added(task_id.clone()));
            started.push(task_id);
        }
        let message = events::started_tasks(&self.name, &started);
        self.push_event(ids, now, message);
    }

    /// Steady = exactly the desired number of healthy PRIMARY tasks and nothing else alive.
    /// After [`STABILISATION_SECONDS`] of that, an in-progress rollout COMPLETES.
    fn check_steady_state(&mut self, primary_index: usize, desired: u32, now: f64, ids: &mut Ids) {
        let primary = &self.deployments[primary_index];
        let number = primary.number;
        if primary.rollout_state == RolloutState::Failed {
            self.steady_since = None;
            return;
        }
        let all_primary = self.live_tasks.iter().all(|t| t.deployment == number);
        let healthy = self.live_tasks.iter().filter(|t| t.is_healthy(now)).count();
        let steady =
            all_primary && self.live_tasks.len() == desired as usize && healthy == desired as usize;
        if !steady {
            self.steady_since = None;
            self.steady_announced = false;
            return;
        }
        let since = *self.steady_since.get_or_insert(now);
        if now < since + STABILISATION_SECONDS || self.steady_announced {
            return;
        }
        self.steady_announced = true;
        if primary.rollout_state == RolloutState::InProgress {
            self.complete_rollout(primary_index, now, ids);
        }
        let message = events::steady_state(&self.name);
        self.push_event(ids, now, message);
    }

    pub(crate) fn complete_rollout(&mut self, primary_index: usize, now: f64, ids: &mut Ids) {
        let primary = &mut self.deployments[primary_index];
        let number = primary.number;
        primary.rollout_state = RolloutState::Completed;
        primary.rollout_reason = completed_reason(number);
        primary.updated_at = now;
        if let Some(record) = primary.record.as_mut().filter(|r| r.is_active()) {
            record.finish(
                ServiceDeploymentStatus::Successful,
                "Service deployment completed successfully.".to_owned(),
                now,
            );
        }
        let origin = primary.origin;
        self.last_completed = Some((number, std::sync::Arc::clone(&primary.task_definition)));
        if let Origin::Rollback { failed, .. } = origin
            && let Some(record) = self.record_mut(failed).filter(|r| r.is_active())
        {
            let reason = record
                .rollback
                .as_ref()
                .map_or(ROLLBACK_REASON, |r| r.reason.as_str())
                .to_owned();
            record.finish(
                ServiceDeploymentStatus::RollbackSuccessful,
                format!(
                    "{reason} The rollback deployment {} completed.",
                    deployment_id(number)
                ),
                now,
            );
        }
        self.unlist_finished_deployments(primary_index);
        let message = events::deployment_completed(&self.name, &deployment_id(number));
        self.push_event(ids, now, message);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::model::deployment::{
        CIRCUIT_BREAKER_FAILED_REASON, CircuitBreaker, DeploymentConfig, EarlySuccess,
    };
    use crate::model::service::{NewService, ServiceUpdate};
    use crate::model::task_definition::{TaskDefinition, test_definition};

    fn definition(revision: u32, command: &[&str], image: &str) -> Arc<TaskDefinition> {
        Arc::new(test_definition(revision, command, image))
    }

    /// Revision `revision` of `web`, whose essential container exits 1 right after starting.
    fn crashing(revision: u32) -> Arc<TaskDefinition> {
        definition(revision, &["/bin/false"], "app")
    }

    /// Points `svc` at `definition` at simulated time `now`: a new deployment.
    fn deploy(svc: &mut Service, ids: &mut Ids, definition: Arc<TaskDefinition>, now: f64) {
        let update = ServiceUpdate {
            task_definition: Some(definition),
            ..Default::default()
        };
        svc.update(update, ids, now);
    }

    /// Sets the desired count of `svc` at simulated time `now`.
    fn scale(svc: &mut Service, ids: &mut Ids, desired: u32, now: f64) {
        let update = ServiceUpdate {
            desired_count: Some(desired),
            ..Default::default()
        };
        svc.update(update, ids, now);
    }

    fn service(desired: u32, breaker: CircuitBreaker, ids: &mut Ids) -> Service {
        let config = DeploymentConfig {
            circuit_breaker: breaker,
            ..DeploymentConfig::default()
        };
        service_with(desired, config, ids)
    }

    fn service_with(desired: u32, config: DeploymentConfig, ids: &mut Ids) -> Service {
        Service::create(
            NewService {
                name: "web".into(),
                arn: "arn:aws:ecs:us-east-1:123456789012:service/prod/web".into(),
                task_definition: definition(1, &[], "nginx:1"),
                desired_count: desired,
                config,
                launch_type: "FARGATE".into(),
                platform_version: "LATEST".into(),
                network_configuration: None,
                alarms: Default::default(),
            },
            ids,
            0.0,
        )
    }

    fn listed(service: &Service) -> Vec<(u64, RolloutState)> {
        service
            .deployments
            .iter()
            .filter(|d| d.listed)
            .map(|d| (d.number, d.rollout_state))
            .collect()
    }

    /// A steady service of 4 tasks whose deployments succeed early at 100 % (the most ECS's default
    /// minimumHealthyPercent of 100 allows) with `cleanup`, deployed to revision 2 at 20 s.
    /// Returns the service, the old deployment and the simulated time its service deployment
    /// turned SUCCESSFUL (stepping by 0.5 s).
    fn early_success_deployment(cleanup: SourceCleanup, ids: &mut Ids) -> (Service, u64, f64) {
        let config = DeploymentConfig {
            early_success: Some(EarlySuccess {
                enable: true,
                healthy_percent: Some(100),
                cleanup: Some(cleanup),
            }),
            ..DeploymentConfig::default()
        };
        let mut svc = service_with(4, config, ids);
        svc.advance_to(20.0, ids);
        let old = svc.primary().unwrap().number;
        deploy(&mut svc, ids, definition(2, &[], "nginx:2"), 20.0);
        let mut now = 20.0;
        while svc.primary().unwrap().record.as_ref().unwrap().status
            != ServiceDeploymentStatus::Successful
        {
            now += 0.5;
            assert!(now < 1000.0, "the deployment never succeeded");
            svc.advance_to(now, ids);
        }
        (svc, old, now)
    }

    #[test]
    fn deferred_early_success_leaves_the_source_tasks_running() {
        let mut ids = Ids::new(11);
        let (mut svc, old, now) = early_success_deployment(SourceCleanup::Deferred, &mut ids);
        let primary = svc.primary().unwrap();
        assert_eq!(primary.rollout_state, RolloutState::Completed);
        assert_eq!(primary.record.as_ref().unwrap().finished_at, Some(now));
        assert_eq!(svc.task_counts(Some(old)), (4, 0), "source tasks still run");
        assert_eq!(listed(&svc).len(), 2, "the old deployment is still ACTIVE");
        svc.advance_to(now + DEFERRED_CLEANUP_SECONDS - 1.0, &mut ids);
        assert_eq!(svc.task_counts(Some(old)), (4, 0));
        svc.advance_to(now + DEFERRED_CLEANUP_SECONDS + 10.0, &mut ids);
        assert_eq!(svc.task_counts(Some(old)), (0, 0));
        let new = svc.primary().unwrap().number;
        assert_eq!(listed(&svc), vec![(new, RolloutState::Completed)]);
        assert!(
            svc.stopped_tasks
                .iter()
                .filter(|t| t.deployment == old)
                .all(|t| t.stop.as_ref().unwrap().stopping_at >= now + DEFERRED_CLEANUP_SECONDS)
        );
    }

    #[test]
    fn blocking_early_success_removes_the_source_tasks_first() {
        let mut ids = Ids::new(12);
        let (svc, old, now) = early_success_deployment(SourceCleanup::Blocking, &mut ids);
        assert_eq!(svc.task_counts(Some(old)), (0, 0));
        assert!(svc.live_tasks.iter().all(|t| t.deployment != old));
        let old_stops: Vec<f64> = svc
            .stopped_tasks
            .iter()
            .filter(|t| t.deployment == old)
            .map(|t| t.stop.as_ref().unwrap().stopped_at)
            .collect();
        assert_eq!(old_stops.len(), 4);
        assert!(old_stops.iter().all(|&stopped| stopped <= now));
        assert_eq!(listed(&svc).len(), 1);
    }

    #[test]
    fn create_service_completes_after_tasks_run_and_stabilise() {
        let mut ids = Ids::new(1);
        let mut svc = service(2, CircuitBreaker::default(), &mut ids);
        assert_eq!(svc.live_tasks.len(), 2);
        svc.advance_to(7.0, &mut ids);
        assert_eq!(svc.task_counts(None), (2, 0));
        assert_eq!(
            svc.primary().unwrap().rollout_state,
            RolloutState::InProgress
        );
        svc.advance_to(12.0, &mut ids);
        let primary = svc.primary().unwrap();
        assert_eq!(primary.rollout_state, RolloutState::Completed);
        assert_eq!(
            primary.record.as_ref().unwrap().status,
            ServiceDeploymentStatus::Successful
        );
        let messages: Vec<_> = svc.events.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages[0], "(service web) has reached a steady state.");
        assert!(messages[1].ends_with("deployment completed."));
    }

    #[test]
    fn rolling_update_replaces_old_tasks_and_drops_old_deployment() {
        let mut ids = Ids::new(2);
        let mut svc = service(2, CircuitBreaker::default(), &mut ids);
        svc.advance_to(20.0, &mut ids);
        let first = svc.primary().unwrap().number;
        deploy(&mut svc, &mut ids, definition(2, &[], "nginx:2"), 20.0);
        // Max 200%: two new tasks start while both old ones keep running.
        assert_eq!(
            svc.live_tasks.iter().filter(|t| !t.is_stopping()).count(),
            4
        );
        svc.advance_to(27.0, &mut ids);
        assert!(
            svc.live_tasks
                .iter()
                .filter(|t| t.deployment == first)
                .all(|t| t.is_stopping())
        );
        svc.advance_to(40.0, &mut ids);
        let deployments = listed(&svc);
        assert_eq!(deployments.len(), 1);
        assert_eq!(deployments[0].1, RolloutState::Completed);
        assert!(svc.stopped_tasks.iter().all(|t| t.deployment == first));
        assert_eq!(svc.stopped_tasks.len(), 2);
    }

    #[test]
    fn circuit_breaker_trips_and_rolls_back_to_last_completed() {
        let mut ids = Ids::new(3);
        let breaker = CircuitBreaker {
            enable: true,
            rollback: true,
        };
        let mut svc = service(2, breaker, &mut ids);
        svc.advance_to(20.0, &mut ids);
        let good = svc.primary().unwrap().number;
        deploy(&mut svc, &mut ids, crashing(2), 20.0);
        let bad = svc.primary().unwrap().number;
        let mut now = 20.0;
        while svc.deployment(bad).unwrap().rollout_state != RolloutState::Failed {
            now += 0.5;
            assert!(now < 200.0, "the circuit breaker never tripped");
            svc.advance_to(now, &mut ids);
        }
        let failed = svc.deployment(bad).unwrap();
        assert_eq!(failed.rollout_reason, CIRCUIT_BREAKER_FAILED_REASON);
        assert!(
            failed.failed_tasks >= 3,
            "two tasks fail together, so it may be 4"
        );
        let record = failed.record.as_ref().unwrap();
        assert_eq!(record.status, ServiceDeploymentStatus::RollbackInProgress);
        let rollback = svc.primary().unwrap();
        assert_eq!(
            rollback.origin,
            Origin::Rollback {
                failed: bad,
                to: good
            }
        );
        assert_eq!(rollback.task_definition.revision, 1);
        svc.advance_to(200.0, &mut ids);
        let rollback = svc.primary().unwrap();
        assert_eq!(rollback.rollout_state, RolloutState::Completed);
        assert_eq!(listed(&svc).len(), 1);
        let record = svc.deployment(bad).unwrap().record.as_ref().unwrap();
        assert_eq!(record.status, ServiceDeploymentStatus::RollbackSuccessful);
        assert_eq!(record.rollback.as_ref().unwrap().revision, rollback.number);
        assert_eq!(svc.task_definition.revision, 1);
    }

    #[test]
    fn without_circuit_breaker_failures_keep_growing() {
        let mut ids = Ids::new(4);
        let mut svc = service(1, CircuitBreaker::default(), &mut ids);
        svc.advance_to(20.0, &mut ids);
        deploy(&mut svc, &mut ids, crashing(2), 20.0);
        let bad = svc.primary().unwrap().number;
        svc.advance_to(200.0, &mut ids);
        let first_count = svc.deployment(bad).unwrap().failed_tasks;
        svc.advance_to(400.0, &mut ids);
        let later_count = svc.deployment(bad).unwrap().failed_tasks;
        assert!(
            first_count >= 5 && later_count > first_count,
            "{first_count} -> {later_count}"
        );
        assert_eq!(
            svc.deployment(bad).unwrap().rollout_state,
            RolloutState::InProgress
        );
    }

    #[test]
    fn unplaceable_task_definition_repeats_the_event_and_stays_in_progress() {
        let mut ids = Ids::new(5);
        let mut svc = service(
            1,
            CircuitBreaker {
                enable: true,
                rollback: true,
            },
            &mut ids,
        );
        svc.advance_to(20.0, &mut ids);
        let mut huge = (*definition(2, &[], "nginx")).clone();
        huge.memory_mib = Some(65536);
        deploy(&mut svc, &mut ids, Arc::new(huge), 20.0);
        svc.advance_to(150.0, &mut ids);
        let unable = svc
            .events
            .iter()
            .filter(|e| e.message.contains("unable to place a task"))
            .count();
        assert_eq!(unable, 3, "at 20, 80 and 140 seconds");
        let primary = svc.primary().unwrap();
        assert_eq!(primary.rollout_state, RolloutState::InProgress);
        assert_eq!(primary.failed_tasks, 0);
        assert_eq!(svc.task_counts(None), (1, 0), "the old task keeps running");
    }

    #[test]
    fn a_newer_update_supersedes_an_in_progress_deployment() {
        let mut ids = Ids::new(9);
        let mut svc = service(1, CircuitBreaker::default(), &mut ids);
        svc.advance_to(20.0, &mut ids);
        let update = |revision| ServiceUpdate {
            task_definition: Some(definition(revision, &[], "nginx")),
            ..Default::default()
        };
        svc.update(update(2), &mut ids, 20.0);
        let second = svc.primary().unwrap().number;
        svc.advance_to(22.0, &mut ids);
        svc.update(update(3), &mut ids, 22.0);
        let record = svc.deployment(second).unwrap().record.clone().unwrap();
        assert_eq!(record.status, ServiceDeploymentStatus::Stopped);
        assert!(record.status_reason.unwrap().contains("superseded"));
        assert_eq!(record.stopped_at, Some(22.0));
        assert_eq!(
            listed(&svc).len(),
            3,
            "PRIMARY plus two ACTIVE until the rollout completes"
        );
        svc.advance_to(60.0, &mut ids);
        assert_eq!(listed(&svc).len(), 1);
        assert_eq!(svc.task_definition.revision, 3);
    }

    #[test]
    fn first_deployment_failing_has_nothing_to_roll_back_to() {
        let mut ids = Ids::new(10);
        let mut svc = Service::create(
            NewService {
                name: "web".into(),
                arn: "arn".into(),
                task_definition: definition(1, &["/bin/false"], "app"),
                desired_count: 1,
                config: DeploymentConfig {
                    circuit_breaker: CircuitBreaker {
                        enable: true,
                        rollback: true,
                    },
                    ..DeploymentConfig::default()
                },
                launch_type: "FARGATE".into(),
                platform_version: "LATEST".into(),
                network_configuration: None,
                alarms: Default::default(),
            },
            &mut ids,
            0.0,
        );
        svc.advance_to(100.0, &mut ids);
        let primary = svc.primary().unwrap();
        assert_eq!(primary.rollout_state, RolloutState::Failed);
        assert_eq!(listed(&svc).len(), 1, "no rollback deployment");
        let record = primary.record.as_ref().unwrap();
        assert_eq!(record.status, ServiceDeploymentStatus::RollbackFailed);
        let failed_after_trip = primary.failed_tasks;
        svc.advance_to(300.0, &mut ids);
        assert_eq!(
            svc.primary().unwrap().failed_tasks,
            failed_after_trip,
            "no new launches after the trip"
        );
    }

    #[test]
    fn delete_drains_to_inactive() {
        let mut ids = Ids::new(6);
        let mut svc = service(2, CircuitBreaker::default(), &mut ids);
        svc.advance_to(20.0, &mut ids);
        svc.delete(&mut ids, 20.0);
        assert_eq!(svc.status, ServiceStatus::Draining);
        svc.advance_to(30.0, &mut ids);
        assert_eq!(svc.status, ServiceStatus::Inactive);
        assert!(svc.live_tasks.is_empty());
    }

    #[test]
    fn scaling_only_changes_the_primary_desired_count() {
        let mut ids = Ids::new(7);
        let mut svc = service(1, CircuitBreaker::default(), &mut ids);
        svc.advance_to(20.0, &mut ids);
        scale(&mut svc, &mut ids, 3, 20.0);
        assert_eq!(listed(&svc).len(), 1);
        svc.advance_to(40.0, &mut ids);
        assert_eq!(svc.task_counts(None), (3, 0));
        scale(&mut svc, &mut ids, 0, 40.0);
        svc.advance_to(50.0, &mut ids);
        assert!(svc.live_tasks.is_empty());
        assert_eq!(
            svc.primary().unwrap().rollout_state,
            RolloutState::Completed
        );
    }

    #[test]
    fn stopped_tasks_are_capped() {
        let mut ids = Ids::new(8);
        let mut svc = service(4, CircuitBreaker::default(), &mut ids);
        deploy(&mut svc, &mut ids, crashing(2), 0.0);
        svc.advance_to(2000.0, &mut ids);
        assert_eq!(svc.stopped_tasks.len(), STOPPED_TASK_CAP);
        let removed = svc
            .index_changes
            .iter()
            .filter(|c| matches!(c, IndexChange::Removed(_)))
            .count();
        assert!(removed > 0);
    }
}
