//! Staged deployments (BLUE_GREEN, LINEAR, CANARY), lifecycle hooks, CloudWatch alarms,
//! ContinueServiceDeployment and StopServiceDeployment, driven through the real aws-sdk-ecs
//! client. Time runs 300× faster; every wait polls for a condition with a generous real-time
//! deadline and nothing asserts on wall-clock timing.

mod common;

use std::time::Duration;

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::{
    DeploymentLifecycleHookAction as Action, DeploymentLifecycleHookStage as HookStage,
    DeploymentLifecycleHookStatus, ServiceDeployment, ServiceDeploymentLifecycleStage as Stage,
    ServiceDeploymentStatus as Status,
};
use common::*;
use ecs_sim::scenario::{DeploymentSpec, Hook, LambdaOutcome, Strategy, with_alarm_in_bake};
use ecs_sim::{AlarmState, SimHandle};

const LIMIT: Duration = Duration::from_secs(30);

async fn fast_sim() -> (SimHandle, Client, Scenario) {
    sim_with_cluster(300.0, 7).await
}

/// [`fast_sim`] with [`web_with_v2`] in it; returns what both return.
async fn fast_sim_with_web() -> (SimHandle, Client, Scenario, (String, String)) {
    let (sim, ecs, scenario) = fast_sim().await;
    let revisions = web_with_v2(&scenario).await;
    (sim, ecs, scenario, revisions)
}

/// A steady rolling service `web` on a healthy v1 with 2 tasks; returns v1 and a healthy v2.
async fn web_with_v2(scenario: &Scenario) -> (String, String) {
    let v1 = scenario
        .steady_service("web", 2, CircuitBreaker::Off)
        .await
        .expect("steady v1");
    let v2 = scenario
        .register("web", TaskBehaviour::Healthy)
        .await
        .expect("v2");
    (v1, v2)
}

fn blue_green(bake_minutes: i32) -> DeploymentSpec {
    DeploymentSpec::new(Strategy::BlueGreen { bake_minutes })
}

fn status(deployment: &ServiceDeployment) -> Status {
    deployment.status().cloned().expect("status")
}

fn is(wanted: Status) -> impl Fn(&ServiceDeployment) -> bool {
    move |d| d.status() == Some(&wanted)
}

