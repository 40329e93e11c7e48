//! The `pulumirpc.ResourceProvider` gRPC service and the server that runs it: reads each request's property
//! structs into typed inputs (by `properties`), calls `operations` and `diff`, writes their typed results
//! into responses and maps [`OperationError`] to a gRPC status, including the "created but failed to
//! initialize" error that keeps a failed wait's outputs. The only module that speaks the protocol's request,
//! response and status types.

use std::collections::{BTreeSet, HashMap};

use prost::Message;
use prost::bytes::Bytes;
use prost_types::{Any, Struct};
use pulumi_gestalt_proto::pulumi::pulumirpc::diff_response::DiffChanges;
use pulumi_gestalt_proto::pulumi::pulumirpc::property_diff::Kind;
use pulumi_gestalt_proto::pulumi::pulumirpc::resource_provider_server::{
    ResourceProvider, ResourceProviderServer,
};
use pulumi_gestalt_proto::pulumi::pulumirpc::{
    CallRequest, CallResponse, CheckFailure, CheckRequest, CheckResponse, ConfigureRequest,
    ConfigureResponse, ConstructRequest, ConstructResponse, CreateRequest, CreateResponse,
    DeleteRequest, DiffRequest, DiffResponse, ErrorResourceInitFailed, GetMappingRequest,
    GetMappingResponse, GetMappingsRequest, GetMappingsResponse, GetSchemaRequest,
    GetSchemaResponse, InvokeRequest, InvokeResponse, ParameterizeRequest, ParameterizeResponse,
    PluginAttach, PluginInfo, PropertyDiff, ProviderHandshakeRequest, ProviderHandshakeResponse,
    ReadRequest, ReadResponse, UpdateRequest, UpdateResponse,
};
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_util::sync::CancellationToken;
use tonic::{Code, Request, Response, Status};

use crate::config::ConfigInputs;
use crate::diff::{DiffKind, DiffResult};
use crate::engine_log::EngineLog;
use crate::operations::{
    Applied, ApplyCall, InitFailure, OperationError, Operations, OutputValues, Outputs,
};
use crate::properties::{
    FieldError, PropertyMap, all_unknown, receive, reveal, send, with_defaults,
};
use crate::resource::{OUTPUT_TABLES, WaitArgs, WaitResults, WaitState};
use crate::{RESOURCE_TOKEN, VERSION, diff, schema};

/// Why the provider could not be served.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0}")]
    EngineAddress(String),
    #[error("gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// Serves the provider on `listener` until `shutdown` is cancelled (by the caller, a signal, or the engine's
/// `Cancel`), then lets in-flight calls finish (waits end within a second of cancellation) and returns.
pub async fn serve(
    listener: TcpListener,
    engine_address: Option<String>,
    shutdown: CancellationToken,
) -> Result<(), ServeError> {
    let log = EngineLog::start();
    if let Some(address) = engine_address.as_deref() {
        log.connect(address).map_err(ServeError::EngineAddress)?;
    }
    let provider = Provider::new(Operations::new(log, shutdown.clone()));
    let server = tonic::transport::Server::builder()
        .add_service(ResourceProviderServer::new(provider))
        .serve_with_incoming_shutdown(
            TcpListenerStream::new(listener),
            shutdown.clone().cancelled_owned(),
        );
    // A graceful HTTP/2 shutdown needs the client's cooperation (GOAWAY, PING ack). An engine that vanished
    // or stopped reading must not keep the process alive: waits end within a second of cancellation, so
    // anything still open after the drain limit is abandoned.
    tokio::select! {
        served = server => served?,
        () = async {
            shutdown.cancelled().await;
            tokio::time::sleep(DRAIN_LIMIT).await;
        } => tracing::warn!("connections still open {DRAIN_LIMIT:?} after shutdown; closing them"),
    }
    Ok(())
}

/// How long in-flight calls get to finish after shutdown begins.
const DRAIN_LIMIT: std::time::Duration = std::time::Duration::from_secs(3);

pub struct Provider {
    operations: Operations,
    /// Generated once: `GetSchema` may be called for every program run.
    schema: String,
}

