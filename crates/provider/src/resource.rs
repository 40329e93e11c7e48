//! `WaitForEcsDeployment`: its typed inputs ([`WaitArgs`]), results ([`WaitResults`]) and state
//! ([`WaitState`] = inputs + results), each field documented where it is declared.
//!
//! These declarations ARE the field table: the schema, `Check`'s validation and defaults, and the wire
//! conversion all read them. Validation reuses `ecs_watcher::input`, so the CLI and the provider reject the
//! same values with the same words.

use std::time::Duration;

use ecs_watcher::input::{self, DurationInput, InputError};
use ecs_watcher::{Outcome, WaitOptions, WaitReport, WaitRequest, WaitUntil};
use prost_types::Value;
use prost_types::value::Kind;

use crate::fields::{FieldDefault, FieldSpec, FieldType};
use crate::properties::{
    FieldError, PropertyMap, PropertyValue, Revealed, any_value, apply_defaults, string_value,
    typed_properties, unknown_properties,
};
use crate::validate;

const MAX_TASK_FAILURES_LIMIT: u32 = 1000;

typed_properties! {
    /// Waits for an Amazon ECS service deployment of `desiredTaskDef` to finish, then records whether it worked
    /// (`status` COMPLETED or FAILED, the precise `outcome`, and the real reason in `failureMessage`).
    /// By default a failed, rolled-back or timed-out deployment fails the Pulumi operation (`failOnError`).
    /// A drop-in for `@wanews/pulumi-wait-for-ecs-deploy`'s `WaitForEcsDeployment`.
    pub struct WaitArgs {
        /// The name or ARN of the ECS cluster that runs the service.
        cluster_name: String as "clusterName" {
            default: None, secret: false, validate: validate::required(input::cluster),
        },
        /// The name or ARN of the ECS service being deployed.
        service_name: String as "serviceName" {
            default: None, secret: false, validate: validate::required(input::service),
        },
        /// The task definition the deployment should end up serving: a full task definition ARN (compared
        /// exactly) or `family:revision`. Usually the `arn` of the `aws.ecs.TaskDefinition` given to the service.
        desired_task_def: String as "desiredTaskDef" {
            default: None, secret: false, validate: validate::required(input::task_definition),
        },
        /// How long to wait, in milliseconds, before treating the deployment as failed (outcome TIMED_OUT).
        /// At most 86400000 (24 hours). A shorter Pulumi `customTimeouts` create/update value wins.
        timeout_ms: u64 as "timeoutMs" {
            default: Some(FieldDefault::Integer(180_000)), secret: false, validate: valid_timeout,
        },
        /// The AWS region of the cluster. Overrides the provider's `region` and the AWS environment.
        aws_region: Option<String> as "awsRegion" {
            default: None, secret: false, validate: validate::optional(input::region),
        },
        /// The ARN of an IAM role to assume for the ECS calls. Overrides the provider's `assumeRole`.
        assume_role: Option<String> as "assumeRole" {
            default: None, secret: false, validate: validate::optional(input::role_arn),
        },
        /// The external ID to present when assuming `assumeRole`, if the role's trust policy requires one.
        external_id: Option<String> as "externalId" {
            default: None, secret: true, validate: valid_external_id,
        },
        /// How many tasks of the deployment may stop (fail to start, exit, fail health checks) while none is
        /// healthy before the deployment is declared FAILED as a crash loop, with or without a circuit breaker.
        /// 0 turns crash-loop detection off.
        max_task_failures: u32 as "maxTaskFailures" {
            default: Some(FieldDefault::Integer(3)), secret: false, validate: valid_max_task_failures,
        },
        /// Whether a FAILED, ROLLED_BACK or TIMED_OUT deployment fails the Pulumi operation. When false the
        /// outcome is only recorded in `status`, `outcome` and `failureMessage`.
        fail_on_error: bool as "failOnError" {
            default: Some(FieldDefault::Boolean(true)), secret: false, validate: any_value,
        },
        /// How often to poll ECS, in milliseconds (100 to 300000).
        poll_interval_ms: u64 as "pollIntervalMs" {
            default: Some(FieldDefault::Integer(2000)), secret: false, validate: valid_poll_interval,
        },
        /// What counts as done (default `deployed`): `deployed` waits until the deployment finished, after any
        /// bake time; `paused` stops as soon as a PAUSE lifecycle hook awaits action (an approval gate);
        /// `stage:<LIFECYCLE_STAGE>` stops once the deployment reached or passed that stage, e.g.
        /// `stage:POST_TEST_TRAFFIC_SHIFT` (test traffic is on the new revision). `paused` and `stage:` need a
        /// service deploying with strategy BLUE_GREEN, LINEAR or CANARY.
        wait_until: Option<String> as "waitUntil" {
            default: None, secret: false, validate: validate::optional(WaitUntil::parse),
        },
        /// Roll the deployment back (ECS StopServiceDeployment with stopType ROLLBACK) when the wait ends in one
        /// of these: `failed` (FAILED, e.g. a crash loop without circuit breaker), `timedOut` (TIMED_OUT: the
        /// deployment is still in progress), `cancelled` (the Pulumi operation was cancelled, e.g. Ctrl-C on
        /// `pulumi up`; the rollback is requested before the provider stops). Default: never. The outcome stays
        /// what it was; `rollbackStatus` and `failureMessage` say what the rollback did. Needs the IAM
        /// permission ecs:StopServiceDeployment.
        rollback_on: Vec<String> as "rollbackOn" {
            default: None, secret: false, validate: valid_rollback_on,
        },
    }
}