/// Polls the deployment until it is finished, collecting every lifecycle stage and target
/// production weight seen on the way.
async fn follow(scenario: &Scenario, arn: &str) -> (ServiceDeployment, Vec<Stage>, Vec<f64>) {
    let mut stages: Vec<Stage> = Vec::new();
    let mut weights: Vec<f64> = Vec::new();
    let deadline = std::time::Instant::now() + LIMIT;
    loop {
        let deployment = scenario.describe_service_deployment(arn).await.unwrap();
        if let Some(stage) = deployment.lifecycle_stage()
            && stages.last() != Some(stage)
        {
            stages.push(stage.clone());
        }
        if let Some(weight) = deployment
            .target_service_revision()
            .and_then(|t| t.requested_production_traffic_weight())
            && weights.last() != Some(&weight)
        {
            weights.push(weight);
        }
        if status(&deployment) != Status::InProgress
            && status(&deployment) != Status::RollbackInProgress
        {
            return (deployment, stages, weights);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{arn} never finished: {deployment:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

const ORDER: [Stage; 10] = [
    Stage::ReconcileService,
    Stage::PreScaleUp,
    Stage::ScaleUp,
    Stage::PostScaleUp,
    Stage::TestTrafficShift,
    Stage::PostTestTrafficShift,
    Stage::ProductionTrafficShift,
    Stage::PostProductionTrafficShift,
    Stage::BakeTime,
    Stage::CleanUp,
];

fn assert_in_order(stages: &[Stage]) {
    let positions: Vec<usize> = stages
        .iter()
        .map(|s| ORDER.iter().position(|o| o == s).expect("a known stage"))
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "stages out of order: {stages:?}"
    );
}

async fn hook_awaiting(scenario: &Scenario, arn: &str) -> String {
    let deployment = scenario
        .wait_for_service_deployment(arn, LIMIT, |d| {
            d.lifecycle_hook_details()
                .iter()
                .any(|h| h.status() == Some(&DeploymentLifecycleHookStatus::AwaitingAction))
        })
        .await
        .unwrap();
    let hook = deployment
        .lifecycle_hook_details()
        .iter()
        .find(|h| h.status() == Some(&DeploymentLifecycleHookStatus::AwaitingAction))
        .expect("a hook awaiting action");
    assert_eq!(hook.target_type().map(|t| t.as_str()), Some("PAUSE"));
    assert_eq!(hook.target_arn(), None, "PAUSE hooks have no target");
    hook.hook_id().unwrap().to_owned()
}

/// Deploys `task_definition` blue/green (baking `bake_minutes`) with a [`pause_at`] `stage`, and
/// waits until it pauses there; returns the service deployment ARN and the id of the hook.
async fn deploy_paused(
    scenario: &Scenario,
    task_definition: &str,
    bake_minutes: i32,
    stage: HookStage,
    action: Action,
) -> (String, String) {
    let spec = blue_green(bake_minutes).hook(pause_at(stage, action));
    let arn = deploy(scenario, task_definition, &spec).await;
    let hook_id = hook_awaiting(scenario, &arn).await;
    (arn, hook_id)
}

/// Registers another revision of `web` behaving as `behaviour`; returns its ARN.
async fn revision(scenario: &Scenario, behaviour: TaskBehaviour) -> String {
    scenario
        .register("web", behaviour)
        .await
        .expect("RegisterTaskDefinition")
}

/// Points `web` at `task_definition`, deploying as `spec` says; returns the service deployment ARN.
async fn deploy(scenario: &Scenario, task_definition: &str, spec: &DeploymentSpec) -> String {
    scenario
        .update_service_with("web", task_definition, spec.build())
        .await
        .expect("UpdateService")
}

/// Creates `web` on `task_definition` with `desired` tasks, deploying as `spec` says.
async fn create_web(
    scenario: &Scenario,
    task_definition: &str,
    desired: i32,
    spec: &DeploymentSpec,
) {
    scenario
        .create_service_with("web", task_definition, desired, spec.build())
        .await
        .expect("CreateService");
}

/// [`follow`]s the deployment to its end, which must be `expected`.
async fn follow_to(
    scenario: &Scenario,
    arn: &str,
    expected: Status,
) -> (ServiceDeployment, Vec<Stage>, Vec<f64>) {
    let (done, stages, weights) = follow(scenario, arn).await;
    assert_eq!(status(&done), expected, "{arn}: {:?}", done.status_reason());
    (done, stages, weights)
}

async fn wait_for_stage(scenario: &Scenario, arn: &str, stage: Stage) -> ServiceDeployment {
    scenario
        .wait_for_service_deployment(arn, LIMIT, |d| d.lifecycle_stage() == Some(&stage))
        .await
        .expect("the deployment reaches the stage")
}

/// [`deploy`]s and [`follow_to`]s the deployment's end, which must be `expected`.
async fn deploy_to_end(
    scenario: &Scenario,
    task_definition: &str,
    spec: &DeploymentSpec,
    expected: Status,
) -> (ServiceDeployment, Vec<Stage>, Vec<f64>) {
    let arn = deploy(scenario, task_definition, spec).await;
    follow_to(scenario, &arn, expected).await
}

/// Asserts that the finished deployment `done` says it rolled back because of `because`, and that
/// `web` runs `task_definition` again.
async fn assert_rolled_back(
    scenario: &Scenario,
    done: &ServiceDeployment,
    because: &str,
    task_definition: &str,
) {
    let reason = done.status_reason().unwrap();
    assert!(reason.contains(because), "{reason}");
    assert_web_on(scenario, task_definition).await;
}

/// Describes `web`, which must run `task_definition`.
async fn assert_web_on(scenario: &Scenario, task_definition: &str) -> aws_sdk_ecs::types::Service {
    let service = scenario.describe_service("web").await.unwrap();
    assert_eq!(service.task_definition(), Some(task_definition));
    service
}

/// A PAUSE hook at `stage` that waits a day for ContinueServiceDeployment, then applies `action`.
fn pause_at(stage: HookStage, action: Action) -> Hook {
    Hook::pause(&[stage], 1440, action)
}

/// The error code and message of a StopServiceDeployment of `arn` that must fail.
async fn stop_rejected(ecs: &Client, arn: &str) -> (String, String) {
    rejected(
        ecs.stop_service_deployment()
            .service_deployment_arn(arn)
            .send(),
    )
    .await
}

/// The error code and message of a ContinueServiceDeployment of `arn` at `hook_id` that must fail.
async fn continue_rejected(ecs: &Client, arn: &str, hook_id: &str) -> (String, String) {
    let call = ecs
        .continue_service_deployment()
        .service_deployment_arn(arn)
        .hook_id(hook_id);
    rejected(call.send()).await
}

#[tokio::test]
async fn blue_green_goes_through_its_stages_and_succeeds_after_bake_and_clean_up() {
    let (_sim, _ecs, scenario, (_, v2)) = fast_sim_with_web().await;
    let arn = deploy(&scenario, &v2, &blue_green(5)).await;

    let in_bake = wait_for_stage(&scenario, &arn, Stage::BakeTime).await;
    assert_eq!(
        status(&in_bake),
        Status::InProgress,
        "not done while baking"
    );
    let target = in_bake.target_service_revision().unwrap();
    assert_eq!(target.requested_production_traffic_weight(), Some(100.0));
    assert_eq!(target.requested_test_traffic_weight(), Some(100.0));
    let source = &in_bake.source_service_revisions()[0];
    assert_eq!(source.requested_production_traffic_weight(), Some(0.0));
    let service = scenario.describe_service("web").await.unwrap();
    let deployments = service.deployments();
    assert_new_primary_beside_old(deployments, &v2, "green PRIMARY beside blue ACTIVE");
    assert_eq!(
        service.running_count(),
        4,
        "blue keeps running until CLEAN_UP"
    );
    let configuration = service.deployment_configuration().unwrap();
    assert_eq!(configuration.strategy().unwrap().as_str(), "BLUE_GREEN");
    assert_eq!(configuration.bake_time_in_minutes(), Some(5));

    let (done, stages, _) = follow_to(&scenario, &arn, Status::Successful).await;
    assert_eq!(done.lifecycle_stage(), Some(&Stage::CleanUp));
    assert_in_order(&stages);
    assert_eq!(stages.last(), Some(&Stage::CleanUp));
    let service = assert_web_on(&scenario, &v2).await;
    assert_eq!(service.deployments().len(), 1);
    assert_eq!(
        service.deployments()[0].rollout_state().unwrap().as_str(),
        "COMPLETED"
    );
    assert_eq!(service.running_count(), 2);
}

#[tokio::test]
async fn blue_green_stages_are_all_visible_when_hooks_pause_them() {
    let (_sim, _ecs, scenario, (_, v2)) = fast_sim_with_web().await;
    let pausable = [
        HookStage::PreScaleUp,
        HookStage::PostScaleUp,
        HookStage::PostTestTrafficShift,
        HookStage::PostProductionTrafficShift,
    ];
    let spec = blue_green(0).hook(Hook::pause(&pausable, 1440, Action::Rollback));
    let arn = deploy(&scenario, &v2, &spec).await;
    let mut seen = Vec::new();
    for _ in pausable {
        let hook_id = hook_awaiting(&scenario, &arn).await;
        let paused = scenario.describe_service_deployment(&arn).await.unwrap();
        seen.push(paused.lifecycle_stage().cloned().unwrap());
        scenario
            .continue_deployment(&arn, &hook_id, Action::Continue)
            .await
            .unwrap();
        // The hook is SUCCEEDED once the call returns, so the next one awaiting is another.
    }
    assert_eq!(
        seen,
        [
            Stage::PreScaleUp,
            Stage::PostScaleUp,
            Stage::PostTestTrafficShift,
            Stage::PostProductionTrafficShift
        ]
    );
    let done = scenario
        .wait_for_service_deployment(&arn, LIMIT, is(Status::Successful))
        .await
        .unwrap();
    let ids: Vec<&str> = done
        .lifecycle_hook_details()
        .iter()
        .map(|h| h.hook_id().unwrap())
        .collect();
    assert_eq!(ids.len(), 4);
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(unique.len(), 4, "one id per hook invocation: {ids:?}");
}

#[tokio::test]
async fn linear_shifts_production_traffic_in_steps_of_step_percent() {
    let (_sim, _ecs, scenario, (_, v2)) = fast_sim_with_web().await;
    let spec = DeploymentSpec::new(Strategy::Linear {
        step_percent: 25.0,
        step_bake_minutes: 5,
        bake_minutes: 0,
    });
    let (done, stages, mut weights) =
        deploy_to_end(&scenario, &v2, &spec, Status::Successful).await;
    assert_in_order(&stages);
    // 0 before the first shift, if a poll came early enough to see it.
    weights.retain(|&w| w > 0.0);
    assert_eq!(weights, [25.0, 50.0, 75.0, 100.0]);
    let configuration = done.deployment_configuration().unwrap();
    let linear = configuration.linear_configuration().unwrap();
    assert_eq!(linear.step_percent(), Some(25.0));
    assert_eq!(linear.step_bake_time_in_minutes(), Some(5));
}

#[tokio::test]
async fn canary_shifts_its_percent_bakes_then_shifts_the_rest() {
    let (_sim, _ecs, scenario, (_, v2)) = fast_sim_with_web().await;
    let spec = DeploymentSpec::new(Strategy::Canary {
        canary_percent: 10.0,
        canary_bake_minutes: 5,
        bake_minutes: 0,
    });
    let arn = deploy(&scenario, &v2, &spec).await;
    let canary = scenario
        .wait_for_service_deployment(&arn, LIMIT, |d| {
            d.target_service_revision()
                .and_then(|t| t.requested_production_traffic_weight())
                == Some(10.0)
        })
        .await
        .unwrap();
    let source = &canary.source_service_revisions()[0];
    assert_eq!(source.requested_production_traffic_weight(), Some(90.0));
    let (_, _, weights) = follow_to(&scenario, &arn, Status::Successful).await;
    assert_eq!(weights.last(), Some(&100.0));
}

#[tokio::test]
async fn a_failing_lambda_hook_rolls_back_naming_the_hook() {
    let (_sim, _ecs, scenario, (v1, v2)) = fast_sim_with_web().await;
    let spec = blue_green(1).hook(Hook::lambda(
        "smoke",
        LambdaOutcome::Fails,
        &[HookStage::PostScaleUp],
    ));
    let (done, _, _) = deploy_to_end(&scenario, &v2, &spec, Status::RollbackSuccessful).await;
    let hook = &done.lifecycle_hook_details()[0];
    assert_eq!(hook.status(), Some(&DeploymentLifecycleHookStatus::Failed));
    assert!(hook.target_arn().unwrap().ends_with(":function:smoke-fail"));
    let reason = done.status_reason().unwrap();
    assert!(reason.contains(hook.hook_id().unwrap()), "{reason}");
    assert!(reason.contains("smoke-fail"), "{reason}");
    let rollback = done.rollback().unwrap();
    assert_eq!(
        rollback.service_revision_arn(),
        done.source_service_revisions()[0].arn()
    );
    let target = done.target_service_revision().unwrap();
    assert_eq!(target.requested_production_traffic_weight(), Some(0.0));
    assert_eq!(target.running_task_count(), 0, "green tasks stopped");
    assert_eq!(
        done.source_service_revisions()[0].requested_production_traffic_weight(),
        Some(100.0)
    );
    let service = assert_web_on(&scenario, &v1).await;
    assert_eq!(service.deployments().len(), 1);
    assert_eq!(
        service.deployments()[0].task_definition(),
        Some(v1.as_str())
    );
}

#[tokio::test]
async fn a_slow_lambda_hook_times_out_then_applies_its_timeout_action() {
    let (_sim, _ecs, scenario, (_, v2)) = fast_sim_with_web().await;
    // 10 minutes (2 s of real time): long enough to see the hook IN_PROGRESS first.
    let spec = |action, minutes| {
        blue_green(0).hook(
            Hook::lambda(
                "probe",
                LambdaOutcome::NeverAnswers,
                &[HookStage::PostScaleUp],
            )
            .timeout(minutes, action),
        )
    };
    let arn = deploy(&scenario, &v2, &spec(Action::Continue, 10)).await;
    let running = scenario
        .wait_for_service_deployment(&arn, LIMIT, |d| !d.lifecycle_hook_details().is_empty())
        .await
        .unwrap();
    assert_eq!(
        running.lifecycle_hook_details()[0].status(),
        Some(&DeploymentLifecycleHookStatus::InProgress)
    );
    let (done, _, _) = follow_to(&scenario, &arn, Status::Successful).await;
    let hook = &done.lifecycle_hook_details()[0];
    assert_eq!(
        hook.status(),
        Some(&DeploymentLifecycleHookStatus::TimedOut)
    );
    assert_eq!(hook.timeout_action(), Some(&Action::Continue));
    assert!(hook.expires_at().is_some());

    let v3 = revision(&scenario, TaskBehaviour::Healthy).await;
    let (done, _, _) = deploy_to_end(
        &scenario,
        &v3,
        &spec(Action::Rollback, 1),
        Status::RollbackSuccessful,
    )
    .await;
    assert_rolled_back(&scenario, &done, "timed out", &v2).await;
}

#[tokio::test]
async fn a_pause_hook_waits_for_continue_and_is_recorded_once() {
    let (sim, _ecs, scenario, (_, v2)) = fast_sim_with_web().await;
    let (arn, hook_id) =
        deploy_paused(&scenario, &v2, 0, HookStage::PostScaleUp, Action::Rollback).await;
    sim.skip_time(3600.0);
    let still = scenario.describe_service_deployment(&arn).await.unwrap();
    assert_eq!(
        status(&still),
        Status::InProgress,
        "a pause waits an hour and more"
    );
    assert_eq!(still.lifecycle_stage(), Some(&Stage::PostScaleUp));
    scenario
        .continue_deployment(&arn, &hook_id, Action::Continue)
        .await
        .unwrap();
    let done = scenario
        .wait_for_service_deployment(&arn, LIMIT, is(Status::Successful))
        .await
        .unwrap();
    assert_eq!(
        done.lifecycle_hook_details()[0].status(),
        Some(&DeploymentLifecycleHookStatus::Succeeded)
    );
    let actions = sim.recorded_actions();
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0].operation, "ContinueServiceDeployment");
    assert_eq!(actions[0].service_deployment_arn, arn);
    assert_eq!(actions[0].hook_id.as_deref(), Some(hook_id.as_str()));
    assert_eq!(actions[0].action.as_deref(), Some("CONTINUE"));
    let (code, body) = admin(&sim, "GET", "/_sim/actions", "").await;
    assert_eq!(code, 200);
    assert!(body.contains(&hook_id), "{body}");
    assert_eq!(sim.call_counts()["ContinueServiceDeployment"], 1);
}

#[tokio::test]
async fn a_pause_hook_answered_with_rollback_rolls_back() {
    let (_sim, _ecs, scenario, (v1, v2)) = fast_sim_with_web().await;
    let (arn, hook_id) = deploy_paused(
        &scenario,
        &v2,
        0,
        HookStage::PostTestTrafficShift,
        Action::Continue,
    )
    .await;
    scenario
        .continue_deployment(&arn, &hook_id, Action::Rollback)
        .await
        .unwrap();
    let (done, _, _) = follow_to(&scenario, &arn, Status::RollbackSuccessful).await;
    assert_rolled_back(&scenario, &done, &hook_id, &v1).await;
}

#[tokio::test]
async fn a_pause_hook_timeout_applies_its_action() {
    let (_sim, _ecs, scenario, (_, v2)) = fast_sim_with_web().await;
    let spec = |action| blue_green(0).hook(Hook::pause(&[HookStage::PreScaleUp], 1, action));
    let (done, _, _) =
        deploy_to_end(&scenario, &v2, &spec(Action::Continue), Status::Successful).await;
    assert_eq!(
        done.lifecycle_hook_details()[0].status(),
        Some(&DeploymentLifecycleHookStatus::TimedOut)
    );

    let v3 = revision(&scenario, TaskBehaviour::Healthy).await;
    deploy_to_end(
        &scenario,
        &v3,
        &spec(Action::Rollback),
        Status::RollbackSuccessful,
    )
    .await;
    assert_web_on(&scenario, &v2).await;
}

#[tokio::test]
async fn a_service_created_blue_green_completes_its_first_deployment() {
    let (_sim, _ecs, scenario) = fast_sim().await;
    let v1 = revision(&scenario, TaskBehaviour::Healthy).await;
    create_web(&scenario, &v1, 2, &blue_green(0)).await;
    let arn = scenario.current_service_deployment("web").await.unwrap();
    let (done, stages, _) = follow_to(&scenario, &arn, Status::Successful).await;
    assert_in_order(&stages);
    assert!(done.source_service_revisions().is_empty());
    scenario.wait_until_steady("web", LIMIT).await.unwrap();
}

#[tokio::test]
async fn the_circuit_breaker_rolls_back_a_staged_deployment() {
    let (_sim, _ecs, scenario, (v1, _)) = fast_sim_with_web().await;
    let crashing = revision(&scenario, TaskBehaviour::ExitsAtOnce).await;
    let spec = blue_green(1).circuit_breaker(BREAKER_ROLLS_BACK);
    let (done, stages, _) =
        deploy_to_end(&scenario, &crashing, &spec, Status::RollbackSuccessful).await;
    assert!(!stages.contains(&Stage::CleanUp), "{stages:?}");
    assert_rolled_back(&scenario, &done, "circuit breaker", &v1).await;
}

#[tokio::test]
async fn a_newer_update_supersedes_a_paused_staged_deployment() {
    let (_sim, ecs, scenario, (_, v2)) = fast_sim_with_web().await;
    let (first, hook_id) =
        deploy_paused(&scenario, &v2, 0, HookStage::PostScaleUp, Action::Rollback).await;
    let v3 = revision(&scenario, TaskBehaviour::Healthy).await;
    let reconcile = blue_green(0).hook(pause_at(HookStage::ReconcileService, Action::Rollback));
    let second = deploy(&scenario, &v3, &reconcile).await;
    let superseded = scenario.describe_service_deployment(&first).await.unwrap();
    assert_eq!(status(&superseded), Status::Stopped);
    let (code, _) = continue_rejected(&ecs, &first, &hook_id).await;
    assert_eq!(code, "ClientException");
    // Two source revisions are active, so the new deployment reconciles first.
    let reconciling = hook_awaiting(&scenario, &second).await;
    let at = scenario.describe_service_deployment(&second).await.unwrap();
    assert_eq!(at.lifecycle_stage(), Some(&Stage::ReconcileService));
    scenario
        .continue_deployment(&second, &reconciling, Action::Continue)
        .await
        .unwrap();
    let (done, stages, _) = follow_to(&scenario, &second, Status::Successful).await;
    let sources = done.source_service_revisions();
    assert_eq!(sources.len(), 2);
    let weights: Vec<_> = sources
        .iter()
        .map(|s| s.requested_production_traffic_weight())
        .collect();
    assert_eq!(
        weights,
        [Some(0.0), Some(0.0)],
        "all production traffic is on the target"
    );
    assert_in_order(&stages);
    scenario.wait_until_steady("web", LIMIT).await.unwrap();
    let service = assert_web_on(&scenario, &v3).await;
    assert_eq!(service.running_count(), 2);
}

/// Registers a healthy revision of `web` whose deployment sees `alarm` in ALARM during bake.
async fn alarming_revision(scenario: &Scenario, alarm: &str) -> String {
    let spec = TaskSpec::new("web", TaskBehaviour::Healthy);
    scenario
        .register_container("web", with_alarm_in_bake(spec.container(), alarm))
        .await
        .unwrap()
}

#[tokio::test]
async fn an_alarm_during_bake_rolls_back_naming_the_alarm() {
    let (_sim, _ecs, scenario, (v1, _)) = fast_sim_with_web().await;
    let v2 = alarming_revision(&scenario, "latency-high").await;
    let spec = blue_green(5).alarms(&["latency-high"], true);
    let (done, stages, _) = deploy_to_end(&scenario, &v2, &spec, Status::RollbackSuccessful).await;
    assert!(stages.contains(&Stage::BakeTime), "{stages:?}");
    let alarms = done.alarms().unwrap();
    assert_eq!(alarms.triggered_alarm_names(), ["latency-high"]);
    assert_eq!(alarms.status().unwrap().as_str(), "TRIGGERED");
    assert_rolled_back(&scenario, &done, "latency-high", &v1).await;
}

#[tokio::test]
async fn an_alarm_without_rollback_fails_the_deployment() {
    let (_sim, _ecs, scenario, _) = fast_sim_with_web().await;
    let v2 = alarming_revision(&scenario, "errors").await;
    let spec = blue_green(5).alarms(&["errors"], false);
    let (done, _, _) = deploy_to_end(&scenario, &v2, &spec, Status::Stopped).await;
    assert!(done.stopped_at().is_some());
    assert_eq!(done.alarms().unwrap().triggered_alarm_names(), ["errors"]);
    let service = scenario.describe_service("web").await.unwrap();
    let primary = &service.deployments()[0];
    assert_eq!(primary.rollout_state().unwrap().as_str(), "FAILED");
    assert!(
        primary.rollout_state_reason().unwrap().contains("errors"),
        "{:?}",
        primary.rollout_state_reason()
    );
}

#[tokio::test]
async fn a_set_alarm_rolls_back_a_rolling_deployment() {
    let (sim, _ecs, scenario) = fast_sim().await;
    let v1 = revision(&scenario, TaskBehaviour::Healthy).await;
    let spec = DeploymentSpec::new(Strategy::Rolling).alarms(&["cpu"], true);
    create_web(&scenario, &v1, 2, &spec).await;
    scenario.wait_until_steady("web", LIMIT).await.unwrap();
    let v2 = revision(&scenario, TaskBehaviour::NeverReady).await;
    scenario.update_service("web", &v2).await.unwrap();
    let arn = scenario.current_service_deployment("web").await.unwrap();
    let (code, _) = admin(&sim, "PUT", "/_sim/alarms/other", r#"{"state":"ALARM"}"#).await;
    assert_eq!(code, 200);
    let untouched = scenario.describe_service_deployment(&arn).await.unwrap();
    assert_eq!(status(&untouched), Status::InProgress, "an unwatched alarm");
    sim.set_alarm("cpu", AlarmState::Alarm);
    let (done, _, _) = follow_to(&scenario, &arn, Status::RollbackSuccessful).await;
    assert_eq!(done.alarms().unwrap().triggered_alarm_names(), ["cpu"]);
    scenario.wait_until_steady("web", LIMIT).await.unwrap();
    assert_web_on(&scenario, &v1).await;
}

#[tokio::test]
async fn stop_service_deployment_rolls_back_a_rolling_deployment_without_a_breaker() {
    let (sim, _ecs, scenario, (v1, _)) = fast_sim_with_web().await;
    scenario
        .deploy("web", TaskBehaviour::NeverReady)
        .await
        .unwrap();
    let arn = scenario.current_service_deployment("web").await.unwrap();
    scenario.stop_deployment(&arn).await.unwrap();
    let (done, _, _) = follow_to(&scenario, &arn, Status::RollbackSuccessful).await;
    assert!(done.rollback().is_some());
    scenario.wait_until_steady("web", LIMIT).await.unwrap();
    assert_web_on(&scenario, &v1).await;
    let actions = sim.recorded_actions();
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0].operation, "StopServiceDeployment");
    assert_eq!(actions[0].service_deployment_arn, arn);
    assert_eq!(actions[0].stop_type.as_deref(), Some("ROLLBACK"));
    assert_eq!(sim.call_counts()["StopServiceDeployment"], 1);
}

