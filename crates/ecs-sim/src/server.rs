//! The HTTP server: accepts connections on loopback, decides faults for each ECS call,
//! and routes ECS calls and admin requests.
//!
//! Connections are served with hyper directly (not `axum::serve`) for one reason: to imitate
//! a connection reset, a call must be able to end its connection without any response, and
//! only the connection-level service can do that (returning an error makes hyper close the
//! connection without writing a byte). Routing still goes through an axum `Router`.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use hyper::body::Incoming;
use hyper::service::Service as _;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::clock::SimClock;
use crate::config::SimConfig;
use crate::counters::CallCounts;
use crate::faults::{CallPlan, FaultInjector, Faults, Injected};
use crate::model::Model;
use crate::model::ids::uuid_shaped;
use crate::ops::{self, AnswerOptions};
use crate::sts::{self, IssuedCredentials, Sts};
use crate::wire::{CONTENT_TYPE, EcsError, ErrorCode, TARGET_PREFIX};

/// One simulated world per region: a client signing for ap-southeast-2 sees ap-southeast-2 ARNs
/// and only what was created there. Unsigned calls go to the configured region.
#[derive(Debug)]
pub(crate) struct Worlds {
    default_region: String,
    account_id: String,
    seed: u64,
    models: BTreeMap<String, Model>,
}

impl Worlds {
    fn new(config: &SimConfig) -> Self {
        Self {
            default_region: config.region.clone(),
            account_id: config.account_id.clone(),
            seed: config.seed,
            models: BTreeMap::new(),
        }
    }

    /// Every world created so far.
    pub(crate) fn all(&self) -> impl Iterator<Item = &Model> {
        self.models.values()
    }

    /// The world of `region` (the configured one for `None`), created on first use.
    pub(crate) fn region(&mut self, region: Option<&str>) -> &mut Model {
        let region = region.unwrap_or(&self.default_region).to_owned();
        // The configured region keeps the configured seed, so runs repeat as before; other
        // regions get their own seed derived from the name.
        let seed = if region == self.default_region {
            self.seed
        } else {
            region
                .bytes()
                .fold(self.seed ^ 0xcbf2_9ce4_8422_2325, |h, b| {
                    (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
                })
        };
        let account_id = &self.account_id;
        self.models
            .entry(region.clone())
            .or_insert_with(|| Model::new(&region, account_id, seed))
    }
}

/// The region of a SigV4 `Authorization` header's credential scope
/// (`Credential=<key>/<date>/<region>/<service>/aws4_request`), if it is a plausible region name.
pub(crate) fn signing_region(headers: &HeaderMap) -> Option<String> {
    let authorization = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let credential = authorization.split("Credential=").nth(1)?;
    let scope = credential.split([',', ' ']).next()?;
    let region = scope.split('/').nth(2)?;
    let plausible = !region.is_empty()
        && region.len() <= 32
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    plausible.then(|| region.to_owned())
}

/// State shared by every connection of one simulator.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) worlds: Mutex<Worlds>,
    pub(crate) faults: Mutex<FaultInjector>,
    pub(crate) counts: Mutex<CallCounts>,
    pub(crate) clock: SimClock,
    pub(crate) sts: Mutex<Sts>,
}

