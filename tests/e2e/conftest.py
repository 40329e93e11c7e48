"""Fixtures of the end-to-end suite: the real Pulumi CLI, the provider binary on PATH, one ECS simulator
process for the session, and a fresh stack of each example program per test.

Run it through tests/e2e/run.sh, which builds and installs everything this needs and exports the
locations read below.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers.ecs_sim import EcsSim
from helpers.stack import Stack

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = {
    "yaml": REPO / "examples" / "yaml",
    "typescript": REPO / "examples" / "typescript",
    "python": REPO / "examples" / "python",
    "go": REPO / "examples" / "go",
}
# Sim seconds per real second: a rollout of ~15 sim seconds takes a fraction of a real one.
TIME_SCALE = float(os.environ.get("E2E_TIME_SCALE", "50"))


@dataclass(frozen=True)
class Tools:
    pulumi_bin: Path
    cargo_bin: Path

    @property
    def provider(self) -> Path:
        return self.cargo_bin / "pulumi-resource-wait-for-ecs-deploy"

    @property
    def sim(self) -> Path:
        return self.cargo_bin / "ecs-sim"


@pytest.fixture(scope="session")
def tools() -> Tools:
    missing = [name for name in ("E2E_PULUMI_BIN", "E2E_CARGO_BIN") if not os.environ.get(name)]
    if missing:
        pytest.exit(f"{', '.join(missing)} not set: run the suite with tests/e2e/run.sh", returncode=2)
    found = Tools(Path(os.environ["E2E_PULUMI_BIN"]), Path(os.environ["E2E_CARGO_BIN"]))
    for binary in (found.pulumi_bin / "pulumi", found.provider, found.sim):
        if not os.access(binary, os.X_OK):
            pytest.exit(f"{binary} is missing: run the suite with tests/e2e/run.sh", returncode=2)
    return found


@pytest.fixture(scope="session")
def release_dir() -> Path:
    """What scripts/release.sh --profile dev wrote (tests/e2e/run.sh builds it)."""
    directory = os.environ.get("E2E_RELEASE_DIR")
    if not directory:
        pytest.exit("E2E_RELEASE_DIR not set: run the suite with tests/e2e/run.sh", returncode=2)
    return Path(directory)


@pytest.fixture(scope="session")
def sim(tools: Tools, tmp_path_factory: pytest.TempPathFactory):
    simulator = EcsSim(tools.sim, TIME_SCALE, tmp_path_factory.mktemp("sim") / "ecs-sim.log")
    yield simulator
    simulator.stop()


@dataclass
class Service:
    """One ECS service in the simulator, created fresh for a test."""

    cluster: str
    name: str
    family: str
    task_definition: str


@pytest.fixture
def new_service(sim: EcsSim):
    """Creates a cluster with a healthy service that finished its first rollout."""

    def create(*, circuit_breaker: bool = False, desired: int = 2) -> Service:
        suffix = uuid.uuid4().hex[:8]
        cluster, name, family = f"cluster-{suffix}", f"web-{suffix}", f"web-{suffix}"
        sim.create_cluster(cluster)
        task_definition = sim.register_task_definition(family)
        sim.create_service(cluster, name, task_definition, desired=desired, circuit_breaker=circuit_breaker)
        sim.wait_for_rollout(cluster, name)
        return Service(cluster, name, family, task_definition)

    return create


@pytest.fixture(params=sorted(EXAMPLES))
def language(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def stack(language: str, tools: Tools, sim: EcsSim, tmp_path: Path) -> Stack:
    """A fresh stack of the example program in `language`, on its own file backend."""
    return Stack(EXAMPLES[language], tmp_path, [tools.pulumi_bin, tools.cargo_bin], sim.endpoint)


def configure(stack: Stack, service: Service, task_definition: str | None = None, **extra: object) -> None:
    """Points the example at a service; polls fast because the simulator runs fast."""
    values: dict[str, object] = {
        "clusterName": service.cluster,
        "serviceName": service.name,
        "desiredTaskDef": task_definition or service.task_definition,
        "pollIntervalMs": 200,
        "timeoutMs": 60000,
    }
    stack.set_config(**(values | extra))
