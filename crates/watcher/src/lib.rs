//! The watcher core of `wait-for-ecs-deploy`: given an ECS cluster and service
//! (and optionally the task definition or deployment expected), it finds the
//! deployment to watch, follows it through the ECS APIs and returns one verdict —
//! COMPLETED, FAILED, ROLLED_BACK or TIMED_OUT — with the real reason in one line.
//!
//! It is a library for the CLI and the Pulumi provider: it does no argument
//! parsing, printing or process exit handling, and it never changes anything in
//! AWS (every call it makes is read-only).

pub mod actions;
pub mod api;
pub mod aws;
pub mod budget;
pub mod input;
pub mod layer;
pub mod log_safety;
pub mod message;
pub mod model;
pub mod runtime;
pub mod verdict;
pub mod wait_until;
pub mod watch;

#[cfg(test)]
mod test_support;

pub use aws::{AssumeRole, AwsSettings, SetupError, connect};
pub use budget::{BudgetConfig, BudgetedEcsApi, RequestBudget};
pub use input::InputError;
pub use wait_until::WaitUntil;
pub use watch::{Outcome, ProgressEvent, WaitError, WaitOptions, WaitReport, WaitRequest, Watcher};
