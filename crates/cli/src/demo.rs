//! `wait-for-ecs-deploy demo`: starts the ECS simulator in this process and plays rollout scenarios through
//! the real AWS SDK, so a newcomer sees every verdict, live, without an AWS account. Each scenario creates a
//! service on a healthy task definition, waits for it, then deploys the scenario's task definition and waits
//! for the verdict exactly as `wait-for-ecs-deploy --cluster … --service … --task-definition …` would.

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::ValueEnum;
use ecs_sim::scenario::{CircuitBreaker, Scenario, TaskBehaviour, TaskSpec};
use ecs_watcher::actions;
use ecs_watcher::{Outcome, WaitOptions, WaitRequest, Watcher};
use tokio_util::sync::CancellationToken;

use crate::ExitCode;
use crate::args::DemoArgs;
use crate::progress::ProgressReporter;

const CLUSTER: &str = "demo";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DemoScenario {
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
    /// Blue/green: green scales up beside blue, test then production traffic shift, a minute of bake time; done
    /// only after the bake.
    BlueGreen,
    /// Canary: 10 % of traffic, then all of it; a CloudWatch alarm fires during bake time and ECS rolls back.
    CanaryAlarm,
    /// Blue/green with a Lambda lifecycle hook that answers FAILED after scale-up: ECS rolls back.
    FailedHook,
    /// Blue/green with a PAUSE hook: wait until paused (an approval gate), continue it, wait until deployed.
    PausedApproval,
    /// A crash loop without circuit breaker, with `--rollback-on failed`: caught in seconds and rolled back.
    CrashLoopRollback,
}

impl DemoScenario {
    const ALL: [DemoScenario; 10] = [
        DemoScenario::Healthy,
        DemoScenario::CircuitBreakerRollback,
        DemoScenario::CrashLoop,
        DemoScenario::ImagePullFailure,
        DemoScenario::Timeout,
        DemoScenario::BlueGreen,
        DemoScenario::CanaryAlarm,
        DemoScenario::FailedHook,
        DemoScenario::PausedApproval,
        DemoScenario::CrashLoopRollback,
    ];

