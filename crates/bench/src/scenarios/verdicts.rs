//! Figures 1 and 2: how soon after the truth is out does each wait say it. One run = one
//! fresh simulator (time scale 1, so simulated seconds are real seconds), one service with a
//! completed first rollout, an UpdateService (rolling, or staged: BLUE_GREEN with bake time),
//! and a wait started at a random phase of the poll interval, with the 15-second peer watching
//! the same deployment alongside.

use std::time::Duration;

use aws_sdk_ecs::types::{
    ServiceDeployment, ServiceDeploymentLifecycleStage, ServiceDeploymentStatus,
};
use ecs_watcher::{Outcome, WaitOptions, WaitRequest};
use futures::future::join_all;
use tokio_util::sync::CancellationToken;

use super::peer::{self, PeerVerdict};
use crate::error::{BenchError, BenchResult};
use crate::fixture::{
    CLUSTER, CircuitBreaker, DeploymentSpec, Strategy, TaskBehaviour, TaskSpec, World,
    budgeted_watcher, random_offset, with_alarm_in_bake,
};

const SERVICE: &str = "web";
/// `bakeTimeInMinutes` of the staged cases: the shortest bake but none (it is in whole
/// minutes). At time scale 1 it is a real minute of every blue/green run.
pub(crate) const BAKE_MINUTES: i32 = 1;
/// The CloudWatch alarm the rollback-during-bake case watches (and the simulator trips).
pub(crate) const BAKE_ALARM: &str = "web-5xx";
/// How long the peer looks before it gives up, in real time: past the longest case (a
/// blue/green rollout with its bake, about 90 s) and within the wait's default timeout.
const PEER_GIVE_UP: Duration = Duration::from_secs(170);

/// A deployment that ends in a known way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Case {
    /// A healthy rollout completes.
    Completes,
    /// Tasks fail to start (image cannot be pulled); the circuit breaker fails the rollout.
    BreakerFails,
    /// Same, with rollback: the circuit breaker rolls the service back.
    BreakerRollsBack,
    /// `/bin/false` without a circuit breaker: ECS replaces the crashing task forever.
    CrashLoop,
    /// A healthy BLUE_GREEN deployment: ECS's lifecycle stages, [`BAKE_MINUTES`] of bake time,
    /// clean-up, then SUCCESSFUL.
    BlueGreenCompletes,
    /// A BLUE_GREEN deployment watching CloudWatch alarm [`BAKE_ALARM`] with rollback, which
    /// goes into ALARM when bake time starts: ECS rolls the deployment back during its bake.
    AlarmInBakeRollsBack,
}

