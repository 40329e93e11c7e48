//! Table tests: realistic ECS JSON in, verdict out. The first four service shapes
//! are the ones the npm package's README documents.

use std::collections::HashMap;

use serde_json::json;

use super::*;
use crate::input;
use crate::model::{
    LifecycleStage, RolloutState, ServiceDeployment, ServiceDeploymentStatus, ServiceSnapshot,
    StoppedTask,
};
use crate::wait_until::WaitUntil;

const REV2: &str = "arn:aws:ecs:ap-southeast-2:291971919224:task-definition/news-thewest-pr713-web-app-task-definition:2";
const REV3: &str = "arn:aws:ecs:ap-southeast-2:291971919224:task-definition/news-thewest-pr713-web-app-task-definition:3";

fn service(value: serde_json::Value) -> ServiceSnapshot {
    serde_json::from_value(value).expect("fixture is a valid service")
}

/// `DescribeServices` for the ACTIVE service `web` with these `deployments[]`.
fn active_web_service(deployments: serde_json::Value) -> ServiceSnapshot {
    service(json!({"serviceName": "web", "status": "ACTIVE", "deployments": deployments}))
}

fn service_deployment(value: serde_json::Value) -> ServiceDeployment {
    serde_json::from_value(value).expect("fixture is a valid service deployment")
}

fn tasks(value: serde_json::Value) -> Vec<StoppedTask> {
    serde_json::from_value(value).expect("fixture is a valid task list")
}

fn target(deployment_id: &str, task_definition: &str) -> Target {
    Target {
        service_name: "web".into(),
        deployment_id: Some(deployment_id.into()),
        task_definition: Some(task_definition.into()),
        desired_task_definition: Some(input::task_definition("td", task_definition).unwrap()),
        max_task_failures: 3,
        peak_desired_count: 0,
        wait_until: WaitUntil::Deployed,
    }
}

struct Case<'a> {
    service: Option<&'a ServiceSnapshot>,
    service_deployment: Option<&'a ServiceDeployment>,
    last_seen_target: Option<&'a Deployment>,
    stopped_tasks: &'a [StoppedTask],
    revisions: HashMap<String, String>,
    stage_reached: Option<LifecycleStage>,
}

impl<'a> Case<'a> {
    fn of(service: &'a ServiceSnapshot) -> Self {
        Self {
            service: Some(service),
            service_deployment: None,
            last_seen_target: None,
            stopped_tasks: &[],
            revisions: HashMap::new(),
            stage_reached: None,
        }
    }

    fn with_stopped_tasks(self, stopped_tasks: &'a [StoppedTask]) -> Self {
        Self {
            stopped_tasks,
            ..self
        }
    }

    fn with_last_seen_target(self, last_seen_target: &'a Deployment) -> Self {
        Self {
            last_seen_target: Some(last_seen_target),
            ..self
        }
    }

    fn with_service_deployment(self, service_deployment: &'a ServiceDeployment) -> Self {
        Self {
            service_deployment: Some(service_deployment),
            ..self
        }
    }

    /// The verdict of the service-deployments kind, whose rule set the service's
    /// strategy picks (as the kind does once, at the first look).
    fn assess(&self, target: &Target) -> Assessment {
        let rules = self
            .service
            .map_or(RuleSet::Rolling, |s| RuleSet::for_strategy(&s.strategy()));
        crate::kinds::service_deployments::assess(
            &Observation {
                service: self.service,
                service_deployment: self.service_deployment,
                last_seen_target: self.last_seen_target,
                stopped_tasks: self.stopped_tasks,
                revision_task_definitions: &self.revisions,
                stage_reached: self.stage_reached.as_ref(),
            },
            target,
            rules,
        )
    }
}

/// The verdict FAILED with `reason`.
fn failed(reason: &str) -> Assessment {
    Assessment::Failed {
        reason: reason.into(),
    }
}

/// The verdict ROLLED_BACK to REV2 with `reason`.
fn rolled_back_to_rev2(reason: &str) -> Assessment {
    Assessment::RolledBack {
        to_task_definition: Some(REV2.into()),
        reason: reason.into(),
    }
}

