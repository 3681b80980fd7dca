"""Run a command and measure its wall time and the peak resident memory of its whole process tree.

Peak RSS is the largest *sum* of `VmRSS` over the process and all its descendants (found through
`/proc/<pid>/task/*/children`), sampled every `interval` seconds in a thread. Sampling can miss a
spike shorter than the interval; `ru_maxrss_children_kib` (from `getrusage(RUSAGE_CHILDREN)`) is
also kept as a cross-check, but it is the peak of the single largest waited-for descendant, not a
sum, and it only grows over the life of this process.
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
SAMPLE_INTERVAL_S = 0.05


@dataclass(frozen=True)
class Measured:
    """One command's outcome: exit code, wall seconds, peak RSS of its process tree, and its output."""

    returncode: int
    wall_s: float
    peak_rss_bytes: int
    ru_maxrss_children_kib: int
    stdout: str
    stderr: str


def descendants(pid: int) -> list[int]:
    """`pid` and every live descendant, breadth first."""
    found = [pid]
    index = 0
    while index < len(found):
        current = found[index]
        index += 1
        tasks = PROC / str(current) / "task"
        try:
            task_dirs = list(tasks.iterdir())
        except OSError:
            continue
        for task in task_dirs:
            try:
                children = (task / "children").read_text()
            except OSError:
                continue
            found += [int(child) for child in children.split()]
    return found


def rss_bytes(pid: int) -> int:
    """Resident set size of one process from `/proc/<pid>/status` (0 once it has gone)."""
    try:
        status = (PROC / str(pid) / "status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def tree_rss_bytes(pid: int) -> int:
    """Sum of the resident set sizes of `pid` and its descendants right now."""
    return sum(rss_bytes(member) for member in descendants(pid))


class _PeakSampler(threading.Thread):
    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.pid))
            self.stopped.wait(self.interval)


def run_measured(
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout_s: float = 3600.0,
    interval: float = SAMPLE_INTERVAL_S,
) -> Measured:
    """Run `command` to completion, sampling the RSS of its process tree; never raises on a non-zero exit."""
    start = time.perf_counter()
    process = subprocess.Popen(
        list(command),
        env=dict(env) if env is not None else None,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    sampler = _PeakSampler(process.pid, interval)
    sampler.start()
    try:
        stdout, stderr = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        stderr += f"\n(benchmark: killed after {timeout_s:.0f} s)"
    wall = time.perf_counter() - start
    sampler.stopped.set()
    sampler.join()
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return Measured(process.returncode, wall, sampler.peak, children, stdout, stderr)


def machine() -> dict[str, object]:
    """Cores, memory and CPU model of this machine, for the results file."""
    memory_kib = 0
    for line in (PROC / "meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kib = int(line.split()[1])
    model = ""
    for line in (PROC / "cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kib / 2**20, 1),
        "cpu": model,
        "kernel": os.uname().release,
    }
