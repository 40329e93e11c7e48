//! The polling loop against an in-memory ECS, on a paused clock: exact timings,
//! exact call counts.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::join_all;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::fake::{
    CLUSTER, FakeEcs, Step, deployment, exited_task, revision_arn, service, service_deployment, td,
};
use super::*;
use crate::api::ApiError;
use crate::kinds::WaitKind;
use crate::model::{CircuitBreakerState, Rollback};
use crate::test_support::assert_took;

type Events = Arc<Mutex<Vec<ProgressEvent>>>;

fn recorder() -> (Events, Arc<dyn Fn(ProgressEvent) + Send + Sync>) {
    let events: Events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    (
        events,
        Arc::new(move |event| sink.lock().unwrap().push(event)),
    )
}

fn request(service: &str, desired: Option<&str>) -> WaitRequest {
    WaitRequest {
        cluster: CLUSTER.into(),
        service: service.into(),
        desired_task_definition: desired.map(str::to_owned),
        deployment: None,
    }
}

fn options(timeout_secs: u64) -> WaitOptions {
    WaitOptions {
        timeout: Duration::from_secs(timeout_secs),
        ..WaitOptions::default()
    }
}

#[tokio::test(start_paused = true)]
async fn durations_the_clock_cannot_reach_are_input_errors_not_panics() {
    let fake = FakeEcs::new();
    fake.script("web", vec![rolled_out()]);
    for absurd in [
        WaitOptions {
            timeout: Duration::MAX,
            ..WaitOptions::default()
        },
        WaitOptions {
            poll_interval: Duration::MAX,
            ..WaitOptions::default()
        },
    ] {
        let (result, _) = wait(&fake, request("web", Some("web:3")), absurd).await;
        match result {
            Err(WaitError::Input(error)) => {
                assert!(error.expected.contains("at most a few years"), "{error}")
            }
            other => panic!("expected an input error, got {other:?}"),
        }
    }
    let (result, _) = wait(
        &fake,
        request("web", Some("web:3")),
        WaitOptions {
            discovery_grace: Duration::MAX,
            ..options(60)
        },
    )
    .await;
    assert_eq!(result.map(|r| r.outcome).ok(), Some(Outcome::Completed));
}

fn throttled() -> ApiError {
    ApiError::Throttled {
        code: "ThrottlingException".into(),
        message: "Rate exceeded".into(),
    }
}

/// One wait of a new watcher over `fake`: its result and every progress event.
async fn wait(
    fake: &FakeEcs,
    request: WaitRequest,
    options: WaitOptions,
) -> (Result<WaitReport, WaitError>, Vec<ProgressEvent>) {
    wait_with(&Watcher::new(Arc::new(fake.clone())), request, options).await
}

/// One wait of `watcher` (which may remember earlier waits): its result and every progress event.
async fn wait_with(
    watcher: &Watcher,
    request: WaitRequest,
    options: WaitOptions,
) -> (Result<WaitReport, WaitError>, Vec<ProgressEvent>) {
    let (events, sink) = recorder();
    let result = watcher
        .wait(request, options, CancellationToken::new(), sink)
        .await;
    let events = events.lock().unwrap().clone();
    (result, events)
}

/// How many of `events` `is` picks out.
fn count(events: &[ProgressEvent], is: impl Fn(&ProgressEvent) -> bool) -> usize {
    events.iter().filter(|e| is(e)).count()
}

/// A token cancelled `after` from now, by the (paused) clock.
fn cancelled_after(after: Duration) -> CancellationToken {
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(after).await;
        trigger.cancel();
    });
    cancel
}

/// As [`wait`], expecting a verdict.
async fn verdict(
    fake: &FakeEcs,
    request: WaitRequest,
    options: WaitOptions,
) -> (WaitReport, Vec<ProgressEvent>) {
    let (result, events) = wait(fake, request, options).await;
    (result.expect("a verdict"), events)
}

/// Panics unless `report` is `outcome` with exactly `failure_message`.
fn assert_verdict(report: &WaitReport, outcome: Outcome, failure_message: &str) {
    assert_eq!(
        (report.outcome, report.failure_message.as_str()),
        (outcome, failure_message)
    );
}

