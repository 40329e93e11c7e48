//! Continuing (or rolling back) a deployment paused at a PAUSE lifecycle hook.

use super::{call, in_progress_deployment};
use crate::actions::{ActionError, Continued};
use crate::clients::AwsClients;
use crate::layer::Operation;
use crate::model::{LifecycleHookAction, resource_name};

/// `ContinueServiceDeployment` on the service's deployment in progress, at the
/// hook `hook_id` or, without one, at the only hook awaiting action.
pub async fn continue_paused(
    clients: &AwsClients,
    cluster: &str,
    service: &str,
    hook_id: Option<&str>,
    action: LifecycleHookAction,
) -> Result<Continued, ActionError> {
    let api = clients.ecs().as_ref();
    let name = resource_name(service);
    let in_progress = in_progress_deployment(clients, cluster, service).await?;
    let sd = &in_progress.deployment;
    let awaiting: Vec<&str> = sd
        .awaiting_hooks()
        .filter_map(|hook| hook.hook_id.as_deref())
        .collect();
    let stage = sd
        .lifecycle_stage
        .as_ref()
        .map(|s| format!(" in stage {s}"))
        .unwrap_or_default();
    let chosen = match (hook_id, awaiting.as_slice()) {
        (_, []) => {
            return Err(ActionError::NothingPaused(format!(
                "deployment {} of service {name} is not paused: it is {}{stage}, and no PAUSE \
                 hook awaits action",
                in_progress.service_deployment_arn,
                sd.status
                    .as_ref()
                    .map_or("in an unknown state", |s| s.as_str()),
            )));
        }
        (Some(wanted), hooks) => {
            if !hooks.contains(&wanted) {
                return Err(ActionError::WhichHook(format!(
                    "hook {wanted} is not awaiting action on deployment {}; awaiting: {}",
                    in_progress.service_deployment_arn,
                    hooks.join(", ")
                )));
            }
            wanted
        }
        (None, [only]) => only,
        (None, hooks) => {
            return Err(ActionError::WhichHook(format!(
                "several hooks await action on deployment {}: {}; choose one with --hook-id",
                in_progress.service_deployment_arn,
                hooks.join(", ")
            )));
        }
    };
    call(Operation::ContinueServiceDeployment, || {
        api.continue_service_deployment(&in_progress.service_deployment_arn, chosen, action.clone())
    })
    .await?;
    Ok(Continued {
        service_deployment_arn: in_progress.service_deployment_arn.clone(),
        hook_id: chosen.to_owned(),
        stage: sd.lifecycle_stage.clone(),
        action,
    })
}
