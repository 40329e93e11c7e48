//! A local Amazon ECS simulator that speaks ECS's real JSON 1.1 wire protocol, so the real
//! AWS SDK and AWS CLI can drive it: deployments roll out, fail, trip the circuit breaker and
//! roll back over (scaled) time, with fault injection and per-operation call counters.
//! It is a test double for deployment watchers, not a container runtime: nothing runs, and
//! task behaviour is read from the task definition by the rules below.
//!
//! # Starting one
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sim = ecs_sim::start(ecs_sim::SimConfig { time_scale: 100.0, ..Default::default() }).await?;
//! println!("point the SDK at {}", sim.endpoint()); // http://127.0.0.1:PORT
//! # Ok(()) }
//! ```
//!
//! # Scenarios
//!
//! [`scenario`] registers task definitions that behave like the task behaviour rules below say (healthy, slow,
//! crash-looping, failing health checks, missing image, unplaceable) and creates, settles and
//! updates services through the real `aws-sdk-ecs` client: the one place that encodes the
//! triggers, for tests, benchmarks and the CLI's demo.
//!
//! # Faults and counters
//!
//! See [`Faults`] (settable in-process or with `PUT /_sim/faults`) and [`SimHandle::call_counts`]
//! (or `GET /_sim/calls`); what each fault does on the wire is part of the behaviour below.
//!
#![doc = include_str!("../BEHAVIOUR.md")]

mod admin;
mod behaviour;
mod clock;
mod config;
mod counters;
mod faults;
mod model;
mod ops;
pub mod scenario;
mod server;
mod sts;
mod wire;

pub use config::{ConfigError, SimConfig};
pub use counters::CallCounts;
pub use faults::{Faults, FaultsError, ServiceDeploymentsApi};
pub use model::actions::RecordedAction;
pub use model::alarms::AlarmState;
pub use server::{SimHandle, start, start_on};
pub use sts::IssuedCredentials;
