//! Table tests for the staged strategies (blue/green, linear, canary): realistic
//! `DescribeServices` and `DescribeServiceDeployments` JSON for every lifecycle
//! stage, hook status and rollback cause, in and out.

use serde_json::{Value, json};

use super::*;
use crate::model::{LifecycleHookAction, PausedHook, Timestamp};

const SD_ARN: &str =
    "arn:aws:ecs:ap-southeast-2:291971919224:service-deployment/prod/web/bG9uZ2lkZW50aWZpZXI";
const REVISION_2: &str = "arn:aws:ecs:ap-southeast-2:291971919224:service-revision/prod/web/1";
const REVISION_3: &str = "arn:aws:ecs:ap-southeast-2:291971919224:service-revision/prod/web/2";
const LAMBDA: &str = "arn:aws:lambda:ap-southeast-2:291971919224:function:smoke-test";

/// A blue/green (or other staged) service mid-deployment: green `ecs-svc/2` runs
/// REV3 beside blue `ecs-svc/1` on REV2, as `DescribeServices` shows it.
fn staged_service(strategy: &str) -> ServiceSnapshot {
    service(json!({
        "serviceName": "web", "status": "ACTIVE", "desiredCount": 2,
        "deploymentController": {"type": "ECS"},
        "deploymentConfiguration": {
            "strategy": strategy, "bakeTimeInMinutes": 10,
            "maximumPercent": 200, "minimumHealthyPercent": 100,
            "deploymentCircuitBreaker": {"enable": true, "rollback": true},
            "alarms": {"alarmNames": ["web-5xx"], "enable": true, "rollback": true}
        },
        "deployments": [
            {
                "id": "ecs-svc/2", "status": "PRIMARY", "taskDefinition": REV3,
                "desiredCount": 2, "runningCount": 2, "pendingCount": 0, "failedTasks": 0,
                "createdAt": 1714557600.0, "rolloutState": "IN_PROGRESS",
                "rolloutStateReason": "ECS deployment ecs-svc/2 in progress."
            },
            {
                "id": "ecs-svc/1", "status": "ACTIVE", "taskDefinition": REV2,
                "desiredCount": 2, "runningCount": 2, "pendingCount": 0, "failedTasks": 0,
                "createdAt": 1714554000.0, "rolloutState": "COMPLETED",
                "rolloutStateReason": "ECS deployment ecs-svc/1 completed."
            }
        ]
    }))
}

/// The green deployment as `DescribeServiceDeployments` reports it.
fn staged_deployment(status: &str, stage: &str, hooks: Value, production_weight: f64) -> Value {
    json!({
        "serviceDeploymentArn": SD_ARN,
        "serviceArn": "arn:aws:ecs:ap-southeast-2:291971919224:service/prod/web",
        "clusterArn": "arn:aws:ecs:ap-southeast-2:291971919224:cluster/prod",
        "createdAt": 1714557600.0, "startedAt": 1714557601.0, "updatedAt": 1714557900.0,
        "sourceServiceRevisions": [{
            "arn": REVISION_2, "requestedTaskCount": 2, "runningTaskCount": 2, "pendingTaskCount": 0,
            "requestedTestTrafficWeight": 0.0,
            "requestedProductionTrafficWeight": 100.0 - production_weight
        }],
        "targetServiceRevision": {
            "arn": REVISION_3, "requestedTaskCount": 2, "runningTaskCount": 2, "pendingTaskCount": 0,
            "requestedTestTrafficWeight": 100.0,
            "requestedProductionTrafficWeight": production_weight
        },
        "status": status,
        "lifecycleStage": stage,
        "lifecycleHookDetails": hooks,
        "deploymentConfiguration": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 10},
        "deploymentCircuitBreaker": {"status": "MONITORING", "failureCount": 0, "threshold": 3},
        "alarms": {"status": "MONITORING", "alarmNames": ["web-5xx"]}
    })
}

fn pause_hook(status: &str) -> Value {
    json!([{
        "hookId": "approve-prod", "targetType": "PAUSE", "status": status,
        "expiresAt": 1714561200.0, "timeoutAction": "ROLLBACK"
    }])
}