#[tokio::test]
async fn stop_service_deployment_rolls_back_a_staged_deployment_during_bake() {
    let (_sim, _ecs, scenario, (v1, v2)) = fast_sim_with_web().await;
    let arn = deploy(&scenario, &v2, &blue_green(30)).await;
    wait_for_stage(&scenario, &arn, Stage::BakeTime).await;
    scenario.stop_deployment(&arn).await.unwrap();
    let (done, _, _) = follow_to(&scenario, &arn, Status::RollbackSuccessful).await;
    assert_eq!(
        done.source_service_revisions()[0].requested_production_traffic_weight(),
        Some(100.0)
    );
    assert_web_on(&scenario, &v1).await;
}

#[tokio::test]
async fn continue_and_stop_reject_what_ecs_rejects() {
    let (sim, ecs, scenario, (_, v2)) = fast_sim_with_web().await;
    let first = scenario.current_service_deployment("web").await.unwrap();

    // Unknown deployment, well-formed ARN.
    let unknown = first.rsplit_once('/').unwrap().0.to_owned() + "/doesnotexist";
    let (code, _) = stop_rejected(&ecs, &unknown).await;
    assert_eq!(code, "ServiceDeploymentNotFoundException");
    let (code, _) = continue_rejected(&ecs, &unknown, "x").await;
    assert_eq!(code, "ServiceDeploymentNotFoundException");

    // Already finished.
    let (code, message) = stop_rejected(&ecs, &first).await;
    assert_eq!(code, "ConflictException");
    assert!(message.contains("SUCCESSFUL"));

    // In progress, but nothing awaits an action; then a hook id that names nothing.
    let (arn, hook_id) =
        deploy_paused(&scenario, &v2, 30, HookStage::PostScaleUp, Action::Rollback).await;
    let (code, _) = continue_rejected(&ecs, &arn, "not-a-hook").await;
    assert_eq!(code, "InvalidParameterException");
    scenario
        .continue_deployment(&arn, &hook_id, Action::Continue)
        .await
        .unwrap();
    let (code, message) = continue_rejected(&ecs, &arn, &hook_id).await;
    assert_eq!(code, "ClientException", "{message}");
    assert!(message.contains("not AWAITING_ACTION"));

    // Rejected calls are counted, but not recorded as actions.
    assert_eq!(sim.recorded_actions().len(), 1);
    assert_eq!(sim.call_counts()["ContinueServiceDeployment"], 4);

    // A malformed ARN.
    let (code, _) = stop_rejected(&ecs, "nope").await;
    assert_eq!(code, "InvalidParameterException");
}

