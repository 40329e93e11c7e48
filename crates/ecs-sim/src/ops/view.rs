//! Wire shapes of ECS output structures, built from the model.
//!
//! Member names and enum strings follow the ECS API reference exactly; checked against the
//! aws-sdk-ecs deserialisers (schema member names) so the SDK parses every field.

use serde::Serialize;
use serde_json::{Value, json};

pub(crate) use super::deployment_configuration::DeploymentConfigurationView;
use crate::model::deployment::{Deployment, ServiceDeploymentRecord};
use crate::model::events::ServiceEvent;
use crate::model::ids::uuid_shaped;
use crate::model::service::Service;
use crate::model::task::{LastStatus, Task};
use crate::wire::arn::Arns;
use crate::wire::timestamp;

const PLATFORM_VERSION: &str = "1.4.0";
const PLATFORM_FAMILY: &str = "Linux";

/// What a reader of the views needs besides the model object itself.
pub(crate) struct ViewContext<'a> {
    pub(crate) arns: &'a Arns,
    pub(crate) cluster: &'a str,
    /// The `omit_rollout_state` fault: answer like an endpoint that predates rolloutState.
    pub(crate) omit_rollout_state: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Failure {
    pub(crate) arn: String,
    pub(crate) reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) detail: Option<String>,
}

