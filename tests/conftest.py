"""Session set-up shared by every test: one background Prefect server for flow commands, and none left after.

Flow commands on the embedded default start a Prefect server in the background (infra/devservers/prefect.py) and
leave it running for the next command. Tests that run them use `local_prefect` instead: one server for the
session (for each xdist worker that needs one), started before the first such test and stopped at the end. Every
server junkan starts carries this session's token in its environment, so the session fails if one is still running
when it ends.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest

from infra.devservers.prefect import LocalPrefectServer, RunningServer
from tests.servers_left import TOKEN_VARIABLE, describe, left_servers, stop

PREFECT_START_TIMEOUT_S = 300


def pytest_configure(config: pytest.Config) -> None:
    """Mark every process this session starts (make may have chosen the token already)."""
    os.environ.setdefault(TOKEN_VARIABLE, f"pytest-{os.getpid()}-{secrets.token_hex(4)}")
    # Commands run in their own process unless a test asks for the warm worker (tests/integration/test_worker.py).
    os.environ.setdefault("JUNKAN_WORKER", "off")


@pytest.fixture(scope="session")
def local_prefect(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A background Prefect server (as `junkan server start` starts it) in a home of its own; stopped at the end."""
    server = LocalPrefectServer(tmp_path_factory.mktemp("prefect-home"), start_timeout_s=PREFECT_START_TIMEOUT_S)
    running = server.start().server
    try:
        yield running
    finally:
        server.stop()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the session when a Prefect server junkan started during it still runs (and stop it)."""
    if hasattr(session.config, "workerinput"):
        # An xdist worker shares the token with the others, whose servers (and test_local_prefect's stand-ins)
        # may still run when it ends: the controller checks once every worker has ended.
        return
    servers = left_servers(os.environ[TOKEN_VARIABLE])
    if not servers:
        return
    for server in servers:
        stop(server)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(describe(servers), red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
