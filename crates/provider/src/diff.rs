//! `Diff` and `DiffConfig`: which properties changed, always as in-place updates.
//!
//! Nothing here ever needs a replacement: the resource owns nothing in AWS, and a new wait is just an update.
//! A resource whose last wait did not complete reports a change of `status` even with unchanged inputs, so the
//! next `pulumi up` waits again instead of keeping a failed verdict forever.

use prost_types::value::Kind;

use crate::config::ProviderConfig;
use crate::fields::FieldSpec;
use crate::properties::{Revealed, is_null, is_unknown};
use crate::resource::WaitArgs;

/// How one property changes. Never a replacement: see the module comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffKind {
    Add,
    Update,
    Delete,
}

/// One changed property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropertyChange {
    pub name: String,
    pub kind: DiffKind,
    /// The change is between old and new inputs; false for `status`, which is an output.
    pub input_diff: bool,
}

/// What `Diff`/`DiffConfig` found: the changed properties, in table order (`status` last).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiffResult {
    pub changes: Vec<PropertyChange>,
}

impl DiffResult {
    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty()
    }

    /// The names of the changed properties.
    pub fn changed_names(&self) -> Vec<&str> {
        self.changes
            .iter()
            .map(|change| change.name.as_str())
            .collect()
    }

    /// How `name` changes, if it does.
    pub fn kind_of(&self, name: &str) -> Option<DiffKind> {
        self.changes
            .iter()
            .find(|change| change.name == name)
            .map(|change| change.kind)
    }
}

/// Compares the old outputs' inputs with the new (checked) inputs.
pub fn diff_resource(
    old_outputs: &Revealed,
    news: &Revealed,
    ignore_changes: &[String],
) -> DiffResult {
    let mut changes = changed_fields(WaitArgs::FIELDS, old_outputs, news, ignore_changes);
    let old_status = old_outputs
        .values
        .get("status")
        .and_then(|v| v.kind.as_ref());
    let completed = matches!(old_status, Some(Kind::StringValue(s)) if s == "COMPLETED");
    if !completed && !ignore_changes.iter().any(|p| p == "status") {
        changes.push(PropertyChange {
            name: "status".to_string(),
            kind: DiffKind::Update,
            input_diff: false,
        });
    }
    DiffResult { changes }
}

/// Compares two provider configurations.
pub fn diff_config(olds: &Revealed, news: &Revealed, ignore_changes: &[String]) -> DiffResult {
    DiffResult {
        changes: changed_fields(ProviderConfig::FIELDS, olds, news, ignore_changes),
    }
}

fn changed_fields(
    fields: &[FieldSpec],
    olds: &Revealed,
    news: &Revealed,
    ignore_changes: &[String],
) -> Vec<PropertyChange> {
    // Absent, null and an empty list (`rollbackOn: []`) all mean "not set": the outputs leave an empty list
    // out, so a program that passes one must not see a change on every run.
    let is_empty_list = |value: &prost_types::Value| matches!(&value.kind, Some(Kind::ListValue(list)) if list.values.is_empty());
    let present = |map: &Revealed, name: &str| {
        map.values
            .get(name)
            .filter(|v| !is_null(v) && !is_empty_list(v))
            .cloned()
    };
    fields
        .iter()
        .filter(|field| !ignore_changes.iter().any(|path| path == field.name))
        .filter_map(|field| {
            let kind = match (present(olds, field.name), present(news, field.name)) {
                (None, None) => return None,
                (None, Some(_)) => DiffKind::Add,
                (Some(_), None) => DiffKind::Delete,
                (Some(old), Some(new)) if is_unknown(&new) || old != new => DiffKind::Update,
                (Some(_), Some(_)) => return None,
            };
            Some(PropertyChange {
                name: field.name.to_string(),
                kind,
                input_diff: true,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::properties::{number_value, revealed, string_value, unknown_value};
    use prost_types::Value;

    fn old_outputs(status: &str) -> Revealed {
        revealed(&[
            ("clusterName", string_value("prod")),
            ("serviceName", string_value("web")),
            ("desiredTaskDef", string_value("web:3")),
            ("timeoutMs", number_value(180_000.0)),
            ("status", string_value(status)),
            ("failureMessage", string_value("")),
        ])
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
        let empty = Value {
            kind: Some(Kind::ListValue(prost_types::ListValue { values: vec![] })),
        };
        let mut news = old_outputs("COMPLETED");
        news.values.remove("status");
        news.values.insert("rollbackOn".into(), empty);
        let diff = diff_resource(&old_outputs("COMPLETED"), &news, &[]);
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
            let case =
                format!("last wait {status}, desiredTaskDef {task_def:?}, ignoring {ignore:?}");
            let ignore: Vec<String> = ignore.iter().map(|path| path.to_string()).collect();
            let result = diff_resource(&old_outputs(status), &new_inputs(task_def), &ignore);
            assert_eq!(changes_of(&result), expected, "{case}");
            assert_eq!(result.has_changes(), !expected.is_empty(), "{case}");
        }
    }

    #[test]
    fn only_status_is_not_an_input_diff() {
        let result = diff_resource(
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
        let result = diff_resource(&old_outputs("COMPLETED"), &news, &[]);
        assert_eq!(result.kind_of("awsRegion"), Some(DiffKind::Add));
        assert_eq!(result.kind_of("timeoutMs"), Some(DiffKind::Delete));
    }

    #[test]
    fn config_changes_are_updates() {
        let olds = revealed(&[("region", string_value("us-east-1"))]);
        let news = revealed(&[("region", string_value("eu-west-1"))]);
        let result = diff_config(&olds, &news, &[]);
        assert_eq!(result.changed_names(), ["region"]);
        assert_eq!(result.kind_of("region"), Some(DiffKind::Update));
        assert!(!diff_config(&olds, &olds, &[]).has_changes());
    }
}