fn lambda_hook(status: &str, timeout_action: &str) -> Value {
    json!([{
        "hookId": "smoke-test-1", "targetType": "AWS_LAMBDA", "targetArn": LAMBDA,
        "status": status, "expiresAt": 1714558500.0, "timeoutAction": timeout_action
    }])
}

fn staged_target(wait_until: WaitUntil) -> Target {
    Target {
        wait_until,
        ..target("ecs-svc/2", REV3)
    }
}

fn assess_staged(
    sd: Value,
    stage_reached: Option<LifecycleStage>,
    wait_until: WaitUntil,
) -> Assessment {
    let snapshot = staged_service("BLUE_GREEN");
    let sd = service_deployment(sd);
    let mut revisions = HashMap::new();
    revisions.insert(REVISION_2.to_owned(), REV2.to_owned());
    revisions.insert(REVISION_3.to_owned(), REV3.to_owned());
    Case {
        service_deployment: Some(&sd),
        revisions,
        stage_reached,
        ..Case::of(&snapshot)
    }
    .assess(&staged_target(wait_until))
}

/// A deployment without lifecycle hooks in `stage`, `production_weight` % of
/// production traffic shifted, watched until deployed.
/// A deployment in `status` at `stage` with all production traffic on the target, seen to reach `stage`.
fn assess_reached(status: &str, stage: LifecycleStage) -> Assessment {
    assess_without_hooks(status, stage.as_str(), 100.0, Some(stage.clone()))
}

fn assess_without_hooks(
    status: &str,
    stage: &str,
    production_weight: f64,
    stage_reached: Option<LifecycleStage>,
) -> Assessment {
    assess_staged(
        staged_deployment(status, stage, json!([]), production_weight),
        stage_reached,
        WaitUntil::Deployed,
    )
}

/// A running deployment at POST_TEST_TRAFFIC_SHIFT whose PAUSE hook is in
/// `hook_status`, before any production traffic moved.
fn assess_at_pause_hook(hook_status: &str, wait_until: WaitUntil) -> Assessment {
    assess_staged(
        staged_deployment(
            "IN_PROGRESS",
            "POST_TEST_TRAFFIC_SHIFT",
            pause_hook(hook_status),
            0.0,
        ),
        None,
        wait_until,
    )
}

fn pending_stage(assessment: &Assessment) -> Option<LifecycleStage> {
    match assessment {
        Assessment::Pending(progress) => progress.staged.as_ref().and_then(|s| s.stage.clone()),
        other => panic!("expected Pending, got {other:?}"),
    }
}

#[test]
fn staged_strategies_use_the_staged_rules() {
    for strategy in ["BLUE_GREEN", "LINEAR", "CANARY"] {
        assert_eq!(
            RuleSet::for_strategy(&staged_service(strategy).strategy()),
            RuleSet::Staged
        );
    }
    assert_eq!(
        RuleSet::for_strategy(&staged_service("ROLLING").strategy()),
        RuleSet::Rolling
    );
}

#[test]
fn every_stage_of_a_running_deployment_is_pending_and_reported() {
    for stage in LifecycleStage::ALL {
        let assessment = assess_without_hooks("IN_PROGRESS", stage.as_str(), 100.0, None);
        assert_eq!(pending_stage(&assessment).as_ref(), Some(stage), "{stage}");
    }
}

#[test]
fn baking_with_all_traffic_shifted_and_healthy_tasks_is_not_done() {
    let assessment = assess_reached("IN_PROGRESS", LifecycleStage::BakeTime);
    let Assessment::Pending(progress) = assessment else {
        panic!("expected Pending during bake time, got {assessment:?}");
    };
    let staged = progress.staged.expect("staged progress");
    assert_eq!(staged.production_traffic_weight, Some(100.0));
    assert_eq!(staged.stage, Some(LifecycleStage::BakeTime));
}

#[test]
fn successful_is_completed_even_while_blue_tasks_still_drain() {
    // earlySuccessCriteria: ECS reports SUCCESSFUL before the old tasks are gone;
    // DescribeServices still lists blue with running tasks.
    let assessment = assess_reached("SUCCESSFUL", LifecycleStage::CleanUp);
    assert_eq!(assessment, Assessment::Completed);
}

