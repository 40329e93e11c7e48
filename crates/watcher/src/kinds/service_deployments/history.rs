//! Deployments `DescribeServices` no longer lists (already finished, e.g. rolled
//! back before the first look) are only in `ListServiceDeployments`; a service
//! deployment asked for by ARN only the service-deployment APIs know.

use super::{
    Follow, list_service_deployments, revision_task_definition, service_deployments_failed,
};
use crate::kinds::Look;
use crate::layer::Operation;
use crate::model::ServiceDeployment;
use crate::watch::WaitError;
use crate::watch::session::{Core, Stop, TargetState};
use crate::watch::wanted::{self, Wanted};

/// Service revisions examined per look into deployment history.
const MAX_HISTORY_REVISIONS: usize = 20;

impl Follow {
    /// Looks for the wanted deployment among the service's past deployments.
    pub(super) async fn find_in_history(&mut self, core: &mut Core<'_>) -> Result<Look, Stop> {
        if let Wanted::ServiceDeploymentArn(arn) = &core.plan.wanted {
            let arn = arn.clone();
            return self.find_service_deployment(core, arn).await;
        }
        if matches!(core.plan.wanted, Wanted::Current) {
            return Ok(Look::Go);
        }
        let briefs = match list_service_deployments(core).await? {
            Ok(briefs) => briefs,
            Err(error) => {
                return Ok(service_deployments_failed(
                    core,
                    Operation::ListServiceDeployments,
                    error,
                ));
            }
        };
        match core.plan.wanted.clone() {
            Wanted::DeploymentId(id) => {
                if let Some(brief) = wanted::correlate(&briefs, &id, None)
                    && let Some(revision) = brief.target_service_revision_arn.clone()
                {
                    let task_definition = revision_task_definition(core, &revision).await?;
                    self.adopt(
                        core,
                        TargetState {
                            deployment_id: id,
                            task_definition,
                            service_deployment_arn: brief.service_deployment_arn.clone(),
                            created_at: brief.created_at,
                        },
                    );
                }
            }
            Wanted::TaskDefinition(reference) => {
                for brief in briefs.iter().take(MAX_HISTORY_REVISIONS) {
                    let Some(revision) = brief.target_service_revision_arn.clone() else {
                        continue;
                    };
                    let Some(task_definition) = revision_task_definition(core, &revision).await?
                    else {
                        continue;
                    };
                    if reference.matches(&task_definition)
                        && let Some(id) = wanted::deployment_id_of_revision(&revision)
                    {
                        self.adopt(
                            core,
                            TargetState {
                                deployment_id: id,
                                task_definition: Some(task_definition),
                                service_deployment_arn: brief.service_deployment_arn.clone(),
                                created_at: brief.created_at,
                            },
                        );
                        break;
                    }
                }
            }
            Wanted::ServiceDeploymentArn(_) | Wanted::Current => {}
        }
        Ok(Look::Go)
    }

    fn adopt(&mut self, core: &mut Core<'_>, target: TargetState) {
        core.adopt_target(target);
        self.forget_target();
    }

    /// A service deployment asked for by ARN.
    async fn find_service_deployment(
        &mut self,
        core: &mut Core<'_>,
        arn: String,
    ) -> Result<Look, Stop> {
        let answer = core
            .guard(
                Operation::DescribeServiceDeployments,
                core.shared.service_deployments.get((), arn.clone()),
            )
            .await?;
        match answer {
            Ok(Some(deployment)) => {
                self.adopt_service_deployment(core, &arn, &deployment)
                    .await?;
                Ok(Look::Go)
            }
            Ok(None) => Ok(Look::Go),
            Err(error) => {
                match service_deployments_failed(core, Operation::DescribeServiceDeployments, error)
                {
                    Look::FellBack(reason) => Err(WaitError::Api(format!(
                        "cannot follow service deployment {arn}: {reason}; pass the deployment \
                         id (ecs-svc/<number>) instead"
                    ))
                    .into()),
                    look => Ok(look),
                }
            }
        }
    }

    async fn adopt_service_deployment(
        &mut self,
        core: &mut Core<'_>,
        arn: &str,
        deployment: &ServiceDeployment,
    ) -> Result<(), Stop> {
        let revision = deployment
            .target_service_revision
            .as_ref()
            .and_then(|r| r.arn.clone());
        let Some(id) = revision
            .as_deref()
            .and_then(wanted::deployment_id_of_revision)
        else {
            return Err(WaitError::Api(format!(
                "service deployment {arn} has no target service revision to follow"
            ))
            .into());
        };
        let task_definition = match revision {
            Some(revision) => revision_task_definition(core, &revision).await?,
            None => None,
        };
        self.adopt(
            core,
            TargetState {
                deployment_id: id,
                task_definition,
                service_deployment_arn: Some(arn.to_owned()),
                created_at: deployment.created_at,
            },
        );
        self.service_deployment = Some(deployment.clone());
        Ok(())
    }
}