impl Provider {
    pub fn new(operations: Operations) -> Self {
        Provider {
            operations,
            schema: schema::schema_text(),
        }
    }

    /// `Check`: what is wrong with `news`, and the inputs to go on with (the given ones plus defaults).
    pub fn check_inputs(&self, news: Option<&Struct>) -> CheckResponse {
        let failures = self.operations.check(&receive(news));
        check_response(Some(with_defaults(news, WaitArgs::FIELDS)), failures)
    }

    /// `CheckConfig`: what is wrong with the configuration `news`, handed back as given.
    pub fn check_config_of(&self, news: Option<&Struct>) -> CheckResponse {
        let failures = self.operations.check_config(&reveal(news));
        check_response(news.cloned(), failures)
    }

    fn connect_engine(&self, address: &str) -> Result<(), Status> {
        if address.is_empty() {
            return Ok(());
        }
        self.operations
            .log
            .connect(address)
            .map_err(Status::invalid_argument)
    }
}

/// A request about one resource, which names the resource's type.
trait ResourceRequest {
    fn resource_type(&self) -> &str;
}

macro_rules! resource_requests {
    ($($request:ty),+) => {
        $(impl ResourceRequest for $request {
            fn resource_type(&self) -> &str {
                &self.r#type
            }
        })+
    };
}

resource_requests!(
    CheckRequest,
    DiffRequest,
    CreateRequest,
    ReadRequest,
    UpdateRequest,
    DeleteRequest
);

/// The request, unless it is about a resource type this provider does not have (an empty type means
/// "not told").
fn for_our_resource<T: ResourceRequest>(request: Request<T>) -> Result<T, Status> {
    let request = request.into_inner();
    let resource_type = request.resource_type();
    if resource_type.is_empty() || resource_type == RESOURCE_TOKEN {
        Ok(request)
    } else {
        Err(Status::invalid_argument(format!(
            "unknown resource type {resource_type:?}: this provider only has {RESOURCE_TOKEN}"
        )))
    }
}

/// The one place an operation's failure becomes a gRPC status.
impl From<OperationError> for Status {
    fn from(error: OperationError) -> Self {
        match error {
            OperationError::InvalidInput(message) => Status::invalid_argument(message),
            OperationError::Setup(message) => Status::failed_precondition(message),
            OperationError::Cancelled(message) => Status::cancelled(message),
            OperationError::NotFound(message) => Status::not_found(message),
            OperationError::AccessDenied(message) => Status::permission_denied(message),
            OperationError::Unavailable(message) => Status::unavailable(message),
            OperationError::DeploymentFailed { message, failure } => {
                resource_init_failed(&message, *failure)
            }
        }
    }
}

fn check_response(inputs: Option<Struct>, failures: Vec<FieldError>) -> CheckResponse {
    CheckResponse {
        inputs,
        failures: failures
            .into_iter()
            .map(|failure| CheckFailure {
                property: failure.property,
                reason: failure.reason,
            })
            .collect(),
    }
}

/// `Diff`: the recorded outputs `olds` against the new inputs `news`.
pub fn resource_diff(
    olds: Option<&Struct>,
    news: Option<&Struct>,
    ignore_changes: &[String],
) -> DiffResponse {
    packed_diff(diff::diff_resource(
        &receive(olds).inputs,
        &receive(news).inputs,
        ignore_changes,
    ))
}

/// `DiffConfig`: the old configuration against the new.
pub fn config_diff(
    olds: Option<&Struct>,
    news: Option<&Struct>,
    ignore_changes: &[String],
) -> DiffResponse {
    packed_diff(diff::diff_config(
        &receive::<ConfigInputs>(olds).inputs,
        &receive::<ConfigInputs>(news).inputs,
        ignore_changes,
    ))
}

