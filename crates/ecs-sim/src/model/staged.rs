//! The scheduler of a staged (BLUE_GREEN, LINEAR, CANARY) deployment: walks its
//! [`Lifecycle`] plan, starts green tasks beside blue from SCALE_UP on, stops blue tasks at
//! CLEAN_UP, and rolls back by shifting traffic back to the source revision and stopping green.
//! Also the two actions callers take on a service deployment: continuing a paused hook and
//! stopping the deployment.

use crate::model::deployment::{
    FailureCause, RollbackRecord, RolloutState, ServiceDeploymentStatus, deployment_id,
};
use crate::model::events;
use crate::model::ids::Ids;
use crate::model::lifecycle::{HookRun, HookStatus, Lifecycle, Outcome, STAGE_SECONDS, StepKind};
use crate::model::scheduler::SchedulerStops;
use crate::model::service::Service;
use crate::model::strategy::HookAction;
use crate::wire::{EcsError, ErrorCode};

/// More steps than any plan has: a bound on how many steps one scheduler pass may enter.
const MAX_STEPS_PER_PASS: usize = 10_000;

impl Service {
    fn lifecycle(&self, index: usize) -> Option<&Lifecycle> {
        self.deployments[index].lifecycle.as_ref()
    }

    /// One scheduler pass at `now` for a PRIMARY deployment whose lifecycle is driving.
    pub(crate) fn schedule_staged(&mut self, index: usize, now: f64, ids: &mut Ids) {
        let number = self.deployments[index].number;
        for _ in 0..MAX_STEPS_PER_PASS {
            let Some(lifecycle) = self.lifecycle(index) else {
                return;
            };
            match lifecycle.outcome {
                Outcome::Running => {}
                Outcome::RollingBack { to } => {
                    self.roll_back_tasks(index, to, now, ids);
                    return;
                }
                Outcome::RolledBack | Outcome::Failed | Outcome::Done => return,
            }
            self.run_green_tasks(index, now, ids);
            match self.step_done(index, now) {
                Err(cause) => {
                    self.fail_deployment(number, now, ids, cause);
                    continue;
                }
                Ok(false) => return,
                Ok(true) => {}
            }
            let deployment = &mut self.deployments[index];
            let token = deployment
                .record
                .as_ref()
                .map_or_else(|| deployment_id(number), |r| r.token.clone());
            let hooks = &deployment.config.lifecycle_hooks;
            let Some(lifecycle) = deployment.lifecycle.as_mut() else {
                return;
            };
            if lifecycle.cursor + 1 >= lifecycle.steps.len() {
                self.finish_staged(index, now, ids);
                return;
            }
            lifecycle.cursor += 1;
            lifecycle.enter(now, hooks, &token);
            deployment.updated_at = now;
            self.check_alarms(index, now, ids);
        }
    }

    /// Healthy green tasks, and whether any task of another deployment is still alive.
    fn green_and_blue(&self, number: u64, now: f64) -> (usize, bool) {
        let healthy = self
            .live_tasks
            .iter()
            .filter(|t| t.deployment == number && !t.is_stopping() && t.is_healthy(now))
            .count();
        let blue_alive = self.live_tasks.iter().any(|t| t.deployment != number);
        (healthy, blue_alive)
    }

    /// Whether the current step's work is done at `now`; `Err` when a hook asks for a rollback.
    fn step_done(&mut self, index: usize, now: f64) -> Result<bool, FailureCause> {
        let number = self.deployments[index].number;
        let desired = self.deployments[index].desired_count as usize;
        let (healthy, blue_alive) = self.green_and_blue(number, now);
        let Some(lifecycle) = self.deployments[index].lifecycle.as_mut() else {
            return Ok(false);
        };
        let started = lifecycle.step_started_at;
        Ok(match lifecycle.step().kind {
            StepKind::Wait(seconds) => now >= started + seconds,
            StepKind::Shift { .. } => now >= started + STAGE_SECONDS,
            StepKind::ScaleUp => now >= started + STAGE_SECONDS && healthy >= desired,
            StepKind::CleanUp => {
                now >= started + STAGE_SECONDS && healthy >= desired && !blue_alive
            }
            StepKind::Hooks(_) => lifecycle
                .settle_hooks(now)
                .map_err(|run| hook_failure(&run))?,
        })
    }

    /// From SCALE_UP on: green tasks up to the desired count (beside blue, so maximumPercent does
    /// not limit them); at CLEAN_UP every blue task is stopped.
    fn run_green_tasks(&mut self, index: usize, now: f64, ids: &mut Ids) {
        let Some(lifecycle) = self.lifecycle(index) else {
            return;
        };
        if !lifecycle.has_scaled_up() {
            return;
        }
        let clean_up = lifecycle.step().kind == StepKind::CleanUp;
        let deployment = &self.deployments[index];
        let (number, desired) = (deployment.number, deployment.desired_count);
        let mut stops = SchedulerStops::new(now, &deployment.id());
        self.stop_excess_primary_tasks(number, desired, &mut stops);
        if clean_up {
            self.stop_tasks_where(|deployment| deployment != number, &mut stops);
        }
        self.announce_stopped(index, stops, ids);
        let active = self
            .live_tasks
            .iter()
            .filter(|t| t.deployment == number && !t.is_stopping())
            .count();
        self.launch_tasks(index, (desired as usize).saturating_sub(active), now, ids);
    }

