"""The period report: a self-contained HTML page with a Sankey diagram, indicators and target progress.

The Sankey layout (`infra.rendering.sankey`) is drawn as inline SVG, so the page needs no script library, font or
stylesheet from the network and opens offline. Suppressed (秘匿) cells are never drawn; the page says how
many were withheld. The public report is drawn from the released `mart.*` tables and lists the period's releases;
a draft report, for the secretariat, is drawn from their `draft.*` twins under a banner saying it is not released.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

import polars as pl

from infra.rendering.compliance import compliance_rows, latest_year
from infra.rendering.disclosure_notes import withheld_notes
from infra.rendering.formatting import format_value
from infra.rendering.product_section import PRODUCTS_TABLE, RECYCLED_CONTENT_TABLE, product_section_context
from infra.rendering.regional_map import regional_map_context
from infra.rendering.release_notes import release_rows
from infra.rendering.roadmap_chart import roadmap_context
from infra.rendering.sankey import NODE_WIDTH, SankeyLayout, layout_sankey
from infra.rendering.target_register import target_register_context
from infra.rendering.templates import template
from infra.storage import REPORTS
from infra.storage.keys import check_key
from schemas import vocabulary as v
from schemas.tables import INDICATOR_COLUMNS, TABLES, draft_table
from transforms.disclosure import MIN_CONTRIBUTORS

if TYPE_CHECKING:
    from infra.resources import Resources

Language = Literal["ja", "en"]
LANGUAGES: Final[tuple[Language, ...]] = ("ja", "en")
# Where a report's tables are read from: the released public tables, or the drafts the next release would publish.
Namespace = Literal["mart", "draft"]
NAMESPACES: Final[tuple[Namespace, ...]] = ("mart", "draft")
SANKEY_TABLE: Final = "mart.sankey_links"
INDICATORS_TABLE: Final = "mart.indicators"
TARGET_PROGRESS_TABLE: Final = "mart.target_progress"
ROADMAP_PROGRESS_TABLE: Final = "mart.roadmap_progress"
COMPLIANCE_TABLE: Final = "mart.member_compliance"
REGIONAL_FLOWS_TABLE: Final = "mart.regional_flows"
MEMBER_TARGETS_TABLE: Final = "mart.member_targets"
PUBLICATION_SUMMARY_TABLE: Final = "mart.publication_summary"
RELEASES_TABLE: Final = "mart.releases"
SUPPRESSED: Final = "suppressed"
ALL_MEMBER_KINDS: Final = "all"
BAR_LENGTH: Final = 360.0


@dataclass(frozen=True)
class SankeyView:
    """One diagram of the page: a material scope, its layout and how many links were withheld."""

    material: str
    label_en: str
    label_ja: str
    layout: SankeyLayout
    n_withheld: int


@dataclass(frozen=True)
class Cell:
    """One table cell: a formatted value, or withheld (秘匿), or missing."""

    text: str
    withheld: bool = False


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: a label, a value and its drawn length in SVG units."""

    label: str
    value: float
    length: float
    text: str


@dataclass(frozen=True)
class TargetBar:
    """Targets on one indicator for one member kind: median progress and the share on track."""

    indicator: str
    label_en: str
    label_ja: str
    kind_en: str
    kind_ja: str
    n_targets: int
    n_with_progress: int
    n_on_track: int
    median_progress: float | None
    progress_length: float
    on_track_share: float | None
    on_track_length: float