// README shape 1.
fn completed_service() -> ServiceSnapshot {
    service(json!({
        "serviceName": "web", "status": "ACTIVE", "desiredCount": 2, "runningCount": 2, "pendingCount": 0,
        "taskDefinition": REV3,
        "deployments": [{
            "id": "ecs-svc/6405940160831029548", "status": "PRIMARY", "taskDefinition": REV3,
            "desiredCount": 2, "pendingCount": 0, "runningCount": 2, "failedTasks": 0,
            "createdAt": 1714557600.0, "updatedAt": 1714557700.0,
            "rolloutState": "COMPLETED",
            "rolloutStateReason": "ECS deployment ecs-svc/6405940160831029548 completed."
        }]
    }))
}

// README shape 2.
fn failed_service() -> ServiceSnapshot {
    active_web_service(json!([{
        "id": "ecs-svc/1281894607538416024", "status": "ACTIVE", "taskDefinition": REV3,
        "desiredCount": 2, "runningCount": 0, "pendingCount": 0, "failedTasks": 3,
        "rolloutState": "FAILED",
        "rolloutStateReason": "ECS deployment circuit breaker: tasks failed to start."
    }]))
}

// README shape 3.
fn rolling_back_service() -> ServiceSnapshot {
    active_web_service(json!([
        {
            "id": "ecs-svc/6405940160831029548", "status": "PRIMARY", "taskDefinition": REV2,
            "desiredCount": 2, "runningCount": 1, "pendingCount": 1,
            "rolloutState": "IN_PROGRESS",
            "rolloutStateReason": "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/6405940160831029548."
        },
        {
            "id": "ecs-svc/1281894607538416024", "status": "ACTIVE", "taskDefinition": REV3,
            "desiredCount": 0, "runningCount": 0, "pendingCount": 0, "failedTasks": 3,
            "rolloutState": "IN_PROGRESS",
            "rolloutStateReason": "ECS deployment ecs-svc/1281894607538416024 in progress."
        }
    ]))
}

// README shape 4.
fn rolled_back_service() -> ServiceSnapshot {
    active_web_service(json!([{
        "id": "ecs-svc/6405940160831029548", "status": "PRIMARY", "taskDefinition": REV2,
        "desiredCount": 2, "runningCount": 2, "pendingCount": 0,
        "rolloutState": "COMPLETED",
        "rolloutStateReason": "ECS deployment ecs-svc/6405940160831029548 completed."
    }]))
}

fn in_progress_service(running: i32, desired: i32, failed_tasks: i32) -> ServiceSnapshot {
    active_web_service(json!([
        {
            "id": "ecs-svc/2", "status": "PRIMARY", "taskDefinition": REV3,
            "desiredCount": desired, "runningCount": running, "pendingCount": 0,
            "failedTasks": failed_tasks, "createdAt": "2024-05-01T10:00:00Z",
            "rolloutState": "IN_PROGRESS", "rolloutStateReason": "ECS deployment ecs-svc/2 in progress."
        },
        {
            "id": "ecs-svc/1", "status": "ACTIVE", "taskDefinition": REV2,
            "desiredCount": desired, "runningCount": desired, "pendingCount": 0,
            "createdAt": "2024-05-01T09:00:00Z",
            "rolloutState": "COMPLETED", "rolloutStateReason": "ECS deployment ecs-svc/1 completed."
        }
    ]))
}

fn exited_tasks(count: usize, started_by: &str) -> Vec<StoppedTask> {
    tasks(serde_json::Value::Array(
        (0..count)
            .map(|i| {
                json!({
                    "taskArn": format!("arn:aws:ecs:ap-southeast-2:291971919224:task/prod/{i:032x}"),
                    "lastStatus": "STOPPED", "desiredStatus": "STOPPED",
                    "startedBy": started_by, "taskDefinitionArn": REV3,
                    "stopCode": "EssentialContainerExited",
                    "stoppedReason": "Essential container in task exited",
                    "stoppedAt": 1714557660.25,
                    "containers": [{"name": "app", "exitCode": 1, "lastStatus": "STOPPED"}]
                })
            })
            .collect(),
    ))
}

