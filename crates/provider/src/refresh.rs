//! `Read` (pulumi refresh): does the service still serve the task definition this resource waited for?
//!
//! One `DescribeServices` answer is turned into an [`Observation`] and judged by the watcher's own verdict
//! for what `DescribeServices` alone shows ([`ecs_watcher::kinds::describe_services::assess`], the wait kind
//! that follows a deployment that way), so refresh and the wait can never disagree about what a rollback, a
//! deletion or a completion looks like. A later rollback or someone else's deploy shows as a changed
//! `status`/`outcome`/`primaryTaskDef`, a deleted service as a deleted resource. A deployment of the desired
//! task definition that is still rolling out keeps the recorded verdict: refresh reports what is certain, not
//! a guess.

use std::collections::HashMap;

use ecs_watcher::Outcome;
use ecs_watcher::api::DescribeServicesOutput;
use ecs_watcher::input;
use ecs_watcher::kinds::describe_services::assess;
use ecs_watcher::message;
use ecs_watcher::model::{
    Deployment, DeploymentStatus, RolloutState, ServiceSnapshot, ServiceStatus,
};
use ecs_watcher::verdict::{Assessment, Observation, Target};

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
    match service {
        None => Refreshed::Gone,
        Some(service) if service.status == Some(ServiceStatus::Inactive) => Refreshed::Gone,
        Some(service) => Refreshed::Results(refreshed_results(state, &named_deployments(service))),
    }
}

fn refreshed_results(state: &WaitState, service: &ServiceSnapshot) -> WaitResults {
    let old = &state.results;
    let desired = &state.args.desired_task_def;
    let primary_task_def = service
        .primary_deployment()
        .and_then(|p| p.task_definition.clone())
        .or_else(|| service.task_definition.clone())
        .or_else(|| old.primary_task_def.clone());
    let serving_desired = |d: &&Deployment| {
        d.task_definition
            .as_deref()
            .is_some_and(|td| serves_desired(desired, td))
    };
    // The deployment of the desired task definition if the service still lists it; otherwise the one this
    // resource recorded, as it was when the wait ended.
    let listed = service
        .deployments
        .iter()
        .filter(serving_desired)
        .max_by_key(|d| (d.is_primary(), d.created_at));
    let recorded = recorded_deployment(state);
    let target = Target {
        service_name: state.args.service_name.clone(),
        deployment_id: listed
            .and_then(|d| d.id.clone())
            .or_else(|| old.deployment_id.clone()),
        task_definition: Some(
            listed
                .and_then(|d| d.task_definition.clone())
                .unwrap_or_else(|| desired.clone()),
        ),
        desired_task_definition: input::task_definition("desiredTaskDef", desired).ok(),
        // Stopped tasks are not looked at on refresh.
        max_task_failures: 0,
        peak_desired_count: 0,
        wait_until: Default::default(),
    };
    let no_revisions = HashMap::new();
    let observation = Observation {
        service: Some(service),
        service_deployment: None,
        last_seen_target: listed.is_none().then_some(&recorded),
        stopped_tasks: &[],
        revision_task_definitions: &no_revisions,
        stage_reached: None,
    };
    let verdict = |outcome: Outcome, failure_message: String| WaitResults {
        status: outcome.status().to_string(),
        failure_message,
        outcome,
        deployment_id: old.deployment_id.clone(),
        primary_task_def: primary_task_def.clone(),
        elapsed_seconds: old.elapsed_seconds,
        // A refresh looks at DescribeServices only: stages and hooks are as the wait saw them.
        lifecycle_stage: old.lifecycle_stage.clone(),
        paused_hook_id: old.paused_hook_id.clone(),
        rollback_status: old.rollback_status.clone(),
    };
    // When the service runs something else, say so: that is the drift a refresh shows.
    let drift_message = |reason: String| match service.primary_deployment() {
        Some(primary)
            if primary
                .task_definition
                .as_deref()
                .is_some_and(|td| !serves_desired(desired, td)) =>
        {
            message::now_serves(
                &state.args.service_name,
                primary.task_definition.as_deref().unwrap_or_default(),
                desired,
                primary.rollout_state_reason.as_deref(),
            )
        }
        _ => reason,
    };
    match assess(&observation, &target) {
        Assessment::Completed => verdict(Outcome::Completed, String::new()),
        Assessment::Failed { reason } | Assessment::NotFound { reason } => {
            verdict(Outcome::Failed, drift_message(reason))
        }
        Assessment::RolledBack { reason, .. } => {
            verdict(Outcome::RolledBack, drift_message(reason))
        }
        // A refresh asks for "deployed" only, so a checkpoint cannot come back; if
        // it did, it would say nothing new about the recorded result.
        Assessment::Pending(_) | Assessment::TimedOut | Assessment::Checkpoint(_) => WaitResults {
            primary_task_def,
            ..old.clone()
        },
    }
}

