"""The period report lists the period's releases and what each revised, by table and material group, never by member."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from infra.rendering.period_report import (
    RELEASES_TABLE,
    build_period_report,
    draft_period_report_key,
    write_period_report,
)
from infra.rendering.release_notes import format_jst, release_rows
from infra.resources import build_resources
from infra.settings import Settings
from schemas.tables import TABLES, draft_table
from tests.unit.infra.test_period_report import EXAMPLE_LINKS, example_tables, figure, n_links, sankey_links

MEMBER = "corp-hidden"  # a member id that must never reach the page


def releases(period: str = "FY2024") -> pl.DataFrame:
    """mart.releases of FY2024: release 1 published 120 values; release 2 revised 2 plastics flows, withheld 1."""
    first, second = datetime(2025, 6, 2, 9, 30, tzinfo=UTC), datetime(2025, 9, 1, 1, 0, tzinfo=UTC)
    rows = [
        (1, first, "all", "all", 120, 0, 0),
        (2, second, "all", "all", 121, 2, 1),
        (2, second, "mart.flows", "plastics", 41, 2, 1),
    ]
    return pl.DataFrame(
        [
            {
                "period": period,
                "release": release,
                "released_at": at,
                "released_by": "secretariat",
                "table_name": table,
                "material_group": group,
                "values_published": published,
                "values_revised": revised,
                "values_withheld_for_revision": withheld,
            }
            for release, at, table, group, published, revised, withheld in rows
        ],
        schema=TABLES[RELEASES_TABLE],
    )


def section(html: str) -> str:
    match = re.search(r'<section id="releases".*?</section>', html, re.DOTALL)
    assert match, "no releases section"
    return match.group(0)


def test_each_release_has_its_time_in_jst_its_totals_and_its_revisions_by_table_and_group() -> None:
    other_period = releases("FY2023").with_columns(pl.lit(9, dtype=pl.Int32).alias("release"))
    rows = release_rows(pl.concat([releases(), other_period]), "FY2024")

    assert [(row.release, row.released_at, row.released_by) for row in rows] == [
        (1, "2025-06-02 18:30 JST", "secretariat"),
        (2, "2025-09-01 10:00 JST", "secretariat"),
    ]
    assert [(row.values_published, row.values_revised, row.values_withheld_for_revision) for row in rows] == [
        (120, 0, 0),
        (121, 2, 1),
    ]
    assert rows[0].revisions == ()
    (revision,) = rows[1].revisions
    assert (revision.table, revision.table_ja, revision.table_en) == ("mart.flows", "物質フロー", "Material flows")
    assert (revision.material_group, revision.material_ja, revision.material_en) == (
        "plastics",
        "プラスチック",
        "Plastics",
    )
    assert (revision.values_revised, revision.values_withheld_for_revision) == (2, 1)


def test_a_release_without_its_totals_row_sums_its_parts() -> None:
    parts = releases().filter(pl.col("table_name") != "all")
    (row,) = release_rows(parts, "FY2024")
    assert (row.release, row.values_published, row.values_revised, row.values_withheld_for_revision) == (2, 41, 2, 1)


def test_release_times_are_written_in_jst_and_a_naive_time_is_read_as_utc() -> None:
    assert format_jst(datetime(2025, 12, 31, 15, 0)) == "2026-01-01 00:00 JST"


def test_the_public_report_lists_the_releases_their_revisions_and_the_policy() -> None:
    # A column no release table has, holding a member id: nothing of it may reach the page.
    tables = example_tables() | {RELEASES_TABLE: releases().with_columns(pl.lit(MEMBER).alias("member_id"))}
    html = build_period_report(period="FY2024", tables=tables)
    releases_html = section(html)

    rows = re.findall(
        r'<tr class="release( current)?" data-release="(\d+)">\s*<th><code>([^<]+)</code></th>\s*<td>([^<]+)</td>\s*'
        r"<td>([^<]+)</td>\s*"
        r'<td class="number" data-count="values_published">(\d+)</td>\s*'
        r'<td class="number" data-count="values_revised">(\d+)</td>\s*'
        r'<td class="number" data-count="values_withheld_for_revision">(\d+)</td>',
        releases_html,
    )
    assert rows == [
        ("", "1", "release/FY2024/1", "2025-06-02 18:30 JST", "secretariat", "120", "0", "0"),
        (" current", "2", "release/FY2024/2", "2025-09-01 10:00 JST", "secretariat", "121", "2", "1"),
    ]
    revisions = re.findall(
        r'<li class="revision" data-table="([^"]+)" data-material-group="([^"]+)" data-revised="(\d+)" '
        r'data-withheld="(\d+)">',
        releases_html,
    )
    assert revisions == [("mart.flows", "plastics", "2", "1")]
    assert "物質フロー・プラスチック: 改訂 2 値、改訂のため秘匿 1 値" in releases_html
    assert "Material flows, Plastics: 2 revised, 1 withheld for revision" in releases_html
    # The policy, in both languages, with the tag the earlier release stays under.
    assert "非公開の会員が3者未満" in releases_html
    assert "その版ではその値を秘匿します（理由「改訂」）" in releases_html
    assert (
        "fewer than 3 confidential members changed it, or two of them account for most of the change" in releases_html
    )
    assert "the earlier release stays readable under its tag release/FY2024/&lt;n&gt;" in releases_html
    assert "Once enough changes have accumulated, the revised value is published." in releases_html
    assert "第 2 版（2025-09-01 10:00 JST 公表）" in html
    assert 'class="draft-banner"' not in html
    assert MEMBER not in html
    assert "member_id" not in html


def test_the_draft_report_has_a_banner_and_the_releases_so_far() -> None:
    html = build_period_report(period="FY2024", tables=example_tables() | {RELEASES_TABLE: releases()}, is_draft=True)

    assert '<p class="draft-banner" role="note">' in html
    assert "下書き（未公表）" in html
    assert "Draft — not released" in html
    assert "[下書き / draft]" in html.split("</title>", 1)[0]
    releases_html = section(html)
    assert re.findall(r'<tr class="release( current)?" data-release="(\d+)">', releases_html) == [("", "1"), ("", "2")]
    assert "この下書きがいま公表されると第 3 版になります。" in releases_html
    assert "current-release" not in html  # the draft is no release


def test_a_period_never_released_says_so_and_a_report_without_the_table_has_no_section() -> None:
    empty = pl.DataFrame(schema=TABLES[RELEASES_TABLE])
    html = build_period_report(period="FY2024", tables=example_tables() | {RELEASES_TABLE: empty})
    assert "この期間はまだ公表されていません。" in section(html)
    assert "This period has not been released yet." in section(html)
    assert 'id="releases"' not in build_period_report(period="FY2024", tables=example_tables())


def test_draft_period_report_key() -> None:
    assert draft_period_report_key("FY2024") == "reports/_drafts/FY2024.html"
    with pytest.raises(ValueError, match="'/'"):
        draft_period_report_key("FY2024/../x")


def test_the_draft_report_reads_the_drafts_and_the_public_report_the_released_tables(tmp_path: Path) -> None:
    resources = build_resources(Settings(home=tmp_path / "home"))
    # The draft has a new flow the public tables do not have yet.
    draft_links = sankey_links([*EXAMPLE_LINKS, ("all", "all", "collection", "incineration", 30.0, False)])
    try:
        warehouse = resources.warehouse
        drafts = example_tables() | {"mart.sankey_links": draft_links}
        for table, frame in example_tables().items():
            for period in frame.get_column("period").unique().to_list():
                warehouse.replace(table, frame.filter(pl.col("period") == period), match={"period": [period]})
                draft = drafts[table].filter(pl.col("period") == period)
                warehouse.replace(draft_table(table), draft, match={"period": [period]})
        warehouse.replace(RELEASES_TABLE, releases(), match={"period": ["FY2024"]})
        public_key = write_period_report(resources, "FY2024")
        draft_key = write_period_report(resources, "FY2024", namespace="draft")
        public = resources.storage.get_bytes(public_key).decode("utf-8")
        draft = resources.storage.get_bytes(draft_key).decode("utf-8")
        with pytest.raises(ValueError, match="namespace"):
            write_period_report(resources, "FY2024", namespace="core")  # type: ignore[arg-type]
    finally:
        resources.close()

    assert (public_key, draft_key) == ("reports/_periods/FY2024.html", "reports/_drafts/FY2024.html")
    assert n_links(figure(public, "all")) == 5
    assert n_links(figure(draft, "all")) == 6
    assert 'class="draft-banner"' not in public
    assert "Draft — not released" in draft
    for html in (public, draft):
        assert re.findall(r'<tr class="release(?: current)?" data-release="(\d+)">', section(html)) == ["1", "2"]


def test_who_released_is_escaped() -> None:
    hostile = "<img src=x onerror=alert(1)>"
    tables = example_tables() | {RELEASES_TABLE: releases().with_columns(pl.lit(hostile).alias("released_by"))}
    html = build_period_report(period="FY2024", tables=tables)
    assert hostile not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in section(html)
