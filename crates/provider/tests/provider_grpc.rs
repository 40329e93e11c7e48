//! The provider over real gRPC, against the ECS simulator and a fake engine.

mod common;

use std::time::{Duration, Instant};

use common::*;
use pulumi_gestalt_proto::pulumi::pulumirpc::diff_response::DiffChanges;
use pulumi_gestalt_proto::pulumi::pulumirpc::{
    ConstructRequest, DeleteRequest, GetSchemaRequest, InvokeRequest, LogSeverity,
};
use pulumi_resource_wait_for_ecs_deploy::partial_failure::init_failure_of;
use tonic::Code;

/// Asserts that `secret` (the `what`) is in none of `texts`, listing every text it leaked into.
fn assert_never_shown(what: &str, secret: &str, texts: &[String]) {
    let leaks: Vec<&String> = texts.iter().filter(|text| text.contains(secret)).collect();
    assert!(leaks.is_empty(), "{what} leaked into: {leaks:#?}");
}

/// Asserts that the dummy credential is in none of `texts`.
fn assert_no_credentials(texts: &[String]) {
    assert_never_shown("the credential", DUMMY_SECRET_KEY, texts);
}

#[test]
fn healthy_rollout_goes_through_the_whole_lifecycle() {
    with_harness(|mut h| async move {
        let (td1, checked) = h
            .wait_on_new_service("web", TaskBehaviour::Healthy, Some(true), &[])
            .await;
        // Check applies the defaults.
        assert_eq!(checked.fields["maxTaskFailures"], number(3.0));
        assert_eq!(checked.fields["failOnError"], boolean(true));

        // Preview: no AWS call, inputs through, results unknown.
        let calls_before = h.total_calls();
        let (_, preview) = h
            .create(checked.clone(), true, 0.0)
            .await
            .expect("preview create");
        assert_eq!(h.total_calls(), calls_before, "preview must not call AWS");
        assert_eq!(string_of(&preview, "clusterName"), "prod");
        assert_eq!(string_of(&preview, "status"), UNKNOWN);
        assert_eq!(string_of(&preview, "primaryTaskDef"), UNKNOWN);

        // Create waits for the service's first deployment.
        let (id, outputs) = h.create(checked.clone(), false, 0.0).await.expect("create");
        assert!(id.starts_with("prod/web/ecs-svc/"), "id {id}");
        assert_eq!(string_of(&outputs, "status"), "COMPLETED");
        assert_eq!(string_of(&outputs, "outcome"), "COMPLETED");
        assert_eq!(string_of(&outputs, "failureMessage"), "");
        assert_eq!(string_of(&outputs, "primaryTaskDef"), td1);
        assert!(string_of(&outputs, "deploymentId").starts_with("ecs-svc/"));

        let logs = h.engine.messages();
        assert!(
            logs.iter().any(|m| m.ephemeral
                && m.severity == LogSeverity::Info as i32
                && m.urn == urn("wait")
                && m.message.contains("running")),
            "no ephemeral progress among {:?}",
            logs.iter().map(|m| &m.message).collect::<Vec<_>>()
        );

        // Unchanged inputs: nothing to do.
        let diff = h.diff(&id, &outputs, &checked).await;
        assert_eq!(diff.changes, DiffChanges::DiffNone as i32);

        // A new task definition: an in-place update that waits for the new deployment.
        let td2 = h.register("web", TaskBehaviour::Healthy).await;
        h.update_service("prod", "web", &td2).await;
        let news = h.checked_wait("web", &td2, &[]).await;
        let diff = h.diff(&id, &outputs, &news).await;
        assert_eq!(diff.changes, DiffChanges::DiffSome as i32);
        assert_eq!(diff.diffs, ["desiredTaskDef"]);
        assert!(diff.replaces.is_empty());

        let updated = h.update(&id, &outputs, &news).await;
        assert_eq!(string_of(&updated, "status"), "COMPLETED");
        assert_eq!(string_of(&updated, "primaryTaskDef"), td2);

        // Refresh: still serving td2, so the state is unchanged.
        let read = h.read(&id, updated.clone(), &news).await;
        assert_eq!(read.id, id);
        let refreshed = read.properties.expect("read properties");
        assert_eq!(string_of(&refreshed, "status"), "COMPLETED");
        assert_eq!(string_of(&refreshed, "primaryTaskDef"), td2);

        h.client
            .delete(DeleteRequest {
                id,
                urn: urn("wait"),
                properties: Some(refreshed),
                r#type: TOKEN.into(),
                ..Default::default()
            })
            .await
            .expect("delete");
        assert_no_credentials(&h.log_texts());
    });
}

