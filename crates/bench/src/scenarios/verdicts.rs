//! Figures 1 and 2: how soon after the truth is out does each wait say it. One run = one
//! fresh simulator (time scale 1, so simulated seconds are real seconds), one service with a
//! completed first rollout, an UpdateService, and a wait started at a random phase of the
//! poll interval, with the 15-second peer watching the same deployment alongside.

use std::time::Duration;

use aws_sdk_ecs::types::ServiceDeployment;
use ecs_watcher::{Outcome, WaitOptions, WaitRequest};
use futures::future::join_all;
use tokio_util::sync::CancellationToken;

use super::peer::{self, PeerVerdict};
use crate::error::{BenchError, BenchResult};
use crate::fixture::{
    CLUSTER, CircuitBreaker, TaskBehaviour, World, budgeted_watcher, random_offset,
};

const SERVICE: &str = "web";

/// A deployment that ends in a known way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    /// A healthy rollout completes.
    Completes,
    /// Tasks fail to start (image cannot be pulled); the circuit breaker fails the rollout.
    BreakerFails,
    /// Same, with rollback: the circuit breaker rolls the service back.
    BreakerRollsBack,
    /// `/bin/false` without a circuit breaker: ECS replaces the crashing task forever.
    CrashLoop,
}

impl Case {
    pub fn name(self) -> &'static str {
        match self {
            Case::Completes => "rollout completed",
            Case::BreakerFails => "circuit breaker FAILED (no rollback)",
            Case::BreakerRollsBack => "circuit breaker rollback started",
            Case::CrashLoop => "crash loop, no circuit breaker",
        }
    }

    /// Which API timestamp marks the transition the verdict reports.
    pub fn transition_field(self) -> &'static str {
        match self {
            Case::Completes => "serviceDeployment.finishedAt",
            Case::BreakerFails => "serviceDeployment.stoppedAt",
            Case::BreakerRollsBack => "serviceDeployment.rollback.startedAt",
            Case::CrashLoop => "stoppingAt of the 3rd failed task",
        }
    }

    fn new_tasks(self) -> TaskBehaviour {
        match self {
            Case::Completes => TaskBehaviour::Healthy,
            Case::BreakerFails | Case::BreakerRollsBack => TaskBehaviour::MissingImage,
            Case::CrashLoop => TaskBehaviour::ExitsAtOnce,
        }
    }

    fn breaker(self) -> CircuitBreaker {
        match self {
            Case::Completes | Case::BreakerRollsBack => CircuitBreaker::On { rollback: true },
            Case::BreakerFails => CircuitBreaker::On { rollback: false },
            Case::CrashLoop => CircuitBreaker::Off,
        }
    }

    fn expected(self) -> (Outcome, PeerVerdict) {
        match self {
            Case::Completes => (Outcome::Completed, PeerVerdict::Completed),
            Case::BreakerFails | Case::CrashLoop => (Outcome::Failed, PeerVerdict::Failed),
            Case::BreakerRollsBack => (Outcome::RolledBack, PeerVerdict::RolledBack),
        }
    }

    /// Simulated epoch seconds of the transition, read through the API.
    fn transition(self, deployment: &ServiceDeployment, failures: &[f64]) -> Option<f64> {
        let seconds = |t: Option<&aws_sdk_ecs::primitives::DateTime>| t.map(|t| t.as_secs_f64());
        match self {
            Case::Completes => seconds(deployment.finished_at()),
            Case::BreakerFails => seconds(deployment.stopped_at()),
            Case::BreakerRollsBack => seconds(deployment.rollback().and_then(|r| r.started_at())),
            Case::CrashLoop => failures
                .get(WaitOptions::default().max_task_failures as usize - 1)
                .copied(),
        }
    }
}

/// Timings of one run, in seconds since the UpdateService.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    pub transition: f64,
    pub verdict: f64,
    /// `None` when the peer reached no verdict, or a wrong one (reported as such).
    pub peer_verdict: Option<f64>,
}

impl Run {
    pub fn latency(&self) -> f64 {
        self.verdict - self.transition
    }

    pub fn peer_latency(&self) -> Option<f64> {
        self.peer_verdict.map(|at| at - self.transition)
    }
}

/// `runs` independent runs of `case`, all at once (each has its own simulator and watcher,
/// so they do not share batching; the machine is barely loaded by them).
pub async fn measure(case: Case, runs: usize) -> BenchResult<Vec<Run>> {
    join_all((0..runs).map(|_| run_once(case)))
        .await
        .into_iter()
        .collect()
}

async fn run_once(case: Case) -> BenchResult<Run> {
    let world = World::start(1.0).await?;
    world.create_cluster(CLUSTER).await?;
    let v1 = world.register("app", TaskBehaviour::Healthy).await?;
    world
        .create_service(CLUSTER, SERVICE, &v1, case.breaker())
        .await?;
    world.settle(CLUSTER, SERVICE).await?;
    let v2 = world.register("app", case.new_tasks()).await?;
    world.update_service(CLUSTER, SERVICE, &v2).await?;
    tokio::time::sleep(random_offset(WaitOptions::default().poll_interval)).await;

    let watcher = budgeted_watcher(&world.endpoint());
    let options = WaitOptions::default();
    let request = WaitRequest {
        cluster: CLUSTER.into(),
        service: SERVICE.into(),
        desired_task_definition: Some(v2.clone()),
        deployment: None,
    };
    let ours = async {
        let result = watcher
            .wait(
                request,
                options.clone(),
                CancellationToken::new(),
                std::sync::Arc::new(|_| {}),
            )
            .await;
        (result, world.sim.sim_now())
    };
    let scenario = world.scenario(CLUSTER);
    let theirs = peer::watch(
        &world.sim,
        &scenario,
        SERVICE,
        &v2,
        i32::try_from(options.max_task_failures).unwrap_or(i32::MAX),
        Duration::from_secs(150),
    );
    let ((result, verdict_at), peer) = tokio::join!(ours, theirs);
    let report =
        result.map_err(|e| BenchError::new(format!("{}: the wait failed: {e}", case.name())))?;
    let (expected, expected_peer) = case.expected();
    if report.outcome != expected {
        return Err(BenchError::new(format!(
            "{}: expected {}, the watcher said {}: {}",
            case.name(),
            expected.as_str(),
            report.outcome.as_str(),
            report.failure_message
        )));
    }
    // The peer is the comparison, not the subject: a run where it fails still measures ours.
    let peer_at = match peer {
        Ok((verdict, at)) if verdict == expected_peer => Some(at),
        Ok((verdict, _)) => {
            eprintln!(
                "bench: {}: the peer said {verdict:?}, expected {expected_peer:?}",
                case.name()
            );
            None
        }
        Err(error) => {
            eprintln!("bench: {error}");
            None
        }
    };
    let deployment = world.latest_service_deployment(CLUSTER, SERVICE).await?;
    let started = deployment
        .started_at()
        .map(|t| t.as_secs_f64())
        .ok_or_else(|| BenchError::new("the service deployment has no startedAt"))?;
    let failures = match (case, report.deployment_id.as_deref()) {
        (Case::CrashLoop, Some(id)) => world.failure_times(CLUSTER, SERVICE, id).await?,
        _ => Vec::new(),
    };
    let transition = case.transition(&deployment, &failures).ok_or_else(|| {
        BenchError::new(format!(
            "{}: {} is missing from the API answer",
            case.name(),
            case.transition_field()
        ))
    })?;
    Ok(Run {
        transition: transition - started,
        verdict: verdict_at - started,
        peer_verdict: peer_at.map(|at| at - started),
    })
}