/// Panics unless `report` is `outcome` with a failure message that starts with `prefix`.
fn assert_verdict_starts(report: &WaitReport, outcome: Outcome, prefix: &str) {
    assert_eq!(report.outcome, outcome, "{}", report.failure_message);
    assert!(
        report.failure_message.starts_with(prefix),
        "{:?} does not start with {prefix:?}",
        report.failure_message
    );
}

fn rolling_out(running: i32) -> Step {
    rolling_out_of("web", running)
}

fn rolling_out_of(name: &str, running: i32) -> Step {
    Step::of(service(
        name,
        vec![
            deployment(2, "PRIMARY", "web:3", running, 2, Some("IN_PROGRESS")),
            deployment(1, "ACTIVE", "web:2", 2 - running, 0, Some("COMPLETED")),
        ],
    ))
}

/// Rolling out with none of the target's tasks running and `failed_tasks` failed.
fn failing_from_the_start(failed_tasks: i32) -> Step {
    let mut step = rolling_out(0);
    if let Some(service) = step.service.as_mut() {
        service.deployments[0].failed_tasks = failed_tasks;
    }
    step
}

/// `count` tasks of the target deployment `ecs-svc/2` whose app exited 1.
fn target_tasks_exited(count: usize) -> Vec<StoppedTask> {
    (0..count)
        .map(|i| exited_task(&format!("t{i}"), "ecs-svc/2", 1))
        .collect()
}

fn rolled_out() -> Step {
    rolled_out_of("web")
}

fn rolled_out_of(name: &str) -> Step {
    Step::of(service(
        name,
        vec![deployment(2, "PRIMARY", "web:3", 2, 2, Some("COMPLETED"))],
    ))
}

fn stable_on(family_revision: &str) -> Step {
    Step::of(service(
        "web",
        vec![deployment(
            1,
            "PRIMARY",
            family_revision,
            2,
            2,
            Some("COMPLETED"),
        )],
    ))
}

#[tokio::test(start_paused = true)]
async fn first_look_is_immediate() {
    let fake = FakeEcs::new();
    fake.script("web", vec![rolled_out()]);
    let started = Instant::now();
    let (report, events) = verdict(&fake, request("web", Some("web:3")), options(180)).await;
    assert_eq!(report.outcome, Outcome::Completed);
    assert_eq!(report.failure_message, "");
    assert_eq!(report.deployment_id.as_deref(), Some("ecs-svc/2"));
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(fake.calls("DescribeServices").len(), 1);
    assert!(
        matches!(&events[0], ProgressEvent::DeploymentFound { deployment_id, .. } if deployment_id == "ecs-svc/2")
    );
}

#[tokio::test(start_paused = true)]
async fn timeout_is_honoured_within_one_poll_interval() {
    let fake = FakeEcs::new();
    fake.script("web", vec![rolling_out(1)]);
    let started = Instant::now();
    let (result, _) = wait(&fake, request("web", Some("web:3")), options(10)).await;
    let elapsed = started.elapsed();
    let report = result.unwrap();
    assert_eq!(report.outcome, Outcome::TimedOut);
    assert_took(
        elapsed,
        Duration::from_secs(10)..=Duration::from_secs(12),
        "a 10 s wait",
    );
    assert_eq!(
        report.failure_message,
        "timed out after 10s waiting for deployment ecs-svc/2 (web:3): 1/2 running, 1 pending"
    );
    assert!(
        fake.calls("ListTasks").is_empty(),
        "a healthy rollout never lists stopped tasks"
    );
}

#[tokio::test(start_paused = true)]
async fn a_wait_never_sleeps_past_its_deadline() {
    let fake = FakeEcs::new();
    fake.script("web", vec![rolling_out(1)]);
    let started = Instant::now();
    let mut slow_polls = options(5);
    slow_polls.poll_interval = Duration::from_secs(60);
    let (result, _) = wait(&fake, request("web", Some("web:3")), slow_polls).await;
    assert_eq!(result.unwrap().outcome, Outcome::TimedOut);
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(6),
        "slept past the deadline: {elapsed:?}"
    );
    // A first look, then a last one right at the deadline.
    assert_eq!(fake.calls("DescribeServices").len(), 2);
}