impl Failure {
    pub(crate) fn missing(arn: String) -> Self {
        Self {
            arn,
            reason: "MISSING".to_owned(),
            detail: None,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeploymentView {
    id: String,
    status: &'static str,
    task_definition: String,
    desired_count: u32,
    pending_count: u32,
    running_count: u32,
    failed_tasks: u32,
    created_at: f64,
    updated_at: f64,
    #[serde(flatten)]
    platform: RevisionPlatform,
    #[serde(skip_serializing_if = "Option::is_none")]
    network_configuration: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rollout_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rollout_state_reason: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EventView {
    id: String,
    created_at: f64,
    message: String,
}

impl From<&ServiceEvent> for EventView {
    fn from(event: &ServiceEvent) -> Self {
        Self {
            id: event.id.clone(),
            created_at: timestamp(event.created_at),
            message: event.message.clone(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RevisionSummaryView {
    arn: String,
    requested_task_count: u32,
    running_task_count: u32,
    pending_task_count: u32,
}

pub(crate) fn revision_summary(
    ctx: &ViewContext,
    service: &Service,
    deployment: &Deployment,
) -> RevisionSummaryView {
    let (running, pending) = service.task_counts(Some(deployment.number));
    RevisionSummaryView {
        arn: ctx
            .arns
            .service_revision(ctx.cluster, &service.name, deployment.number),
        requested_task_count: service.reported_desired_count(deployment),
        running_task_count: running,
        pending_task_count: pending,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServiceView {
    service_arn: String,
    service_name: String,
    cluster_arn: String,
    load_balancers: [Value; 0],
    service_registries: [Value; 0],
    status: &'static str,
    desired_count: u32,
    running_count: u32,
    pending_count: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    launch_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    capacity_provider_strategy: Option<Value>,
    platform_version: String,
    platform_family: &'static str,
    task_definition: String,
    deployment_configuration: DeploymentConfigurationView,
    deployments: Vec<DeploymentView>,
    events: Vec<EventView>,
    created_at: f64,
    placement_constraints: [Value; 0],
    placement_strategy: [Value; 0],
    #[serde(skip_serializing_if = "Option::is_none")]
    network_configuration: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    health_check_grace_period_seconds: Option<u32>,
    scheduling_strategy: &'static str,
    deployment_controller: Value,
    created_by: String,
    #[serde(rename = "enableECSManagedTags")]
    enable_ecs_managed_tags: bool,
    propagate_tags: String,
    enable_execute_command: bool,
    availability_zone_rebalancing: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_service_deployment: Option<String>,
    current_service_revisions: Vec<RevisionSummaryView>,
}

/// `launchType`, which ECS leaves out when the service uses a capacity provider strategy.
fn launch_type_of(service: &Service, launch_type: &str) -> Option<String> {
    service
        .settings
        .capacity_provider_strategy
        .is_none()
        .then(|| launch_type.to_owned())
}

/// Where a deployment's (a service revision's) tasks run, as its DescribeServices entry and its
/// DescribeServiceRevisions answer both say it, in the same place among their members.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RevisionPlatform {
    #[serde(skip_serializing_if = "Option::is_none")]
    launch_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    capacity_provider_strategy: Option<Value>,
    platform_version: &'static str,
    platform_family: &'static str,
}

impl RevisionPlatform {
    fn of(service: &Service, deployment: &Deployment) -> Self {
        Self {
            launch_type: launch_type_of(service, &deployment.launch_type),
            capacity_provider_strategy: service.settings.capacity_provider_strategy.clone(),
            platform_version: PLATFORM_VERSION,
            platform_family: PLATFORM_FAMILY,
        }
    }
}

pub(crate) fn service(ctx: &ViewContext, service: &Service) -> ServiceView {
    let (running_count, pending_count) = service.task_counts(None);
    let primary_number = service.primary().map(|p| p.number);
    // PRIMARY first, then the older ACTIVE ones, newest first (as ECS orders them).
    let deployments = service
        .deployments
        .iter()
        .rev()
        .filter(|d| d.listed)
        .map(|d| deployment(ctx, service, d, Some(d.number) == primary_number))
        .collect();
    let current_service_deployment = service
        .deployments
        .iter()
        .rev()
        .find_map(|d| d.record.as_ref())
        .map(|r| {
            ctx.arns
                .service_deployment(ctx.cluster, &service.name, &r.token)
        });
    let current_service_revisions = service
        .deployments
        .iter()
        .filter(|d| d.listed && service.live_tasks.iter().any(|t| t.deployment == d.number))
        .map(|d| revision_summary(ctx, service, d))
        .collect();
    ServiceView {
        service_arn: service.arn.clone(),
        service_name: service.name.clone(),
        cluster_arn: ctx.arns.cluster(ctx.cluster),
        load_balancers: [],
        service_registries: [],
        status: service.status.as_str(),
        desired_count: service.desired_count,
        running_count,
        pending_count,
        launch_type: launch_type_of(service, &service.launch_type),
        capacity_provider_strategy: service.settings.capacity_provider_strategy.clone(),
        platform_version: service.platform_version.clone(),
        platform_family: PLATFORM_FAMILY,
        task_definition: service.task_definition.arn.clone(),
        deployment_configuration: (&service.config).into(),
        deployments,
        events: service.events.iter().map(EventView::from).collect(),
        created_at: timestamp(service.created_at),
        placement_constraints: [],
        placement_strategy: [],
        network_configuration: service.network_configuration.clone(),
        health_check_grace_period_seconds: service.settings.health_check_grace_period_seconds,
        scheduling_strategy: "REPLICA",
        deployment_controller: json!({"type": service.settings.deployment_controller}),
        created_by: ctx.arns.caller_role(),
        enable_ecs_managed_tags: service.settings.enable_ecs_managed_tags,
        propagate_tags: service.settings.propagate_tags.clone(),
        enable_execute_command: service.settings.enable_execute_command,
        availability_zone_rebalancing: service.settings.availability_zone_rebalancing.clone(),
        current_service_deployment,
        current_service_revisions,
    }
}

fn deployment(
    ctx: &ViewContext,
    service: &Service,
    deployment: &Deployment,
    is_primary: bool,
) -> DeploymentView {
    let (running, pending) = service.task_counts(Some(deployment.number));
    let (rollout_state, rollout_state_reason) = if ctx.omit_rollout_state {
        (None, None)
    } else {
        (
            Some(deployment.rollout_state.as_str()),
            Some(deployment.rollout_reason.clone()),
        )
    };
    DeploymentView {
        id: deployment.id(),
        status: if is_primary { "PRIMARY" } else { "ACTIVE" },
        task_definition: deployment.task_definition.arn.clone(),
        desired_count: service.reported_desired_count(deployment),
        pending_count: pending,
        running_count: running,
        failed_tasks: deployment.failed_tasks,
        created_at: timestamp(deployment.created_at),
        updated_at: timestamp(deployment.updated_at),
        platform: RevisionPlatform::of(service, deployment),
        network_configuration: deployment.network_configuration.clone(),
        rollout_state,
        rollout_state_reason,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContainerView {
    container_arn: String,
    task_arn: String,
    name: String,
    image: String,
    last_status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    exit_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    health_status: &'static str,
    network_interfaces: Vec<Value>,
    network_bindings: [Value; 0],
}

/// The elastic network interface ECS attaches to every Fargate (awsvpc) task, derived from the
/// task id so it stays the same across calls.
struct Eni {
    attachment_id: String,
    interface_id: String,
    mac: String,
    ip: String,
}

impl Eni {
    fn of(task_id: &str) -> Self {
        let hex: String = task_id
            .chars()
            .chain(std::iter::repeat('0'))
            .take(32)
            .collect();
        let byte = |i: usize| u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).unwrap_or(0);
        Self {
            attachment_id: uuid_shaped(&hex),
            interface_id: format!("eni-{}", &hex[15..32]),
            mac: format!(
                "0a:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
                byte(1),
                byte(2),
                byte(3),
                byte(4),
                byte(5)
            ),
            ip: format!("10.0.{}.{}", byte(6), byte(7).max(4)),
        }
    }

    fn attachment(&self, status: LastStatus, subnet: &str, region: &str) -> Value {
        let state = match status {
            LastStatus::Provisioning => "PRECREATED",
            LastStatus::Pending | LastStatus::Running => "ATTACHED",
            LastStatus::Deprovisioning => "DETACHING",
            LastStatus::Stopped => "DELETED",
        };
        let dns = format!("ip-{}.{region}.compute.internal", self.ip.replace('.', "-"));
        json!({
            "id": self.attachment_id,
            "type": "ElasticNetworkInterface",
            "status": state,
            "details": [
                {"name": "subnetId", "value": subnet},
                {"name": "networkInterfaceId", "value": self.interface_id},
                {"name": "macAddress", "value": self.mac},
                {"name": "privateDnsName", "value": dns},
                {"name": "privateIPv4Address", "value": self.ip},
            ],
        })
    }
}

/// The first subnet of a service's `awsvpcConfiguration`, as the task's ENI is placed there.
fn subnet_of(network_configuration: Option<&Value>) -> String {
    network_configuration
        .and_then(|n| n.pointer("/awsvpcConfiguration/subnets/0"))
        .and_then(Value::as_str)
        .unwrap_or("subnet-00000000000000000")
        .to_owned()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TaskView {
    task_arn: String,
    cluster_arn: String,
    task_definition_arn: String,
    group: String,
    started_by: String,
    last_status: &'static str,
    desired_status: &'static str,
    health_status: &'static str,
    created_at: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    connectivity: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    connectivity_at: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pull_started_at: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pull_stopped_at: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    started_at: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stopping_at: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    execution_stopped_at: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped_at: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stop_code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped_reason: Option<String>,
    containers: Vec<ContainerView>,
    launch_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    cpu: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    memory: Option<String>,
    availability_zone: String,
    platform_version: &'static str,
    platform_family: &'static str,
    version: i64,
    attachments: Vec<Value>,
    tags: [Value; 0],
    overrides: Value,
}

pub(crate) fn task(ctx: &ViewContext, service: &Service, task: &Task, now: f64) -> TaskView {
    let task_arn = ctx.arns.task(ctx.cluster, &task.id);
    let status = task.last_status(now);
    let reached = |at: f64| (now >= at).then(|| timestamp(at));
    let running_at = task
        .running_at
        .filter(|&at| now >= at && task.stop.as_ref().is_none_or(|s| at <= s.stopping_at));
    let stop = task.stop.as_ref();
    let pull_stopped_at = running_at.or_else(|| {
        task.planned_failure
            .as_ref()
            .map(|f| f.at)
            .filter(|_| stop.is_some())
    });
    let on_fargate = service.launch_type != "EC2" && service.launch_type != "EXTERNAL";
    let eni = on_fargate.then(|| Eni::of(&task.id));
    let network_interfaces = || match (&eni, status) {
        (Some(eni), LastStatus::Pending | LastStatus::Running | LastStatus::Deprovisioning) => {
            vec![json!({"attachmentId": eni.attachment_id, "privateIpv4Address": eni.ip})]
        }
        _ => Vec::new(),
    };
    let containers = task
        .containers(now)
        .into_iter()
        .map(|c| ContainerView {
            container_arn: ctx.arns.container(ctx.cluster, &task.id, &c.container_id),
            task_arn: task_arn.clone(),
            name: c.name,
            image: c.image,
            last_status: c.last_status,
            exit_code: c.exit_code,
            reason: c.reason,
            health_status: c.health_status,
            network_interfaces: network_interfaces(),
            network_bindings: [],
        })
        .collect();
    // `version` counts the status changes the task went through, as ECS's does.
    let version = 1
        + i64::from(now >= task.pending_at)
        + i64::from(running_at.is_some())
        + i64::from(matches!(
            status,
            LastStatus::Deprovisioning | LastStatus::Stopped
        ))
        + i64::from(status == LastStatus::Stopped);
    TaskView {
        task_arn,
        cluster_arn: ctx.arns.cluster(ctx.cluster),
        task_definition_arn: task.task_definition.arn.clone(),
        group: format!("service:{}", service.name),
        started_by: crate::model::deployment::deployment_id(task.deployment),
        last_status: status.as_str(),
        desired_status: task.desired_status(),
        health_status: task.health_status(now),
        created_at: timestamp(task.created_at),
        connectivity: (now >= task.pending_at).then_some("CONNECTED"),
        connectivity_at: reached(task.pending_at),
        pull_started_at: reached(task.pending_at),
        pull_stopped_at: pull_stopped_at.map(timestamp),
        started_at: running_at.map(timestamp),
        stopping_at: stop.map(|s| timestamp(s.stopping_at)),
        execution_stopped_at: stop.map(|s| timestamp(s.stopping_at)),
        stopped_at: stop.and_then(|s| reached(s.stopped_at)),
        stop_code: task.stop_code(),
        stopped_reason: task.stopped_reason(),
        containers,
        launch_type: service.launch_type.clone(),
        cpu: task.task_definition.cpu_units.map(|c| c.to_string()),
        memory: task.task_definition.memory_mib.map(|m| m.to_string()),
        availability_zone: format!("{}a", ctx.arns.region()),
        platform_version: PLATFORM_VERSION,
        platform_family: PLATFORM_FAMILY,
        version,
        attachments: eni
            .iter()
            .map(|eni| {
                let deployment = service.deployment(task.deployment);
                let network = deployment
                    .and_then(|d| d.network_configuration.as_ref())
                    .or(service.network_configuration.as_ref());
                eni.attachment(status, &subnet_of(network), ctx.arns.region())
            })
            .collect(),
        tags: [],
        overrides: json!({"containerOverrides": [], "inferenceAcceleratorOverrides": []}),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RollbackView {
    reason: String,
    started_at: f64,
    service_revision_arn: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServiceDeploymentCircuitBreakerView {
    status: &'static str,
    failure_count: u32,
    threshold: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServiceDeploymentView {
    #[serde(flatten)]
    identity: ServiceDeploymentIdentity,
    #[serde(skip_serializing_if = "Option::is_none")]
    finished_at: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped_at: Option<f64>,
    updated_at: f64,
    source_service_revisions: Vec<RevisionSummaryView>,
    target_service_revision: RevisionSummaryView,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_reason: Option<String>,
    deployment_configuration: DeploymentConfigurationView,
    #[serde(skip_serializing_if = "Option::is_none")]
    rollback: Option<RollbackView>,
    deployment_circuit_breaker: ServiceDeploymentCircuitBreakerView,
}

/// What a ServiceDeployment and its brief both say about which deployment it is, and when it began.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ServiceDeploymentIdentity {
    service_deployment_arn: String,
    service_arn: String,
    cluster_arn: String,
    created_at: f64,
    started_at: f64,
}

impl ServiceDeploymentIdentity {
    fn of(
        ctx: &ViewContext,
        service: &Service,
        deployment: &Deployment,
        record: &ServiceDeploymentRecord,
    ) -> Self {
        Self {
            service_deployment_arn: ctx.arns.service_deployment(
                ctx.cluster,
                &service.name,
                &record.token,
            ),
            service_arn: service.arn.clone(),
            cluster_arn: ctx.arns.cluster(ctx.cluster),
            created_at: timestamp(deployment.created_at),
            started_at: timestamp(record.started_at),
        }
    }
}

/// The ServiceDeployment of a requested deployment; `None` for rollback deployments.
pub(crate) fn service_deployment(
    ctx: &ViewContext,
    service: &Service,
    deployment: &Deployment,
) -> Option<ServiceDeploymentView> {
    let record = deployment.record.as_ref()?;
    let source_service_revisions = record
        .source_revisions
        .iter()
        .filter_map(|&n| service.deployment(n))
        .map(|d| revision_summary(ctx, service, d))
        .collect();
    Some(ServiceDeploymentView {
        identity: ServiceDeploymentIdentity::of(ctx, service, deployment, record),
        finished_at: record.finished_at.map(timestamp),
        stopped_at: record.stopped_at.map(timestamp),
        // The record changes after the deployment itself stops changing (e.g. when its rollback
        // completes), so the latest of both is when it was last updated.
        updated_at: timestamp(
            [
                record.finished_at,
                record.stopped_at,
                record.rollback.as_ref().map(|r| r.started_at),
            ]
            .into_iter()
            .flatten()
            .fold(deployment.updated_at, f64::max),
        ),
        source_service_revisions,
        target_service_revision: revision_summary(ctx, service, deployment),
        status: record.status.as_str(),
        status_reason: record.status_reason.clone(),
        deployment_configuration: (&deployment.config).into(),
        rollback: record.rollback.as_ref().map(|r| RollbackView {
            reason: r.reason.clone(),
            started_at: timestamp(r.started_at),
            service_revision_arn: ctx
                .arns
                .service_revision(ctx.cluster, &service.name, r.revision),
        }),
        deployment_circuit_breaker: ServiceDeploymentCircuitBreakerView {
            status: deployment.circuit_breaker_status(),
            failure_count: deployment.failed_tasks,
            threshold: deployment.circuit_breaker_threshold(),
        },
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServiceDeploymentBriefView {
    #[serde(flatten)]
    identity: ServiceDeploymentIdentity,
    #[serde(skip_serializing_if = "Option::is_none")]
    finished_at: Option<f64>,
    target_service_revision_arn: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_reason: Option<String>,
}

pub(crate) fn service_deployment_brief(
    ctx: &ViewContext,
    service: &Service,
    deployment: &Deployment,
) -> Option<ServiceDeploymentBriefView> {
    let record = deployment.record.as_ref()?;
    Some(ServiceDeploymentBriefView {
        identity: ServiceDeploymentIdentity::of(ctx, service, deployment, record),
        finished_at: record.finished_at.or(record.stopped_at).map(timestamp),
        target_service_revision_arn: ctx.arns.service_revision(
            ctx.cluster,
            &service.name,
            deployment.number,
        ),
        status: record.status.as_str(),
        status_reason: record.status_reason.clone(),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContainerImageView {
    container_name: String,
    image: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServiceRevisionView {
    service_revision_arn: String,
    service_arn: String,
    cluster_arn: String,
    task_definition: String,
    #[serde(flatten)]
    platform: RevisionPlatform,
    load_balancers: [Value; 0],
    service_registries: [Value; 0],
    #[serde(skip_serializing_if = "Option::is_none")]
    network_configuration: Option<Value>,
    container_images: Vec<ContainerImageView>,
    guard_duty_enabled: bool,
    created_at: f64,
}

pub(crate) fn service_revision(
    ctx: &ViewContext,
    service: &Service,
    deployment: &Deployment,
) -> ServiceRevisionView {
    ServiceRevisionView {
        service_revision_arn: ctx.arns.service_revision(
            ctx.cluster,
            &service.name,
            deployment.number,
        ),
        service_arn: service.arn.clone(),
        cluster_arn: ctx.arns.cluster(ctx.cluster),
        task_definition: deployment.task_definition.arn.clone(),
        platform: RevisionPlatform::of(service, deployment),
        load_balancers: [],
        service_registries: [],
        network_configuration: deployment.network_configuration.clone(),
        container_images: deployment
            .task_definition
            .containers
            .iter()
            .map(|c| ContainerImageView {
                container_name: c.name.clone(),
                image: c.image.clone(),
            })
            .collect(),
        guard_duty_enabled: false,
        created_at: timestamp(deployment.created_at),
    }
}
