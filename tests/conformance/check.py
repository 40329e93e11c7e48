#!/usr/bin/env python3
"""Drives a running `ecs-sim serve` through scenarios with boto3 and validates every raw response body
against the ECS service model that the AWS SDKs are generated from (botocore's data/ecs/*/service-2.json,
read from the installed botocore package).

    check.py --endpoint http://127.0.0.1:PORT

Each response is checked for: no `null` anywhere, no member the model does not define, the JSON type the
model gives each member (timestamps as epoch numbers), enum values within the model's enum, and for errors
an `__type` code the operation declares (and error members the error shape defines). The first mismatch
stops the run with its kind, operation and JSON path; on success it prints how many responses it validated.

Adding a scenario: write a function taking a `Sim` and decorate it with `@scenario`. `sim.call(op, **params)`
calls boto3's snake_case operation and returns the parsed answer; `expect="SomeException"` expects that
error instead. Polling helpers: `sim.until(...)` and `sim.skip(seconds)` (simulated time).
"""

import argparse
import json
import sys
import time
import urllib.request
from collections import Counter

import boto3
import botocore
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError


class Mismatch(Exception):
    def __init__(self, kind, operation, path, detail):
        super().__init__(f"{kind}: {operation} at {path}: {detail}")
        self.kind = kind


class ScenarioFailure(Exception):
    pass


NUMBER = (int, float)


class Validator:
    """Checks raw response bodies against the service model."""

    def __init__(self):
        self.count = 0
        self.by_operation = Counter()

    def check(self, operation, status, body, expect_unknown_operation=False):
        name = operation.name
        try:
            value = json.loads(body.decode("utf-8")) if body.strip() else {}
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise Mismatch("not JSON", name, "$", f"{error}: {body[:200]!r}")
        if not isinstance(value, dict):
            raise Mismatch("wrong type", name, "$", f"expected an object, got {type(value).__name__}")
        if status >= 300:
            self._check_error(operation, value, expect_unknown_operation)
        else:
            if expect_unknown_operation:
                raise Mismatch("unknown action answered", name, "$", f"HTTP {status} {value}")
            if operation.output_shape is None:
                if value:
                    raise Mismatch("unknown member", name, "$", f"the operation has no output: {value}")
            else:
                self._check(name, value, operation.output_shape, "$")
        self.count += 1
        self.by_operation[name] += 1

    def _check_error(self, operation, value, expect_unknown_operation):
        name = operation.name
        kind = value.get("__type")
        if not isinstance(kind, str) or not kind:
            raise Mismatch("error without __type", name, "$.__type", value)
        code = kind.split("#")[-1].split(":")[0]
        if expect_unknown_operation:
            if code != "UnknownOperationException" or set(value) - {"__type", "message"}:
                raise Mismatch("unknown action answered wrongly", name, "$", value)
            return
        declared = {shape.name: shape for shape in operation.error_shapes}
        if code not in declared:
            raise Mismatch(
                "undeclared error code", name, "$.__type", f"{code} (declared: {', '.join(sorted(declared))})"
            )
        rest = {k: v for k, v in value.items() if k != "__type"}
        self._check(name, rest, declared[code], "$")

    def _check(self, name, value, shape, path):
        if value is None:
            raise Mismatch("null member", name, path, "ECS omits absent members")
        kind = shape.type_name
        if kind == "structure":
            if not isinstance(value, dict):
                raise Mismatch("wrong type", name, path, f"expected object ({shape.name}), got {value!r:.80}")
            for key, member in value.items():
                if key not in shape.members:
                    raise Mismatch("unknown member", name, f"{path}.{key}", f"{shape.name} has no member {key}")
                self._check(name, member, shape.members[key], f"{path}.{key}")
        elif kind == "list":
            if not isinstance(value, list):
                raise Mismatch("wrong type", name, path, f"expected list ({shape.name}), got {value!r:.80}")
            for i, item in enumerate(value):
                self._check(name, item, shape.member, f"{path}[{i}]")
        elif kind == "map":
            if not isinstance(value, dict):
                raise Mismatch("wrong type", name, path, f"expected map ({shape.name}), got {value!r:.80}")
            for key, item in value.items():
                self._check(name, key, shape.key, f"{path}.<key {key}>")
                self._check(name, item, shape.value, f"{path}.{key}")
        elif kind == "string":
            if not isinstance(value, str):
                raise Mismatch("wrong type", name, path, f"expected string ({shape.name}), got {value!r:.80}")
            enum = shape.enum
            if enum and value not in enum:
                raise Mismatch("enum value", name, path, f"{value!r} is not one of {shape.name}: {list(enum)}")
        elif kind in ("integer", "long"):
            if isinstance(value, bool) or not isinstance(value, int):
                raise Mismatch("wrong type", name, path, f"expected {kind}, got {value!r:.80}")
        elif kind in ("float", "double"):
            if isinstance(value, bool) or not isinstance(value, NUMBER):
                raise Mismatch("wrong type", name, path, f"expected {kind}, got {value!r:.80}")
        elif kind == "boolean":
            if not isinstance(value, bool):
                raise Mismatch("wrong type", name, path, f"expected boolean, got {value!r:.80}")
        elif kind == "timestamp":
            if isinstance(value, bool) or not isinstance(value, NUMBER):
                raise Mismatch("timestamp not epoch number", name, path, f"got {value!r:.80}")
        elif kind == "blob":
            if not isinstance(value, str):
                raise Mismatch("wrong type", name, path, f"expected base64 string, got {value!r:.80}")
        else:
            raise Mismatch("unhandled model type", name, path, kind)


