//! What each resource operation does, on typed values only: `server` reads the engine's property structs
//! into [`Received`] inputs ([`WaitInputs`], the recorded [`WaitState`]'s) and writes the typed results
//! ([`Outputs`], [`WaitState`]) back; connecting, waiting, refreshing and wording notes all happen on typed
//! values. Every way an operation fails is an [`OperationError`], which `server` alone turns into a gRPC
//! status.

use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};

use ecs_watcher::api::ApiError;
use ecs_watcher::layer::Operation;
use ecs_watcher::message::human_duration;
use ecs_watcher::model::short_task_definition;
use ecs_watcher::retry::{self, GaveUp, RetryPolicy};
use ecs_watcher::{ProgressEvent, SetupError, WaitError};
use tokio_util::sync::CancellationToken;

use crate::config::{ProviderConfig, check_config};
use crate::connections::{Connection, Connections};
use crate::engine_log::{EngineLog, LogEntry};
use crate::progress;
use crate::properties::{FieldError, Received, Revealed};
use crate::redact::Redactor;
use crate::refresh::{Refreshed, refresh};
use crate::resource::{WaitArgs, WaitInputs, WaitState, WaitStateInputs, check_inputs};
use crate::rollback_on;

/// Why an operation did not do what the engine asked. Every message is already redacted.
#[derive(Debug, thiserror::Error)]
pub enum OperationError {
    /// The inputs, the configuration or the recorded state cannot be used.
    #[error("{0}")]
    InvalidInput(String),
    /// No ECS connection: no region, no credentials, a role that cannot be assumed.
    #[error("{0}")]
    Setup(String),
    /// The engine (or a signal) cancelled the operation.
    #[error("{0}")]
    Cancelled(String),
    /// The cluster or the service does not exist.
    #[error("{0}")]
    NotFound(String),
    /// AWS refused the calls.
    #[error("{0}")]
    AccessDenied(String),
    /// ECS could not be asked (throttled, unreachable, failing).
    #[error("{0}")]
    Unavailable(String),
    /// The wait ended with a verdict that fails the operation (`failOnError`). The resource still exists:
    /// `failure` carries its id and outputs, so the engine keeps them.
    #[error("{message}")]
    DeploymentFailed {
        message: String,
        failure: Box<InitFailure>,
    },
}

/// The provider's shared state: configuration, connections, the engine log and the shutdown signal.
pub struct Operations {
    config: RwLock<ProviderConfig>,
    connections: Connections,
    pub log: EngineLog,
    /// Cancelled by the engine's `Cancel` or a signal: every wait stops, then the server stops.
    shutdown: CancellationToken,
}

/// What a failed `Create`/`Update` reports alongside its outputs, so the engine keeps them.
#[derive(Clone, Debug)]
pub struct InitFailure {
    pub id: String,
    /// The state of the failed wait; its inputs are the resource's inputs.
    pub outputs: Outputs,
    /// One line per reason; the engine prints each.
    pub reasons: Vec<String>,
}

/// A resource's outputs, typed: `server` writes them, wrapping as secret the properties in `secret` and
/// those the field tables mark secret.
#[derive(Clone, Debug)]
pub struct Outputs {
    pub values: OutputValues,
    /// The properties that arrived secret (a secret input stays a secret output).
    pub secret: BTreeSet<String>,
}

#[derive(Clone, Debug)]
pub enum OutputValues {
    /// The inputs and results of a wait.
    State(WaitState),
    /// A preview's: the inputs as given (unknowns included), every result not known yet.
    Preview(WaitInputs),
}

/// A `Create` or `Update` call.
pub struct ApplyCall<'a> {
    pub urn: &'a str,
    /// The existing id for `Update`; `Create` derives one from the deployment.
    pub id: Option<&'a str>,
    pub news: &'a Received<WaitInputs>,
    pub preview: bool,
    /// The engine's timeout for the operation, in seconds (customTimeouts); 0 when unset.
    pub timeout_seconds: f64,
}

