"""Validation in bounded chunks judges every row as one whole-batch run does."""

from __future__ import annotations

import importlib
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from expectations import validate
from schemas import FLOWS
from tests.factories import MEMBER_ID, make_flows


def test_chunks_find_the_same_failures_including_duplicates_across_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    # Rows 2 and 6 share a key but fall in different chunks of 2; rows 4 and 5 share one with a null part;
    # row 3 has a negative quantity: every row of sub-1 is quarantined. Rows are source rows (header = 1).
    rows: list[dict[str, Any]] = [
        {},
        {"quantity": -1.0, "region": "JP-02"},
        {"region": None},
        {"region": None},
        {"quantity": 5.0},
    ]
    first = make_flows(rows, lineage=True, submission_id="sub-1").with_columns(submitter_id=pl.lit(MEMBER_ID))
    # The same key in another submission is never a duplicate, even in the same chunk.
    second = make_flows([{}], lineage=True, submission_id="sub-2").with_columns(submitter_id=pl.lit(MEMBER_ID))
    frame = pl.concat([first, second])
    whole = validate(FLOWS, frame)

    monkeypatch.setattr(importlib.import_module("expectations.validate"), "SUITE_CHUNK_ROWS", 2)
    chunked = validate(FLOWS, frame)

    duplicates = chunked.failures.filter(pl.col("check_id") == "flows.duplicate")
    assert duplicates.select("submission_id", "source_row").rows() == [
        ("sub-1", 2),
        ("sub-1", 4),
        ("sub-1", 5),
        ("sub-1", 6),
    ]
    assert_frame_equal(chunked.failures, whole.failures)
    assert_frame_equal(chunked.accepted, whole.accepted)
    assert_frame_equal(chunked.quarantined, whole.quarantined)
    assert chunked.summary().rows() == [("sub-1", 5, 0, 5, 0), ("sub-2", 1, 1, 0, 0)]
