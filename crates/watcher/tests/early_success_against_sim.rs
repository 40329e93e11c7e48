//! A ROLLING deployment with ECS's `earlySuccessCriteria` (DEFERRED cleanup) against `ecs-sim`: the
//! watcher's verdict is COMPLETED at ECS's SUCCESSFUL, while the source revision's tasks still run.
//!
//! Simulated time hardly moves on its own here (time scale 0.001): the test moves it with
//! `skip_time`, one simulated second at a time, until ECS says SUCCESSFUL, and then not at all.
//! So the verdict has to come from the state at that moment (source tasks running for another
//! 30 simulated seconds); a watcher that waited for them to drain would time out instead. Nothing
//! asserts on wall-clock timing.

mod reliability_support;

use std::time::Duration;

use aws_sdk_ecs::types::{ServiceDeploymentStatus, ServiceRevisionCleanup};
use ecs_sim::scenario::{DeploymentSpec, Strategy};
use reliability_support::*;

const SERVICE: &str = "web";
const DESIRED: i32 = 4;

#[tokio::test]
async fn deferred_early_success_completes_while_the_old_deployment_still_runs_tasks() {
    let sim = start(0.001, 23).await;
    // 50 % healthy out of 4 with maximumPercent 100: v2 replaces two tasks, is SUCCESSFUL once
    // those two are healthy, and the other two v1 tasks keep running (DEFERRED).
    let spec = DeploymentSpec::new(Strategy::Rolling)
        .percentages(50, 100)
        .early_success(50, ServiceRevisionCleanup::Deferred);
    let v1 = sim.register(SERVICE, TaskBehaviour::Healthy).await;
    sim.scenario
        .create_service_with(SERVICE, &v1, DESIRED, spec.build())
        .await
        .expect("CreateService");
    sim.handle.skip_time(60.0);
    assert!(sim.scenario.is_steady(SERVICE).await.unwrap(), "v1 settled");
    let v2 = sim.deploy(SERVICE, TaskBehaviour::Healthy).await;
    let arn = sim
        .scenario
        .current_service_deployment(SERVICE)
        .await
        .expect("the update's service deployment");

    let watcher = sim.watcher(None);
    let desired = v2.clone();
    let waiting =
        tokio::spawn(async move { wait(&watcher, SERVICE, Some(&desired), options(30)).await });
    // Move simulated time until ECS marks the deployment SUCCESSFUL; no verdict before that.
    let mut skipped = 0;
    loop {
        let finished_before = waiting.is_finished();
        let deployment = sim
            .scenario
            .describe_service_deployment(&arn)
            .await
            .unwrap();
        if deployment.status() == Some(&ServiceDeploymentStatus::Successful) {
            break;
        }
        assert!(
            !finished_before,
            "a verdict while ECS says {:?}",
            deployment.status()
        );
        assert!(
            skipped < 120,
            "no SUCCESSFUL after {skipped} simulated seconds"
        );
        sim.handle.skip_time(1.0);
        skipped += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let (result, _events) = waiting.await.expect("the wait task");
    let report = result.expect("a verdict");
    assert_completed(&report);
    assert_eq!(report.primary_task_definition.as_deref(), Some(v2.as_str()));
    assert_eq!(report.service_deployment_arn.as_deref(), Some(arn.as_str()));

    // The simulator's state at the verdict (time has not moved since SUCCESSFUL): the old
    // deployment is still listed, ACTIVE, with two running v1 tasks.
    let described = sim.scenario.describe_service(SERVICE).await.unwrap();
    let deployments: Vec<_> = described
        .deployments()
        .iter()
        .map(|d| (d.status(), d.task_definition(), d.running_count()))
        .collect();
    assert_eq!(
        deployments,
        [
            (Some("PRIMARY"), Some(v2.as_str()), 2),
            (Some("ACTIVE"), Some(v1.as_str()), 2),
        ]
    );
}
