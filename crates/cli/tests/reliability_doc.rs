//! Keeps docs/RELIABILITY.md honest: every test it cites (`crates/<path>.rs::<test name>`) exists, and every
//! test in a `crates/*/tests/reliability*.rs` file is cited, so the table can neither point at a test that is
//! gone nor leave a new one out.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    // The crate sits two levels below the workspace root.
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).to_path_buf()
}

/// `crates/....rs::name` references in the text.
fn cited_tests(doc: &str) -> BTreeSet<(String, String)> {
    let mut cited = BTreeSet::new();
    for piece in doc.split('`') {
        if let Some((path, name)) = piece.split_once(".rs::")
            && path.starts_with("crates/")
            && !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            cited.insert((format!("{path}.rs"), name.to_owned()));
        }
    }
    cited
}

/// Names of the test functions in a Rust file: each `fn` that follows a `#[test]` or `#[tokio::test]`.
fn test_functions(source: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut after_attribute = false;
    for line in source.lines() {
        let line = line.trim();
        if line.starts_with("#[test]") || line.starts_with("#[tokio::test") {
            after_attribute = true;
            continue;
        }
        if after_attribute && let Some(rest) = line.split("fn ").nth(1) {
            if let Some(name) = rest.split(['(', '<']).next() {
                names.insert(name.trim().to_owned());
            }
            after_attribute = false;
        }
    }
    names
}

fn reliability_test_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let crates = std::fs::read_dir(root.join("crates")).expect("crates/");
    for entry in crates.flatten() {
        let Ok(tests) = std::fs::read_dir(entry.path().join("tests")) else {
            continue;
        };
        for test in tests.flatten() {
            let name = test.file_name().to_string_lossy().into_owned();
            if name.starts_with("reliability") && name.ends_with(".rs") {
                files.push(test.path());
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_test_the_reliability_doc_cites_exists() {
    let root = workspace_root();
    let doc =
        std::fs::read_to_string(root.join("docs/RELIABILITY.md")).expect("docs/RELIABILITY.md");
    let cited = cited_tests(&doc);
    assert!(cited.len() > 40, "the doc cites only {} tests", cited.len());
    let mut missing = Vec::new();
    for (path, name) in &cited {
        let source = std::fs::read_to_string(root.join(path)).unwrap_or_default();
        if !test_functions(&source).contains(name) {
            missing.push(format!("{path}::{name}"));
        }
    }
    assert!(
        missing.is_empty(),
        "docs/RELIABILITY.md cites tests that do not exist: {missing:#?}"
    );
}

#[test]
fn every_reliability_test_is_in_the_reliability_doc() {
    let root = workspace_root();
    let doc =
        std::fs::read_to_string(root.join("docs/RELIABILITY.md")).expect("docs/RELIABILITY.md");
    let cited = cited_tests(&doc);
    let files = reliability_test_files(&root);
    assert!(files.len() >= 8, "found only {files:?}");
    let mut uncited = Vec::new();
    for file in files {
        let relative = file
            .strip_prefix(&root)
            .expect("under the root")
            .to_string_lossy()
            .into_owned();
        let source = std::fs::read_to_string(&file).expect("readable");
        for name in test_functions(&source) {
            // This file checks the doc; it is not a reliability finding itself.
            if relative.ends_with("reliability_doc.rs") {
                continue;
            }
            if !cited.contains(&(relative.clone(), name.clone())) {
                uncited.push(format!("{relative}::{name}"));
            }
        }
    }
    assert!(
        uncited.is_empty(),
        "tests missing from docs/RELIABILITY.md (add a row): {uncited:#?}"
    );
}

#[test]
fn the_test_parser_finds_plain_async_and_proptest_tests() {
    let source = "#[test]\nfn plain() {}\n#[tokio::test(flavor = \"multi_thread\")]\nasync fn asynchronous() {}\n\
                  proptest! {\n    #[test]\n    fn generated(x in 0..1) {}\n}\nfn helper() {}\n";
    let names: Vec<String> = test_functions(source).into_iter().collect();
    assert_eq!(names, ["asynchronous", "generated", "plain"]);
    let cited =
        cited_tests("| x | `crates/a/tests/b.rs::one_test`, `crates/c.rs::two` | `not::this` |");
    assert_eq!(cited.len(), 2);
}
