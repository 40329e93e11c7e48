//! Test harness: the ECS simulator, a fake Pulumi engine recording `Log` calls, and the provider served
//! in-process on 127.0.0.1, reached through the real gRPC client.

#![allow(dead_code)] // each test binary uses a different part of the harness

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

pub use ecs_sim::scenario::{CircuitBreaker, Scenario, TaskBehaviour};
use ecs_sim::{SimConfig, SimHandle};
use prost_types::value::Kind;
use prost_types::{Struct, Value};
use pulumi_gestalt_proto::pulumi::pulumirpc::engine_server::{Engine, EngineServer};
use pulumi_gestalt_proto::pulumi::pulumirpc::resource_provider_client::ResourceProviderClient;
use pulumi_gestalt_proto::pulumi::pulumirpc::{
    CheckFailure, CheckRequest, CheckResponse, ConfigureRequest, CreateRequest, DiffRequest,
    DiffResponse, GetRootResourceRequest, GetRootResourceResponse, LogRequest, PluginAttach,
    ProviderHandshakeRequest, ReadRequest, ReadResponse, RequirePulumiVersionRequest,
    RequirePulumiVersionResponse, SetRootResourceRequest, SetRootResourceResponse,
    StartDebuggingRequest, UpdateRequest,
};
use pulumi_resource_wait_for_ecs_deploy::{ServeError, serve};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;
use tonic::{Request, Response, Status};

/// The dummy secret access key the provider's credential chain finds in the environment. Distinctive, so a
/// test can prove it never shows up in a message.
pub const DUMMY_SECRET_KEY: &str = "dummy-secret-key-must-never-be-logged-8c41d";
pub const REGION: &str = "us-east-1";
pub const TOKEN: &str = "wait-for-ecs-deploy:index:WaitForEcsDeployment";
pub const UNKNOWN: &str = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/// Simulated seconds per real second: a rollout of ~15 sim seconds takes ~0.3 s.
pub const TIME_SCALE: f64 = 50.0;

/// What every provider under test finds in its environment: dummy credentials, no instance metadata, no proxy
/// for loopback, and none of the host's AWS files.
pub const TEST_ENVIRONMENT: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "test"),
    ("AWS_SECRET_ACCESS_KEY", DUMMY_SECRET_KEY),
    ("AWS_EC2_METADATA_DISABLED", "true"),
    ("NO_PROXY", "127.0.0.1,localhost"),
    ("no_proxy", "127.0.0.1,localhost"),
    ("AWS_CONFIG_FILE", "/nonexistent/aws-config"),
    (
        "AWS_SHARED_CREDENTIALS_FILE",
        "/nonexistent/aws-credentials",
    ),
];

static ENVIRONMENT: Once = Once::new();

/// Points the AWS credential chain at dummy credentials and keeps everything on loopback: sets
/// [`TEST_ENVIRONMENT`] in this process, and removes what could point elsewhere.
///
/// Every test calls this first, before it creates a runtime or spawns anything.
pub fn init_environment() {
    ENVIRONMENT.call_once(|| {
        // SAFETY: `Once` runs this exactly once and makes every other test thread calling
        // `init_environment` wait until it is done; each test calls it before starting a runtime or any
        // thread of its own, and the test harness itself does not read the environment while tests run.
        // So no thread reads the environment while it is being written.
        unsafe {
            for (name, value) in TEST_ENVIRONMENT {
                std::env::set_var(name, value);
            }
            // Keep the host's own AWS setup out of the tests.
            for name in [
                "AWS_PROFILE",
                "AWS_SESSION_TOKEN",
                "AWS_ENDPOINT_URL",
                "AWS_ENDPOINT_URL_ECS",
                "AWS_REGION",
                "AWS_DEFAULT_REGION",
                "AWS_ROLE_ARN",
                "AWS_WEB_IDENTITY_TOKEN_FILE",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "HTTPS_PROXY",
                "https_proxy",
                "HTTP_PROXY",
                "http_proxy",
            ] {
                std::env::remove_var(name);
            }
        }
    });
}

