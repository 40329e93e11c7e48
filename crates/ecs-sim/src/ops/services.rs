//! CreateService, UpdateService, DeleteService, DescribeServices and ListServices.

use serde_json::json;

use super::deployment_configuration;
use super::view::{self, Failure, ViewContext};
use super::{AnswerOptions, answer, bounded_list, cluster_field};
use crate::model::Model;
use crate::model::deployment::DeploymentConfig;
use crate::model::service::{
    NewService, Service, ServiceSettings, ServiceStatus, ServiceUpdate, SettingsUpdate,
};
use crate::model::tags;
use crate::wire::{self, EcsError, Fields, arn};

/// Reads the service settings ECS stores and echoes (see [`ServiceSettings`]).
fn settings_update(fields: &Fields) -> Result<SettingsUpdate, EcsError> {
    let grace = match fields.optional::<i64>("healthCheckGracePeriodSeconds")? {
        None => None,
        Some(n) if (0..=i64::from(i32::MAX)).contains(&n) => Some(n as u32),
        Some(n) => {
            return Err(EcsError::invalid_parameter(format!(
                "healthCheckGracePeriodSeconds: {n} is out of range; it must be between 0 and 2147483647."
            )));
        }
    };
    let capacity_provider_strategy = match fields.raw("capacityProviderStrategy") {
        None => None,
        Some(serde_json::Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let provider = item.get("capacityProvider").and_then(|p| p.as_str());
                if provider.is_none_or(str::is_empty) {
                    return Err(EcsError::invalid_parameter(format!(
                        "capacityProviderStrategy[{i}].capacityProvider is required."
                    )));
                }
            }
            Some(serde_json::Value::Array(items.clone()))
        }
        Some(other) => {
            return Err(EcsError::new(
                wire::ErrorCode::Serialization,
                format!("capacityProviderStrategy: expected a list, got {other}"),
            ));
        }
    };
    let one_of = |member: &str, valid: &[&str]| -> Result<Option<String>, EcsError> {
        match fields.optional::<String>(member)? {
            Some(value) if !valid.contains(&value.as_str()) => {
                Err(EcsError::invalid_parameter(format!(
                    "{member}: `{value}` is not valid; use {}.",
                    valid.join(", ")
                )))
            }
            value => Ok(value),
        }
    };
    Ok(SettingsUpdate {
        health_check_grace_period_seconds: grace,
        capacity_provider_strategy,
        enable_execute_command: fields.optional("enableExecuteCommand")?,
        enable_ecs_managed_tags: fields.optional("enableECSManagedTags")?,
        propagate_tags: one_of("propagateTags", &["TASK_DEFINITION", "SERVICE", "NONE"])?,
        availability_zone_rebalancing: one_of(
            "availabilityZoneRebalancing",
            &["ENABLED", "DISABLED"],
        )?,
    })
}

fn desired_count(fields: &Fields) -> Result<Option<u32>, EcsError> {
    match fields.optional::<i64>("desiredCount")? {
        None => Ok(None),
        Some(n) if (0..=i64::from(u32::MAX)).contains(&n) => Ok(Some(n as u32)),
        Some(n) => Err(EcsError::invalid_parameter(format!(
            "desiredCount: {n} is out of range; it must be 0 or more."
        ))),
    }
}

fn task_definition(
    model: &Model,
    fields: &Fields,
) -> Result<Option<std::sync::Arc<crate::model::task_definition::TaskDefinition>>, EcsError> {
    let Some(reference) = fields.optional::<String>("taskDefinition")? else {
        return Ok(None);
    };
    let parsed = arn::task_definition_ref("taskDefinition", &reference)?;
    model
        .task_definitions
        .resolve_active("taskDefinition", &parsed)
        .map(Some)
}

/// The `{"service": ...}` answer of Create/Update/DeleteService.
fn service_answer(model: &Model, cluster: &str, name: &str) -> Result<Vec<u8>, EcsError> {
    let service = model
        .clusters
        .get(cluster)
        .and_then(|c| c.services.get(name))
        .ok_or_else(EcsError::service_not_found)?;
    let ctx = ViewContext {
        arns: &model.arns,
        cluster,
        omit_rollout_state: false,
    };
    let tags = model.tags.view(&service.arn);
    answer(&json!({ "service": with_tags(view::service(&ctx, service), Some(tags)) }))
}

/// A service view with its `tags` member (ECS sends it only when asked for, or when there are some).
fn with_tags(
    service: view::ServiceView,
    tags: Option<Vec<serde_json::Value>>,
) -> serde_json::Value {
    let mut value = serde_json::to_value(service).unwrap_or_default();
    if let (Some(tags), Some(members)) = (tags.filter(|t| !t.is_empty()), value.as_object_mut()) {
        members.insert("tags".to_owned(), serde_json::Value::Array(tags));
    }
    value
}

