//! Scenarios: "register a task definition that behaves like X, run a steady service on it,
//! deploy Y", through the real ECS wire protocol (the `aws-sdk-ecs` client), for the tests,
//! the benchmarks and the CLI's demo.
//!
//! [`TaskBehaviour`] is the one place that knows how the simulator's task-behaviour rules (see
//! the crate docs) are triggered: `/bin/false`, an image from a registry that does not exist,
//! a failing health check, more memory than any host has, `SIM_STARTUP_SECONDS`. Callers say
//! what they want to happen, not how the simulator recognises it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use ecs_sim::scenario::{CircuitBreaker, Scenario, TaskBehaviour};
//! let sim = ecs_sim::start(ecs_sim::SimConfig { time_scale: 100.0, ..Default::default() }).await?;
//! let scenario = Scenario::new(ecs_sim::scenario::client(&sim.endpoint()), "prod");
//! scenario.create_cluster().await?;
//! let first = scenario
//!     .steady_service("web", 2, CircuitBreaker::On { rollback: true })
//!     .await?;
//! let broken = scenario.deploy("web", TaskBehaviour::ExitsAtOnce).await?;
//! # let _ = (first, broken); Ok(()) }
//! ```

mod staged;

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use aws_sdk_ecs::Client;
use aws_sdk_ecs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ecs::error::{DisplayErrorContext, SdkError};
use aws_sdk_ecs::operation::update_service::UpdateServiceOutput;
use aws_sdk_ecs::types::{
    ContainerDefinition, DeploymentCircuitBreaker, DeploymentConfiguration,
    DeploymentLifecycleHookAction, HealthCheck, KeyValuePair, Service, ServiceDeployment,
    StopServiceDeploymentStopType,
};

pub use staged::{
    DeploymentSpec, HOOK_ACCOUNT, HOOK_ROLE_ARN, Hook, LambdaOutcome, Strategy, lambda_arn,
    with_alarm_in_bake,
};

use crate::behaviour::MAX_PLACEABLE_MEMORY_MIB;
use crate::model::task_definition::STARTUP_SECONDS_VARIABLE;

/// The region every scenario client uses (the simulator accepts any).
pub const REGION: &str = "us-east-1";
/// The container name of a scenario's task definitions, unless [`TaskSpec::container_name`] says otherwise.
pub const CONTAINER_NAME: &str = "app";
/// The image of a scenario's task definitions, unless [`TaskSpec::image`] says otherwise.
pub const IMAGE: &str = "public.ecr.aws/nginx/nginx:1.27";
/// The registry a [`TaskBehaviour::MissingImage`] image is pulled from: the simulator cannot pull
/// from it (an image naming `nonexistent` is missing).
pub const MISSING_REGISTRY: &str = "nonexistent.example";
/// Container memory of [`TaskBehaviour::Unplaceable`]: more than any simulated host has.
pub const UNPLACEABLE_MEMORY_MIB: i32 = 65_536;
/// PENDING time of [`TaskBehaviour::NeverReady`]: about 11.6 simulated days.
pub const NEVER_READY_STARTUP_SECONDS: u32 = 1_000_000;
/// How often [`Scenario::wait_until_steady`] asks, in real time.
const STEADY_POLL: Duration = Duration::from_millis(20);

// More than the scenario's 512 MiB task has: the simulator's explicit "cannot place" trigger.
const _: () = assert!(
    UNPLACEABLE_MEMORY_MIB as u32 > 512
        && UNPLACEABLE_MEMORY_MIB as u32 <= MAX_PLACEABLE_MEMORY_MIB
);