/// Runs `test` with a fresh [`Harness`] on a fresh runtime, after [`init_environment`]: every provider
/// test's start.
pub fn with_harness<Test, Done>(test: Test)
where
    Test: FnOnce(Harness) -> Done,
    Done: std::future::Future<Output = ()>,
{
    init_environment();
    runtime().block_on(async { test(Harness::start().await).await });
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// A Diff or Update request (same members) of the resource `wait`: state `olds`, checked inputs `news`.
macro_rules! change_request {
    ($request:ident, $id:expr, $olds:expr, $news:expr) => {
        $request {
            id: $id.to_owned(),
            urn: urn("wait"),
            olds: Some($olds.clone()),
            news: Some($news.clone()),
            r#type: TOKEN.into(),
            ..Default::default()
        }
    };
}

/// A Pulumi engine that only records what the provider logs.
#[derive(Clone, Default)]
pub struct FakeEngine {
    pub logs: Arc<Mutex<Vec<LogRequest>>>,
}

#[tonic::async_trait]
impl Engine for FakeEngine {
    async fn log(&self, request: Request<LogRequest>) -> Result<Response<()>, Status> {
        self.logs.lock().unwrap().push(request.into_inner());
        Ok(Response::new(()))
    }

    async fn get_root_resource(
        &self,
        _: Request<GetRootResourceRequest>,
    ) -> Result<Response<GetRootResourceResponse>, Status> {
        Ok(Response::new(GetRootResourceResponse {
            urn: String::new(),
        }))
    }

    async fn set_root_resource(
        &self,
        _: Request<SetRootResourceRequest>,
    ) -> Result<Response<SetRootResourceResponse>, Status> {
        Ok(Response::new(SetRootResourceResponse {}))
    }

    async fn start_debugging(
        &self,
        _: Request<StartDebuggingRequest>,
    ) -> Result<Response<()>, Status> {
        Ok(Response::new(()))
    }

    async fn require_pulumi_version(
        &self,
        _: Request<RequirePulumiVersionRequest>,
    ) -> Result<Response<RequirePulumiVersionResponse>, Status> {
        Ok(Response::new(RequirePulumiVersionResponse {}))
    }
}

impl FakeEngine {
    pub fn messages(&self) -> Vec<LogRequest> {
        self.logs.lock().unwrap().clone()
    }

    /// Serves on 127.0.0.1 and returns the address to hand the provider.
    async fn start(&self) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let server = tonic::transport::Server::builder()
            .add_service(EngineServer::new(self.clone()))
            .serve_with_incoming(TcpListenerStream::new(listener));
        tokio::spawn(server);
        address
    }
}

pub struct Harness {
    pub sim: SimHandle,
    /// Sets up clusters, task definitions and services (in cluster `prod` unless told otherwise).
    pub scenario: Scenario,
    pub engine: FakeEngine,
    pub client: ResourceProviderClient<Channel>,
    /// `http://127.0.0.1:PORT` of the provider, for tests that open connections of their own.
    pub provider_uri: String,
    pub shutdown: CancellationToken,
    pub provider: JoinHandle<Result<(), ServeError>>,
}

/// How the provider learns the engine's address.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum EngineLink {
    /// `Handshake`, as a current engine does after starting the plugin.
    Handshake,
    /// `Attach`, as the engine does with PULUMI_DEBUG_PROVIDERS (the provider was started by hand).
    Attach,
}

impl Harness {
    /// Simulator, fake engine, provider (handshaken and configured for the simulator).
    pub async fn start() -> Harness {
        Harness::start_linked(EngineLink::Handshake).await
    }

