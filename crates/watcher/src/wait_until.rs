//! What "done" means for one wait, chosen by the caller: the deployment fully
//! deployed (the default), paused at a PAUSE lifecycle hook, or past a lifecycle
//! stage. The checkpoints exist only for the staged strategies (blue/green,
//! linear, canary), which report stages and hooks.

use std::fmt;
use std::str::FromStr;

use crate::input::InputError;
use crate::model::LifecycleStage;

/// The point at which a wait reports `COMPLETED`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum WaitUntil {
    /// The deployment finished (`SUCCESSFUL`, after bake time and clean-up).
    #[default]
    Deployed,
    /// A PAUSE lifecycle hook is awaiting action (e.g. an approval gate).
    Paused,
    /// The deployment reached this lifecycle stage or a later one.
    Stage(LifecycleStage),
}

/// The values `--wait-until` / `waitUntil` accept, for error messages and help.
pub const WAIT_UNTIL_VALUES: &str = "`deployed`, `paused`, or `stage:<LIFECYCLE_STAGE>` with one of \
     RECONCILE_SERVICE, PRE_SCALE_UP, SCALE_UP, POST_SCALE_UP, TEST_TRAFFIC_SHIFT, \
     POST_TEST_TRAFFIC_SHIFT, PRODUCTION_TRAFFIC_SHIFT, POST_PRODUCTION_TRAFFIC_SHIFT, BAKE_TIME, \
     CLEAN_UP";

impl WaitUntil {
    /// Parses the caller's text; `field` names the option in the error.
    pub fn parse(field: &str, text: &str) -> Result<Self, InputError> {
        let bad = || InputError::new(field, text, format!("expected {WAIT_UNTIL_VALUES}"));
        let trimmed = text.trim();
        match trimmed.to_ascii_lowercase().as_str() {
            "deployed" => return Ok(Self::Deployed),
            "paused" => return Ok(Self::Paused),
            _ => {}
        }
        let (prefix, stage) = trimmed.split_once(':').ok_or_else(bad)?;
        if !prefix.eq_ignore_ascii_case("stage") {
            return Err(bad());
        }
        match LifecycleStage::from(stage.trim().to_ascii_uppercase().as_str()) {
            LifecycleStage::Unknown(_) => Err(bad()),
            known => Ok(Self::Stage(known)),
        }
    }

    /// True for the checkpoints only staged strategies can reach.
    pub fn needs_stages(&self) -> bool {
        !matches!(self, Self::Deployed)
    }
}

impl fmt::Display for WaitUntil {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Deployed => f.write_str("deployed"),
            Self::Paused => f.write_str("paused"),
            Self::Stage(stage) => write!(f, "stage:{stage}"),
        }
    }
}

impl FromStr for WaitUntil {
    type Err = InputError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse("wait-until", text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_value_parses_and_prints_back() {
        for (text, expected) in [
            ("deployed", WaitUntil::Deployed),
            ("paused", WaitUntil::Paused),
            ("PAUSED", WaitUntil::Paused),
            (
                "stage:POST_TEST_TRAFFIC_SHIFT",
                WaitUntil::Stage(LifecycleStage::PostTestTrafficShift),
            ),
            (
                "stage:bake_time",
                WaitUntil::Stage(LifecycleStage::BakeTime),
            ),
        ] {
            let parsed = WaitUntil::parse("wait-until", text).unwrap();
            assert_eq!(parsed, expected, "{text}");
            assert_eq!(
                WaitUntil::parse("wait-until", &parsed.to_string()).unwrap(),
                parsed
            );
        }
    }

    #[test]
    fn bad_values_name_the_field_the_value_and_the_choices() {
        for text in [
            "",
            "done",
            "stage:",
            "stage:TRAFFIC",
            "phase:BAKE_TIME",
            "paused:x",
        ] {
            let error = WaitUntil::parse("waitUntil", text).unwrap_err();
            assert_eq!(error.field, "waitUntil");
            assert_eq!(error.value, text);
            assert!(
                error.expected.contains("stage:<LIFECYCLE_STAGE>"),
                "{error:?}"
            );
            assert!(error.expected.contains("POST_TEST_TRAFFIC_SHIFT"));
        }
    }
}