/// The watcher's own matching rule: a full ARN exactly, `family:revision` by the ARN's suffix.
fn serves_desired(desired: &str, running: &str) -> bool {
    match input::task_definition("desiredTaskDef", desired) {
        Ok(reference) => reference.matches(running),
        Err(_) => desired == running,
    }
}

/// The deployment this resource waited for, as the wait last saw it: what tells a rollback of it from a
/// replacement once ECS no longer lists it.
fn recorded_deployment(state: &WaitState) -> Deployment {
    let (rollout_state, reason) = match state.results.outcome {
        Outcome::Completed => (RolloutState::Completed, None),
        Outcome::Failed | Outcome::RolledBack => (
            RolloutState::Failed,
            Some(state.results.failure_message.clone()),
        ),
        Outcome::TimedOut => (RolloutState::InProgress, None),
    };
    Deployment {
        id: state.results.deployment_id.clone(),
        status: Some(DeploymentStatus::Primary),
        task_definition: Some(state.args.desired_task_def.clone()),
        rollout_state: Some(rollout_state),
        rollout_state_reason: reason,
        ..Deployment::default()
    }
}

/// Deployments without an id (emulators, trimmed fixtures) get one by position, so the verdict can tell
/// the one this resource waited for from the others.
fn named_deployments(service: &ServiceSnapshot) -> ServiceSnapshot {
    let mut named = service.clone();
    for (index, deployment) in named.deployments.iter_mut().enumerate() {
        deployment
            .id
            .get_or_insert_with(|| format!("(unnamed deployment {index})"));
    }
    named
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
                lifecycle_stage: None,
                paused_hook_id: None,
                rollback_status: None,
            },
        }
    }

    /// DescribeServices output in the shape of the npm package's README.
    fn described(json: &str) -> DescribeServicesOutput {
        let service: ServiceSnapshot = serde_json::from_str(json).unwrap();
        DescribeServicesOutput {
            services: vec![service],
        }
    }

    /// A service whose one deployment is PRIMARY on `task_definition`, `rollout_state` for `reason`.
    fn one_primary(
        task_definition: &str,
        rollout_state: &str,
        reason: &str,
    ) -> DescribeServicesOutput {
        described(&format!(
            r#"{{"serviceName":"web","status":"ACTIVE","deployments":[{{"status":"PRIMARY",
            "taskDefinition":"{task_definition}","rolloutState":"{rollout_state}",
            "rolloutStateReason":"{reason}"}}]}}"#
        ))
    }

    fn results(refreshed: Refreshed) -> WaitResults {
        match refreshed {
            Refreshed::Results(results) => results,
            Refreshed::Gone => panic!("expected results, got Gone"),
        }
    }

    #[test]
    fn still_serving_the_desired_task_definition_is_no_drift() {
        let state = completed_state();
        assert_eq!(
            results(refresh(
                &state,
                &one_primary(
                    TD3,
                    "COMPLETED",
                    "ECS deployment ecs-svc/1281894607538416024 completed."
                )
            )),
            state.results
        );
    }

    #[test]
    fn a_later_rollback_shows_as_rolled_back_drift() {
        let refreshed = results(refresh(
            &completed_state(),
            &one_primary(
                TD2,
                "IN_PROGRESS",
                "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/6405940160831029548.",
            ),
        ));
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
        let refreshed = results(refresh(
            &completed_state(),
            &one_primary(TD2, "COMPLETED", "ECS deployment ecs-svc/99 completed."),
        ));
        assert_eq!(refreshed.outcome, Outcome::Failed);
        assert_eq!(
            refreshed.deployment_id.as_deref(),
            Some("ecs-svc/1281894607538416024")
        );
    }

    #[test]
    fn a_failed_rollout_of_the_desired_task_definition_is_failed() {
        let refreshed = results(refresh(
            &completed_state(),
            &one_primary(
                TD3,
                "FAILED",
                "ECS deployment circuit breaker: tasks failed to start.",
            ),
        ));
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