#[test]
fn check_names_each_bad_property_and_lets_unknowns_through() {
    with_harness(|mut h| async move {
        let inputs = object(&[
            ("clusterName", text("")),
            ("serviceName", text(UNKNOWN)),
            ("desiredTaskDef", text("web")),
            ("timeoutMs", number(-5.0)),
            ("pollIntervalMs", text("fast")),
            ("maxTaskFailures", number(100_000.0)),
            ("colour", text("blue")),
        ]);
        let response = h.check(inputs).await.expect("check");
        let properties = failed_properties(&response.failures);
        assert_eq!(
            properties,
            [
                "clusterName",
                "colour",
                "desiredTaskDef",
                "maxTaskFailures",
                "pollIntervalMs",
                "timeoutMs"
            ]
        );
        let reason = |name: &str| {
            response
                .failures
                .iter()
                .find(|f| f.property == name)
                .map(|f| f.reason.clone())
                .unwrap_or_default()
        };
        assert!(
            reason("desiredTaskDef").contains("`web`"),
            "{}",
            reason("desiredTaskDef")
        );
        assert!(reason("desiredTaskDef").contains("<family>:<revision>"));
        assert!(
            reason("timeoutMs").contains("-5"),
            "{}",
            reason("timeoutMs")
        );
        assert!(
            reason("pollIntervalMs").contains("\"fast\""),
            "{}",
            reason("pollIntervalMs")
        );
        assert!(
            reason("maxTaskFailures").contains("100000"),
            "{}",
            reason("maxTaskFailures")
        );
        assert!(reason("colour").contains("unknown property"));

        // A missing required property is named too.
        let response = h
            .check(object(&[
                ("clusterName", text("prod")),
                ("desiredTaskDef", text("web:1")),
            ]))
            .await
            .expect("check");
        assert_eq!(response.failures.len(), 1);
        assert_eq!(response.failures[0].property, "serviceName");
    });
}

#[test]
fn circuit_breaker_rollback_fails_with_the_outputs_recorded() {
    with_harness(|mut h| async move {
        let (_, first) = h
            .wait_on_new_service("api", TaskBehaviour::Healthy, Some(true), &[])
            .await;
        h.create(first, false, 0.0)
            .await
            .expect("first deployment completes");

        let bad = h.register("api", TaskBehaviour::ExitsAtOnce).await;
        h.update_service("prod", "api", &bad).await;
        let inputs = h.checked_wait("api", &bad, &[]).await;
        let error = h
            .create(inputs, false, 0.0)
            .await
            .expect_err("a rolled back deployment fails the create");
        let detail = init_failure_of(&error).expect("ErrorResourceInitFailed detail");
        let outputs = detail.properties.expect("outputs recorded");
        assert_eq!(string_of(&outputs, "status"), "FAILED");
        assert_eq!(string_of(&outputs, "outcome"), "ROLLED_BACK");
        let failure_message = string_of(&outputs, "failureMessage");
        assert!(!failure_message.is_empty());
        assert_eq!(detail.reasons, std::slice::from_ref(&failure_message));
        assert!(
            detail.id.starts_with("prod/api/ecs-svc/"),
            "id {}",
            detail.id
        );
        assert!(
            error.message().contains("ROLLED_BACK"),
            "{}",
            error.message()
        );
        assert!(error.message().contains(&failure_message));
        assert_no_credentials(&[error.message().to_string()]);
        assert_no_credentials(&h.log_texts());
    });
}