#[tokio::test(start_paused = true)]
async fn cancellation_ends_a_wait_within_a_second() {
    let fake = FakeEcs::new();
    fake.script("web", vec![rolling_out(1)]);
    let watcher = Watcher::new(Arc::new(fake.clone()));
    let cancel = cancelled_after(Duration::from_secs(5));
    let started = Instant::now();
    let mut slow_polls = options(600);
    slow_polls.poll_interval = Duration::from_secs(60);
    let (_, sink) = recorder();
    let result = watcher
        .wait(request("web", None), slow_polls, cancel, sink)
        .await;
    assert!(matches!(result, Err(WaitError::Cancelled { .. })));
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn cancellation_interrupts_a_call_in_flight() {
    let fake = FakeEcs::new();
    fake.script("web", vec![rolling_out(1)]);
    fake.delay("DescribeServices", Duration::from_secs(120));
    let watcher = Watcher::new(Arc::new(fake.clone()));
    let cancel = cancelled_after(Duration::from_millis(500));
    let started = Instant::now();
    let (_, sink) = recorder();
    let result = watcher
        .wait(request("web", None), options(600), cancel, sink)
        .await;
    assert!(matches!(result, Err(WaitError::Cancelled { .. })));
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn throttling_never_decides_a_verdict() {
    let fake = FakeEcs::new();
    fake.script("web", vec![rolled_out()]);
    fake.fail_next("DescribeServices", throttled(), 6);
    let (result, events) = wait(&fake, request("web", Some("web:3")), options(600)).await;
    assert_eq!(result.unwrap().outcome, Outcome::Completed);
    let attempts: Vec<u32> = events
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::Retrying {
                operation, attempt, ..
            } if operation == "DescribeServices" => Some(*attempt),
            _ => None,
        })
        .collect();
    assert_eq!(attempts, vec![1, 2, 3, 4, 5, 6]);
}

#[tokio::test(start_paused = true)]
async fn endless_throttling_times_out_saying_so() {
    let fake = FakeEcs::new();
    fake.script("web", vec![rolled_out()]);
    fake.fail_always("DescribeServices", throttled());
    let started = Instant::now();
    let (report, _) = verdict(&fake, request("web", Some("web:3")), options(120)).await;
    assert_eq!(report.outcome, Outcome::TimedOut);
    let calls = fake.calls("DescribeServices").len();
    assert_eq!(
        report.failure_message,
        format!(
            "timed out after 2m before a deployment of web:3 appeared: \
             DescribeServices kept answering ThrottlingException ({calls} times)"
        )
    );
    // Backoff: far fewer calls than one per 2 s poll, and the deadline still held.
    assert!(calls < 30, "{calls} calls");
    assert!(started.elapsed() <= Duration::from_secs(122));
}

#[tokio::test(start_paused = true)]
async fn fallback_to_describe_services_is_remembered_across_waits() {
    let fake = FakeEcs::new();
    for name in ["web", "api"] {
        fake.script(name, vec![rolling_out_of(name, 1), rolled_out_of(name)]);
    }
    let watcher = Watcher::new(Arc::new(fake.clone()));
    for name in ["web", "api"] {
        let (result, events) = wait_with(&watcher, request(name, None), options(60)).await;
        let report = result.unwrap();
        assert_eq!(report.outcome, Outcome::Completed, "{name}");
        assert!(report.used_fallback);
        assert!(
            events
                .iter()
                .any(|e| matches!(e, ProgressEvent::FallbackToDescribeServices { .. })),
            "{name} reports the fallback"
        );
    }
    assert_eq!(
        fake.calls("ListServiceDeployments").len(),
        1,
        "the failing call is paid once"
    );
    assert!(fake.calls("DescribeServiceDeployments").is_empty());
}

