//! `WaitForEcsDeployment`: its typed inputs ([`WaitArgs`]), results ([`WaitResults`]) and state
//! ([`WaitState`] = inputs + results), each field documented where it is declared.
//!
//! These declarations ARE the field table: the schema, `Check`'s validation and defaults, and the wire
//! conversion all read them. Validation reuses `ecs_watcher::input`, so the CLI and the provider reject the
//! same values with the same words. Everything here is typed: `waitUntil` and `rollbackOn` are parsed once,
//! when the properties are read ([`WaitInputs`]), and a value that does not parse is an error naming the
//! property, never a silent default.

use std::time::Duration;

use ecs_watcher::actions::RollbackTrigger;
use ecs_watcher::input::{self, DurationInput, InputError};
use ecs_watcher::{Outcome, WaitOptions, WaitReport, WaitRequest, WaitUntil};

use crate::fields::{FieldDefault, FieldSpec};
use crate::properties::{
    FieldError, Input, Received, TextValue, any_value, typed_properties, unknown_names,
};
use crate::validate;

const MAX_TASK_FAILURES_LIMIT: u32 = 1000;

typed_properties! {
    /// Waits for an Amazon ECS service deployment of `desiredTaskDef` to finish, then records whether it worked
    /// (`status` COMPLETED or FAILED, the precise `outcome`, and the real reason in `failureMessage`).
    /// By default a failed, rolled-back or timed-out deployment fails the Pulumi operation (`failOnError`).
    /// A drop-in for `@wanews/pulumi-wait-for-ecs-deploy`'s `WaitForEcsDeployment`.
    pub struct WaitArgs (given: WaitInputs) {
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
        wait_until: WaitUntil as "waitUntil" {
            default: None, secret: false, validate: any_value,
        },
        /// Roll the deployment back (ECS StopServiceDeployment with stopType ROLLBACK) when the wait ends in one
        /// of these: `failed` (FAILED, e.g. a crash loop without circuit breaker), `timedOut` (TIMED_OUT: the
        /// deployment is still in progress), `cancelled` (the Pulumi operation was cancelled, e.g. Ctrl-C on
        /// `pulumi up`; the rollback is requested before the provider stops). Default: never. The outcome stays
        /// what it was; `rollbackStatus` and `failureMessage` say what the rollback did. Needs the IAM
        /// permission ecs:StopServiceDeployment.
        rollback_on: Vec<RollbackTrigger> as "rollbackOn" {
            default: None, secret: false, validate: any_value,
        },
    }
}

typed_properties! {
    /// What the wait found out about the deployment.
    pub struct WaitResults (given: WaitResultsInputs) {
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

const OUTCOMES: [Outcome; 4] = [
    Outcome::Completed,
    Outcome::Failed,
    Outcome::RolledBack,
    Outcome::TimedOut,
];

impl TextValue for Outcome {
    fn parse_text(field: &str, text: &str) -> Result<Self, String> {
        OUTCOMES
            .into_iter()
            .find(|outcome| outcome.as_str() == text)
            .ok_or_else(|| {
                InputError::new(
                    field,
                    text,
                    "expected COMPLETED, FAILED, ROLLED_BACK or TIMED_OUT",
                )
                .to_string()
            })
    }

    fn to_text(&self) -> String {
        self.as_str().to_string()
    }
}

/// `waitUntil`: absent means `deployed`, and `deployed` is left out of the outputs (as before the property
/// existed), so spelling it out is no change.
impl TextValue for WaitUntil {
    const WHEN_ABSENT: Option<fn() -> Self> = Some(WaitUntil::default);

    fn parse_text(field: &str, text: &str) -> Result<Self, String> {
        WaitUntil::parse(field, text).map_err(|error| error.to_string())
    }

    fn to_text(&self) -> String {
        self.to_string()
    }
}

/// One `rollbackOn` item: the watcher's one grammar of triggers, in the Pulumi input's spelling.
impl TextValue for RollbackTrigger {
    fn parse_text(field: &str, text: &str) -> Result<Self, String> {
        RollbackTrigger::parse_input(field, text).map_err(|error| error.to_string())
    }

    fn to_text(&self) -> String {
        self.input_spelling().to_string()
    }
}

/// The resource's outputs: its inputs plus what the wait found.
#[derive(Clone, Debug, PartialEq)]
pub struct WaitState {
    pub args: WaitArgs,
    pub results: WaitResults,
}

/// The recorded outputs as read: the inputs' and the results' properties.
pub type WaitStateInputs = (WaitInputs, WaitResultsInputs);

/// All the tables whose properties make up the resource's outputs.
pub const OUTPUT_TABLES: &[&[FieldSpec]] = &[WaitArgs::FIELDS, WaitResults::FIELDS];

impl WaitState {
    /// The recorded state, from the outputs as read (every property known and valid, or what is wrong).
    pub fn resolve((args, results): WaitStateInputs) -> Result<Self, Vec<FieldError>> {
        match (args.resolve(), results.resolve()) {
            (Ok(args), Ok(results)) => Ok(WaitState { args, results }),
            (args, results) => Err(args
                .err()
                .into_iter()
                .chain(results.err())
                .flatten()
                .collect()),
        }
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
            wait_until: self.wait_until.clone(),
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
pub fn check_inputs<'a>(news: &'a Received<WaitInputs>) -> Vec<FieldError> {
    let inputs = &news.inputs;
    let mut failures = unknown_names(&news.undeclared, &[WaitArgs::FIELDS], &[]);
    failures.extend(inputs.check());
    // An external id not known yet will be one: it still needs a role.
    let external_id_given = matches!(inputs.external_id, Input::Known(Some(_)) | Input::Unknown);
    if external_id_given && inputs.assume_role == Input::Absent {
        failures.push(FieldError::new(
            "externalId",
            "externalId is only used when assuming a role: set assumeRole too, or remove externalId",
        ));
    }
    // Cross-checks only between values that are known and valid on their own.
    let valid = |field: &'static str| !failures.iter().any(|f| f.property == field);
    let given = |field: &'static str, value: Option<&'a str>| {
        value
            .filter(|_| valid(field))
            .map(|value| input::Given { field, value })
    };
    let known = |input: &'a Input<String>| input.known().map(String::as_str);
    let misplaced = input::same_place(
        given("clusterName", known(&inputs.cluster_name)),
        given("serviceName", known(&inputs.service_name)),
        given("desiredTaskDef", known(&inputs.desired_task_def)),
        given(
            "awsRegion",
            inputs.aws_region.known().and_then(Option::as_deref),
        ),
    );
    if let Err(error) = misplaced {
        failures.push(FieldError::new(error.field.clone(), error.to_string()));
    }
    failures
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

/// Check from the property values the engine sends, so they are tests of the wire too.
#[cfg(test)]
mod tests;
