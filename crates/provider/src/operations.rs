//! What each resource operation does, in terms of typed args and state. The gRPC layer (`server`) only
//! unpacks requests and packs responses around these.

use std::sync::{Arc, RwLock};

use ecs_watcher::api::ApiError;
use ecs_watcher::message::human_duration;
use ecs_watcher::model::short_task_definition;
use ecs_watcher::{ProgressEvent, SetupError, WaitError};
use prost_types::Struct;
use pulumi_gestalt_proto::pulumi::pulumirpc::{CheckFailure, CheckResponse, ReadResponse};
use tokio_util::sync::CancellationToken;
use tonic::Status;

use crate::config::{ProviderConfig, check_config};
use crate::connections::{Connection, Connections};
use crate::engine_log::{EngineLog, LogEntry};
use crate::partial_failure::{InitFailure, resource_init_failed};
use crate::progress;
use crate::properties::{FieldError, Revealed, reveal, unknown_value};
use crate::redact::Redactor;
use crate::refresh::{Refreshed, refresh};
use crate::resource::{
    OUTPUT_TABLES, WaitArgs, WaitResults, WaitState, check_inputs, checked_inputs,
};

/// The provider's shared state: configuration, connections, the engine log and the shutdown signal.
pub struct Operations {
    config: RwLock<ProviderConfig>,
    connections: Connections,
    pub log: EngineLog,
    /// Cancelled by the engine's `Cancel` or a signal: every wait stops, then the server stops.
    shutdown: CancellationToken,
}

/// A `Create` or `Update` call.
pub struct ApplyCall<'a> {
    pub urn: &'a str,
    /// The existing id for `Update`; `Create` derives one from the deployment.
    pub id: Option<&'a str>,
    pub properties: Option<&'a Struct>,
    pub preview: bool,
    /// The engine's timeout for the operation, in seconds (customTimeouts); 0 when unset.
    pub timeout_seconds: f64,
}

/// The result of `Create`/`Update`: the id and the outputs.
pub struct Applied {
    pub id: String,
    pub outputs: Struct,
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

    pub fn check_config(&self, news: Option<&Struct>) -> CheckResponse {
        let revealed = reveal(news);
        let redactor = redactor_for(&revealed, &[ProviderConfig::FIELDS]);
        CheckResponse {
            inputs: news.cloned(),
            failures: check_failures(check_config(&revealed), &redactor),
        }
    }

    pub fn configure(
        &self,
        args: Option<&Struct>,
        variables: &std::collections::HashMap<String, String>,
    ) -> Result<(), Status> {
        let revealed = args.map(|args| reveal(Some(args)));
        let redactor = revealed
            .as_ref()
            .map(|r| redactor_for(r, &[ProviderConfig::FIELDS]))
            .unwrap_or_default();
        let config = ProviderConfig::from_configure(revealed.as_ref(), variables)
            .map_err(|errors| Status::invalid_argument(joined(&errors, &redactor)))?;
        *self
            .config
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = config;
        Ok(())
    }

    pub fn check(&self, news: Option<&Struct>) -> CheckResponse {
        let revealed = reveal(news);
        let redactor = redactor_for(&revealed, &[WaitArgs::FIELDS]);
        let failures = check_failures(check_inputs(&revealed), &redactor);
        let inputs = checked_inputs(&revealed).conceal(&[WaitArgs::FIELDS]);
        CheckResponse {
            inputs: Some(inputs),
            failures,
        }
    }

    /// `Create`/`Update`: in preview, the inputs and unknown results; otherwise wait for the deployment.
    pub async fn apply(&self, call: ApplyCall<'_>) -> Result<Applied, Status> {
        let news = reveal(call.properties);
        let redactor = redactor_for(&news, OUTPUT_TABLES);
        if call.preview {
            return Ok(Applied {
                id: call.id.unwrap_or_default().to_string(),
                outputs: preview_outputs(&news),
            });
        }
        let args = WaitArgs::decode(&news.values)
            .map_err(|errors| Status::invalid_argument(joined(&errors, &redactor)))?;
        let mut state = self
            .wait(call.urn, args, &redactor, call.timeout_seconds)
            .await?;
        // The message may quote a secret input back (ECS events name the service); the state must not keep it.
        state.results.failure_message = redactor.apply(&state.results.failure_message);
        // Ids are never secret in Pulumi, so a secret cluster or service name must not appear in one.
        let id = call
            .id
            .map_or_else(|| redactor.apply(&state.resource_id()), str::to_string);
        let outputs = Revealed {
            values: state.encode(),
            secret: news.secret.clone(),
        }
        .conceal(OUTPUT_TABLES);
        if state.fails_operation() {
            return Err(resource_init_failed(
                &redactor.apply(&state.failure_summary()),
                InitFailure {
                    id,
                    outputs,
                    inputs: news.conceal(&[WaitArgs::FIELDS]),
                    reasons: vec![state.results.failure_message.clone()],
                },
            ));
        }
        Ok(Applied { id, outputs })
    }

