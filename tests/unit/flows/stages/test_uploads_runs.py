"""The portal's background runs (`flows.stages.uploads.RunStarter`): one at a time, and none outliving the portal."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from flows.stages.uploads import RunStarter
from infra.settings import Settings

WAIT_S = 60.0


class SleepingRuns(RunStarter):
    """A run that does nothing but last: a child process the starter must stop."""

    def command(self) -> list[str]:
        return [sys.executable, "-c", "import time; time.sleep(600)"]


def _started(starter: RunStarter) -> None:
    deadline = time.monotonic() + WAIT_S
    while starter._process is None:
        assert time.monotonic() < deadline, "the run did not start"
        time.sleep(0.05)


def test_closing_stops_the_run_going_on_and_starts_no_more(tmp_path: Path) -> None:
    starter = SleepingRuns(Settings(home=tmp_path))
    starter.request()
    _started(starter)
    running = starter._process
    assert running is not None
    assert running.poll() is None

    starter.close()

    assert running.poll() is not None  # ended, not left behind the portal
    starter.request()
    assert not starter._wanted  # a request after close is not taken: no run starts behind a stopped portal
    assert starter._process is running
