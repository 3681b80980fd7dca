"""The weighted LP pattern against County Business Patterns' multiplicative noise: what each publishes, same protection.

    python -m benchmarks.disclosure_methods --demo --w1-medium
    # benchmarks/results/2026-12-06-disclosure-methods.{md,json}, about 2 minutes on 2 cores:
    python -m benchmarks.disclosure_methods --demo --w1-medium --w1-keep 0.02 --noise 0.10-0.15 --noise 0.18-0.25

For each workload and period, both methods publish the same tables (`PUBLISHED_BUILDERS`):
- **LP**: `transforms.disclosure.joint.suppress_publication`, as `make demo` publishes.
- **noise** (for comparison only, never published): each confidential member gets one fixed multiplier m,
  |m − 1| uniform in [a, b] with a random sign, from a keyed hash of its id (blake2b); public members keep
  m = 1; every table is built by its builder from the noisy member cells, so one member moves every table the
  same way. A value changed by ≥ 5 % is withheld, as CBP does; the rest are flagged < 2 % or 2–5 %.
- **noise, same protection**: the noise pattern minus the published values the noise does not protect.

The protection check judges each value exactly as the LP pass does (`_judge_values`: confidential parts only,
fewer than 3 or two largest above 85 %; the interval is 10 % of the confidential part, or top two / 0.85 minus
it). A sensitive value is unprotected when one insider, a confidential contributor j, estimates the largest
other contributor as (published value − public part − j's true value) within the protection interval (an
outsider's estimate, published value − public part, counts too: it is the only one when j is alone). Also
counted, not withheld: the same insider subtracting its noisy value m·x, having read m off a cell it shares with
public members only. Withholding the unprotected values is an upper bound of what noise publishes for the LP's
protection: an additive total can give a withheld noisy value back, and a member's noisy cells keep its true
ratios between cells (m cancels). The LP pattern is not audited here (tests/unit/transforms/test_attacker.py).

Options: `--noise 0.20-0.30` (repeatable) adds noise ranges, `--seeds N` reruns the noise under N secret keys,
`--w1-keep 0.02` adds W1 medium thinned to that share of member cells (few members per cell, as on the demo).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from benchmarks.disclosure_methods_report import RANGED, Metrics, markdown
from transforms.disclosure import (
    CELL,
    COLUMN,
    DISCLOSURE_SPECS,
    DOMINANCE_SHARE,
    MEMBER_ID,
    MIN_CONTRIBUTORS,
    REASON,
    member_contributions,
)
from transforms.disclosure.joint import FREQUENCY_SAFETY_RANGE, _judge_values, suppress_publication
from transforms.publication import PROTECTION, PUBLISHED_BUILDERS, table_keys, with_renewable
from transforms.regional import with_ends

if TYPE_CHECKING:
    from infra.resources import Resources

FLAG_EDGES = (0.02, 0.05)  # CBP's noise flags: < 2 %, 2–5 %; a value changed by ≥ 5 % is withheld
DEFAULT_NOISE = (0.10, 0.15)
SECRET = "junkan-bench-disclosure-methods"  # the keyed hash's key; seed i uses f"{SECRET}-{i}"
MEDIUM = (300, 2_000)  # benchmarks.run's medium size: members × rows per member
PERIODS = ("FY2023", "FY2024")
PUBLIC_KINDS = frozenset({"municipality", "industry_association"})  # the fallback when classes cannot be read
INDICATORS, SANKEY = "mart.indicators", "mart.sankey_links"
RESULTS = Path(__file__).parent / "results"


@dataclass(frozen=True)
class Workload:
    """One period's member cells and who is public."""

    name: str
    cells: pl.DataFrame
    public: frozenset[str]
    public_source: str


def multipliers(
    member_ids: Collection[str], public: frozenset[str], *, seed: int, low: float, high: float
) -> pl.DataFrame:
    """One fixed multiplier per member from a keyed hash of its id: 1 for public members."""
    key = f"{SECRET}-{seed}".encode()
    factors = []
    for member in sorted(member_ids):
        digest = hashlib.blake2b(member.encode(), key=key, digest_size=16).digest()
        size = low + int.from_bytes(digest[:8], "big") / 2**64 * (high - low)
        factors.append(1.0 if member in public else 1.0 + (size if digest[8] & 1 else -size))
    return pl.DataFrame({MEMBER_ID: sorted(member_ids), "_m": factors}, schema={MEMBER_ID: pl.String, "_m": pl.Float64})


