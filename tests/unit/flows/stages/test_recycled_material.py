"""A member's recycled-material report: the shipped designations load, and the report is worked by hand.

maker-a declares refrigerators (designated, threshold 50,000 units): FY2023, 100 t of PP at 10 % post-consumer;
FY2024, 120 t of PP at 0.1 + 0.2 and 80 t of PS at 0 + 0.25, 52,000 units, target 25 %: (36 + 20) / 200 = 28 %,
+18.0 points on FY2023, above its target and the threshold. Its apparel (not designated) is not in the report.
"""

from __future__ import annotations

import html as markup
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from flows.stages.batch import validate_submissions
from flows.stages.receive import register_keys
from flows.stages.recycled_material import members_to_report, write_recycled_material_reports
from flows.stages.roadmaps import ensure_secretariat
from flows.stages.summary import RunSummary
from infra.ledger import Member
from infra.rendering.recycled_material import NOTICE_EN, NOTICE_JA
from infra.resources import Resources, build_resources
from infra.settings import Settings
from infra.storage import keys
from schemas.reference import SECRETARIAT_ID

REFERENCE = Path(__file__).resolve().parents[4] / "reference" / "designated_products.csv"
HEADER = (
    "member_id,period,product_category,product_id,material,net_mass,unit,units_placed,"
    "recycled_pre_consumer_share,recycled_post_consumer_share,plan_target_share"
)


@pytest.fixture
def resources(tmp_path: Path) -> Iterator[Resources]:
    built = build_resources(Settings(home=tmp_path / "home"))
    built.ledger.add_member(Member("maker-a", "A電機", "company", "JP-13", date(2023, 4, 1)))
    ensure_secretariat(built)
    yield built
    built.close()


def load(resources: Resources, member: str, dataset: str, path: Path) -> str:
    key = keys.inbox_key(member, dataset, path.name)
    resources.storage.put_file(key, path)
    [outcome] = validate_submissions(resources, register_keys(resources, [key], RunSummary()))
    return outcome.status


def test_the_shipped_designations_load_and_the_report_says_it_is_a_draft(resources: Resources, tmp_path: Path) -> None:
    assert load(resources, SECRETARIAT_ID, "designated_products", REFERENCE) == "valid"
    designations = resources.warehouse.read("core.designated_products")
    assert designations.filter(product_category="appliances.refrigerator").select("threshold_units").item() == 50000
    assert designations.filter(product_category="packaging.plastic_container").select("threshold_units").item() is None
    assert designations.get_column("source").null_count() == 0

    declarations = tmp_path / "declarations.csv"
    declarations.write_text(
        f"{HEADER}\n"
        "maker-a,FY2023,appliances.refrigerator,RF-1,plastics.pp,100,t,,0,10%,\n"
        "maker-a,FY2024,appliances.refrigerator,RF-1,plastics.pp,120,t,52000,0.1,0.2,25%\n"
        "maker-a,FY2024,appliances.refrigerator,RF-1,plastics.ps,80000,kg,52000,0,25%,25%\n"
        "maker-a,FY2024,textiles.apparel,,textiles.clothing,10,t,,0,0.5,\n",
        encoding="utf-8",
    )
    assert load(resources, "maker-a", "declarations", declarations) == "valid"
    submissions = resources.ledger.submissions(dataset="declarations")
    assert members_to_report(resources, submissions) == ["maker-a"]

    written = write_recycled_material_reports(resources, ["maker-a"], as_of=date(2026, 4, 1))

    html_key = keys.recycled_material_report_key("maker-a", extension="html")
    xlsx_key = keys.recycled_material_report_key("maker-a", extension="xlsx")
    assert written == [html_key, xlsx_key]
    assert html_key == "reports/maker-a/declarations/recycled-material-report.html"
    html = markup.unescape(resources.storage.get_bytes(html_key).decode("utf-8"))
    assert NOTICE_JA in html
    assert NOTICE_EN in html
    assert "法令が定める様式が正式な参照" in html
    assert 'data-product="appliances.refrigerator"' in html
    assert 'data-product="textiles.apparel"' not in html
    assert "28.0%" in html
    assert "+18.0 pt (FY2023)" in html

    book = openpyxl.load_workbook(io.BytesIO(resources.storage.get_bytes(xlsx_key)))
    assert book.sheetnames == ["注意_notice", "再生材利用_recycled", "申告_declarations", "指定製品_designated"]
    assert [row[0] for row in book["注意_notice"].iter_rows(values_only=True)][3:] == [NOTICE_JA, NOTICE_EN]
    sheet = book["再生材利用_recycled"]
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[:6] == (
        "指定製品 / designated product",
        "対象素材 / material",
        "年度 / fiscal year",
        "正味質量 (t) / net mass (t)",
        "再生材 (t) / recycled (t)",
        "再生材率 / recycled share",
    )
    named = [dict(zip(header, row, strict=True)) for row in rows]
    assert [(row["年度 / fiscal year"], row["再生材率 / recycled share"]) for row in named] == [
        ("FY2023", pytest.approx(0.1)),
        ("FY2024", pytest.approx(0.28)),
    ]
    latest = named[1]
    assert latest["計画目標 / plan target"] == pytest.approx(0.25)
    assert latest["目標達成 / meets target"] is True
    assert latest["前年度からの変化 / change since"] == pytest.approx(0.18)
    assert (latest["上市数量 / units placed"], latest["対象規模以上 / above threshold"]) == (52000, True)
    assert len(list(book["申告_declarations"].iter_rows())) == 1 + 4  # the member's own rows, apparel included