/// What every task of a task definition does in the simulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskBehaviour {
    /// RUNNING 7 s after launch (PROVISIONING 2 s, PENDING 5 s), healthy at once (no health check).
    Healthy,
    /// Healthy, but every task stays PENDING this many simulated seconds first.
    SlowStart(u32),
    /// Stays PENDING for [`NEVER_READY_STARTUP_SECONDS`]: the deployment stays IN_PROGRESS for
    /// anything a test or benchmark waits.
    NeverReady,
    /// The essential container runs `/bin/false`: it exits 1 two seconds after RUNNING, and the
    /// task is replaced (a crash loop).
    ExitsAtOnce,
    /// The essential container's health check runs `exit 1` every 5 s, 2 retries: the task is
    /// RUNNING but never HEALTHY, and UNHEALTHY (then replaced) 10 s after RUNNING.
    FailsHealthChecks,
    /// The image lives in [`MISSING_REGISTRY`]: the task fails to start with
    /// CannotPullContainerError 3 s into PENDING.
    MissingImage,
    /// The container asks for [`UNPLACEABLE_MEMORY_MIB`]: no task is ever placed, and the
    /// deployment stays IN_PROGRESS without failed tasks.
    Unplaceable,
}

impl TaskBehaviour {
    /// The one container of a task definition behaving like this, named `name`, running `image`
    /// (for [`TaskBehaviour::MissingImage`], the same repository and tag from [`MISSING_REGISTRY`]).
    pub fn container(self, name: &str, image: &str) -> ContainerDefinition {
        let container = ContainerDefinition::builder()
            .name(name)
            .image(image)
            .essential(true);
        let startup = |seconds: u32| {
            KeyValuePair::builder()
                .name(STARTUP_SECONDS_VARIABLE)
                .value(seconds.to_string())
                .build()
        };
        match self {
            TaskBehaviour::Healthy => container,
            TaskBehaviour::SlowStart(seconds) => container.environment(startup(seconds)),
            TaskBehaviour::NeverReady => {
                container.environment(startup(NEVER_READY_STARTUP_SECONDS))
            }
            TaskBehaviour::ExitsAtOnce => container.command("/bin/false"),
            TaskBehaviour::FailsHealthChecks => container.health_check(failing_health_check()),
            TaskBehaviour::MissingImage => container.image(missing_image(image)),
            TaskBehaviour::Unplaceable => container.memory(UNPLACEABLE_MEMORY_MIB),
        }
        .build()
    }
}

fn failing_health_check() -> HealthCheck {
    HealthCheck::builder()
        .command("CMD-SHELL")
        .command("exit 1")
        .interval(5)
        .retries(2)
        .build()
        .expect("a health check with a command")
}

/// `repository:tag` of `image`, from [`MISSING_REGISTRY`]: `public.ecr.aws/nginx/nginx:1.27`
/// becomes `nonexistent.example/nginx:1.27`.
fn missing_image(image: &str) -> String {
    let repository_and_tag = image.rsplit('/').next().unwrap_or(image);
    format!("{MISSING_REGISTRY}/{repository_and_tag}")
}

/// A task definition to register: a family with one essential container behaving as `behaviour`,
/// task size 256 CPU units and 512 MiB.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskSpec {
    pub family: String,
    pub behaviour: TaskBehaviour,
    pub container_name: String,
    pub image: String,
}

impl TaskSpec {
    pub fn new(family: impl Into<String>, behaviour: TaskBehaviour) -> TaskSpec {
        TaskSpec {
            family: family.into(),
            behaviour,
            container_name: CONTAINER_NAME.to_owned(),
            image: IMAGE.to_owned(),
        }
    }

    /// The container's name, as it appears in stopped tasks and verdicts ("web exited 1").
    pub fn container_name(mut self, name: impl Into<String>) -> TaskSpec {
        self.container_name = name.into();
        self
    }

    pub fn image(mut self, image: impl Into<String>) -> TaskSpec {
        self.image = image.into();
        self
    }

    pub fn container(&self) -> ContainerDefinition {
        self.behaviour.container(&self.container_name, &self.image)
    }
}

/// Whether a service has the deployment circuit breaker, and whether it rolls back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CircuitBreaker {
    /// No circuit breaker: a failing deployment replaces tasks forever.
    #[default]
    Off,
    On {
        rollback: bool,
    },
}

/// How long (real time) a first rollout may take to settle in the fixtures.
pub const STEADY_WITHIN: Duration = Duration::from_secs(60);

impl CircuitBreaker {
    /// A breaker that rolls a failing deployment back: what most services deploy with.
    pub const ROLLS_BACK: CircuitBreaker = CircuitBreaker::On { rollback: true };

