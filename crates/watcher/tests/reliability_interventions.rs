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
    F: FnOnce(aws_sdk_ecs::Client, String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let sim = start(SCALE, seed).await;
    sim.steady_service("web", Some(true)).await;
    let desired = sim.deploy("web", Behaviour::SlowStart(60)).await;
    let watcher = sim.watcher(None);
    let (events, callback) = recorder();
    let waiting = watcher.wait(
        request("web", Some(&desired)),
        options(60),
        tokio_util::sync::CancellationToken::new(),
        callback,
    );
    let seen = events.clone();
    let admin = sim.admin.clone();
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
        interfere(admin, desired).await;
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
    let (report, _) = verdict_after(41, |admin, _| async move {
        admin
            .delete_service()
            .cluster(CLUSTER)
            .service("web")
            .force(true)
            .send()
            .await
            .expect("DeleteService");
    })
    .await;
    assert_eq!(
        report.outcome,
        Outcome::Failed,
        "{}",
        report.failure_message
    );
    assert!(
        report.failure_message.contains("deleted"),
        "{}",
        report.failure_message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_scaled_to_zero_mid_wait_fails_saying_so() {
    let (report, _) = verdict_after(42, |admin, _| async move {
        admin
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
    assert!(
        report.failure_message.contains("scaled to zero"),
        "{}",
        report.failure_message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_superseded_by_someone_else_fails_naming_the_newer_one() {
    let (report, _) = verdict_after(43, |admin, _| async move {
        let other = admin
            .register_task_definition()
            .family("web")
            .container_definitions(
                aws_sdk_ecs::types::ContainerDefinition::builder()
                    .name("app")
                    .image("public.ecr.aws/nginx/nginx:1.28")
                    .essential(true)
                    .build(),
            )
            .cpu("256")
            .memory("512")
            .send()
            .await
            .expect("RegisterTaskDefinition")
            .task_definition()
            .and_then(|td| td.task_definition_arn())
            .expect("arn")
            .to_owned();
        admin
            .update_service()
            .cluster(CLUSTER)
            .service("web")
            .task_definition(other)
            .send()
            .await
            .expect("UpdateService");
    })
    .await;
    assert_eq!(
        report.outcome,
        Outcome::Failed,
        "{}",
        report.failure_message
    );
    assert!(
        report.failure_message.contains("superseded by deployment")
            && report.failure_message.contains("web:3"),
        "{}",
        report.failure_message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_that_runs_no_tasks_by_design_still_completes() {
    // Desired count 0 from the start (a worker scaled to zero between runs) is not an intervention: its
    // deployment completes and the wait says so.
    let sim = start(50.0, 44).await;
    let first = sim.register("idle", Behaviour::Healthy).await;
    sim.admin
        .create_service()
        .cluster(CLUSTER)
        .service_name("idle")
        .task_definition(&first)
        .desired_count(0)
        .send()
        .await
        .expect("CreateService");
    let (result, _) = wait(&sim.watcher(None), "idle", Some(&first), options(30)).await;
    let report = result.expect("a verdict");
    assert_eq!(
        report.outcome,
        Outcome::Completed,
        "{}",
        report.failure_message
    );
}
