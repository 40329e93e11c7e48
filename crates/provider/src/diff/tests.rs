use prost_types::Value;

use super::*;
use crate::properties::{
    FromProperties, Revealed, list_value, number_value, revealed, string_value, unknown_value,
};

/// Recorded outputs of a wait whose verdict was `status` (an outcome spelled like its status).
fn old_outputs(status: &str) -> Revealed {
    revealed(&[
        ("clusterName", string_value("prod")),
        ("serviceName", string_value("web")),
        ("desiredTaskDef", string_value("web:3")),
        ("timeoutMs", number_value(180_000.0)),
        ("status", string_value(status)),
        ("outcome", string_value(status)),
        ("failureMessage", string_value("")),
    ])
}

/// `diff_resource` on the properties as the engine sends them.
fn diff(olds: &Revealed, news: &Revealed, ignore_changes: &[String]) -> DiffResult {
    diff_resource(
        &FromProperties::read(&olds.values),
        &WaitInputs::read(&news.values),
        ignore_changes,
    )
}

fn new_inputs(task_def: Value) -> Revealed {
    revealed(&[
        ("clusterName", string_value("prod")),
        ("serviceName", string_value("web")),
        ("desiredTaskDef", task_def),
        ("timeoutMs", number_value(180_000.0)),
    ])
}

/// The changes, each with its kind, in the order the result lists them.
fn changes_of(result: &DiffResult) -> Vec<(&str, DiffKind)> {
    result
        .changes
        .iter()
        .map(|change| (change.name.as_str(), change.kind))
        .collect()
}

#[test]
fn an_empty_list_is_no_change_from_an_absent_one() {
    let empty = list_value(Vec::<String>::new());
    let mut news = old_outputs("COMPLETED");
    news.values.remove("status");
    news.values.insert("rollbackOn".into(), empty);
    let diff = diff(&old_outputs("COMPLETED"), &news, &[]);
    assert!(!diff.has_changes(), "{diff:?}");
}

#[test]
fn resource_diffs_compare_inputs_and_a_failed_last_wait() {
    use DiffKind::Update;
    type Case = (
        &'static str,
        Value,
        &'static [&'static str],
        &'static [(&'static str, DiffKind)],
    );
    let td = string_value;
    let cases: [Case; 5] = [
        // Unchanged inputs after success are no diff.
        ("COMPLETED", td("web:3"), &[], &[]),
        // A new task definition is an update (never a replacement).
        ("COMPLETED", td("web:4"), &[], &[("desiredTaskDef", Update)]),
        // Unknown new values count as changes.
        (
            "COMPLETED",
            unknown_value(),
            &[],
            &[("desiredTaskDef", Update)],
        ),
        // A failed last wait makes the next up wait again.
        ("FAILED", td("web:3"), &[], &[("status", Update)]),
        // Ignored changes are ignored.
        ("COMPLETED", td("web:4"), &["desiredTaskDef"], &[]),
    ];
    for (status, task_def, ignore, expected) in cases {
        let case = format!("last wait {status}, desiredTaskDef {task_def:?}, ignoring {ignore:?}");
        let ignore: Vec<String> = ignore.iter().map(|path| path.to_string()).collect();
        let result = diff(&old_outputs(status), &new_inputs(task_def), &ignore);
        assert_eq!(changes_of(&result), expected, "{case}");
        assert_eq!(result.has_changes(), !expected.is_empty(), "{case}");
    }
}

#[test]
fn only_status_is_not_an_input_diff() {
    let result = diff(
        &old_outputs("FAILED"),
        &new_inputs(string_value("web:4")),
        &[],
    );
    let input_diffs: Vec<(&str, bool)> = result
        .changes
        .iter()
        .map(|change| (change.name.as_str(), change.input_diff))
        .collect();
    assert_eq!(input_diffs, [("desiredTaskDef", true), ("status", false)]);
}

#[test]
fn added_and_removed_optional_inputs_are_reported() {
    let mut news = new_inputs(string_value("web:3"));
    news.values
        .insert("awsRegion".into(), string_value("us-east-1"));
    news.values.remove("timeoutMs");
    let result = diff(&old_outputs("COMPLETED"), &news, &[]);
    assert_eq!(result.kind_of("awsRegion"), Some(DiffKind::Add));
    assert_eq!(result.kind_of("timeoutMs"), Some(DiffKind::Delete));
}

#[test]
fn config_changes_are_updates() {
    let olds = revealed(&[("region", string_value("us-east-1"))]);
    let news = revealed(&[("region", string_value("eu-west-1"))]);
    let config = |map: &Revealed| ConfigInputs::read(&map.values);
    let result = diff_config(&config(&olds), &config(&news), &[]);
    assert_eq!(result.changed_names(), ["region"]);
    assert_eq!(result.kind_of("region"), Some(DiffKind::Update));
    assert!(!diff_config(&config(&olds), &config(&olds), &[]).has_changes());
}

#[test]
fn the_recorded_outcome_decides_whether_to_wait_again() {
    let news = new_inputs(string_value("web:3"));
    let mut olds = old_outputs("COMPLETED");
    olds.values
        .insert("outcome".into(), string_value("TIMED_OUT"));
    assert_eq!(diff(&olds, &news, &[]).changed_names(), ["status"]);
    olds.values.remove("outcome");
    assert_eq!(
        diff(&olds, &news, &[]).changed_names(),
        ["status"],
        "no recorded outcome: wait again"
    );
}

#[test]
fn wait_until_is_compared_as_parsed_and_deployed_is_no_setting() {
    let mut olds = old_outputs("COMPLETED");
    let mut news = new_inputs(string_value("web:3"));
    news.values
        .insert("waitUntil".into(), string_value("deployed"));
    assert!(!diff(&olds, &news, &[]).has_changes());
    olds.values
        .insert("waitUntil".into(), string_value("paused"));
    news.values
        .insert("waitUntil".into(), string_value("PAUSED"));
    assert!(!diff(&olds, &news, &[]).has_changes());
    news.values
        .insert("waitUntil".into(), string_value("stage:BAKE_TIME"));
    assert_eq!(
        diff(&olds, &news, &[]).kind_of("waitUntil"),
        Some(DiffKind::Update)
    );
}