/// The service shapes the README documents, each watched as the deployment it shows.
#[test]
fn the_readme_service_shapes_get_their_verdicts() {
    let cases = [
        (
            "1, completed",
            completed_service(),
            "ecs-svc/6405940160831029548",
            Assessment::Completed,
        ),
        (
            "2, failed by the circuit breaker without rollback",
            failed_service(),
            "ecs-svc/1281894607538416024",
            failed("ECS deployment circuit breaker: tasks failed to start."),
        ),
        (
            "3, rolled back as soon as the circuit breaker starts rolling back",
            rolling_back_service(),
            "ecs-svc/1281894607538416024",
            rolled_back_to_rev2(
                "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/6405940160831029548.",
            ),
        ),
    ];
    for (shape, snapshot, deployment_id, expected) in cases {
        let verdict = Case::of(&snapshot).assess(&target(deployment_id, REV3));
        assert_eq!(verdict, expected, "README shape {shape}");
    }
}

#[test]
fn a_rollout_that_completes_after_being_scaled_to_zero_mid_wait_fails() {
    let mut snapshot = completed_service();
    snapshot.desired_count = 0;
    snapshot.running_count = 0;
    snapshot.deployments[0].desired_count = 0;
    snapshot.deployments[0].running_count = 0;
    let mut scaled_down = target("ecs-svc/6405940160831029548", REV3);
    scaled_down.peak_desired_count = 2;
    match Case::of(&snapshot).assess(&scaled_down) {
        Assessment::Failed { reason } => assert_eq!(
            reason,
            "service web was scaled to zero (from 2 tasks) while deployment \
             ecs-svc/6405940160831029548 rolled out: no task runs it"
        ),
        other => panic!("expected Failed, got {other:?}"),
    }
    // At zero from the start (a worker parked between runs): nothing changed under the wait.
    let parked = target("ecs-svc/6405940160831029548", REV3);
    assert_eq!(Case::of(&snapshot).assess(&parked), Assessment::Completed);
}

#[test]
fn rolls_back_when_target_vanished_and_service_is_on_previous_revision() {
    let earlier = rolling_back_service();
    let last_seen = earlier
        .deployment("ecs-svc/1281894607538416024")
        .expect("the target as last seen");
    let snapshot = rolled_back_service();
    let case = Case::of(&snapshot).with_last_seen_target(last_seen);
    match case.assess(&target("ecs-svc/1281894607538416024", REV3)) {
        Assessment::RolledBack {
            to_task_definition, ..
        } => {
            assert_eq!(to_task_definition.as_deref(), Some(REV2))
        }
        other => panic!("expected a rollback, got {other:?}"),
    }
}

#[test]
fn rolls_back_with_the_target_failure_reason_once_it_left_the_list() {
    let earlier = failed_service();
    let last_seen = &earlier.deployments[0];
    let snapshot = rolled_back_service();
    let case = Case::of(&snapshot).with_last_seen_target(last_seen);
    assert_eq!(
        case.assess(&target("ecs-svc/1281894607538416024", REV3)),
        rolled_back_to_rev2("ECS deployment circuit breaker: tasks failed to start.")
    );
}

#[test]
fn stays_pending_while_rollout_is_in_progress() {
    let snapshot = in_progress_service(1, 2, 0);
    assert_eq!(
        Case::of(&snapshot).assess(&target("ecs-svc/2", REV3)),
        Assessment::Pending(Progress {
            rollout_state: ProgressState::Rollout(RolloutState::InProgress),
            running: 1,
            desired: 2,
            pending: 0,
            failed_tasks: 0,
            staged: None,
        })
    );
}

#[test]
fn completes_without_rollout_state_when_only_target_is_left_and_fully_running() {
    let snapshot = active_web_service(
        json!([{"id": "ecs-svc/2", "status": "PRIMARY", "taskDefinition": REV3,
                         "desiredCount": 2, "runningCount": 2, "pendingCount": 0}]),
    );
    assert_eq!(
        Case::of(&snapshot).assess(&target("ecs-svc/2", REV3)),
        Assessment::Completed
    );
}

