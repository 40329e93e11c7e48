//! `pulumi-resource-wait-for-ecs-deploy`: prints its port, serves the provider, exits on SIGINT/SIGTERM or the
//! engine's Cancel. Stdout carries the port and nothing else; logs go to stderr.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use pulumi_resource_wait_for_ecs_deploy::plugin_args::{self, Invocation};
use pulumi_resource_wait_for_ecs_deploy::{VERSION, schema, serve};
use tokio::net::TcpListener;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio_util::sync::CancellationToken;

fn main() -> ExitCode {
    let engine_address = match plugin_args::parse(std::env::args().skip(1)) {
        Invocation::Serve { engine_address } => engine_address,
        Invocation::PrintSchema => return print(&schema::schema_text()),
        Invocation::PrintVersion => return print(&format!("{VERSION}\n")),
        Invocation::PrintHelp => return print(&format!("{}\n", plugin_args::USAGE)),
    };
    if let Err(error) = init_logging() {
        return fail(&format!("cannot install the log subscriber: {error}"));
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(&format!("cannot start the async runtime: {error}")),
    };
    runtime.block_on(run(engine_address))
}

async fn run(engine_address: Option<String>) -> ExitCode {
    // Signal handlers go in before the port is printed: the engine may signal as soon as it has read it.
    let signals = match ShutdownSignals::install() {
        Ok(signals) => signals,
        Err(error) => return fail(&format!("cannot install SIGINT/SIGTERM handlers: {error}")),
    };
    let listener = match TcpListener::bind(("127.0.0.1", 0)).await {
        Ok(listener) => listener,
        Err(error) => return fail(&format!("cannot listen on 127.0.0.1: {error}")),
    };
    let port = match listener.local_addr() {
        Ok(address) => address.port(),
        Err(error) => return fail(&format!("cannot read the listening port: {error}")),
    };
    // The engine reads exactly this line; nothing else may ever go to stdout.
    if print(&format!("{port}\n")) != ExitCode::SUCCESS {
        return ExitCode::FAILURE;
    }
    let shutdown = CancellationToken::new();
    tokio::spawn(signals.cancel_on_signal(shutdown.clone()));
    tokio::spawn(cancel_when_orphaned(shutdown.clone()));
    match serve(listener, engine_address, shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error.to_string()),
    }
}

/// How often to check that the engine that started this process is still its parent.
const PARENT_CHECK_INTERVAL: Duration = Duration::from_millis(500);

/// An engine that crashes (or is killed) sends no Cancel and no signal, and nobody will ever call this
/// process again: shut down instead of lingering as an orphan. The kernel reparents an orphan, so a changed
/// parent process id is the sign.
async fn cancel_when_orphaned(shutdown: CancellationToken) {
    let parent = std::os::unix::process::parent_id();
    let mut checks = tokio::time::interval(PARENT_CHECK_INTERVAL);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = checks.tick() => {
                if std::os::unix::process::parent_id() != parent {
                    tracing::warn!(parent, "the process that started the provider is gone; shutting down");
                    shutdown.cancel();
                    return;
                }
            }
        }
    }
}

struct ShutdownSignals {
    terminate: Signal,
    interrupt: Signal,
}

impl ShutdownSignals {
    fn install() -> std::io::Result<Self> {
        Ok(ShutdownSignals {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    async fn cancel_on_signal(mut self, shutdown: CancellationToken) {
        tokio::select! {
            _ = self.terminate.recv() => {}
            _ = self.interrupt.recv() => {}
        }
        shutdown.cancel();
    }
}

/// Logs go to stderr (the engine shows them with `--logflow`), filtered by `RUST_LOG` (default `warn`).
/// Whatever it asks for, events that may quote credentials or a secret external id are never written.
fn init_logging() -> Result<(), ecs_watcher::log_safety::TryInitError> {
    ecs_watcher::log_safety::LogSetup {
        env_var: "RUST_LOG",
        default_filter: "warn",
        show_target: true,
    }
    .install()
}

fn print(text: &str) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&format!("cannot write to stdout: {error}")),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("pulumi-resource-wait-for-ecs-deploy: {message}");
    ExitCode::FAILURE
}
