//! Someone else acts on the service while a wait follows its deployment: deletes it, scales it to zero, or
//! deploys something else. Each must end the wait with a verdict that says what happened — never a silent
//! COMPLETED for a deployment that no longer serves anything.

mod reliability_support;

use std::time::Duration;

use ecs_watcher::{Outcome, ProgressEvent, WaitReport};
use reliability_support::*;

/// 20 simulated seconds per real second: tasks pending 60 simulated seconds leave the rollout in progress
/// for three real seconds, time enough to interfere.
const SCALE: f64 = 20.0;

/// Starts a wait for a slow-starting deployment of `web`, runs `interfere` once the wait has found it,
/// and returns the verdict.
async fn verdict_after<F, Fut>(seed: u64, interfere: F) -> (WaitReport, Vec<ProgressEvent>)
where
    F: FnOnce(Scenario, String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let sim = start(SCALE, seed).await;
    let desired = sim
        .scenario
        .deploying_to("web", 2, ROLLS_BACK, TaskBehaviour::SlowStart(60))
        .await
        .expect("web deploying");
    let watcher = sim.watcher(None);
    let (events, callback) = recorder();
    let waiting = watcher.wait(
        request("web", Some(&desired)),
        options(60),
        tokio_util::sync::CancellationToken::new(),
        callback,
    );
    let seen = events.clone();
    let scenario = sim.scenario.clone();
    let interference = async move {
        for _ in 0..200 {
            let found = seen
                .lock()
                .unwrap()
                .iter()
                .any(|e| matches!(e, ProgressEvent::Status { .. }));
            if found {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        interfere(scenario, desired).await;
    };
    let (result, ()) = tokio::join!(waiting, interference);
    let report = match result {
        Ok(report) => report,
        Err(error) => panic!("expected a verdict, got: {error}"),
    };
    let events = events.lock().unwrap().clone();
    (report, events)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_deleted_mid_wait_fails_saying_so() {
    let (report, _) = verdict_after(41, |scenario, _| async move {
        scenario.delete_service("web").await.expect("DeleteService");
    })
    .await;
    assert_outcome(&report, Outcome::Failed);
    assert_message_contains(&report, &["deleted"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_scaled_to_zero_mid_wait_fails_saying_so() {
    let (report, _) = verdict_after(42, |scenario, _| async move {
        scenario
            .ecs()
            .update_service()
            .cluster(CLUSTER)
            .service("web")
            .desired_count(0)
            .send()
            .await
            .expect("UpdateService");
    })
    .await;
    assert_eq!(
        report.outcome,
        Outcome::Failed,
        "a deployment that serves nothing is no success: {}",
        report.failure_message
    );
    assert_message_contains(&report, &["scaled to zero"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_superseded_by_someone_else_fails_naming_the_newer_one() {
    let (report, _) = verdict_after(43, |scenario, _| async move {
        scenario
            .deploy("web", TaskBehaviour::Healthy)
            .await
            .expect("someone else's deployment");
    })
    .await;
    assert_outcome(&report, Outcome::Failed);
    assert_message_contains(&report, &["superseded by deployment", "web:3"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_that_runs_no_tasks_by_design_still_completes() {
    // Desired count 0 from the start (a worker scaled to zero between runs) is not an intervention: its
    // deployment completes and the wait says so.
    let sim = start(50.0, 44).await;
    let first = sim.register("idle", TaskBehaviour::Healthy).await;
    sim.scenario
        .create_service("idle", &first, 0, CircuitBreaker::Off)
        .await
        .expect("CreateService");
    let (result, _) = wait(&sim.watcher(None), "idle", Some(&first), options(30)).await;
    let report = result.expect("a verdict");
    assert_outcome(&report, Outcome::Completed);
}
