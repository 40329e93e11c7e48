//! The service's deployment in progress, the only one an action may touch.

use super::call;
use crate::actions::{ActionError, InProgress};
use crate::clients::AwsClients;
use crate::layer::Operation;
use crate::model::resource_name;

/// The newest service deployment that is still rolling forward (PENDING or
/// IN_PROGRESS); an error saying what the latest one is doing otherwise.
pub async fn in_progress_deployment(
    clients: &AwsClients,
    cluster: &str,
    service: &str,
) -> Result<InProgress, ActionError> {
    let api = clients.ecs().as_ref();
    let briefs = call(Operation::ListServiceDeployments, || {
        api.list_service_deployments(cluster, service)
    })
    .await?;
    let name = resource_name(service);
    let Some(brief) = briefs
        .iter()
        .find(|brief| brief.status.as_ref().is_some_and(|s| s.is_running()))
    else {
        let latest = briefs
            .first()
            .map(|brief| {
                format!(
                    "; its latest deployment {} is {}",
                    brief
                        .service_deployment_arn
                        .as_deref()
                        .unwrap_or("(no ARN)"),
                    brief
                        .status
                        .as_ref()
                        .map_or("in an unknown state", |s| s.as_str())
                )
            })
            .unwrap_or_else(|| "; it has no deployments".to_owned());
        return Err(ActionError::NothingInProgress(format!(
            "no deployment of service {name} is in progress{latest}"
        )));
    };
    let arn = brief.service_deployment_arn.clone().unwrap_or_default();
    let described = call(Operation::DescribeServiceDeployments, || {
        api.describe_service_deployments(std::slice::from_ref(&arn))
    })
    .await?;
    let deployment = described
        .service_deployments
        .into_iter()
        .find(|sd| sd.service_deployment_arn.as_deref() == Some(arn.as_str()))
        .ok_or_else(|| {
            ActionError::NothingInProgress(format!(
                "service deployment {arn} of service {name} is listed but ECS does not describe it"
            ))
        })?;
    Ok(InProgress {
        service_deployment_arn: arn,
        deployment,
    })
}
