//! Which log events may carry secrets, for front ends that install a log subscriber.
//!
//! At TRACE level the AWS SDK Debug-prints whole client configurations — the credentials provider
//! included, and with it an assume-role request's external id — and its HTTP stack logs request
//! details. A user who asks for every log line (`RUST_LOG=trace`) must still not get secrets, so front
//! ends drop these events whatever filter was set. DEBUG and above stay: the SDK redacts them.

use tracing::Level;

/// Crates whose TRACE events may quote credentials, request bodies or configurations.
const VERBOSE_DEPENDENCIES: &[&str] = &["aws_", "hyper", "h2", "rustls", "tower"];

/// True for an event (or span) that may reveal a secret and must never be written out.
pub fn may_reveal_secrets(target: &str, level: &Level) -> bool {
    *level == Level::TRACE
        && VERBOSE_DEPENDENCIES
            .iter()
            .any(|prefix| target.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_trace_events_of_the_sdk_and_http_stack_are_dropped() {
        assert!(may_reveal_secrets(
            "aws_smithy_runtime::client::orchestrator",
            &Level::TRACE
        ));
        assert!(may_reveal_secrets("aws_config::sts", &Level::TRACE));
        assert!(may_reveal_secrets("hyper_util::client", &Level::TRACE));
        assert!(!may_reveal_secrets(
            "aws_smithy_runtime::client::orchestrator",
            &Level::DEBUG
        ));
        assert!(!may_reveal_secrets(
            "ecs_watcher::watch::session",
            &Level::TRACE
        ));
    }
}
