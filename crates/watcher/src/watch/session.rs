//! One wait: look, decide, sleep, until a verdict, the deadline, or cancellation.
//!
//! A [`Session`] is the loop every wait kind shares ([`Core`]: deadline, cancel,
//! progress, the request budget through the shared batchers, stopped-task and
//! event evidence, the report) plus the [`Kind`] chosen at the first look, which
//! owns how this wait follows its deployment: its own calls, its observation, its
//! pure assess and its refusals ([`crate::kinds`]). The loop never matches on a
//! deployment controller or strategy.
//!
//! Every await here races the cancellation token and a hard stop one poll
//! interval after the deadline, so a wait ends promptly whatever ECS does.
//!
//! A wait moves through explicit phases: [`Phase::Discovering`] until the
//! deployment to watch is found, then [`Phase::Following`] it. One concern per
//! submodule: `setup` validates the request and starts the clock, `discover`
//! adopts a deployment `DescribeServices` lists, `evidence` gathers stopped tasks
//! and service events, `progress` tells what changed, `calls` carries out what a
//! failed call means, `report` turns a verdict into a report. Verdicts themselves
//! come from the kind's assess, built on [`crate::verdict`].

mod calls;
mod discover;
mod evidence;
mod progress;
mod report;
mod setup;

use std::future::Future;
use std::sync::Arc;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{ProgressEvent, Shared, WaitError, WaitOptions, WaitReport, WaitRequest, backoff};
use crate::api::ApiError;
use crate::kinds::Kind;
use crate::layer::Operation;
use crate::model::{Deployment, ServiceSnapshot, Timestamp, resource_name};
use crate::verdict::{self, Assessment, Progress, Target};
use calls::FailureStreak;
use evidence::Evidence;
use setup::{Clock, Plan};

pub(crate) use calls::AfterFailure;

/// Why a tick ended without a step.
pub(crate) enum Stop {
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

/// An AWS call still without an answer when the hard stop came, and for how long.
#[derive(Clone, Copy, Debug)]
pub(crate) struct UnansweredCall {
    operation: Operation,
    waited: std::time::Duration,
}

/// What a tick decided.
pub(crate) enum Step {
    Decided(Box<WaitReport>),
    /// Look again after the poll interval.
    Continue,
    /// A call failed transiently: look again after a backoff.
    Retry,
}

/// What `DescribeServices` said of the service this tick.
enum ServiceLook {
    Seen(Box<ServiceSnapshot>),
    /// Gone after it was seen (deleted while waiting): a verdict of its own.
    Vanished,
    /// The call failed: retry later.
    CallFailed(Step),
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

/// The deployment being watched.
pub(crate) struct TargetState {
    pub(crate) deployment_id: String,
    pub(crate) task_definition: Option<String>,
    pub(crate) service_deployment_arn: Option<String>,
    pub(crate) created_at: Option<Timestamp>,
}

/// What every kind knows about the target while following it.
struct Following {
    target: TargetState,
    /// Its `deployments[]` entry as last listed: ECS drops finished deployments.
    last_seen_target: Option<Deployment>,
    last_progress: Option<Progress>,
    /// The PAUSE hook progress last told about, so it is told once.
    told_paused: Option<String>,
}

/// The part of a wait every kind shares.
pub(crate) struct Core<'a> {
    pub(crate) shared: &'a Shared,
    request: WaitRequest,
    pub(crate) plan: Plan,
    pub(crate) options: WaitOptions,
    clock: Clock,
    cancel: CancellationToken,
    progress: Arc<dyn Fn(ProgressEvent) + Send + Sync>,

