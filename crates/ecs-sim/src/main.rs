//! `ecs-sim`: run the ECS simulator as a process, for the AWS CLI, demos and benchmarks.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

const BEHAVIOUR_HELP: &str = "\
TASK BEHAVIOUR (simulated seconds). Every trigger, read from the task definition:
  normal               PROVISIONING 2s -> PENDING 5s -> RUNNING; healthy at once without a
                       health check, else HEALTHY after healthCheck.startPeriod (default 10s)
  SIM_STARTUP_SECONDS  container environment variable: seconds spent PENDING
  crash                an essential container's whole command or entryPoint is /bin/false or
                       false, or a shell (sh/bash -c) whose whole script is 'exit 1', 'false' or
                       '/bin/false': RUNNING, exits 2s later with code 1
                       (EssentialContainerExited); counts as a failed task
  missing image        image containing does-not-exist or nonexistent: fails 3s into PENDING
                       (TaskFailedToStart, CannotPullContainerError); counts as a failed task
  failing health check an essential container's healthCheck.command is exactly
                       [CMD-SHELL, 'exit 1' | 'false' | '/bin/false'] or [CMD, /bin/false | false]
                       (or CMD running a shell with such a script): never HEALTHY; stopped after
                       max(startPeriod + interval x retries (default 30s x 3), the service's
                       healthCheckGracePeriodSeconds): 'Task failed container health checks'.
                       Anything else passes, e.g. AWS's [CMD-SHELL, 'curl -f http://localhost/ ||
                       exit 1'] or 'exit 10'
  cannot place         a container whose memory/cpu exceeds its task's, a task or container over
                       16384 CPU units / 122880 MiB, or (on Fargate) a task cpu/memory pair not in
                       the Fargate size table: never placed; 'unable to place a task' event every
                       60s (Fargate or EC2 wording by launch type); deployment stays IN_PROGRESS
  Fargate sizes        RegisterTaskDefinition with requiresCompatibilities FARGATE accepts only
                       the Fargate table, cpu: memory MiB (step): 256: 512, 1024, 2048;
                       512: 1024-4096 (1024); 1024: 2048-8192 (1024); 2048: 4096-16384 (1024);
                       4096: 8192-30720 (1024); 8192: 16384-61440 (4096);
                       16384: 32768-122880 (8192); others are a ClientException

DEPLOYMENTS: rolling update within maximumPercent/minimumHealthyPercent; COMPLETED after 5s
steady (circuit breaker status then MONITORING_COMPLETE); circuit breaker threshold
clamp(ceil(desired/2), 3, 200); rollback re-deploys the task definition of the last
COMPLETED deployment. StopTask stops a task; the scheduler replaces it.
  earlySuccessCriteria (ROLLING only; enable, healthyPercent >= minimumHealthyPercent,
                       sourceServiceRevisionCleanup): SUCCESSFUL and COMPLETED once
                       ceil(desired x healthyPercent / 100) new tasks are healthy, still scaling
                       to desired after; BLOCKING stops the old tasks first and succeeds when they
                       are STOPPED, DEFERRED succeeds at once and leaves them running 30s more

TIME: simulated 'now' starts at the wall clock when the simulator starts and then runs
--time-scale times faster (plus POST /_sim/time/skip), so at high time scales every timestamp
(createdAt, events, ...) is ahead of the wall clock, by (scale - 1) x the real time elapsed.

REGIONS: the region comes from the request's SigV4 credential scope (--region for unsigned
calls); each region is its own world, with its own ARNs, clusters and task definitions.

