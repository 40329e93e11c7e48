//! Blue/green, linear and canary deployments end to end: the watcher through the real aws-sdk-ecs client
//! against `ecs-sim`'s staged strategies (lifecycle stages, bake time, Lambda and PAUSE hooks, alarms), every
//! `wait-until` value, and the actions (continue, roll back). Nothing asserts on wall-clock timing: what a
//! test proves is read from the verdict, the progress events and the simulator's own records.

mod reliability_support;

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_ecs::types::{
    DeploymentLifecycleHookAction as HookAction, DeploymentLifecycleHookStage,
};
use ecs_sim::scenario::{
    DeploymentSpec, Hook, LambdaOutcome, Strategy, TaskSpec, with_alarm_in_bake,
};
use ecs_sim::{Faults, ServiceDeploymentsApi};
use ecs_watcher::actions::{self, FollowOptions, RollbackReport};
use ecs_watcher::aws::SdkEcsApi;
use ecs_watcher::model::{DeploymentStrategy, LifecycleHookAction, LifecycleStage};
use ecs_watcher::{
    AwsClients, Outcome, ProgressEvent, WaitError, WaitOptions, WaitReport, WaitUntil,
};
use reliability_support::*;
use tokio_util::sync::CancellationToken;

const SERVICE: &str = "web";

/// 60 simulated seconds per real second: a stage (3 s) lasts 50 ms, one bake minute a second.
async fn sim_at(time_scale: f64) -> Sim {
    start(time_scale, 11).await
}

/// `web` steady on a healthy rolling v1, then updated to a v2 of `container` deploying as `spec` says;
/// returns v2's ARN.
async fn staged_rollout(
    sim: &Sim,
    spec: DeploymentSpec,
    container: aws_sdk_ecs::types::ContainerDefinition,
) -> String {
    sim.scenario
        .steady_service(SERVICE, 2, CircuitBreaker::Off)
        .await
        .expect("v1 settles");
    let v2 = sim
        .scenario
        .register_container(SERVICE, container)
        .await
        .expect("v2 registers");
    sim.scenario
        .update_service_with(SERVICE, &v2, spec.build())
        .await
        .expect("UpdateService starts the staged deployment");
    v2
}

/// The container of a healthy v2.
fn healthy() -> aws_sdk_ecs::types::ContainerDefinition {
    TaskSpec::new(SERVICE, TaskBehaviour::Healthy).container()
}

fn until(wait_until: WaitUntil, timeout_secs: u64) -> WaitOptions {
    WaitOptions {
        wait_until,
        ..options(timeout_secs)
    }
}

fn stages_seen(events: &[ProgressEvent]) -> Vec<LifecycleStage> {
    events
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::StageChanged { stage, .. } => Some(stage.clone()),
            _ => None,
        })
        .collect()
}

fn blue_green(bake_minutes: i32) -> DeploymentSpec {
    DeploymentSpec::new(Strategy::BlueGreen { bake_minutes })
}

/// Follows a rollback for up to a minute, looking every 100 ms (the simulator runs 60x).
fn quick_follow() -> FollowOptions {
    FollowOptions {
        timeout: Duration::from_secs(60),
        poll_interval: Duration::from_millis(100),
    }
}

/// Blue/green with a one-minute bake and a PAUSE hook at `stage` that rolls back
/// unless continued within `timeout_minutes`.
fn blue_green_paused_at(
    stage: DeploymentLifecycleHookStage,
    timeout_minutes: i32,
) -> DeploymentSpec {
    blue_green(1).hook(Hook::pause(&[stage], timeout_minutes, HookAction::Rollback))
}

