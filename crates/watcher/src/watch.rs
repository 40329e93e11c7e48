//! The polling loop: [`Watcher::wait`] follows one deployment to one verdict.
//!
//! A [`Watcher`] is shared by all waits of a process that use the same ECS
//! client: look-ups from waits due at the same moment are coalesced into
//! batched calls, revision look-ups are cached, and once the service-deployment
//! APIs prove unavailable every later wait skips them. Ticks fall on a grid shared
//! by all waits of a watcher, so waits started at different moments coalesce too.

pub(crate) mod backoff;
mod batch;
pub(crate) mod session;
pub(crate) mod wanted;

#[cfg(test)]
pub(crate) mod fake;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use futures::future::BoxFuture;

use crate::api::{
    ApiResult, EcsApi, MAX_SERVICE_DEPLOYMENTS_PER_CALL, MAX_SERVICES_PER_CALL, MAX_TASKS_PER_CALL,
};
use crate::clients::AwsClients;
use crate::input::InputError;
use crate::kinds::WaitKind;
use crate::model::{
    DeploymentStrategy, LifecycleStage, PausedHook, ServiceDeployment, ServiceRevision,
    ServiceSnapshot, StoppedTask,
};
use crate::verdict::ProgressState;
use crate::wait_until::WaitUntil;
use batch::Batcher;

/// How a wait ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    Completed,
    Failed,
    RolledBack,
    TimedOut,
}

impl Outcome {
    /// The npm package's two-valued status: `COMPLETED`, or `FAILED` for everything else.
    pub fn status(self) -> &'static str {
        match self {
            Outcome::Completed => "COMPLETED",
            Outcome::Failed | Outcome::RolledBack | Outcome::TimedOut => "FAILED",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Completed => "COMPLETED",
            Outcome::Failed => "FAILED",
            Outcome::RolledBack => "ROLLED_BACK",
            Outcome::TimedOut => "TIMED_OUT",
        }
    }
}

/// What to wait for. `cluster` and `service` take names or ARNs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WaitRequest {
    pub cluster: String,
    pub service: String,
    /// Full ARN or `family:revision`: wait for the deployment of this task definition.
    pub desired_task_definition: Option<String>,
    /// `ecs-svc/<number>` or a service-deployment ARN: wait for exactly this deployment.
    pub deployment: Option<String>,
}

/// How to wait.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitOptions {
    /// Give up (TIMED_OUT) after this long. Default 180 s.
    pub timeout: Duration,
    /// Pause between looks. Default 2 s.
    pub poll_interval: Duration,
    /// Stops of the target's tasks that make a crash loop. Default 3; 0 turns it off.
    pub max_task_failures: u32,
    /// How long a deployment of the desired task definition may take to appear
    /// after UpdateService returned. Default 30 s, capped by the timeout.
    pub discovery_grace: Duration,
    /// What counts as done. Default: deployed.
    pub wait_until: WaitUntil,
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(180),
            poll_interval: Duration::from_secs(2),
            max_task_failures: 3,
            discovery_grace: Duration::from_secs(30),
            wait_until: WaitUntil::Deployed,
        }
    }
}

