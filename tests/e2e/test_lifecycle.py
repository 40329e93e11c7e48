"""A healthy rollout through the whole life of a WaitForEcsDeployment, in each example language."""

from __future__ import annotations

import json

from conftest import configure
from helpers.stack import UNKNOWN


def stack_outputs(stack) -> dict:
    return json.loads(stack.run("stack", "output", "--json", "--show-secrets", check=True).output)


def test_preview_shows_a_create_whose_status_is_not_known_yet(stack, new_service):
    service = new_service()
    configure(stack, service)

    steps = [s for s in stack.preview_steps() if s["urn"].endswith("::wait-for-deployment")]

    assert [s["op"] for s in steps] == ["create"]
    outputs = steps[0]["newState"].get("outputs") or {}
    # Unknown during preview: the preview makes no ECS call, so the verdict cannot be known.
    assert outputs.get("status", UNKNOWN) == UNKNOWN
    assert steps[0]["newState"]["inputs"]["desiredTaskDef"] == service.task_definition


def test_up_waits_then_up_refresh_are_clean_then_a_new_task_definition_waits_again(stack, new_service, sim):
    service = new_service()
    configure(stack, service)

    first = stack.up()
    assert first.code == 0, first
    outputs = stack_outputs(stack)
    assert {
        "status": "COMPLETED",
        "outcome": "COMPLETED",
        "failureMessage": "",
        "primaryTaskDef": service.task_definition,
    }.items() <= outputs.items(), outputs

    unchanged = stack.up("--expect-no-changes")
    assert unchanged.code == 0, unchanged

    refreshed = stack.refresh("--expect-no-changes")
    assert refreshed.code == 0, refreshed

    # A new revision rolled out by the pipeline, then handed to the program.
    revision_2 = sim.register_task_definition(service.family)
    sim.update_service(service.cluster, service.name, revision_2)
    configure(stack, service, task_definition=revision_2)
    calls_before = sim.call_counts()["total"]

    update = stack.up()

    assert update.code == 0, update
    assert "updated" in update.output, update
    assert sim.call_counts()["total"] > calls_before, "the update did not look at ECS at all"
    outputs = stack_outputs(stack)
    assert {"status": "COMPLETED", "outcome": "COMPLETED", "primaryTaskDef": revision_2}.items() <= outputs.items()

    destroyed = stack.destroy()
    assert destroyed.code == 0, destroyed
    assert stack.wait_resource() is None
