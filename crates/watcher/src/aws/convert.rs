//! SDK types → `model` snapshots. Conversion lives here so nothing else in the
//! crate depends on the AWS SDK's types.

use aws_sdk_ecs::types;

use crate::model::{
    AlarmsState, CircuitBreakerState, Deployment, DeploymentConfiguration, DeploymentController,
    LifecycleHookDetail, Rollback, ServiceDeployment, ServiceDeploymentBrief, ServiceEvent,
    ServiceRevision, ServiceRevisionSummary, ServiceSnapshot, StoppedContainer, StoppedTask,
    Timestamp,
};

fn timestamp(value: Option<&aws_smithy_types::DateTime>) -> Option<Timestamp> {
    value
        .and_then(|t| t.to_millis().ok())
        .map(Timestamp::from_epoch_millis)
}

fn owned(value: Option<&str>) -> Option<String> {
    value.map(str::to_owned)
}

/// An ECS state, whether the SDK models it as a string or as its own enum
/// (`as_str` of an SDK enum is the wire text, unknown values included).
fn state<T: for<'t> From<&'t str>>(wire_text: Option<&str>) -> Option<T> {
    wire_text.map(T::from)
}

pub(super) fn service(service: &types::Service) -> ServiceSnapshot {
    ServiceSnapshot {
        service_arn: owned(service.service_arn()),
        service_name: owned(service.service_name()),
        cluster_arn: owned(service.cluster_arn()),
        status: state(service.status()),
        desired_count: service.desired_count(),
        running_count: service.running_count(),
        pending_count: service.pending_count(),
        task_definition: owned(service.task_definition()),
        deployments: service.deployments().iter().map(deployment).collect(),
        events: service.events().iter().map(service_event).collect(),
        deployment_controller: service.deployment_controller().map(|controller| {
            DeploymentController {
                controller_type: state(Some(controller.r#type().as_str())),
            }
        }),
        deployment_configuration: service.deployment_configuration().map(|configuration| {
            DeploymentConfiguration {
                strategy: state(configuration.strategy().map(|s| s.as_str())),
            }
        }),
    }
}

pub(super) fn deployment(deployment: &types::Deployment) -> Deployment {
    Deployment {
        id: owned(deployment.id()),
        status: state(deployment.status()),
        task_definition: owned(deployment.task_definition()),
        desired_count: deployment.desired_count(),
        pending_count: deployment.pending_count(),
        running_count: deployment.running_count(),
        failed_tasks: deployment.failed_tasks(),
        created_at: timestamp(deployment.created_at()),
        updated_at: timestamp(deployment.updated_at()),
        rollout_state: state(deployment.rollout_state().map(|s| s.as_str())),
        rollout_state_reason: owned(deployment.rollout_state_reason()),
    }
}

pub(super) fn service_event(event: &types::ServiceEvent) -> ServiceEvent {
    ServiceEvent {
        id: owned(event.id()),
        created_at: timestamp(event.created_at()),
        message: event.message().unwrap_or_default().to_owned(),
    }
}

fn revision_summary(summary: &types::ServiceRevisionSummary) -> ServiceRevisionSummary {
    ServiceRevisionSummary {
        arn: owned(summary.arn()),
        requested_task_count: summary.requested_task_count(),
        running_task_count: summary.running_task_count(),
        pending_task_count: summary.pending_task_count(),
        requested_test_traffic_weight: summary.requested_test_traffic_weight(),
        requested_production_traffic_weight: summary.requested_production_traffic_weight(),
    }
}

pub(super) fn service_deployment(sd: &types::ServiceDeployment) -> ServiceDeployment {
    ServiceDeployment {
        service_deployment_arn: owned(sd.service_deployment_arn()),
        service_arn: owned(sd.service_arn()),
        cluster_arn: owned(sd.cluster_arn()),
        created_at: timestamp(sd.created_at()),
        started_at: timestamp(sd.started_at()),
        finished_at: timestamp(sd.finished_at()),
        stopped_at: timestamp(sd.stopped_at()),
        updated_at: timestamp(sd.updated_at()),
        source_service_revisions: sd
            .source_service_revisions()
            .iter()
            .map(revision_summary)
            .collect(),
        target_service_revision: sd.target_service_revision().map(revision_summary),
        status: state(sd.status().map(|s| s.as_str())),
        status_reason: owned(sd.status_reason()),
        lifecycle_stage: state(sd.lifecycle_stage().map(|s| s.as_str())),
        lifecycle_hook_details: sd
            .lifecycle_hook_details()
            .iter()
            .map(|hook| LifecycleHookDetail {
                hook_id: owned(hook.hook_id()),
                target_type: state(hook.target_type().map(|t| t.as_str())),
                target_arn: owned(hook.target_arn()),
                status: state(hook.status().map(|s| s.as_str())),
                expires_at: timestamp(hook.expires_at()),
                timeout_action: state(hook.timeout_action().map(|a| a.as_str())),
            })
            .collect(),
        rollback: sd.rollback().map(|r| Rollback {
            reason: owned(r.reason()),
            started_at: timestamp(r.started_at()),
            service_revision_arn: owned(r.service_revision_arn()),
        }),
        deployment_circuit_breaker: sd
            .deployment_circuit_breaker()
            .map(|cb| CircuitBreakerState {
                status: state(cb.status().map(|s| s.as_str())),
                failure_count: cb.failure_count(),
                threshold: cb.threshold(),
            }),
        alarms: sd.alarms().map(|a| AlarmsState {
            status: state(a.status().map(|s| s.as_str())),
            alarm_names: a.alarm_names().to_vec(),
            triggered_alarm_names: a.triggered_alarm_names().to_vec(),
        }),
    }
}

pub(super) fn service_deployment_brief(
    brief: &types::ServiceDeploymentBrief,
) -> ServiceDeploymentBrief {
    ServiceDeploymentBrief {
        service_deployment_arn: owned(brief.service_deployment_arn()),
        service_arn: owned(brief.service_arn()),
        cluster_arn: owned(brief.cluster_arn()),
        created_at: timestamp(brief.created_at()),
        started_at: timestamp(brief.started_at()),
        finished_at: timestamp(brief.finished_at()),
        target_service_revision_arn: owned(brief.target_service_revision_arn()),
        status: state(brief.status().map(|s| s.as_str())),
        status_reason: owned(brief.status_reason()),
    }
}

pub(super) fn service_revision(revision: &types::ServiceRevision) -> ServiceRevision {
    ServiceRevision {
        service_revision_arn: owned(revision.service_revision_arn()),
        task_definition: owned(revision.task_definition()),
        created_at: timestamp(revision.created_at()),
    }
}

pub(super) fn task(task: &types::Task) -> StoppedTask {
    StoppedTask {
        task_arn: task.task_arn().unwrap_or_default().to_owned(),
        stop_code: state(task.stop_code().map(|c| c.as_str())),
        stopped_reason: owned(task.stopped_reason()),
        containers: task
            .containers()
            .iter()
            .map(|c| StoppedContainer {
                name: c.name().unwrap_or_default().to_owned(),
                exit_code: c.exit_code(),
                reason: owned(c.reason()),
            })
            .collect(),
        started_by: owned(task.started_by()),
        task_definition_arn: owned(task.task_definition_arn()),
        stopped_at: timestamp(task.stopped_at()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        DeploymentControllerType, DeploymentStrategy, RolloutState, ServiceStatus, TaskStopCode,
    };

    #[test]
    fn sdk_deployment_converts_field_by_field() {
        let sdk = types::Deployment::builder()
            .id("ecs-svc/1")
            .status("PRIMARY")
            .task_definition("arn:aws:ecs:us-east-1:123456789012:task-definition/web:3")
            .desired_count(2)
            .running_count(1)
            .pending_count(1)
            .failed_tasks(0)
            .rollout_state(types::DeploymentRolloutState::InProgress)
            .rollout_state_reason("ECS deployment ecs-svc/1 in progress.")
            .created_at(aws_smithy_types::DateTime::from_secs(1_714_557_600))
            .build();
        let converted = deployment(&sdk);
        assert_eq!(converted.id.as_deref(), Some("ecs-svc/1"));
        assert_eq!(converted.rollout_state, Some(RolloutState::InProgress));
        assert_eq!((converted.running_count, converted.pending_count), (1, 1));
        assert_eq!(
            converted.created_at,
            Some(Timestamp::from_epoch_millis(1_714_557_600_000))
        );
    }

    #[test]
    fn sdk_service_keeps_its_strategy_and_controller() {
        let sdk = types::Service::builder()
            .service_name("web")
            .status("DRAINING")
            .deployment_controller(
                types::DeploymentController::builder()
                    .r#type(types::DeploymentControllerType::Ecs)
                    .build()
                    .unwrap(),
            )
            .deployment_configuration(
                types::DeploymentConfiguration::builder()
                    .strategy(types::DeploymentStrategy::Linear)
                    .build(),
            )
            .build();
        let converted = service(&sdk);
        assert_eq!(converted.status, Some(ServiceStatus::Draining));
        assert_eq!(converted.strategy(), DeploymentStrategy::Linear);
        assert_eq!(converted.controller(), DeploymentControllerType::Ecs);
        let bare = service(&types::Service::builder().service_name("web").build());
        assert_eq!(bare.strategy(), DeploymentStrategy::Rolling);
        assert_eq!(bare.controller(), DeploymentControllerType::Ecs);
    }

    #[test]
    fn sdk_task_keeps_stop_code_and_container_exit_codes() {
        let sdk = types::Task::builder()
            .task_arn("arn:aws:ecs:us-east-1:123456789012:task/prod/abc")
            .started_by("ecs-svc/1")
            .stop_code(types::TaskStopCode::EssentialContainerExited)
            .stopped_reason("Essential container in task exited")
            .containers(types::Container::builder().name("app").exit_code(1).build())
            .build();
        let converted = task(&sdk);
        assert_eq!(
            converted.stop_code,
            Some(TaskStopCode::EssentialContainerExited)
        );
        assert_eq!(converted.containers[0].exit_code, Some(1));
        assert_eq!(converted.started_by.as_deref(), Some("ecs-svc/1"));
    }
}