/// Whether an `include` member asks for `TAGS` (the only value Describe operations accept).
pub(super) fn include_tags(fields: &Fields) -> Result<bool, EcsError> {
    let include: Vec<String> = fields.optional("include")?.unwrap_or_default();
    if let Some(bad) = include.iter().find(|i| i.as_str() != "TAGS") {
        return Err(EcsError::invalid_parameter(format!(
            "include: `{bad}` is not valid; the only value is TAGS."
        )));
    }
    Ok(!include.is_empty())
}

pub(super) fn create_service(
    model: &mut Model,
    fields: &Fields,
    now: f64,
) -> Result<Vec<u8>, EcsError> {
    let cluster_name = cluster_field(fields)?;
    let name: String = fields.required("serviceName")?;
    if !arn::is_valid_name(&name) {
        return Err(EcsError::invalid_parameter(format!(
            "serviceName: `{name}` is not a valid service name; use 1-255 letters, digits, `-` and `_`."
        )));
    }
    let definition = task_definition(model, fields)?.ok_or_else(|| {
        EcsError::invalid_parameter("taskDefinition is required: the simulator starts every service's tasks from one, whatever its deployment controller.")
    })?;
    let controller = match fields.optional::<serde_json::Value>("deploymentController")? {
        None => "ECS".to_owned(),
        Some(controller) => {
            let kind = controller
                .get("type")
                .and_then(|t| t.as_str())
                .unwrap_or("ECS");
            if !["ECS", "CODE_DEPLOY", "EXTERNAL"].contains(&kind) {
                return Err(EcsError::invalid_parameter(format!(
                    "deploymentController.type: `{kind}` is not valid; use ECS, CODE_DEPLOY or EXTERNAL."
                )));
            }
            kind.to_owned()
        }
    };
    if let Some(strategy) = fields.optional::<String>("schedulingStrategy")?
        && strategy != "REPLICA"
    {
        return Err(EcsError::invalid_parameter(format!(
            "schedulingStrategy: `{strategy}` is not supported by the simulator; only `REPLICA` is."
        )));
    }
    let config =
        deployment_configuration::parse(fields, &DeploymentConfig::default())?.unwrap_or_default();
    let desired = desired_count(fields)?.unwrap_or(0);
    let update = settings_update(fields)?;
    let given_launch_type = fields.optional::<String>("launchType")?;
    if given_launch_type.is_some() && update.capacity_provider_strategy.is_some() {
        return Err(EcsError::invalid_parameter(
            "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.",
        ));
    }
    let mut settings = ServiceSettings {
        deployment_controller: controller,
        ..ServiceSettings::default()
    };
    settings.apply(update);
    let tags = tags::parse(fields, "tags")?;
    let launch_type = given_launch_type.unwrap_or_else(|| "FARGATE".to_owned());
    let platform_version = fields
        .optional::<String>("platformVersion")?
        .unwrap_or_else(|| "LATEST".to_owned());
    let network_configuration = fields.raw("networkConfiguration").cloned();
    let service_arn = model.arns.service(&cluster_name, &name);
    let alarms = model.alarms.clone();

    let (cluster, ids) = model.cluster_mut(&cluster_name)?;
    if let Some(existing) = cluster.services.get(&name)
        && existing.status != ServiceStatus::Inactive
    {
        return Err(EcsError::invalid_parameter(
            "Creation of service was not idempotent.",
        ));
    }
    let service = Service::create_with(
        NewService {
            name: name.clone(),
            arn: service_arn,
            task_definition: definition,
            desired_count: desired,
            config,
            launch_type,
            platform_version,
            network_configuration,
            alarms,
        },
        settings,
        ids,
        now,
    );
    let service_arn = service.arn.clone();
    cluster.insert_service(service);
    model.tags.forget(&service_arn);
    model.tags.add(&service_arn, tags)?;
    service_answer(model, &cluster_name, &name)
}

/// The service named by the `service` member, or ServiceNotFoundException.
fn service_field(fields: &Fields) -> Result<String, EcsError> {
    let reference: String = fields.required("service")?;
    arn::service_name("service", &reference)
}

