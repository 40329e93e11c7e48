//! The actions against the in-memory ECS: which calls they make, and the ones
//! they refuse to make.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::*;
use crate::api::ApiError;
use crate::clients::AwsClients;
use crate::kinds::WaitKind;
use crate::model::{
    LifecycleHookAction, LifecycleHookDetail, LifecycleHookStatus, LifecycleHookTargetType,
    ServiceDeployment, ServiceDeploymentStatus,
};
use crate::watch::fake::{
    CLUSTER, FakeEcs, Step, deployment, service, service_deployment, service_deployment_arn,
};
use crate::watch::{Outcome, WaitReport};

fn fake_with(sd: ServiceDeployment) -> FakeEcs {
    let fake = FakeEcs::new();
    fake.support_service_deployments();
    fake.script(
        "web",
        vec![
            Step::of(service(
                "web",
                vec![deployment(2, "PRIMARY", "web:3", 0, 2, Some("IN_PROGRESS"))],
            ))
            .with_service_deployment(sd),
        ],
    );
    fake
}

fn report(outcome: Outcome, arn: Option<String>) -> WaitReport {
    WaitReport {
        outcome,
        failure_message: "tasks keep failing".into(),
        cluster: CLUSTER.into(),
        service: "web".into(),
        desired_task_definition: Some("web:3".into()),
        deployment_id: Some("ecs-svc/2".into()),
        service_deployment_arn: arn,
        primary_task_definition: None,
        rolled_back_to: None,
        elapsed: Duration::from_secs(5),
        stopped_tasks: Vec::new(),
        used_fallback: false,
        kind: Some(WaitKind::ServiceDeployments),
        strategy: None,
        lifecycle_stage: None,
        paused_hook: None,
        checkpoint: None,
    }
}

/// The fake as the one client of a bundle (it shares its state with its clones).
fn clients(fake: &FakeEcs) -> AwsClients {
    AwsClients::with_ecs(Arc::new(fake.clone()))
}

fn quick() -> FollowOptions {
    FollowOptions {
        timeout: Duration::from_secs(10),
        poll_interval: Duration::from_secs(1),
    }
}

/// `roll_back_watched` after an `outcome` verdict on web's deployment 2, following briefly.
async fn roll_back_web_2(fake: &FakeEcs, outcome: Outcome) -> RollbackReport {
    let watched = report(outcome, Some(service_deployment_arn("web", 2)));
    roll_back_watched(&clients(fake), &watched, quick(), &CancellationToken::new()).await
}

fn hook(id: &str, status: LifecycleHookStatus) -> LifecycleHookDetail {
    LifecycleHookDetail {
        hook_id: Some(id.into()),
        target_type: Some(LifecycleHookTargetType::Pause),
        status: Some(status),
        ..Default::default()
    }
}

