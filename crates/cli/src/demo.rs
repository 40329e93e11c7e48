//! `wait-for-ecs-deploy demo`: starts the ECS simulator in this process and plays rollout scenarios through
//! the real AWS SDK, so a newcomer sees every verdict, live, without an AWS account. Each scenario creates a
//! service on a healthy task definition, waits for it, then deploys the scenario's task definition and waits
//! for the verdict exactly as `wait-for-ecs-deploy --cluster … --service … --task-definition …` would.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::{ContainerDefinition, DeploymentCircuitBreaker, DeploymentConfiguration};
use clap::ValueEnum;
use ecs_watcher::{Outcome, WaitOptions, WaitRequest, Watcher};
use tokio_util::sync::CancellationToken;

use crate::ExitCode;
use crate::args::DemoArgs;
use crate::progress::ProgressReporter;

const CLUSTER: &str = "demo";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// A new image rolls out and every task becomes healthy.
    Healthy,
    /// The new task definition's container exits 1; the circuit breaker trips and ECS rolls back.
    CircuitBreakerRollback,
    /// The same crash without a circuit breaker: ECS would retry forever; we call it after 3 stopped tasks.
    CrashLoop,
    /// The image does not exist: tasks fail to start with CannotPullContainerError.
    ImagePullFailure,
    /// Tasks ask for more memory than any capacity: nothing can be placed, the deadline wins.
    Timeout,
}

impl Scenario {
    const ALL: [Scenario; 5] = [
        Scenario::Healthy,
        Scenario::CircuitBreakerRollback,
        Scenario::CrashLoop,
        Scenario::ImagePullFailure,
        Scenario::Timeout,
    ];

    fn name(self) -> &'static str {
        match self {
            Scenario::Healthy => "healthy",
            Scenario::CircuitBreakerRollback => "circuit-breaker-rollback",
            Scenario::CrashLoop => "crash-loop",
            Scenario::ImagePullFailure => "image-pull-failure",
            Scenario::Timeout => "timeout",
        }
    }

    fn expected(self) -> Outcome {
        match self {
            Scenario::Healthy => Outcome::Completed,
            Scenario::CircuitBreakerRollback => Outcome::RolledBack,
            Scenario::CrashLoop | Scenario::ImagePullFailure => Outcome::Failed,
            Scenario::Timeout => Outcome::TimedOut,
        }
    }

    /// (circuit breaker enabled, rollback)
    fn circuit_breaker(self) -> (bool, bool) {
        match self {
            Scenario::Healthy | Scenario::CircuitBreakerRollback => (true, true),
            Scenario::CrashLoop => (false, false),
            Scenario::ImagePullFailure => (true, false),
            Scenario::Timeout => (false, false),
        }
    }

    /// The container of the task definition this scenario deploys (the simulator follows it as ECS would).
    fn deployed_container(self) -> ContainerDefinition {
        let base = ContainerDefinition::builder()
            .name("web")
            .essential(true)
            .memory(512);
        match self {
            Scenario::Healthy => base.image("public.ecr.aws/nginx/nginx:1.28").build(),
            Scenario::CircuitBreakerRollback | Scenario::CrashLoop => base
                .image("public.ecr.aws/docker/library/busybox:1.36")
                .command("/bin/false")
                .build(),
            Scenario::ImagePullFailure => base.image("nonexistent.example/web:2").build(),
            Scenario::Timeout => base
                .image("public.ecr.aws/nginx/nginx:1.28")
                .memory(65_536)
                .build(),
        }
    }

    /// How long the verdict may take; the timeout scenario is meant to hit it.
    fn timeout(self) -> Duration {
        match self {
            Scenario::Timeout => Duration::from_secs(6),
            _ => Duration::from_secs(60),
        }
    }
}