#[test]
fn crash_loop_without_circuit_breaker_fails_with_the_real_reason() {
    with_harness(|mut h| async move {
        let (_, inputs) = h
            .wait_on_new_service("worker", TaskBehaviour::ExitsAtOnce, None, &[])
            .await;
        let started = Instant::now();
        let error = h
            .create(inputs, false, 0.0)
            .await
            .expect_err("a crash loop fails the create");
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "crash loop took {:?}",
            started.elapsed()
        );
        let outputs = failed_outputs(&error);
        assert_eq!(string_of(&outputs, "outcome"), "FAILED");
        let failure_message = string_of(&outputs, "failureMessage");
        assert!(failure_message.contains("exited 1"), "{failure_message}");

        let logs = h.engine.messages();
        assert!(
            logs.iter().any(|m| !m.ephemeral
                && m.severity == LogSeverity::Warning as i32
                && m.message.contains("stopped")),
            "stopped tasks should be durable warnings: {:?}",
            logs.iter().map(|m| &m.message).collect::<Vec<_>>()
        );
        assert_no_credentials(&h.log_texts());
    });
}

#[test]
fn fail_on_error_false_records_the_failure_without_failing() {
    init_environment();
    runtime().block_on(async {
        // Attach instead of Handshake: the engine address arrives the PULUMI_DEBUG_PROVIDERS way.
        let mut h = Harness::start_linked(EngineLink::Attach).await;
        let (_, inputs) = h
            .wait_on_new_service(
                "batch",
                TaskBehaviour::ExitsAtOnce,
                None,
                &[("failOnError", boolean(false))],
            )
            .await;
        let (_, outputs) = h.create(inputs, false, 0.0).await.expect("create succeeds");
        assert_eq!(string_of(&outputs, "status"), "FAILED");
        assert_eq!(string_of(&outputs, "outcome"), "FAILED");
        assert!(!string_of(&outputs, "failureMessage").is_empty());
        assert!(
            h.engine
                .messages()
                .iter()
                .any(|m| m.ephemeral && m.urn == urn("wait")),
            "progress reaches an engine that attached"
        );
    });
}

#[test]
fn falling_back_to_describe_services_is_noted_and_still_decides() {
    with_harness(|mut h| async move {
        h.sim.set_faults(ecs_sim::Faults {
            service_deployments_api: ecs_sim::ServiceDeploymentsApi::AccessDenied,
            ..ecs_sim::Faults::default()
        });
        let (_, inputs) = h
            .wait_on_new_service("legacy", TaskBehaviour::Healthy, Some(true), &[])
            .await;
        let (_, outputs) = h.create(inputs, false, 0.0).await.expect("create");
        assert_eq!(string_of(&outputs, "status"), "COMPLETED");
        let notes: Vec<String> = h
            .engine
            .messages()
            .into_iter()
            .filter(|m| !m.ephemeral && m.message.contains("DescribeServices"))
            .map(|m| m.message)
            .collect();
        assert_eq!(
            notes.len(),
            1,
            "one durable fallback note expected: {notes:?}"
        );
    });
}

#[test]
fn the_engine_timeout_wins_over_a_longer_timeout_ms() {
    with_harness(|mut h| async move {
        let (_, inputs) = h
            .wait_on_new_service(
                "big",
                TaskBehaviour::Unplaceable,
                Some(true),
                &[("timeoutMs", number(600_000.0))],
            )
            .await;
        let started = Instant::now();
        let error = h
            .create(inputs, false, 1.5)
            .await
            .expect_err("a timed out deployment fails the create");
        let elapsed = started.elapsed();
        assert!(
            elapsed >= Duration::from_millis(1400),
            "gave up after only {elapsed:?}"
        );
        assert!(
            elapsed < Duration::from_secs(5),
            "the 1.5 s engine timeout was not honoured: {elapsed:?}"
        );
        let outputs = failed_outputs(&error);
        assert_eq!(string_of(&outputs, "outcome"), "TIMED_OUT");
        let failure_message = string_of(&outputs, "failureMessage");
        assert!(
            failure_message.contains("unable to place a task"),
            "{failure_message}"
        );
    });
}

#[test]
fn cancel_ends_a_wait_within_a_second_and_stops_the_server() {
    with_harness(|mut h| async move {
        let (_, inputs) = h
            .wait_on_new_service("stuck", TaskBehaviour::Unplaceable, None, &[])
            .await;

        let (result, took) = h.create_then_cancel(inputs, "running").await;
        assert!(
            took < Duration::from_secs(1),
            "wait ended {took:?} after Cancel"
        );
        let status = result.expect_err("a cancelled wait fails");
        assert_eq!(status.code(), Code::Cancelled, "{status:?}");

        let served = tokio::time::timeout(Duration::from_secs(5), h.provider).await;
        assert!(
            matches!(served, Ok(Ok(Ok(())))),
            "server did not stop cleanly: {served:?}"
        );
    });
}

