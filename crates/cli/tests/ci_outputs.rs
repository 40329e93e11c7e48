//! What a CI run shows besides the exit code: the console link (`consoleUrl` in JSON, the end of the text
//! verdict line with `-v`) and `--output github` (a log group around the progress, an `::error` annotation
//! per service that did not complete, the text verdict lines). Against the `ecs-sim` simulator on
//! 127.0.0.1; the simulator's ARNs carry the Region the requests were signed for (us-east-1 here).

mod support;

use ecs_sim::scenario::CircuitBreaker;
use ecs_sim::{Faults, ServiceDeploymentsApi};
use support::*;

const TIME_SCALE: f64 = 50.0;
const CONSOLE: &str =
    "https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/services/web/deployments";

/// A fresh simulator with `web` deploying a revision behaving as `behaviour`; the simulator and the
/// revision's ARN.
async fn deploying(circuit_breaker: CircuitBreaker, behaviour: TaskBehaviour) -> (Sim, String) {
    let sim = start(TIME_SCALE, 31).await;
    let rollout = sim
        .scenario
        .deploying("web", 2, circuit_breaker, behaviour)
        .await
        .expect("web deploying");
    (sim, rollout.to)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_links_the_service_deployment_in_the_console_of_its_region() {
    let (sim, desired) = deploying(CircuitBreaker::ROLLS_BACK, TaskBehaviour::Healthy).await;
    let run = sim.wait(&desired, &[]).await;
    run.assert_exit(0);
    let verdict = run.json();
    let arn = verdict["serviceDeploymentArn"]
        .as_str()
        .unwrap_or_else(|| panic!("a service deployment ARN: {verdict}"));
    let id = arn.rsplit('/').next().unwrap_or_default();
    assert_eq!(
        verdict["consoleUrl"],
        format!("{CONSOLE}/{id}?region=us-east-1").as_str(),
        "{verdict}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_service_deployment_the_link_is_the_services_deployments_page() {
    let sim = start_with_steady_web(TIME_SCALE, 32).await;
    sim.handle.set_faults(Faults {
        service_deployments_api: ServiceDeploymentsApi::UnknownOperation,
        ..Faults::default()
    });
    let desired = sim.deploy("web", TaskBehaviour::Healthy).await;
    let run = sim.wait(&desired, &[]).await;
    run.assert_exit(0);
    let verdict = run.json();
    assert_eq!(
        verdict["consoleUrl"],
        format!("{CONSOLE}?region=us-east-1").as_str(),
        "{verdict}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_text_verdict_line_ends_in_the_console_link_only_with_verbose() {
    let (sim, desired) = deploying(CircuitBreaker::ROLLS_BACK, TaskBehaviour::Healthy).await;
    let args = web_args(&["--task-definition", &desired, "--poll-interval", "100ms"]);
    let quiet_run = sim.run(&args).await;
    quiet_run.assert_exit(0);
    assert!(
        !quiet_run.stdout.contains("console"),
        "no link without -v: {}",
        quiet_run.stdout
    );
    let verbose_run = sim.run(&[args.as_slice(), &["-v"]].concat()).await;
    verbose_run.assert_exit(0);
    let line = verbose_run.stdout.trim();
    assert!(line.starts_with("COMPLETED service web"), "{line}");
    assert_contains(line, &format!("; console: {CONSOLE}/"));
    assert!(line.ends_with("?region=us-east-1"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_output_groups_the_progress_and_annotates_the_failure() {
    let (sim, desired) = deploying(CircuitBreaker::Off, TaskBehaviour::MissingImage).await;
    let run = sim
        .run(&web_args(&[
            "--task-definition",
            &desired,
            "--poll-interval",
            "100ms",
            "--output",
            "github",
        ]))
        .await;
    run.assert_exit(1);

    // The progress, on stderr, inside one group.
    let stderr: Vec<&str> = run.stderr.lines().collect();
    let opened = stderr
        .iter()
        .position(|line| *line == "::group::wait-for-ecs-deploy: service web (cluster prod)")
        .unwrap_or_else(|| panic!("a group opens: {}", run.stderr));
    let closed = stderr
        .iter()
        .position(|line| *line == "::endgroup::")
        .unwrap_or_else(|| panic!("the group closes: {}", run.stderr));
    assert!(
        opened < closed && closed - opened > 1,
        "progress lines inside the group: {}",
        run.stderr
    );

    // On stdout: the annotation, then the plain verdict line.
    let stdout: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(stdout.len(), 2, "{}", run.stdout);
    assert!(
        stdout[0].starts_with("::error title=web FAILED::"),
        "{}",
        run.stdout
    );
    assert_contains(stdout[0], "CannotPullContainerError");
    assert!(
        stdout[1].starts_with("FAILED service web (cluster prod)"),
        "{}",
        run.stdout
    );
    assert_contains(stdout[1], "CannotPullContainerError");
}
