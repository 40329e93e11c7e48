//! The polling loop on staged (blue/green, linear, canary) services: checkpoints,
//! stage and traffic progress, pauses, and the services it refuses at once.

use super::*;
use crate::model::{
    DeploymentConfiguration, DeploymentController, DeploymentStrategy, LifecycleHookAction,
    LifecycleHookDetail, LifecycleHookStatus, LifecycleHookTargetType, LifecycleStage,
};
use crate::wait_until::WaitUntil;

fn with_strategy(mut step: Step, strategy: &str) -> Step {
    if let Some(service) = step.service.as_mut() {
        service.deployment_configuration = Some(DeploymentConfiguration {
            strategy: Some(strategy.into()),
        });
    }
    step
}

fn with_controller(mut step: Step, controller: &str) -> Step {
    if let Some(service) = step.service.as_mut() {
        service.deployment_controller = Some(DeploymentController {
            controller_type: Some(controller.into()),
        });
    }
    step
}

fn pause_hook(status: LifecycleHookStatus) -> LifecycleHookDetail {
    LifecycleHookDetail {
        hook_id: Some("approve".into()),
        target_type: Some(LifecycleHookTargetType::Pause),
        target_arn: None,
        status: Some(status),
        expires_at: Some(crate::model::Timestamp::from_epoch_millis(
            1_714_561_200_000,
        )),
        timeout_action: Some(LifecycleHookAction::Rollback),
    }
}

/// A blue/green step: `DescribeServices` shows green rolling out, the service
/// deployment is in `stage` with `production` % of production traffic on green.
fn blue_green(
    stage: LifecycleStage,
    status: &str,
    production: f64,
    hooks: Vec<LifecycleHookDetail>,
) -> Step {
    let mut sd = service_deployment("web", 2, status);
    sd.lifecycle_stage = Some(stage);
    sd.lifecycle_hook_details = hooks;
    if let Some(revision) = sd.target_service_revision.as_mut() {
        revision.requested_production_traffic_weight = Some(production);
        revision.requested_test_traffic_weight = Some(100.0);
    }
    with_strategy(rolling_out(2), "BLUE_GREEN").with_service_deployment(sd)
}

/// A fake ECS with the service-deployment API, scripted to show `web` going
/// through `steps` (see [`blue_green`]).
fn staged_web(steps: Vec<Step>) -> FakeEcs {
    let fake = FakeEcs::new();
    fake.support_service_deployments();
    fake.script("web", steps);
    fake
}

/// Blue/green at POST_TEST_TRAFFIC_SHIFT, waiting at its PAUSE hook for someone to continue.
fn paused_for_approval() -> Step {
    blue_green(
        LifecycleStage::PostTestTrafficShift,
        "IN_PROGRESS",
        0.0,
        vec![pause_hook(LifecycleHookStatus::AwaitingAction)],
    )
}

fn until(wait_until: WaitUntil, timeout_secs: u64) -> WaitOptions {
    WaitOptions {
        wait_until,
        ..options(timeout_secs)
    }
}

