//! Credentials and permissions, through the real binary against `ecs-sim` (which also plays STS):
//! assumed-role sessions that expire mid-wait are refreshed, a denied `sts:AssumeRole` or a missing ECS
//! permission ends the wait with exit 4 naming the permission, and no secret — base key, external id,
//! session secret or token — ever appears in the output, even with every log level turned on.

mod support;

use std::time::Duration;

use ecs_sim::Faults;
use ecs_sim::scenario::CircuitBreaker;
use support::*;

const ROLE: &str = "arn:aws:iam::123456789012:role/deployer";
const EXTERNAL_ID: &str = "external-id-shared-secret-4417";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assumed_role_sessions_expiring_mid_wait_are_refreshed_and_never_printed() {
    // 10x time: tasks pending 150 simulated seconds make a rollout of ~16 real seconds.
    let sim = start_with_steady_web(10.0, 21).await;
    let lifetime = Duration::from_secs(12);
    sim.handle.allow_assume_role(ROLE, lifetime);
    let desired = sim.deploy("web", TaskBehaviour::SlowStart(150)).await;

    let mut logging_everything = command(Some(&sim.endpoint()));
    logging_everything.env("WAIT_FOR_ECS_DEPLOY_LOG", "trace");
    let run = run(
        logging_everything,
        &[
            "--cluster",
            "prod",
            "--service",
            "web",
            "--task-definition",
            &desired,
            "--assume-role",
            ROLE,
            "--external-id",
            EXTERNAL_ID,
            "--poll-interval",
            "500ms",
            "--timeout",
            "60s",
            "--output",
            "json",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "stderr tail: {}", tail(&run.stderr));
    assert_eq!(run.json()["outcome"], "COMPLETED");

    // The simulator refuses ECS calls signed with an expired session, so finishing well past the first
    // session's lifetime proves later calls used refreshed ones.
    assert!(
        run.elapsed > lifetime + Duration::from_secs(2),
        "the wait ({:?}) must outlive a session ({lifetime:?}) for this test to prove anything",
        run.elapsed
    );
    let issued = sim.handle.issued_credentials();
    assert!(
        issued.len() >= 3,
        "one session for the start-up check, one for the first calls, then refreshes: {issued:?}"
    );
    let output = run.all_output();
    // The SDK's own debug log says when it loads a new identity: once at the start, again on refresh.
    let identity_loads = output.matches("identity cache miss occurred").count();
    assert!(
        identity_loads >= 2,
        "debug logging was on and shows a refresh: {identity_loads} identity loads"
    );
    for session in &issued {
        assert!(
            !output.contains(&session.secret_access_key),
            "a session's secret key leaked"
        );
        assert!(
            !output.contains(&session.session_token),
            "a session token leaked"
        );
    }
    if let Some(at) = output.find(EXTERNAL_ID) {
        let from = output.floor_char_boundary(at.saturating_sub(600));
        panic!("the external id leaked: …{}", &output[from..at]);
    }
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_that_cannot_be_assumed_exits_4_naming_sts_assume_role() {
    let sim = start_with_steady_web(50.0, 22).await;
    sim.handle.reset_call_counts();
    let run = sim
        .run(&web_args(&[
            "--assume-role",
            ROLE,
            "--external-id",
            EXTERNAL_ID,
        ]))
        .await;
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    for needle in [ROLE, "sts:AssumeRole"] {
        assert!(
            run.stderr.contains(needle),
            "names {needle}: {}",
            run.stderr
        );
    }
    assert!(!run.all_output().contains(EXTERNAL_ID));
    assert_eq!(
        sim.handle.call_counts().get("DescribeServices").copied(),
        None,
        "no ECS call without the role"
    );
}

/// Denies `operation` and deploys `behaviour`; the wait must exit 4 naming `ecs:<operation>`.
async fn missing_permission_exits_4_naming_it(
    operation: &str,
    behaviour: TaskBehaviour,
    seed: u64,
) {
    let sim = start(50.0, seed).await;
    let desired = sim
        .scenario
        .deploying_to("web", 2, CircuitBreaker::Off, behaviour)
        .await
        .expect("web deploying");
    sim.handle.set_faults(Faults {
        access_denied_operations: vec![operation.to_owned()],
        ..Faults::default()
    });
    let run = sim.wait(&desired, &["--timeout", "60s"]).await;
    assert_eq!(run.code, 4, "{operation}: {}", run.stderr);
    assert!(
        run.stdout.is_empty(),
        "no verdict on stdout: {}",
        run.stdout
    );
    let permission = format!("ecs:{operation}");
    assert!(
        run.stderr.contains(&format!("IAM permission {permission}")),
        "names {permission}: {}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_describe_services_permission_exits_4_naming_it() {
    missing_permission_exits_4_naming_it("DescribeServices", TaskBehaviour::Healthy, 23).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_list_tasks_permission_a_crash_loop_exits_4_naming_it() {
    missing_permission_exits_4_naming_it("ListTasks", TaskBehaviour::ExitsAtOnce, 24).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_describe_tasks_permission_a_crash_loop_exits_4_naming_it() {
    missing_permission_exits_4_naming_it("DescribeTasks", TaskBehaviour::ExitsAtOnce, 25).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_list_service_deployments_permission_the_wait_falls_back_and_says_which() {
    // The service-deployment APIs only add detail (README, "AWS access"): their absence is worth a note
    // naming the permission, not a failed deploy gate.
    let sim = start(50.0, 26).await;
    let desired = sim
        .scenario
        .deploying_to("web", 2, CircuitBreaker::ROLLS_BACK, TaskBehaviour::Healthy)
        .await
        .expect("web deploying");
    sim.handle.set_faults(Faults {
        access_denied_operations: vec!["ListServiceDeployments".to_owned()],
        ..Faults::default()
    });
    let mut text_output = wait_args("web", &desired, &["--timeout", "60s"]);
    text_output.retain(|arg| *arg != "--output" && *arg != "json");
    let run = sim.run(&text_output).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("ecs:ListServiceDeployments"),
        "the fallback note names the permission: {}",
        run.stderr
    );
}
