//! Shared set-up for driving the simulator with the real aws-sdk-ecs client.
#![allow(dead_code)]

use std::future::Future;
use std::time::{Duration, Instant};

use aws_sdk_ecs::Client;
use aws_sdk_ecs::config::retry::RetryConfig;
use aws_sdk_ecs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ecs::types::{
    ContainerDefinition, DeploymentCircuitBreaker, DeploymentConfiguration, Service,
};
use ecs_sim::{SimConfig, SimHandle};

/// Fast enough that a rollout takes a fraction of a real second.
pub const TIME_SCALE: f64 = 100.0;
pub const CLUSTER: &str = "prod";

pub async fn sim() -> SimHandle {
    ecs_sim::start(SimConfig {
        time_scale: TIME_SCALE,
        seed: 42,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts")
}

/// An SDK client for the simulator with static dummy credentials and no retries, so every
/// injected error reaches the test.
pub fn client(sim: &SimHandle) -> Client {
    client_with_retry(sim, RetryConfig::disabled())
}

pub fn client_with_retry(sim: &SimHandle, retry: RetryConfig) -> Client {
    let config = aws_sdk_ecs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(sim.endpoint())
        .credentials_provider(Credentials::new(
            "test",
            "test",
            None,
            None,
            "ecs-sim-tests",
        ))
        .retry_config(retry)
        .build();
    Client::from_conf(config)
}

pub fn container(image: &str) -> aws_sdk_ecs::types::builders::ContainerDefinitionBuilder {
    ContainerDefinition::builder()
        .name("app")
        .image(image)
        .essential(true)
}

/// Registers `family` with one container; returns the task definition ARN.
pub async fn register(client: &Client, family: &str, container: ContainerDefinition) -> String {
    client
        .register_task_definition()
        .family(family)
        .container_definitions(container)
        .cpu("256")
        .memory("512")
        .send()
        .await
        .expect("RegisterTaskDefinition")
        .task_definition()
        .and_then(|td| td.task_definition_arn())
        .expect("task definition ARN")
        .to_owned()
}

pub fn circuit_breaker(enable: bool, rollback: bool) -> DeploymentConfiguration {
    DeploymentConfiguration::builder()
        .deployment_circuit_breaker(
            DeploymentCircuitBreaker::builder()
                .enable(enable)
                .rollback(rollback)
                .build(),
        )
        .build()
}

/// Creates the cluster and a service on `task_definition`, and waits until its rollout completes.
pub async fn steady_service(
    client: &Client,
    service: &str,
    task_definition: &str,
    desired: i32,
    config: DeploymentConfiguration,
) {
    client
        .create_cluster()
        .cluster_name(CLUSTER)
        .send()
        .await
        .expect("CreateCluster");
    client
        .create_service()
        .cluster(CLUSTER)
        .service_name(service)
        .task_definition(task_definition)
        .desired_count(desired)
        .deployment_configuration(config)
        .send()
        .await
        .expect("CreateService");
    wait_for(client, service, "first rollout completes", |s| {
        let deployments = s.deployments();
        deployments.len() == 1
            && deployments[0].rollout_state().map(|r| r.as_str()) == Some("COMPLETED")
    })
    .await;
}

pub async fn describe(client: &Client, service: &str) -> Service {
    client
        .describe_services()
        .cluster(CLUSTER)
        .services(service)
        .send()
        .await
        .expect("DescribeServices")
        .services()
        .first()
        .cloned()
        .expect("service described")
}

/// Polls DescribeServices until `done` holds (real-time limit 20 s).
pub async fn wait_for(
    client: &Client,
    service: &str,
    what: &str,
    done: impl Fn(&Service) -> bool,
) -> Service {
    poll(what, || async {
        let described = describe(client, service).await;
        done(&described).then_some(described)
    })
    .await
}

/// Repeats `attempt` every 20 ms of real time until it yields a value (real-time limit 20 s).
pub async fn poll<T, F, Fut>(what: &str, mut attempt: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(value) = attempt().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `N` of `ecs-svc/N`.
pub fn deployment_number(id: &str) -> &str {
    id.strip_prefix("ecs-svc/")
        .expect("deployment id is ecs-svc/N")
}

/// A minimal HTTP/1.1 exchange for the admin endpoints (no HTTP client dependency needed).
pub async fn admin(sim: &SimHandle, method: &str, path: &str, body: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(sim.address())
        .await
        .expect("connect");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status code");
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}
