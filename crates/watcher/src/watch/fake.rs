//! An in-memory [`EcsApi`] for the polling-loop tests: scripted service states,
//! injected errors and delays, and a log of every call.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;

use crate::api::{
    ApiError, ApiResult, DescribeServiceDeploymentsOutput, DescribeServicesOutput, EcsApi,
    StopType, newest_first,
};
use crate::model::{
    Deployment, LifecycleHookAction, ServiceDeployment, ServiceDeploymentBrief, ServiceRevision,
    ServiceRevisionSummary, ServiceSnapshot, StoppedContainer, StoppedTask, Timestamp,
    resource_name,
};

pub(crate) const CLUSTER: &str = "prod";
pub(crate) const TD_PREFIX: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/";

pub(crate) fn td(family_revision: &str) -> String {
    format!("{TD_PREFIX}{family_revision}")
}

pub(crate) fn revision_arn(service: &str, number: u64) -> String {
    format!("arn:aws:ecs:us-east-1:123456789012:service-revision/{CLUSTER}/{service}/{number}")
}

pub(crate) fn service_deployment_arn(service: &str, number: u64) -> String {
    format!("arn:aws:ecs:us-east-1:123456789012:service-deployment/{CLUSTER}/{service}/sd{number}")
}

/// One `deployments[]` entry; `number` gives id `ecs-svc/<number>` and `createdAt`.
pub(crate) fn deployment(
    number: u64,
    status: &str,
    family_revision: &str,
    running: i32,
    desired: i32,
    rollout_state: Option<&str>,
) -> Deployment {
    Deployment {
        id: Some(format!("ecs-svc/{number}")),
        status: Some(status.into()),
        task_definition: Some(td(family_revision)),
        desired_count: desired,
        running_count: running,
        pending_count: (desired - running).max(0),
        failed_tasks: 0,
        created_at: Some(Timestamp::from_epoch_millis(
            1_714_557_600_000 + number as i64 * 60_000,
        )),
        updated_at: None,
        rollout_state: rollout_state.map(Into::into),
        rollout_state_reason: rollout_state
            .map(|state| format!("ECS deployment ecs-svc/{number} {}.", state.to_lowercase())),
    }
}

pub(crate) fn service(name: &str, deployments: Vec<Deployment>) -> ServiceSnapshot {
    ServiceSnapshot {
        service_arn: Some(format!(
            "arn:aws:ecs:us-east-1:123456789012:service/{CLUSTER}/{name}"
        )),
        service_name: Some(name.into()),
        cluster_arn: Some(format!(
            "arn:aws:ecs:us-east-1:123456789012:cluster/{CLUSTER}"
        )),
        status: Some("ACTIVE".into()),
        task_definition: deployments
            .iter()
            .find(|d| d.is_primary())
            .and_then(|d| d.task_definition.clone()),
        deployments,
        ..Default::default()
    }
}

pub(crate) fn service_deployment(
    service_name: &str,
    number: u64,
    status: &str,
) -> ServiceDeployment {
    ServiceDeployment {
        service_deployment_arn: Some(service_deployment_arn(service_name, number)),
        created_at: Some(Timestamp::from_epoch_millis(
            1_714_557_600_000 + number as i64 * 60_000,
        )),
        target_service_revision: Some(ServiceRevisionSummary {
            arn: Some(revision_arn(service_name, number)),
            ..Default::default()
        }),
        source_service_revisions: vec![ServiceRevisionSummary {
            arn: Some(revision_arn(service_name, number - 1)),
            ..Default::default()
        }],
        status: Some(status.into()),
        ..Default::default()
    }
}

pub(crate) fn exited_task(id: &str, started_by: &str, exit_code: i32) -> StoppedTask {
    StoppedTask {
        task_arn: format!("arn:aws:ecs:us-east-1:123456789012:task/{CLUSTER}/{id}"),
        stop_code: Some("EssentialContainerExited".into()),
        stopped_reason: Some("Essential container in task exited".into()),
        containers: vec![StoppedContainer {
            name: "app".into(),
            exit_code: Some(exit_code),
            reason: None,
        }],
        started_by: Some(started_by.into()),
        task_definition_arn: None,
        stopped_at: None,
    }
}

