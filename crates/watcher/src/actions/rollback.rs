//! Requesting a rollback (`StopServiceDeployment` ROLLBACK) and following it to
//! its end.

use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{ActionError, RollbackReport, in_progress_deployment};
use crate::api::{ApiError, EcsApi, StopType};
use crate::model::{
    ServiceDeployment, ServiceDeploymentStatus, deployment_number, revision_number,
};
use crate::watch::{Outcome, WaitReport};

/// How long and how often to follow a rollback once requested.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FollowOptions {
    /// Stop following after this long (the rollback itself goes on). Default 10 minutes.
    pub timeout: Duration,
    pub poll_interval: Duration,
}

impl Default for FollowOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(600),
            poll_interval: Duration::from_secs(2),
        }
    }
}

/// `--rollback-on`: rolls back the deployment `report` watched, if that is safe
/// and possible. The report's verdict is not changed; the answer says what the
/// rollback did, or why it was not requested.
pub async fn roll_back_watched(
    api: &dyn EcsApi,
    report: &WaitReport,
    follow: FollowOptions,
    cancel: &CancellationToken,
) -> RollbackReport {
    if report.outcome == Outcome::RolledBack {
        return RollbackReport::not_requested("ECS already rolled the deployment back");
    }
    if report.outcome == Outcome::Completed {
        return RollbackReport::not_requested("the deployment completed");
    }
    let Some(arn) = &report.service_deployment_arn else {
        let why = if report.used_fallback {
            "this endpoint has no service-deployment APIs (the wait followed DescribeServices \
             alone), so there is no service deployment to stop"
        } else if report.deployment_id.is_none() {
            "the watched deployment was never found"
        } else {
            "the watched deployment's service deployment was not found"
        };
        return RollbackReport::not_requested(format!("rollback not requested: {why}"));
    };
    match describe(api, arn).await {
        Ok(Some(sd)) => roll_back_deployment(api, &sd, follow, cancel).await,
        Ok(None) => RollbackReport::not_requested(format!(
            "rollback not requested: ECS no longer describes service deployment {arn}"
        )),
        Err(error) => RollbackReport::not_requested(format!(
            "rollback not requested: {}",
            ActionError::from_call("DescribeServiceDeployments", error)
        )),
    }
}

/// The `rollback` command, and `--rollback-on interrupted`: rolls back the
/// service's deployment in progress — only if it is `watched` (a deployment id
/// `ecs-svc/N`), when given.
pub async fn roll_back_in_progress(
    api: &dyn EcsApi,
    cluster: &str,
    service: &str,
    watched: Option<&str>,
    follow: FollowOptions,
    cancel: &CancellationToken,
) -> Result<RollbackReport, ActionError> {
    let in_progress = in_progress_deployment(api, cluster, service).await?;
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
    Ok(roll_back_deployment(api, &in_progress.deployment, follow, cancel).await)
}

/// Requests the rollback of `sd` unless it already ended or is rolling back, then
/// follows it.
pub async fn roll_back_deployment(
    api: &dyn EcsApi,
    sd: &ServiceDeployment,
    follow: FollowOptions,
    cancel: &CancellationToken,
) -> RollbackReport {
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
    if let Err(error) = api.stop_service_deployment(&arn, StopType::Rollback).await {
        return RollbackReport::not_requested(format!(
            "rollback not requested: {}",
            ActionError::from_call("StopServiceDeployment", error)
        ));
    }
    tracing::info!(service_deployment = %arn, "requested a rollback");
    let mut report = follow_rollback(api, &arn, follow, cancel).await;
    report.requested = true;
    report
}

/// Follows service deployment `arn` until its rollback ends, `follow.timeout`
/// passes, or `cancel` fires (the rollback goes on in ECS either way).
pub async fn follow_rollback(
    api: &dyn EcsApi,
    arn: &str,
    follow: FollowOptions,
    cancel: &CancellationToken,
) -> RollbackReport {
    let deadline = Instant::now() + follow.timeout;
    let mut last: Option<ServiceDeployment> = None;
    let mut last_error: Option<ApiError> = None;
    loop {
        match describe(api, arn).await {
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
            Err(error) => last_error = Some(error),
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
    let Some(sd) = last else {
        return RollbackReport::not_requested(match last_error {
            Some(error) => format!("could not follow the rollback: {error}"),
            None => format!("ECS does not describe service deployment {arn}"),
        });
    };
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

async fn describe(api: &dyn EcsApi, arn: &str) -> Result<Option<ServiceDeployment>, ApiError> {
    let arns = [arn.to_owned()];
    let output = api.describe_service_deployments(&arns).await?;
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
    let revisions = api
        .describe_service_revisions(std::slice::from_ref(&revision))
        .await
        .ok()?;
    revisions
        .into_iter()
        .find(|r| r.service_revision_arn.as_deref() == Some(revision.as_str()))
        .and_then(|r| r.task_definition)
}
