//! One wait: look, decide, sleep, until a verdict, the deadline, or cancellation.
//!
//! Every await here races the cancellation token and a hard stop one poll
//! interval after the deadline, so a wait ends promptly whatever ECS does.
//!
//! A wait moves through explicit phases: [`Phase::Discovering`] until the
//! deployment to watch is found, then [`Phase::Following`] it. One concern per
//! submodule: `setup` validates the request and starts the clock, `discover`
//! finds the target, `follow` keeps its service deployment fresh (or falls back
//! to `DescribeServices`), `evidence` gathers stopped tasks and service events,
//! `calls` decides what a failed call means, `report` turns a verdict into a
//! report. Verdicts themselves come from [`crate::verdict`] only.

mod calls;
mod discover;
mod evidence;
mod follow;
mod report;
mod setup;

use std::future::Future;
use std::sync::Arc;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{ProgressEvent, Shared, WaitError, WaitOptions, WaitReport, WaitRequest, backoff};
use crate::api::ApiError;
use crate::model::{
    Deployment, LifecycleStage, ServiceDeployment, ServiceEvent, ServiceSnapshot, Timestamp,
    resource_name, short_task_definition,
};
use crate::verdict::{self, Assessment, Observation, Progress, Target};
use calls::FailureStreak;
use evidence::Evidence;
use setup::{Clock, Plan};

/// Why a tick ended without a step.
enum Stop {
    Cancelled,
    /// One poll interval past the deadline: report what is known, including the
    /// call that had not answered by then.
    HardDeadline(UnansweredCall),
    Error(WaitError),
}

impl From<WaitError> for Stop {
    fn from(error: WaitError) -> Self {
        Stop::Error(error)
    }
}

/// An ECS call still without an answer when the hard stop came, and for how long.
#[derive(Clone, Copy, Debug)]
pub(super) struct UnansweredCall {
    operation: &'static str,
    waited: std::time::Duration,
}

/// What a tick decided.
enum Step {
    Decided(Box<WaitReport>),
    /// Look again after the poll interval.
    Continue,
    /// A call failed transiently: look again after a backoff.
    Retry,
}

/// Where the wait stands.
enum Phase {
    /// Looking for the deployment to watch.
    Discovering {
        /// `DescribeServices` has returned the service at least once: if it
        /// disappears now, it was deleted while waiting.
        service_seen: bool,
    },
    /// Watching one deployment.
    Following(Box<Following>),
}

/// Which APIs follow the deployment.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    /// `DescribeServiceDeployments` besides `DescribeServices`.
    ServiceDeployments,
    /// `DescribeServices` alone: the newer APIs are unavailable here.
    DescribeServicesOnly,
}

/// The deployment being watched.
struct TargetState {
    deployment_id: String,
    task_definition: Option<String>,
    service_deployment_arn: Option<String>,
    created_at: Option<Timestamp>,
}

/// What is known about the target while following it.
struct Following {
    target: TargetState,
    /// Its `deployments[]` entry as last listed: ECS drops finished deployments.
    last_seen_target: Option<Deployment>,
    service_deployment: Option<ServiceDeployment>,
    /// `ListServiceDeployments` look-ups spent finding its service deployment.
    service_deployment_lookups: u32,
    last_progress: Option<Progress>,
    /// The furthest lifecycle stage seen while it rolled forward.
    stage_reached: Option<LifecycleStage>,
    /// The PAUSE hook progress last told about, so it is told once.
    told_paused: Option<String>,
}

impl Following {
    fn new(target: TargetState) -> Self {
        Self {
            target,
            last_seen_target: None,
            service_deployment: None,
            service_deployment_lookups: 0,
            last_progress: None,
            stage_reached: None,
            told_paused: None,
        }
    }
}

pub(super) struct Session<'a> {
    shared: &'a Shared,
    request: WaitRequest,
    plan: Plan,
    options: WaitOptions,
    clock: Clock,
    cancel: CancellationToken,
    progress: Arc<dyn Fn(ProgressEvent) + Send + Sync>,

    phase: Phase,
    source: Source,
    snapshot: Option<ServiceSnapshot>,
    /// The highest desired count seen: a service scaled from it to zero mid-wait
    /// has nothing running the deployment.
    peak_desired_count: i32,
    evidence: Evidence,
    failures: FailureStreak,
    /// The caller was told that stages cannot be seen without the newer APIs.
    told_stages_invisible: bool,
}

