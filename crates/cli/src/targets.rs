//! `--service web` or, once per service, `--service web=web:7`: which services to wait for, each with the
//! task definition it should end up serving.

use ecs_watcher::input;

/// One service to wait for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceTarget {
    pub service: String,
    pub task_definition: Option<String>,
    /// The task definition came from `--service NAME=TASK_DEF`, not `--task-definition`.
    per_service: bool,
}

impl ServiceTarget {
    /// The flag the task definition was given with, for error messages.
    pub fn task_definition_field(&self) -> &'static str {
        if self.per_service {
            "--service"
        } else {
            "--task-definition"
        }
    }
}

/// The services of `--service` (repeatable) with their task definitions.
pub fn parse(
    services: &[String],
    task_definition: Option<&str>,
) -> Result<Vec<ServiceTarget>, String> {
    let mut targets: Vec<ServiceTarget> = Vec::new();
    for given in services {
        let (service, per_service) = match given.split_once('=') {
            Some((service, task_definition)) => (service, Some(task_definition)),
            None => (given.as_str(), None),
        };
        input::service("--service", service).map_err(|error| error.to_string())?;
        if let Some(td) = per_service {
            input::task_definition("--service", td).map_err(|error| {
                format!("{error} (in `--service {given}`: NAME=TASK_DEF, e.g. web=web:7)")
            })?;
        }
        if targets.iter().any(|t| t.service == service) {
            return Err(format!(
                "invalid --service `{given}`: service {service} is given twice; give each service once"
            ));
        }
        targets.push(ServiceTarget {
            service: service.to_owned(),
            task_definition: per_service.map(str::to_owned),
            per_service: per_service.is_some(),
        });
    }
    if let Some(td) = task_definition {
        input::task_definition("--task-definition", td).map_err(|error| error.to_string())?;
        match targets.as_mut_slice() {
            [only] if only.task_definition.is_none() => {
                only.task_definition = Some(td.to_owned());
            }
            [only] => {
                return Err(format!(
                    "invalid --task-definition `{td}`: service {} already has its task definition \
                     from --service; give it once",
                    only.service
                ));
            }
            several => {
                return Err(format!(
                    "invalid --task-definition `{td}`: with {} services it would apply to all of \
                     them; give each its own as --service NAME=TASK_DEF (e.g. --service web=web:7)",
                    several.len()
                ));
            }
        }
    }
    Ok(targets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(services: &[&str]) -> Vec<String> {
        services.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn one_service_takes_task_definition_either_way() {
        for (services, td) in [
            (names(&["web"]), Some("web:7")),
            (names(&["web=web:7"]), None),
        ] {
            let targets = parse(&services, td).unwrap();
            assert_eq!(targets.len(), 1);
            assert_eq!(targets[0].service, "web");
            assert_eq!(targets[0].task_definition.as_deref(), Some("web:7"));
        }
        assert_eq!(
            parse(&names(&["web"]), None).unwrap()[0].task_definition,
            None
        );
    }

    #[test]
    fn several_services_take_their_own_task_definitions() {
        let targets = parse(&names(&["web=web:7", "api=api:3", "worker"]), None).unwrap();
        let pairs: Vec<(&str, Option<&str>)> = targets
            .iter()
            .map(|t| (t.service.as_str(), t.task_definition.as_deref()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("web", Some("web:7")),
                ("api", Some("api:3")),
                ("worker", None)
            ]
        );
    }

    #[test]
    fn ambiguous_or_malformed_targets_are_refused_naming_the_flag() {
        for (services, td, expected) in [
            (
                names(&["web", "api"]),
                Some("web:7"),
                "--service NAME=TASK_DEF",
            ),
            (names(&["web=web:7"]), Some("web:8"), "give it once"),
            (names(&["web", "web=web:2"]), None, "given twice"),
            (names(&["web="]), None, "in `--service web=`"),
            (names(&["=web:7"]), None, "invalid --service ``"),
        ] {
            let error = parse(&services, td).unwrap_err();
            assert!(error.contains(expected), "{services:?} {td:?}: {error}");
        }
    }
}