typed_properties! {
    /// What the wait found out about the deployment.
    pub struct WaitResults {
        /// `COMPLETED` when the deployment finished and serves `desiredTaskDef`, otherwise `FAILED` (the values of
        /// the npm package).
        status: String as "status" { default: None, secret: false, validate: any_value },
        /// Why the deployment did not complete, in one line: the ECS status reason, up to three distinct
        /// stopped-task reasons with container name and exit code, and relevant service events. Empty on success.
        failure_message: String as "failureMessage" { default: None, secret: false, validate: any_value },
        /// The precise verdict: `COMPLETED`, `FAILED`, `ROLLED_BACK` (ECS rolled the service back) or `TIMED_OUT`.
        outcome: Outcome as "outcome" { default: None, secret: false, validate: any_value },
        /// The ECS deployment that was followed (`ecs-svc/...`), when one was found.
        deployment_id: Option<String> as "deploymentId" { default: None, secret: false, validate: any_value },
        /// The task definition ARN the service's primary deployment actually serves, as last seen.
        primary_task_def: Option<String> as "primaryTaskDef" {
            default: None, secret: false, validate: any_value,
        },
        /// How long the wait took, in seconds.
        elapsed_seconds: f64 as "elapsedSeconds" { default: None, secret: false, validate: any_value },
        /// Blue/green, linear and canary deployments: the lifecycle stage the deployment was in when the wait
        /// ended (e.g. `BAKE_TIME`, `CLEAN_UP`).
        lifecycle_stage: Option<String> as "lifecycleStage" {
            default: None, secret: false, validate: any_value,
        },
        /// The id of the PAUSE lifecycle hook the deployment waits at (with `waitUntil: paused`), to pass to
        /// `aws ecs continue-service-deployment --hook-id`.
        paused_hook_id: Option<String> as "pausedHookId" {
            default: None, secret: false, validate: any_value,
        },
        /// With `rollbackOn`: what the rollback did — `ROLLBACK_SUCCESSFUL`, `ROLLBACK_FAILED`, still
        /// `ROLLBACK_IN_PROGRESS` when the provider stopped following it, or `NOT_REQUESTED` (the reason is in
        /// `failureMessage`, e.g. the deployment had already ended or the permission is missing).
        rollback_status: Option<String> as "rollbackStatus" {
            default: None, secret: false, validate: any_value,
        },
    }
}

impl PropertyValue for Outcome {
    const FIELD_TYPE: FieldType = FieldType::String;

