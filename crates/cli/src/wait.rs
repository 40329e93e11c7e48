//! The main job: validate flags, connect to ECS, wait for the verdict of every service asked about (one
//! watcher, so their calls are batched and share one request budget), act on it if asked (`--rollback-on`),
//! print it, map it to an exit code.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ecs_watcher::actions::{self, FollowOptions, RollbackTrigger};
use ecs_watcher::input::DurationInput;
use ecs_watcher::{
    AssumeRole, AwsClients, AwsSettings, Outcome, WaitError, WaitOptions, WaitRequest, Watcher,
};
use tokio_util::sync::CancellationToken;

use crate::args::{AwsArgs, WaitFlags};
use crate::progress::{LogGroup, ProgressReporter};
use crate::signals::Interrupts;
use crate::verdict_output::{self, ServiceResult, WaitEnd};
use crate::{ExitCode, targets};

/// Durations are flags such as `--timeout 90s`: a refused one is shown back the way humantime writes it.
pub const FLAG_DURATION: DurationInput = DurationInput::Text {
    show: flag_duration,
};

fn flag_duration(duration: Duration) -> String {
    humantime::format_duration(duration).to_string()
}

/// Everything the flags asked for, validated.
struct WaitPlan {
    requests: Vec<WaitRequest>,
    options: WaitOptions,
    rollback_on: Vec<RollbackTrigger>,
    follow: FollowOptions,
    fail_fast: bool,
}

/// `verbose` (`-v`) adds the console link to the text verdict lines.
pub async fn run(args: WaitFlags, verbose: bool) -> ExitCode {
    let (plan, clients) = match validated_then_connected(validate(&args), &args.aws).await {
        Ok(ready) => ready,
        Err(code) => return code,
    };
    let interrupts = Interrupts::install();
    let names: Vec<String> = plan.requests.iter().map(|r| r.service.clone()).collect();
    let group = LogGroup::open(args.display, &group_title(&names, &plan.requests));
    let reporters = ProgressReporter::several(args.display, &names);
    let watcher = Watcher::with_clients(clients);
    let fail_fast = FailFast::new(&interrupts.waiting, plan.fail_fast);
    let waits = plan
        .requests
        .iter()
        .zip(&reporters)
        .map(|(request, reporter)| {
            wait_one(
                &watcher,
                request.clone(),
                &plan,
                &interrupts,
                &fail_fast,
                Arc::clone(reporter),
            )
        });
    let results = futures::future::join_all(waits).await;
    for reporter in &reporters {
        reporter.finish();
    }
    group.close();
    verdict_output::print_all(&results, args.display.output, verbose)
}

/// `wait-for-ecs-deploy: service web (cluster prod)`, or `services web, api (cluster prod)`: what the log
/// group of `--output github` folds.
fn group_title(services: &[String], requests: &[WaitRequest]) -> String {
    let cluster = requests
        .first()
        .map(|r| r.cluster.as_str())
        .unwrap_or_default();
    let noun = if services.len() == 1 {
        "service"
    } else {
        "services"
    };
    format!(
        "wait-for-ecs-deploy: {noun} {} (cluster {cluster})",
        services.join(", ")
    )
}

/// Builds the AWS clients for `aws`; a setup error is printed and becomes exit 4.
/// Every command's start: bad input exits 4 before any AWS call, naming the flag; then the connection.
pub async fn validated_then_connected<T>(
    validated: Result<T, String>,
    aws: &AwsArgs,
) -> Result<(T, AwsClients), ExitCode> {
    let value = validated.map_err(|message| {
        eprintln!("error: {message}");
        ExitCode::SetupError
    })?;
    Ok((value, connect(aws).await?))
}

async fn connect(aws: &AwsArgs) -> Result<AwsClients, ExitCode> {
    let settings = AwsSettings {
        region: aws.region.clone(),
        profile: aws.profile.clone(),
        assume_role: aws.assume_role.clone().map(|role_arn| AssumeRole {
            role_arn,
            external_id: aws.external_id.clone(),
            session_name: aws.role_session_name.clone(),
        }),
        endpoint_url: aws.endpoint_url.clone(),
    };
    ecs_watcher::connect(&settings).await.map_err(|error| {
        eprintln!("error: {error}");
        ExitCode::SetupError
    })
}

/// `--fail-fast`: the first service that does not complete cancels the others' waits (not an interrupt).
struct FailFast {
    enabled: bool,
    token: CancellationToken,
    first: Mutex<Option<String>>,
}

impl FailFast {
    fn new(interrupted: &CancellationToken, enabled: bool) -> Self {
        Self {
            enabled,
            token: interrupted.child_token(),
            first: Mutex::new(None),
        }
    }

    fn failed(&self, what: String) {
        if !self.enabled {
            return;
        }
        let mut first = self.first.lock().unwrap_or_else(|p| p.into_inner());
        if first.is_none() {
            *first = Some(what);
            self.token.cancel();
        }
    }

    fn reason(&self) -> String {
        let first = self.first.lock().unwrap_or_else(|p| p.into_inner());
        format!(
            "not waited for: --fail-fast ended the wait when {}",
            first.as_deref().unwrap_or("another service failed")
        )
    }
}

