"""Blue/green deployments and acting on a deployment, with the real Pulumi engine: `pulumi up` completes only
after the bake time, fails naming the alarm when a rollback happens during it, and `rollbackOn: ["failed"]`
rolls a crash loop back to the previous task definition."""

from __future__ import annotations

import pytest

from conftest import configure

# Two runtimes are enough here: the inputs are plain properties, and every language reads them through the
# same provider (the example-parametrised tests cover each SDK).
LANGUAGES = pytest.mark.parametrize("language", ["yaml", "typescript"], indirect=True)


def deploy_blue_green(sim, service, task_definition, *, bake_minutes, alarms=None, pause_at=None):
    hooks = []
    if pause_at:
        hooks.append(
            {
                "targetType": "PAUSE",
                "lifecycleStages": [pause_at],
                "timeoutConfiguration": {"timeoutInMinutes": 1440, "action": "ROLLBACK"},
            }
        )
    configuration = {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": bake_minutes, "lifecycleHooks": hooks}
    if alarms:
        configuration["alarms"] = {"alarmNames": alarms, "enable": True, "rollback": True}
    sim.call(
        "UpdateService",
        {
            "cluster": service.cluster,
            "service": service.name,
            "taskDefinition": task_definition,
            "deploymentConfiguration": configuration,
        },
    )


def current_service_deployment(sim, service):
    described = sim.call("DescribeServices", {"cluster": service.cluster, "services": [service.name]})
    arn = described["services"][0]["currentServiceDeployment"]
    return sim.call("DescribeServiceDeployments", {"serviceDeploymentArns": [arn]})["serviceDeployments"][0]


def held_until_observed(running, sim, arn: str, timeout: float = 120) -> dict:
    """Waits until deployment `arn` is paused at its PAUSE hook and the provider has looked at the service a
    few times, so what happens next is seen live whatever the engine's start-up took; returns the hook.
    (This probe calls DescribeServiceDeployments only: the DescribeServices calls counted are the provider's.)"""

    def awaiting_hook() -> dict | None:
        deployment = sim.call("DescribeServiceDeployments", {"serviceDeploymentArns": [arn]})
        hooks = deployment["serviceDeployments"][0].get("lifecycleHookDetails", [])
        return next((h for h in hooks if h.get("status") == "AWAITING_ACTION"), None)

    return running.until_watched(sim, awaiting_hook, "the provider to watch the paused deployment", timeout)


@LANGUAGES
def test_blue_green_completes_after_its_bake_time(stack, new_service, sim):
    service = new_service()
    green = sim.register_task_definition(service.family)
    # The PAUSE hook holds the deployment until the provider watches it; the bake comes after it.
    deploy_blue_green(sim, service, green, bake_minutes=1, pause_at="POST_SCALE_UP")
    configure(stack, service, task_definition=green)

    arn = current_service_deployment(sim, service)["serviceDeploymentArn"]
    running = stack.start_up()
    try:
        hook = held_until_observed(running, sim, arn)
        sim.call("ContinueServiceDeployment", {"serviceDeploymentArn": arn, "hookId": hook["hookId"]})
        code = running.finish(timeout=180)
    finally:
        running.kill()

    assert code == 0, running.output
    assert "paused at lifecycle hook" in running.output, "the pause is told in the display"
    assert "lifecycle stage BAKE_TIME" in running.output, "the stages are told in the display"
    outputs = stack.wait_resource()["outputs"]
    assert outputs["status"] == "COMPLETED"
    assert outputs["primaryTaskDef"] == green
    assert outputs.get("lifecycleStage"), outputs
    # `pulumi up` did not finish before ECS said SUCCESSFUL, which it says only after the bake time.
    assert current_service_deployment(sim, service)["status"] == "SUCCESSFUL"


@LANGUAGES
def test_a_rollback_during_bake_fails_up_naming_the_stage_and_the_alarm(stack, new_service, sim):
    service = new_service()
    green = sim.register_task_definition(service.family, environment={"SIM_ALARM_IN_BAKE": "web-5xx"})
    deploy_blue_green(sim, service, green, bake_minutes=5, alarms=["web-5xx"])
    configure(stack, service, task_definition=green)

    failed = stack.up()

    assert failed.code != 0, failed
    assert "during BAKE_TIME" in failed.output, failed
    assert "web-5xx" in failed.output, failed
    outputs = stack.wait_resource()["outputs"]
    assert outputs["outcome"] == "ROLLED_BACK"
    assert "web-5xx" in outputs["failureMessage"]


@LANGUAGES
def test_rollback_on_failed_rolls_a_crash_loop_back_to_the_previous_task_definition(stack, new_service, sim):
    service = new_service(circuit_breaker=False)
    crashing = sim.register_task_definition(service.family, command=["/bin/false"])
    sim.update_service(service.cluster, service.name, crashing)
    configure(stack, service, task_definition=crashing)
    stack.run("config", "set", "--path", check=True, positional=("rollbackOn[0]", "failed"))

    failed = stack.up()

    assert failed.code != 0, failed
    assert "Essential container in task exited" in failed.output, failed
    outputs = stack.wait_resource()["outputs"]
    assert outputs["outcome"] == "FAILED", "the verdict stays what it was"
    assert outputs["rollbackStatus"] == "ROLLBACK_SUCCESSFUL", outputs
    assert "rolled back to" in outputs["failureMessage"], outputs
    described = sim.call("DescribeServices", {"cluster": service.cluster, "services": [service.name]})
    assert described["services"][0]["taskDefinition"] == service.task_definition
