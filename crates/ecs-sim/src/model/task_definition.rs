//! Registered task definitions: the facts the task-behaviour rules read, plus the input echoed back.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::wire::arn::TaskDefinitionRef;
use crate::wire::{EcsError, ErrorCode};

/// One revision of a task definition family.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TaskDefinition {
    pub(crate) arn: String,
    pub(crate) family: String,
    pub(crate) revision: u32,
    pub(crate) registered_at: f64,
    /// Task-level CPU units (`"256"` or `"1 vCPU"` on input).
    pub(crate) cpu_units: Option<u32>,
    /// Task-level memory in MiB (`"512"` or `"1 GB"` on input).
    pub(crate) memory_mib: Option<u32>,
    pub(crate) containers: Vec<ContainerSpec>,
    /// Input members returned unchanged by DescribeTaskDefinition (containerDefinitions,
    /// networkMode, cpu, memory, roles, ...), so a client reads back what it registered.
    pub(crate) echo: Map<String, Value>,
}

/// The parts of a container definition that decide how its tasks behave.
#[derive(Clone, Debug, PartialEq, Default)]
pub(crate) struct ContainerSpec {
    pub(crate) name: String,
    pub(crate) image: String,
    pub(crate) essential: bool,
    pub(crate) command: Vec<String>,
    pub(crate) entry_point: Vec<String>,
    pub(crate) health_check: Option<HealthCheckSpec>,
    /// `SIM_STARTUP_SECONDS` from the container environment.
    pub(crate) startup_seconds: Option<f64>,
    pub(crate) cpu: Option<u32>,
    pub(crate) memory: Option<u32>,
}