#[tokio::test(start_paused = true)]
async fn follows_service_deployments_when_available() {
    let fake = FakeEcs::new();
    fake.support_service_deployments();
    // DescribeServices already says COMPLETED during bake time; only the
    // service deployment turning SUCCESSFUL ends the wait.
    fake.script(
        "web",
        vec![
            rolled_out().with_service_deployment(service_deployment("web", 2, "IN_PROGRESS")),
            rolled_out().with_service_deployment(service_deployment("web", 2, "IN_PROGRESS")),
            rolled_out().with_service_deployment(service_deployment("web", 2, "SUCCESSFUL")),
        ],
    );
    let (report, _) = verdict(&fake, request("web", Some("web:3")), options(60)).await;
    assert_eq!(report.outcome, Outcome::Completed);
    assert!(!report.used_fallback);
    assert_eq!(fake.calls("DescribeServices").len(), 3);
    assert_eq!(
        fake.calls("ListServiceDeployments").len(),
        1,
        "looked up once"
    );
    assert_eq!(fake.calls("DescribeServiceDeployments").len(), 3);
}

#[tokio::test(start_paused = true)]
async fn eleven_waits_on_one_cluster_share_two_describe_services_calls_per_tick() {
    let fake = FakeEcs::new();
    let names: Vec<String> = (0..11).map(|i| format!("svc{i}")).collect();
    for name in &names {
        fake.script(
            name,
            vec![
                rolling_out_of(name, 1),
                rolling_out_of(name, 1),
                rolled_out_of(name),
            ],
        );
    }
    let watcher = Watcher::new(Arc::new(fake.clone()));
    let waits = names
        .iter()
        .map(|name| wait_with(&watcher, request(name, None), options(60)));
    let reports = join_all(waits).await;
    assert!(
        reports
            .iter()
            .all(|(r, _)| matches!(r, Ok(report) if report.outcome == Outcome::Completed))
    );
    let sizes: Vec<usize> = fake
        .calls("DescribeServices")
        .iter()
        .map(|c| c.args.len())
        .collect();
    assert_eq!(sizes.len(), 6, "3 ticks x 2 calls, got {sizes:?}");
    for tick in sizes.chunks(2) {
        let mut tick = tick.to_vec();
        tick.sort_unstable();
        assert_eq!(tick, vec![1, 10]);
    }
}

#[tokio::test(start_paused = true)]
async fn waits_started_at_different_moments_look_together_from_their_second_look() {
    let fake = FakeEcs::new();
    for name in ["early", "late"] {
        let mut steps = vec![rolling_out_of(name, 1); 4];
        steps.push(rolled_out_of(name));
        fake.script(name, steps);
    }
    let watcher = Watcher::new(Arc::new(fake.clone()));
    let wait_for = |name: &'static str, after: Duration| {
        let watcher = watcher.clone();
        async move {
            tokio::time::sleep(after).await;
            wait_with(&watcher, request(name, None), options(60))
                .await
                .0
        }
    };
    let (early, late) = tokio::join!(
        wait_for("early", Duration::ZERO),
        wait_for("late", Duration::from_millis(700))
    );
    assert_eq!(early.unwrap().outcome, Outcome::Completed);
    assert_eq!(late.unwrap().outcome, Outcome::Completed);
    let sizes: Vec<usize> = fake
        .calls("DescribeServices")
        .iter()
        .map(|c| c.args.len())
        .collect();
    // Each first look is immediate; from then on both follow the same tick grid.
    assert_eq!(sizes, vec![1, 1, 2, 2, 2, 2]);
}

#[tokio::test(start_paused = true)]
async fn keeps_looking_for_the_desired_deployment_during_the_grace_period() {
    let fake = FakeEcs::new();
    // UpdateService returned, but ECS lists the new deployment only on the third look.
    fake.script(
        "web",
        vec![
            stable_on("web:2"),
            stable_on("web:2"),
            rolling_out(1),
            rolled_out(),
        ],
    );
    let (result, events) = wait(&fake, request("web", Some("web:3")), options(60)).await;
    assert_eq!(result.unwrap().outcome, Outcome::Completed);
    let found = count(&events, |e| {
        matches!(e, ProgressEvent::DeploymentFound { .. })
    });
    assert_eq!(found, 1);
}

