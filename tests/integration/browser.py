"""Headless Chromium for the page tests, driven over the DevTools protocol: the browser, one page, screenshots.

Chromium comes from Debian (infra/devservers/scripts/chromium.sh install). Test modules import the `chromium` and
`browser` fixtures by name; screenshots are saved in the test's tmp_path and also to $JUNKAN_SCREENSHOT_DIR when set.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import connect
from websockets.sync.connection import Connection

from tests.integration.conftest import REPO, run_script

CHROMIUM = Path(os.environ.get("JUNKAN_CHROMIUM", "/usr/bin/chromium"))
START_TIMEOUT_S = 60.0
COMMAND_TIMEOUT_S = 30.0
SCREENSHOT_ENV = "JUNKAN_SCREENSHOT_DIR"


class DevTools:
    """A minimal DevTools-protocol client: one page session over the browser's websocket (flat mode)."""

    def __init__(self, socket: Connection) -> None:
        self.socket = socket
        self.ids = itertools.count(1)
        self.session_id: str | None = None
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None, *, session: bool = True) -> dict[str, Any]:
        """Send a command and wait for its reply, keeping the events that arrive meanwhile."""
        message_id = next(self.ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if session and self.session_id:
            message["sessionId"] = self.session_id
        self.socket.send(json.dumps(message))
        deadline = time.monotonic() + COMMAND_TIMEOUT_S
        while True:
            reply = json.loads(self.socket.recv(timeout=max(deadline - time.monotonic(), 0.1)))
            if reply.get("id") == message_id:
                if "error" in reply:
                    pytest.fail(f"DevTools {method} failed: {reply['error']}")
                return dict(reply.get("result", {}))
            self.events.append(reply)

    def wait_for(self, method: str) -> dict[str, Any]:
        """Wait for an event of the page session (or return one already received)."""
        for event in self.events:
            if event.get("method") == method:
                self.events.remove(event)
                return event
        deadline = time.monotonic() + COMMAND_TIMEOUT_S
        while True:
            event = json.loads(self.socket.recv(timeout=max(deadline - time.monotonic(), 0.1)))
            if event.get("method") == method:
                return dict(event)
            self.events.append(event)

    def evaluate(self, expression: str) -> Any:
        """Value of a JavaScript expression in the page; a thrown exception fails the test."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            pytest.fail(f"{expression!r} threw {result['exceptionDetails']}")
        return result["result"].get("value")

    def count(self, selector: str) -> int:
        """Number of elements matching a CSS selector."""
        return int(self.evaluate(f"document.querySelectorAll({json.dumps(selector)}).length"))

    def choose(self, select_id: str, value: str) -> None:
        """Set a `<select>` to a value and fire its change event, as a reader's pick does."""
        self.evaluate(
            f"(() => {{ const s = document.getElementById({json.dumps(select_id)}); s.value = {json.dumps(value)};"
            " s.dispatchEvent(new Event('change')); })()"
        )

    def errors(self) -> list[str]:
        """Script exceptions, console errors and browser log errors seen so far."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(f"exception: {params['exceptionDetails']}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(f"console.{params['type']}: {params.get('args')}")
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(f"log: {params['entry'].get('text')} ({params['entry'].get('url', '')})")
        return found


@pytest.fixture(scope="session")
def chromium() -> Path:
    """The browser installed by the project's own script."""
    log = REPO / ".junkan" / "chromium-install.log"
    run_script("chromium.sh", "install", env=dict(os.environ), timeout=1800, log=log)
    return CHROMIUM


@pytest.fixture
def browser(chromium: Path, tmp_path: Path) -> Iterator[DevTools]:
    """A headless Chromium with a fresh profile and one blank page attached; stopped after the test."""
    profile = tmp_path / "profile"
    profile.mkdir()
    stderr = (tmp_path / "chromium.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - fixed arguments, our own browser
        [
            str(chromium),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "--remote-debugging-address=127.0.0.1",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + START_TIMEOUT_S
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"chromium did not start: {(tmp_path / 'chromium.log').read_text(errors='replace')}")
            time.sleep(0.1)
        port, path = port_file.read_text().splitlines()[:2]
        with connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=START_TIMEOUT_S) as socket:
            devtools = DevTools(socket)
            target = devtools.send("Target.createTarget", {"url": "about:blank"}, session=False)
            attached = devtools.send(
                "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, session=False
            )
            devtools.session_id = attached["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                devtools.send(f"{domain}.enable")
            devtools.send(
                "Emulation.setDeviceMetricsOverride",
                {"width": 1280, "height": 1000, "deviceScaleFactor": 1, "mobile": False},
            )
            yield devtools
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)
        stderr.close()


def screenshot(browser: DevTools, path: Path, *, selector: str | None = None) -> Path:
    """Capture the whole page (or the element matching `selector`) as PNG."""
    params: dict[str, Any] = {"format": "png", "captureBeyondViewport": True}
    if selector is not None:
        box = browser.evaluate(
            f"(() => {{ const r = document.querySelector({json.dumps(selector)}).getBoundingClientRect();"
            " return {x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height}; })()"
        )
        params["clip"] = {**box, "scale": 1}
    shot = browser.send("Page.captureScreenshot", params)
    png = base64.b64decode(shot["data"])
    assert png.startswith(b"\x89PNG")
    path.write_bytes(png)
    return path


def keep_screenshots(screenshots: Sequence[Path]) -> None:
    """Copy screenshots to $JUNKAN_SCREENSHOT_DIR when it is set (how docs/ images are regenerated)."""
    if target_dir := os.environ.get(SCREENSHOT_ENV):
        Path(target_dir).mkdir(parents=True, exist_ok=True)
        for path in screenshots:
            shutil.copy(path, Path(target_dir) / path.name)
