"""Issue 29's acceptance in a real browser: a city's officer submits through the portal, another member sees nothing.

The real `junkan portal` (tests/integration/portal_server.py) runs on MinIO, PostgreSQL and the session's Prefect
server, with its default ingest: an upload starts `junkan run`. Headless Chromium (tests/integration/browser.py)
does what the officer does: opens the invitation link the secretariat's `junkan members invite` printed, sets a
password, logs in, downloads the flows template through the page, uploads it filled in with openpyxl (Japanese
period and units, a notes column, one row with a typing slip), watches the file move without a reload, opens its
report, its disclosure preview and the member's obligations. Then a company's user logs in and finds none of it. With
JUNKAN_SCREENSHOT_DIR=docs the screenshots become docs/portal-*.png, which the README shows.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.integration.browser import (  # noqa: F401 - pytest fixtures used by name
    DevTools,
    browser,
    chromium,
    keep_screenshots,
)
from tests.integration.portal_server import PASSWORD, PortalServer, portal_server  # noqa: F401 - fixture by name

CITY, CITY_EMAIL = "city-kitakyushu", "kankyo@city.kitakyushu.example.jp"
COMPANY, COMPANY_EMAIL = "corp-minami", "csr@minami-shoji.example.jp"
# What the officer types on the template's データ sheet, from its row 2 on (over the example row): 令和6年度 is FY2024,
# トン is the template's own unit; the fourth row has a minus sign by mistake and is set aside, the rest accepted.
# The recycling centre's inflow (1 250.5 t) and outflow (980 t) differ by more than 5 %: a warning on each row.
ROWS = [
    {"期間": "令和6年度", "品目": "plastics.pet", "投入元工程": "use", "投入先工程": "collection",
     "投入元": "家庭ごみ分別収集", "投入先": "市リサイクルセンター", "数量": 1250.5, "単位": "トン",
     "地域": "福岡県", "把握方法": "measured", "備考": "容器包装プラスチック（ペットボトル）"},
    {"期間": "令和6年度", "品目": "plastics.pet", "投入元工程": "collection", "投入先工程": "recycling",
     "投入元": "市リサイクルセンター", "投入先": "再商品化事業者", "数量": 980, "単位": "トン",
     "地域": "福岡県", "把握方法": "measured"},
    {"期間": "令和6年度", "品目": "paper", "投入元工程": "collection", "投入先工程": "recycling",
     "投入元": "古紙集団回収", "数量": 3200, "単位": "トン", "地域": "福岡県", "把握方法": "estimated",
     "備考": "集団回収を含む"},
    {"期間": "令和6年度", "品目": "plastics.pet", "投入元工程": "collection", "投入先工程": "landfill",
     "数量": -40, "単位": "トン", "地域": "福岡県", "把握方法": "measured"},
]  # fmt: skip
READ, ACCEPTED, SET_ASIDE, WARNINGS = 4, 3, 1, 2


def page_shot(browser: DevTools, path: Path, *, most_height: int = 1400) -> Path:  # noqa: F811
    """The page as far as its content goes (no empty viewport below it), at most `most_height` pixels of it."""
    size = browser.evaluate(
        "({width: document.documentElement.clientWidth,"
        " height: Math.min(document.body.scrollHeight + 24, document.documentElement.scrollHeight)})"
    )
    clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], most_height), "scale": 1}
    shot = browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip})
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def load(browser: DevTools, url: str) -> None:  # noqa: F811
    """Open a page and wait for it to load."""
    forget_loads(browser)
    browser.send("Page.navigate", {"url": url})
    browser.wait_for("Page.loadEventFired")


def forget_loads(browser: DevTools) -> None:  # noqa: F811
    """Drop load events already received, so the next wait is for the next page."""
    browser.events = [event for event in browser.events if event.get("method") != "Page.loadEventFired"]


def submit_form(browser: DevTools, form: str, fields: dict[str, str]) -> None:  # noqa: F811
    """Fill a form's fields by name and submit it as its button would, then wait for the next page."""
    forget_loads(browser)
    browser.evaluate(
        f"(() => {{ const form = document.querySelector({json.dumps(form)});"
        f" for (const [name, value] of Object.entries({json.dumps(fields)})) {{ form.elements[name].value = value; }}"
        " form.requestSubmit(); })()"
    )
    browser.wait_for("Page.loadEventFired")


