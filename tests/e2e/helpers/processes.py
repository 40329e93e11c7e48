"""Which processes a command started, read from /proc (Linux), to prove none outlives it."""

from __future__ import annotations

from pathlib import Path


def _parent_and_name(pid: int) -> tuple[int, str] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The name is in parentheses and may itself contain spaces or parentheses.
    name = stat[stat.index("(") + 1 : stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2 :].split()
    state, parent = fields[0], int(fields[1])
    if state == "Z":  # a zombie has exited already
        return None
    return parent, name


def descendants(root: int) -> dict[int, str]:
    """All live descendants of `root`: pid → process name (as /proc shows it, at most 15 chars)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            info = _parent_and_name(int(entry.name))
            if info:
                table[int(entry.name)] = info
    found: dict[int, str] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, name) in table.items():
            if ppid == parent and pid not in found:
                found[pid] = name
                frontier.append(pid)
    return found


def alive(pid: int) -> bool:
    return _parent_and_name(pid) is not None