/// The result of `Create`/`Update`: the id and the outputs.
pub struct Applied {
    pub id: String,
    pub outputs: Outputs,
}

impl Operations {
    pub fn new(log: EngineLog, shutdown: CancellationToken) -> Self {
        Operations {
            config: RwLock::new(ProviderConfig::unset()),
            connections: Connections::default(),
            log,
            shutdown,
        }
    }

    pub fn shutdown(&self) {
        self.shutdown.cancel();
    }

    fn config(&self) -> ProviderConfig {
        self.config
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// `CheckConfig`: what is wrong with the configuration (redacted).
    pub fn check_config(&self, news: &Revealed) -> Vec<FieldError> {
        let redactor = Redactor::new(news.secret_texts(&[ProviderConfig::FIELDS]));
        redacted(check_config(news), &redactor)
    }

    /// `Configure`: from `args`, or from the legacy `variables` map when the engine sends no args.
    pub fn configure(
        &self,
        args: Option<&Revealed>,
        variables: &std::collections::HashMap<String, String>,
    ) -> Result<(), OperationError> {
        let redactor = args
            .map(|args| Redactor::new(args.secret_texts(&[ProviderConfig::FIELDS])))
            .unwrap_or_default();
        let config = ProviderConfig::from_configure(args, variables)
            .map_err(|errors| invalid_input(&errors, &redactor))?;
        *self
            .config
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = config;
        Ok(())
    }

    /// `Check`: what is wrong with the inputs (redacted).
    pub fn check(&self, news: &Received<WaitInputs>) -> Vec<FieldError> {
        redacted(check_inputs(news), &redactor_for(news))
    }

    /// `Create`/`Update`: in preview, the inputs and unknown results; otherwise wait for the deployment.
    pub async fn apply(&self, call: ApplyCall<'_>) -> Result<Applied, OperationError> {
        let news = call.news;
        let redactor = redactor_for(news);
        if call.preview {
            return Ok(Applied {
                id: call.id.unwrap_or_default().to_string(),
                outputs: Outputs {
                    values: OutputValues::Preview(news.inputs.clone()),
                    secret: news.secret.clone(),
                },
            });
        }
        let args = news
            .inputs
            .clone()
            .resolve()
            .map_err(|errors| invalid_input(&errors, &redactor))?;
        let mut state = self
            .wait(call.urn, args, &redactor, call.timeout_seconds)
            .await?;
        // The message may quote a secret input back (ECS events name the service); the state must not keep it.
        state.results.failure_message = redactor.apply(&state.results.failure_message);
        // Ids are never secret in Pulumi, so a secret cluster or service name must not appear in one.
        let id = call
            .id
            .map_or_else(|| redactor.apply(&state.resource_id()), str::to_string);
        let fails = state.fails_operation().then(|| {
            (
                redactor.apply(&state.failure_summary()),
                state.results.failure_message.clone(),
            )
        });
        let outputs = Outputs {
            values: OutputValues::State(state),
            secret: news.secret.clone(),
        };
        if let Some((message, reason)) = fails {
            return Err(OperationError::DeploymentFailed {
                message,
                failure: Box::new(InitFailure {
                    id,
                    outputs,
                    reasons: vec![reason],
                }),
            });
        }
        Ok(Applied { id, outputs })
    }

    async fn connect(
        &self,
        args: &WaitArgs,
        cancel: &CancellationToken,
        redactor: &Redactor,
    ) -> Result<Connection, OperationError> {
        let settings = self.config().aws_settings(args);
        tokio::select! {
            biased;
            _ = cancel.cancelled() => Err(cancelled(args)),
            connected = self.connections.get(&settings) => {
                connected.map_err(|error| OperationError::Setup(redactor.apply(&setup_message(&error))))
            }
        }
    }

    async fn wait(
        &self,
        urn: &str,
        args: WaitArgs,
        redactor: &Redactor,
        timeout_seconds: f64,
    ) -> Result<WaitState, OperationError> {
        let cancel = self.shutdown.child_token();
        // Each phase's future is boxed while it runs, so the in-flight Create keeps only the phase it is in
        // (one wait at a time per resource, up to thousands per provider: docs/BENCHMARKS.md, figure 4).
        let connection = Box::pin(self.connect(&args, &cancel, redactor)).await?;
        let options = args.wait_options(timeout_seconds);
        self.log.log(
            urn,
            LogEntry::status(redactor.apply(&format!(
                "waiting up to {} for {} on service {}",
                human_duration(options.timeout),
                short_task_definition(&args.desired_task_def),
                args.service_name
            ))),
        );
        let progress = {
            let (log, urn, redactor) = (self.log.clone(), urn.to_string(), redactor.clone());
            Arc::new(move |event: ProgressEvent| {
                let mut entry = progress::log_entry(&event);
                entry.text = redactor.apply(&entry.text);
                log.log(&urn, entry);
            })
        };
        let (wait_timeout, poll_interval) = (options.timeout, options.poll_interval);
        let result = Box::pin(connection.watcher.wait(
            args.wait_request(),
            options,
            cancel.clone(),
            progress,
        ))
        .await;
        let outcome = match result {
            Ok(report) => {
                let mut state = WaitState::from_report(args, &report);
                if let Some(rollback) = Box::pin(rollback_on::after_verdict(
                    &connection.clients,
                    &report,
                    &mut state,
                    wait_timeout,
                    poll_interval,
                    &cancel,
                ))
                .await
                {
                    self.log.log(
                        urn,
                        LogEntry::info(redactor.apply(&format!("rollback: {}", rollback.reason))),
                    );
                }
                self.log
                    .log(urn, LogEntry::info(redactor.apply(&verdict_note(&state))));
                Ok(state)
            }
            Err(WaitError::Cancelled { watched }) => {
                let rollback = Box::pin(rollback_on::after_cancel(
                    &connection.clients,
                    &args,
                    watched.as_deref(),
                ))
                .await;
                Err(match rollback {
                    Some(rollback) => OperationError::Cancelled(redactor.apply(&format!(
                        "stopped waiting for the deployment to service {}: the operation was \
                         cancelled; {}",
                        args.service_name,
                        if rollback.requested {
                            "requested its rollback (rollbackOn: cancelled)".to_owned()
                        } else {
                            rollback.reason
                        }
                    ))),
                    None => cancelled(&args),
                })
            }
            Err(error) => Err(wait_error(&error, redactor)),
        };
        self.log.flush().await;
        outcome
    }

    /// `Read`: the recorded outputs refreshed against what ECS says now; `None` when the service is gone.
    pub async fn read(
        &self,
        old: &Received<WaitStateInputs>,
    ) -> Result<Option<WaitState>, OperationError> {
        let redactor = redactor_for(old);
        let state = WaitState::resolve(old.inputs.clone()).map_err(|errors| {
            if old.is_empty {
                OperationError::InvalidInput(
                    "WaitForEcsDeployment cannot be imported: it records a wait, not an AWS object; declare it instead"
                        .to_string(),
                )
            } else {
                OperationError::InvalidInput(format!(
                    "the recorded state is unusable: {}",
                    joined(&errors, &redactor)
                ))
            }
        })?;
        self.refreshed(state, &redactor).await
    }

    /// The state with its results as ECS shows them now; `None` when the cluster or service is gone.
    async fn refreshed(
        &self,
        state: WaitState,
        redactor: &Redactor,
    ) -> Result<Option<WaitState>, OperationError> {
        let cancel = self.shutdown.child_token();
        let connection = self.connect(&state.args, &cancel, redactor).await?;
        let services = [state.args.service_name.clone()];
        // Throttling and dropped connections are retried with backoff (the one error policy), so a refresh
        // of many resources at once does not fail on a rate limit.
        let ecs = connection.clients.ecs();
        let described = retry::obeying_recovery(
            Operation::DescribeServices,
            RetryPolicy::ONE_OFF,
            &cancel,
            || ecs.describe_services(&state.args.cluster_name, &services),
        )
        .await;
        let refreshed = match described {
            Ok(described) => refresh(&state, &described),
            Err(GaveUp::Cancelled) => return Err(cancelled(&state.args)),
            Err(GaveUp::Error(
                ApiError::ClusterNotFound { .. } | ApiError::ServiceNotFound { .. },
            )) => Refreshed::Gone,
            Err(GaveUp::Error(error)) => {
                let message = redactor.apply(&format!(
                    "refreshing {}: DescribeServices failed: {error}",
                    state.resource_id()
                ));
                // Denied is the caller's to fix, as for a wait; the rest may pass.
                return Err(match error {
                    ApiError::AccessDenied { .. } => OperationError::AccessDenied(message),
                    _ => OperationError::Unavailable(message),
                });
            }
        };
        Ok(match refreshed {
            Refreshed::Gone => None,
            Refreshed::Results(mut results) => {
                results.failure_message = redactor.apply(&results.failure_message);
                Some(WaitState { results, ..state })
            }
        })
    }
}

fn redactor_for<T>(received: &Received<T>) -> Redactor {
    Redactor::new(received.secret_texts.clone())
}

fn redacted(errors: Vec<FieldError>, redactor: &Redactor) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|error| FieldError {
            reason: redactor.apply(&error.reason),
            ..error
        })
        .collect()
}

