//! The world a benchmark runs in: an `ecs-sim` on loopback, an SDK client for it, and the
//! clusters, task definitions and services a scenario needs.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_ecs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ecs::types::{
    ContainerDefinition, DeploymentCircuitBreaker, DeploymentConfiguration, KeyValuePair,
    LaunchType, ServiceDeployment,
};
use ecs_sim::{SimConfig, SimHandle};
use ecs_watcher::Watcher;
use ecs_watcher::aws::SdkEcsApi;
use ecs_watcher::budget::{BudgetConfig, BudgetedEcsApi, RequestBudget};

use crate::error::{BenchError, BenchResult, Context};

pub const REGION: &str = "us-east-1";
pub const CLUSTER: &str = "bench";

/// What the tasks of a task definition do, by the simulator's rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskKind {
    /// RUNNING 7 s after launch, healthy at once (no health check).
    Healthy,
    /// RUNNING after `2 + seconds` s: a rollout of one task then takes about `seconds + 9` s.
    SlowStart(u32),
    /// Essential container runs `/bin/false`: exits 1 two seconds after RUNNING.
    CrashExit,
    /// Image cannot be pulled: the task fails to start 5 s after launch.
    MissingImage,
    /// Stays PENDING for ~11 days: the deployment stays IN_PROGRESS for any benchmark.
    NeverReady,
}

/// Whether a service has the deployment circuit breaker, and whether it rolls back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Breaker {
    Off,
    On { rollback: bool },
}

/// An SDK client configured explicitly for a local simulator: static dummy credentials, no
/// profile or environment lookups, so nothing can reach AWS.
pub fn sdk_client(endpoint: &str) -> aws_sdk_ecs::Client {
    let config = aws_sdk_ecs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "bench"))
        .build();
    aws_sdk_ecs::Client::from_conf(config)
}

/// A watcher as `connect` builds one: SDK client behind the default request budget.
pub fn budgeted_watcher(endpoint: &str) -> Watcher {
    let api = Arc::new(SdkEcsApi::new(sdk_client(endpoint)));
    let budget = Arc::new(RequestBudget::new(BudgetConfig::default()));
    Watcher::new(Arc::new(BudgetedEcsApi::new(api, budget)))
}

pub struct World {
    pub sim: SimHandle,
    pub ecs: aws_sdk_ecs::Client,
}

impl World {
    pub async fn start(time_scale: f64) -> BenchResult<World> {
        let sim = ecs_sim::start(SimConfig {
            time_scale,
            ..SimConfig::default()
        })
        .await
        .context("starting ecs-sim")?;
        let ecs = sdk_client(&sim.endpoint());
        Ok(World { sim, ecs })
    }

    pub fn endpoint(&self) -> String {
        self.sim.endpoint()
    }

    pub async fn create_cluster(&self, name: &str) -> BenchResult<()> {
        self.ecs
            .create_cluster()
            .cluster_name(name)
            .send()
            .await
            .context(format!("CreateCluster {name}"))?;
        Ok(())
    }

    /// Registers `family` with one essential container behaving as `kind`; returns its ARN.
    pub async fn register(&self, family: &str, kind: TaskKind) -> BenchResult<String> {
        let mut container = ContainerDefinition::builder()
            .name("app")
            .image("example/app:1")
            .essential(true);
        container = match kind {
            TaskKind::Healthy => container,
            TaskKind::SlowStart(seconds) => container.environment(startup(seconds)),
            TaskKind::CrashExit => container.command("/bin/false"),
            TaskKind::MissingImage => container.image("example/does-not-exist:1"),
            TaskKind::NeverReady => container.environment(startup(1_000_000)),
        };
        let output = self
            .ecs
            .register_task_definition()
            .family(family)
            .container_definitions(container.build())
            .cpu("256")
            .memory("512")
            .send()
            .await
            .context(format!("RegisterTaskDefinition {family}"))?;
        output
            .task_definition()
            .and_then(|td| td.task_definition_arn())
            .map(str::to_owned)
            .context(format!("the ARN of task definition {family}"))
    }

    pub async fn create_service(
        &self,
        cluster: &str,
        service: &str,
        task_definition: &str,
        breaker: Breaker,
    ) -> BenchResult<()> {
        let mut request = self
            .ecs
            .create_service()
            .cluster(cluster)
            .service_name(service)
            .task_definition(task_definition)
            .desired_count(1)
            .launch_type(LaunchType::Fargate);
        if let Breaker::On { rollback } = breaker {
            request = request.deployment_configuration(
                DeploymentConfiguration::builder()
                    .deployment_circuit_breaker(
                        DeploymentCircuitBreaker::builder()
                            .enable(true)
                            .rollback(rollback)
                            .build(),
                    )
                    .build(),
            );
        }
        request
            .send()
            .await
            .context(format!("CreateService {cluster}/{service}"))?;
        Ok(())
    }

