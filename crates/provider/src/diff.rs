//! `Diff` and `DiffConfig`: which properties changed, always as in-place updates.
//!
//! Nothing here ever needs a replacement: the resource owns nothing in AWS, and a new wait is just an update.
//! A resource whose last wait did not complete reports a change of `status` even with unchanged inputs, so the
//! next `pulumi up` waits again instead of keeping a failed verdict forever.

use std::collections::HashMap;

use pulumi_gestalt_proto::pulumi::pulumirpc::property_diff::Kind;
use pulumi_gestalt_proto::pulumi::pulumirpc::{
    DiffResponse, PropertyDiff, diff_response::DiffChanges,
};

use crate::config::ProviderConfig;
use crate::fields::FieldSpec;
use crate::properties::{Revealed, is_null, is_unknown};
use crate::resource::WaitArgs;

/// Compares the old outputs' inputs with the new (checked) inputs.
pub fn diff_resource(
    old_outputs: &Revealed,
    news: &Revealed,
    ignore_changes: &[String],
) -> DiffResponse {
    let mut changes = changed_fields(WaitArgs::FIELDS, old_outputs, news, ignore_changes);
    let old_status = old_outputs
        .values
        .get("status")
        .and_then(|v| v.kind.as_ref());
    let completed =
        matches!(old_status, Some(prost_types::value::Kind::StringValue(s)) if s == "COMPLETED");
    if !completed && !ignore_changes.iter().any(|p| p == "status") {
        changes.push((
            "status".to_string(),
            PropertyDiff {
                kind: Kind::Update as i32,
                input_diff: false,
            },
        ));
    }
    response(changes)
}

/// Compares two provider configurations.
pub fn diff_config(olds: &Revealed, news: &Revealed, ignore_changes: &[String]) -> DiffResponse {
    response(changed_fields(
        ProviderConfig::FIELDS,
        olds,
        news,
        ignore_changes,
    ))
}

fn changed_fields(
    fields: &[FieldSpec],
    olds: &Revealed,
    news: &Revealed,
    ignore_changes: &[String],
) -> Vec<(String, PropertyDiff)> {
    let present =
        |map: &Revealed, name: &str| map.values.get(name).filter(|v| !is_null(v)).cloned();
    fields
        .iter()
        .filter(|field| !ignore_changes.iter().any(|path| path == field.name))
        .filter_map(|field| {
            let kind = match (present(olds, field.name), present(news, field.name)) {
                (None, None) => return None,
                (None, Some(_)) => Kind::Add,
                (Some(_), None) => Kind::Delete,
                (Some(old), Some(new)) if is_unknown(&new) || old != new => Kind::Update,
                (Some(_), Some(_)) => return None,
            };
            Some((
                field.name.to_string(),
                PropertyDiff {
                    kind: kind as i32,
                    input_diff: true,
                },
            ))
        })
        .collect()
}

fn response(changes: Vec<(String, PropertyDiff)>) -> DiffResponse {
    let changed = if changes.is_empty() {
        DiffChanges::DiffNone
    } else {
        DiffChanges::DiffSome
    };
    let diffs = changes.iter().map(|(name, _)| name.clone()).collect();
    let detailed_diff: HashMap<String, PropertyDiff> = changes.into_iter().collect();
    DiffResponse {
        replaces: Vec::new(),
        stables: Vec::new(),
        delete_before_replace: false,
        changes: changed as i32,
        diffs,
        has_detailed_diff: true,
        detailed_diff,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::properties::{number_value, string_value, unknown_value};
    use prost_types::Value;

    fn map(entries: &[(&str, Value)]) -> Revealed {
        Revealed {
            values: entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            secret: Default::default(),
        }
    }

    fn old_outputs(status: &str) -> Revealed {
        map(&[
            ("clusterName", string_value("prod")),
            ("serviceName", string_value("web")),
            ("desiredTaskDef", string_value("web:3")),
            ("timeoutMs", number_value(180_000.0)),
            ("status", string_value(status)),
            ("failureMessage", string_value("")),
        ])
    }

    fn new_inputs(task_def: Value) -> Revealed {
        map(&[
            ("clusterName", string_value("prod")),
            ("serviceName", string_value("web")),
            ("desiredTaskDef", task_def),
            ("timeoutMs", number_value(180_000.0)),
        ])
    }

    fn kind_of(response: &DiffResponse, name: &str) -> Option<Kind> {
        response
            .detailed_diff
            .get(name)
            .and_then(|d| Kind::try_from(d.kind).ok())
    }

    #[test]
    fn unchanged_inputs_after_success_are_no_diff() {
        let response = diff_resource(
            &old_outputs("COMPLETED"),
            &new_inputs(string_value("web:3")),
            &[],
        );
        assert_eq!(response.changes, DiffChanges::DiffNone as i32);
        assert!(response.diffs.is_empty());
    }

    #[test]
    fn a_new_task_definition_is_an_update_not_a_replace() {
        let response = diff_resource(
            &old_outputs("COMPLETED"),
            &new_inputs(string_value("web:4")),
            &[],
        );
        assert_eq!(response.changes, DiffChanges::DiffSome as i32);
        assert_eq!(response.diffs, ["desiredTaskDef"]);
        assert_eq!(kind_of(&response, "desiredTaskDef"), Some(Kind::Update));
        assert!(response.replaces.is_empty());
        assert!(response.has_detailed_diff);
    }

    #[test]
    fn unknown_new_values_count_as_changes() {
        let response = diff_resource(&old_outputs("COMPLETED"), &new_inputs(unknown_value()), &[]);
        assert_eq!(kind_of(&response, "desiredTaskDef"), Some(Kind::Update));
    }

    #[test]
    fn a_failed_last_wait_makes_the_next_up_wait_again() {
        let response = diff_resource(
            &old_outputs("FAILED"),
            &new_inputs(string_value("web:3")),
            &[],
        );
        assert_eq!(response.changes, DiffChanges::DiffSome as i32);
        assert_eq!(response.diffs, ["status"]);
        assert_eq!(kind_of(&response, "status"), Some(Kind::Update));
    }

    #[test]
    fn added_and_removed_optional_inputs_are_reported() {
        let mut news = new_inputs(string_value("web:3"));
        news.values
            .insert("awsRegion".into(), string_value("us-east-1"));
        news.values.remove("timeoutMs");
        let response = diff_resource(&old_outputs("COMPLETED"), &news, &[]);
        assert_eq!(kind_of(&response, "awsRegion"), Some(Kind::Add));
        assert_eq!(kind_of(&response, "timeoutMs"), Some(Kind::Delete));
    }

    #[test]
    fn ignored_changes_are_ignored() {
        let ignore = vec!["desiredTaskDef".to_string()];
        let response = diff_resource(
            &old_outputs("COMPLETED"),
            &new_inputs(string_value("web:4")),
            &ignore,
        );
        assert_eq!(response.changes, DiffChanges::DiffNone as i32);
    }

    #[test]
    fn config_changes_are_updates() {
        let olds = map(&[("region", string_value("us-east-1"))]);
        let news = map(&[("region", string_value("eu-west-1"))]);
        let response = diff_config(&olds, &news, &[]);
        assert_eq!(response.diffs, ["region"]);
        assert!(response.replaces.is_empty());
        assert_eq!(
            diff_config(&olds, &olds, &[]).changes,
            DiffChanges::DiffNone as i32
        );
    }
}
