//! The `pulumirpc.ResourceProvider` gRPC service: unpacks requests, calls `operations`, packs responses.

use pulumi_gestalt_proto::pulumi::pulumirpc::resource_provider_server::ResourceProvider;
use pulumi_gestalt_proto::pulumi::pulumirpc::{
    CallRequest, CallResponse, CheckRequest, CheckResponse, ConfigureRequest, ConfigureResponse,
    ConstructRequest, ConstructResponse, CreateRequest, CreateResponse, DeleteRequest, DiffRequest,
    DiffResponse, GetMappingRequest, GetMappingResponse, GetMappingsRequest, GetMappingsResponse,
    GetSchemaRequest, GetSchemaResponse, InvokeRequest, InvokeResponse, ParameterizeRequest,
    ParameterizeResponse, PluginAttach, PluginInfo, ProviderHandshakeRequest,
    ProviderHandshakeResponse, ReadRequest, ReadResponse, UpdateRequest, UpdateResponse,
};
use tonic::{Request, Response, Status};

use crate::operations::{ApplyCall, Operations};
use crate::properties::reveal;
use crate::{RESOURCE_TOKEN, VERSION, diff, schema};

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

/// Rejects calls for a resource type this provider does not have (an empty type means "not told").
fn ensure_resource_type(resource_type: &str) -> Result<(), Status> {
    if resource_type.is_empty() || resource_type == RESOURCE_TOKEN {
        Ok(())
    } else {
        Err(Status::invalid_argument(format!(
            "unknown resource type {resource_type:?}: this provider only has {RESOURCE_TOKEN}"
        )))
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
        Ok(Response::new(
            self.operations
                .check_config(request.get_ref().news.as_ref()),
        ))
    }

    async fn diff_config(
        &self,
        request: Request<DiffRequest>,
    ) -> Result<Response<DiffResponse>, Status> {
        let request = request.into_inner();
        let olds = reveal(request.old_inputs.as_ref().or(request.olds.as_ref()));
        Ok(Response::new(diff::diff_config(
            &olds,
            &reveal(request.news.as_ref()),
            &request.ignore_changes,
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
        let request = request.into_inner();
        ensure_resource_type(&request.r#type)?;
        Ok(Response::new(self.operations.check(request.news.as_ref())))
    }

    async fn diff(&self, request: Request<DiffRequest>) -> Result<Response<DiffResponse>, Status> {
        let request = request.into_inner();
        ensure_resource_type(&request.r#type)?;
        Ok(Response::new(diff::diff_resource(
            &reveal(request.olds.as_ref()),
            &reveal(request.news.as_ref()),
            &request.ignore_changes,
        )))
    }

    async fn create(
        &self,
        request: Request<CreateRequest>,
    ) -> Result<Response<CreateResponse>, Status> {
        let request = request.into_inner();
        ensure_resource_type(&request.r#type)?;
        let applied = self
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
            id: applied.id,
            properties: Some(applied.outputs),
            refresh_before_update: false,
        }))
    }

    async fn read(&self, request: Request<ReadRequest>) -> Result<Response<ReadResponse>, Status> {
        let request = request.into_inner();
        ensure_resource_type(&request.r#type)?;
        let response = self
            .operations
            .read(&request.id, request.properties.as_ref(), request.inputs)
            .await?;
        Ok(Response::new(response))
    }

    async fn update(
        &self,
        request: Request<UpdateRequest>,
    ) -> Result<Response<UpdateResponse>, Status> {
        let request = request.into_inner();
        ensure_resource_type(&request.r#type)?;
        let applied = self
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
            properties: Some(applied.outputs),
            refresh_before_update: false,
        }))
    }

    /// Nothing exists in AWS on this resource's behalf, so deleting it only forgets the wait.
    async fn delete(&self, request: Request<DeleteRequest>) -> Result<Response<()>, Status> {
        ensure_resource_type(&request.get_ref().r#type)?;
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
