//! A deployment in a region other than the simulator's default: the simulator takes the region from the
//! request's SigV4 credential scope (one world per region), so a client signing for ap-southeast-2 gets
//! ap-southeast-2 ARNs, and the CLI configured for that region follows the deployment to its verdict.

mod support;

use ecs_sim::scenario::{self, CircuitBreaker};
use support::*;

const REGION: &str = "ap-southeast-2";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_follows_a_deployment_signed_for_ap_southeast_2_to_completed() {
    let sim = start_in_region(50.0, 23, REGION).await;
    let desired = sim
        .scenario
        .deploying_to("web", 2, CircuitBreaker::ROLLS_BACK, TaskBehaviour::Healthy)
        .await
        .expect("web deploying");
    assert!(
        desired.starts_with(&format!("arn:aws:ecs:{REGION}:")),
        "the task definition ARN carries the signing region: {desired}"
    );

    let mut command = command(Some(&sim.endpoint()));
    command.env("AWS_REGION", REGION);
    let run = run(command, &wait_args("web", &desired, &[])).await;
    run.assert_exit(0);
    let verdict = run.json();
    assert_eq!(verdict["status"], "COMPLETED", "{verdict}");
    assert_eq!(verdict["primaryTaskDef"], desired.as_str(), "{verdict}");

    // The default region's world is another one: it has no cluster `prod`.
    let default_region = scenario::Scenario::new(scenario::client(&sim.endpoint()), "prod");
    assert!(
        !default_region
            .describes_cluster()
            .await
            .expect("DescribeClusters in us-east-1"),
        "us-east-1 has a cluster prod too"
    );
}