/// A container health check, with ECS's optional members kept optional.
#[derive(Clone, Debug, PartialEq, Default)]
pub(crate) struct HealthCheckSpec {
    pub(crate) command: Vec<String>,
    pub(crate) interval: Option<u32>,
    pub(crate) retries: Option<u32>,
    pub(crate) start_period: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContainerInput {
    name: Option<String>,
    image: Option<String>,
    essential: Option<bool>,
    #[serde(default)]
    command: Vec<String>,
    #[serde(default)]
    entry_point: Vec<String>,
    health_check: Option<HealthCheckInput>,
    #[serde(default)]
    environment: Vec<KeyValue>,
    cpu: Option<u32>,
    memory: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HealthCheckInput {
    #[serde(default)]
    command: Vec<String>,
    interval: Option<u32>,
    retries: Option<u32>,
    start_period: Option<u32>,
}

#[derive(Deserialize)]
struct KeyValue {
    name: Option<String>,
    value: Option<String>,
}

/// The environment variable that overrides how long a task stays PENDING.
pub(crate) const STARTUP_SECONDS_VARIABLE: &str = "SIM_STARTUP_SECONDS";

impl ContainerSpec {
    /// Reads `containerDefinitions[index]`.
    pub(crate) fn from_json(index: usize, value: &Value) -> Result<Self, EcsError> {
        let field = format!("containerDefinitions[{index}]");
        let input: ContainerInput = serde_json::from_value(value.clone())
            .map_err(|e| EcsError::new(ErrorCode::Serialization, format!("{field}: {e}")))?;
        let name = input.name.filter(|n| !n.is_empty()).ok_or_else(|| {
            EcsError::client(format!("{field}.name should not be null or empty."))
        })?;
        let image = input.image.filter(|i| !i.is_empty()).ok_or_else(|| {
            EcsError::client(format!("{field}.image should not be null or empty."))
        })?;
        let mut startup_seconds = None;
        for variable in &input.environment {
            if variable.name.as_deref() != Some(STARTUP_SECONDS_VARIABLE) {
                continue;
            }
            let text = variable.value.as_deref().unwrap_or("");
            let seconds: f64 = text
                .trim()
                .parse()
                .ok()
                .filter(|s: &f64| s.is_finite() && *s >= 0.0)
                .ok_or_else(|| {
                    EcsError::client(format!(
                        "{field}.environment {STARTUP_SECONDS_VARIABLE}: `{text}` is not a number \
                         of seconds; expected a non-negative number such as `30` or `0.5`."
                    ))
                })?;
            startup_seconds = Some(seconds);
        }
        Ok(Self {
            name,
            image,
            essential: input.essential.unwrap_or(true),
            command: input.command,
            entry_point: input.entry_point,
            health_check: input.health_check.map(|h| HealthCheckSpec {
                command: h.command,
                interval: h.interval,
                retries: h.retries,
                start_period: h.start_period,
            }),
            startup_seconds,
            cpu: input.cpu,
            memory: input.memory,
        })
    }
}

/// Parses task-level `cpu`: CPU units (`"256"`) or vCPUs (`"1 vCPU"`, `"0.25 vcpu"`).
pub(crate) fn parse_cpu(text: &str) -> Result<u32, EcsError> {
    parse_quantity(text, &["vcpu"], 1024.0).ok_or_else(|| {
        EcsError::client(format!(
            "cpu: `{text}` is not a CPU size; expected CPU units such as `256` or vCPUs such as `1 vCPU`."
        ))
    })
}

/// Parses task-level `memory`: MiB (`"512"`) or GB (`"2 GB"`, `"2GB"`).
pub(crate) fn parse_memory(text: &str) -> Result<u32, EcsError> {
    parse_quantity(text, &["gb"], 1024.0).ok_or_else(|| {
        EcsError::client(format!(
            "memory: `{text}` is not a memory size; expected MiB such as `512` or GB such as `2 GB`."
        ))
    })
}

/// A plain number, or a number followed by one of `units` (case-insensitive) meaning `× factor`.
fn parse_quantity(text: &str, units: &[&str], factor: f64) -> Option<u32> {
    let lower = text.trim().to_ascii_lowercase();
    let (number, scale) = match units.iter().find_map(|u| lower.strip_suffix(u)) {
        Some(number) => (number.trim(), factor),
        None => (lower.as_str(), 1.0),
    };
    let value: f64 = number.parse().ok()?;
    let scaled = value * scale;
    (scaled.is_finite() && scaled > 0.0 && scaled <= f64::from(u32::MAX))
        .then(|| scaled.round() as u32)
}

/// Where a revision is in its life: ACTIVE, INACTIVE after DeregisterTaskDefinition, and
/// DELETE_IN_PROGRESS after DeleteTaskDefinitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RevisionStatus {
    Active,
    Inactive,
    DeleteInProgress,
}

impl RevisionStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RevisionStatus::Active => "ACTIVE",
            RevisionStatus::Inactive => "INACTIVE",
            RevisionStatus::DeleteInProgress => "DELETE_IN_PROGRESS",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct RevisionState {
    pub(crate) status: RevisionStatus,
    pub(crate) deregistered_at: Option<f64>,
    pub(crate) delete_requested_at: Option<f64>,
}

/// Why DeleteTaskDefinitions did not delete a revision (a `failures[]` entry).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DeleteRefusal {
    pub(crate) reason: &'static str,
}

/// Every registered revision, by family.
#[derive(Debug, Default)]
pub(crate) struct TaskDefinitions {
    families: BTreeMap<String, Vec<Arc<TaskDefinition>>>,
    /// By ARN; a revision without an entry is ACTIVE.
    states: std::collections::HashMap<String, RevisionState>,
}

impl TaskDefinitions {
    /// The revision number the next registration of `family` gets.
    pub(crate) fn next_revision(&self, family: &str) -> u32 {
        self.families
            .get(family)
            .map_or(1, |revisions| revisions.len() as u32 + 1)
    }

    pub(crate) fn insert(&mut self, definition: TaskDefinition) -> Arc<TaskDefinition> {
        let definition = Arc::new(definition);
        self.families
            .entry(definition.family.clone())
            .or_default()
            .push(Arc::clone(&definition));
        definition
    }

