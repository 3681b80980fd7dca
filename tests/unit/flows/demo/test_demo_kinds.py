"""The demo's universities, research bodies and municipalities: every obligation status appears on 31 March 2026.

The demo's files are read and normalised as the pipeline would (without GX), and judged by the obligations.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flows.demo.data import targets as demo_targets
from flows.demo.data.generate import DemoManifest
from flows.demo.data.kinds import FOLLOW_UP_AS_OF, PROJECT_TABLE
from infra.readers import read_table
from schemas import CONTRACTS
from schemas.obligations import OBLIGATION_CODES, STATUS_CODES
from schemas.tables import TABLES
from transforms.normalize import normalize
from transforms.obligations import FOLLOW_UPS, compute_member_obligations
from transforms.targets import merge_target_versions


def core(demo: DemoManifest, dataset: str) -> pl.DataFrame:
    """The dataset's demo files as core rows: read, normalised, each file a submission arrived on its day."""
    contract = CONTRACTS[dataset]
    frames = []
    for index, file in enumerate(one for one in demo.submissions if one.dataset == dataset):
        raw = read_table(file.path, contract).frame.with_columns(
            submission_id=pl.lit(f"{dataset}-{index:03d}"),
            registered_region=pl.lit(None, dtype=pl.String),
        )
        frame = normalize(raw, contract=contract, default_region=pl.col("registered_region")).collect()
        received = file.received_on or date(2026, 12, 1)
        frames.append(
            frame.with_columns(
                pl.lit(received).alias("valid_from"),
                pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("valid_from_at"),  # from the start of its day
                pl.lit(received).alias("_received"),
            )
        )
    rows = pl.concat(frames, how="vertical_relaxed")
    return rows.filter(pl.col("member_id").is_not_null())


def test_the_target_change_is_a_second_version_from_its_day(demo: DemoManifest) -> None:
    targets = core(demo, "targets").select(list(TABLES["core.targets"]))
    member = demo_targets.TARGET_CHANGE_MEMBER
    mine = targets.filter(pl.col("member_id") == member)
    versions = merge_target_versions(mine.clear(), mine).filter(pl.col("target_id") == "T1")
    assert versions.height == 2
    assert versions.get_column("valid_from").to_list()[1] == demo_targets.TARGET_CHANGED_ON
    first, second = versions.get_column("target_value").to_list()
    assert second == pytest.approx(first * 1.2, rel=1e-2)


def test_every_obligation_has_members_overdue_and_every_status_appears(demo: DemoManifest) -> None:
    members = demo.members.select("member_id", "kind", pl.col("joined_on").str.to_date())
    targets = core(demo, "targets").select(list(TABLES["core.targets"]))
    progress = core(demo, "progress")
    follow_ups = (
        progress.select("member_id", "submission_id", pl.col("_received").alias("followed_up_on"))
        .unique()
        .cast(dict(FOLLOW_UPS))
    )
    tables = {name: core(demo, name).select(list(TABLES[f"core.{name}"])) for name in ("projects", "disclosures")}
    plans = core(demo, "plans").select(list(TABLES["core.plans"]))
    out = compute_member_obligations(
        members.lazy(),
        targets.lazy(),
        follow_ups.lazy(),
        tables["projects"].lazy(),
        tables["disclosures"].lazy(),
        plans.lazy(),
        as_of=FOLLOW_UP_AS_OF,
    ).collect()
    counts = Counter(zip(out["obligation"], out["status"], strict=True))
    assert set(out["status"]) == set(STATUS_CODES)
    for obligation in OBLIGATION_CODES:
        assert counts[obligation, "overdue"] >= 1, obligation
        assert counts[obligation, "met"] >= 1, obligation
    status = {(row["member_id"], row["obligation"]): row["status"] for row in out.iter_rows(named=True)}
    # Research members with no project at all: overdue on starting one (a year after joining, by 2025 at the latest),
    # and at least one, two years after joining, on disclosing its results too.
    without = [m for m in ("kansai-env-u", "env-systems-org", "chiiki-shigen-center") if m not in PROJECT_TABLE]
    assert all(status[member, "project_started"] == "overdue" for member in without)
    assert any(status[member, "results_disclosed"] == "overdue" for member in without)
    assert status["kyushu-tech-u", "results_disclosed"] == "met"
    assert status["kyushu-tech-u", "target_set"] == "not_applicable"
    assert status["chubu-gijutsu-u", "results_disclosed"] == "due"
    assert status["city-nagoya", "plan_includes_target"] == "overdue"  # revised without its target
    assert status["city-sendai", "plan_includes_target"] == "due"  # at its next revision


def test_the_disclosure_of_an_unknown_project_is_in_the_demo(demo: DemoManifest) -> None:
    from flows.demo.data.kinds import UNKNOWN_PROJECT_ID, UNKNOWN_PROJECT_MEMBER

    disclosures = core(demo, "disclosures")
    projects = core(demo, "projects")
    unknown = disclosures.join(projects, on=["member_id", "project_id"], how="anti")
    assert unknown.select("member_id", "project_id").rows() == [(UNKNOWN_PROJECT_MEMBER, UNKNOWN_PROJECT_ID)]


def test_kinds_files_are_ascii_named_and_in_the_inbox_layout(demo: DemoManifest, tmp_path: Path) -> None:
    datasets = Counter(file.dataset for file in demo.submissions)
    assert datasets["projects"] >= 8
    assert datasets["disclosures"] >= 6
    assert datasets["plans"] >= 8
    assert datasets["targets"] == sum(1 for f in demo.submissions if f.dataset == "progress") + 1  # the change