/// The verdict and what led to it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WaitReport {
    pub outcome: Outcome,
    /// On ROLLED_BACK: the task definition ECS went back to, when known.
    pub rolled_back_to: Option<String>,
    /// One line: the real reason. Empty on COMPLETED.
    pub failure_message: String,
    /// The cluster as the caller named it.
    pub cluster: String,
    /// The service as the caller named it.
    pub service: String,
    /// The task definition the caller asked for, as given.
    pub desired_task_definition: Option<String>,
    /// The deployment that was watched (`ecs-svc/<number>`), once known.
    pub deployment_id: Option<String>,
    /// Its service deployment ARN, when the service-deployment APIs found it.
    pub service_deployment_arn: Option<String>,
    /// The task definition of the service's PRIMARY deployment at the end.
    pub primary_task_definition: Option<String>,
    pub elapsed: Duration,
    /// Tasks started by the watched deployment that stopped while waiting.
    pub stopped_tasks: Vec<StoppedTask>,
    /// True when the verdict came from `DescribeServices` alone, without the
    /// target's service deployment.
    pub used_fallback: bool,
    /// How the wait followed the deployment, once the first look chose it.
    pub kind: Option<WaitKind>,
    /// How ECS deploys the service (`ROLLING`, `BLUE_GREEN`, …), once seen.
    pub strategy: Option<DeploymentStrategy>,
    /// The staged deployment's lifecycle stage at the end.
    pub lifecycle_stage: Option<LifecycleStage>,
    /// The PAUSE hook the wait stopped at (`--wait-until paused`), or the one the
    /// deployment still waited at when the wait ended.
    pub paused_hook: Option<PausedHook>,
    /// Set when the wait stopped at the caller's checkpoint short of "deployed".
    pub checkpoint: Option<String>,
}

impl WaitReport {
    /// The deployment this wait watched, once found: what an action on it needs.
    pub fn watched(&self) -> Option<Watched> {
        Some(Watched {
            cluster: self.cluster.clone(),
            service: self.service.clone(),
            deployment_id: self.deployment_id.clone()?,
            service_deployment_arn: self.service_deployment_arn.clone(),
            kind: self.kind,
        })
    }
}

/// The deployment a wait watched: in its report, and in the error of a cancelled
/// wait, so a front end can act on it (roll it back) without snooping progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watched {
    /// The cluster and service as the caller named them.
    pub cluster: String,
    pub service: String,
    /// `ecs-svc/<number>`.
    pub deployment_id: String,
    /// Its service deployment, when the service-deployment APIs found it.
    pub service_deployment_arn: Option<String>,
    /// How the wait followed it (`None` if cancelled before the first look).
    pub kind: Option<WaitKind>,
}

/// Why a wait ended without a verdict.
#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    /// Cancelled (Ctrl-C, a Pulumi cancel, `--fail-fast`); `watched` is the
    /// deployment it was following, once found.
    #[error("the wait was cancelled")]
    Cancelled { watched: Option<Box<Watched>> },
    #[error("cluster `{cluster}` not found: check the cluster name and the region")]
    ClusterNotFound { cluster: String },
    #[error(
        "service `{service}` not found in cluster `{cluster}`: check the service name, the cluster and the region"
    )]
    ServiceNotFound { cluster: String, service: String },
    #[error("access denied: the credentials need the IAM permission {permission} ({message})")]
    AccessDenied { permission: String, message: String },
    #[error(transparent)]
    Input(#[from] InputError),
    /// ECS refused the request for a reason retrying will not fix.
    #[error("{0}")]
    Api(String),
    /// The service cannot be waited on the way asked (another deployment
    /// controller, or a checkpoint its strategy or endpoint cannot report).
    #[error("{0}")]
    Unsupported(String),
}

/// What a wait reports while it runs, for progress output.
#[derive(Clone, Debug, Serialize)]
pub enum ProgressEvent {
    DeploymentFound {
        deployment_id: String,
        task_definition: String,
    },
    Status {
        deployment_id: String,
        rollout_state: ProgressState,
        running: i32,
        desired: i32,
        pending: i32,
        failed_tasks: i32,
    },
    /// Each new service event, once.
    ServiceEvent {
        message: String,
    },
    /// Each newly stopped task of the watched deployment, once.
    TaskStopped {
        task: StoppedTask,
    },
    FallbackToDescribeServices {
        reason: String,
    },
    /// A staged deployment moved to a later lifecycle stage (possibly past several).
    StageChanged {
        deployment_id: String,
        stage: LifecycleStage,
    },
    /// Linear and canary steps: how traffic is split now.
    TrafficShifted {
        deployment_id: String,
        /// `family:revision` of the target.
        task_definition: Option<String>,
        test_traffic_weight: Option<f64>,
        production_traffic_weight: Option<f64>,
    },
    /// The deployment waits at a PAUSE hook (once per hook).
    Paused {
        deployment_id: String,
        hook: PausedHook,
        service_deployment_arn: Option<String>,
    },
    /// A staged strategy followed without the service-deployment APIs: its stages
    /// and hooks cannot be seen (once).
    StagesInvisible {
        strategy: DeploymentStrategy,
    },
    Retrying {
        operation: String,
        error: String,
        attempt: u32,
    },
}

