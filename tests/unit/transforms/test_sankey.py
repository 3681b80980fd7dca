"""Sankey links between stages, per material group and for all materials."""

from __future__ import annotations

import polars as pl
from polars.testing import assert_frame_equal

from schemas.tables import TABLES, unsuppressed
from tests.unit.transforms.test_indicators import example_flows
from transforms.sankey import build_sankey_links


def test_sankey_links_by_hand() -> None:
    result = build_sankey_links(example_flows()).collect()
    # material, material_level, source, target, value_t, contributors
    # Dropped: #12 recycling -> recycling (self-loop) and the plastics use -> export link (#13, 0 t).
    rows = [
        ("all", "all", "collection", "energy_recovery", 30, 1),  # #6
        ("all", "all", "collection", "landfill", 20, 1),  # #5
        ("all", "all", "collection", "recycling", 30 + 40, 1),  # #4 + #9 (both A)
        ("all", "all", "extraction", "production", 50, 1),  # #7
        ("all", "all", "import", "production", 100 + 60 + 40, 2),  # #1 (A) + #10 (B) + #15 (A)
        ("all", "all", "recycling", "production", 25, 1),  # #2
        ("all", "all", "use", "collection", 80 + 40, 1),  # #3 + #8
        ("all", "all", "use", "export", 0 + 12, 1),  # #13 + #14 (both B): kept, 12 t
        ("all", "all", "use", "landfill", 10, 1),  # #11
        ("paper", "group", "collection", "recycling", 40, 1),  # #9
        ("paper", "group", "extraction", "production", 50, 1),  # #7
        ("paper", "group", "use", "collection", 40, 1),  # #8
        ("paper", "group", "use", "export", 12, 1),  # #14
        ("plastics", "group", "collection", "energy_recovery", 30, 1),  # #6
        ("plastics", "group", "collection", "landfill", 20, 1),  # #5
        ("plastics", "group", "collection", "recycling", 30, 1),  # #4
        ("plastics", "group", "import", "production", 100 + 60 + 40, 2),  # #1 + #10 + #15
        ("plastics", "group", "recycling", "production", 25, 1),  # #2
        ("plastics", "group", "use", "collection", 80, 1),  # #3
        ("plastics", "group", "use", "landfill", 10, 1),  # #11
    ]
    expected = pl.DataFrame(
        [("FY2024", *row) for row in rows], schema=unsuppressed(TABLES["mart.sankey_links"]), orient="row", strict=False
    )
    assert_frame_equal(result, expected)


def test_sankey_is_deterministic() -> None:
    shuffled = example_flows().collect().sample(fraction=1.0, shuffle=True, seed=7).lazy()
    assert_frame_equal(build_sankey_links(shuffled).collect(), build_sankey_links(example_flows()).collect())
