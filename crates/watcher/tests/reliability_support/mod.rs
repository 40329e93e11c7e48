//! Shared set-up for the watcher's reliability tests: an `ecs-sim` on 127.0.0.1, an ECS client configured
//! in code (dummy static credentials, region, loopback endpoint — nothing read from the environment, nothing
//! leaves the machine), a service to deploy to, and a wait that records every progress event.

#![allow(dead_code)] // each test binary uses a different part of this module

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_ecs::config::retry::RetryConfig;
use aws_sdk_ecs::config::timeout::TimeoutConfig;
use aws_sdk_ecs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ecs::types::{
    ContainerDefinition, DeploymentCircuitBreaker, DeploymentConfiguration, KeyValuePair,
};
use ecs_sim::{SimConfig, SimHandle};
use ecs_watcher::aws::SdkEcsApi;
use ecs_watcher::{
    Outcome, ProgressEvent, WaitError, WaitOptions, WaitReport, WaitRequest, Watcher,
};
use tokio_util::sync::CancellationToken;

pub const CLUSTER: &str = "prod";

/// The sim plus a fault-free admin client for setting up services (never the client under test).
pub struct Sim {
    pub handle: SimHandle,
    pub admin: aws_sdk_ecs::Client,
}

/// An ECS client pointed at `endpoint`, set up like `ecs_watcher::connect` does (two SDK attempts), with an
/// optional per-attempt timeout so "slower than the SDK's timeout" can be tested in seconds.
pub fn ecs_client(endpoint: &str, attempt_timeout: Option<Duration>) -> aws_sdk_ecs::Client {
    ecs_client_with_attempts(endpoint, attempt_timeout, 2)
}

/// As `ecs_client`, with `attempts` SDK attempts per call (1: every injected fault reaches the watcher).
pub fn ecs_client_with_attempts(
    endpoint: &str,
    attempt_timeout: Option<Duration>,
    attempts: u32,
) -> aws_sdk_ecs::Client {
    let mut timeouts = TimeoutConfig::builder().connect_timeout(Duration::from_secs(3));
    if let Some(limit) = attempt_timeout {
        timeouts = timeouts.operation_attempt_timeout(limit);
    }
    let config = aws_sdk_ecs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "reliability"))
        .retry_config(RetryConfig::standard().with_max_attempts(attempts))
        .timeout_config(timeouts.build())
        .build();
    aws_sdk_ecs::Client::from_conf(config)
}

