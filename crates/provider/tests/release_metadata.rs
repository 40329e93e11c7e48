//! One version and one release location everywhere: the workspace's `[workspace.package] version` is the
//! crate version, the schema's, every generated SDK's and the one both binaries print; the schema's
//! `pluginDownloadURL` is what the SDKs carry and what the GitHub Action downloads from.
//! (The release archives' names and `--version` of the archived binaries are checked end to end by
//! `tests/e2e/test_release.py`.)

mod repo_files;

use repo_files::read;
use std::process::Command;

use pulumi_resource_wait_for_ecs_deploy::{PLUGIN_DOWNLOAD_URL, VERSION, schema::package_schema};
use serde_json::Value;

fn json(relative: &str) -> Value {
    serde_json::from_str(&read(relative)).unwrap_or_else(|error| panic!("{relative}: {error}"))
}

/// The value of `key = "..."` in the `[section]` of a TOML file: enough for Cargo.toml's plain strings,
/// without a TOML parser as a dependency.
fn toml_string(text: &str, section: &str, key: &str) -> Option<String> {
    let mut in_section = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_section = line == format!("[{section}]");
        } else if in_section
            && let Some((name, value)) = line.split_once('=')
            && name.trim() == key
        {
            return Some(value.trim().trim_matches('"').to_string());
        }
    }
    None
}

const REGENERATE: &str = "regenerate with `cargo run -p pulumi-resource-wait-for-ecs-deploy -- --print-schema > \
                          crates/provider/schema.json` and `scripts/pulumi/gen-sdk.sh`";

#[test]
fn the_workspace_version_is_the_crate_and_schema_version() {
    let workspace = toml_string(&read("Cargo.toml"), "workspace.package", "version");
    assert_eq!(workspace.as_deref(), Some(VERSION));
    assert_eq!(package_schema()["version"], VERSION);
    assert_eq!(
        json("crates/provider/schema.json")["version"],
        VERSION,
        "{REGENERATE}"
    );
}

#[test]
fn every_generated_sdk_carries_the_workspace_version() {
    let npm = json("sdk/nodejs/package.json");
    assert_eq!(
        npm["version"], VERSION,
        "sdk/nodejs/package.json; {REGENERATE}"
    );
    assert_eq!(
        npm["pulumi"]["version"], VERSION,
        "sdk/nodejs/package.json; {REGENERATE}"
    );
    let setup = read("sdk/python/setup.py");
    assert!(
        setup.contains(&format!("VERSION = \"{VERSION}\"")),
        "sdk/python/setup.py does not say VERSION = \"{VERSION}\"; {REGENERATE}"
    );
    for plugin_json in [
        "sdk/python/pulumi_wait_for_ecs_deploy/pulumi-plugin.json",
        "sdk/go/waitforecsdeploy/pulumi-plugin.json",
    ] {
        assert_eq!(
            json(plugin_json)["version"],
            VERSION,
            "{plugin_json}; {REGENERATE}"
        );
    }
}

#[test]
fn the_sdks_ask_the_engine_for_the_plugin_at_the_schemas_release_location() {
    assert_eq!(package_schema()["pluginDownloadURL"], PLUGIN_DOWNLOAD_URL);
    assert!(
        PLUGIN_DOWNLOAD_URL.starts_with("https://") && PLUGIN_DOWNLOAD_URL.contains("${VERSION}"),
        "{PLUGIN_DOWNLOAD_URL}: the engine needs an https URL with ${{VERSION}} in it"
    );
    assert_eq!(
        json("sdk/nodejs/package.json")["pulumi"]["server"],
        PLUGIN_DOWNLOAD_URL,
        "{REGENERATE}"
    );
    for plugin_json in [
        "sdk/python/pulumi_wait_for_ecs_deploy/pulumi-plugin.json",
        "sdk/go/waitforecsdeploy/pulumi-plugin.json",
    ] {
        assert_eq!(
            json(plugin_json)["server"],
            PLUGIN_DOWNLOAD_URL,
            "{plugin_json}; {REGENERATE}"
        );
    }
}

#[test]
fn the_go_sdk_is_a_module_at_the_schemas_import_base_path() {
    let import_base_path = package_schema()["language"]["go"]["importBasePath"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let directory = import_base_path.rsplit('/').next().unwrap_or_default();
    let go_mod = read(&format!("sdk/go/{directory}/go.mod"));
    assert_eq!(
        go_mod.lines().next(),
        Some(format!("module {import_base_path}").as_str()),
        "{REGENERATE}"
    );
}

#[test]
fn the_github_action_downloads_from_the_schemas_release_location() {
    // The action cannot read the schema at run time, so its default is a copy; this keeps it one setting.
    let action = read("action.yml");
    let expected = PLUGIN_DOWNLOAD_URL.replace("${VERSION}", "${version}");
    assert!(
        action.contains(&format!("default: \"{expected}\"")),
        "action.yml's release-url default must be \"{expected}\" (the schema's pluginDownloadURL)"
    );
}

#[test]
fn the_provider_binary_prints_the_workspace_version() {
    let output = Command::new(env!("CARGO_BIN_EXE_pulumi-resource-wait-for-ecs-deploy"))
        .arg("--version")
        .output()
        .expect("run the provider binary");
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), VERSION);
}
