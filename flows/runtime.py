"""Process set-up before Prefect or GX is imported: where their state and their chatter go.

Prefect configures logging when it is imported, so this runs first; a successful run prints only the
CLI's own summary, and everything the libraries say lands in the log file.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from infra.redact import RedactingFilter
from infra.settings import Settings

if TYPE_CHECKING:
    from infra.devservers.prefect import ServerStart

_QUIET_ENVIRONMENT = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "False",
    # For the in-process server only: the background one gets its own environment, UI on (infra/devservers/prefect.py).
    "PREFECT_UI_ENABLED": "false",
    # The in-process (ephemeral) API server starts in a subprocess; on a busy 2-core machine it can take
    # longer than Prefect's default wait.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
}


def _prefect_logging_config(log_file: Path) -> dict[str, Any]:
    """Prefect's own logging config with every terminal handler pointed at the log file."""
    import importlib.util

    spec = importlib.util.find_spec("prefect")
    assert spec is not None
    assert spec.origin is not None
    default = Path(spec.origin).parent / "logging" / "logging.yml"
    config: dict[str, Any] = yaml.safe_load(default.read_text(encoding="utf-8"))
    file_handler = {
        "level": 0,
        "class": "logging.FileHandler",
        "formatter": "standard",
        "filename": str(log_file),
        "encoding": "utf-8",
    }
    config["handlers"]["console"] = file_handler
    config["handlers"]["debug"] = {**file_handler, "formatter": "debug"}
    config.setdefault("root", {})["handlers"] = ["console"]
    # A URL's password or token never reaches the file or the Prefect API (httpx logs every request's URL).
    config.setdefault("filters", {})["redact"] = {"()": "infra.redact.RedactingFilter"}
    for handler in config["handlers"].values():
        handler["filters"] = [*handler.get("filters", []), "redact"]
    return config


def prepare_environment(settings: Settings) -> None:
    """Point Prefect's home and logs under JUNKAN_HOME and silence telemetry; call before importing prefect."""
    home = settings.resolved_home
    log_file = settings.resolved_log_file
    log_file.parent.mkdir(parents=True, exist_ok=True)
    for name, value in _QUIET_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("PREFECT_HOME", str(home / "prefect"))
    if "PREFECT_LOGGING_SETTINGS_PATH" not in os.environ:
        config_path = home / "prefect-logging.yml"
        config_path.write_text(yaml.safe_dump(_prefect_logging_config(log_file)), encoding="utf-8")
        os.environ["PREFECT_LOGGING_SETTINGS_PATH"] = str(config_path)
    root = logging.getLogger()
    if any(isinstance(h, logging.FileHandler) and h.baseFilename == str(log_file.resolve()) for h in root.handlers):
        return  # prepared already (a command and the flow it runs both prepare the process)
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s | %(levelname)-7s | %(name)s - %(message)s"))
    handler.addFilter(RedactingFilter())
    for old in root.handlers:
        old.close()
    root.handlers = [handler]
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)


def use_prefect_server(settings: Settings) -> ServerStart | None:
    """Point Prefect at its API before prefect is imported: the configured server, else the background one.

    JUNKAN_PREFECT_API_URL (or PREFECT_API_URL) is used as it is; otherwise the background server of
    JUNKAN_HOME is found or started (infra/devservers/prefect.py) and returned, unless JUNKAN_PREFECT_SERVER=ephemeral
    asks for Prefect's in-process server.
    """
    if settings.prefect_api_url:
        os.environ["PREFECT_API_URL"] = settings.prefect_api_url
        return None
    if os.environ.get("PREFECT_API_URL") or settings.prefect_server == "ephemeral":
        return None
    from infra.devservers.prefect import LocalPrefectServer

    server = LocalPrefectServer.from_settings(settings)
    # Started here, by a command, it stops itself after the idle period; every command using it restarts the clock.
    start = server.start(idle_stop_s=settings.prefect_idle_stop or None)
    server.touch()
    os.environ["PREFECT_API_URL"] = start.server.api_url
    return start


@contextmanager
def foreground_flow_settings() -> Iterator[None]:
    """Prefect's settings for a flow a command runs in its own process: no run heartbeats unless asked for.

    Prefect (3.9 on) sends a flow run's heartbeat every 180 s by default, for automations that mark a silent run
    crashed (junkan creates none), from a thread that sleeps in 1 s steps and is joined when the flow ends: every
    command waited 0-1 s for it, a quarter of a one-row `submit`. A command runs in the foreground, where its end
    is seen, and the ledger's run record says whether it finished. PREFECT_FLOWS_HEARTBEAT_FREQUENCY, when the
    operator sets it, is kept.
    """
    from prefect.settings import temporary_settings

    with temporary_settings(set_defaults={"flows.heartbeat_frequency": None}):
        yield