#[tokio::test(start_paused = true)]
async fn fails_when_the_desired_deployment_never_appears_within_the_grace_period() {
    let fake = FakeEcs::new();
    fake.script("web", vec![stable_on("web:2")]);
    let mut short_grace = options(60);
    short_grace.discovery_grace = Duration::from_secs(10);
    let started = Instant::now();
    let (report, _) = verdict(&fake, request("web", Some("web:3")), short_grace).await;
    assert_verdict(
        &report,
        Outcome::Failed,
        "no deployment of task definition web:3 found for service web (it runs web:2)",
    );
    assert_took(
        started.elapsed(),
        Duration::from_secs(10)..Duration::from_secs(12),
        "a 10 s grace period",
    );
}

#[tokio::test(start_paused = true)]
async fn discovery_grace_is_capped_by_the_deadline() {
    let fake = FakeEcs::new();
    fake.script("web", vec![stable_on("web:2")]);
    let started = Instant::now();
    let (report, _) = verdict(&fake, request("web", Some("web:3")), options(5)).await;
    assert_verdict_starts(
        &report,
        Outcome::Failed,
        "no deployment of task definition web:3",
    );
    assert!(started.elapsed() < Duration::from_secs(6));
}

#[tokio::test(start_paused = true)]
async fn rollback_is_reported_with_the_stopped_tasks_and_each_task_described_once() {
    let fake = FakeEcs::new();
    fake.support_service_deployments();
    fake.revision(&revision_arn("web", 1), &td("web:2"));
    let failing = failing_from_the_start(2);
    let mut tripping = service_deployment("web", 2, "IN_PROGRESS");
    tripping.deployment_circuit_breaker = Some(CircuitBreakerState {
        status: Some("MONITORING".into()),
        failure_count: 2,
        threshold: 3,
    });
    let mut rolling_back = service_deployment("web", 2, "ROLLBACK_IN_PROGRESS");
    rolling_back.status_reason =
        Some("ECS deployment circuit breaker: tasks failed to start.".into());
    rolling_back.rollback = Some(Rollback {
        reason: None,
        started_at: None,
        service_revision_arn: Some(revision_arn("web", 1)),
    });
    let two_stopped = vec![
        exited_task("a", "ecs-svc/2", 1),
        exited_task("b", "ecs-svc/2", 1),
    ];
    let mut three_stopped = two_stopped.clone();
    three_stopped.push(exited_task("c", "ecs-svc/2", 1));
    three_stopped.push(exited_task("old", "ecs-svc/1", 0));
    fake.script(
        "web",
        vec![
            rolling_out(0).with_service_deployment(service_deployment("web", 2, "IN_PROGRESS")),
            failing
                .clone()
                .with_service_deployment(tripping)
                .with_stopped(two_stopped),
            failing
                .with_service_deployment(rolling_back)
                .with_stopped(three_stopped),
        ],
    );
    let (report, events) = verdict(&fake, request("web", Some("web:3")), options(60)).await;
    assert_eq!(report.outcome, Outcome::RolledBack);
    assert_eq!(
        report.failure_message,
        "rolled back to web:2: ECS deployment circuit breaker: tasks failed to start. \
         3 tasks stopped: app exited 1 (Essential container in task exited)"
    );
    assert_eq!(report.stopped_tasks.len(), 3);
    let described: Vec<String> = fake
        .calls("DescribeTasks")
        .into_iter()
        .flat_map(|c| c.args)
        .collect();
    assert_eq!(
        described.len(),
        4,
        "each stopped task described once: {described:?}"
    );
    let stopped_events = count(&events, |e| matches!(e, ProgressEvent::TaskStopped { .. }));
    assert_eq!(stopped_events, 3);
}

#[tokio::test(start_paused = true)]
async fn crash_loop_fails_without_circuit_breaker() {
    let fake = FakeEcs::new();
    let crashing = failing_from_the_start(1);
    fake.script(
        "web",
        vec![
            crashing.clone().with_stopped(target_tasks_exited(1)),
            crashing.clone().with_stopped(target_tasks_exited(2)),
            crashing.with_stopped(target_tasks_exited(3)),
        ],
    );
    let (report, _) = verdict(&fake, request("web", Some("web:3")), options(600)).await;
    assert_eq!(report.outcome, Outcome::Failed);
    assert_eq!(
        report.failure_message,
        "tasks of deployment ecs-svc/2 keep failing (3 stopped, 0/2 running). \
         3 tasks stopped: app exited 1 (Essential container in task exited)"
    );
    assert_eq!(fake.calls("DescribeServices").len(), 3);
}

