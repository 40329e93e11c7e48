//! The engine goes away while a wait is in progress: it hangs up, it dies, or it signals the provider.
//! Whatever happens, the wait stops polling ECS, nothing hangs and no provider process is left behind.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use pulumi_gestalt_proto::pulumi::pulumirpc::CreateResponse;
use pulumi_gestalt_proto::pulumi::pulumirpc::resource_provider_client::ResourceProviderClient;

const BINARY: &str = env!("CARGO_BIN_EXE_pulumi-resource-wait-for-ecs-deploy");

/// A service whose new deployment can never be placed, and the checked inputs of a wait for it: the wait
/// would poll until its timeout.
async fn endless_wait(h: &mut Harness) -> prost_types::Struct {
    let (_, inputs) = h
        .wait_on_new_service("stuck", TaskBehaviour::Unplaceable, None, &[])
        .await;
    inputs
}

/// Simulator calls made during `window`, after waiting `settle` for in-flight calls to land.
async fn calls_during(h: &Harness, settle: Duration, window: Duration) -> u64 {
    tokio::time::sleep(settle).await;
    let before = h.total_calls();
    tokio::time::sleep(window).await;
    h.total_calls() - before
}

#[test]
fn an_engine_that_hangs_up_mid_wait_stops_the_polling() {
    with_harness(|mut h| async move {
        let inputs = endless_wait(&mut h).await;
        let address = h.provider_uri.clone();
        // The engine's own connection, dropped as a whole when the engine goes away.
        let mut engine_connection = ResourceProviderClient::connect(address)
            .await
            .expect("connect");
        let waiting =
            tokio::spawn(async move { engine_connection.create(create_request(inputs)).await });
        let polling = calls_during(&h, Duration::ZERO, Duration::from_millis(1000)).await;
        assert!(polling > 0, "the wait never started polling");

        waiting.abort();
        let _ = waiting.await;
        let after = calls_during(&h, Duration::from_millis(500), Duration::from_millis(1500)).await;
        assert_eq!(
            after, 0,
            "the wait kept polling ECS after its engine hung up"
        );
        // The provider itself is fine and serves the next engine.
        let info = h.client.get_plugin_info(()).await.expect("still serving");
        assert!(!info.into_inner().version.is_empty());
    });
}

/// Starts the provider binary as the child of a throw-away shell that plays the engine process, so the test
/// can kill the "engine" and watch what happens to the provider. Returns (shell, provider pid, port).
fn start_under_a_mortal_parent(endpoint: &str) -> (Child, u32, u16) {
    let mut shell = Command::new("sh")
        .arg("-c")
        // The provider's port goes to stdout; its pid to stderr; then the shell just lives on.
        .arg("\"$0\" 127.0.0.1:9 & echo $! >&2; wait")
        .arg(BINARY)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(TEST_ENVIRONMENT.iter().copied())
        .env("AWS_REGION", REGION)
        .env("AWS_ENDPOINT_URL", endpoint)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh");
    let pid = first_line_as(shell.stderr.take().expect("stderr"), "a pid");
    let port = first_line_as(shell.stdout.take().expect("stdout"), "a port");
    (shell, pid, port)
}

/// The first line `from` gives, parsed as `what`.
fn first_line_as<T: std::str::FromStr>(from: impl std::io::Read, what: &str) -> T {
    let mut line = String::new();
    BufReader::new(from)
        .read_line(&mut line)
        .unwrap_or_else(|error| panic!("reading {what}: {error}"));
    line.trim()
        .parse()
        .unwrap_or_else(|_| panic!("not {what}: {line:?}"))
}

/// Alive and not a zombie.
fn is_running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([name, &pid.to_string()])
        .status()
        .expect("kill");
    assert!(status.success(), "kill {name} {pid}");
}

async fn configured_client(
    port: u16,
    endpoint: &str,
) -> ResourceProviderClient<tonic::transport::Channel> {
    let mut client = ResourceProviderClient::connect(format!("http://127.0.0.1:{port}"))
        .await
        .expect("provider reachable");
    let configuration =
        configure_request(&[("region", text(REGION)), ("endpoint", text(endpoint))]);
    client.configure(configuration).await.expect("configure");
    client
}

async fn exits_within(pid: u32, limit: Duration) -> bool {
    let exited = async || (!is_running(pid)).then_some(());
    ecs_sim::scenario::poll_until(limit, Duration::from_millis(50), exited)
        .await
        .is_some()
}

/// The provider binary under a shell standing in for the engine, in the middle of an endless wait
/// (polled at least once): the shell, the provider's pid, and the in-flight Create.
async fn waiting_provider(
    h: &mut Harness,
) -> (
    Child,
    u32,
    tokio::task::JoinHandle<Result<tonic::Response<CreateResponse>, tonic::Status>>,
) {
    let inputs = endless_wait(h).await;
    let endpoint = h.sim.endpoint();
    let (shell, provider, port) = start_under_a_mortal_parent(&endpoint);
    let mut client = configured_client(port, &endpoint).await;
    let waiting = tokio::spawn(async move { client.create(create_request(inputs)).await });
    assert!(
        calls_during(h, Duration::from_millis(300), Duration::from_millis(700)).await > 0,
        "the provider's wait never polled"
    );
    (shell, provider, waiting)
}

/// Whether the provider exits within `limit`; if not, it is killed so no process outlives the test.
async fn exits_or_is_killed(pid: u32, limit: Duration) -> bool {
    let gone = exits_within(pid, limit).await;
    if !gone {
        signal(pid, "-KILL");
    }
    gone
}

#[test]
fn an_engine_that_dies_mid_wait_leaves_no_provider_process_behind() {
    with_harness(|mut h| async move {
        let (mut shell, provider, waiting) = waiting_provider(&mut h).await;

        // The engine crashes: no Cancel, no signal to the provider.
        let _ = shell.kill();
        let _ = shell.wait();
        let gone = exits_or_is_killed(provider, Duration::from_secs(8)).await;
        assert!(gone, "the provider outlived its engine");
        let answer = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("the in-flight Create ended")
            .expect("task");
        assert!(answer.is_err(), "a wait cut short has no verdict");
    });
}

#[test]
fn sigterm_mid_wait_ends_the_wait_and_the_process_promptly() {
    with_harness(|mut h| async move {
        let (mut shell, provider, waiting) = waiting_provider(&mut h).await;

        let signalled = Instant::now();
        signal(provider, "-TERM");
        let answer = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("the in-flight Create ended")
            .expect("task");
        let status = answer.expect_err("a cancelled wait has no verdict");
        assert_eq!(status.code(), tonic::Code::Cancelled, "{status:?}");
        let gone = exits_or_is_killed(provider, Duration::from_secs(5)).await;
        assert!(gone, "the provider did not exit after SIGTERM");
        assert!(
            signalled.elapsed() < Duration::from_secs(2),
            "exit took {:?}",
            signalled.elapsed()
        );
        let _ = shell.kill();
        let _ = shell.wait();
    });
}
