//! Requesting a rollback (`StopServiceDeployment` ROLLBACK) and following it to
//! its end.

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{call, in_progress_deployment};
use crate::actions::{ActionError, FollowOptions, RollbackReport};
use crate::api::{ApiError, CallRole, EcsApi, Recovery, StopType};
use crate::clients::AwsClients;
use crate::layer::Operation;
use crate::model::{
    ServiceDeployment, ServiceDeploymentStatus, deployment_number, revision_number,
};

/// Rolls back the service deployment `arn` a wait watched, if it is still
/// rolling forward.
pub(crate) async fn roll_back_watched(
    clients: &AwsClients,
    arn: &str,
    follow: FollowOptions,
    cancel: &CancellationToken,
) -> RollbackReport {
    let api = clients.ecs().as_ref();
    match describe(api, arn).await {
        Ok(Some(sd)) => roll_back_deployment(clients, &sd, follow, cancel).await,
        Ok(None) => RollbackReport::not_requested(format!(
            "rollback not requested: ECS no longer describes service deployment {arn}"
        )),
        Err(error) => RollbackReport::not_requested(format!("rollback not requested: {error}")),
    }
}

/// The `rollback` command, and `--rollback-on interrupted`: rolls back the
/// service's deployment in progress — only if it is `watched` (a deployment id
/// `ecs-svc/N`), when given.
pub async fn roll_back_in_progress(
    clients: &AwsClients,
    cluster: &str,
    service: &str,
    watched: Option<&str>,
    follow: FollowOptions,
    cancel: &CancellationToken,
) -> Result<RollbackReport, ActionError> {
    let in_progress = in_progress_deployment(clients, cluster, service).await?;
    if let Some(watched) = watched {
        let target_number = in_progress
            .deployment
            .target_service_revision
            .as_ref()
            .and_then(|r| r.arn.as_deref())
            .and_then(revision_number);
        if target_number.is_none() || target_number != deployment_number(watched) {
            return Ok(RollbackReport::not_requested(format!(
                "rollback not requested: the deployment in progress ({}) is not the watched \
                 deployment {watched}",
                in_progress.service_deployment_arn
            )));
        }
    }
    Ok(roll_back_deployment(clients, &in_progress.deployment, follow, cancel).await)
}

/// Requests the rollback of `sd` unless it already ended or is rolling back, then
/// follows it.
pub async fn roll_back_deployment(
    clients: &AwsClients,
    sd: &ServiceDeployment,
    follow: FollowOptions,
    cancel: &CancellationToken,
) -> RollbackReport {
    let api = clients.ecs().as_ref();
    let arn = sd.service_deployment_arn.clone().unwrap_or_default();
    match &sd.status {
        Some(status) if status.is_rollback() => {
            return RollbackReport {
                status: Some(status.clone()),
                ..RollbackReport::not_requested(format!(
                    "rollback not requested: ECS is already rolling back ({status})"
                ))
            };
        }
        Some(status) if !status.is_running() => {
            return RollbackReport {
                status: Some(status.clone()),
                ..RollbackReport::not_requested(format!(
                    "rollback not requested: the deployment already ended ({status})"
                ))
            };
        }
        _ => {}
    }
    let stop = call(Operation::StopServiceDeployment, || {
        api.stop_service_deployment(&arn, StopType::Rollback)
    })
    .await;
    if let Err(error) = stop {
        return RollbackReport::not_requested(format!("rollback not requested: {error}"));
    }
    tracing::info!(service_deployment = %arn, "requested a rollback");
    let mut report = follow_rollback(api, &arn, follow, cancel).await;
    report.requested = true;
    report
}