#[tokio::test(start_paused = true)]
async fn superseded_deployment_fails_naming_the_newer_one() {
    let fake = FakeEcs::new();
    let superseded = Step::of(service(
        "web",
        vec![
            deployment(3, "PRIMARY", "web:4", 0, 2, Some("IN_PROGRESS")),
            deployment(2, "ACTIVE", "web:3", 1, 2, Some("IN_PROGRESS")),
        ],
    ));
    fake.script("web", vec![rolling_out(1), superseded]);
    let (report, _) = verdict(&fake, request("web", Some("web:3")), options(60)).await;
    assert_verdict(
        &report,
        Outcome::Failed,
        "deployment ecs-svc/2 was superseded by deployment ecs-svc/3 (web:4)",
    );
}

#[tokio::test(start_paused = true)]
async fn finds_a_deployment_that_rolled_back_before_we_looked_in_history() {
    let fake = FakeEcs::new();
    fake.support_service_deployments();
    fake.revision(&revision_arn("web", 1), &td("web:2"));
    fake.revision(&revision_arn("web", 2), &td("web:3"));
    let mut rolled_back = service_deployment("web", 2, "ROLLBACK_SUCCESSFUL");
    rolled_back.status_reason =
        Some("ECS deployment circuit breaker: tasks failed to start.".into());
    fake.history("web", rolled_back);
    fake.script("web", vec![stable_on("web:2")]);
    let (report, _) = verdict(&fake, request("web", Some("web:3")), options(60)).await;
    assert_verdict_starts(
        &report,
        Outcome::RolledBack,
        "rolled back to web:2: ECS deployment circuit breaker",
    );
    assert_eq!(report.deployment_id.as_deref(), Some("ecs-svc/2"));
}

#[tokio::test(start_paused = true)]
async fn a_missing_service_is_an_error_at_first_look_and_a_failure_later() {
    let fake = FakeEcs::new();
    let (result, _) = wait(&fake, request("ghost", None), options(60)).await;
    match result {
        Err(WaitError::ServiceNotFound { cluster, service }) => {
            assert_eq!((cluster.as_str(), service.as_str()), ("prod", "ghost"))
        }
        other => panic!("expected ServiceNotFound, got {other:?}"),
    }
    let deleted = FakeEcs::new();
    deleted.script("web", vec![rolling_out(1), Step::default()]);
    let (report, _) = verdict(&deleted, request("web", None), options(60)).await;
    assert_verdict(
        &report,
        Outcome::Failed,
        "service web was deleted while waiting",
    );
}

#[tokio::test(start_paused = true)]
async fn access_denied_and_missing_cluster_are_errors_naming_what_to_fix() {
    let fake = FakeEcs::new();
    fake.script("web", vec![rolled_out()]);
    fake.fail_always(
        "DescribeServices",
        ApiError::AccessDenied {
            message: "not authorized".into(),
        },
    );
    match wait(&fake, request("web", None), options(60)).await.0 {
        Err(WaitError::AccessDenied { permission, .. }) => {
            assert_eq!(permission, "ecs:DescribeServices")
        }
        other => panic!("expected AccessDenied, got {other:?}"),
    }
    let fake = FakeEcs::new();
    let mut elsewhere = request("web", None);
    elsewhere.cluster = "staging".into();
    match wait(&fake, elsewhere, options(60)).await.0 {
        Err(error @ WaitError::ClusterNotFound { .. }) => {
            assert!(error.to_string().contains("`staging`"))
        }
        other => panic!("expected ClusterNotFound, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn bad_input_is_rejected_before_any_call() {
    let fake = FakeEcs::new();
    let (result, _) = wait(&fake, request("web", Some("web")), options(60)).await;
    match result {
        Err(WaitError::Input(error)) => {
            assert_eq!(error.field, "desired task definition");
            assert_eq!(error.value, "web");
        }
        other => panic!("expected an input error, got {other:?}"),
    }
    assert!(fake.calls("DescribeServices").is_empty());
}

#[tokio::test(start_paused = true)]
async fn status_is_reported_only_when_it_changes() {
    let fake = FakeEcs::new();
    fake.script(
        "web",
        vec![
            rolling_out(0),
            rolling_out(0),
            rolling_out(1),
            rolling_out(1),
            rolled_out(),
        ],
    );
    let (result, events) = wait(&fake, request("web", None), options(60)).await;
    assert_eq!(result.unwrap().outcome, Outcome::Completed);
    let running: Vec<i32> = events
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::Status { running, .. } => Some(*running),
            _ => None,
        })
        .collect();
    assert_eq!(running, vec![0, 1]);
}

