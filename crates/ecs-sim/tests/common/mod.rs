//! Shared set-up for driving the simulator with the real aws-sdk-ecs client.
#![allow(dead_code)]

use std::fmt::Debug;
use std::future::Future;
use std::time::Duration;

use aws_sdk_ecs::Client;
use aws_sdk_ecs::config::http::HttpResponse;
use aws_sdk_ecs::config::retry::RetryConfig;
use aws_sdk_ecs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ecs::operation::list_service_deployments::builders::ListServiceDeploymentsFluentBuilder;
use aws_sdk_ecs::operation::list_service_deployments::{
    ListServiceDeploymentsError, ListServiceDeploymentsOutput,
};
use aws_sdk_ecs::operation::list_tasks::builders::ListTasksFluentBuilder;
use aws_sdk_ecs::operation::list_tasks::{ListTasksError, ListTasksOutput};
use aws_sdk_ecs::types::{ContainerDefinition, Deployment, DesiredStatus, Service, Task};
pub(crate) use ecs_sim::scenario::{self, CircuitBreaker, Scenario, TaskBehaviour, TaskSpec};
use ecs_sim::{SimConfig, SimHandle};

/// Fast enough that a rollout takes a fraction of a real second.
pub(crate) const TIME_SCALE: f64 = 100.0;
pub(crate) const CLUSTER: &str = "prod";
/// A deployment circuit breaker that rolls a failed deployment back.
pub(crate) const BREAKER_ROLLS_BACK: CircuitBreaker = CircuitBreaker::ROLLS_BACK;