    pub async fn start_linked(link: EngineLink) -> Harness {
        let sim = ecs_sim::start(SimConfig {
            time_scale: TIME_SCALE,
            ..SimConfig::default()
        })
        .await
        .expect("simulator starts");
        let engine = FakeEngine::default();
        let engine_address = engine.start().await;

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let provider_address = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let provider = tokio::spawn(serve(listener, None, shutdown.clone()));
        let provider_uri = format!("http://{provider_address}");
        let mut client = ResourceProviderClient::connect(provider_uri.clone())
            .await
            .expect("provider reachable");
        match link {
            EngineLink::Handshake => {
                let handshake = ProviderHandshakeRequest {
                    engine_address,
                    ..Default::default()
                };
                client.handshake(handshake).await.expect("handshake");
            }
            EngineLink::Attach => {
                let attach = PluginAttach {
                    address: engine_address,
                };
                client.attach(attach).await.expect("attach");
            }
        }
        let configuration = ConfigureRequest {
            accept_resources: true,
            ..configure_request(&[
                ("region", text(REGION)),
                ("endpoint", text(&sim.endpoint())),
            ])
        };
        client.configure(configuration).await.expect("configure");

        let scenario = Scenario::new(ecs_sim::scenario::client(&sim.endpoint()), "prod");
        Harness {
            sim,
            scenario,
            engine,
            client,
            provider_uri,
            shutdown,
            provider,
        }
    }

    pub async fn create_cluster(&self, name: &str) {
        self.scenario
            .in_cluster(name)
            .create_cluster()
            .await
            .expect("CreateCluster");
    }

    /// Cluster `prod` and a service there of family `service`, whose first deployment runs a task definition
    /// behaving as `behaviour`; returns that task definition's ARN.
    pub async fn service_running(
        &self,
        service: &str,
        behaviour: TaskBehaviour,
        circuit_breaker: Option<bool>,
    ) -> String {
        self.create_cluster("prod").await;
        let task_definition = self.register(service, behaviour).await;
        self.create_service("prod", service, &task_definition, circuit_breaker)
            .await;
        task_definition
    }

    /// Registers `family` with one essential container behaving as `behaviour`; returns the task
    /// definition ARN.
    pub async fn register(&self, family: &str, behaviour: TaskBehaviour) -> String {
        self.scenario
            .register(family, behaviour)
            .await
            .expect("RegisterTaskDefinition")
    }

    /// A service of 2 tasks; `circuit_breaker`: `None` for none, `Some(rollback)` for one.
    pub async fn create_service(
        &self,
        cluster: &str,
        service: &str,
        task_definition: &str,
        circuit_breaker: Option<bool>,
    ) {
        self.scenario
            .in_cluster(cluster)
            .create_service(
                service,
                task_definition,
                2,
                CircuitBreaker::from_rollback(circuit_breaker),
            )
            .await
            .expect("CreateService");
    }

    pub async fn update_service(&self, cluster: &str, service: &str, task_definition: &str) {
        self.scenario
            .in_cluster(cluster)
            .update_service(service, task_definition)
            .await
            .expect("UpdateService");
    }

    /// Check of the resource `wait` with `inputs` as its news.
    pub async fn check(&mut self, inputs: Struct) -> Result<CheckResponse, Status> {
        self.client
            .check(check_request(inputs))
            .await
            .map(Response::into_inner)
    }

    /// Runs Check and returns the checked inputs (panics on failures).
    pub async fn checked(&mut self, inputs: Struct) -> Struct {
        let response = self.check(inputs).await.expect("Check");
        assert!(
            response.failures.is_empty(),
            "unexpected check failures: {:?}",
            response.failures
        );
        response.inputs.expect("checked inputs")
    }

