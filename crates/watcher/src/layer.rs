//! Layers over the AWS client traits: work done around every call, whatever the
//! service and operation — take a token from the request budget, log the call. A
//! layer says what it does before and after a call once ([`CallLayer`]);
//! [`Layered`] applies it to every operation of a client trait ([`EcsApi`]
//! today; a new service's trait gets its `impl … for Layered<L>` beside it), so
//! no layer re-implements a trait, and the budget, the benchmarks' call log and
//! the error classification see every AWS call.

use std::ops::Deref;
use std::sync::Arc;

use futures::future::BoxFuture;

use crate::api::{
    ApiResult, DescribeServiceDeploymentsOutput, DescribeServicesOutput, EcsApi, StopType,
};
use crate::model::{LifecycleHookAction, ServiceDeploymentBrief, ServiceRevision, StoppedTask};

/// The AWS services the watcher calls. `Ord` by declaration: the order of the
/// IAM policy's statements ([`crate::iam`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AwsService {
    Ecs,
}

impl AwsService {
    /// The prefix of the service's IAM actions, e.g. `ecs`.
    pub fn iam_prefix(self) -> &'static str {
        match self {
            AwsService::Ecs => "ecs",
        }
    }

    /// The service's name as it opens an IAM statement id (alphanumeric only), e.g. `Ecs`.
    pub fn sid_name(self) -> &'static str {
        match self {
            AwsService::Ecs => "Ecs",
        }
    }
}

/// What a call is for, which decides who must grant it: the IAM policy
/// ([`crate::iam`]) has one statement per purpose and service, so a user can
/// grant read-only waiting without the calls that change a deployment. `Ord` by
/// declaration: the order of the policy's statements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Purpose {
    /// Every wait may make it; denied, the wait ends naming the permission.
    Waiting,
    /// Detail a wait can do without: denied, the wait falls back to
    /// `DescribeServices` alone or leaves the detail out (the service-deployment
    /// APIs). Acting needs it: an action finds and follows its deployment through them.
    WaitingOptional,
    /// Changes a caller asks for: `--rollback-on`/`rollbackOn`, `rollback`, `continue`.
    Acting,
}

impl Purpose {
    /// The purpose as it ends an IAM statement id (alphanumeric only), e.g. `WaitRequired`.
    pub fn sid_name(self) -> &'static str {
        match self {
            Purpose::Waiting => "WaitRequired",
            Purpose::WaitingOptional => "WaitOptional",
            Purpose::Acting => "Act",
        }
    }
}

/// Every AWS operation the watcher makes, by its API name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    DescribeServices,
    ListServiceDeployments,
    DescribeServiceDeployments,
    DescribeServiceRevisions,
    ListTasks,
    DescribeTasks,
    StopServiceDeployment,
    ContinueServiceDeployment,
}