impl Case {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Case::Completes => "rollout completed",
            Case::BreakerFails => "circuit breaker FAILED (no rollback)",
            Case::BreakerRollsBack => "circuit breaker rollback started",
            Case::CrashLoop => "crash loop, no circuit breaker",
            Case::BlueGreenCompletes => "blue/green SUCCESSFUL after its bake time",
            Case::AlarmInBakeRollsBack => "blue/green alarm during bake, rollback started",
        }
    }

    /// The staged deployment configuration of the UpdateService, `None` for a rolling one.
    pub(crate) fn staged(self) -> Option<DeploymentSpec> {
        let blue_green = DeploymentSpec::new(Strategy::BlueGreen {
            bake_minutes: BAKE_MINUTES,
        })
        .circuit_breaker(self.breaker());
        match self {
            Case::BlueGreenCompletes => Some(blue_green),
            Case::AlarmInBakeRollsBack => Some(blue_green.alarms(&[BAKE_ALARM], true)),
            Case::Completes | Case::BreakerFails | Case::BreakerRollsBack | Case::CrashLoop => None,
        }
    }

    /// Which API timestamp marks the transition the verdict reports.
    pub(crate) fn transition_field(self) -> &'static str {
        match self {
            Case::Completes | Case::BlueGreenCompletes => "serviceDeployment.finishedAt",
            Case::BreakerFails => "serviceDeployment.stoppedAt",
            Case::BreakerRollsBack | Case::AlarmInBakeRollsBack => {
                "serviceDeployment.rollback.startedAt"
            }
            Case::CrashLoop => "stoppingAt of the 3rd failed task",
        }
    }

    fn new_tasks(self) -> TaskBehaviour {
        match self {
            Case::Completes | Case::BlueGreenCompletes | Case::AlarmInBakeRollsBack => {
                TaskBehaviour::Healthy
            }
            Case::BreakerFails | Case::BreakerRollsBack => TaskBehaviour::MissingImage,
            Case::CrashLoop => TaskBehaviour::ExitsAtOnce,
        }
    }

    fn breaker(self) -> CircuitBreaker {
        match self {
            Case::Completes
            | Case::BreakerRollsBack
            | Case::BlueGreenCompletes
            | Case::AlarmInBakeRollsBack => CircuitBreaker::ROLLS_BACK,
            Case::BreakerFails => CircuitBreaker::On { rollback: false },
            Case::CrashLoop => CircuitBreaker::Off,
        }
    }

    /// Our verdict.
    pub(crate) fn expected(self) -> Outcome {
        match self {
            Case::Completes | Case::BlueGreenCompletes => Outcome::Completed,
            Case::BreakerFails | Case::CrashLoop => Outcome::Failed,
            Case::BreakerRollsBack | Case::AlarmInBakeRollsBack => Outcome::RolledBack,
        }
    }

    /// The peer's verdicts that count as right. A staged rollback shows in `DescribeServices`
    /// only as the green deployment's rollout FAILED (it stays PRIMARY; no deployment says
    /// "rolling back"), so from there the peer can say FAILED, or ROLLED_BACK if the rollback
    /// finished between two of its looks; both are its verdict on the failure.
    pub(crate) fn peer_accepts(self) -> &'static [PeerVerdict] {
        match self {
            Case::Completes | Case::BlueGreenCompletes => &[PeerVerdict::Completed],
            Case::BreakerFails | Case::CrashLoop => &[PeerVerdict::Failed],
            Case::BreakerRollsBack => &[PeerVerdict::RolledBack],
            Case::AlarmInBakeRollsBack => &[PeerVerdict::Failed, PeerVerdict::RolledBack],
        }
    }

    /// Why the service deployment the API describes is not the one this case is about, if it
    /// is not: a staged case must have ended as staged deployments end (SUCCESSFUL; rolled
    /// back at BAKE_TIME for the alarm it watches).
    pub(crate) fn confirm(self, deployment: &ServiceDeployment) -> Result<(), String> {
        let status = deployment.status();
        let triggered = deployment
            .alarms()
            .map(|a| a.triggered_alarm_names())
            .unwrap_or_default();
        match self {
            Case::BlueGreenCompletes if status != Some(&ServiceDeploymentStatus::Successful) => {
                Err(format!("status {status:?}, not SUCCESSFUL"))
            }
            Case::AlarmInBakeRollsBack
                if !matches!(
                    status,
                    Some(
                        ServiceDeploymentStatus::RollbackInProgress
                            | ServiceDeploymentStatus::RollbackSuccessful
                    )
                ) =>
            {
                Err(format!(
                    "status {status:?}, not rolling back or rolled back"
                ))
            }
            Case::AlarmInBakeRollsBack if !triggered.iter().any(|n| n == BAKE_ALARM) => Err(
                format!("alarms.triggeredAlarmNames {triggered:?} does not name {BAKE_ALARM}"),
            ),
            // The stage a rolled-back deployment stays at is the one it failed in.
            Case::AlarmInBakeRollsBack
                if deployment.lifecycle_stage()
                    != Some(&ServiceDeploymentLifecycleStage::BakeTime) =>
            {
                Err(format!(
                    "lifecycleStage {:?}, not BAKE_TIME",
                    deployment.lifecycle_stage()
                ))
            }
            _ => Ok(()),
        }
    }

    /// Simulated epoch seconds of the transition, read through the API.
    pub(crate) fn transition(
        self,
        deployment: &ServiceDeployment,
        failures: &[f64],
    ) -> Option<f64> {
        let seconds = |t: Option<&aws_sdk_ecs::primitives::DateTime>| t.map(|t| t.as_secs_f64());
        match self {
            Case::Completes | Case::BlueGreenCompletes => seconds(deployment.finished_at()),
            Case::BreakerFails => seconds(deployment.stopped_at()),
            Case::BreakerRollsBack | Case::AlarmInBakeRollsBack => {
                seconds(deployment.rollback().and_then(|r| r.started_at()))
            }
            Case::CrashLoop => failures
                .get(WaitOptions::default().max_task_failures as usize - 1)
                .copied(),
        }
    }
}

/// Timings of one run, in seconds since the UpdateService.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Run {
    pub transition: f64,
    pub verdict: f64,
    /// `None` when the peer reached no verdict, or a wrong one (reported as such).
    pub peer_verdict: Option<f64>,
    /// What the peer said, when it said something [`Case::peer_accepts`].
    pub peer_said: Option<PeerVerdict>,
}

