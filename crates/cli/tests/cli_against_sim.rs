//! The `wait-for-ecs-deploy` binary as a CI pipeline runs it: a real process, flags, environment, exit code,
//! stdout and stderr, against the `ecs-sim` simulator on 127.0.0.1 (the process gets dummy credentials and the
//! simulator's endpoint; nothing leaves the machine).

mod support;

use std::time::{Duration, Instant};

use ecs_sim::scenario::CircuitBreaker;
use ecs_sim::{Faults, ServiceDeploymentsApi};
use serde_json::Value;
use support::*;

const TIME_SCALE: f64 = 50.0;

async fn fixture() -> Sim {
    start(TIME_SCALE, 11).await
}

/// A fresh simulator with `web` settled (`circuit_breaker`: `None` for none, `Some(rollback)`) and deploying
/// a revision behaving as `behaviour` ([`Scenario::deploying`]); returns the simulator and the revision's ARN.
async fn fresh_rollout(circuit_breaker: Option<bool>, behaviour: TaskBehaviour) -> (Sim, String) {
    let fixture = fixture().await;
    let breaker = CircuitBreaker::from_rollback(circuit_breaker);
    let rollout = fixture
        .scenario
        .deploying("web", 2, breaker, behaviour)
        .await;
    (fixture, rollout.expect("web deploying").to)
}

/// What [`wait_for_a_deploy`] left: the deployed revision's ARN, the run and its JSON verdict.
struct Waited {
    desired: String,
    run: Run,
    verdict: Value,
}