/// Follows service deployment `arn` until its rollback ends, `follow.timeout`
/// passes, or `cancel` fires (the rollback goes on in ECS either way). A failed
/// look is retried only when [`ApiError::recovery`] says a later one may succeed;
/// one that cannot (access denied) stops following at once, naming the permission.
async fn follow_rollback(
    api: &dyn EcsApi,
    arn: &str,
    follow: FollowOptions,
    cancel: &CancellationToken,
) -> RollbackReport {
    let deadline = Instant::now() + follow.timeout;
    let mut last: Option<ServiceDeployment> = None;
    let mut last_error: Option<ApiError> = None;
    loop {
        let arns = [arn.to_owned()];
        match api.describe_service_deployments(&arns).await.map(|output| {
            output
                .service_deployments
                .into_iter()
                .find(|sd| sd.service_deployment_arn.as_deref() == Some(arn))
        }) {
            Ok(Some(sd)) => {
                let ended = matches!(
                    sd.status,
                    Some(
                        ServiceDeploymentStatus::RollbackSuccessful
                            | ServiceDeploymentStatus::RollbackFailed
                            | ServiceDeploymentStatus::Stopped
                    )
                );
                last = Some(sd);
                last_error = None;
                if ended {
                    break;
                }
            }
            Ok(None) => break,
            Err(error) => {
                let retry = error.recovery(CallRole::Essential) == Recovery::Retry;
                last_error = Some(error);
                if !retry {
                    break;
                }
            }
        }
        let wake = (Instant::now() + follow.poll_interval).min(deadline);
        if Instant::now() >= deadline {
            break;
        }
        tokio::select! {
            biased;
            _ = cancel.cancelled() => break,
            _ = tokio::time::sleep_until(wake) => {}
        }
    }
    let cannot_follow = |error: ApiError| {
        format!(
            "could not follow the rollback: {}",
            ActionError::from_call(Operation::DescribeServiceDeployments, error)
        )
    };
    let Some(sd) = last else {
        return RollbackReport::not_requested(match last_error {
            Some(error) => cannot_follow(error),
            None => format!("ECS does not describe service deployment {arn}"),
        });
    };
    if let Some(error) = last_error
        && error.recovery(CallRole::Essential) != Recovery::Retry
    {
        // Seen once, then denied: say what is known and why following stopped.
        return RollbackReport {
            status: sd.status.clone(),
            ..RollbackReport::not_requested(cannot_follow(error))
        };
    }
    let to_task_definition = rollback_task_definition(api, &sd).await;
    let reason = match &sd.status {
        Some(ServiceDeploymentStatus::RollbackSuccessful) => to_task_definition
            .as_deref()
            .map(|td| format!("rolled back to {}", crate::model::short_task_definition(td)))
            .unwrap_or_else(|| "rolled back".to_owned()),
        Some(ServiceDeploymentStatus::RollbackFailed) => format!(
            "the rollback failed: {}",
            sd.status_reason.as_deref().unwrap_or("no reason given")
        ),
        Some(status) => format!(
            "the rollback is still {status} (stopped following after {})",
            crate::message::human_duration(follow.timeout)
        ),
        None => "the rollback's status is unknown".to_owned(),
    };
    RollbackReport {
        requested: false,
        status: sd.status.clone(),
        to_task_definition,
        reason,
    }
}

async fn describe(api: &dyn EcsApi, arn: &str) -> Result<Option<ServiceDeployment>, ActionError> {
    let arns = [arn.to_owned()];
    let output = call(Operation::DescribeServiceDeployments, || {
        api.describe_service_deployments(&arns)
    })
    .await?;
    Ok(output
        .service_deployments
        .into_iter()
        .find(|sd| sd.service_deployment_arn.as_deref() == Some(arn)))
}

/// The task definition of the revision the rollback went back to.
async fn rollback_task_definition(api: &dyn EcsApi, sd: &ServiceDeployment) -> Option<String> {
    let revision = sd
        .rollback
        .as_ref()
        .and_then(|r| r.service_revision_arn.clone())
        .or_else(|| {
            sd.source_service_revisions
                .first()
                .and_then(|r| r.arn.clone())
        })?;
    // Enrichment (CallRole::Optional): without it the report just names no revision.
    let revisions = api
        .describe_service_revisions(std::slice::from_ref(&revision))
        .await
        .ok()?;
    revisions
        .into_iter()
        .find(|r| r.service_revision_arn.as_deref() == Some(revision.as_str()))
        .and_then(|r| r.task_definition)
}
