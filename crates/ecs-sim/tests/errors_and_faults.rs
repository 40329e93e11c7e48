//! Error shapes, injected faults and call counters, as the real aws-sdk-ecs client sees them.

mod common;

use std::time::Duration;

use aws_sdk_ecs::config::retry::RetryConfig;
use aws_sdk_ecs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ecs::operation::describe_services::DescribeServicesError;
use aws_sdk_ecs::operation::list_service_deployments::ListServiceDeploymentsError;
use aws_sdk_ecs::operation::update_service::UpdateServiceError;
use aws_sdk_ecs::types::Failure;
use common::*;
use ecs_sim::{Faults, ServiceDeploymentsApi, SimHandle};

/// Asserts that `error` is the service error `variant`, a pattern of the operation's error enum
/// (a pattern cannot be handed to a function).
macro_rules! assert_service_error {
    ($error:expr, $variant:pat) => {{
        let error = &$error;
        assert!(
            matches!(error.as_service_error(), Some($variant)),
            "{error:?}"
        );
    }};
}

/// `DescribeServices` for `web` in `CLUSTER` once [`set_faults`] has set what `change` sets,
/// expected to fail under those faults.
async fn describe_web_error(
    sim: &SimHandle,
    ecs: &aws_sdk_ecs::Client,
    change: impl FnOnce(&mut Faults),
) -> SdkError<DescribeServicesError, aws_sdk_ecs::config::http::HttpResponse> {
    set_faults(sim, change);
    ecs.describe_services()
        .cluster(CLUSTER)
        .services("web")
        .send()
        .await
        .expect_err("the injected fault makes DescribeServices fail")
}

/// `ListServiceDeployments` for `web` in `CLUSTER`, expected to fail under the faults that are set.
async fn list_web_deployments_error(
    ecs: &aws_sdk_ecs::Client,
) -> SdkError<ListServiceDeploymentsError, aws_sdk_ecs::config::http::HttpResponse> {
    list_service_deployments(ecs, "web", |list| list)
        .await
        .expect_err("the injected fault makes ListServiceDeployments fail")
}

/// `UpdateService` setting the desired count of `service`, expected to fail.
async fn scale_error(
    ecs: &aws_sdk_ecs::Client,
    service: &str,
    desired: i32,
) -> SdkError<UpdateServiceError, aws_sdk_ecs::config::http::HttpResponse> {
    ecs.update_service()
        .cluster(CLUSTER)
        .service(service)
        .desired_count(desired)
        .send()
        .await
        .expect_err("UpdateService fails")
}

/// Asserts that the first of `failures` is the MISSING resource `arn`.
fn assert_missing(failures: &[Failure], arn: &str) {
    assert_eq!(failures[0].reason(), Some("MISSING"));
    assert_eq!(failures[0].arn(), Some(arn));
}

/// Sets the simulator's faults: none but what `change` sets.
fn set_faults(sim: &SimHandle, change: impl FnOnce(&mut Faults)) {
    let mut faults = Faults::default();
    change(&mut faults);
    sim.set_faults(faults);
}

/// A simulator with a steady [`service_on_nginx`] `web`, and a client of it.
async fn sim_with_web() -> (SimHandle, aws_sdk_ecs::Client) {
    let (sim, ecs) = sim_and_client().await;
    service_on_nginx(&ecs, "web").await;
    (sim, ecs)
}

async fn service_on_nginx(ecs: &aws_sdk_ecs::Client, name: &str) {
    let breaker = BREAKER_ROLLS_BACK;
    steady_healthy(ecs, name, "nginx:1", 1, breaker).await;
}

#[tokio::test]
async fn unknown_cluster_and_service_have_ecs_error_shapes() {
    let (_sim, ecs) = sim_and_client().await;

    let error = ecs
        .describe_services()
        .cluster("nope")
        .services("web")
        .send()
        .await
        .unwrap_err();
    assert_service_error!(error, DescribeServicesError::ClusterNotFoundException(_));
    assert_eq!(
        error.as_service_error().and_then(|e| e.message()),
        Some("Cluster not found.")
    );

    service_on_nginx(&ecs, "web").await;
    let error = scale_error(&ecs, "ghost", 2).await;
    assert_service_error!(error, UpdateServiceError::ServiceNotFoundException(_));
    let request_id = error
        .raw_response()
        .and_then(|r| r.headers().get("x-amzn-requestid"));
    assert!(
        request_id.is_some(),
        "every answer carries x-amzn-RequestId"
    );

    // Unknown services and tasks are failures, not errors.
    let described = ecs
        .describe_services()
        .cluster(CLUSTER)
        .services("web")
        .services("ghost")
        .send()
        .await
        .expect("DescribeServices");
    assert_eq!(described.services().len(), 1);
    assert_missing(
        described.failures(),
        "arn:aws:ecs:us-east-1:123456789012:service/prod/ghost",
    );
    let tasks = ecs
        .describe_tasks()
        .cluster(CLUSTER)
        .tasks("0123456789abcdef0123456789abcdef")
        .send()
        .await
        .expect("DescribeTasks");
    assert!(tasks.tasks().is_empty());
    assert_missing(
        tasks.failures(),
        "arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef0123456789abcdef",
    );
}

