//! One wait for several services (`--service` repeated): one verdict per service, the most severe exit code,
//! the aggregate JSON, and `--fail-fast`, against `ecs-sim` through the real binary.

mod support;

use ecs_sim::scenario::CircuitBreaker;
use serde_json::Value;
use support::*;

async fn fixture() -> Sim {
    start(50.0, 23).await
}

/// Settles `service` on a healthy revision (`breaker`: `None` for no circuit breaker, `Some(rollback)`),
/// then deploys one behaving as `behaviour` ([`Scenario::deploying`]): the `--service S=ARN` to wait for.
async fn service_flag(
    sim: &Sim,
    service: &str,
    breaker: Option<bool>,
    behaviour: TaskBehaviour,
) -> String {
    let breaker = CircuitBreaker::from_rollback(breaker);
    let rollout = sim.scenario.deploying(service, 2, breaker, behaviour).await;
    format!("{service}={}", rollout.expect("a deploying service").to)
}

async fn wait_for(sim: &Sim, services: &[&str], extra: &[&str]) -> Run {
    let mut args = vec!["--cluster", "prod", "--poll-interval", "100ms"];
    if !extra.contains(&"--timeout") {
        args.extend(["--timeout", "60s"]);
    }
    for service in services {
        args.extend(["--service", service]);
    }
    args.extend_from_slice(extra);
    sim.run(&args).await
}

/// [`wait_for`] with `--output json` and `extra`; asserts the exit code is `code` and returns the aggregate
/// verdict.
async fn verdict_for(sim: &Sim, services: &[&str], extra: &[&str], code: i32) -> Value {
    let run = wait_for(sim, services, &[&["--output", "json"], extra].concat()).await;
    run.assert_exit(code);
    run.json()
}

fn entry<'a>(verdict: &'a Value, service: &str) -> &'a Value {
    verdict["services"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["service"] == service))
        .unwrap_or_else(|| panic!("no entry for {service}: {verdict}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_service_gets_its_verdict_and_the_most_severe_sets_the_exit_code() {
    let sim = fixture().await;
    let web = service_flag(&sim, "web", Some(true), TaskBehaviour::Healthy).await;
    let api = service_flag(&sim, "api", None, TaskBehaviour::ExitsAtOnce).await;
    let worker = service_flag(&sim, "worker", Some(true), TaskBehaviour::ExitsAtOnce).await;
    // FAILED beats ROLLED_BACK: exit 1.
    let verdict = verdict_for(&sim, &[&web, &api, &worker], &[], 1).await;
    assert_eq!(verdict["status"], "FAILED");
    assert_eq!(verdict["outcome"], "FAILED");
    assert_eq!(verdict["services"].as_array().map(Vec::len), Some(3));
    assert_eq!(entry(&verdict, "web")["outcome"], "COMPLETED");
    assert_eq!(entry(&verdict, "api")["outcome"], "FAILED");
    assert_eq!(entry(&verdict, "worker")["outcome"], "ROLLED_BACK");
    // Each entry is the single-service object.
    assert!(
        entry(&verdict, "api")["stoppedTasks"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
    );
    assert_eq!(
        entry(&verdict, "web")["desiredTaskDef"],
        web.split_once('=').unwrap().1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rolled_back_beats_timed_out_and_all_completed_is_0() {
    let sim = fixture().await;
    let web = service_flag(&sim, "web", Some(true), TaskBehaviour::ExitsAtOnce).await;
    let api = service_flag(&sim, "api", Some(true), TaskBehaviour::Unplaceable).await;
    let verdict = verdict_for(&sim, &[&web, &api], &["--timeout", "8s"], 2).await;
    assert_eq!(verdict["outcome"], "ROLLED_BACK");
    assert_eq!(entry(&verdict, "api")["outcome"], "TIMED_OUT");

    let sim = fixture().await;
    let web = service_flag(&sim, "web", None, TaskBehaviour::Healthy).await;
    let api = service_flag(&sim, "api", None, TaskBehaviour::Healthy).await;
    let run = wait_for(&sim, &[&web, &api], &[]).await;
    run.assert_exit(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "one verdict line per service: {}",
        run.stdout
    );
    for service in ["web", "api"] {
        let verdict_line = format!("COMPLETED service {service} ");
        assert!(
            lines.iter().any(|l| l.starts_with(&verdict_line)),
            "a line starting {verdict_line:?}: {}",
            run.stdout
        );
    }
    // Progress names the service.
    assert_contains(&run.stderr, "web: ");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_setup_error_for_one_service_exits_4_and_the_others_still_report() {
    let sim = fixture().await;
    let web = service_flag(&sim, "web", None, TaskBehaviour::Healthy).await;
    let run = wait_for(&sim, &[&web, "ghost"], &["--output", "json"]).await;
    run.assert_exit(4);
    let verdict = run.json();
    assert_eq!(entry(&verdict, "web")["outcome"], "COMPLETED");
    assert_eq!(entry(&verdict, "ghost")["outcome"], "ERROR");
    assert_contains(&run.stderr, "service ghost");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_fast_ends_every_wait_at_the_first_failure_naming_it() {
    let sim = fixture().await;
    let web = service_flag(&sim, "web", Some(true), TaskBehaviour::Unplaceable).await;
    let api = service_flag(&sim, "api", None, TaskBehaviour::ExitsAtOnce).await;
    let verdict = verdict_for(&sim, &[&web, &api], &["--fail-fast"], 1).await;
    assert_eq!(entry(&verdict, "api")["outcome"], "FAILED");
    let skipped = entry(&verdict, "web");
    assert_eq!(skipped["outcome"], "TIMED_OUT");
    let message = failure_message(skipped);
    assert!(
        message.starts_with("not waited for: --fail-fast"),
        "{message}"
    );
    assert_contains(message, "service api was FAILED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_task_definition_for_several_services_is_bad_input() {
    let sim = fixture().await;
    sim.handle.reset_call_counts();
    let run = wait_for(&sim, &["web", "api"], &["--task-definition", "web:3"]).await;
    assert_eq!(run.code, 4);
    assert_contains(&run.stderr, "--service NAME=TASK_DEF");
    assert_eq!(
        sim.handle.call_counts().values().sum::<u64>(),
        0,
        "no ECS call for bad input"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_on_acts_on_each_failing_service_alone() {
    let sim = fixture().await;
    let web = service_flag(&sim, "web", None, TaskBehaviour::ExitsAtOnce).await;
    let web_deployment = sim
        .scenario
        .current_service_deployment("web")
        .await
        .expect("web's service deployment");
    let api = service_flag(&sim, "api", None, TaskBehaviour::Healthy).await;
    let verdict = verdict_for(&sim, &[&web, &api], &["--rollback-on", "failed"], 1).await;
    assert_eq!(
        entry(&verdict, "web")["rollback"]["status"],
        "ROLLBACK_SUCCESSFUL"
    );
    assert_eq!(entry(&verdict, "api")["outcome"], "COMPLETED");
    assert!(entry(&verdict, "api").get("rollback").is_none());
    let actions = sim.handle.recorded_actions();
    assert_eq!(actions.len(), 1, "one rollback, of web: {actions:?}");
    assert_eq!(actions[0].operation, "StopServiceDeployment");
    assert_eq!(actions[0].service_deployment_arn, web_deployment);
}
