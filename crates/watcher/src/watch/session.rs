//! One wait: look, decide, sleep, until a verdict, the deadline, or cancellation.
//!
//! Every await here races the cancellation token and a hard stop one poll
//! interval after the deadline, so a wait ends promptly whatever ECS does.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use futures::future::join_all;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::discovery::{self, Wanted};
use super::{
    Outcome, ProgressEvent, Shared, WaitError, WaitOptions, WaitReport, WaitRequest, backoff,
};
use crate::api::{ApiError, DesiredStatus};
use crate::input::{self, DeploymentRef, InputError, TaskDefinitionRef};
use crate::message::{self, TimeoutContext};
use crate::model::{
    Deployment, ServiceDeployment, ServiceEvent, ServiceSnapshot, StoppedTask, Timestamp,
    resource_name,
};
use crate::verdict::{self, Assessment, Observation, Progress, Target};

/// `ListServiceDeployments` look-ups per target before following it with
/// `DescribeServices` alone (ECS may list a fresh deployment a moment late).
const MAX_SERVICE_DEPLOYMENT_LOOKUPS: u32 = 3;
/// Service revisions examined per look into deployment history.
const MAX_HISTORY_REVISIONS: usize = 20;
/// Events older than this before the wait began are history, not news.
const EVENT_LOOKBACK_MILLIS: i64 = 10 * 60 * 1000;

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

struct TargetState {
    deployment_id: String,
    task_definition: Option<String>,
    service_deployment_arn: Option<String>,
    created_at: Option<Timestamp>,
}

/// Calls that failed, for backoff and for the timeout message.
#[derive(Default)]
struct FailureStreak {
    consecutive: u32,
    /// The operation that failed last, and how.
    last: Option<(String, ApiError)>,
    totals: HashMap<String, u32>,
}

impl FailureStreak {
    fn record(&mut self, operation: &str, error: &ApiError) -> u32 {
        self.consecutive += 1;
        *self.totals.entry(error.kind().to_owned()).or_default() += 1;
        self.last = Some((operation.to_owned(), error.clone()));
        self.consecutive
    }

    fn succeeded(&mut self) {
        self.consecutive = 0;
        self.last = None;
    }

    /// The operation still failing, its error, and how often that error occurred overall.
    fn persistent(&self) -> Option<(&str, &ApiError, u32)> {
        let (operation, error) = self.last.as_ref()?;
        Some((
            operation,
            error,
            self.totals.get(error.kind()).copied().unwrap_or(1),
        ))
    }
}

pub(super) struct Session<'a> {
    shared: &'a Shared,
    request: WaitRequest,
    cluster: String,
    service: String,
    wanted: Wanted,
    desired: Option<TaskDefinitionRef>,
    options: WaitOptions,
    cancel: CancellationToken,
    progress: Arc<dyn Fn(ProgressEvent) + Send + Sync>,

    started: Instant,
    deadline: Instant,
    hard_stop: Instant,
    discovery_ends: Instant,
    started_wall_millis: i64,

    found_service: bool,
    /// The highest desired count seen: a service scaled from it to zero mid-wait
    /// has nothing running the deployment.
    peak_desired_count: i32,
    snapshot: Option<ServiceSnapshot>,
    target: Option<TargetState>,
    last_seen_target: Option<Deployment>,
    service_deployment: Option<ServiceDeployment>,
    service_deployment_lookups: u32,
    using_fallback: bool,
    looked_before: bool,
    seen_events: HashSet<String>,
    /// Events since the deployment began, newest first.
    events: Vec<ServiceEvent>,
    seen_tasks: HashSet<String>,
    stopped: Vec<StoppedTask>,
    last_progress: Option<Progress>,
    failures: FailureStreak,
}

