//! The exit-code contract with CI pipelines. These numbers are public API: README.md and `--help` list them.

use ecs_watcher::Outcome;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCode {
    Completed,
    Failed,
    RolledBack,
    TimedOut,
    /// Bad input, or an AWS/setup problem that no amount of waiting fixes (not found, access denied,
    /// no region, no credentials).
    SetupError,
    Interrupted,
}

impl ExitCode {
    pub fn code(self) -> i32 {
        match self {
            ExitCode::Completed => 0,
            ExitCode::Failed => 1,
            ExitCode::RolledBack => 2,
            ExitCode::TimedOut => 3,
            ExitCode::SetupError => 4,
            ExitCode::Interrupted => 130,
        }
    }
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Completed => ExitCode::Completed,
            Outcome::Failed => ExitCode::Failed,
            Outcome::RolledBack => ExitCode::RolledBack,
            Outcome::TimedOut => ExitCode::TimedOut,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_has_its_documented_exit_code() {
        assert_eq!(ExitCode::from(Outcome::Completed).code(), 0);
        assert_eq!(ExitCode::from(Outcome::Failed).code(), 1);
        assert_eq!(ExitCode::from(Outcome::RolledBack).code(), 2);
        assert_eq!(ExitCode::from(Outcome::TimedOut).code(), 3);
        assert_eq!(ExitCode::SetupError.code(), 4);
        assert_eq!(ExitCode::Interrupted.code(), 130);
    }
}
