"""Per-table against joint disclosure control on one period: cells hidden, tonnes hidden, leaks, seconds.

    python -m benchmarks.disclosure --cells cells.parquet [--attack]     # a period's flow cells (flow_cells)
    python -m benchmarks.disclosure --members 300 --rows 2000            # W1's generated members, FY2024
    python -m benchmarks.disclosure --members 3000 --keep 0.01           # W1 full, thinned to few per cell

`--attack` runs the attacker of tests/unit/transforms/test_attacker.py on both patterns (an LP per
sensitive value: minutes on a demo period).
"""

from __future__ import annotations

import argparse
import time
from datetime import date

import polars as pl

from benchmarks.generate import flows_frame, member_ids
from flows.stages.summary import peak_rss_mib
from tests.unit.transforms.test_attacker import attack, per_table
from transforms.disclosure import DISCLOSURE_SPECS
from transforms.disclosure.joint import suppress_publication
from transforms.publication import PUBLISHED_BUILDERS


def w1_cells(n_members: int, rows_per_member: int) -> pl.DataFrame:
    """FY2024's flow cells of W1's generated members (bad rows left out, as validation would)."""
    text = flows_frame(member_ids(n_members), rows_per_member=rows_per_member).filter(period="FY2024")
    quantity = pl.col("quantity").cast(pl.Float64, strict=False)
    good = text.filter(quantity.is_not_null() & (quantity >= 0) & pl.col("unit").is_in(["t", "kg"]))
    good = good.filter(pl.col("source_stage").is_in(["extraction", "import", *good["target_stage"].unique()]))
    tonnes = pl.when(pl.col("unit") == "kg").then(quantity / 1000).otherwise(quantity)
    keys = ["member_id", "material", "region", "source_stage", "target_stage"]
    return (
        good.with_columns(tonnes.alias("quantity_t"))
        .group_by(keys)
        .agg(pl.col("quantity_t").sum())
        .select(
            "member_id",
            pl.lit("FY2024").alias("period"),
            pl.lit(date(2024, 4, 1)).alias("period_start"),
            pl.lit(date(2025, 3, 31)).alias("period_end"),
            pl.lit("fiscal_year").alias("grain"),
            "material",
            pl.col("material").str.split(".").list.first().alias("material_group"),
            "region",
            pl.col("region").alias("origin_region"),  # W1's members report no transfers
            pl.col("region").alias("destination_region"),
            "source_stage",
            "target_stage",
            "quantity_t",
        )
        .sort(keys)  # so that --keep samples the same cells on every run
    )


def loss(tables: dict[str, pl.DataFrame], truth: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Cells and tonnes per table and reason (tonnes from the unsuppressed values)."""
    parts = []
    for table, frame in tables.items():
        values = DISCLOSURE_SPECS[table].value_columns
        size = truth[table].select(pl.sum_horizontal([pl.col(name).fill_null(0.0) for name in values]).alias("t"))
        parts.append(
            frame.select("suppression_reason")
            .with_columns(size)
            .group_by("suppression_reason")
            .agg(pl.len().alias("cells"), pl.col("t").sum().round(0))
            .with_columns(pl.lit(table).alias("table"), pl.lit(frame.height).alias("of"))
        )
    return pl.concat(parts).sort("table", "suppression_reason", nulls_last=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cells", help="a period's flow cells as Parquet")
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--keep", type=float, default=1.0, help="keep this share of member cells (sparser cells)")
    parser.add_argument("--attack", action="store_true")
    arguments = parser.parse_args()
    cells = pl.read_parquet(arguments.cells) if arguments.cells else w1_cells(arguments.members, arguments.rows)
    if arguments.keep < 1:
        cells = cells.sample(fraction=arguments.keep, seed=20250401)
    print(f"{cells.height} member cells, {cells['member_id'].n_unique()} members")

    start = time.perf_counter()
    before = per_table(cells)
    per_table_s = time.perf_counter() - start
    start = time.perf_counter()
    after = suppress_publication(cells.lazy()).tables
    joint_s = time.perf_counter() - start
    truth = {table: build(cells.lazy()).collect() for table, build in PUBLISHED_BUILDERS.items()}
    with pl.Config(tbl_rows=60, tbl_cols=8):
        for name, tables, seconds in (("per-table", before, per_table_s), ("joint", after, joint_s)):
            print(f"--- {name}: {seconds:.1f} s")
            print(loss(tables, truth))
            if arguments.attack:
                exposures = attack(cells, tables)
                exact = [e for e in exposures if abs(e.high - e.low) <= 1e-6 * max(1.0, e.value)]
                print(f"sensitive values narrowed: {len(exposures)}, of which recovered exactly: {len(exact)}")
    print(f"peak RSS {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