def fetch_status(browser: DevTools, url: str) -> int:  # noqa: F811
    """The HTTP status the page's own session gets for a URL (cookies and all)."""
    result = browser.send(
        "Runtime.evaluate",
        {
            "expression": f"fetch({json.dumps(url)}, {{credentials: 'same-origin'}}).then(r => r.status)",
            "awaitPromise": True,
            "returnByValue": True,
        },
    )
    return int(result["result"]["value"])


def text(browser: DevTools, selector: str) -> str:  # noqa: F811
    """The visible text of the first element matching a selector."""
    return str(browser.evaluate(f"document.querySelector({json.dumps(selector)}).innerText.trim()"))


def set_password_and_log_in(browser: DevTools, portal: PortalServer, link: str, email: str) -> None:  # noqa: F811
    """Open an invitation link, set the password twice, then log in with it."""
    load(browser, link)
    assert email in text(browser, "main")
    submit_form(browser, "form[action^='/invitation/']", {"password": PASSWORD, "confirmation": PASSWORD})
    assert browser.evaluate("location.pathname") == "/login"
    submit_form(browser, "form[action='/login']", {"email": email, "password": PASSWORD})
    assert browser.evaluate("location.pathname") == "/member"


def download_template(browser: DevTools, folder: Path) -> Path:  # noqa: F811
    """Click the flows template's Excel link and wait for Chromium to save the file."""
    folder.mkdir()
    browser.send(
        "Browser.setDownloadBehavior",
        {"behavior": "allowAndName", "downloadPath": str(folder), "eventsEnabled": True},
        session=False,
    )
    browser.evaluate("document.getElementById('template-flows-xlsx').click()")
    begun = browser.wait_for("Browser.downloadWillBegin")["params"]
    while True:
        progress = browser.wait_for("Browser.downloadProgress")["params"]
        if progress["guid"] == begun["guid"] and progress["state"] in ("completed", "canceled"):
            break
    assert progress["state"] == "completed"
    assert begun["suggestedFilename"].endswith(".xlsx")
    # Saved under its download id ("allowAndName"): given the name the page suggested, as a browser would.
    return (folder / begun["guid"]).rename(folder / begun["suggestedFilename"])


def fill_in(template: Path, path: Path) -> None:
    """What the officer does in Excel: type the rows over the example row, keep the member id, save."""
    workbook = openpyxl.load_workbook(template)
    sheet = workbook["データ"]
    header = [cell.value for cell in sheet[1]]
    assert sheet.cell(2, header.index("会員ID") + 1).value == CITY  # the template knows its member
    for column in range(1, len(header) + 1):
        sheet.cell(2, column).value = None
    for offset, row in enumerate(ROWS):
        sheet.cell(2 + offset, header.index("会員ID") + 1).value = CITY
        for name, value in row.items():
            sheet.cell(2 + offset, header.index(name) + 1).value = value
    workbook.save(path)


def choose_file(browser: DevTools, selector: str, path: Path) -> None:  # noqa: F811
    """Put a file in a file input, as picking it in the dialog does."""
    found = browser.send("Runtime.evaluate", {"expression": f"document.querySelector({json.dumps(selector)})"})
    browser.send("DOM.setFileInputFiles", {"files": [str(path)], "objectId": found["result"]["objectId"]})


