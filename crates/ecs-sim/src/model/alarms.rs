//! Simulated CloudWatch alarm states, which deployments with `deploymentConfiguration.alarms`
//! watch. States are account-wide and set from outside ([`crate::SimHandle::set_alarm`] or
//! `PUT /_sim/alarms/<name>`); each change is kept with its simulated time, so a service that is
//! advanced lazily sees every alarm as it was at each moment it passes through.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::model::deployment::{FailureCause, RolloutState};
use crate::model::ids::Ids;
use crate::model::lifecycle::{Outcome, Stage};
use crate::model::service::Service;
use crate::model::task_definition::TaskDefinition;

/// A container environment variable that trips an alarm from inside a deployment: a staged
/// deployment whose task definition has `SIM_ALARM_IN_BAKE=<name>` sees alarm `<name>` in ALARM
/// from the moment it reaches BAKE_TIME (for that deployment only; the account-wide state is not
/// changed).
pub(crate) const ALARM_IN_BAKE_VARIABLE: &str = "SIM_ALARM_IN_BAKE";

/// A CloudWatch alarm state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AlarmState {
    Ok,
    Alarm,
    InsufficientData,
}

/// One alarm's state changes, `(simulated time, state)`, oldest first.
type History = Vec<(f64, AlarmState)>;

/// Every alarm's state changes, shared by all services of one simulator.
#[derive(Clone, Debug, Default)]
pub(crate) struct AlarmBoard {
    changes: Arc<Mutex<BTreeMap<String, History>>>,
}

impl AlarmBoard {
    fn changes(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, History>> {
        self.changes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Alarm `name` is in `state` from simulated time `at` on.
    pub(crate) fn set(&self, name: &str, state: AlarmState, at: f64) {
        self.changes()
            .entry(name.to_owned())
            .or_default()
            .push((at, state));
    }

    /// The state of `name` at simulated time `at`; alarms never set are OK.
    pub(crate) fn state_at(&self, name: &str, at: f64) -> AlarmState {
        self.changes()
            .get(name)
            .and_then(|changes| changes.iter().rev().find(|(t, _)| *t <= at))
            .map_or(AlarmState::Ok, |(_, state)| *state)
    }

    /// The first change of any of `names` after `t`: a moment a watching service must look.
    pub(crate) fn next_change_after(&self, names: &[String], t: f64) -> Option<f64> {
        let changes = self.changes();
        names
            .iter()
            .filter_map(|name| changes.get(name))
            .flat_map(|changes| changes.iter().map(|(at, _)| *at))
            .filter(|&at| at > t)
            .reduce(f64::min)
    }

    /// Every alarm's latest state.
    pub(crate) fn current(&self) -> BTreeMap<String, AlarmState> {
        self.changes()
            .iter()
            .filter_map(|(name, changes)| changes.last().map(|(_, s)| (name.clone(), *s)))
            .collect()
    }
}

/// The alarm named by [`ALARM_IN_BAKE_VARIABLE`] in any container of `definition`.
pub(crate) fn alarm_in_bake(definition: &TaskDefinition) -> Option<String> {
    definition
        .echo
        .get("containerDefinitions")?
        .as_array()?
        .iter()
        .filter_map(|container| container.get("environment")?.as_array())
        .flatten()
        .find(|pair| pair.get("name").and_then(|n| n.as_str()) == Some(ALARM_IN_BAKE_VARIABLE))
        .and_then(|pair| pair.get("value")?.as_str())
        .map(str::to_owned)
}

impl Service {
    /// Fails the PRIMARY deployment if, while it is in progress (a staged one up to CLEAN_UP,
    /// its bake time included), any alarm it watches is in ALARM at `now`.
    pub(crate) fn check_alarms(&mut self, primary_index: usize, now: f64, ids: &mut Ids) {
        let primary = &self.deployments[primary_index];
        let active = primary.rollout_state == RolloutState::InProgress
            && primary.record.as_ref().is_some_and(|r| r.is_active())
            && primary
                .lifecycle
                .as_ref()
                .is_none_or(|l| l.outcome == Outcome::Running && l.stage() != Stage::CleanUp);
        if !active {
            return;
        }
        let in_bake = primary
            .lifecycle
            .as_ref()
            .filter(|l| l.bake_started_at.is_some_and(|at| at <= now))
            .and_then(|l| l.alarm_in_bake.as_deref());
        let tripped: Vec<String> = primary
            .config
            .watched_alarms()
            .iter()
            .filter(|name| {
                in_bake == Some(name.as_str())
                    || self.alarms.state_at(name, now) == AlarmState::Alarm
            })
            .cloned()
            .collect();
        if tripped.is_empty() {
            return;
        }
        let number = primary.number;
        self.deployments[primary_index].triggered_alarms = tripped.clone();
        self.fail_deployment(number, now, ids, FailureCause::Alarms(tripped));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_at_a_time_is_the_latest_change_before_it() {
        let board = AlarmBoard::default();
        assert_eq!(board.state_at("cpu", 5.0), AlarmState::Ok);
        board.set("cpu", AlarmState::Alarm, 10.0);
        board.set("cpu", AlarmState::Ok, 20.0);
        assert_eq!(board.state_at("cpu", 9.0), AlarmState::Ok);
        assert_eq!(board.state_at("cpu", 15.0), AlarmState::Alarm);
        assert_eq!(board.state_at("cpu", 25.0), AlarmState::Ok);
        let names = ["cpu".to_owned(), "other".to_owned()];
        assert_eq!(board.next_change_after(&names, 10.0), Some(20.0));
        assert_eq!(board.next_change_after(&names, 20.0), None);
        assert_eq!(board.current()["cpu"], AlarmState::Ok);
    }
}
