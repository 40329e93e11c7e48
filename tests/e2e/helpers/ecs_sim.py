"""The ECS simulator as a process, driven over ECS's own JSON 1.1 wire protocol.

The harness sets up clusters, services and task definitions exactly as a deploy pipeline would
through the AWS API, so the provider under test sees nothing but real-shaped ECS answers.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from .environment import aws_env

TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113."


class EcsError(Exception):
    """An ECS error answer: its `__type` and message."""

    def __init__(self, error_type: str, message: str):
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EcsSim:
    """`ecs-sim serve` on a free loopback port; stop() ends it."""

    def __init__(self, binary: Path, time_scale: float, log_path: Path):
        self.port = free_loopback_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._log = open(log_path, "w")
        self.process = subprocess.Popen(
            [str(binary), "serve", "--port", str(self.port), "--time-scale", str(time_scale)],
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env=aws_env(self.endpoint),
        )
        self._wait_until_listening()

    def _wait_until_listening(self, timeout: float = 20.0) -> None:
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        line = self.process.stdout.readline()
        if "listening on" not in line:
            self.stop()
            raise RuntimeError(f"ecs-sim did not start: first line {line!r}")
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"ecs-sim did not accept connections on {self.endpoint}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    # --- the ECS API -------------------------------------------------------------------------

    def call(self, operation: str, body: dict) -> dict:
        request = urllib.request.Request(
            self.endpoint + "/",
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "X-Amz-Target": TARGET_PREFIX + operation,
                "Content-Type": "application/x-amz-json-1.1",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            payload = json.loads(error.read() or b"{}")
            raise EcsError(payload.get("__type", str(error.code)), payload.get("message", "")) from None

    def call_counts(self) -> dict:
        with urllib.request.urlopen(self.endpoint + "/_sim/calls", timeout=10) as response:
            return json.loads(response.read())

    def create_cluster(self, name: str) -> str:
        return self.call("CreateCluster", {"clusterName": name})["cluster"]["clusterArn"]

    def register_task_definition(
        self,
        family: str,
        *,
        command: list[str] | None = None,
        memory: int = 512,
        container_memory: int | None = None,
        environment: dict[str, str] | None = None,
    ) -> str:
        container: dict = {"name": "app", "image": "public.ecr.aws/example/app:1", "essential": True}
        if command is not None:
            container["command"] = command
        if container_memory is not None:
            container["memory"] = container_memory
        if environment:
            container["environment"] = [{"name": k, "value": v} for k, v in environment.items()]
        answer = self.call(
            "RegisterTaskDefinition",
            {
                "family": family,
                "containerDefinitions": [container],
                "requiresCompatibilities": ["FARGATE"],
                "networkMode": "awsvpc",
                "cpu": "256",
                "memory": str(memory),
            },
        )
        return answer["taskDefinition"]["taskDefinitionArn"]

    def create_service(
        self, cluster: str, name: str, task_definition: str, *, desired: int = 2, circuit_breaker: bool = False
    ) -> None:
        self.call(
            "CreateService",
            {
                "cluster": cluster,
                "serviceName": name,
                "taskDefinition": task_definition,
                "desiredCount": desired,
                "launchType": "FARGATE",
                "deploymentConfiguration": {
                    "deploymentCircuitBreaker": {"enable": circuit_breaker, "rollback": circuit_breaker},
                    "minimumHealthyPercent": 100,
                    "maximumPercent": 200,
                },
            },
        )

    def update_service(self, cluster: str, name: str, task_definition: str) -> None:
        self.call("UpdateService", {"cluster": cluster, "service": name, "taskDefinition": task_definition})

    def primary_deployment(self, cluster: str, name: str) -> dict:
        services = self.call("DescribeServices", {"cluster": cluster, "services": [name]})["services"]
        return next(d for d in services[0]["deployments"] if d["status"] == "PRIMARY")

    def wait_for_rollout(self, cluster: str, name: str, timeout: float = 30.0) -> dict:
        """Waits (on the harness side) until the service's PRIMARY deployment completed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            primary = self.primary_deployment(cluster, name)
            if primary.get("rolloutState") == "COMPLETED":
                return primary
            time.sleep(0.1)
        raise TimeoutError(f"service {name} in {cluster} did not finish its rollout in {timeout}s")
