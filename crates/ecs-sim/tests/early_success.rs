//! `deploymentConfiguration.earlySuccessCriteria` of ROLLING deployments, through the real
//! aws-sdk-ecs client: validation errors, the echo, and a deployment SUCCESSFUL at
//! `healthyPercent` with the source revision's tasks removed after (DEFERRED) or before
//! (BLOCKING). Simulated time hardly moves on its own (time scale 0.001) and is moved with
//! `skip_time`, so each DescribeServices sees the state at an exact simulated moment.

mod common;

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::{
    DeploymentConfiguration, DeploymentEarlySuccessCriteria, DeploymentStrategy, Service,
    ServiceDeployment, ServiceDeploymentStatus, ServiceRevisionCleanup, Task,
};
use common::*;
use ecs_sim::SimHandle;
use ecs_sim::scenario::{DeploymentSpec, Strategy};

/// Desired tasks of `web`: with 50 % healthy and maximumPercent 100, a deployment replaces them
/// two at a time, so it reaches its early success criteria with two source tasks left.
const DESIRED: i32 = 4;

async fn frozen_sim() -> (SimHandle, Client, Scenario) {
    sim_with_cluster(0.001, 5).await
}

/// ROLLING, minimumHealthyPercent 50, maximumPercent 100, early success at 50 % with `cleanup`.
fn half_early(cleanup: ServiceRevisionCleanup) -> DeploymentSpec {
    DeploymentSpec::new(Strategy::Rolling)
        .percentages(50, 100)
        .early_success(50, cleanup)
}

fn criteria(
    enable: bool,
    healthy_percent: Option<i32>,
    cleanup: Option<ServiceRevisionCleanup>,
) -> DeploymentEarlySuccessCriteria {
    DeploymentEarlySuccessCriteria::builder()
        .enable(enable)
        .set_healthy_percent(healthy_percent)
        .set_source_service_revision_cleanup(cleanup)
        .build()
}

/// A steady `web` of [`DESIRED`] tasks on v1 with `spec`, updated to v2 (simulated time is 60 s
/// past creation then). Returns v1, v2 and the ARN of v2's service deployment.
async fn web_updated(
    sim: &SimHandle,
    scenario: &Scenario,
    spec: &DeploymentSpec,
) -> (String, String, String) {
    let v1 = scenario
        .register("web", TaskBehaviour::Healthy)
        .await
        .unwrap();
    let v2 = scenario
        .register("web", TaskBehaviour::Healthy)
        .await
        .unwrap();
    scenario
        .create_service_with("web", &v1, DESIRED, spec.build())
        .await
        .unwrap();
    sim.skip_time(60.0);
    assert!(
        scenario.is_steady("web").await.unwrap(),
        "v1 settles in 60 s"
    );
    scenario.update_service("web", &v2).await.unwrap();
    let arn = scenario.current_service_deployment("web").await.unwrap();
    (v1, v2, arn)
}

fn status(deployment: &ServiceDeployment) -> Option<&ServiceDeploymentStatus> {
    deployment.status()
}

/// `(status, runningCount)` of each deployment of DescribeServices, PRIMARY first.
fn deployments(service: &Service) -> Vec<(String, i32)> {
    service
        .deployments()
        .iter()
        .map(|d| (d.status().unwrap().to_owned(), d.running_count()))
        .collect()
}

/// `at` (`stoppingAt`, `startedAt`, ...) of each task of `web` that ran `task_definition`, the
/// stopped ones if `stopped`, else the running ones.
async fn times_of(
    ecs: &Client,
    task_definition: &str,
    stopped: bool,
    at: impl Fn(&Task) -> Option<&aws_sdk_ecs::primitives::DateTime>,
) -> Vec<f64> {
    let tasks = if stopped {
        stopped_tasks(ecs, |list| list.service_name("web")).await
    } else {
        listed_tasks(ecs, |list| list.service_name("web")).await
    };
    tasks
        .iter()
        .filter(|t| t.task_definition_arn() == Some(task_definition))
        .map(|t| at(t).expect("the timestamp is there").as_secs_f64())
        .collect()
}

