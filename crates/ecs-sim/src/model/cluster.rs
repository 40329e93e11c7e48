//! A cluster: its services and an index from task id to the service that owns the task.

use std::collections::{BTreeMap, HashMap};

use crate::model::ids::Ids;
use crate::model::service::{IndexChange, Service};

#[derive(Debug)]
pub(crate) struct Cluster {
    pub(crate) name: String,
    pub(crate) arn: String,
    /// False once DeleteCluster ran: DescribeClusters still shows it (INACTIVE), nothing else does.
    pub(crate) active: bool,
    /// `settings` as CreateCluster gave them (containerInsights disabled by default).
    pub(crate) settings: serde_json::Value,
    pub(crate) services: BTreeMap<String, Service>,
    /// Task id → service name, so DescribeTasks need not scan every service.
    task_owner: HashMap<String, String>,
}

impl Cluster {
    pub(crate) fn new(name: String, arn: String) -> Self {
        Self {
            name,
            arn,
            active: true,
            settings: serde_json::json!([{"name": "containerInsights", "value": "disabled"}]),
            services: BTreeMap::new(),
            task_owner: HashMap::new(),
        }
    }

    pub(crate) fn is_active(&self) -> bool {
        self.active
    }

    /// Whether any service is still ACTIVE or DRAINING (DeleteCluster refuses then).
    pub(crate) fn has_services(&self) -> bool {
        self.services
            .values()
            .any(|s| s.status != crate::model::service::ServiceStatus::Inactive)
    }

    /// Advances one service to `now`, lets `change` act on it, and keeps the task index current.
    pub(crate) fn with_service<R>(
        &mut self,
        name: &str,
        now: f64,
        ids: &mut Ids,
        change: impl FnOnce(&mut Service, &mut Ids) -> R,
    ) -> Option<R> {
        let service = self.services.get_mut(name)?;
        service.advance_to(now, ids);
        let result = change(service, ids);
        apply_index_changes(&mut self.task_owner, service);
        Some(result)
    }

    /// Adds a new service (replacing an INACTIVE one of the same name) and indexes its tasks.
    pub(crate) fn insert_service(&mut self, mut service: Service) {
        if let Some(replaced) = self.services.remove(&service.name) {
            for task in replaced.all_tasks() {
                self.task_owner.remove(&task.id);
            }
        }
        apply_index_changes(&mut self.task_owner, &mut service);
        self.services.insert(service.name.clone(), service);
    }

    /// Advances every service of the cluster to `now`.
    pub(crate) fn advance_all(&mut self, now: f64, ids: &mut Ids) {
        for service in self.services.values_mut() {
            service.advance_to(now, ids);
            apply_index_changes(&mut self.task_owner, service);
        }
    }

    /// The name of the service that owns a task, if the task is still remembered.
    pub(crate) fn task_owner(&self, task_id: &str) -> Option<&str> {
        self.task_owner.get(task_id).map(String::as_str)
    }
}

fn apply_index_changes(index: &mut HashMap<String, String>, service: &mut Service) {
    for change in service.index_changes.drain(..) {
        match change {
            IndexChange::Added(id) => {
                index.insert(id, service.name.clone());
            }
            IndexChange::Removed(id) => {
                index.remove(&id);
            }
        }
    }
}
