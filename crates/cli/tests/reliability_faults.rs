//! Faults through the real binary, where the exit code is the verdict a pipeline acts on. The full fault
//! matrix runs against the watcher (crates/watcher/tests/reliability_faults.rs); these prove the CLI's own
//! client set-up (`ecs_watcher::connect`) and its exit codes under the same faults.

mod support;

use std::time::Duration;

use ecs_sim::Faults;
use ecs_sim::scenario::CircuitBreaker;
use support::*;

/// A fresh simulator (seeded `seed`) with `web` settled behind a rolling-back circuit breaker and deploying a
/// revision behaving as `behaviour`, with `faults` injected from then on; returns it and the revision's ARN.
async fn rollout_under_faults(
    seed: u64,
    behaviour: TaskBehaviour,
    faults: Faults,
) -> (Sim, String) {
    let sim = start(50.0, seed).await;
    let breaker = CircuitBreaker::ROLLS_BACK;
    let rollout = sim.scenario.deploying("web", 2, breaker, behaviour).await;
    sim.handle.set_faults(faults);
    (sim, rollout.expect("web deploying").to)
}

/// No fault but those `set` sets.
fn faults(set: impl FnOnce(&mut Faults)) -> Faults {
    let mut faults = Faults::default();
    set(&mut faults);
    faults
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_connection_is_abandoned_after_the_attempt_timeout_and_the_wait_completes() {
    // The first calls get no answer for a minute (a connection a proxy silently dropped); then ECS is fine.
    let silent = faults(|f| f.latency_ms = 60_000);
    let (sim, desired) = rollout_under_faults(31, TaskBehaviour::Healthy, silent).await;
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
    let server_errors = faults(|f| f.server_error_probability = 1.0);
    let (sim, desired) = rollout_under_faults(32, TaskBehaviour::Healthy, server_errors).await;
    let run = sim.wait(&desired, &["--timeout", "2s"]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    let verdict = run.json();
    assert_eq!(verdict["outcome"], "TIMED_OUT");
    assert_contains(
        failure_message(&verdict),
        "DescribeServices kept answering ServerException",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_under_every_fault_at_once_still_exits_2() {
    let (sim, desired) =
        rollout_under_faults(33, TaskBehaviour::ExitsAtOnce, Faults::storm()).await;
    let run = sim.wait(&desired, &["--timeout", "90s"]).await;
    run.assert_exit(2);
    assert_eq!(run.json()["outcome"], "ROLLED_BACK");
}
