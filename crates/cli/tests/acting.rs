//! Acting on a deployment through the real binary against `ecs-sim`: `--rollback-on` for each trigger
//! (a crash loop, a timeout, Ctrl-C and SIGTERM), no call at all without the flag or when ECS already
//! rolled back, the fallback and AccessDenied paths, and the `continue` and `rollback` commands on every
//! state. What a test proves is read from the exit code, the output and the simulator's record of the
//! StopServiceDeployment / ContinueServiceDeployment calls it accepted — never from timing.

mod support;

use std::time::Duration;

use aws_sdk_ecs::types::{
    DeploymentLifecycleHookAction as SdkHookAction, DeploymentLifecycleHookStage, ServiceDeployment,
};
use ecs_sim::scenario::{CircuitBreaker, DeploymentSpec, Hook, Rollout, Strategy, TaskSpec};
use ecs_sim::{Faults, RecordedAction, ServiceDeploymentsApi};
use serde_json::Value;
use support::*;
use tokio::io::{AsyncBufReadExt, BufReader};

async fn fixture() -> Sim {
    start(50.0, 29).await
}

/// The StopServiceDeployment calls the simulator accepted.
fn stops(sim: &Sim) -> Vec<RecordedAction> {
    sim.handle
        .recorded_actions()
        .into_iter()
        .filter(|a| a.operation == "StopServiceDeployment")
        .collect()
}

/// The one StopServiceDeployment the simulator accepted: a ROLLBACK of `arn`.
fn assert_one_rollback_of(sim: &Sim, arn: &str) {
    let stops = stops(sim);
    assert_eq!(
        stops.len(),
        1,
        "exactly one StopServiceDeployment: {stops:?}"
    );
    assert_eq!(stops[0].service_deployment_arn, arn);
    assert_eq!(stops[0].stop_type.as_deref(), Some("ROLLBACK"));
}

fn assert_no_action(sim: &Sim) {
    let actions = sim.handle.recorded_actions();
    assert!(actions.is_empty(), "no action was taken: {actions:?}");
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer}: {value}"))
}

/// The short name ECS's revision ARN ends in: `web:1`.
fn short(task_definition_arn: &str) -> &str {
    task_definition_arn
        .rsplit('/')
        .next()
        .unwrap_or(task_definition_arn)
}

/// What [`wait_rolling_back_on`] left: the simulator, `web`'s first revision, the JSON verdict.
struct Waited {
    sim: Sim,
    first: String,
    verdict: Value,
}

/// `web` settled on a healthy v1 (`breaker`: `None` for no circuit breaker, `Some(rollback)`) and deploying a v2 behaving as
/// `behaviour`, with `faults` injected from then on, waited for (`--rollback-on rollback_on` when given,
/// `--timeout timeout`); asserts that the exit code is `code`.
async fn wait_rolling_back_on(
    breaker: Option<bool>,
    behaviour: TaskBehaviour,
    faults: Faults,
    rollback_on: Option<&str>,
    timeout: &str,
    code: i32,
) -> Waited {
    let sim = fixture().await;
    let breaker = CircuitBreaker::from_rollback(breaker);
    let rollout = sim
        .scenario
        .deploying("web", 2, breaker, behaviour)
        .await
        .expect("web deploying");
    let (first, next) = (rollout.from, rollout.to);
    sim.handle.set_faults(faults);
    let mut extra = vec!["--timeout", timeout];
    if let Some(rollback_on) = rollback_on {
        extra.extend(["--rollback-on", rollback_on]);
    }
    let run = sim.wait(&next, &extra).await;
    assert_eq!(run.code, code, "{} {}", run.stdout, run.stderr);
    let verdict = run.json();
    Waited {
        sim,
        first,
        verdict,
    }
}

/// The watched deployment was stopped once and rolled back to the first revision.
fn assert_rolled_back(waited: &Waited) {
    let Waited {
        sim,
        first,
        verdict,
    } = waited;
    assert_eq!(verdict["rollback"]["requested"], true, "{verdict}");
    assert_eq!(verdict["rollback"]["status"], "ROLLBACK_SUCCESSFUL");
    assert_eq!(verdict["rollback"]["toTaskDefinition"], first.as_str());
    assert_eq!(
        text(verdict, "/rollback/reason"),
        format!("rolled back to {}", short(first))
    );
    assert_one_rollback_of(sim, text(verdict, "/serviceDeploymentArn"));
}