pub(super) fn update_service(
    model: &mut Model,
    fields: &Fields,
    now: f64,
) -> Result<Vec<u8>, EcsError> {
    let cluster_name = cluster_field(fields)?;
    let name = service_field(fields)?;
    let definition = task_definition(model, fields)?;
    let desired = desired_count(fields)?;
    let force_new_deployment = fields
        .optional::<bool>("forceNewDeployment")?
        .unwrap_or(false);
    let network_configuration = fields.raw("networkConfiguration").cloned();
    let settings = settings_update(fields)?;
    let (cluster, ids) = model.cluster_mut(&cluster_name)?;
    let outcome = cluster.with_service(&name, now, ids, |service, ids| {
        if service.status != ServiceStatus::Active {
            return Err(EcsError::service_not_active());
        }
        if definition.is_some() && service.settings.deployment_controller == "CODE_DEPLOY" {
            return Err(EcsError::invalid_parameter(
                "Unable to update task definition on services with a CODE_DEPLOY deployment controller. \
                 Use AWS CodeDeploy to trigger a new deployment.",
            ));
        }
        let config = deployment_configuration::parse(fields, &service.config)?;
        service.update(
            ServiceUpdate {
                desired_count: desired,
                task_definition: definition,
                force_new_deployment,
                config,
                network_configuration,
                settings,
            },
            ids,
            now,
        );
        Ok(())
    });
    outcome.ok_or_else(EcsError::service_not_found)??;
    service_answer(model, &cluster_name, &name)
}

pub(super) fn delete_service(
    model: &mut Model,
    fields: &Fields,
    now: f64,
) -> Result<Vec<u8>, EcsError> {
    let cluster_name = cluster_field(fields)?;
    let name = service_field(fields)?;
    let force = fields.optional::<bool>("force")?.unwrap_or(false);
    let (cluster, ids) = model.cluster_mut(&cluster_name)?;
    let outcome = cluster.with_service(&name, now, ids, |service, ids| {
        if service.status != ServiceStatus::Active {
            // DeleteService declares no ServiceNotActiveException: a deleted service is not found.
            return Err(EcsError::service_not_found());
        }
        if !force && service.desired_count > 0 {
            return Err(EcsError::invalid_parameter(format!(
                "The service cannot be stopped while it is scaled above 0 (desiredCount is {}); \
                 scale it to 0 first or pass force=true.",
                service.desired_count
            )));
        }
        service.delete(ids, now);
        Ok(())
    });
    outcome.ok_or_else(EcsError::service_not_found)??;
    service_answer(model, &cluster_name, &name)
}

pub(super) fn describe_services(
    model: &mut Model,
    fields: &Fields,
    now: f64,
    options: AnswerOptions,
) -> Result<Vec<u8>, EcsError> {
    let cluster_name = cluster_field(fields)?;
    let references = bounded_list(fields, "services", "DescribeServices", 10)?;
    let include_tags = include_tags(fields)?;
    let names = references
        .iter()
        .map(|r| arn::service_name("services", r))
        .collect::<Result<Vec<_>, _>>()?;
    let (cluster, ids) = model.cluster_mut(&cluster_name)?;
    for name in &names {
        cluster.with_service(name, now, ids, |_, _| ());
    }
    let ctx = ViewContext {
        arns: &model.arns,
        cluster: &cluster_name,
        omit_rollout_state: options.omit_rollout_state,
    };
    let cluster = model
        .clusters
        .get(&cluster_name)
        .ok_or_else(EcsError::cluster_not_found)?;
    let mut services = Vec::new();
    let mut failures = Vec::new();
    for name in &names {
        match cluster.services.get(name) {
            Some(service) => {
                let tags = include_tags.then(|| model.tags.view(&service.arn));
                services.push(with_tags(view::service(&ctx, service), tags));
            }
            None => failures.push(Failure::missing(model.arns.service(&cluster_name, name))),
        }
    }
    answer(&json!({ "services": services, "failures": failures }))
}

pub(super) fn list_services(
    model: &mut Model,
    fields: &Fields,
    now: f64,
) -> Result<Vec<u8>, EcsError> {
    let cluster_name = cluster_field(fields)?;
    let max = wire::max_results(fields.optional("maxResults")?, 10, 100)?;
    let start = match fields.optional::<String>("nextToken")? {
        Some(token) => wire::parse_next_token(&token)?,
        None => 0,
    };
    let (cluster, ids) = model.cluster_mut(&cluster_name)?;
    cluster.advance_all(now, ids);
    // ECS lists ACTIVE and DRAINING services, not INACTIVE ones.
    let arns: Vec<&str> = cluster
        .services
        .values()
        .filter(|s| s.status != ServiceStatus::Inactive)
        .map(|s| s.arn.as_str())
        .collect();
    let page: Vec<&str> = arns.iter().skip(start).take(max).copied().collect();
    let next_token =
        (start + page.len() < arns.len()).then(|| wire::next_token(start + page.len()));
    answer(&json!({ "serviceArns": page, "nextToken": next_token }))
}