impl Operation {
    /// Every operation, in the traits' order.
    pub const ALL: [Operation; 8] = [
        Operation::DescribeServices,
        Operation::ListServiceDeployments,
        Operation::DescribeServiceDeployments,
        Operation::DescribeServiceRevisions,
        Operation::ListTasks,
        Operation::DescribeTasks,
        Operation::StopServiceDeployment,
        Operation::ContinueServiceDeployment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Operation::DescribeServices => "DescribeServices",
            Operation::ListServiceDeployments => "ListServiceDeployments",
            Operation::DescribeServiceDeployments => "DescribeServiceDeployments",
            Operation::DescribeServiceRevisions => "DescribeServiceRevisions",
            Operation::ListTasks => "ListTasks",
            Operation::DescribeTasks => "DescribeTasks",
            Operation::StopServiceDeployment => "StopServiceDeployment",
            Operation::ContinueServiceDeployment => "ContinueServiceDeployment",
        }
    }

    /// The service the operation belongs to.
    pub fn service(self) -> AwsService {
        match self {
            Operation::DescribeServices
            | Operation::ListServiceDeployments
            | Operation::DescribeServiceDeployments
            | Operation::DescribeServiceRevisions
            | Operation::ListTasks
            | Operation::DescribeTasks
            | Operation::StopServiceDeployment
            | Operation::ContinueServiceDeployment => AwsService::Ecs,
        }
    }

    /// The IAM permission the call needs, e.g. `ecs:DescribeServices`.
    pub fn permission(self) -> String {
        format!("{}:{}", self.service().iam_prefix(), self.as_str())
    }

    /// What the call is for: which statement of the IAM policy grants it.
    pub fn purpose(self) -> Purpose {
        match self {
            // `ListTasks`/`DescribeTasks` are made only when something suggests
            // failure, but then the verdict needs them: denied, the wait ends.
            Operation::DescribeServices | Operation::ListTasks | Operation::DescribeTasks => {
                Purpose::Waiting
            }
            // Without them the wait falls back to `DescribeServices` alone.
            Operation::ListServiceDeployments
            | Operation::DescribeServiceDeployments
            | Operation::DescribeServiceRevisions => Purpose::WaitingOptional,
            // Only when a caller asks: `--rollback-on`, `rollback`, `continue`.
            Operation::StopServiceDeployment | Operation::ContinueServiceDeployment => {
                Purpose::Acting
            }
        }
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One call as a layer sees it.
#[derive(Clone, Copy, Debug)]
pub struct Call<'a> {
    pub operation: Operation,
    /// The cluster, for the calls that take one.
    pub cluster: Option<&'a str>,
    /// What the call asks about: the services, ARNs or tasks of a describe call,
    /// the one service of a list call.
    pub items: &'a [String],
}

/// Work done around every call of the [`EcsApi`] below it.
pub trait CallLayer: Send + Sync {
    /// Before the call goes out (may wait, e.g. for a budget token).
    fn before<'a>(&'a self, call: Call<'a>) -> BoxFuture<'a, ()>;

    /// After a list call answered with `listed` entries (all pages together):
    /// what page counts depend on. Describe calls and failed calls are not reported.
    fn listed(&self, _call: Call<'_>, _listed: usize) {}

    /// True while calls would wait in this layer (see [`EcsApi::is_backlogged`]).
    fn is_backlogged(&self) -> bool {
        false
    }
}

/// An [`EcsApi`] with a [`CallLayer`] around every call of `inner`. Derefs to
/// the layer, so its own methods (a log's records, a budget's state) stay at hand.
pub struct Layered<L> {
    inner: Arc<dyn EcsApi>,
    layer: L,
}

impl<L: CallLayer> Layered<L> {
    pub fn new(inner: Arc<dyn EcsApi>, layer: L) -> Self {
        Self { inner, layer }
    }

    pub fn layer(&self) -> &L {
        &self.layer
    }

    /// Runs the call `send` makes inside the layer; `count` says how many entries a
    /// list answer had. `send` is called only once the layer lets the call go: an SDK
    /// call's future is kilobytes, and a thousand waits queued for budget tokens at
    /// start-up should not each hold one before it can be sent.
    async fn around<'s, T>(
        &'s self,
        call: Call<'_>,
        send: impl FnOnce() -> BoxFuture<'s, ApiResult<T>>,
        count: fn(&T) -> Option<usize>,
    ) -> ApiResult<T> {
        self.layer.before(call).await;
        let answer = send().await;
        if let Some(listed) = answer.as_ref().ok().and_then(count) {
            self.layer.listed(call, listed);
        }
        answer
    }
}

impl<L> Deref for Layered<L> {
    type Target = L;

    fn deref(&self) -> &L {
        &self.layer
    }
}

fn not_a_list<T>(_: &T) -> Option<usize> {
    None
}

