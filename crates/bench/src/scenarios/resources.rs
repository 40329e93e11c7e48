//! Figure 4: what the shipped binaries cost on the machine they run on — the CLI waiting on one
//! service, the provider waiting on 1 and 1,000 (driven over gRPC with concurrent Create
//! calls, as the Pulumi engine does), provider start-up (exec → port printed), and the
//! stripped release binary sizes.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use prost_types::value::Kind;
use prost_types::{Struct, Value};
use pulumi_gestalt_proto::pulumi::pulumirpc::resource_provider_client::ResourceProviderClient;
use pulumi_gestalt_proto::pulumi::pulumirpc::{ConfigureRequest, CreateRequest};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::error::{BenchError, BenchResult, Context};
use crate::fixture::{CLUSTER, CircuitBreaker, REGION, TaskBehaviour, World};
use crate::procfs;
use crate::recorder::epoch_seconds;

pub(crate) const CLI: &str = "wait-for-ecs-deploy";
pub(crate) const PROVIDER: &str = "pulumi-resource-wait-for-ecs-deploy";
pub(crate) const SIMULATOR: &str = "ecs-sim";
const RESOURCE_TYPE: &str = "wait-for-ecs-deploy:index:WaitForEcsDeployment";
/// How long the CLI waits (it then times out, exit code 3); the first 3 s are start-up.
const CLI_WAIT_SECONDS: u64 = 14;
const CLI_WARM_UP_SECONDS: f64 = 3.0;
/// Provider load: steady ticks observed after every wait found its deployment.
const PROVIDER_STEADY_TICKS: u64 = 3;
const PROVIDER_LIMIT: Duration = Duration::from_secs(200);

#[derive(Clone, Debug)]
pub(crate) struct Footprint {
    pub what: String,
    pub waits: usize,
    pub peak_rss_mib: f64,
    pub cpu_ms_per_tick: f64,
    /// Ticks the CPU figure is averaged over.
    pub ticks: f64,
}

#[derive(Clone, Debug)]
pub(crate) struct Figures {
    pub footprints: Vec<Footprint>,
    /// exec → port printed, milliseconds, per run.
    pub provider_startup_ms: Vec<f64>,
    /// The same for the first exec right after the build, reported apart: a fresh binary's
    /// first start has taken tens to hundreds of times longer than the ones after it.
    pub provider_first_startup_ms: f64,
    /// Stripped release binaries, bytes.
    pub binary_sizes: Vec<(String, u64)>,
}

pub(crate) async fn measure(runs: usize) -> BenchResult<Figures> {
    let binaries = build_binaries().await?;
    let mut binary_sizes = Vec::new();
    for name in [CLI, PROVIDER, SIMULATOR] {
        let path = binaries.join(name);
        let size = std::fs::metadata(&path)
            .context(format!("reading the size of {}", path.display()))?
            .len();
        binary_sizes.push((name.to_owned(), size));
    }
    let provider_first_startup_ms = provider_startup(&binaries.join(PROVIDER)).await?;
    let mut provider_startup_ms = Vec::new();
    for _ in 0..runs {
        provider_startup_ms.push(provider_startup(&binaries.join(PROVIDER)).await?);
    }
    let footprints = vec![
        cli_one_service(&binaries.join(CLI)).await?,
        provider_waits(&binaries.join(PROVIDER), 1).await?,
        provider_waits(&binaries.join(PROVIDER), 1000).await?,
    ];
    Ok(Figures {
        footprints,
        provider_startup_ms,
        provider_first_startup_ms,
        binary_sizes,
    })
}

/// Builds the release binaries next to this one (a no-op when they are fresh) and returns
/// their directory.
async fn build_binaries() -> BenchResult<PathBuf> {
    let exe = std::env::current_exe().context("finding the bench executable")?;
    let dir = exe
        .parent()
        .map(Path::to_path_buf)
        .context("the directory of the bench executable")?;
    let profile = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if profile != "release" {
        return Err(BenchError::new(format!(
            "bench runs from {} ({profile} build): resource figures are only meaningful for release \
             binaries; run `cargo run --release -p bench -- ...`",
            dir.display()
        )));
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            CLI,
            "-p",
            PROVIDER,
            "-p",
            SIMULATOR,
        ])
        .status()
        .await
        .context("running cargo build --release for the CLI, provider and simulator")?;
    if !status.success() {
        return Err(BenchError::new(format!(
            "cargo build --release of the CLI, provider and simulator failed ({status})"
        )));
    }
    Ok(dir)
}