    fn from_value(spec: &FieldSpec, value: &Value) -> Result<Self, FieldError> {
        let all = [
            Outcome::Completed,
            Outcome::Failed,
            Outcome::RolledBack,
            Outcome::TimedOut,
        ];
        match &value.kind {
            Some(Kind::StringValue(text)) => all.into_iter().find(|o| o.as_str() == text),
            _ => None,
        }
        .ok_or_else(|| {
            FieldError::new(
                spec.name,
                format!(
                    "invalid {} {}: expected COMPLETED, FAILED, ROLLED_BACK or TIMED_OUT",
                    spec.name,
                    crate::properties::describe_value(value)
                ),
            )
        })
    }

    fn to_value(&self) -> Option<Value> {
        Some(string_value(self.as_str()))
    }
}

/// The resource's outputs: its inputs plus what the wait found.
#[derive(Clone, Debug, PartialEq)]
pub struct WaitState {
    pub args: WaitArgs,
    pub results: WaitResults,
}

/// All the tables whose properties make up the resource's outputs.
pub const OUTPUT_TABLES: &[&[FieldSpec]] = &[WaitArgs::FIELDS, WaitResults::FIELDS];

impl WaitState {
    pub fn decode(values: &PropertyMap) -> Result<Self, Vec<FieldError>> {
        match (WaitArgs::decode(values), WaitResults::decode(values)) {
            (Ok(args), Ok(results)) => Ok(WaitState { args, results }),
            (args, results) => Err(args
                .err()
                .into_iter()
                .chain(results.err())
                .flatten()
                .collect()),
        }
    }

    pub fn encode(&self) -> PropertyMap {
        let mut values = PropertyMap::new();
        self.args.encode_into(&mut values);
        self.results.encode_into(&mut values);
        values
    }

    /// The outputs of a finished wait.
    pub fn from_report(args: WaitArgs, report: &WaitReport) -> Self {
        let results = WaitResults {
            status: report.outcome.status().to_string(),
            failure_message: report.failure_message.clone(),
            outcome: report.outcome,
            deployment_id: report.deployment_id.clone(),
            primary_task_def: report.primary_task_definition.clone(),
            // Tenths of a second: finer digits would only make every refresh look like drift.
            elapsed_seconds: (report.elapsed.as_secs_f64() * 10.0).round() / 10.0,
            lifecycle_stage: report.lifecycle_stage.as_ref().map(ToString::to_string),
            paused_hook_id: report.paused_hook.as_ref().map(|hook| hook.hook_id.clone()),
            rollback_status: None,
        };
        WaitState { args, results }
    }

    /// `<cluster>/<service>/<deploymentId or desiredTaskDef>`: stable for one deployment, readable in `pulumi stack`.
    pub fn resource_id(&self) -> String {
        let deployment = self
            .results
            .deployment_id
            .as_deref()
            .unwrap_or(&self.args.desired_task_def);
        format!(
            "{}/{}/{}",
            self.args.cluster_name, self.args.service_name, deployment
        )
    }

    /// The verdict is one that fails the Pulumi operation.
    pub fn fails_operation(&self) -> bool {
        self.args.fail_on_error && self.results.outcome != Outcome::Completed
    }

    /// The one-line error text shown by Pulumi when the operation fails.
    pub fn failure_summary(&self) -> String {
        format!(
            "deployment of {} to service {} in cluster {} {}: {}",
            self.args.desired_task_def,
            self.args.service_name,
            self.args.cluster_name,
            self.results.outcome.as_str(),
            self.results.failure_message
        )
    }
}

impl WaitArgs {
    pub fn wait_request(&self) -> WaitRequest {
        WaitRequest {
            cluster: self.cluster_name.clone(),
            service: self.service_name.clone(),
            desired_task_definition: Some(self.desired_task_def.clone()),
            deployment: None,
        }
    }

