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
            && is_identifier(name)
        {
            cited.insert((format!("{path}.rs"), name.to_owned()));
        }
    }
    cited
}

/// Names of the test functions in a Rust file: each `fn` that follows a `#[test]` or `#[tokio::test]`, and
/// each row of a test-writing macro: a `macro_rules!` whose test is `fn $name`, invoked as `macro! {` with one
/// `name: …` row a line.
fn test_functions(source: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut after_attribute = false;
    let mut defining_macro: Option<&str> = None;
    let mut test_macros: Vec<String> = Vec::new();
    let mut in_rows = false;
    for line in source.lines() {
        let line = line.trim();
        if in_rows {
            if line.starts_with('}') {
                in_rows = false;
            } else if let Some((name, _)) = line.split_once(':')
                && is_identifier(name)
            {
                names.insert(name.to_owned());
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("macro_rules! ") {
            defining_macro = rest.split([' ', '{']).next();
            continue;
        }
        if test_macros
            .iter()
            .any(|name| line.starts_with(&format!("{name}! {{")))
        {
            in_rows = true;
            continue;
        }
        if line.starts_with("#[test]") || line.starts_with("#[tokio::test") {
            after_attribute = true;
            continue;
        }
        if after_attribute && let Some(rest) = line.split("fn ").nth(1) {
            if let Some(name) = rest.split(['(', '<']).next().map(str::trim) {
                if name.starts_with('$') {
                    test_macros.extend(defining_macro.map(str::to_owned));
                } else {
                    names.insert(name.to_owned());
                }
            }
            after_attribute = false;
        }
    }
    names
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
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

/// The tests docs/RELIABILITY.md cites, as (path, name).
fn cited_in_the_doc(root: &Path) -> BTreeSet<(String, String)> {
    let doc =
        std::fs::read_to_string(root.join("docs/RELIABILITY.md")).expect("docs/RELIABILITY.md");
    cited_tests(&doc)
}

/// Every test of the reliability test files, as (path relative to `root`, name); this file is left out, as
/// it checks the doc and is no reliability finding itself.
fn reliability_tests(root: &Path) -> Vec<(String, String)> {
    let files = reliability_test_files(root);
    assert!(files.len() >= 8, "found only {files:?}");
    let mut tests = Vec::new();
    for file in files {
        let relative = file
            .strip_prefix(root)
            .expect("under the root")
            .to_string_lossy()
            .into_owned();
        if relative.ends_with("reliability_doc.rs") {
            continue;
        }
        let source = std::fs::read_to_string(&file).expect("readable");
        tests.extend(
            test_functions(&source)
                .into_iter()
                .map(|name| (relative.clone(), name)),
        );
    }
    tests
}

/// Whether the file at `path` (relative to `root`) has a test called `name`.
fn exists(root: &Path, path: &str, name: &str) -> bool {
    let source = std::fs::read_to_string(root.join(path)).unwrap_or_default();
    test_functions(&source).contains(name)
}

/// Asserts there are no `tests`, listing each as `path::name` after `complaint` when there are.
#[track_caller]
fn assert_none(complaint: &str, tests: Vec<(String, String)>) {
    let listed: Vec<String> = tests
        .iter()
        .map(|(path, name)| format!("{path}::{name}"))
        .collect();
    assert!(listed.is_empty(), "{complaint}: {listed:#?}");
}

#[test]
fn every_test_the_reliability_doc_cites_exists() {
    let root = workspace_root();
    let cited = cited_in_the_doc(&root);
    assert!(cited.len() > 40, "the doc cites only {} tests", cited.len());
    let missing = cited
        .into_iter()
        .filter(|(path, name)| !exists(&root, path, name))
        .collect();
    assert_none("docs/RELIABILITY.md cites tests that do not exist", missing);
}

#[test]
fn every_reliability_test_is_in_the_reliability_doc() {
    let root = workspace_root();
    let cited = cited_in_the_doc(&root);
    let uncited = reliability_tests(&root)
        .into_iter()
        .filter(|test| !cited.contains(test))
        .collect();
    assert_none(
        "tests missing from docs/RELIABILITY.md (add a row)",
        uncited,
    );
}

#[test]
fn the_test_parser_finds_plain_async_and_proptest_tests() {
    let source = "#[test]\nfn plain() {}\n#[tokio::test(flavor = \"multi_thread\")]\nasync fn asynchronous() {}\n\
                  proptest! {\n    #[test]\n    fn generated(x in 0..1) {}\n}\nfn helper() {}\n";
    let names: Vec<String> = test_functions(source).into_iter().collect();
    assert_eq!(names, ["asynchronous", "generated", "plain"]);
    let source = "macro_rules! each {\n    ($($name:ident: $seed:literal;)+) => {$(\n        #[test]\n        \
                  fn $name() { run($seed) }\n    )+};\n}\neach! {\n    first_row: 1;\n    second_row: 2;\n}\n\
                  fn after() { let x: u8 = 1; }\n";
    let names: Vec<String> = test_functions(source).into_iter().collect();
    assert_eq!(names, ["first_row", "second_row"]);
    let cited =
        cited_tests("| x | `crates/a/tests/b.rs::one_test`, `crates/c.rs::two` | `not::this` |");
    assert_eq!(cited.len(), 2);
}