def long_values(table: str, frame: pl.DataFrame, name: str) -> pl.DataFrame:
    """A table's keys, value column and value, one row per value."""
    keys, values = table_keys(table), list(DISCLOSURE_SPECS[table].value_columns)
    return frame.select(*keys, *values).unpivot(index=keys, on=values, variable_name=COLUMN, value_name=name)


@dataclass(frozen=True)
class Truth:
    """Per table: every value's true tonnes, the LP's published value, its protection; sensitive members' parts."""

    values: dict[str, pl.DataFrame]
    parts: dict[str, pl.DataFrame]
    frame: pl.DataFrame
    lp_seconds: float


def measure_truth(workload: Workload) -> Truth:
    """Run the LP pass, and judge every value as it does (the same protection for both methods)."""
    flows = workload.cells.lazy()
    start = time.perf_counter()
    publication = suppress_publication(flows, public_members=workload.public)
    lp_seconds = time.perf_counter() - start
    frame = with_renewable(with_ends(flows).collect())
    values, parts = {}, {}
    for table, build in PUBLISHED_BUILDERS.items():
        keys, columns = table_keys(table), list(DISCLOSURE_SPECS[table].value_columns)
        built = build(frame.lazy()).collect()
        contributions = member_contributions(frame.lazy(), build).collect()
        judged = _judge_values(
            built.with_row_index(CELL),
            contributions.lazy(),
            keys=keys,
            value_columns=columns,
            public=workload.public,
            min_contributors=MIN_CONTRIBUTORS,
            dominance_share=DOMINANCE_SHARE,
            safety_range=FREQUENCY_SAFETY_RANGE,
        )
        on = [*keys, COLUMN]
        truth = (
            long_values(table, built, "true_t")
            .join(long_values(table, publication.tables[table], "lp_t"), on=on, how="left", nulls_equal=True)
            .with_columns(pl.col("true_t").fill_null(0.0))
        )
        rows = built.select(*keys).with_row_index(CELL)
        sensitive = judged.filter(pl.col(REASON).is_not_null() & (pl.col(PROTECTION) > 0)).join(rows, on=CELL)
        values[table] = truth.join(
            sensitive.select(*keys, COLUMN, REASON, PROTECTION), on=on, how="left", nulls_equal=True
        )
        confidential = contributions.filter(~pl.col(MEMBER_ID).is_in(list(workload.public)))
        parts[table] = (
            confidential.select(*keys, MEMBER_ID, *columns)
            .unpivot(index=[*keys, MEMBER_ID], on=columns, variable_name=COLUMN, value_name="_x")
            .with_columns(pl.col("_x").fill_null(0.0))
            .join(sensitive.select(*keys, COLUMN), on=on, how="semi", nulls_equal=True)
        )
    return Truth(values, parts, frame, lp_seconds)


