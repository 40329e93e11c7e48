//! The `ecs-sim` binary: prints where it listens, serves the real SDK, documents its rules.

mod common;

use std::process::Stdio;

use aws_sdk_ecs::config::{BehaviorVersion, Credentials, Region};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const BINARY: &str = env!("CARGO_BIN_EXE_ecs-sim");

#[tokio::test]
async fn serve_prints_its_endpoint_and_answers_the_sdk() {
    let mut child = Command::new(BINARY)
        .args(["serve", "--port", "0", "--time-scale", "50", "--seed", "7"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("ecs-sim starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .await
        .expect("first line");
    let endpoint = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");

    let config = aws_sdk_ecs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(&endpoint)
        .credentials_provider(Credentials::new(
            "test",
            "test",
            None,
            None,
            "ecs-sim-tests",
        ))
        .build();
    let ecs = aws_sdk_ecs::Client::from_conf(config);
    assert_eq!(
        common::create_cluster(&ecs, "cli").await,
        "arn:aws:ecs:us-east-1:123456789012:cluster/cli"
    );
    child.start_kill().expect("stop ecs-sim");
    child.wait().await.expect("ecs-sim exits");
}

#[tokio::test]
async fn help_documents_task_rules_and_admin_endpoints() {
    let output = Command::new(BINARY)
        .args(["serve", "--help"])
        .output()
        .await
        .expect("help");
    let help = String::from_utf8_lossy(&output.stdout);
    for needle in [
        "SIM_STARTUP_SECONDS",
        "/bin/false",
        "nonexistent",
        "30720",
        "/_sim/faults",
        "/_sim/calls",
        "curl -f http://localhost/",
        "healthCheckGracePeriodSeconds",
        "122880",
        "wall clock",
        "SigV4",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}:\n{help}");
    }
}

#[tokio::test]
async fn refuses_a_port_in_use_with_a_clear_message() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("address").port().to_string();
    let output = Command::new(BINARY)
        .args(["serve", "--port", &port])
        .output()
        .await
        .expect("ecs-sim runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("127.0.0.1:{port}")), "{stderr}");
}