    /// `Some(rollback)` for a breaker with or without rollback, `None` for none.
    pub fn from_rollback(rollback: Option<bool>) -> CircuitBreaker {
        rollback.map_or(CircuitBreaker::Off, |rollback| CircuitBreaker::On {
            rollback,
        })
    }

    /// The `deploymentConfiguration` of a service with this breaker (ECS's default percentages).
    pub fn deployment_configuration(self) -> DeploymentConfiguration {
        let configuration = DeploymentConfiguration::builder();
        match self {
            CircuitBreaker::Off => configuration,
            CircuitBreaker::On { rollback } => configuration.deployment_circuit_breaker(
                DeploymentCircuitBreaker::builder()
                    .enable(true)
                    .rollback(rollback)
                    .build(),
            ),
        }
        .build()
    }
}

/// A call a scenario made that failed: which one, and the SDK's whole error chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{operation}: {detail}")]
pub struct ScenarioError {
    pub operation: String,
    pub detail: String,
}

impl ScenarioError {
    fn new(operation: impl Into<String>, detail: impl Into<String>) -> ScenarioError {
        ScenarioError {
            operation: operation.into(),
            detail: detail.into(),
        }
    }

    fn sdk<E: std::error::Error + 'static>(
        operation: impl Into<String>,
    ) -> impl FnOnce(SdkError<E>) -> ScenarioError {
        let operation = operation.into();
        move |error| ScenarioError::new(operation, DisplayErrorContext(&error).to_string())
    }
}

/// The SDK configuration of a client for a local simulator: static dummy credentials, region
/// [`REGION`], the endpoint given; nothing is read from the environment or a profile, so no
/// request can reach AWS. Add retry or timeout settings before `build()`.
pub fn client_config(endpoint: &str) -> aws_sdk_ecs::config::Builder {
    aws_sdk_ecs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "ecs-sim"))
}

/// A client as [`client_config`] configures it.
pub fn client(endpoint: &str) -> Client {
    Client::from_conf(client_config(endpoint).build())
}

/// Starts a simulator with `config` and creates `cluster` in it: the simulator, and scenarios in that
/// cluster through a [`client`] of it.
pub async fn start_with_cluster(
    config: crate::SimConfig,
    cluster: &str,
) -> Result<(crate::SimHandle, Scenario), ScenarioError> {
    let sim = crate::start(config)
        .await
        .map_err(|error| ScenarioError::new("starting ecs-sim on 127.0.0.1", error.to_string()))?;
    let scenario = Scenario::new(client(&sim.endpoint()), cluster);
    scenario.create_cluster().await?;
    Ok((sim, scenario))
}

/// A deployment [`Scenario::deploying`] started: the task definition ARNs it rolls out from and to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rollout {
    /// The settled first revision.
    pub from: String,
    /// The revision being deployed.
    pub to: String,
}

/// Sets up clusters, task definitions, services and deployments in one cluster of a simulator.
#[derive(Clone, Debug)]
pub struct Scenario {
    ecs: Client,
    cluster: String,
}

impl Scenario {
    /// Scenarios in `cluster`, through `ecs` (a client of the simulator, e.g. [`client`]).
    pub fn new(ecs: Client, cluster: impl Into<String>) -> Scenario {
        Scenario {
            ecs,
            cluster: cluster.into(),
        }
    }

    pub fn ecs(&self) -> &Client {
        &self.ecs
    }

    pub fn cluster(&self) -> &str {
        &self.cluster
    }

    /// The same client and simulator, in another cluster.
    pub fn in_cluster(&self, cluster: impl Into<String>) -> Scenario {
        Scenario::new(self.ecs.clone(), cluster)
    }

    /// `<operation> <cluster>/<service>`: what a failed call was doing.
    fn about(&self, operation: &str, service: &str) -> String {
        format!("{operation} {}/{service}", self.cluster)
    }

