"""ISO 59020-style material circularity: the economy's inflows and outflows split by origin and by fate.

Derived from the flows' stage semantics (`schemas.vocabulary`), per period, material level and region level:

- inflows are flows into the economy (production, manufacturing, use) from outside it: from reuse and
  remanufacturing (reused), from recycling and composting (recycled), and from extraction and import, which are
  renewable when the flow says `is_renewable` (or, saying nothing, when its material group is biomass) and
  linear otherwise. The total is the denominator of the 入口側循環利用率.
- outflows are the first fate of what leaves the economy, collection and sorting passed through: flows from
  the economy, collection or sorting into reuse or remanufacturing (reused), recycling (recycled), composting or
  return to nature (biological), energy recovery, and treatment or landfill (disposal). What a recycler or an
  incinerator sends on afterwards (residues, ash) is not counted again.

Each set of shares sums to 1 where its total is positive and is null otherwise. The standard's own text is the
reference for anyone claiming conformity; these shares are the partnership's reading of it on stage data.
"""

from __future__ import annotations

import polars as pl

from schemas import vocabulary as v
from schemas.tables import (
    CIRCULARITY_TONNES,
    INFLOW_PARTS,
    OUTFLOW_PARTS,
    PERIOD_COLUMNS,
    SCOPE_COLUMNS,
    TABLES,
    unsuppressed,
)
from transforms.indicators import sum_at_every_level
from transforms.stages import is_flow_between

BIOMASS = "biomass"
FIRST_FATE_SOURCES = v.ECONOMY | {"collection", "sorting"}
_FROM_SOURCES = is_flow_between(v.SOURCES, v.ECONOMY)


def _is_renewable() -> pl.Expr:
    """A source flow's material is renewable: as the flow says, else when its group is biomass."""
    return pl.col("is_renewable").fill_null(pl.col("material_group") == BIOMASS).fill_null(value=False)


INFLOW_FLOWS: dict[str, pl.Expr] = {
    "inflow_reused_t": is_flow_between({"reuse", "remanufacturing"}, v.ECONOMY),
    "inflow_recycled_t": is_flow_between({"recycling", "composting"}, v.ECONOMY),
    "inflow_renewable_t": _FROM_SOURCES & _is_renewable(),
    "inflow_linear_t": _FROM_SOURCES & ~_is_renewable(),
}
OUTFLOW_FLOWS: dict[str, pl.Expr] = {
    "outflow_reused_t": is_flow_between(FIRST_FATE_SOURCES, {"reuse", "remanufacturing"}),
    "outflow_recycled_t": is_flow_between(FIRST_FATE_SOURCES, {"recycling"}),
    "outflow_biological_t": is_flow_between(FIRST_FATE_SOURCES, {"composting", "return_to_nature"}),
    "outflow_energy_recovery_t": is_flow_between(FIRST_FATE_SOURCES, {v.ENERGY_RECOVERY}),
    "outflow_disposal_t": is_flow_between(FIRST_FATE_SOURCES, {"treatment", v.LANDFILL}),
}
if [*INFLOW_FLOWS, *OUTFLOW_FLOWS] != list(CIRCULARITY_TONNES):  # the definitions follow the published schema
    msg = f"circularity definitions {[*INFLOW_FLOWS, *OUTFLOW_FLOWS]} do not match {list(CIRCULARITY_TONNES)}"
    raise RuntimeError(msg)


def _shares(direction: str, parts: tuple[str, ...]) -> list[pl.Expr]:
    total = pl.sum_horizontal([pl.col(f"{direction}_{part}_t") for part in parts])
    return [
        pl.when(total > 0).then(pl.col(f"{direction}_{part}_t") / total).alias(f"{direction}_{part}_share")
        for part in parts
    ]


SHARES: list[pl.Expr] = [*_shares("inflow", INFLOW_PARTS), *_shares("outflow", OUTFLOW_PARTS)]


def compute_circularity(flows: pl.LazyFrame, *, by_member: bool = False) -> pl.LazyFrame:
    """Inflow and outflow tonnes and shares per period, material level and region level (`mart.material_circularity`).

    `flows` are core flows (or per-member cells of them) with an optional `is_renewable`; `by_member=True` keeps
    `member_id` (the contributions disclosure control judges on) and leaves out the shares.

    Examples
    --------
    >>> from datetime import date
    >>> import polars as pl
    >>> flows = pl.LazyFrame(
    ...     {
    ...         "member_id": ["m"] * 4,
    ...         "period": ["2024"] * 4,
    ...         "period_start": [date(2024, 1, 1)] * 4,
    ...         "period_end": [date(2024, 12, 31)] * 4,
    ...         "grain": ["year"] * 4,
    ...         "material": ["paper"] * 4,
    ...         "material_group": ["paper"] * 4,
    ...         "region": ["JP"] * 4,
    ...         "source_stage": ["import", "recycling", "use", "use"],
    ...         "target_stage": ["production", "production", "recycling", "landfill"],
    ...         "quantity_t": [75.0, 25.0, 30.0, 10.0],
    ...     }
    ... )
    >>> out = compute_circularity(flows).filter(material_level="all", region_level="all").collect()
    >>> shares = ["inflow_recycled_share", "inflow_linear_share", "outflow_recycled_share", "outflow_disposal_share"]
    >>> out.select(shares).row(0)
    (0.25, 0.75, 0.75, 0.25)

    """
    names = flows.collect_schema().names()
    renewable = pl.col("is_renewable") if "is_renewable" in names else pl.lit(None, dtype=pl.Boolean)
    keys = [*(["member_id"] if by_member else []), *PERIOD_COLUMNS, *SCOPE_COLUMNS]
    summed = sum_at_every_level(
        flows.with_columns(renewable.cast(pl.Boolean).alias("is_renewable")),
        {**INFLOW_FLOWS, **OUTFLOW_FLOWS},
        by_member=by_member,
    )
    if by_member:
        return summed.select(*keys, *CIRCULARITY_TONNES).sort(keys, nulls_last=True)
    schema = unsuppressed(TABLES["mart.material_circularity"])
    return (
        summed.with_columns(SHARES)
        .select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
        .sort(keys, nulls_last=True)
    )