pub(crate) async fn sim() -> SimHandle {
    ecs_sim::start(SimConfig {
        time_scale: TIME_SCALE,
        seed: 42,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts")
}

/// A simulator at `time_scale` with cluster [`CLUSTER`], a [`client`] of it and a scenario in it.
pub(crate) async fn sim_with_cluster(time_scale: f64, seed: u64) -> (SimHandle, Client, Scenario) {
    let sim = ecs_sim::start(SimConfig {
        time_scale,
        seed,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let ecs = client(&sim);
    let scenario = Scenario::new(ecs.clone(), CLUSTER);
    scenario.create_cluster().await.expect("cluster");
    (sim, ecs, scenario)
}

/// A [`sim`] and a [`client`] of it.
pub(crate) async fn sim_and_client() -> (SimHandle, Client) {
    let sim = sim().await;
    let ecs = client(&sim);
    (sim, ecs)
}

/// An SDK client for the simulator with static dummy credentials and no retries, so every
/// injected error reaches the test.
pub(crate) fn client(sim: &SimHandle) -> Client {
    client_with_retry(sim, RetryConfig::disabled())
}

pub(crate) fn client_with_retry(sim: &SimHandle, retry: RetryConfig) -> Client {
    Client::from_conf(
        scenario::client_config(&sim.endpoint())
            .retry_config(retry)
            .build(),
    )
}

/// CreateCluster of `name`; returns the new cluster's ARN.
pub(crate) async fn create_cluster(ecs: &Client, name: &str) -> String {
    let created = ecs
        .create_cluster()
        .cluster_name(name)
        .send()
        .await
        .expect("CreateCluster");
    created
        .cluster()
        .and_then(|c| c.cluster_arn())
        .expect("a cluster ARN")
        .to_owned()
}

/// Scenarios in [`CLUSTER`] through `ecs`.
pub(crate) fn scenario(ecs: &Client) -> Scenario {
    Scenario::new(ecs.clone(), CLUSTER)
}

/// Registers `family` with one container behaving as `behaviour`, running `image`; returns the
/// task definition ARN.
pub(crate) async fn register(
    ecs: &Client,
    family: &str,
    behaviour: TaskBehaviour,
    image: &str,
) -> String {
    scenario(ecs)
        .register_spec(&TaskSpec::new(family, behaviour).image(image))
        .await
        .expect("RegisterTaskDefinition")
}

/// Registers `family` with `container` as its one container; returns the task definition ARN.
pub(crate) async fn register_container(
    ecs: &Client,
    family: &str,
    container: ContainerDefinition,
) -> String {
    scenario(ecs)
        .register_container(family, container)
        .await
        .expect("RegisterTaskDefinition")
}

/// Creates the cluster and a service on `task_definition`, settled (its first rollout completed).
pub(crate) async fn steady_service(
    ecs: &Client,
    service: &str,
    task_definition: &str,
    desired: i32,
    circuit_breaker: CircuitBreaker,
) {
    let scenario = scenario(ecs);
    scenario.create_cluster().await.expect("CreateCluster");
    scenario
        .create_service(service, task_definition, desired, circuit_breaker)
        .await
        .expect("CreateService");
    scenario
        .wait_until_steady(service, ecs_sim::scenario::STEADY_WITHIN)
        .await
        .expect("first rollout completes");
}

/// Registers a healthy `service` revision running `image` and runs it steady with `desired` tasks
/// (see [`steady_service`]); returns its ARN.
pub(crate) async fn steady_healthy(
    ecs: &Client,
    service: &str,
    image: &str,
    desired: i32,
    circuit_breaker: CircuitBreaker,
) -> String {
    let definition = register(ecs, service, TaskBehaviour::Healthy, image).await;
    steady_service(ecs, service, &definition, desired, circuit_breaker).await;
    definition
}

/// Points `service` at `task_definition`.
pub(crate) async fn update(ecs: &Client, service: &str, task_definition: &str) {
    scenario(ecs)
        .update_service(service, task_definition)
        .await
        .expect("UpdateService");
}

/// Registers a `service` revision behaving as `behaviour`, running `image`, and points the service at
/// it; returns its ARN.
pub(crate) async fn deploy_revision(
    ecs: &Client,
    service: &str,
    behaviour: TaskBehaviour,
    image: &str,
) -> String {
    let definition = register(ecs, service, behaviour, image).await;
    update(ecs, service, &definition).await;
    definition
}

pub(crate) async fn describe(client: &Client, service: &str) -> Service {
    scenario(client)
        .describe_service(service)
        .await
        .expect("DescribeServices")
}

/// ListTasks in [`CLUSTER`], narrowed by `filter`.
pub(crate) async fn list_tasks(
    ecs: &Client,
    filter: impl FnOnce(ListTasksFluentBuilder) -> ListTasksFluentBuilder,
) -> Result<ListTasksOutput, SdkError<ListTasksError, HttpResponse>> {
    filter(ecs.list_tasks().cluster(CLUSTER)).send().await
}

/// ListServiceDeployments of `service` in [`CLUSTER`], narrowed by `filter`.
pub(crate) async fn list_service_deployments(
    ecs: &Client,
    service: &str,
    filter: impl FnOnce(ListServiceDeploymentsFluentBuilder) -> ListServiceDeploymentsFluentBuilder,
) -> Result<ListServiceDeploymentsOutput, SdkError<ListServiceDeploymentsError, HttpResponse>> {
    let list = ecs
        .list_service_deployments()
        .cluster(CLUSTER)
        .service(service);
    filter(list).send().await
}

/// The tasks that ListTasks (narrowed by `filter`) names, described.
pub(crate) async fn listed_tasks(
    ecs: &Client,
    filter: impl FnOnce(ListTasksFluentBuilder) -> ListTasksFluentBuilder,
) -> Vec<Task> {
    let listed = list_tasks(ecs, filter).await.expect("ListTasks");
    if listed.task_arns().is_empty() {
        return Vec::new();
    }
    ecs.describe_tasks()
        .cluster(CLUSTER)
        .set_tasks(Some(listed.task_arns().to_vec()))
        .send()
        .await
        .expect("DescribeTasks")
        .tasks()
        .to_vec()
}

/// The stopped tasks that ListTasks (desiredStatus STOPPED, narrowed by `filter`) names, described.
pub(crate) async fn stopped_tasks(
    ecs: &Client,
    filter: impl FnOnce(ListTasksFluentBuilder) -> ListTasksFluentBuilder,
) -> Vec<Task> {
    listed_tasks(ecs, |list| {
        filter(list.desired_status(DesiredStatus::Stopped))
    })
    .await
}

/// Asserts that a rollout to `task_definition` has just begun beside the deployment it replaces:
/// two deployments, the first PRIMARY on it and IN_PROGRESS (`two` says why there are two).
pub(crate) fn assert_new_primary_beside_old(
    deployments: &[Deployment],
    task_definition: &str,
    two: &str,
) {
    assert_eq!(deployments.len(), 2, "{two}");
    assert_eq!(deployments[0].status(), Some("PRIMARY"));
    assert_eq!(deployments[0].task_definition(), Some(task_definition));
    assert_eq!(
        deployments[0].rollout_state().unwrap().as_str(),
        "IN_PROGRESS"
    );
}

/// The messages of the service's events, newest first.
pub(crate) fn event_messages(service: &Service) -> Vec<&str> {
    service
        .events()
        .iter()
        .filter_map(|e| e.message())
        .collect()
}

/// Asserts that one of the service's events has a message that `matches`.
pub(crate) fn assert_an_event(service: &Service, matches: impl Fn(&str) -> bool) {
    let messages = event_messages(service);
    assert!(messages.iter().any(|m| matches(m)), "{messages:?}");
}

/// The message of a service error the SDK read ("" for any other error).
pub(crate) fn error_message<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> String {
    match error {
        SdkError::ServiceError(e) => e.err().message().unwrap_or_default().to_owned(),
        _ => String::new(),
    }
}

/// The code of a service error the SDK read ("" for any other error).
pub(crate) fn error_code<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> String {
    match error {
        SdkError::ServiceError(e) => e.err().code().unwrap_or_default().to_owned(),
        _ => String::new(),
    }
}

/// Awaits a call that must fail; returns the [`error_code`] and [`error_message`] of its error.
pub(crate) async fn rejected<T: Debug, E: ProvideErrorMetadata + Debug, R: Debug>(
    call: impl Future<Output = Result<T, SdkError<E, R>>>,
) -> (String, String) {
    let error = call.await.expect_err("the call is rejected");
    (error_code(&error), error_message(&error))
}

/// Polls DescribeServices every 20 ms until `done` holds (real-time limit 20 s).
pub(crate) async fn wait_for(
    client: &Client,
    service: &str,
    what: &str,
    done: impl Fn(&Service) -> bool,
) -> Service {
    scenario::poll_until(POLL_LIMIT, POLL_EVERY, async || {
        let described = describe(client, service).await;
        done(&described).then_some(described)
    })
    .await
    .unwrap_or_else(|| panic!("timed out waiting until {what}"))
}

/// How long [`wait_for`] and the tests' own polls ([`scenario::poll_until`]) wait, in real time.
pub(crate) const POLL_LIMIT: Duration = Duration::from_secs(20);
/// How often they ask.
pub(crate) const POLL_EVERY: Duration = Duration::from_millis(20);

/// `N` of `ecs-svc/N`.
pub(crate) fn deployment_number(id: &str) -> &str {
    id.strip_prefix("ecs-svc/")
        .expect("deployment id is ecs-svc/N")
}

/// A minimal HTTP/1.1 exchange for the admin endpoints (no HTTP client dependency needed).
pub(crate) async fn admin(sim: &SimHandle, method: &str, path: &str, body: &str) -> (u16, String) {
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
