//! CreateCluster, DescribeClusters, ListClusters and DeleteCluster.

use serde::Serialize;
use serde_json::{Value, json};

use super::view::Failure;
use super::{answer, bounded_list, cluster_field};
use crate::model::Model;
use crate::model::cluster::Cluster;
use crate::model::service::ServiceStatus;
use crate::model::tags;
use crate::model::task::LastStatus;
use crate::wire::{self, EcsError, ErrorCode, Fields, arn};

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
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<Vec<Value>>,
    settings: Value,
    capacity_providers: [&'static str; 2],
    default_capacity_provider_strategy: [Value; 0],
}

fn view(cluster: &Cluster, now: f64, tags: Option<Vec<Value>>) -> ClusterView {
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
        status: if cluster.is_active() {
            "ACTIVE"
        } else {
            "INACTIVE"
        },
        registered_container_instances_count: 0,
        running_tasks_count: running,
        pending_tasks_count: pending,
        active_services_count: cluster
            .services
            .values()
            .filter(|s| s.status == ServiceStatus::Active)
            .count() as u32,
        statistics: [],
        tags: tags.filter(|t| !t.is_empty()),
        settings: cluster.settings.clone(),
        capacity_providers: ["FARGATE", "FARGATE_SPOT"],
        default_capacity_provider_strategy: [],
    }
}

/// Creates a cluster; creating an existing one returns it unchanged, as in ECS (an INACTIVE one
/// is created afresh).
pub(super) fn create_cluster(
    model: &mut Model,
    fields: &Fields,
    now: f64,
) -> Result<Vec<u8>, EcsError> {
    let name = fields
        .optional::<String>("clusterName")?
        .unwrap_or_else(|| "default".to_owned());
    if !arn::is_valid_name(&name) {
        return Err(EcsError::invalid_parameter(format!(
            "clusterName: `{name}` is not a valid cluster name; use 1-255 letters, digits, `-` and `_`."
        )));
    }
    let tags = tags::parse(fields, "tags")?;
    let settings = match fields.raw("settings") {
        Some(Value::Array(settings)) => Some(Value::Array(settings.clone())),
        Some(other) => {
            return Err(EcsError::new(
                ErrorCode::Serialization,
                format!("settings: expected a list, got {other}"),
            ));
        }
        None => None,
    };
    let arn = model.arns.cluster(&name);
    if model.clusters.get(&name).is_some_and(|c| !c.is_active()) {
        model.clusters.remove(&name);
        model.tags.forget(&arn);
    }
    let cluster = model.clusters.entry(name.clone()).or_insert_with(|| {
        let mut cluster = Cluster::new(name, arn.clone());
        if let Some(settings) = settings {
            cluster.settings = settings;
        }
        cluster
    });
    cluster.advance_all(now, &mut model.ids);
    model.tags.add(&arn, tags)?;
    let tags = model.tags.view(&arn);
    let cluster = &model.clusters[&cluster_name_of(&arn)];
    answer(&json!({ "cluster": view(cluster, now, Some(tags)) }))
}

fn cluster_name_of(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_owned()
}

pub(super) fn describe_clusters(
    model: &mut Model,
    fields: &Fields,
    now: f64,
) -> Result<Vec<u8>, EcsError> {
    let references = match fields.raw("clusters") {
        Some(_) => bounded_list(fields, "clusters", "DescribeClusters", 100)?,
        None => vec!["default".to_owned()],
    };
    let include_tags = super::services::include_tags(fields)?;
    let mut clusters = Vec::new();
    let mut failures = Vec::new();
    for reference in references {
        let name = arn::cluster_name("clusters", &reference)?;
        match model.clusters.get_mut(&name) {
            Some(cluster) => {
                cluster.advance_all(now, &mut model.ids);
                let tags = include_tags.then(|| model.tags.view(&cluster.arn));
                clusters.push(view(cluster, now, tags));
            }
            None => failures.push(Failure::missing(model.arns.cluster(&name))),
        }
    }
    answer(&json!({ "clusters": clusters, "failures": failures }))
}

pub(super) fn list_clusters(model: &mut Model, fields: &Fields) -> Result<Vec<u8>, EcsError> {
    let max = wire::max_results(fields.optional("maxResults")?, 100, 100)?;
    let start = match fields.optional::<String>("nextToken")? {
        Some(token) => wire::parse_next_token(&token)?,
        None => 0,
    };
    let arns: Vec<&str> = model
        .clusters
        .values()
        .filter(|c| c.is_active())
        .map(|c| c.arn.as_str())
        .collect();
    let page: Vec<&str> = arns.iter().skip(start).take(max).copied().collect();
    let end = start + page.len();
    let mut out = json!({ "clusterArns": page });
    if end < arns.len() {
        out["nextToken"] = json!(wire::next_token(end));
    }
    answer(&out)
}

/// Deletes a cluster without services: it turns INACTIVE (DescribeClusters still shows it).
pub(super) fn delete_cluster(
    model: &mut Model,
    fields: &Fields,
    now: f64,
) -> Result<Vec<u8>, EcsError> {
    if fields.raw("cluster").is_none() {
        return Err(EcsError::invalid_parameter(
            "cluster is required but was not given.",
        ));
    }
    let name = cluster_field(fields)?;
    let (cluster, ids) = model.cluster_mut(&name)?;
    cluster.advance_all(now, ids);
    if cluster.has_services() {
        return Err(EcsError::new(
            ErrorCode::ClusterContainsServices,
            "The Cluster cannot be deleted while Services are active.",
        ));
    }
    cluster.active = false;
    let cluster = &model.clusters[&name];
    answer(&json!({ "cluster": view(cluster, now, None) }))
}
