//! Shared set-up for the CLI's binary tests: the real binary as a child process with a clean, loopback-
//! only environment (dummy credentials, no host AWS files, instance metadata off), and an `ecs-sim` with a
//! fault-free admin client (configured in code) to create clusters, services and deployments.

#![allow(dead_code)] // each test binary uses a different part of this module

use std::process::Stdio;
use std::time::{Duration, Instant};

use aws_sdk_ecs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ecs::types::{
    ContainerDefinition, DeploymentCircuitBreaker, DeploymentConfiguration, KeyValuePair,
};
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

pub struct Sim {
    pub handle: SimHandle,
    pub admin: aws_sdk_ecs::Client,
}

pub async fn start(time_scale: f64, seed: u64) -> Sim {
    let handle = ecs_sim::start(SimConfig {
        time_scale,
        seed,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let config = aws_sdk_ecs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(handle.endpoint())
        .credentials_provider(Credentials::new("admin", "admin", None, None, "tests"))
        .build();
    let admin = aws_sdk_ecs::Client::from_conf(config);
    admin
        .create_cluster()
        .cluster_name("prod")
        .send()
        .await
        .expect("cluster");
    Sim { handle, admin }
}

/// What the tasks of a revision do in the simulator.
#[derive(Clone, Copy, Debug)]
pub enum Behaviour {
    Healthy,
    /// Healthy, but every task stays PENDING this many simulated seconds first.
    SlowStart(u32),
    /// The essential container exits 1 right after starting.
    Crashing,
    /// The image cannot be pulled (CannotPullContainerError).
    MissingImage,
    /// Asks for more memory than any capacity: no task can be placed.
    TooBig,
}

impl Sim {
    pub fn endpoint(&self) -> String {
        self.handle.endpoint()
    }

    pub async fn register(&self, family: &str, behaviour: Behaviour) -> String {
        let mut container = ContainerDefinition::builder()
            .name("app")
            .essential(true)
            .memory(256)
            .image("public.ecr.aws/nginx/nginx:1.27");
        match behaviour {
            Behaviour::Healthy => {}
            Behaviour::SlowStart(seconds) => {
                container = container.environment(
                    KeyValuePair::builder()
                        .name("SIM_STARTUP_SECONDS")
                        .value(seconds.to_string())
                        .build(),
                );
            }
            Behaviour::Crashing => container = container.command("/bin/false"),
            Behaviour::MissingImage => container = container.image("nonexistent.example/app:2"),
            Behaviour::TooBig => container = container.memory(65_536),
        }
        self.admin
            .register_task_definition()
            .family(family)
            .container_definitions(container.build())
            .send()
            .await
            .expect("register")
            .task_definition()
            .and_then(|td| td.task_definition_arn())
            .expect("arn")
            .to_owned()
    }

    /// A service on a healthy first revision, settled (checked through the admin client, not the binary).
    pub async fn steady_service(&self, name: &str, circuit_breaker: Option<bool>) -> String {
        let first = self.register(name, Behaviour::Healthy).await;
        let mut configuration = DeploymentConfiguration::builder();
        if let Some(rollback) = circuit_breaker {
            configuration = configuration.deployment_circuit_breaker(
                DeploymentCircuitBreaker::builder()
                    .enable(true)
                    .rollback(rollback)
                    .build(),
            );
        }
        self.admin
            .create_service()
            .cluster("prod")
            .service_name(name)
            .task_definition(&first)
            .desired_count(2)
            .deployment_configuration(configuration.build())
            .send()
            .await
            .expect("create service");
        self.settle(name).await;
        first
    }

    /// Waits (at most a minute of real time) until the service's only deployment has completed.
    pub async fn settle(&self, name: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let described = self
                .admin
                .describe_services()
                .cluster("prod")
                .services(name)
                .send()
                .await
                .expect("describe");
            let settled = described.services().first().is_some_and(|service| {
                service.deployments().len() == 1
                    && service.deployments()[0]
                        .rollout_state()
                        .is_some_and(|state| state.as_str() == "COMPLETED")
            });
            if settled {
                return;
            }
            assert!(Instant::now() < deadline, "service {name} never settled");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn deploy(&self, service: &str, behaviour: Behaviour) -> String {
        let task_definition = self.register(service, behaviour).await;
        self.admin
            .update_service()
            .cluster("prod")
            .service(service)
            .task_definition(&task_definition)
            .send()
            .await
            .expect("update service");
        task_definition
    }
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
