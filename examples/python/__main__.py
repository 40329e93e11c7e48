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
)

pulumi.export("status", deployment.status)
pulumi.export("failureMessage", deployment.failure_message)
pulumi.export("outcome", deployment.outcome)
pulumi.export("primaryTaskDef", deployment.primary_task_def)
