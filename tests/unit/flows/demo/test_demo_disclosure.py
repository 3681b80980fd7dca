"""The demo's disclosure classes: municipalities and associations public by default, two companies by consent.

The members whose figures are public anyway (national aggregates, reuse totals, universities' environmental
reports) consent too; every other company and member stays confidential.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from flows.demo.data.generate import DemoManifest
from flows.demo.data.members import DEMO_MEMBERS, PUBLIC_BY_CONSENT, PUBLIC_COMPANIES
from flows.stages.members import disclosure_frame, import_members
from infra.resources import build_resources
from infra.settings import Settings


def test_only_the_consenting_members_write_a_class_with_its_date(demo: DemoManifest) -> None:
    written = demo.members.filter(pl.col("disclosure").is_not_null() | pl.col("consented_on").is_not_null())

    assert sorted(written["member_id"]) == sorted(PUBLIC_BY_CONSENT)
    companies = written.filter(kind="company")
    assert sorted(companies["member_id"]) == sorted(PUBLIC_COMPANIES)
    assert len(PUBLIC_COMPANIES) == 2
    assert set(written["kind"]) == {"company", "research_institute", "related_org", "university"}
    assert set(written["disclosure"]) == {"public"}
    for joined, consented in written.select("joined_on", "consented_on").iter_rows():
        assert date.fromisoformat(consented) >= date.fromisoformat(joined)


def test_registered_demo_members_have_the_classes_the_demo_promises(demo: DemoManifest, tmp_path: Path) -> None:
    resources = build_resources(Settings(home=tmp_path / "home"))
    try:
        imported = import_members(resources, demo.members, file="demo members")
        classes = disclosure_frame(resources)
    finally:
        resources.close()

    assert imported.report.counts.quarantined == 0
    assert imported.n_disclosure_changes == 2 * len(PUBLIC_BY_CONSENT)  # flows and progress each
    public = classes.group_by("kind").agg(pl.col("is_public").sum(), pl.len()).sort("kind")
    counts = {kind: (n_public, n) for kind, n_public, n in public.iter_rows()}
    n_companies = sum(member.kind == "company" for member in DEMO_MEMBERS)
    assert counts["company"] == (2, n_companies)
    assert counts["municipality"][0] == counts["municipality"][1]
    assert counts["industry_association"][0] == counts["industry_association"][1]
    consenting = {
        kind: sum(m.kind == kind and m.member_id in PUBLIC_BY_CONSENT for m in DEMO_MEMBERS) for kind in counts
    }
    for kind in ("university", "research_institute", "related_org"):
        assert counts[kind][0] == consenting[kind] < counts[kind][1]  # the others stay confidential
    assert classes.filter(pl.col("member_id").is_in(PUBLIC_BY_CONSENT))["is_public"].all()