impl<'a> Session<'a> {
    pub(super) fn new(
        shared: &'a Shared,
        request: WaitRequest,
        options: WaitOptions,
        cancel: CancellationToken,
        progress: Arc<dyn Fn(ProgressEvent) + Send + Sync>,
    ) -> Result<Self, WaitError> {
        let plan = Plan::new(&request, &options)?;
        let clock = Clock::start(&options)?;
        Ok(Self {
            shared,
            request,
            plan,
            options,
            clock,
            cancel,
            progress,
            phase: Phase::Discovering {
                service_seen: false,
            },
            source: Source::ServiceDeployments,
            snapshot: None,
            peak_desired_count: 0,
            evidence: Evidence::default(),
            failures: FailureStreak::default(),
            told_stages_invisible: false,
        })
    }

    pub(super) async fn run(mut self) -> Result<WaitReport, WaitError> {
        if let Some(reason) = self.shared.service_deployments_unavailable() {
            self.enter_fallback(reason);
        }
        loop {
            let step = match self.tick().await {
                Ok(step) => step,
                Err(Stop::Cancelled) => return Err(WaitError::Cancelled),
                Err(Stop::HardDeadline(unanswered)) => {
                    return Ok(self.deadline_report(Some(unanswered)));
                }
                Err(Stop::Error(error)) => return Err(error),
            };
            let now = Instant::now();
            let wake = match step {
                Step::Decided(report) => return Ok(*report),
                // The next point of the watcher's tick grid at least half an interval
                // away: one interval apart in the steady state, and in step with every
                // other wait, so their looks share batched calls.
                Step::Continue => self.shared.next_tick(
                    now + self.options.poll_interval / 2,
                    self.options.poll_interval,
                ),
                // Deliberately off the grid: jitter spreads retries apart.
                Step::Retry => {
                    now + backoff::retry_delay(
                        self.failures.consecutive(),
                        self.options.poll_interval,
                        &mut rand::rng(),
                    )
                }
            };
            if now >= self.clock.deadline {
                return Ok(self.deadline_report(None));
            }
            // Never sleep past the deadline: the last look happens right at it.
            let wake = wake.min(self.clock.deadline);
            tokio::select! {
                biased;
                _ = self.cancel.cancelled() => return Err(WaitError::Cancelled),
                _ = tokio::time::sleep_until(wake) => {}
            }
        }
    }

    /// Runs the `operation` call `future` unless the wait is cancelled or the hard
    /// stop passes first; then the call is abandoned, and the report names it.
    async fn guard<F: Future>(
        &self,
        operation: &'static str,
        future: F,
    ) -> Result<F::Output, Stop> {
        let called = Instant::now();
        tokio::select! {
            biased;
            _ = self.cancel.cancelled() => Err(Stop::Cancelled),
            output = future => Ok(output),
            _ = tokio::time::sleep_until(self.clock.hard_stop) => Err(Stop::HardDeadline(UnansweredCall {
                operation,
                waited: called.elapsed(),
            })),
        }
    }

    fn emit(&self, event: ProgressEvent) {
        if let ProgressEvent::Retrying {
            operation,
            error,
            attempt,
        } = &event
        {
            tracing::debug!(service = %self.plan.service, %operation, %error, attempt, "ECS call failed; backing off");
        }
        (self.progress)(event);
    }

    fn service_name(&self) -> &str {
        resource_name(&self.plan.service)
    }

    fn following(&self) -> Option<&Following> {
        match &self.phase {
            Phase::Following(following) => Some(following),
            Phase::Discovering { .. } => None,
        }
    }

    fn following_mut(&mut self) -> Option<&mut Following> {
        match &mut self.phase {
            Phase::Following(following) => Some(following),
            Phase::Discovering { .. } => None,
        }
    }

    fn target(&self) -> Option<&TargetState> {
        self.following().map(|f| &f.target)
    }

    fn service_deployment(&self) -> Option<&ServiceDeployment> {
        self.following().and_then(|f| f.service_deployment.as_ref())
    }

    fn service_seen(&self) -> bool {
        match self.phase {
            Phase::Discovering { service_seen } => service_seen,
            Phase::Following(_) => true,
        }
    }

