//! CreateCluster and DescribeClusters.

use serde::Serialize;
use serde_json::{Value, json};

use super::view::Failure;
use super::{answer, bounded_list};
use crate::model::Model;
use crate::model::cluster::Cluster;
use crate::model::service::ServiceStatus;
use crate::model::task::LastStatus;
use crate::wire::{EcsError, Fields, arn};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClusterView {
    cluster_arn: String,
    cluster_name: String,
    status: &'static str,
    registered_container_instances_count: u32,
    running_tasks_count: u32,
    pending_tasks_count: u32,
    active_services_count: u32,
    statistics: [Value; 0],
    tags: [Value; 0],
    settings: Value,
    capacity_providers: [&'static str; 2],
    default_capacity_provider_strategy: [Value; 0],
}

fn view(cluster: &Cluster, now: f64) -> ClusterView {
    let mut running = 0;
    let mut pending = 0;
    for task in cluster.services.values().flat_map(|s| s.live_tasks.iter()) {
        match task.last_status(now) {
            LastStatus::Running => running += 1,
            LastStatus::Provisioning | LastStatus::Pending => pending += 1,
            LastStatus::Deprovisioning | LastStatus::Stopped => {}
        }
    }
    ClusterView {
        cluster_arn: cluster.arn.clone(),
        cluster_name: cluster.name.clone(),
        status: "ACTIVE",
        registered_container_instances_count: 0,
        running_tasks_count: running,
        pending_tasks_count: pending,
        active_services_count: cluster
            .services
            .values()
            .filter(|s| s.status == ServiceStatus::Active)
            .count() as u32,
        statistics: [],
        tags: [],
        settings: json!([{"name": "containerInsights", "value": "disabled"}]),
        capacity_providers: ["FARGATE", "FARGATE_SPOT"],
        default_capacity_provider_strategy: [],
    }
}

/// Creates a cluster; creating an existing one returns it unchanged, as in ECS.
pub fn create_cluster(model: &mut Model, fields: &Fields, now: f64) -> Result<Vec<u8>, EcsError> {
    let name = fields
        .optional::<String>("clusterName")?
        .unwrap_or_else(|| "default".to_owned());
    if !arn::is_valid_name(&name) {
        return Err(EcsError::invalid_parameter(format!(
            "clusterName: `{name}` is not a valid cluster name; use 1-255 letters, digits, `-` and `_`."
        )));
    }
    let arn = model.arns.cluster(&name);
    let cluster = model
        .clusters
        .entry(name.clone())
        .or_insert_with(|| Cluster::new(name, arn));
    cluster.advance_all(now, &mut model.ids);
    answer(&json!({ "cluster": view(cluster, now) }))
}

pub fn describe_clusters(
    model: &mut Model,
    fields: &Fields,
    now: f64,
) -> Result<Vec<u8>, EcsError> {
    let references = match fields.raw("clusters") {
        Some(_) => bounded_list(fields, "clusters", "DescribeClusters", 100)?,
        None => vec!["default".to_owned()],
    };
    let mut clusters = Vec::new();
    let mut failures = Vec::new();
    for reference in references {
        let name = arn::cluster_name("clusters", &reference)?;
        match model.clusters.get_mut(&name) {
            Some(cluster) => {
                cluster.advance_all(now, &mut model.ids);
                clusters.push(view(cluster, now));
            }
            None => failures.push(Failure::missing(model.arns.cluster(&name))),
        }
    }
    answer(&json!({ "clusters": clusters, "failures": failures }))
}