#[tokio::test(start_paused = true)]
async fn code_deploy_and_external_controllers_are_refused_at_the_first_look() {
    for (controller, hint) in [
        ("CODE_DEPLOY", "aws deploy wait deployment-successful"),
        ("EXTERNAL", "another tool"),
    ] {
        let fake = FakeEcs::new();
        fake.script("web", vec![with_controller(rolling_out(1), controller)]);
        let started = Instant::now();
        let (result, _) = wait(&fake, request("web", Some("web:3")), options(600)).await;
        match result {
            Err(WaitError::Unsupported(reason)) => {
                assert!(reason.contains(controller), "{reason}");
                assert!(reason.contains(hint), "{reason}");
            }
            other => panic!("{controller}: expected Unsupported, got {other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(2), "{controller}");
        assert_eq!(fake.calls("DescribeServices").len(), 1, "{controller}");
    }
}

#[tokio::test(start_paused = true)]
async fn checkpoints_on_a_rolling_service_are_bad_input_saying_why() {
    for wait_until in [
        WaitUntil::Paused,
        WaitUntil::Stage(LifecycleStage::BakeTime),
    ] {
        let fake = FakeEcs::new();
        fake.script("web", vec![rolling_out(1)]);
        let (result, _) = wait(
            &fake,
            request("web", Some("web:3")),
            until(wait_until.clone(), 60),
        )
        .await;
        match result {
            Err(WaitError::Input(error)) => {
                assert_eq!(error.field, "wait-until");
                assert_eq!(error.value, wait_until.to_string());
                assert!(error.expected.contains("strategy ROLLING"), "{error}");
                assert!(error.expected.contains("BLUE_GREEN"), "{error}");
            }
            other => panic!("{wait_until}: expected an input error, got {other:?}"),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn without_service_deployment_apis_stages_are_invisible() {
    // A checkpoint cannot be seen: refused with the reason.
    let fake = FakeEcs::new();
    fake.script("web", vec![with_strategy(rolling_out(1), "BLUE_GREEN")]);
    let (result, _) = wait(
        &fake,
        request("web", Some("web:3")),
        until(WaitUntil::Paused, 60),
    )
    .await;
    match result {
        Err(WaitError::Unsupported(reason)) => {
            assert!(reason.contains("DescribeServiceDeployments"), "{reason}");
            assert!(reason.contains("paused"), "{reason}");
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }

    // "deployed" is decided from DescribeServices, and the caller is told once.
    let fake = FakeEcs::new();
    fake.script(
        "web",
        vec![
            with_strategy(rolling_out(1), "BLUE_GREEN"),
            with_strategy(rolling_out(1), "BLUE_GREEN"),
            with_strategy(rolled_out(), "BLUE_GREEN"),
        ],
    );
    let (report, events) = verdict(&fake, request("web", Some("web:3")), options(60)).await;
    assert_eq!(report.outcome, Outcome::Completed);
    assert!(report.used_fallback);
    assert_eq!(report.strategy, Some(DeploymentStrategy::BlueGreen));
    let told = count(&events, |e| {
        matches!(e, ProgressEvent::StagesInvisible { .. })
    });
    assert_eq!(told, 1);
}

#[tokio::test(start_paused = true)]
async fn stage_changes_traffic_shifts_and_a_pause_are_each_told_once() {
    let fake = staged_web(vec![
        blue_green(LifecycleStage::ScaleUp, "IN_PROGRESS", 0.0, vec![]),
        paused_for_approval(),
        paused_for_approval(),
        blue_green(
            LifecycleStage::ProductionTrafficShift,
            "IN_PROGRESS",
            30.0,
            vec![pause_hook(LifecycleHookStatus::Succeeded)],
        ),
        blue_green(LifecycleStage::BakeTime, "IN_PROGRESS", 100.0, vec![]),
        blue_green(LifecycleStage::CleanUp, "SUCCESSFUL", 100.0, vec![]),
    ]);
    let (report, events) = verdict(&fake, request("web", Some("web:3")), options(120)).await;
    assert_eq!(report.outcome, Outcome::Completed);
    assert_eq!(report.lifecycle_stage, Some(LifecycleStage::CleanUp));
    assert_eq!(report.checkpoint, None);

    let stages: Vec<&LifecycleStage> = events
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::StageChanged { stage, .. } => Some(stage),
            _ => None,
        })
        .collect();
    assert_eq!(
        stages,
        [
            &LifecycleStage::ScaleUp,
            &LifecycleStage::PostTestTrafficShift,
            &LifecycleStage::ProductionTrafficShift,
            &LifecycleStage::BakeTime,
        ],
        "SUCCESSFUL ends the wait before CLEAN_UP is told"
    );
    let production: Vec<Option<f64>> = events
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::TrafficShifted {
                production_traffic_weight,
                task_definition,
                ..
            } => {
                assert_eq!(task_definition.as_deref(), Some("web:3"));
                Some(*production_traffic_weight)
            }
            _ => None,
        })
        .collect();
    assert_eq!(production, [Some(0.0), Some(30.0), Some(100.0)]);
    let pauses: Vec<String> = events
        .iter()
        .filter(|e| matches!(e, ProgressEvent::Paused { .. }))
        .map(|e| crate::message::progress_line(e).text)
        .collect();
    assert_eq!(pauses.len(), 1, "{pauses:?}");
    for part in [
        "approve",
        "POST_TEST_TRAFFIC_SHIFT",
        "then ROLLBACK",
        "aws ecs continue-service-deployment",
    ] {
        assert!(pauses[0].contains(part), "no {part:?} in: {}", pauses[0]);
    }
}

#[tokio::test(start_paused = true)]
async fn wait_until_paused_completes_at_the_pause_and_reports_the_hook() {
    let fake = staged_web(vec![
        blue_green(LifecycleStage::ScaleUp, "IN_PROGRESS", 0.0, vec![]),
        paused_for_approval(),
    ]);
    let (result, _) = wait(
        &fake,
        request("web", Some("web:3")),
        until(WaitUntil::Paused, 60),
    )
    .await;
    let report = result.unwrap();
    assert_eq!(report.outcome, Outcome::Completed);
    let hook = report.paused_hook.expect("the paused hook");
    assert_eq!(hook.hook_id, "approve");
    assert_eq!(hook.stage, Some(LifecycleStage::PostTestTrafficShift));
    assert_eq!(hook.timeout_action, Some(LifecycleHookAction::Rollback));
    assert!(
        report
            .checkpoint
            .as_deref()
            .is_some_and(|c| c.contains("paused at lifecycle hook approve")),
        "{:?}",
        report.checkpoint
    );
    assert_eq!(fake.calls("DescribeServices").len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_timeout_while_paused_says_at_which_hook() {
    let fake = staged_web(vec![paused_for_approval()]);
    let (report, _) = verdict(&fake, request("web", Some("web:3")), options(20)).await;
    assert_eq!(report.outcome, Outcome::TimedOut);
    assert!(
        report
            .failure_message
            .contains("paused at lifecycle hook approve (stage POST_TEST_TRAFFIC_SHIFT)"),
        "{}",
        report.failure_message
    );
    assert!(
        report.failure_message.contains("nobody continued it"),
        "{}",
        report.failure_message
    );
}
