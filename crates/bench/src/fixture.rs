//! The world a benchmark runs in: an `ecs-sim` on loopback, an SDK client for it, and the
//! clusters, task definitions and services a scenario needs.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_ecs::types::ServiceDeployment;
pub(crate) use ecs_sim::scenario::{
    CircuitBreaker, DeploymentSpec, REGION, Scenario, Strategy, TaskBehaviour, TaskSpec,
    with_alarm_in_bake,
};
use ecs_sim::{SimConfig, SimHandle};
use ecs_watcher::Watcher;
use ecs_watcher::aws::SdkEcsApi;
use ecs_watcher::budget::{BudgetConfig, BudgetedEcsApi, RequestBudget};

use crate::error::{BenchError, BenchResult, Context};

pub(crate) const CLUSTER: &str = "bench";

/// An SDK client configured explicitly for a local simulator: static dummy credentials, no
/// profile or environment lookups, so nothing can reach AWS.
pub(crate) fn sdk_client(endpoint: &str) -> aws_sdk_ecs::Client {
    ecs_sim::scenario::client(endpoint)
}

/// A watcher as `connect` builds one: SDK client behind the default request budget.
pub(crate) fn budgeted_watcher(endpoint: &str) -> Watcher {
    let api = Arc::new(SdkEcsApi::new(sdk_client(endpoint)));
    let budget = Arc::new(RequestBudget::new(BudgetConfig::default()));
    Watcher::new(Arc::new(BudgetedEcsApi::new(api, budget)))
}

pub(crate) struct World {
    pub sim: SimHandle,
    pub ecs: aws_sdk_ecs::Client,
}

impl World {
    pub(crate) async fn start(time_scale: f64) -> BenchResult<World> {
        let sim = ecs_sim::start(SimConfig {
            time_scale,
            ..SimConfig::default()
        })
        .await
        .context("starting ecs-sim")?;
        let ecs = sdk_client(&sim.endpoint());
        Ok(World { sim, ecs })
    }

    pub(crate) fn endpoint(&self) -> String {
        self.sim.endpoint()
    }

    /// Clusters, task definitions and services in `cluster`.
    pub(crate) fn scenario(&self, cluster: &str) -> Scenario {
        Scenario::new(self.ecs.clone(), cluster)
    }

    pub(crate) async fn create_cluster(&self, name: &str) -> BenchResult<()> {
        Ok(self.scenario(name).create_cluster().await?)
    }

    /// Registers `family` with one essential container behaving as `behaviour`; returns its ARN.
    pub(crate) async fn register(
        &self,
        family: &str,
        behaviour: TaskBehaviour,
    ) -> BenchResult<String> {
        Ok(self.scenario(CLUSTER).register(family, behaviour).await?)
    }

    /// A service of one task.
    pub(crate) async fn create_service(
        &self,
        cluster: &str,
        service: &str,
        task_definition: &str,
        breaker: CircuitBreaker,
    ) -> BenchResult<()> {
        let scenario = self.scenario(cluster);
        Ok(scenario
            .create_service(service, task_definition, 1, breaker)
            .await?)
    }

    pub(crate) async fn update_service(
        &self,
        cluster: &str,
        service: &str,
        task_definition: &str,
    ) -> BenchResult<()> {
        let scenario = self.scenario(cluster);
        Ok(scenario.update_service(service, task_definition).await?)
    }

    /// Jumps simulated time past the service's first rollout and checks it completed, so a
    /// scenario starts from a service with a COMPLETED deployment to roll back to.
    pub(crate) async fn settle(&self, cluster: &str, service: &str) -> BenchResult<()> {
        self.sim.skip_time(60.0);
        let scenario = self.scenario(cluster);
        let states = scenario.rollout_states(service).await?;
        if states == ["COMPLETED"] {
            return Ok(());
        }
        Err(BenchError::new(format!(
            "the first rollout of {cluster}/{service} did not complete within 60 simulated seconds \
             (rollout states {states:?})"
        )))
    }

    /// The service's newest service deployment (the one the last UpdateService started).
    pub(crate) async fn latest_service_deployment(
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
    pub(crate) async fn failure_times(
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

/// A random pause in `[0, upto)`, so runs start at different phases of the poll interval.
pub(crate) fn random_offset(upto: Duration) -> Duration {
    use rand::Rng;
    let millis = u64::try_from(upto.as_millis()).unwrap_or(u64::MAX).max(1);
    Duration::from_millis(rand::rng().random_range(0..millis))
}