    /// Check of a wait on `service` in `prod` for `task_definition` ([`wait_inputs`], with `extra` added or
    /// replacing); returns the checked inputs (panics on failures).
    pub async fn checked_wait(
        &mut self,
        service: &str,
        task_definition: &str,
        extra: &[(&'static str, Value)],
    ) -> Struct {
        let inputs = inputs_with(wait_inputs("prod", service, task_definition), extra);
        self.checked(inputs).await
    }

    /// [`Harness::service_running`] and [`Harness::checked_wait`] on it: cluster `prod` with a new service
    /// `service` whose first deployment runs a task definition behaving as `behaviour`; returns that task
    /// definition and the checked inputs of a wait for it (with `extra`).
    pub async fn wait_on_new_service(
        &mut self,
        service: &str,
        behaviour: TaskBehaviour,
        circuit_breaker: Option<bool>,
        extra: &[(&'static str, Value)],
    ) -> (String, Struct) {
        let task_definition = self
            .service_running(service, behaviour, circuit_breaker)
            .await;
        let inputs = self.checked_wait(service, &task_definition, extra).await;
        (task_definition, inputs)
    }

    /// Diff of the resource `wait`: `olds` (its state) against `news` (checked inputs).
    pub async fn diff(&mut self, id: &str, olds: &Struct, news: &Struct) -> DiffResponse {
        let request = change_request!(DiffRequest, id, olds, news);
        self.client.diff(request).await.expect("diff").into_inner()
    }

    /// Update of the resource `wait` from `olds` to `news`; returns the new outputs.
    pub async fn update(&mut self, id: &str, olds: &Struct, news: &Struct) -> Struct {
        let request = change_request!(UpdateRequest, id, olds, news);
        let response = self.client.update(request).await.expect("update");
        response.into_inner().properties.expect("update outputs")
    }

    /// Read (refresh) of the resource `wait` with state `properties` and `inputs`.
    pub async fn read(&mut self, id: &str, properties: Struct, inputs: &Struct) -> ReadResponse {
        self.try_read(id, properties, inputs).await.expect("read")
    }

    /// [`Harness::read`] that may fail.
    /// A resource whose wait on a new healthy `service` completed, then another revision of it deployed
    /// outside Pulumi (still rolling out): the resource's id, state and inputs, and the new revision.
    pub async fn created_then_redeployed(
        &mut self,
        service: &str,
    ) -> (String, Struct, Struct, String) {
        let (_, inputs) = self
            .wait_on_new_service(service, TaskBehaviour::Healthy, Some(true), &[])
            .await;
        let (id, outputs) = self
            .create(inputs.clone(), false, 0.0)
            .await
            .expect("create");
        let newer = self.register(service, TaskBehaviour::Healthy).await;
        self.update_service("prod", service, &newer).await;
        (id, outputs, inputs, newer)
    }

    pub async fn try_read(
        &mut self,
        id: &str,
        properties: Struct,
        inputs: &Struct,
    ) -> Result<ReadResponse, Status> {
        self.client
            .read(ReadRequest {
                id: id.to_owned(),
                urn: urn("wait"),
                properties: Some(properties),
                inputs: Some(inputs.clone()),
                r#type: TOKEN.into(),
                ..Default::default()
            })
            .await
            .map(Response::into_inner)
    }

    pub async fn create(
        &mut self,
        properties: Struct,
        preview: bool,
        timeout: f64,
    ) -> Result<(String, Struct), Status> {
        self.client
            .create(CreateRequest {
                timeout,
                preview,
                ..create_request(properties)
            })
            .await
            .map(|response| {
                let response = response.into_inner();
                (response.id, response.properties.unwrap_or_default())
            })
    }

    /// Starts a Create of `inputs`, holds until some engine log message contains `started` (so the Cancel
    /// never races the start of the wait), sends Cancel, and returns the Create's answer with the time it
    /// took after the Cancel.
    pub async fn create_then_cancel(
        &mut self,
        inputs: Struct,
        started: &str,
    ) -> (Result<(String, Struct), Status>, Duration) {
        let mut waiting_client = self.client.clone();
        let waiting =
            tokio::spawn(async move { waiting_client.create(create_request(inputs)).await });
        let engine = self.engine.clone();
        let logged = ecs_sim::scenario::poll_until(
            Duration::from_secs(30),
            Duration::from_millis(20),
            async || {
                let messages = engine.messages();
                messages
                    .iter()
                    .any(|m| m.message.contains(started))
                    .then_some(())
            },
        );
        assert!(
            logged.await.is_some(),
            "no log message contains {started:?}: the wait never got there"
        );
        let cancelled_at = tokio::time::Instant::now();
        self.client.cancel(()).await.expect("cancel");
        let result = waiting.await.expect("create task").map(|response| {
            let response = response.into_inner();
            (response.id, response.properties.unwrap_or_default())
        });
        (result, cancelled_at.elapsed())
    }

    pub fn total_calls(&self) -> u64 {
        self.sim.call_counts().values().sum()
    }

    /// Every text the provider produced for a person: log messages.
    pub fn log_texts(&self) -> Vec<String> {
        self.engine
            .messages()
            .into_iter()
            .map(|m| m.message)
            .collect()
    }
}

/// The properties a Check or CheckConfig failed, sorted.
pub fn failed_properties(failures: &[CheckFailure]) -> Vec<&str> {
    let mut properties: Vec<&str> = failures.iter().map(|f| f.property.as_str()).collect();
    properties.sort();
    properties
}

/// The outputs a failed Create or Update recorded with its error (panics if there are none).
pub fn failed_outputs(error: &Status) -> Struct {
    pulumi_resource_wait_for_ecs_deploy::partial_failure::init_failure_of(error)
        .and_then(|detail| detail.properties)
        .expect("outputs recorded")
}

/// A Create of the resource `wait` with `properties` as its checked inputs.
pub fn create_request(properties: Struct) -> CreateRequest {
    CreateRequest {
        urn: urn("wait"),
        properties: Some(properties),
        name: "wait".into(),
        r#type: TOKEN.into(),
        ..Default::default()
    }
}

/// A Configure request with `args` as the provider's configuration, accepting secrets.
pub fn configure_request(args: &[(&str, Value)]) -> ConfigureRequest {
    ConfigureRequest {
        args: Some(object(args)),
        accept_secrets: true,
        ..Default::default()
    }
}

/// A Check request for the resource `wait` with `inputs` as its news.
pub fn check_request(inputs: Struct) -> CheckRequest {
    CheckRequest {
        urn: urn("wait"),
        news: Some(inputs),
        r#type: TOKEN.into(),
        name: "wait".into(),
        ..Default::default()
    }
}

pub fn urn(name: &str) -> String {
    format!("urn:pulumi:test::provider-tests::{TOKEN}::{name}")
}

/// Wire values, as the provider itself builds them.
#[allow(unused_imports)] // each test binary uses a different part of the harness
pub use pulumi_resource_wait_for_ecs_deploy::properties::{
    bool_value as boolean, number_value as number,
};

pub fn text(value: &str) -> Value {
    pulumi_resource_wait_for_ecs_deploy::properties::string_value(value)
}

pub fn secret(value: Value) -> Value {
    object_value(&[
        (
            "4dabf18193072939515e22adb298388d",
            text("1b47061264138c4ac30d75fd1eb44270"),
        ),
        ("value", value),
    ])
}

pub fn object(entries: &[(&str, Value)]) -> Struct {
    Struct {
        fields: entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn object_value(entries: &[(&str, Value)]) -> Value {
    Value {
        kind: Some(Kind::StructValue(object(entries))),
    }
}

/// A string property of a wire struct (panics when absent or not a string).
pub fn string_of(properties: &Struct, name: &str) -> String {
    match properties.fields.get(name).and_then(|v| v.kind.as_ref()) {
        Some(Kind::StringValue(text)) => text.clone(),
        other => panic!("property {name} is not a string: {other:?}"),
    }
}

pub fn is_secret(value: &Value) -> bool {
    matches!(&value.kind, Some(Kind::StructValue(s)) if s.fields.contains_key("4dabf18193072939515e22adb298388d"))
}

/// The inputs of a wait on `service` for `task_definition`, polling fast.
pub fn wait_inputs(
    cluster: &str,
    service: &str,
    task_definition: &str,
) -> Vec<(&'static str, Value)> {
    vec![
        ("clusterName", text(cluster)),
        ("serviceName", text(service)),
        ("desiredTaskDef", text(task_definition)),
        ("pollIntervalMs", number(100.0)),
        ("timeoutMs", number(60_000.0)),
    ]
}

/// `entries` with each of `extra` added, or replacing the entry of its name.
pub fn inputs_with(
    mut entries: Vec<(&'static str, Value)>,
    extra: &[(&'static str, Value)],
) -> Struct {
    for (name, value) in extra {
        entries.retain(|(existing, _)| existing != name);
        entries.push((name, value.clone()));
    }
    object(&entries)
}
