//! The task-behaviour rules: how a task launched from a task definition will behave.
//!
//! Real ECS runs the container; the simulator reads the task definition instead and decides,
//! once per deployment, what every task of it will do. The rules (documented in the crate docs
//! and `ecs-sim --help`) are deliberately keyed on things people really write when they want a
//! broken deployment: `/bin/false`, `exit 1`, an image that does not exist, too much memory.

use crate::model::task_definition::{ContainerSpec, TaskDefinition};

/// Seconds a task spends PROVISIONING before it turns PENDING.
pub(crate) const PROVISIONING_SECONDS: f64 = 2.0;
/// Seconds a task spends PENDING before RUNNING, unless `SIM_STARTUP_SECONDS` says otherwise.
pub(crate) const DEFAULT_PENDING_SECONDS: f64 = 5.0;
/// Seconds after entering PENDING at which an image pull gives up.
pub(crate) const IMAGE_PULL_FAILURE_SECONDS: f64 = 3.0;
/// Seconds after RUNNING at which a failing essential container exits.
pub(crate) const ESSENTIAL_EXIT_SECONDS: f64 = 2.0;
/// Seconds after RUNNING at which a passing health check reports HEALTHY, if no startPeriod is given.
pub(crate) const DEFAULT_HEALTHY_AFTER_SECONDS: f64 = 10.0;
/// ECS's health check defaults.
pub(crate) const DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS: u32 = 30;
pub(crate) const DEFAULT_HEALTH_CHECK_RETRIES: u32 = 3;
/// Seconds a stopping task spends DEPROVISIONING before it is STOPPED.
pub(crate) const DEPROVISIONING_SECONDS: f64 = 2.0;
/// Largest task or container size Fargate runs (16 vCPU, 120 GiB).
pub(crate) const MAX_PLACEABLE_MEMORY_MIB: u32 = 122_880;
pub(crate) const MAX_PLACEABLE_CPU_UNITS: u32 = 16_384;

/// The task sizes Fargate runs: for each CPU size, the memory range (MiB) and its step.
pub(crate) const FARGATE_SIZES: [(u32, u32, u32, u32); 7] = [
    // (cpu units, lowest MiB, highest MiB, step MiB)
    (256, 512, 2048, 512), // 512, 1024 or 2048 only
    (512, 1024, 4096, 1024),
    (1024, 2048, 8192, 1024),
    (2048, 4096, 16384, 1024),
    (4096, 8192, 30720, 1024),
    (8192, 16384, 61440, 4096),
    (16384, 32768, 122880, 8192),
];

/// Whether Fargate runs a task of `cpu_units` and `memory_mib` (the table in the ECS developer guide).
pub(crate) fn is_fargate_size(cpu_units: u32, memory_mib: u32) -> bool {
    if cpu_units == 256 {
        // The one row that is not an even range: 0.5, 1 or 2 GB.
        return matches!(memory_mib, 512 | 1024 | 2048);
    }
    FARGATE_SIZES.iter().any(|&(cpu, low, high, step)| {
        cpu == cpu_units
            && (low..=high).contains(&memory_mib)
            && (memory_mib - low).is_multiple_of(step)
    })
}

