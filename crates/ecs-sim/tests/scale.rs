//! A thousand services stay cheap: lazy advancement only touches what a request names.

mod common;

use std::time::{Duration, Instant};

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_services_answer_quickly() {
    let (sim, ecs) = sim_and_client().await;
    let definition = register(&ecs, "web", TaskBehaviour::Healthy, "nginx:1").await;
    ecs.create_cluster()
        .cluster_name(CLUSTER)
        .send()
        .await
        .expect("CreateCluster");
    let started = Instant::now();
    for i in 0..1000 {
        ecs.create_service()
            .cluster(CLUSTER)
            .service_name(format!("svc-{i}"))
            .task_definition(&definition)
            .desired_count(2)
            .send()
            .await
            .expect("CreateService");
    }
    let created = started.elapsed();

    // Every service has rolled out by now (sim time runs 100x); describe all of them.
    sim.skip_time(60.0);
    let started = Instant::now();
    for batch in 0..100 {
        let mut call = ecs.describe_services().cluster(CLUSTER);
        for i in 0..10 {
            call = call.services(format!("svc-{}", batch * 10 + i));
        }
        let described = call.send().await.expect("DescribeServices");
        for service in described.services() {
            assert_eq!(service.running_count(), 2);
            assert_eq!(
                service.deployments()[0].rollout_state().unwrap().as_str(),
                "COMPLETED"
            );
        }
    }
    let described = started.elapsed();
    let started = Instant::now();
    let tasks = list_tasks(&ecs, |list| list).await.expect("ListTasks");
    assert_eq!(tasks.task_arns().len(), 100);
    let listed = started.elapsed();
    eprintln!(
        "create 1000: {created:?}, describe 1000 in 100 calls: {described:?}, cluster-wide ListTasks: {listed:?}"
    );
    // Generous bounds (debug build, shared 2-core machine): they catch quadratic blow-ups, not jitter.
    assert!(described < Duration::from_secs(10), "{described:?}");
    assert!(listed < Duration::from_secs(2), "{listed:?}");
}