/// A command with only what the binaries need: dummy credentials, no profile files, no proxy.
fn isolated(program: &Path) -> Command {
    let mut command = Command::new(program);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials",
        )
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .kill_on_drop(true);
    command
}

/// Starts the provider and returns it with its port, and the time from exec to the port line.
async fn start_provider(program: &Path) -> BenchResult<(Child, u16, Duration)> {
    let mut command = isolated(program);
    command.stdout(Stdio::piped()).stderr(Stdio::null());
    let started = Instant::now();
    let mut child = command
        .spawn()
        .context(format!("starting {}", program.display()))?;
    let stdout = child.stdout.take().context("the provider's stdout")?;
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .await
        .context("reading the provider's port")?;
    let elapsed = started.elapsed();
    let port = line.trim().parse::<u16>().map_err(|_| {
        BenchError::new(format!(
            "the provider printed `{}` instead of a port",
            line.trim()
        ))
    })?;
    Ok((child, port, elapsed))
}

async fn provider_startup(program: &Path) -> BenchResult<f64> {
    let (mut child, _, elapsed) = start_provider(program).await?;
    let _ = child.kill().await;
    Ok(elapsed.as_secs_f64() * 1000.0)
}

struct Sample {
    cpu: Duration,
    peak_rss_kib: u64,
    describe_services: u64,
    discovered: u64,
}

fn sample(pid: u32, world: &World) -> Option<Sample> {
    let counts = world.sim.call_counts();
    Some(Sample {
        cpu: procfs::cpu_time(pid)?,
        peak_rss_kib: procfs::peak_rss_kib(pid)?,
        describe_services: counts.get("DescribeServices").copied().unwrap_or(0),
        discovered: counts.get("ListServiceDeployments").copied().unwrap_or(0),
    })
}

