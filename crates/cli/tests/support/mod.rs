//! Shared set-up for the CLI's binary tests: the real binary as a child process with a clean, loopback-
//! only environment (dummy credentials, no host AWS files, instance metadata off), and an `ecs-sim` with a
//! fault-free admin client (configured in code) to create clusters, services and deployments.

#![allow(dead_code)] // each test binary uses a different part of this module

use std::process::Stdio;
use std::time::{Duration, Instant};

use ecs_sim::scenario::CircuitBreaker;
pub use ecs_sim::scenario::{Scenario, TaskBehaviour};
use ecs_sim::{SimConfig, SimHandle};
use serde_json::Value;

pub const BINARY: &str = env!("CARGO_BIN_EXE_wait-for-ecs-deploy");
/// The base secret key every child process gets; no output may ever contain it.
pub const BASE_SECRET_KEY: &str = "reliability-base-secret-8d0f3e";

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    pub fn json(&self) -> Value {
        let lines: Vec<&str> = self
            .stdout
            .lines()
            .filter(|line| !line.trim().is_empty())
            .collect();
        assert_eq!(
            lines.len(),
            1,
            "exactly one JSON object on stdout: {}",
            self.stdout
        );
        serde_json::from_str(lines[0]).expect("stdout is JSON")
    }

    /// Asserts the exit code, showing all the process printed when it differs.
    #[track_caller]
    pub fn assert_exit(&self, code: i32) {
        assert_eq!(
            self.code, code,
            "exit code; stdout: {} stderr: {}",
            self.stdout, self.stderr
        );
    }

    /// Everything the process printed, for leak checks.
    pub fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// The binary with a clean environment: loopback only, dummy credentials, no host AWS configuration.
pub fn command(endpoint: Option<&str>) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(BINARY);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent-home")
        .env("AWS_ACCESS_KEY_ID", "AKIARELIABILITYTEST")
        .env("AWS_SECRET_ACCESS_KEY", BASE_SECRET_KEY)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(endpoint) = endpoint {
        command.env("AWS_ENDPOINT_URL", endpoint);
    }
    command
}

pub async fn run(mut command: tokio::process::Command, args: &[&str]) -> Run {
    let started = Instant::now();
    let output = command.args(args).output().await.expect("binary runs");
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        elapsed: started.elapsed(),
    };
    assert!(
        !run.all_output().contains(BASE_SECRET_KEY),
        "the base secret key leaked into the output"
    );
    assert!(
        !run.stderr.contains("panicked"),
        "the binary panicked: {}",
        run.stderr
    );
    run
}

/// Asserts that `text` (some output) contains `needle`, showing all of it when not.
#[track_caller]
pub fn assert_contains(text: &str, needle: &str) {
    assert!(text.contains(needle), "expected {needle:?} in: {text}");
}

/// Asserts that `text` contains every one of `needles`; on failure names `case`, lists every needle that is
/// missing and shows all of `text`.
#[track_caller]
pub fn assert_says(case: impl std::fmt::Display, text: &str, needles: &[&str]) {
    let missing: Vec<&str> = needles
        .iter()
        .copied()
        .filter(|needle| !text.contains(needle))
        .collect();
    assert!(
        missing.is_empty(),
        "{case}: expected {missing:?} in: {text}"
    );
}

/// The `failureMessage` of a JSON verdict (empty when it has none).
pub fn failure_message(verdict: &Value) -> &str {
    verdict["failureMessage"].as_str().unwrap_or_default()
}

pub struct Sim {
    pub handle: SimHandle,
    /// Scenarios in cluster `prod` through a fault-free admin client (never the binary under test).
    pub scenario: Scenario,
}

fn config(time_scale: f64, seed: u64) -> SimConfig {
    SimConfig {
        time_scale,
        seed,
        ..SimConfig::default()
    }
}

pub async fn start(time_scale: f64, seed: u64) -> Sim {
    let (handle, scenario) =
        ecs_sim::scenario::start_with_cluster(config(time_scale, seed), "prod")
            .await
            .expect("simulator starts with cluster prod");
    Sim { handle, scenario }
}

/// [`start`], with service `web` settled on a healthy first revision (2 tasks, a breaker that rolls back).
pub async fn start_with_steady_web(time_scale: f64, seed: u64) -> Sim {
    let sim = start(time_scale, seed).await;
    sim.scenario
        .steady_service("web", 2, CircuitBreaker::ROLLS_BACK)
        .await
        .expect("a steady service");
    sim
}

/// A simulator whose own (default) region stays us-east-1, with cluster `prod` created in `region` and the
/// scenarios there: the admin client signs its requests for `region`, and the simulator keeps one world per
/// signing region.
pub async fn start_in_region(time_scale: f64, seed: u64, region: &'static str) -> Sim {
    let handle = ecs_sim::start(config(time_scale, seed))
        .await
        .expect("simulator starts");
    let signing_for_region = ecs_sim::scenario::client_config(&handle.endpoint())
        .region(aws_sdk_ecs::config::Region::from_static(region))
        .build();
    let scenario = Scenario::new(aws_sdk_ecs::Client::from_conf(signing_for_region), "prod");
    scenario.create_cluster().await.expect("cluster prod");
    Sim { handle, scenario }
}

impl Sim {
    pub fn endpoint(&self) -> String {
        self.handle.endpoint()
    }

    /// Registers a revision behaving as `behaviour` and points the service at it; returns its ARN.
    pub async fn deploy(&self, service: &str, behaviour: TaskBehaviour) -> String {
        self.scenario
            .deploy(service, behaviour)
            .await
            .expect("a new deployment")
    }

    /// The binary with `args`, pointed at this simulator.
    pub async fn run(&self, args: &[&str]) -> Run {
        run(command(Some(&self.endpoint())), args).await
    }

    /// The binary waiting for `task_definition` on service `web`: [`wait_args`] plus `extra`.
    pub async fn wait(&self, task_definition: &str, extra: &[&str]) -> Run {
        self.run(&wait_args("web", task_definition, extra)).await
    }
}

/// `--cluster prod --service web` plus `extra`.
pub fn web_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    [&["--cluster", "prod", "--service", "web"], extra].concat()
}

/// `--cluster prod --service S --task-definition TD --poll-interval 100ms --output json` plus `extra`.
pub fn wait_args<'a>(
    service: &'a str,
    task_definition: &'a str,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        "--cluster",
        "prod",
        "--service",
        service,
        "--task-definition",
        task_definition,
        "--poll-interval",
        "100ms",
        "--output",
        "json",
    ];
    args.extend_from_slice(extra);
    args
}