    phase: Phase,
    snapshot: Option<ServiceSnapshot>,
    /// The highest desired count seen: a service scaled from it to zero mid-wait
    /// has nothing running the deployment.
    peak_desired_count: i32,
    pub(crate) evidence: Evidence,
    failures: FailureStreak,
}

pub(super) struct Session<'a> {
    core: Core<'a>,
    /// How this wait follows its deployment: chosen at the first look (or at the
    /// start, when the service-deployment APIs are already known to be missing).
    kind: Option<Kind>,
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
            core: Core {
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
                snapshot: None,
                peak_desired_count: 0,
                evidence: Evidence::default(),
                failures: FailureStreak::default(),
            },
            kind: None,
        })
    }

    pub(super) async fn run(mut self) -> Result<WaitReport, WaitError> {
        loop {
            let step = match self.tick().await {
                Ok(step) => step,
                Err(Stop::Cancelled) => return Err(self.cancelled()),
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
                Step::Continue => self.core.shared.next_tick(
                    now + self.core.options.poll_interval / 2,
                    self.core.options.poll_interval,
                ),
                // Deliberately off the grid: jitter spreads retries apart.
                Step::Retry => {
                    now + backoff::retry_delay(
                        self.core.failures.consecutive(),
                        self.core.options.poll_interval,
                        &mut rand::rng(),
                    )
                }
            };
            if now >= self.core.clock.deadline {
                return Ok(self.deadline_report(None));
            }
            // Never sleep past the deadline: the last look happens right at it.
            let wake = wake.min(self.core.clock.deadline);
            tokio::select! {
                biased;
                _ = self.core.cancel.cancelled() => return Err(self.cancelled()),
                _ = tokio::time::sleep_until(wake) => {}
            }
        }
    }

    /// One look: the service, the kind's own calls, evidence when something
    /// suggests failure, then the kind's verdict.
    async fn tick(&mut self) -> Result<Step, Stop> {
        let snapshot = match self.core.look_at_service().await? {
            ServiceLook::Seen(snapshot) => *snapshot,
            ServiceLook::Vanished => return Ok(self.decide_without_service()),
            ServiceLook::CallFailed(step) => return Ok(step),
        };
        let core = &mut self.core;
        let kind = match &mut self.kind {
            Some(kind) => kind,
            None => self.kind.insert(Kind::choose(core, &snapshot)?),
        };
        if let Some(step) = kind.discover(core, &snapshot).await? {
            return Ok(step);
        }
        let new_events = core.take_new_events(&snapshot);
        core.remember(snapshot);
        if core.target().is_none() {
            return Ok(core.still_discovering(Some(kind)));
        }
        if let Some(step) = kind.follow(core).await? {
            return Ok(step);
        }
        let suspect_failure = kind.suggests_failure(core, &new_events);
        let tasks_throttled = suspect_failure && !core.collect_stopped_tasks().await?;
        let assessment = kind.assess(core);
        core.conclude(assessment, kind, suspect_failure, tasks_throttled)
            .await
    }

    /// The service vanished: decide on what is left.
    fn decide_without_service(&mut self) -> Step {
        let assessment = match &self.kind {
            Some(kind) => kind.assess(&self.core),
            None => Assessment::Pending(Progress::default()),
        };
        match assessment {
            Assessment::Pending(_) => Step::Continue,
            decided => Step::Decided(Box::new(self.core.report_for(
                decided,
                None,
                self.kind.as_ref(),
            ))),
        }
    }

    /// The cancellation error, carrying the deployment that was being watched so
    /// the caller can act on it (roll it back after an interrupt).
    fn cancelled(&self) -> WaitError {
        WaitError::Cancelled {
            watched: self.core.watched(self.kind.as_ref()).map(Box::new),
        }
    }

    /// At the deadline, the verdict module decides between not found and timed out.
    fn deadline_report(&self, unanswered: Option<UnansweredCall>) -> WaitReport {
        let core = &self.core;
        let assessment = verdict::at_deadline(&verdict::AtDeadline {
            target_found: core.following().is_some(),
            service_seen: core.service_seen(),
            calls_failing: core.failures.is_failing(),
            call_unanswered: unanswered.is_some(),
            search: core.search(),
        });
        core.report_for(assessment, unanswered, self.kind.as_ref())
    }
}

