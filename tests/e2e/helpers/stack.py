"""One Pulumi stack of an example program, on a private local file backend.

Each test runs a copy of the example in its temporary directory, so nothing a test does (the stack's
config file, Pulumi's state) is written into the repository. The copy links to the dependencies
installed beside the example (node_modules, .venv) instead of installing them again.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .environment import aws_env

STACK = "e2e"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
RESOURCE_TYPE = "wait-for-ecs-deploy:index:WaitForEcsDeployment"
# Installed dependencies of an example: linked into the copy, never copied.
DEPENDENCY_DIRS = ("node_modules", ".venv")


def _absolute_go_replaces(go_mod: Path, example_dir: Path) -> None:
    """A copied Go program's `replace X => ../../sdk/...` would point nowhere: make such paths absolute."""
    if not go_mod.exists():
        return
    text = re.sub(
        r"=> (\.\.?/\S+)",
        lambda match: "=> " + str((example_dir / match.group(1)).resolve()),
        go_mod.read_text(),
    )
    go_mod.write_text(text)


@dataclass
class Result:
    command: list[str]
    code: int
    output: str

    def __str__(self) -> str:
        return f"$ {' '.join(self.command)}\n(exit {self.code})\n{self.output}"


class Stack:
    def __init__(self, example_dir: Path, work_dir: Path, path_dirs: list[Path], endpoint: str):
        self.project_dir = work_dir / "project"
        shutil.copytree(example_dir, self.project_dir, ignore=shutil.ignore_patterns(*DEPENDENCY_DIRS, "bin"))
        for name in DEPENDENCY_DIRS:
            if (example_dir / name).exists():
                (self.project_dir / name).symlink_to((example_dir / name).resolve())
        _absolute_go_replaces(self.project_dir / "go.mod", example_dir)
        backend = work_dir / "backend"
        backend.mkdir(parents=True, exist_ok=True)
        self.env = aws_env(
            endpoint,
            {
                "PATH": os.pathsep.join(str(p) for p in path_dirs) + os.pathsep + os.environ.get("PATH", ""),
                "PULUMI_BACKEND_URL": backend.as_uri(),
                "PULUMI_HOME": str(work_dir / "pulumi-home"),
                "PULUMI_CONFIG_PASSPHRASE": "test",
                "PULUMI_SKIP_UPDATE_CHECK": "true",
                "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
                "PULUMI_SKIP_CONFIRMATIONS": "true",
                "NO_COLOR": "1",
            },
        )
        self.run("stack", "init", STACK, check=True, stack_flag=False)

    def command(self, *args: str) -> list[str]:
        return ["pulumi", "--cwd", str(self.project_dir), "--non-interactive", "--color", "never", *args]

    def run(
        self,
        *args: str,
        check: bool = False,
        timeout: float = 300,
        stack_flag: bool = True,
        positional: tuple[str, ...] = (),
    ) -> Result:
        extra = ["--stack", STACK] if stack_flag else []
        # Values after `--` are never taken for flags (a config value may well be "-5").
        command = self.command(*args, *extra, *(["--", *positional] if positional else []))
        completed = subprocess.run(
            command,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )
        result = Result(command, completed.returncode, completed.stdout)
        if check and result.code != 0:
            raise AssertionError(f"command failed:\n{result}")
        return result

    def set_config(self, **values: object) -> None:
        for key, value in values.items():
            self.run("config", "set", check=True, positional=(key, str(value)))

    def preview(self, *args: str) -> Result:
        return self.run("preview", *args)

    def up(self, *args: str) -> Result:
        return self.run("up", "--yes", "--skip-preview", *args)

    def refresh(self, *args: str) -> Result:
        return self.run("refresh", "--yes", "--skip-preview", *args)

    def destroy(self) -> Result:
        return self.run("destroy", "--yes", "--skip-preview")

    def preview_steps(self) -> list[dict]:
        result = self.run("preview", "--json")
        if result.code != 0:
            raise AssertionError(f"preview failed:\n{result}")
        return json.loads(result.output[result.output.index("{") :])["steps"]

    def exported_resources(self) -> list[dict]:
        result = self.run("stack", "export", check=True)
        return json.loads(result.output).get("deployment", {}).get("resources") or []

    def wait_resource(self) -> dict | None:
        """The state of the WaitForEcsDeployment resource, or None when the stack has none."""
        matches = [r for r in self.exported_resources() if r.get("type") == RESOURCE_TYPE]
        return matches[0] if matches else None

    def start_up(self, interactive: bool = False) -> "RunningCommand":
        """Starts `pulumi up` without waiting; interactive=True runs it on a pseudo-terminal so the
        live progress display is rendered as a person would see it."""
        args = ["up", "--yes", "--skip-preview", "--stack", STACK]
        if interactive:
            command = ["pulumi", "--cwd", str(self.project_dir), *args]
            return RunningCommand.on_pty(command, self.env)
        return RunningCommand.piped(self.command(*args), self.env)