/// One service: wait, then roll back if its verdict (or an interrupt) is one of `--rollback-on`.
async fn wait_one(
    watcher: &Watcher,
    request: WaitRequest,
    plan: &WaitPlan,
    interrupts: &Interrupts,
    fail_fast: &FailFast,
    reporter: Arc<ProgressReporter>,
) -> ServiceResult {
    let result = watcher
        .wait(
            request.clone(),
            plan.options.clone(),
            fail_fast.token.child_token(),
            reporter.callback(),
        )
        .await;
    let clients = watcher.clients();
    let (triggers, follow, following) = (&plan.rollback_on, plan.follow, &interrupts.following);
    let mut console_url = None;
    let end = match result {
        Ok(report) => {
            console_url = ecs_watcher::console::deployment_url(&report, clients.region());
            if report.outcome != Outcome::Completed {
                fail_fast.failed(format!(
                    "service {} was {}",
                    request.service,
                    report.outcome.as_str()
                ));
            }
            if RollbackTrigger::for_outcome(report.outcome).is_some_and(|t| triggers.contains(&t)) {
                reporter.note("requesting a rollback (--rollback-on)");
            }
            let rollback =
                actions::after_verdict(clients, &report, triggers, follow, following).await;
            WaitEnd::Verdict {
                report: Box::new(report),
                rollback,
            }
        }
        Err(WaitError::Cancelled { watched }) if interrupts.waiting.is_cancelled() => {
            let rollback =
                actions::after_interrupt(clients, watched.as_deref(), triggers, follow, following)
                    .await;
            WaitEnd::Interrupted { rollback }
        }
        Err(WaitError::Cancelled { .. }) => WaitEnd::NotWaitedFor {
            reason: fail_fast.reason(),
        },
        Err(error) => {
            fail_fast.failed(format!(
                "service {} could not be waited for",
                request.service
            ));
            WaitEnd::Error(error.to_string())
        }
    };
    ServiceResult {
        cluster: request.cluster,
        service: request.service,
        desired_task_definition: request.desired_task_definition,
        end,
        console_url,
    }
}

/// Checks every flag value before any AWS call, so bad input never costs a request and always names the flag.
fn validate(args: &WaitFlags) -> Result<WaitPlan, String> {
    use ecs_watcher::input;
    let cluster = args.cluster.as_deref().unwrap_or_default();
    input::cluster("--cluster", cluster).map_err(|error| error.to_string())?;
    let wanted = targets::parse(&args.service, args.task_definition.as_deref())?;
    if let Some(deployment) = &args.deployment {
        input::deployment("--deployment", deployment).map_err(|error| error.to_string())?;
        if wanted.len() > 1 {
            return Err(format!(
                "invalid --deployment `{deployment}`: it names one deployment, but {} services were \
                 given; wait for one service with --deployment, or drop it",
                wanted.len()
            ));
        }
    }
    input::timeout("--timeout", args.timeout, FLAG_DURATION).map_err(|error| error.to_string())?;
    input::poll_interval("--poll-interval", args.poll_interval, FLAG_DURATION)
        .map_err(|error| error.to_string())?;
    input::timeout("--rollback-timeout", args.rollback_timeout, FLAG_DURATION)
        .map_err(|error| error.to_string())?;
    validate_aws(&args.aws)?;
    for target in &wanted {
        let given = |field, value| input::Given { field, value };
        input::same_place(
            Some(given("--cluster", cluster)),
            Some(given("--service", &target.service)),
            target
                .task_definition
                .as_deref()
                .map(|value| given(target.task_definition_field(), value)),
            args.aws
                .region
                .as_deref()
                .map(|value| given("--region", value)),
        )
        .map_err(|error| error.to_string())?;
    }
    let wait_until = ecs_watcher::WaitUntil::parse("--wait-until", &args.wait_until)
        .map_err(|error| error.to_string())?;
    let rollback_on = RollbackTrigger::parse_list("--rollback-on", &args.rollback_on)
        .map_err(|error| error.to_string())?;
    let requests = wanted
        .into_iter()
        .map(|target| WaitRequest {
            cluster: cluster.to_owned(),
            service: target.service,
            desired_task_definition: target.task_definition,
            deployment: args.deployment.clone(),
        })
        .collect();
    Ok(WaitPlan {
        requests,
        options: WaitOptions {
            timeout: args.timeout,
            poll_interval: args.poll_interval,
            max_task_failures: args.max_task_failures,
            wait_until,
            ..WaitOptions::default()
        },
        rollback_on,
        follow: FollowOptions {
            timeout: args.rollback_timeout,
            poll_interval: args.poll_interval,
        },
        fail_fast: args.fail_fast,
    })
}

/// The AWS flags every command shares.
pub fn validate_aws(aws: &AwsArgs) -> Result<(), String> {
    use ecs_watcher::input;
    if let Some(region) = &aws.region {
        input::region("--region", region).map_err(|error| error.to_string())?;
    }
    if let Some(role) = &aws.assume_role {
        input::role_arn("--assume-role", role).map_err(|error| error.to_string())?;
    }
    if let Some(url) = &aws.endpoint_url {
        input::endpoint_url("--endpoint-url", url).map_err(|error| error.to_string())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecs_watcher::input;

    #[test]
    fn out_of_range_durations_name_the_flag_value_and_range() {
        let error = input::timeout("--timeout", Duration::ZERO, FLAG_DURATION).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid --timeout `0s`: must be between 1s and 1day"
        );
        assert!(input::timeout("--timeout", Duration::from_secs(180), FLAG_DURATION).is_ok());
        let error =
            input::poll_interval("--poll-interval", Duration::from_secs(301), FLAG_DURATION)
                .unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid --poll-interval `5m 1s`: must be between 100ms and 5m"
        );
    }
}
