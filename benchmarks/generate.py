"""Fast, seeded synthetic members' files for the benchmarks: vectorised Polars, millions of rows in seconds.

Every row is valid against the contract except a set fraction of bad rows, spread over three kinds
that each fail exactly one error check (negative quantity, unknown unit, unknown stage), so the
expected number of quarantined rows is known. Files are written in the inbox layout
`<root>/<member_id>/<dataset>/<dataset>.csv`; every other member's files are CP932 (Shift_JIS as
Excel writes it), the rest UTF-8.

    python -m benchmarks.generate OUT --members 30 --rows 200
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from schemas import FLOWS, MEMBERS, PROGRESS, TARGETS
from schemas import vocabulary as v
from schemas.contract import Contract

SEED = 20250401
PERIODS = ("FY2023", "FY2024")
BAD_FRACTION = 0.01
# Realistic stage pairs, distinct stages, so every indicator has flows to sum.
STAGE_PAIRS: tuple[tuple[str, str], ...] = (
    ("extraction", "production"),
    ("import", "production"),
    ("production", "manufacturing"),
    ("manufacturing", "use"),
    ("use", "stock"),
    ("use", "collection"),
    ("collection", "sorting"),
    ("sorting", "recycling"),
    ("sorting", "reuse"),
    ("recycling", "production"),
    ("reuse", "use"),
    ("sorting", "energy_recovery"),
    ("collection", "treatment"),
    ("treatment", "landfill"),
    ("sorting", "landfill"),
    ("production", "export"),
)
# One bad value per kind: each fails exactly one error check of the contract.
BAD_QUANTITY = "-1"  # flows.quantity.range
BAD_UNIT = "lbs"  # flows.unit.vocabulary
BAD_STAGE = "usage"  # flows.source_stage.vocabulary
REGIONS = ("JP-01", "JP-04", "JP-13", "JP-14", "JP-23", "JP-27", "JP-34", "JP-40", "JP-47")


@dataclass(frozen=True)
class Generated:
    """What was written: where, how many rows and how many of them are bad."""

    root: Path
    members_file: Path
    n_members: int
    n_flow_rows: int
    n_bad_rows: int
    files: tuple[Path, ...]


def member_ids(n_members: int, *, prefix: str = "m") -> list[str]:
    """Member ids `m-00000`, `m-00001`, … (valid against the members contract)."""
    return [f"{prefix}-{index:05d}" for index in range(n_members)]


def members_frame(ids: list[str]) -> pl.DataFrame:
    """The members file: one municipality or company per id, each in one of a few regions."""
    n = len(ids)
    frame = pl.DataFrame(
        {
            "member_id": ids,
            "name": [f"ベンチ会員{index}" for index in range(n)],
            "kind": ["municipality" if index % 2 else "company" for index in range(n)],
            "region": [REGIONS[index % len(REGIONS)] for index in range(n)],
            "joined_on": ["2023-04-01"] * n,
        }
    )
    return frame.select(name for name in MEMBERS.read_schema if name in frame.columns)  # optional ones left out


def flows_frame(
    ids: list[str], *, rows_per_member: int, bad_fraction: float = BAD_FRACTION, seed: int = SEED
) -> pl.DataFrame:
    """All members' flow rows as text, unique per contract key, `bad_fraction` of them bad (rounded down)."""
    n_members = len(ids)
    total = n_members * rows_per_member
    rng = np.random.default_rng(seed)
    leaves = pl.Series(v.MATERIAL_LEAF_CODES)
    sources = pl.Series([pair[0] for pair in STAGE_PAIRS])
    targets = pl.Series([pair[1] for pair in STAGE_PAIRS])
    n_leaves, n_pairs, n_periods = len(leaves), len(STAGE_PAIRS), len(PERIODS)
    # Position within a member decides material, stage pair, period and process number: unique keys.
    position = pl.int_range(0, total, eager=True) % rows_per_member
    member_index = pl.int_range(0, total, eager=True) // rows_per_member
    material_index = position % n_leaves
    pair_index = (position // n_leaves) % n_pairs
    period_index = (position // (n_leaves * n_pairs)) % n_periods
    process_number = position // (n_leaves * n_pairs * n_periods)
    quantities = np.round(rng.uniform(0.0, 1000.0, total), 3)
    frame = pl.DataFrame(
        {
            "member_index": member_index,
            "material": leaves.gather(material_index),
            "source_stage": sources.gather(pair_index),
            "target_stage": targets.gather(pair_index),
            "period": pl.Series(PERIODS).gather(period_index),
            "process_number": process_number.cast(pl.String),
            "quantity": pl.Series(quantities).cast(pl.String),
        }
    )
    bad_kind = np.full(total, -1, dtype=np.int64)
    n_bad = int(total * bad_fraction)
    if n_bad:
        chosen = rng.choice(total, size=n_bad, replace=False)
        bad_kind[chosen] = np.arange(n_bad) % 3
    member_table = pl.DataFrame(
        {
            "member_index": pl.int_range(0, n_members, eager=True),
            "member_id": ids,
            "unit": ["kg" if index % 4 == 3 else "t" for index in range(n_members)],
            "region": [REGIONS[index % len(REGIONS)] for index in range(n_members)],
        }
    )
    bad = pl.Series("bad_kind", bad_kind)
    text = (
        frame.with_columns(bad)
        .join(member_table, on="member_index", how="left", maintain_order="left")
        .with_columns(
            # A facility per stage pair and number, named from both ends ("use施設3→collection" sends to
            # "collection施設3←use"): no process is both entered and left, so the balance rule, which
            # random quantities would break on almost every row, warns none, as in a member's balanced file.
            source=pl.col("source_stage")
            + pl.lit("施設")
            + pl.col("process_number")
            + pl.lit("→")
            + pl.col("target_stage"),
            target=pl.col("target_stage")
            + pl.lit("施設")
            + pl.col("process_number")
            + pl.lit("←")
            + pl.col("source_stage"),
            quality=pl.lit("measured"),
            note=pl.lit(None, dtype=pl.String),
        )
        .with_columns(
            quantity=pl.when(pl.col("bad_kind") == 0).then(pl.lit(BAD_QUANTITY)).otherwise(pl.col("quantity")),
            unit=pl.when(pl.col("bad_kind") == 1).then(pl.lit(BAD_UNIT)).otherwise(pl.col("unit")),
            source_stage=pl.when(pl.col("bad_kind") == 2).then(pl.lit(BAD_STAGE)).otherwise(pl.col("source_stage")),
        )
    )
    # Optional columns the generator does not fill stay empty, as members leave them.
    missing = [
        pl.lit(None, dtype=pl.String).alias(name) for name in FLOWS.read_schema if name not in text.collect_schema()
    ]
    return text.with_columns(missing).select(list(FLOWS.read_schema))


def targets_frame(ids: list[str]) -> pl.DataFrame:
    """Two targets per member (T1, T2)."""
    values = {
        "target_id": ["T1", "T2"],
        "indicator": ["input_cyclical_use_rate", "final_disposal_rate"],
        "material": ["plastics", None],
        "baseline_year": ["2020", "2020"],
        "baseline_value": ["0.12", "0.3"],
        "target_year": ["2030", "2030"],
        "target_value": ["0.2", "0.1"],
        "unit": ["ratio", "ratio"],
        "published_url": ["https://example.org/target", None],
        "description": ["循環利用率の目標", None],
    }
    per_member = pl.DataFrame(values, schema=dict.fromkeys(values, pl.String()))
    frame = pl.DataFrame({"member_id": ids}).join(per_member, how="cross")
    return _in_contract_columns(frame, TARGETS)


def progress_frame(ids: list[str]) -> pl.DataFrame:
    """Progress of each target in 2023 and 2024."""
    per_member = pl.DataFrame(
        {
            "target_id": ["T1", "T1", "T2", "T2"],
            "year": ["2023", "2024", "2023", "2024"],
            "value": ["0.13", "0.15", "0.28", "0.25"],
            "note": [None, "前年比改善", None, None],
        },
        schema=dict.fromkeys(("target_id", "year", "value", "note"), pl.String()),
    )
    frame = pl.DataFrame({"member_id": ids}).join(per_member, how="cross")
    return _in_contract_columns(frame, PROGRESS)


def write_csv(frame: pl.DataFrame, path: Path, *, cp932: bool) -> None:
    """Write CSV as UTF-8 or as CP932, as Excel in Japan saves it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if cp932:
        path.write_bytes(frame.write_csv().encode("cp932"))
    else:
        frame.write_csv(path)


def generate_nightly(
    root: Path,
    *,
    n_members: int,
    rows_per_member: int,
    bad_fraction: float = BAD_FRACTION,
    seed: int = SEED,
    with_targets: bool = True,
) -> Generated:
    """W1's files: members.csv and per member flows (+ targets and progress); odd members in CP932."""
    ids = member_ids(n_members)
    root.mkdir(parents=True, exist_ok=True)
    members_file = root / "members.csv"
    members_frame(ids).write_csv(members_file)
    flows = flows_frame(ids, rows_per_member=rows_per_member, bad_fraction=bad_fraction, seed=seed)
    datasets: dict[str, pl.DataFrame] = {"flows": flows}
    if with_targets:
        datasets |= {"targets": targets_frame(ids), "progress": progress_frame(ids)}
    files: list[Path] = []
    for dataset, frame in datasets.items():
        for index, (member_id, part) in enumerate(
            zip(ids, frame.partition_by("member_id", maintain_order=True), strict=True)
        ):
            path = root / "inbox" / member_id / dataset / f"{dataset}.csv"
            write_csv(part, path, cp932=index % 2 == 1)
            files.append(path)
    return Generated(
        root=root,
        members_file=members_file,
        n_members=n_members,
        n_flow_rows=flows.height,
        n_bad_rows=int(flows.height * bad_fraction),
        files=tuple(files),
    )


def generate_large_member(root: Path, *, rows: int, bad_fraction: float = BAD_FRACTION, seed: int = SEED) -> Generated:
    """W2's file: one member, one large CP932 flows CSV."""
    ids = member_ids(1, prefix="large")
    root.mkdir(parents=True, exist_ok=True)
    members_file = root / "members.csv"
    members_frame(ids).write_csv(members_file)
    flows = flows_frame(ids, rows_per_member=rows, bad_fraction=bad_fraction, seed=seed)
    path = root / "inbox" / ids[0] / "flows" / "flows.csv"
    write_csv(flows, path, cp932=True)
    return Generated(root, members_file, 1, flows.height, int(flows.height * bad_fraction), (path,))


def main() -> None:
    """Command line: write W1-shaped files under OUT."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--rows", type=int, default=200)
    arguments = parser.parse_args()
    done = generate_nightly(arguments.out, n_members=arguments.members, rows_per_member=arguments.rows)
    print(f"{done.n_members} members, {done.n_flow_rows} flow rows ({done.n_bad_rows} bad) under {done.root}")


def _in_contract_columns(frame: pl.DataFrame, contract: Contract) -> pl.DataFrame:
    """The contract's columns in order; optional ones the generator does not fill stay empty, as members leave them."""
    missing = [pl.lit(None, dtype=pl.String).alias(name) for name in contract.read_schema if name not in frame.columns]
    return frame.with_columns(missing).select(list(contract.read_schema))


if __name__ == "__main__":
    main()