#[tokio::test]
async fn invalid_early_success_criteria_are_refused_naming_the_member() {
    let (_sim, ecs, scenario) = frozen_sim().await;
    let v1 = scenario
        .register("web", TaskBehaviour::Healthy)
        .await
        .unwrap();
    let deferred = Some(ServiceRevisionCleanup::Deferred);
    let cases = [
        (
            DeploymentConfiguration::builder()
                .strategy(DeploymentStrategy::BlueGreen)
                .bake_time_in_minutes(1)
                .early_success_criteria(criteria(true, Some(100), deferred.clone()))
                .build(),
            "deploymentConfiguration.earlySuccessCriteria is only valid with strategy ROLLING, not BLUE_GREEN.",
        ),
        (
            DeploymentConfiguration::builder()
                .minimum_healthy_percent(0)
                .early_success_criteria(criteria(true, Some(150), deferred.clone()))
                .build(),
            "deploymentConfiguration.earlySuccessCriteria.healthyPercent: 150 is out of range; it must be between 0 and 100.",
        ),
        (
            DeploymentConfiguration::builder()
                .minimum_healthy_percent(60)
                .early_success_criteria(criteria(true, Some(50), deferred.clone()))
                .build(),
            "deploymentConfiguration.earlySuccessCriteria.healthyPercent: 50 is below minimumHealthyPercent 60; it must be between minimumHealthyPercent and 100.",
        ),
        (
            DeploymentConfiguration::builder()
                .early_success_criteria(criteria(true, Some(100), None))
                .build(),
            "deploymentConfiguration.earlySuccessCriteria.sourceServiceRevisionCleanup is required when earlySuccessCriteria.enable is true.",
        ),
        (
            DeploymentConfiguration::builder()
                .early_success_criteria(criteria(true, None, deferred.clone()))
                .build(),
            "deploymentConfiguration.earlySuccessCriteria.healthyPercent is required when earlySuccessCriteria.enable is true.",
        ),
    ];
    for (configuration, message) in cases {
        let create = ecs
            .create_service()
            .cluster(CLUSTER)
            .service_name("web")
            .task_definition(&v1)
            .desired_count(1)
            .deployment_configuration(configuration)
            .send();
        let (code, got) = rejected(create).await;
        assert_eq!(
            (code.as_str(), got.as_str()),
            ("InvalidParameterException", message)
        );
    }
    // A later minimumHealthyPercent above the service's healthyPercent is refused too.
    let spec = half_early(ServiceRevisionCleanup::Blocking);
    scenario
        .create_service_with("web", &v1, 1, spec.build())
        .await
        .unwrap();
    let update = ecs
        .update_service()
        .cluster(CLUSTER)
        .service("web")
        .deployment_configuration(
            DeploymentConfiguration::builder()
                .minimum_healthy_percent(75)
                .build(),
        )
        .send();
    let (code, got) = rejected(update).await;
    assert_eq!(code, "InvalidParameterException");
    assert!(
        got.contains("healthyPercent: 50 is below minimumHealthyPercent 75"),
        "{got}"
    );
}

#[tokio::test]
async fn early_success_criteria_are_echoed_by_both_apis() {
    let (sim, _ecs, scenario) = frozen_sim().await;
    let (_, _, arn) = web_updated(
        &sim,
        &scenario,
        &half_early(ServiceRevisionCleanup::Blocking),
    )
    .await;
    let wanted = criteria(true, Some(50), Some(ServiceRevisionCleanup::Blocking));
    let described = scenario.describe_service("web").await.unwrap();
    let configuration = described.deployment_configuration().unwrap();
    assert_eq!(configuration.early_success_criteria(), Some(&wanted));
    assert_eq!(configuration.minimum_healthy_percent(), Some(50));
    let deployment = scenario.describe_service_deployment(&arn).await.unwrap();
    let configuration = deployment.deployment_configuration().unwrap();
    assert_eq!(configuration.early_success_criteria(), Some(&wanted));
}

