//! Rollouts driven through the real aws-sdk-ecs client: success, circuit-breaker rollback,
//! endless failure without a breaker, image pull failure, failing health checks, placement.

mod common;

use aws_sdk_ecs::types::{ContainerDefinition, ServiceDeploymentStatus};
use common::*;

#[tokio::test]
async fn update_to_good_task_definition_completes_and_old_deployment_disappears() {
    let (_sim, ecs) = sim_and_client().await;
    let v1 = register(&ecs, "web", TaskBehaviour::Healthy, "nginx:1").await;
    let v2 = register(&ecs, "web", TaskBehaviour::Healthy, "nginx:2").await;
    assert!(v2.ends_with("task-definition/web:2"), "{v2}");
    steady_service(&ecs, "web", &v1, 2, BREAKER_ROLLS_BACK).await;

    let updated = ecs
        .update_service()
        .cluster(CLUSTER)
        .service("web")
        .task_definition(&v2)
        .send()
        .await
        .expect("UpdateService");
    let deployments = updated.service().unwrap().deployments();
    assert_new_primary_beside_old(deployments, &v2, "new PRIMARY plus the old ACTIVE");
    let new_id = deployments[0].id().unwrap().to_owned();
    assert_eq!(
        deployments[0].rollout_state_reason(),
        Some(format!("ECS deployment {new_id} in progress.").as_str())
    );
    assert_eq!(deployments[1].status(), Some("ACTIVE"));

    let done = wait_for(&ecs, "web", "the update completes", |s| {
        s.deployments().len() == 1
            && s.deployments()[0].rollout_state().unwrap().as_str() == "COMPLETED"
    })
    .await;
    let primary = &done.deployments()[0];
    assert_eq!(primary.id(), Some(new_id.as_str()));
    assert_eq!(primary.task_definition(), Some(v2.as_str()));
    assert_eq!(
        primary.rollout_state_reason(),
        Some(format!("ECS deployment {new_id} completed.").as_str())
    );
    assert_eq!(
        (
            done.running_count(),
            done.desired_count(),
            done.pending_count()
        ),
        (2, 2, 0)
    );
    let messages = event_messages(&done);
    assert!(
        messages.contains(&"(service web) has reached a steady state."),
        "{messages:?}"
    );
    assert!(
        messages.contains(
            &format!("(service web) (deployment {new_id}) deployment completed.").as_str()
        ),
        "{messages:?}"
    );

    // The old tasks were stopped by the scheduler, and they say so.
    let tasks = stopped_tasks(&ecs, |list| list.service_name("web")).await;
    assert_eq!(tasks.len(), 2);
    for task in &tasks {
        assert_eq!(task.task_definition_arn(), Some(v1.as_str()));
        assert_eq!(task.last_status(), Some("STOPPED"));
        assert_eq!(
            task.stop_code().map(|c| c.as_str()),
            Some("ServiceSchedulerInitiated")
        );
        assert_eq!(task.group(), Some("service:web"));
    }

    // The service-deployments API agrees: newest first, the update SUCCESSFUL.
    let listed = list_service_deployments(&ecs, "web", |list| list)
        .await
        .expect("ListServiceDeployments");
    let briefs = listed.service_deployments();
    assert_eq!(briefs.len(), 2);
    assert_eq!(
        briefs[0].status(),
        Some(&ServiceDeploymentStatus::Successful)
    );
    let target = briefs[0].target_service_revision_arn().unwrap();
    assert!(
        target.ends_with(&format!("/{}", deployment_number(&new_id))),
        "{target} vs {new_id}"
    );
}