fn joined(errors: &[FieldError], redactor: &Redactor) -> String {
    let reasons: Vec<String> = errors.iter().map(|e| redactor.apply(&e.reason)).collect();
    reasons.join("; ")
}

fn invalid_input(errors: &[FieldError], redactor: &Redactor) -> OperationError {
    OperationError::InvalidInput(joined(errors, redactor))
}

/// The watcher words setup errors for the CLI (`--region`); say what to set in a Pulumi program instead.
fn setup_message(error: &SetupError) -> String {
    match error {
        SetupError::NoRegion => "no AWS region: set awsRegion on the resource, run \
                                 `pulumi config set wait-for-ecs-deploy:region <region>`, or set AWS_REGION"
            .to_string(),
        other => other.to_string(),
    }
}

fn cancelled(args: &WaitArgs) -> OperationError {
    OperationError::Cancelled(format!(
        "stopped waiting for the deployment to service {}: the operation was cancelled",
        args.service_name
    ))
}

/// A wait that ended without a verdict: the resource was not created/updated.
fn wait_error(error: &WaitError, redactor: &Redactor) -> OperationError {
    let message = redactor.apply(&error.to_string());
    match error {
        WaitError::Cancelled { .. } => OperationError::Cancelled(message),
        WaitError::ClusterNotFound { .. } | WaitError::ServiceNotFound { .. } => {
            OperationError::NotFound(message)
        }
        WaitError::AccessDenied { .. } => OperationError::AccessDenied(message),
        WaitError::Input(_) | WaitError::Unsupported(_) => OperationError::InvalidInput(message),
        WaitError::Api(_) => OperationError::Unavailable(message),
    }
}

fn verdict_note(state: &WaitState) -> String {
    let deployment = state
        .results
        .deployment_id
        .as_deref()
        .unwrap_or("(no deployment found)");
    let mut note = format!(
        "deployment {deployment} {} after {:.1}s",
        state.results.outcome.as_str(),
        state.results.elapsed_seconds
    );
    if !state.results.failure_message.is_empty() {
        note.push_str(&format!(": {}", state.results.failure_message));
    }
    note
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_region_is_explained_in_pulumi_terms() {
        let message = setup_message(&SetupError::NoRegion);
        assert!(
            message.contains("awsRegion") && message.contains("wait-for-ecs-deploy:region"),
            "{message}"
        );
        assert!(!message.contains("--region"));
    }
}
