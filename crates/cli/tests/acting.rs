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
use ecs_sim::scenario::{DeploymentSpec, Hook, Strategy, TaskSpec};
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_on_failed_rolls_a_crash_loop_back_once_and_keeps_exit_1() {
    let sim = fixture().await;
    let first = sim.steady_service("web", None).await;
    let crashing = sim.deploy("web", TaskBehaviour::ExitsAtOnce).await;
    let run = sim
        .wait(&crashing, &["--rollback-on", "failed", "--timeout", "60s"])
        .await;
    assert_eq!(run.code, 1, "still FAILED: {} {}", run.stdout, run.stderr);
    let verdict = run.json();
    assert_eq!(verdict["outcome"], "FAILED");
    assert_eq!(verdict["rollback"]["requested"], true, "{verdict}");
    assert_eq!(verdict["rollback"]["status"], "ROLLBACK_SUCCESSFUL");
    assert_eq!(verdict["rollback"]["toTaskDefinition"], first.as_str());
    assert_eq!(
        text(&verdict, "/rollback/reason"),
        format!("rolled back to {}", short(&first))
    );
    assert_one_rollback_of(&sim, text(&verdict, "/serviceDeploymentArn"));
    let service = sim.scenario.describe_service("web").await.expect("web");
    assert_eq!(service.task_definition(), Some(first.as_str()));

    // The text line says it too.
    let sim = fixture().await;
    sim.steady_service("web", None).await;
    let crashing = sim.deploy("web", TaskBehaviour::ExitsAtOnce).await;
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
async fn without_the_flag_or_without_the_trigger_nothing_is_stopped() {
    let sim = fixture().await;
    let crashing = sim.deploying(None, TaskBehaviour::ExitsAtOnce).await;
    let run = sim.wait(&crashing, &["--timeout", "60s"]).await;
    assert_eq!(run.code, 1, "{} {}", run.stdout, run.stderr);
    let verdict = run.json();
    assert!(verdict.get("rollback").is_none(), "{verdict}");
    assert_no_action(&sim);

    // A FAILED verdict with only `timed-out` asked for is left alone too.
    let sim = fixture().await;
    let crashing = sim.deploying(None, TaskBehaviour::ExitsAtOnce).await;
    let run = sim
        .wait(
            &crashing,
            &["--rollback-on", "timed-out", "--timeout", "60s"],
        )
        .await;
    assert_eq!(run.code, 1);
    assert!(run.json().get("rollback").is_none());
    assert_no_action(&sim);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_on_timed_out_rolls_back_the_deployment_still_in_progress() {
    let sim = fixture().await;
    let first = sim.steady_service("web", Some(true)).await;
    let stuck = sim.deploy("web", TaskBehaviour::Unplaceable).await;
    let run = sim
        .wait(&stuck, &["--rollback-on", "timed-out", "--timeout", "3s"])
        .await;
    assert_eq!(
        run.code, 3,
        "still TIMED_OUT: {} {}",
        run.stdout, run.stderr
    );
    let verdict = run.json();
    assert_eq!(verdict["outcome"], "TIMED_OUT");
    assert_eq!(verdict["rollback"]["requested"], true, "{verdict}");
    assert_eq!(verdict["rollback"]["status"], "ROLLBACK_SUCCESSFUL");
    assert_eq!(verdict["rollback"]["toTaskDefinition"], first.as_str());
    assert_one_rollback_of(&sim, text(&verdict, "/serviceDeploymentArn"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolled_back_or_completed_deployment_is_never_stopped() {
    let sim = fixture().await;
    let crashing = sim.deploying(Some(true), TaskBehaviour::ExitsAtOnce).await;
    let run = sim
        .wait(
            &crashing,
            &["--rollback-on", "failed,timed-out", "--timeout", "60s"],
        )
        .await;
    assert_eq!(
        run.code, 2,
        "ECS rolled back: {} {}",
        run.stdout, run.stderr
    );
    assert!(run.json().get("rollback").is_none());
    assert_no_action(&sim);

    let sim = fixture().await;
    let healthy = sim.deploying(None, TaskBehaviour::Healthy).await;
    let run = sim
        .wait(&healthy, &["--rollback-on", "failed,timed-out,interrupted"])
        .await;
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    assert_no_action(&sim);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_service_deployments_api_the_verdict_stands_and_says_why_not() {
    let sim = fixture().await;
    let crashing = sim.deploying(None, TaskBehaviour::ExitsAtOnce).await;
    sim.handle.set_faults(Faults {
        service_deployments_api: ServiceDeploymentsApi::UnknownOperation,
        ..Faults::default()
    });
    let run = sim
        .wait(&crashing, &["--rollback-on", "failed", "--timeout", "60s"])
        .await;
    assert_eq!(run.code, 1, "{} {}", run.stdout, run.stderr);
    let verdict = run.json();
    assert_eq!(verdict["rollback"]["requested"], false);
    let reason = text(&verdict, "/rollback/reason");
    assert!(
        reason.starts_with("rollback not requested: ")
            && reason.contains("no service-deployment APIs"),
        "{reason}"
    );
    assert_no_action(&sim);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_stop_permission_the_verdict_stands_naming_the_permission() {
    let sim = fixture().await;
    let crashing = sim.deploying(None, TaskBehaviour::ExitsAtOnce).await;
    sim.handle.set_faults(Faults {
        access_denied_operations: vec!["StopServiceDeployment".into()],
        ..Faults::default()
    });
    let run = sim
        .wait(&crashing, &["--rollback-on", "failed", "--timeout", "60s"])
        .await;
    assert_eq!(run.code, 1, "{} {}", run.stdout, run.stderr);
    let verdict = run.json();
    assert_eq!(verdict["rollback"]["requested"], false, "{verdict}");
    let reason = text(&verdict, "/rollback/reason");
    assert!(
        reason.starts_with("rollback not requested: access denied")
            && reason.contains("ecs:StopServiceDeployment"),
        "{reason}"
    );
    assert_no_action(&sim);
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
        sim.steady_service("web", Some(true)).await;
        let stuck = sim.deploy("web", TaskBehaviour::Unplaceable).await;
        let watched = sim
            .scenario
            .current_service_deployment("web")
            .await
            .expect("a service deployment");
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
    let stuck = sim.deploying(Some(true), TaskBehaviour::Unplaceable).await;
    let (code, stderr) = interrupted_wait(&sim, &stuck, "-INT", &["--rollback-on", "failed"]).await;
    assert_eq!(code, 130, "{stderr}");
    assert!(
        stderr.contains("the deployment itself goes on in ECS") && !stderr.contains("rolled back"),
        "{stderr}"
    );
    assert_no_action(&sim);
    let arn = sim
        .scenario
        .current_service_deployment("web")
        .await
        .expect("a service deployment");
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
    sim.steady_service("web", None).await;
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

fn continue_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    [&["continue"], web_args(extra).as_slice()].concat()
}

fn rollback_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    [&["rollback"], web_args(extra).as_slice()].concat()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continue_answers_the_only_paused_hook_and_with_wait_exits_with_the_verdict() {
    let sim = fixture().await;
    let (v2, sd) = paused(&sim, 1).await;
    let arn = sd.service_deployment_arn().expect("arn").to_owned();
    let hook = hook_ids(&sd).remove(0);
    let run = sim
        .run(&continue_args(&[
            "--wait",
            "--timeout",
            "60s",
            "--output",
            "json",
        ]))
        .await;
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains(&format!("sent CONTINUE to lifecycle hook {hook} of {arn}")),
        "{}",
        run.stderr
    );
    let verdict = run.json();
    assert_eq!(verdict["outcome"], "COMPLETED", "{verdict}");
    assert_eq!(verdict["primaryTaskDef"], v2.as_str());
    let actions = sim.handle.recorded_actions();
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0].operation, "ContinueServiceDeployment");
    assert_eq!(actions[0].service_deployment_arn, arn);
    assert_eq!(actions[0].hook_id.as_deref(), Some(hook.as_str()));
    assert_eq!(actions[0].action.as_deref(), Some("CONTINUE"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continue_with_action_rollback_and_wait_exits_2() {
    let sim = fixture().await;
    let (_, sd) = paused(&sim, 1).await;
    let run = sim
        .run(&continue_args(&[
            "--action",
            "rollback",
            "--wait",
            "--timeout",
            "60s",
            "--output",
            "json",
        ]))
        .await;
    assert_eq!(run.code, 2, "{} {}", run.stdout, run.stderr);
    assert_eq!(run.json()["outcome"], "ROLLED_BACK");
    let actions = sim.handle.recorded_actions();
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0].action.as_deref(), Some("ROLLBACK"));
    assert_eq!(
        Some(actions[0].service_deployment_arn.as_str()),
        sd.service_deployment_arn()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continue_without_wait_exits_0_once_ecs_accepted_it() {
    let sim = fixture().await;
    let (_, sd) = paused(&sim, 1).await;
    let run = sim.run(&continue_args(&[])).await;
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
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
    assert_eq!(run.code, 4, "{} {}", run.stdout, run.stderr);
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
    assert!(
        run.stderr
            .contains("hook no-such-hook is not awaiting action"),
        "{}",
        run.stderr
    );
    assert_no_action(&sim);

    let run = sim.run(&continue_args(&["--hook-id", &hooks[1]])).await;
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    let actions = sim.handle.recorded_actions();
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0].hook_id.as_deref(), Some(hooks[1].as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continue_with_nothing_paused_exits_4_saying_what_the_deployment_does() {
    // A rolling deployment in progress: no hook at all.
    let sim = fixture().await;
    sim.deploying(Some(true), TaskBehaviour::Unplaceable).await;
    let run = sim.run(&continue_args(&[])).await;
    assert_eq!(run.code, 4, "{} {}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("is not paused: it is IN_PROGRESS")
            && run.stderr.contains("no PAUSE hook awaits action"),
        "{}",
        run.stderr
    );
    // A settled service: nothing in progress.
    let sim = fixture().await;
    sim.steady_service("web", None).await;
    let run = sim.run(&continue_args(&["--wait"])).await;
    assert_eq!(run.code, 4, "{} {}", run.stdout, run.stderr);
    assert!(run.stderr.contains("in progress"), "{}", run.stderr);
    assert_no_action(&sim);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_stops_the_deployment_in_progress_and_with_wait_exits_0_when_it_succeeded() {
    let sim = fixture().await;
    let first = sim.steady_service("web", Some(true)).await;
    sim.deploy("web", TaskBehaviour::Unplaceable).await;
    let arn = sim
        .scenario
        .current_service_deployment("web")
        .await
        .expect("a service deployment");
    let run = sim
        .run(&rollback_args(&[
            "--wait",
            "--timeout",
            "60s",
            "--output",
            "json",
        ]))
        .await;
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    let answer = run.json();
    assert_eq!(answer["serviceDeploymentArn"], arn.as_str());
    assert_eq!(answer["rollback"]["requested"], true);
    assert_eq!(answer["rollback"]["status"], "ROLLBACK_SUCCESSFUL");
    assert_eq!(answer["rollback"]["toTaskDefinition"], first.as_str());
    assert_one_rollback_of(&sim, &arn);

    // Without --wait: requested, exit 0, one call.
    let sim = fixture().await;
    sim.deploying(Some(true), TaskBehaviour::Unplaceable).await;
    let arn = sim
        .scenario
        .current_service_deployment("web")
        .await
        .expect("a service deployment");
    let run = sim.run(&rollback_args(&[])).await;
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("service web (cluster prod)"),
        "{}",
        run.stdout
    );
    assert_one_rollback_of(&sim, &arn);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_with_nothing_in_progress_exits_4_and_a_second_rollback_makes_no_call() {
    let sim = fixture().await;
    sim.steady_service("web", None).await;
    let run = sim.run(&rollback_args(&["--wait"])).await;
    assert_eq!(run.code, 4, "{} {}", run.stdout, run.stderr);
    assert!(run.stderr.contains("in progress"), "{}", run.stderr);
    assert_no_action(&sim);

    // A second `rollback` finds the deployment rolling back or (the simulator is fast) ended; either way it
    // exits 4 without a second StopServiceDeployment. The "already rolling back" guard itself is proven
    // against a fake in the watcher's actions tests.
    let sim = fixture().await;
    sim.deploying(Some(true), TaskBehaviour::Unplaceable).await;
    let first = sim.run(&rollback_args(&[])).await;
    assert_eq!(first.code, 0, "{} {}", first.stdout, first.stderr);
    let again = sim.run(&rollback_args(&[])).await;
    assert_eq!(again.code, 4, "{} {}", again.stdout, again.stderr);
    assert_eq!(stops(&sim).len(), 1, "one call, not two");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_without_the_permission_exits_4_naming_it() {
    let sim = fixture().await;
    sim.deploying(Some(true), TaskBehaviour::Unplaceable).await;
    sim.handle.set_faults(Faults {
        access_denied_operations: vec!["StopServiceDeployment".into()],
        ..Faults::default()
    });
    let run = sim.run(&rollback_args(&["--wait"])).await;
    assert_eq!(run.code, 4, "{} {}", run.stdout, run.stderr);
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
    sim.handle.set_faults(Faults {
        access_denied_operations: vec!["ContinueServiceDeployment".into()],
        ..Faults::default()
    });
    let run = sim.run(&continue_args(&[])).await;
    assert_eq!(run.code, 4, "{} {}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("ecs:ContinueServiceDeployment"),
        "{}",
        run.stderr
    );
    sim.handle.set_faults(Faults {
        service_deployments_api: ServiceDeploymentsApi::UnknownOperation,
        ..Faults::default()
    });
    let run = sim.run(&continue_args(&[])).await;
    assert_eq!(run.code, 4, "{} {}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("service-deployment APIs"),
        "{}",
        run.stderr
    );
    assert_no_action(&sim);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_several_services_rollback_on_acts_on_each_failing_one_alone() {
    let sim = fixture().await;
    sim.steady_service("web", None).await;
    let crashing = sim.deploy("web", TaskBehaviour::ExitsAtOnce).await;
    sim.steady_service("api", None).await;
    let healthy = sim.deploy("api", TaskBehaviour::Healthy).await;
    let web_deployment = sim
        .scenario
        .current_service_deployment("web")
        .await
        .expect("web's service deployment");
    let (web, api) = (format!("web={crashing}"), format!("api={healthy}"));
    let run = sim
        .run(&[
            "--cluster",
            "prod",
            "--service",
            &web,
            "--service",
            &api,
            "--poll-interval",
            "100ms",
            "--timeout",
            "60s",
            "--rollback-on",
            "failed",
            "--output",
            "json",
        ])
        .await;
    assert_eq!(run.code, 1, "{} {}", run.stdout, run.stderr);
    let verdict = run.json();
    let entry = |name: &str| {
        verdict["services"]
            .as_array()
            .and_then(|all| all.iter().find(|s| s["service"] == name))
            .cloned()
            .unwrap_or_else(|| panic!("no entry for {name}: {verdict}"))
    };
    assert_eq!(entry("web")["rollback"]["status"], "ROLLBACK_SUCCESSFUL");
    assert_eq!(entry("api")["outcome"], "COMPLETED");
    assert!(entry("api").get("rollback").is_none());
    assert_one_rollback_of(&sim, &web_deployment);
}
