"""Members' recycled-material reports: rewritten for the members whose declarations (or the law's designations) changed.

Private to the member, like its validation reports (`infra.storage.keys.recycled_material_report_key`): its own
declarations only, never anyone else's, so no disclosure control applies.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

import polars as pl

from infra.ledger import Submission
from infra.rendering.recycled_material import (
    RecycledMaterialReport,
    recycled_material_html,
    recycled_material_workbook,
)
from infra.resources import Resources
from infra.storage import keys
from schemas.declarations import DECLARATIONS
from schemas.designated_products import DESIGNATED_PRODUCTS
from transforms.declarations import designated_recycled_content

logger = logging.getLogger(__name__)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def members_to_report(resources: Resources, submissions: Sequence[Submission]) -> list[str]:
    """Members whose report a run must rewrite: its declarations' members, or every declarant on new designations."""
    datasets = {submission.dataset for submission in submissions}
    if DESIGNATED_PRODUCTS.name in datasets:
        declared = resources.warehouse.read("core.declarations").get_column("member_id").unique().to_list()
    else:
        declared = []
    named = [submission.member_id for submission in submissions if submission.dataset == DECLARATIONS.name]
    return sorted({*declared, *named})


def write_recycled_material_reports(
    resources: Resources, member_ids: Sequence[str], *, as_of: date | None = None
) -> list[str]:
    """Store each member's recycled-material report (HTML and XLSX) from its declarations; returns the keys."""
    if not member_ids:
        return []
    day = as_of or date.today()
    warehouse = resources.warehouse
    declarations = warehouse.read("core.declarations", where={"member_id": list(member_ids)})
    designations = warehouse.read("core.designated_products")
    rows = designated_recycled_content(declarations.lazy(), designations.lazy()).collect()
    names = {member_id: member.name for member_id, member in resources.ledger.get_members(list(member_ids)).items()}
    written = []
    for member_id in member_ids:
        report = RecycledMaterialReport(
            member_id=member_id,
            member_name=names.get(member_id, member_id),
            as_of=day,
            rows=rows.filter(pl.col("member_id") == member_id),
            declarations=declarations.filter(pl.col("member_id") == member_id),
            designations=designations,
        )
        html_key = keys.recycled_material_report_key(member_id, extension="html")
        resources.storage.put_bytes(
            html_key, recycled_material_html(report).encode("utf-8"), content_type="text/html; charset=utf-8"
        )
        xlsx_key = keys.recycled_material_report_key(member_id, extension="xlsx")
        resources.storage.put_bytes(xlsx_key, recycled_material_workbook(report), content_type=XLSX_TYPE)
        written += [html_key, xlsx_key]
    logger.info("wrote %d members' recycled-material reports", len(member_ids))
    return written