/// Locks a mutex even if a panicking thread poisoned it: the data is still the best we have,
/// and one failed request must not take the simulator down with it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    fn new(config: &SimConfig) -> Self {
        Self {
            worlds: Mutex::new(Worlds::new(config)),
            faults: Mutex::new(FaultInjector::new(config.seed)),
            counts: Mutex::new(CallCounts::default()),
            clock: SimClock::new(config.time_scale),
            sts: Mutex::new(Sts::new(&config.account_id, config.seed)),
        }
    }

    /// Counts an arriving ECS call and decides its faults.
    fn begin_call(&self, operation: &str) -> CallPlan {
        lock(&self.counts).record(operation);
        lock(&self.faults).plan(operation)
    }

    /// A random version-4 UUID, as ECS's `x-amzn-RequestId` is (not a guessable counter).
    fn next_request_id(&self) -> String {
        let bits: u128 = rand::random();
        let bits = (bits & !(0xf << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
        uuid_shaped(&format!("{bits:032x}"))
    }
}

/// A running simulator. Dropping it (or calling [`SimHandle::shutdown`]) stops the server.
#[derive(Debug)]
pub struct SimHandle {
    address: SocketAddr,
    shared: Arc<Shared>,
    stop: CancellationToken,
}

impl SimHandle {
    /// `http://127.0.0.1:PORT`, for `endpoint_url` of an SDK client or `--endpoint-url` of the CLI.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn set_faults(&self, faults: Faults) {
        lock(&self.shared.faults).set(faults);
    }

    pub fn faults(&self) -> Faults {
        lock(&self.shared.faults).faults()
    }

    /// ECS calls received so far, by operation name.
    pub fn call_counts(&self) -> BTreeMap<String, u64> {
        lock(&self.shared.counts).operations.clone()
    }

    /// ECS calls received so far, all operations together.
    pub fn total_calls(&self) -> u64 {
        lock(&self.shared.counts).total
    }

    pub fn reset_call_counts(&self) {
        *lock(&self.shared.counts) = CallCounts::default();
    }

    /// Simulated epoch seconds now.
    pub fn sim_now(&self) -> f64 {
        self.shared.clock.now()
    }

    /// Jumps simulated time forward (e.g. past a health check interval) without waiting.
    pub fn skip_time(&self, sim_seconds: f64) {
        self.shared.clock.skip(sim_seconds);
    }

    /// Lets STS `AssumeRole` grant `role_arn`, with sessions that expire after `session_lifetime` of real
    /// time. Until then (and for other roles) `AssumeRole` answers AccessDenied.
    pub fn allow_assume_role(&self, role_arn: &str, session_lifetime: Duration) {
        lock(&self.shared.sts).allow(role_arn, session_lifetime);
    }

    /// Every session STS `AssumeRole` handed out, oldest first.
    pub fn issued_credentials(&self) -> Vec<IssuedCredentials> {
        lock(&self.shared.sts).issued()
    }

    /// Sets CloudWatch alarm `name` to `state` from this simulated moment on (see the crate docs
    /// on alarms); the same as `PUT /_sim/alarms/<name>`.
    pub fn set_alarm(&self, name: &str, state: crate::AlarmState) {
        crate::admin::set_alarm(&self.shared, name, state);
    }

    /// Every ContinueServiceDeployment and StopServiceDeployment call the simulator accepted,
    /// oldest first (`GET /_sim/actions`).
    pub fn recorded_actions(&self) -> Vec<crate::RecordedAction> {
        crate::admin::recorded_actions(&self.shared)
    }

    pub fn shutdown(self) {
        self.stop.cancel();
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Starts a simulator on `127.0.0.1` with a free port.
pub async fn start(config: SimConfig) -> std::io::Result<SimHandle> {
    start_on(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await
}

/// Starts a simulator on `address`, which must be a loopback address.
pub async fn start_on(config: SimConfig, address: SocketAddr) -> std::io::Result<SimHandle> {
    config
        .validate()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
    if !address.ip().is_loopback() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "address {address} is not a loopback address; the simulator only listens on 127.0.0.1 or ::1"
            ),
        ));
    }
    let listener = TcpListener::bind(address).await?;
    let address = listener.local_addr()?;
    let shared = Arc::new(Shared::new(&config));
    let stop = CancellationToken::new();
    tokio::spawn(accept_loop(listener, Arc::clone(&shared), stop.clone()));
    Ok(SimHandle {
        address,
        shared,
        stop,
    })
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", post(ecs_call))
        .merge(crate::admin::routes())
        .with_state(shared)
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, stop: CancellationToken) {
    let router = router(Arc::clone(&shared));
    loop {
        let stream = tokio::select! {
            _ = stop.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "accepting a connection failed");
                    // Out of file descriptors and similar: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        let router = router.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                handle(Arc::clone(&shared), router.clone(), request)
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = stop.cancelled() => {}
                result = connection => {
                    if let Err(error) = result {
                        tracing::debug!(%error, "connection ended with an error");
                    }
                }
            }
        });
    }
}

