//! Faults through the real binary, where the exit code is the verdict a pipeline acts on. The full fault
//! matrix runs against the watcher (crates/watcher/tests/reliability_faults.rs); these prove the CLI's own
//! client set-up (`ecs_watcher::connect`) and its exit codes under the same faults.

mod support;

use std::time::Duration;

use ecs_sim::Faults;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_connection_is_abandoned_after_the_attempt_timeout_and_the_wait_completes() {
    let sim = start(50.0, 31).await;
    let desired = sim.deploying(Some(true), TaskBehaviour::Healthy).await;
    // The first calls get no answer for a minute (a connection a proxy silently dropped); then ECS is fine.
    sim.handle.set_faults(Faults {
        latency_ms: 60_000,
        ..Faults::default()
    });
    let recover = async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        sim.handle.set_faults(Faults::default());
    };
    let args = wait_args("web", &desired, &["--timeout", "45s"]);
    let waiting = run(command(Some(&sim.endpoint())), &args);
    let (run, ()) = tokio::join!(waiting, recover);
    assert_eq!(
        run.code, 0,
        "after {:?}: {} {}",
        run.elapsed, run.stdout, run.stderr
    );
    assert!(
        run.elapsed < Duration::from_secs(25),
        "the silent call held the wait for {:?}",
        run.elapsed
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_server_errors_exit_3_naming_the_call_and_the_error() {
    let sim = start(50.0, 32).await;
    let desired = sim.deploying(Some(true), TaskBehaviour::Healthy).await;
    sim.handle.set_faults(Faults {
        server_error_probability: 1.0,
        ..Faults::default()
    });
    let run = sim.wait(&desired, &["--timeout", "2s"]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    let verdict = run.json();
    assert_eq!(verdict["outcome"], "TIMED_OUT");
    let message = verdict["failureMessage"].as_str().unwrap_or_default();
    assert!(
        message.contains("DescribeServices kept answering ServerException"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_under_every_fault_at_once_still_exits_2() {
    let sim = start(50.0, 33).await;
    let desired = sim.deploying(Some(true), TaskBehaviour::ExitsAtOnce).await;
    sim.handle.set_faults(Faults::storm());
    let run = sim.wait(&desired, &["--timeout", "90s"]).await;
    run.assert_exit(2);
    assert_eq!(run.json()["outcome"], "ROLLED_BACK");
}
