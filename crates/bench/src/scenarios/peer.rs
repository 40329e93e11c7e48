//! A 15-second-poll peer, for comparison: it reads the same signals as our watcher from
//! `DescribeServices` alone (the target deployment's `rolloutState`, a PRIMARY "rolling back",
//! or `failedTasks` reaching the threshold with nothing running) but looks only every 15 s, as
//! the AWS `services-stable` waiter and the deploy actions built on it do. It is kinder than
//! those peers: the real waiter cannot see a failure at all (see docs/BENCHMARKS.md).

use std::time::Duration;

use ecs_sim::SimHandle;
use ecs_sim::scenario::Scenario;

use crate::error::{BenchError, BenchResult};
use crate::fixture::random_offset;

pub(crate) const PEER_POLL: Duration = Duration::from_secs(15);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PeerVerdict {
    Completed,
    Failed,
    RolledBack,
}

impl PeerVerdict {
    /// As our verdicts are spelled.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            PeerVerdict::Completed => "COMPLETED",
            PeerVerdict::Failed => "FAILED",
            PeerVerdict::RolledBack => "ROLLED_BACK",
        }
    }
}

/// Polls every [`PEER_POLL`], from a random phase, until a verdict; returns it with the
/// simulated epoch seconds at which it was reached.
pub(crate) async fn watch(
    sim: &SimHandle,
    scenario: &Scenario,
    service: &str,
    task_definition: &str,
    max_task_failures: i32,
    give_up: Duration,
) -> BenchResult<(PeerVerdict, f64)> {
    // The peer's phase relative to the transition is uniform over its interval, like ours.
    tokio::time::sleep(random_offset(PEER_POLL)).await;
    let started = tokio::time::Instant::now();
    let mut seen_target = false;
    loop {
        let described = scenario
            .describe_service(service)
            .await
            .map_err(|error| BenchError::new(format!("peer: {error}")))?;
        let deployments = described.deployments();
        let target = deployments
            .iter()
            .filter(|d| d.task_definition() == Some(task_definition))
            .max_by(|a, b| {
                let created = |d: &aws_sdk_ecs::types::Deployment| {
                    d.created_at().map_or(0.0, |t| t.as_secs_f64())
                };
                created(a).total_cmp(&created(b))
            });
        let primary_rolling_back = deployments.iter().any(|d| {
            d.status() == Some("PRIMARY")
                && d.rollout_state_reason()
                    .is_some_and(|r| r.contains("rolling back"))
        });
        // A rollback can complete between two looks; the failed deployment then leaves
        // deployments[] and the PRIMARY has completed on the old task definition.
        let rolled_back_meanwhile = seen_target
            && target.is_none()
            && deployments.iter().any(|d| {
                d.status() == Some("PRIMARY")
                    && d.task_definition() != Some(task_definition)
                    && d.rollout_state().map(|s| s.as_str()) == Some("COMPLETED")
            });
        seen_target |= target.is_some();
        let verdict = match target {
            _ if primary_rolling_back || rolled_back_meanwhile => Some(PeerVerdict::RolledBack),
            Some(d) => match d.rollout_state().map(|s| s.as_str()) {
                Some("COMPLETED") if d.status() == Some("PRIMARY") => Some(PeerVerdict::Completed),
                Some("FAILED") => Some(PeerVerdict::Failed),
                _ if d.failed_tasks() >= max_task_failures && d.running_count() == 0 => {
                    Some(PeerVerdict::Failed)
                }
                _ => None,
            },
            None => None,
        };
        if let Some(verdict) = verdict {
            return Ok((verdict, sim.sim_now()));
        }
        if started.elapsed() >= give_up {
            return Err(BenchError::new(format!(
                "peer: no verdict for {}/{service} within {give_up:?}",
                scenario.cluster()
            )));
        }
        tokio::time::sleep(PEER_POLL).await;
    }
}