    pub async fn create_cluster(&self) -> Result<(), ScenarioError> {
        self.ecs
            .create_cluster()
            .cluster_name(&self.cluster)
            .send()
            .await
            .map_err(ScenarioError::sdk(format!(
                "CreateCluster {}",
                self.cluster
            )))?;
        Ok(())
    }

    /// Whether DescribeClusters lists this scenario's cluster in the region the client signs for (each
    /// region is its own world).
    pub async fn describes_cluster(&self) -> Result<bool, ScenarioError> {
        let described = self
            .ecs
            .describe_clusters()
            .clusters(&self.cluster)
            .send()
            .await
            .map_err(ScenarioError::sdk(format!(
                "DescribeClusters {}",
                self.cluster
            )))?;
        Ok(!described.clusters().is_empty())
    }

    /// Deletes `service` even while it runs tasks (`force`): it drains, then turns INACTIVE.
    pub async fn delete_service(&self, service: &str) -> Result<(), ScenarioError> {
        self.ecs
            .delete_service()
            .cluster(&self.cluster)
            .service(service)
            .force(true)
            .send()
            .await
            .map_err(ScenarioError::sdk(self.about("DeleteService", service)))?;
        Ok(())
    }

    /// Registers `family` with the default container behaving as `behaviour`; returns its ARN.
    pub async fn register(
        &self,
        family: &str,
        behaviour: TaskBehaviour,
    ) -> Result<String, ScenarioError> {
        self.register_spec(&TaskSpec::new(family, behaviour)).await
    }

    /// Registers the task definition `spec` describes; returns its ARN.
    pub async fn register_spec(&self, spec: &TaskSpec) -> Result<String, ScenarioError> {
        self.register_container(&spec.family, spec.container())
            .await
    }

    /// Registers `family` with one container as given (task size 256 CPU units, 512 MiB), for
    /// tests of the behaviour rules themselves; returns its ARN.
    pub async fn register_container(
        &self,
        family: &str,
        container: ContainerDefinition,
    ) -> Result<String, ScenarioError> {
        let operation = format!("RegisterTaskDefinition {family}");
        let output = self
            .ecs
            .register_task_definition()
            .family(family)
            .container_definitions(container)
            .cpu("256")
            .memory("512")
            .send()
            .await
            .map_err(ScenarioError::sdk(operation.clone()))?;
        output
            .task_definition()
            .and_then(|definition| definition.task_definition_arn())
            .map(str::to_owned)
            .ok_or_else(|| ScenarioError::new(operation, "no task definition ARN in the answer"))
    }

    /// Creates `service` on `task_definition` with `desired` tasks (launch type FARGATE, ECS's
    /// default percentages); its first rollout starts at once.
    pub async fn create_service(
        &self,
        service: &str,
        task_definition: &str,
        desired: i32,
        circuit_breaker: CircuitBreaker,
    ) -> Result<(), ScenarioError> {
        self.create_service_with(
            service,
            task_definition,
            desired,
            circuit_breaker.deployment_configuration(),
        )
        .await
    }

    /// Points `service` at `task_definition`: a new deployment.
    pub async fn update_service(
        &self,
        service: &str,
        task_definition: &str,
    ) -> Result<(), ScenarioError> {
        self.send_update(service, task_definition, None).await?;
        Ok(())
    }

    /// UpdateService to `task_definition`, with a new `deploymentConfiguration` if one is given.
    async fn send_update(
        &self,
        service: &str,
        task_definition: &str,
        configuration: Option<DeploymentConfiguration>,
    ) -> Result<UpdateServiceOutput, ScenarioError> {
        self.ecs
            .update_service()
            .cluster(&self.cluster)
            .service(service)
            .task_definition(task_definition)
            .set_deployment_configuration(configuration)
            .send()
            .await
            .map_err(ScenarioError::sdk(self.about("UpdateService", service)))
    }

    /// Registers a revision of family `service` behaving as `behaviour` and points the service at
    /// it; returns its ARN.
    pub async fn deploy(
        &self,
        service: &str,
        behaviour: TaskBehaviour,
    ) -> Result<String, ScenarioError> {
        self.deploy_spec(service, &TaskSpec::new(service, behaviour))
            .await
    }