#[tokio::test]
async fn bin_false_with_circuit_breaker_rolls_back_to_previous_task_definition() {
    let (_sim, ecs) = sim_and_client().await;
    let good = steady_healthy(&ecs, "api", "api:1", 2, BREAKER_ROLLS_BACK).await;
    let bad = register(&ecs, "api", TaskBehaviour::ExitsAtOnce, "api:2").await;
    let good_id = describe(&ecs, "api").await.deployments()[0]
        .id()
        .unwrap()
        .to_owned();

    update(&ecs, "api", &bad).await;
    let bad_id = describe(&ecs, "api").await.deployments()[0]
        .id()
        .unwrap()
        .to_owned();

    let rolling_back = wait_for(&ecs, "api", "the circuit breaker trips", |s| {
        s.deployments()
            .iter()
            .any(|d| d.rollout_state().unwrap().as_str() == "FAILED")
    })
    .await;
    let failed = rolling_back
        .deployments()
        .iter()
        .find(|d| d.id() == Some(bad_id.as_str()))
        .expect("failed deployment still listed");
    assert_eq!(failed.status(), Some("ACTIVE"));
    assert_eq!(
        failed.rollout_state_reason(),
        Some("ECS deployment circuit breaker: tasks failed to start.")
    );
    assert!(
        failed.failed_tasks() >= 3,
        "threshold is 3 for 2 desired tasks"
    );
    let primary = &rolling_back.deployments()[0];
    assert_eq!(primary.status(), Some("PRIMARY"));
    assert_eq!(primary.task_definition(), Some(good.as_str()));
    assert_eq!(
        primary.rollout_state_reason(),
        Some(
            format!("ECS deployment circuit breaker: rolling back to deploymentId {good_id}.")
                .as_str()
        )
    );
    let rollback_id = primary.id().unwrap().to_owned();
    assert_ne!(rollback_id, good_id);

    let rolled_back = wait_for(&ecs, "api", "the rollback completes", |s| {
        s.deployments().len() == 1
            && s.deployments()[0].rollout_state().unwrap().as_str() == "COMPLETED"
    })
    .await;
    assert_eq!(
        rolled_back.deployments()[0].id(),
        Some(rollback_id.as_str())
    );
    assert_eq!(rolled_back.task_definition(), Some(good.as_str()));

    // The failed deployment in the service-deployments API.
    let briefs = list_service_deployments(&ecs, "api", |list| list)
        .await
        .expect("ListServiceDeployments");
    let newest = &briefs.service_deployments()[0];
    assert!(
        newest
            .target_service_revision_arn()
            .unwrap()
            .ends_with(deployment_number(&bad_id))
    );
    let described = ecs
        .describe_service_deployments()
        .service_deployment_arns(newest.service_deployment_arn().unwrap())
        .send()
        .await
        .expect("DescribeServiceDeployments");
    let deployment = &described.service_deployments()[0];
    assert_eq!(
        deployment.status(),
        Some(&ServiceDeploymentStatus::RollbackSuccessful)
    );
    let breaker = deployment.deployment_circuit_breaker().unwrap();
    assert_eq!(breaker.status().unwrap().as_str(), "TRIGGERED");
    assert_eq!(breaker.threshold(), 3);
    assert!(breaker.failure_count() >= 3);
    let rollback = deployment.rollback().expect("rollback details");
    let rollback_revision = rollback.service_revision_arn().unwrap();
    assert!(
        rollback_revision.ends_with(deployment_number(&rollback_id)),
        "{rollback_revision}"
    );
    assert!(deployment.finished_at().is_some());

    let revisions = ecs
        .describe_service_revisions()
        .service_revision_arns(rollback_revision)
        .service_revision_arns(deployment.target_service_revision().unwrap().arn().unwrap())
        .send()
        .await
        .expect("DescribeServiceRevisions");
    let definitions: Vec<_> = revisions
        .service_revisions()
        .iter()
        .map(|r| r.task_definition().unwrap())
        .collect();
    assert_eq!(definitions, vec![good.as_str(), bad.as_str()]);
}

#[tokio::test]
async fn without_circuit_breaker_failed_tasks_keep_growing() {
    let (_sim, ecs) = sim_and_client().await;
    let good = register(&ecs, "worker", TaskBehaviour::Healthy, "worker:1").await;
    // `sh -c "exit 1"` exits as `/bin/false` does (TaskBehaviour::ExitsAtOnce): the rule reads both.
    let exit_1 = ContainerDefinition::builder()
        .name("app")
        .image("worker:2")
        .command("sh")
        .command("-c")
        .command("exit 1")
        .build();
    let bad = register_container(&ecs, "worker", exit_1).await;
    steady_service(&ecs, "worker", &good, 1, CircuitBreaker::Off).await;
    update(&ecs, "worker", &bad).await;

    let first = wait_for(&ecs, "worker", "three failed tasks", |s| {
        s.deployments()[0].failed_tasks() >= 3
    })
    .await;
    let deployment_id = first.deployments()[0].id().unwrap().to_owned();
    let later = wait_for(&ecs, "worker", "more failed tasks", |s| {
        s.deployments()[0].failed_tasks() >= first.deployments()[0].failed_tasks() + 2
    })
    .await;
    assert_eq!(
        later.deployments()[0].rollout_state().unwrap().as_str(),
        "IN_PROGRESS"
    );
    assert_eq!(later.deployments()[0].id(), Some(deployment_id.as_str()));

    let tasks = stopped_tasks(&ecs, |list| list.started_by(&deployment_id)).await;
    assert!(tasks.len() >= 3);
    let exited: Vec<_> = tasks
        .iter()
        .filter(|t| t.stop_code().map(|c| c.as_str()) == Some("EssentialContainerExited"))
        .collect();
    assert!(exited.len() >= 3);
    for task in exited {
        assert_eq!(task.started_by(), Some(deployment_id.as_str()));
        assert_eq!(
            task.stopped_reason(),
            Some("Essential container in task exited")
        );
        assert_eq!(task.containers()[0].exit_code(), Some(1));
        assert_eq!(task.task_definition_arn(), Some(bad.as_str()));
    }
    assert_an_event(&later, |m| {
        m.starts_with("(service worker) has stopped 1 running tasks: (task ")
    });
}

