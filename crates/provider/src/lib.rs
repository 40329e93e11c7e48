//! The native Pulumi provider for `wait-for-ecs-deploy:index:WaitForEcsDeployment`: a resource that waits for an
//! Amazon ECS deployment and records whether it worked, served over Pulumi's gRPC provider protocol.
//! It is a thin adapter: following the deployment and deciding the verdict is `ecs-watcher`'s job, and the
//! provider owns nothing in AWS (deleting the resource deletes nothing).
//!
//! # Modules
//!
//! In dependency order: each module uses only modules listed above it (and this root's constants).
//!
//! - `fields`: the field table's row type (`FieldSpec`: name, type, default, secrecy, doc); imports nothing.
//! - `validate`: the `ecs_watcher::input` rules, shared with the CLI, as the field tables' `validate:` functions.
//! - `redact`: masks a resource's secret values in every text the provider sends out.
//! - `connections`: one ECS connection and `Watcher` per distinct set of AWS settings, shared by all resources.
//! - `engine_log`: ordered, never-blocking messages to the engine's `Log` RPC.
//! - `plugin_args`: the plugin binary's command line (serve, print the schema, version, help).
//! - `properties`: property values on the wire (`Struct`, secrets, unknowns) ⇄ typed values: `Input<T>`
//!   (known, unknown in a preview, absent or invalid), `Received` requests, `typed_properties!`.
//! - `resource`: the resource's typed inputs (`WaitArgs`, as given: `WaitInputs`), results, state
//!   (`WaitState`) and `Check` rules.
//! - `config`: the provider configuration and the AWS settings it gives each resource.
//! - `schema`: the Pulumi package schema, generated from the field tables.
//! - `diff`: `Diff`/`DiffConfig` on typed inputs, as a `DiffResult`: which properties change (never a
//!   replacement), and whether the recorded `outcome` calls for waiting again.
//! - `refresh`: `Read`'s refresh: a recorded state judged against a fresh DescribeServices by the watcher's verdict.
//! - `progress`: the watcher's progress events as typed engine log entries.
//! - `rollback_on`: `rollbackOn` — when a verdict or a cancel calls for the watcher's rollback, and how its
//!   result shows in the outputs.
//! - `operations`: what each operation does, on typed values (`Received` inputs in, `Outputs` and
//!   `WaitState` out); every failure is an `OperationError`.
//! - `server`: the gRPC service and server, the only module besides `properties` and `engine_log` that
//!   touches protobuf: reads requests into typed inputs, writes typed results, maps `OperationError` to a
//!   status (with the "created but failed to initialize" detail that keeps a failed wait's outputs).
//!
//! Only `properties`, `engine_log` and `server` use the protocol crates (protobuf values, gRPC, the Pulumi
//! messages); the other modules work on typed values.

pub mod config;
pub mod connections;
pub mod diff;
pub mod engine_log;
pub mod fields;
pub mod operations;
pub mod plugin_args;
pub mod progress;
pub mod properties;
pub mod redact;
pub mod refresh;
pub mod resource;
pub mod rollback_on;
pub mod schema;
pub mod server;
pub mod validate;

pub use server::{ServeError, serve};

/// The "created but failed to initialize" status detail, which `server` writes; read back here as the
/// engine reads it (the tests' path).
pub mod partial_failure {
    pub use crate::server::{INIT_FAILED_TYPE_URL, RpcStatus, init_failure_of};
}

/// The Pulumi package name.
pub const PACKAGE_NAME: &str = "wait-for-ecs-deploy";
/// The one resource type of the package.
pub const RESOURCE_TOKEN: &str = "wait-for-ecs-deploy:index:WaitForEcsDeployment";
/// The plugin and schema version: the crate version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// Where the engine downloads the plugin from when a program needs it and it is not installed: the
/// project's release location (the schema's `pluginDownloadURL`; the SDKs carry it). The engine fills in
/// `${VERSION}` and appends `pulumi-resource-wait-for-ecs-deploy-v<version>-<os>-<arch>.tar.gz`, the names
/// `scripts/release.sh` gives its archives. The GitHub Action's default release location is the same
/// (a test in `schema` checks `action.yml` against this).
pub const PLUGIN_DOWNLOAD_URL: &str =
    "https://github.com/wait-for-ecs-deploy/wait-for-ecs-deploy/releases/download/v${VERSION}";
