//! The watcher core of `wait-for-ecs-deploy`: given an ECS cluster and service
//! (and optionally the task definition or deployment expected), it finds the
//! deployment to watch, follows it through the ECS APIs and returns one verdict —
//! COMPLETED, FAILED, ROLLED_BACK or TIMED_OUT — with the real reason in one line.
//!
//! It is a library for the CLI and the Pulumi provider: it does no argument
//! parsing, printing or process exit handling. Waiting only reads; the one
//! change it makes in AWS is an action a caller asks for (`actions`: roll back,
//! continue).
//!
//! Module map, from the outside in:
//!
//! | module | concern |
//! |---|---|
//! | `watch` | [`Watcher`]: the loop every wait shares (deadline, cancel, progress, batching, evidence, report) |
//! | `kinds` | wait kinds, chosen once per wait: how a deployment is followed (calls, observation, pure assess, actions, refusals) |
//! | `verdict` | the rule sets the ECS kinds judge by: pure, table-tested |
//! | `actions` | acting on a watched deployment: the rules both front ends share, dispatched to the kind |
//! | `message` | every failure message and progress line, worded once |
//! | `console` | the one link to a watched deployment in the AWS console, for its partition and Region |
//! | `model` | plain snapshots of what AWS said, and ECS's states as enums |
//! | `wait_until`, `input` | what "done" means; validation shared by the CLI and the provider |
//! | `clients`, `aws` | [`AwsClients`] from [`connect`]: the one client factory, the SDK behind the traits |
//! | `api` | the narrow client trait (`EcsApi`), errors, and the one error policy (`ApiError::recovery`) |
//! | `layer`, `budget` | work around every AWS call (the request budget, call logs) |
//! | `iam` | the IAM policy every call needs, generated from `layer::Operation` (docs/iam-policy.json) |
//! | `retry` | one call outside the wait loop (actions, refresh), retried as `ApiError::recovery` says |
//! | `log_safety`, `runtime` | the binaries' one log set-up (secret-carrying events dropped whatever the filter); their Tokio runtime |

pub mod actions;
pub mod api;
pub mod aws;
pub mod budget;
pub mod clients;
pub mod console;
pub mod iam;
pub mod input;
pub mod kinds;
pub mod layer;
pub mod log_safety;
pub mod message;
pub mod model;
pub mod retry;
pub mod runtime;
pub mod verdict;
pub mod wait_until;
pub mod watch;

#[cfg(test)]
mod test_support;

pub use aws::{AssumeRole, AwsSettings, SetupError, connect};
pub use budget::{BudgetConfig, BudgetedEcsApi, RequestBudget};
pub use clients::AwsClients;
pub use input::InputError;
pub use kinds::WaitKind;
pub use wait_until::WaitUntil;
pub use watch::{
    Outcome, ProgressEvent, WaitError, WaitOptions, WaitReport, WaitRequest, Watched, Watcher,
};