    /// Registers `spec` and points `service` at it; returns its ARN.
    pub async fn deploy_spec(
        &self,
        service: &str,
        spec: &TaskSpec,
    ) -> Result<String, ScenarioError> {
        let task_definition = self.register_spec(spec).await?;
        self.update_service(service, &task_definition).await?;
        Ok(task_definition)
    }

    /// A service of family `service` on a healthy first revision, with its first rollout
    /// completed (waited for in real time, at most [`STEADY_WITHIN`]). Returns the first revision's ARN.
    pub async fn steady_service(
        &self,
        service: &str,
        desired: i32,
        circuit_breaker: CircuitBreaker,
    ) -> Result<String, ScenarioError> {
        let first = self.register(service, TaskBehaviour::Healthy).await?;
        self.create_service(service, &first, desired, circuit_breaker)
            .await?;
        self.wait_until_steady(service, STEADY_WITHIN).await?;
        Ok(first)
    }

    /// `service` [steady](Scenario::steady_service) on a healthy first revision with `desired` tasks and
    /// `circuit_breaker`, then [deploying](Scenario::deploy) a revision behaving as `next`: the set-up
    /// of most tests of a wait. Returns both revisions' ARNs.
    pub async fn deploying(
        &self,
        service: &str,
        desired: i32,
        circuit_breaker: CircuitBreaker,
        next: TaskBehaviour,
    ) -> Result<Rollout, ScenarioError> {
        let from = self
            .steady_service(service, desired, circuit_breaker)
            .await?;
        let to = self.deploy(service, next).await?;
        Ok(Rollout { from, to })
    }

    /// [`deploying`](Scenario::deploying), when only the new revision's ARN matters.
    pub async fn deploying_to(
        &self,
        service: &str,
        desired: i32,
        circuit_breaker: CircuitBreaker,
        next: TaskBehaviour,
    ) -> Result<String, ScenarioError> {
        Ok(self
            .deploying(service, desired, circuit_breaker, next)
            .await?
            .to)
    }

    /// Creates `service` like [`Scenario::create_service`], with `configuration` as its
    /// `deploymentConfiguration` (e.g. [`DeploymentSpec::build`]).
    pub async fn create_service_with(
        &self,
        service: &str,
        task_definition: &str,
        desired: i32,
        configuration: DeploymentConfiguration,
    ) -> Result<(), ScenarioError> {
        self.ecs
            .create_service()
            .cluster(&self.cluster)
            .service_name(service)
            .task_definition(task_definition)
            .desired_count(desired)
            .deployment_configuration(configuration)
            .send()
            .await
            .map_err(ScenarioError::sdk(self.about("CreateService", service)))?;
        Ok(())
    }

    /// Points `service` at `task_definition` with a new `deploymentConfiguration`; returns the
    /// ARN of the service deployment this starts.
    pub async fn update_service_with(
        &self,
        service: &str,
        task_definition: &str,
        configuration: DeploymentConfiguration,
    ) -> Result<String, ScenarioError> {
        let updated = self
            .send_update(service, task_definition, Some(configuration))
            .await?;
        updated
            .service()
            .and_then(|s| s.current_service_deployment())
            .map(str::to_owned)
            .ok_or_else(|| {
                ScenarioError::new(
                    self.about("UpdateService", service),
                    "no currentServiceDeployment in the answer",
                )
            })
    }

    /// The ARN of the service's current (newest) service deployment.
    pub async fn current_service_deployment(&self, service: &str) -> Result<String, ScenarioError> {
        let described = self.describe_service(service).await?;
        described
            .current_service_deployment()
            .map(str::to_owned)
            .ok_or_else(|| {
                ScenarioError::new(
                    self.about("DescribeServices", service),
                    "no currentServiceDeployment",
                )
            })
    }

    /// DescribeServiceDeployments of one ARN.
    pub async fn describe_service_deployment(
        &self,
        arn: &str,
    ) -> Result<ServiceDeployment, ScenarioError> {
        let operation = format!("DescribeServiceDeployments {arn}");
        let described = self
            .ecs
            .describe_service_deployments()
            .service_deployment_arns(arn)
            .send()
            .await
            .map_err(ScenarioError::sdk(operation.clone()))?;
        first_described(
            described.service_deployments(),
            operation,
            "the service deployment is not described",
        )
    }

