"""What a person at the terminal sees and does: the live progress display, and Ctrl-C mid-wait."""

from __future__ import annotations

import re
import time

from conftest import configure
from helpers.processes import alive, descendants

PROVIDER_PROCESS = "pulumi-resource"  # /proc shows at most 15 characters of a process name


def test_live_display_shows_the_providers_progress(stack, new_service, sim):
    service = new_service()
    # Tasks that take 400 simulated seconds to start keep the wait on screen for several real seconds,
    # even after a slow program start-up (ts-node) has used some of them.
    slow = sim.register_task_definition(service.family, environment={"SIM_STARTUP_SECONDS": "400"})
    sim.update_service(service.cluster, service.name, slow)
    configure(stack, service, task_definition=slow)

    running = stack.start_up(interactive=True)
    try:
        code = running.finish(timeout=180)
    finally:
        running.kill()

    assert code == 0, running.output
    progress = re.search(r"deployment ecs-svc/\S+ IN_PROGRESS: \d+/\d+ running", running.output)
    assert progress, f"no progress line from the provider in the live display:\n{running.output[-4000:]}"


def test_ctrl_c_during_a_long_wait_cancels_promptly_and_leaves_no_provider_running(stack, new_service, sim):
    service = new_service()
    # A container needing more memory than its task has is never placed (ecs-sim's "cannot place"
    # trigger; a Fargate task of 256 CPU units and 40 GiB would be refused at registration, as ECS does):
    # the deployment stays IN_PROGRESS forever.
    unplaceable = sim.register_task_definition(service.family, container_memory=65536)
    sim.update_service(service.cluster, service.name, unplaceable)
    configure(stack, service, task_definition=unplaceable, timeoutMs=600000)

    running = stack.start_up()
    try:
        providers = _wait_for_provider_polling(running, sim)
        interrupted_at = time.monotonic()
        running.interrupt()
        code = running.finish(timeout=60)
        took = time.monotonic() - interrupted_at
    finally:
        running.kill()

    assert code != 0, running.output
    assert took < 10, f"pulumi took {took:.1f}s to stop after SIGINT:\n{running.output}"
    # The provider got the engine's Cancel and ended the wait itself (pulumi's own text says "cancelling").
    assert "cancelled" in running.output, running.output
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in providers) and time.monotonic() < deadline:
        time.sleep(0.1)
    orphans = [pid for pid in providers if alive(pid)]
    assert not orphans, f"provider processes still running after pulumi exited: {orphans}"


def _wait_for_provider_polling(running, sim, timeout: float = 120) -> list[int]:
    """Waits until the provider process runs and has polled ECS a few times; returns its pids."""

    def providers() -> list[int]:
        return [pid for pid, name in descendants(running.process.pid).items() if name.startswith(PROVIDER_PROCESS)]

    return running.until_watched(sim, providers, "the provider to start polling", timeout)