    async fn tick(&mut self) -> Result<Step, Stop> {
        let answer = self
            .guard(
                "DescribeServices",
                self.shared
                    .services
                    .get(self.plan.cluster.clone(), self.plan.service.clone()),
            )
            .await?;
        let snapshot = match answer {
            Ok(Some(snapshot)) => snapshot,
            Ok(None) | Err(ApiError::ServiceNotFound { .. }) if self.service_seen() => {
                self.snapshot = None;
                return Ok(self.decide());
            }
            Ok(None) => return Err(self.service_not_found().into()),
            Err(error) => {
                return self.call_failed("DescribeServices", "ecs:DescribeServices", error);
            }
        };
        self.failures.succeeded();
        if let Phase::Discovering { service_seen } = &mut self.phase {
            *service_seen = true;
        }
        self.peak_desired_count = self.peak_desired_count.max(snapshot.desired_count);
        if let Some(error) = setup::unsupported(&snapshot, &self.options.wait_until) {
            return Err(error.into());
        }

        if let Some(step) = self.discover(&snapshot).await? {
            return Ok(step);
        }
        let new_events = self.take_new_events(&snapshot);
        if let Some(following) = self.following_mut()
            && let Some(listed) = snapshot.deployment(&following.target.deployment_id)
        {
            following.last_seen_target = Some(listed.clone());
        }
        self.snapshot = Some(snapshot);
        if self.following().is_none() {
            if Instant::now() >= self.clock.discovery_ends {
                let assessment = verdict::no_deployment_found(&self.search());
                return Ok(Step::Decided(Box::new(self.report_for(assessment, None))));
            }
            return Ok(Step::Continue);
        }

        if let Some(step) = self.refresh_service_deployment().await? {
            return Ok(step);
        }
        self.note_stage_reached();
        self.check_stages_visible()?;
        let mut tasks_throttled = false;
        let suspect_failure = match &self.snapshot {
            Some(snapshot) => {
                let new_event_refs: Vec<&ServiceEvent> = new_events.iter().collect();
                verdict::suggests_failure(
                    snapshot,
                    self.service_deployment(),
                    &self.verdict_target(),
                    &new_event_refs,
                )
            }
            None => false,
        };
        if suspect_failure {
            tasks_throttled = !self.collect_stopped_tasks().await?;
        }

        match self.assess() {
            Assessment::Pending(progress) => {
                self.report_progress(progress);
                Ok(if tasks_throttled {
                    Step::Retry
                } else {
                    Step::Continue
                })
            }
            decided => {
                if !suspect_failure && !matches!(decided, Assessment::Completed) {
                    // Worth two calls: the stopped tasks say why.
                    match self.collect_stopped_tasks().await {
                        Err(Stop::Cancelled) => return Err(Stop::Cancelled),
                        Ok(_) | Err(Stop::HardDeadline(_)) | Err(Stop::Error(_)) => {}
                    }
                }
                Ok(Step::Decided(Box::new(self.report_for(decided, None))))
            }
        }
    }

    fn verdict_target(&self) -> Target {
        let target = self.target();
        Target {
            service_name: self.service_name().to_owned(),
            deployment_id: target.map(|t| t.deployment_id.clone()),
            task_definition: target.and_then(|t| t.task_definition.clone()),
            desired_task_definition: self.plan.desired.clone(),
            max_task_failures: self.options.max_task_failures,
            peak_desired_count: self.peak_desired_count,
            wait_until: self.options.wait_until.clone(),
        }
    }

    fn assess(&self) -> Assessment {
        let revisions = self.shared.revision_snapshot();
        let observation = Observation {
            service: self.snapshot.as_ref(),
            service_deployment: self.service_deployment(),
            last_seen_target: self.following().and_then(|f| f.last_seen_target.as_ref()),
            stopped_tasks: &self.evidence.stopped,
            revision_task_definitions: &revisions,
            stage_reached: self.following().and_then(|f| f.stage_reached.as_ref()),
        };
        verdict::assess(&observation, &self.verdict_target())
    }

    /// The service vanished: decide on what is left.
    fn decide(&mut self) -> Step {
        match self.assess() {
            Assessment::Pending(_) => Step::Continue,
            decided => Step::Decided(Box::new(self.report_for(decided, None))),
        }
    }

    fn report_progress(&mut self, progress: Progress) {
        let Some(following) = self.following() else {
            return;
        };
        if following.last_progress.as_ref() == Some(&progress) {
            return;
        }
        self.report_staged_progress(&progress);
        let Some(following) = self.following() else {
            return;
        };
        self.emit(ProgressEvent::Status {
            deployment_id: following.target.deployment_id.clone(),
            rollout_state: progress.rollout_state.clone(),
            running: progress.running,
            desired: progress.desired,
            pending: progress.pending,
            failed_tasks: progress.failed_tasks,
        });
        if let Some(following) = self.following_mut() {
            following.last_progress = Some(progress);
        }
    }