#[test]
fn without_rollout_state_waits_while_old_deployment_still_listed_or_tasks_pending() {
    let two_deployments = active_web_service(json!([
        {"id": "ecs-svc/2", "status": "PRIMARY", "taskDefinition": REV3,
         "desiredCount": 2, "runningCount": 2, "pendingCount": 0},
        {"id": "ecs-svc/1", "status": "ACTIVE", "taskDefinition": REV2,
         "desiredCount": 0, "runningCount": 1, "pendingCount": 0}
    ]));
    let pending = active_web_service(
        json!([{"id": "ecs-svc/2", "status": "PRIMARY", "taskDefinition": REV3,
                         "desiredCount": 2, "runningCount": 1, "pendingCount": 1}]),
    );
    for snapshot in [&two_deployments, &pending] {
        assert!(matches!(
            Case::of(snapshot).assess(&target("ecs-svc/2", REV3)),
            Assessment::Pending(_)
        ));
    }
}

#[test]
fn without_any_reported_state_the_progress_reads_in_progress() {
    let pending = active_web_service(
        json!([{"id": "ecs-svc/2", "status": "PRIMARY", "taskDefinition": REV3,
                         "desiredCount": 2, "runningCount": 1, "pendingCount": 1}]),
    );
    match Case::of(&pending).assess(&target("ecs-svc/2", REV3)) {
        Assessment::Pending(progress) => {
            assert_eq!(progress.rollout_state, ProgressState::Unreported);
            assert_eq!(progress.rollout_state.to_string(), "IN_PROGRESS");
        }
        other => panic!("a deployment with a task pending is undecided: {other:?}"),
    }
}

#[test]
fn progress_states_read_and_serialize_as_ecs_spells_them() {
    let rolling_back =
        ProgressState::ServiceDeployment(ServiceDeploymentStatus::RollbackInProgress);
    assert_eq!(rolling_back.as_str(), "ROLLBACK_IN_PROGRESS");
    assert_eq!(
        serde_json::to_value(&rolling_back).unwrap(),
        json!("ROLLBACK_IN_PROGRESS")
    );
    let unknown = ProgressState::Rollout(RolloutState::Unknown("WARP_SPEED".into()));
    assert_eq!(unknown.to_string(), "WARP_SPEED");
}

#[test]
fn fails_when_primary_completed_on_other_task_definition_than_desired() {
    let snapshot = completed_service();
    let mut wanted = target("ecs-svc/6405940160831029548", REV3);
    wanted.desired_task_definition =
        Some(input::task_definition("td", "news-thewest-pr713-web-app-task-definition:4").unwrap());
    match Case::of(&snapshot).assess(&wanted) {
        Assessment::Failed { reason } => assert!(reason.contains("not the desired"), "{reason}"),
        other => panic!("expected failure, got {other:?}"),
    }
}

#[test]
fn fails_when_superseded_by_a_newer_deployment_naming_it() {
    let snapshot = in_progress_service(1, 2, 0);
    // Watching the older deployment ecs-svc/1 while ecs-svc/2 took over.
    let verdict = Case::of(&snapshot).assess(&target("ecs-svc/1", REV2));
    assert_eq!(
        verdict,
        Assessment::Failed {
            reason: "deployment ecs-svc/1 was superseded by deployment ecs-svc/2 \
                     (news-thewest-pr713-web-app-task-definition:3)"
                .into()
        }
    );
}

