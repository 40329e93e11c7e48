//! Faults injected by `ecs-sim` into the real SDK path: throttling storms, 5xx bursts, connection resets,
//! cut JSON, HTML error pages, answers slower than the SDK's timeout. The wait must retry with backoff and still
//! reach the right verdict — a broken rollout never turns into COMPLETED — or time out saying what kept failing.

mod reliability_support;

use std::time::{Duration, Instant};

use ecs_sim::Faults;
use ecs_watcher::{Outcome, WaitReport};
use reliability_support::*;

/// 100 simulated seconds per real second: a healthy rollout takes a fraction of a second.
const FAST: f64 = 100.0;

/// No faults but the one `set` sets.
fn faults(set: impl FnOnce(&mut Faults)) -> Faults {
    let mut faults = Faults::default();
    set(&mut faults);
    faults
}

fn verdict(result: Result<WaitReport, ecs_watcher::WaitError>) -> WaitReport {
    match result {
        Ok(report) => report,
        Err(error) => panic!("expected a verdict, got the error: {error}"),
    }
}

/// Under `faults`, a healthy rollout still COMPLETES and a crashing one (circuit breaker with rollback) is
/// ROLLED_BACK; both waits saw the fault (at least one retry).
async fn right_verdicts_under(faults: Faults, seed: u64) {
    let sim = start(FAST, seed).await;
    sim.scenario
        .steady_service("good", 2, ROLLS_BACK)
        .await
        .expect("a steady service");
    sim.scenario
        .steady_service("bad", 2, ROLLS_BACK)
        .await
        .expect("a steady service");
    let healthy = sim.deploy("good", TaskBehaviour::Healthy).await;
    let crashing = sim.deploy("bad", TaskBehaviour::ExitsAtOnce).await;
    sim.handle.set_faults(faults.clone());
    // Without SDK-level retries every injected fault reaches the watcher: with ≥ 10 calls at p ≥ 0.4 the
    // chance that none is hit (and the retry assertion below fails) is below 1%.
    let watcher = sim.watcher_without_sdk_retries();
    let (good, bad) = tokio::join!(
        wait(&watcher, "good", Some(&healthy), options(90)),
        wait(&watcher, "bad", Some(&crashing), options(90)),
    );
    sim.handle.set_faults(Faults::default());

    let (good_report, good_events) = (verdict(good.0), good.1);
    assert_eq!(
        good_report.outcome,
        Outcome::Completed,
        "{faults:?}: {}",
        good_report.failure_message
    );
    let (bad_report, bad_events) = (verdict(bad.0), bad.1);
    assert_eq!(
        bad_report.outcome,
        Outcome::RolledBack,
        "{faults:?} must not change the verdict: {}",
        bad_report.failure_message
    );
    // The revision it went back to is looked up best-effort: a fault on that one call may leave it out.
    assert!(
        bad_report.failure_message.starts_with("rolled back"),
        "{}",
        bad_report.failure_message
    );
    let retried = retries(&good_events).len() + retries(&bad_events).len();
    assert!(retried > 0, "{faults:?} was never hit: no retry reported");
}

/// One test per row: `name: fault field = probability, seed`, each run by [`right_verdicts_under`]. A
/// macro rather than a loop, so each fault is its own test, run in parallel and named when it fails.
macro_rules! right_verdicts_under_each {
    ($($name:ident: $field:ident = $probability:literal, seed $seed:literal;)+) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            right_verdicts_under(faults(|f| f.$field = $probability), $seed).await;
        }
    )+};
}