/// `web` updated to a healthy v2 with `spec`, watched for up to `timeout_secs`: the
/// verdict and the progress events.
async fn verdict_on(
    sim: &Sim,
    spec: DeploymentSpec,
    timeout_secs: u64,
) -> (WaitReport, Vec<ProgressEvent>) {
    let v2 = staged_rollout(sim, spec, healthy()).await;
    let (result, events) = wait(
        &sim.watcher(None),
        SERVICE,
        Some(&v2),
        options(timeout_secs),
    )
    .await;
    (result.expect("a verdict"), events)
}

/// ECS's own status of the service deployment `report` followed, as the simulator has it now.
async fn ecs_status(sim: &Sim, report: &WaitReport) -> String {
    let arn = report
        .service_deployment_arn
        .as_deref()
        .expect("followed through the API");
    let sd = sim
        .scenario
        .describe_service_deployment(arn)
        .await
        .expect("the simulator knows the followed deployment");
    sd.status()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default()
}

/// Panics, quoting the reason, unless `rollback`'s reason contains `part`.
fn assert_reason_contains(rollback: &RollbackReport, part: &str) {
    assert!(
        rollback.reason.contains(part),
        "no {part:?} in: {}",
        rollback.reason
    );
}

/// v1 settled without a circuit breaker, then a v2 whose tasks exit at once: the
/// report of the wait for v2.
async fn crash_looped(sim: &Sim) -> WaitReport {
    sim.scenario
        .steady_service(SERVICE, 2, CircuitBreaker::Off)
        .await
        .expect("v1 settles");
    let broken = sim.deploy(SERVICE, TaskBehaviour::ExitsAtOnce).await;
    let (result, _) = wait(&sim.watcher(None), SERVICE, Some(&broken), options(60)).await;
    result.expect("a verdict")
}

/// The clients an action uses: the real SDK against the simulator.
fn clients(sim: &Sim) -> AwsClients {
    AwsClients::with_ecs(Arc::new(SdkEcsApi::new(ecs_client(&sim.endpoint(), None))))
}

