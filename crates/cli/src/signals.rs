//! Ctrl-C and SIGTERM: the first one stops waiting (and may trigger `--rollback-on interrupted`), the second
//! stops following a rollback. Neither stops anything in ECS.

use tokio_util::sync::CancellationToken;

/// The two tokens the signals cancel, in order.
#[derive(Clone)]
pub struct Interrupts {
    /// Cancelled by the first Ctrl-C / SIGTERM: every wait stops.
    pub waiting: CancellationToken,
    /// Cancelled by the second: rollbacks are no longer followed (they go on in ECS).
    pub following: CancellationToken,
}

impl Interrupts {
    /// Listens for Ctrl-C and SIGTERM for the rest of the process.
    pub fn install() -> Self {
        let interrupts = Self {
            waiting: CancellationToken::new(),
            following: CancellationToken::new(),
        };
        let tokens = interrupts.clone();
        tokio::spawn(async move {
            for token in [tokens.waiting, tokens.following] {
                if next_signal().await.is_err() {
                    return;
                }
                token.cancel();
            }
        });
        interrupts
    }
}

/// The next Ctrl-C or SIGTERM.
async fn next_signal() -> std::io::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result,
        _ = terminate.recv() => Ok(()),
    }
}
