//! The watcher end to end: the real aws-sdk-ecs client, over HTTP on 127.0.0.1,
//! against the `ecs-sim` simulator. Credentials, region and endpoint are set on
//! the client in code, so nothing is read from the environment and no request
//! leaves the machine.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_ecs::config::retry::RetryConfig;
use aws_sdk_ecs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ecs::types::{ContainerDefinition, DeploymentCircuitBreaker, DeploymentConfiguration};
use ecs_sim::{Faults, ServiceDeploymentsApi, SimConfig, SimHandle};
use ecs_watcher::aws::SdkEcsApi;
use ecs_watcher::{Outcome, ProgressEvent, WaitOptions, WaitReport, WaitRequest, Watcher};
use tokio_util::sync::CancellationToken;

const CLUSTER: &str = "prod";
const SERVICE: &str = "web";
/// 100 simulated seconds per real second: a rollout takes a fraction of a second.
const TIME_SCALE: f64 = 100.0;

struct Fixture {
    sim: SimHandle,
    client: aws_sdk_ecs::Client,
    watcher: Watcher,
}

async fn fixture() -> Fixture {
    let sim = ecs_sim::start(SimConfig {
        time_scale: TIME_SCALE,
        seed: 7,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts on 127.0.0.1");
    let config = aws_sdk_ecs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(sim.endpoint())
        .credentials_provider(Credentials::new(
            "test",
            "test",
            None,
            None,
            "watcher-tests",
        ))
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .build();
    let client = aws_sdk_ecs::Client::from_conf(config);
    let watcher = Watcher::new(Arc::new(SdkEcsApi::new(client.clone())));
    Fixture {
        sim,
        client,
        watcher,
    }
}

fn container(command: Option<&str>) -> ContainerDefinition {
    let builder = ContainerDefinition::builder()
        .name("app")
        .image("public.ecr.aws/nginx/nginx:latest")
        .essential(true);
    match command {
        Some(command) => builder.command(command).build(),
        None => builder.build(),
    }
}

fn breaker(enable: bool) -> DeploymentConfiguration {
    DeploymentConfiguration::builder()
        .deployment_circuit_breaker(
            DeploymentCircuitBreaker::builder()
                .enable(enable)
                .rollback(enable)
                .build(),
        )
        .build()
}

impl Fixture {
    async fn register(&self, command: Option<&str>) -> String {
        self.client
            .register_task_definition()
            .family(SERVICE)
            .container_definitions(container(command))
            .cpu("256")
            .memory("512")
            .send()
            .await
            .expect("RegisterTaskDefinition")
            .task_definition()
            .and_then(|td| td.task_definition_arn())
            .expect("a task definition ARN")
            .to_owned()
    }

    /// A cluster with the service running `task_definition`, waited for by the watcher itself.
    async fn steady_service(&self, task_definition: &str, circuit_breaker: bool) {
        self.client
            .create_cluster()
            .cluster_name(CLUSTER)
            .send()
            .await
            .expect("CreateCluster");
        self.client
            .create_service()
            .cluster(CLUSTER)
            .service_name(SERVICE)
            .task_definition(task_definition)
            .desired_count(2)
            .deployment_configuration(breaker(circuit_breaker))
            .send()
            .await
            .expect("CreateService");
        let (report, _) = self.wait(Some(task_definition)).await;
        assert_eq!(
            report.outcome,
            Outcome::Completed,
            "{}",
            report.failure_message
        );
    }

    async fn deploy(&self, task_definition: &str) {
        self.client
            .update_service()
            .cluster(CLUSTER)
            .service(SERVICE)
            .task_definition(task_definition)
            .send()
            .await
            .expect("UpdateService");
    }

    async fn wait(&self, desired: Option<&str>) -> (WaitReport, Vec<ProgressEvent>) {
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&events);
        let report = self
            .watcher
            .wait(
                WaitRequest {
                    cluster: CLUSTER.into(),
                    service: SERVICE.into(),
                    desired_task_definition: desired.map(str::to_owned),
                    deployment: None,
                },
                WaitOptions {
                    timeout: Duration::from_secs(60),
                    poll_interval: Duration::from_millis(100),
                    ..WaitOptions::default()
                },
                CancellationToken::new(),
                Arc::new(move |event| sink.lock().unwrap().push(event)),
            )
            .await
            .expect("the wait reaches a verdict");
        let events = events.lock().unwrap().clone();
        (report, events)
    }
}

#[tokio::test]
async fn completes_a_healthy_rollout_through_the_service_deployment_api() {
    let fx = fixture().await;
    let v1 = fx.register(None).await;
    fx.steady_service(&v1, true).await;
    let v2 = fx.register(None).await;
    fx.deploy(&v2).await;
    let (report, events) = fx.wait(Some("web:2")).await;
    assert_eq!(
        report.outcome,
        Outcome::Completed,
        "{}",
        report.failure_message
    );
    assert_eq!(report.failure_message, "");
    assert_eq!(report.primary_task_definition.as_deref(), Some(v2.as_str()));
    assert!(
        !report.used_fallback,
        "the simulator implements the service-deployment API"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ProgressEvent::DeploymentFound { .. }))
    );
}

