//! An [`EcsApi`] layer that logs every call it passes on: when, which operation, which cluster,
//! which items. Placed under the request budget, its log is what was actually sent; the
//! simulator's counters are the cross-check.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use ecs_watcher::api::{
    ApiResult, DescribeServiceDeploymentsOutput, DescribeServicesOutput, DesiredStatus, EcsApi,
};
use ecs_watcher::model::{ServiceDeploymentBrief, ServiceRevision, StoppedTask};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

/// One ECS call as sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CallRecord {
    /// Wall-clock epoch seconds, comparable across processes.
    pub at: f64,
    pub operation: String,
    pub cluster: Option<String>,
    /// How many services, ARNs or tasks the call asked for.
    pub item_count: usize,
    /// The services asked for, for `DescribeServices` only: they tell each wait's ticks
    /// apart. Other calls keep just the count, so the log itself stays small next to the
    /// memory it helps measure.
    pub services: Vec<String>,
}

pub fn epoch_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

pub struct RecordingEcsApi {
    inner: Arc<dyn EcsApi>,
    log: Mutex<Vec<CallRecord>>,
}

impl RecordingEcsApi {
    pub fn new(inner: Arc<dyn EcsApi>) -> Self {
        Self {
            inner,
            log: Mutex::new(Vec::new()),
        }
    }

    pub fn records(&self) -> Vec<CallRecord> {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn record(&self, operation: &str, cluster: Option<&str>, items: &[String]) {
        let record = CallRecord {
            at: epoch_seconds(),
            operation: operation.to_owned(),
            cluster: cluster.map(str::to_owned),
            item_count: items.len(),
            services: if operation == "DescribeServices" {
                items.to_vec()
            } else {
                Vec::new()
            },
        };
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(record);
    }
}

impl EcsApi for RecordingEcsApi {
    fn describe_services<'a>(
        &'a self,
        cluster: &'a str,
        services: &'a [String],
    ) -> BoxFuture<'a, ApiResult<DescribeServicesOutput>> {
        self.record("DescribeServices", Some(cluster), services);
        self.inner.describe_services(cluster, services)
    }

    fn list_service_deployments<'a>(
        &'a self,
        cluster: &'a str,
        service: &'a str,
    ) -> BoxFuture<'a, ApiResult<Vec<ServiceDeploymentBrief>>> {
        self.record(
            "ListServiceDeployments",
            Some(cluster),
            &[service.to_owned()],
        );
        self.inner.list_service_deployments(cluster, service)
    }

    fn describe_service_deployments<'a>(
        &'a self,
        service_deployment_arns: &'a [String],
    ) -> BoxFuture<'a, ApiResult<DescribeServiceDeploymentsOutput>> {
        self.record("DescribeServiceDeployments", None, service_deployment_arns);
        self.inner
            .describe_service_deployments(service_deployment_arns)
    }

    fn describe_service_revisions<'a>(
        &'a self,
        service_revision_arns: &'a [String],
    ) -> BoxFuture<'a, ApiResult<Vec<ServiceRevision>>> {
        self.record("DescribeServiceRevisions", None, service_revision_arns);
        self.inner.describe_service_revisions(service_revision_arns)
    }

    fn list_tasks<'a>(
        &'a self,
        cluster: &'a str,
        service: &'a str,
        desired_status: DesiredStatus,
    ) -> BoxFuture<'a, ApiResult<Vec<String>>> {
        self.record("ListTasks", Some(cluster), &[service.to_owned()]);
        self.inner.list_tasks(cluster, service, desired_status)
    }

    fn describe_tasks<'a>(
        &'a self,
        cluster: &'a str,
        task_arns: &'a [String],
    ) -> BoxFuture<'a, ApiResult<Vec<StoppedTask>>> {
        self.record("DescribeTasks", Some(cluster), task_arns);
        self.inner.describe_tasks(cluster, task_arns)
    }
}
