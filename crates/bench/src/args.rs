//! The runner's command line: `bench <scenario|all> [--runs N] [--write PATH]`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "bench",
    about = "Measures wait-for-ecs-deploy against ecs-sim and writes docs/BENCHMARKS.md",
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Args {
    /// What to measure.
    #[arg(value_enum, required = true)]
    pub scenario: Option<BenchScenario>,
    /// Independent runs per latency figure (median and p99 are taken over these).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(3..=200))]
    pub runs: u16,
    /// Write the full report here (only with `all`), e.g. docs/BENCHMARKS.md.
    #[arg(long, value_name = "PATH")]
    pub write: Option<PathBuf>,
    #[command(subcommand)]
    pub internal: Option<Internal>,
}

#[derive(Debug, Subcommand)]
pub enum Internal {
    /// Internal: run concurrent waits in this process while the parent measures it.
    #[command(name = "core-load", hide = true)]
    CoreLoad(CoreLoadArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchScenario {
    /// Verdict latency after completion, circuit-breaker failure and rollback, and after a blue/green
    /// SUCCESSFUL and a rollback during bake (figure 1).
    Latency,
    /// Time to FAILED for a crash loop without circuit breaker (figure 2).
    CrashLoop,
    /// API calls per wait for a 60-second rollout (figure 3a).
    Calls,
    /// API calls per poll tick for N concurrent waits on 1 and 3 clusters; growth with N (figures 3b, 5).
    Scale,
    /// CLI and provider memory, CPU, start-up and binary sizes (figure 4).
    Resources,
    /// Everything above.
    All,
}

#[derive(Debug, Clone, clap::Args)]
pub struct CoreLoadArgs {
    /// The simulator's endpoint, http://127.0.0.1:PORT.
    #[arg(long)]
    pub endpoint: String,
    /// Services to wait for, as CLUSTER/SERVICE, comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    pub services: Vec<String>,
}
