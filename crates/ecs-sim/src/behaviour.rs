//! The task-behaviour rules: how a task launched from a task definition will behave.
//!
//! Real ECS runs the container; the simulator reads the task definition instead and decides,
//! once per deployment, what every task of it will do. The rules (documented in the crate docs
//! and `ecs-sim --help`) are deliberately keyed on things people really write when they want a
//! broken deployment: `/bin/false`, `exit 1`, an image that does not exist, too much memory.

use crate::model::task_definition::{ContainerSpec, TaskDefinition};

/// Seconds a task spends PROVISIONING before it turns PENDING.
pub const PROVISIONING_SECONDS: f64 = 2.0;
/// Seconds a task spends PENDING before RUNNING, unless `SIM_STARTUP_SECONDS` says otherwise.
pub const DEFAULT_PENDING_SECONDS: f64 = 5.0;
/// Seconds after entering PENDING at which an image pull gives up.
pub const IMAGE_PULL_FAILURE_SECONDS: f64 = 3.0;
/// Seconds after RUNNING at which a failing essential container exits.
pub const ESSENTIAL_EXIT_SECONDS: f64 = 2.0;
/// Seconds after RUNNING at which a passing health check reports HEALTHY, if no startPeriod is given.
pub const DEFAULT_HEALTHY_AFTER_SECONDS: f64 = 10.0;
/// ECS's health check defaults.
pub const DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS: u32 = 30;
pub const DEFAULT_HEALTH_CHECK_RETRIES: u32 = 3;
/// Seconds a stopping task spends DEPROVISIONING before it is STOPPED.
pub const DEPROVISIONING_SECONDS: f64 = 2.0;
/// Largest task or container size a (simulated) Fargate host can take.
pub const MAX_PLACEABLE_MEMORY_MIB: u32 = 30720;
pub const MAX_PLACEABLE_CPU_UNITS: u32 = 16384;

/// Whether tasks of a task definition can be placed at all.
#[derive(Clone, Debug, PartialEq)]
pub enum Placement {
    Placeable(LaunchPlan),
    /// Too big for any host: no task ever starts, and this is not a failed task.
    Unplaceable,
}

/// What every task of a deployment will do.
#[derive(Clone, Debug, PartialEq)]
pub struct LaunchPlan {
    /// Seconds spent PENDING (before RUNNING, or before the pull failure).
    pub pending_seconds: f64,
    pub outcome: Outcome,
    pub health: Health,
}

/// How a task ends if the scheduler does not stop it first.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
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
pub enum Health {
    /// No container health check: `healthStatus` stays UNKNOWN (as in ECS) and the scheduler
    /// treats the task as healthy as soon as it is RUNNING.
    NoCheck,
    /// HEALTHY this many seconds after RUNNING.
    HealthyAfter(f64),
    /// Never HEALTHY (a failing health check).
    NeverHealthy,
}

impl Placement {
    /// Applies the behaviour rules to a task definition.
    pub fn of(definition: &TaskDefinition) -> Placement {
        if too_big(definition) {
            return Placement::Unplaceable;
        }
        let containers = &definition.containers;
        let pending_seconds = containers
            .iter()
            .filter_map(|c| c.startup_seconds)
            .reduce(f64::max)
            .unwrap_or(DEFAULT_PENDING_SECONDS);
        let health = health_of(containers);
        let outcome = outcome_of(containers);
        Placement::Placeable(LaunchPlan {
            pending_seconds,
            outcome,
            health,
        })
    }
}

fn too_big(definition: &TaskDefinition) -> bool {
    let memory_too_big = |m: Option<u32>| m.is_some_and(|m| m > MAX_PLACEABLE_MEMORY_MIB);
    let cpu_too_big = |c: Option<u32>| c.is_some_and(|c| c > MAX_PLACEABLE_CPU_UNITS);
    memory_too_big(definition.memory_mib)
        || cpu_too_big(definition.cpu_units)
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
pub fn image_missing(image: &str) -> bool {
    image.contains("does-not-exist") || image.contains("nonexistent")
}

/// A container whose command (or entry point) exits non-zero immediately.
fn exits_at_once(container: &ContainerSpec) -> bool {
    let is_false =
        |args: &[String]| matches!(args, [only] if only == "/bin/false" || only == "false");
    is_false(&container.command)
        || is_false(&container.entry_point)
        || contains_exit_1(&container.command.join(" "))
        || contains_exit_1(&container.entry_point.join(" "))
}

/// A health check command that can never pass.
fn is_failing_command(command: &[String]) -> bool {
    let text = command.join(" ");
    text.contains("/bin/false") || contains_exit_1(&text)
}

/// `exit 1` as a command, not `exit 10`.
fn contains_exit_1(text: &str) -> bool {
    text.match_indices("exit 1").any(|(at, found)| {
        !text[at + found.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    })
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
    fn bin_false_and_exit_1_exit_but_exit_10_does_not() {
        for command in [
            vec!["/bin/false"],
            vec!["false"],
            vec!["sh", "-c", "sleep 1; exit 1"],
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
        let mut c = container("app:1");
        c.command = vec!["sh".into(), "-c".into(), "exit 10".into()];
        assert_eq!(plan(vec![c]).outcome, Outcome::KeepsRunning);
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
    fn oversized_tasks_cannot_be_placed() {
        let mut big = definition(vec![container("nginx")]);
        big.memory_mib = Some(30721);
        assert_eq!(Placement::of(&big), Placement::Unplaceable);
        let mut big_container = container("nginx");
        big_container.cpu = Some(16385);
        assert_eq!(
            Placement::of(&definition(vec![big_container])),
            Placement::Unplaceable
        );
        let mut exact = definition(vec![container("nginx")]);
        exact.memory_mib = Some(30720);
        assert!(matches!(Placement::of(&exact), Placement::Placeable(_)));
    }
}