/// A `web` updated to v2 with [`half_early`] `cleanup`, 15 simulated seconds later.
struct SucceededEarly {
    sim: SimHandle,
    ecs: Client,
    scenario: Scenario,
    v1: String,
    v2: String,
    /// The `finishedAt` of v2's service deployment, which is SUCCESSFUL.
    finished_at: f64,
}

async fn succeeded_early(cleanup: ServiceRevisionCleanup) -> SucceededEarly {
    let (sim, ecs, scenario) = frozen_sim().await;
    let (v1, v2, arn) = web_updated(&sim, &scenario, &half_early(cleanup)).await;
    // Two source tasks stop at once, two v2 tasks start (maximumPercent 100) and are healthy
    // 7 s later: 50 % of the desired count.
    sim.skip_time(15.0);
    let deployment = scenario.describe_service_deployment(&arn).await.unwrap();
    assert_eq!(
        status(&deployment),
        Some(&ServiceDeploymentStatus::Successful)
    );
    let finished_at = deployment.finished_at().expect("finishedAt").as_secs_f64();
    SucceededEarly {
        sim,
        ecs,
        scenario,
        v1,
        v2,
        finished_at,
    }
}

#[tokio::test]
async fn deferred_early_success_is_successful_while_source_tasks_still_run() {
    let early = succeeded_early(ServiceRevisionCleanup::Deferred).await;
    let finished_at = early.finished_at;
    let described = early.scenario.describe_service("web").await.unwrap();
    assert_eq!(
        deployments(&described),
        [("PRIMARY".to_owned(), 2), ("ACTIVE".to_owned(), 2)],
        "v2 has half the tasks; the two source tasks left still run"
    );
    let primary = &described.deployments()[0];
    assert_eq!(primary.task_definition(), Some(early.v2.as_str()));
    assert_eq!(primary.rollout_state().unwrap().as_str(), "COMPLETED");

    // The source tasks are removed in the background, and v2 scales to 100 %.
    early.sim.skip_time(60.0);
    let described = early.scenario.describe_service("web").await.unwrap();
    assert_eq!(deployments(&described), [("PRIMARY".to_owned(), DESIRED)]);
    let source_stops = times_of(&early.ecs, &early.v1, true, Task::stopping_at).await;
    assert_eq!(source_stops.len(), DESIRED as usize);
    let after_success = source_stops.iter().filter(|&&at| at > finished_at).count();
    assert_eq!(
        after_success, 2,
        "two source tasks stopped after SUCCESSFUL: {source_stops:?}"
    );
}

#[tokio::test]
async fn blocking_early_success_removes_source_tasks_before_it_is_successful() {
    let early = succeeded_early(ServiceRevisionCleanup::Blocking).await;
    let finished_at = early.finished_at;
    let described = early.scenario.describe_service("web").await.unwrap();
    let source_stops = times_of(&early.ecs, &early.v1, true, Task::stopped_at).await;
    assert_eq!(
        source_stops.len(),
        DESIRED as usize,
        "every source task is gone"
    );
    assert!(
        source_stops.iter().all(|&at| at <= finished_at),
        "stopped {source_stops:?}, SUCCESSFUL at {finished_at}"
    );
    assert_eq!(described.deployments().len(), 1, "only the PRIMARY is left");
    // v2 had half the desired count at SUCCESSFUL and scaled to 100 % after it.
    let started = times_of(&early.ecs, &early.v2, false, Task::started_at).await;
    assert_eq!(started.len(), DESIRED as usize);
    let after_success = started.iter().filter(|&&at| at > finished_at).count();
    assert_eq!(after_success, 2, "v2 tasks started at {started:?}");
}
