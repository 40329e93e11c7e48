//! The main job: validate flags, connect to ECS, wait for the verdict, print it, map it to an exit code.

use std::time::Duration;

use ecs_watcher::input::DurationInput;
use ecs_watcher::{
    AssumeRole, AwsSettings, WaitError, WaitOptions, WaitReport, WaitRequest, Watcher,
};
use tokio_util::sync::CancellationToken;

use crate::args::{OutputFormat, WaitArgs};
use crate::progress::ProgressReporter;
use crate::{ExitCode, verdict_output};

/// Durations are flags such as `--timeout 90s`: a refused one is shown back the way humantime writes it.
const FLAG_DURATION: DurationInput = DurationInput::Text {
    show: flag_duration,
};

fn flag_duration(duration: Duration) -> String {
    humantime::format_duration(duration).to_string()
}

pub async fn run(args: WaitArgs) -> ExitCode {
    let (request, options) = match validate(&args) {
        Ok(valid) => valid,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::SetupError;
        }
    };
    let settings = AwsSettings {
        region: args.region.clone(),
        profile: args.profile.clone(),
        assume_role: args.assume_role.clone().map(|role_arn| AssumeRole {
            role_arn,
            external_id: args.external_id.clone(),
            session_name: args.role_session_name.clone(),
        }),
        endpoint_url: args.endpoint_url.clone(),
    };
    let api = match ecs_watcher::connect(&settings).await {
        Ok(api) => api,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::SetupError;
        }
    };
    let cancel = CancellationToken::new();
    cancel_on_ctrl_c(cancel.clone());
    let reporter = ProgressReporter::new(args.quiet, "");
    let result = Watcher::new(api)
        .wait(request, options, cancel, reporter.callback())
        .await;
    reporter.finish();
    finish(result, args.output)
}

/// Prints the verdict (stdout) or the error (stderr) and chooses the exit code.
pub fn finish(result: Result<WaitReport, WaitError>, output: OutputFormat) -> ExitCode {
    match result {
        Ok(report) => {
            match output {
                OutputFormat::Text => println!("{}", verdict_output::text_line(&report)),
                OutputFormat::Json => println!("{}", verdict_output::json_line(&report)),
            }
            ExitCode::from(report.outcome)
        }
        Err(WaitError::Cancelled) => {
            eprintln!("interrupted: stopped waiting (the deployment itself goes on in ECS)");
            ExitCode::Interrupted
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::SetupError
        }
    }
}

fn cancel_on_ctrl_c(cancel: CancellationToken) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            cancel.cancel();
        }
    });
}

/// Checks every flag value before any AWS call, so bad input never costs a request and always names the flag.
fn validate(args: &WaitArgs) -> Result<(WaitRequest, WaitOptions), String> {
    use ecs_watcher::input;
    let cluster = args.cluster.as_deref().unwrap_or_default();
    let service = args.service.as_deref().unwrap_or_default();
    input::cluster("--cluster", cluster).map_err(|error| error.to_string())?;
    input::service("--service", service).map_err(|error| error.to_string())?;
    if let Some(task_definition) = &args.task_definition {
        input::task_definition("--task-definition", task_definition)
            .map_err(|error| error.to_string())?;
    }
    if let Some(deployment) = &args.deployment {
        input::deployment("--deployment", deployment).map_err(|error| error.to_string())?;
    }
    input::timeout("--timeout", args.timeout, FLAG_DURATION).map_err(|error| error.to_string())?;
    input::poll_interval("--poll-interval", args.poll_interval, FLAG_DURATION)
        .map_err(|error| error.to_string())?;
    if let Some(region) = &args.region {
        input::region("--region", region).map_err(|error| error.to_string())?;
    }
    if let Some(role) = &args.assume_role {
        input::role_arn("--assume-role", role).map_err(|error| error.to_string())?;
    }
    if let Some(url) = &args.endpoint_url {
        input::endpoint_url("--endpoint-url", url).map_err(|error| error.to_string())?;
    }
    let given = |field, value| input::Given { field, value };
    input::same_place(
        Some(given("--cluster", cluster)),
        Some(given("--service", service)),
        args.task_definition
            .as_deref()
            .map(|value| given("--task-definition", value)),
        args.region.as_deref().map(|value| given("--region", value)),
    )
    .map_err(|error| error.to_string())?;
    let wait_until = ecs_watcher::WaitUntil::parse("--wait-until", &args.wait_until)
        .map_err(|error| error.to_string())?;
    let request = WaitRequest {
        cluster: cluster.to_owned(),
        service: service.to_owned(),
        desired_task_definition: args.task_definition.clone(),
        deployment: args.deployment.clone(),
    };
    let options = WaitOptions {
        timeout: args.timeout,
        poll_interval: args.poll_interval,
        max_task_failures: args.max_task_failures,
        wait_until,
        ..WaitOptions::default()
    };
    Ok((request, options))
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