/// The Fargate sizes as ECS's error message lists them.
pub(crate) fn fargate_sizes_text() -> String {
    FARGATE_SIZES
        .iter()
        .map(|&(cpu, low, high, step)| match cpu {
            256 => "cpu 256: memory 512, 1024 or 2048".to_owned(),
            _ => format!("cpu {cpu}: memory {low}-{high} in steps of {step}"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Whether tasks of a task definition can be placed at all.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Placement {
    Placeable(LaunchPlan),
    /// Too big for any host: no task ever starts, and this is not a failed task.
    Unplaceable,
}

/// What every task of a deployment will do.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct LaunchPlan {
    /// Seconds spent PENDING (before RUNNING, or before the pull failure).
    pub(crate) pending_seconds: f64,
    pub(crate) outcome: Outcome,
    pub(crate) health: Health,
}

/// How a task ends if the scheduler does not stop it first.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Outcome {
    /// Runs until the scheduler stops it.
    KeepsRunning,
    /// Never runs: the image pull fails [`IMAGE_PULL_FAILURE_SECONDS`] into PENDING.
    PullFails { container: String, image: String },
    /// Runs, then the essential container exits with code 1 after [`ESSENTIAL_EXIT_SECONDS`].
    EssentialExits { container: String },
    /// Runs, then turns UNHEALTHY `after_running` seconds after RUNNING and is replaced.
    FailsHealthChecks {
        container: String,
        after_running: f64,
    },
}

/// What the task's `healthStatus` does once it runs.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Health {
    /// No container health check: `healthStatus` stays UNKNOWN (as in ECS) and the scheduler
    /// treats the task as healthy as soon as it is RUNNING.
    NoCheck,
    /// HEALTHY this many seconds after RUNNING.
    HealthyAfter(f64),
    /// Never HEALTHY (a failing health check).
    NeverHealthy,
}

impl Placement {
    /// Applies the behaviour rules to a task definition run on Fargate without a grace period.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn of(definition: &TaskDefinition) -> Placement {
        Placement::on(definition, "FARGATE", 0)
    }

    /// Applies the behaviour rules to a task definition run with `launch_type`, by a service with
    /// `healthCheckGracePeriodSeconds` of `grace_seconds`: failing container health checks are
    /// ignored for that long after a task started RUNNING.
    pub(crate) fn on(
        definition: &TaskDefinition,
        launch_type: &str,
        grace_seconds: u32,
    ) -> Placement {
        let on_fargate = launch_type != "EC2" && launch_type != "EXTERNAL";
        let off_the_fargate_table = matches!(
            (definition.cpu_units, definition.memory_mib),
            (Some(cpu), Some(memory)) if !is_fargate_size(cpu, memory)
        );
        if too_big(definition) || (on_fargate && off_the_fargate_table) {
            return Placement::Unplaceable;
        }
        let containers = &definition.containers;
        let pending_seconds = containers
            .iter()
            .filter_map(|c| c.startup_seconds)
            .reduce(f64::max)
            .unwrap_or(DEFAULT_PENDING_SECONDS);
        let health = health_of(containers);
        let mut outcome = outcome_of(containers);
        if let Outcome::FailsHealthChecks { after_running, .. } = &mut outcome {
            *after_running = after_running.max(f64::from(grace_seconds));
        }
        Placement::Placeable(LaunchPlan {
            pending_seconds,
            outcome,
            health,
        })
    }
}

/// The explicit "cannot place" trigger: a container that asks for more memory or CPU than its
/// task has, or a task or container larger than the largest Fargate task.
fn too_big(definition: &TaskDefinition) -> bool {
    let memory_limit = definition
        .memory_mib
        .unwrap_or(MAX_PLACEABLE_MEMORY_MIB)
        .min(MAX_PLACEABLE_MEMORY_MIB);
    let cpu_limit = definition
        .cpu_units
        .unwrap_or(MAX_PLACEABLE_CPU_UNITS)
        .min(MAX_PLACEABLE_CPU_UNITS);
    let memory_too_big = |m: Option<u32>| m.is_some_and(|m| m > memory_limit);
    let cpu_too_big = |c: Option<u32>| c.is_some_and(|c| c > cpu_limit);
    definition
        .memory_mib
        .is_some_and(|m| m > MAX_PLACEABLE_MEMORY_MIB)
        || definition
            .cpu_units
            .is_some_and(|c| c > MAX_PLACEABLE_CPU_UNITS)
        || definition
            .containers
            .iter()
            .any(|c| memory_too_big(c.memory) || cpu_too_big(c.cpu))
}

fn outcome_of(containers: &[ContainerSpec]) -> Outcome {
    // Any container's image must be pulled before the task can run, essential or not.
    if let Some(c) = containers.iter().find(|c| image_missing(&c.image)) {
        return Outcome::PullFails {
            container: c.name.clone(),
            image: c.image.clone(),
        };
    }
    let essential = || containers.iter().filter(|c| c.essential);
    if let Some(c) = essential().find(|c| exits_at_once(c)) {
        return Outcome::EssentialExits {
            container: c.name.clone(),
        };
    }
    let failing_check = essential().find_map(|c| {
        let check = c.health_check.as_ref()?;
        is_failing_command(&check.command).then(|| {
            let start = f64::from(check.start_period.unwrap_or(0));
            let interval = check
                .interval
                .unwrap_or(DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS);
            let retries = check.retries.unwrap_or(DEFAULT_HEALTH_CHECK_RETRIES);
            Outcome::FailsHealthChecks {
                container: c.name.clone(),
                after_running: start + f64::from(interval) * f64::from(retries),
            }
        })
    });
    failing_check.unwrap_or(Outcome::KeepsRunning)
}

