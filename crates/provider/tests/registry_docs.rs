//! Keeps the Pulumi registry pages (docs/_index.md, docs/installation-configuration.md) true: each block
//! between `<!-- embed: PATH -->` and `<!-- /embed -->` is the file at PATH, byte for byte, so the overview's
//! examples are the programs `examples/` holds (and the e2e suite runs) and the IAM policy is the generated one;
//! the overview shows every example, the installation page the policy with each of its statements explained, and
//! both carry the front matter the registry reads.

mod repo_files;

use repo_files::{read, repo};

use ecs_watcher::iam;
use pulumi_resource_wait_for_ecs_deploy::VERSION;

const OVERVIEW: &str = "docs/_index.md";
const INSTALLATION: &str = "docs/installation-configuration.md";

/// One embedded file: the path its marker names and the fenced block's text.
#[derive(Debug, PartialEq, Eq)]
struct Embed {
    path: String,
    text: String,
}

/// The embeds of a page: `<!-- embed: PATH -->`, a fence line, the text, a closing fence line, `<!-- /embed -->`.
/// A marker without that shape is an error naming it, so a broken block cannot pass unchecked.
fn embeds(page: &str) -> Result<Vec<Embed>, String> {
    let mut found = Vec::new();
    let mut lines = page.lines();
    while let Some(line) = lines.next() {
        let Some(path) = line
            .strip_prefix("<!-- embed: ")
            .and_then(|rest| rest.strip_suffix(" -->"))
        else {
            continue;
        };
        if !lines.next().is_some_and(|fence| fence.starts_with("```")) {
            return Err(format!(
                "embed of {path}: a ``` fence must follow the marker"
            ));
        }
        let mut text = String::new();
        loop {
            match lines.next() {
                Some("```") => break,
                Some(line) => {
                    text.push_str(line);
                    text.push('\n');
                }
                None => return Err(format!("embed of {path}: no closing ``` fence")),
            }
        }
        if lines.next() != Some("<!-- /embed -->") {
            return Err(format!(
                "embed of {path}: `<!-- /embed -->` must follow the closing fence"
            ));
        }
        found.push(Embed {
            path: path.to_owned(),
            text,
        });
    }
    Ok(found)
}

/// Asserts every embed of `page` is its file's current text, and returns the embedded paths.
#[track_caller]
fn assert_embeds_are_current(page: &str) -> Vec<String> {
    let embeds = embeds(&read(page)).unwrap_or_else(|error| panic!("{page}: {error}"));
    for embed in &embeds {
        assert!(
            embed.text == read(&embed.path),
            "{page}: the block embedding {} differs from the file; paste the file's contents between its \
             ``` fences",
            embed.path
        );
    }
    embeds.into_iter().map(|embed| embed.path).collect()
}

/// The keys of a page's front matter (`---` lines at the top).
fn front_matter(page: &str) -> Vec<(String, String)> {
    let mut lines = page.lines();
    assert_eq!(lines.next(), Some("---"), "front matter must open the page");
    lines
        .take_while(|line| *line != "---")
        .filter_map(|line| line.split_once(':'))
        .map(|(key, value)| (key.trim().to_owned(), value.trim().to_owned()))
        .collect()
}

#[test]
fn the_overview_embeds_the_program_of_every_example_as_it_is() {
    let embedded = assert_embeds_are_current(OVERVIEW);
    let mut examples: Vec<String> = std::fs::read_dir(repo().join("examples"))
        .expect("examples/")
        .flatten()
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    examples.sort();
    assert_eq!(examples, ["go", "python", "typescript", "yaml"]);
    for example in examples {
        let program = match example.as_str() {
            "go" => "examples/go/main.go",
            "python" => "examples/python/__main__.py",
            "typescript" => "examples/typescript/index.ts",
            "yaml" => "examples/yaml/Pulumi.yaml",
            other => panic!("examples/{other}: name its program here"),
        };
        assert!(
            embedded.iter().any(|path| path == program),
            "{OVERVIEW} does not embed {program} (examples/{example}'s program); it embeds {embedded:?}"
        );
    }
}

#[test]
fn the_installation_page_embeds_the_generated_iam_policy_and_explains_each_statement() {
    let embedded = assert_embeds_are_current(INSTALLATION);
    assert!(
        embedded.iter().any(|path| path == "docs/iam-policy.json"),
        "{INSTALLATION} does not embed docs/iam-policy.json"
    );
    // The embedded file is the generated policy: crates/watcher/tests/iam_policy.rs checks it.
    let page = read(INSTALLATION);
    for statement in iam::policy().statement {
        assert!(
            page.contains(&format!("| `{}` |", statement.sid)),
            "{INSTALLATION}'s IAM table has no row for statement {}",
            statement.sid
        );
    }
    for command in [
        format!("pulumi plugin install resource wait-for-ecs-deploy {VERSION}"),
        format!("waitforecsdeploy@v{VERSION}"),
        "pulumi config set wait-for-ecs-deploy:".to_owned(),
        "export AWS_REGION=".to_owned(),
    ] {
        assert!(page.contains(&command), "{INSTALLATION} lacks `{command}`");
    }
}

#[test]
fn both_registry_pages_carry_the_front_matter_the_registry_reads() {
    for page in [OVERVIEW, INSTALLATION] {
        let keys = front_matter(&read(page));
        for key in ["title", "meta_desc"] {
            assert!(
                keys.iter().any(|(k, v)| k == key && !v.is_empty()),
                "{page}: front matter lacks {key}"
            );
        }
        assert!(
            keys.contains(&("layout".to_owned(), "package".to_owned())),
            "{page}: front matter must say layout: package"
        );
    }
}

#[test]
fn the_embed_reader_takes_each_marked_block_and_names_a_broken_one() {
    let page = "intro\n<!-- embed: a.txt -->\n```text\none\n  two\n```\n<!-- /embed -->\nmid\n\
                <!-- embed: b.go -->\n```go\n\tx\n```\n<!-- /embed -->\n";
    assert_eq!(
        embeds(page).unwrap(),
        [
            Embed {
                path: "a.txt".into(),
                text: "one\n  two\n".into()
            },
            Embed {
                path: "b.go".into(),
                text: "\tx\n".into()
            }
        ]
    );
    let unclosed = "<!-- embed: c.ts -->\n```ts\nx\n";
    assert_eq!(
        embeds(unclosed).unwrap_err(),
        "embed of c.ts: no closing ``` fence"
    );
    let no_end = "<!-- embed: d.py -->\n```py\nx\n```\nafter\n";
    assert!(embeds(no_end).unwrap_err().contains("<!-- /embed -->"));
}
