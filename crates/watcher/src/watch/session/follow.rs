//! Following the target: its service deployment kept fresh through
//! `DescribeServiceDeployments`, or `DescribeServices` alone once the newer APIs
//! proved unavailable.

use super::super::ProgressEvent;
use super::super::discovery;
use super::{Session, Source, Step, Stop};
use crate::api::ApiResult;
use crate::model::ServiceDeploymentBrief;

/// `ListServiceDeployments` look-ups per target before following it with
/// `DescribeServices` alone (ECS may list a fresh deployment a moment late).
const MAX_SERVICE_DEPLOYMENT_LOOKUPS: u32 = 3;

/// What a `ListServiceDeployments` look-up for the target gave.
enum Lookup {
    Found(String),
    /// Not listed (yet), out of look-ups, or the APIs fell back: no service
    /// deployment this tick.
    Nothing,
    /// The call failed transiently: end the tick with a retry.
    Retry,
}

impl Session<'_> {
    /// Refreshes the target's service deployment unless in fallback mode.
    pub(super) async fn refresh_service_deployment(&mut self) -> Result<Option<Step>, Stop> {
        if self.source == Source::DescribeServicesOnly {
            return Ok(None);
        }
        let Some(following) = self.following() else {
            return Ok(None);
        };
        let arn = match following.target.service_deployment_arn.clone() {
            Some(arn) => arn,
            None => match self.look_up_service_deployment().await? {
                Lookup::Found(arn) => arn,
                Lookup::Nothing => return Ok(None),
                Lookup::Retry => return Ok(Some(Step::Retry)),
            },
        };
        let answer = self
            .guard(
                "DescribeServiceDeployments",
                self.shared.service_deployments.get((), arn),
            )
            .await?;
        match answer {
            Ok(found) => {
                if let Some(following) = self.following_mut() {
                    following.service_deployment = found;
                }
            }
            Err(error) => {
                return self.service_deployments_failed("DescribeServiceDeployments", error);
            }
        }
        self.resolve_rollback_revisions().await?;
        Ok(None)
    }

    /// The target's service-deployment ARN from `ListServiceDeployments`, within
    /// the look-up allowance.
    async fn look_up_service_deployment(&mut self) -> Result<Lookup, Stop> {
        let Some(following) = self.following_mut() else {
            return Ok(Lookup::Nothing);
        };
        if following.service_deployment_lookups >= MAX_SERVICE_DEPLOYMENT_LOOKUPS {
            return Ok(Lookup::Nothing);
        }
        following.service_deployment_lookups += 1;
        let answer = self.list_service_deployments().await?;
        let briefs = match answer {
            Ok(briefs) => briefs,
            Err(error) => {
                return Ok(
                    match self.service_deployments_failed("ListServiceDeployments", error)? {
                        Some(_) => Lookup::Retry,
                        None => Lookup::Nothing,
                    },
                );
            }
        };
        let Some(following) = self.following_mut() else {
            return Ok(Lookup::Nothing);
        };
        let arn = discovery::correlate(
            &briefs,
            &following.target.deployment_id,
            following.last_seen_target.as_ref(),
        )
        .and_then(|brief| brief.service_deployment_arn.clone());
        Ok(match arn {
            Some(arn) => {
                following.target.service_deployment_arn = Some(arn.clone());
                Lookup::Found(arn)
            }
            None => Lookup::Nothing,
        })
    }

    /// The service's deployments, newest first (discovery uses them too).
    pub(super) async fn list_service_deployments(
        &self,
    ) -> Result<ApiResult<Vec<ServiceDeploymentBrief>>, Stop> {
        self.guard(
            "ListServiceDeployments",
            self.shared
                .api
                .list_service_deployments(&self.plan.cluster, &self.plan.service),
        )
        .await
    }

    /// Looks up the revisions a rollback went back to, so the message can name them.
    async fn resolve_rollback_revisions(&mut self) -> Result<(), Stop> {
        let Some(sd) = self.service_deployment() else {
            return Ok(());
        };
        if !sd.status.as_ref().is_some_and(|s| s.is_rollback()) {
            return Ok(());
        }
        let revisions: Vec<String> = sd
            .rollback
            .iter()
            .filter_map(|r| r.service_revision_arn.clone())
            .chain(
                sd.source_service_revisions
                    .iter()
                    .filter_map(|r| r.arn.clone()),
            )
            .collect();
        for revision in revisions {
            self.revision_task_definition(&revision).await?;
        }
        Ok(())
    }

    /// Follows with `DescribeServices` alone from now on.
    pub(super) fn enter_fallback(&mut self, reason: String) {
        if self.source == Source::DescribeServicesOnly {
            return;
        }
        self.source = Source::DescribeServicesOnly;
        if let Some(following) = self.following_mut() {
            following.service_deployment = None;
        }
        tracing::info!(service = %self.plan.service, %reason, "following the deployment with DescribeServices alone");
        self.emit(ProgressEvent::FallbackToDescribeServices { reason });
    }
}