pub async fn run(args: DemoArgs) -> ExitCode {
    if !(args.time_scale.is_finite() && (1.0..=1000.0).contains(&args.time_scale)) {
        eprintln!(
            "error: invalid --time-scale `{}`: must be between 1 and 1000",
            args.time_scale
        );
        return ExitCode::SetupError;
    }
    let config = ecs_sim::SimConfig {
        time_scale: args.time_scale,
        ..ecs_sim::SimConfig::default()
    };
    let sim = match ecs_sim::start(config).await {
        Ok(sim) => sim,
        Err(error) => {
            eprintln!("error: cannot start the ECS simulator on 127.0.0.1: {error}");
            return ExitCode::SetupError;
        }
    };
    let client = sim_client(&sim.endpoint());
    let watcher = Watcher::new(Arc::new(ecs_watcher::aws::SdkEcsApi::new(client.clone())));
    let cancel = CancellationToken::new();
    {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
        });
    }
    println!(
        "ECS simulator on {} at {}x speed (a minute of ECS time takes {:.1}s here)",
        sim.endpoint(),
        args.time_scale,
        60.0 / args.time_scale
    );
    let scenarios: Vec<Scenario> = match args.scenario {
        Some(one) => vec![one],
        None => Scenario::ALL.to_vec(),
    };
    let mut all_as_expected = true;
    for scenario in scenarios {
        println!("\n== {}: {}", scenario.name(), scenario_summary(scenario));
        let started = Instant::now();
        match play(scenario, &client, &watcher, &args, cancel.clone()).await {
            Ok(report) => {
                let as_expected = report.outcome == scenario.expected();
                all_as_expected &= as_expected;
                println!("{}", crate::verdict_output::text_line(&report));
                println!(
                    "   {} expected {}, got {} in {:.1}s",
                    if as_expected { "ok:" } else { "UNEXPECTED:" },
                    scenario.expected().as_str(),
                    report.outcome.as_str(),
                    started.elapsed().as_secs_f64()
                );
            }
            Err(DemoError::Interrupted) => {
                eprintln!("interrupted");
                return ExitCode::Interrupted;
            }
            Err(DemoError::Other(message)) => {
                eprintln!("error: scenario {}: {message}", scenario.name());
                return ExitCode::SetupError;
            }
        }
    }
    sim.shutdown();
    if all_as_expected {
        ExitCode::Completed
    } else {
        ExitCode::Failed
    }
}

fn scenario_summary(scenario: Scenario) -> &'static str {
    match scenario {
        Scenario::Healthy => "a new image rolls out cleanly",
        Scenario::CircuitBreakerRollback => {
            "the new container exits 1; circuit breaker with rollback"
        }
        Scenario::CrashLoop => {
            "the new container exits 1; no circuit breaker (the npm package waited for its timeout)"
        }
        Scenario::ImagePullFailure => {
            "the new image cannot be pulled; circuit breaker without rollback"
        }
        Scenario::Timeout => "the new tasks cannot be placed anywhere; a 6s timeout",
    }
}

enum DemoError {
    Interrupted,
    Other(String),
}

