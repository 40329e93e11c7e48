//! `Read` (pulumi refresh): does the service still serve the task definition this resource waited for?
//!
//! A pure function over one `DescribeServices` answer, so drift is easy to test: a later rollback or someone
//! else's deploy shows as a changed `status`/`outcome`/`primaryTaskDef`, a deleted service as a deleted
//! resource. A deployment of the desired task definition that is still rolling out keeps the recorded verdict:
//! refresh reports what is certain, not a guess.

use ecs_watcher::Outcome;
use ecs_watcher::api::DescribeServicesOutput;
use ecs_watcher::input;
use ecs_watcher::model::{Deployment, ServiceSnapshot, short_task_definition};

use crate::resource::{WaitResults, WaitState};

/// What refresh found.
#[derive(Clone, Debug, PartialEq)]
pub enum Refreshed {
    /// The service no longer exists (or is INACTIVE): the resource is gone.
    Gone,
    Results(WaitResults),
}

pub fn refresh(state: &WaitState, described: &DescribeServicesOutput) -> Refreshed {
    let service = described
        .services
        .iter()
        .find(|s| s.is_identified_by(&state.args.service_name));
    let Some(service) = service else {
        return Refreshed::Gone;
    };
    if service.status.as_deref() == Some("INACTIVE") {
        return Refreshed::Gone;
    }
    Refreshed::Results(refreshed_results(state, service))
}

fn refreshed_results(state: &WaitState, service: &ServiceSnapshot) -> WaitResults {
    let old = &state.results;
    let service_name = &state.args.service_name;
    let primary = service.primary_deployment();
    let primary_task_def = primary
        .and_then(|p| p.task_definition.clone())
        .or_else(|| service.task_definition.clone())
        .or_else(|| old.primary_task_def.clone());
    let verdict = |outcome: Outcome, failure_message: String| WaitResults {
        status: outcome.status().to_string(),
        failure_message,
        outcome,
        deployment_id: old.deployment_id.clone(),
        primary_task_def: primary_task_def.clone(),
        elapsed_seconds: old.elapsed_seconds,
    };
    let unchanged = || WaitResults {
        primary_task_def: primary_task_def.clone(),
        ..old.clone()
    };

    if service.status.as_deref() == Some("DRAINING") {
        return verdict(
            Outcome::Failed,
            format!("service {service_name} is DRAINING (it is being deleted)"),
        );
    }
    let Some(primary) = primary else {
        return unchanged();
    };
    let Some(running) = primary.task_definition.as_deref() else {
        return unchanged();
    };

    if serves_desired(&state.args.desired_task_def, running) {
        match primary.rollout_state.as_deref() {
            Some("COMPLETED") => verdict(Outcome::Completed, String::new()),
            Some("FAILED") => verdict(Outcome::Failed, rollout_reason(primary, "rollout FAILED")),
            None if completed_without_rollout_state(service, primary) => {
                verdict(Outcome::Completed, String::new())
            }
            _ => unchanged(),
        }
    } else {
        let rolled_back = primary
            .rollout_state_reason
            .as_deref()
            .is_some_and(|r| r.contains("rolling back"))
            || old.outcome == Outcome::RolledBack;
        let outcome = if rolled_back {
            Outcome::RolledBack
        } else {
            Outcome::Failed
        };
        let mut message = format!(
            "service {service_name} now serves {} instead of {}",
            short_task_definition(running),
            short_task_definition(&state.args.desired_task_def)
        );
        if let Some(reason) = primary
            .rollout_state_reason
            .as_deref()
            .filter(|r| !r.is_empty())
        {
            message.push_str(&format!(" ({reason})"));
        }
        verdict(outcome, message)
    }
}

/// The watcher's own matching rule: a full ARN exactly, `family:revision` by the ARN's suffix.
fn serves_desired(desired: &str, running: &str) -> bool {
    match input::task_definition("desiredTaskDef", desired) {
        Ok(reference) => reference.matches(running),
        Err(_) => desired == running,
    }
}

/// Old endpoints omit rolloutState: then "done" means only this deployment is left, at full strength.
fn completed_without_rollout_state(service: &ServiceSnapshot, primary: &Deployment) -> bool {
    service.deployments.len() == 1
        && primary.pending_count == 0
        && primary.running_count == primary.desired_count
}