    /// Asks every 20 ms of real time until `done` holds for the service deployment `arn`, for at
    /// most `limit` of real time; returns what satisfied it.
    pub async fn wait_for_service_deployment(
        &self,
        arn: &str,
        limit: Duration,
        done: impl Fn(&ServiceDeployment) -> bool,
    ) -> Result<ServiceDeployment, ScenarioError> {
        poll(
            limit,
            format!("waiting for {arn}"),
            "not there",
            async || {
                let deployment = self.describe_service_deployment(arn).await?;
                Ok(if done(&deployment) {
                    ControlFlow::Break(deployment)
                } else {
                    ControlFlow::Continue(format!(
                        "status {:?}, stage {:?}",
                        deployment.status(),
                        deployment.lifecycle_stage()
                    ))
                })
            },
        )
        .await
    }

    /// ContinueServiceDeployment: answers the PAUSE hook `hook_id` of deployment `arn`.
    pub async fn continue_deployment(
        &self,
        arn: &str,
        hook_id: &str,
        action: DeploymentLifecycleHookAction,
    ) -> Result<(), ScenarioError> {
        self.ecs
            .continue_service_deployment()
            .service_deployment_arn(arn)
            .hook_id(hook_id)
            .action(action)
            .send()
            .await
            .map_err(ScenarioError::sdk(format!(
                "ContinueServiceDeployment {arn} {hook_id}"
            )))?;
        Ok(())
    }

    /// StopServiceDeployment with stopType ROLLBACK.
    pub async fn stop_deployment(&self, arn: &str) -> Result<(), ScenarioError> {
        self.ecs
            .stop_service_deployment()
            .service_deployment_arn(arn)
            .stop_type(StopServiceDeploymentStopType::Rollback)
            .send()
            .await
            .map_err(ScenarioError::sdk(format!("StopServiceDeployment {arn}")))?;
        Ok(())
    }

    pub async fn describe_service(&self, service: &str) -> Result<Service, ScenarioError> {
        let operation = self.about("DescribeServices", service);
        let described = self
            .ecs
            .describe_services()
            .cluster(&self.cluster)
            .services(service)
            .send()
            .await
            .map_err(ScenarioError::sdk(operation.clone()))?;
        first_described(
            described.services(),
            operation,
            "the service is not described",
        )
    }

    /// The `rolloutState` of each of the service's deployments, PRIMARY first.
    pub async fn rollout_states(&self, service: &str) -> Result<Vec<String>, ScenarioError> {
        let described = self.describe_service(service).await?;
        Ok(described
            .deployments()
            .iter()
            .map(|d| d.rollout_state().map_or("", |s| s.as_str()).to_owned())
            .collect())
    }

    /// Steady: the service's only deployment has COMPLETED.
    pub async fn is_steady(&self, service: &str) -> Result<bool, ScenarioError> {
        Ok(self.rollout_states(service).await? == ["COMPLETED"])
    }

    /// Asks every 20 ms of real time until the service [is steady](Scenario::is_steady), for at
    /// most `limit` of real time.
    pub async fn wait_until_steady(
        &self,
        service: &str,
        limit: Duration,
    ) -> Result<(), ScenarioError> {
        poll(
            limit,
            self.about("waiting for", service),
            "not steady",
            async || {
                let states = self.rollout_states(service).await?;
                Ok(if states == ["COMPLETED"] {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(format!("rollout states {states:?}"))
                })
            },
        )
        .await
    }
}

/// The one item a Describe call of one name or ARN answers, or an error for `operation` saying
/// that it is `missing`.
fn first_described<T: Clone>(
    items: &[T],
    operation: String,
    missing: &str,
) -> Result<T, ScenarioError> {
    items
        .first()
        .cloned()
        .ok_or_else(|| ScenarioError::new(operation, missing))
}