def file_row(browser: DevTools, file_name: str) -> dict[str, Any]:  # noqa: F811
    """What the files table shows of one file."""
    row: dict[str, Any] = browser.evaluate(
        f"(() => {{ const row = document.querySelector('tr[data-file=' + CSS.escape({json.dumps(file_name)}) + ']');"
        " if (!row) { return {}; }"
        " const link = row.querySelector('a[href^=\"/member/files/\"]');"
        " return {final: row.dataset.final, submission: row.dataset.submission,"
        " stage: row.querySelector('td.status').className, label: row.querySelector('td.status').innerText,"
        " rows: row.querySelector('td.rows').innerText.trim(), link: link ? link.getAttribute('href') : null}; })()"
    )
    return row


def settled(browser: DevTools, file_name: str) -> dict[str, Any] | None:  # noqa: F811
    """The file's row once the page shows it will not move on by itself."""
    row = file_row(browser, file_name)
    return row if row.get("final") == "yes" else None


@pytest.fixture(scope="module")
def members(portal_server: PortalServer) -> PortalServer:  # noqa: F811
    """The city and a company, registered by the secretariat with `junkan members add`."""
    portal_server.add_member(CITY, kind="municipality", name="北九州市", region="JP-40", joined_on="2024-04-01")
    portal_server.add_member(COMPANY, kind="company", name="南商事株式会社", region="JP-27", joined_on="2025-10-01")
    return portal_server


