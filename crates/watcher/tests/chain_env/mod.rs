//! The process environment of a test binary that drives the standard credential
//! chain itself (`connect()`): such a binary holds exactly one test, so no other
//! thread reads the environment while it changes. Dummy keys, no profile files,
//! instance metadata off, loopback only: nothing can leave the machine.

use std::path::Path;

pub fn set_env(name: &str, value: &str) {
    // SAFETY: the binary runs a single test (module docs).
    unsafe { std::env::set_var(name, value) }
}

pub fn remove_env(name: &str) {
    // SAFETY: as for `set_env`.
    unsafe { std::env::remove_var(name) }
}

/// Clears every source of credentials and region but the ones the test sets, and
/// points the profile files at `scratch` (which need not exist).
pub fn isolate_the_chain(scratch: &Path) {
    for variable in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    ] {
        remove_env(variable);
    }
    set_env("AWS_CONFIG_FILE", &scratch.join("config").to_string_lossy());
    set_env(
        "AWS_SHARED_CREDENTIALS_FILE",
        &scratch.join("credentials").to_string_lossy(),
    );
    set_env("AWS_EC2_METADATA_DISABLED", "true");
    set_env("NO_PROXY", "127.0.0.1,localhost");
}