class RunningCommand:
    """A pulumi command in flight, whose output is collected as it arrives."""

    def __init__(self, process: subprocess.Popen, reader_fd: int):
        self.process = process
        self._fd = reader_fd
        self._chunks: list[bytes] = []

    @classmethod
    def piped(cls, command: list[str], env: dict[str, str]) -> "RunningCommand":
        read_fd, write_fd = os.pipe()
        process = subprocess.Popen(command, env=env, stdout=write_fd, stderr=write_fd, stdin=subprocess.DEVNULL)
        os.close(write_fd)
        return cls(process, read_fd)

    @classmethod
    def on_pty(cls, command: list[str], env: dict[str, str]) -> "RunningCommand":
        controller, terminal = pty.openpty()
        # A wide terminal keeps the provider's status text from being cut off.
        import fcntl
        import struct
        import termios

        fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 250, 0, 0))
        env = {k: v for k, v in env.items() if k != "NO_COLOR"} | {"TERM": "xterm-256color"}
        process = subprocess.Popen(command, env=env, stdin=terminal, stdout=terminal, stderr=terminal)
        os.close(terminal)
        return cls(process, controller)

    def pump(self, seconds: float) -> None:
        """Collects output for up to `seconds` (returns early once the command ended)."""
        deadline = time.monotonic() + seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            ready, _, _ = select.select([self._fd], [], [], min(remaining, 0.1))
            if ready:
                try:
                    chunk = os.read(self._fd, 65536)
                except OSError:  # a pty reports EIO once the other side closed
                    chunk = b""
                if not chunk:
                    if self.process.poll() is not None:
                        return
                    time.sleep(0.05)
                    continue
                self._chunks.append(chunk)

    def wait_for_text(self, text: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output:
                return True
            if self.process.poll() is not None:
                self.pump(0.5)
                return text in self.output
            self.pump(0.2)
        return text in self.output

    def until_watched(self, sim, found, waiting_for: str, timeout: float = 120, looks: int = 3):
        """Collects output until `found()` returns something and the provider has called DescribeServices at
        least `looks` more times, so what happens next is seen live whatever the engine's start-up took;
        returns what `found` returned. Fails saying what it was `waiting_for` if pulumi ends first or
        `timeout` passes. (`found` must not call DescribeServices itself: those calls count as the
        provider's.)"""
        start = sim.call_counts()["operations"].get("DescribeServices", 0)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.3)
            if self.process.poll() is not None:
                raise AssertionError(f"pulumi ended while waiting for {waiting_for}:\n{self.output}")
            result = found()
            if result and sim.call_counts()["operations"].get("DescribeServices", 0) - start >= looks:
                return result
        raise AssertionError(f"timed out waiting for {waiting_for}:\n{self.output}")

    def interrupt(self) -> None:
        self.process.send_signal(signal.SIGINT)

    def finish(self, timeout: float) -> int:
        """Waits for the command to exit, collecting its output; returns the exit code."""
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            self.pump(0.2)
        if self.process.poll() is None:
            raise TimeoutError(f"pulumi did not exit within {timeout}s")
        self.pump(0.5)
        os.close(self._fd)
        return self.process.returncode

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    @property
    def output(self) -> str:
        return b"".join(self._chunks).decode(errors="replace")
