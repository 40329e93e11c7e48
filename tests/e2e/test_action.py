"""The GitHub Action's step (scripts/action/run.sh, called by action.yml) run locally: it downloads the
CLI archive from a release location on 127.0.0.1, verifies the checksum, waits on the simulator and
writes the verdict as step outputs, as GitHub would read them from $GITHUB_OUTPUT."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO
from helpers.environment import aws_env
from helpers.release_server import ReleaseServer
from test_release import PLATFORM, VERSION

ACTION = REPO / "action.yml"
STEP = REPO / "scripts" / "action" / "run.sh"


def _outputs(path: Path) -> dict[str, str]:
    """Parses GitHub's `name<<DELIMITER ... DELIMITER` output file format."""
    outputs, lines = {}, iter(path.read_text().splitlines())
    for line in lines:
        name, delimiter = line.split("<<", 1)
        value = []
        for body in lines:
            if body == delimiter:
                break
            value.append(body)
        outputs[name] = "\n".join(value)
    return outputs


# Where `run_action` has the step write its job summary, under the test's tmp_path.
SUMMARY = "step-summary.md"


def run_action(tmp_path: Path, sim, release_url: str, **inputs: str) -> tuple[subprocess.CompletedProcess, dict]:
    output_file = tmp_path / "github-output"
    output_file.write_text("")
    env = aws_env(
        sim.endpoint,
        {
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(tmp_path / SUMMARY),
            "RUNNER_TEMP": str(tmp_path),
            "RUNNER_OS": "Linux",
            "RUNNER_ARCH": "X64",
            # As GitHub sets it for `uses: wait-for-ecs-deploy/wait-for-ecs-deploy@v<version>`.
            "ACTION_REF": f"v{VERSION}",
            "INPUT_RELEASE_URL": release_url,
            "INPUT_TIMEOUT": "60s",
            "INPUT_FAIL_ON_ERROR": "true",
        },
    )
    env.update({f"INPUT_{name.upper()}": value for name, value in inputs.items()})
    completed = subprocess.run(["bash", str(STEP)], env=env, capture_output=True, text=True, timeout=120)
    return completed, _outputs(output_file)


@pytest.fixture
def served(tmp_path: Path):
    """A copy of the CLI archive and checksums under a versioned path, like a real release location."""
    def serve(release_dir: Path, tamper: bool = False) -> ReleaseServer:
        root = tmp_path / "www"
        versioned = root / f"v{VERSION}"
        versioned.mkdir(parents=True)
        for name in (f"wait-for-ecs-deploy-v{VERSION}-{PLATFORM}.tar.gz", f"wait-for-ecs-deploy-v{VERSION}-checksums.txt"):
            shutil.copy(release_dir / name, versioned / name)
        if tamper:
            with open(versioned / f"wait-for-ecs-deploy-v{VERSION}-{PLATFORM}.tar.gz", "ab") as archive:
                archive.write(b"tampered")
        return ReleaseServer(root)

    return serve


def test_action_inputs_are_the_issues_and_each_reaches_the_step():
    text = ACTION.read_text()
    inputs = re.findall(r"^  ([a-z-]+):\n    description:", text.split("\noutputs:")[0], flags=re.M)
    for name in ["cluster", "service", "services", "task-definition", "timeout", "wait-until", "rollback-on",
                 "region", "role-to-assume"]:
        assert name in inputs, name
    for name in inputs:
        variable = "INPUT_" + name.upper().replace("-", "_")
        assert f"{variable}: ${{{{ inputs.{name} }}}}" in text, f"{name} is not passed to the step as {variable}"
        assert variable in STEP.read_text(), f"run.sh never reads {variable}"
    for name in ["status", "outcome", "failure-message"]:
        assert f"  {name}:\n" in text.split("\noutputs:")[1], name


def test_action_downloads_verifies_and_reports_a_completed_deployment(tmp_path, sim, new_service, release_dir, served):
    service = new_service()
    server = served(release_dir)
    try:
        completed, outputs = run_action(
            tmp_path, sim, server.url + "/v${version}",
            cluster=service.cluster, service=service.name, task_definition=service.task_definition,
        )
    finally:
        server.stop()
    assert completed.returncode == 0, completed.stderr
    assert (outputs["status"], outputs["outcome"], outputs["failure-message"]) == ("COMPLETED", "COMPLETED", "")
    assert json.loads(outputs["verdicts"])[0]["service"] == service.name
    assert f"/v{VERSION}/wait-for-ecs-deploy-v{VERSION}-{PLATFORM}.tar.gz" in server.requests
    summary = (tmp_path / SUMMARY).read_text()
    assert "| Service | Outcome | Reason | Task definition | Time | Console |" in summary, summary
    assert f"COMPLETED |  | {service.task_definition.rsplit('task-definition/', 1)[-1]} |" in summary, summary
    assert f"/ecs/v2/clusters/{service.cluster}/services/{service.name}/deployments" in summary, summary
    assert "::error " not in completed.stdout, completed.stdout


def test_action_reports_a_crash_loop_as_failed_outputs_and_fails_the_step(tmp_path, sim, new_service, release_dir, served):
    service = new_service()
    broken = sim.register_task_definition(service.family, command=["/bin/false"])
    sim.update_service(service.cluster, service.name, broken)
    server = served(release_dir)
    try:
        completed, outputs = run_action(
            tmp_path, sim, server.url + "/v${version}",
            cluster=service.cluster, services=f"{service.name}\n", task_definition=broken,
        )
    finally:
        server.stop()
    assert completed.returncode == 1, completed.stderr
    assert (outputs["status"], outputs["outcome"]) == ("FAILED", "FAILED")
    assert "Essential container in task exited" in outputs["failure-message"]
    # One annotation on the run page, its title the service and the outcome.
    annotations = [line for line in completed.stdout.splitlines() if line.startswith("::error ")]
    assert len(annotations) == 1, completed.stdout
    assert annotations[0].startswith(f"::error title={service.name} FAILED::"), annotations
    assert "Essential container in task exited" in annotations[0], annotations
    summary = (tmp_path / SUMMARY).read_text()
    assert " | FAILED | " in summary, summary
    assert "stopped tasks" in summary and "Essential container in task exited" in summary, summary


def test_action_refuses_an_archive_whose_checksum_does_not_match(tmp_path, sim, new_service, release_dir, served):
    service = new_service()
    server = served(release_dir, tamper=True)
    try:
        completed, outputs = run_action(tmp_path, sim, server.url + "/v${version}", cluster=service.cluster, service=service.name)
    finally:
        server.stop()
    assert completed.returncode == 4
    assert "checksum mismatch" in completed.stderr and "not running it" in completed.stderr, completed.stderr
    assert outputs == {}


def test_action_names_a_bad_input_and_what_is_valid(tmp_path, sim):
    completed, _ = run_action(tmp_path, sim, "http://127.0.0.1:9", cluster="c", service="s", fail_on_error="maybe")
    assert completed.returncode == 4
    assert "'fail-on-error' is 'maybe': valid values are true and false" in completed.stderr
