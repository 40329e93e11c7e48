//! `rollbackOn` over gRPC: the provider, served in-process and driven by the real gRPC client, against
//! `ecs-sim` through the real AWS SDK. A crash loop with `failed`, a timeout with `timedOut`, a Pulumi
//! Cancel with `cancelled`, and no call at all without the input. What each test proves is read from the
//! outputs recorded with the error and the simulator's record of the StopServiceDeployment calls it took.

mod common;

use std::time::Duration;

use common::*;
use ecs_sim::RecordedAction;
use prost_types::value::Kind;
use prost_types::{ListValue, Struct, Value};
use tonic::Code;

fn list(items: &[&str]) -> Value {
    Value {
        kind: Some(Kind::ListValue(ListValue {
            values: items.iter().map(|item| text(item)).collect(),
        })),
    }
}

/// The wait inputs for `web` and `task_definition`, with `extra` added or replacing.
fn inputs(task_definition: &str, extra: &[(&'static str, Value)]) -> Struct {
    let mut entries = wait_inputs("prod", "web", task_definition);
    for (name, value) in extra {
        entries.retain(|(existing, _)| existing != name);
        entries.push((name, value.clone()));
    }
    object(&entries)
}

/// `web` in cluster `prod` settled on a healthy first revision (its ARN), then deploying a revision
/// behaving as `behaviour`; returns both ARNs.
async fn deploying(
    h: &Harness,
    breaker: CircuitBreaker,
    behaviour: TaskBehaviour,
) -> (String, String) {
    h.create_cluster("prod").await;
    let first = h
        .scenario
        .steady_service("web", 2, breaker)
        .await
        .expect("a steady service");
    let next = h
        .scenario
        .deploy("web", behaviour)
        .await
        .expect("a new deployment");
    (first, next)
}

fn stops(h: &Harness) -> Vec<RecordedAction> {
    h.sim
        .recorded_actions()
        .into_iter()
        .filter(|a| a.operation == "StopServiceDeployment")
        .collect()
}

/// The service's newest service deployment: the one being watched.
async fn watched_deployment(h: &Harness) -> String {
    h.scenario
        .current_service_deployment("web")
        .await
        .expect("a service deployment")
}

async fn task_definition_of_web(h: &Harness) -> String {
    h.scenario
        .describe_service("web")
        .await
        .expect("web is described")
        .task_definition()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn rollback_on_failed_rolls_a_crash_loop_back_and_records_the_status() {
    init_environment();
    runtime().block_on(async {
        let mut h = Harness::start().await;
        let (first, crashing) =
            deploying(&h, CircuitBreaker::Off, TaskBehaviour::ExitsAtOnce).await;
        let watched = watched_deployment(&h).await;
        let checked = h
            .checked(inputs(&crashing, &[("rollbackOn", list(&["failed"]))]))
            .await;
        let error = h
            .create(checked, false, 0.0)
            .await
            .expect_err("a crash loop fails the create");
        let outputs = failed_outputs(&error);
        assert_eq!(string_of(&outputs, "outcome"), "FAILED");
        assert_eq!(string_of(&outputs, "rollbackStatus"), "ROLLBACK_SUCCESSFUL");
        let message = string_of(&outputs, "failureMessage");
        assert!(message.contains("rolled back to web:1"), "{message}");
        let stops = stops(&h);
        assert_eq!(stops.len(), 1, "{stops:?}");
        assert_eq!(stops[0].service_deployment_arn, watched);
        assert_eq!(stops[0].stop_type.as_deref(), Some("ROLLBACK"));
        assert_eq!(task_definition_of_web(&h).await, first);
    });
}

#[test]
fn rollback_on_timed_out_rolls_back_a_deployment_that_never_finished() {
    init_environment();
    runtime().block_on(async {
        let mut h = Harness::start().await;
        let (first, stuck) = deploying(
            &h,
            CircuitBreaker::On { rollback: true },
            TaskBehaviour::Unplaceable,
        )
        .await;
        let watched = watched_deployment(&h).await;
        let checked = h
            .checked(inputs(
                &stuck,
                &[
                    ("rollbackOn", list(&["timedOut"])),
                    ("timeoutMs", number(2_000.0)),
                ],
            ))
            .await;
        let error = h
            .create(checked, false, 0.0)
            .await
            .expect_err("a timed out deployment fails the create");
        let outputs = failed_outputs(&error);
        assert_eq!(string_of(&outputs, "outcome"), "TIMED_OUT");
        assert_eq!(string_of(&outputs, "rollbackStatus"), "ROLLBACK_SUCCESSFUL");
        let stops = stops(&h);
        assert_eq!(stops.len(), 1, "{stops:?}");
        assert_eq!(stops[0].service_deployment_arn, watched);
        assert_eq!(task_definition_of_web(&h).await, first);
    });
}

/// Starts a Create on `stuck` with `extra` inputs, holds until the provider reports the deployment it
/// follows (so the Cancel never races the start of the wait), cancels, and returns the Create's error.
async fn cancelled_create(
    h: &mut Harness,
    stuck: &str,
    extra: &[(&'static str, Value)],
) -> tonic::Status {
    let checked = h.checked(inputs(stuck, extra)).await;
    let mut waiting_client = h.client.clone();
    let waiting = tokio::spawn(async move { waiting_client.create(create_request(checked)).await });
    let engine = h.engine.clone();
    assert!(
        eventually(Duration::from_secs(30), || engine
            .messages()
            .iter()
            .any(|m| m.message.contains("ecs-svc/")))
        .await,
        "the wait never found its deployment"
    );
    h.client.cancel(()).await.expect("cancel");
    let result = waiting.await.expect("create task");
    result.expect_err("a cancelled wait fails")
}

#[test]
fn a_pulumi_cancel_with_rollback_on_cancelled_requests_the_rollback_before_returning() {
    init_environment();
    runtime().block_on(async {
        let mut h = Harness::start().await;
        let (_, stuck) = deploying(
            &h,
            CircuitBreaker::On { rollback: true },
            TaskBehaviour::Unplaceable,
        )
        .await;
        let watched = watched_deployment(&h).await;
        let status =
            cancelled_create(&mut h, &stuck, &[("rollbackOn", list(&["cancelled"]))]).await;
        assert_eq!(status.code(), Code::Cancelled, "{status:?}");
        assert!(
            status
                .message()
                .contains("requested its rollback (rollbackOn: cancelled)"),
            "{status:?}"
        );
        // Requested before Cancel returned: the record is there already.
        let stops = stops(&h);
        assert_eq!(stops.len(), 1, "{stops:?}");
        assert_eq!(stops[0].service_deployment_arn, watched);
        assert_eq!(stops[0].stop_type.as_deref(), Some("ROLLBACK"));
    });
}

#[test]
fn without_rollback_on_neither_a_failure_nor_a_cancel_stops_anything() {
    init_environment();
    runtime().block_on(async {
        let mut h = Harness::start().await;
        let (_, crashing) = deploying(&h, CircuitBreaker::Off, TaskBehaviour::ExitsAtOnce).await;
        let checked = h.checked(inputs(&crashing, &[])).await;
        let error = h
            .create(checked, false, 0.0)
            .await
            .expect_err("a crash loop fails the create");
        let outputs = failed_outputs(&error);
        assert_eq!(string_of(&outputs, "outcome"), "FAILED");
        assert!(h.sim.recorded_actions().is_empty());

        let mut h = Harness::start().await;
        let (_, stuck) = deploying(
            &h,
            CircuitBreaker::On { rollback: true },
            TaskBehaviour::Unplaceable,
        )
        .await;
        // `failed` alone does not cover a cancel.
        let status = cancelled_create(&mut h, &stuck, &[("rollbackOn", list(&["failed"]))]).await;
        assert_eq!(status.code(), Code::Cancelled, "{status:?}");
        assert!(!status.message().contains("rollback"), "{status:?}");
        assert!(h.sim.recorded_actions().is_empty());
    });
}