    pub(crate) fn state(&self, definition: &TaskDefinition) -> RevisionState {
        self.states
            .get(&definition.arn)
            .copied()
            .unwrap_or(RevisionState {
                status: RevisionStatus::Active,
                deregistered_at: None,
                delete_requested_at: None,
            })
    }

    pub(crate) fn status(&self, definition: &TaskDefinition) -> RevisionStatus {
        self.state(definition).status
    }

    /// As [`TaskDefinitions::resolve`], for starting tasks: the revision must be ACTIVE.
    pub(crate) fn resolve_active(
        &self,
        field: &str,
        reference: &TaskDefinitionRef,
    ) -> Result<Arc<TaskDefinition>, EcsError> {
        let definition = self.resolve(field, reference)?;
        match self.status(&definition) {
            RevisionStatus::Active => Ok(definition),
            _ => Err(EcsError::client(format!(
                "TaskDefinition is inactive. ({field} names `{}:{}`.)",
                definition.family, definition.revision
            ))),
        }
    }

    /// DeregisterTaskDefinition: the revision turns INACTIVE (again, if it already was).
    pub(crate) fn deregister(
        &mut self,
        reference: &TaskDefinitionRef,
        now: f64,
    ) -> Result<Arc<TaskDefinition>, EcsError> {
        let TaskDefinitionRef::Revision(..) = reference else {
            return Err(EcsError::client(
                "taskDefinition: give a family and revision (family:revision) or a full ARN; \
                 DeregisterTaskDefinition does not take a family alone.",
            ));
        };
        let definition = self.resolve("taskDefinition", reference)?;
        let state = self.state(&definition);
        if state.status == RevisionStatus::Active {
            self.states.insert(
                definition.arn.clone(),
                RevisionState {
                    status: RevisionStatus::Inactive,
                    deregistered_at: Some(now),
                    delete_requested_at: None,
                },
            );
        }
        Ok(definition)
    }

    /// DeleteTaskDefinitions of one revision: only an INACTIVE one can be deleted.
    pub(crate) fn delete(
        &mut self,
        reference: &TaskDefinitionRef,
        now: f64,
    ) -> Result<Result<Arc<TaskDefinition>, DeleteRefusal>, EcsError> {
        let definition = match self.resolve("taskDefinitions", reference) {
            Ok(definition) => definition,
            Err(_) => {
                return Ok(Err(DeleteRefusal {
                    reason: "The specified task definition does not exist. Specify a valid account, family, revision and try again.",
                }));
            }
        };
        let mut state = self.state(&definition);
        match state.status {
            RevisionStatus::Active => Ok(Err(DeleteRefusal {
                reason: "The specified task definition is still in ACTIVE status. Please deregister the target and try again.",
            })),
            RevisionStatus::Inactive | RevisionStatus::DeleteInProgress => {
                state.status = RevisionStatus::DeleteInProgress;
                state.delete_requested_at.get_or_insert(now);
                self.states.insert(definition.arn.clone(), state);
                Ok(Ok(definition))
            }
        }
    }

    /// Every revision, by family name then revision number.
    pub(crate) fn all(&self) -> impl Iterator<Item = &Arc<TaskDefinition>> {
        self.families.values().flatten()
    }

    /// Family names with their revisions.
    pub(crate) fn families(&self) -> impl Iterator<Item = (&String, &Vec<Arc<TaskDefinition>>)> {
        self.families.iter()
    }

    /// Resolves `family`, `family:revision` or an ARN to a registered revision (a family alone
    /// means its latest ACTIVE revision).
    pub(crate) fn resolve(
        &self,
        field: &str,
        reference: &TaskDefinitionRef,
    ) -> Result<Arc<TaskDefinition>, EcsError> {
        let (family, revision) = match reference {
            TaskDefinitionRef::Latest(family) => (family, None),
            TaskDefinitionRef::Revision(family, revision) => (family, Some(*revision)),
        };
        let Some(revisions) = self.families.get(family) else {
            return Err(EcsError::client(format!(
                "TaskDefinition not found. ({field} names family `{family}`, which has no registered revisions.)"
            )));
        };
        let found = match revision {
            None => revisions
                .iter()
                .rev()
                .find(|d| self.status(d) == RevisionStatus::Active),
            Some(revision) => revisions.iter().find(|d| d.revision == revision),
        };
        found.cloned().ok_or_else(|| match revision {
            Some(revision) => EcsError::client(format!(
                "TaskDefinition not found. ({field} names `{family}:{revision}`, but family `{family}` has revisions 1 to {}.)",
                revisions.len()
            )),
            None => EcsError::client(format!(
                "TaskDefinition not found. ({field} names family `{family}`, which has no ACTIVE revision.)"
            )),
        })
    }
}