    /// The wait's options; `engine_timeout_seconds` is the request's `timeout` (customTimeouts; 0 = unset).
    pub fn wait_options(&self, engine_timeout_seconds: f64) -> WaitOptions {
        WaitOptions {
            timeout: self.effective_timeout(engine_timeout_seconds),
            poll_interval: Duration::from_millis(self.poll_interval_ms),
            max_task_failures: self.max_task_failures,
            // Check validated it; an unparsable value here would be a state written by hand.
            wait_until: self
                .wait_until
                .as_deref()
                .and_then(|text| WaitUntil::parse("waitUntil", text).ok())
                .unwrap_or_default(),
            ..WaitOptions::default()
        }
    }

    /// The smaller of `timeoutMs` and the engine's timeout for this operation (when it sets one).
    pub fn effective_timeout(&self, engine_timeout_seconds: f64) -> Duration {
        let own = Duration::from_millis(self.timeout_ms);
        if engine_timeout_seconds > 0.0 {
            Duration::try_from_secs_f64(engine_timeout_seconds)
                .map_or(own, |engine| own.min(engine))
        } else {
            own
        }
    }
}

/// `Check`: unknown names, types, values and cross-field rules, reported per property.
pub fn check_inputs(news: &Revealed) -> Vec<FieldError> {
    let mut failures = unknown_properties(&news.values, &[WaitArgs::FIELDS], &[]);
    failures.extend(WaitArgs::check(&news.values));
    let known_string = |name: &str| match news.values.get(name).and_then(|v| v.kind.as_ref()) {
        Some(Kind::StringValue(text)) => Some(text.as_str()),
        _ => None,
    };
    let assume_role_absent = news
        .values
        .get("assumeRole")
        .is_none_or(crate::properties::is_null);
    if known_string("externalId").is_some() && assume_role_absent {
        failures.push(FieldError::new(
            "externalId",
            "externalId is only used when assuming a role: set assumeRole too, or remove externalId",
        ));
    }
    // Cross-checks only between values that are known and valid on their own.
    let valid_known = |name: &str| {
        known_string(name).filter(|text| {
            *text != crate::properties::UNKNOWN && !failures.iter().any(|f| f.property == name)
        })
    };
    let given = |field, value| input::Given { field, value };
    let misplaced = input::same_place(
        valid_known("clusterName").map(|cluster| given("clusterName", cluster)),
        valid_known("serviceName").map(|service| given("serviceName", service)),
        valid_known("desiredTaskDef").map(|td| given("desiredTaskDef", td)),
        valid_known("awsRegion").map(|region| given("awsRegion", region)),
    );
    if let Err(error) = misplaced {
        failures.push(FieldError::new(error.field.clone(), error.to_string()));
    }
    failures
}

/// The inputs `Check` hands back: the given ones plus defaults.
pub fn checked_inputs(news: &Revealed) -> Revealed {
    let mut checked = news.clone();
    apply_defaults(WaitArgs::FIELDS, &mut checked.values);
    checked
}

/// The rule of STS AssumeRole's ExternalId. The value is a secret, so the message does not show it.
fn valid_external_id(field: &str, value: &Option<String>) -> Result<(), String> {
    let Some(external_id) = value else {
        return Ok(());
    };
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c);
    if (2..=1224).contains(&external_id.len()) && external_id.chars().all(allowed) {
        Ok(())
    } else {
        Err(format!(
            "invalid {field} (secret value not shown): expected 2 to 1224 letters, digits or _+=,.@:/- characters"
        ))
    }
}

fn valid_timeout(field: &str, value: &u64) -> Result<(), String> {
    let timeout = Duration::from_millis(*value);
    validate::reason(input::timeout(field, timeout, DurationInput::Milliseconds))
}

fn valid_poll_interval(field: &str, value: &u64) -> Result<(), String> {
    let interval = Duration::from_millis(*value);
    validate::reason(input::poll_interval(
        field,
        interval,
        DurationInput::Milliseconds,
    ))
}

fn valid_rollback_on(field: &str, values: &Vec<String>) -> Result<(), String> {
    for value in values {
        if !matches!(value.as_str(), "failed" | "timedOut" | "cancelled") {
            return Err(InputError::new(
                field,
                value,
                "expected a list of `failed`, `timedOut` and `cancelled`",
            )
            .to_string());
        }
    }
    Ok(())
}