impl<'a> Session<'a> {
    pub(super) fn new(
        shared: &'a Shared,
        request: WaitRequest,
        options: WaitOptions,
        cancel: CancellationToken,
        progress: Arc<dyn Fn(ProgressEvent) + Send + Sync>,
    ) -> Result<Self, WaitError> {
        let cluster = input::cluster("cluster", &request.cluster)?;
        let service = input::service("service", &request.service)?;
        let desired = request
            .desired_task_definition
            .as_deref()
            .map(|td| input::task_definition("desired task definition", td))
            .transpose()?;
        let deployment = request
            .deployment
            .as_deref()
            .map(|d| input::deployment("deployment", d))
            .transpose()?;
        let given = |field, value| input::Given { field, value };
        input::same_place(
            Some(given("cluster", &request.cluster)),
            Some(given("service", &request.service)),
            request
                .desired_task_definition
                .as_deref()
                .map(|td| given("desired task definition", td)),
            None,
        )?;
        if options.poll_interval.is_zero() {
            return Err(InputError::new(
                "poll interval",
                "0s",
                "expected a positive duration such as 2s",
            )
            .into());
        }
        let wanted = match (deployment, &desired) {
            (Some(DeploymentRef::DeploymentId(id)), _) => Wanted::DeploymentId(id),
            (Some(DeploymentRef::ServiceDeploymentArn(arn)), _) => {
                Wanted::ServiceDeploymentArn(arn)
            }
            (None, Some(reference)) => Wanted::TaskDefinition(reference.clone()),
            (None, None) => Wanted::Current,
        };
        let started = Instant::now();
        // Library callers may pass any Duration; one the clock cannot reach is bad
        // input, not a panic.
        let unreachable = |field: &str, value: std::time::Duration| {
            InputError::new(
                field,
                &message::human_duration(value),
                "expected a duration of at most a few years, such as 3m",
            )
        };
        let deadline = started
            .checked_add(options.timeout)
            .ok_or_else(|| unreachable("timeout", options.timeout))?;
        let hard_stop = deadline
            .checked_add(options.poll_interval)
            .ok_or_else(|| unreachable("poll interval", options.poll_interval))?;
        let started_wall_millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or_default();
        Ok(Self {
            shared,
            request,
            cluster,
            service,
            wanted,
            desired,
            hard_stop,
            discovery_ends: started
                .checked_add(options.discovery_grace)
                .map_or(deadline, |ends| ends.min(deadline)),
            options,
            cancel,
            progress,
            started,
            deadline,
            started_wall_millis,
            found_service: false,
            peak_desired_count: 0,
            snapshot: None,
            target: None,
            last_seen_target: None,
            service_deployment: None,
            service_deployment_lookups: 0,
            using_fallback: false,
            looked_before: false,
            seen_events: HashSet::new(),
            events: Vec::new(),
            seen_tasks: HashSet::new(),
            stopped: Vec::new(),
            last_progress: None,
            failures: FailureStreak::default(),
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
                        self.failures.consecutive,
                        self.options.poll_interval,
                        &mut rand::rng(),
                    )
                }
            };
            if now >= self.deadline {
                return Ok(self.deadline_report(None));
            }
            // Never sleep past the deadline: the last look happens right at it.
            let wake = wake.min(self.deadline);
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
            _ = tokio::time::sleep_until(self.hard_stop) => Err(Stop::HardDeadline(UnansweredCall {
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
            tracing::debug!(service = %self.service, %operation, %error, attempt, "ECS call failed; backing off");
        }
        (self.progress)(event);
    }

    fn service_name(&self) -> &str {
        resource_name(&self.service)
    }

    async fn tick(&mut self) -> Result<Step, Stop> {
        let answer = self
            .guard(
                "DescribeServices",
                self.shared
                    .services
                    .get(self.cluster.clone(), self.service.clone()),
            )
            .await?;
        let snapshot = match answer {
            Ok(Some(snapshot)) => snapshot,
            Ok(None) | Err(ApiError::ServiceNotFound { .. }) if self.found_service => {
                self.snapshot = None;
                return Ok(self.decide(None));
            }
            Ok(None) => return Err(self.service_not_found().into()),
            Err(error) => {
                return self.call_failed("DescribeServices", "ecs:DescribeServices", error);
            }
        };
        self.failures.succeeded();
        self.found_service = true;
        self.peak_desired_count = self.peak_desired_count.max(snapshot.desired_count);

        if let Some(step) = self.discover(&snapshot).await? {
            return Ok(step);
        }
        let new_events = self.take_new_events(&snapshot);
        if let Some(target) = &self.target
            && let Some(listed) = snapshot.deployment(&target.deployment_id)
        {
            self.last_seen_target = Some(listed.clone());
        }
        self.snapshot = Some(snapshot);
        if self.target.is_none() {
            if Instant::now() >= self.discovery_ends {
                return Ok(Step::Decided(Box::new(self.not_found_report())));
            }
            return Ok(Step::Continue);
        }

        if let Some(step) = self.refresh_service_deployment().await? {
            return Ok(step);
        }
        let mut tasks_throttled = false;
        let suspect_failure = match (&self.snapshot, &self.target) {
            (Some(snapshot), Some(_)) => {
                let new_event_refs: Vec<&ServiceEvent> = new_events.iter().collect();
                verdict::suggests_failure(
                    snapshot,
                    self.service_deployment.as_ref(),
                    &self.verdict_target(),
                    &new_event_refs,
                )
            }
            _ => false,
        };
        if suspect_failure {
            tasks_throttled = !self.collect_stopped_tasks().await?;
        }

        let assessment = self.assess();
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
                Ok(Step::Decided(Box::new(self.report_for(decided))))
            }
        }
    }

    fn verdict_target(&self) -> Target {
        Target {
            service_name: self.service_name().to_owned(),
            deployment_id: self.target.as_ref().map(|t| t.deployment_id.clone()),
            task_definition: self.target.as_ref().and_then(|t| t.task_definition.clone()),
            desired_task_definition: self.desired.clone(),
            max_task_failures: self.options.max_task_failures,
            peak_desired_count: self.peak_desired_count,
        }
    }

    fn assess(&self) -> Assessment {
        let revisions = self.shared.revision_snapshot();
        let observation = Observation {
            service: self.snapshot.as_ref(),
            service_deployment: self.service_deployment.as_ref(),
            last_seen_target: self.last_seen_target.as_ref(),
            stopped_tasks: &self.stopped,
            revision_task_definitions: &revisions,
        };
        verdict::assess(&observation, &self.verdict_target())
    }

    fn decide(&mut self, service: Option<ServiceSnapshot>) -> Step {
        self.snapshot = service;
        let assessment = self.assess();
        match assessment {
            Assessment::Pending(_) => Step::Continue,
            decided => Step::Decided(Box::new(self.report_for(decided))),
        }
    }

    fn report_progress(&mut self, progress: Progress) {
        if self.last_progress.as_ref() == Some(&progress) {
            return;
        }
        if let Some(target) = &self.target {
            self.emit(ProgressEvent::Status {
                deployment_id: target.deployment_id.clone(),
                rollout_state: progress.rollout_state.clone(),
                running: progress.running,
                desired: progress.desired,
                pending: progress.pending,
                failed_tasks: progress.failed_tasks,
            });
        }
        self.last_progress = Some(progress);
    }

    fn service_not_found(&self) -> WaitError {
        WaitError::ServiceNotFound {
            cluster: self.request.cluster.clone(),
            service: self.request.service.clone(),
        }
    }

    /// What a failed ECS call means for the wait: retry later, or stop with an error.
    fn call_failed(
        &mut self,
        operation: &str,
        permission: &str,
        error: ApiError,
    ) -> Result<Step, Stop> {
        match error {
            error if error.is_retryable() => {
                let attempt = self.failures.record(operation, &error);
                self.emit(ProgressEvent::Retrying {
                    operation: operation.to_owned(),
                    error: error.to_string(),
                    attempt,
                });
                Ok(Step::Retry)
            }
            ApiError::AccessDenied { message } => Err(WaitError::AccessDenied {
                permission: permission.to_owned(),
                message,
            }
            .into()),
            ApiError::ClusterNotFound { .. } => Err(WaitError::ClusterNotFound {
                cluster: self.request.cluster.clone(),
            }
            .into()),
            ApiError::ServiceNotFound { .. } if !self.found_service => {
                Err(self.service_not_found().into())
            }
            other => Err(WaitError::Api(format!("{operation} failed: {other}")).into()),
        }
    }

    // ---- which deployment -------------------------------------------------

    /// Finds (or re-finds) the target; `Some(step)` ends the tick early.
    async fn discover(&mut self, snapshot: &ServiceSnapshot) -> Result<Option<Step>, Stop> {
        if let Some(listed) = discovery::find_listed(snapshot, &self.wanted) {
            let is_current = self
                .target
                .as_ref()
                .is_some_and(|t| listed.id.as_deref() == Some(t.deployment_id.as_str()));
            // A newer deployment of the same task definition (force-new-deployment)
            // is the one that decides what the service ends up running.
            let replaces_current = match &self.target {
                None => true,
                Some(current) => {
                    matches!(self.wanted, Wanted::TaskDefinition(_))
                        && !is_current
                        && listed.created_at > current.created_at
                }
            };
            if replaces_current && let Some(id) = listed.id.clone() {
                self.adopt_target(TargetState {
                    deployment_id: id,
                    task_definition: listed.task_definition.clone(),
                    service_deployment_arn: None,
                    created_at: listed.created_at,
                });
            }
            return Ok(None);
        }
        if self.target.is_some() || self.using_fallback {
            return Ok(None);
        }
        self.find_in_history().await
    }

    fn adopt_target(&mut self, target: TargetState) {
        self.emit(ProgressEvent::DeploymentFound {
            deployment_id: target.deployment_id.clone(),
            task_definition: target.task_definition.clone().unwrap_or_default(),
        });
        self.target = Some(target);
        self.last_seen_target = None;
        self.service_deployment = None;
        self.service_deployment_lookups = 0;
        self.stopped.clear();
        self.last_progress = None;
    }

    /// Deployments `DescribeServices` no longer lists (already finished, e.g.
    /// rolled back before we looked) are only in `ListServiceDeployments`.
    async fn find_in_history(&mut self) -> Result<Option<Step>, Stop> {
        if let Wanted::ServiceDeploymentArn(arn) = &self.wanted {
            let arn = arn.clone();
            let answer = self
                .guard(
                    "DescribeServiceDeployments",
                    self.shared.service_deployments.get((), arn.clone()),
                )
                .await?;
            return match answer {
                Ok(Some(deployment)) => {
                    self.adopt_service_deployment(&arn, &deployment).await?;
                    Ok(None)
                }
                Ok(None) => Ok(None),
                Err(error) => match self.service_deployments_failed("DescribeServiceDeployments", error)? {
                    Some(step) => Ok(Some(step)),
                    None => Err(WaitError::Api(format!(
                        "cannot follow service deployment {arn}: {}; pass the deployment id (ecs-svc/<number>) instead",
                        self.shared
                            .service_deployments_unavailable()
                            .unwrap_or_else(|| "the service-deployment APIs are unavailable".into())
                    ))
                    .into()),
                },
            };
        }
        if matches!(self.wanted, Wanted::Current) {
            return Ok(None);
        }
        let answer = self
            .guard(
                "ListServiceDeployments",
                self.shared
                    .api
                    .list_service_deployments(&self.cluster, &self.service),
            )
            .await?;
        let briefs = match answer {
            Ok(briefs) => briefs,
            Err(error) => return self.service_deployments_failed("ListServiceDeployments", error),
        };
        match self.wanted.clone() {
            Wanted::DeploymentId(id) => {
                if let Some(brief) = discovery::correlate(&briefs, &id, None)
                    && let Some(revision) = brief.target_service_revision_arn.clone()
                {
                    let task_definition = self.revision_task_definition(&revision).await?;
                    self.adopt_target(TargetState {
                        deployment_id: id,
                        task_definition,
                        service_deployment_arn: brief.service_deployment_arn.clone(),
                        created_at: brief.created_at,
                    });
                }
            }
            Wanted::TaskDefinition(reference) => {
                for brief in briefs.iter().take(MAX_HISTORY_REVISIONS) {
                    let Some(revision) = brief.target_service_revision_arn.clone() else {
                        continue;
                    };
                    let Some(task_definition) = self.revision_task_definition(&revision).await?
                    else {
                        continue;
                    };
                    if reference.matches(&task_definition)
                        && let Some(id) = discovery::deployment_id_of_revision(&revision)
                    {
                        self.adopt_target(TargetState {
                            deployment_id: id,
                            task_definition: Some(task_definition),
                            service_deployment_arn: brief.service_deployment_arn.clone(),
                            created_at: brief.created_at,
                        });
                        break;
                    }
                }
            }
            Wanted::ServiceDeploymentArn(_) | Wanted::Current => {}
        }
        Ok(None)
    }

    async fn adopt_service_deployment(
        &mut self,
        arn: &str,
        deployment: &ServiceDeployment,
    ) -> Result<(), Stop> {
        let revision = deployment
            .target_service_revision
            .as_ref()
            .and_then(|r| r.arn.clone());
        let Some(id) = revision
            .as_deref()
            .and_then(discovery::deployment_id_of_revision)
        else {
            return Err(WaitError::Api(format!(
                "service deployment {arn} has no target service revision to follow"
            ))
            .into());
        };
        let task_definition = match revision {
            Some(revision) => self.revision_task_definition(&revision).await?,
            None => None,
        };
        self.adopt_target(TargetState {
            deployment_id: id,
            task_definition,
            service_deployment_arn: Some(arn.to_owned()),
            created_at: deployment.created_at,
        });
        self.service_deployment = Some(deployment.clone());
        Ok(())
    }

    /// The task definition of a service revision, from the cache or ECS. Failures
    /// yield `None`: a revision only adds detail.
    async fn revision_task_definition(
        &mut self,
        revision_arn: &str,
    ) -> Result<Option<String>, Stop> {
        if let Some(cached) = self.shared.cached_revision(revision_arn) {
            return Ok(Some(cached));
        }
        let answer = self
            .guard(
                "DescribeServiceRevisions",
                self.shared
                    .service_revisions
                    .get((), revision_arn.to_owned()),
            )
            .await?;
        Ok(match answer {
            Ok(Some(revision)) => revision.task_definition.inspect(|td| {
                self.shared.cache_revision(revision_arn, td);
            }),
            Ok(None) | Err(_) => None,
        })
    }

    // ---- following it -----------------------------------------------------

    /// Refreshes the target's service deployment unless in fallback mode.
    async fn refresh_service_deployment(&mut self) -> Result<Option<Step>, Stop> {
        if self.using_fallback {
            return Ok(None);
        }
        let Some(target) = &self.target else {
            return Ok(None);
        };
        let deployment_id = target.deployment_id.clone();
        let arn = match target.service_deployment_arn.clone() {
            Some(arn) => arn,
            None => {
                if self.service_deployment_lookups >= MAX_SERVICE_DEPLOYMENT_LOOKUPS {
                    return Ok(None);
                }
                self.service_deployment_lookups += 1;
                let answer = self
                    .guard(
                        "ListServiceDeployments",
                        self.shared
                            .api
                            .list_service_deployments(&self.cluster, &self.service),
                    )
                    .await?;
                let briefs = match answer {
                    Ok(briefs) => briefs,
                    Err(error) => {
                        return self.service_deployments_failed("ListServiceDeployments", error);
                    }
                };
                let listed = self.last_seen_target.as_ref();
                let Some(arn) = discovery::correlate(&briefs, &deployment_id, listed)
                    .and_then(|brief| brief.service_deployment_arn.clone())
                else {
                    return Ok(None);
                };
                if let Some(target) = &mut self.target {
                    target.service_deployment_arn = Some(arn.clone());
                }
                arn
            }
        };
        let answer = self
            .guard(
                "DescribeServiceDeployments",
                self.shared.service_deployments.get((), arn),
            )
            .await?;
        match answer {
            Ok(found) => self.service_deployment = found,
            Err(error) => {
                return self.service_deployments_failed("DescribeServiceDeployments", error);
            }
        }
        self.resolve_rollback_revisions().await?;
        Ok(None)
    }

    /// Looks up the revisions a rollback went back to, so the message can name them.
    async fn resolve_rollback_revisions(&mut self) -> Result<(), Stop> {
        let Some(sd) = &self.service_deployment else {
            return Ok(());
        };
        let rolling_back = sd
            .status
            .as_deref()
            .is_some_and(|s| s.starts_with("ROLLBACK"));
        if !rolling_back {
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
            self.revision_task_definition(&revision).await?;
        }
        Ok(())
    }

    /// Throttling and transport errors are retried; anything else means the
    /// service-deployment APIs are not usable here, so follow `DescribeServices`
    /// alone from now on — and remember that for every later wait.
    fn service_deployments_failed(
        &mut self,
        operation: &str,
        error: ApiError,
    ) -> Result<Option<Step>, Stop> {
        match error {
            ApiError::Throttled { .. } | ApiError::Transport { .. } => {
                let attempt = self.failures.record(operation, &error);
                self.emit(ProgressEvent::Retrying {
                    operation: operation.to_owned(),
                    error: error.to_string(),
                    attempt,
                });
                Ok(Some(Step::Retry))
            }
            other => {
                let reason = format!("{operation} is unavailable ({other})");
                self.shared
                    .remember_service_deployments_unavailable(&reason);
                self.enter_fallback(reason);
                Ok(None)
            }
        }
    }

    fn enter_fallback(&mut self, reason: String) {
        if self.using_fallback {
            return;
        }
        self.using_fallback = true;
        self.service_deployment = None;
        tracing::info!(service = %self.service, %reason, "following the deployment with DescribeServices alone");
        self.emit(ProgressEvent::FallbackToDescribeServices { reason });
    }

    /// Lists the service's stopped tasks and describes the ones not seen before.
    /// Returns false when a transient error cut the look short.
    async fn collect_stopped_tasks(&mut self) -> Result<bool, Stop> {
        let answer = self
            .guard(
                "ListTasks",
                self.shared
                    .api
                    .list_tasks(&self.cluster, &self.service, DesiredStatus::Stopped),
            )
            .await?;
        let arns = match answer {
            Ok(arns) => arns,
            Err(error) => return self.task_call_failed("ListTasks", "ecs:ListTasks", error),
        };
        let unseen: Vec<String> = arns
            .into_iter()
            .filter(|arn| !self.seen_tasks.contains(arn))
            .collect();
        if unseen.is_empty() {
            return Ok(true);
        }
        let lookups = join_all(
            unseen
                .iter()
                .map(|arn| self.shared.tasks.get(self.cluster.clone(), arn.clone())),
        );
        let answers = self.guard("DescribeTasks", lookups).await?;
        let target_id = self.target.as_ref().map(|t| t.deployment_id.clone());
        // Tasks left undescribed are simply asked about again next time; one
        // failed batch is one failed call, reported once.
        let mut first_error: Option<ApiError> = None;
        for (arn, answer) in unseen.into_iter().zip(answers) {
            match answer {
                Ok(Some(task)) => {
                    self.seen_tasks.insert(arn);
                    if task.started_by.is_some() && task.started_by == target_id {
                        self.emit(ProgressEvent::TaskStopped { task: task.clone() });
                        self.stopped.push(task);
                    }
                }
                // Gone already (ECS keeps stopped tasks about an hour).
                Ok(None) => {
                    self.seen_tasks.insert(arn);
                }
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        match first_error {
            Some(error) => self.task_call_failed("DescribeTasks", "ecs:DescribeTasks", error),
            None => Ok(true),
        }
    }

    fn task_call_failed(
        &mut self,
        operation: &str,
        permission: &str,
        error: ApiError,
    ) -> Result<bool, Stop> {
        match self.call_failed(operation, permission, error)? {
            Step::Retry => Ok(false),
            Step::Continue | Step::Decided(_) => Ok(true),
        }
    }

    /// New service events, emitted once each in the order they happened. Events
    /// from well before this deployment are history, not news.
    fn take_new_events(&mut self, snapshot: &ServiceSnapshot) -> Vec<ServiceEvent> {
        let lookback_start = self.started_wall_millis - EVENT_LOOKBACK_MILLIS;
        let since = self
            .target
            .as_ref()
            .and_then(|t| t.created_at)
            .map(|t| t.epoch_millis().max(lookback_start))
            .unwrap_or(lookback_start);
        let mut fresh = Vec::new();
        for event in snapshot.events.iter().rev() {
            let key = match (&event.id, event.created_at) {
                (Some(id), _) => id.clone(),
                (None, created) => format!("{created:?}:{}", event.message),
            };
            if !self.seen_events.insert(key) {
                continue;
            }
            let recent = match event.created_at {
                Some(created) => created.epoch_millis() >= since,
                // Without a timestamp only what appears after the first look is new.
                None => self.looked_before,
            };
            if recent {
                self.emit(ProgressEvent::ServiceEvent {
                    message: event.message.clone(),
                });
                self.events.insert(0, event.clone());
                fresh.push(event.clone());
            }
        }
        self.looked_before = true;
        fresh
    }

    // ---- reports ----------------------------------------------------------

    fn report(&self, outcome: Outcome, failure_message: String) -> WaitReport {
        let primary_task_definition = self.snapshot.as_ref().and_then(|s| {
            s.primary_deployment()
                .and_then(|p| p.task_definition.clone())
                .or_else(|| s.task_definition.clone())
        });
        WaitReport {
            outcome,
            failure_message,
            cluster: self.request.cluster.clone(),
            service: self.request.service.clone(),
            desired_task_definition: self.request.desired_task_definition.clone(),
            deployment_id: self.target.as_ref().map(|t| t.deployment_id.clone()),
            primary_task_definition,
            elapsed: self.started.elapsed(),
            stopped_tasks: self.stopped.clone(),
            used_fallback: self.service_deployment.is_none(),
        }
    }

    fn report_for(&self, assessment: Assessment) -> WaitReport {
        match assessment {
            Assessment::Completed => self.report(Outcome::Completed, String::new()),
            Assessment::Failed { reason } => self.report(
                Outcome::Failed,
                message::failure_message(&reason, &self.stopped, &self.events),
            ),
            Assessment::RolledBack {
                to_task_definition,
                reason,
            } => self.report(
                Outcome::RolledBack,
                message::failure_message(
                    &message::rolled_back_head(to_task_definition.as_deref(), &reason),
                    &self.stopped,
                    &self.events,
                ),
            ),
            Assessment::Pending(_) => self.timed_out_report(None),
        }
    }

    fn not_found_report(&self) -> WaitReport {
        let wanted = match &self.wanted {
            Wanted::TaskDefinition(reference) => format!("of task definition {reference}"),
            Wanted::DeploymentId(id) => id.clone(),
            Wanted::ServiceDeploymentArn(arn) => arn.clone(),
            Wanted::Current => "at all".to_owned(),
        };
        let runs = self.snapshot.as_ref().and_then(|s| {
            s.primary_deployment()
                .and_then(|p| p.task_definition.as_deref())
                .or(s.task_definition.as_deref())
        });
        self.report(
            Outcome::Failed,
            message::no_deployment_found(&wanted, self.service_name(), runs),
        )
    }

    /// At the deadline: TIMED_OUT — unless the service was seen and the wanted
    /// deployment never appeared, which is the more truthful verdict. A call still
    /// unanswered means the last look never happened: that is a timeout, named.
    fn deadline_report(&self, unanswered: Option<UnansweredCall>) -> WaitReport {
        if unanswered.is_none()
            && self.target.is_none()
            && self.found_service
            && self.failures.last.is_none()
        {
            return self.not_found_report();
        }
        self.timed_out_report(unanswered)
    }

    fn timed_out_report(&self, unanswered: Option<UnansweredCall>) -> WaitReport {
        let desired_text = self.desired.as_ref().map(|d| d.to_string());
        let task_definition = self
            .target
            .as_ref()
            .and_then(|t| t.task_definition.as_deref())
            .or(desired_text.as_deref());
        let persistent = self.failures.persistent();
        let message = message::timed_out(&TimeoutContext {
            timeout: self.options.timeout,
            deployment_id: self.target.as_ref().map(|t| t.deployment_id.as_str()),
            task_definition,
            progress: self.last_progress.as_ref(),
            last_event: self.events.first().map(|e| e.message.as_str()),
            persistent_error: persistent.map(|(_, error, count)| (error, count)),
            failing_operation: persistent.map(|(operation, _, _)| operation),
            unanswered_call: unanswered.map(|call| (call.operation, call.waited)),
            stopped_tasks: &self.stopped,
        });
        self.report(Outcome::TimedOut, message)
    }
}
