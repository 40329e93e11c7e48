//! The `wait-for-ecs-deploy` command line: waits for one Amazon ECS service deployment and exits with a code
//! that tells a CI pipeline what happened (0 COMPLETED, 1 FAILED, 2 ROLLED_BACK, 3 TIMED_OUT, 4 bad input or
//! setup error, 130 interrupted). It is a thin shell around the `ecs-watcher` core: parsing flags, showing
//! progress, printing the verdict. `continue` and `rollback` act on a deployment in flight. `demo` plays
//! scenarios against the built-in `ecs-sim` simulator.

mod args;
mod commands;
mod demo;
mod exit_code;
mod github;
mod progress;
mod signals;
mod targets;
mod verdict_output;
mod wait;

pub use args::{Cli, Command, OutputFormat, WaitFlags};
pub use exit_code::ExitCode;

use clap::Parser;

/// Parses the process arguments, runs the command, and returns the process exit code.
pub fn run_from_env() -> i32 {
    if let Some(message) = args::non_utf8_argument(std::env::args_os()) {
        eprintln!("error: {message}");
        return ExitCode::SetupError.code();
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return args::report_parse_error(error),
    };
    init_tracing(cli.verbose);
    let runtime = match ecs_watcher::runtime::start() {
        Ok(runtime) => runtime,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::SetupError.code();
        }
    };
    let code = runtime.block_on(async move {
        match cli.command {
            Some(Command::Demo(demo_args)) => demo::run(demo_args).await,
            Some(Command::Continue(continue_args)) => {
                commands::continue_paused(continue_args, cli.verbose > 0).await
            }
            Some(Command::Rollback(rollback_args)) => commands::roll_back(rollback_args).await,
            None => wait::run(cli.wait, cli.verbose > 0).await,
        }
    });
    code.code()
}

/// Diagnostics go to stderr and stay quiet unless asked for: stdout is reserved for the verdict.
fn init_tracing(verbose: u8) {
    let default_filter = match verbose {
        0 => "warn",
        1 => "info,aws_smithy_runtime=warn,aws_config=warn",
        _ => "debug",
    };
    let setup = ecs_watcher::log_safety::LogSetup {
        env_var: "WAIT_FOR_ECS_DEPLOY_LOG",
        default_filter,
        show_target: false,
    };
    // Only a subscriber installed earlier makes this fail, and then that one logs.
    let _ = setup.install();
}
