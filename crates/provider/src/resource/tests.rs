use std::collections::{BTreeMap, BTreeSet};

use prost_types::{Struct, Value};

use super::*;
use crate::properties::{
    bool_value, list_value, number_value, receive, reveal, string_value, unknown_value,
    with_defaults,
};

fn minimal() -> Vec<(&'static str, Value)> {
    vec![
        ("clusterName", string_value("prod")),
        ("serviceName", string_value("web")),
        (
            "desiredTaskDef",
            string_value("arn:aws:ecs:ap-southeast-2:291971919224:task-definition/web:3"),
        ),
    ]
}

/// The minimal inputs with `changes` set (replacing or adding properties), as the engine sends them.
fn minimal_struct(changes: &[(&str, Value)]) -> Struct {
    let mut fields: BTreeMap<String, Value> = minimal()
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect();
    for (name, value) in changes {
        fields.insert(name.to_string(), value.clone());
    }
    Struct { fields }
}

/// The minimal inputs with `changes` set, as Check receives them.
fn minimal_with(changes: &[(&str, Value)]) -> Received<WaitInputs> {
    receive(Some(&minimal_struct(changes)))
}

/// The inputs Check hands back for `changes` (defaults applied), read as a wait's arguments.
fn checked_args(changes: &[(&str, Value)]) -> WaitArgs {
    let checked = with_defaults(Some(&minimal_struct(changes)), WaitArgs::FIELDS);
    WaitArgs::decode(&reveal(Some(&checked)).values).unwrap()
}

fn failed_properties(changes: &[(&str, Value)]) -> Vec<String> {
    check_inputs(&minimal_with(changes))
        .into_iter()
        .map(|f| f.property)
        .collect()
}

#[test]
fn minimal_npm_inputs_pass_and_get_defaults() {
    let news = minimal_with(&[]);
    assert!(check_inputs(&news).is_empty());
    let args = checked_args(&[]);
    assert_eq!(args.timeout_ms, 180_000);
    assert_eq!(args.max_task_failures, 3);
    assert!(args.fail_on_error);
    assert_eq!(args.poll_interval_ms, 2000);
}

#[test]
fn wait_until_and_rollback_on_are_checked_and_reach_the_wait() {
    let list = |items: &[&str]| list_value(items.iter().copied());
    let changes = [
        ("waitUntil", string_value("stage:POST_TEST_TRAFFIC_SHIFT")),
        ("rollbackOn", list(&["failed", "cancelled"])),
    ];
    let news = minimal_with(&changes);
    assert!(check_inputs(&news).is_empty());
    let args = checked_args(&changes);
    assert_eq!(
        args.wait_options(0.0).wait_until,
        WaitUntil::Stage(ecs_watcher::model::LifecycleStage::PostTestTrafficShift)
    );
    assert_eq!(
        args.rollback_on,
        [RollbackTrigger::Failed, RollbackTrigger::Interrupted]
    );
    // Absent: deployed, and never a rollback; an empty list is left out of the outputs.
    let plain = checked_args(&[]);
    assert_eq!(plain.wait_options(0.0).wait_until, WaitUntil::Deployed);
    assert!(plain.rollback_on.is_empty());

    let failures = check_inputs(&minimal_with(&[
        ("waitUntil", string_value("halfway")),
        ("rollbackOn", list(&["failed", "timed-out"])),
    ]));
    assert_refused_naming_what_is_valid(&failures, "timed-out");
    assert_eq!(
        failed_properties(&[("rollbackOn", string_value("failed"))]),
        ["rollbackOn"],
        "a list, not a string"
    );
}

#[test]
fn names_the_property_of_each_bad_value() {
    let failures = check_inputs(&minimal_with(&[
        ("clusterName", string_value("")),
        ("desiredTaskDef", string_value("web")),
        ("timeoutMs", number_value(0.0)),
        ("pollIntervalMs", string_value("2s")),
        ("colour", string_value("blue")),
    ]));
    let by_property = |name: &str| {
        failures
            .iter()
            .find(|f| f.property == name)
            .map(|f| f.reason.clone())
    };
    assert!(
        by_property("clusterName")
            .is_some_and(|r| r.starts_with("invalid clusterName ``: expected"))
    );
    assert!(
        by_property("desiredTaskDef")
            .is_some_and(|r| r.contains("`web`") && r.contains("<family>:<revision>"))
    );
    assert!(by_property("timeoutMs").is_some_and(|r| r.contains("`0`") && r.contains("86400000")));
    assert!(by_property("pollIntervalMs").is_some_and(|r| r.contains("(a string)")));
    assert!(by_property("colour").is_some_and(|r| r.contains("unknown property")));
}

#[test]
fn rejects_absurd_timeouts_and_negative_failure_counts() {
    let changes = [
        ("timeoutMs", number_value(90_000_000.0)),
        ("maxTaskFailures", number_value(-1.0)),
    ];
    assert_eq!(
        failed_properties(&changes),
        ["timeoutMs", "maxTaskFailures"]
    );
}

#[test]
fn unknown_values_pass_unvalidated() {
    let changes = [
        ("desiredTaskDef", unknown_value()),
        ("timeoutMs", unknown_value()),
    ];
    assert!(failed_properties(&changes).is_empty());
}