    /// Stage changes, traffic shifts and pauses, each told when it changes.
    fn report_staged_progress(&mut self, progress: &Progress) {
        let Some(following) = self.following() else {
            return;
        };
        let Some(staged) = &progress.staged else {
            return;
        };
        let deployment_id = following.target.deployment_id.clone();
        let before = following
            .last_progress
            .as_ref()
            .and_then(|p| p.staged.as_deref().cloned())
            .unwrap_or_default();
        if let Some(stage) = &staged.stage
            && before.stage.as_ref() != Some(stage)
        {
            self.emit(ProgressEvent::StageChanged {
                deployment_id: deployment_id.clone(),
                stage: stage.clone(),
            });
        }
        let weights = (staged.test_traffic_weight, staged.production_traffic_weight);
        if weights != (None, None)
            && weights != (before.test_traffic_weight, before.production_traffic_weight)
        {
            self.emit(ProgressEvent::TrafficShifted {
                deployment_id: deployment_id.clone(),
                task_definition: following
                    .target
                    .task_definition
                    .as_deref()
                    .map(|td| short_task_definition(td).to_owned()),
                test_traffic_weight: staged.test_traffic_weight,
                production_traffic_weight: staged.production_traffic_weight,
            });
        }
        if let Some(hook) = &staged.paused_hook
            && following.told_paused.as_deref() != Some(hook.hook_id.as_str())
        {
            self.emit(ProgressEvent::Paused {
                deployment_id,
                hook: hook.clone(),
                service_deployment_arn: following.target.service_deployment_arn.clone(),
            });
            let hook_id = hook.hook_id.clone();
            if let Some(following) = self.following_mut() {
                following.told_paused = Some(hook_id);
            }
        }
    }

    /// Keeps the furthest stage the target reached while rolling forward.
    fn note_stage_reached(&mut self) {
        let Some(following) = self.following_mut() else {
            return;
        };
        let Some(sd) = &following.service_deployment else {
            return;
        };
        if !sd.status.as_ref().is_some_and(|s| s.is_running()) {
            return;
        }
        if let Some(stage) = &sd.lifecycle_stage
            && stage.position() > following.stage_reached.as_ref().and_then(|s| s.position())
        {
            following.stage_reached = Some(stage.clone());
        }
    }

    /// Without the service-deployment APIs a staged deployment's stages and hooks
    /// are invisible: a checkpoint cannot be reached (an error), and "deployed"
    /// is decided from `DescribeServices` as for rolling deployments (said once).
    fn check_stages_visible(&mut self) -> Result<(), Stop> {
        if self.source != Source::DescribeServicesOnly {
            return Ok(());
        }
        let Some(snapshot) = &self.snapshot else {
            return Ok(());
        };
        if verdict::Rules::for_service(snapshot) != verdict::Rules::Lifecycle {
            return Ok(());
        }
        if let Some(error) = setup::checkpoint_needs_service_deployments(&self.options.wait_until) {
            return Err(error.into());
        }
        if !self.told_stages_invisible {
            self.told_stages_invisible = true;
            let strategy = snapshot.strategy();
            self.emit(ProgressEvent::StagesInvisible { strategy });
        }
        Ok(())
    }

    /// What the wait was looking for, for a not-found verdict.
    fn search(&self) -> verdict::Search<'_> {
        let runs = self.snapshot.as_ref().and_then(|s| {
            s.primary_deployment()
                .and_then(|p| p.task_definition.as_deref())
                .or(s.task_definition.as_deref())
        });
        verdict::Search {
            wanted: self.plan.wanted_phrase(),
            service_name: self.service_name(),
            runs,
        }
    }

    /// At the deadline, the verdict module decides between not found and timed out.
    fn deadline_report(&self, unanswered: Option<UnansweredCall>) -> WaitReport {
        let assessment = verdict::at_deadline(&verdict::AtDeadline {
            target_found: self.following().is_some(),
            service_seen: self.service_seen(),
            calls_failing: self.failures.is_failing(),
            call_unanswered: unanswered.is_some(),
            search: self.search(),
        });
        self.report_for(assessment, unanswered)
    }

    fn service_not_found(&self) -> WaitError {
        WaitError::ServiceNotFound {
            cluster: self.request.cluster.clone(),
            service: self.request.service.clone(),
        }
    }
}
