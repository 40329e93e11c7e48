//! Property-based fuzzing (proptest, stable Rust, a bounded number of cases inside `cargo test`):
//!
//! - ECS answers of any shape — arbitrary JSON, plausible members with the wrong types, extreme numbers,
//!   any status code — through the real SDK client (served from a stub on 127.0.0.1): the client returns a
//!   value or a classified error, never panics, and what it returns never panics the verdict or the message.
//! - The verdict over arbitrary snapshots: never panics, and says COMPLETED only with the evidence the
//!   README lists for it.
//! - Messages over arbitrary text: always one line.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_ecs::config::retry::RetryConfig;
use aws_sdk_ecs::config::{BehaviorVersion, Credentials, Region};
use ecs_watcher::api::EcsApi;
use ecs_watcher::api::{CallRole, Recovery};
use ecs_watcher::aws::SdkEcsApi;
use ecs_watcher::input;
use ecs_watcher::kinds::service_deployments;
use ecs_watcher::message;
use ecs_watcher::model::{ServiceDeployment, ServiceEvent, ServiceSnapshot, StoppedTask};
use ecs_watcher::verdict::{Assessment, Observation, RuleSet, Target};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn config(cases: u32) -> Config {
    Config {
        cases,
        // A failing case is printed with its minimal input; no regression files in the source tree.
        failure_persistence: None,
        ..Config::default()
    }
}

// ---- ECS answers through the SDK ------------------------------------------------------------------------

/// Member names ECS answers use, so generated objects look like answers with wrong values in them.
const ECS_MEMBERS: &[&str] = &[
    "services",
    "failures",
    "deployments",
    "events",
    "status",
    "serviceArn",
    "serviceName",
    "clusterArn",
    "desiredCount",
    "runningCount",
    "pendingCount",
    "failedTasks",
    "taskDefinition",
    "createdAt",
    "updatedAt",
    "rolloutState",
    "rolloutStateReason",
    "id",
    "message",
    "serviceDeployments",
    "serviceDeploymentArn",
    "targetServiceRevision",
    "sourceServiceRevisions",
    "arn",
    "rollback",
    "deploymentCircuitBreaker",
    "alarms",
    "serviceRevisions",
    "taskArns",
    "tasks",
    "taskArn",
    "containers",
    "exitCode",
    "stopCode",
    "stoppedReason",
    "startedBy",
    "nextToken",
    "__type",
];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop_oneof![
            Just(f64::MAX),
            Just(-f64::MAX),
            Just(1e300),
            Just(-9.2e15),
            Just(9.2e15),
            Just(1.5),
            any::<f64>().prop_filter("JSON has no NaN or infinity", |f| f.is_finite()),
        ]
        .prop_map(|f| json!(f)),
        prop_oneof![
            ".{0,40}",
            Just("COMPLETED".to_owned()),
            Just("PRIMARY".to_owned()),
            Just("SUCCESSFUL".to_owned()),
            Just("ecs-svc/1".to_owned()),
            Just("2024-05-01T10:00:00Z".to_owned()),
            Just("arn:aws:ecs:us-east-1:123456789012:service-revision/prod/web/1".to_owned()),
        ]
        .prop_map(Value::from),
    ]
}

fn ecs_like_json() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop::sample::select(ECS_MEMBERS).prop_map(str::to_owned),
                    inner
                ),
                0..6
            )
            .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// What the stub answers: a status code and a body (usually JSON, sometimes not).
#[derive(Clone, Debug)]
struct Answer {
    status: u16,
    body: Vec<u8>,
}