fn packed_diff(result: DiffResult) -> DiffResponse {
    let changes = if result.has_changes() {
        DiffChanges::DiffSome
    } else {
        DiffChanges::DiffNone
    };
    let diffs = result
        .changed_names()
        .into_iter()
        .map(str::to_string)
        .collect();
    let detailed_diff: HashMap<String, PropertyDiff> = result
        .changes
        .into_iter()
        .map(|change| {
            let kind = match change.kind {
                DiffKind::Add => Kind::Add,
                DiffKind::Update => Kind::Update,
                DiffKind::Delete => Kind::Delete,
            };
            let diff = PropertyDiff {
                kind: kind as i32,
                input_diff: change.input_diff,
            };
            (change.name, diff)
        })
        .collect();
    DiffResponse {
        // Never a replacement: the resource owns nothing in AWS (see `diff`).
        replaces: Vec::new(),
        stables: Vec::new(),
        delete_before_replace: false,
        changes: changes as i32,
        diffs,
        has_detailed_diff: true,
        detailed_diff,
    }
}

/// A state's properties (inputs and results), secret where `secret` or the tables say so.
pub fn state_outputs(state: &WaitState, secret: &BTreeSet<String>) -> Struct {
    send(secret, OUTPUT_TABLES, |values| write_state(state, values))
}

fn write_state(state: &WaitState, values: &mut PropertyMap) {
    state.args.encode_into(values);
    state.results.encode_into(values);
}

/// The outputs of a Create or Update (or of its preview).
pub fn outputs_struct(outputs: &Outputs) -> Struct {
    send(&outputs.secret, OUTPUT_TABLES, |values| {
        match &outputs.values {
            OutputValues::State(state) => write_state(state, values),
            OutputValues::Preview(inputs) => {
                inputs.preview_into(values);
                all_unknown(WaitResults::FIELDS, values);
            }
        }
    })
}

/// The inputs part of the outputs: what the engine records as the resource's inputs.
fn inputs_struct(outputs: &Outputs) -> Struct {
    send(
        &outputs.secret,
        &[WaitArgs::FIELDS],
        |values| match &outputs.values {
            OutputValues::State(state) => state.args.encode_into(values),
            OutputValues::Preview(inputs) => inputs.preview_into(values),
        },
    )
}

/// `google.rpc.Status`, the payload of gRPC's `grpc-status-details-bin` trailer. When a deployment fails, the
/// resource still has outputs worth keeping (status, failureMessage, ...); the engine records them, and shows
/// the reasons, only if the gRPC error carries a `google.rpc.Status` detail holding a
/// `pulumirpc.ErrorResourceInitFailed`. tonic transports that detail as the raw bytes of a
/// `google.rpc.Status`, which is small enough to declare here rather than pull in a crate for it.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RpcStatus {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
    #[prost(message, repeated, tag = "3")]
    pub details: Vec<Any>,
}

/// The type URL under which the engine looks for the detail.
pub const INIT_FAILED_TYPE_URL: &str = "type.googleapis.com/pulumirpc.ErrorResourceInitFailed";

/// The error status carrying the outputs, so the engine keeps the state and shows `message`.
pub fn resource_init_failed(message: &str, failure: InitFailure) -> Status {
    let detail = ErrorResourceInitFailed {
        properties: Some(outputs_struct(&failure.outputs)),
        inputs: Some(inputs_struct(&failure.outputs)),
        id: failure.id,
        reasons: failure.reasons,
        refresh_before_update: false,
    };
    let status = RpcStatus {
        code: Code::Unknown as i32,
        message: message.to_string(),
        details: vec![Any {
            type_url: INIT_FAILED_TYPE_URL.to_string(),
            value: detail.encode_to_vec(),
        }],
    };
    Status::with_details(Code::Unknown, message, Bytes::from(status.encode_to_vec()))
}

/// Reads the detail back out of a status (what the engine does; used by tests and diagnostics).
pub fn init_failure_of(status: &Status) -> Option<ErrorResourceInitFailed> {
    let rpc_status = RpcStatus::decode(status.details()).ok()?;
    rpc_status
        .details
        .iter()
        .find(|any| any.type_url == INIT_FAILED_TYPE_URL)
        .and_then(|any| ErrorResourceInitFailed::decode(any.value.as_slice()).ok())
}

