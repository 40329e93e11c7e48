//! The `pulumirpc.ResourceProvider` gRPC service and the server that runs it: unpacks requests, calls
//! `operations` and `diff`, packs their typed results into responses and maps [`OperationError`] to a gRPC
//! status. The only module that speaks the protocol's request, response and status types.

use std::collections::HashMap;

use prost_types::Struct;
use pulumi_gestalt_proto::pulumi::pulumirpc::diff_response::DiffChanges;
use pulumi_gestalt_proto::pulumi::pulumirpc::property_diff::Kind;
use pulumi_gestalt_proto::pulumi::pulumirpc::resource_provider_server::{
    ResourceProvider, ResourceProviderServer,
};
use pulumi_gestalt_proto::pulumi::pulumirpc::{
    CallRequest, CallResponse, CheckFailure, CheckRequest, CheckResponse, ConfigureRequest,
    ConfigureResponse, ConstructRequest, ConstructResponse, CreateRequest, CreateResponse,
    DeleteRequest, DiffRequest, DiffResponse, GetMappingRequest, GetMappingResponse,
    GetMappingsRequest, GetMappingsResponse, GetSchemaRequest, GetSchemaResponse, InvokeRequest,
    InvokeResponse, ParameterizeRequest, ParameterizeResponse, PluginAttach, PluginInfo,
    PropertyDiff, ProviderHandshakeRequest, ProviderHandshakeResponse, ReadRequest, ReadResponse,
    UpdateRequest, UpdateResponse,
};
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use crate::diff::{DiffKind, DiffResult};
use crate::engine_log::EngineLog;
use crate::operations::{Applied, ApplyCall, Checked, OperationError, Operations};
use crate::partial_failure::resource_init_failed;
use crate::properties::{Revealed, reveal};
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

fn check_response(checked: Checked) -> CheckResponse {
    CheckResponse {
        inputs: checked.inputs,
        failures: checked
            .failures
            .into_iter()
            .map(|failure| CheckFailure {
                property: failure.property,
                reason: failure.reason,
            })
            .collect(),
    }
}

/// Compares `olds` with the request's news by `compare` and packs the result.
fn diff_response(
    compare: fn(&Revealed, &Revealed, &[String]) -> DiffResult,
    olds: Option<&Struct>,
    request: &DiffRequest,
) -> DiffResponse {
    let result = compare(
        &reveal(olds),
        &reveal(request.news.as_ref()),
        &request.ignore_changes,
    );
    packed_diff(result)
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
        let checked = self
            .operations
            .check_config(request.get_ref().news.as_ref());
        Ok(Response::new(check_response(checked)))
    }

    async fn diff_config(
        &self,
        request: Request<DiffRequest>,
    ) -> Result<Response<DiffResponse>, Status> {
        let request = request.into_inner();
        let olds = request.old_inputs.as_ref().or(request.olds.as_ref());
        Ok(Response::new(diff_response(
            diff::diff_config,
            olds,
            &request,
        )))
    }

    async fn configure(
        &self,
        request: Request<ConfigureRequest>,
    ) -> Result<Response<ConfigureResponse>, Status> {
        let request = request.into_inner();
        self.operations
            .configure(request.args.as_ref(), &request.variables)?;
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
        let checked = self.operations.check(request.news.as_ref());
        Ok(Response::new(check_response(checked)))
    }

    async fn diff(&self, request: Request<DiffRequest>) -> Result<Response<DiffResponse>, Status> {
        let request = for_our_resource(request)?;
        Ok(Response::new(diff_response(
            diff::diff_resource,
            request.olds.as_ref(),
            &request,
        )))
    }

    async fn create(
        &self,
        request: Request<CreateRequest>,
    ) -> Result<Response<CreateResponse>, Status> {
        let request = for_our_resource(request)?;
        let Applied { id, outputs } = self
            .operations
            .apply(ApplyCall {
                urn: &request.urn,
                id: None,
                properties: request.properties.as_ref(),
                preview: request.preview,
                timeout_seconds: request.timeout,
            })
            .await?;
        Ok(Response::new(CreateResponse {
            id,
            properties: Some(outputs),
            refresh_before_update: false,
        }))
    }

    async fn read(&self, request: Request<ReadRequest>) -> Result<Response<ReadResponse>, Status> {
        let request = for_our_resource(request)?;
        let refreshed = self.operations.read(request.properties.as_ref()).await?;
        // A resource whose service is gone reads as nothing (empty id): the engine then forgets it.
        let response = match refreshed {
            Some(outputs) => ReadResponse {
                id: request.id,
                properties: Some(outputs),
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
        let Applied { outputs, .. } = self
            .operations
            .apply(ApplyCall {
                urn: &request.urn,
                id: Some(&request.id),
                properties: request.news.as_ref(),
                preview: request.preview,
                timeout_seconds: request.timeout,
            })
            .await?;
        Ok(Response::new(UpdateResponse {
            properties: Some(outputs),
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

    #[test]
    fn a_failed_deployment_keeps_its_outputs_in_the_status() {
        let status = Status::from(OperationError::DeploymentFailed {
            message: "deployment of web:4 FAILED: boom".into(),
            failure: Box::new(crate::partial_failure::InitFailure {
                id: "prod/web/ecs-svc/1".into(),
                outputs: Struct::default(),
                inputs: Struct::default(),
                reasons: vec!["boom".into()],
            }),
        });
        assert_eq!(status.message(), "deployment of web:4 FAILED: boom");
        let detail = crate::partial_failure::init_failure_of(&status).expect("the detail");
        assert_eq!(detail.id, "prod/web/ecs-svc/1");
        assert_eq!(detail.reasons, ["boom"]);
    }
}