fn health_of(containers: &[ContainerSpec]) -> Health {
    let checks: Vec<_> = containers
        .iter()
        .filter(|c| c.essential)
        .filter_map(|c| c.health_check.as_ref())
        .collect();
    if checks.is_empty() {
        return Health::NoCheck;
    }
    if checks
        .iter()
        .any(|check| is_failing_command(&check.command))
    {
        return Health::NeverHealthy;
    }
    let after = checks
        .iter()
        .map(|check| {
            check
                .start_period
                .map_or(DEFAULT_HEALTHY_AFTER_SECONDS, f64::from)
        })
        .fold(0.0, f64::max);
    Health::HealthyAfter(after)
}

/// Images that cannot be pulled: the name says so.
pub(crate) fn image_missing(image: &str) -> bool {
    image.contains("does-not-exist") || image.contains("nonexistent")
}

/// A container whose command (or entry point) exits non-zero immediately: the whole command is
/// `/bin/false` or `false`, or a shell (`sh -c`, `bash -c`, ...) whose whole script is one of those
/// or `exit 1`. Anything else (`curl ... || exit 1`, `sleep 1; exit 1`) may succeed,
/// so it keeps running.
fn exits_at_once(container: &ContainerSpec) -> bool {
    always_fails(&container.command) || always_fails(&container.entry_point)
}

/// A health check command that can never pass: `["CMD-SHELL", S]` with the whole script `S` being
/// `exit 1`, `false` or `/bin/false`, or `["CMD", ...]` (or a bare list) that is
/// `/bin/false`, `false` or a shell running such a script. `CMD-SHELL curl -f http://localhost/ ||
/// exit 1` passes, as it does against a healthy web server.
fn is_failing_command(command: &[String]) -> bool {
    match command.split_first() {
        Some((kind, rest)) if kind == "CMD-SHELL" => rest.len() == 1 && failing_script(&rest[0]),
        Some((kind, rest)) if kind == "CMD" => always_fails(rest),
        _ => always_fails(command),
    }
}

/// An argument list that always exits non-zero: `/bin/false`, `false`, or a shell whose whole
/// `-c` script does.
fn always_fails(args: &[String]) -> bool {
    match args {
        [only] => is_false(only),
        [shell, flag, script] if is_shell(shell) && flag == "-c" => failing_script(script),
        _ => false,
    }
}

fn is_false(word: &str) -> bool {
    matches!(word, "/bin/false" | "false" | "/usr/bin/false")
}

fn is_shell(program: &str) -> bool {
    let name = program.rsplit('/').next().unwrap_or(program);
    matches!(name, "sh" | "bash" | "dash" | "ash" | "zsh")
}

