"""What `scripts/prefect.sh` runs, and the idle watchdog a server started by a command runs beside it.

`python -m infra.devservers.prefect_script start|stop|status|url`, and `… watch --idle S` for the watchdog.
"""

from __future__ import annotations

import logging
import os
import sys

from infra.devservers.prefect import LocalPrefectServer, ServerError
from infra.settings import Settings


def main(arguments: list[str] | None = None) -> int:
    """`python -m infra.devservers.prefect_script start|stop|status|url|watch`.

    The server of JUNKAN_HOME, on JUNKAN_PREFECT_PORT (else a free port), waiting JUNKAN_PREFECT_START_TIMEOUT
    seconds for its health; the UI only with JUNKAN_PREFECT_UI=on. `start` and `url` print the API URL last on
    standard output (for PREFECT_API_URL); `status` exits 3 when no server runs.
    """
    import argparse

    parser = argparse.ArgumentParser(prog="prefect.sh", description="junkan's background Prefect server")
    parser.add_argument("command", choices=["start", "stop", "status", "url", "watch"])
    parser.add_argument("--idle", type=float, default=0.0, help="watch: idle seconds before the server stops")
    parsed = parser.parse_args(arguments)
    command = parsed.command
    settings = Settings()
    server = LocalPrefectServer(
        settings.resolved_home,
        port=settings.prefect_port,
        start_timeout_s=settings.prefect_start_timeout,
        ui=os.environ.get("JUNKAN_PREFECT_UI", "off") == "on",
    )
    if command == "watch":
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
        server.watch(parsed.idle)
        return 0
    running = server.find()
    if command == "start":
        try:
            found = server.start()
        except ServerError as error:
            sys.stderr.write(f"error: {error}\n")
            return 1
        state = "started" if found.started else "already running"
        sys.stderr.write(f"prefect server {state} (pid {found.server.pid}), log {server.log_file}\n")
        sys.stdout.write(f"{found.server.api_url}\n")
    elif command == "stop":
        stopped = server.stop()
        said = "prefect server not running" if stopped is None else f"prefect server stopped (pid {stopped.pid})"
        sys.stdout.write(f"{said}\n")
    elif running is None:
        (sys.stderr if command == "url" else sys.stdout).write("prefect server not running\n")
        return 3
    elif command == "status":
        sys.stdout.write(f"prefect server running (pid {running.pid}): {running.api_url}\n")
    else:
        sys.stdout.write(f"{running.api_url}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