/// Sets the scenario's service up on a healthy revision, deploys the scenario's revision, and waits.
async fn play(
    scenario: Scenario,
    client: &Client,
    watcher: &Watcher,
    args: &DemoArgs,
    cancel: CancellationToken,
) -> Result<ecs_watcher::WaitReport, DemoError> {
    let service = format!("web-{}", scenario.name());
    let family = format!("web-{}", scenario.name());
    let other = |error: String| DemoError::Other(error);
    client
        .create_cluster()
        .cluster_name(CLUSTER)
        .send()
        .await
        .map_err(|e| other(sdk_error(e)))?;
    let healthy = register(client, &family, healthy_container())
        .await
        .map_err(other)?;
    let (enable, rollback) = scenario.circuit_breaker();
    client
        .create_service()
        .cluster(CLUSTER)
        .service_name(&service)
        .task_definition(&healthy)
        .desired_count(3)
        .deployment_configuration(
            DeploymentConfiguration::builder()
                .deployment_circuit_breaker(
                    DeploymentCircuitBreaker::builder()
                        .enable(enable)
                        .rollback(rollback)
                        .build(),
                )
                .minimum_healthy_percent(100)
                .maximum_percent(200)
                .build(),
        )
        .send()
        .await
        .map_err(|e| other(sdk_error(e)))?;
    let quiet = ProgressReporter::new(true, "");
    let setup = watcher
        .wait(
            WaitRequest {
                cluster: CLUSTER.into(),
                service: service.clone(),
                desired_task_definition: Some(healthy.clone()),
                deployment: None,
            },
            scaled_options(Duration::from_secs(60), args.time_scale),
            cancel.clone(),
            quiet.callback(),
        )
        .await
        .map_err(|error| wait_error(error, "setting the service up"))?;
    if setup.outcome != Outcome::Completed {
        return Err(other(format!(
            "the initial healthy rollout ended {}: {}",
            setup.outcome.as_str(),
            setup.failure_message
        )));
    }
    println!(
        "   service {service} runs {} (3 tasks); deploying the new revision…",
        short(&healthy)
    );
    let deployed = register(client, &family, scenario.deployed_container())
        .await
        .map_err(other)?;
    client
        .update_service()
        .cluster(CLUSTER)
        .service(&service)
        .task_definition(&deployed)
        .send()
        .await
        .map_err(|e| other(sdk_error(e)))?;
    let reporter = ProgressReporter::new(args.quiet, "   ");
    let report = watcher
        .wait(
            WaitRequest {
                cluster: CLUSTER.into(),
                service,
                desired_task_definition: Some(deployed),
                deployment: None,
            },
            scaled_options(scenario.timeout(), args.time_scale),
            cancel,
            reporter.callback(),
        )
        .await
        .map_err(|error| wait_error(error, "waiting for the deployment"))?;
    reporter.finish();
    Ok(report)
}

fn wait_error(error: ecs_watcher::WaitError, doing: &str) -> DemoError {
    match error {
        ecs_watcher::WaitError::Cancelled => DemoError::Interrupted,
        other => DemoError::Other(format!("{doing}: {other}")),
    }
}

/// Real ECS is watched every 2 s; the simulator runs `time_scale` times faster, so the demo polls faster too.
fn scaled_options(timeout: Duration, time_scale: f64) -> WaitOptions {
    let poll = Duration::from_secs_f64((2.0 / time_scale).max(0.05));
    WaitOptions {
        timeout,
        poll_interval: poll,
        ..WaitOptions::default()
    }
}

fn healthy_container() -> ContainerDefinition {
    ContainerDefinition::builder()
        .name("web")
        .essential(true)
        .memory(512)
        .image("public.ecr.aws/nginx/nginx:1.27")
        .build()
}

async fn register(
    client: &Client,
    family: &str,
    container: ContainerDefinition,
) -> Result<String, String> {
    let output = client
        .register_task_definition()
        .family(family)
        .container_definitions(container)
        .send()
        .await
        .map_err(sdk_error)?;
    output
        .task_definition()
        .and_then(|definition| definition.task_definition_arn())
        .map(str::to_owned)
        .ok_or_else(|| "RegisterTaskDefinition returned no task definition ARN".to_owned())
}

fn short(task_definition: &str) -> &str {
    crate::progress::short_task_definition(task_definition)
}

fn sdk_error<E: std::error::Error + 'static>(error: aws_sdk_ecs::error::SdkError<E>) -> String {
    aws_sdk_ecs::error::DisplayErrorContext(&error).to_string()
}

/// The demo talks only to the in-process simulator, with dummy credentials: never the user's real ones.
fn sim_client(endpoint: &str) -> Client {
    let config = aws_sdk_ecs::Config::builder()
        .behavior_version(aws_sdk_ecs::config::BehaviorVersion::latest())
        .region(aws_sdk_ecs::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_ecs::config::Credentials::new(
            "demo", "demo", None, None, "demo",
        ))
        .endpoint_url(endpoint)
        .build();
    Client::from_conf(config)
}