#[tokio::test]
async fn blue_green_completes_only_at_successful_after_bake_time() {
    let sim = sim_at(60.0).await;
    let v2 = staged_rollout(&sim, blue_green(1), healthy()).await;
    let (result, events) = wait(&sim.watcher(None), SERVICE, Some(&v2), options(60)).await;
    let report = result.expect("a verdict");
    assert_completed(&report);
    assert_eq!(report.strategy, Some(DeploymentStrategy::BlueGreen));
    let stages = stages_seen(&events);
    assert!(stages.contains(&LifecycleStage::BakeTime), "{stages:?}");
    // Stages are reported in their order.
    let positions: Vec<u8> = stages.iter().filter_map(|s| s.position()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{stages:?}");
    // The verdict came no earlier than ECS's own SUCCESSFUL.
    assert_eq!(ecs_status(&sim, &report).await, "SUCCESSFUL");
    assert_eq!(report.primary_task_definition.as_deref(), Some(v2.as_str()));
}

#[tokio::test]
async fn an_alarm_during_bake_is_rolled_back_naming_the_stage_and_the_alarm() {
    let sim = sim_at(60.0).await;
    let spec = DeploymentSpec::new(Strategy::Canary {
        canary_percent: 10.0,
        canary_bake_minutes: 0,
        bake_minutes: 5,
    })
    .alarms(&["web-5xx"], true);
    let container = with_alarm_in_bake(
        TaskSpec::new(SERVICE, TaskBehaviour::Healthy).container(),
        "web-5xx",
    );
    let v2 = staged_rollout(&sim, spec, container).await;
    let (result, _) = wait(&sim.watcher(None), SERVICE, Some(&v2), options(60)).await;
    let report = result.expect("a verdict");
    assert_outcome(&report, Outcome::RolledBack);
    assert_message_contains(
        &report,
        &["rolled back to web:1", "during BAKE_TIME", "web-5xx"],
    );
}

#[tokio::test]
async fn a_failed_lambda_hook_is_rolled_back_naming_the_hook_and_its_function() {
    let sim = sim_at(60.0).await;
    let spec = blue_green(1).hook(Hook::lambda(
        "smoke",
        LambdaOutcome::Fails,
        &[DeploymentLifecycleHookStage::PostScaleUp],
    ));
    let (report, _) = verdict_on(&sim, spec, 60).await;
    assert_outcome(&report, Outcome::RolledBack);
    assert_message_contains(
        &report,
        &[
            "POST_SCALE_UP",
            "lifecycle hook",
            "AWS_LAMBDA",
            ":function:smoke-fail",
            "FAILED",
        ],
    );
}

#[tokio::test]
async fn wait_until_paused_stops_at_the_pause_and_continue_lets_it_finish() {
    let sim = sim_at(60.0).await;
    let spec = blue_green_paused_at(DeploymentLifecycleHookStage::PostTestTrafficShift, 60);
    let v2 = staged_rollout(&sim, spec, healthy()).await;
    let watcher = sim.watcher(None);
    let (result, _) = wait(&watcher, SERVICE, Some(&v2), until(WaitUntil::Paused, 60)).await;
    let report = result.expect("a verdict");
    assert_completed(&report);
    let hook = report.paused_hook.clone().expect("the paused hook");
    assert_eq!(hook.stage, Some(LifecycleStage::PostTestTrafficShift));
    assert_eq!(hook.timeout_action, Some(LifecycleHookAction::Rollback));
    assert!(hook.expires_at.is_some());
    assert!(
        report
            .checkpoint
            .as_deref()
            .is_some_and(|c| c.contains(&hook.hook_id))
    );

    let continued = actions::continue_paused(
        &clients(&sim),
        CLUSTER,
        SERVICE,
        None,
        LifecycleHookAction::Continue,
    )
    .await
    .expect("continue");
    assert_eq!(continued.hook_id, hook.hook_id);
    let recorded = sim.handle.recorded_actions();
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0].operation, "ContinueServiceDeployment");
    assert_eq!(recorded[0].hook_id.as_deref(), Some(hook.hook_id.as_str()));

    let (result, _) = wait(&watcher, SERVICE, Some(&v2), options(60)).await;
    assert_completed(&result.expect("a verdict after continuing"));
}

#[tokio::test]
async fn a_pause_nobody_answers_is_waited_on_and_the_timeout_names_it() {
    let sim = sim_at(60.0).await;
    let spec = blue_green_paused_at(DeploymentLifecycleHookStage::PostScaleUp, 600);
    let (report, events) = verdict_on(&sim, spec, 4).await;
    assert_outcome(&report, Outcome::TimedOut);
    assert_message_contains(
        &report,
        &[
            "paused at lifecycle hook",
            "POST_SCALE_UP",
            "nobody continued it",
        ],
    );
    let pauses = count_events(&events, |e| matches!(e, ProgressEvent::Paused { .. }));
    assert_eq!(pauses, 1, "the pause is told once");
}

#[tokio::test]
async fn a_pause_that_times_out_applies_its_rollback() {
    let sim = sim_at(60.0).await;
    let spec = blue_green_paused_at(DeploymentLifecycleHookStage::PostScaleUp, 1);
    let (report, _) = verdict_on(&sim, spec, 60).await;
    assert_outcome(&report, Outcome::RolledBack);
    assert_message_contains(&report, &["PAUSE", "TIMED_OUT", "POST_SCALE_UP"]);
}

#[tokio::test]
async fn wait_until_a_stage_counts_stages_skipped_between_polls() {
    // 600x: a stage lasts 5 ms of real time, so polls every 100 ms skip several.
    let sim = sim_at(600.0).await;
    let v2 = staged_rollout(&sim, blue_green(30), healthy()).await;
    let wanted = WaitUntil::Stage(LifecycleStage::PostTestTrafficShift);
    let (result, _) = wait(&sim.watcher(None), SERVICE, Some(&v2), until(wanted, 60)).await;
    let report = result.expect("a verdict");
    assert_completed(&report);
    let checkpoint = report
        .checkpoint
        .clone()
        .expect("stopped at the checkpoint");
    assert!(
        checkpoint.starts_with("reached lifecycle stage"),
        "{checkpoint}"
    );
    // It stopped short of "deployed": the 30-minute bake is still ahead.
    assert_eq!(ecs_status(&sim, &report).await, "IN_PROGRESS");
}

