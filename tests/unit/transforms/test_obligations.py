"""Each kind of member judged by its own rules (issue 13's acceptance cases), on hand-built data."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import polars as pl
import pytest
from scipy.optimize import linprog

from schemas.obligations import OBLIGATION_CODES, RULES, rules_for
from schemas.tables import TABLES
from schemas.vocabulary import MEMBER_KIND_CODES
from transforms.disclosure import Rollup, suppress_cells
from transforms.obligations import FOLLOW_UPS, compute_member_obligations, fiscal_year_ends, summarize_member_compliance

AS_OF = date(2026, 3, 31)


def _frame(table: str, rows: list[dict[str, Any]]) -> pl.LazyFrame:
    schema = TABLES[table]
    return pl.LazyFrame([{name: row.get(name) for name in schema} for row in rows], schema=schema, orient="row")


def target(member_id: str, valid_from: date, **overrides: Any) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "target_id": "T1",
        "indicator": "custom",
        "baseline_year": 2020,
        "baseline_value": 1.0,
        "target_year": 2030,
        "target_value": 2.0,
        "unit": "t",
        "valid_from": valid_from,
        "submission_id": f"targets-{member_id}",
        "source_row": 2,
        **overrides,
    }


def obligations(
    members: list[tuple[str, str, date]],
    *,
    targets: list[dict[str, Any]] = (),  # type: ignore[assignment]
    follow_ups: list[tuple[str, str, date]] = (),  # type: ignore[assignment]
    projects: list[dict[str, Any]] = (),  # type: ignore[assignment]
    disclosures: list[dict[str, Any]] = (),  # type: ignore[assignment]
    plans: list[dict[str, Any]] = (),  # type: ignore[assignment]
    as_of: date = AS_OF,
) -> dict[tuple[str, str], dict[str, Any]]:
    registry = pl.LazyFrame(members, schema=["member_id", "kind", "joined_on"], orient="row")
    out = compute_member_obligations(
        registry,
        _frame("core.targets", list(targets)),
        pl.LazyFrame(list(follow_ups), schema=FOLLOW_UPS, orient="row"),
        _frame("core.projects", list(projects)),
        _frame("core.disclosures", list(disclosures)),
        _frame("core.plans", list(plans)),
        as_of=as_of,
    ).collect()
    assert out.schema == TABLES["core.member_obligations"]
    return {(row["member_id"], row["obligation"]): row for row in out.iter_rows(named=True)}


def test_a_university_that_started_a_project_and_disclosed_in_time_is_met_and_needs_no_target() -> None:
    project = {
        "member_id": "univ-a",
        "project_id": "P1",
        "title": "資源循環",
        "role": "lead",
        "started_on": date(2025, 1, 15),  # within a year of joining on 2024-06-01
        "follow_up_months": 12,
        "url": "https://univ-a.example/p1",
        "description": "x",
        "submission_id": "projects-1",
    }
    disclosure = {
        "member_id": "univ-a",
        "project_id": "P1",
        "disclosed_on": date(2025, 12, 1),  # four months ago: within its 12-month interval
        "url": "https://univ-a.example/p1/results",
        "summary": "成果",
        "submission_id": "disclosures-1",
    }
    found = obligations([("univ-a", "university", date(2024, 6, 1))], projects=[project], disclosures=[disclosure])
    started, disclosed = found["univ-a", "project_started"], found["univ-a", "results_disclosed"]
    assert (started["status"], started["met_on"], started["due_on"]) == ("met", date(2025, 1, 15), date(2025, 6, 1))
    assert (started["evidence_submission_id"], started["evidence_url"]) == ("projects-1", "https://univ-a.example/p1")
    assert (disclosed["status"], disclosed["met_on"], disclosed["due_on"]) == (
        "met",
        date(2025, 12, 1),
        date(2026, 12, 1),
    )
    assert disclosed["evidence_url"] == "https://univ-a.example/p1/results"
    for obligation in ("target_set", "target_published", "actions_published", "follow_up", "plan_includes_target"):
        assert found["univ-a", obligation]["status"] == "not_applicable"
        assert found["univ-a", obligation]["due_on"] is None


def test_a_university_that_did_neither_is_overdue_on_both() -> None:
    found = obligations([("univ-b", "university", date(2023, 4, 1))])
    started, disclosed = found["univ-b", "project_started"], found["univ-b", "results_disclosed"]
    assert (started["status"], started["due_on"], started["met_on"]) == ("overdue", date(2024, 4, 1), None)
    # no project: results fall due one interval after the project was due
    assert (disclosed["status"], disclosed["due_on"]) == ("overdue", date(2025, 4, 1))
    assert found["univ-b", "target_set"]["status"] == "not_applicable"


def test_a_university_whose_disclosure_is_older_than_its_interval_is_overdue_on_it_only() -> None:
    project = {"member_id": "u", "project_id": "P1", "started_on": date(2024, 1, 1), "follow_up_months": 6}
    disclosure = {"member_id": "u", "project_id": "P1", "disclosed_on": date(2025, 8, 1), "submission_id": "d1"}
    found = obligations([("u", "research_institute", date(2023, 10, 1))], projects=[project], disclosures=[disclosure])
    assert found["u", "project_started"]["status"] == "met"
    assert (found["u", "results_disclosed"]["status"], found["u", "results_disclosed"]["due_on"]) == (
        "overdue",
        date(2026, 2, 1),
    )


def _plan(member_id: str, revised_on: date, *, includes: bool, **overrides: Any) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "plan_name": "第3次環境基本計画",
        "revised_on": revised_on,
        "includes_ce_target": includes,
        "url": f"https://{member_id}.example/plan",
        "submission_id": f"plans-{member_id}",
        **overrides,
    }


def test_a_municipality_whose_plan_revision_leaves_out_its_target_is_overdue_on_the_plan() -> None:
    found = obligations(
        [("city-a", "municipality", date(2024, 4, 1))],
        targets=[target("city-a", date(2024, 9, 1), published_url="https://city-a.example/t", follow_up_months=24)],
        follow_ups=[("city-a", "progress-1", date(2025, 6, 1))],
        plans=[_plan("city-a", date(2025, 3, 31), includes=False)],
    )
    plan = found["city-a", "plan_includes_target"]
    assert (plan["status"], plan["due_on"], plan["met_on"]) == ("overdue", date(2025, 3, 31), None)
    assert (plan["evidence_submission_id"], plan["evidence_url"]) == ("plans-city-a", "https://city-a.example/plan")
    assert found["city-a", "target_set"]["status"] == "met"
    assert found["city-a", "target_published"]["status"] == "met"
    # its own interval: 24 months after the last follow-up
    assert (found["city-a", "follow_up"]["status"], found["city-a", "follow_up"]["due_on"]) == (
        "met",
        date(2027, 6, 1),
    )
    assert found["city-a", "actions_published"]["status"] == "not_applicable"
    assert found["city-a", "project_started"]["status"] == "not_applicable"


def test_a_municipality_whose_revision_includes_the_target_is_met_and_one_not_yet_revised_is_due() -> None:
    found = obligations(
        [("city-b", "municipality", date(2024, 4, 1)), ("city-c", "municipality", date(2024, 4, 1))],
        targets=[target("city-b", date(2024, 9, 1)), target("city-c", date(2024, 9, 1))],
        plans=[
            _plan("city-b", date(2025, 3, 31), includes=True),
            _plan("city-c", date(2021, 3, 31), includes=False, next_revision_on=date(2027, 3, 31)),
        ],
    )
    assert (found["city-b", "plan_includes_target"]["status"], found["city-b", "plan_includes_target"]["met_on"]) == (
        "met",
        date(2025, 3, 31),
    )
    # revised before the target was set: due by the next revision
    assert (found["city-c", "plan_includes_target"]["status"], found["city-c", "plan_includes_target"]["due_on"]) == (
        "due",
        date(2027, 3, 31),
    )


def test_a_company_whose_follow_up_is_13_months_old_is_overdue_on_follow_up() -> None:
    found = obligations(
        [("co-a", "company", date(2023, 4, 1)), ("co-b", "company", date(2023, 4, 1))],
        targets=[
            target("co-a", date(2024, 1, 10), published_url="https://a.example/t", actions_url="https://a.example/act"),
            target("co-b", date(2024, 1, 10)),
        ],
        follow_ups=[("co-a", "progress-a", date(2025, 2, 28)), ("co-b", "progress-b", date(2025, 9, 30))],
    )
    follow_up = found["co-a", "follow_up"]
    assert (follow_up["status"], follow_up["met_on"], follow_up["due_on"]) == (
        "overdue",
        date(2025, 2, 28),
        date(2026, 2, 28),
    )
    assert follow_up["evidence_submission_id"] == "progress-a"
    assert found["co-b", "follow_up"]["status"] == "met"  # six months old
    assert [found["co-a", name]["status"] for name in ("target_set", "target_published", "actions_published")] == [
        "met",
        "met",
        "met",
    ]
    assert found["co-a", "actions_published"]["evidence_url"] == "https://a.example/act"
    # co-b set its target but published neither it nor its actions, more than a year after joining
    assert [found["co-b", name]["status"] for name in ("target_published", "actions_published")] == [
        "overdue",
        "overdue",
    ]
    assert found["co-a", "results_disclosed"]["status"] == "not_applicable"


def test_what_arrived_after_as_of_does_not_count() -> None:
    found = obligations(
        [("co", "industry_association", date(2025, 6, 1))],
        targets=[target("co", date(2026, 5, 1))],
        as_of=date(2026, 3, 31),
    )
    assert (found["co", "target_set"]["status"], found["co", "target_set"]["met_on"]) == ("due", None)


def test_members_who_joined_after_as_of_are_left_out_and_every_member_has_every_obligation() -> None:
    found = obligations(
        [("co", "company", date(2024, 1, 1)), ("late", "company", date(2026, 6, 1))], as_of=date(2026, 3, 31)
    )
    assert {member for member, _ in found} == {"co"}
    assert sorted(obligation for _, obligation in found) == sorted(OBLIGATION_CODES)


def test_every_kind_has_rules_and_universities_have_no_target_rule() -> None:
    assert {rule.kind for rule in RULES} == set(MEMBER_KIND_CODES)
    assert {rule.obligation for rule in rules_for("university")} == {"project_started", "results_disclosed"}
    assert "plan_includes_target" in {rule.obligation for rule in rules_for("municipality")}
    assert "actions_published" in {rule.obligation for rule in rules_for("industry_association")}


def test_member_compliance_counts_by_kind_and_suppresses_small_cells() -> None:
    rows = []
    for index, status in enumerate(["met", "met", "overdue", "due"]):
        rows.append(("FY2025", AS_OF, f"co-{index}", "company", "target_set", status))
    rows.append(("FY2025", AS_OF, "univ", "university", "project_started", "met"))
    rows.append(("FY2025", AS_OF, "univ", "university", "target_set", "not_applicable"))
    frame = pl.LazyFrame(
        rows, schema=["fiscal_year", "as_of", "member_id", "member_kind", "obligation", "status"], orient="row"
    )
    out = summarize_member_compliance(frame).collect()
    assert out.schema == TABLES["mart.member_compliance"]
    cells = {(row["member_kind"], row["obligation"]): row for row in out.iter_rows(named=True)}
    company = cells["company", "target_set"]
    assert (company["n_members"], company["n_met"], company["n_due"], company["n_overdue"]) == (4, 2, 1, 1)
    assert company["share_met"] == pytest.approx(0.5)
    assert company["suppressed"] is False
    # the lone university is suppressed; not-applicable rows are not counted anywhere
    assert cells["university", "project_started"]["n_met"] is None
    assert cells["university", "project_started"]["suppression_reason"] == "few_contributors"
    assert ("university", "target_set") not in cells
    assert cells["all", "target_set"]["n_members"] == 4


def test_fiscal_years_are_judged_on_their_last_day_and_the_current_one_on_as_of() -> None:
    assert fiscal_year_ends(date(2024, 3, 1), date(2025, 7, 1)) == [
        ("FY2023", date(2024, 3, 31)),
        ("FY2024", date(2025, 3, 31)),
        ("FY2025", date(2025, 7, 1)),
    ]


# --- the compliance table against an attacker ------------------------------------------------------------

STATUSES = {"met": "n_met", "due": "n_due", "overdue": "n_overdue"}


def compliance_rows(kinds: dict[str, list[str]]) -> pl.LazyFrame:
    """One fiscal year's `target_set` obligations: the statuses of each kind's members."""
    rows = [
        ("FY2025", AS_OF, f"{kind}-{index}", kind, "target_set", status)
        for kind, statuses in kinds.items()
        for index, status in enumerate(statuses)
    ]
    return pl.LazyFrame(
        rows, schema=["fiscal_year", "as_of", "member_id", "member_kind", "obligation", "status"], orient="row"
    )


def narrowed_counts(table: pl.DataFrame) -> list[tuple[str, str, float, float]]:
    """Withheld counts of kinds of too few members that an attacker pins within less than one member either way.

    Written from the table's definition: the unknowns are each kind's members per status (≥ 0); every published
    count is one of them or, for kind all, their sum over kinds; every row's `n_members` is their sum.
    """
    kinds = table.filter(pl.col("member_kind") != "all").to_dicts()
    unknowns = [(row["member_kind"], status) for row in kinds for status in STATUSES]
    equations: list[tuple[list[float], float]] = []
    for row in table.to_dicts():
        mine = [1.0 if row["member_kind"] in ("all", kind) else 0.0 for kind, _ in unknowns]
        equations.append((mine, float(row["n_members"])))
        for status, column in STATUSES.items():
            if row[column] is not None:
                equations.append(
                    ([m if s == status else 0.0 for m, (_, s) in zip(mine, unknowns, strict=True)], float(row[column]))
                )
    a_eq = [coefficients for coefficients, _ in equations]
    b_eq = [value for _, value in equations]
    exposed = []
    truth = {(row["member_kind"], status): row for row in kinds for status in STATUSES}
    for index, (kind, status) in enumerate(unknowns):
        row = truth[kind, status]
        if row["n_members"] >= 3:
            continue
        cost = [1.0 if i == index else 0.0 for i in range(len(unknowns))]
        low = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs").fun
        high = -linprog([-c for c in cost], A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs").fun
        if high - low < min(1.0, float(row["n_members"])) - 1e-6:
            exposed.append((kind, status, low, high))
    return exposed


# Five companies met; a lone association and two municipalities are overdue. The all-kinds count of met
# equals the companies', so every withheld kind's met (and due) is 0, and their overdue their members.
PLANTED_COMPLIANCE = {"company": ["met"] * 5, "industry_association": ["overdue"], "municipality": ["overdue"] * 2}


def test_per_table_suppression_of_compliance_gives_the_small_kinds_back() -> None:
    # What mart.member_compliance had before: each kind against the all-kinds total, total minus children only.
    rows = compliance_rows(PLANTED_COMPLIANCE).collect()
    counts = rows.group_by("fiscal_year", "member_kind", "obligation").agg(
        pl.len().cast(pl.Int32).alias("n_members"),
        *((pl.col("status") == status).sum().cast(pl.Int32).alias(column) for status, column in STATUSES.items()),
    )
    every = pl.concat(
        [
            counts,
            counts.group_by("fiscal_year", "obligation")
            .agg(pl.lit("all").alias("member_kind"), *(pl.col(c).sum() for c in ["n_members", *STATUSES.values()]))
            .select(counts.columns),
        ]
    )
    to_all = Rollup("kind → all", children=pl.col("member_kind") != "all", parent={"member_kind": pl.lit("all")})
    members = pl.concat([rows, rows.with_columns(member_kind=pl.lit("all"))]).select(
        "fiscal_year", "member_kind", "obligation", "member_id"
    )
    per_table = suppress_cells(
        every.lazy(),
        members.lazy(),
        keys=["fiscal_year", "member_kind", "obligation"],
        value_columns=list(STATUSES.values()),
        dominance_columns=(),
        rollups=[to_all],
    ).collect()
    assert {(kind, status) for kind, status, _, _ in narrowed_counts(per_table)} == {
        (kind, status) for kind in ("industry_association", "municipality") for status in STATUSES
    }


def test_the_joint_pass_keeps_every_small_kinds_count_uncertain() -> None:
    table = summarize_member_compliance(compliance_rows(PLANTED_COMPLIANCE)).collect()
    assert narrowed_counts(table) == []
    company = table.filter(member_kind="company").row(0, named=True)
    assert company["n_members"] == 5  # the member counts stay published
    assert table.filter(member_kind="industry_association").get_column("suppression_reason").to_list() == [
        "few_contributors"
    ]


@pytest.mark.parametrize("seed", range(20))
def test_random_compliance_tables_keep_small_kinds_uncertain(seed: int) -> None:
    rng = random.Random(seed)
    kinds = {
        kind: [rng.choice(list(STATUSES)) for _ in range(rng.choice([1, 1, 2, 3, 4, 6]))]
        for kind in rng.sample(list(MEMBER_KIND_CODES), rng.randint(2, len(MEMBER_KIND_CODES)))
    }
    assert narrowed_counts(summarize_member_compliance(compliance_rows(kinds)).collect()) == []