fn unimplemented(what: &str) -> Status {
    Status::unimplemented(format!(
        "{what} is not supported by the wait-for-ecs-deploy provider"
    ))
}

#[tonic::async_trait]
impl ResourceProvider for Provider {
    async fn handshake(
        &self,
        request: Request<ProviderHandshakeRequest>,
    ) -> Result<Response<ProviderHandshakeResponse>, Status> {
        self.connect_engine(&request.get_ref().engine_address)?;
        Ok(Response::new(ProviderHandshakeResponse {
            accept_secrets: true,
            accept_resources: true,
            accept_outputs: false,
            supports_autonaming_configuration: false,
        }))
    }

    async fn parameterize(
        &self,
        _: Request<ParameterizeRequest>,
    ) -> Result<Response<ParameterizeResponse>, Status> {
        Err(unimplemented("Parameterize"))
    }

    async fn get_schema(
        &self,
        _: Request<GetSchemaRequest>,
    ) -> Result<Response<GetSchemaResponse>, Status> {
        Ok(Response::new(GetSchemaResponse {
            schema: self.schema.clone(),
        }))
    }

    async fn check_config(
        &self,
        request: Request<CheckRequest>,
    ) -> Result<Response<CheckResponse>, Status> {
        Ok(Response::new(
            self.check_config_of(request.get_ref().news.as_ref()),
        ))
    }

    async fn diff_config(
        &self,
        request: Request<DiffRequest>,
    ) -> Result<Response<DiffResponse>, Status> {
        let request = request.into_inner();
        let olds = request.old_inputs.as_ref().or(request.olds.as_ref());
        Ok(Response::new(config_diff(
            olds,
            request.news.as_ref(),
            &request.ignore_changes,
        )))
    }

    async fn configure(
        &self,
        request: Request<ConfigureRequest>,
    ) -> Result<Response<ConfigureResponse>, Status> {
        let request = request.into_inner();
        let args = request.args.as_ref().map(|args| reveal(Some(args)));
        self.operations
            .configure(args.as_ref(), &request.variables)?;
        Ok(Response::new(ConfigureResponse {
            accept_secrets: true,
            supports_preview: true,
            accept_resources: true,
            accept_outputs: false,
            supports_autonaming_configuration: false,
        }))
    }

    async fn invoke(&self, _: Request<InvokeRequest>) -> Result<Response<InvokeResponse>, Status> {
        Err(unimplemented("Invoke (this provider has no functions)"))
    }

    async fn call(&self, _: Request<CallRequest>) -> Result<Response<CallResponse>, Status> {
        Err(unimplemented("Call (this provider has no methods)"))
    }

    async fn check(
        &self,
        request: Request<CheckRequest>,
    ) -> Result<Response<CheckResponse>, Status> {
        let request = for_our_resource(request)?;
        Ok(Response::new(self.check_inputs(request.news.as_ref())))
    }

    async fn diff(&self, request: Request<DiffRequest>) -> Result<Response<DiffResponse>, Status> {
        let request = for_our_resource(request)?;
        Ok(Response::new(resource_diff(
            request.olds.as_ref(),
            request.news.as_ref(),
            &request.ignore_changes,
        )))
    }

    async fn create(
        &self,
        request: Request<CreateRequest>,
    ) -> Result<Response<CreateResponse>, Status> {
        let request = for_our_resource(request)?;
        let news = receive(request.properties.as_ref());
        let Applied { id, outputs } = self
            .operations
            .apply(ApplyCall {
                urn: &request.urn,
                id: None,
                news: &news,
                preview: request.preview,
                timeout_seconds: request.timeout,
            })
            .await?;
        Ok(Response::new(CreateResponse {
            id,
            properties: Some(outputs_struct(&outputs)),
            refresh_before_update: false,
        }))
    }

    async fn read(&self, request: Request<ReadRequest>) -> Result<Response<ReadResponse>, Status> {
        let request = for_our_resource(request)?;
        let old = receive(request.properties.as_ref());
        let refreshed = self.operations.read(&old).await?;
        // A resource whose service is gone reads as nothing (empty id): the engine then forgets it.
        let response = match refreshed {
            Some(state) => ReadResponse {
                id: request.id,
                properties: Some(state_outputs(&state, &old.secret)),
                inputs: request.inputs,
                refresh_before_update: false,
            },
            None => ReadResponse {
                id: String::new(),
                properties: None,
                inputs: None,
                refresh_before_update: false,
            },
        };
        Ok(Response::new(response))
    }

