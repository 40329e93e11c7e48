//! `continue` and `rollback`: acting on a deployment in flight, then (with `--wait`) following it.

use ecs_watcher::actions::{self, ActionError, FollowOptions};
use ecs_watcher::model::LifecycleHookAction;
use ecs_watcher::{AwsClients, WaitOptions, WaitRequest, Watcher, input};

use crate::ExitCode;
use crate::args::{
    AwsArgs, ContinueArgs, DisplayArgs, HookAction, OutputFormat, RollbackArgs, ServiceArgs,
};
use crate::progress::{LogGroup, ProgressReporter};
use crate::signals::Interrupts;
use crate::verdict_output::{self, ServiceResult, WaitEnd};
use crate::wait::{FLAG_DURATION, validate_aws, validated_then_connected};

/// `continue`: ContinueServiceDeployment at the paused hook, then optionally wait for the verdict (`verbose`:
/// its text line ends in the console link).
pub async fn continue_paused(args: ContinueArgs, verbose: bool) -> ExitCode {
    let clients = match connected(&args.target, &args.aws, args.timeout).await {
        Ok(clients) => clients,
        Err(code) => return code,
    };
    let action = match args.action {
        HookAction::Continue => LifecycleHookAction::Continue,
        HookAction::Rollback => LifecycleHookAction::Rollback,
    };
    let continued = match actions::continue_paused(
        &clients,
        &args.target.cluster,
        &args.target.service,
        args.hook_id.as_deref(),
        action,
    )
    .await
    {
        Ok(continued) => continued,
        Err(error) => return action_failed(error),
    };
    let stage = continued
        .stage
        .as_ref()
        .map(|s| format!(" in stage {s}"))
        .unwrap_or_default();
    eprintln!(
        "sent {} to lifecycle hook {} of {}{stage}",
        continued.action, continued.hook_id, continued.service_deployment_arn
    );
    if !args.wait {
        return ExitCode::Completed;
    }
    let interrupts = Interrupts::install();
    let (group, reporter) = show_progress(args.display, "", &args.target);
    let request = WaitRequest {
        cluster: args.target.cluster.clone(),
        service: args.target.service.clone(),
        desired_task_definition: None,
        deployment: Some(continued.service_deployment_arn.clone()),
    };
    let options = WaitOptions {
        timeout: args.timeout,
        ..WaitOptions::default()
    };
    let region = clients.region().map(str::to_owned);
    let result = Watcher::with_clients(clients)
        .wait(
            request,
            options,
            interrupts.waiting.clone(),
            reporter.callback(),
        )
        .await;
    reporter.finish();
    group.close();
    let console_url = result
        .as_ref()
        .ok()
        .and_then(|report| ecs_watcher::console::deployment_url(report, region.as_deref()));
    let end = match result {
        Ok(report) => WaitEnd::Verdict {
            report: Box::new(report),
            rollback: None,
        },
        Err(ecs_watcher::WaitError::Cancelled { .. }) => WaitEnd::Interrupted { rollback: None },
        Err(error) => WaitEnd::Error(error.to_string()),
    };
    verdict_output::print_all(
        &[ServiceResult {
            cluster: args.target.cluster,
            service: args.target.service,
            desired_task_definition: None,
            end,
            console_url,
        }],
        args.display.output,
        verbose,
    )
}

/// `rollback`: StopServiceDeployment ROLLBACK on the deployment in progress, then optionally follow it.
pub async fn roll_back(args: RollbackArgs) -> ExitCode {
    let clients = match connected(&args.target, &args.aws, args.timeout).await {
        Ok(clients) => clients,
        Err(code) => return code,
    };
    let interrupts = Interrupts::install();
    let (group, reporter) = show_progress(args.display, "roll back ", &args.target);
    let in_progress =
        match actions::in_progress_deployment(&clients, &args.target.cluster, &args.target.service)
            .await
        {
            Ok(in_progress) => in_progress,
            Err(error) => {
                group.close();
                return action_failed(error);
            }
        };
    // Without --wait, follow for no time at all: one look right after the request.
    let follow = FollowOptions {
        timeout: if args.wait {
            args.timeout
        } else {
            std::time::Duration::ZERO
        },
        ..FollowOptions::default()
    };
    reporter.note(&format!(
        "requesting a rollback of {}",
        in_progress.service_deployment_arn
    ));
    let rollback = actions::roll_back_deployment(
        &clients,
        &in_progress.deployment,
        follow,
        &interrupts.waiting,
    )
    .await;
    reporter.finish();
    group.close();
    match args.display.output {
        OutputFormat::Text | OutputFormat::Github => println!(
            "{} service {} (cluster {}): {}",
            rollback.status_label(),
            args.target.service,
            args.target.cluster,
            rollback.reason
        ),
        OutputFormat::Json => println!(
            "{}",
            serde_json::json!({
                "cluster": args.target.cluster,
                "service": args.target.service,
                "serviceDeploymentArn": in_progress.service_deployment_arn,
                "rollback": rollback,
            })
        ),
    }
    if !rollback.requested {
        return ExitCode::SetupError;
    }
    if !args.wait {
        return ExitCode::Completed;
    }
    use ecs_watcher::model::ServiceDeploymentStatus;
    match rollback.status {
        Some(ServiceDeploymentStatus::RollbackSuccessful) => ExitCode::Completed,
        Some(ServiceDeploymentStatus::RollbackFailed | ServiceDeploymentStatus::Stopped) => {
            ExitCode::Failed
        }
        _ if interrupts.waiting.is_cancelled() => ExitCode::Interrupted,
        _ => ExitCode::TimedOut,
    }
}

/// The progress display of a command on one service (a log group for `--output github`), titled by what
/// it does.
fn show_progress(
    display: DisplayArgs,
    doing: &str,
    target: &ServiceArgs,
) -> (LogGroup, std::sync::Arc<ProgressReporter>) {
    let title = format!(
        "wait-for-ecs-deploy: {doing}service {} (cluster {})",
        target.service, target.cluster
    );
    let group = LogGroup::open(display, &title);
    let reporter = ProgressReporter::for_output(display.quiet, display.output, "");
    (group, reporter)
}

/// The flags checked (exit 4 naming the bad one, before any AWS call), then the connection.
async fn connected(
    target: &ServiceArgs,
    aws: &AwsArgs,
    timeout: std::time::Duration,
) -> Result<AwsClients, ExitCode> {
    let validated = validate(&target.cluster, &target.service, aws, timeout);
    let ((), clients) = validated_then_connected(validated, aws).await?;
    Ok(clients)
}

fn validate(
    cluster: &str,
    service: &str,
    aws: &AwsArgs,
    timeout: std::time::Duration,
) -> Result<(), String> {
    input::cluster("--cluster", cluster).map_err(|error| error.to_string())?;
    input::service("--service", service).map_err(|error| error.to_string())?;
    input::timeout("--timeout", timeout, FLAG_DURATION).map_err(|error| error.to_string())?;
    validate_aws(aws)
}

/// Every action error is one waiting would not fix: exit 4.
fn action_failed(error: ActionError) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::SetupError
}
