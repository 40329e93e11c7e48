//! Which deployment to watch, as `DescribeServices` `deployments[]` lists it: the
//! look-up every ECS kind starts with (the pure matching is in `watch::wanted`).

use super::super::ProgressEvent;
use super::super::wanted::{self, Wanted};
use super::{Core, Following, Phase, TargetState};
use crate::model::ServiceSnapshot;

impl Core<'_> {
    /// Adopts the listed deployment that answers the request: `Some(true)` when it
    /// is a new target, `Some(false)` when it is the one already followed, `None`
    /// when `DescribeServices` lists no such deployment.
    pub(crate) fn adopt_listed(&mut self, snapshot: &ServiceSnapshot) -> Option<bool> {
        let listed = wanted::find_listed(snapshot, &self.plan.wanted)?;
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
            return Some(true);
        }
        Some(false)
    }

    /// Follows `target` from now on, with no evidence about it yet.
    pub(crate) fn adopt_target(&mut self, target: TargetState) {
        self.emit(ProgressEvent::DeploymentFound {
            deployment_id: target.deployment_id.clone(),
            task_definition: target.task_definition.clone().unwrap_or_default(),
        });
        self.phase = Phase::Following(Box::new(Following {
            target,
            last_seen_target: None,
            last_progress: None,
            told_paused: None,
        }));
        self.evidence.stopped.clear();
    }
}