/// [`fresh_rollout`], waited for with `extra` flags; asserts the exit code is `code` and the verdict's outcome
/// `outcome`.
async fn wait_for_a_deploy(
    circuit_breaker: Option<bool>,
    behaviour: TaskBehaviour,
    extra: &[&str],
    code: i32,
    outcome: &str,
) -> Waited {
    let (fixture, desired) = fresh_rollout(circuit_breaker, behaviour).await;
    let run = fixture.wait(&desired, extra).await;
    run.assert_exit(code);
    let verdict = run.json();
    assert_eq!(verdict["outcome"], outcome, "{verdict}");
    Waited {
        desired,
        run,
        verdict,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthy_rollout_exits_0_with_one_json_verdict() {
    let Waited {
        desired, verdict, ..
    } = wait_for_a_deploy(Some(true), TaskBehaviour::Healthy, &[], 0, "COMPLETED").await;
    assert_eq!(verdict["status"], "COMPLETED");
    assert_eq!(verdict["failureMessage"], "");
    assert_eq!(verdict["cluster"], "prod");
    assert_eq!(verdict["service"], "web");
    assert_eq!(verdict["desiredTaskDef"], desired.as_str());
    assert_eq!(verdict["primaryTaskDef"], desired.as_str());
    assert!(
        verdict["deploymentId"]
            .as_str()
            .is_some_and(|id| id.starts_with("ecs-svc/")),
        "{verdict}"
    );
    assert!(verdict["elapsedSeconds"].as_f64().is_some());
    assert_eq!(verdict["stoppedTasks"], Value::Array(vec![]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoint_url_takes_every_call_whatever_the_endpoint_variables_say() {
    let (fixture, desired) = fresh_rollout(Some(true), TaskBehaviour::Healthy).await;
    // A second simulator, where the SDK's endpoint variables point: a call there would end the wait with
    // "cluster not found".
    let decoy = ecs_sim::start(ecs_sim::SimConfig::default())
        .await
        .expect("decoy simulator starts");
    let mut command = command(Some(&decoy.endpoint()));
    command.env("AWS_ENDPOINT_URL_ECS", decoy.endpoint());
    let endpoint = fixture.endpoint();
    let run = run(
        command,
        &wait_args("web", &desired, &["--endpoint-url", &endpoint]),
    )
    .await;
    run.assert_exit(0);
    assert_eq!(run.json()["status"], "COMPLETED");
    assert_eq!(
        decoy.call_counts(),
        Default::default(),
        "no call went where AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_ECS point"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn family_revision_form_matches_the_registered_arn() {
    let fixture = fixture().await;
    let breaker = CircuitBreaker::ROLLS_BACK;
    let rollout = fixture
        .scenario
        .deploying("web", 2, breaker, TaskBehaviour::Healthy);
    rollout.await.expect("web deploying");
    let run = fixture.wait("web:2", &[]).await;
    run.assert_exit(0);
    assert!(
        run.json()["primaryTaskDef"]
            .as_str()
            .is_some_and(|arn| arn.ends_with("task-definition/web:2"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn circuit_breaker_rollback_exits_2_naming_the_revision_and_the_crash() {
    let Waited { verdict, .. } = wait_for_a_deploy(
        Some(true),
        TaskBehaviour::ExitsAtOnce,
        &[],
        2,
        "ROLLED_BACK",
    )
    .await;
    assert_eq!(verdict["status"], "FAILED");
    assert!(
        verdict["rolledBackTo"]
            .as_str()
            .is_some_and(|arn| arn.ends_with("task-definition/web:1")),
        "{verdict}"
    );
    // Names the revision rolled back to and the container exit.
    assert_says(
        "failureMessage",
        failure_message(&verdict),
        &["web:1", "exited 1"],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_loop_without_circuit_breaker_fails_long_before_the_timeout() {
    let Waited { run, verdict, .. } = wait_for_a_deploy(
        None,
        TaskBehaviour::ExitsAtOnce,
        &["--timeout", "60s"],
        1,
        "FAILED",
    )
    .await;
    assert!(
        run.elapsed < Duration::from_secs(20),
        "took {:?}",
        run.elapsed
    );
    let stopped = verdict["stoppedTasks"].as_array().expect("stoppedTasks");
    assert!(stopped.len() >= 3, "{verdict}");
    assert_eq!(stopped[0]["containers"][0]["name"], "app");
    assert_eq!(stopped[0]["containers"][0]["exitCode"], 1);
    assert_eq!(stopped[0]["stopCode"], "EssentialContainerExited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn image_pull_failure_exits_1_with_the_pull_error() {
    let Waited { verdict, .. } =
        wait_for_a_deploy(None, TaskBehaviour::MissingImage, &[], 1, "FAILED").await;
    assert_contains(failure_message(&verdict), "CannotPullContainerError");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_exits_3_within_one_poll_interval_of_the_deadline() {
    let (fixture, desired) = fresh_rollout(Some(true), TaskBehaviour::Unplaceable).await;
    let run = fixture
        .run(&web_args(&[
            "--task-definition",
            &desired,
            "--output",
            "json",
            "--timeout",
            "2s",
            "--poll-interval",
            "500ms",
        ]))
        .await;
    run.assert_exit(3);
    let verdict = run.json();
    assert_eq!(verdict["outcome"], "TIMED_OUT");
    let elapsed = verdict["elapsedSeconds"].as_f64().unwrap_or_default();
    assert!(
        (2.0..=2.6).contains(&elapsed),
        "deadline 2s, poll 500ms, verdict after {elapsed}s"
    );
    // Says what was pending.
    assert_contains(failure_message(&verdict), "unable to place a task");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fallback_without_service_deployments_api_or_rollout_state_still_completes() {
    let fixture = fixture().await;
    fixture
        .scenario
        .steady_service("web", 2, CircuitBreaker::ROLLS_BACK)
        .await
        .expect("a steady service");
    fixture.handle.set_faults(Faults {
        service_deployments_api: ServiceDeploymentsApi::UnknownOperation,
        omit_rollout_state: true,
        ..Faults::default()
    });
    fixture.handle.reset_call_counts();
    let desired = fixture.deploy("web", TaskBehaviour::Healthy).await;
    let run = fixture.wait(&desired, &[]).await;
    run.assert_exit(0);
    let counts = fixture.handle.call_counts();
    let describe_deployments = counts
        .get("DescribeServiceDeployments")
        .copied()
        .unwrap_or(0)
        + counts.get("ListServiceDeployments").copied().unwrap_or(0);
    assert!(
        describe_deployments <= 2,
        "the failing API is not retried every poll: {counts:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_storm_does_not_change_the_verdict() {
    let (fixture, desired) = fresh_rollout(Some(true), TaskBehaviour::ExitsAtOnce).await;
    fixture.handle.set_faults(Faults {
        throttle_probability: 0.6,
        ..Faults::default()
    });
    let run = fixture.wait(&desired, &["--timeout", "60s"]).await;
    fixture.handle.set_faults(Faults::default());
    assert_eq!(
        run.code, 2,
        "still ROLLED_BACK under throttling; stderr: {}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_service_and_cluster_exit_4_naming_them() {
    let fixture = fixture().await;
    // (cluster, service, what stderr names): a missing service in cluster prod, then a missing cluster.
    let cases: [(&str, &str, &[&str]); 2] = [
        ("prod", "nope", &["nope", "prod"]),
        ("staging", "web", &["staging"]),
    ];
    for (cluster, service, names) in cases {
        let case = format!("{cluster}/{service}");
        let args = ["--cluster", cluster, "--service", service];
        let run = fixture
            .run(&[&args[..], &["--poll-interval", "100ms"]].concat())
            .await;
        assert_eq!(run.code, 4, "{case}: {}", run.stderr);
        assert_says(&case, &run.stderr, names);
        assert!(run.stdout.is_empty(), "{case}: no verdict: {}", run.stdout);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_exits_4_naming_the_flag_and_value_without_calling_aws() {
    let cases: &[(&[&str], &str)] = &[
        (&["--cluster", "", "--service", "web"], "--cluster"),
        (
            &["--cluster", "prod", "--service", "bad name!"],
            "--service",
        ),
        (
            &[
                "--cluster",
                "prod",
                "--service",
                "web",
                "--task-definition",
                "web",
            ],
            "--task-definition",
        ),
        (
            &["--cluster", "prod", "--service", "web", "--timeout", "0s"],
            "--timeout",
        ),
        (
            &["--cluster", "prod", "--service", "web", "--timeout", "-5s"],
            "--timeout",
        ),
        (
            &["--cluster", "prod", "--service", "web", "--timeout", "400d"],
            "--timeout",
        ),
        (
            &[
                "--cluster",
                "prod",
                "--service",
                "web",
                "--max-task-failures",
                "-1",
            ],
            "--max-task-failures",
        ),
        (
            &["--cluster", "prod", "--service", "web", "--output", "yaml"],
            "--output",
        ),
        (
            &["--cluster", "prod", "--service", "web", "--no-such-flag"],
            "--no-such-flag",
        ),
        (&["--service", "web"], "--cluster"),
    ];
    for (args, flag) in cases {
        // An endpoint nobody listens on: any AWS call would fail differently (and slowly).
        let run = run(command(Some("http://127.0.0.1:9")), args).await;
        assert_eq!(run.code, 4, "{args:?} → {}", run.stderr);
        assert_says(
            format!("{args:?}: stderr names the flag"),
            &run.stderr,
            &[flag],
        );
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_region_is_a_setup_error_saying_how_to_set_one() {
    let mut without_region = command(Some("http://127.0.0.1:9"));
    without_region.env_remove("AWS_REGION");
    let run = run(without_region, &["--cluster", "prod", "--service", "web"]).await;
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert_contains(&run.stderr, "region");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_lists_the_exit_codes() {
    let run = run(command(None), &["--help"]).await;
    assert_eq!(run.code, 0);
    assert_says(
        "--help",
        &run.stdout,
        &[
            "ROLLED_BACK",
            "TIMED_OUT",
            "130",
            "--max-task-failures",
            "AWS_ENDPOINT_URL",
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_during_a_wait_exits_130_within_a_second() {
    let (fixture, desired) = fresh_rollout(Some(true), TaskBehaviour::Unplaceable).await;
    let mut child = command(Some(&fixture.endpoint()))
        .args(wait_args("web", &desired, &["--timeout", "60s"]))
        .spawn()
        .expect("spawn");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let pid = child.id().expect("pid") as i32;
    let sent = Instant::now();
    // SAFETY-free: kill(2) through the standard `kill` command keeps the test free of libc.
    let status = tokio::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .await
        .expect("kill");
    assert!(status.success());
    let exit = tokio::time::timeout(Duration::from_secs(5), child.wait())
        .await
        .expect("exits")
        .expect("status");
    assert_eq!(exit.code(), Some(130));
    assert!(
        sent.elapsed() < Duration::from_secs(1),
        "stopped in {:?}",
        sent.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_plays_the_staged_and_acting_scenarios_offline() {
    for (scenario, expected, words) in [
        ("paused-approval", "COMPLETED", "approving"),
        ("canary-alarm", "ROLLED_BACK", "during BAKE_TIME"),
        (
            "crash-loop-rollback",
            "FAILED",
            "rolled back to web-crash-loop-rollback:1",
        ),
    ] {
        let run = run(command(None), &["demo", "--scenario", scenario, "--quiet"]).await;
        assert_eq!(
            run.code, 0,
            "{scenario}: stdout: {} stderr: {}",
            run.stdout, run.stderr
        );
        assert!(
            run.stdout
                .contains(&format!("ok: expected {expected}, got {expected}")),
            "{scenario}: {}",
            run.stdout
        );
        assert!(
            run.all_output().contains(words),
            "{scenario}: {}",
            run.all_output()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_plays_one_scenario_offline() {
    let run = run(
        command(None),
        &["demo", "--scenario", "crash-loop", "--quiet"],
    )
    .await;
    run.assert_exit(0);
    assert_contains(&run.stdout, "ok: expected FAILED, got FAILED");
}