#[test]
fn rollback_triggers_parse_in_cli_and_provider_spelling() {
    assert_eq!(
        RollbackTrigger::parse_list("--rollback-on", "failed, timed-out,interrupted").unwrap(),
        [
            RollbackTrigger::Failed,
            RollbackTrigger::TimedOut,
            RollbackTrigger::Interrupted
        ]
    );
    assert_eq!(
        RollbackTrigger::parse_list("rollbackOn", "timedOut,cancelled,failed,failed").unwrap(),
        [
            RollbackTrigger::TimedOut,
            RollbackTrigger::Interrupted,
            RollbackTrigger::Failed
        ]
    );
    assert!(
        RollbackTrigger::parse_list("--rollback-on", "")
            .unwrap()
            .is_empty()
    );
    let error = RollbackTrigger::parse_list("--rollback-on", "failed,always").unwrap_err();
    assert_eq!(
        (error.field.as_str(), error.value.as_str()),
        ("--rollback-on", "always")
    );
    assert!(error.expected.contains("timed-out"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn no_stop_call_for_verdicts_that_need_none_or_without_a_service_deployment() {
    let arn = service_deployment_arn("web", 2);
    let fake = fake_with(service_deployment("web", 2, "IN_PROGRESS"));
    let cancel = CancellationToken::new();
    for (outcome, arn, fallback, expected) in [
        (Outcome::Completed, Some(arn.clone()), false, "completed"),
        (
            Outcome::RolledBack,
            Some(arn.clone()),
            false,
            "already rolled",
        ),
        (Outcome::Failed, None, true, "no service-deployment APIs"),
        (
            Outcome::TimedOut,
            None,
            false,
            "service deployment was not found",
        ),
    ] {
        let mut report = report(outcome, arn);
        report.used_fallback = fallback;
        if fallback {
            report.kind = Some(WaitKind::DescribeServicesOnly);
        }
        let rollback = roll_back_watched(&clients(&fake), &report, quick(), &cancel).await;
        assert!(!rollback.requested, "{outcome:?}");
        assert!(
            rollback.reason.contains(expected),
            "{outcome:?}: {}",
            rollback.reason
        );
    }
    assert!(fake.calls("StopServiceDeployment").is_empty());
}

#[tokio::test(start_paused = true)]
async fn no_stop_call_on_a_deployment_that_ended_or_is_rolling_back() {
    for status in [
        "SUCCESSFUL",
        "STOPPED",
        "ROLLBACK_IN_PROGRESS",
        "ROLLBACK_SUCCESSFUL",
    ] {
        let fake = fake_with(service_deployment("web", 2, status));
        let rollback = roll_back_web_2(&fake, Outcome::Failed).await;
        assert!(!rollback.requested, "{status}");
        assert!(
            rollback.reason.contains(status),
            "{status}: {}",
            rollback.reason
        );
        assert!(fake.calls("StopServiceDeployment").is_empty(), "{status}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_failed_deployment_in_progress_is_stopped_once_with_rollback() {
    let arn = service_deployment_arn("web", 2);
    let fake = fake_with(service_deployment("web", 2, "IN_PROGRESS"));
    let rollback = roll_back_web_2(&fake, Outcome::Failed).await;
    assert!(rollback.requested);
    let calls = fake.calls("StopServiceDeployment");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].args, [arn, "ROLLBACK".to_owned()]);
    // This fake never finishes the rollback: following gives up at its timeout.
    assert!(
        rollback.reason.contains("stopped following after 10s"),
        "{}",
        rollback.reason
    );
}

#[tokio::test(start_paused = true)]
async fn access_denied_leaves_the_verdict_and_names_the_permission() {
    let fake = fake_with(service_deployment("web", 2, "IN_PROGRESS"));
    fake.fail_always(
        "StopServiceDeployment",
        ApiError::AccessDenied {
            message: "User is not authorized to perform: ecs:StopServiceDeployment".into(),
        },
    );
    let rollback = roll_back_web_2(&fake, Outcome::TimedOut).await;
    assert!(!rollback.requested);
    assert!(
        rollback.reason.contains("rollback not requested"),
        "{}",
        rollback.reason
    );
    assert!(
        rollback
            .reason
            .contains("IAM permission ecs:StopServiceDeployment"),
        "{}",
        rollback.reason
    );
}

#[tokio::test(start_paused = true)]
async fn interrupted_rolls_back_only_the_watched_deployment() {
    let fake = fake_with(service_deployment("web", 2, "IN_PROGRESS"));
    let cancel = CancellationToken::new();
    let other = roll_back_in_progress(
        &clients(&fake),
        CLUSTER,
        "web",
        Some("ecs-svc/7"),
        quick(),
        &cancel,
    )
    .await
    .unwrap();
    assert!(!other.requested);
    assert!(
        other
            .reason
            .contains("not the watched deployment ecs-svc/7"),
        "{}",
        other.reason
    );
    assert!(fake.calls("StopServiceDeployment").is_empty());

    let watched = roll_back_in_progress(
        &clients(&fake),
        CLUSTER,
        "web",
        Some("ecs-svc/2"),
        quick(),
        &cancel,
    )
    .await
    .unwrap();
    assert!(watched.requested);
    assert_eq!(fake.calls("StopServiceDeployment").len(), 1);
}

#[tokio::test(start_paused = true)]
async fn nothing_in_progress_is_an_error_saying_what_the_latest_is_doing() {
    let fake = fake_with(service_deployment("web", 2, "SUCCESSFUL"));
    let cancel = CancellationToken::new();
    match roll_back_in_progress(&clients(&fake), CLUSTER, "web", None, quick(), &cancel).await {
        Err(ActionError::NothingInProgress(message)) => {
            assert!(message.contains("SUCCESSFUL"), "{message}")
        }
        other => panic!("expected NothingInProgress, got {other:?}"),
    }
    match continue_paused(
        &clients(&fake),
        CLUSTER,
        "web",
        None,
        LifecycleHookAction::Continue,
    )
    .await
    {
        Err(ActionError::NothingInProgress(_)) => {}
        other => panic!("expected NothingInProgress, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn continue_picks_the_only_paused_hook_and_refuses_to_guess() {
    let with_hooks = |hooks: Vec<LifecycleHookDetail>| {
        let mut sd = service_deployment("web", 2, "IN_PROGRESS");
        sd.lifecycle_hook_details = hooks;
        fake_with(sd)
    };
    let continue_with = |fake: FakeEcs, hook_id: Option<&'static str>| async move {
        let result = continue_paused(
            &clients(&fake),
            CLUSTER,
            "web",
            hook_id,
            LifecycleHookAction::Continue,
        )
        .await;
        (result, fake.calls("ContinueServiceDeployment"))
    };

    let (result, calls) = continue_with(
        with_hooks(vec![hook("lambda-1", LifecycleHookStatus::InProgress)]),
        None,
    )
    .await;
    assert!(matches!(result, Err(ActionError::NothingPaused(ref m)) if m.contains("IN_PROGRESS")));
    assert!(calls.is_empty());

    let two = || {
        with_hooks(vec![
            hook("approve-a", LifecycleHookStatus::AwaitingAction),
            hook("approve-b", LifecycleHookStatus::AwaitingAction),
        ])
    };
    let (result, calls) = continue_with(two(), None).await;
    match result {
        Err(ActionError::WhichHook(message)) => {
            assert!(message.contains("approve-a, approve-b"), "{message}")
        }
        other => panic!("expected WhichHook, got {other:?}"),
    }
    assert!(calls.is_empty());
    let (result, _) = continue_with(two(), Some("approve-c")).await;
    assert!(matches!(result, Err(ActionError::WhichHook(_))));

    let (result, calls) = continue_with(two(), Some("approve-b")).await;
    assert_eq!(result.unwrap().hook_id, "approve-b");
    assert_eq!(
        calls[0].args,
        [
            service_deployment_arn("web", 2),
            "approve-b".to_owned(),
            "CONTINUE".to_owned()
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn access_denied_while_following_a_rollback_stops_at_once_naming_the_permission() {
    let fake = fake_with(service_deployment("web", 2, "IN_PROGRESS"));
    // The first look (is it still rolling forward?) answers; every look after the
    // StopServiceDeployment is denied.
    let started = tokio::time::Instant::now();
    let watched = report(Outcome::Failed, Some(service_deployment_arn("web", 2)));
    let clients = clients(&fake);
    let denied_after_stop = async {
        // Deny as soon as the rollback was requested.
        while fake.calls("StopServiceDeployment").is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        fake.fail_always(
            "DescribeServiceDeployments",
            ApiError::AccessDenied {
                message: "User is not authorized to perform: ecs:DescribeServiceDeployments".into(),
            },
        );
    };
    let long_follow = FollowOptions {
        timeout: Duration::from_secs(600),
        poll_interval: Duration::from_secs(2),
    };
    let cancel = CancellationToken::new();
    let (rollback, ()) = tokio::join!(
        roll_back_watched(&clients, &watched, long_follow, &cancel),
        denied_after_stop
    );
    assert_eq!(fake.calls("StopServiceDeployment").len(), 1);
    assert!(
        rollback
            .reason
            .contains("IAM permission ecs:DescribeServiceDeployments"),
        "{}",
        rollback.reason
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "stopped following at once, not after the 10-minute follow: {:?}",
        started.elapsed()
    );
}

#[test]
fn the_outcome_decides_the_trigger_and_not_requested_has_one_spelling() {
    assert_eq!(
        RollbackTrigger::for_outcome(Outcome::Failed),
        Some(RollbackTrigger::Failed)
    );
    assert_eq!(
        RollbackTrigger::for_outcome(Outcome::TimedOut),
        Some(RollbackTrigger::TimedOut)
    );
    assert_eq!(RollbackTrigger::for_outcome(Outcome::Completed), None);
    assert_eq!(RollbackTrigger::for_outcome(Outcome::RolledBack), None);
    assert_eq!(
        RollbackReport::not_requested("why").status_label(),
        "NOT_REQUESTED"
    );
    let done = RollbackReport {
        requested: true,
        status: Some(ServiceDeploymentStatus::RollbackSuccessful),
        ..RollbackReport::default()
    };
    assert_eq!(done.status_label(), "ROLLBACK_SUCCESSFUL");
}