#[tokio::test(start_paused = true)]
async fn follows_an_explicit_deployment_id_or_service_deployment_arn() {
    let fake = FakeEcs::new();
    fake.support_service_deployments();
    fake.revision(&revision_arn("web", 2), &td("web:3"));
    let steps = || {
        vec![
            rolling_out(1).with_service_deployment(service_deployment("web", 2, "IN_PROGRESS")),
            rolled_out().with_service_deployment(service_deployment("web", 2, "SUCCESSFUL")),
        ]
    };
    fake.script("web", steps());
    let mut by_id = request("web", None);
    by_id.deployment = Some("ecs-svc/2".into());
    let (report, _) = verdict(&fake, by_id, options(60)).await;
    assert_eq!(report.outcome, Outcome::Completed);
    assert_eq!(report.deployment_id.as_deref(), Some("ecs-svc/2"));

    fake.script("web", steps());
    let mut by_arn = request("web", None);
    by_arn.deployment = Some(super::fake::service_deployment_arn("web", 2));
    let (report, events) = verdict(&fake, by_arn, options(60)).await;
    assert_eq!(report.outcome, Outcome::Completed);
    assert_eq!(report.deployment_id.as_deref(), Some("ecs-svc/2"));
    assert!(events.iter().any(|e| matches!(
        e,
        ProgressEvent::DeploymentFound { task_definition, .. } if *task_definition == td("web:3")
    )));
}