impl Core<'_> {
    /// `DescribeServices` for the service. Not found at the first look, or a call
    /// that cannot succeed, ends the wait.
    async fn look_at_service(&mut self) -> Result<ServiceLook, Stop> {
        let answer = self
            .guard(
                Operation::DescribeServices,
                self.shared
                    .services
                    .get(self.plan.cluster.clone(), self.plan.service.clone()),
            )
            .await?;
        let snapshot = match answer {
            Ok(Some(snapshot)) => snapshot,
            Ok(None) | Err(ApiError::ServiceNotFound { .. }) if self.service_seen() => {
                self.snapshot = None;
                return Ok(ServiceLook::Vanished);
            }
            Ok(None) => return Err(self.service_not_found().into()),
            Err(error) => {
                let step = self.call_failed(Operation::DescribeServices, error)?;
                return Ok(ServiceLook::CallFailed(step));
            }
        };
        self.failures.succeeded();
        if let Phase::Discovering { service_seen } = &mut self.phase {
            *service_seen = true;
        }
        self.peak_desired_count = self.peak_desired_count.max(snapshot.desired_count);
        Ok(ServiceLook::Seen(Box::new(snapshot)))
    }

    /// Keeps this look's service, and the target's entry while ECS lists it.
    fn remember(&mut self, snapshot: ServiceSnapshot) {
        if let Some(following) = self.following_mut()
            && let Some(listed) = snapshot.deployment(&following.target.deployment_id)
        {
            following.last_seen_target = Some(listed.clone());
        }
        self.snapshot = Some(snapshot);
    }

    /// No target yet: keep looking until the discovery window closes.
    fn still_discovering(&self, kind: Option<&Kind>) -> Step {
        if Instant::now() >= self.clock.discovery_ends {
            let assessment = verdict::no_deployment_found(&self.search());
            return Step::Decided(Box::new(self.report_for(assessment, None, kind)));
        }
        Step::Continue
    }

    /// The step after the kind's assessment: progress while pending, else the
    /// report (with the stopped tasks that say why, when not gathered already).
    async fn conclude(
        &mut self,
        assessment: Assessment,
        kind: &Kind,
        suspect_failure: bool,
        tasks_throttled: bool,
    ) -> Result<Step, Stop> {
        match assessment {
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
                Ok(Step::Decided(Box::new(self.report_for(
                    decided,
                    None,
                    Some(kind),
                ))))
            }
        }
    }

    /// Runs the `operation` call `future` unless the wait is cancelled or the hard
    /// stop passes first; then the call is abandoned, and the report names it.
    pub(crate) async fn guard<F: Future>(
        &self,
        operation: Operation,
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

    pub(crate) fn emit(&self, event: ProgressEvent) {
        if let ProgressEvent::Retrying {
            operation,
            error,
            attempt,
        } = &event
        {
            tracing::debug!(service = %self.plan.service, %operation, %error, attempt, "AWS call failed; backing off");
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

    pub(crate) fn target(&self) -> Option<&TargetState> {
        self.following().map(|f| &f.target)
    }

    pub(crate) fn target_mut(&mut self) -> Option<&mut TargetState> {
        self.following_mut().map(|f| &mut f.target)
    }

    /// The target's `deployments[]` entry as last listed.
    pub(crate) fn last_seen_target(&self) -> Option<&Deployment> {
        self.following().and_then(|f| f.last_seen_target.as_ref())
    }

    /// This look's `DescribeServices` answer (`None` once the service vanished).
    pub(crate) fn snapshot(&self) -> Option<&ServiceSnapshot> {
        self.snapshot.as_ref()
    }

    fn service_seen(&self) -> bool {
        match self.phase {
            Phase::Discovering { service_seen } => service_seen,
            Phase::Following(_) => true,
        }
    }

    /// The target as the verdict rules see it.
    pub(crate) fn verdict_target(&self) -> Target {
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

    fn service_not_found(&self) -> WaitError {
        WaitError::ServiceNotFound {
            cluster: self.request.cluster.clone(),
            service: self.request.service.clone(),
        }
    }
}