def _visible(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rows that may be shown and rows withheld (`suppressed` true), when the table has that column."""
    if SUPPRESSED not in frame.columns:
        return frame, frame.clear()
    hidden = pl.col(SUPPRESSED).fill_null(value=False)
    return frame.filter(~hidden), frame.filter(hidden)


def _sankey_views(links: pl.DataFrame, period: str) -> list[SankeyView]:
    links = links.filter(pl.col("period") == period)
    shown, withheld = _visible(links)
    groups = v.labels(v.MATERIAL_GROUPS)
    scopes = [(v.ALL_MATERIALS, "all")] + [
        (material, "group")
        for material in sorted(
            set(links.filter(pl.col("material_level") == "group").get_column("material").drop_nulls().to_list()),
            key=lambda code: (v.MATERIAL_GROUP_CODES.index(code) if code in groups else len(groups), code),
        )
    ]
    views = []
    for material, level in scopes:
        mine = (pl.col("material") == material) & (pl.col("material_level") == level)
        rows = shown.filter(mine).select("source", "target", "value_t").rows()
        term = groups.get(material, v.Term(material, material, material))
        if material == v.ALL_MATERIALS:
            term = v.Term(material, "All materials", "全素材")
        views.append(
            SankeyView(
                material=material,
                label_en=term.label_en,
                label_ja=term.label_ja,
                layout=layout_sankey((str(s), str(t), float(x or 0.0)) for s, t, x in rows),
                n_withheld=withheld.filter(mine).height,
            )
        )
    return views


def _indicator_rows(indicators: pl.DataFrame, period: str) -> tuple[list[str], list[tuple[str, list[Cell]]]]:
    """Headline indicators (all materials, all regions) per period of the report period's grain, oldest first."""
    headline = indicators.filter((pl.col("material_level") == "all") & (pl.col("region_level") == "all"))
    grain = headline.filter(pl.col("period") == period).get_column("grain").unique().to_list()
    if len(grain) == 1:
        headline = headline.filter(pl.col("grain") == grain[0])
    headline = headline.sort("period_start", "period")
    columns = list(INDICATOR_COLUMNS)
    rows = []
    for row in headline.iter_rows(named=True):
        # Disclosure control withholds values one by one: a null value of a suppressed row is withheld.
        withheld = bool(row.get(SUPPRESSED))
        cells = [
            Cell("秘匿", withheld=True) if withheld and row[name] is None else Cell(format_value(name, row[name]))
            for name in columns
        ]
        rows.append((str(row["period"]), cells))
    return columns, rows


def _bars(pairs: Sequence[tuple[str, float]], *, length: float) -> list[Bar]:
    top = max((value for _, value in pairs), default=0.0)
    return [
        Bar(label, value, length * value / top if top > 0 else 0.0, format_value("final_disposal_t", value))
        for label, value in pairs
    ]


def _disposal_bars(indicators: pl.DataFrame, periods: Sequence[str]) -> list[Bar]:
    headline = indicators.filter(
        (pl.col("material_level") == "all") & (pl.col("region_level") == "all") & pl.col("period").is_in(periods)
    )
    shown, _ = _visible(headline)
    values = dict(shown.select("period", "final_disposal_t").drop_nulls().rows())
    return _bars([(period, float(values[period])) for period in periods if period in values], length=360.0)


def _clipped(ratio: float | None) -> float:
    return BAR_LENGTH * min(max(ratio, 0.0), 1.0) if ratio is not None and math.isfinite(ratio) else 0.0


def _target_bars(progress: pl.DataFrame | None) -> tuple[list[TargetBar], int]:
    """One bar per indicator and member kind (all kinds first), and how many rows were withheld."""
    if progress is None:
        return [], 0
    shown, withheld = _visible(progress)
    indicators = v.labels(v.INDICATORS)
    kinds = v.labels(v.MEMBER_KINDS)
    kind_order = (ALL_MEMBER_KINDS, *v.MEMBER_KIND_CODES)
    bars: list[tuple[tuple[int, str, int, str], TargetBar]] = []
    for row in shown.iter_rows(named=True):
        indicator, kind = str(row["indicator"]), str(row["member_kind"])
        term = indicators.get(indicator, v.Term(indicator, indicator, indicator))
        if indicator == v.CUSTOM_INDICATOR:
            term = v.Term(indicator, "Custom indicators", "独自指標")
        kind_term = kinds.get(kind, v.Term(kind, kind, kind))
        if kind == ALL_MEMBER_KINDS:
            kind_term = v.Term(kind, "all members", "全会員")
        with_progress, on_track = row["n_with_progress"] or 0, row["n_on_track"] or 0
        share = on_track / with_progress if with_progress else None
        codes = v.TARGET_INDICATOR_CODES
        position = (
            codes.index(indicator) if indicator in codes else len(codes),
            indicator,
            kind_order.index(kind) if kind in kind_order else len(kind_order),
            kind,
        )
        bars.append(
            (
                position,
                TargetBar(
                    indicator=indicator,
                    label_en=term.label_en,
                    label_ja=term.label_ja,
                    kind_en=kind_term.label_en,
                    kind_ja=kind_term.label_ja,
                    n_targets=row["n_targets"] or 0,
                    n_with_progress=with_progress,
                    n_on_track=on_track,
                    median_progress=row["median_progress_ratio"],
                    progress_length=_clipped(row["median_progress_ratio"]),
                    on_track_share=share,
                    on_track_length=_clipped(share),
                ),
            )
        )

    return [bar for _, bar in sorted(bars, key=lambda item: item[0])], withheld.height


def build_period_report(
    *, period: str, tables: Mapping[str, pl.DataFrame], language: Language = "ja", is_draft: bool = False
) -> str:
    """The period's report as one self-contained HTML page, from frames of the published tables.

    `tables` holds `mart.sankey_links` (at least the period's rows), `mart.indicators` (every period, for the
    time series) and, when published, `mart.target_progress`, `mart.member_compliance` (shown for the period's
    fiscal year, or the latest one judged), `mart.member_targets` (the public register of targets),
    `mart.publication_summary` (what disclosure control withheld, said under each table), `mart.releases`
    (the period's releases and what each revised, with the revision policy) and, when published,
    `mart.product_circularity` and `mart.recycled_content` (the product section). The map of Japan draws
    `mart.indicators` by prefecture and bloc and, when `mart.regional_flows` is there and has rows for the period,
    its largest transfers. `is_draft`: the frames are the drafts of the next release (keyed by their public
    names), and the page says in a banner that it is not released.
    """
    if language not in LANGUAGES:
        msg = f"language must be one of {', '.join(LANGUAGES)}, not {language!r}"
        raise ValueError(msg)
    missing = [name for name in (SANKEY_TABLE, INDICATORS_TABLE) if name not in tables]
    if missing:
        msg = f"the period report needs tables {', '.join(missing)}; read them from the warehouse first"
        raise ValueError(msg)
    views = _sankey_views(tables[SANKEY_TABLE], period)
    columns, rows = _indicator_rows(tables[INDICATORS_TABLE], period)
    target_bars, targets_withheld = _target_bars(tables.get(TARGET_PROGRESS_TABLE))
    indicator_labels = v.labels(v.INDICATORS)
    compliance = tables.get(COMPLIANCE_TABLE)
    compliance_year = None
    if compliance is not None and not compliance.is_empty():
        years = set(compliance.get_column("fiscal_year").to_list())
        compliance_year = period if period in years else latest_year(compliance)
    return template("period_report.html.j2").render(
        period=period,
        language=language,
        views=views,
        node_width=NODE_WIDTH,
        indicator_columns=[(name, indicator_labels[name.removesuffix("_t")]) for name in columns],
        indicator_rows=rows,
        disposal_bars=_disposal_bars(tables[INDICATORS_TABLE], [period for period, _ in rows]),
        has_target_progress=TARGET_PROGRESS_TABLE in tables,
        target_bars=target_bars,
        targets_withheld=targets_withheld,
        bar_length=BAR_LENGTH,
        **roadmap_context(tables.get(ROADMAP_PROGRESS_TABLE)),
        **target_register_context(tables.get(MEMBER_TARGETS_TABLE)),
        withheld_notes=withheld_notes(tables.get(PUBLICATION_SUMMARY_TABLE), period),
        has_compliance=compliance is not None,
        compliance=[] if compliance is None else compliance_rows(compliance, fiscal_year=compliance_year),
        compliance_year=compliance_year,
        **regional_map_context(
            period=period, indicators=tables[INDICATORS_TABLE], regional_flows=tables.get(REGIONAL_FLOWS_TABLE)
        ),
        **product_section_context(tables.get(PRODUCTS_TABLE), tables.get(RECYCLED_CONTENT_TABLE), period),
        is_draft=is_draft,
        has_releases=RELEASES_TABLE in tables,
        releases=release_rows(tables.get(RELEASES_TABLE), period),
        min_contributors=MIN_CONTRIBUTORS,
    )


def period_report_key(period: str) -> str:
    """Storage key of a period's report: `reports/_periods/<period>.html` (member ids cannot start with `_`)."""
    return check_key(f"{REPORTS}/_periods/{_checked_period(period)}.html")


def draft_period_report_key(period: str) -> str:
    """Storage key of a period's draft report, for the secretariat: `reports/_drafts/<period>.html`."""
    return check_key(f"{REPORTS}/_drafts/{_checked_period(period)}.html")


def _checked_period(period: str) -> str:
    if "/" in period:
        msg = f"period {period!r} cannot contain '/'"
        raise ValueError(msg)
    return period


def read_report_tables(resources: Resources, period: str, *, namespace: Namespace = "mart") -> dict[str, pl.DataFrame]:
    """The frames a period report is drawn from, keyed by their public names.

    `namespace` "mart" reads the released public tables, "draft" their `draft.*` twins (what the next release
    would publish). Either way `mart.releases` is read for the period: a draft has no releases of its own.
    """
    if namespace not in NAMESPACES:
        msg = f"namespace must be one of {', '.join(NAMESPACES)}, not {namespace!r}"
        raise ValueError(msg)
    warehouse = resources.warehouse

    def read(table: str, where: Mapping[str, Sequence[str]] | None = None) -> pl.DataFrame:
        return warehouse.read(table if namespace == "mart" else draft_table(table), where=where)

    tables = {
        SANKEY_TABLE: read(SANKEY_TABLE, where={"period": [period]}),
        INDICATORS_TABLE: read(INDICATORS_TABLE),
        REGIONAL_FLOWS_TABLE: read(REGIONAL_FLOWS_TABLE, where={"period": [period]}),
        PUBLICATION_SUMMARY_TABLE: read(PUBLICATION_SUMMARY_TABLE, where={"period": [period]}),
        PRODUCTS_TABLE: read(PRODUCTS_TABLE, where={"period": [period]}),
        RECYCLED_CONTENT_TABLE: read(RECYCLED_CONTENT_TABLE, where={"period": [period]}),
    }
    for table in (TARGET_PROGRESS_TABLE, COMPLIANCE_TABLE, MEMBER_TARGETS_TABLE):
        if table in TABLES:
            tables[table] = read(table)
    tables[ROADMAP_PROGRESS_TABLE] = read(ROADMAP_PROGRESS_TABLE)
    tables[RELEASES_TABLE] = warehouse.read(RELEASES_TABLE, where={"period": [period]})
    return tables


def write_period_report(
    resources: Resources, period: str, *, language: Language = "ja", namespace: Namespace = "mart"
) -> str:
    """Render a period's report from the warehouse and store it; returns its storage key.

    `namespace` "mart": the public report (`period_report_key`), changed only by a release; "draft": the
    secretariat's draft report (`draft_period_report_key`), rebuilt by every run.
    """
    key = period_report_key(period) if namespace == "mart" else draft_period_report_key(period)
    tables = read_report_tables(resources, period, namespace=namespace)
    html = build_period_report(period=period, tables=tables, language=language, is_draft=namespace == "draft")
    resources.storage.put_bytes(key, html.encode("utf-8"), content_type="text/html; charset=utf-8")
    return key