/// Follows deployments to verdicts. Cheap to clone; clones share batching,
/// caches and what was learnt about the endpoint.
#[derive(Clone)]
pub struct Watcher {
    shared: Arc<Shared>,
}

/// How long the first look-up of a tick waits for others due at the same moment.
const COALESCING_WINDOW: Duration = Duration::from_millis(20);

pub(crate) struct Shared {
    pub(crate) clients: AwsClients,
    pub(crate) api: Arc<dyn EcsApi>,
    /// Ticks of every wait fall on one grid, `poll_interval` apart from this
    /// moment, so waits started at different times still look together and
    /// share their batched calls.
    tick_origin: Instant,
    pub(crate) services: Batcher<String, String, ServiceSnapshot>,
    pub(crate) service_deployments: Batcher<(), String, ServiceDeployment>,
    pub(crate) service_revisions: Batcher<(), String, ServiceRevision>,
    pub(crate) tasks: Batcher<String, String, StoppedTask>,
    /// Service revision ARN → task definition ARN. Revisions never change.
    revision_task_definitions: Mutex<HashMap<String, String>>,
    /// Set once the service-deployment APIs failed in a way retrying won't fix;
    /// holds the reason.
    service_deployments_unavailable: Mutex<Option<String>>,
}

impl Shared {
    pub(crate) fn service_deployments_unavailable(&self) -> Option<String> {
        locked(&self.service_deployments_unavailable).clone()
    }

    pub(crate) fn remember_service_deployments_unavailable(&self, reason: &str) {
        locked(&self.service_deployments_unavailable).get_or_insert_with(|| reason.to_owned());
    }

    pub(crate) fn cached_revision(&self, revision_arn: &str) -> Option<String> {
        locked(&self.revision_task_definitions)
            .get(revision_arn)
            .cloned()
    }

    pub(crate) fn cache_revision(&self, revision_arn: &str, task_definition: &str) {
        locked(&self.revision_task_definitions)
            .insert(revision_arn.to_owned(), task_definition.to_owned());
    }

    /// The first point of the tick grid at or after `earliest`.
    pub(crate) fn next_tick(&self, earliest: Instant, poll_interval: Duration) -> Instant {
        let interval = poll_interval.as_nanos().max(1);
        let offset = earliest
            .saturating_duration_since(self.tick_origin)
            .as_nanos();
        let ticks = offset.div_ceil(interval);
        let nanos = u64::try_from(ticks.saturating_mul(interval)).unwrap_or(u64::MAX);
        self.tick_origin + Duration::from_nanos(nanos)
    }

    pub(crate) fn revision_snapshot(&self) -> HashMap<String, String> {
        locked(&self.revision_task_definitions).clone()
    }
}

/// The watcher's shared maps hold plain values, always consistent: a panic
/// elsewhere while one was locked cannot corrupt it.
fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One `Describe*` call over many items, for a [`Batcher`].
type DescribeMany<K, Out> =
    for<'a> fn(&'a dyn EcsApi, &'a K, &'a [String]) -> BoxFuture<'a, ApiResult<Out>>;

/// Makes the batchers of one watcher: same API, same backlog signal.
struct BatcherFactory {
    api: Arc<dyn EcsApi>,
    backlogged: batch::Backlogged,
    max_per_call: usize,
}

