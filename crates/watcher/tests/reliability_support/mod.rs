//! Shared set-up for the watcher's reliability tests: an `ecs-sim` on 127.0.0.1, an ECS client configured
//! in code (dummy static credentials, region, loopback endpoint — nothing read from the environment, nothing
//! leaves the machine), a service to deploy to, and a wait that records every progress event.

#![allow(dead_code)] // each test binary uses a different part of this module

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_ecs::config::retry::RetryConfig;
use aws_sdk_ecs::config::timeout::TimeoutConfig;
pub use ecs_sim::scenario::{CircuitBreaker, Scenario, TaskBehaviour};
use ecs_sim::{Faults, SimConfig, SimHandle};
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
    /// Scenarios in [`CLUSTER`] through `admin`.
    pub scenario: Scenario,
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
    let config = ecs_sim::scenario::client_config(endpoint)
        .retry_config(RetryConfig::standard().with_max_attempts(attempts))
        .timeout_config(timeouts.build())
        .build();
    aws_sdk_ecs::Client::from_conf(config)
}

pub async fn start(time_scale: f64, seed: u64) -> Sim {
    let config = SimConfig {
        time_scale,
        seed,
        ..SimConfig::default()
    };
    let (handle, scenario) = ecs_sim::scenario::start_with_cluster(config, CLUSTER)
        .await
        .expect("simulator starts on 127.0.0.1 with cluster prod");
    let admin = scenario.ecs().clone();
    Sim {
        handle,
        admin,
        scenario,
    }
}

impl Sim {
    pub fn endpoint(&self) -> String {
        self.handle.endpoint()
    }

    /// Service `web` settled on a first revision, then deploying a healthy second one
    /// with a circuit breaker that rolls back: the second task definition's ARN.
    pub async fn deploying_healthy_web(&self) -> String {
        self.scenario
            .deploying_to("web", 2, CircuitBreaker::ROLLS_BACK, TaskBehaviour::Healthy)
            .await
            .expect("web deploying")
    }

    /// Every call of the simulator throttled from now on.
    pub fn throttle_every_call(&self) {
        self.handle.set_faults(Faults {
            throttle_probability: 1.0,
            ..Faults::default()
        });
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

    pub async fn register(&self, family: &str, behaviour: TaskBehaviour) -> String {
        self.scenario
            .register(family, behaviour)
            .await
            .expect("RegisterTaskDefinition")
    }

    /// A service running a healthy first revision, settled as [`Scenario::steady_service`] settles one, but
    /// with `watcher` seeing the first rollout complete (a watcher remembers what the endpoint lacks, e.g.
    /// the service-deployment API, from one wait to the next). `circuit_breaker`: `None` for none,
    /// `Some(rollback)` for one with or without rollback. Returns the first task definition.
    pub async fn steady_service_seen_by(
        &self,
        watcher: &Watcher,
        name: &str,
        circuit_breaker: Option<bool>,
    ) -> String {
        let first = self.register(name, TaskBehaviour::Healthy).await;
        let breaker = CircuitBreaker::from_rollback(circuit_breaker);
        self.scenario
            .create_service(name, &first, 2, breaker)
            .await
            .expect("CreateService");
        let (settled, _) = wait(watcher, name, Some(&first), options(30)).await;
        assert_completed(&settled.expect("the first rollout reaches a verdict"));
        first
    }

    /// Registers a revision with `behaviour` and points the service at it; returns its ARN.
    pub async fn deploy(&self, service: &str, behaviour: TaskBehaviour) -> String {
        self.scenario
            .deploy(service, behaviour)
            .await
            .expect("a new deployment")
    }
}

/// Panics with the failure message unless the verdict is `expected`.
pub fn assert_outcome(report: &WaitReport, expected: Outcome) {
    assert_eq!(report.outcome, expected, "{}", report.failure_message);
}

pub fn assert_completed(report: &WaitReport) {
    assert_outcome(report, Outcome::Completed);
}

/// Panics unless the failure message contains every one of `parts`.
pub fn assert_message_contains(report: &WaitReport, parts: &[&str]) {
    for part in parts {
        assert!(
            report.failure_message.contains(part),
            "no {part:?} in: {}",
            report.failure_message
        );
    }
}

/// The circuit breaker most tests deploy behind: it trips and rolls back.
pub const ROLLS_BACK: CircuitBreaker = CircuitBreaker::ROLLS_BACK;

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

/// How many of `events` `is` picks out.
pub fn count_events(events: &[ProgressEvent], is: impl Fn(&ProgressEvent) -> bool) -> usize {
    events.iter().filter(|e| is(e)).count()
}

/// True when `is` picks out one of `events`.
pub fn any_event(events: &[ProgressEvent], is: impl Fn(&ProgressEvent) -> bool) -> bool {
    events.iter().any(is)
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
