//! One error type for the runner: a sentence saying what was being done and what went wrong.

use std::fmt::Display;

use aws_smithy_types::error::display::DisplayErrorContext;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BenchError(pub String);

pub type BenchResult<T> = Result<T, BenchError>;

impl BenchError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl From<ecs_sim::scenario::ScenarioError> for BenchError {
    fn from(error: ecs_sim::scenario::ScenarioError) -> Self {
        Self(error.to_string())
    }
}

/// Adds what was being done to an error, keeping the full cause chain of SDK errors.
pub(crate) trait Context<T> {
    fn context(self, doing: impl Display) -> BenchResult<T>;
}

impl<T, E: std::error::Error> Context<T> for Result<T, E> {
    fn context(self, doing: impl Display) -> BenchResult<T> {
        self.map_err(|error| BenchError(format!("{doing}: {}", DisplayErrorContext(&error))))
    }
}

impl<T> Context<T> for Option<T> {
    fn context(self, doing: impl Display) -> BenchResult<T> {
        self.ok_or_else(|| BenchError(format!("{doing}: nothing found")))
    }
}