class Sim:
    """One boto3 ECS client against the simulator, every response validated."""

    def __init__(self, endpoint, validator, region="us-east-1"):
        self.endpoint = endpoint
        self.region = region
        self.validator = validator
        self.client = boto3.session.Session().client(
            "ecs",
            region_name=region,
            endpoint_url=endpoint,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 1, "mode": "standard"}, parameter_validation=True),
        )
        self._expect_unknown = False
        self.client.meta.events.register("after-call.ecs", self._after_call)

    def _after_call(self, http_response, model, **_):
        self.validator.check(model, http_response.status_code, http_response.content, self._expect_unknown)

    def call(self, operation, expect=None, **params):
        self._expect_unknown = expect == "UnknownOperationException"
        try:
            answer = getattr(self.client, operation)(**params)
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if expect is None:
                raise ScenarioFailure(f"{operation}: unexpected {code}: {error}") from None
            if code != expect:
                raise ScenarioFailure(f"{operation}: expected {expect}, got {code}: {error}") from None
            return error.response
        finally:
            self._expect_unknown = False
        if expect is not None:
            raise ScenarioFailure(f"{operation}: expected {expect}, got success")
        return answer

    def skip(self, seconds):
        request = urllib.request.Request(
            f"{self.endpoint}/_sim/time/skip",
            data=json.dumps({"seconds": seconds}).encode(),
            method="POST",
            headers={"content-type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=10).read()

    def service(self, cluster, name):
        return self.call("describe_services", cluster=cluster, services=[name])["services"][0]

    def until(self, what, probe, step=5, limit=1200):
        """Skips simulated time `step` seconds at a time until `probe()` is truthy; returns its value."""
        waited = 0
        while waited <= limit:
            value = probe()
            if value:
                return value
            self.skip(step)
            time.sleep(0.01)
            waited += step
        raise ScenarioFailure(f"timed out waiting for {what}")

    def settle(self, cluster, name, limit=1200):
        def completed():
            service = self.service(cluster, name)
            primary = service["deployments"][0]
            done = len(service["deployments"]) == 1 and primary.get("rolloutState") == "COMPLETED"
            return service if done else None

        return self.until(f"{name} to complete its deployment", completed, limit=limit)


def expect(condition, message):
    if not condition:
        raise ScenarioFailure(message)


SCENARIOS = []


def scenario(function):
    SCENARIOS.append(function)
    return function


CONTAINER = {"name": "app", "image": "public.ecr.aws/nginx/nginx:1.27", "essential": True}
NETWORK = {
    "awsvpcConfiguration": {
        "subnets": ["subnet-0123456789abcdef0"],
        "securityGroups": ["sg-0123456789abcdef0"],
        "assignPublicIp": "DISABLED",
    }
}


def register(sim, family, container=None, cpu="256", memory="512", expect_error=None, **extra):
    answer = sim.call(
        "register_task_definition",
        expect=expect_error,
        family=family,
        containerDefinitions=[container or CONTAINER],
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu=cpu,
        memory=memory,
        **extra,
    )
    return None if expect_error else answer["taskDefinition"]["taskDefinitionArn"]


@scenario
def clusters(sim):
    sim.call("create_cluster", clusterName="conf-a", tags=[{"key": "team", "value": "deploy"}])
    sim.call("create_cluster", clusterName="conf-a")
    sim.call("create_cluster", clusterName="conf-b", settings=[{"name": "containerInsights", "value": "enabled"}])
    sim.call("create_cluster", expect="InvalidParameterException", clusterName="bad name!")
    described = sim.call("describe_clusters", clusters=["conf-a", "missing"], include=["TAGS"])
    expect(described["clusters"][0]["tags"] == [{"key": "team", "value": "deploy"}], described)
    expect(described["failures"][0]["reason"] == "MISSING", described)
    sim.call("describe_clusters")
    listed = sim.call("list_clusters")
    expect(any(arn.endswith(":cluster/conf-a") for arn in listed["clusterArns"]), listed)
    page = sim.call("list_clusters", maxResults=1)
    expect("nextToken" in page, page)
    sim.call("list_clusters", maxResults=1, nextToken=page["nextToken"])
    sim.call("list_clusters", expect="InvalidParameterException", maxResults=101)
    deleted = sim.call("delete_cluster", cluster="conf-b")
    expect(deleted["cluster"]["status"] == "INACTIVE", deleted)
    gone = sim.call("describe_clusters", clusters=["conf-b"])
    expect(gone["clusters"][0]["status"] == "INACTIVE", gone)
    sim.call("delete_cluster", expect="ClusterNotFoundException", cluster="never-made")
    sim.call("list_services", expect="ClusterNotFoundException", cluster="conf-b")


@scenario
def task_definitions(sim):
    first = register(sim, "conf-web", tags=[{"key": "app", "value": "web"}])
    second = register(
        sim,
        "conf-web",
        container=dict(
            CONTAINER,
            healthCheck={
                "command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
                "interval": 5,
                "retries": 2,
                "startPeriod": 5,
            },
            portMappings=[{"containerPort": 80, "protocol": "tcp"}],
            environment=[{"name": "MODE", "value": "web"}],
            logConfiguration={"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web"}},
        ),
        executionRoleArn="arn:aws:iam::123456789012:role/exec",
    )
    described = sim.call("describe_task_definition", taskDefinition="conf-web", include=["TAGS"])
    expect(described["taskDefinition"]["taskDefinitionArn"] == second, described)
    tagged = sim.call("describe_task_definition", taskDefinition=first, include=["TAGS"])
    expect(tagged["tags"] == [{"key": "app", "value": "web"}], tagged)
    sim.call("describe_task_definition", expect="ClientException", taskDefinition="conf-web:99")
    sim.call("describe_task_definition", expect="ClientException", taskDefinition="never-registered")
    register(sim, "conf-web", cpu="256", memory="4096", expect_error="ClientException")
    register(sim, "conf-big", cpu="8192", memory="32768")
    register(sim, "conf-bad", container={"name": "app"}, expect_error="ClientException")
    sim.call("list_task_definitions")
    listed = sim.call("list_task_definitions", familyPrefix="conf-web", sort="DESC")
    expect(listed["taskDefinitionArns"][0] == second, listed)
    page = sim.call("list_task_definitions", familyPrefix="conf-web", maxResults=1)
    sim.call("list_task_definitions", familyPrefix="conf-web", maxResults=1, nextToken=page["nextToken"])
    families = sim.call("list_task_definition_families", familyPrefix="conf-")
    expect("conf-web" in families["families"], families)
    sim.call("list_task_definition_families", status="ALL")
    deregistered = sim.call("deregister_task_definition", taskDefinition=first)
    expect(deregistered["taskDefinition"]["status"] == "INACTIVE", deregistered)
    inactive = sim.call("list_task_definitions", familyPrefix="conf-web", status="INACTIVE")
    expect(inactive["taskDefinitionArns"] == [first], inactive)
    sim.call("deregister_task_definition", expect="ClientException", taskDefinition="conf-web:99")
    deleted = sim.call("delete_task_definitions", taskDefinitions=[first, second])
    expect(deleted["taskDefinitions"][0]["status"] == "DELETE_IN_PROGRESS", deleted)
    expect(deleted["failures"][0]["arn"] == second, deleted)
    sim.call("list_tags_for_resource", resourceArn=second)


@scenario
def rolling_deployments(sim):
    cluster = "conf-roll"
    sim.call("create_cluster", clusterName=cluster)
    good = register(sim, "conf-roll-web")
    created = sim.call(
        "create_service",
        cluster=cluster,
        serviceName="web",
        taskDefinition=good,
        desiredCount=2,
        launchType="FARGATE",
        networkConfiguration=NETWORK,
        healthCheckGracePeriodSeconds=30,
        propagateTags="SERVICE",
        enableExecuteCommand=True,
        enableECSManagedTags=True,
        availabilityZoneRebalancing="DISABLED",
        tags=[{"key": "env", "value": "conf"}],
        deploymentConfiguration={
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        },
    )["service"]
    for member, value in [
        ("healthCheckGracePeriodSeconds", 30),
        ("propagateTags", "SERVICE"),
        ("enableExecuteCommand", True),
        ("enableECSManagedTags", True),
        ("availabilityZoneRebalancing", "DISABLED"),
    ]:
        expect(created.get(member) == value, f"CreateService echoes {member}: {created.get(member)}")
    sim.call("create_service", expect="InvalidParameterException", cluster=cluster, serviceName="web",
             taskDefinition=good)
    sim.call("create_service", expect="ClientException", cluster=cluster, serviceName="other",
             taskDefinition="never-registered:1")
    sim.call("create_service", expect="ClusterNotFoundException", cluster="nope", serviceName="x",
             taskDefinition=good)
    settled = sim.settle(cluster, "web")
    tagged = sim.call("describe_services", cluster=cluster, services=["web", "missing"], include=["TAGS"])
    expect(tagged["services"][0]["tags"] == [{"key": "env", "value": "conf"}], tagged)

    tasks = sim.call("list_tasks", cluster=cluster, serviceName="web")["taskArns"]
    expect(len(tasks) == 2, tasks)
    page = sim.call("list_tasks", cluster=cluster, maxResults=1)
    sim.call("list_tasks", cluster=cluster, maxResults=1, nextToken=page["nextToken"])
    described = sim.call("describe_tasks", cluster=cluster, tasks=tasks + ["0" * 32], include=["TAGS"])
    expect(described["tasks"][0]["tags"] == [{"key": "env", "value": "conf"}], "propagateTags SERVICE")
    attachment = described["tasks"][0]["attachments"][0]
    expect(attachment["type"] == "ElasticNetworkInterface" and attachment["status"] == "ATTACHED", attachment)
    sim.call("describe_tasks", expect="ClusterNotFoundException", cluster="nope", tasks=tasks)
    stopped = sim.call("stop_task", cluster=cluster, task=tasks[0], reason="conformance check")["task"]
    expect(stopped["desiredStatus"] == "STOPPED", stopped)
    sim.call("stop_task", expect="InvalidParameterException", cluster=cluster, task="f" * 32)
    sim.skip(30)
    sim.call("list_tasks", cluster=cluster, serviceName="web", desiredStatus="STOPPED")
    sim.call("list_tasks", expect="ServiceNotFoundException", cluster=cluster, serviceName="missing")

    healthy = register(sim, "conf-roll-web", container=dict(CONTAINER, image="public.ecr.aws/nginx/nginx:1.28"))
    sim.call("update_service", cluster=cluster, service="web", taskDefinition=healthy)
    sim.settle(cluster, "web")
    deployments = sim.call("list_service_deployments", cluster=cluster, service="web")["serviceDeployments"]
    expect(len(deployments) == 2, deployments)
    expect("nextToken" not in deployments, deployments)
    full = sim.call("describe_service_deployments",
                    serviceDeploymentArns=[d["serviceDeploymentArn"] for d in deployments])
    breaker = full["serviceDeployments"][0]["deploymentCircuitBreaker"]["status"]
    expect(breaker == "MONITORING_COMPLETE", f"circuit breaker after success: {breaker}")
    sim.call("describe_service_revisions",
             serviceRevisionArns=[d["targetServiceRevisionArn"] for d in deployments])

    crashing = register(sim, "conf-roll-web", container=dict(CONTAINER, command=["/bin/false"]))
    sim.call("update_service", cluster=cluster, service="web", taskDefinition=crashing)

    def rolled_back():
        found = sim.call("list_service_deployments", cluster=cluster, service="web", status=["ROLLBACK_SUCCESSFUL"])
        return found["serviceDeployments"]

    rolled = sim.until("the crash-looping deployment to roll back", rolled_back)
    sim.call("describe_service_deployments", serviceDeploymentArns=[rolled[0]["serviceDeploymentArn"]])
    sim.settle(cluster, "web")

    sim.call("update_service", expect="ClientException", cluster=cluster, service="web",
             taskDefinition="conf-roll-web:99")
    sim.call("update_service", expect="ServiceNotFoundException", cluster=cluster, service="missing",
             desiredCount=1)
    sim.call("update_service", cluster=cluster, service="web", desiredCount=1, healthCheckGracePeriodSeconds=0,
             enableExecuteCommand=False)
    sim.call("list_services", cluster=cluster)
    sim.call("delete_cluster", expect="ClusterContainsServicesException", cluster=cluster)
    sim.call("delete_service", expect="InvalidParameterException", cluster=cluster, service="web")
    sim.call("delete_service", cluster=cluster, service="web", force=True)
    sim.until("the service to drain", lambda: sim.service(cluster, "web")["status"] == "INACTIVE")
    sim.call("update_service", expect="ServiceNotActiveException", cluster=cluster, service="web", desiredCount=1)
    sim.call("delete_service", expect="ServiceNotFoundException", cluster=cluster, service="web", force=True)


@scenario
def failures_without_rollback(sim):
    cluster = "conf-fail"
    sim.call("create_cluster", clusterName=cluster)
    failing_check = register(sim, "conf-fail-check", container=dict(
        CONTAINER, healthCheck={"command": ["CMD-SHELL", "exit 1"], "interval": 5, "retries": 2}))
    missing = register(sim, "conf-fail-pull", container=dict(CONTAINER, image="nonexistent.example/app:1"))
    for name, definition in [("check", failing_check), ("pull", missing)]:
        sim.call("create_service", cluster=cluster, serviceName=name, taskDefinition=definition, desiredCount=1,
                 networkConfiguration=NETWORK,
                 deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": False}})

        def failed(name=name):
            primary = sim.service(cluster, name)["deployments"][0]
            return primary.get("rolloutState") == "FAILED"

        sim.until(f"{name} to fail", failed)
        stopped = sim.call("list_tasks", cluster=cluster, serviceName=name, desiredStatus="STOPPED")["taskArns"]
        sim.call("describe_tasks", cluster=cluster, tasks=stopped[:3])
        sim.call("list_service_deployments", cluster=cluster, service=name, status=["STOPPED", "SUCCESSFUL"])


@scenario
def docs_health_check_and_sizes(sim):
    cluster = "conf-health"
    sim.call("create_cluster", clusterName=cluster)
    docs = register(sim, "conf-docs", cpu="8192", memory="32768", container=dict(
        CONTAINER, healthCheck={"command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
                                "interval": 30, "retries": 3, "startPeriod": 10}))
    sim.call("create_service", cluster=cluster, serviceName="docs", taskDefinition=docs, desiredCount=1,
             networkConfiguration=NETWORK)
    settled = sim.settle(cluster, "docs")
    expect(settled["runningCount"] == 1, settled)
    tasks = sim.call("list_tasks", cluster=cluster, serviceName="docs")["taskArns"]
    task = sim.call("describe_tasks", cluster=cluster, tasks=tasks)["tasks"][0]
    expect(task["healthStatus"] == "HEALTHY", task["healthStatus"])

    greedy = register(sim, "conf-greedy", container=dict(CONTAINER, memory=65536))
    sim.call("create_service", cluster=cluster, serviceName="greedy", taskDefinition=greedy, desiredCount=1,
             capacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}],
             networkConfiguration=NETWORK)

    def unplaced():
        events = sim.service(cluster, "greedy")["events"]
        return [e for e in events if "unable to place a task" in e["message"]]

    events = sim.until("the unable-to-place event", unplaced)
    expect("Capacity is unavailable" in events[0]["message"], events[0])
    service = sim.service(cluster, "greedy")
    expect("launchType" not in service and service["capacityProviderStrategy"], service)
    deployments = sim.call("list_service_deployments", cluster=cluster, service="greedy")["serviceDeployments"]
    revision = sim.call("describe_service_revisions",
                        serviceRevisionArns=[deployments[0]["targetServiceRevisionArn"]])["serviceRevisions"][0]
    expect("launchType" not in revision and revision["capacityProviderStrategy"], revision)