#[tokio::test]
async fn missing_image_fails_with_cannot_pull_container_error() {
    let (_sim, ecs) = sim_and_client().await;
    let breaker = CircuitBreaker::On { rollback: false };
    steady_healthy(&ecs, "site", "site:1", 1, breaker).await;
    deploy_revision(&ecs, "site", TaskBehaviour::MissingImage, "app:1").await;
    let failed = wait_for(&ecs, "site", "the circuit breaker trips", |s| {
        s.deployments()[0].rollout_state().unwrap().as_str() == "FAILED"
    })
    .await;
    let deployment_id = failed.deployments()[0].id().unwrap().to_owned();
    assert_eq!(
        failed.deployments()[0].status(),
        Some("PRIMARY"),
        "no rollback: stays PRIMARY"
    );

    let tasks = stopped_tasks(&ecs, |list| list.started_by(&deployment_id)).await;
    let expected = "CannotPullContainerError: pull image manifest has been retried 5 time(s): \
                    failed to resolve ref nonexistent.example/app:1: not found";
    assert!(!tasks.is_empty());
    for task in &tasks {
        assert_eq!(
            task.stop_code().map(|c| c.as_str()),
            Some("TaskFailedToStart")
        );
        assert_eq!(task.stopped_reason(), Some(expected));
        assert_eq!(task.started_at(), None, "never started");
        let container = &task.containers()[0];
        assert_eq!(container.reason(), Some(expected));
        assert_eq!(container.exit_code(), None);
    }

    // Without rollback the failed service deployment is STOPPED with the breaker's reason.
    let stopped = list_service_deployments(&ecs, "site", |list| {
        list.status(ServiceDeploymentStatus::Stopped)
    });
    let briefs = stopped.await.expect("ListServiceDeployments");
    assert_eq!(briefs.service_deployments().len(), 1);
    assert_eq!(
        briefs.service_deployments()[0].status_reason(),
        Some("ECS deployment circuit breaker: tasks failed to start.")
    );
}

#[tokio::test]
async fn failing_health_check_replaces_unhealthy_tasks() {
    let (_sim, ecs) = sim_and_client().await;
    steady_healthy(&ecs, "cache", "redis:7", 1, CircuitBreaker::Off).await;
    deploy_revision(&ecs, "cache", TaskBehaviour::FailsHealthChecks, "redis:8").await;
    let failing = wait_for(&ecs, "cache", "two failed tasks", |s| {
        s.deployments()[0].failed_tasks() >= 2
    })
    .await;
    let old = failing
        .deployments()
        .iter()
        .find(|d| d.status() == Some("ACTIVE"))
        .expect("old deployment listed");
    assert_eq!(
        old.running_count(),
        1,
        "the old task stays: no new task ever became healthy"
    );
    assert_an_event(&failing, |m| {
        m.starts_with("(service cache) (task ") && m.ends_with(") failed container health checks.")
    });
    let tasks = stopped_tasks(&ecs, |list| list.family("cache")).await;
    assert_eq!(
        tasks[0].stopped_reason(),
        Some("Task failed container health checks")
    );
    assert_eq!(tasks[0].health_status().unwrap().as_str(), "UNHEALTHY");
}

#[tokio::test]
async fn oversized_task_is_never_placed_and_stays_in_progress() {
    let (_sim, ecs) = sim_and_client().await;
    steady_healthy(&ecs, "big", "app:1", 1, BREAKER_ROLLS_BACK).await;
    deploy_revision(&ecs, "big", TaskBehaviour::Unplaceable, "app:2").await;
    let unplaced = wait_for(&ecs, "big", "two placement events", |s| {
        s.events()
            .iter()
            .filter(|e| {
                e.message().is_some_and(|m| {
                    m.contains("was unable to place a task. Reason: Capacity is unavailable")
                })
            })
            .count()
            >= 2
    })
    .await;
    let primary = &unplaced.deployments()[0];
    assert_eq!(primary.rollout_state().unwrap().as_str(), "IN_PROGRESS");
    assert_eq!(primary.failed_tasks(), 0);
    assert_eq!(primary.running_count(), 0);
    assert_eq!(unplaced.running_count(), 1, "the old task keeps serving");
}

#[tokio::test]
async fn startup_override_and_scaling_to_zero() {
    let (sim, ecs) = sim_and_client().await;
    let definition = register(&ecs, "slow", TaskBehaviour::SlowStart(120), "slow:1").await;
    let scenario = scenario(&ecs);
    scenario.create_cluster().await.expect("CreateCluster");
    scenario
        .create_service("slow", &definition, 1, CircuitBreaker::Off)
        .await
        .expect("CreateService");
    // 30 simulated seconds in: a normal task would be RUNNING; this one is still PENDING.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let pending = describe(&ecs, "slow").await;
    assert_eq!((pending.running_count(), pending.pending_count()), (0, 1));

    sim.skip_time(200.0);
    wait_for(&ecs, "slow", "the slow task runs", |s| {
        s.running_count() == 1
    })
    .await;
    ecs.update_service()
        .cluster(CLUSTER)
        .service("slow")
        .desired_count(0)
        .send()
        .await
        .expect("UpdateService");
    let scaled = wait_for(&ecs, "slow", "no task left", |s| {
        s.running_count() == 0 && s.pending_count() == 0
    })
    .await;
    assert_eq!(
        scaled.deployments().len(),
        1,
        "scaling makes no new deployment"
    );
    assert_eq!(scaled.deployments()[0].desired_count(), 0);
}
