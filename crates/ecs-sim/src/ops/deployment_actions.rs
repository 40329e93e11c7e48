//! ContinueServiceDeployment and StopServiceDeployment: the actions a caller takes on one
//! service deployment. Accepted calls are recorded in [`Model::actions`].
//!
//! Errors, as the operations declare them: an ARN that is not a service deployment ARN →
//! InvalidParameterException; one naming no deployment → ServiceDeploymentNotFoundException.
//! ContinueServiceDeployment: a `hookId` that names no hook of the deployment →
//! InvalidParameterException; a deployment not IN_PROGRESS, or a hook not AWAITING_ACTION →
//! ClientException (the operation declares no ConflictException). StopServiceDeployment: a
//! deployment not IN_PROGRESS, or in CLEAN_UP → ConflictException; stopType ABORT →
//! InvalidParameterException (ECS documents ROLLBACK as the only valid value).

use serde_json::json;

use super::answer;
use crate::model::Model;
use crate::model::actions::RecordedAction;
use crate::model::ids::Ids;
use crate::model::service::Service;
use crate::model::staged::service_deployment_not_found;
use crate::model::strategy::HookAction;
use crate::wire::{EcsError, Fields, arn};

/// Runs `act` on the deployment `serviceDeploymentArn` names, brought up to `now`.
fn with_deployment(
    model: &mut Model,
    deployment_arn: &str,
    now: f64,
    act: impl FnOnce(&mut Service, u64, &mut Ids) -> Result<(), EcsError>,
) -> Result<(), EcsError> {
    let (cluster_name, service_name, token) = arn::parse_service_deployment_arn(deployment_arn)
        .ok_or_else(|| {
            EcsError::invalid_parameter(format!(
                "serviceDeploymentArn: `{deployment_arn}` is not a service deployment ARN \
                 (arn:aws:ecs:<region>:<account>:service-deployment/<cluster>/<service>/<id>)."
            ))
        })?;
    let cluster = model
        .clusters
        .get_mut(&cluster_name)
        .ok_or_else(service_deployment_not_found)?;
    cluster
        .with_service(&service_name, now, &mut model.ids, |service, ids| {
            let number = service
                .deployments
                .iter()
                .find(|d| d.record.as_ref().is_some_and(|r| r.token == token))
                .map(|d| d.number)
                .ok_or_else(service_deployment_not_found)?;
            act(service, number, ids)
        })
        .ok_or_else(service_deployment_not_found)?
}

pub(super) fn continue_deployment(
    model: &mut Model,
    fields: &Fields,
    now: f64,
) -> Result<Vec<u8>, EcsError> {
    let deployment_arn: String = fields.required("serviceDeploymentArn")?;
    let hook_id: String = fields.required("hookId")?;
    let action_name = fields
        .optional::<String>("action")?
        .unwrap_or_else(|| "CONTINUE".to_owned());
    let action = HookAction::parse(&action_name).ok_or_else(|| {
        EcsError::invalid_parameter(format!(
            "action: `{action_name}` is not valid; valid: CONTINUE, ROLLBACK."
        ))
    })?;
    with_deployment(model, &deployment_arn, now, |service, number, ids| {
        service.continue_hook(number, &hook_id, action, now, ids)
    })?;
    model.actions.push(RecordedAction {
        operation: "ContinueServiceDeployment".to_owned(),
        service_deployment_arn: deployment_arn.clone(),
        hook_id: Some(hook_id),
        action: Some(action_name),
        stop_type: None,
        at: now,
    });
    answer(&json!({ "serviceDeploymentArn": deployment_arn }))
}

pub(super) fn stop_deployment(
    model: &mut Model,
    fields: &Fields,
    now: f64,
) -> Result<Vec<u8>, EcsError> {
    let deployment_arn: String = fields.required("serviceDeploymentArn")?;
    let stop_type = fields
        .optional::<String>("stopType")?
        .unwrap_or_else(|| "ROLLBACK".to_owned());
    match stop_type.as_str() {
        "ROLLBACK" => {}
        "ABORT" => {
            return Err(EcsError::invalid_parameter(
                "stopType: ABORT is not supported; the valid value is ROLLBACK.",
            ));
        }
        other => {
            return Err(EcsError::invalid_parameter(format!(
                "stopType: `{other}` is not valid; the valid value is ROLLBACK."
            )));
        }
    }
    with_deployment(model, &deployment_arn, now, |service, number, ids| {
        service.stop_deployment(number, now, ids)
    })?;
    model.actions.push(RecordedAction {
        operation: "StopServiceDeployment".to_owned(),
        service_deployment_arn: deployment_arn.clone(),
        hook_id: None,
        action: None,
        stop_type: Some(stop_type),
        at: now,
    });
    answer(&json!({ "serviceDeploymentArn": deployment_arn }))
}