/// A whole shell script that is a failure trigger: `exit 1`, `false` or `/bin/false` (and only that:
/// `exit 10` or `sleep 1; exit 1` are not triggers).
fn failing_script(script: &str) -> bool {
    let script = script.trim().trim_end_matches(';').trim();
    if is_false(script) {
        return true;
    }
    let mut words = script.split_whitespace();
    matches!(
        (words.next(), words.next(), words.next()),
        (Some("exit"), Some("1"), None)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::task_definition::HealthCheckSpec;

    fn definition(containers: Vec<ContainerSpec>) -> TaskDefinition {
        TaskDefinition {
            arn: "arn".into(),
            family: "web".into(),
            revision: 1,
            registered_at: 0.0,
            cpu_units: Some(256),
            memory_mib: Some(512),
            containers,
            echo: Default::default(),
        }
    }

    fn container(image: &str) -> ContainerSpec {
        ContainerSpec {
            name: "app".into(),
            image: image.into(),
            essential: true,
            ..ContainerSpec::default()
        }
    }

    /// An nginx container whose health check runs `command` (no start period).
    fn with_health_check(
        command: &[&str],
        interval: Option<u32>,
        retries: Option<u32>,
    ) -> ContainerSpec {
        let mut c = container("nginx");
        c.health_check = Some(HealthCheckSpec {
            command: command.iter().map(|s| s.to_string()).collect(),
            interval,
            retries,
            start_period: None,
        });
        c
    }

    fn plan(containers: Vec<ContainerSpec>) -> LaunchPlan {
        match Placement::of(&definition(containers)) {
            Placement::Placeable(plan) => plan,
            Placement::Unplaceable => panic!("expected placeable"),
        }
    }

    #[test]
    fn plain_container_keeps_running_without_health_check() {
        let plan = plan(vec![container("nginx:1")]);
        assert_eq!(plan.outcome, Outcome::KeepsRunning);
        assert_eq!(plan.health, Health::NoCheck);
        assert_eq!(plan.pending_seconds, DEFAULT_PENDING_SECONDS);
    }

    #[test]
    fn bin_false_and_a_bare_exit_1_exit_but_scripts_that_may_succeed_do_not() {
        for command in [
            vec!["/bin/false"],
            vec!["false"],
            vec!["sh", "-c", "exit 1"],
        ] {
            let mut c = container("app:1");
            c.command = command.iter().map(|s| s.to_string()).collect();
            assert_eq!(
                plan(vec![c]).outcome,
                Outcome::EssentialExits {
                    container: "app".into()
                }
            );
        }
        for command in [
            vec!["sh", "-c", "exit 0"],
            vec!["sh", "-c", "exit 10"],
            vec!["sh", "-c", "sleep 1; exit 1"],
            vec!["sh", "-c", "run-server || exit 1"],
            vec!["exit 1"],
        ] {
            let mut c = container("app:1");
            c.command = command.iter().map(|s| s.to_string()).collect();
            assert_eq!(plan(vec![c]).outcome, Outcome::KeepsRunning, "{command:?}");
        }
    }

    #[test]
    fn only_an_unambiguous_health_check_fails() {
        for failing in [
            vec!["CMD-SHELL", "exit 1"],
            vec!["CMD-SHELL", " exit 1; "],
            vec!["CMD-SHELL", "/bin/false"],
            vec!["CMD", "/bin/false"],
            vec!["CMD", "false"],
            vec!["CMD", "sh", "-c", "exit 1"],
        ] {
            let c = with_health_check(&failing, None, None);
            assert_eq!(plan(vec![c]).health, Health::NeverHealthy, "{failing:?}");
        }
        // The health check from the ECS documentation passes against a healthy server.
        for passing in [
            vec!["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
            vec!["CMD-SHELL", "exit 0"],
            vec!["CMD-SHELL", "wget -q -O- localhost || exit 1"],
            vec!["CMD", "/bin/false", "--version"],
        ] {
            let c = with_health_check(&passing, None, None);
            assert_eq!(
                plan(vec![c]).health,
                Health::HealthyAfter(DEFAULT_HEALTHY_AFTER_SECONDS),
                "{passing:?}"
            );
        }
    }

    #[test]
    fn non_essential_exit_is_ignored() {
        let mut sidecar = container("busybox");
        sidecar.name = "init".into();
        sidecar.essential = false;
        sidecar.command = vec!["/bin/false".into()];
        assert_eq!(
            plan(vec![container("nginx"), sidecar]).outcome,
            Outcome::KeepsRunning
        );
    }

    #[test]
    fn missing_image_fails_the_pull_even_for_a_sidecar() {
        let mut sidecar = container("nonexistent.example/app:1");
        sidecar.essential = false;
        assert_eq!(
            plan(vec![sidecar]).outcome,
            Outcome::PullFails {
                container: "app".into(),
                image: "nonexistent.example/app:1".into()
            }
        );
    }

    #[test]
    fn failing_health_check_uses_given_interval_and_retries() {
        let c = with_health_check(&["CMD-SHELL", "exit 1"], Some(5), Some(2));
        let plan = plan(vec![c]);
        assert_eq!(plan.health, Health::NeverHealthy);
        assert_eq!(
            plan.outcome,
            Outcome::FailsHealthChecks {
                container: "app".into(),
                after_running: 10.0
            }
        );
    }

    #[test]
    fn grace_period_delays_a_failing_health_check() {
        let c = with_health_check(&["CMD-SHELL", "exit 1"], Some(5), Some(2));
        let Placement::Placeable(plan) = Placement::on(&definition(vec![c]), "FARGATE", 300) else {
            panic!("placeable")
        };
        assert_eq!(
            plan.outcome,
            Outcome::FailsHealthChecks {
                container: "app".into(),
                after_running: 300.0
            }
        );
    }

    #[test]
    fn off_table_sizes_are_unplaceable_on_fargate_only() {
        let mut odd = definition(vec![container("nginx")]);
        odd.memory_mib = Some(4096);
        assert_eq!(Placement::on(&odd, "FARGATE", 0), Placement::Unplaceable);
        assert!(matches!(
            Placement::on(&odd, "EC2", 0),
            Placement::Placeable(_)
        ));
    }

    #[test]
    fn failing_health_check_defaults_to_30s_times_3() {
        let c = with_health_check(&["CMD", "/bin/false"], None, None);
        assert_eq!(
            plan(vec![c]).outcome,
            Outcome::FailsHealthChecks {
                container: "app".into(),
                after_running: 90.0
            }
        );
    }

    #[test]
    fn passing_health_check_is_healthy_after_start_period() {
        let mut c = container("nginx");
        c.health_check = Some(HealthCheckSpec {
            command: vec!["CMD-SHELL".into(), "curl -f localhost".into()],
            ..Default::default()
        });
        assert_eq!(
            plan(vec![c.clone()]).health,
            Health::HealthyAfter(DEFAULT_HEALTHY_AFTER_SECONDS)
        );
        c.health_check.as_mut().unwrap().start_period = Some(4);
        assert_eq!(plan(vec![c]).health, Health::HealthyAfter(4.0));
    }

    #[test]
    fn startup_override_sets_pending_time() {
        let mut c = container("nginx");
        c.startup_seconds = Some(42.0);
        assert_eq!(plan(vec![c]).pending_seconds, 42.0);
    }

    #[test]
    fn the_largest_fargate_sizes_are_placed() {
        let mut big = definition(vec![container("nginx")]);
        big.cpu_units = Some(8192);
        big.memory_mib = Some(32768);
        assert!(matches!(Placement::of(&big), Placement::Placeable(_)));
        big.cpu_units = Some(16384);
        big.memory_mib = Some(122880);
        assert!(matches!(Placement::of(&big), Placement::Placeable(_)));
    }

    #[test]
    fn fargate_size_table() {
        assert!(is_fargate_size(256, 512));
        assert!(is_fargate_size(256, 1024));
        assert!(is_fargate_size(256, 2048));
        assert!(!is_fargate_size(256, 4096));
        assert!(is_fargate_size(8192, 32768));
        assert!(!is_fargate_size(8192, 18432));
        assert!(is_fargate_size(16384, 122880));
        assert!(!is_fargate_size(16384, 131072));
        assert!(!is_fargate_size(300, 1024));
    }

    #[test]
    fn oversized_tasks_cannot_be_placed() {
        let mut big = definition(vec![container("nginx")]);
        big.memory_mib = Some(122881);
        assert_eq!(Placement::of(&big), Placement::Unplaceable);
        let mut greedy = container("nginx");
        greedy.memory = Some(65536);
        assert_eq!(
            Placement::of(&definition(vec![greedy])),
            Placement::Unplaceable,
            "a container needing more memory than its 512 MiB task"
        );
        let mut big_container = container("nginx");
        big_container.cpu = Some(16385);
        assert_eq!(
            Placement::of(&definition(vec![big_container])),
            Placement::Unplaceable
        );
        let mut exact = definition(vec![container("nginx")]);
        exact.cpu_units = Some(4096);
        exact.memory_mib = Some(30720);
        assert!(matches!(Placement::of(&exact), Placement::Placeable(_)));
    }
}