#[tokio::test]
async fn staged_configuration_is_validated_like_ecs() {
    let (_sim, ecs, scenario) = fast_sim().await;
    let v1 = revision(&scenario, TaskBehaviour::Healthy).await;
    let create = |configuration| {
        let ecs = ecs.clone();
        let v1 = v1.clone();
        async move {
            ecs.create_service()
                .cluster(CLUSTER)
                .service_name("web")
                .task_definition(v1)
                .desired_count(1)
                .deployment_configuration(configuration)
                .send()
                .await
        }
    };
    let invalid = [
        (blue_green(1441).build(), "bakeTimeInMinutes"),
        (
            DeploymentSpec::new(Strategy::Linear {
                step_percent: 2.0,
                step_bake_minutes: 1,
                bake_minutes: 0,
            })
            .build(),
            "stepPercent",
        ),
        (
            DeploymentSpec::new(Strategy::Canary {
                canary_percent: 5.05,
                canary_bake_minutes: 1,
                bake_minutes: 0,
            })
            .build(),
            "canaryPercent",
        ),
        (
            blue_green(1)
                .hook(Hook::pause(
                    &[HookStage::ProductionTrafficShift],
                    10,
                    Action::Rollback,
                ))
                .build(),
            "PAUSE",
        ),
        (
            DeploymentSpec::new(Strategy::Rolling)
                .hook(Hook::lambda(
                    "x",
                    LambdaOutcome::Succeeds,
                    &[HookStage::PreScaleUp],
                ))
                .build(),
            "lifecycleHooks",
        ),
        (
            aws_sdk_ecs::types::DeploymentConfiguration::builder()
                .strategy(aws_sdk_ecs::types::DeploymentStrategy::BlueGreen)
                .build(),
            "bakeTimeInMinutes is required",
        ),
    ];
    for (configuration, named) in invalid {
        let (code, message) = rejected(create(configuration)).await;
        assert_eq!(code, "InvalidParameterException", "{named}: {message}");
        assert!(message.contains(named), "{named}: {message}");
    }
    create(blue_green(1440).build())
        .await
        .expect("1440 minutes is allowed");
}

