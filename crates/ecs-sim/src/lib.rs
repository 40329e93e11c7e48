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
//! ListServiceDeployments, DescribeServiceDeployments, DescribeServiceRevisions,
//! ContinueServiceDeployment, StopServiceDeployment, ListTasks, DescribeTasks. Authentication is
//! not checked.
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
//! # Staged deployments: BLUE_GREEN, LINEAR, CANARY
//!
//! `deploymentConfiguration.strategy` other than ROLLING (the default) makes a requested
//! deployment go through ECS's lifecycle stages, reported as the ServiceDeployment's
//! `lifecycleStage`. Each stage below lasts 3 s unless it says otherwise:
//!
//! 1. RECONCILE_SERVICE, only when more than one source revision has running tasks;
//! 2. PRE_SCALE_UP;
//! 3. SCALE_UP: green tasks start beside blue (maximumPercent does not limit them); it ends once
//!    the desired number of green tasks is healthy;
//! 4. POST_SCALE_UP;
//! 5. TEST_TRAFFIC_SHIFT: green gets 100% of test traffic;
//! 6. POST_TEST_TRAFFIC_SHIFT;
//! 7. PRODUCTION_TRAFFIC_SHIFT, one step per shift: PRE_PRODUCTION_TRAFFIC_SHIFT hooks, the shift
//!    (3 s), PRODUCTION_TRAFFIC_SHIFT hooks, then the step bake. BLUE_GREEN shifts 100% at once;
//!    LINEAR shifts `stepPercent` (3.0-100.0, multiples of 0.1, default 10) at a time with
//!    `stepBakeTimeInMinutes` (default 6) after every step but the last; CANARY shifts
//!    `canaryPercent` (0.1-100.0, default 5), bakes `canaryBakeTimeInMinutes` (default 10), then
//!    shifts the rest;
//! 8. POST_PRODUCTION_TRAFFIC_SHIFT;
//! 9. BAKE_TIME: `bakeTimeInMinutes` (0-1440; required for BLUE_GREEN, 0 when absent otherwise);
//! 10. CLEAN_UP: blue tasks are stopped; once they are gone (and at least 3 s passed) the
//!     deployment is SUCCESSFUL, its rollout COMPLETED, and older deployments leave
//!     `deployments[]` (in which the green deployment is PRIMARY from the start).
//!
//! `targetServiceRevision` and `sourceServiceRevisions[]` carry `requestedTestTrafficWeight` and
//! `requestedProductionTrafficWeight` (percent, 0-100): the target has what was shifted so far;
//! the rest is on the source revision that was serving when the deployment started (the last
//! completed one), other sources get 0. A first deployment (CreateService) has no source.
//!
//! **Lifecycle hooks** (`lifecycleHooks[]`) run at their stages (all hooks of a stage together;
//! the stage ends when each SUCCEEDED or TIMED_OUT with CONTINUE) and are listed in
//! `lifecycleHookDetails[]`. Their `hookId` is `<service deployment id>-hook<index>-<stage>`, with
//! `-<step>` (from 1) at the production traffic stages. `timeoutConfiguration` defaults to 1440
//! minutes and ROLLBACK. An **AWS_LAMBDA** hook (needs `hookTargetArn`, a Lambda function ARN, and
//! `roleArn`) is IN_PROGRESS, then decided by the function name: containing `fail` → FAILED
//! after 5 s (the deployment rolls back); containing `slow` → never answers, TIMED_OUT at its
//! timeout, then its timeout action; anything else → SUCCEEDED after 5 s. A **PAUSE** hook (not
//! allowed at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT) is AWAITING_ACTION until
//! ContinueServiceDeployment (CONTINUE → SUCCEEDED; ROLLBACK → FAILED and a rollback) or its
//! timeout (TIMED_OUT, then its timeout action).
//!
//! **Rollback** of a staged deployment (failed hook, alarm, circuit breaker with rollback,
//! StopServiceDeployment): ROLLBACK_IN_PROGRESS, the target's traffic weights go to 0 and the
//! serving source revision's back to 100, green tasks stop, and once they are gone the status is
//! ROLLBACK_SUCCESSFUL, the green deployment leaves `deployments[]` and the service is back on the
//! source's task definition. With nothing to roll back to (a first deployment) it is
//! ROLLBACK_FAILED and stays as it is. Without rollback (alarms with `rollback: false`, the
//! breaker without rollback) the deployment is STOPPED and its rollout FAILED, tasks left as they
//! are.
//!
//! # CloudWatch alarms
//!
//! With `deploymentConfiguration.alarms` enabled, a deployment in progress (a rolling one until
//! it COMPLETES; a staged one until CLEAN_UP, its bake time included) that sees any of its
//! alarms in ALARM fails: `alarms.triggeredAlarmNames` names them, `alarms.status` is TRIGGERED,
//! and with `rollback: true` it rolls back (a rolling one as the circuit breaker does), else it
//! is STOPPED. Alarm states are set with [`SimHandle::set_alarm`] or
//! `PUT /_sim/alarms/<name>` `{"state": "ALARM"}` (or `"OK"`); every alarm is OK until set.
//! A container environment variable **`SIM_ALARM_IN_BAKE=<name>`** in the green task definition
//! makes its staged deployment see alarm `<name>` in ALARM from the moment it reaches
//! BAKE_TIME (that deployment only; the alarm must be among the watched ones).
//!
//! # Continue and stop
//!
//! ContinueServiceDeployment {serviceDeploymentArn, hookId, action CONTINUE (default) |
//! ROLLBACK} answers a PAUSE hook. StopServiceDeployment {serviceDeploymentArn, stopType
//! ROLLBACK (default)} rolls back any IN_PROGRESS deployment, ROLLING included and whatever its
//! rollback settings. Both answer `{"serviceDeploymentArn": ...}`. Errors: an ARN that is not a
//! service deployment ARN, a `hookId` naming no hook of the deployment, stopType ABORT →
//! InvalidParameterException; an ARN naming no deployment → ServiceDeploymentNotFoundException;
//! continuing a deployment not IN_PROGRESS or a hook not AWAITING_ACTION → ClientException;
//! stopping a deployment not IN_PROGRESS or in CLEAN_UP → ConflictException. Accepted calls
//! are listed by [`SimHandle::recorded_actions`] (`GET /_sim/actions`); every call is counted.
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
