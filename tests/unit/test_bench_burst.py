"""W4's pure parts: the upload schedule, when keys were first seen published, and the burst's summary."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from benchmarks.burst import (
    LedgerRow,
    PublishTracker,
    events_timeline,
    ledger_rows,
    ledger_timeline,
    stage_totals,
    summarize_burst,
    upload_offsets,
)
from benchmarks.report import render_markdown, targets
from benchmarks.run import median_count

KEYS = ["inbox/m-00000/flows/flows.csv", "inbox/m-00001/flows/flows.csv", "inbox/m-00002/flows/flows.csv"]


def row(key: str, status: str, read: int | None, accepted: int | None, quarantined: int | None) -> LedgerRow:
    return LedgerRow(key, status, read, accepted, quarantined)


def test_upload_offsets_are_even_from_zero_to_the_spread() -> None:
    assert upload_offsets(5, spread_s=20.0) == [0.0, 5.0, 10.0, 15.0, 20.0]
    assert upload_offsets(1, spread_s=20.0) == [0.0]
    assert upload_offsets(0, spread_s=20.0) == []


def test_tracker_keeps_the_first_poll_that_saw_a_key_published() -> None:
    tracker = PublishTracker(KEYS[:2])
    tracker.observe([row(KEYS[0], "received", None, None, None)], at=5.0)
    assert tracker.published_at == {}
    tracker.observe([row(KEYS[0], "published", 20, 20, 0), row(KEYS[2], "published", 1, 1, 0)], at=7.0)
    tracker.observe([row(KEYS[0], "published", 20, 20, 0), row(KEYS[1], "valid", 20, 20, 0)], at=8.0)
    assert tracker.published_at == {KEYS[0]: 7.0}  # not 8.0; KEYS[2] is not watched; valid is not published
    assert not tracker.done
    tracker.observe([row(KEYS[1], "published", 20, 20, 0)], at=9.5)
    assert tracker.published_at == {KEYS[0]: 7.0, KEYS[1]: 9.5}
    assert tracker.done


def test_summary_times_run_from_the_first_upload_and_from_the_last_to_the_last_published() -> None:
    rows = [
        row(KEYS[0], "published", 20, 19, 1),
        row(KEYS[1], "published", 20, 20, 0),
        row(KEYS[2], "published", 10, 8, 2),
        row("inbox/other/flows/old.csv", "rejected", 99, 0, 99),  # not part of the burst
    ]
    summary = summarize_burst(
        keys=KEYS,
        first_upload_at=2.0,
        last_upload_at=32.0,
        published_at={KEYS[0]: 10.0, KEYS[1]: 40.0, KEYS[2]: 25.0},
        rows=rows,
    )
    assert summary.n_uploads == 3
    assert summary.n_published == 3
    assert summary.upload_span_s == 30.0
    assert summary.first_upload_to_last_published_s == 38.0  # 40 − 2
    assert summary.last_upload_to_last_published_s == 8.0  # 40 − 32
    assert (summary.rows_read, summary.rows_accepted, summary.rows_quarantined) == (50, 47, 3)
    assert summary.rows_balanced
    assert summary.statuses == {"published": 3}


def test_summary_has_no_time_until_every_key_is_published() -> None:
    rows = [row(KEYS[0], "published", 20, 20, 0), row(KEYS[1], "received", None, None, None)]
    summary = summarize_burst(
        keys=KEYS[:2], first_upload_at=0.0, last_upload_at=1.0, published_at={KEYS[0]: 5.0}, rows=rows
    )
    assert summary.n_published == 1
    assert summary.first_upload_to_last_published_s is None
    assert summary.last_upload_to_last_published_s is None
    assert summary.statuses == {"published": 1, "received": 1}


def test_summary_flags_rows_that_do_not_add_up() -> None:
    summary = summarize_burst(
        keys=KEYS[:1], first_upload_at=0.0, last_upload_at=0.0, published_at={}, rows=[row(KEYS[0], "valid", 20, 18, 1)]
    )
    assert not summary.rows_balanced  # 18 + 1 ≠ 20: a row lost somewhere


def test_stage_totals_sum_each_stage_over_runs() -> None:
    runs: list[dict[str, dict[str, float]]] = [
        {"timings_s": {"read": 0.25, "validate": 2.0}},
        {"timings_s": {}},
        {"timings_s": {"validate": 1.5}},
    ]
    assert stage_totals(runs) == {"read": 0.25, "validate": 3.5}


def _ledger(path: Path) -> Path:
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE submissions (key TEXT, status TEXT, n_read INT, n_accepted INT, n_quarantined INT, "
            "received_at TEXT)"
        )
        connection.execute(
            "CREATE TABLE runs (kind TEXT, started_at TEXT, finished_at TEXT, status TEXT, summary TEXT)"
        )
        connection.executemany(
            "INSERT INTO submissions VALUES (?, ?, ?, ?, ?, ?)",
            [
                (KEYS[0], "published", 20, 19, 1, "2026-01-01 00:00:12.000000"),
                (KEYS[1], "received", None, None, None, "2026-01-01 00:00:15.500000"),
            ],
        )
        summary = {"submissions": {"a": "valid", "b": "valid"}, "rows_read": 40, "timings_s": {"validate": 2.0}}
        connection.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?)",
            ("ingest_pending", "2026-01-01 00:00:11", "2026-01-01T00:00:20+00:00", "completed", json.dumps(summary)),
        )
    return path


def test_ledger_rows_and_timeline_are_read_from_the_sqlite_ledger(tmp_path: Path) -> None:
    database = _ledger(tmp_path / "junkan.db")
    assert ledger_rows(database) == [row(KEYS[0], "published", 20, 19, 1), row(KEYS[1], "received", None, None, None)]
    origin = datetime(2026, 1, 1, 0, 0, 10, tzinfo=UTC).timestamp()
    timeline = ledger_timeline(database, origin)
    assert timeline["first_registered_s"] == pytest.approx(2.0)  # naive stamps are UTC: 00:00:12 − 00:00:10
    assert timeline["last_registered_s"] == pytest.approx(5.5)
    [run] = timeline["runs"]
    assert (run["started_s"], run["finished_s"], run["submissions"], run["rows_read"]) == (1.0, 10.0, 2, 40)


def test_ledger_rows_of_a_missing_database_are_empty(tmp_path: Path) -> None:
    assert ledger_rows(tmp_path / "absent.db") == []


def test_events_timeline_takes_each_keys_first_emission_in_local_time() -> None:
    log = "\n".join(
        [
            "2026-01-01 09:00:01,500 | INFO    | uvicorn.error - Application startup complete.",
            f"2026-01-01 09:00:02,250 | INFO    | infra.events - emitted junkan.submission.received e1 for {KEYS[0]}",
            f"2026-01-01 09:00:04,000 | INFO    | infra.events - emitted junkan.submission.received e2 for {KEYS[1]}",
            f"2026-01-01 09:00:09,000 | INFO    | infra.events - emitted junkan.submission.received e2 for {KEYS[1]}",
        ]
    )
    origin = datetime(2026, 1, 1, 9, 0, 0).timestamp()  # noqa: DTZ001 - the log's stamps are local time
    assert events_timeline(log, origin) == {"keys_emitted": 2, "first_s": 2.25, "last_s": 4.0}  # redelivery ignored


def _results(wall_s: float | None) -> dict[str, object]:
    w4 = {
        "n_runs": 1,
        "n_ok": 1 if wall_s is not None else 0,
        "wall_s": wall_s,
        "rows_per_s": None,
        "peak_rss_mib": 700.0,
        "orchestration_s": None,
        "stages_s": {"validate": 40.0},
        "runs": [{"spread_s": 30.0}],
        "uploads": 500,
        "target_s": 180.0,
        "n_published": 500 if wall_s is not None else None,
        "last_upload_to_last_published_s": None if wall_s is None else wall_s - 30,
        "flow_runs": 3,
        "rows": 10_000,
        "rows_accepted": 9_900,
        "rows_quarantined": 100,
    }
    return {
        "date": "2026-01-01",
        "size": "full",
        "config": {"runs": 1, "members": 3000, "rows_per_member": 2000, "large_rows": 5_000_000},
        "machine": {"cores": 2, "memory_gib": 8.0, "cpu": "x"},
        "workloads": {"w4": w4},
    }


@pytest.mark.parametrize(("wall_s", "met"), [(150.0, True), (180.0, True), (180.5, False), (None, None)])
def test_w4_target_is_all_published_within_180_seconds(wall_s: float | None, met: bool | None) -> None:
    assert targets(_results(wall_s)) == [("W4 all 500 published (s)", "≤ 180", wall_s, met)]


def test_report_shows_w4_in_the_main_table_and_its_own() -> None:
    markdown = render_markdown(_results(150.0))
    assert "| w4 |  | 150 | – | 700 | – | 40.00 | – | – | – |" in markdown
    assert "| 1/1 | 500 | 150 | 120 | 3 | 10000 | 9900 | 100 |" in markdown
    assert "| W4 all 500 published (s) | ≤ 180 | 150 | yes |" in markdown


def test_median_count_keeps_whole_numbers_whole_and_skips_failed_runs() -> None:
    runs = [{"ok": True, "flow_runs": 2}, {"ok": True, "flow_runs": 3}, {"ok": False, "flow_runs": 9}]
    assert median_count(runs, "flow_runs") == 2.5
    assert median_count([*runs, {"ok": True, "flow_runs": 3}], "flow_runs") == 3  # median of 2, 3, 3
    assert isinstance(median_count([*runs, {"ok": True, "flow_runs": 3}], "flow_runs"), int)
    assert median_count([{"ok": False, "flow_runs": 1}], "flow_runs") is None


def test_report_of_w4_alone_has_no_empty_comparison_table() -> None:
    assert "junkan / floor" not in render_markdown(_results(150.0))