/// The CLI waiting on one service whose deployment never finishes, until its timeout.
async fn cli_one_service(program: &Path) -> BenchResult<Footprint> {
    let world = World::start(1.0).await?;
    world.create_cluster(CLUSTER).await?;
    let task_definition = world.register("app", TaskBehaviour::NeverReady).await?;
    world
        .create_service(CLUSTER, "web", &task_definition, CircuitBreaker::Off)
        .await?;
    world.sim.reset_call_counts();
    let mut command = isolated(program);
    command
        .args(["--cluster", CLUSTER, "--service", "web", "--region", REGION])
        .args(["--endpoint-url", &world.endpoint()])
        .args([
            "--timeout",
            &format!("{CLI_WAIT_SECONDS}s"),
            "--output",
            "json",
            "--quiet",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let started = epoch_seconds();
    let mut child = command
        .spawn()
        .context(format!("starting {}", program.display()))?;
    let pid = child.id().context("the CLI's pid")?;
    let mut warm: Option<Sample> = None;
    let mut latest: Option<Sample> = None;
    let status = loop {
        if let Some(status) = child.try_wait().context("polling the CLI")? {
            break status;
        }
        if let Some(now) = sample(pid, &world) {
            if warm.is_none() && epoch_seconds() - started >= CLI_WARM_UP_SECONDS {
                warm = Some(now);
            } else {
                latest = Some(now);
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    if status.code() != Some(3) {
        return Err(BenchError::new(format!(
            "the CLI should have timed out (exit code 3), it exited with {status}"
        )));
    }
    let (Some(warm), Some(latest)) = (warm, latest) else {
        return Err(BenchError::new(
            "the CLI exited before it could be measured",
        ));
    };
    let ticks = latest
        .describe_services
        .saturating_sub(warm.describe_services) as f64;
    Ok(Footprint {
        what: "CLI (`wait-for-ecs-deploy`)".into(),
        waits: 1,
        peak_rss_mib: latest.peak_rss_kib as f64 / 1024.0,
        cpu_ms_per_tick: per_tick_ms(latest.cpu.saturating_sub(warm.cpu), ticks),
        ticks,
    })
}

fn per_tick_ms(cpu: Duration, ticks: f64) -> f64 {
    if ticks > 0.0 {
        cpu.as_secs_f64() * 1000.0 / ticks
    } else {
        f64::NAN
    }
}

fn text(value: &str) -> Value {
    Value {
        kind: Some(Kind::StringValue(value.to_owned())),
    }
}

fn object(fields: &[(&str, Value)]) -> Struct {
    Struct {
        fields: fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    }
}

/// The provider serving `waits` concurrent Create calls (one resource per service).
async fn provider_waits(program: &Path, waits: usize) -> BenchResult<Footprint> {
    let world = World::start(1.0).await?;
    world.create_cluster(CLUSTER).await?;
    let task_definition = world.register("app", TaskBehaviour::NeverReady).await?;
    for i in 0..waits {
        world
            .create_service(
                CLUSTER,
                &format!("svc-{i:04}"),
                &task_definition,
                CircuitBreaker::Off,
            )
            .await?;
    }
    world.sim.reset_call_counts();
    let (child, port, _) = start_provider(program).await?;
    let pid = child.id().context("the provider's pid")?;
    let mut client = ResourceProviderClient::connect(format!("http://127.0.0.1:{port}"))
        .await
        .context("connecting to the provider")?;
    client
        .configure(ConfigureRequest {
            args: Some(object(&[
                ("region", text(REGION)),
                ("endpoint", text(&world.endpoint())),
            ])),
            accept_secrets: true,
            accept_resources: true,
            ..Default::default()
        })
        .await
        .map_err(|status| BenchError::new(format!("provider Configure: {}", status.message())))?;
    let mut creates = Vec::with_capacity(waits);
    for i in 0..waits {
        let mut client = client.clone();
        let properties = object(&[
            ("clusterName", text(CLUSTER)),
            ("serviceName", text(&format!("svc-{i:04}"))),
            ("desiredTaskDef", text(&task_definition)),
            (
                "timeoutMs",
                Value {
                    kind: Some(Kind::NumberValue(3_600_000.0)),
                },
            ),
        ]);
        creates.push(tokio::spawn(async move {
            client
                .create(CreateRequest {
                    urn: format!("urn:pulumi:bench::bench::{RESOURCE_TYPE}::w{i}"),
                    name: format!("w{i}"),
                    r#type: RESOURCE_TYPE.into(),
                    properties: Some(properties),
                    timeout: 3600.0,
                    preview: false,
                    ..Default::default()
                })
                .await
        }));
    }
    let per_tick = waits.div_ceil(10) as u64;
    let started = Instant::now();
    let mut steady_from: Option<Sample> = None;
    let to = loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if let Some(finished) = creates.iter().position(|c| c.is_finished()) {
            let outcome = creates.swap_remove(finished).await;
            return Err(BenchError::new(format!(
                "a provider Create ended while its deployment was still in progress: {outcome:?}"
            )));
        }
        let Some(now) = sample(pid, &world) else {
            return Err(BenchError::new("the provider exited during the load"));
        };
        if steady_from.is_none() && now.discovered >= waits as u64 {
            // One more poll interval, so every wait is past its first look.
            tokio::time::sleep(Duration::from_secs(2)).await;
            steady_from = sample(pid, &world);
            continue;
        }
        let enough = steady_from.as_ref().is_some_and(|from| {
            now.describe_services >= from.describe_services + PROVIDER_STEADY_TICKS * per_tick
        });
        if enough || started.elapsed() >= PROVIDER_LIMIT {
            break now;
        }
    };
    for create in &creates {
        create.abort();
    }
    drop(child);
    let Some(from) = steady_from else {
        return Err(BenchError::new(format!(
            "the provider did not reach a steady state with {waits} waits within {PROVIDER_LIMIT:?}"
        )));
    };
    // The provider batches as the core does (figure 3b): ceil(N/10) DescribeServices per tick.
    let ticks =
        to.describe_services.saturating_sub(from.describe_services) as f64 / per_tick as f64;
    Ok(Footprint {
        what: "provider (`pulumi-resource-wait-for-ecs-deploy`)".into(),
        waits,
        peak_rss_mib: to.peak_rss_kib as f64 / 1024.0,
        cpu_ms_per_tick: per_tick_ms(to.cpu.saturating_sub(from.cpu), ticks),
        ticks,
    })
}