#[tokio::test(start_paused = true)]
async fn a_service_deployment_arn_cannot_be_followed_without_the_api() {
    let fake = FakeEcs::new();
    fake.script("web", vec![rolling_out(1)]);
    let mut by_arn = request("web", None);
    by_arn.deployment = Some(super::fake::service_deployment_arn("web", 2));
    match wait(&fake, by_arn, options(60)).await.0 {
        Err(WaitError::Api(message)) => assert!(message.contains("ecs-svc/<number>"), "{message}"),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn missing_list_tasks_permission_is_named() {
    let fake = FakeEcs::new();
    let failing = failing_from_the_start(1);
    fake.script("web", vec![failing]);
    fake.fail_always(
        "ListTasks",
        ApiError::AccessDenied {
            message: "not authorized to perform ecs:ListTasks".into(),
        },
    );
    match wait(&fake, request("web", None), options(60)).await.0 {
        Err(WaitError::AccessDenied { permission, .. }) => assert_eq!(permission, "ecs:ListTasks"),
        other => panic!("expected AccessDenied, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn throttled_task_lookups_delay_but_do_not_decide() {
    let fake = FakeEcs::new();
    let failing = failing_from_the_start(1);
    fake.script("web", vec![failing.with_stopped(target_tasks_exited(3))]);
    fake.fail_next("DescribeTasks", throttled(), 2);
    let (report, events) = verdict(&fake, request("web", None), options(120)).await;
    assert_eq!(
        report.outcome,
        Outcome::Failed,
        "{}",
        report.failure_message
    );
    assert!(report.failure_message.contains("keep failing"));
    let retries = count(
        &events,
        |e| matches!(e, ProgressEvent::Retrying { operation, .. } if operation == "DescribeTasks"),
    );
    assert_eq!(retries, 2);
}

/// `--rollback-on` after a report this loop really produced: which reason it gives
/// when there is no service deployment to stop, by how the wait followed it.
async fn rollback_after(fake: &FakeEcs, report: &WaitReport) -> crate::actions::RollbackReport {
    let clients = crate::clients::AwsClients::with_ecs(Arc::new(fake.clone()));
    let follow = crate::actions::FollowOptions {
        timeout: Duration::from_secs(10),
        poll_interval: Duration::from_secs(1),
    };
    crate::actions::roll_back_watched(&clients, report, follow, &CancellationToken::new()).await
}

#[tokio::test(start_paused = true)]
async fn no_rollback_names_the_real_reason_there_is_no_service_deployment() {
    // Without the service-deployment APIs: the DescribeServices kind has no actions.
    let fallback = FakeEcs::new();
    fallback.script("web", vec![rolling_out(1)]);
    let (report, _) = verdict(&fallback, request("web", Some("web:3")), options(10)).await;
    assert_eq!(report.outcome, Outcome::TimedOut);
    assert_eq!(report.kind, Some(WaitKind::DescribeServicesOnly));
    let reason = rollback_after(&fallback, &report).await.reason;
    assert!(reason.contains("no service-deployment APIs"), "{reason}");

    // The wanted deployment never appeared: nothing was watched.
    let never = FakeEcs::new();
    never.support_service_deployments();
    never.script("web", vec![stable_on("web:2")]);
    let (report, _) = verdict(&never, request("web", Some("web:9")), options(10)).await;
    assert_eq!(
        report.outcome,
        Outcome::Failed,
        "{}",
        report.failure_message
    );
    let reason = rollback_after(&never, &report).await.reason;
    assert!(
        reason.contains("the watched deployment was never found"),
        "{reason}"
    );
    assert!(!reason.contains("service-deployment APIs"));

    // The APIs answer, but never list the target within the look-ups.
    let unlisted = FakeEcs::new();
    unlisted.support_service_deployments();
    unlisted.script("web", vec![rolling_out(1)]);
    let (report, _) = verdict(&unlisted, request("web", Some("web:3")), options(10)).await;
    assert_eq!(report.outcome, Outcome::TimedOut);
    assert_eq!(report.kind, Some(WaitKind::ServiceDeployments));
    assert_eq!(unlisted.calls("ListServiceDeployments").len(), 3);
    let reason = rollback_after(&unlisted, &report).await.reason;
    assert!(
        reason.contains("ListServiceDeployments did not list ecs-svc/2 within 3 look-ups"),
        "{reason}"
    );
    for fake in [&fallback, &never, &unlisted] {
        assert!(fake.calls("StopServiceDeployment").is_empty());
    }
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_wait_names_the_deployment_it_watched() {
    let in_progress = service_deployment("web", 2, "IN_PROGRESS");
    let fake = FakeEcs::new();
    fake.support_service_deployments().script(
        "web",
        vec![rolling_out(1).with_service_deployment(in_progress)],
    );
    let watcher = Watcher::new(Arc::new(fake.clone()));
    let (events, sink) = recorder();
    let result = watcher
        .wait(
            request("web", Some("web:3")),
            options(60),
            cancelled_after(Duration::from_secs(5)),
            sink,
        )
        .await;
    match result {
        Err(WaitError::Cancelled {
            watched: Some(watched),
        }) => {
            assert_eq!(watched.deployment_id, "ecs-svc/2");
            assert_eq!(watched.service, "web");
            assert_eq!(
                watched.service_deployment_arn.as_deref(),
                Some(crate::watch::fake::service_deployment_arn("web", 2).as_str())
            );
            assert_eq!(watched.kind, Some(WaitKind::ServiceDeployments));
        }
        other => panic!("expected a cancel naming the watched deployment, got {other:?}"),
    }
    assert!(
        events
            .lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, ProgressEvent::DeploymentFound { .. }))
    );
    // Cancelled before the first look: nothing was watched.
    let early = CancellationToken::new();
    early.cancel();
    let (_, sink) = recorder();
    let result = watcher
        .wait(request("web", Some("web:3")), options(60), early, sink)
        .await;
    assert!(
        matches!(result, Err(WaitError::Cancelled { watched: None })),
        "{result:?}"
    );
}

mod staged;