#[test]
fn rollbacks_name_the_stage_and_the_cause() {
    let alarm = {
        let mut sd = staged_deployment("ROLLBACK_IN_PROGRESS", "BAKE_TIME", json!([]), 100.0);
        sd["alarms"] = json!({"status": "TRIGGERED", "alarmNames": ["web-5xx"],
                              "triggeredAlarmNames": ["web-5xx"]});
        sd["statusReason"] =
            json!("Service deployment rolled back because of CloudWatch alarm(s).");
        sd["rollback"] = json!({"reason": "Alarm web-5xx is in ALARM state",
                                "startedAt": 1714558000.0, "serviceRevisionArn": REVISION_2});
        sd
    };
    let failed_lambda = {
        let mut sd = staged_deployment(
            "ROLLBACK_SUCCESSFUL",
            "POST_SCALE_UP",
            lambda_hook("FAILED", "ROLLBACK"),
            0.0,
        );
        sd["rollback"] = json!({"startedAt": 1714558000.0, "serviceRevisionArn": REVISION_2});
        sd
    };
    let timed_out_lambda = staged_deployment(
        "ROLLBACK_IN_PROGRESS",
        "POST_TEST_TRAFFIC_SHIFT",
        lambda_hook("TIMED_OUT", "ROLLBACK"),
        0.0,
    );
    let paused_rolled_back = staged_deployment(
        "ROLLBACK_REQUESTED",
        "POST_TEST_TRAFFIC_SHIFT",
        pause_hook("TIMED_OUT"),
        0.0,
    );
    let breaker = {
        let mut sd = staged_deployment("ROLLBACK_IN_PROGRESS", "SCALE_UP", json!([]), 0.0);
        sd["deploymentCircuitBreaker"] =
            json!({"status": "TRIGGERED", "failureCount": 3, "threshold": 3});
        sd
    };
    for (name, sd, seen, expected) in [
        (
            "alarm in bake time",
            alarm,
            Some(LifecycleStage::BakeTime),
            vec!["during BAKE_TIME", "web-5xx"],
        ),
        (
            "failed Lambda hook",
            failed_lambda,
            Some(LifecycleStage::PostScaleUp),
            vec!["during POST_SCALE_UP", "smoke-test-1", LAMBDA, "FAILED"],
        ),
        (
            "timed-out Lambda hook",
            timed_out_lambda,
            None,
            vec![
                "during POST_TEST_TRAFFIC_SHIFT",
                "smoke-test-1",
                "TIMED_OUT",
                "timeout action ROLLBACK",
            ],
        ),
        (
            "pause that timed out",
            paused_rolled_back,
            Some(LifecycleStage::PostTestTrafficShift),
            vec!["approve-prod", "PAUSE", "TIMED_OUT"],
        ),
        (
            "circuit breaker while scaling up",
            breaker,
            // ECS may show a later stage after a rollback starts; the stage
            // reached while rolling forward is what is reported.
            Some(LifecycleStage::ScaleUp),
            vec!["during SCALE_UP", "circuit breaker triggered after 3"],
        ),
    ] {
        match assess_staged(sd, seen, WaitUntil::Deployed) {
            Assessment::RolledBack {
                to_task_definition,
                reason,
            } => {
                for part in expected {
                    assert!(
                        reason.contains(part),
                        "{name}: {part:?} missing in {reason}"
                    );
                }
                if name == "alarm in bake time" || name == "failed Lambda hook" {
                    assert_eq!(to_task_definition.as_deref(), Some(REV2), "{name}");
                }
            }
            other => panic!("{name}: expected RolledBack, got {other:?}"),
        }
    }
}

#[test]
fn a_rollback_that_fails_is_failed() {
    let sd = staged_deployment(
        "ROLLBACK_FAILED",
        "BAKE_TIME",
        lambda_hook("FAILED", "ROLLBACK"),
        100.0,
    );
    match assess_staged(sd, Some(LifecycleStage::BakeTime), WaitUntil::Deployed) {
        Assessment::Failed { reason } => {
            for part in ["so did the rollback", "BAKE_TIME"] {
                assert!(reason.contains(part), "{part:?} missing in {reason}");
            }
        }
        other => panic!("expected Failed, got {other:?}"),
    }
}

