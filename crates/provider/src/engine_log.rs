//! Messages to the Pulumi engine through its `Log` RPC: live status lines and durable notes per resource.
//!
//! Messages are queued and sent in order by one background task, so a wait's progress callback (which is
//! synchronous) never blocks and status lines never overtake each other. Until the engine's address is known
//! (Handshake, Attach or the command line) messages go to the provider's stderr log instead.

use std::time::Duration;

use pulumi_gestalt_proto::pulumi::pulumirpc::engine_client::EngineClient;
use pulumi_gestalt_proto::pulumi::pulumirpc::{LogRequest, LogSeverity};
use tokio::sync::{mpsc, oneshot, watch};
use tonic::transport::{Channel, Endpoint};

/// How long one `Log` call may take before the message is dropped: logging must never stall a deployment.
const LOG_CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// How long `flush` waits for queued messages to be delivered.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(3);

/// How the engine shows a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Info,
    Warning,
}

impl Severity {
    fn on_the_wire(self) -> LogSeverity {
        match self {
            Severity::Info => LogSeverity::Info,
            Severity::Warning => LogSeverity::Warning,
        }
    }
}

/// One message for the engine, as the rest of the provider writes it (no protocol types).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    pub severity: Severity,
    pub text: String,
    /// A status line: shown while the resource is in progress, replaced by the next one, not kept.
    pub ephemeral: bool,
}

impl LogEntry {
    pub fn status(text: impl Into<String>) -> Self {
        LogEntry {
            severity: Severity::Info,
            text: text.into(),
            ephemeral: true,
        }
    }

    pub fn info(text: impl Into<String>) -> Self {
        LogEntry {
            severity: Severity::Info,
            text: text.into(),
            ephemeral: false,
        }
    }

    pub fn warning(text: impl Into<String>) -> Self {
        LogEntry {
            severity: Severity::Warning,
            text: text.into(),
            ephemeral: false,
        }
    }
}

enum Command {
    Send(LogRequest),
    Flush(oneshot::Sender<()>),
}

/// A handle to the engine's log; cheap to clone.
#[derive(Clone)]
pub struct EngineLog {
    queue: mpsc::UnboundedSender<Command>,
    client: watch::Sender<Option<EngineClient<Channel>>>,
}

impl EngineLog {
    /// Starts the sending task; must be called inside a Tokio runtime.
    pub fn start() -> Self {
        let (queue, receiver) = mpsc::unbounded_channel();
        let (client, client_watch) = watch::channel(None);
        tokio::spawn(deliver(receiver, client_watch));
        EngineLog { queue, client }
    }

    /// Points the log at the engine. The connection is made lazily, on the first message, so start-up and
    /// Handshake stay instant.
    pub fn connect(&self, engine_address: &str) -> Result<(), String> {
        let uri = if engine_address.contains("://") {
            engine_address.to_string()
        } else {
            format!("http://{engine_address}")
        };
        let endpoint = Endpoint::from_shared(uri)
            .map_err(|error| format!("invalid engine address {engine_address:?}: {error}"))?;
        self.client
            .send_replace(Some(EngineClient::new(endpoint.connect_lazy())));
        Ok(())
    }

    pub fn is_connected(&self) -> bool {
        self.client.borrow().is_some()
    }

    /// Queues a message about the resource `urn`.
    pub fn log(&self, urn: &str, entry: LogEntry) {
        let request = LogRequest {
            severity: entry.severity.on_the_wire() as i32,
            message: entry.text,
            urn: urn.to_string(),
            stream_id: 0,
            ephemeral: entry.ephemeral,
        };
        // The receiver lives as long as the runtime; a send error means we are shutting down.
        let _ = self.queue.send(Command::Send(request));
    }

    /// Waits (briefly) until every message queued so far was handed to the engine, so a resource's last
    /// status lines arrive before its result.
    pub async fn flush(&self) {
        let (done, delivered) = oneshot::channel();
        if self.queue.send(Command::Flush(done)).is_ok() {
            let _ = tokio::time::timeout(FLUSH_TIMEOUT, delivered).await;
        }
    }
}

async fn deliver(
    mut queue: mpsc::UnboundedReceiver<Command>,
    client: watch::Receiver<Option<EngineClient<Channel>>>,
) {
    while let Some(command) = queue.recv().await {
        match command {
            Command::Flush(done) => {
                let _ = done.send(());
            }
            Command::Send(request) => {
                let engine = client.borrow().clone();
                match engine {
                    Some(mut engine) => {
                        match tokio::time::timeout(LOG_CALL_TIMEOUT, engine.log(request)).await {
                            Ok(Ok(_)) => {}
                            Ok(Err(status)) => {
                                tracing::debug!(%status, "engine rejected a log message")
                            }
                            Err(_) => tracing::debug!("engine log call timed out"),
                        }
                    }
                    None => tracing::info!(urn = %request.urn, "{}", request.message),
                }
            }
        }
    }
}