    fn stop_tasks_where(&mut self, belongs: impl Fn(u64) -> bool, stops: &mut SchedulerStops) {
        for task in self
            .live_tasks
            .iter_mut()
            .filter(|t| belongs(t.deployment) && !t.is_stopping())
        {
            stops.stop(task);
        }
    }

    /// CLEAN_UP is over: the deployment is SUCCESSFUL and its rollout COMPLETED.
    fn finish_staged(&mut self, index: usize, now: f64, ids: &mut Ids) {
        if let Some(lifecycle) = self.deployments[index].lifecycle.as_mut() {
            lifecycle.outcome = Outcome::Done;
            lifecycle.test_weight = 100.0;
            lifecycle.production_weight = 100.0;
        }
        self.complete_rollout(index, now, ids);
        self.steady_since = Some(now);
        self.steady_announced = true;
        let message = events::steady_state(&self.name);
        self.push_event(ids, now, message);
    }

    /// A staged deployment fails at `at`: with rollback, traffic goes back to the newest source
    /// revision still listed and green tasks stop; without, it freezes as it is (STOPPED).
    pub(crate) fn fail_staged(&mut self, number: u64, at: f64, ids: &mut Ids, cause: FailureCause) {
        let name = self.name.clone();
        let listed: Vec<u64> = self
            .deployments
            .iter()
            .filter(|d| d.listed && d.number != number)
            .map(|d| d.number)
            .collect();
        let Some(deployment) = self.deployment_mut(number) else {
            return;
        };
        deployment.rollout_state = RolloutState::Failed;
        deployment.rollout_reason = cause.rollout_reason(number);
        deployment.updated_at = at;
        let wants_rollback = cause.wants_rollback(&deployment.config);
        // Back to the revision that served traffic, else the newest source still listed.
        let serving = deployment
            .lifecycle
            .as_ref()
            .and_then(|l| l.serving)
            .filter(|n| listed.contains(n));
        let to = serving.or_else(|| {
            deployment.record.as_ref().and_then(|record| {
                record
                    .source_revisions
                    .iter()
                    .rev()
                    .copied()
                    .find(|n| listed.contains(n))
            })
        });
        let failed_id = deployment.id();
        let (Some(lifecycle), Some(record)) =
            (deployment.lifecycle.as_mut(), deployment.record.as_mut())
        else {
            return;
        };
        match (wants_rollback, to) {
            (false, _) => {
                lifecycle.outcome = Outcome::Failed;
                record.finish(
                    ServiceDeploymentStatus::Stopped,
                    cause.stopped_reason(number),
                    at,
                );
            }
            (true, None) => {
                lifecycle.outcome = Outcome::Failed;
                record.finish(
                    ServiceDeploymentStatus::RollbackFailed,
                    format!(
                        "{} There is no previous service revision to roll back to.",
                        cause.rollback_reason()
                    ),
                    at,
                );
            }
            (true, Some(to)) => {
                lifecycle.outcome = Outcome::RollingBack { to };
                lifecycle.test_weight = 0.0;
                lifecycle.production_weight = 0.0;
                let reason = cause.rollback_reason();
                record.status = ServiceDeploymentStatus::RollbackInProgress;
                record.status_reason = Some(reason.clone());
                record.rollback = Some(RollbackRecord {
                    reason,
                    started_at: at,
                    revision: to,
                });
            }
        }
        self.push_event(ids, at, cause.event(&name, &failed_id));
        if let Some(to) = to.filter(|_| wants_rollback) {
            self.push_event(ids, at, events::rolling_back(&name, &deployment_id(to)));
        }
    }

    /// Rolling back: green tasks stop; once none is left the source revision is PRIMARY again.
    fn roll_back_tasks(&mut self, index: usize, to: u64, now: f64, ids: &mut Ids) {
        let number = self.deployments[index].number;
        let mut stops = SchedulerStops::new(now, &deployment_id(to));
        self.stop_tasks_where(|deployment| deployment == number, &mut stops);
        self.announce_stopped(index, stops, ids);
        if self.live_tasks.iter().any(|t| t.deployment == number) {
            return;
        }
        let deployment = &mut self.deployments[index];
        deployment.listed = false;
        deployment.updated_at = now;
        if let Some(lifecycle) = deployment.lifecycle.as_mut() {
            lifecycle.outcome = Outcome::RolledBack;
        }
        if let Some(record) = deployment.record.as_mut() {
            let reason = record
                .rollback
                .as_ref()
                .map(|r| r.reason.clone())
                .unwrap_or_default();
            record.finish(
                ServiceDeploymentStatus::RollbackSuccessful,
                format!(
                    "{reason} Traffic is back on service revision {}.",
                    deployment_id(to)
                ),
                now,
            );
        }
        if let Some(source) = self.deployment(to) {
            self.task_definition = std::sync::Arc::clone(&source.task_definition);
        }
        self.steady_since = None;
        self.steady_announced = false;
    }