def unprotected(parts: pl.DataFrame, sensitive: pl.DataFrame, factors: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Each sensitive value's keys, and whether one insider (or an outsider) estimates it too closely.

    `unprotected`: the insider subtracts its true value (the brief's attacker). `unprotected_own_m`: it
    subtracts its noisy value, having read its multiplier off a cell it shares with public members only.
    """
    on = [*keys, COLUMN]
    x, m = pl.col("_x"), pl.col("_m")
    by_value = (
        parts.join(factors, on=MEMBER_ID, how="left")
        .group_by(on)
        .agg(
            (x * m).sum().alias("_noisy"),  # published value − public part: public members keep m = 1
            x.max().alias("_top1"),
            (x.top_k(2).sum() - x.max()).alias("_top2"),
            pl.col(MEMBER_ID).sort_by(x, descending=True).first().alias("_largest"),
            pl.len().alias("_n"),
        )
    )
    target = pl.when(pl.col(MEMBER_ID) == pl.col("_largest")).then(pl.col("_top2")).otherwise(pl.col("_top1"))
    insiders = (
        parts.join(factors, on=MEMBER_ID, how="left")
        .join(by_value.filter(pl.col("_n") >= 2), on=on, nulls_equal=True)
        .group_by(on)
        .agg(
            (pl.col("_noisy") - x - target).abs().min().alias("_true"),
            (pl.col("_noisy") - x * m - target).abs().min().alias("_own_m"),
        )
    )
    outsider = (pl.col("_noisy") - pl.col("_top1")).abs()
    return (
        sensitive.join(by_value, on=on, nulls_equal=True)
        .join(insiders, on=on, how="left", nulls_equal=True)
        .select(
            *on,
            (pl.min_horizontal(outsider, "_true") < pl.col(PROTECTION)).alias("unprotected"),
            (pl.min_horizontal(outsider, "_own_m") < pl.col(PROTECTION)).alias("unprotected_own_m"),
        )
    )


def add_noise(truth: Truth, public: frozenset[str], *, seed: int, low: float, high: float) -> dict[str, pl.DataFrame]:
    """Per table: the noisy value, its relative change, published (< 5 %) and unprotected flags."""
    factors = multipliers(truth.frame.get_column(MEMBER_ID).unique().to_list(), public, seed=seed, low=low, high=high)
    noisy_frame = truth.frame.join(factors, on=MEMBER_ID, how="left").with_columns(pl.col("quantity_t") * pl.col("_m"))
    out = {}
    for table, build in PUBLISHED_BUILDERS.items():
        keys = table_keys(table)
        noisy = long_values(table, build(noisy_frame.drop("_m").lazy()).collect(), "noisy_t")
        true, moved = pl.col("true_t").abs(), (pl.col("noisy_t").fill_null(0.0) - pl.col("true_t")).abs()
        change = pl.when(true > 0).then(moved / true).when(moved > 0).then(float("inf")).otherwise(0.0)
        values = (
            truth.values[table]
            .join(noisy, on=[*keys, COLUMN], how="left", nulls_equal=True)
            .with_columns(change.alias("change"))
        )
        sensitive = values.filter(pl.col(REASON).is_not_null()).select(*keys, COLUMN, PROTECTION)
        exposed = unprotected(truth.parts[table], sensitive, factors, keys)
        out[table] = values.join(exposed, on=[*keys, COLUMN], how="left", nulls_equal=True).with_columns(
            (pl.col("change") < FLAG_EDGES[1]).alias("published"),
            pl.col("unprotected", "unprotected_own_m").fill_null(False),
        )
    return out


def summarize(values: Mapping[str, pl.DataFrame], published: pl.Expr) -> Metrics:
    """Values and tonnes published, the headline, the Sankey's national links and the map's prefectures."""
    frames = {table: frame.with_columns(published.alias("_published")) for table, frame in values.items()}
    both = pl.concat([frame.select("true_t", "_published", REASON) for frame in frames.values()])
    indicators, links = frames[INDICATORS], frames[SANKEY].filter(material_level="all")
    headline = indicators.filter(material_level="all", region_level="all")
    maps = indicators.filter(material_level="all", region_level="prefecture", _column="waste_generated_t")
    drawn = links.filter("_published")
    figures = {
        "values_published": both["_published"].sum(),
        "values": both.height,
        "tonnes_published": both.filter("_published")["true_t"].sum(),
        "tonnes": both["true_t"].sum(),
        "headline_published": headline["_published"].sum(),
        "headline": headline.height,
        "sankey_drawn": drawn.height,
        "sankey_drawn_t": drawn["true_t"].sum(),
        "sankey_links": links.height,
        "sankey_links_t": links["true_t"].sum(),
        "prefectures_waste": maps["_published"].sum(),
        "sensitive": both[REASON].is_not_null().sum(),
    }
    return {name: float(value) for name, value in figures.items()}


def noise_extras(values: Mapping[str, pl.DataFrame]) -> Metrics:
    """CBP's flag counts, the unprotected sensitive values and the national headline's largest relative error."""
    both = pl.concat(
        [frame.select("change", "published", "unprotected", "unprotected_own_m") for frame in values.values()]
    )
    low, high = FLAG_EDGES
    headline = values[INDICATORS].filter(material_level="all", region_level="all")
    figures = {
        "flag_below_2pct": (both["change"] < low).sum(),
        "flag_2_to_5pct": both["change"].is_between(low, high, closed="left").sum(),
        "flag_5pct_or_more": (both["change"] >= high).sum(),
        "unprotected": both["unprotected"].sum(),
        "unprotected_published": (both["unprotected"] & both["published"]).sum(),
        "unprotected_own_m": both["unprotected_own_m"].sum(),
        "unprotected_own_m_published": (both["unprotected_own_m"] & both["published"]).sum(),
        "headline_max_error": headline.select(pl.col("change").max()).item(),
    }
    return {name: float(value) for name, value in figures.items()}


def measure(workload: Workload, noises: list[tuple[float, float]], seeds: int) -> dict[str, object]:
    """Both methods on one workload: the LP, then each noise range under seed 0, and ranges over all seeds."""
    truth = measure_truth(workload)
    methods = {"LP": summarize(truth.values, pl.col("lp_t").is_not_null()) | {"seconds": truth.lp_seconds}}
    for low, high in noises:
        name = f"noise {low:.0%}–{high:.0%}"
        plain: list[Metrics] = []
        safe: list[Metrics] = []
        for seed in range(seeds):
            start = time.perf_counter()
            noisy = add_noise(truth, workload.public, seed=seed, low=low, high=high)
            seconds = {"seconds": time.perf_counter() - start}
            plain.append(summarize(noisy, pl.col("published")) | noise_extras(noisy) | seconds)
            safe.append(summarize(noisy, pl.col("published") & ~pl.col("unprotected")) | seconds)
        methods[name], methods[f"{name}, same protection"] = plain[0], safe[0]
        for runs, field in ((runs, field) for runs in (plain, safe) for field in RANGED if field in runs[0]):
            runs[0] |= {f"{field}_min": min(r[field] for r in runs), f"{field}_max": max(r[field] for r in runs)}
    cells = workload.cells
    return {
        "workload": workload.name,
        "members": cells[MEMBER_ID].n_unique(),
        "public_members": len(workload.public & set(cells[MEMBER_ID].to_list())),
        "member_cells": cells.height,
        "public_source": workload.public_source,
        "methods": methods,
    }


def demo_workloads() -> list[Workload]:
    """FY2023 and FY2024 of the demo warehouse (`make demo` only if it was never run), with the ledger's classes."""
    from infra.resources import build_resources
    from infra.settings import get_settings

    settings = get_settings()
    if not (settings.resolved_home / "junkan.db").exists():
        import subprocess

        subprocess.run(["make", "demo"], check=True)  # noqa: S607
    resources = build_resources(settings)
    try:
        from flows.stages.members import disclosure_frame

        public = frozenset(disclosure_frame(resources, dataset="flows").filter("is_public")[MEMBER_ID].to_list())
        source = "ledger disclosure classes (flows.stages.members.disclosure_frame, is_public)"
    except Exception as error:  # noqa: BLE001 -- a concurrent edit: fall back on the members' kinds
        kinds = {member.member_id: member.kind for member in resources.ledger.list_members()}
        public = frozenset(member for member, kind in kinds.items() if kind in PUBLIC_KINDS)
        source = f"kinds municipality and industry_association ({type(error).__name__} reading classes)"
    workloads = [Workload(f"demo {period}", read_cells(resources, period), public, source) for period in PERIODS]
    resources.close()
    return workloads


def read_cells(resources: Resources, period: str, *, attempts: int = 3) -> pl.DataFrame:
    """A period's member cells; tried again if someone rewrites the warehouse (`make demo`) meanwhile."""
    from flows.stages.publish import flow_cells

    for _ in range(attempts - 1):
        try:
            return flow_cells(resources, period)
        except Exception:  # noqa: BLE001
            time.sleep(10)
    return flow_cells(resources, period)


def w1_workloads(keep: float | None) -> list[Workload]:
    """W1 medium, FY2024: every member confidential, then every third member public; optionally thinned."""
    from benchmarks.disclosure import w1_cells

    cells = w1_cells(*MEDIUM)
    variants = [("W1 medium", cells)]
    if keep is not None:
        variants.append((f"W1 medium thinned to {keep:.0%}", cells.sample(fraction=keep, seed=20250401)))
    members = sorted(cells[MEMBER_ID].unique().to_list())
    every_third = frozenset(members[::3])
    return [
        workload
        for name, frame in variants
        for workload in (
            Workload(f"{name}, all confidential", frame, frozenset(), "W1 members are all companies"),
            Workload(f"{name}, every third public", frame, every_third, "every third member id, sorted"),
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demo", action="store_true", help="FY2023 and FY2024 of the demo warehouse")
    parser.add_argument("--w1-medium", action="store_true", help="W1 medium, all confidential and every third public")
    parser.add_argument("--w1-keep", type=float, help="also W1 medium thinned to this share of member cells")
    parser.add_argument("--noise", action="append", help="a noise range a-b (repeatable; default 0.10-0.15)")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS / f"{date.today().isoformat()}-disclosure-methods")
    arguments = parser.parse_args()
    bounds = [text.split("-", 1) for text in arguments.noise or []]
    noises = [(float(low), float(high)) for low, high in bounds] or [DEFAULT_NOISE]
    workloads = (demo_workloads() if arguments.demo else []) + (
        w1_workloads(arguments.w1_keep) if arguments.w1_medium else []
    )
    results = []
    for workload in workloads:
        print(f"measuring {workload.name}", flush=True)
        results.append(measure(workload, noises, arguments.seeds))
    command = "python -m benchmarks.disclosure_methods " + " ".join(sys.argv[1:])
    text = markdown(results, command, arguments.seeds)
    arguments.out.with_suffix(".json").write_text(json.dumps({"command": command, "results": results}, indent=2))
    arguments.out.with_suffix(".md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
