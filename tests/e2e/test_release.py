"""The release artifacts as a user meets them (scripts/release.sh, docs/RELEASING.md).

Fresh projects install the SDKs from the packed npm tarball and the wheel, with the provider neither on
PATH nor installed: the engine downloads the plugin archive from the release location, here an HTTP
server on 127.0.0.1 serving the release directory. That proves the archive's name and layout, the
schema's pluginDownloadURL the SDKs carry, and the resource option that points elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from conftest import REPO, Service, Tools, configure
from helpers.release_server import ReleaseServer
from helpers.stack import Stack

PLUGIN = "pulumi-resource-wait-for-ecs-deploy"
CARGO_TOML = (REPO / "Cargo.toml").read_text()
VERSION = re.search(r'\[workspace\.package\][^\[]*?\nversion = "([^"]+)"', CARGO_TOML).group(1)
SCHEMA = json.loads((REPO / "crates" / "provider" / "schema.json").read_text())
PLATFORM = "linux-amd64"  # the one platform scripts/release.sh builds on this kind of machine
NODE_PULUMI = "3.270.0"


@pytest.fixture
def release_server(release_dir: Path):
    server = ReleaseServer(release_dir)
    yield server
    server.stop()


def _run(command: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, **kwargs)
    assert completed.returncode == 0, f"$ {' '.join(command)}\n{completed.stdout}\n{completed.stderr}"
    return completed


def _downloading_stack(project: Path, tmp_path: Path, tools: Tools, sim, extra_env: dict[str, str]) -> Stack:
    """A stack whose engine finds no provider anywhere and may download it (no provider dir on PATH)."""
    stack = Stack(project, tmp_path / "run", [tools.pulumi_bin], sim.endpoint)
    stack.env.pop("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION")
    stack.env.update(extra_env)
    return stack


def _assert_downloaded_and_completed(stack: Stack, server: ReleaseServer, service: Service) -> None:
    result = stack.up()
    assert result.code == 0, result
    outputs = json.loads(stack.run("stack", "output", "--json", check=True).output)
    assert outputs["status"] == "COMPLETED", outputs
    assert f"/{PLUGIN}-v{VERSION}-{PLATFORM}.tar.gz" in server.requests, server.requests
    installed = Path(stack.env["PULUMI_HOME"]) / "plugins" / f"resource-wait-for-ecs-deploy-v{VERSION}" / PLUGIN
    assert os.access(installed, os.X_OK), f"the engine did not install the downloaded plugin at {installed}"
    assert stack.destroy().code == 0


def test_archives_have_the_names_and_layout_pulumi_expects_and_match_the_checksums(release_dir):
    names = {path.name for path in release_dir.iterdir()}
    expected = {
        f"{PLUGIN}-v{VERSION}-{PLATFORM}.tar.gz",
        f"wait-for-ecs-deploy-v{VERSION}-{PLATFORM}.tar.gz",
        f"wait-for-ecs-deploy-pulumi-{VERSION}.tgz",
        f"pulumi_wait_for_ecs_deploy-{VERSION}-py3-none-any.whl",
        f"pulumi_wait_for_ecs_deploy-{VERSION}.tar.gz",
        f"wait-for-ecs-deploy-go-sdk-v{VERSION}.tar.gz",
        f"wait-for-ecs-deploy-v{VERSION}-checksums.txt",
    }
    assert names == expected
    with tarfile.open(release_dir / f"{PLUGIN}-v{VERSION}-{PLATFORM}.tar.gz") as archive:
        assert archive.getnames() == [PLUGIN]
    with tarfile.open(release_dir / f"wait-for-ecs-deploy-v{VERSION}-{PLATFORM}.tar.gz") as archive:
        assert sorted(archive.getnames()) == ["LICENSE", "README.md", "wait-for-ecs-deploy"]
    with tarfile.open(release_dir / f"wait-for-ecs-deploy-go-sdk-v{VERSION}.tar.gz") as archive:
        go_mod = archive.extractfile("go.mod").read().decode()
    assert go_mod.splitlines()[0] == f"module {SCHEMA['language']['go']['importBasePath']}"

    listed = dict(
        reversed(line.split(maxsplit=1))
        for line in (release_dir / f"wait-for-ecs-deploy-v{VERSION}-checksums.txt").read_text().splitlines()
    )
    assert set(listed) == expected - {f"wait-for-ecs-deploy-v{VERSION}-checksums.txt"}
    for name, digest in listed.items():
        assert hashlib.sha256((release_dir / name).read_bytes()).hexdigest() == digest, name


def test_one_version_in_the_schema_the_packages_and_both_archived_binaries(release_dir, tmp_path):
    assert SCHEMA["version"] == VERSION
    npm = json.loads(
        tarfile.open(release_dir / f"wait-for-ecs-deploy-pulumi-{VERSION}.tgz").extractfile("package/package.json").read()
    )
    assert (npm["version"], npm["pulumi"]["version"], npm["main"], npm["types"]) == (
        VERSION,
        VERSION,
        "index.js",
        "index.d.ts",
    )
    for archive_name, binary, expected in [
        (f"{PLUGIN}-v{VERSION}-{PLATFORM}.tar.gz", PLUGIN, VERSION),
        (f"wait-for-ecs-deploy-v{VERSION}-{PLATFORM}.tar.gz", "wait-for-ecs-deploy", f"wait-for-ecs-deploy {VERSION}"),
    ]:
        with tarfile.open(release_dir / archive_name) as archive:
            archive.extractall(tmp_path / binary, filter="tar")
        printed = _run([str(tmp_path / binary / binary), "--version"], tmp_path).stdout.strip()
        assert printed == expected, archive_name


def test_plugin_install_from_the_archive_then_up_with_no_provider_on_path(tools, sim, new_service, tmp_path, release_dir):
    stack = Stack(REPO / "examples" / "yaml", tmp_path, [tools.pulumi_bin], sim.endpoint)
    archive = release_dir / f"{PLUGIN}-v{VERSION}-{PLATFORM}.tar.gz"
    installed = stack.run("plugin", "install", "resource", "wait-for-ecs-deploy", VERSION, "--file", str(archive), stack_flag=False)
    assert installed.code == 0, installed
    listed = stack.run("plugin", "ls", "--json", stack_flag=False, check=True)
    plugins = json.loads(listed.output[listed.output.index("[") :])
    assert {"name": "wait-for-ecs-deploy", "kind": "resource", "version": VERSION}.items() <= plugins[0].items(), plugins

    service = new_service()
    configure(stack, service)
    result = stack.up()
    assert result.code == 0, result
    assert "from $PATH" not in result.output, result


def test_a_fresh_typescript_project_installs_the_npm_tarball_and_the_engine_downloads_the_plugin(
    tools, sim, new_service, tmp_path, release_dir, release_server
):
    project = tmp_path / "ts"
    project.mkdir()
    for name in ("Pulumi.yaml", "index.ts", "tsconfig.json"):
        (project / name).write_text((REPO / "examples" / "typescript" / name).read_text())
    (project / "package.json").write_text(json.dumps({"name": "fresh", "private": True, "main": "index.ts"}))
    tarball = release_dir / f"wait-for-ecs-deploy-pulumi-{VERSION}.tgz"
    _run(
        ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", str(tarball), f"@pulumi/pulumi@{NODE_PULUMI}",
         "typescript@~5.9.0", "ts-node@^10.9.2", "@types/node@^20.0.0"],
        project,
    )
    # The SDK asks for the plugin at the schema's release location (the real one, which this machine cannot
    # reach); the engine's override for that location sends it to the local stand-in instead.
    release_location = re.escape(SCHEMA["pluginDownloadURL"].split("${VERSION}")[0])
    stack = _downloading_stack(
        project, tmp_path, tools, sim, {"PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES": f"^{release_location}={release_server.url}"}
    )
    service = new_service()
    configure(stack, service)
    _assert_downloaded_and_completed(stack, release_server, service)


PYTHON_PROGRAM = '''
import pulumi
from pulumi_wait_for_ecs_deploy import WaitForEcsDeployment

config = pulumi.Config()
deployment = WaitForEcsDeployment(
    "wait-for-deployment",
    cluster_name=config.require("clusterName"),
    service_name=config.require("serviceName"),
    desired_task_def=config.require("desiredTaskDef"),
    poll_interval_ms=config.get_int("pollIntervalMs"),
    timeout_ms=config.get_int("timeoutMs"),
    # Where the engine downloads the provider from, instead of the schema's release location.
    opts=pulumi.ResourceOptions(plugin_download_url=config.require("releaseUrl")),
)
pulumi.export("status", deployment.status)
'''


def test_a_fresh_python_venv_installs_the_wheel_and_the_resource_option_points_the_download(
    tools, sim, new_service, tmp_path, release_dir, release_server
):
    project = tmp_path / "py"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(
        "name: fresh-python\nruntime:\n  name: python\n  options:\n    virtualenv: .venv\n"
    )
    (project / "__main__.py").write_text(PYTHON_PROGRAM)
    _run([sys.executable, "-m", "venv", str(project / ".venv")], project)
    wheel = release_dir / f"pulumi_wait_for_ecs_deploy-{VERSION}-py3-none-any.whl"
    _run([str(project / ".venv" / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
          str(wheel), "pulumi==3.270.0"], project)

    stack = _downloading_stack(project, tmp_path, tools, sim, {})
    service = new_service()
    configure(stack, service, releaseUrl=release_server.url)
    _assert_downloaded_and_completed(stack, release_server, service)