#[tokio::test]
async fn linear_steps_are_reported_as_traffic_shifts() {
    let sim = sim_at(60.0).await;
    let spec = DeploymentSpec::new(Strategy::Linear {
        step_percent: 50.0,
        step_bake_minutes: 1,
        bake_minutes: 0,
    });
    let (report, events) = verdict_on(&sim, spec, 60).await;
    assert_completed(&report);
    let production: Vec<f64> = events
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::TrafficShifted {
                production_traffic_weight: Some(weight),
                ..
            } => Some(*weight),
            _ => None,
        })
        .collect();
    assert!(production.contains(&50.0), "{production:?}");
    let line = events
        .iter()
        .find(|e| matches!(e, ProgressEvent::TrafficShifted { production_traffic_weight: Some(w), .. } if *w == 50.0))
        .map(|e| ecs_watcher::message::progress_line(e).text)
        .unwrap_or_default();
    assert!(line.contains("production traffic 50 % on web:2"), "{line}");
}

#[tokio::test]
async fn checkpoints_need_a_staged_strategy_and_the_service_deployment_api() {
    // A rolling service: bad input, at the first look.
    let sim = sim_at(60.0).await;
    sim.scenario
        .steady_service(SERVICE, 2, CircuitBreaker::Off)
        .await
        .expect("v1 settles");
    let (result, _) = wait(
        &sim.watcher(None),
        SERVICE,
        None,
        until(WaitUntil::Paused, 30),
    )
    .await;
    match result {
        Err(WaitError::Input(error)) => assert!(error.expected.contains("ROLLING"), "{error}"),
        other => panic!("expected an input error, got {other:?}"),
    }

    // Without the service-deployment API: refused for a checkpoint, decided from DescribeServices otherwise.
    let sim = sim_at(60.0).await;
    let v2 = staged_rollout(&sim, blue_green(0), healthy()).await;
    sim.handle.set_faults(Faults {
        service_deployments_api: ServiceDeploymentsApi::UnknownOperation,
        ..Faults::default()
    });
    let watcher = sim.watcher(None);
    let (result, _) = wait(&watcher, SERVICE, Some(&v2), until(WaitUntil::Paused, 30)).await;
    assert!(
        matches!(&result, Err(WaitError::Unsupported(reason)) if reason.contains("DescribeServiceDeployments")),
        "{result:?}"
    );
    let (result, events) = wait(&watcher, SERVICE, Some(&v2), options(60)).await;
    let report = result.expect("a verdict");
    assert_completed(&report);
    assert!(report.used_fallback);
    assert!(any_event(&events, |e| matches!(
        e,
        ProgressEvent::StagesInvisible { .. }
    )));
}

#[tokio::test]
async fn rollback_on_failure_stops_the_watched_deployment_once_and_follows_it() {
    let sim = sim_at(60.0).await;
    let report = crash_looped(&sim).await;
    assert_outcome(&report, Outcome::Failed);
    assert!(
        sim.handle.recorded_actions().is_empty(),
        "watching alone never acts"
    );

    let follow = quick_follow();
    let rollback =
        actions::roll_back_watched(&clients(&sim), &report, follow, &CancellationToken::new())
            .await;
    assert!(rollback.requested, "{rollback:?}");
    assert!(rollback.succeeded(), "{rollback:?}");
    assert_reason_contains(&rollback, "rolled back to web:1");
    let recorded = sim.handle.recorded_actions();
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0].operation, "StopServiceDeployment");
    assert_eq!(
        Some(&recorded[0].service_deployment_arn),
        report.service_deployment_arn.as_ref()
    );

    // Asked again, on a deployment ECS already rolled back: no second call.
    let again =
        actions::roll_back_watched(&clients(&sim), &report, follow, &CancellationToken::new())
            .await;
    assert!(!again.requested);
    assert_reason_contains(&again, "ROLLBACK_SUCCESSFUL");
    assert_eq!(sim.handle.recorded_actions().len(), 1);
    let service = sim.scenario.describe_service(SERVICE).await.unwrap();
    assert!(
        service
            .task_definition()
            .is_some_and(|td| td.ends_with("web:1"))
    );
}