/// The error that makes hyper drop a connection without answering.
#[derive(Debug, thiserror::Error)]
#[error("connection reset injected by the simulator")]
struct InjectedReset;

/// Decides the faults of an ECS call before routing, because a reset must happen here.
async fn handle(
    shared: Arc<Shared>,
    router: Router,
    mut request: Request<Incoming>,
) -> Result<Response, InjectedReset> {
    if request.uri().path() == "/"
        && request.method() == axum::http::Method::POST
        && !sts::is_sts_request(request.headers())
    {
        let operation = operation_of(request.headers());
        let plan = shared.begin_call(&operation);
        if plan.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(plan.latency_ms)).await;
        }
        if plan.reset_connection {
            return Err(InjectedReset);
        }
        request.extensions_mut().insert(plan);
    }
    let response: Result<Response, Infallible> = TowerToHyperService::new(router)
        .call(request.map(Body::new))
        .await;
    response.map_err(|never| match never {})
}

/// The operation named by `X-Amz-Target` (empty when missing or not an ECS target).
fn operation_of(headers: &HeaderMap) -> String {
    headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|target| target.strip_prefix(TARGET_PREFIX))
        .unwrap_or("")
        .to_owned()
}

async fn ecs_call(
    State(shared): State<Arc<Shared>>,
    plan: Option<Extension<CallPlan>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if sts::is_sts_request(&headers) {
        lock(&shared.counts).record("AssumeRole");
        let request_id = shared.next_request_id();
        return lock(&shared.sts).answer(&body, &request_id);
    }
    let plan = match plan {
        Some(Extension(plan)) => plan,
        // Only reachable when the router is used without `handle`; count and plan here then.
        None => shared.begin_call(&operation_of(&headers)),
    };
    let request_id = shared.next_request_id();
    if plan.operation.is_empty() {
        return error_response(&ops::unknown_operation(""), &request_id);
    }
    if let Some(injected) = &plan.injected {
        return injected_response(&shared, &headers, injected, &plan.operation, &request_id);
    }
    if let Err(expired) = lock(&shared.sts).check_ecs_call(&headers) {
        return error_response(&expired, &request_id);
    }
    let region = signing_region(&headers);
    let outcome = {
        let mut worlds = lock(&shared.worlds);
        let model = worlds.region(region.as_deref());
        let now = shared.clock.now();
        let options = AnswerOptions {
            omit_rollout_state: plan.omit_rollout_state,
        };
        ops::dispatch(model, &plan.operation, &body, now, options)
    };
    match outcome {
        Ok(mut answer) => {
            if plan.truncate_body {
                answer.truncate(answer.len() / 2);
            }
            json_response(StatusCode::OK, answer, &request_id)
        }
        Err(error) => error_response(&error, &request_id),
    }
}

fn injected_response(
    shared: &Shared,
    headers: &HeaderMap,
    injected: &Injected,
    operation: &str,
    request_id: &str,
) -> Response {
    let region = signing_region(headers);
    let error = match injected {
        Injected::Throttle => EcsError::throttling(),
        Injected::ServerError => {
            EcsError::server("An internal error occurred (injected by the simulator).")
        }
        Injected::UnknownOperation => ops::unknown_operation(operation),
        Injected::AccessDenied => {
            let arns = lock(&shared.worlds).region(region.as_deref()).arns.clone();
            EcsError::new(
                ErrorCode::AccessDenied,
                format!(
                    "User: {} is not authorized to perform: ecs:{operation} on resource: {} \
                     because no identity-based policy allows the ecs:{operation} action",
                    arns.caller_session(),
                    arns.any_cluster()
                ),
            )
        }
        Injected::HtmlBadGateway => {
            let page = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
                        <center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";
            let mut response = (StatusCode::BAD_GATEWAY, page).into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            return response;
        }
    };
    error_response(&error, request_id)
}

fn error_response(error: &EcsError, request_id: &str) -> Response {
    let status = StatusCode::from_u16(error.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    json_response(status, error.body(), request_id)
}

fn json_response(status: StatusCode, body: Vec<u8>, request_id: &str) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", value);
    }
    response
}
