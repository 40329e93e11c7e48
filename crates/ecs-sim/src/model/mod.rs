//! The simulated ECS state: clusters, services, deployments, tasks and task definitions.
//!
//! Everything here is synchronous and takes "now" (simulated epoch seconds) as an argument;
//! the server holds the [`Model`] behind one lock and hands it the simulated clock.

pub(crate) mod actions;
pub(crate) mod alarms;
pub(crate) mod cluster;
pub(crate) mod deployment;
pub(crate) mod events;
pub(crate) mod ids;
pub(crate) mod lifecycle;
pub(crate) mod scheduler;
pub(crate) mod service;
pub(crate) mod staged;
pub(crate) mod strategy;
pub(crate) mod tags;
pub(crate) mod task;
pub(crate) mod task_definition;

use std::collections::BTreeMap;

use crate::wire::EcsError;
use crate::wire::arn::Arns;
use cluster::Cluster;
use ids::Ids;
use task_definition::TaskDefinitions;

#[derive(Debug)]
pub(crate) struct Model {
    pub(crate) arns: Arns,
    pub(crate) ids: Ids,
    pub(crate) clusters: BTreeMap<String, Cluster>,
    pub(crate) task_definitions: TaskDefinitions,
    /// CloudWatch alarm states, shared with every service (which watch them).
    pub(crate) alarms: alarms::AlarmBoard,
    /// Accepted ContinueServiceDeployment and StopServiceDeployment calls, oldest first.
    pub(crate) actions: Vec<actions::RecordedAction>,
    pub(crate) tags: tags::Tags,
}

impl Model {
    pub(crate) fn new(region: &str, account_id: &str, seed: u64) -> Self {
        Self {
            arns: Arns::new(region, account_id),
            ids: Ids::new(seed),
            clusters: BTreeMap::new(),
            task_definitions: TaskDefinitions::default(),
            alarms: alarms::AlarmBoard::default(),
            actions: Vec::new(),
            tags: tags::Tags::default(),
        }
    }

    /// The cluster named `name` (or ClusterNotFoundException) together with the id generator,
    /// which advancing its services needs.
    pub(crate) fn cluster_mut(&mut self, name: &str) -> Result<(&mut Cluster, &mut Ids), EcsError> {
        let (cluster, ids, _) = self.cluster_with_arns(name)?;
        Ok((cluster, ids))
    }

    /// As [`Model::cluster_mut`], with the ARN builder, for answers that name what they list.
    pub(crate) fn cluster_with_arns(
        &mut self,
        name: &str,
    ) -> Result<(&mut Cluster, &mut Ids, &Arns), EcsError> {
        let cluster = self
            .clusters
            .get_mut(name)
            .filter(|c| c.is_active())
            .ok_or_else(EcsError::cluster_not_found)?;
        Ok((cluster, &mut self.ids, &self.arns))
    }
}
