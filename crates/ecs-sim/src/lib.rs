//! A local Amazon ECS simulator that speaks ECS's real JSON 1.1 wire protocol, so the real
//! AWS SDK and AWS CLI can drive it: deployments roll out, fail, trip the circuit breaker and
//! roll back over (scaled) time, with fault injection and per-operation call counters.
//! It is a test double for deployment watchers, not a container runtime: nothing runs, and
//! task behaviour is read from the task definition by the rules below.
//!
//! # Starting one
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sim = ecs_sim::start(ecs_sim::SimConfig { time_scale: 100.0, ..Default::default() }).await?;
//! println!("point the SDK at {}", sim.endpoint()); // http://127.0.0.1:PORT
//! # Ok(()) }
//! ```
//!
//! Requests are `POST /` with `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Operation>`.
//! Implemented: CreateCluster, DescribeClusters, RegisterTaskDefinition, DescribeTaskDefinition,
//! CreateService, UpdateService, DeleteService, DescribeServices, ListServices,
//! ListServiceDeployments, DescribeServiceDeployments, DescribeServiceRevisions, ListTasks,
//! DescribeTasks. Authentication is not checked.
//!
//! # Time
//!
//! Simulated time is real elapsed time × `time_scale`; all durations below are simulated
//! seconds. State is advanced lazily, event by event, whenever a request touches a service,
//! so 1,000 idle services cost nothing between requests.
//!
//! # Task behaviour rules
//!
//! What a task does is decided from its task definition:
//!
//! - **Normal**: PROVISIONING 2 s → PENDING 5 s → RUNNING. Without a container health check the
//!   task counts as healthy once RUNNING (its `healthStatus` stays UNKNOWN, as in ECS); with a
//!   passing one it turns HEALTHY `healthCheck.startPeriod` seconds after RUNNING (10 s if unset).
//! - **`SIM_STARTUP_SECONDS=<n>`** in a container's `environment` sets the PENDING time to `n`.
//! - **Exiting essential container**: `command` or `entryPoint` is `["/bin/false"]` or
//!   `["false"]`, or contains `exit 1` → RUNNING, then 2 s later the container exits with code 1:
//!   stopCode `EssentialContainerExited`, stoppedReason "Essential container in task exited",
//!   event "(service S) has stopped 1 running tasks: (task ID).". A failed task; it is replaced.
//! - **Missing image**: an image containing `does-not-exist` or `nonexistent` fails 3 s into
//!   PENDING: stopCode `TaskFailedToStart`, stoppedReason (and container reason)
//!   "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve
//!   ref `<image>`: not found", no exit code. A failed task; it is replaced.
//! - **Failing health check**: an essential container's `healthCheck.command` containing
//!   `/bin/false` or `exit 1` → RUNNING, never HEALTHY, and UNHEALTHY after
//!   `startPeriod + interval × retries` (defaults 0 + 30 × 3): stopped with "Task failed container
//!   health checks", event "(service S) (task ID) failed container health checks.". A failed task.
//! - **Too big**: task or container memory > 30720 MiB or cpu > 16384 units → no task is ever
//!   placed; every 60 s the event "(service S) was unable to place a task because no container
//!   instance met all of its requirements. Reason: No Container Instances were found in your
//!   cluster." Not a failed task: the deployment stays IN_PROGRESS.
//!
//! Stopping takes 2 s (DEPROVISIONING, then STOPPED). Up to 200 stopped tasks per service stay
//! listable (`ListTasks` with `desiredStatus: STOPPED`).
//!
//! # Deployments
//!
//! Rolling replacement starts new tasks within `maximumPercent` (default 200) and stops old
//! ones only while at least `minimumHealthyPercent` (default 100) of the desired count stays
//! healthy. A rollout COMPLETES after exactly the desired number of healthy new tasks, and
//! nothing else, have been there for 5 s; older deployments then leave `deployments[]`.
//! Deployment ids are `ecs-svc/N`; the matching service revision ARN ends in the same `N`.
//! With the circuit breaker on, a deployment FAILS when its failed tasks reach
//! `clamp(ceil(desired / 2), 3, 200)`; with rollback, a new PRIMARY runs the task definition of
//! the last COMPLETED deployment and the failed service deployment goes ROLLBACK_IN_PROGRESS,
//! then ROLLBACK_SUCCESSFUL (its `rollback.serviceRevisionArn` is the rollback deployment's
//! revision). Without the breaker, a failing deployment replaces tasks forever.
//!
//! # Scenarios
//!
//! [`scenario`] registers task definitions that behave like the rules above say (healthy, slow,
//! crash-looping, failing health checks, missing image, unplaceable) and creates, settles and
//! updates services through the real `aws-sdk-ecs` client: the one place that encodes the
//! triggers, for tests, benchmarks and the CLI's demo.
//!
//! # Faults and counters
//!
//! See [`Faults`] (settable in-process or with `PUT /_sim/faults`) and [`SimHandle::call_counts`]
//! (or `GET /_sim/calls`). A connection reset closes the connection without a response (hyper
//! closes it cleanly; the client sees the connection end before a response, not a TCP RST).
//!
//! # STS
//!
//! A form-encoded `POST /` is STS (awsQuery): `AssumeRole` grants the roles allowed with
//! [`SimHandle::allow_assume_role`] with sessions that expire after the given *real* time (SDK credential
//! caches read the wall clock), and AccessDenied for any other role. ECS calls signed with an expired session
//! get `ExpiredTokenException`. Calls are counted as `AssumeRole`; [`SimHandle::issued_credentials`] lists
//! the sessions, so tests can prove their secrets never leak.

mod admin;
mod behaviour;
mod clock;
mod config;
mod counters;
mod faults;
mod model;
mod ops;
pub mod scenario;
mod server;
mod sts;
mod wire;

pub use config::{ConfigError, SimConfig};
pub use counters::CallCounts;
pub use faults::{Faults, FaultsError, ServiceDeploymentsApi};
pub use model::actions::RecordedAction;
pub use model::alarms::AlarmState;
pub use server::{SimHandle, start, start_on};
pub use sts::IssuedCredentials;

/// The simulator as a type, for callers that prefer `Simulator::start(config)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Simulator;

impl Simulator {
    /// Same as [`start`].
    pub async fn start(config: SimConfig) -> std::io::Result<SimHandle> {
        start(config).await
    }

    /// Same as [`start_on`].
    pub async fn start_on(
        config: SimConfig,
        address: std::net::SocketAddr,
    ) -> std::io::Result<SimHandle> {
        start_on(config, address).await
    }
}