#[tokio::test]
async fn rollback_without_the_permission_is_not_requested_and_says_why() {
    let sim = sim_at(60.0).await;
    let report = crash_looped(&sim).await;
    sim.handle.set_faults(Faults {
        access_denied_operations: vec!["StopServiceDeployment".into()],
        ..Faults::default()
    });
    let rollback = actions::roll_back_watched(
        &clients(&sim),
        &report,
        FollowOptions::default(),
        &CancellationToken::new(),
    )
    .await;
    assert!(!rollback.requested);
    assert_reason_contains(&rollback, "ecs:StopServiceDeployment");
    assert!(sim.handle.recorded_actions().is_empty());
}

#[tokio::test]
async fn the_rollback_command_stops_a_staged_deployment_during_bake() {
    let sim = sim_at(60.0).await;
    let v2 = staged_rollout(&sim, blue_green(30), healthy()).await;
    let watcher = sim.watcher(None);
    let (result, _) = wait(
        &watcher,
        SERVICE,
        Some(&v2),
        until(WaitUntil::Stage(LifecycleStage::BakeTime), 60),
    )
    .await;
    assert_completed(&result.expect("baking"));
    let rollback = actions::roll_back_in_progress(
        &clients(&sim),
        CLUSTER,
        SERVICE,
        None,
        quick_follow(),
        &CancellationToken::new(),
    )
    .await
    .expect("a deployment is in progress");
    assert!(rollback.requested && rollback.succeeded(), "{rollback:?}");
    // Now nothing is in progress: the command says so.
    let nothing = actions::roll_back_in_progress(
        &clients(&sim),
        CLUSTER,
        SERVICE,
        None,
        FollowOptions::default(),
        &CancellationToken::new(),
    )
    .await;
    assert!(
        matches!(nothing, Err(actions::ActionError::NothingInProgress(_))),
        "{nothing:?}"
    );
}

#[tokio::test]
async fn code_deploy_and_external_services_are_refused_at_the_first_look() {
    let sim = sim_at(60.0).await;
    for (service, controller) in [("bg", "CODE_DEPLOY"), ("ext", "EXTERNAL")] {
        let first = sim.register(service, TaskBehaviour::Healthy).await;
        sim.admin
            .create_service()
            .cluster(CLUSTER)
            .service_name(service)
            .task_definition(&first)
            .desired_count(1)
            .deployment_controller(
                aws_sdk_ecs::types::DeploymentController::builder()
                    .r#type(aws_sdk_ecs::types::DeploymentControllerType::from(
                        controller,
                    ))
                    .build()
                    .expect("a controller type"),
            )
            .send()
            .await
            .expect("CreateService");
        sim.handle.reset_call_counts();
        let (result, _) = wait(&sim.watcher(None), service, None, options(600)).await;
        match result {
            Err(WaitError::Unsupported(reason)) => assert!(reason.contains(controller), "{reason}"),
            other => panic!("{controller}: expected Unsupported, got {other:?}"),
        }
        let counts = sim.handle.call_counts();
        assert_eq!(
            counts.get("DescribeServices"),
            Some(&1),
            "{controller}: {counts:?}"
        );
    }
}
