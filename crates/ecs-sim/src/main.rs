//! `ecs-sim`: run the ECS simulator as a process, for the AWS CLI, demos and benchmarks.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// `--help` prints the simulator's one behaviour specification (also the crate docs), then how to start.
const BEHAVIOUR_HELP: &str = concat!(
    include_str!("../BEHAVIOUR.md"),
    "
## Example

    ecs-sim serve --port 4566 --time-scale 50
    aws --endpoint-url http://127.0.0.1:4566 ecs create-cluster --cluster-name demo"
);
/// `-h` stays short.
const SHORT_HELP: &str = "The behaviour the simulator follows (task triggers, deployments, staged \
strategies, alarms, faults, admin endpoints): --help";

#[derive(Parser)]
#[command(
    name = "ecs-sim",
    version,
    about = "A local Amazon ECS simulator speaking the ECS JSON 1.1 protocol",
    after_help = SHORT_HELP,
    after_long_help = BEHAVIOUR_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the simulator on 127.0.0.1 until SIGINT or SIGTERM.
    #[command(after_help = SHORT_HELP, after_long_help = BEHAVIOUR_HELP)]
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