/// What ECS says about one service at one step of the script.
#[derive(Clone, Debug, Default)]
pub(crate) struct Step {
    /// `None`: `DescribeServices` reports the service MISSING.
    pub service: Option<ServiceSnapshot>,
    pub service_deployment: Option<ServiceDeployment>,
    pub stopped_tasks: Vec<StoppedTask>,
}

impl Step {
    pub(crate) fn of(service: ServiceSnapshot) -> Self {
        Self {
            service: Some(service),
            ..Default::default()
        }
    }

    pub(crate) fn with_service_deployment(mut self, sd: ServiceDeployment) -> Self {
        self.service_deployment = Some(sd);
        self
    }

    pub(crate) fn with_stopped(mut self, tasks: Vec<StoppedTask>) -> Self {
        self.stopped_tasks = tasks;
        self
    }
}

/// A service's states; each `DescribeServices` that includes it moves one step
/// on (the last step repeats).
#[derive(Debug, Default)]
struct Script {
    steps: Vec<Step>,
    served: usize,
}

impl Script {
    fn current(&self) -> Option<&Step> {
        self.steps.get(
            self.served
                .saturating_sub(1)
                .min(self.steps.len().saturating_sub(1)),
        )
    }

    fn advance(&mut self) -> Option<&Step> {
        self.served += 1;
        self.current()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Call {
    pub operation: &'static str,
    pub args: Vec<String>,
}

#[derive(Default)]
struct State {
    scripts: HashMap<String, Script>,
    service_deployments_supported: bool,
    /// Extra history `ListServiceDeployments` returns, per service.
    history: HashMap<String, Vec<(ServiceDeploymentBrief, ServiceDeployment)>>,
    revisions: HashMap<String, String>,
    queued_errors: HashMap<&'static str, VecDeque<ApiError>>,
    persistent_errors: HashMap<&'static str, ApiError>,
    delays: HashMap<&'static str, Duration>,
    calls: Vec<Call>,
}

#[derive(Clone, Default)]
pub(crate) struct FakeEcs {
    state: Arc<Mutex<State>>,
}

impl FakeEcs {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn script(&self, service: &str, steps: Vec<Step>) -> &Self {
        self.state
            .lock()
            .unwrap()
            .scripts
            .insert(service.into(), Script { steps, served: 0 });
        self
    }

    pub(crate) fn support_service_deployments(&self) -> &Self {
        self.state.lock().unwrap().service_deployments_supported = true;
        self
    }

    pub(crate) fn revision(&self, revision_arn: &str, task_definition: &str) -> &Self {
        self.state
            .lock()
            .unwrap()
            .revisions
            .insert(revision_arn.into(), task_definition.into());
        self
    }

    pub(crate) fn history(&self, service: &str, deployment: ServiceDeployment) -> &Self {
        let brief = brief_of(&deployment);
        self.state
            .lock()
            .unwrap()
            .history
            .entry(service.into())
            .or_default()
            .push((brief, deployment));
        self
    }

    pub(crate) fn fail_next(
        &self,
        operation: &'static str,
        error: ApiError,
        times: usize,
    ) -> &Self {
        let mut state = self.state.lock().unwrap();
        let queue = state.queued_errors.entry(operation).or_default();
        queue.extend(std::iter::repeat_n(error, times));
        drop(state);
        self
    }

    pub(crate) fn fail_always(&self, operation: &'static str, error: ApiError) -> &Self {
        self.state
            .lock()
            .unwrap()
            .persistent_errors
            .insert(operation, error);
        self
    }

    pub(crate) fn delay(&self, operation: &'static str, delay: Duration) -> &Self {
        self.state.lock().unwrap().delays.insert(operation, delay);
        self
    }

    pub(crate) fn calls(&self, operation: &str) -> Vec<Call> {
        self.state
            .lock()
            .unwrap()
            .calls
            .iter()
            .filter(|c| c.operation == operation)
            .cloned()
            .collect()
    }

    /// Logs the call, waits its delay, and returns its injected error if any.
    async fn enter(&self, operation: &'static str, args: Vec<String>) -> ApiResult<()> {
        let delay = {
            let mut state = self.state.lock().unwrap();
            state.calls.push(Call { operation, args });
            state.delays.get(operation).copied()
        };
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        let mut state = self.state.lock().unwrap();
        if let Some(error) = state
            .queued_errors
            .get_mut(operation)
            .and_then(VecDeque::pop_front)
        {
            return Err(error);
        }
        if let Some(error) = state.persistent_errors.get(operation) {
            return Err(error.clone());
        }
        Ok(())
    }

    /// Enters the call (see [`FakeEcs::enter`]), then answers it from the state.
    async fn answer<T>(
        &self,
        operation: &'static str,
        args: Vec<String>,
        respond: impl FnOnce(&mut State) -> ApiResult<T>,
    ) -> ApiResult<T> {
        self.enter(operation, args).await?;
        respond(&mut self.state.lock().unwrap())
    }

    /// As [`FakeEcs::answer`], for an operation of the service-deployment API:
    /// unknown to the endpoint unless [`FakeEcs::support_service_deployments`].
    async fn answer_service_deployments<T>(
        &self,
        operation: &'static str,
        args: Vec<String>,
        respond: impl FnOnce(&State) -> T,
    ) -> ApiResult<T> {
        self.answer(operation, args, |state| {
            if state.service_deployments_supported {
                Ok(respond(state))
            } else {
                Err(Self::unsupported(operation))
            }
        })
        .await
    }

    fn unsupported(operation: &str) -> ApiError {
        ApiError::Unsupported {
            code: "UnknownOperationException".into(),
            message: format!("{operation} is not implemented by this endpoint"),
        }
    }

    /// Every service deployment the fake knows: current script steps and history.
    fn known_service_deployments(state: &State) -> Vec<(String, ServiceDeployment)> {
        let mut known: Vec<(String, ServiceDeployment)> = state
            .scripts
            .iter()
            .filter_map(|(name, script)| {
                let current = if script.served == 0 {
                    script.steps.first()
                } else {
                    script.current()
                };
                current
                    .and_then(|step| step.service_deployment.clone())
                    .map(|sd| (name.clone(), sd))
            })
            .collect();
        for (name, entries) in &state.history {
            known.extend(entries.iter().map(|(_, sd)| (name.clone(), sd.clone())));
        }
        known
    }
}

fn brief_of(sd: &ServiceDeployment) -> ServiceDeploymentBrief {
    ServiceDeploymentBrief {
        service_deployment_arn: sd.service_deployment_arn.clone(),
        created_at: sd.created_at,
        target_service_revision_arn: sd
            .target_service_revision
            .as_ref()
            .and_then(|r| r.arn.clone()),
        status: sd.status.clone(),
        status_reason: sd.status_reason.clone(),
        ..Default::default()
    }
}

impl EcsApi for FakeEcs {
    fn describe_services<'a>(
        &'a self,
        cluster: &'a str,
        services: &'a [String],
    ) -> BoxFuture<'a, ApiResult<DescribeServicesOutput>> {
        assert!(
            services.len() <= 10,
            "DescribeServices takes at most 10 services"
        );
        Box::pin(
            self.answer("DescribeServices", services.to_vec(), move |state| {
                if cluster != CLUSTER {
                    return Err(ApiError::ClusterNotFound {
                        message: "Cluster not found.".into(),
                    });
                }
                let mut output = DescribeServicesOutput::default();
                for wanted in services {
                    let name = resource_name(wanted);
                    // Not found: ECS lists it in failures[] (MISSING), which the
                    // watcher does not read; it is simply not among the services.
                    if let Some(Step {
                        service: Some(service),
                        ..
                    }) = state
                        .scripts
                        .get_mut(name)
                        .and_then(|s| s.advance().cloned())
                    {
                        output.services.push(service);
                    }
                }
                Ok(output)
            }),
        )
    }

