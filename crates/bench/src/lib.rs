//! The benchmark runner of `wait-for-ecs-deploy`: it drives the watcher core (and the CLI and
//! provider binaries, where a figure is about them) against `ecs-sim`, reads the simulator's
//! per-operation call counters and the processes' `/proc` figures, and writes docs/BENCHMARKS.md.
//!
//! It is not a test suite: nothing here asserts, it measures and reports each figure against
//! its target. Every run stays on 127.0.0.1.

mod args;
mod error;
mod fixture;
mod load;
mod procfs;
mod recorder;
mod report;
mod scenarios;
pub mod stats;

pub use args::{Args, BenchScenario, Internal};
pub use error::{BenchError, BenchResult};

use clap::Parser;

/// Parses the process arguments, runs what they ask, and returns the exit code.
pub fn run_from_env() -> i32 {
    let args = Args::parse();
    let runtime = match ecs_watcher::runtime::start() {
        Ok(runtime) => runtime,
        Err(message) => {
            eprintln!("bench: {message}");
            return 2;
        }
    };
    let outcome = runtime.block_on(async move {
        match (args.internal, args.scenario) {
            (Some(Internal::CoreLoad(load)), _) => load::serve_child(load).await,
            (None, Some(scenario)) => {
                scenarios::run(scenario, usize::from(args.runs), args.write).await
            }
            (None, None) => Err(BenchError::new(
                "no scenario: pass one of latency, crash-loop, calls, scale, resources, all",
            )),
        }
    });
    match outcome {
        Ok(()) => 0,
        Err(error) => {
            eprintln!("bench: {error}");
            1
        }
    }
}
