//! The async runtime the command-line binaries run their waits on.

use tokio::runtime::{Builder, Runtime};

/// Two worker threads: waits spend their time asleep, so thousands fit, and the
/// machines this runs on in CI have two cores. The error is ready to print.
pub fn start() -> Result<Runtime, String> {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start the async runtime: {error}"))
}
