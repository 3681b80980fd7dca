"""Where long work is: files judged of N, periods published of M, and the time left, while a command runs.

The pipeline says what it finished (`current().advance("files judged", 50)`); the command that runs a flow chooses
how that is shown (`reporting(for_stream(sys.stderr))`): bars from rich on a terminal, plain lines otherwise (CI,
logs, a pipe), nothing at all when no command asked (the served deployments, tests). Standard output keeps the
run's summary alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from rich.progress import TaskID


class Progress(Protocol):
    """Told what a run has done; shows it somewhere."""

    def begin(self, task: str, total: int) -> None:
        """A task of `total` units starts (files to judge, periods to publish)."""

    def advance(self, task: str, done: int = 1) -> None:
        """`done` more units of the task are finished."""

    def close(self) -> None:
        """The run is over: finish what is shown."""


class Silent:
    """Shows nothing: what flows report to when no command is watching."""

    def begin(self, task: str, total: int) -> None:
        """Nothing to show."""

    def advance(self, task: str, done: int = 1) -> None:
        """Nothing to show."""

    def close(self) -> None:
        """Nothing to finish."""


@dataclass
class _Task:
    total: int
    done: int = 0
    started: float = 0.0
    shown: float = 0.0


def time_left(seconds: float) -> str:
    """A duration as a person reads it.

    >>> time_left(8.2), time_left(75), time_left(3725)
    ('under 10 s', '1 min 15 s', '1 h 2 min')
    """
    if seconds < 10:
        return "under 10 s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if minutes else f"{secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


class PlainLines:
    """One line when a task starts, then at most every `every_s` seconds and when it is done: for logs and CI.

    >>> import io
    >>> ticks = iter([0.0, 30.0, 31.0, 60.0])
    >>> out = io.StringIO()
    >>> lines = PlainLines(out, every_s=10, clock=lambda: next(ticks))
    >>> lines.begin("files judged", 4)
    >>> lines.advance("files judged", 1)
    >>> lines.advance("files judged", 1)
    >>> lines.advance("files judged", 2)
    >>> print(out.getvalue(), end="")
    files judged: 0 of 4
    files judged: 1 of 4 (25 %), about 1 min 30 s left
    files judged: 4 of 4 (100 %) in 1 min 0 s

    """

    def __init__(self, stream: TextIO, *, every_s: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.every_s = every_s
        self.clock = clock
        self.tasks: dict[str, _Task] = {}

    def begin(self, task: str, total: int) -> None:
        """Say the task starts and how big it is."""
        now = self.clock()
        self.tasks[task] = _Task(total=total, started=now, shown=now)
        self._line(f"{task}: 0 of {total}")

    def advance(self, task: str, done: int = 1) -> None:
        """Say where the task is, if the last line is old enough or it is done."""
        state = self.tasks.get(task)
        if state is None:
            return
        state.done = min(state.total, state.done + done)
        now = self.clock()
        elapsed = now - state.started
        if state.done >= state.total:
            self._line(f"{task}: {state.done} of {state.total} (100 %) in {time_left(elapsed)}")
            del self.tasks[task]
            return
        if now - state.shown < self.every_s or state.done == 0:
            return
        state.shown = now
        share = state.done / state.total
        left = elapsed / share - elapsed
        self._line(f"{task}: {state.done} of {state.total} ({share * 100:.0f} %), about {time_left(left)} left")

    def close(self) -> None:
        """Tasks left unfinished say nothing more."""
        self.tasks.clear()

    def _line(self, text: str) -> None:
        self.stream.write(f"{text}\n")
        self.stream.flush()


class Bars:
    """rich's progress bars on a terminal: a bar per task with done of total and the time left."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
        from rich.progress import Progress as RichProgress

        self._bars = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=Console(file=stream),
            transient=False,
        )
        self._ids: dict[str, TaskID] = {}
        self._bars.start()

    def begin(self, task: str, total: int) -> None:
        """A new bar (or the task's bar reset to the new total)."""
        if task in self._ids:
            self._bars.reset(self._ids[task], total=total)
        else:
            self._ids[task] = self._bars.add_task(task, total=total)

    def advance(self, task: str, done: int = 1) -> None:
        """Move the task's bar."""
        if task in self._ids:
            self._bars.advance(self._ids[task], done)

    def close(self) -> None:
        """Stop drawing; the bars stay on the screen as they ended."""
        self._bars.stop()


def for_stream(stream: TextIO) -> Progress:
    """Bars on a terminal, plain lines anywhere else."""
    return Bars(stream) if stream.isatty() else PlainLines(stream)


_current: Progress = Silent()


def current() -> Progress:
    """Where the running command shows progress (`Silent` when none asked)."""
    return _current


@contextmanager
def reporting(progress: Progress) -> Iterator[Progress]:
    """Show this process's flows' progress on `progress` while the block runs."""
    global _current  # noqa: PLW0603 - one command runs one flow at a time in its process
    previous, _current = _current, progress
    try:
        yield progress
    finally:
        progress.close()
        _current = previous