fn answers() -> impl Strategy<Value = Answer> {
    let status = prop_oneof![
        6 => Just(200u16),
        1 => Just(400u16),
        1 => Just(429u16),
        1 => Just(500u16),
        1 => Just(503u16),
    ];
    let body = prop_oneof![
        8 => ecs_like_json().prop_map(|v| serde_json::to_vec(&v).unwrap_or_default()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
        1 => ecs_like_json().prop_map(|v| {
            let text = serde_json::to_vec(&v).unwrap_or_default();
            text[..text.len() / 2].to_vec()
        }),
    ];
    (status, body).prop_map(|(status, body)| Answer { status, body })
}

/// An HTTP/1.1 server on 127.0.0.1 that answers every request with the current [`Answer`].
async fn stub_server() -> (String, Arc<Mutex<Answer>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let current = Arc::new(Mutex::new(Answer {
        status: 200,
        body: b"{}".to_vec(),
    }));
    let answer = Arc::clone(&current);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let answer = answer.lock().unwrap().clone();
            tokio::spawn(async move {
                if read_request(&mut stream).await.is_none() {
                    return;
                }
                let head = format!(
                    "HTTP/1.1 {} Stub\r\nContent-Type: application/x-amz-json-1.1\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n",
                    answer.status,
                    answer.body.len()
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(&answer.body).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (format!("http://{address}"), current)
}

/// Reads one request (headers and a Content-Length body).
async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<()> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse().ok())
                .unwrap_or(0);
            while buffer.len() < end + 4 + length {
                let read = stream.read(&mut chunk).await.ok()?;
                if read == 0 {
                    return None;
                }
                buffer.extend_from_slice(&chunk[..read]);
            }
            return Some(());
        }
    }
}

fn stub_client(endpoint: &str) -> SdkEcsApi {
    let config = aws_sdk_ecs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "fuzz"))
        .retry_config(RetryConfig::disabled())
        .build();
    SdkEcsApi::new(aws_sdk_ecs::Client::from_conf(config))
}

fn target_for(service: &ServiceSnapshot) -> Target {
    Target {
        service_name: "web".into(),
        deployment_id: service.deployments.first().and_then(|d| d.id.clone()),
        task_definition: service
            .deployments
            .first()
            .and_then(|d| d.task_definition.clone()),
        desired_task_definition: input::task_definition("desired", "web:3").ok(),
        max_task_failures: 3,
        peak_desired_count: 2,
        wait_until: Default::default(),
    }
}

#[test]
fn ecs_answers_of_any_shape_never_panic_the_client_the_verdict_or_the_message() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (endpoint, current) = runtime.block_on(stub_server());
    let api = stub_client(&endpoint);
    let cluster = "prod".to_owned();
    let names = ["web".to_owned()];
    proptest!(config(160), |(answer in answers())| {
        *current.lock().unwrap() = answer.clone();
        runtime.block_on(async {
            let limit = Duration::from_secs(10);
            let services = tokio::time::timeout(limit, api.describe_services(&cluster, &names))
                .await
                .expect("DescribeServices answered");
            if answer.status >= 500 || answer.status == 429 {
                let error = services.as_ref().expect_err("a 5xx or 429 is never a success");
                prop_assert!(
                    error.recovery(CallRole::Essential) == Recovery::Retry,
                    "{} must be retried: {error:?}",
                    answer.status
                );
            }
            if let Ok(output) = &services {
                for service in &output.services {
                    let revisions = HashMap::new();
                    let observation = Observation {
                        service: Some(service),
                        service_deployment: None,
                        last_seen_target: service.deployments.first(),
                        stopped_tasks: &[],
                        revision_task_definitions: &revisions,
                        stage_reached: None,
                    };
                    let verdict = assess(&observation, &target_for(service));
                    if let Assessment::Failed { reason } | Assessment::RolledBack { reason, .. } = &verdict {
                        let text = message::failure_message(reason, &[], &service.events);
                        prop_assert!(!text.contains('\n'));
                    }
                }
            }
            let arns = ["arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/web/x".to_owned()];
            let tasks = ["arn:aws:ecs:us-east-1:123456789012:task/prod/abc".to_owned()];
            let calls = async {
                let _ = api.list_service_deployments(&cluster, "web").await;
                let _ = api.describe_service_deployments(&arns).await;
                let _ = api.describe_service_revisions(&arns).await;
                let _ = api.list_stopped_tasks(&cluster, "web").await;
                if let Ok(described) = api.describe_tasks(&cluster, &tasks).await {
                    let text = message::failure_message("head", &described, &[]);
                    assert!(!text.contains('\n'));
                }
            };
            tokio::time::timeout(limit, calls).await.expect("every call answered");
            Ok(())
        })?;
    });
}

// ---- the verdict over arbitrary snapshots ---------------------------------------------------------------

