//! Figure 3a: what one wait costs the account — ECS calls, by operation, for a healthy
//! rollout of one service that takes 60 seconds. Each run has its own simulator, so its
//! counters hold exactly that wait's calls.

use std::collections::BTreeMap;

use ecs_watcher::{Outcome, WaitOptions, WaitRequest};
use futures::future::join_all;
use tokio_util::sync::CancellationToken;

use crate::error::{BenchError, BenchResult};
use crate::fixture::{
    CLUSTER, CircuitBreaker, TaskBehaviour, World, budgeted_watcher, random_offset,
};

const SERVICE: &str = "web";
/// PENDING time that makes the whole rollout take 60 s: 2 s provisioning, then this, then
/// the old task's 2 s stop and 5 s of stability.
const PENDING_SECONDS: u32 = 51;

pub(crate) struct Run {
    /// Calls by operation.
    pub calls: BTreeMap<String, u64>,
    /// startedAt → finishedAt of the service deployment, seconds.
    pub rollout_seconds: f64,
    /// UpdateService → verdict, seconds.
    pub wait_seconds: f64,
}

pub(crate) async fn measure(runs: usize) -> BenchResult<Vec<Run>> {
    join_all((0..runs).map(|_| run_once()))
        .await
        .into_iter()
        .collect()
}

async fn run_once() -> BenchResult<Run> {
    let world = World::start(1.0).await?;
    world.create_cluster(CLUSTER).await?;
    let v1 = world.register("app", TaskBehaviour::Healthy).await?;
    world
        .create_service(CLUSTER, SERVICE, &v1, CircuitBreaker::ROLLS_BACK)
        .await?;
    world.settle(CLUSTER, SERVICE).await?;
    let v2 = world
        .register("app", TaskBehaviour::SlowStart(PENDING_SECONDS))
        .await?;
    world.update_service(CLUSTER, SERVICE, &v2).await?;
    let updated_at = world.sim.sim_now();
    tokio::time::sleep(random_offset(WaitOptions::default().poll_interval)).await;
    world.sim.reset_call_counts();
    let report = budgeted_watcher(&world.endpoint())
        .wait(
            WaitRequest {
                cluster: CLUSTER.into(),
                service: SERVICE.into(),
                desired_task_definition: Some(v2),
                deployment: None,
            },
            WaitOptions::default(),
            CancellationToken::new(),
            std::sync::Arc::new(|_| {}),
        )
        .await
        .map_err(|e| BenchError::new(format!("60-second rollout: the wait failed: {e}")))?;
    let wait_seconds = world.sim.sim_now() - updated_at;
    let calls = world.sim.call_counts();
    if report.outcome != Outcome::Completed {
        return Err(BenchError::new(format!(
            "60-second rollout: expected COMPLETED, got {}: {}",
            report.outcome.as_str(),
            report.failure_message
        )));
    }
    let deployment = world.latest_service_deployment(CLUSTER, SERVICE).await?;
    let rollout_seconds = match (deployment.started_at(), deployment.finished_at()) {
        (Some(start), Some(end)) => end.as_secs_f64() - start.as_secs_f64(),
        _ => {
            return Err(BenchError::new(
                "60-second rollout: the service deployment lacks startedAt/finishedAt",
            ));
        }
    };
    Ok(Run {
        calls,
        rollout_seconds,
        wait_seconds,
    })
}