#[tokio::test]
async fn a_failing_first_staged_deployment_has_nothing_to_roll_back_to() {
    let (_sim, _ecs, scenario) = fast_sim().await;
    let v1 = revision(&scenario, TaskBehaviour::Healthy).await;
    let spec = blue_green(0).hook(Hook::lambda(
        "gate",
        LambdaOutcome::Fails,
        &[HookStage::PreScaleUp],
    ));
    create_web(&scenario, &v1, 1, &spec).await;
    let arn = scenario.current_service_deployment("web").await.unwrap();
    let (done, _, _) = follow_to(&scenario, &arn, Status::RollbackFailed).await;
    assert!(
        done.status_reason()
            .unwrap()
            .contains("no previous service revision"),
        "{:?}",
        done.status_reason()
    );
    let service = scenario.describe_service("web").await.unwrap();
    assert_eq!(
        service.deployments()[0].rollout_state().unwrap().as_str(),
        "FAILED"
    );
}

#[tokio::test]
async fn alarm_states_are_listed_and_bad_bodies_rejected() {
    let (sim, _ecs, _scenario) = fast_sim().await;
    sim.set_alarm("cpu", AlarmState::Alarm);
    let (code, _) = admin(&sim, "PUT", "/_sim/alarms/mem", r#"{"state":"OK"}"#).await;
    assert_eq!(code, 200);
    let (code, body) = admin(&sim, "GET", "/_sim/alarms", "").await;
    assert_eq!(code, 200);
    let states: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(states, serde_json::json!({"cpu": "ALARM", "mem": "OK"}));
    let (code, body) = admin(&sim, "PUT", "/_sim/alarms/cpu", r#"{"state":"RED"}"#).await;
    assert_eq!(code, 400, "{body}");
}
