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
pub mod validate;

pub use server::{ServeError, serve};

/// The Pulumi package name.
pub const PACKAGE_NAME: &str = "wait-for-ecs-deploy";
/// The one resource type of the package.
pub const RESOURCE_TOKEN: &str = "wait-for-ecs-deploy:index:WaitForEcsDeployment";
/// The plugin and schema version: the crate version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