fn rollout_reason(deployment: &Deployment, fallback: &str) -> String {
    deployment
        .rollout_state_reason
        .clone()
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| fallback.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::properties::{PropertyMap, string_value};
    use crate::resource::WaitArgs;

    const TD2: &str = "arn:aws:ecs:ap-southeast-2:291971919224:task-definition/news-thewest-pr713-web-app-task-definition:2";
    const TD3: &str = "arn:aws:ecs:ap-southeast-2:291971919224:task-definition/news-thewest-pr713-web-app-task-definition:3";

    fn completed_state() -> WaitState {
        let mut values = PropertyMap::new();
        values.insert("clusterName".into(), string_value("prod"));
        values.insert("serviceName".into(), string_value("web"));
        values.insert("desiredTaskDef".into(), string_value(TD3));
        WaitState {
            args: WaitArgs::decode(&values).unwrap(),
            results: WaitResults {
                status: "COMPLETED".into(),
                failure_message: String::new(),
                outcome: Outcome::Completed,
                deployment_id: Some("ecs-svc/1281894607538416024".into()),
                primary_task_def: Some(TD3.into()),
                elapsed_seconds: 42.0,
            },
        }
    }

    /// DescribeServices output in the shape of the npm package's README.
    fn described(json: &str) -> DescribeServicesOutput {
        let service: ServiceSnapshot = serde_json::from_str(json).unwrap();
        DescribeServicesOutput {
            services: vec![service],
            failures: vec![],
        }
    }

    fn results(refreshed: Refreshed) -> WaitResults {
        match refreshed {
            Refreshed::Results(results) => results,
            Refreshed::Gone => panic!("expected results, got Gone"),
        }
    }

    #[test]
    fn still_serving_the_desired_task_definition_is_no_drift() {
        let json = format!(
            r#"{{"serviceName":"web","status":"ACTIVE","deployments":[{{"status":"PRIMARY","taskDefinition":"{TD3}",
            "rolloutState":"COMPLETED","rolloutStateReason":"ECS deployment ecs-svc/1281894607538416024 completed."}}]}}"#
        );
        let state = completed_state();
        assert_eq!(results(refresh(&state, &described(&json))), state.results);
    }

    #[test]
    fn a_later_rollback_shows_as_rolled_back_drift() {
        let json = format!(
            r#"{{"serviceName":"web","status":"ACTIVE","deployments":[{{"status":"PRIMARY","taskDefinition":"{TD2}",
            "rolloutState":"IN_PROGRESS",
            "rolloutStateReason":"ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/6405940160831029548."}}]}}"#
        );
        let refreshed = results(refresh(&completed_state(), &described(&json)));
        assert_eq!(refreshed.outcome, Outcome::RolledBack);
        assert_eq!(refreshed.status, "FAILED");
        assert_eq!(refreshed.primary_task_def.as_deref(), Some(TD2));
        assert!(
            refreshed
                .failure_message
                .contains("now serves news-thewest-pr713-web-app-task-definition:2")
        );
    }

    #[test]
    fn someone_elses_deploy_shows_as_failed_drift() {
        let json = format!(
            r#"{{"serviceName":"web","status":"ACTIVE","deployments":[{{"status":"PRIMARY","taskDefinition":"{TD2}",
            "rolloutState":"COMPLETED","rolloutStateReason":"ECS deployment ecs-svc/99 completed."}}]}}"#
        );
        let refreshed = results(refresh(&completed_state(), &described(&json)));
        assert_eq!(refreshed.outcome, Outcome::Failed);
        assert_eq!(
            refreshed.deployment_id.as_deref(),
            Some("ecs-svc/1281894607538416024")
        );
    }

    #[test]
    fn a_failed_rollout_of_the_desired_task_definition_is_failed() {
        let json = format!(
            r#"{{"serviceName":"web","status":"ACTIVE","deployments":[{{"status":"PRIMARY","taskDefinition":"{TD3}",
            "rolloutState":"FAILED","rolloutStateReason":"ECS deployment circuit breaker: tasks failed to start."}}]}}"#
        );
        let refreshed = results(refresh(&completed_state(), &described(&json)));
        assert_eq!(refreshed.outcome, Outcome::Failed);
        assert_eq!(
            refreshed.failure_message,
            "ECS deployment circuit breaker: tasks failed to start."
        );
    }

    #[test]
    fn a_rollout_still_in_progress_keeps_the_recorded_verdict() {
        let json = format!(
            r#"{{"serviceName":"web","status":"ACTIVE","deployments":[{{"status":"PRIMARY","taskDefinition":"{TD3}",
            "rolloutState":"IN_PROGRESS"}},{{"status":"ACTIVE","taskDefinition":"{TD2}","rolloutState":"COMPLETED"}}]}}"#
        );
        let state = completed_state();
        assert_eq!(results(refresh(&state, &described(&json))), state.results);
    }

    #[test]
    fn missing_or_inactive_services_are_gone() {
        let state = completed_state();
        assert_eq!(
            refresh(&state, &DescribeServicesOutput::default()),
            Refreshed::Gone
        );
        let inactive = described(r#"{"serviceName":"web","status":"INACTIVE","deployments":[]}"#);
        assert_eq!(refresh(&state, &inactive), Refreshed::Gone);
    }

    #[test]
    fn family_revision_inputs_match_full_arns() {
        let mut state = completed_state();
        state.args.desired_task_def = "news-thewest-pr713-web-app-task-definition:3".into();
        let json = format!(
            r#"{{"serviceName":"web","status":"ACTIVE","deployments":[{{"status":"PRIMARY","taskDefinition":"{TD3}",
            "desiredCount":2,"runningCount":2}}]}}"#
        );
        let refreshed = results(refresh(&state, &described(&json)));
        assert_eq!(
            refreshed.outcome,
            Outcome::Completed,
            "no rolloutState: one deployment at full strength"
        );
    }
}
