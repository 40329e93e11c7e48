//! The `deploymentConfiguration` member of CreateService and UpdateService, in and out: read
//! and validated as ECS does (InvalidParameterException naming the member), and echoed back by
//! DescribeServices and DescribeServiceDeployments with the members that were accepted.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::deployment::{CircuitBreaker, DeploymentConfig, EarlySuccess, SourceCleanup};
use crate::model::strategy::{
    AlarmsConfig, DEFAULT_HOOK_TIMEOUT_MINUTES, HookAction, HookConfig, HookStage, HookTarget,
    Strategy,
};
use crate::wire::{EcsError, Fields};

/// The longest bake time ECS accepts, in minutes (24 h), for every bake and hook timeout.
const MAX_MINUTES: i64 = 1440;
const DEFAULT_LINEAR_STEP_PERCENT: f64 = 10.0;
const DEFAULT_LINEAR_STEP_BAKE_MINUTES: u32 = 6;
const DEFAULT_CANARY_PERCENT: f64 = 5.0;
const DEFAULT_CANARY_BAKE_MINUTES: u32 = 10;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeploymentConfigurationInput {
    maximum_percent: Option<i64>,
    minimum_healthy_percent: Option<i64>,
    deployment_circuit_breaker: Option<CircuitBreakerInput>,
    strategy: Option<String>,
    bake_time_in_minutes: Option<i64>,
    lifecycle_hooks: Option<Vec<HookInput>>,
    linear_configuration: Option<LinearInput>,
    canary_configuration: Option<CanaryInput>,
    alarms: Option<AlarmsInput>,
    early_success_criteria: Option<EarlySuccessInput>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EarlySuccessInput {
    enable: bool,
    healthy_percent: Option<i64>,
    source_service_revision_cleanup: Option<String>,
}

#[derive(Deserialize)]
struct CircuitBreakerInput {
    enable: bool,
    rollback: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HookInput {
    target_type: Option<String>,
    hook_target_arn: Option<String>,
    role_arn: Option<String>,
    lifecycle_stages: Option<Vec<String>>,
    hook_details: Option<Value>,
    timeout_configuration: Option<TimeoutInput>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TimeoutInput {
    timeout_in_minutes: Option<i64>,
    action: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LinearInput {
    step_percent: Option<f64>,
    step_bake_time_in_minutes: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CanaryInput {
    canary_percent: Option<f64>,
    canary_bake_time_in_minutes: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AlarmsInput {
    alarm_names: Vec<String>,
    enable: bool,
    rollback: bool,
}

fn invalid(message: String) -> EcsError {
    EcsError::invalid_parameter(message)
}

/// `value` minutes in 0..=1440, or InvalidParameterException naming `member`.
fn minutes(member: &str, value: i64) -> Result<u32, EcsError> {
    if (0..=MAX_MINUTES).contains(&value) {
        Ok(value as u32)
    } else {
        Err(invalid(format!(
            "deploymentConfiguration.{member}: {value} is out of range; it must be between 0 and {MAX_MINUTES} minutes."
        )))
    }
}

/// A percentage that must be a multiple of 0.1 within `low..=100.0`.
fn percent(member: &str, value: f64, low: f64) -> Result<f64, EcsError> {
    let tenths = value * 10.0;
    let multiple = (tenths - tenths.round()).abs() < 1e-6;
    if value.is_finite() && (low..=100.0).contains(&value) && multiple {
        Ok(tenths.round() / 10.0)
    } else {
        Err(invalid(format!(
            "deploymentConfiguration.{member}: {value} is not valid; it must be a multiple of 0.1 from {low:.1} to 100.0."
        )))
    }
}

/// The members of a `linearConfiguration` or `canaryConfiguration`: how much production traffic
/// one shift moves (a percentage from `lowest_percent`) and how long it bakes.
struct TrafficShiftMembers {
    percent: &'static str,
    lowest_percent: f64,
    bake_minutes: &'static str,
}

const LINEAR_SHIFT: TrafficShiftMembers = TrafficShiftMembers {
    percent: "linearConfiguration.stepPercent",
    lowest_percent: 3.0,
    bake_minutes: "linearConfiguration.stepBakeTimeInMinutes",
};

const CANARY_SHIFT: TrafficShiftMembers = TrafficShiftMembers {
    percent: "canaryConfiguration.canaryPercent",
    lowest_percent: 0.1,
    bake_minutes: "canaryConfiguration.canaryBakeTimeInMinutes",
};

/// The percent and bake minutes of a traffic shift: each member `given` (percent, then bake
/// minutes) validated as `members` says, each one not given kept from `base`.
fn traffic_shift(
    members: &TrafficShiftMembers,
    given: Option<(Option<f64>, Option<i64>)>,
    (base_percent, base_bake_minutes): (f64, u32),
) -> Result<(f64, u32), EcsError> {
    let (given_percent, given_bake_minutes) = given.unwrap_or_default();
    let shift_percent = match given_percent {
        Some(p) => percent(members.percent, p, members.lowest_percent)?,
        None => base_percent,
    };
    let bake_minutes = match given_bake_minutes {
        Some(m) => minutes(members.bake_minutes, m)?,
        None => base_bake_minutes,
    };
    Ok((shift_percent, bake_minutes))
}

/// Reads `deploymentConfiguration`, keeping `base` for members that are not given.
pub(super) fn parse(
    fields: &Fields,
    base: &DeploymentConfig,
) -> Result<Option<DeploymentConfig>, EcsError> {
    let Some(input) = fields.optional::<DeploymentConfigurationInput>("deploymentConfiguration")?
    else {
        return Ok(None);
    };
    let minimum = input
        .minimum_healthy_percent
        .unwrap_or(i64::from(base.minimum_healthy_percent));
    let maximum = input
        .maximum_percent
        .unwrap_or(i64::from(base.maximum_percent));
    if !(0..=100).contains(&minimum) {
        return Err(invalid(format!(
            "deploymentConfiguration.minimumHealthyPercent: {minimum} is out of range; it must be between 0 and 100."
        )));
    }
    if !(100..=1000).contains(&maximum) {
        return Err(invalid(format!(
            "deploymentConfiguration.maximumPercent: {maximum} is out of range; it must be between 100 and 1000."
        )));
    }
    if minimum == 100 && maximum == 100 {
        return Err(invalid(
            "deploymentConfiguration: minimumHealthyPercent 100 with maximumPercent 100 leaves no room to replace \
             a task; raise maximumPercent (e.g. 200) or lower minimumHealthyPercent."
                .to_owned(),
        ));
    }
    let circuit_breaker =
        input
            .deployment_circuit_breaker
            .as_ref()
            .map_or(base.circuit_breaker, |cb| CircuitBreaker {
                enable: cb.enable,
                rollback: cb.rollback,
            });
    let strategy = strategy(&input, base.strategy)?;
    let bake_time_minutes = match input.bake_time_in_minutes {
        Some(value) => Some(minutes("bakeTimeInMinutes", value)?),
        None => base.bake_time_minutes,
    };
    if strategy == Strategy::BlueGreen && bake_time_minutes.is_none() {
        return Err(invalid(
            "deploymentConfiguration.bakeTimeInMinutes is required with strategy BLUE_GREEN."
                .to_owned(),
        ));
    }
    let lifecycle_hooks = match input.lifecycle_hooks {
        Some(hooks) => hooks
            .into_iter()
            .enumerate()
            .map(|(index, hook)| lifecycle_hook(index, hook))
            .collect::<Result<Vec<_>, _>>()?,
        None => base.lifecycle_hooks.clone(),
    };
    if !strategy.is_staged() && !lifecycle_hooks.is_empty() {
        return Err(invalid(
            "deploymentConfiguration.lifecycleHooks: lifecycle hooks need strategy BLUE_GREEN, LINEAR or CANARY, not ROLLING."
                .to_owned(),
        ));
    }
    let alarms = input
        .alarms
        .map(|a| AlarmsConfig {
            alarm_names: a.alarm_names,
            enable: a.enable,
            rollback: a.rollback,
        })
        .or_else(|| base.alarms.clone());
    let early_success = early_success(
        input.early_success_criteria,
        base.early_success,
        strategy,
        minimum,
    )?;
    Ok(Some(DeploymentConfig {
        minimum_healthy_percent: minimum as u32,
        maximum_percent: maximum as u32,
        circuit_breaker,
        strategy,
        bake_time_minutes,
        lifecycle_hooks,
        alarms,
        early_success,
    }))
}

/// The `earlySuccessCriteria` of a deployment configuration with `strategy` and `minimum`
/// (minimumHealthyPercent): the given one, validated, else the base service's while it stays
/// ROLLING (as the linear and canary configurations are kept only with their strategy). Either
/// way its healthyPercent may not be below `minimum`.
fn early_success(
    given: Option<EarlySuccessInput>,
    base: Option<EarlySuccess>,
    strategy: Strategy,
    minimum: i64,
) -> Result<Option<EarlySuccess>, EcsError> {
    let criteria = match given {
        None => base.filter(|_| strategy == Strategy::Rolling),
        Some(given) => Some(given_early_success(given, strategy)?),
    };
    if let Some(percent) = criteria.and_then(|c| c.healthy_percent)
        && i64::from(percent) < minimum
    {
        return Err(invalid(format!(
            "{EARLY_SUCCESS}.healthyPercent: {percent} is below minimumHealthyPercent {minimum}; it \
             must be between minimumHealthyPercent and 100."
        )));
    }
    Ok(criteria)
}

const EARLY_SUCCESS: &str = "deploymentConfiguration.earlySuccessCriteria";

/// A given `earlySuccessCriteria`: ROLLING only; with `enable` both other members are required.
fn given_early_success(
    given: EarlySuccessInput,
    strategy: Strategy,
) -> Result<EarlySuccess, EcsError> {
    if strategy != Strategy::Rolling {
        return Err(invalid(format!(
            "{EARLY_SUCCESS} is only valid with strategy ROLLING, not {}.",
            strategy.as_str()
        )));
    }
    let required = |member: &str| {
        invalid(format!(
            "{EARLY_SUCCESS}.{member} is required when earlySuccessCriteria.enable is true."
        ))
    };
    let healthy_percent = match given.healthy_percent {
        Some(percent) if !(0..=100).contains(&percent) => {
            return Err(invalid(format!(
                "{EARLY_SUCCESS}.healthyPercent: {percent} is out of range; it must be between 0 and 100."
            )));
        }
        Some(percent) => Some(percent as u32),
        None if given.enable => return Err(required("healthyPercent")),
        None => None,
    };
    let cleanup = match given.source_service_revision_cleanup.as_deref() {
        Some(value) => Some(SourceCleanup::parse(value).ok_or_else(|| {
            invalid(format!(
                "{EARLY_SUCCESS}.sourceServiceRevisionCleanup: `{value}` is not valid; valid: {}.",
                SourceCleanup::ECS_VALUES.join(", ")
            ))
        })?),
        None if given.enable => return Err(required("sourceServiceRevisionCleanup")),
        None => None,
    };
    Ok(EarlySuccess {
        enable: given.enable,
        healthy_percent,
        cleanup,
    })
}

/// The strategy with its linear or canary configuration (given members, else the base
/// service's when it had the same strategy, else ECS's defaults).
fn strategy(input: &DeploymentConfigurationInput, base: Strategy) -> Result<Strategy, EcsError> {
    let name = input.strategy.as_deref().unwrap_or(base.as_str());
    if name != "LINEAR" && input.linear_configuration.is_some() {
        return Err(invalid(format!(
            "deploymentConfiguration.linearConfiguration is only valid with strategy LINEAR, not {name}."
        )));
    }
    if name != "CANARY" && input.canary_configuration.is_some() {
        return Err(invalid(format!(
            "deploymentConfiguration.canaryConfiguration is only valid with strategy CANARY, not {name}."
        )));
    }
    Ok(match name {
        "ROLLING" => Strategy::Rolling,
        "BLUE_GREEN" => Strategy::BlueGreen,
        "LINEAR" => {
            let base = match base {
                Strategy::Linear {
                    step_percent,
                    step_bake_minutes,
                } => (step_percent, step_bake_minutes),
                _ => (
                    DEFAULT_LINEAR_STEP_PERCENT,
                    DEFAULT_LINEAR_STEP_BAKE_MINUTES,
                ),
            };
            let given = input
                .linear_configuration
                .as_ref()
                .map(|c| (c.step_percent, c.step_bake_time_in_minutes));
            let (step_percent, step_bake_minutes) = traffic_shift(&LINEAR_SHIFT, given, base)?;
            Strategy::Linear {
                step_percent,
                step_bake_minutes,
            }
        }
        "CANARY" => {
            let base = match base {
                Strategy::Canary {
                    canary_percent,
                    canary_bake_minutes,
                } => (canary_percent, canary_bake_minutes),
                _ => (DEFAULT_CANARY_PERCENT, DEFAULT_CANARY_BAKE_MINUTES),
            };
            let given = input
                .canary_configuration
                .as_ref()
                .map(|c| (c.canary_percent, c.canary_bake_time_in_minutes));
            let (canary_percent, canary_bake_minutes) = traffic_shift(&CANARY_SHIFT, given, base)?;
            Strategy::Canary {
                canary_percent,
                canary_bake_minutes,
            }
        }
        other => {
            return Err(invalid(format!(
                "deploymentConfiguration.strategy: `{other}` is not a deployment strategy; valid: ROLLING, BLUE_GREEN, LINEAR, CANARY."
            )));
        }
    })
}

fn lifecycle_hook(index: usize, hook: HookInput) -> Result<HookConfig, EcsError> {
    let member = format!("deploymentConfiguration.lifecycleHooks[{index}]");
    let target = match hook.target_type.as_deref().unwrap_or("AWS_LAMBDA") {
        "AWS_LAMBDA" => {
            let arn = hook.hook_target_arn.clone().ok_or_else(|| {
                invalid(format!(
                    "{member}.hookTargetArn is required for an AWS_LAMBDA lifecycle hook."
                ))
            })?;
            if !(arn.starts_with("arn:") && arn.contains(":lambda:") && arn.contains(":function:"))
            {
                return Err(invalid(format!(
                    "{member}.hookTargetArn: `{arn}` is not a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>)."
                )));
            }
            if hook.role_arn.is_none() {
                return Err(invalid(format!(
                    "{member}.roleArn is required for an AWS_LAMBDA lifecycle hook: ECS assumes it to invoke the function."
                )));
            }
            HookTarget::Lambda { function_arn: arn }
        }
        "PAUSE" => {
            if hook.hook_target_arn.is_some() {
                return Err(invalid(format!(
                    "{member}.hookTargetArn is not applicable to a PAUSE lifecycle hook."
                )));
            }
            HookTarget::Pause
        }
        other => {
            return Err(invalid(format!(
                "{member}.targetType: `{other}` is not a lifecycle hook target type; valid: AWS_LAMBDA, PAUSE."
            )));
        }
    };
    let names = hook.lifecycle_stages.unwrap_or_default();
    if names.is_empty() {
        return Err(invalid(format!(
            "{member}.lifecycleStages is required: name at least one lifecycle stage."
        )));
    }
    let mut stages = Vec::with_capacity(names.len());
    for name in &names {
        let stage = HookStage::parse(name).ok_or_else(|| {
            invalid(format!(
                "{member}.lifecycleStages: `{name}` is not a lifecycle hook stage; valid: {}.",
                HookStage::ALL.map(HookStage::as_str).join(", ")
            ))
        })?;
        if target == HookTarget::Pause && !stage.allows_pause() {
            return Err(invalid(format!(
                "{member}.lifecycleStages: PAUSE hooks cannot be configured at {name}; only AWS_LAMBDA hooks run while traffic shifts."
            )));
        }
        stages.push(stage);
    }
    let (timeout_minutes, timeout_action) = match hook.timeout_configuration {
        None => (None, None),
        Some(timeout) => {
            let minutes = timeout
                .timeout_in_minutes
                .map(|m| {
                    if (1..=MAX_MINUTES).contains(&m) {
                        Ok(m as u32)
                    } else {
                        Err(invalid(format!(
                            "{member}.timeoutConfiguration.timeoutInMinutes: {m} is out of range; it must be between 1 and {MAX_MINUTES} (default {DEFAULT_HOOK_TIMEOUT_MINUTES})."
                        )))
                    }
                })
                .transpose()?;
            let action = timeout
                .action
                .map(|a| {
                    HookAction::parse(&a).ok_or_else(|| {
                        invalid(format!(
                            "{member}.timeoutConfiguration.action: `{a}` is not valid; valid: CONTINUE, ROLLBACK."
                        ))
                    })
                })
                .transpose()?;
            (minutes, action)
        }
    };
    Ok(HookConfig {
        target,
        role_arn: hook.role_arn,
        stages,
        hook_details: hook.hook_details,
        timeout_minutes,
        timeout_action,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CircuitBreakerView {
    enable: bool,
    rollback: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AlarmsView {
    alarm_names: Vec<String>,
    enable: bool,
    rollback: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TimeoutView {
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout_in_minutes: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct HookView {
    target_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    hook_target_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role_arn: Option<String>,
    lifecycle_stages: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hook_details: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout_configuration: Option<TimeoutView>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LinearView {
    step_percent: f64,
    step_bake_time_in_minutes: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CanaryView {
    canary_percent: f64,
    canary_bake_time_in_minutes: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct EarlySuccessView {
    enable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    healthy_percent: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_service_revision_cleanup: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeploymentConfigurationView {
    deployment_circuit_breaker: CircuitBreakerView,
    maximum_percent: u32,
    minimum_healthy_percent: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    alarms: Option<AlarmsView>,
    strategy: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    bake_time_in_minutes: Option<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    lifecycle_hooks: Vec<HookView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    linear_configuration: Option<LinearView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    canary_configuration: Option<CanaryView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    early_success_criteria: Option<EarlySuccessView>,
}

impl From<&HookConfig> for HookView {
    fn from(hook: &HookConfig) -> Self {
        let timeout =
            (hook.timeout_minutes.is_some() || hook.timeout_action.is_some()).then(|| {
                TimeoutView {
                    timeout_in_minutes: hook.timeout_minutes,
                    action: hook.timeout_action.map(HookAction::as_str),
                }
            });
        HookView {
            target_type: hook.target_type(),
            hook_target_arn: match &hook.target {
                HookTarget::Lambda { function_arn } => Some(function_arn.clone()),
                HookTarget::Pause => None,
            },
            role_arn: hook.role_arn.clone(),
            lifecycle_stages: hook.stages.iter().map(|s| s.as_str()).collect(),
            hook_details: hook.hook_details.clone(),
            timeout_configuration: timeout,
        }
    }
}

impl From<&DeploymentConfig> for DeploymentConfigurationView {
    fn from(config: &DeploymentConfig) -> Self {
        Self {
            deployment_circuit_breaker: CircuitBreakerView {
                enable: config.circuit_breaker.enable,
                rollback: config.circuit_breaker.rollback,
            },
            maximum_percent: config.maximum_percent,
            minimum_healthy_percent: config.minimum_healthy_percent,
            alarms: config.alarms.as_ref().map(|a| AlarmsView {
                alarm_names: a.alarm_names.clone(),
                enable: a.enable,
                rollback: a.rollback,
            }),
            strategy: config.strategy.as_str(),
            bake_time_in_minutes: config.bake_time_minutes,
            lifecycle_hooks: config.lifecycle_hooks.iter().map(HookView::from).collect(),
            linear_configuration: match config.strategy {
                Strategy::Linear {
                    step_percent,
                    step_bake_minutes,
                } => Some(LinearView {
                    step_percent,
                    step_bake_time_in_minutes: step_bake_minutes,
                }),
                _ => None,
            },
            canary_configuration: match config.strategy {
                Strategy::Canary {
                    canary_percent,
                    canary_bake_minutes,
                } => Some(CanaryView {
                    canary_percent,
                    canary_bake_time_in_minutes: canary_bake_minutes,
                }),
                _ => None,
            },
            early_success_criteria: config.early_success.map(|e| EarlySuccessView {
                enable: e.enable,
                healthy_percent: e.healthy_percent,
                source_service_revision_cleanup: e.cleanup.map(SourceCleanup::as_str),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `deploymentConfiguration` `json` read over `base`.
    fn read(json: &str, base: &DeploymentConfig) -> Result<DeploymentConfig, EcsError> {
        let body = format!(r#"{{"deploymentConfiguration": {json}}}"#);
        let fields = Fields::parse(body.as_bytes()).unwrap();
        Ok(parse(&fields, base)?.expect("deploymentConfiguration was given"))
    }

    fn rejected(json: &str, base: &DeploymentConfig) -> String {
        let error = read(json, base).expect_err(json);
        assert_eq!(
            error.code,
            crate::wire::ErrorCode::InvalidParameter,
            "{json}"
        );
        error.message
    }

    const DEFERRED_AT_50: &str = r#"{"minimumHealthyPercent": 50, "earlySuccessCriteria":
        {"enable": true, "healthyPercent": 50, "sourceServiceRevisionCleanup": "DEFERRED"}}"#;

    #[test]
    fn early_success_criteria_are_read_and_echoed() {
        let config = read(DEFERRED_AT_50, &DeploymentConfig::default()).unwrap();
        let expected = EarlySuccess {
            enable: true,
            healthy_percent: Some(50),
            cleanup: Some(SourceCleanup::Deferred),
        };
        assert_eq!(config.early_success, Some(expected));
        let echoed = serde_json::to_value(DeploymentConfigurationView::from(&config)).unwrap();
        assert_eq!(
            echoed["earlySuccessCriteria"],
            serde_json::json!({"enable": true, "healthyPercent": 50, "sourceServiceRevisionCleanup": "DEFERRED"})
        );
        let disabled = read(
            r#"{"earlySuccessCriteria": {"enable": false}}"#,
            &DeploymentConfig::default(),
        )
        .unwrap();
        let echoed = serde_json::to_value(DeploymentConfigurationView::from(&disabled)).unwrap();
        assert_eq!(
            echoed["earlySuccessCriteria"],
            serde_json::json!({"enable": false})
        );
        let none = serde_json::to_value(DeploymentConfigurationView::from(
            &DeploymentConfig::default(),
        ))
        .unwrap();
        assert!(none.get("earlySuccessCriteria").is_none());
    }

    #[test]
    fn early_success_criteria_are_kept_while_rolling_and_dropped_with_another_strategy() {
        let base = read(DEFERRED_AT_50, &DeploymentConfig::default()).unwrap();
        let kept = read(r#"{"maximumPercent": 150}"#, &base).unwrap();
        assert_eq!(kept.early_success, base.early_success);
        let blue_green = read(
            r#"{"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1}"#,
            &base,
        )
        .unwrap();
        assert_eq!(blue_green.early_success, None);
        let message = rejected(r#"{"minimumHealthyPercent": 75}"#, &base);
        assert!(
            message.contains(
                "earlySuccessCriteria.healthyPercent: 50 is below minimumHealthyPercent 75"
            ),
            "{message}"
        );
    }

    #[test]
    fn invalid_early_success_criteria_name_the_member() {
        let base = DeploymentConfig::default();
        let cases = [
            (
                r#"{"strategy": "CANARY", "earlySuccessCriteria": {"enable": false}}"#,
                "deploymentConfiguration.earlySuccessCriteria is only valid with strategy ROLLING, not CANARY.",
            ),
            (
                r#"{"minimumHealthyPercent": 0, "earlySuccessCriteria": {"enable": true, "healthyPercent": 101, "sourceServiceRevisionCleanup": "BLOCKING"}}"#,
                "deploymentConfiguration.earlySuccessCriteria.healthyPercent: 101 is out of range; it must be between 0 and 100.",
            ),
            (
                r#"{"earlySuccessCriteria": {"enable": true, "healthyPercent": 90, "sourceServiceRevisionCleanup": "BLOCKING"}}"#,
                "deploymentConfiguration.earlySuccessCriteria.healthyPercent: 90 is below minimumHealthyPercent 100; it must be between minimumHealthyPercent and 100.",
            ),
            (
                r#"{"earlySuccessCriteria": {"enable": true, "sourceServiceRevisionCleanup": "BLOCKING"}}"#,
                "deploymentConfiguration.earlySuccessCriteria.healthyPercent is required when earlySuccessCriteria.enable is true.",
            ),
            (
                r#"{"earlySuccessCriteria": {"enable": true, "healthyPercent": 100}}"#,
                "deploymentConfiguration.earlySuccessCriteria.sourceServiceRevisionCleanup is required when earlySuccessCriteria.enable is true.",
            ),
            (
                r#"{"earlySuccessCriteria": {"enable": true, "healthyPercent": 100, "sourceServiceRevisionCleanup": "LATER"}}"#,
                "deploymentConfiguration.earlySuccessCriteria.sourceServiceRevisionCleanup: `LATER` is not valid; valid: BLOCKING, DEFERRED.",
            ),
        ];
        for (json, message) in cases {
            assert_eq!(rejected(json, &base), message);
        }
    }
}