/// No rollback was requested and nothing was called; returns why, as the verdict says.
fn refused_reason(waited: &Waited) -> &str {
    assert_eq!(
        waited.verdict["rollback"]["requested"], false,
        "{}",
        waited.verdict
    );
    // A refused rollback has no status or target: the keys are left out, not null.
    let mut keys: Vec<&str> = waited.verdict["rollback"]
        .as_object()
        .map(|rollback| rollback.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    assert_eq!(keys, ["reason", "requested"], "{}", waited.verdict);
    assert_no_action(&waited.sim);
    text(&waited.verdict, "/rollback/reason")
}

/// The verdict has no `rollback` and nothing was called.
fn assert_left_alone(waited: &Waited) {
    assert!(
        waited.verdict.get("rollback").is_none(),
        "{}",
        waited.verdict
    );
    assert_no_action(&waited.sim);
}

/// `web` settled on a healthy v1 (its ARN), then deploying a v2 that never places a task, so the deployment
/// stays in progress; returns v1, v2 and the service deployment in progress.
async fn stuck(sim: &Sim) -> (String, String, String) {
    let Rollout {
        from: first,
        to: stuck,
    } = sim
        .scenario
        .deploying(
            "web",
            2,
            CircuitBreaker::ROLLS_BACK,
            TaskBehaviour::Unplaceable,
        )
        .await
        .expect("web deploying");
    let arn = sim
        .scenario
        .current_service_deployment("web")
        .await
        .expect("a service deployment");
    (first, stuck, arn)
}

/// A fault set that denies `operation`.
fn denying(operation: &str) -> Faults {
    Faults {
        access_denied_operations: vec![operation.into()],
        ..Faults::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_on_failed_rolls_a_crash_loop_back_once_and_keeps_exit_1() {
    let crash_loop = |rollback_on| {
        wait_rolling_back_on(
            None,
            TaskBehaviour::ExitsAtOnce,
            Faults::default(),
            rollback_on,
            "60s",
            1,
        )
    };
    let waited = crash_loop(Some("failed")).await;
    assert_eq!(waited.verdict["outcome"], "FAILED");
    assert_rolled_back(&waited);
    let service = waited
        .sim
        .scenario
        .describe_service("web")
        .await
        .expect("web");
    assert_eq!(service.task_definition(), Some(waited.first.as_str()));

    // Without the flag, or with only `timed-out`, a FAILED verdict is left alone.
    assert_left_alone(&crash_loop(None).await);
    assert_left_alone(&crash_loop(Some("timed-out")).await);

    // The text line says what the rollback did.
    let sim = fixture().await;
    let crashing = sim
        .scenario
        .deploying_to("web", 2, CircuitBreaker::Off, TaskBehaviour::ExitsAtOnce)
        .await
        .expect("web deploying");
    let run = sim
        .run(&web_args(&[
            "--task-definition",
            &crashing,
            "--poll-interval",
            "100ms",
            "--rollback-on",
            "failed",
        ]))
        .await;
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.starts_with("FAILED ") && run.stdout.contains("; rolled back to web:1"),
        "{}",
        run.stdout
    );
    assert_eq!(stops(&sim).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_on_timed_out_rolls_back_the_deployment_still_in_progress() {
    let waited = wait_rolling_back_on(
        Some(true),
        TaskBehaviour::Unplaceable,
        Faults::default(),
        Some("timed-out"),
        "3s",
        3,
    )
    .await;
    assert_eq!(waited.verdict["outcome"], "TIMED_OUT");
    assert_rolled_back(&waited);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolled_back_or_completed_deployment_is_never_stopped() {
    let all = Some("failed,timed-out,interrupted");
    let rolled_back = wait_rolling_back_on(
        Some(true),
        TaskBehaviour::ExitsAtOnce,
        Faults::default(),
        all,
        "60s",
        2,
    )
    .await;
    assert_left_alone(&rolled_back);
    let completed = wait_rolling_back_on(
        None,
        TaskBehaviour::Healthy,
        Faults::default(),
        all,
        "60s",
        0,
    )
    .await;
    assert_left_alone(&completed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_service_deployments_api_or_the_stop_permission_the_verdict_stands_saying_why()
{
    let crash_loop_with = |faults| {
        wait_rolling_back_on(
            None,
            TaskBehaviour::ExitsAtOnce,
            faults,
            Some("failed"),
            "60s",
            1,
        )
    };
    let fallback = crash_loop_with(Faults {
        service_deployments_api: ServiceDeploymentsApi::UnknownOperation,
        ..Faults::default()
    })
    .await;
    let reason = refused_reason(&fallback);
    assert!(
        reason.starts_with("rollback not requested: ")
            && reason.contains("no service-deployment APIs"),
        "{reason}"
    );

    let denied = crash_loop_with(denying("StopServiceDeployment")).await;
    let reason = refused_reason(&denied);
    assert!(
        reason.starts_with("rollback not requested: access denied")
            && reason.contains("ecs:StopServiceDeployment"),
        "{reason}"
    );
}

/// The binary waiting on a stuck deployment of `web`, signalled with `signal` once it reports the deployment
/// it watches (so the signal never races its start-up); returns the exit code and everything on stderr.
async fn interrupted_wait(sim: &Sim, stuck: &str, signal: &str, extra: &[&str]) -> (i32, String) {
    let mut child = command(Some(&sim.endpoint()))
        .args(wait_args(
            "web",
            stuck,
            &[&["--timeout", "120s"], extra].concat(),
        ))
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut stderr = String::new();
    let found = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.expect("stderr reads") {
            stderr.push_str(&line);
            stderr.push('\n');
            if line.contains("watching deployment") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true), "the wait found its deployment: {stderr}");
    let pid = child.id().expect("pid").to_string();
    let sent = tokio::process::Command::new("kill")
        .args([signal, &pid])
        .status()
        .await
        .expect("kill");
    assert!(sent.success());
    while let Some(line) = lines.next_line().await.expect("stderr reads") {
        stderr.push_str(&line);
        stderr.push('\n');
    }
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait())
        .await
        .expect("exits")
        .expect("status");
    assert!(!stderr.contains("panicked"), "{stderr}");
    (status.code().unwrap_or(-1), stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_and_sigterm_with_rollback_on_interrupted_roll_back_the_watched_deployment() {
    for signal in ["-INT", "-TERM"] {
        let sim = fixture().await;
        let (_, stuck, watched) = stuck(&sim).await;
        let (code, stderr) =
            interrupted_wait(&sim, &stuck, signal, &["--rollback-on", "interrupted"]).await;
        assert_eq!(code, 130, "{signal}: {stderr}");
        assert!(
            stderr.contains("interrupted: stopped waiting")
                && stderr.contains("; rolled back to web:1"),
            "{signal}: {stderr}"
        );
        assert_one_rollback_of(&sim, &watched);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_without_rollback_on_interrupted_leaves_the_deployment_alone() {
    let sim = fixture().await;
    let (_, stuck, arn) = stuck(&sim).await;
    let (code, stderr) = interrupted_wait(&sim, &stuck, "-INT", &["--rollback-on", "failed"]).await;
    assert_eq!(code, 130, "{stderr}");
    assert!(
        stderr.contains("the deployment itself goes on in ECS") && !stderr.contains("rolled back"),
        "{stderr}"
    );
    assert_no_action(&sim);
    let sd = sim
        .scenario
        .describe_service_deployment(&arn)
        .await
        .expect("described");
    assert_eq!(sd.status().map(|s| s.as_str()), Some("IN_PROGRESS"));
}

// ---- `continue` and `rollback` ----

const PAUSED_STAGE: DeploymentLifecycleHookStage = DeploymentLifecycleHookStage::PostScaleUp;

/// `web` steady on a rolling v1, then a blue/green v2 with `pause_hooks` PAUSE hooks at POST_SCALE_UP (an
/// hour's timeout, rolling back), held there: returns v2's ARN and its service deployment once every hook
/// awaits action.
async fn paused(sim: &Sim, pause_hooks: usize) -> (String, ServiceDeployment) {
    sim.scenario
        .steady_service("web", 2, CircuitBreaker::Off)
        .await
        .expect("a steady service");
    let mut spec = DeploymentSpec::new(Strategy::BlueGreen { bake_minutes: 0 });
    for _ in 0..pause_hooks {
        spec = spec.hook(Hook::pause(&[PAUSED_STAGE], 60, SdkHookAction::Rollback));
    }
    let v2 = sim
        .scenario
        .register_spec(&TaskSpec::new("web", TaskBehaviour::Healthy))
        .await
        .expect("v2 registers");
    let arn = sim
        .scenario
        .update_service_with("web", &v2, spec.build())
        .await
        .expect("the blue/green deployment starts");
    let sd = sim
        .scenario
        .wait_for_service_deployment(&arn, Duration::from_secs(60), |sd| {
            let awaiting = sd
                .lifecycle_hook_details()
                .iter()
                .filter(|h| h.status().map(|s| s.as_str()) == Some("AWAITING_ACTION"))
                .count();
            awaiting == pause_hooks
        })
        .await
        .expect("the deployment pauses at its hooks");
    (v2, sd)
}

fn hook_ids(sd: &ServiceDeployment) -> Vec<String> {
    sd.lifecycle_hook_details()
        .iter()
        .filter_map(|h| h.hook_id().map(str::to_owned))
        .collect()
}

/// `--wait` for at most a minute, with the JSON verdict.
const WAIT_JSON: &[&str] = &["--wait", "--timeout", "60s", "--output", "json"];

fn continue_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    [&["continue"], web_args(extra).as_slice()].concat()
}

fn rollback_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    [&["rollback"], web_args(extra).as_slice()].concat()
}

/// The one ContinueServiceDeployment the simulator accepted: `action` for `hook` of `arn`.
fn assert_one_continue(sim: &Sim, arn: &str, hook: &str, action: &str) {
    let actions = sim.handle.recorded_actions();
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0].operation, "ContinueServiceDeployment");
    assert_eq!(actions[0].service_deployment_arn, arn);
    assert_eq!(actions[0].hook_id.as_deref(), Some(hook));
    assert_eq!(actions[0].action.as_deref(), Some(action));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continue_answers_the_only_paused_hook_and_with_wait_exits_with_the_verdict() {
    // (--action, what ECS is told, exit code, verdict)
    for (action, sent, code, outcome) in [
        ("continue", "CONTINUE", 0, "COMPLETED"),
        ("rollback", "ROLLBACK", 2, "ROLLED_BACK"),
    ] {
        let sim = fixture().await;
        let (v2, sd) = paused(&sim, 1).await;
        let arn = sd.service_deployment_arn().expect("arn").to_owned();
        let hook = hook_ids(&sd).remove(0);
        let run = sim
            .run(&continue_args(&[
                "--action",
                action,
                "--wait",
                "--timeout",
                "60s",
                "--output",
                "json",
            ]))
            .await;
        assert_eq!(run.code, code, "{action}: {} {}", run.stdout, run.stderr);
        assert!(
            run.stderr
                .contains(&format!("sent {sent} to lifecycle hook {hook} of {arn}")),
            "{action}: {}",
            run.stderr
        );
        let verdict = run.json();
        assert_eq!(verdict["outcome"], outcome, "{action}: {verdict}");
        if outcome == "COMPLETED" {
            assert_eq!(verdict["primaryTaskDef"], v2.as_str());
        }
        assert_one_continue(&sim, &arn, &hook, sent);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continue_without_wait_exits_0_once_ecs_accepted_it() {
    let sim = fixture().await;
    let (_, sd) = paused(&sim, 1).await;
    let run = sim.run(&continue_args(&[])).await;
    run.assert_exit(0);
    let arn = sd.service_deployment_arn().expect("arn");
    sim.scenario
        .wait_for_service_deployment(arn, Duration::from_secs(60), |sd| {
            sd.status().map(|s| s.as_str()) == Some("SUCCESSFUL")
        })
        .await
        .expect("the continued deployment completes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continue_with_several_hooks_awaiting_exits_4_listing_them_until_one_is_named() {
    let sim = fixture().await;
    let (_, sd) = paused(&sim, 2).await;
    let hooks = hook_ids(&sd);
    assert_eq!(hooks.len(), 2);
    let run = sim.run(&continue_args(&[])).await;
    run.assert_exit(4);
    assert!(
        run.stderr.contains("several hooks await action")
            && hooks.iter().all(|h| run.stderr.contains(h.as_str()))
            && run.stderr.contains("--hook-id"),
        "{}",
        run.stderr
    );
    let run = sim
        .run(&continue_args(&["--hook-id", "no-such-hook"]))
        .await;
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert_contains(&run.stderr, "hook no-such-hook is not awaiting action");
    assert_no_action(&sim);

    let run = sim.run(&continue_args(&["--hook-id", &hooks[1]])).await;
    run.assert_exit(0);
    let arn = sd.service_deployment_arn().expect("arn");
    assert_one_continue(&sim, arn, &hooks[1], "CONTINUE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continue_with_nothing_paused_exits_4_saying_what_the_deployment_does() {
    // A rolling deployment in progress: no hook at all.
    let sim = fixture().await;
    stuck(&sim).await;
    let run = sim.run(&continue_args(&[])).await;
    run.assert_exit(4);
    assert!(
        run.stderr.contains("is not paused: it is IN_PROGRESS")
            && run.stderr.contains("no PAUSE hook awaits action"),
        "{}",
        run.stderr
    );
    assert_nothing_in_progress(&continue_args(&["--wait"])).await;
}

/// On a settled `web`, `args` exits 4 saying that no deployment is in progress, and acts on nothing.
async fn assert_nothing_in_progress(args: &[&str]) {
    let sim = fixture().await;
    sim.scenario
        .steady_service("web", 2, CircuitBreaker::Off)
        .await
        .expect("a steady service");
    let run = sim.run(args).await;
    assert_eq!(run.code, 4, "{args:?}: {} {}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("no deployment of service web is in progress"),
        "{args:?}: {}",
        run.stderr
    );
    assert_no_action(&sim);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_stops_the_deployment_in_progress_and_with_wait_exits_0_when_it_succeeded() {
    let sim = fixture().await;
    let (first, _, arn) = stuck(&sim).await;
    let run = sim.run(&rollback_args(WAIT_JSON)).await;
    run.assert_exit(0);
    let answer = run.json();
    assert_eq!(answer["serviceDeploymentArn"], arn.as_str());
    assert_eq!(answer["rollback"]["requested"], true);
    assert_eq!(answer["rollback"]["status"], "ROLLBACK_SUCCESSFUL");
    assert_eq!(answer["rollback"]["toTaskDefinition"], first.as_str());
    assert_one_rollback_of(&sim, &arn);

    // Without --wait: requested, exit 0, one call.
    let sim = fixture().await;
    let (_, _, arn) = stuck(&sim).await;
    let run = sim.run(&rollback_args(&[])).await;
    run.assert_exit(0);
    assert_contains(&run.stdout, "service web (cluster prod)");
    assert_one_rollback_of(&sim, &arn);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_with_nothing_in_progress_exits_4_and_a_second_rollback_makes_no_call() {
    assert_nothing_in_progress(&rollback_args(&["--wait"])).await;

    // A second `rollback` finds the deployment rolling back or (the simulator is fast) ended; either way it
    // exits 4 without a second StopServiceDeployment. The "already rolling back" guard itself is proven
    // against a fake in the watcher's actions tests.
    let sim = fixture().await;
    stuck(&sim).await;
    let first = sim.run(&rollback_args(&[])).await;
    first.assert_exit(0);
    let again = sim.run(&rollback_args(&[])).await;
    again.assert_exit(4);
    assert_eq!(stops(&sim).len(), 1, "one call, not two");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_without_the_permission_exits_4_naming_it() {
    let sim = fixture().await;
    stuck(&sim).await;
    sim.handle.set_faults(denying("StopServiceDeployment"));
    let run = sim.run(&rollback_args(&["--wait"])).await;
    run.assert_exit(4);
    assert!(
        run.stdout.contains("ecs:StopServiceDeployment"),
        "{} {}",
        run.stdout,
        run.stderr
    );
    assert_no_action(&sim);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continue_without_the_apis_or_the_permission_exits_4_saying_which() {
    let sim = fixture().await;
    paused(&sim, 1).await;
    sim.handle.set_faults(denying("ContinueServiceDeployment"));
    let run = sim.run(&continue_args(&[])).await;
    run.assert_exit(4);
    assert_contains(&run.stderr, "ecs:ContinueServiceDeployment");
    sim.handle.set_faults(Faults {
        service_deployments_api: ServiceDeploymentsApi::UnknownOperation,
        ..Faults::default()
    });
    let run = sim.run(&continue_args(&[])).await;
    run.assert_exit(4);
    assert_contains(&run.stderr, "service-deployment APIs");
    assert_no_action(&sim);
}