impl<L: CallLayer> EcsApi for Layered<L> {
    fn describe_services<'a>(
        &'a self,
        cluster: &'a str,
        services: &'a [String],
    ) -> BoxFuture<'a, ApiResult<DescribeServicesOutput>> {
        let call = Call {
            operation: Operation::DescribeServices,
            cluster: Some(cluster),
            items: services,
        };
        Box::pin(self.around(
            call,
            || self.inner.describe_services(cluster, services),
            not_a_list,
        ))
    }

    fn list_service_deployments<'a>(
        &'a self,
        cluster: &'a str,
        service: &'a str,
    ) -> BoxFuture<'a, ApiResult<Vec<ServiceDeploymentBrief>>> {
        Box::pin(async move {
            let items = [service.to_owned()];
            let call = Call {
                operation: Operation::ListServiceDeployments,
                cluster: Some(cluster),
                items: &items,
            };
            self.around(
                call,
                || self.inner.list_service_deployments(cluster, service),
                |briefs| Some(briefs.len()),
            )
            .await
        })
    }

    fn describe_service_deployments<'a>(
        &'a self,
        service_deployment_arns: &'a [String],
    ) -> BoxFuture<'a, ApiResult<DescribeServiceDeploymentsOutput>> {
        let call = Call {
            operation: Operation::DescribeServiceDeployments,
            cluster: None,
            items: service_deployment_arns,
        };
        Box::pin(self.around(
            call,
            || {
                self.inner
                    .describe_service_deployments(service_deployment_arns)
            },
            not_a_list,
        ))
    }

    fn describe_service_revisions<'a>(
        &'a self,
        service_revision_arns: &'a [String],
    ) -> BoxFuture<'a, ApiResult<Vec<ServiceRevision>>> {
        let call = Call {
            operation: Operation::DescribeServiceRevisions,
            cluster: None,
            items: service_revision_arns,
        };
        Box::pin(self.around(
            call,
            || self.inner.describe_service_revisions(service_revision_arns),
            not_a_list,
        ))
    }

    fn list_stopped_tasks<'a>(
        &'a self,
        cluster: &'a str,
        service: &'a str,
    ) -> BoxFuture<'a, ApiResult<Vec<String>>> {
        Box::pin(async move {
            let items = [service.to_owned()];
            let call = Call {
                operation: Operation::ListTasks,
                cluster: Some(cluster),
                items: &items,
            };
            self.around(
                call,
                || self.inner.list_stopped_tasks(cluster, service),
                |arns| Some(arns.len()),
            )
            .await
        })
    }

    fn describe_tasks<'a>(
        &'a self,
        cluster: &'a str,
        task_arns: &'a [String],
    ) -> BoxFuture<'a, ApiResult<Vec<StoppedTask>>> {
        let call = Call {
            operation: Operation::DescribeTasks,
            cluster: Some(cluster),
            items: task_arns,
        };
        Box::pin(self.around(
            call,
            || self.inner.describe_tasks(cluster, task_arns),
            not_a_list,
        ))
    }

    fn stop_service_deployment<'a>(
        &'a self,
        service_deployment_arn: &'a str,
        stop_type: StopType,
    ) -> BoxFuture<'a, ApiResult<()>> {
        Box::pin(async move {
            let items = [service_deployment_arn.to_owned()];
            let call = Call {
                operation: Operation::StopServiceDeployment,
                cluster: None,
                items: &items,
            };
            self.around(
                call,
                || {
                    self.inner
                        .stop_service_deployment(service_deployment_arn, stop_type)
                },
                not_a_list,
            )
            .await
        })
    }

    fn continue_service_deployment<'a>(
        &'a self,
        service_deployment_arn: &'a str,
        hook_id: &'a str,
        action: LifecycleHookAction,
    ) -> BoxFuture<'a, ApiResult<()>> {
        Box::pin(async move {
            let items = [service_deployment_arn.to_owned()];
            let call = Call {
                operation: Operation::ContinueServiceDeployment,
                cluster: None,
                items: &items,
            };
            self.around(
                call,
                || {
                    self.inner
                        .continue_service_deployment(service_deployment_arn, hook_id, action)
                },
                not_a_list,
            )
            .await
        })
    }

    fn is_backlogged(&self) -> bool {
        self.layer.is_backlogged() || self.inner.is_backlogged()
    }
}