#[test]
fn every_hook_status_of_a_running_deployment_keeps_waiting_by_default() {
    for status in [
        "AWAITING_ACTION",
        "IN_PROGRESS",
        "SUCCEEDED",
        "FAILED",
        "TIMED_OUT",
    ] {
        let assessment = assess_at_pause_hook(status, WaitUntil::Deployed);
        let Assessment::Pending(progress) = assessment else {
            panic!("{status}: expected Pending, got {assessment:?}");
        };
        let paused = progress.staged.and_then(|s| s.paused_hook);
        assert_eq!(paused.is_some(), status == "AWAITING_ACTION", "{status}");
    }
}

#[test]
fn wait_until_paused_completes_at_an_awaiting_pause_hook() {
    let assessment = assess_at_pause_hook("AWAITING_ACTION", WaitUntil::Paused);
    assert_eq!(
        assessment,
        Assessment::Checkpoint(Checkpoint::Paused(PausedHook {
            hook_id: "approve-prod".into(),
            stage: Some(LifecycleStage::PostTestTrafficShift),
            expires_at: Some(Timestamp::from_epoch_millis(1_714_561_200_000)),
            timeout_action: Some(LifecycleHookAction::Rollback),
        }))
    );
    // Not paused (yet): keep waiting.
    for status in ["IN_PROGRESS", "SUCCEEDED"] {
        let assessment = assess_at_pause_hook(status, WaitUntil::Paused);
        assert!(
            matches!(assessment, Assessment::Pending(_)),
            "{status}: {assessment:?}"
        );
    }
}

#[test]
fn wait_until_a_stage_compares_order_so_skipped_stages_count() {
    let wanted = WaitUntil::Stage(LifecycleStage::PostTestTrafficShift);
    let at = |stage: &str, seen: Option<LifecycleStage>| {
        assess_staged(
            staged_deployment("IN_PROGRESS", stage, json!([]), 0.0),
            seen,
            wanted.clone(),
        )
    };
    for stage in &LifecycleStage::ALL[..5] {
        assert!(
            matches!(at(stage.as_str(), None), Assessment::Pending(_)),
            "{stage}"
        );
    }
    assert_eq!(
        at("POST_TEST_TRAFFIC_SHIFT", None),
        Assessment::Checkpoint(Checkpoint::Stage {
            wanted: LifecycleStage::PostTestTrafficShift,
            reached: LifecycleStage::PostTestTrafficShift,
        })
    );
    // Between two looks the deployment went from TEST_TRAFFIC_SHIFT straight to
    // PRODUCTION_TRAFFIC_SHIFT: the wanted stage was passed, so it was reached.
    assert_eq!(
        at(
            "PRODUCTION_TRAFFIC_SHIFT",
            Some(LifecycleStage::TestTrafficShift)
        ),
        Assessment::Checkpoint(Checkpoint::Stage {
            wanted: LifecycleStage::PostTestTrafficShift,
            reached: LifecycleStage::ProductionTrafficShift,
        })
    );
}

#[test]
fn a_rollback_before_the_checkpoint_is_the_usual_verdict() {
    for wait_until in [
        WaitUntil::Paused,
        WaitUntil::Stage(LifecycleStage::PostTestTrafficShift),
    ] {
        let sd = staged_deployment(
            "ROLLBACK_IN_PROGRESS",
            "PRODUCTION_TRAFFIC_SHIFT",
            lambda_hook("FAILED", "ROLLBACK"),
            0.0,
        );
        let assessment = assess_staged(sd, Some(LifecycleStage::PostScaleUp), wait_until.clone());
        assert!(
            matches!(assessment, Assessment::RolledBack { .. }),
            "{wait_until}: {assessment:?}"
        );
    }
}

#[test]
fn linear_steps_report_the_traffic_split() {
    let assessment = assess_without_hooks("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 30.0, None);
    let Assessment::Pending(progress) = assessment else {
        panic!("expected Pending, got {assessment:?}");
    };
    let staged = progress.staged.expect("staged progress");
    assert_eq!(staged.production_traffic_weight, Some(30.0));
    assert_eq!(staged.test_traffic_weight, Some(100.0));
}
