"""Demo files for the rules of each kind of member: universities' projects and disclosures, municipalities' plans.

With the days targets and progress files arrived (`flows.demo.data.generate`), every obligation status appears
in `make demo`.

Written from fixed tables (no random stream), so the synthetic year in `flows.demo.data.generate` is unchanged.
The follow-up is judged on 31 March 2026 (`FOLLOW_UP_AS_OF`): the cases below are met, due or overdue on that day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from schemas import DISCLOSURES, PLANS, PROJECTS

FOLLOW_UP_AS_OF = date(2026, 3, 31)


@dataclass(frozen=True)
class DemoProject:
    """A project and its disclosures as (date, indicator, value, unit, summary)."""

    project_id: str
    title: str
    role: str
    started_on: date
    theme: str
    follow_up_months: int | None
    disclosures: tuple[tuple[date, str | None, float | None, str | None, str], ...] = ()


# Per member: its projects. Members of these kinds left out have none (overdue on both obligations).
PROJECT_TABLE: dict[str, tuple[DemoProject, ...]] = {
    "kyushu-tech-u": (
        DemoProject(
            "P1",
            "北九州プラスチック資源循環モデル",
            "lead",
            date(2023, 10, 1),
            "regional_model",
            12,
            (
                (date(2024, 11, 30), None, None, None, "実証1年目の成果（回収ルートの設計）"),
                (date(2025, 11, 28), "recovered", 420.0, "t", "回収量 420 t、再生材の品質評価"),
            ),
        ),
    ),
    "toto-u": (
        DemoProject(
            "CE-01",
            "易解体設計の評価手法",
            "lead",
            date(2023, 6, 1),
            "design",
            12,
            ((date(2025, 6, 30), "custom", 12.0, "件", "評価した製品 12 件"),),
        ),
        DemoProject("CE-02", "資源循環データ連携基盤", "participant", date(2024, 4, 1), "data_platform", 24),
    ),
    "hokkaido-shigen-u": (  # disclosed once, more than a year ago: overdue on results_disclosed
        DemoProject(
            "P1",
            "寒冷地の生ごみ堆肥化",
            "lead",
            date(2023, 4, 1),
            "recycling_technology",
            12,
            ((date(2024, 6, 28), "recovered", 35.0, "t", "堆肥化量 35 t"),),
        ),
    ),
    "chubu-gijutsu-u": (  # started two months before the follow-up: results not due yet
        DemoProject("P1", "リチウムイオン電池の回収技術", "participant", date(2026, 1, 15), "recycling_technology", 12),
    ),
    "ce-research": (
        DemoProject(
            "R1",
            "プラスチック循環の物質フロー推計",
            "lead",
            date(2023, 1, 10),
            "data_platform",
            6,
            (
                (date(2025, 7, 31), None, None, None, "2023年度推計の公表"),
                (date(2026, 1, 30), "input_cyclical_use_rate", 0.12, "ratio", "入口側循環利用率 12 %"),
            ),
        ),
    ),
    "shigen-tech-center": (
        DemoProject(
            "A1",
            "アルミ水平リサイクルの標準化",
            "lead",
            date(2023, 9, 1),
            "standardisation",
            12,
            ((date(2025, 9, 30), "recovered", 1800.0, "t", "水平リサイクル量 1,800 t"),),
        ),
    ),
    "hokuriku-shigen-lab": (  # a project, never disclosed
        DemoProject("L1", "北陸の繊維回収モデル", "lead", date(2023, 11, 1), "collection", 12),
    ),
    "reuse-japan": (
        DemoProject(
            "RJ-1",
            "家電リユース市場の拡大",
            "lead",
            date(2023, 5, 1),
            "regional_model",
            12,
            ((date(2025, 5, 30), "custom", 52000.0, "台", "リユース台数 52,000 台"),),
        ),
    ),
    "junkan-network": (
        DemoProject("N1", "地域循環共生圏の普及", "participant", date(2024, 2, 1), "regional_model", None),
    ),
    "midori-no-wa": (
        DemoProject(
            "M1",
            "古着の地域回収",
            "lead",
            date(2023, 8, 1),
            "collection",
            12,
            ((date(2025, 10, 1), "recovered", 12.5, "t", "回収量 12.5 t"),),
        ),
    ),
}
# A disclosure naming a project its member never submitted: refused row by row (disclosures.known_project).
UNKNOWN_PROJECT_MEMBER, UNKNOWN_PROJECT_ID = "shigen-tech-center", "A9"

# Municipal plans: (member, plan name, revised on, includes the CE target, next revision planned).
PLAN_TABLE: tuple[tuple[str, str, date, bool, date | None], ...] = (
    ("city-kitakyushu", "第3次北九州市環境基本計画", date(2025, 3, 31), True, date(2030, 3, 31)),
    ("city-sapporo", "第3次札幌市環境基本計画", date(2018, 3, 30), False, date(2025, 3, 31)),  # revision overdue
    ("city-sendai", "杜の都環境プラン", date(2021, 3, 31), False, date(2027, 3, 31)),  # due at the next revision
    ("city-yokohama", "横浜市環境管理計画", date(2025, 1, 31), True, date(2030, 1, 31)),
    ("city-nagoya", "第5次名古屋市環境基本計画", date(2025, 2, 28), False, date(2030, 3, 31)),  # left it out
    ("city-kyoto", "第3次京都市環境基本計画", date(2025, 3, 31), True, None),
    ("city-kobe", "神戸市環境基本計画", date(2020, 3, 31), False, date(2026, 9, 30)),
    ("city-fukuoka", "第四次福岡市環境基本計画", date(2025, 3, 28), True, date(2031, 3, 31)),
    ("town-kamikatsu", "上勝町環境基本計画", date(2024, 12, 20), True, None),
)


def _project_rows(member_id: str, projects: Sequence[DemoProject]) -> list[dict[str, str | None]]:
    return [
        {
            "member_id": member_id,
            "project_id": project.project_id,
            "title": project.title,
            "role": project.role,
            "started_on": project.started_on.isoformat(),
            "ended_on": None,
            "partners": None,
            "theme": project.theme,
            "materials": None,
            "url": f"https://www.example.ac.jp/{member_id}/projects/{project.project_id}",
            "follow_up_months": None if project.follow_up_months is None else str(project.follow_up_months),
            "description": f"{project.title}の研究・実証",
        }
        for project in projects
    ]


def _disclosure_rows(member_id: str, projects: Sequence[DemoProject]) -> list[dict[str, str | None]]:
    rows: list[dict[str, str | None]] = []
    for project in projects:
        for day, indicator, value, unit, summary in project.disclosures:
            rows.append(
                {
                    "member_id": member_id,
                    "project_id": project.project_id,
                    "disclosed_on": day.isoformat(),
                    "url": f"https://www.example.ac.jp/{member_id}/projects/{project.project_id}/{day.year}",
                    "summary": summary,
                    "indicator": indicator,
                    "value": None if value is None else f"{value:g}",
                    "unit": unit,
                }
            )
    if member_id == UNKNOWN_PROJECT_MEMBER:
        rows.append(
            {
                "member_id": member_id,
                "project_id": UNKNOWN_PROJECT_ID,
                "disclosed_on": date(2025, 12, 1).isoformat(),
                "url": f"https://www.example.ac.jp/{member_id}/news",
                "summary": "未登録のプロジェクトの成果",
                "indicator": None,
                "value": None,
                "unit": None,
            }
        )
    return rows


def project_files(directory: Path) -> list[tuple[str, str, Path, str]]:
    """Projects and disclosures files: (member, dataset, path, expectation), projects first."""
    projects: list[tuple[str, str, Path, str]] = []
    disclosures: list[tuple[str, str, Path, str]] = []
    for member_id, rows in PROJECT_TABLE.items():
        path = directory / member_id / PROJECTS.name / f"{member_id}-projects.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        pl.DataFrame(_project_rows(member_id, rows), schema=PROJECTS.read_schema).write_csv(path)
        projects.append((member_id, PROJECTS.name, path, f"valid ({len(rows)} project{'s' if len(rows) > 1 else ''})"))
        disclosed = _disclosure_rows(member_id, rows)
        if not disclosed:
            continue
        path = directory / member_id / DISCLOSURES.name / f"{member_id}-disclosures.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        pl.DataFrame(disclosed, schema=DISCLOSURES.read_schema).write_csv(path)
        expectation = (
            f"partially valid: 1 row names unknown project {UNKNOWN_PROJECT_ID}"
            if member_id == UNKNOWN_PROJECT_MEMBER
            else "valid"
        )
        disclosures.append((member_id, DISCLOSURES.name, path, expectation))
    return projects + disclosures


def plan_files(directory: Path) -> list[tuple[str, str, Path, str]]:
    """One plans file per municipality in `PLAN_TABLE`, CP932 as offices save them, with Japanese headers."""
    files = []
    for member_id, name, revised_on, includes, next_revision in PLAN_TABLE:
        headers = ("会員ID", "計画名", "改定日", "目標の記載", "次回改定予定日", "公表先URL")
        row = (
            member_id,
            name,
            f"{revised_on.year}年{revised_on.month}月{revised_on.day}日",
            "はい" if includes else "いいえ",
            "" if next_revision is None else next_revision.isoformat(),
            f"https://www.example.lg.jp/{member_id}/kankyo/plan.html",
        )
        path = directory / member_id / PLANS.name / f"{member_id}-plan.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(("\r\n".join([",".join(headers), ",".join(row)]) + "\r\n").encode("cp932"))
        files.append((member_id, PLANS.name, path, "valid (CP932, Japanese headers)"))
    return files