fn valid_max_task_failures(field: &str, value: &u32) -> Result<(), String> {
    if *value <= MAX_TASK_FAILURES_LIMIT {
        Ok(())
    } else {
        Err(InputError::new(
            field,
            &value.to_string(),
            format!("expected 0 (off) to {MAX_TASK_FAILURES_LIMIT}; the default is 3"),
        )
        .to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::properties::{bool_value, number_value, reveal, revealed, unknown_value};

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

    /// The minimal inputs with `changes` set (replacing or adding properties).
    fn minimal_with(changes: &[(&str, Value)]) -> Revealed {
        let mut news = revealed(&minimal());
        for (name, value) in changes {
            news.values.insert(name.to_string(), value.clone());
        }
        news
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
        let checked = checked_inputs(&news);
        let args = WaitArgs::decode(&checked.values).unwrap();
        assert_eq!(args.timeout_ms, 180_000);
        assert_eq!(args.max_task_failures, 3);
        assert!(args.fail_on_error);
        assert_eq!(args.poll_interval_ms, 2000);
    }

    #[test]
    fn wait_until_and_rollback_on_are_checked_and_reach_the_wait() {
        let list = |items: &[&str]| Value {
            kind: Some(Kind::ListValue(prost_types::ListValue {
                values: items.iter().map(|item| string_value(*item)).collect(),
            })),
        };
        let news = minimal_with(&[
            ("waitUntil", string_value("stage:POST_TEST_TRAFFIC_SHIFT")),
            ("rollbackOn", list(&["failed", "cancelled"])),
        ]);
        assert!(check_inputs(&news).is_empty());
        let args = WaitArgs::decode(&checked_inputs(&news).values).unwrap();
        assert_eq!(
            args.wait_options(0.0).wait_until,
            WaitUntil::Stage(ecs_watcher::model::LifecycleStage::PostTestTrafficShift)
        );
        assert_eq!(args.rollback_on, ["failed", "cancelled"]);
        // Absent: deployed, and never a rollback; an empty list is left out of the outputs.
        let plain = WaitArgs::decode(&checked_inputs(&minimal_with(&[])).values).unwrap();
        assert_eq!(plain.wait_options(0.0).wait_until, WaitUntil::Deployed);
        assert!(plain.rollback_on.is_empty());

        let failures = check_inputs(&minimal_with(&[
            ("waitUntil", string_value("halfway")),
            ("rollbackOn", list(&["failed", "timed-out"])),
        ]));
        let reason = |name: &str| {
            failures
                .iter()
                .find(|f| f.property == name)
                .map(|f| f.reason.clone())
                .unwrap_or_default()
        };
        assert!(reason("waitUntil").contains("`halfway`"), "{failures:?}");
        assert!(
            reason("waitUntil").contains("stage:<LIFECYCLE_STAGE>"),
            "{failures:?}"
        );
        assert!(reason("rollbackOn").contains("`timed-out`"), "{failures:?}");
        assert!(reason("rollbackOn").contains("`timedOut`"), "{failures:?}");
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
        assert!(
            by_property("timeoutMs").is_some_and(|r| r.contains("`0`") && r.contains("86400000"))
        );
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
        let args = WaitArgs::decode(&checked_inputs(&minimal_with(&[])).values).unwrap();
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
        let args = WaitArgs::decode(&checked_inputs(&minimal_with(&[])).values).unwrap();
        let state = WaitState {
            args,
            results: WaitResults {
                status: "FAILED".into(),
                failure_message: "rolled back to web:2".into(),
                outcome: Outcome::RolledBack,
                deployment_id: Some("ecs-svc/12".into()),
                primary_task_def: None,
                elapsed_seconds: 4.5,
                lifecycle_stage: None,
                paused_hook_id: None,
                rollback_status: None,
            },
        };
        let wire = Revealed {
            values: state.encode(),
            secret: Default::default(),
        }
        .conceal(OUTPUT_TABLES);
        let back = WaitState::decode(&reveal(Some(&wire)).values).unwrap();
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
}