@scenario
def tags(sim):
    cluster = sim.call("create_cluster", clusterName="conf-tags")["cluster"]["clusterArn"]
    sim.call("tag_resource", resourceArn=cluster, tags=[{"key": "a", "value": "1"}, {"key": "b", "value": "2"}])
    sim.call("tag_resource", resourceArn=cluster, tags=[{"key": "a", "value": "3"}])
    listed = sim.call("list_tags_for_resource", resourceArn=cluster)["tags"]
    expect(listed == [{"key": "a", "value": "3"}, {"key": "b", "value": "2"}], listed)
    sim.call("untag_resource", resourceArn=cluster, tagKeys=["a"])
    listed = sim.call("list_tags_for_resource", resourceArn=cluster)["tags"]
    expect(listed == [{"key": "b", "value": "2"}], listed)
    missing = cluster.replace("conf-tags", "never-made")
    sim.call("tag_resource", expect="ResourceNotFoundException", resourceArn=missing,
             tags=[{"key": "a", "value": "1"}])
    sim.call("untag_resource", expect="ResourceNotFoundException", resourceArn=missing, tagKeys=["a"])
    sim.call("tag_resource", expect="InvalidParameterException", resourceArn=cluster,
             tags=[{"key": "aws:reserved", "value": "1"}])
    sim.call("list_tags_for_resource", expect="InvalidParameterException", resourceArn="not-an-arn")