/// A revision of family `web` with one essential container `app` running `image` with `command`
/// (256 CPU units, 512 MiB), for the simulator's unit tests.
#[cfg(test)]
pub(crate) fn test_definition(revision: u32, command: &[&str], image: &str) -> TaskDefinition {
    TaskDefinition {
        arn: format!("arn:aws:ecs:us-east-1:123456789012:task-definition/web:{revision}"),
        family: "web".into(),
        revision,
        registered_at: 0.0,
        cpu_units: Some(256),
        memory_mib: Some(512),
        containers: vec![ContainerSpec {
            name: "app".into(),
            image: image.into(),
            essential: true,
            command: command.iter().map(|s| s.to_string()).collect(),
            ..ContainerSpec::default()
        }],
        echo: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn container_defaults_to_essential_and_reads_startup_override() {
        let spec = ContainerSpec::from_json(
            0,
            &json!({"name": "app", "image": "nginx", "environment": [{"name": "SIM_STARTUP_SECONDS", "value": "12"}]}),
        )
        .unwrap();
        assert!(spec.essential);
        assert_eq!(spec.startup_seconds, Some(12.0));
    }

    #[test]
    fn container_errors_name_the_field() {
        let err = ContainerSpec::from_json(2, &json!({"name": "app"})).unwrap_err();
        assert_eq!(
            err.message,
            "containerDefinitions[2].image should not be null or empty."
        );
        let err = ContainerSpec::from_json(
            0,
            &json!({"name": "a", "image": "b", "environment": [{"name": "SIM_STARTUP_SECONDS", "value": "soon"}]}),
        )
        .unwrap_err();
        assert!(err.message.contains("soon") && err.message.contains("SIM_STARTUP_SECONDS"));
    }

    #[test]
    fn cpu_and_memory_accept_both_notations() {
        assert_eq!(parse_cpu("256").unwrap(), 256);
        assert_eq!(parse_cpu("1 vCPU").unwrap(), 1024);
        assert_eq!(parse_cpu(".25 vcpu").unwrap(), 256);
        assert_eq!(parse_memory("2 GB").unwrap(), 2048);
        assert_eq!(parse_memory("2GB").unwrap(), 2048);
        assert_eq!(parse_memory("512").unwrap(), 512);
        assert!(parse_memory("lots").is_err());
    }

    #[test]
    fn resolve_latest_and_specific_revisions() {
        let mut registry = TaskDefinitions::default();
        for revision in 1..=2 {
            registry.insert(TaskDefinition {
                arn: format!("arn:td/web:{revision}"),
                family: "web".into(),
                revision,
                registered_at: 0.0,
                cpu_units: None,
                memory_mib: None,
                containers: vec![],
                echo: Map::new(),
            });
        }
        let latest = registry
            .resolve("taskDefinition", &TaskDefinitionRef::Latest("web".into()))
            .unwrap();
        assert_eq!(latest.revision, 2);
        let first = registry
            .resolve(
                "taskDefinition",
                &TaskDefinitionRef::Revision("web".into(), 1),
            )
            .unwrap();
        assert_eq!(first.revision, 1);
        let err = registry
            .resolve(
                "taskDefinition",
                &TaskDefinitionRef::Revision("web".into(), 9),
            )
            .unwrap_err();
        assert!(
            err.message.starts_with("TaskDefinition not found"),
            "{}",
            err.message
        );
        assert!(err.message.contains("web:9"));
    }
}