impl Run {
    pub(crate) fn latency(&self) -> f64 {
        self.verdict - self.transition
    }

    pub(crate) fn peer_latency(&self) -> Option<f64> {
        self.peer_verdict.map(|at| at - self.transition)
    }
}

/// `runs` independent runs of `case`, all at once (each has its own simulator and watcher,
/// so they do not share batching; the machine is barely loaded by them).
pub(crate) async fn measure(case: Case, runs: usize) -> BenchResult<Vec<Run>> {
    join_all((0..runs).map(|_| run_once(case)))
        .await
        .into_iter()
        .collect()
}

/// Points the service at a new revision of `app` behaving as the case's new tasks do, rolling
/// or staged; returns the revision and, for a staged deployment, its service deployment ARN.
async fn deploy(world: &World, case: Case) -> BenchResult<(String, Option<String>)> {
    let Some(spec) = case.staged() else {
        let revision = world.register("app", case.new_tasks()).await?;
        world.update_service(CLUSTER, SERVICE, &revision).await?;
        return Ok((revision, None));
    };
    let container = TaskSpec::new("app", case.new_tasks()).container();
    let container = match case {
        Case::AlarmInBakeRollsBack => with_alarm_in_bake(container, BAKE_ALARM),
        _ => container,
    };
    let scenario = world.scenario(CLUSTER);
    let revision = scenario.register_container("app", container).await?;
    let arn = scenario
        .update_service_with(SERVICE, &revision, spec.build())
        .await?;
    Ok((revision, Some(arn)))
}

async fn run_once(case: Case) -> BenchResult<Run> {
    let world = World::start(1.0).await?;
    world.create_cluster(CLUSTER).await?;
    let v1 = world.register("app", TaskBehaviour::Healthy).await?;
    world
        .create_service(CLUSTER, SERVICE, &v1, case.breaker())
        .await?;
    world.settle(CLUSTER, SERVICE).await?;
    let (v2, staged_arn) = deploy(&world, case).await?;
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
        PEER_GIVE_UP,
    );
    let ((result, verdict_at), peer) = tokio::join!(ours, theirs);
    let report =
        result.map_err(|e| BenchError::new(format!("{}: the wait failed: {e}", case.name())))?;
    let expected = case.expected();
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
    let peer = match peer {
        Ok((verdict, at)) if case.peer_accepts().contains(&verdict) => Some((verdict, at)),
        Ok((verdict, _)) => {
            eprintln!(
                "bench: {}: the peer said {verdict:?}, expected one of {:?}",
                case.name(),
                case.peer_accepts()
            );
            None
        }
        Err(error) => {
            eprintln!("bench: {error}");
            None
        }
    };
    let deployment = match &staged_arn {
        Some(arn) => scenario.describe_service_deployment(arn).await?,
        None => world.latest_service_deployment(CLUSTER, SERVICE).await?,
    };
    case.confirm(&deployment).map_err(|why| {
        BenchError::new(format!(
            "{}: the service deployment did not end as the case needs: {why}",
            case.name()
        ))
    })?;
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
        peer_verdict: peer.map(|(_, at)| at - started),
        peer_said: peer.map(|(verdict, _)| verdict),
    })
}

#[cfg(test)]
mod tests {
    use aws_sdk_ecs::primitives::DateTime;
    use aws_sdk_ecs::types::{
        DeploymentStrategy, Rollback, ServiceDeploymentAlarms, ServiceDeploymentLifecycleStage,
        ServiceDeploymentStatus,
    };

    use super::*;

    fn deployment(status: ServiceDeploymentStatus) -> aws_sdk_ecs::types::ServiceDeployment {
        ServiceDeployment::builder()
            .status(status)
            .started_at(DateTime::from_secs_f64(1000.0))
            .finished_at(DateTime::from_secs_f64(1093.25))
            .stopped_at(DateTime::from_secs_f64(1500.0))
            .build()
    }

    fn rolled_back_for(alarm: &str) -> ServiceDeployment {
        let mut sd = deployment(ServiceDeploymentStatus::RollbackInProgress);
        sd.finished_at = None;
        sd.lifecycle_stage = Some(ServiceDeploymentLifecycleStage::BakeTime);
        sd.rollback = Some(
            Rollback::builder()
                .started_at(DateTime::from_secs_f64(1030.5))
                .build(),
        );
        sd.alarms = Some(
            ServiceDeploymentAlarms::builder()
                .alarm_names(alarm)
                .triggered_alarm_names(alarm)
                .build(),
        );
        sd
    }