#[tokio::test]
async fn bad_input_names_the_field_and_what_is_valid() {
    let (_sim, ecs) = sim_with_web().await;

    let mut too_many = ecs.describe_services().cluster(CLUSTER);
    for i in 0..11 {
        too_many = too_many.services(format!("s{i}"));
    }
    let error = too_many.send().await.unwrap_err();
    assert_service_error!(error, DescribeServicesError::InvalidParameterException(_));
    let message = error_message(&error);
    assert!(
        message.contains("services") && message.contains("11") && message.contains("10"),
        "{message}"
    );

    let update = ecs.update_service().cluster(CLUSTER).service("web");
    let (_, message) = rejected(update.task_definition("web:99").send()).await;
    assert!(
        message.starts_with("TaskDefinition not found") && message.contains("web:99"),
        "{message}"
    );

    let error = list_tasks(&ecs, |list| list.max_results(500))
        .await
        .unwrap_err();
    assert_eq!(error_code(&error), "InvalidParameterException");
}

#[tokio::test]
async fn deleted_service_drains_and_is_no_longer_active() {
    let (_sim, ecs) = sim_with_web().await;
    let delete_web = || ecs.delete_service().cluster(CLUSTER).service("web");
    let error = delete_web().send().await.unwrap_err();
    assert_eq!(
        error_code(&error),
        "InvalidParameterException",
        "scaled above 0 without force"
    );

    let deleted = delete_web()
        .force(true)
        .send()
        .await
        .expect("DeleteService");
    assert_eq!(deleted.service().unwrap().status(), Some("DRAINING"));
    wait_for(&ecs, "web", "the service is INACTIVE", |s| {
        s.status() == Some("INACTIVE")
    })
    .await;
    let error = scale_error(&ecs, "web", 1).await;
    assert_service_error!(error, UpdateServiceError::ServiceNotActiveException(_));
}

#[tokio::test]
async fn throttling_reaches_the_sdk_as_throttling_exception() {
    let (sim, ecs) = sim_with_web().await;
    let error = describe_web_error(&sim, &ecs, |faults| faults.throttle_next = 1).await;
    assert_eq!(error_code(&error), "ThrottlingException");
    assert_eq!(
        error.as_service_error().and_then(|e| e.message()),
        Some("Rate exceeded")
    );
    assert_eq!(sim.faults().throttle_next, 0, "the countdown is used up");
    scenario(&ecs)
        .describe_service("web")
        .await
        .expect("the next call goes through");

    // A retrying client gets through after two throttled attempts: three calls counted.
    let retrying = client_with_retry(
        &sim,
        RetryConfig::standard()
            .with_max_attempts(3)
            .with_initial_backoff(Duration::from_millis(1)),
    );
    set_faults(&sim, |faults| faults.throttle_next = 2);
    sim.reset_call_counts();
    retrying
        .describe_services()
        .cluster(CLUSTER)
        .services("web")
        .send()
        .await
        .expect("retries absorb the throttling");
    assert_eq!(sim.call_counts().get("DescribeServices"), Some(&3));
}

#[tokio::test]
async fn server_errors_html_pages_truncated_json_and_resets_are_errors() {
    let (sim, ecs) = sim_with_web().await;

    let error = describe_web_error(&sim, &ecs, |faults| faults.server_error_next = 1).await;
    assert_eq!(error_code(&error), "ServerException");
    assert_eq!(error.raw_response().map(|r| r.status().as_u16()), Some(500));

    let error = describe_web_error(&sim, &ecs, |faults| faults.html_error_probability = 1.0).await;
    assert_eq!(error.raw_response().map(|r| r.status().as_u16()), Some(502));

    let error =
        describe_web_error(&sim, &ecs, |faults| faults.malformed_json_probability = 1.0).await;
    assert!(
        matches!(
            error,
            SdkError::ResponseError(_) | SdkError::ServiceError(_)
        ),
        "a cut JSON body cannot be parsed: {error:?}"
    );

    let error = describe_web_error(&sim, &ecs, |faults| {
        faults.connection_reset_probability = 1.0
    })
    .await;
    assert!(matches!(error, SdkError::DispatchFailure(_)), "{error:?}");

    sim.set_faults(Faults::default());
    scenario(&ecs)
        .describe_service("web")
        .await
        .expect("healthy again without faults");
}