#[test]
fn secret_inputs_stay_secret_and_out_of_messages() {
    with_harness(|mut h| async move {
        h.create_cluster("prod").await;
        let td = h.register("hidden", TaskBehaviour::Healthy).await;
        h.create_service("prod", "svc-hush-7f3a9", &td, Some(true))
            .await;
        let checked = h
            .checked_wait(
                "svc-hush-7f3a9",
                &td,
                &[("serviceName", secret(text("svc-hush-7f3a9")))],
            )
            .await;
        assert!(is_secret(&checked.fields["serviceName"]));
        let (id, outputs) = h.create(checked, false, 0.0).await.expect("create");
        assert!(
            is_secret(&outputs.fields["serviceName"]),
            "secret input must stay secret"
        );
        assert!(!id.contains("svc-hush-7f3a9"), "id {id}");
        let texts = h.log_texts();
        assert!(!texts.is_empty());
        assert_never_shown("the secret service name", "svc-hush-7f3a9", &texts);
    });
}

#[test]
fn refresh_shows_someone_elses_deploy_and_deleted_services() {
    with_harness(|mut h| async move {
        // Someone deploys another task definition outside Pulumi, and it completes.
        let (id, outputs, inputs, td2) = h.created_then_redeployed("site").await;
        let other = h.checked_wait("site", &td2, &[]).await;
        h.create(other, false, 0.0)
            .await
            .expect("the other deploy completes");

        let drifted = h
            .read(&id, outputs.clone(), &inputs)
            .await
            .properties
            .expect("properties");
        assert_eq!(string_of(&drifted, "status"), "FAILED");
        assert_eq!(string_of(&drifted, "primaryTaskDef"), td2);
        assert!(string_of(&drifted, "failureMessage").contains("now serves site:2"));

        let mut gone = outputs.clone();
        gone.fields
            .insert("serviceName".into(), text("no-such-service"));
        assert_eq!(
            h.read(&id, gone, &inputs).await.id,
            "",
            "a missing service reads as deleted"
        );
    });
}

#[test]
fn plugin_info_and_schema_come_from_the_crate() {
    with_harness(|mut h| async move {
        let info = h
            .client
            .get_plugin_info(())
            .await
            .expect("plugin info")
            .into_inner();
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
        let schema = h
            .client
            .get_schema(GetSchemaRequest::default())
            .await
            .expect("schema")
            .into_inner()
            .schema;
        let checked_in =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.json")).unwrap();
        assert_eq!(schema, checked_in);
        let schema: serde_json::Value = serde_json::from_str(&schema).unwrap();
        assert_eq!(schema["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(schema["name"], "wait-for-ecs-deploy");

        // No functions and no components.
        let invoke = h.client.invoke(InvokeRequest::default()).await;
        let construct = h.client.construct(ConstructRequest::default()).await;
        for (call, code) in [
            ("Invoke", invoke.map(|_| ()).map_err(|status| status.code())),
            (
                "Construct",
                construct.map(|_| ()).map_err(|status| status.code()),
            ),
        ] {
            assert_eq!(code, Err(Code::Unimplemented), "{call}");
        }
    });
}

#[test]
fn a_missing_region_is_a_clear_setup_error() {
    with_harness(|mut h| async move {
        // Reconfigure without a region; the test environment has no AWS_REGION either.
        let endpoint = h.sim.endpoint();
        h.client
            .configure(configure_request(&[("endpoint", text(&endpoint))]))
            .await
            .expect("configure");
        let inputs = h.checked_wait("web", "web:1", &[]).await;
        let error = h.create(inputs, false, 0.0).await.expect_err("no region");
        assert_eq!(error.code(), Code::FailedPrecondition);
        assert!(error.message().contains("awsRegion"), "{}", error.message());
        assert_no_credentials(&[error.message().to_string()]);
        assert_eq!(h.total_calls(), 0, "nothing reached ECS");
    });
}
