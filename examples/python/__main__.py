"""Waits for the ECS deployment named by stack config (clusterName, serviceName, desiredTaskDef).

This program creates no ECS resources itself: in a real stack those values are the outputs of
pulumi-aws resources.
"""

import pulumi
from pulumi_wait_for_ecs_deploy import WaitForEcsDeployment

config = pulumi.Config()

deployment = WaitForEcsDeployment(
    "wait-for-deployment",
    cluster_name=config.require("clusterName"),
    service_name=config.require("serviceName"),
    desired_task_def=config.require("desiredTaskDef"),
    # Optional tuning; unset values take the provider's defaults.
    timeout_ms=config.get_int("timeoutMs"),
    poll_interval_ms=config.get_int("pollIntervalMs"),
    max_task_failures=config.get_int("maxTaskFailures"),
    # deployed (default), paused, or stage:<LIFECYCLE_STAGE> for blue/green, linear and canary services.
    wait_until=config.get("waitUntil"),
    # Roll back on any of failed, timedOut, cancelled (pulumi config set --path 'rollbackOn[0]' failed).
    rollback_on=config.get_object("rollbackOn"),
)

pulumi.export("status", deployment.status)
pulumi.export("failureMessage", deployment.failure_message)
pulumi.export("outcome", deployment.outcome)
pulumi.export("primaryTaskDef", deployment.primary_task_def)
pulumi.export("lifecycleStage", deployment.lifecycle_stage)
pulumi.export("pausedHookId", deployment.paused_hook_id)
pulumi.export("rollbackStatus", deployment.rollback_status)
