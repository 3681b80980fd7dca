"""The follow-up pack in a real browser: headless Chromium reads its compliance table, as the secretariat sees it.

Same browser and DevTools client as the period report's test (tests/integration/browser.py).
"""

from __future__ import annotations

from pathlib import Path

from infra.rendering.followup import build_followup_html
from tests.followup_sample import sample_pack
from tests.integration.browser import (  # noqa: F401 - pytest fixtures used by name
    DevTools,
    browser,
    chromium,
    keep_screenshots,
    screenshot,
)

TABLE_ROWS = """Array.from(document.querySelectorAll('#compliance table.compliance-table tbody tr')).map(
  tr => Array.from(tr.cells).filter(td => getComputedStyle(td).display !== 'none').map(td => td.innerText.trim()))"""


def test_followup_compliance_table_reads_in_chromium(browser: DevTools, tmp_path: Path) -> None:  # noqa: F811
    page = tmp_path / "followup-2026-03-31.html"
    page.write_text(build_followup_html(sample_pack(), language="ja"), encoding="utf-8")

    browser.send("Page.navigate", {"url": page.as_uri()})
    browser.wait_for("Page.loadEventFired")

    rows = browser.evaluate(TABLE_ROWS)
    assert rows == [
        ["全会員", "定量的な循環経済目標の設定・提出", "4", "3", "0", "1", "75.0%"],
        ["企業", "定量的な循環経済目標の設定・提出", "3", "3", "0", "0", "100.0%"],
        ["自治体", "定量的な循環経済目標の設定・提出", "1", "秘匿"],
        ["大学", "循環経済プロジェクトの実施・参加", "1", "秘匿"],
    ]
    assert browser.count(".overdue-row") == 2
    screenshots = [screenshot(browser, tmp_path / "followup-ja.png")]

    browser.evaluate(
        "(() => { const s = document.getElementById('language-select'); s.value = 'en';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    english = browser.evaluate(TABLE_ROWS)
    assert english[1][:2] == ["Company", "Quantitative CE target set and submitted"]
    assert english[3][3] == "withheld (秘匿)"
    assert browser.evaluate("document.querySelectorAll('script').length") == 1
    assert browser.errors() == []

    screenshots.append(screenshot(browser, tmp_path / "followup-en.png"))
    keep_screenshots(screenshots)
