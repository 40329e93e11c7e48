//! The staged parts of a service's `deploymentConfiguration`, already validated: the strategy
//! (ROLLING, BLUE_GREEN, LINEAR, CANARY), lifecycle hooks and CloudWatch alarms.

use serde_json::Value;

/// Default `timeoutConfiguration.timeoutInMinutes` of a lifecycle hook, as ECS documents (24 h).
pub(crate) const DEFAULT_HOOK_TIMEOUT_MINUTES: u32 = 1440;

/// How a new service revision replaces the running ones.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub(crate) enum Strategy {
    /// Rolling replacement within minimumHealthyPercent/maximumPercent.
    #[default]
    Rolling,
    /// Green scaled up beside blue, then 100% of production traffic at once.
    BlueGreen,
    /// Production traffic in steps of `step_percent`, each followed by `step_bake_minutes`.
    Linear {
        step_percent: f64,
        step_bake_minutes: u32,
    },
    /// `canary_percent` of production traffic, `canary_bake_minutes`, then the rest.
    Canary {
        canary_percent: f64,
        canary_bake_minutes: u32,
    },
}

impl Strategy {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Strategy::Rolling => "ROLLING",
            Strategy::BlueGreen => "BLUE_GREEN",
            Strategy::Linear { .. } => "LINEAR",
            Strategy::Canary { .. } => "CANARY",
        }
    }

    /// Every strategy but ROLLING goes through the lifecycle stages.
    pub(crate) fn is_staged(self) -> bool {
        self != Strategy::Rolling
    }

    /// The production traffic weights (0-100) the green revision is given one after the other,
    /// each with the simulated seconds to bake before the next shift.
    pub(crate) fn production_steps(self) -> Vec<(f64, f64)> {
        match self {
            Strategy::Rolling | Strategy::BlueGreen => vec![(100.0, 0.0)],
            Strategy::Linear {
                step_percent,
                step_bake_minutes,
            } => {
                // Tenths of a percent, so 10 steps of 10.0 end on exactly 100.
                let step = ((step_percent * 10.0).round() as u32).max(1);
                let mut steps = Vec::new();
                let mut tenths = 0;
                while tenths < 1000 {
                    tenths = (tenths + step).min(1000);
                    let bake = if tenths < 1000 {
                        f64::from(step_bake_minutes) * 60.0
                    } else {
                        0.0
                    };
                    steps.push((f64::from(tenths) / 10.0, bake));
                }
                steps
            }
            Strategy::Canary {
                canary_percent,
                canary_bake_minutes,
            } => {
                if canary_percent >= 100.0 {
                    vec![(100.0, 0.0)]
                } else {
                    vec![
                        (canary_percent, f64::from(canary_bake_minutes) * 60.0),
                        (100.0, 0.0),
                    ]
                }
            }
        }
    }
}

/// Stages a lifecycle hook can run at (`DeploymentLifecycleHookStage`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HookStage {
    ReconcileService,
    PreScaleUp,
    PostScaleUp,
    TestTrafficShift,
    PostTestTrafficShift,
    PreProductionTrafficShift,
    ProductionTrafficShift,
    PostProductionTrafficShift,
}