@scenario
def unknown_actions(sim):
    sim.call("list_account_settings", expect="UnknownOperationException")
    sim.call("list_container_instances", expect="UnknownOperationException")


@scenario
def region_from_the_signature(sim_default):
    sim = Sim(sim_default.endpoint, sim_default.validator, region="ap-southeast-2")
    cluster = sim.call("create_cluster", clusterName="conf-region")["cluster"]["clusterArn"]
    expect(cluster.startswith("arn:aws:ecs:ap-southeast-2:"), cluster)
    definition = register(sim, "conf-region")
    expect(definition.startswith("arn:aws:ecs:ap-southeast-2:"), definition)
    # One world per region: us-east-1 does not see it.
    other = sim_default.call("describe_clusters", clusters=["conf-region"])
    expect(other["failures"] and not other["clusters"], other)


LAMBDA_ROLE = "arn:aws:iam::123456789012:role/ecs-lifecycle-hooks"


def lambda_hook(name, stages):
    return {
        "hookTargetArn": f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
        "roleArn": LAMBDA_ROLE,
        "targetType": "AWS_LAMBDA",
        "lifecycleStages": stages,
    }


def staged_service(sim, cluster, name, configuration, container=None):
    """A settled rolling service `name`, updated to a new revision with the staged `configuration`;
    returns the ARN of the service deployment that starts."""
    first = register(sim, f"{cluster}-{name}")
    sim.call(
        "create_service", cluster=cluster, serviceName=name, taskDefinition=first, desiredCount=2,
        networkConfiguration=NETWORK,
    )
    sim.settle(cluster, name)
    second = register(sim, f"{cluster}-{name}", container=container)
    updated = sim.call(
        "update_service", cluster=cluster, service=name, taskDefinition=second,
        deploymentConfiguration=configuration,
    )
    return updated["service"]["currentServiceDeployment"]