STAGED DEPLOYMENTS (deploymentConfiguration.strategy BLUE_GREEN, LINEAR or CANARY):
  stages               RECONCILE_SERVICE (only with >1 source revision) -> PRE_SCALE_UP ->
                       SCALE_UP (green beside blue, until all healthy) -> POST_SCALE_UP ->
                       TEST_TRAFFIC_SHIFT -> POST_TEST_TRAFFIC_SHIFT -> PRODUCTION_TRAFFIC_SHIFT
                       (per step: shift, hooks, step bake) -> POST_PRODUCTION_TRAFFIC_SHIFT ->
                       BAKE_TIME (bakeTimeInMinutes) -> CLEAN_UP (blue stopped) -> SUCCESSFUL;
                       every stage (and shift) takes 3s unless it waits for something else
  traffic              BLUE_GREEN 100% at once; LINEAR stepPercent per step, stepBakeTime after
                       each; CANARY canaryPercent, canaryBakeTime, then the rest
  AWS_LAMBDA hook      function name containing 'fail' -> FAILED after 5s, rollback;
                       'slow' -> TIMED_OUT at its timeout, then timeoutAction; else SUCCEEDED
                       after 5s (timeout default 1440 min, action ROLLBACK)
  PAUSE hook           AWAITING_ACTION until ContinueServiceDeployment or its timeout
  alarms               deploymentConfiguration.alarms: a watched alarm in ALARM while the
                       deployment is in progress (bake time included) fails it; rollback=true
                       rolls back, else STOPPED. Set states with PUT /_sim/alarms/<name>
  SIM_ALARM_IN_BAKE    container environment variable <name>: the deployment sees alarm <name>
                       in ALARM from BAKE_TIME on
  StopServiceDeployment  ROLLBACK rolls back any IN_PROGRESS deployment, ROLLING included

ADMIN ENDPOINTS (same port, never faulted):
  GET  /_sim/calls        per-operation call counts and total
  POST /_sim/calls/reset  reset the counts
  GET  /_sim/faults       current faults
  PUT  /_sim/faults       set faults, e.g. {\"throttle_next\": 3, \"latency_ms\": 50,
                          \"service_deployments_api\": \"AccessDenied\"}
  POST /_sim/time/skip    {\"seconds\": 60}: jump simulated time forward
  PUT  /_sim/alarms/NAME  {\"state\": \"ALARM\"} or \"OK\": set a CloudWatch alarm
  GET  /_sim/alarms       every alarm's state
  GET  /_sim/actions      accepted ContinueServiceDeployment/StopServiceDeployment calls

EXAMPLE:
  ecs-sim serve --port 4566 --time-scale 50
  aws --endpoint-url http://127.0.0.1:4566 ecs create-cluster --cluster-name demo";

#[derive(Parser)]
#[command(name = "ecs-sim", version, about = "A local Amazon ECS simulator speaking the ECS JSON 1.1 protocol", after_help = BEHAVIOUR_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the simulator on 127.0.0.1 until SIGINT or SIGTERM.
    #[command(after_help = BEHAVIOUR_HELP)]
    Serve {
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 4566)]
        port: u16,
        /// Simulated seconds per real second (e.g. 50 for a 5-minute rollout in 6 seconds). Simulated
        /// time starts at the wall clock, so timestamps run ahead of it when this is above 1.
        #[arg(long, default_value_t = 1.0)]
        time_scale: f64,
        /// Seed for ids and fault draws, to repeat a run.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Region of unsigned calls; signed calls use the region of their SigV4 credential scope.
        #[arg(long, default_value = "us-east-1")]
        region: String,
        /// Account id written into ARNs.
        #[arg(long, default_value = "123456789012")]
        account_id: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let Command::Serve {
        port,
        time_scale,
        seed,
        region,
        account_id,
    } = Cli::parse().command;
    let config = ecs_sim::SimConfig {
        time_scale,
        region,
        account_id,
        seed,
    };
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let sim = match ecs_sim::start_on(config, address).await {
        Ok(sim) => sim,
        Err(error) => {
            eprintln!("ecs-sim: cannot serve on {address}: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on {}", sim.endpoint());
    wait_for_shutdown_signal().await;
    sim.shutdown();
    ExitCode::SUCCESS
}

async fn wait_for_shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