    async fn update(
        &self,
        request: Request<UpdateRequest>,
    ) -> Result<Response<UpdateResponse>, Status> {
        let request = for_our_resource(request)?;
        let news = receive(request.news.as_ref());
        let Applied { outputs, .. } = self
            .operations
            .apply(ApplyCall {
                urn: &request.urn,
                id: Some(&request.id),
                news: &news,
                preview: request.preview,
                timeout_seconds: request.timeout,
            })
            .await?;
        Ok(Response::new(UpdateResponse {
            properties: Some(outputs_struct(&outputs)),
            refresh_before_update: false,
        }))
    }

    /// Nothing exists in AWS on this resource's behalf, so deleting it only forgets the wait.
    async fn delete(&self, request: Request<DeleteRequest>) -> Result<Response<()>, Status> {
        for_our_resource(request)?;
        Ok(Response::new(()))
    }

    async fn construct(
        &self,
        _: Request<ConstructRequest>,
    ) -> Result<Response<ConstructResponse>, Status> {
        Err(unimplemented("Construct (this provider has no components)"))
    }

    async fn cancel(&self, _: Request<()>) -> Result<Response<()>, Status> {
        self.operations.shutdown();
        Ok(Response::new(()))
    }

    async fn get_plugin_info(&self, _: Request<()>) -> Result<Response<PluginInfo>, Status> {
        Ok(Response::new(PluginInfo {
            version: VERSION.to_string(),
        }))
    }

    async fn attach(&self, request: Request<PluginAttach>) -> Result<Response<()>, Status> {
        self.connect_engine(&request.get_ref().address)?;
        Ok(Response::new(()))
    }

    async fn get_mapping(
        &self,
        _: Request<GetMappingRequest>,
    ) -> Result<Response<GetMappingResponse>, Status> {
        Err(unimplemented("GetMapping"))
    }