    async fn connect(
        &self,
        args: &WaitArgs,
        cancel: &CancellationToken,
        redactor: &Redactor,
    ) -> Result<Connection, Status> {
        let settings = self.config().aws_settings(args);
        tokio::select! {
            biased;
            _ = cancel.cancelled() => Err(cancelled(args)),
            connected = self.connections.get(&settings) => {
                connected.map_err(|error| Status::failed_precondition(redactor.apply(&setup_message(&error))))
            }
        }
    }

    async fn wait(
        &self,
        urn: &str,
        args: WaitArgs,
        redactor: &Redactor,
        timeout_seconds: f64,
    ) -> Result<WaitState, Status> {
        let cancel = self.shutdown.child_token();
        let connection = self.connect(&args, &cancel, redactor).await?;
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
        let result = connection
            .watcher
            .wait(args.wait_request(), options, cancel, progress)
            .await;
        let outcome = match result {
            Ok(report) => {
                let state = WaitState::from_report(args, &report);
                self.log
                    .log(urn, LogEntry::info(redactor.apply(&verdict_note(&state))));
                Ok(state)
            }
            Err(WaitError::Cancelled) => Err(cancelled(&args)),
            Err(error) => Err(wait_error_status(&error, redactor)),
        };
        self.log.flush().await;
        outcome
    }

    /// `Read`: the recorded state refreshed against what ECS says now.
    pub async fn read(
        &self,
        id: &str,
        properties: Option<&Struct>,
        inputs: Option<Struct>,
    ) -> Result<ReadResponse, Status> {
        let old = reveal(properties);
        let redactor = redactor_for(&old, OUTPUT_TABLES);
        let state = WaitState::decode(&old.values).map_err(|errors| {
            if old.values.is_empty() {
                Status::invalid_argument(
                    "WaitForEcsDeployment cannot be imported: it records a wait, not an AWS object; declare it instead",
                )
            } else {
                Status::invalid_argument(format!("the recorded state is unusable: {}", joined(&errors, &redactor)))
            }
        })?;
        let cancel = self.shutdown.child_token();
        let connection = self.connect(&state.args, &cancel, &redactor).await?;
        let services = [state.args.service_name.clone()];
        let described = tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(cancelled(&state.args)),
            described = connection.api.describe_services(&state.args.cluster_name, &services) => described,
        };
        let refreshed = match described {
            Ok(described) => refresh(&state, &described),
            Err(ApiError::ClusterNotFound { .. } | ApiError::ServiceNotFound { .. }) => {
                Refreshed::Gone
            }
            Err(error) => {
                return Err(Status::unavailable(redactor.apply(&format!(
                    "refreshing {}: DescribeServices failed: {error}",
                    state.resource_id()
                ))));
            }
        };
        match refreshed {
            Refreshed::Gone => Ok(ReadResponse {
                id: String::new(),
                properties: None,
                inputs: None,
                refresh_before_update: false,
            }),
            Refreshed::Results(mut results) => {
                results.failure_message = redactor.apply(&results.failure_message);
                let state = WaitState { results, ..state };
                let properties = Revealed {
                    values: state.encode(),
                    secret: old.secret,
                }
                .conceal(OUTPUT_TABLES);
                Ok(ReadResponse {
                    id: id.to_string(),
                    properties: Some(properties),
                    inputs,
                    refresh_before_update: false,
                })
            }
        }
    }
}

/// Preview outputs: the inputs as given (unknowns included) and every result unknown.
fn preview_outputs(news: &Revealed) -> Struct {
    let mut outputs = news.clone();
    for field in WaitResults::FIELDS {
        outputs
            .values
            .insert(field.name.to_string(), unknown_value());
    }
    outputs.conceal(OUTPUT_TABLES)
}

fn redactor_for(revealed: &Revealed, tables: &[&[crate::fields::FieldSpec]]) -> Redactor {
    Redactor::new(revealed.secret_texts(tables))
}

fn check_failures(errors: Vec<FieldError>, redactor: &Redactor) -> Vec<CheckFailure> {
    errors
        .into_iter()
        .map(|error| CheckFailure {
            property: error.property,
            reason: redactor.apply(&error.reason),
        })
        .collect()
}

fn joined(errors: &[FieldError], redactor: &Redactor) -> String {
    let reasons: Vec<String> = errors.iter().map(|e| redactor.apply(&e.reason)).collect();
    reasons.join("; ")
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

fn cancelled(args: &WaitArgs) -> Status {
    Status::cancelled(format!(
        "stopped waiting for the deployment to service {}: the operation was cancelled",
        args.service_name
    ))
}

/// A wait that ended without a verdict: the resource was not created/updated.
fn wait_error_status(error: &WaitError, redactor: &Redactor) -> Status {
    let message = redactor.apply(&error.to_string());
    match error {
        WaitError::Cancelled => Status::cancelled(message),
        WaitError::ClusterNotFound { .. } | WaitError::ServiceNotFound { .. } => {
            Status::not_found(message)
        }
        WaitError::AccessDenied { .. } => Status::permission_denied(message),
        WaitError::Input(_) => Status::invalid_argument(message),
        WaitError::Api(_) => Status::unavailable(message),
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
