//! `rollbackOn` over gRPC: the provider, served in-process and driven by the real gRPC client, against
//! `ecs-sim` through the real AWS SDK. A crash loop with `failed`, a timeout with `timedOut`, a Pulumi
//! Cancel with `cancelled`, and no call at all without the input. What each test proves is read from the
//! outputs recorded with the error and the simulator's record of the StopServiceDeployment calls it took.

mod common;

use common::*;
use ecs_sim::RecordedAction;
use prost_types::value::Kind;
use prost_types::{ListValue, Value};
use tonic::Code;

fn list(items: &[&str]) -> Value {
    Value {
        kind: Some(Kind::ListValue(ListValue {
            values: items.iter().map(|item| text(item)).collect(),
        })),
    }
}

/// The one StopServiceDeployment the simulator took: a ROLLBACK of `watched` (`case` names the case).
fn assert_one_rollback_of(h: &Harness, watched: &str, case: &str) {
    let stops: Vec<RecordedAction> = h
        .sim
        .recorded_actions()
        .into_iter()
        .filter(|a| a.operation == "StopServiceDeployment")
        .collect();
    assert_eq!(stops.len(), 1, "{case}: {stops:?}");
    assert_eq!(stops[0].service_deployment_arn, watched, "{case}");
    assert_eq!(stops[0].stop_type.as_deref(), Some("ROLLBACK"), "{case}");
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
fn rollback_on_failed_or_timed_out_rolls_the_watched_deployment_back_and_records_the_status() {
    init_environment();
    // (case, circuit breaker, the new revision, rollbackOn, timeoutMs, the verdict that triggers it)
    let cases = [
        (
            "crash loop",
            CircuitBreaker::Off,
            TaskBehaviour::ExitsAtOnce,
            "failed",
            60_000.0,
            "FAILED",
        ),
        (
            "never placed",
            CircuitBreaker::ROLLS_BACK,
            TaskBehaviour::Unplaceable,
            "timedOut",
            2_000.0,
            "TIMED_OUT",
        ),
    ];
    for (case, breaker, behaviour, rollback_on, timeout_ms, outcome) in cases {
        runtime().block_on(async {
            let mut h = Harness::start().await;
            h.create_cluster("prod").await;
            let rollout = h
                .scenario
                .deploying("web", 2, breaker, behaviour)
                .await
                .expect("web deploying");
            let (first, next) = (rollout.from, rollout.to);
            let watched = watched_deployment(&h).await;
            let extra = [
                ("rollbackOn", list(&[rollback_on])),
                ("timeoutMs", number(timeout_ms)),
            ];
            let checked = h.checked_wait("web", &next, &extra).await;
            let error = h
                .create(checked, false, 0.0)
                .await
                .expect_err("the verdict fails the create");
            let outputs = failed_outputs(&error);
            assert_eq!(string_of(&outputs, "outcome"), outcome, "{case}");
            assert_eq!(
                string_of(&outputs, "rollbackStatus"),
                "ROLLBACK_SUCCESSFUL",
                "{case}"
            );
            let message = string_of(&outputs, "failureMessage");
            assert!(
                message.contains("rolled back to web:1"),
                "{case}: {message}"
            );
            assert_one_rollback_of(&h, &watched, case);
            assert_eq!(task_definition_of_web(&h).await, first, "{case}");
        });
    }
}

/// `web` stuck on a revision that never places a task, waited for with `rollbackOn: [rollback_on]` and
/// cancelled once the provider reports the deployment it follows; returns the Create's error, the watched
/// service deployment and the harness.
async fn cancelled_wait(rollback_on: &str) -> (tonic::Status, String, Harness) {
    let mut h = Harness::start().await;
    h.create_cluster("prod").await;
    let breaker = CircuitBreaker::ROLLS_BACK;
    let stuck = h
        .scenario
        .deploying_to("web", 2, breaker, TaskBehaviour::Unplaceable)
        .await
        .expect("web deploying");
    let watched = watched_deployment(&h).await;
    let checked = h
        .checked_wait("web", &stuck, &[("rollbackOn", list(&[rollback_on]))])
        .await;
    let (result, _) = h.create_then_cancel(checked, "ecs-svc/").await;
    let status = result.expect_err("a cancelled wait fails");
    assert_eq!(status.code(), Code::Cancelled, "{status:?}");
    (status, watched, h)
}

#[test]
fn a_pulumi_cancel_with_rollback_on_cancelled_requests_the_rollback_before_returning() {
    init_environment();
    runtime().block_on(async {
        let (status, watched, h) = cancelled_wait("cancelled").await;
        assert!(
            status
                .message()
                .contains("requested its rollback (rollbackOn: cancelled)"),
            "{status:?}"
        );
        // Requested before Cancel returned: the record is there already.
        assert_one_rollback_of(&h, &watched, "rollbackOn: cancelled");
    });
}

#[test]
fn without_rollback_on_neither_a_failure_nor_a_cancel_stops_anything() {
    with_harness(|mut h| async move {
        h.create_cluster("prod").await;
        let crashing = h
            .scenario
            .deploying_to("web", 2, CircuitBreaker::Off, TaskBehaviour::ExitsAtOnce)
            .await
            .expect("web deploying");
        let checked = h.checked_wait("web", &crashing, &[]).await;
        let error = h
            .create(checked, false, 0.0)
            .await
            .expect_err("a crash loop fails the create");
        let outputs = failed_outputs(&error);
        assert_eq!(string_of(&outputs, "outcome"), "FAILED");
        assert!(h.sim.recorded_actions().is_empty());

        // `failed` alone does not cover a cancel.
        let (status, _, h) = cancelled_wait("failed").await;
        assert!(!status.message().contains("rollback"), "{status:?}");
        assert!(h.sim.recorded_actions().is_empty());
    });
}
