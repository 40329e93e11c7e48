//! Which deployment to watch: found in `DescribeServices` `deployments[]`, or in
//! the service-deployment history when it already finished before the first look.

use super::super::discovery::{self, Wanted};
use super::super::{ProgressEvent, WaitError};
use super::{Following, Phase, Session, Source, Step, Stop, TargetState};
use crate::model::{ServiceDeployment, ServiceSnapshot};

/// Service revisions examined per look into deployment history.
const MAX_HISTORY_REVISIONS: usize = 20;

impl Session<'_> {
    /// Finds (or re-finds) the target; `Some(step)` ends the tick early.
    pub(super) async fn discover(
        &mut self,
        snapshot: &ServiceSnapshot,
    ) -> Result<Option<Step>, Stop> {
        if let Some(listed) = discovery::find_listed(snapshot, &self.plan.wanted) {
            let current = self.target();
            let is_current =
                current.is_some_and(|t| listed.id.as_deref() == Some(t.deployment_id.as_str()));
            // A newer deployment of the same task definition (force-new-deployment)
            // is the one that decides what the service ends up running.
            let replaces_current = match current {
                None => true,
                Some(current) => {
                    matches!(self.plan.wanted, Wanted::TaskDefinition(_))
                        && !is_current
                        && listed.created_at > current.created_at
                }
            };
            if replaces_current && let Some(id) = listed.id.clone() {
                self.adopt_target(TargetState {
                    deployment_id: id,
                    task_definition: listed.task_definition.clone(),
                    service_deployment_arn: None,
                    created_at: listed.created_at,
                });
            }
            return Ok(None);
        }
        if self.following().is_some() || self.source == Source::DescribeServicesOnly {
            return Ok(None);
        }
        self.find_in_history().await
    }

    /// Follows `target` from now on, with no evidence about it yet.
    fn adopt_target(&mut self, target: TargetState) {
        self.emit(ProgressEvent::DeploymentFound {
            deployment_id: target.deployment_id.clone(),
            task_definition: target.task_definition.clone().unwrap_or_default(),
        });
        self.phase = Phase::Following(Box::new(Following::new(target)));
        self.evidence.stopped.clear();
    }

    /// Deployments `DescribeServices` no longer lists (already finished, e.g.
    /// rolled back before we looked) are only in `ListServiceDeployments`.
    async fn find_in_history(&mut self) -> Result<Option<Step>, Stop> {
        if let Wanted::ServiceDeploymentArn(arn) = &self.plan.wanted {
            return self.find_service_deployment(arn.clone()).await;
        }
        if matches!(self.plan.wanted, Wanted::Current) {
            return Ok(None);
        }
        let answer = self.list_service_deployments().await?;
        let briefs = match answer {
            Ok(briefs) => briefs,
            Err(error) => return self.service_deployments_failed("ListServiceDeployments", error),
        };
        match self.plan.wanted.clone() {
            Wanted::DeploymentId(id) => {
                if let Some(brief) = discovery::correlate(&briefs, &id, None)
                    && let Some(revision) = brief.target_service_revision_arn.clone()
                {
                    let task_definition = self.revision_task_definition(&revision).await?;
                    self.adopt_target(TargetState {
                        deployment_id: id,
                        task_definition,
                        service_deployment_arn: brief.service_deployment_arn.clone(),
                        created_at: brief.created_at,
                    });
                }
            }
            Wanted::TaskDefinition(reference) => {
                for brief in briefs.iter().take(MAX_HISTORY_REVISIONS) {
                    let Some(revision) = brief.target_service_revision_arn.clone() else {
                        continue;
                    };
                    let Some(task_definition) = self.revision_task_definition(&revision).await?
                    else {
                        continue;
                    };
                    if reference.matches(&task_definition)
                        && let Some(id) = discovery::deployment_id_of_revision(&revision)
                    {
                        self.adopt_target(TargetState {
                            deployment_id: id,
                            task_definition: Some(task_definition),
                            service_deployment_arn: brief.service_deployment_arn.clone(),
                            created_at: brief.created_at,
                        });
                        break;
                    }
                }
            }
            Wanted::ServiceDeploymentArn(_) | Wanted::Current => {}
        }
        Ok(None)
    }

    /// A service deployment asked for by ARN: only the service-deployment APIs know it.
    async fn find_service_deployment(&mut self, arn: String) -> Result<Option<Step>, Stop> {
        let answer = self
            .guard(
                "DescribeServiceDeployments",
                self.shared.service_deployments.get((), arn.clone()),
            )
            .await?;
        match answer {
            Ok(Some(deployment)) => {
                self.adopt_service_deployment(&arn, &deployment).await?;
                Ok(None)
            }
            Ok(None) => Ok(None),
            Err(error) => match self.service_deployments_failed("DescribeServiceDeployments", error)? {
                Some(step) => Ok(Some(step)),
                None => Err(WaitError::Api(format!(
                    "cannot follow service deployment {arn}: {}; pass the deployment id (ecs-svc/<number>) instead",
                    self.shared
                        .service_deployments_unavailable()
                        .unwrap_or_else(|| "the service-deployment APIs are unavailable".into())
                ))
                .into()),
            },
        }
    }

    async fn adopt_service_deployment(
        &mut self,
        arn: &str,
        deployment: &ServiceDeployment,
    ) -> Result<(), Stop> {
        let revision = deployment
            .target_service_revision
            .as_ref()
            .and_then(|r| r.arn.clone());
        let Some(id) = revision
            .as_deref()
            .and_then(discovery::deployment_id_of_revision)
        else {
            return Err(WaitError::Api(format!(
                "service deployment {arn} has no target service revision to follow"
            ))
            .into());
        };
        let task_definition = match revision {
            Some(revision) => self.revision_task_definition(&revision).await?,
            None => None,
        };
        self.adopt_target(TargetState {
            deployment_id: id,
            task_definition,
            service_deployment_arn: Some(arn.to_owned()),
            created_at: deployment.created_at,
        });
        if let Some(following) = self.following_mut() {
            following.service_deployment = Some(deployment.clone());
        }
        Ok(())
    }

    /// The task definition of a service revision, from the cache or ECS. Failures
    /// yield `None`: a revision only adds detail.
    pub(super) async fn revision_task_definition(
        &mut self,
        revision_arn: &str,
    ) -> Result<Option<String>, Stop> {
        if let Some(cached) = self.shared.cached_revision(revision_arn) {
            return Ok(Some(cached));
        }
        let answer = self
            .guard(
                "DescribeServiceRevisions",
                self.shared
                    .service_revisions
                    .get((), revision_arn.to_owned()),
            )
            .await?;
        Ok(match answer {
            Ok(Some(revision)) => revision.task_definition.inspect(|td| {
                self.shared.cache_revision(revision_arn, td);
            }),
            Ok(None) | Err(_) => None,
        })
    }
}
