"""How a `junkan` command stops on SIGINT or SIGTERM: within seconds, one line on stderr, exit 130 or 143.

Every step is idempotent and recorded in the ledger, so a run killed outright is finished by the next one
(tests/chaos/test_kill.py); a stop needs no clean-up beyond the `finally` blocks it unwinds. What made stops
slow was everything else: Prefect retrying a dead or hung API server for minutes (its own crash report
included), task threads that cannot be interrupted, a library swallowing the interrupt in a `__del__`.

So a stop signal raises `Stopped` in the main thread (a `KeyboardInterrupt`, so Prefect and the standard
library treat SIGTERM as they treat Ctrl-C), and a watchdog thread, woken by the signal itself through
`signal.set_wakeup_fd` (it hears SIGTERM even while Prefect's flow engine has put its own handler in place),
ends the process when unwinding takes longer than the grace period. From the signal on, what libraries print
to stderr goes to the log file: the terminal gets only the one line. A second signal ends the process at once.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from types import FrameType

logger = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# From the signal to the end of the process: unwinding gets this long, then the watchdog ends it (under 10 s
# on a busy machine).
GRACE_S = 7.0
AFTER_A_FLOW = "the next run finishes the work"
OTHERWISE = "run the command again to finish"


class Stopped(KeyboardInterrupt):
    """A stop signal arrived: unwind, and let `stoppable` end the process with 128 + the signal's number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def exit_code(signum: int) -> int:
    """What a shell reports for a process ended by this signal: 130 for SIGINT, 143 for SIGTERM."""
    return 128 + signum


def stop_message(signum: int, next_step: str = OTHERWISE) -> str:
    """The one line a stopped command prints, e.g. `junkan: stopped by SIGTERM; the next run finishes the work`."""
    return f"junkan: stopped by {signal.Signals(signum).name}; {next_step}"


@dataclass
class _Stops:
    """The state of one process's stop: which signal, whether the line was printed, where stderr went."""

    grace_s: float
    next_step: str = OTHERWISE
    signum: int | None = None
    announced: bool = False
    handled: int = 0  # signals our handler saw (a foreign handler, such as Prefect's, may have taken the first)
    terminal_stderr: int | None = None  # a copy of the original stderr, for the one line
    lock: threading.RLock = field(default_factory=threading.RLock)
    wakeup: tuple[int, int] | None = None  # the pipe signal.set_wakeup_fd writes to: (read end, write end)

    def begin(self, signum: int) -> None:
        """Record the first stop signal and send library chatter from now on to the log file."""
        with self.lock:
            if self.signum is not None:
                return
            self.signum = signum
            self.terminal_stderr = os.dup(2)
            target = os.open(_log_file(), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            os.dup2(target, 2)
            os.close(target)
        logger.warning("stopped by %s; unwinding (at most %g s)", signal.Signals(signum).name, self.grace_s)

    def announce(self) -> None:
        """Print the one line on the original stderr, once."""
        with self.lock:
            if self.announced or self.signum is None:
                return
            self.announced = True
            line = stop_message(self.signum, self.next_step) + "\n"
            with suppress(OSError):
                os.write(self.terminal_stderr if self.terminal_stderr is not None else 2, line.encode())

    def end_now(self) -> None:
        """Print the line and end the process without further unwinding (finally blocks, atexit, thread joins).

        Not `logging.shutdown()`: it flushes Prefect's API log handler, which waits for the server that is the
        reason for ending here. The log file's handler has written every record already.
        """
        assert self.signum is not None
        self.announce()
        os._exit(exit_code(self.signum))


_STATE: _Stops | None = None


def _log_file() -> str:
    """Where libraries' output goes after a stop: the log file the process logs to, else nowhere."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            return handler.baseFilename
    return os.devnull


def _on_signal(signum: int, frame: FrameType | None) -> None:
    """The Python-level handler: the first stop raises `Stopped` here, a second one ends the process."""
    state = _STATE
    assert state is not None
    if state.wakeup is not None:  # wake the watchdog even if someone replaced our wakeup fd
        with suppress(OSError):
            os.write(state.wakeup[1], bytes([signum]))
    state.begin(signum)
    state.handled += 1
    if state.handled > 1:
        state.end_now()
    raise Stopped(signum)


def _watch(state: _Stops) -> None:
    """Wait for a stop signal's byte on the wakeup pipe, then end the process once the grace period is over."""
    assert state.wakeup is not None
    while True:
        try:
            received = os.read(state.wakeup[0], 1)
        except InterruptedError:
            continue
        if not received:
            return
        if received[0] in STOP_SIGNALS:
            break
    state.begin(received[0])
    time.sleep(state.grace_s)
    logger.warning("still unwinding after %g s: ending the process", state.grace_s)
    state.end_now()


def install(*, grace_s: float = GRACE_S) -> None:
    """Handle SIGINT and SIGTERM in this process (from the main thread, before a command runs)."""
    global _STATE
    state = _Stops(grace_s=grace_s)
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    state.wakeup = (read_end, write_end)
    _STATE = state
    for signum in STOP_SIGNALS:
        signal.signal(signum, _on_signal)
    signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    threading.Thread(target=_watch, args=(state,), name="junkan-stop-watchdog", daemon=True).start()


def after_a_flow() -> None:
    """From here on a stop leaves work the next run finishes (the inbox and the ledger hold it)."""
    if _STATE is not None:
        _STATE.next_step = AFTER_A_FLOW


def stop_signal() -> int | None:
    """The stop signal this process received, if any."""
    return _STATE.signum if _STATE is not None else None


@contextmanager
def stoppable(*, grace_s: float = GRACE_S) -> Iterator[None]:
    """Run a command so that a stop signal ends it with the one line and 128 + the signal, never a traceback."""
    install(grace_s=grace_s)
    try:
        yield
    except BaseException:  # SystemExit from the CLI (Ctrl-C is its exit 130), Stopped, or what unwinding raised
        if stop_signal() is None:
            raise
        logger.debug("unwound after the stop", exc_info=True)
    state = _STATE
    if state is None or state.signum is None:
        return
    state.announce()
    raise SystemExit(exit_code(state.signum))
