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
//! Implemented: CreateCluster, DescribeClusters, ListClusters, DeleteCluster,
//! RegisterTaskDefinition, DescribeTaskDefinition, ListTaskDefinitions, ListTaskDefinitionFamilies,
//! DeregisterTaskDefinition, DeleteTaskDefinitions, CreateService, UpdateService, DeleteService,
//! DescribeServices, ListServices, ListServiceDeployments, DescribeServiceDeployments,
//! DescribeServiceRevisions, ContinueServiceDeployment, StopServiceDeployment, ListTasks,
//! DescribeTasks, StopTask, TagResource, UntagResource,
//! ListTagsForResource. Any other action is answered as ECS answers an unknown one: 400 with
//! `{"__type": "com.amazon.coral.service#UnknownOperationException"}`. Authentication is not
//! checked.
//!
//! # Wire fidelity
//!
//! Every answer is checked against the ECS service model the AWS SDKs are generated from by
//! `tests/conformance/run.sh` (botocore's `service-2.json`): no `null` members (absent members are
//! left out, e.g. `nextToken` on the last page), no members the model lacks, enum values of the
//! model, timestamps as epoch seconds, and only error codes the operation declares. Request ids
//! (`x-amzn-RequestId`) are random UUIDs. Inputs ECS stores are echoed by DescribeServices:
//! `healthCheckGracePeriodSeconds` (also honoured, see below), `capacityProviderStrategy` (then
//! without `launchType`), `enableExecuteCommand`, `enableECSManagedTags`, `propagateTags`,
//! `availabilityZoneRebalancing` (ENABLED unless given); `tags` of CreateCluster, CreateService and
//! RegisterTaskDefinition are kept and returned with `include: ["TAGS"]` and by
//! ListTagsForResource. Fargate tasks carry the `ElasticNetworkInterface` attachment ECS reports
//! (subnet from the service's `awsvpcConfiguration`).
//!
//! # Deployment controllers
//!
//! `deploymentController.type` may be ECS (the default), CODE_DEPLOY or EXTERNAL; it is echoed by
//! DescribeServices. Only ECS services deploy new revisions here: the first tasks of any service start
//! as usual, and UpdateService with a new task definition on a CODE_DEPLOY service is refused as ECS
//! refuses it (its deployments belong to CodeDeploy, which the simulator does not have).
//!
//! # Regions
//!
//! The region of a call is the region of its SigV4 credential scope (`Credential=<key>/<date>/
//! <region>/ecs/aws4_request`); unsigned calls use [`SimConfig::region`]. Each region is its own
//! world: its ARNs name it, and clusters, services and task definitions of one region are not seen
//! from another.
//!
//! # Task definitions
//!
//! With `requiresCompatibilities: ["FARGATE"]`, RegisterTaskDefinition takes only the Fargate sizes
//! (cpu units: memory MiB in steps): 256: 512, 1024, 2048; 512: 1024-4096 by 1024; 1024: 2048-8192
//! by 1024; 2048: 4096-16384 by 1024; 4096: 8192-30720 by 1024; 8192: 16384-61440 by 4096; 16384:
//! 32768-122880 by 8192. Other pairs are a ClientException ("No Fargate configuration exists for
//! given values: ..."), as are a network mode other than awsvpc and a missing task cpu or memory.
//! Deregistered revisions are INACTIVE (a family alone then means its latest ACTIVE revision, and
//! services cannot start on them); DeleteTaskDefinitions turns INACTIVE revisions
//! DELETE_IN_PROGRESS and refuses ACTIVE ones in `failures`. An unknown task definition in
//! CreateService, UpdateService or DescribeTaskDefinition is a ClientException "TaskDefinition not
//! found.".
//!
//! # Time
//!
//! Simulated time is real elapsed time × `time_scale`, anchored to the wall clock when the
//! simulator starts: simulated "now" begins at the real time of start-up and then runs
//! `time_scale` times faster, so at high time scales timestamps are ahead of the wall clock. All
//! durations below are simulated seconds. State is advanced lazily, event by event, whenever a request touches a service,
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
//! - **Exiting essential container**: the whole `command` or `entryPoint` is `["/bin/false"]` or
//!   `["false"]`, or a shell (`sh -c`, `bash -c`, ...) whose whole script is `exit 1`, `false` or
//!   `/bin/false` (not `exit 10`, not `sleep 1; exit 1`, not `serve || exit 1`: only an
//!   unambiguous trigger fails) → RUNNING, then 2 s later the container exits with code 1:
//!   stopCode `EssentialContainerExited`, stoppedReason "Essential container in task exited",
//!   event "(service S) has stopped 1 running tasks: (task ID).". A failed task; it is replaced.
//! - **Missing image**: an image containing `does-not-exist` or `nonexistent` fails 3 s into
//!   PENDING: stopCode `TaskFailedToStart`, stoppedReason (and container reason)
//!   "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve
//!   ref `<image>`: not found", no exit code. A failed task; it is replaced.
//! - **Failing health check**: an essential container's `healthCheck.command` is exactly
//!   `["CMD-SHELL", S]` with the whole script `S` being `exit 1`, `false` or `/bin/false`, or
//!   `["CMD", "/bin/false"]`/`["CMD", "false"]` (or `CMD` running a shell with such a script) →
//!   RUNNING, never HEALTHY, and UNHEALTHY after `startPeriod + interval × retries` (defaults
//!   0 + 30 × 3), or after the service's `healthCheckGracePeriodSeconds` if that is later: stopped
//!   with "Task failed container health checks", event "(service S) (task ID) failed container
//!   health checks.". A failed task. Every other check passes, including the one in AWS's docs,
//!   `["CMD-SHELL", "curl -f http://localhost/ || exit 1"]`.
//! - **Cannot place** (the explicit trigger): a container whose `memory` or `cpu` exceeds its
//!   task's, a task or container over 16384 CPU units or 122880 MiB, or on Fargate a task
//!   cpu/memory pair outside the Fargate table → no task is ever placed; every 60 s the event
//!   "(service S) was unable to place a task. Reason: Capacity is unavailable at this time. ..."
//!   (Fargate) or "... because no container instance met all of its requirements. ..." (EC2).
//!   Not a failed task: the deployment stays IN_PROGRESS. Valid Fargate sizes such as 8 vCPU /
//!   32 GiB are placed.
//!
//! StopTask stops a task (stopCode `UserInitiated`, not a failed task) and the scheduler starts a
//! replacement. Stopping takes 2 s (DEPROVISIONING, then STOPPED). Up to 200 stopped tasks per service stay
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
//! `clamp(ceil(desired / 2), 3, 200)` (its status is MONITORING until the deployment completes,
//! then MONITORING_COMPLETE, or TRIGGERED); with rollback, a new PRIMARY runs the task definition of
//! the last COMPLETED deployment and the failed service deployment goes ROLLBACK_IN_PROGRESS,
//! then ROLLBACK_SUCCESSFUL (its `rollback.serviceRevisionArn` is the rollback deployment's
//! revision). Without the breaker, a failing deployment replaces tasks forever.
//!
//! **Early success** (`deploymentConfiguration.earlySuccessCriteria`, ROLLING only): with
//! `enable: true` (then `healthyPercent`, from minimumHealthyPercent to 100, and
//! `sourceServiceRevisionCleanup` are required) a requested rolling deployment is SUCCESSFUL, with
//! `finishedAt`, and its rollout COMPLETED as soon as `ceil(desired × healthyPercent / 100)` of its
//! tasks are healthy; the breaker and alarms stop watching it then, and it keeps scaling to the
//! desired count. BLOCKING first stops every task of the older deployments and succeeds once they
//! are STOPPED; DEFERRED succeeds at once and leaves the older tasks running for 30 s, then drains
//! them as usual, so DescribeServices still lists the older ACTIVE deployment with running tasks
//! beside a SUCCESSFUL service deployment. Older deployments leave `deployments[]` when their last
//! task is gone. The simulator's rolling deployments have no bake time, with or without it;
//! rollback deployments complete as usual. Given with another strategy, or out of range, it is an
//! InvalidParameterException naming the member; an UpdateService that switches strategy drops it.
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