    #[test]
    fn blue_green_completion_is_timed_at_finished_at_of_a_successful_deployment() {
        let case = Case::BlueGreenCompletes;
        let sd = deployment(ServiceDeploymentStatus::Successful);
        assert_eq!(case.transition(&sd, &[]), Some(1093.25));
        assert_eq!(case.transition_field(), "serviceDeployment.finishedAt");
        assert_eq!(case.confirm(&sd), Ok(()));
        assert_eq!(case.expected(), Outcome::Completed);
        // Still baking: no finishedAt, nothing to time; a stopped one is not this case.
        let mut baking = deployment(ServiceDeploymentStatus::InProgress);
        baking.finished_at = None;
        assert_eq!(case.transition(&baking, &[]), None);
        assert!(case.confirm(&baking).is_err());
        assert!(
            case.confirm(&deployment(ServiceDeploymentStatus::Stopped))
                .is_err()
        );
    }

    #[test]
    fn a_rollback_in_bake_is_timed_at_rollback_started_at_and_must_name_the_alarm() {
        let case = Case::AlarmInBakeRollsBack;
        let sd = rolled_back_for(BAKE_ALARM);
        assert_eq!(case.transition(&sd, &[]), Some(1030.5));
        assert_eq!(
            case.transition_field(),
            "serviceDeployment.rollback.startedAt"
        );
        assert_eq!(case.confirm(&sd), Ok(()));
        let mut done = sd.clone();
        done.status = Some(ServiceDeploymentStatus::RollbackSuccessful);
        assert_eq!(case.confirm(&done), Ok(()));
        assert_eq!(case.expected(), Outcome::RolledBack);
        // A rollback for another alarm, before the bake, or no rollback at all, is not this case.
        assert!(case.confirm(&rolled_back_for("cpu-high")).is_err());
        let mut before_bake = sd.clone();
        before_bake.lifecycle_stage = Some(ServiceDeploymentLifecycleStage::ScaleUp);
        assert!(case.confirm(&before_bake).is_err());
        let mut successful = sd;
        successful.status = Some(ServiceDeploymentStatus::Successful);
        assert!(case.confirm(&successful).is_err());
        assert_eq!(
            case.transition(&deployment(ServiceDeploymentStatus::Successful), &[]),
            None
        );
    }

    #[test]
    fn staged_cases_deploy_blue_green_with_bake_time_and_only_the_alarm_case_watches_the_alarm() {
        for case in [Case::BlueGreenCompletes, Case::AlarmInBakeRollsBack] {
            let configuration = case.staged().expect("a staged case").build();
            assert_eq!(
                configuration.strategy(),
                Some(&DeploymentStrategy::BlueGreen)
            );
            assert_eq!(configuration.bake_time_in_minutes(), Some(BAKE_MINUTES));
            let alarms = configuration.alarms();
            match case {
                Case::AlarmInBakeRollsBack => {
                    let alarms = alarms.expect("the alarm is watched");
                    assert_eq!(alarms.alarm_names(), [BAKE_ALARM]);
                    assert!(alarms.enable() && alarms.rollback());
                }
                _ => assert!(alarms.is_none()),
            }
        }
        for case in [
            Case::Completes,
            Case::BreakerFails,
            Case::BreakerRollsBack,
            Case::CrashLoop,
        ] {
            assert!(case.staged().is_none(), "{case:?} is a rolling deployment");
        }
    }

    #[test]
    fn the_rolling_cases_keep_their_transitions() {
        let mut sd = rolled_back_for(BAKE_ALARM);
        sd.finished_at = Some(DateTime::from_secs_f64(1093.25));
        assert_eq!(Case::Completes.transition(&sd, &[]), Some(1093.25));
        assert_eq!(Case::BreakerFails.transition(&sd, &[]), Some(1500.0));
        assert_eq!(Case::BreakerRollsBack.transition(&sd, &[]), Some(1030.5));
        assert_eq!(
            Case::CrashLoop.transition(&sd, &[1010.0, 1020.0, 1030.0, 1040.0]),
            Some(1030.0)
        );
        assert_eq!(Case::CrashLoop.transition(&sd, &[1010.0]), None);
        assert_eq!(Case::Completes.confirm(&sd), Ok(()));
    }
}