#[test]
fn fails_when_service_is_inactive_draining_or_deleted() {
    let inactive = service(json!({"serviceName": "web", "status": "INACTIVE", "deployments": []}));
    let draining = service(json!({"serviceName": "web", "status": "DRAINING", "deployments": []}));
    let wanted = target("ecs-svc/2", REV3);
    for (case, expected) in [
        (
            Case::of(&inactive),
            "service web is INACTIVE (it was deleted)",
        ),
        (
            Case::of(&draining),
            "service web is DRAINING (it is being deleted)",
        ),
    ] {
        assert_eq!(case.assess(&wanted), failed(expected));
    }
    let deleted = Case {
        service: None,
        ..Case::of(&inactive)
    };
    assert_eq!(
        deleted.assess(&wanted),
        failed("service web was deleted while waiting")
    );
}

/// What a row of [`crash_loops_are_declared_on_enough_failures_of_the_target_alone`] expects.
#[derive(Debug)]
enum CrashLoopVerdict {
    Waits,
    FailsWith(&'static str),
}

#[test]
fn crash_loops_are_declared_on_enough_failures_of_the_target_alone() {
    let mut other_deployments_and_scale_in = exited_tasks(3, "ecs-svc/1");
    other_deployments_and_scale_in.extend(tasks(json!([{
        "taskArn": "arn:aws:ecs:ap-southeast-2:291971919224:task/prod/aaa", "startedBy": "ecs-svc/2",
        "stopCode": "ServiceSchedulerInitiated",
        "stoppedReason": "Scaling activity initiated by (deployment ecs-svc/2)",
        "containers": [{"name": "app", "exitCode": 0}]
    }])));
    let health_check_kills = tasks(serde_json::Value::Array(
        (0..3)
            .map(|i| {
                json!({
                    "taskArn": format!("arn:aws:ecs:ap-southeast-2:291971919224:task/prod/h{i}"),
                    "startedBy": "ecs-svc/2", "stopCode": "ServiceSchedulerInitiated",
                    "stoppedReason": "Task failed container health checks",
                    "containers": [{"name": "app", "exitCode": 137}]
                })
            })
            .collect(),
    ));
    use CrashLoopVerdict::{FailsWith, Waits};
    // (case, running and desired tasks of ecs-svc/2, stopped tasks, max task failures, verdict)
    let cases = [
        (
            "at the threshold without a circuit breaker",
            (0, 2),
            exited_tasks(3, "ecs-svc/2"),
            3,
            FailsWith("tasks of deployment ecs-svc/2 keep failing (3 stopped, 0/2 running)"),
        ),
        (
            "below the threshold",
            (0, 2),
            exited_tasks(2, "ecs-svc/2"),
            3,
            Waits,
        ),
        (
            "detection off with zero max task failures",
            (0, 2),
            exited_tasks(10, "ecs-svc/2"),
            0,
            Waits,
        ),
        (
            "stops of other deployments and scale-in",
            (0, 2),
            other_deployments_and_scale_in,
            3,
            Waits,
        ),
        (
            "some target tasks run healthily",
            (7, 10),
            exited_tasks(3, "ecs-svc/2"),
            3,
            Waits,
        ),
        (
            "no more failures than tasks briefly running",
            (1, 2),
            exited_tasks(3, "ecs-svc/2"),
            3,
            Waits,
        ),
        (
            "failures beyond the tasks briefly running",
            (1, 2),
            exited_tasks(4, "ecs-svc/2"),
            3,
            FailsWith("tasks of deployment ecs-svc/2 keep failing (4 stopped, 1/2 running)"),
        ),
        (
            "health-check kills while tasks briefly run",
            (2, 2),
            health_check_kills,
            3,
            FailsWith("tasks of deployment ecs-svc/2 keep failing (3 stopped, 2/2 running)"),
        ),
    ];
    for (name, (running, desired), stopped, max_task_failures, expected) in cases {
        let snapshot = in_progress_service(running, desired, 0);
        let wanted = Target {
            max_task_failures,
            ..target("ecs-svc/2", REV3)
        };
        let assessment = Case::of(&snapshot)
            .with_stopped_tasks(&stopped)
            .assess(&wanted);
        match (&expected, &assessment) {
            (Waits, Assessment::Pending(_)) => {}
            (FailsWith(expected), Assessment::Failed { reason }) => {
                assert_eq!(reason, expected, "{name}")
            }
            _ => panic!("{name}: expected {expected:?}, got {assessment:?}"),
        }
    }
}

fn sd(status: &str, extra: serde_json::Value) -> ServiceDeployment {
    let mut value = json!({
        "serviceDeploymentArn": "arn:aws:ecs:ap-southeast-2:291971919224:service-deployment/prod/web/r4nd0mId",
        "serviceArn": "arn:aws:ecs:ap-southeast-2:291971919224:service/prod/web",
        "clusterArn": "arn:aws:ecs:ap-southeast-2:291971919224:cluster/prod",
        "createdAt": 1714557600.0, "startedAt": 1714557601.0,
        "sourceServiceRevisions": [{"arn": "arn:aws:ecs:ap-southeast-2:291971919224:service-revision/prod/web/1",
                                     "requestedTaskCount": 0, "runningTaskCount": 2, "pendingTaskCount": 0}],
        "targetServiceRevision": {"arn": "arn:aws:ecs:ap-southeast-2:291971919224:service-revision/prod/web/2",
                                  "requestedTaskCount": 2, "runningTaskCount": 0, "pendingTaskCount": 0},
        "status": status,
        "deploymentCircuitBreaker": {"status": "MONITORING", "failureCount": 0, "threshold": 3},
        "alarms": {"status": "DISABLED"}
    });
    if let (Some(base), Some(extra)) = (value.as_object_mut(), extra.as_object()) {
        base.extend(extra.clone());
    }
    service_deployment(value)
}

#[test]
fn waits_through_bake_time_even_when_describe_services_says_completed() {
    let snapshot = completed_service();
    let deployment = sd("IN_PROGRESS", json!({"lifecycleStage": "BAKE_TIME"}));
    let case = Case::of(&snapshot).with_service_deployment(&deployment);
    assert!(matches!(
        case.assess(&target("ecs-svc/6405940160831029548", REV3)),
        Assessment::Pending(Progress {
            rollout_state: ProgressState::ServiceDeployment(ServiceDeploymentStatus::InProgress),
            ..
        })
    ));
}

/// The service deployment in `status`, with ECS's `statusReason` for it.
fn sd_with_reason(status: &str, status_reason: &str) -> ServiceDeployment {
    sd(status, json!({ "statusReason": status_reason }))
}

/// `DescribeServiceDeployments` in, verdict out: the service deployment's status
/// decides, whatever `DescribeServices` shows meanwhile.
#[test]
fn the_service_deployment_status_decides() {
    const REVISION_1: &str = "arn:aws:ecs:ap-southeast-2:291971919224:service-revision/prod/web/1";
    let circuit_breaker_tripped = sd(
        "ROLLBACK_IN_PROGRESS",
        json!({
            "statusReason": "Service deployment rolled back because the circuit breaker threshold was exceeded.",
            "rollback": {"reason": "Service deployment rolled back because the circuit breaker threshold was exceeded.",
                         "startedAt": 1714557700.0, "serviceRevisionArn": REVISION_1},
            "deploymentCircuitBreaker": {"status": "TRIGGERED", "failureCount": 3, "threshold": 3}
        }),
    );
    let alarm_triggered = sd(
        "ROLLBACK_REQUESTED",
        json!({"alarms": {"status": "TRIGGERED", "alarmNames": ["web-5xx", "web-latency"],
                          "triggeredAlarmNames": ["web-5xx"]}}),
    );
    // (case, DescribeServices, the service deployment, revisions known, verdict on ecs-svc/2)
    let cases = [
        (
            // ecs-svc/1 still runs its 2 tasks: with earlySuccessCriteria (sourceServiceRevisionCleanup
            // DEFERRED) ECS says SUCCESSFUL before the old tasks drain, and so do we.
            "successful while the old deployment still drains",
            in_progress_service(2, 2, 0),
            sd_with_reason("SUCCESSFUL", "Service deployment completed."),
            None,
            Assessment::Completed,
        ),
        (
            "rolling back after the circuit breaker tripped",
            in_progress_service(0, 2, 3),
            circuit_breaker_tripped,
            Some((REVISION_1, REV2)),
            rolled_back_to_rev2(
                "Service deployment rolled back because the circuit breaker threshold was exceeded; \
                 circuit breaker triggered after 3 failed tasks (threshold 3)",
            ),
        ),
        (
            "rollback requested by a CloudWatch alarm",
            in_progress_service(2, 2, 0),
            alarm_triggered,
            None,
            Assessment::RolledBack {
                // No rollback revision given, none known: nothing to name.
                to_task_definition: None,
                reason: "CloudWatch alarm(s) triggered: web-5xx".into(),
            },
        ),
        (
            "rolled back, found in the history",
            rolled_back_service(),
            sd_with_reason("ROLLBACK_SUCCESSFUL", "Rolled back."),
            None,
            rolled_back_to_rev2("Rolled back"),
        ),
        (
            "the rollback failed too",
            in_progress_service(0, 2, 3),
            sd_with_reason("ROLLBACK_FAILED", "Rollback could not place tasks."),
            None,
            failed(
                "deployment ecs-svc/2 failed and so did the rollback: Rollback could not place tasks",
            ),
        ),
        (
            "stopped",
            in_progress_service(0, 2, 3),
            sd_with_reason("STOPPED", "Stopped by user."),
            None,
            failed("deployment ecs-svc/2 was stopped: Stopped by user."),
        ),
        (
            // Not yet listed by DescribeServices, which is no sign of being superseded.
            "pending",
            rolled_back_service(),
            sd("PENDING", json!({})),
            None,
            Assessment::Pending(Progress {
                rollout_state: ProgressState::ServiceDeployment(ServiceDeploymentStatus::Pending),
                desired: 2,
                ..Progress::default()
            }),
        ),
    ];
    for (name, snapshot, deployment, revision, expected) in cases {
        let mut case = Case::of(&snapshot).with_service_deployment(&deployment);
        if let Some((revision_arn, task_definition)) = revision {
            case.revisions
                .insert(revision_arn.to_owned(), task_definition.to_owned());
        }
        assert_eq!(case.assess(&target("ecs-svc/2", REV3)), expected, "{name}");
    }
}

#[test]
fn failure_is_suspected_only_on_evidence() {
    let healthy = in_progress_service(1, 2, 0);
    let failing = in_progress_service(0, 2, 1);
    let wanted = target("ecs-svc/2", REV3);
    assert!(!suggests_failure(&healthy, None, &wanted, &[]));
    assert!(suggests_failure(&failing, None, &wanted, &[]));
    assert!(suggests_failure(
        &rolling_back_service(),
        None,
        &target("ecs-svc/1281894607538416024", REV3),
        &[]
    ));
    let unhealthy = crate::model::ServiceEvent {
        message: "(service web) (task 1234) failed container health checks.".into(),
        ..Default::default()
    };
    assert!(suggests_failure(&healthy, None, &wanted, &[&unhealthy]));
    let tripped = sd(
        "IN_PROGRESS",
        json!({"deploymentCircuitBreaker": {"status": "MONITORING", "failureCount": 1, "threshold": 3}}),
    );
    assert!(suggests_failure(&healthy, Some(&tripped), &wanted, &[]));
}

#[test]
fn an_older_revision_after_the_target_was_seen_completed_is_someone_elses_deploy() {
    let snapshot = rolled_back_service();
    let completed_target: Deployment = serde_json::from_value(json!({
        "id": "ecs-svc/2", "status": "PRIMARY", "taskDefinition": REV3,
        "desiredCount": 2, "runningCount": 2, "rolloutState": "COMPLETED"
    }))
    .unwrap();
    let case = Case::of(&snapshot).with_last_seen_target(&completed_target);
    assert!(matches!(
        case.assess(&target("ecs-svc/2", REV3)),
        Assessment::Failed { ref reason } if reason.contains("superseded")
    ));
}

#[test]
fn the_strategy_picks_the_rule_set() {
    let with = |configuration: serde_json::Value| {
        RuleSet::for_strategy(&service(configuration).strategy())
    };
    assert_eq!(with(json!({"serviceName": "web"})), RuleSet::Rolling);
    assert_eq!(
        with(json!({"deploymentConfiguration": {"strategy": "ROLLING"}})),
        RuleSet::Rolling
    );
    for staged in ["BLUE_GREEN", "LINEAR", "CANARY"] {
        assert_eq!(
            with(json!({"deploymentConfiguration": {"strategy": staged},
                        "deploymentController": {"type": "ECS"}})),
            RuleSet::Staged,
            "{staged}"
        );
    }
    // Another deployment controller is not judged by any rule set: the wait kinds
    // refuse it at the first look (`kinds::tests`).
}

#[test]
fn staged_deployments_wait_for_successful_through_bake_time() {
    let mut snapshot = completed_service();
    snapshot.deployment_configuration = Some(crate::model::DeploymentConfiguration {
        strategy: Some(crate::model::DeploymentStrategy::BlueGreen),
    });
    let baking = sd("IN_PROGRESS", json!({"lifecycleStage": "BAKE_TIME"}));
    let done = sd("SUCCESSFUL", json!({"lifecycleStage": "CLEAN_UP"}));
    let mut case = Case::of(&snapshot);
    let wanted = target("ecs-svc/6405940160831029548", REV3);
    case.service_deployment = Some(&baking);
    assert!(matches!(case.assess(&wanted), Assessment::Pending(_)));
    case.service_deployment = Some(&done);
    assert_eq!(case.assess(&wanted), Assessment::Completed);
}

/// The `DescribeServices`-only kind judges what `deployments[]` shows, by the
/// rolling rules, whatever the strategy; a service deployment it never asked for
/// cannot sway it.
#[test]
fn the_describe_services_kind_judges_deployments_alone() {
    use crate::kinds::describe_services;
    let judge = |service: &ServiceSnapshot, target: &Target| {
        let revisions = HashMap::new();
        describe_services::assess(
            &Observation {
                service: Some(service),
                service_deployment: None,
                last_seen_target: None,
                stopped_tasks: &[],
                revision_task_definitions: &revisions,
                stage_reached: None,
            },
            target,
        )
    };
    let target_rev3 = target("ecs-svc/6405940160831029548", REV3);
    // README shape 1: only the target is left, COMPLETED and all tasks running.
    assert_eq!(
        judge(&completed_service(), &target_rev3),
        Assessment::Completed
    );
    // A blue/green service: stages cannot be seen, so "deployed" is what deployments[] says.
    let mut staged = completed_service();
    staged.deployment_configuration = Some(crate::model::DeploymentConfiguration {
        strategy: Some(crate::model::DeploymentStrategy::BlueGreen),
    });
    assert_eq!(judge(&staged, &target_rev3), Assessment::Completed);
    // README shape 2: the circuit breaker failed it without rollback.
    assert_eq!(
        judge(
            &failed_service(),
            &target("ecs-svc/1281894607538416024", REV3)
        ),
        Assessment::Failed {
            reason: "ECS deployment circuit breaker: tasks failed to start.".into()
        }
    );
    // README shape 3: rolling back, from the PRIMARY's reason.
    assert!(matches!(
        judge(&rolling_back_service(), &target("ecs-svc/1281894607538416024", REV3)),
        Assessment::RolledBack { to_task_definition: Some(ref td), .. } if td == REV2
    ));
    // A service deployment in the observation is not this kind's: SUCCESSFUL
    // there does not complete a rollout deployments[] shows in progress.
    let successful = sd("SUCCESSFUL", json!({}));
    let revisions = HashMap::new();
    let in_progress = in_progress_service(1, 2, 0);
    let with_sd = Observation {
        service: Some(&in_progress),
        service_deployment: Some(&successful),
        last_seen_target: None,
        stopped_tasks: &[],
        revision_task_definitions: &revisions,
        stage_reached: None,
    };
    assert!(matches!(
        describe_services::assess(&with_sd, &target("ecs-svc/2", REV3)),
        Assessment::Pending(_)
    ));
}

mod staged;