    /// The service deployment status of the deployment `number` (`None` for a rollback deployment),
    /// or ServiceDeploymentNotFoundException when there is no such deployment.
    fn service_deployment_status(
        &self,
        number: u64,
    ) -> Result<Option<ServiceDeploymentStatus>, EcsError> {
        let deployment = self
            .deployment(number)
            .ok_or_else(service_deployment_not_found)?;
        Ok(deployment.record.as_ref().map(|r| r.status))
    }

    /// The lifecycle of the deployment `number` (the other accessors go by index).
    fn lifecycle_of(&self, number: u64) -> Option<&Lifecycle> {
        self.deployment(number)?.lifecycle.as_ref()
    }

    /// ContinueServiceDeployment on the deployment `number`, brought up to `now`.
    pub(crate) fn continue_hook(
        &mut self,
        number: u64,
        hook_id: &str,
        action: HookAction,
        now: f64,
        ids: &mut Ids,
    ) -> Result<(), EcsError> {
        let status = self.service_deployment_status(number)?;
        let lifecycle = self
            .deployment_mut(number)
            .and_then(|deployment| deployment.lifecycle.as_mut())
            .filter(|l| l.outcome == Outcome::Running && status == Some(ServiceDeploymentStatus::InProgress))
            .ok_or_else(|| {
                EcsError::client(format!(
                    "The service deployment is {}, not IN_PROGRESS at a lifecycle hook; there is no hook to continue.",
                    status.map_or("not a staged deployment", |s| s.as_str())
                ))
            })?;
        let run = lifecycle.hook_mut(hook_id).ok_or_else(|| {
            EcsError::invalid_parameter(format!(
                "hookId: `{hook_id}` is not a lifecycle hook of this service deployment; see lifecycleHookDetails of DescribeServiceDeployments."
            ))
        })?;
        if run.status != HookStatus::AwaitingAction {
            return Err(EcsError::client(format!(
                "The lifecycle hook {hook_id} is {}, not AWAITING_ACTION.",
                run.status.as_str()
            )));
        }
        match action {
            HookAction::Continue => run.status = HookStatus::Succeeded,
            HookAction::Rollback => {
                run.status = HookStatus::Failed;
                let cause = FailureCause::Hook {
                    hook_id: hook_id.to_owned(),
                    detail: "(PAUSE) was answered with ROLLBACK".to_owned(),
                };
                self.fail_deployment(number, now, ids, cause);
            }
        }
        self.schedule(now, ids);
        Ok(())
    }

    /// StopServiceDeployment with stopType ROLLBACK on the deployment `number`, brought up to
    /// `now`: any in-progress deployment rolls back, whatever its rollback settings.
    pub(crate) fn stop_deployment(
        &mut self,
        number: u64,
        now: f64,
        ids: &mut Ids,
    ) -> Result<(), EcsError> {
        let status = self.service_deployment_status(number)?;
        if status != Some(ServiceDeploymentStatus::InProgress) {
            return Err(EcsError::new(
                ErrorCode::Conflict,
                format!(
                    "The service deployment is {}; only an IN_PROGRESS service deployment can be stopped.",
                    status.map_or("unknown", |s| s.as_str())
                ),
            ));
        }
        if let Some(lifecycle) = self.lifecycle_of(number)
            && lifecycle.step().kind == StepKind::CleanUp
        {
            return Err(EcsError::new(
                ErrorCode::Conflict,
                "The service deployment is in CLEAN_UP: its source revision is being stopped, so it can no longer be rolled back.",
            ));
        }
        self.fail_deployment(number, now, ids, FailureCause::StopRequested);
        self.schedule(now, ids);
        Ok(())
    }
}

pub(crate) fn service_deployment_not_found() -> EcsError {
    EcsError::new(
        ErrorCode::ServiceDeploymentNotFound,
        "The service deployment does not exist.",
    )
}

/// Why a hook run that does not let the deployment go on rolls it back.
fn hook_failure(run: &HookRun) -> FailureCause {
    let target = run.target_arn().unwrap_or("PAUSE");
    let what = match run.status {
        HookStatus::TimedOut => format!(
            "timed out at {} (timeoutAction ROLLBACK)",
            run.stage.as_str()
        ),
        _ => format!("failed at {}", run.stage.as_str()),
    };
    FailureCause::Hook {
        hook_id: run.id.clone(),
        detail: format!("({target}) {what}"),
    }
}