    fn name(self) -> &'static str {
        match self {
            DemoScenario::Healthy => "healthy",
            DemoScenario::CircuitBreakerRollback => "circuit-breaker-rollback",
            DemoScenario::CrashLoop => "crash-loop",
            DemoScenario::ImagePullFailure => "image-pull-failure",
            DemoScenario::Timeout => "timeout",
            DemoScenario::BlueGreen => "blue-green",
            DemoScenario::CanaryAlarm => "canary-alarm",
            DemoScenario::FailedHook => "failed-hook",
            DemoScenario::PausedApproval => "paused-approval",
            DemoScenario::CrashLoopRollback => "crash-loop-rollback",
        }
    }

    fn expected(self) -> Outcome {
        use DemoScenario::*;
        match self {
            // The paused approval completes once the demo continues it.
            Healthy | BlueGreen | PausedApproval => Outcome::Completed,
            // ECS itself rolls these back: the breaker, the alarm, the failed hook.
            CircuitBreakerRollback | CanaryAlarm | FailedHook => Outcome::RolledBack,
            // The crash-loop rollback stays FAILED: the rollback is the tool's action.
            CrashLoop | ImagePullFailure | CrashLoopRollback => Outcome::Failed,
            Timeout => Outcome::TimedOut,
        }
    }

    fn circuit_breaker(self) -> CircuitBreaker {
        match self {
            DemoScenario::Healthy | DemoScenario::CircuitBreakerRollback => {
                CircuitBreaker::ROLLS_BACK
            }
            DemoScenario::ImagePullFailure => CircuitBreaker::On { rollback: false },
            DemoScenario::CrashLoop
            | DemoScenario::Timeout
            | DemoScenario::CrashLoopRollback
            | DemoScenario::BlueGreen
            | DemoScenario::CanaryAlarm
            | DemoScenario::FailedHook
            | DemoScenario::PausedApproval => CircuitBreaker::Off,
        }
    }

    /// The task definition this scenario deploys (the simulator follows it as ECS would).
    fn deployed(self, family: &str) -> TaskSpec {
        let (behaviour, image) = match self {
            DemoScenario::Healthy => (TaskBehaviour::Healthy, "public.ecr.aws/nginx/nginx:1.28"),
            DemoScenario::CircuitBreakerRollback
            | DemoScenario::CrashLoop
            | DemoScenario::CrashLoopRollback => (
                TaskBehaviour::ExitsAtOnce,
                "public.ecr.aws/docker/library/busybox:1.36",
            ),
            // Pulled from a registry that does not exist: `nonexistent.example/web:2`.
            DemoScenario::ImagePullFailure => (TaskBehaviour::MissingImage, "web:2"),
            DemoScenario::Timeout => (
                TaskBehaviour::Unplaceable,
                "public.ecr.aws/nginx/nginx:1.28",
            ),
            DemoScenario::BlueGreen
            | DemoScenario::CanaryAlarm
            | DemoScenario::FailedHook
            | DemoScenario::PausedApproval => {
                (TaskBehaviour::Healthy, "public.ecr.aws/nginx/nginx:1.28")
            }
        };
        web_container(family, behaviour).image(image)
    }

    /// How long the verdict may take; the timeout scenario is meant to hit it.
    fn timeout(self) -> Duration {
        match self {
            DemoScenario::Timeout => Duration::from_secs(6),
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
    // The demo talks only to the in-process simulator, with dummy credentials: never the user's real ones.
    let setup = Scenario::new(ecs_sim::scenario::client(&sim.endpoint()), CLUSTER);
    let watcher = Watcher::new(Arc::new(ecs_watcher::aws::SdkEcsApi::new(
        setup.ecs().clone(),
    )));
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
    let scenarios: Vec<DemoScenario> = match args.scenario {
        Some(one) => vec![one],
        None => DemoScenario::ALL.to_vec(),
    };
    let mut all_as_expected = true;
    for scenario in scenarios {
        println!("\n== {}: {}", scenario.name(), scenario_summary(scenario));
        let started = Instant::now();
        match play(scenario, &setup, &watcher, &args, cancel.clone()).await {
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

fn scenario_summary(scenario: DemoScenario) -> &'static str {
    match scenario {
        DemoScenario::Healthy => "a new image rolls out cleanly",
        DemoScenario::CircuitBreakerRollback => {
            "the new container exits 1; circuit breaker with rollback"
        }
        DemoScenario::CrashLoop => {
            "the new container exits 1; no circuit breaker (the npm package waited for its timeout)"
        }
        DemoScenario::ImagePullFailure => {
            "the new image cannot be pulled; circuit breaker without rollback"
        }
        DemoScenario::Timeout => "the new tasks cannot be placed anywhere; a 6s timeout",
        DemoScenario::BlueGreen => "blue/green with one minute of bake time",
        DemoScenario::CanaryAlarm => "canary 10 %; CloudWatch alarm web-5xx fires during bake time",
        DemoScenario::FailedHook => "blue/green; the post-scale-up Lambda hook answers FAILED",
        DemoScenario::PausedApproval => {
            "blue/green with an approval gate (PAUSE hook): wait until paused, continue, wait until deployed"
        }
        DemoScenario::CrashLoopRollback => {
            "the new container exits 1; no circuit breaker; --rollback-on failed"
        }
    }
}

enum DemoError {
    Interrupted,
    Other(String),
}

/// Sets the scenario's service up on a healthy revision, deploys the scenario's revision, and waits.
async fn play(
    scenario: DemoScenario,
    setup: &Scenario,
    watcher: &Watcher,
    args: &DemoArgs,
    cancel: CancellationToken,
) -> Result<ecs_watcher::WaitReport, DemoError> {
    let service = format!("web-{}", scenario.name());
    let family = service.clone();
    let other = |error: ecs_sim::scenario::ScenarioError| DemoError::Other(error.to_string());
    setup.create_cluster().await.map_err(other)?;
    let healthy = setup
        .register_spec(&web_container(&family, TaskBehaviour::Healthy))
        .await
        .map_err(other)?;
    setup
        .create_service(&service, &healthy, 3, scenario.circuit_breaker())
        .await
        .map_err(other)?;
    let quiet = ProgressReporter::new(true, "");
    let settled = watcher
        .wait(
            request(&service, &healthy),
            scaled_options(Duration::from_secs(60), args.time_scale),
            cancel.clone(),
            quiet.callback(),
        )
        .await
        .map_err(|error| wait_error(error, "setting the service up"))?;
    if settled.outcome != Outcome::Completed {
        return Err(DemoError::Other(format!(
            "the initial healthy rollout ended {}: {}",
            settled.outcome.as_str(),
            settled.failure_message
        )));
    }
    println!(
        "   service {service} runs {} (3 tasks); deploying the new revision…",
        short(&healthy)
    );
    let spec = scenario.deployed(&family);
    let deployed = match staged::configuration(scenario) {
        None => setup.deploy_spec(&service, &spec).await.map_err(other)?,
        Some(configuration) => {
            let container = staged::container(scenario, spec.container());
            let revision = setup
                .register_container(&family, container)
                .await
                .map_err(other)?;
            setup
                .update_service_with(&service, &revision, configuration)
                .await
                .map_err(other)?;
            revision
        }
    };
    let reporter = ProgressReporter::new(args.quiet, "   ");
    let mut options = scaled_options(scenario.timeout(), args.time_scale);
    if scenario == DemoScenario::PausedApproval {
        options.wait_until = ecs_watcher::WaitUntil::Paused;
    }
    let waited = |options: WaitOptions| {
        watcher.wait(
            request(&service, &deployed),
            options,
            cancel.clone(),
            reporter.callback(),
        )
    };
    let mut report = waited(options.clone())
        .await
        .map_err(|error| wait_error(error, "waiting for the deployment"))?;
    match scenario {
        DemoScenario::PausedApproval if report.outcome == Outcome::Completed => {
            println!("{}", crate::verdict_output::text_line(&report));
            println!("   approving: continue-service-deployment, then waiting until deployed…");
            actions::continue_paused(
                &watcher_clients(setup),
                CLUSTER,
                &service,
                None,
                ecs_watcher::model::LifecycleHookAction::Continue,
            )
            .await
            .map_err(|error| DemoError::Other(format!("continuing: {error}")))?;
            options.wait_until = ecs_watcher::WaitUntil::Deployed;
            report = waited(options)
                .await
                .map_err(|error| wait_error(error, "waiting after continuing"))?;
        }
        DemoScenario::CrashLoopRollback if report.outcome == Outcome::Failed => {
            reporter.note("requesting a rollback (--rollback-on failed)");
            let follow = actions::FollowOptions {
                timeout: Duration::from_secs(60),
                poll_interval: scaled_options(Duration::ZERO, args.time_scale).poll_interval,
            };
            let rollback =
                actions::roll_back_watched(&watcher_clients(setup), &report, follow, &cancel).await;
            report.failure_message = format!("{}; {}", report.failure_message, rollback.reason);
        }
        _ => {}
    }
    reporter.finish();
    Ok(report)
}

/// The clients of the demo's simulator for the actions (the same dummy credentials as the watcher's).
fn watcher_clients(setup: &Scenario) -> ecs_watcher::AwsClients {
    ecs_watcher::AwsClients::with_ecs(Arc::new(ecs_watcher::aws::SdkEcsApi::new(
        setup.ecs().clone(),
    )))
}

/// The staged scenarios' deployment configurations and triggers.
mod staged {
    use aws_sdk_ecs::types::{
        ContainerDefinition, DeploymentConfiguration, DeploymentLifecycleHookAction,
        DeploymentLifecycleHookStage,
    };
    use ecs_sim::scenario::{DeploymentSpec, Hook, LambdaOutcome, Strategy, with_alarm_in_bake};

    use super::DemoScenario;

    pub const ALARM: &str = "web-5xx";

    pub fn configuration(scenario: DemoScenario) -> Option<DeploymentConfiguration> {
        let blue_green = DeploymentSpec::new(Strategy::BlueGreen { bake_minutes: 1 });
        let spec = match scenario {
            DemoScenario::BlueGreen => blue_green,
            DemoScenario::CanaryAlarm => DeploymentSpec::new(Strategy::Canary {
                canary_percent: 10.0,
                canary_bake_minutes: 1,
                bake_minutes: 2,
            })
            .alarms(&[ALARM], true),
            DemoScenario::FailedHook => blue_green.hook(Hook::lambda(
                "smoke-test",
                LambdaOutcome::Fails,
                &[DeploymentLifecycleHookStage::PostScaleUp],
            )),
            DemoScenario::PausedApproval => blue_green.hook(Hook::pause(
                &[DeploymentLifecycleHookStage::PostTestTrafficShift],
                60,
                DeploymentLifecycleHookAction::Rollback,
            )),
            _ => return None,
        };
        Some(spec.build())
    }

    /// The canary's container carries the simulator's trigger for "the alarm fires during bake time".
    pub fn container(
        scenario: DemoScenario,
        container: ContainerDefinition,
    ) -> ContainerDefinition {
        match scenario {
            DemoScenario::CanaryAlarm => with_alarm_in_bake(container, ALARM),
            _ => container,
        }
    }
}

/// A wait for `task_definition` on `service` of the demo's cluster.
fn request(service: &str, task_definition: &str) -> WaitRequest {
    WaitRequest {
        cluster: CLUSTER.into(),
        service: service.into(),
        desired_task_definition: Some(task_definition.into()),
        deployment: None,
    }
}

fn wait_error(error: ecs_watcher::WaitError, doing: &str) -> DemoError {
    match error {
        ecs_watcher::WaitError::Cancelled { .. } => DemoError::Interrupted,
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

/// A task definition of `family` whose one container, `web`, behaves as `behaviour`.
fn web_container(family: &str, behaviour: TaskBehaviour) -> TaskSpec {
    TaskSpec::new(family, behaviour).container_name("web")
}

fn short(task_definition: &str) -> &str {
    crate::progress::short_task_definition(task_definition)
}
