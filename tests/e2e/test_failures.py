"""Broken rollouts fail `pulumi up` with the real reason, and bad inputs fail the preview."""

from __future__ import annotations

import pytest

from conftest import configure


def test_crash_loop_without_circuit_breaker_fails_with_the_reason_and_the_next_up_waits_again(
    stack, new_service, sim
):
    service = new_service(circuit_breaker=False)
    crashing = sim.register_task_definition(service.family, command=["/bin/false"])
    sim.update_service(service.cluster, service.name, crashing)
    configure(stack, service, task_definition=crashing)

    failed = stack.up()

    assert failed.code != 0, failed
    assert "Essential container in task exited" in failed.output, failed
    state = stack.wait_resource()
    assert state is not None, "the failed wait was not recorded in the stack"
    assert state["outputs"]["status"] == "FAILED"
    assert "Essential container in task exited" in state["outputs"]["failureMessage"]

    calls_before = sim.call_counts()["total"]
    retried = stack.up()

    assert retried.code != 0, retried
    assert sim.call_counts()["total"] > calls_before, "the second up did not wait again"
    assert "Essential container in task exited" in retried.output, retried


def test_circuit_breaker_rollback_fails_up_with_the_reason(stack, new_service, sim):
    service = new_service(circuit_breaker=True)
    crashing = sim.register_task_definition(service.family, command=["/bin/false"])
    sim.update_service(service.cluster, service.name, crashing)
    configure(stack, service, task_definition=crashing, maxTaskFailures=0)

    failed = stack.up()

    assert failed.code != 0, failed
    assert "circuit breaker" in failed.output, failed
    outputs = stack.wait_resource()["outputs"]
    assert outputs["status"] == "FAILED"
    assert outputs["outcome"] in ("ROLLED_BACK", "FAILED")
    assert "circuit breaker" in outputs["failureMessage"]


@pytest.mark.parametrize(
    ("config", "named_property"),
    [
        ({"desiredTaskDef": "web"}, "desiredTaskDef"),
        ({"timeoutMs": -5}, "timeoutMs"),
        ({"pollIntervalMs": 5}, "pollIntervalMs"),
    ],
    ids=["task-definition-without-revision", "negative-timeout", "poll-interval-too-short"],
)
def test_bad_input_fails_the_preview_naming_the_property(stack, new_service, config, named_property):
    service = new_service()
    configure(stack, service)
    stack.set_config(**config)

    preview = stack.preview()

    assert preview.code != 0, preview
    assert named_property in preview.output, preview