def test_a_city_submits_through_the_portal_and_another_member_sees_none_of_it(
    members: PortalServer,
    browser: DevTools,  # noqa: F811
    tmp_path: Path,
) -> None:
    portal = members
    shots: list[Path] = []

    # The secretariat invites the city's officer; the officer sets a password and logs in.
    city_link = portal.invite(CITY, CITY_EMAIL)
    load(browser, f"{portal.url}/login")
    browser.evaluate(f"document.querySelector('input[name=email]').value = {json.dumps(CITY_EMAIL)}")
    shots.append(page_shot(browser, tmp_path / "portal-login.png"))
    set_password_and_log_in(browser, portal, city_link, CITY_EMAIL)
    assert "北九州市" in text(browser, "h1")

    # The flows template, downloaded through the page, filled in as an officer would.
    load(browser, f"{portal.url}/member/templates")
    template = download_template(browser, tmp_path / "downloads")
    filled = tmp_path / "北九州市_物質フロー_令和6年度.xlsx"
    fill_in(template, filled)

    # Uploaded through the form (the dataset left to recognition), then followed on the files page.
    load(browser, f"{portal.url}/member/upload")
    choose_file(browser, "input[type=file][name=files]", filled)
    forget_loads(browser)
    browser.evaluate("document.querySelector('form[action=\"/member/upload\"]').requestSubmit()")
    browser.wait_for("Page.loadEventFired")
    assert browser.evaluate("location.pathname") == "/member/files"
    assert file_row(browser, filled.name)["final"] == "no"
    # The page's script moves the row on by itself: a reload would lose this mark.
    browser.evaluate("window.junkanNotReloaded = true")
    row = portal.wait_for("the file validated and in the draft", lambda: settled(browser, filled.name))
    assert browser.evaluate("window.junkanNotReloaded === true"), "the files page reloaded instead of updating"
    assert row["stage"] == "status status-in_draft", (row, portal.diagnostics())
    assert row["label"] == "下書きに反映済み"
    assert row["rows"] == f"{ACCEPTED} / {SET_ASIDE} / {WARNINGS}"
    submission_id = row["submission"]
    assert submission_id
    assert row["link"] == f"/member/files/{submission_id}"
    shots.append(page_shot(browser, tmp_path / "portal-upload.png"))

    # The report: counts, the set-aside row with its row and column, what to do.
    forget_loads(browser)
    browser.evaluate(f"document.querySelector('a[href={json.dumps(row['link'])}]').click()")
    browser.wait_for("Page.loadEventFired")
    assert browser.evaluate("location.pathname") == row["link"]
    summary = text(browser, "#report-summary")
    for count in (READ, ACCEPTED, SET_ASIDE, WARNINGS):
        assert str(count) in summary, summary
    errors = browser.evaluate(
        "Array.from(document.querySelectorAll('table.problems.errors tbody tr'))"
        ".map(tr => Array.from(tr.cells).map(td => td.innerText.trim()))"
    )
    assert len(errors) == 1, errors
    assert errors[0][:3] == ["5", "quantity", "-40"]  # sheet row 5: the header is row 1
    assert "0以上" in errors[0][3]
    assert browser.count("table.problems.warnings tbody tr") == WARNINGS
    shots.append(page_shot(browser, tmp_path / "portal-report.png"))

    # Its disclosure preview, which the run wrote once the draft was rebuilt: the city's cells of FY2024.
    preview = f"/member/files/{submission_id}/preview"
    assert browser.evaluate("document.getElementById('preview-link').getAttribute('href')") == preview
    forget_loads(browser)
    browser.evaluate("document.getElementById('preview-link').click()")
    browser.wait_for("Page.loadEventFired")
    assert browser.evaluate("location.pathname") == preview
    assert "公表プレビュー" in text(browser, "h1")
    flow_cells = browser.evaluate(
        "document.querySelector(\"section.preview-period[data-period='FY2024'] table.preview-values\")"
        ".querySelectorAll('tbody tr').length"
    )
    assert flow_cells == ACCEPTED  # one cell per accepted row: the three flows are distinct cells
    shots.append(page_shot(browser, tmp_path / "portal-preview.png"))

    # Its obligations, as the run that judged the file worked them out: a city's target within a year of joining.
    load(browser, f"{portal.url}/member/data")
    obligations = browser.evaluate(
        "Array.from(document.querySelectorAll('#obligations tbody tr'))"
        ".map(tr => Array.from(tr.cells).map(td => td.innerText.trim()))"
    )
    labels = {label for label, *_ in obligations}
    assert labels == {
        "定量的な循環経済目標の設定・提出",
        "目標の公表",
        "達成状況のフォローアップ・提出",
        "環境基本計画への目標の記載",
    }, obligations
    # Joined on 2024-04-01 and no target submitted: the target was due a year later, and is overdue.
    assert ["定量的な循環経済目標の設定・提出", "2025-04-01", "", "期限超過"] in obligations
    shots.append(page_shot(browser, tmp_path / "portal-obligations.png"))
    assert browser.errors() == []

    # A company's user, invited the same way, logs in on the same browser after the officer logs out.
    company_link = portal.invite(COMPANY, COMPANY_EMAIL)
    forget_loads(browser)
    browser.evaluate("document.querySelector('form[action=\"/logout\"]').requestSubmit()")
    browser.wait_for("Page.loadEventFired")
    set_password_and_log_in(browser, portal, company_link, COMPANY_EMAIL)
    assert "南商事株式会社" in text(browser, "h1")
    for page in ("/member", "/member/files"):
        load(browser, f"{portal.url}{page}")
        assert browser.count("table.files tbody tr") == 0
        assert filled.name not in text(browser, "main")
    listed = browser.send(
        "Runtime.evaluate",
        {
            "expression": "fetch('/member/files/status.json').then(r => r.json())",
            "awaitPromise": True,
            "returnByValue": True,
        },
    )["result"]["value"]
    assert listed == {"files": []}
    assert fetch_status(browser, f"/member/files/{submission_id}") == 404
    assert fetch_status(browser, preview) == 404
    assert fetch_status(browser, f"/api/v1/submissions/{submission_id}") == 401  # no token: the cookie is not enough
    load(browser, f"{portal.url}/member/files/{submission_id}")
    assert filled.name not in text(browser, "body")
    assert "ページが見つかりません" in text(browser, "main")
    load(browser, f"{portal.url}/member/data")
    assert "北九州市" not in text(browser, "body")

    keep_screenshots(shots)
