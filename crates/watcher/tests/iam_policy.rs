//! Keeps docs/iam-policy.json and README's IAM table true to the code's list of AWS calls: the file is
//! the generated policy, byte for byte, and the table names every permission it grants, under its
//! statement, and no other.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ecs_watcher::iam;

const REGENERATE: &str = "cargo run -p ecs-watcher --example iam_policy > docs/iam-policy.json";

fn workspace_root() -> PathBuf {
    // The crate sits two levels below the workspace root.
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).to_path_buf()
}

/// (permission, statement id) pairs of README's IAM table: the rows after "IAM permissions needed", whose
/// first cell lists backticked permissions and second cell the backticked statement id.
fn readme_table(readme: &str) -> BTreeSet<(String, String)> {
    let section = readme
        .split_once("IAM permissions needed")
        .expect("README has the IAM permissions table")
        .1;
    let mut grants = BTreeSet::new();
    for row in section
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
    {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (Some(permissions), Some(sid)) = (cells.get(1), cells.get(2)) else {
            continue;
        };
        let sid = sid.trim_matches('`');
        for permission in permissions.split('`').skip(1).step_by(2) {
            grants.insert((permission.to_owned(), sid.to_owned()));
        }
    }
    grants
}

#[test]
fn checked_in_iam_policy_is_the_generated_one() {
    let path = workspace_root().join("docs/iam-policy.json");
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == iam::policy().to_json(),
        "docs/iam-policy.json is stale (a call was added, moved or dropped); regenerate it with:\n  {REGENERATE}\n\
         and update README's IAM table (section \"AWS access\") to match"
    );
}

#[test]
fn readme_iam_table_lists_every_permission_of_the_policy_under_its_statement() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README.md");
    let table = readme_table(&readme);
    let policy: BTreeSet<(String, String)> = iam::policy().grants().into_iter().collect();
    let missing: Vec<_> = policy.difference(&table).collect();
    let extra: Vec<_> = table.difference(&policy).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "README's IAM table (section \"AWS access\") disagrees with the generated policy (docs/iam-policy.json, \
         from `{REGENERATE}`): edit the table;\n\
         granted but not in the table as (permission, statement): {missing:?}\n\
         in the table but not granted so: {extra:?}"
    );
}

#[test]
fn the_table_reader_takes_each_backticked_permission_of_a_row() {
    let readme = "x\nIAM permissions needed: see\n\n| permission | statement | used for |\n|---|---|---|\n\
                  | `a:One`, `a:Two` | `AWait` | polls (`not:This`) |\n| `b:Three` | `BAct` | acting |\n\nafter\n| `c:No` | `C` | |\n";
    let rows: Vec<(String, String)> = readme_table(readme).into_iter().collect();
    let pair = |p: &str, s: &str| (p.to_owned(), s.to_owned());
    assert_eq!(
        rows,
        [
            pair("a:One", "AWait"),
            pair("a:Two", "AWait"),
            pair("b:Three", "BAct")
        ]
    );
}
