//! The native Pulumi provider for `wait-for-ecs-deploy:index:WaitForEcsDeployment`: a resource that waits for an
//! Amazon ECS deployment and records whether it worked, served over Pulumi's gRPC provider protocol.
//! It is a thin adapter: following the deployment and deciding the verdict is `ecs-watcher`'s job, and the
//! provider owns nothing in AWS (deleting the resource deletes nothing).

pub mod cli;
pub mod config;
pub mod connections;
pub mod diff;
pub mod engine_log;
pub mod fields;
pub mod operations;
pub mod partial_failure;
pub mod progress;
pub mod properties;
pub mod redact;
pub mod refresh;
pub mod resource;
pub mod schema;
pub mod server;

use pulumi_gestalt_proto::pulumi::pulumirpc::resource_provider_server::ResourceProviderServer;
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_util::sync::CancellationToken;

/// The Pulumi package name.
pub const PACKAGE_NAME: &str = "wait-for-ecs-deploy";
/// The one resource type of the package.
pub const RESOURCE_TOKEN: &str = "wait-for-ecs-deploy:index:WaitForEcsDeployment";
/// The plugin and schema version: the crate version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

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
    let log = engine_log::EngineLog::start();
    if let Some(address) = engine_address.as_deref() {
        log.connect(address).map_err(ServeError::EngineAddress)?;
    }
    let provider = server::Provider::new(operations::Operations::new(log, shutdown.clone()));
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