#[tokio::test]
async fn reports_the_rollback_and_the_exit_code_when_the_circuit_breaker_trips() {
    let fx = fixture().await;
    let v1 = fx.register(None).await;
    fx.steady_service(&v1, true).await;
    let broken = fx.register(Some("/bin/false")).await;
    fx.deploy(&broken).await;
    let (report, _) = fx.wait(Some(&broken)).await;
    assert_eq!(
        report.outcome,
        Outcome::RolledBack,
        "{}",
        report.failure_message
    );
    assert!(
        report.failure_message.starts_with("rolled back to web:1: "),
        "{}",
        report.failure_message
    );
    assert!(
        report.failure_message.contains("app exited 1"),
        "{}",
        report.failure_message
    );
    assert!(!report.failure_message.contains('\n'));
    assert!(!report.stopped_tasks.is_empty());
}

#[tokio::test]
async fn detects_a_crash_loop_without_a_circuit_breaker() {
    let fx = fixture().await;
    let v1 = fx.register(None).await;
    fx.steady_service(&v1, false).await;
    let broken = fx.register(Some("/bin/false")).await;
    fx.deploy(&broken).await;
    let (report, _) = fx.wait(Some(&broken)).await;
    assert_eq!(
        report.outcome,
        Outcome::Failed,
        "{}",
        report.failure_message
    );
    assert!(
        report.failure_message.contains("keep failing"),
        "{}",
        report.failure_message
    );
    assert!(
        report.failure_message.contains("app exited 1"),
        "{}",
        report.failure_message
    );
    assert!(report.stopped_tasks.len() >= 3);
}

#[tokio::test]
async fn falls_back_to_describe_services_on_an_old_endpoint_and_pays_for_it_once() {
    let fx = fixture().await;
    fx.sim.set_faults(Faults {
        service_deployments_api: ServiceDeploymentsApi::UnknownOperation,
        omit_rollout_state: true,
        ..Faults::default()
    });
    let v1 = fx.register(None).await;
    fx.steady_service(&v1, true).await;
    let v2 = fx.register(None).await;
    fx.deploy(&v2).await;
    let (report, events) = fx.wait(Some(&v2)).await;
    assert_eq!(
        report.outcome,
        Outcome::Completed,
        "{}",
        report.failure_message
    );
    assert!(report.used_fallback);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ProgressEvent::FallbackToDescribeServices { .. }))
    );
    let calls = fx.sim.call_counts();
    assert_eq!(
        calls.get("ListServiceDeployments").copied(),
        Some(1),
        "{calls:?}"
    );
    assert_eq!(
        calls
            .get("DescribeServiceDeployments")
            .copied()
            .unwrap_or(0),
        0
    );
}

#[tokio::test]
async fn rides_out_throttling_and_server_errors() {
    let fx = fixture().await;
    let v1 = fx.register(None).await;
    fx.steady_service(&v1, true).await;
    let v2 = fx.register(None).await;
    fx.deploy(&v2).await;
    fx.sim.set_faults(Faults {
        throttle_next: 4,
        server_error_next: 2,
        ..Faults::default()
    });
    let (report, events) = fx.wait(Some(&v2)).await;
    assert_eq!(
        report.outcome,
        Outcome::Completed,
        "{}",
        report.failure_message
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ProgressEvent::Retrying { .. }))
    );
}
