//! The repository's own files (docs, schema, examples), for the tests that check them.

use std::path::{Path, PathBuf};

pub fn repo() -> PathBuf {
    // The crate sits two levels below the workspace root.
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).to_path_buf()
}

pub fn read(relative: &str) -> String {
    let path = repo().join(relative);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("read {}: {error}", path.display()))
}