right_verdicts_under_each! {
    throttling_half_the_calls_keeps_both_verdicts_right: throttle_probability = 0.5, seed 1;
    server_errors_on_half_the_calls_keep_both_verdicts_right: server_error_probability = 0.5, seed 2;
    connection_resets_keep_both_verdicts_right: connection_reset_probability = 0.4, seed 3;
    truncated_json_keeps_both_verdicts_right: malformed_json_probability = 0.4, seed 4;
    html_error_pages_keep_both_verdicts_right: html_error_probability = 0.4, seed 5;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_faults_at_once_never_turn_a_crash_loop_into_completed() {
    // No circuit breaker: only the watcher's own crash-loop detection stands between a broken image and a
    // false COMPLETED, and every kind of fault hits the calls it depends on (ListTasks, DescribeTasks).
    let sim = start(FAST, 6).await;
    sim.scenario
        .steady_service("loop", 2, CircuitBreaker::Off)
        .await
        .expect("a steady service");
    let crashing = sim.deploy("loop", TaskBehaviour::ExitsAtOnce).await;
    sim.handle.set_faults(Faults::storm());
    let (result, events) = wait(&sim.watcher(None), "loop", Some(&crashing), options(90)).await;
    let report = verdict(result);
    assert_outcome(&report, Outcome::Failed);
    assert_message_contains(&report, &["keep failing"]);
    assert!(!retries(&events).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttling_storm_of_seconds_backs_off_then_completes() {
    let sim = start(FAST, 7).await;
    let healthy = sim.deploying_healthy_web().await;
    sim.throttle_every_call();
    sim.handle.reset_call_counts();
    let watcher = sim.watcher(None);
    let storm = Duration::from_secs(3);
    let waiting = wait(&watcher, "web", Some(&healthy), options(60));
    let calm = async {
        tokio::time::sleep(storm).await;
        let during_storm = sim.handle.total_calls();
        sim.handle.set_faults(Faults::default());
        during_storm
    };
    let ((result, events), calls_during_storm) = tokio::join!(waiting, calm);
    let report = verdict(result);
    assert_outcome(&report, Outcome::Completed);
    let throttled = retries(&events);
    assert!(
        throttled.len() >= 3 && throttled.iter().all(|(_, e)| e.contains("Throttling")),
        "{throttled:?}"
    );
    // Polling every 100 ms with two SDK attempts per call would be ~60 calls in 3 s; backing off
    // exponentially from the poll interval it is a handful of ticks.
    assert!(
        calls_during_storm <= 24,
        "{calls_during_storm} calls during a 3 s storm: no backoff"
    );
}

/// A fault that never stops: the wait ends at its deadline (TIMED_OUT, never COMPLETED) and the message
/// names what kept failing.
async fn times_out_naming(faults: Faults, expected: &[&str], seed: u64) {
    let sim = start(FAST, seed).await;
    let healthy = sim.deploying_healthy_web().await;
    sim.handle.set_faults(faults.clone());
    let timeout = Duration::from_secs(2);
    let began = Instant::now();
    let (result, _) = wait(
        &sim.watcher(Some(Duration::from_millis(500))),
        "web",
        Some(&healthy),
        options(timeout.as_secs()),
    )
    .await;
    let took = began.elapsed();
    let report = verdict(result);
    assert_eq!(
        report.outcome,
        Outcome::TimedOut,
        "{faults:?}: {}",
        report.failure_message
    );
    for needle in expected {
        assert!(
            report.failure_message.contains(needle),
            "{faults:?}: the message should say {needle:?}: {}",
            report.failure_message
        );
    }
    assert!(
        took < timeout + Duration::from_secs(2),
        "{faults:?}: the wait took {took:?} for a {timeout:?} timeout"
    );
}

/// One test per row: `name: fault field = value, seed => what the message names`, each run by
/// [`times_out_naming`] (a macro for the same reason as [`right_verdicts_under_each`]).
macro_rules! times_out_naming_each {
    ($($name:ident: $field:ident = $value:literal, seed $seed:literal => [$($needle:literal),+];)+) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            times_out_naming(faults(|f| f.$field = $value), &[$($needle),+], $seed).await;
        }
    )+};
}

times_out_naming_each! {
    endless_throttling_times_out_naming_throttling: throttle_probability = 1.0, seed 8 => ["ThrottlingException"];
    endless_server_errors_time_out_naming_them: server_error_probability = 1.0, seed 9 => ["ServerException"];
    endless_connection_resets_time_out_naming_them: connection_reset_probability = 1.0, seed 10 => ["DescribeServices", "could not reach ECS"];
    endless_truncated_json_times_out_naming_it: malformed_json_probability = 1.0, seed 11 => ["DescribeServices", "unreadable answer"];
    endless_html_error_pages_time_out_naming_them: html_error_probability = 1.0, seed 12 => ["DescribeServices", "HTTP 502"];
    answers_slower_than_the_sdk_timeout_time_out_naming_the_timeout: latency_ms = 5_000, seed 13 => ["DescribeServices", "no answer in time"];
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_slower_than_the_sdk_timeout_are_retried_and_the_verdict_stands() {
    let sim = start(FAST, 14).await;
    let healthy = sim.deploying_healthy_web().await;
    // Every call takes 1.5 s for 2 s; the SDK gives each attempt 500 ms.
    sim.handle.set_faults(faults(|f| f.latency_ms = 1_500));
    let watcher = sim.watcher(Some(Duration::from_millis(500)));
    let waiting = wait(&watcher, "web", Some(&healthy), options(60));
    let recover = async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        sim.handle.set_faults(Faults::default());
    };
    let ((result, events), ()) = tokio::join!(waiting, recover);
    let report = verdict(result);
    assert_outcome(&report, Outcome::Completed);
    assert!(
        retries(&events)
            .iter()
            .any(|(_, e)| e.contains("no answer in time")),
        "{:?}",
        retries(&events)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ecs_call_that_never_answers_cannot_hold_a_wait_past_its_deadline() {
    // No SDK timeout at all: only the watcher's own hard stop (deadline + one poll interval) ends the wait.
    let sim = start(FAST, 15).await;
    let healthy = sim.deploying_healthy_web().await;
    sim.handle.set_faults(faults(|f| f.latency_ms = 60_000));
    let began = Instant::now();
    let (result, _) = wait(&sim.watcher(None), "web", Some(&healthy), options(1)).await;
    let took = began.elapsed();
    let report = verdict(result);
    assert_eq!(report.outcome, Outcome::TimedOut);
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert!(
        report.failure_message.contains("DescribeServices"),
        "the message says which call hung: {}",
        report.failure_message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_during_a_fault_storm_ends_the_wait_promptly() {
    let sim = start(FAST, 16).await;
    let healthy = sim.deploying_healthy_web().await;
    sim.throttle_every_call();
    let watcher = sim.watcher(None);
    let cancel = tokio_util::sync::CancellationToken::new();
    let (_, callback) = recorder();
    let waiting = watcher.wait(
        request("web", Some(&healthy)),
        options(60),
        cancel.clone(),
        callback,
    );
    let cancelled_at = async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        cancel.cancel();
        Instant::now()
    };
    let (result, cancelled_at) = tokio::join!(waiting, cancelled_at);
    assert!(matches!(
        result,
        Err(ecs_watcher::WaitError::Cancelled { .. })
    ));
    assert!(cancelled_at.elapsed() < Duration::from_secs(1));
}