    async fn get_mappings(
        &self,
        _: Request<GetMappingsRequest>,
    ) -> Result<Response<GetMappingsResponse>, Status> {
        Err(unimplemented("GetMappings"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::PropertyChange;
    use crate::properties::string_value;
    use ecs_watcher::Outcome;

    fn change(name: &str, kind: DiffKind, input_diff: bool) -> PropertyChange {
        PropertyChange {
            name: name.to_string(),
            kind,
            input_diff,
        }
    }

    #[test]
    fn a_changed_property_is_packed_as_an_in_place_update_with_a_detailed_diff() {
        let response = packed_diff(DiffResult {
            changes: vec![
                change("desiredTaskDef", DiffKind::Update, true),
                change("awsRegion", DiffKind::Add, true),
                change("timeoutMs", DiffKind::Delete, true),
                change("status", DiffKind::Update, false),
            ],
        });
        assert_eq!(response.changes, DiffChanges::DiffSome as i32);
        assert_eq!(
            response.diffs,
            ["desiredTaskDef", "awsRegion", "timeoutMs", "status"]
        );
        assert!(response.replaces.is_empty());
        assert!(response.has_detailed_diff);
        let kind_of = |name: &str| {
            response
                .detailed_diff
                .get(name)
                .map(|diff| (Kind::try_from(diff.kind).ok(), diff.input_diff))
        };
        assert_eq!(kind_of("desiredTaskDef"), Some((Some(Kind::Update), true)));
        assert_eq!(kind_of("awsRegion"), Some((Some(Kind::Add), true)));
        assert_eq!(kind_of("timeoutMs"), Some((Some(Kind::Delete), true)));
        assert_eq!(kind_of("status"), Some((Some(Kind::Update), false)));
    }

    #[test]
    fn no_change_is_packed_as_diff_none() {
        let response = packed_diff(DiffResult::default());
        assert_eq!(response.changes, DiffChanges::DiffNone as i32);
        assert!(response.diffs.is_empty());
    }

    #[test]
    fn every_operation_error_has_its_own_status_code() {
        use tonic::Code;
        let cases = [
            (
                OperationError::InvalidInput("a".into()),
                Code::InvalidArgument,
            ),
            (OperationError::Setup("b".into()), Code::FailedPrecondition),
            (OperationError::Cancelled("c".into()), Code::Cancelled),
            (OperationError::NotFound("d".into()), Code::NotFound),
            (
                OperationError::AccessDenied("e".into()),
                Code::PermissionDenied,
            ),
            (OperationError::Unavailable("f".into()), Code::Unavailable),
        ];
        for (error, code) in cases {
            let message = error.to_string();
            let status = Status::from(error);
            assert_eq!((status.code(), status.message()), (code, message.as_str()));
        }
    }

    /// The outputs of a wait that FAILED, with the secrets of `secret`.
    fn failed_outputs(secret: &[&str]) -> Outputs {
        let mut values = PropertyMap::new();
        values.insert("clusterName".into(), string_value("prod"));
        values.insert("serviceName".into(), string_value("web"));
        values.insert("desiredTaskDef".into(), string_value("web:4"));
        let state = WaitState {
            args: WaitArgs::decode(&values).unwrap(),
            results: WaitResults {
                status: "FAILED".into(),
                failure_message: "boom".into(),
                outcome: Outcome::Failed,
                deployment_id: Some("ecs-svc/1".into()),
                primary_task_def: None,
                elapsed_seconds: 1.0,
                lifecycle_stage: None,
                paused_hook_id: None,
                rollback_status: None,
            },
        };
        Outputs {
            values: OutputValues::State(state),
            secret: secret.iter().map(|name| name.to_string()).collect(),
        }
    }

    #[test]
    fn a_failed_deployment_keeps_its_outputs_in_the_status() {
        let status = Status::from(OperationError::DeploymentFailed {
            message: "deployment of web:4 FAILED: boom".into(),
            failure: Box::new(InitFailure {
                id: "prod/web/ecs-svc/1".into(),
                outputs: failed_outputs(&[]),
                reasons: vec!["boom".into()],
            }),
        });
        assert_eq!(status.message(), "deployment of web:4 FAILED: boom");
        let detail = init_failure_of(&status).expect("the detail");
        assert_eq!(detail.id, "prod/web/ecs-svc/1");
        assert_eq!(detail.reasons, ["boom"]);
    }

    #[test]
    fn detail_round_trips_with_outputs_and_reasons() {
        let outputs = failed_outputs(&["serviceName"]);
        let status = resource_init_failed(
            "deployment failed: boom",
            InitFailure {
                id: "c/s/ecs-svc/1".into(),
                outputs: outputs.clone(),
                reasons: vec!["boom".into()],
            },
        );
        assert_eq!(status.code(), Code::Unknown);
        assert_eq!(status.message(), "deployment failed: boom");
        let detail = init_failure_of(&status).unwrap();
        assert_eq!(detail.id, "c/s/ecs-svc/1");
        assert_eq!(detail.properties, Some(outputs_struct(&outputs)));
        assert_eq!(detail.reasons, ["boom"]);
        let properties = detail.properties.unwrap_or_default();
        assert_eq!(properties.fields["status"], string_value("FAILED"));
        // A secret input stays secret in both the outputs and the recorded inputs.
        let inputs = detail.inputs.unwrap_or_default();
        assert!(
            crate::properties::reveal(Some(&properties))
                .secret
                .contains("serviceName")
        );
        assert!(
            crate::properties::reveal(Some(&inputs))
                .secret
                .contains("serviceName")
        );
        assert!(
            !inputs.fields.contains_key("status"),
            "the inputs are the inputs only"
        );
        let rpc_status = RpcStatus::decode(status.details()).unwrap();
        assert_eq!(rpc_status.code, 2);
    }

    #[test]
    fn plain_errors_have_no_detail() {
        assert!(init_failure_of(&Status::internal("x")).is_none());
    }
}
