"""A command under `stoppable` ends on SIGINT or SIGTERM with one line on stderr and 128 + the signal, in seconds.

Each test runs a small Python process that does what junkan's commands do when a stop comes: sleep in a call,
swallow the interrupt (as a `__del__` can), or sit behind a foreign SIGTERM handler (as Prefect's flow engine
installs), and times how long the process takes to end after the signal.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from flows.cli.stops import AFTER_A_FLOW, OTHERWISE, exit_code, stop_message

REPO = Path(__file__).resolve().parents[3]
GRACE_S = 1.0
# Python starts, imports flows.cli.stops and prints "ready" well within this on a busy machine.
READY_TIMEOUT_S = 60


@dataclass(frozen=True)
class Ended:
    """How a stopped child ended."""

    code: int
    seconds: float  # from the (first) signal to the end
    stderr: str
    log: str


def run_and_stop(
    tmp_path: Path, body: str, *signals: signal.Signals, between_s: float = 0.3, grace_s: float = GRACE_S
) -> Ended:
    """Start a child running `body` under `stoppable`, send it `signals` once it calls `ready()`, time its end."""
    log = tmp_path / "junkan.log"
    script = textwrap.dedent(
        """
        import logging, os, signal, sys, time
        from flows.cli import stops
        logging.basicConfig(filename={log!r}, level=logging.INFO)
        def ready():
            print("ready", flush=True)
        with stops.stoppable(grace_s={grace}):
        {body}
        """
    ).format(log=str(log), grace=grace_s, body=textwrap.indent(textwrap.dedent(body), "    "))
    child = subprocess.Popen(  # noqa: S603 - this interpreter, our own script
        [sys.executable, "-c", script],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n", child.communicate(timeout=READY_TIMEOUT_S)
        started = time.monotonic()
        for index, sent in enumerate(signals):
            if index:
                time.sleep(between_s)
            child.send_signal(sent)
        _, stderr = child.communicate(timeout=30)
        seconds = time.monotonic() - started
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return Ended(child.returncode, seconds, stderr, log.read_text(encoding="utf-8") if log.exists() else "")


@pytest.mark.parametrize(("sent", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_ends_a_waiting_command_at_once_with_one_line(tmp_path: Path, sent: signal.Signals, code: int) -> None:
    ended = run_and_stop(tmp_path, "ready()\ntime.sleep(60)", sent)
    assert ended.code == code
    assert ended.stderr == f"junkan: stopped by {sent.name}; run the command again to finish\n"
    assert ended.seconds < GRACE_S  # unwound by the exception, not cut short by the watchdog


def test_after_a_flow_the_line_says_the_next_run_finishes_the_work(tmp_path: Path) -> None:
    ended = run_and_stop(tmp_path, "stops.after_a_flow()\nready()\ntime.sleep(60)", signal.SIGTERM)
    assert ended.stderr == stop_message(signal.SIGTERM, AFTER_A_FLOW) + "\n"
    assert ended.stderr == "junkan: stopped by SIGTERM; the next run finishes the work\n"


def test_a_swallowed_interrupt_still_ends_the_command_after_the_grace_period(tmp_path: Path) -> None:
    # What a KeyboardInterrupt raised inside a __del__ does: it is printed and dropped, and the work goes on.
    body = """
    while True:
        try:
            ready()
            time.sleep(60)
        except BaseException:
            pass
    """
    ended = run_and_stop(tmp_path, body, signal.SIGINT)
    assert ended.code == 130
    assert ended.stderr == stop_message(signal.SIGINT, OTHERWISE) + "\n"
    assert GRACE_S <= ended.seconds < GRACE_S + 5
    assert "still unwinding" in ended.log


def test_sigterm_behind_a_foreign_handler_still_ends_the_command(tmp_path: Path) -> None:
    # Prefect's flow engine puts its own SIGTERM handler in place during a run; here one that does nothing.
    body = """
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    ready()
    while True:
        time.sleep(0.1)
    """
    ended = run_and_stop(tmp_path, body, signal.SIGTERM)
    assert ended.code == 143
    assert ended.stderr == stop_message(signal.SIGTERM, OTHERWISE) + "\n"
    assert GRACE_S <= ended.seconds < GRACE_S + 5


def test_what_libraries_print_after_the_signal_goes_to_the_log_not_the_terminal(tmp_path: Path) -> None:
    body = """
    try:
        ready()
        time.sleep(60)
    finally:
        sys.stderr.write("Traceback (most recent call last):\\n  a library's noise\\n")
        sys.stderr.flush()
    """
    # The grace is not what this tests: a loaded machine took over 1 s to run the finally block, and the watchdog
    # ended the child before it wrote.
    ended = run_and_stop(tmp_path, body, signal.SIGTERM, grace_s=30)
    assert ended.stderr == stop_message(signal.SIGTERM, OTHERWISE) + "\n"
    assert "a library's noise" in ended.log
    assert "Traceback" not in ended.stderr


def test_a_second_signal_ends_the_command_at_once(tmp_path: Path) -> None:
    body = """
    while True:
        try:
            ready()
            time.sleep(60)
        except BaseException:
            pass
    """
    ended = run_and_stop(tmp_path, body, signal.SIGINT, signal.SIGINT, between_s=0.3, grace_s=30)
    assert ended.code == 130
    assert ended.stderr == stop_message(signal.SIGINT, OTHERWISE) + "\n"
    assert ended.seconds < 5  # not the watchdog's 30 s: the second Ctrl-C


def test_without_a_signal_the_command_keeps_its_own_exit_and_output(tmp_path: Path) -> None:
    log = tmp_path / "junkan.log"
    script = (
        "import sys\nfrom flows.cli import stops\n"
        "with stops.stoppable():\n    sys.stderr.write('error: its own\\n')\n    raise SystemExit(3)\n"
    )
    done = subprocess.run(  # noqa: S603 - this interpreter, our own script
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )
    assert (done.returncode, done.stderr) == (3, "error: its own\n")
    assert not log.exists()


def test_exit_codes_are_what_a_shell_reports_for_the_signal() -> None:
    assert (exit_code(signal.SIGINT), exit_code(signal.SIGTERM)) == (130, 143)
