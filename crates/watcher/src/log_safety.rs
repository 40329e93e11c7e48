//! The front ends' log set-up, and which log events may carry secrets.
//!
//! At TRACE level the AWS SDK Debug-prints whole client configurations — the credentials provider
//! included, and with it an assume-role request's external id — and its HTTP stack logs request
//! details. A user who asks for every log line (`RUST_LOG=trace`) must still not get secrets, so the
//! subscriber [`LogSetup::install`] builds drops these events whatever filter was set. DEBUG and above
//! stay: the SDK redacts them. Each front end keeps its own choices (which variable, which default, how a
//! line looks); none builds a subscriber itself, so none can forget the filter.

use tracing::{Level, Subscriber};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::prelude::*;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::{EnvFilter, Layer};

pub use tracing_subscriber::util::TryInitError;

/// How a front end logs its diagnostics: to stderr (stdout belongs to the verdict, or to the port the
/// Pulumi engine reads), filtered as the user asks, never an event that [`may_reveal_secrets`].
#[derive(Clone, Copy, Debug)]
pub struct LogSetup<'a> {
    /// The environment variable whose filter directives (`EnvFilter` syntax, e.g. `info,aws_config=warn`)
    /// replace `default_filter` when it is set and parses.
    pub env_var: &'a str,
    /// The filter directives used when `env_var` is unset or does not parse.
    pub default_filter: &'a str,
    /// Whether each line names the module that logged it.
    pub show_target: bool,
}

impl LogSetup<'_> {
    /// Installs the process-wide subscriber. Fails only when one is already installed.
    pub fn install(&self) -> Result<(), TryInitError> {
        tracing_subscriber::registry()
            .with(self.layer(std::io::stderr))
            .try_init()
    }

    /// The filter the user asked for through `env_var`, or the default.
    fn filter(&self) -> EnvFilter {
        EnvFilter::try_from_env(self.env_var)
            .unwrap_or_else(|_| EnvFilter::new(self.default_filter))
    }

    /// Formatted lines to `writer`, filtered by [`Self::filter`] and then, whatever it let through, by
    /// [`may_reveal_secrets`].
    fn layer<S, W>(&self, writer: W) -> impl Layer<S> + use<S, W>
    where
        S: Subscriber + for<'span> LookupSpan<'span>,
        W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
    {
        let no_secrets = tracing_subscriber::filter::filter_fn(|metadata| {
            !may_reveal_secrets(metadata.target(), metadata.level())
        });
        tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .with_target(self.show_target)
            .with_filter(self.filter())
            .with_filter(no_secrets)
    }
}

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
    use std::sync::{Arc, Mutex};

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

    /// Everything a layer writes, shared with the test that reads it.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The lines `setup`'s layer writes while `log` runs.
    fn logged(setup: LogSetup<'_>, log: impl FnOnce()) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::registry().with(setup.layer(move || writer.clone()));
        tracing::subscriber::with_default(subscriber, log);
        captured.text()
    }

    /// No test sets this variable, so the default filter applies.
    const UNSET_VARIABLE: &str = "ECS_WATCHER_LOG_SAFETY_TEST_NEVER_SET";

    /// The default filter `default_filter` (the variable is never set), targets shown or not.
    fn setup(default_filter: &'static str, show_target: bool) -> LogSetup<'static> {
        LogSetup {
            env_var: UNSET_VARIABLE,
            default_filter,
            show_target,
        }
    }

    #[test]
    fn asking_for_every_line_still_drops_the_sdks_trace_events() {
        let text = logged(setup("trace", true), || {
            tracing::trace!(target: "aws_config::sts", "external id shh-4417");
            tracing::trace!(target: "hyper_util::client", "request body shh-4418");
            tracing::debug!(target: "aws_config::sts", "assuming a role");
            tracing::trace!(target: "ecs_watcher::watch::session", "looking again");
        });
        assert!(
            !text.contains("shh-"),
            "a secret-carrying event was written: {text}"
        );
        assert!(text.contains("assuming a role"), "{text}");
        assert!(text.contains("looking again"), "{text}");
        assert!(
            text.contains("ecs_watcher::watch::session"),
            "targets shown: {text}"
        );
    }

    #[test]
    fn the_default_filter_applies_and_targets_can_be_left_out() {
        let text = logged(setup("warn", false), || {
            tracing::info!(target: "ecs_watcher::watch", "routine detail");
            tracing::warn!(target: "ecs_watcher::watch", "worth knowing");
        });
        assert!(!text.contains("routine detail"), "{text}");
        assert!(text.contains("worth knowing"), "{text}");
        assert!(!text.contains("ecs_watcher::watch"), "no target: {text}");
    }
}