const TASK_DEFINITIONS: &[&str] = &[
    "arn:aws:ecs:us-east-1:123456789012:task-definition/web:2",
    "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
    "web:3",
];

fn maybe<T: std::fmt::Debug + Clone + 'static>(
    values: &'static [T],
) -> impl Strategy<Value = Option<T>> {
    prop::option::of(prop::sample::select(values))
}

fn deployment() -> impl Strategy<Value = Value> {
    (
        maybe(&["ecs-svc/1", "ecs-svc/2", "ecs-svc/3"]),
        maybe(&["PRIMARY", "ACTIVE", "INACTIVE"]),
        maybe(TASK_DEFINITIONS),
        (-1i32..4, -1i32..4, -1i32..4, 0i32..5),
        maybe(&[1_714_557_600.0f64, 1_714_557_700.0, -9.2e15, 9.2e15]),
        maybe(&["COMPLETED", "IN_PROGRESS", "FAILED"]),
        maybe(&[
            "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/1.",
            "ECS deployment ecs-svc/2 completed.",
            "",
        ]),
    )
        .prop_map(
            |(id, status, td, (desired, running, pending, failed), created, rollout, reason)| {
                json!({
                    "id": id, "status": status, "taskDefinition": td,
                    "desiredCount": desired, "runningCount": running, "pendingCount": pending,
                    "failedTasks": failed, "createdAt": created, "rolloutState": rollout,
                    "rolloutStateReason": reason,
                })
            },
        )
}

fn snapshot() -> impl Strategy<Value = ServiceSnapshot> {
    (
        maybe(&["ACTIVE", "DRAINING", "INACTIVE"]),
        (-1i32..4, -1i32..4),
        prop::collection::vec(deployment(), 0..4),
        prop::collection::vec(".{0,30}", 0..3),
    )
        .prop_map(|(status, (desired, running), deployments, events)| {
            let events: Vec<Value> = events
                .into_iter()
                .map(|message| json!({"message": message}))
                .collect();
            serde_json::from_value(json!({
                "serviceName": "web", "status": status, "desiredCount": desired,
                "runningCount": running, "deployments": deployments, "events": events,
            }))
            .expect("a snapshot")
        })
}

fn service_deployment() -> impl Strategy<Value = Option<ServiceDeployment>> {
    prop::option::of(
        (
            maybe(&[
                "PENDING",
                "IN_PROGRESS",
                "SUCCESSFUL",
                "STOPPED",
                "STOP_REQUESTED",
                "ROLLBACK_REQUESTED",
                "ROLLBACK_IN_PROGRESS",
                "ROLLBACK_SUCCESSFUL",
                "ROLLBACK_FAILED",
            ]),
            maybe(&["TRIGGERED", "MONITORING"]),
        )
            .prop_map(|(status, breaker)| {
                serde_json::from_value(json!({
                    "status": status,
                    "deploymentCircuitBreaker": breaker.map(|s| json!({"status": s, "failureCount": 3, "threshold": 3})),
                    "targetServiceRevision": {"arn": "arn:aws:ecs:us-east-1:123456789012:service-revision/prod/web/2", "requestedTaskCount": 2},
                }))
                .expect("a service deployment")
            }),
    )
}

fn stopped_tasks() -> impl Strategy<Value = Vec<StoppedTask>> {
    prop::collection::vec(
        (
            maybe(&["ecs-svc/1", "ecs-svc/2"]),
            maybe(&[
                "EssentialContainerExited",
                "TaskFailedToStart",
                "UserInitiated",
            ]),
            maybe(&[0i32, 1, 137]),
        )
            .prop_map(|(started_by, stop_code, exit_code)| {
                serde_json::from_value(json!({
                    "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/prod/t",
                    "startedBy": started_by, "stopCode": stop_code,
                    "stoppedReason": "Essential container in task exited",
                    "containers": [{"name": "app", "exitCode": exit_code}],
                }))
                .expect("a task")
            }),
        0..6,
    )
}

