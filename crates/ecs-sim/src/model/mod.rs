//! The simulated ECS state: clusters, services, deployments, tasks and task definitions.
//!
//! Everything here is synchronous and takes "now" (simulated epoch seconds) as an argument;
//! the server holds the [`Model`] behind one lock and hands it the simulated clock.

pub mod actions;
pub mod alarms;
pub mod cluster;
pub mod deployment;
pub mod events;
pub mod ids;
pub mod lifecycle;
pub mod scheduler;
pub mod service;
pub mod staged;
pub mod strategy;
pub mod tags;
pub mod task;
pub mod task_definition;

use std::collections::BTreeMap;

use crate::wire::EcsError;
use crate::wire::arn::Arns;
use cluster::Cluster;
use ids::Ids;
use task_definition::TaskDefinitions;

#[derive(Debug)]
pub struct Model {
    pub arns: Arns,
    pub ids: Ids,
    pub clusters: BTreeMap<String, Cluster>,
    pub task_definitions: TaskDefinitions,
    /// CloudWatch alarm states, shared with every service (which watch them).
    pub alarms: alarms::AlarmBoard,
    /// Accepted ContinueServiceDeployment and StopServiceDeployment calls, oldest first.
    pub actions: Vec<actions::RecordedAction>,
    pub tags: tags::Tags,
}

impl Model {
    pub fn new(region: &str, account_id: &str, seed: u64) -> Self {
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
    pub fn cluster_mut(&mut self, name: &str) -> Result<(&mut Cluster, &mut Ids), EcsError> {
        let (cluster, ids, _) = self.cluster_with_arns(name)?;
        Ok((cluster, ids))
    }

    /// As [`Model::cluster_mut`], with the ARN builder, for answers that name what they list.
    pub fn cluster_with_arns(
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
