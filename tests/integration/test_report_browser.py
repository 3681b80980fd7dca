"""The period report in a real browser: headless Chromium, driven over the DevTools protocol.

Chromium comes from Debian (infra/scripts/chromium.sh install). The test opens the report from a file:// URL,
counts the Sankey's nodes and links, works the language and material selectors, checks that no script error
was logged, and saves a screenshot (also to $JUNKAN_SCREENSHOT_DIR when set).
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from websockets.sync.client import connect
from websockets.sync.connection import Connection

from infra.rendering.period_report import build_period_report
from schemas.tables import TABLES
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


def example_tables() -> dict[str, pl.DataFrame]:
    """A small hand-made period: 6 stages, 6 links for all materials (one withheld), 2 links for paper.

    all materials: extraction→production 100, production→use 100, use→collection 80, collection→recycling 50,
    collection→landfill 30, recycling→production 50 (a return loop); use→stock 20 is suppressed (秘匿).
    Stages drawn: extraction, production, use, collection, recycling, landfill = 6 nodes.
    """
    links = pl.DataFrame(
        {
            "period": ["FY2024"] * 9,
            "material": ["all"] * 7 + ["paper"] * 2,
            "material_level": ["all"] * 7 + ["group"] * 2,
            "source": ["extraction", "production", "use", "collection", "collection", "recycling", "use"]
            + ["use", "collection"],
            "target": ["production", "use", "collection", "recycling", "landfill", "production", "stock"]
            + ["collection", "<script>alert('x')</script>"],
            "value_t": [100.0, 100.0, 80.0, 50.0, 30.0, 50.0, 20.0, 40.0, 40.0],
            "contributors": [4, 4, 4, 3, 3, 3, 1, 3, 3],
            "suppressed": [False] * 6 + [True] + [False] * 2,
            "suppression_reason": [None] * 6 + ["few_contributors"] + [None] * 2,
        },
        schema=TABLES["mart.sankey_links"],
    )
    indicator_columns = TABLES["mart.indicators"]
    indicators = pl.DataFrame(
        [
            {
                "period": period,
                "period_start": date(year, 4, 1),
                "period_end": date(year + 1, 3, 31),
                "grain": "fiscal_year",
                "material": "all",
                "material_level": "all",
                "region": "all",
                "region_level": "all",
                **{name: None for name in indicator_columns if name.endswith(("_t", "_rate"))},
                "final_disposal_t": disposal,
                "input_cyclical_use_rate": 0.2 + year % 10 / 100,
                "output_cyclical_use_rate": 0.4,
                "contributors": 4,
                "suppressed": False,
                "suppression_reason": None,
            }
            for period, year, disposal in (("FY2022", 2022, 45.0), ("FY2023", 2023, 38.0), ("FY2024", 2024, 30.0))
        ],
        schema=indicator_columns,
    )
    # Two targets rows shown (3 of 4 and 1 of 2 on track), one withheld.
    target_progress = pl.DataFrame(
        {
            "indicator": ["input_cyclical_use_rate", "input_cyclical_use_rate", "final_disposal"],
            "member_kind": ["all", "company", "municipality"],
            "contributors": [5, 3, 1],
            "n_targets": [5, 3, 1],
            "n_with_progress": [4, 2, 1],
            "n_on_track": [3, 1, 1],
            "median_progress_ratio": [0.5, 0.25, None],
            "suppressed": [False, False, True],
            "suppression_reason": [None, None, "few_contributors"],
        },
        schema=TABLES["mart.target_progress"],
    )
    return {"mart.sankey_links": links, "mart.indicators": indicators, "mart.target_progress": target_progress}


def test_report_renders_in_chromium(browser: DevTools, tmp_path: Path) -> None:
    html = build_period_report(period="FY2024", tables=example_tables(), language="ja")
    page = tmp_path / "FY2024.html"
    page.write_text(html, encoding="utf-8")

    browser.send("Page.navigate", {"url": page.as_uri()})
    browser.wait_for("Page.loadEventFired")

    assert browser.count(".sankey-figure[data-material='all'] .sankey-link") == 6
    assert browser.count(".sankey-figure[data-material='all'] .sankey-node") == 6
    assert browser.count(".sankey-figure[data-material='paper'] .sankey-link") == 2
    assert browser.count(".sankey-link") == 8
    assert browser.count(".sankey-link[data-target='stock']") == 0  # suppressed: never drawn
    assert browser.count(".sankey-return") == 1  # recycling → production loops back
    # Every link has a drawn path with a real extent, not just an element.
    widths = browser.evaluate(
        "Array.from(document.querySelectorAll(\".sankey-figure[data-material='all'] .sankey-link\"))"
        ".map(p => p.getBBox().width)"
    )
    assert len(widths) == 6
    assert all(width > 10 for width in widths)
    assert "秘匿" in browser.evaluate(
        "document.querySelector(\".sankey-figure[data-material='all'] .withheld\").textContent"
    )
    # The hostile stage name is text, not a script that ran.
    assert browser.evaluate("typeof window.alert === 'function' && document.querySelectorAll('script').length") == 1
    label = ".sankey-figure[data-material='paper'] .sankey-node:last-of-type text.lang-ja"
    assert "<script>" in browser.evaluate(f'document.querySelector("{label}").textContent')

    screenshots = [_screenshot(browser, tmp_path / "period-report-FY2024-ja.png")]
    # Japanese labels show; switching the selector to English hides them and shows the English ones.
    visible = "getComputedStyle(document.querySelector(\"[data-stage='landfill'] text.{}\")).display"
    assert browser.evaluate(visible.format("lang-ja")) != "none"
    assert browser.evaluate(visible.format("lang-en")) == "none"
    browser.evaluate(
        "(() => { const s = document.getElementById('language-select'); s.value = 'en';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    assert browser.evaluate(visible.format("lang-ja")) == "none"
    assert browser.evaluate(visible.format("lang-en")) != "none"
    # The material selector shows the paper diagram only.
    browser.evaluate(
        "(() => { const s = document.getElementById('material-select'); s.value = 'paper';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    shown = (
        "Array.from(document.querySelectorAll('.sankey-figure')).filter(f => !f.hidden).map(f => f.dataset.material)"
    )
    assert browser.evaluate(shown) == ["paper"]
    browser.evaluate(
        "(() => { const s = document.getElementById('material-select'); s.value = 'all';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    # Indicators for three fiscal years, and one disposal bar per year.
    assert browser.count("table.indicators tbody tr") == 3
    assert browser.count(".disposal-bar") == 3
    # Target progress: two rows drawn, the median bar of the first is half the track.
    assert browser.count(".target-bar") == 2
    assert browser.evaluate("document.querySelector('.target-bar').getBBox().width") == 180

    assert browser.errors() == []

    screenshots.append(_screenshot(browser, tmp_path / "period-report-FY2024-en.png"))
    if target_dir := os.environ.get(SCREENSHOT_ENV):
        Path(target_dir).mkdir(parents=True, exist_ok=True)
        for screenshot in screenshots:
            shutil.copy(screenshot, Path(target_dir) / screenshot.name)


def _screenshot(browser: DevTools, path: Path) -> Path:
    """Capture the whole page as PNG."""
    shot = browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    png = base64.b64decode(shot["data"])
    assert png.startswith(b"\x89PNG")
    path.write_bytes(png)
    return path


def test_roadmap_section_renders_in_chromium(browser: DevTools, tmp_path: Path) -> None:
    from tests.unit.infra.test_roadmap_chart import NATIONAL_ROADMAPS, roadmap_progress_example

    tables = {**example_tables(), "mart.roadmap_progress": roadmap_progress_example()}
    page = tmp_path / "FY2024-roadmaps.html"
    page.write_text(build_period_report(period="FY2024", tables=tables, language="ja"), encoding="utf-8")
    browser.send("Page.navigate", {"url": page.as_uri()})
    browser.wait_for("Page.loadEventFired")

    # One chart per national roadmap indicator (the per-material roadmap is not charted), each with its target line.
    assert browser.count(".roadmap-figure") == len(NATIONAL_ROADMAPS) == 4
    assert browser.count(".roadmap-figure svg.roadmap-chart") == 4
    assert browser.count(".roadmap-target-line") == 4
    figures = "Array.from(document.querySelectorAll('.roadmap-figure')).map(f => f.dataset.indicator)"
    assert browser.evaluate(figures) == [
        "final_disposal",
        "input_cyclical_use_rate",
        "output_cyclical_use_rate",
        "resource_productivity_jpy_per_t",
    ]
    rate = ".roadmap-figure[data-indicator='input_cyclical_use_rate']"
    assert browser.count(f"{rate} .roadmap-actual[data-basis='official']") == 2
    assert browser.count(f"{rate} .roadmap-actual[data-basis='members']") == 2
    # The target line is drawn with a real extent: from 2019 at the panel's left edge to 2030 at its right.
    width = browser.evaluate(f'document.querySelector("{rate} .roadmap-target-line").getBBox().width')
    assert width == 330
    # The withheld members' value is not drawn, only counted; no chart added a script.
    disposal = ".roadmap-figure[data-indicator='final_disposal']"
    assert browser.count(f"{disposal} .roadmap-actual[data-basis='members']") == 1
    assert "秘匿 1" in browser.evaluate(f'document.querySelector("{disposal} .withheld").textContent')
    assert browser.evaluate("document.querySelectorAll('script').length") == 1
    label = f"{rate} .roadmap-panel[data-basis='members'] tspan.lang-en"
    assert browser.evaluate(f'getComputedStyle(document.querySelector("{label}")).display') == "none"
    browser.evaluate(
        "(() => { const s = document.getElementById('language-select'); s.value = 'en';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    assert browser.evaluate(f'getComputedStyle(document.querySelector("{label}")).display') != "none"
    assert browser.errors() == []

    shot = _screenshot(browser, tmp_path / "period-report-FY2024-roadmaps.png")
    if target_dir := os.environ.get(SCREENSHOT_ENV):
        Path(target_dir).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(target_dir) / shot.name)