    pub async fn update_service(
        &self,
        cluster: &str,
        service: &str,
        task_definition: &str,
    ) -> BenchResult<()> {
        self.ecs
            .update_service()
            .cluster(cluster)
            .service(service)
            .task_definition(task_definition)
            .send()
            .await
            .context(format!("UpdateService {cluster}/{service}"))?;
        Ok(())
    }

    /// Jumps simulated time past the service's first rollout and checks it completed, so a
    /// scenario starts from a service with a COMPLETED deployment to roll back to.
    pub async fn settle(&self, cluster: &str, service: &str) -> BenchResult<()> {
        self.sim.skip_time(60.0);
        let described = self
            .ecs
            .describe_services()
            .cluster(cluster)
            .services(service)
            .send()
            .await
            .context(format!("DescribeServices {cluster}/{service}"))?;
        let state = described
            .services()
            .first()
            .and_then(|s| s.deployments().first())
            .and_then(|d| d.rollout_state())
            .map(|state| state.as_str().to_owned());
        match state.as_deref() {
            Some("COMPLETED") => Ok(()),
            other => Err(BenchError::new(format!(
                "the first rollout of {cluster}/{service} did not complete within 60 simulated seconds \
                 (rolloutState {other:?})"
            ))),
        }
    }

    /// The service's newest service deployment (the one the last UpdateService started).
    pub async fn latest_service_deployment(
        &self,
        cluster: &str,
        service: &str,
    ) -> BenchResult<ServiceDeployment> {
        let listed = self
            .ecs
            .list_service_deployments()
            .cluster(cluster)
            .service(service)
            .send()
            .await
            .context(format!("ListServiceDeployments {cluster}/{service}"))?;
        let newest = listed
            .service_deployments()
            .iter()
            .max_by(|a, b| {
                let key = |d: &aws_sdk_ecs::types::ServiceDeploymentBrief| {
                    d.created_at().map(|t| t.as_secs_f64()).unwrap_or(0.0)
                };
                key(a).total_cmp(&key(b))
            })
            .and_then(|brief| brief.service_deployment_arn())
            .map(str::to_owned)
            .context(format!("a service deployment of {cluster}/{service}"))?;
        let described = self
            .ecs
            .describe_service_deployments()
            .service_deployment_arns(&newest)
            .send()
            .await
            .context(format!("DescribeServiceDeployments {newest}"))?;
        described
            .service_deployments()
            .first()
            .cloned()
            .context(format!("service deployment {newest}"))
    }

    /// Epoch seconds (simulated) at which each stopped task of `deployment_id` began stopping,
    /// earliest first.
    pub async fn failure_times(
        &self,
        cluster: &str,
        service: &str,
        deployment_id: &str,
    ) -> BenchResult<Vec<f64>> {
        let listed = self
            .ecs
            .list_tasks()
            .cluster(cluster)
            .service_name(service)
            .desired_status(aws_sdk_ecs::types::DesiredStatus::Stopped)
            .send()
            .await
            .context(format!("ListTasks {cluster}/{service}"))?;
        if listed.task_arns().is_empty() {
            return Ok(Vec::new());
        }
        let described = self
            .ecs
            .describe_tasks()
            .cluster(cluster)
            .set_tasks(Some(listed.task_arns().to_vec()))
            .send()
            .await
            .context(format!("DescribeTasks {cluster}/{service}"))?;
        let mut times: Vec<f64> = described
            .tasks()
            .iter()
            .filter(|t| t.started_by() == Some(deployment_id))
            .filter_map(|t| t.stopping_at().map(|at| at.as_secs_f64()))
            .collect();
        times.sort_by(f64::total_cmp);
        Ok(times)
    }
}

fn startup(seconds: u32) -> KeyValuePair {
    KeyValuePair::builder()
        .name("SIM_STARTUP_SECONDS")
        .value(seconds.to_string())
        .build()
}

/// A random pause in `[0, upto)`, so runs start at different phases of the poll interval.
pub fn random_offset(upto: Duration) -> Duration {
    use rand::Rng;
    let millis = u64::try_from(upto.as_millis()).unwrap_or(u64::MAX).max(1);
    Duration::from_millis(rand::rng().random_range(0..millis))
}