pub async fn start(time_scale: f64, seed: u64) -> Sim {
    let handle = ecs_sim::start(SimConfig {
        time_scale,
        seed,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts on 127.0.0.1");
    let admin = ecs_client(&handle.endpoint(), None);
    admin
        .create_cluster()
        .cluster_name(CLUSTER)
        .send()
        .await
        .expect("CreateCluster");
    Sim { handle, admin }
}

/// What the tasks of a task definition do in the simulator.
#[derive(Clone, Copy, Debug)]
pub enum Behaviour {
    Healthy,
    /// Healthy, but each task stays PENDING this many simulated seconds first.
    SlowStart(u32),
    /// The essential container exits 1 right after starting.
    Crashing,
}

impl Sim {
    pub fn endpoint(&self) -> String {
        self.handle.endpoint()
    }

    /// A watcher whose SDK client never retries by itself, so every fault the sim injects is one the
    /// watcher's own retry policy must handle (and report).
    pub fn watcher_without_sdk_retries(&self) -> Watcher {
        Watcher::new(Arc::new(SdkEcsApi::new(ecs_client_with_attempts(
            &self.endpoint(),
            None,
            1,
        ))))
    }

    pub fn watcher(&self, attempt_timeout: Option<Duration>) -> Watcher {
        Watcher::new(Arc::new(SdkEcsApi::new(ecs_client(
            &self.endpoint(),
            attempt_timeout,
        ))))
    }

    pub async fn register(&self, family: &str, behaviour: Behaviour) -> String {
        let mut container = ContainerDefinition::builder()
            .name("app")
            .image("public.ecr.aws/nginx/nginx:1.27")
            .essential(true);
        match behaviour {
            Behaviour::Healthy => {}
            Behaviour::SlowStart(seconds) => {
                container = container.environment(
                    KeyValuePair::builder()
                        .name("SIM_STARTUP_SECONDS")
                        .value(seconds.to_string())
                        .build(),
                );
            }
            Behaviour::Crashing => container = container.command("/bin/false"),
        }
        self.admin
            .register_task_definition()
            .family(family)
            .container_definitions(container.build())
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

    /// A service running a healthy first revision, settled. `circuit_breaker`: `None` for none,
    /// `Some(rollback)` for one with or without rollback. Returns the first task definition.
    pub async fn steady_service(&self, name: &str, circuit_breaker: Option<bool>) -> String {
        let first = self.register(name, Behaviour::Healthy).await;
        let mut configuration = DeploymentConfiguration::builder();
        if let Some(rollback) = circuit_breaker {
            configuration = configuration.deployment_circuit_breaker(
                DeploymentCircuitBreaker::builder()
                    .enable(true)
                    .rollback(rollback)
                    .build(),
            );
        }
        self.admin
            .create_service()
            .cluster(CLUSTER)
            .service_name(name)
            .task_definition(&first)
            .desired_count(2)
            .deployment_configuration(configuration.build())
            .send()
            .await
            .expect("CreateService");
        let (settled, _) = wait(&self.watcher(None), name, Some(&first), options(30)).await;
        let report = settled.expect("the first rollout reaches a verdict");
        assert_eq!(
            report.outcome,
            Outcome::Completed,
            "{}",
            report.failure_message
        );
        first
    }

    /// Registers a revision with `behaviour` and points the service at it; returns its ARN.
    pub async fn deploy(&self, service: &str, behaviour: Behaviour) -> String {
        let task_definition = self.register(service, behaviour).await;
        self.admin
            .update_service()
            .cluster(CLUSTER)
            .service(service)
            .task_definition(&task_definition)
            .send()
            .await
            .expect("UpdateService");
        task_definition
    }
}

/// Fast polling, so a verdict under faults takes seconds rather than minutes.
pub fn options(timeout_secs: u64) -> WaitOptions {
    WaitOptions {
        timeout: Duration::from_secs(timeout_secs),
        poll_interval: Duration::from_millis(100),
        ..WaitOptions::default()
    }
}

pub fn request(service: &str, desired: Option<&str>) -> WaitRequest {
    WaitRequest {
        cluster: CLUSTER.into(),
        service: service.into(),
        desired_task_definition: desired.map(str::to_owned),
        deployment: None,
    }
}

pub type Recorded = Arc<Mutex<Vec<ProgressEvent>>>;

/// A progress callback that keeps every event.
pub fn recorder() -> (Recorded, Arc<dyn Fn(ProgressEvent) + Send + Sync>) {
    let events: Recorded = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    (
        events,
        Arc::new(move |event| sink.lock().unwrap().push(event)),
    )
}

pub async fn wait(
    watcher: &Watcher,
    service: &str,
    desired: Option<&str>,
    options: WaitOptions,
) -> (Result<WaitReport, WaitError>, Vec<ProgressEvent>) {
    let (events, callback) = recorder();
    let result = watcher
        .wait(
            request(service, desired),
            options,
            CancellationToken::new(),
            callback,
        )
        .await;
    let events = events.lock().unwrap().clone();
    (result, events)
}

pub fn retries(events: &[ProgressEvent]) -> Vec<(String, String)> {
    events
        .iter()
        .filter_map(|event| match event {
            ProgressEvent::Retrying {
                operation, error, ..
            } => Some((operation.clone(), error.clone())),
            _ => None,
        })
        .collect()
}