#[tokio::test]
async fn service_deployments_api_can_be_switched_off() {
    let (sim, ecs) = sim_with_web().await;

    set_faults(&sim, |faults| {
        faults.service_deployments_api = ServiceDeploymentsApi::AccessDenied
    });
    let error = list_web_deployments_error(&ecs).await;
    assert_eq!(error_code(&error), "AccessDeniedException");
    let message = error_message(&error);
    assert!(
        message.contains("is not authorized to perform: ecs:ListServiceDeployments"),
        "{message}"
    );

    set_faults(&sim, |faults| {
        faults.service_deployments_api = ServiceDeploymentsApi::UnknownOperation
    });
    let error = list_web_deployments_error(&ecs).await;
    assert_eq!(error_code(&error), "UnknownOperationException");
    scenario(&ecs)
        .describe_service("web")
        .await
        .expect("other operations are unaffected");

    set_faults(&sim, |faults| {
        faults.access_denied_operations = vec!["ListTasks".into()]
    });
    let error = list_tasks(&ecs, |list| list).await.unwrap_err();
    assert_eq!(error_code(&error), "AccessDeniedException");
}

#[tokio::test]
async fn omit_rollout_state_imitates_old_endpoints() {
    let (sim, ecs) = sim_with_web().await;
    set_faults(&sim, |faults| faults.omit_rollout_state = true);
    let service = describe(&ecs, "web").await;
    assert_eq!(service.deployments()[0].rollout_state(), None);
    assert_eq!(service.deployments()[0].rollout_state_reason(), None);
    assert_eq!(service.deployments()[0].status(), Some("PRIMARY"));
}

#[tokio::test]
async fn call_counters_and_admin_endpoints() {
    let (sim, ecs) = sim_with_web().await;
    sim.reset_call_counts();
    for _ in 0..3 {
        describe(&ecs, "web").await;
    }
    list_tasks(&ecs, |list| list).await.expect("ListTasks");
    let counts = sim.call_counts();
    assert_eq!(counts.get("DescribeServices"), Some(&3));
    assert_eq!(counts.get("ListTasks"), Some(&1));
    assert_eq!(sim.total_calls(), 4);

    let (status, body) = admin(&sim, "GET", "/_sim/calls", "").await;
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["total"], 4);
    assert_eq!(json["operations"]["DescribeServices"], 3);

    let (status, _) = admin(&sim, "POST", "/_sim/calls/reset", "").await;
    assert_eq!(status, 204);
    assert_eq!(sim.total_calls(), 0);

    let (status, body) = admin(&sim, "PUT", "/_sim/faults", r#"{"throttle_next": 2}"#).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(sim.faults().throttle_next, 2);
    let (status, body) = admin(&sim, "GET", "/_sim/faults", "").await;
    assert_eq!(status, 200);
    assert!(body.contains(r#""throttle_next":2"#), "{body}");
    // Admin calls are never faulted or counted.
    assert_eq!(sim.faults().throttle_next, 2);
    assert_eq!(sim.total_calls(), 0);

    // Bad faults are refused naming the member: an out-of-range value, an unknown member.
    for (faults, named) in [
        (r#"{"throttle_probability": 2}"#, "throttle_probability"),
        (r#"{"throttle_nxt": 2}"#, "throttle_nxt"),
    ] {
        let (status, body) = admin(&sim, "PUT", "/_sim/faults", faults).await;
        assert_eq!(status, 400, "{faults}: {body}");
        assert!(body.contains(named), "{faults}: {body}");
    }
}

#[tokio::test]
async fn list_operations_paginate() {
    let (_sim, ecs) = sim_and_client().await;
    steady_healthy(&ecs, "web", "nginx:1", 5, CircuitBreaker::Off).await;
    let first = list_tasks(&ecs, |list| list.max_results(2))
        .await
        .expect("ListTasks");
    assert_eq!(first.task_arns().len(), 2);
    let mut all = first.task_arns().to_vec();
    let mut token = first.next_token().map(str::to_owned);
    while let Some(next) = token {
        let page = list_tasks(&ecs, |list| list.max_results(2).next_token(next))
            .await
            .expect("ListTasks page");
        all.extend(page.task_arns().iter().cloned());
        token = page.next_token().map(str::to_owned);
    }
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 5);

    let (_, message) = rejected(list_tasks(&ecs, |list| list.next_token("garbage"))).await;
    assert!(
        message.contains("nextToken") && message.contains("garbage"),
        "{message}"
    );
}