impl BatcherFactory {
    /// A batcher whose call asks `describe` for every item at once and hands each
    /// item the answer `pick` finds for it (`None`: ECS does not know it).
    fn build<K, Out, R>(
        self,
        describe: DescribeMany<K, Out>,
        pick: fn(&Out, &str) -> Option<R>,
    ) -> Batcher<K, String, R>
    where
        K: Clone + Eq + std::hash::Hash + Send + Sync + 'static,
        Out: Send + 'static,
        R: Clone + Send + 'static,
    {
        let api = self.api;
        let call: batch::BatchCall<K, String, R> = Arc::new(move |key: K, items: Vec<String>| {
            let api = Arc::clone(&api);
            Box::pin(async move {
                let output = describe(api.as_ref(), &key, &items).await?;
                Ok(items.iter().map(|item| pick(&output, item)).collect())
            })
        });
        Batcher::new(COALESCING_WINDOW, self.max_per_call, call).holding_while(self.backlogged)
    }
}

impl Watcher {
    /// A watcher over this one ECS client (a fake, the simulator, a layered client).
    pub fn new(api: Arc<dyn EcsApi>) -> Self {
        Self::with_clients(AwsClients::with_ecs(api))
    }

    /// A watcher over the clients [`connect`](crate::connect) built; each wait
    /// kind takes the clients it needs from them.
    pub fn with_clients(clients: AwsClients) -> Self {
        let api = Arc::clone(clients.ecs());
        let backlog_api = Arc::clone(&api);
        let backlogged: batch::Backlogged = Arc::new(move || backlog_api.is_backlogged());
        let batcher = |max_per_call| BatcherFactory {
            api: Arc::clone(&api),
            backlogged: Arc::clone(&backlogged),
            max_per_call,
        };
        Self {
            shared: Arc::new(Shared {
                services: batcher(MAX_SERVICES_PER_CALL).build(
                    |api, cluster: &String, ids| api.describe_services(cluster, ids),
                    // ECS answers by ARN even when asked by name: match back by identity.
                    |output, id| {
                        output
                            .services
                            .iter()
                            .find(|s| s.is_identified_by(id))
                            .cloned()
                    },
                ),
                service_deployments: batcher(MAX_SERVICE_DEPLOYMENTS_PER_CALL).build(
                    |api, _: &(), arns| api.describe_service_deployments(arns),
                    |output, arn| {
                        output
                            .service_deployments
                            .iter()
                            .find(|sd| sd.service_deployment_arn.as_deref() == Some(arn))
                            .cloned()
                    },
                ),
                service_revisions: batcher(MAX_SERVICE_DEPLOYMENTS_PER_CALL).build(
                    |api, _: &(), arns| api.describe_service_revisions(arns),
                    |revisions, arn| {
                        revisions
                            .iter()
                            .find(|r| r.service_revision_arn.as_deref() == Some(arn))
                            .cloned()
                    },
                ),
                tasks: batcher(MAX_TASKS_PER_CALL).build(
                    |api, cluster: &String, arns| api.describe_tasks(cluster, arns),
                    |described, arn| described.iter().find(|t| t.task_arn == arn).cloned(),
                ),
                api,
                clients,
                tick_origin: Instant::now(),
                revision_task_definitions: Mutex::new(HashMap::new()),
                service_deployments_unavailable: Mutex::new(None),
            }),
        }
    }

    /// The clients this watcher's waits use (for acting on what they watched).
    pub fn clients(&self) -> &AwsClients {
        &self.shared.clients
    }

    /// Waits for one deployment's verdict. Returns `Err` only when there can be
    /// no verdict: bad input, cluster or service not found, missing permission,
    /// cancellation.
    pub async fn wait(
        &self,
        request: WaitRequest,
        options: WaitOptions,
        cancel: CancellationToken,
        progress: Arc<dyn Fn(ProgressEvent) + Send + Sync>,
    ) -> Result<WaitReport, WaitError> {
        let session = session::Session::new(&self.shared, request, options, cancel, progress)?;
        session.run().await
    }
}
