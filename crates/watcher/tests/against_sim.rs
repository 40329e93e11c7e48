//! The watcher end to end: the real aws-sdk-ecs client, over HTTP on 127.0.0.1,
//! against the `ecs-sim` simulator. Credentials, region and endpoint are set on
//! the client in code, so nothing is read from the environment and no request
//! leaves the machine.

mod reliability_support;

use ecs_sim::{Faults, ServiceDeploymentsApi};
use ecs_watcher::{Outcome, ProgressEvent, WaitReport, Watcher};
use reliability_support::*;

const SERVICE: &str = "web";
/// 100 simulated seconds per real second: a rollout takes a fraction of a second.
const TIME_SCALE: f64 = 100.0;
const SEED: u64 = 7;

/// The simulator and the one watcher every wait of a test uses (as one process would).
struct Fixture {
    sim: Sim,
    watcher: Watcher,
}

async fn fixture() -> Fixture {
    let sim = start(TIME_SCALE, SEED).await;
    let watcher = sim.watcher(None);
    Fixture { sim, watcher }
}

impl Fixture {
    /// Waits (60 s at most, polling every 100 ms) for `desired` on the service, expecting a verdict.
    async fn verdict(&self, desired: &str) -> (WaitReport, Vec<ProgressEvent>) {
        let (result, events) = wait(&self.watcher, SERVICE, Some(desired), options(60)).await;
        (result.expect("the wait reaches a verdict"), events)
    }

    /// The service settled on a healthy revision (with a circuit breaker that rolls back, or none), then
    /// pointed at a new revision behaving as `behaviour`; returns the new revision's ARN.
    async fn deployed(&self, circuit_breaker: bool, behaviour: TaskBehaviour) -> String {
        let breaker = circuit_breaker.then_some(true);
        self.sim
            .steady_service_seen_by(&self.watcher, SERVICE, breaker)
            .await;
        self.sim.deploy(SERVICE, behaviour).await
    }

    /// The verdict on a new revision whose app exits at once (see [`Fixture::deployed`]).
    async fn verdict_on_a_crashing_revision(&self, circuit_breaker: bool) -> WaitReport {
        let broken = self
            .deployed(circuit_breaker, TaskBehaviour::ExitsAtOnce)
            .await;
        self.verdict(&broken).await.0
    }
}

#[tokio::test]
async fn completes_a_healthy_rollout_through_the_service_deployment_api() {
    let fx = fixture().await;
    let v2 = fx.deployed(true, TaskBehaviour::Healthy).await;
    let (report, events) = fx.verdict("web:2").await;
    assert_completed(&report);
    assert_eq!(report.failure_message, "");
    assert_eq!(report.primary_task_definition.as_deref(), Some(v2.as_str()));
    assert!(
        !report.used_fallback,
        "the simulator implements the service-deployment API"
    );
    assert!(any_event(&events, |e| matches!(
        e,
        ProgressEvent::DeploymentFound { .. }
    )));
}

#[tokio::test]
async fn reports_the_rollback_and_the_exit_code_when_the_circuit_breaker_trips() {
    let report = fixture().await.verdict_on_a_crashing_revision(true).await;
    assert_outcome(&report, Outcome::RolledBack);
    let went_back_to = report.rolled_back_to.as_deref().unwrap_or_default();
    assert!(
        went_back_to.ends_with("task-definition/web:1"),
        "{went_back_to}"
    );
    assert!(
        report.failure_message.starts_with("rolled back to web:1: "),
        "{}",
        report.failure_message
    );
    assert_message_contains(&report, &["app exited 1"]);
    assert!(!report.failure_message.contains('\n'));
    assert!(!report.stopped_tasks.is_empty());
}

#[tokio::test]
async fn detects_a_crash_loop_without_a_circuit_breaker() {
    let report = fixture().await.verdict_on_a_crashing_revision(false).await;
    assert_outcome(&report, Outcome::Failed);
    assert_message_contains(&report, &["keep failing", "app exited 1"]);
    assert!(report.stopped_tasks.len() >= 3);
}

#[tokio::test]
async fn falls_back_to_describe_services_on_an_old_endpoint_and_pays_for_it_once() {
    let fx = fixture().await;
    fx.sim.handle.set_faults(Faults {
        service_deployments_api: ServiceDeploymentsApi::UnknownOperation,
        omit_rollout_state: true,
        ..Faults::default()
    });
    let v2 = fx.deployed(true, TaskBehaviour::Healthy).await;
    let (report, events) = fx.verdict(&v2).await;
    assert_completed(&report);
    assert!(report.used_fallback);
    assert!(any_event(&events, |e| matches!(
        e,
        ProgressEvent::FallbackToDescribeServices { .. }
    )));
    let calls = fx.sim.handle.call_counts();
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
    let v2 = fx.deployed(true, TaskBehaviour::Healthy).await;
    fx.sim.handle.set_faults(Faults {
        throttle_next: 4,
        server_error_next: 2,
        ..Faults::default()
    });
    let (report, events) = fx.verdict(&v2).await;
    assert_completed(&report);
    assert!(!retries(&events).is_empty());
}
