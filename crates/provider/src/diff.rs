//! `Diff` and `DiffConfig`: which properties changed, always as in-place updates.
//!
//! Nothing here ever needs a replacement: the resource owns nothing in AWS, and a new wait is just an update.
//! A resource whose last wait did not complete (its recorded `outcome` is not COMPLETED) reports a change of
//! `status` even with unchanged inputs, so the next `pulumi up` waits again instead of keeping a failed
//! verdict forever. Both sides are typed [`Input`]s, compared property by property.

use ecs_watcher::Outcome;

use crate::config::ConfigInputs;
use crate::properties::{Compared, Input};
use crate::resource::{WaitInputs, WaitStateInputs};

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
    old_outputs: &WaitStateInputs,
    news: &WaitInputs,
    ignore_changes: &[String],
) -> DiffResult {
    let (old_inputs, old_results) = old_outputs;
    let mut changes = changed(news.compared_with(old_inputs), ignore_changes);
    let completed = matches!(old_results.outcome, Input::Known(Outcome::Completed));
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
pub fn diff_config(
    olds: &ConfigInputs,
    news: &ConfigInputs,
    ignore_changes: &[String],
) -> DiffResult {
    DiffResult {
        changes: changed(news.compared_with(olds), ignore_changes),
    }
}

/// The input changes among `compared`, except the ignored ones. Absent, null, an empty list
/// (`rollbackOn: []`) and a value spelling out the absent one all mean "not set" (see
/// `Input::compared_with`): the outputs leave them out, so a program that passes one sees no change.
fn changed(
    compared: Vec<(&'static str, Compared)>,
    ignore_changes: &[String],
) -> Vec<PropertyChange> {
    compared
        .into_iter()
        .filter(|(name, _)| !ignore_changes.iter().any(|path| path == name))
        .filter_map(|(name, compared)| {
            let kind = match compared {
                Compared::Same => return None,
                Compared::Added => DiffKind::Add,
                Compared::Removed => DiffKind::Delete,
                Compared::Changed => DiffKind::Update,
            };
            Some(PropertyChange {
                name: name.to_string(),
                kind,
                input_diff: true,
            })
        })
        .collect()
}

/// Compares from the property values the engine sends, so they are tests of the wire too.
#[cfg(test)]
mod tests;