impl HookStage {
    pub(crate) const ALL: [HookStage; 8] = [
        HookStage::ReconcileService,
        HookStage::PreScaleUp,
        HookStage::PostScaleUp,
        HookStage::TestTrafficShift,
        HookStage::PostTestTrafficShift,
        HookStage::PreProductionTrafficShift,
        HookStage::ProductionTrafficShift,
        HookStage::PostProductionTrafficShift,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            HookStage::ReconcileService => "RECONCILE_SERVICE",
            HookStage::PreScaleUp => "PRE_SCALE_UP",
            HookStage::PostScaleUp => "POST_SCALE_UP",
            HookStage::TestTrafficShift => "TEST_TRAFFIC_SHIFT",
            HookStage::PostTestTrafficShift => "POST_TEST_TRAFFIC_SHIFT",
            HookStage::PreProductionTrafficShift => "PRE_PRODUCTION_TRAFFIC_SHIFT",
            HookStage::ProductionTrafficShift => "PRODUCTION_TRAFFIC_SHIFT",
            HookStage::PostProductionTrafficShift => "POST_PRODUCTION_TRAFFIC_SHIFT",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<HookStage> {
        HookStage::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// ECS runs only Lambda hooks while traffic is moving.
    pub(crate) fn allows_pause(self) -> bool {
        !matches!(
            self,
            HookStage::TestTrafficShift | HookStage::ProductionTrafficShift
        )
    }
}

/// `DeploymentLifecycleHookAction`: what ContinueServiceDeployment or a timeout does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HookAction {
    Continue,
    Rollback,
}

impl HookAction {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            HookAction::Continue => "CONTINUE",
            HookAction::Rollback => "ROLLBACK",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<HookAction> {
        match text {
            "CONTINUE" => Some(HookAction::Continue),
            "ROLLBACK" => Some(HookAction::Rollback),
            _ => None,
        }
    }
}

/// What a hook runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HookTarget {
    /// A Lambda function; its outcome is read from the function name (see the crate docs).
    Lambda { function_arn: String },
    /// Waits for ContinueServiceDeployment (or the timeout).
    Pause,
}

/// One `lifecycleHooks[]` entry, as accepted (optional members kept as given, for the echo).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct HookConfig {
    pub(crate) target: HookTarget,
    pub(crate) role_arn: Option<String>,
    pub(crate) stages: Vec<HookStage>,
    pub(crate) hook_details: Option<Value>,
    pub(crate) timeout_minutes: Option<u32>,
    pub(crate) timeout_action: Option<HookAction>,
}

impl HookConfig {
    pub(crate) fn target_type(&self) -> &'static str {
        match self.target {
            HookTarget::Lambda { .. } => "AWS_LAMBDA",
            HookTarget::Pause => "PAUSE",
        }
    }

    pub(crate) fn timeout_seconds(&self) -> f64 {
        f64::from(self.timeout_minutes.unwrap_or(DEFAULT_HOOK_TIMEOUT_MINUTES)) * 60.0
    }

    /// ECS's default timeout action is ROLLBACK.
    pub(crate) fn effective_timeout_action(&self) -> HookAction {
        self.timeout_action.unwrap_or(HookAction::Rollback)
    }
}

/// `deploymentConfiguration.alarms`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct AlarmsConfig {
    pub(crate) alarm_names: Vec<String>,
    pub(crate) enable: bool,
    pub(crate) rollback: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_steps_end_on_exactly_100_without_a_final_bake() {
        let steps = Strategy::Linear {
            step_percent: 30.0,
            step_bake_minutes: 2,
        }
        .production_steps();
        assert_eq!(
            steps,
            [(30.0, 120.0), (60.0, 120.0), (90.0, 120.0), (100.0, 0.0)]
        );
        let tenths = Strategy::Linear {
            step_percent: 10.0,
            step_bake_minutes: 0,
        }
        .production_steps();
        assert_eq!(tenths.len(), 10);
        assert_eq!(tenths.last(), Some(&(100.0, 0.0)));
    }

    #[test]
    fn canary_shifts_its_percent_then_the_rest() {
        let steps = Strategy::Canary {
            canary_percent: 5.0,
            canary_bake_minutes: 10,
        }
        .production_steps();
        assert_eq!(steps, [(5.0, 600.0), (100.0, 0.0)]);
        assert_eq!(Strategy::BlueGreen.production_steps(), [(100.0, 0.0)]);
    }

    #[test]
    fn pause_hooks_are_not_allowed_while_traffic_moves() {
        assert!(!HookStage::TestTrafficShift.allows_pause());
        assert!(!HookStage::ProductionTrafficShift.allows_pause());
        assert!(HookStage::PostScaleUp.allows_pause());
        assert_eq!(
            HookStage::parse("PRE_PRODUCTION_TRAFFIC_SHIFT"),
            Some(HookStage::PreProductionTrafficShift)
        );
    }
}