def deployment(sim, arn):
    return sim.call("describe_service_deployments", serviceDeploymentArns=[arn])["serviceDeployments"][0]


def finished(sim, arn, statuses):
    def probe():
        answer = deployment(sim, arn)
        return answer if answer["status"] in statuses else None

    return sim.until(f"{arn} to reach one of {statuses}", probe, step=3)


@scenario
def staged_deployments(sim):
    cluster = "conf-staged"
    sim.call("create_cluster", clusterName=cluster)
    # Blue/green with a Lambda hook and a PAUSE hook: stages, hook details, traffic weights, continue.
    pause = {
        "targetType": "PAUSE",
        "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
        "timeoutConfiguration": {"timeoutInMinutes": 30, "action": "ROLLBACK"},
    }
    bg = staged_service(sim, cluster, "bg", {
        "strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1,
        "lifecycleHooks": [lambda_hook("check", ["POST_SCALE_UP"]), pause],
        "alarms": {"alarmNames": ["conf-5xx"], "enable": True, "rollback": True},
    })
    paused = sim.until("the pause", lambda: next(
        (d for d in [deployment(sim, bg)]
         if any(h.get("status") == "AWAITING_ACTION" for h in d.get("lifecycleHookDetails", []))),
        None,
    ), step=3)
    hook = next(h for h in paused["lifecycleHookDetails"] if h["status"] == "AWAITING_ACTION")
    sim.call("continue_service_deployment", expect="InvalidParameterException",
             serviceDeploymentArn=bg, hookId="no-such-hook")
    sim.call("continue_service_deployment", serviceDeploymentArn=bg, hookId=hook["hookId"], action="CONTINUE")
    done = finished(sim, bg, ["SUCCESSFUL"])
    expect(done["lifecycleStage"] in ("CLEAN_UP", "BAKE_TIME") or "lifecycleStage" in done, done)
    sim.call("continue_service_deployment", expect="ClientException",
             serviceDeploymentArn=bg, hookId=hook["hookId"])
    sim.call("stop_service_deployment", expect="ConflictException", serviceDeploymentArn=bg, stopType="ROLLBACK")
    sim.call("list_service_deployments", cluster=cluster, service="bg")
    sim.call("describe_services", cluster=cluster, services=["bg"])

    # Linear, rolled back by StopServiceDeployment during its steps.
    linear = staged_service(sim, cluster, "linear", {
        "strategy": "LINEAR", "bakeTimeInMinutes": 5,
        "linearConfiguration": {"stepPercent": 25.0, "stepBakeTimeInMinutes": 2},
    })
    sim.until("a linear step", lambda: deployment(sim, linear).get("lifecycleStage") == "PRODUCTION_TRAFFIC_SHIFT",
              step=2)
    sim.call("stop_service_deployment", serviceDeploymentArn=linear, stopType="ROLLBACK")
    finished(sim, linear, ["ROLLBACK_SUCCESSFUL"])
    sim.call("stop_service_deployment", expect="InvalidParameterException", serviceDeploymentArn=linear,
             stopType="ABORT")

    # Canary with a failing Lambda hook: rolled back, naming the hook.
    canary = staged_service(sim, cluster, "canary", {
        "strategy": "CANARY", "bakeTimeInMinutes": 1,
        "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 1},
        "lifecycleHooks": [lambda_hook("smoke-fail", ["POST_PRODUCTION_TRAFFIC_SHIFT"])],
    })
    rolled_back = finished(sim, canary, ["ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"])
    expect(any(h["status"] == "FAILED" for h in rolled_back["lifecycleHookDetails"]), rolled_back)

    # An alarm in bake time rolls a blue/green deployment back.
    alarmed = staged_service(sim, cluster, "alarmed", {
        "strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5,
        "alarms": {"alarmNames": ["conf-latency"], "enable": True, "rollback": True},
    }, container=dict(CONTAINER, environment=[{"name": "SIM_ALARM_IN_BAKE", "value": "conf-latency"}]))
    tripped = finished(sim, alarmed, ["ROLLBACK_SUCCESSFUL"])
    expect(tripped["alarms"]["triggeredAlarmNames"] == ["conf-latency"], tripped)

    # What ECS refuses.
    sim.call("update_service", expect="InvalidParameterException", cluster=cluster, service="bg",
             deploymentConfiguration={"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 2000})
    sim.call("describe_service_deployments",
             serviceDeploymentArns=["arn:aws:ecs:us-east-1:123456789012:service-deployment/conf-staged/bg/nope"])
    sim.call("stop_service_deployment", expect="ServiceDeploymentNotFoundException",
             serviceDeploymentArn="arn:aws:ecs:us-east-1:123456789012:service-deployment/conf-staged/bg/nope")


@scenario
def early_success(sim):
    cluster = "conf-early"
    sim.call("create_cluster", clusterName=cluster)
    criteria = {"enable": True, "healthyPercent": 50, "sourceServiceRevisionCleanup": "DEFERRED"}
    first = register(sim, f"{cluster}-web")
    sim.call(
        "create_service", expect="InvalidParameterException", cluster=cluster, serviceName="web",
        taskDefinition=first, desiredCount=4,
        deploymentConfiguration={"strategy": "CANARY", "earlySuccessCriteria": criteria},
    )
    sim.call(
        "create_service", expect="InvalidParameterException", cluster=cluster, serviceName="web",
        taskDefinition=first, desiredCount=4, deploymentConfiguration={"earlySuccessCriteria": criteria},
    )
    rolling = {"minimumHealthyPercent": 50, "maximumPercent": 100, "earlySuccessCriteria": criteria}
    sim.call(
        "create_service", cluster=cluster, serviceName="web", taskDefinition=first, desiredCount=4,
        networkConfiguration=NETWORK, deploymentConfiguration=rolling,
    )
    echoed = sim.settle(cluster, "web")["deploymentConfiguration"].get("earlySuccessCriteria")
    expect(echoed == criteria, f"DescribeServices echoes earlySuccessCriteria: {echoed}")
    second = register(sim, f"{cluster}-web", container=dict(CONTAINER, image="public.ecr.aws/nginx/nginx:1.28"))
    arn = sim.call("update_service", cluster=cluster, service="web", taskDefinition=second)["service"][
        "currentServiceDeployment"]
    done = finished(sim, arn, ["SUCCESSFUL"])
    expect(done["deploymentConfiguration"].get("earlySuccessCriteria") == criteria, done["deploymentConfiguration"])
    statuses = [(d["status"], d["runningCount"]) for d in sim.service(cluster, "web")["deployments"]]
    expect(statuses[0][0] == "PRIMARY" and statuses[1][0] == "ACTIVE" and statuses[1][1] > 0,
           f"the source tasks still run after a DEFERRED early success: {statuses}")
    sim.settle(cluster, "web")


def self_test():
    """The validator itself: each kind of mismatch it exists to catch is caught."""
    model = botocore.session.get_session().get_service_model("ecs")
    list_services = model.operation_model("ListServices")
    describe = model.operation_model("DescribeServices")
    bad = [
        (list_services, 200, {"serviceArns": [], "nextToken": None}, "null member"),
        (list_services, 200, {"serviceArns": [], "extra": 1}, "unknown member"),
        (list_services, 200, {"serviceArns": "arn"}, "wrong type"),
        (describe, 200, {"services": [{"status": "ACTIVE", "launchType": "WOOD"}]}, "enum value"),
        (describe, 200, {"services": [{"createdAt": "2024-01-01T00:00:00Z"}]}, "timestamp not epoch number"),
        (describe, 200, {"services": [{"desiredCount": True}]}, "wrong type"),
        (describe, 400, {"__type": "ServiceNotActiveException", "message": "x"}, "undeclared error code"),
    ]
    validator = Validator()
    for operation, status, body, kind in bad:
        try:
            validator.check(operation, status, json.dumps(body).encode())
        except Mismatch as mismatch:
            if mismatch.kind != kind:
                raise SystemExit(f"self-test: {body} gave {mismatch.kind}, expected {kind}")
        else:
            raise SystemExit(f"self-test: {body} was accepted, expected {kind}")
    validator.check(describe, 400, b'{"__type":"ClientException","message":"x"}')
    validator.check(list_services, 200, b'{"serviceArns":["arn:aws:ecs:us-east-1:1:service/c/s"]}')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True, help="the simulator, e.g. http://127.0.0.1:4566")
    parser.add_argument("--min-responses", type=int, default=100)
    parser.add_argument("-k", dest="only", help="run only scenarios whose name contains this")
    args = parser.parse_args()

    self_test()
    validator = Validator()
    sim = Sim(args.endpoint, validator)
    model_file = botocore.__file__.rsplit("/", 1)[0] + "/data/ecs"
    print(f"conformance: ECS model from botocore {botocore.__version__} ({model_file})")
    try:
        for run in SCENARIOS:
            if args.only and args.only not in run.__name__:
                continue
            before = validator.count
            run(sim)
            print(f"conformance: scenario {run.__name__}: {validator.count - before} responses valid")
    except Mismatch as mismatch:
        print(f"conformance: MISMATCH {mismatch}", file=sys.stderr)
        print(f"conformance: {validator.count} responses validated before the mismatch", file=sys.stderr)
        return 1
    except ScenarioFailure as failure:
        print(f"conformance: SCENARIO FAILED: {failure}", file=sys.stderr)
        print(f"conformance: {validator.count} responses validated before the failure", file=sys.stderr)
        return 1
    operations = ", ".join(f"{name} {n}" for name, n in sorted(validator.by_operation.items()))
    print(f"conformance: by operation: {operations}")
    print(f"conformance: {validator.count} responses validated against the ECS service model, 0 mismatches")
    if validator.count < args.min_responses and not args.only:
        print(f"conformance: expected at least {args.min_responses} responses", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