/// Asks every [`STEADY_POLL`] of real time until `ask` breaks with a value, for at most `limit`
/// of real time. Past that, the error for `operation` says it was `not_yet` and what `ask` saw
/// last (its `Continue`).
async fn poll<T>(
    limit: Duration,
    operation: String,
    not_yet: &str,
    mut ask: impl AsyncFnMut() -> Result<ControlFlow<T, String>, ScenarioError>,
) -> Result<T, ScenarioError> {
    let mut seen = String::new();
    let answer = poll_until(limit, STEADY_POLL, async || match ask().await {
        Ok(ControlFlow::Break(value)) => Some(Ok(value)),
        Ok(ControlFlow::Continue(now)) => {
            seen = now;
            None
        }
        Err(error) => Some(Err(error)),
    })
    .await;
    answer.unwrap_or_else(|| {
        Err(ScenarioError::new(
            operation,
            format!("{not_yet} after {limit:?} ({seen})"),
        ))
    })
}

/// Asks `ask` every `every` of real time until it answers `Some`, and returns that; `None` once `limit` of
/// real time has passed without. It always asks at least once, and once more after the limit is reached. The
/// one poll-until of the tests, the benchmarks and the scenarios: the simulator runs on real time (scaled),
/// so this never reads tokio's clock.
pub async fn poll_until<T>(
    limit: Duration,
    every: Duration,
    mut ask: impl AsyncFnMut() -> Option<T>,
) -> Option<T> {
    let deadline = Instant::now() + limit;
    loop {
        let late = Instant::now() >= deadline;
        if let Some(value) = ask().await {
            return Some(value);
        }
        if late {
            return None;
        }
        tokio::time::sleep(every).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(container: &ContainerDefinition) -> Vec<&str> {
        container.command().iter().map(String::as_str).collect()
    }

    #[test]
    fn each_behaviour_sets_its_trigger_and_nothing_else() {
        let healthy = TaskBehaviour::Healthy.container("app", IMAGE);
        assert_eq!(healthy.image(), Some(IMAGE));
        assert!(healthy.command().is_empty() && healthy.environment().is_empty());
        assert_eq!(healthy.memory(), None);

        let crashing = TaskBehaviour::ExitsAtOnce.container("app", IMAGE);
        assert_eq!(command(&crashing), ["/bin/false"]);

        let slow = TaskBehaviour::SlowStart(60).container("app", IMAGE);
        let variable = &slow.environment()[0];
        assert_eq!(variable.name(), Some(STARTUP_SECONDS_VARIABLE));
        assert_eq!(variable.value(), Some("60"));

        let unplaceable = TaskBehaviour::Unplaceable.container("app", IMAGE);
        assert_eq!(unplaceable.memory(), Some(UNPLACEABLE_MEMORY_MIB));

        let unhealthy = TaskBehaviour::FailsHealthChecks.container("app", IMAGE);
        let check = unhealthy.health_check().expect("a health check");
        assert_eq!(check.command(), ["CMD-SHELL", "exit 1"]);
    }

    #[test]
    fn a_missing_image_keeps_its_repository_and_tag() {
        let missing = TaskBehaviour::MissingImage.container("web", "web:2");
        assert_eq!(missing.image(), Some("nonexistent.example/web:2"));
        assert!(crate::behaviour::image_missing(missing.image().unwrap()));
        assert_eq!(
            missing_image("public.ecr.aws/nginx/nginx:1.27"),
            "nonexistent.example/nginx:1.27"
        );
    }

    #[test]
    fn rollback_option_maps_to_the_breaker() {
        assert_eq!(CircuitBreaker::from_rollback(None), CircuitBreaker::Off);
        assert_eq!(
            CircuitBreaker::from_rollback(Some(false)),
            CircuitBreaker::On { rollback: false }
        );
        let configuration = CircuitBreaker::On { rollback: true }.deployment_configuration();
        let breaker = configuration.deployment_circuit_breaker().unwrap();
        assert!(breaker.enable() && breaker.rollback());
        assert!(
            CircuitBreaker::Off
                .deployment_configuration()
                .deployment_circuit_breaker()
                .is_none()
        );
    }
}