#[test]
fn arns_of_another_cluster_or_region_are_refused_at_check() {
    let service_of_staging =
        string_value("arn:aws:ecs:ap-southeast-2:291971919224:service/staging/web");
    let in_us_east_1 = ("awsRegion", string_value("us-east-1"));
    let cases = [
        (
            ("serviceName", service_of_staging),
            "serviceName",
            "cluster `staging`",
        ),
        (
            in_us_east_1.clone(),
            "desiredTaskDef",
            "awsRegion is `us-east-1`",
        ),
    ];
    for (change, property, reason) in cases {
        let failures = check_inputs(&minimal_with(&[change]));
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert_eq!(failures[0].property, property);
        assert!(failures[0].reason.contains(reason), "{failures:?}");
    }

    assert_eq!(
        failed_properties(&[("clusterName", unknown_value()), in_us_east_1]),
        ["desiredTaskDef"],
        "a known task definition is still checked against the known region"
    );
}

#[test]
fn external_id_requires_assume_role_and_is_never_shown() {
    let failures = check_inputs(&minimal_with(&[(
        "externalId",
        string_value("s3cr3t value!"),
    )]));
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(
        failures
            .iter()
            .all(|f| f.property == "externalId" && !f.reason.contains("s3cr3t"))
    );
}

#[test]
fn engine_timeout_wins_when_shorter() {
    let args = checked_args(&[]);
    assert_eq!(args.effective_timeout(0.0), Duration::from_secs(180));
    assert_eq!(args.effective_timeout(60.0), Duration::from_secs(60));
    assert_eq!(args.effective_timeout(3600.0), Duration::from_secs(180));
    assert_eq!(
        args.effective_timeout(f64::INFINITY),
        Duration::from_secs(180)
    );
}

#[test]
fn state_round_trips_through_the_wire_map() {
    let completed = completed_state();
    let state = WaitState {
        results: WaitResults {
            status: "FAILED".into(),
            failure_message: "rolled back to web:2".into(),
            outcome: Outcome::RolledBack,
            ..completed.results
        },
        ..completed
    };
    let wire = crate::server::state_outputs(&state, &BTreeSet::new());
    let back = WaitState::resolve(receive(Some(&wire)).inputs).unwrap();
    assert_eq!(back, state);
    assert_eq!(back.resource_id(), "prod/web/ecs-svc/12");
    assert!(back.fails_operation());
    assert_eq!(wire.fields["failOnError"], bool_value(true));
}

#[test]
fn the_documented_duration_limits_are_the_enforced_ones() {
    let description = |name: &str| {
        WaitArgs::FIELDS
            .iter()
            .find(|field| field.name == name)
            .map(|field| field.description_text())
            .unwrap_or_default()
    };
    let max_timeout = input::MAX_TIMEOUT.as_millis().to_string();
    assert!(description("timeoutMs").contains(&max_timeout));
    let poll_range = format!(
        "({} to {})",
        input::MIN_POLL_INTERVAL.as_millis(),
        input::MAX_POLL_INTERVAL.as_millis()
    );
    assert!(description("pollIntervalMs").contains(&poll_range));
}

#[test]
fn a_recorded_value_that_does_not_parse_is_an_error_not_a_default() {
    let mut recorded = minimal_struct(&[
        ("waitUntil", string_value("halfway")),
        ("rollbackOn", list_value(["failed", "sometimes"])),
    ]);
    recorded.fields.extend(
        crate::server::state_outputs(&completed_state(), &BTreeSet::new())
            .fields
            .into_iter()
            .filter(|(name, _)| WaitResults::FIELDS.iter().any(|field| field.name == name)),
    );
    let errors = WaitState::resolve(receive(Some(&recorded)).inputs).unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_refused_naming_what_is_valid(&errors, "sometimes");
}

#[test]
fn wait_until_and_rollback_on_are_written_back_as_the_schema_spells_them() {
    let mut state = completed_state();
    state.args = checked_args(&[
        ("waitUntil", string_value("stage:bake_time")),
        ("rollbackOn", list_value(["timedOut", "cancelled"])),
    ]);
    let wire = crate::server::state_outputs(&state, &BTreeSet::new());
    assert_eq!(wire.fields["waitUntil"], string_value("stage:BAKE_TIME"));
    assert_eq!(
        wire.fields["rollbackOn"],
        list_value(["timedOut", "cancelled"])
    );
    assert_eq!(
        WaitState::resolve(receive(Some(&wire)).inputs).unwrap(),
        state
    );
    // `deployed`, the default, is written as an absent value is.
    state.args.wait_until = WaitUntil::Deployed;
    let wire = crate::server::state_outputs(&state, &BTreeSet::new());
    assert!(!wire.fields.contains_key("waitUntil"));
}

/// A wait that completed, on the minimal inputs.
fn completed_state() -> WaitState {
    WaitState {
        args: checked_args(&[]),
        results: WaitResults {
            status: "COMPLETED".into(),
            failure_message: String::new(),
            outcome: Outcome::Completed,
            deployment_id: Some("ecs-svc/12".into()),
            primary_task_def: None,
            elapsed_seconds: 4.5,
            lifecycle_stage: None,
            paused_hook_id: None,
            rollback_status: None,
        },
    }
}

/// `waitUntil: halfway` and the `rollbackOn` item `bad` refused, each naming the value and what is valid.
fn assert_refused_naming_what_is_valid(errors: &[FieldError], bad: &str) {
    let reason = |name: &str| {
        errors
            .iter()
            .find(|error| error.property == name)
            .map(|error| error.reason.clone())
            .unwrap_or_default()
    };
    assert!(reason("waitUntil").contains("`halfway`"), "{errors:?}");
    assert!(
        reason("waitUntil").contains("stage:<LIFECYCLE_STAGE>"),
        "{errors:?}"
    );
    assert!(
        reason("rollbackOn").contains(&format!("`{bad}`")),
        "{errors:?}"
    );
    assert!(reason("rollbackOn").contains("`timedOut`"), "{errors:?}");
}