    fn list_service_deployments<'a>(
        &'a self,
        _cluster: &'a str,
        service: &'a str,
    ) -> BoxFuture<'a, ApiResult<Vec<ServiceDeploymentBrief>>> {
        let args = vec![service.to_owned()];
        Box::pin(
            self.answer_service_deployments("ListServiceDeployments", args, move |state| {
                let name = resource_name(service);
                let mut briefs: Vec<ServiceDeploymentBrief> =
                    Self::known_service_deployments(state)
                        .into_iter()
                        .filter(|(owner, _)| owner == name)
                        .map(|(_, sd)| brief_of(&sd))
                        .collect();
                newest_first(&mut briefs);
                briefs
            }),
        )
    }

    fn describe_service_deployments<'a>(
        &'a self,
        service_deployment_arns: &'a [String],
    ) -> BoxFuture<'a, ApiResult<DescribeServiceDeploymentsOutput>> {
        assert!(service_deployment_arns.len() <= 20);
        let args = service_deployment_arns.to_vec();
        Box::pin(
            self.answer_service_deployments("DescribeServiceDeployments", args, |state| {
                let known = Self::known_service_deployments(state);
                DescribeServiceDeploymentsOutput {
                    service_deployments: service_deployment_arns
                        .iter()
                        .filter_map(|arn| {
                            known
                                .iter()
                                .find(|(_, sd)| sd.service_deployment_arn.as_deref() == Some(arn))
                                .map(|(_, sd)| sd.clone())
                        })
                        .collect(),
                }
            }),
        )
    }

    fn describe_service_revisions<'a>(
        &'a self,
        service_revision_arns: &'a [String],
    ) -> BoxFuture<'a, ApiResult<Vec<ServiceRevision>>> {
        assert!(service_revision_arns.len() <= 20);
        let args = service_revision_arns.to_vec();
        Box::pin(
            self.answer_service_deployments("DescribeServiceRevisions", args, |state| {
                service_revision_arns
                    .iter()
                    .filter_map(|arn| {
                        state.revisions.get(arn).map(|td| ServiceRevision {
                            service_revision_arn: Some(arn.clone()),
                            task_definition: Some(td.clone()),
                            created_at: None,
                        })
                    })
                    .collect()
            }),
        )
    }

    fn list_stopped_tasks<'a>(
        &'a self,
        _cluster: &'a str,
        service: &'a str,
    ) -> BoxFuture<'a, ApiResult<Vec<String>>> {
        Box::pin(
            self.answer("ListTasks", vec![service.to_owned()], move |state| {
                Ok(state
                    .scripts
                    .get(resource_name(service))
                    .and_then(Script::current)
                    .map(|step| {
                        step.stopped_tasks
                            .iter()
                            .map(|t| t.task_arn.clone())
                            .collect()
                    })
                    .unwrap_or_default())
            }),
        )
    }

    fn describe_tasks<'a>(
        &'a self,
        _cluster: &'a str,
        task_arns: &'a [String],
    ) -> BoxFuture<'a, ApiResult<Vec<StoppedTask>>> {
        assert!(task_arns.len() <= 100);
        Box::pin(self.answer("DescribeTasks", task_arns.to_vec(), |state| {
            let all: Vec<&StoppedTask> = state
                .scripts
                .values()
                .filter_map(Script::current)
                .flat_map(|step| step.stopped_tasks.iter())
                .collect();
            Ok(task_arns
                .iter()
                .filter_map(|arn| {
                    all.iter()
                        .find(|t| t.task_arn == *arn)
                        .map(|t| (*t).clone())
                })
                .collect())
        }))
    }

    /// Logged, and answered with an injected error if any; the script decides
    /// what ECS shows afterwards.
    fn stop_service_deployment<'a>(
        &'a self,
        service_deployment_arn: &'a str,
        stop_type: StopType,
    ) -> BoxFuture<'a, ApiResult<()>> {
        let args = vec![
            service_deployment_arn.to_owned(),
            stop_type.as_str().to_owned(),
        ];
        Box::pin(self.enter("StopServiceDeployment", args))
    }

    fn continue_service_deployment<'a>(
        &'a self,
        service_deployment_arn: &'a str,
        hook_id: &'a str,
        action: LifecycleHookAction,
    ) -> BoxFuture<'a, ApiResult<()>> {
        let args = vec![
            service_deployment_arn.to_owned(),
            hook_id.to_owned(),
            action.as_str().to_owned(),
        ];
        Box::pin(self.enter("ContinueServiceDeployment", args))
    }
}