/// The README's evidence for COMPLETED: the service deployment SUCCESSFUL, or the target PRIMARY with its
/// rollout COMPLETED, or (without rollout states) the target alone and fully running.
fn completion_is_evidenced(
    service: &ServiceSnapshot,
    service_deployment: Option<&ServiceDeployment>,
    target: &Target,
) -> bool {
    if service_deployment
        .is_some_and(|sd| sd.status.as_ref().map(|s| s.as_str()) == Some("SUCCESSFUL"))
    {
        return true;
    }
    let Some(listed) = target
        .deployment_id
        .as_deref()
        .and_then(|id| service.deployment(id))
    else {
        return false;
    };
    match listed.rollout_state.as_ref().map(|s| s.as_str()) {
        Some("COMPLETED") => listed.is_primary(),
        Some(_) => false,
        None => {
            service.deployments.len() == 1
                && listed.running_count == listed.desired_count
                && listed.pending_count == 0
        }
    }
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn the_verdict_never_panics_and_says_completed_only_with_evidence(
        service in prop::option::of(snapshot()),
        service_deployment in service_deployment(),
        last_seen in prop::option::of(deployment()),
        stopped in stopped_tasks(),
        target_id in maybe(&["ecs-svc/1", "ecs-svc/2", "ecs-svc/3"]),
        target_td in maybe(TASK_DEFINITIONS),
        desired in maybe(&["web:3", "web:2"]),
        peak in 0i32..3,
        max_task_failures in 0u32..4,
    ) {
        let last_seen: Option<ecs_watcher::model::Deployment> =
            last_seen.map(|v| serde_json::from_value(v).expect("a deployment"));
        let target = Target {
            service_name: "web".into(),
            deployment_id: target_id.map(str::to_owned),
            task_definition: target_td.map(str::to_owned),
            desired_task_definition: desired.and_then(|d| input::task_definition("desired", d).ok()),
            max_task_failures,
            peak_desired_count: peak,
            wait_until: Default::default(),
        };
        let revisions = HashMap::new();
        let observation = Observation {
            service: service.as_ref(),
            service_deployment: service_deployment.as_ref(),
            last_seen_target: last_seen.as_ref(),
            stopped_tasks: &stopped,
            revision_task_definitions: &revisions,
            stage_reached: None,
        };
        let verdict = assess(&observation, &target);
        if verdict == Assessment::Completed {
            let service = service.as_ref().expect("COMPLETED needs the service");
            prop_assert!(
                !matches!(service.status.as_ref().map(|s| s.as_str()), Some("INACTIVE" | "DRAINING")),
                "COMPLETED for a service being deleted"
            );
            prop_assert!(
                completion_is_evidenced(service, service_deployment.as_ref(), &target),
                "COMPLETED without evidence"
            );
            if let (Some(desired), Some(actual)) = (&target.desired_task_definition, &target.task_definition) {
                prop_assert!(desired.matches(actual), "COMPLETED on {actual}, not {desired}");
            }
            prop_assert!(
                !(service.desired_count == 0 && peak > 0),
                "COMPLETED for a service scaled to zero"
            );
        }
    }

    #[test]
    fn failure_messages_are_one_line_for_any_text(
        head in ".{0,300}",
        reasons in prop::collection::vec(".{0,200}", 0..5),
        events in prop::collection::vec("(.|\n|\r|\t){0,200}", 0..5),
    ) {
        let tasks: Vec<StoppedTask> = reasons
            .iter()
            .map(|reason| serde_json::from_value(json!({
                "taskArn": "t", "stoppedReason": reason, "stopCode": "EssentialContainerExited",
                "containers": [{"name": reason, "exitCode": 1, "reason": reason}],
            })).expect("a task"))
            .collect();
        let events: Vec<ServiceEvent> = events
            .iter()
            .map(|message| serde_json::from_value(json!({"message": message})).expect("an event"))
            .collect();
        let text = message::failure_message(&head, &tasks, &events);
        prop_assert!(!text.contains('\n') && !text.contains('\r'), "{text:?}");
        let rolled_back = message::rolled_back_head(Some(&head), &head);
        let _ = message::failure_message(&rolled_back, &tasks, &events);
    }
}

/// The service-deployments kind's verdict, with the rule set its strategy picks.
fn assess(observation: &Observation<'_>, target: &Target) -> Assessment {
    let rules = observation
        .service
        .map_or(RuleSet::Rolling, |s| RuleSet::for_strategy(&s.strategy()));
    service_deployments::assess(observation, target, rules)
}
