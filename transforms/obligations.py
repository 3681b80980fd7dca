"""Each member's obligations on a date, by the rules of its kind (`schemas.obligations`), and the public counts.

What counts as having met each obligation (only what was known on `as_of`):
- `target_set`: the first version of any target (its `valid_from`, the day its file arrived);
- `target_published` / `actions_published`: the first target version with a `published_url` / `actions_url`;
- `follow_up`: the last progress file (the day it arrived); due one interval after it (the smallest
  `follow_up_months` of the member's targets, else the rule's months), or after the first target when none;
- `project_started`: the first project started; `results_disclosed`: the last disclosure, due one interval after
  it (the smallest `follow_up_months` of the member's projects, else the rule's months), or after the first
  project started when none;
- `plan_includes_target`: the first plan revision that includes the target; a revision on or after the target
  was set that does not include it makes the obligation overdue from that revision; with no revision since,
  it is due by the plan's `next_revision_on`.

A one-off obligation is met once done (late or not); a recurring one is met while its next due date is ahead.
An obligation not among its kind's rules is `not_applicable`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import polars as pl
from scipy import sparse

from schemas.obligations import OBLIGATION_CODES, RULES, Obligation
from schemas.tables import TABLES
from transforms.disclosure import CELL, COLUMN, FEW_CONTRIBUTORS, MIN_CONTRIBUTORS, REASON, SECONDARY, withhold
from transforms.disclosure.protection import ProtectionProblem, protect

ALL_KINDS = "all"
RECURRING = ("last_follow_up_plus_interval", "last_disclosure_plus_interval")
# Where each obligation's evidence lands once joined: `<prefix>_on` (when met), `_sub` (the submission that
# met it) and `_url` (where it is published, for the obligations that publish something).
_EVIDENCE_PREFIX = {
    "target_set": "target_set",
    "target_published": "published",
    "actions_published": "actions",
    "follow_up": "followed_up",
    "plan_includes_target": "plan_met",
    "project_started": "project",
    "results_disclosed": "disclosed",
}
# A member's progress files: the day each arrived is a follow-up.
FOLLOW_UPS = pl.Schema({"member_id": pl.String(), "submission_id": pl.String(), "followed_up_on": pl.Date()})
# mart.member_compliance's counts per status, and the shares computed from them.
_STATUS_COUNTS: dict[str, str] = {"met": "n_met", "due": "n_due", "overdue": "n_overdue"}
_SHARES: dict[str, tuple[str, ...]] = {"share_met": ("n_met",), "share_overdue": ("n_overdue",)}
# A withheld count must stay uncertain by one member either way (upwards only from 0).
COUNT_PROTECTION = 1.0
_BASE = "_base"


def _months_after(day: pl.Expr, months: pl.Expr) -> pl.Expr:
    """`day` plus a number of calendar months (the month's last day when the day does not exist)."""
    return day.dt.offset_by(pl.format("{}mo", months))


def _first_by(frame: pl.LazyFrame, day: str, columns: dict[str, str], *, last: bool = False) -> pl.LazyFrame:
    """Per member, the row with the earliest (or latest) `day`, its columns renamed as `columns` says."""
    ordered = frame.filter(pl.col(day).is_not_null()).sort("member_id", day, "submission_id")
    return (
        ordered.group_by("member_id")
        .agg([(pl.col(name).last() if last else pl.col(name).first()).alias(alias) for name, alias in columns.items()])
        .select("member_id", *columns.values())
    )


def _rules_frame(rules: Sequence[Obligation]) -> pl.LazyFrame:
    return pl.LazyFrame(
        {
            "kind": [rule.kind for rule in rules],
            "obligation": [rule.obligation for rule in rules],
            "due_rule": [rule.due_rule for rule in rules],
            "_months": [rule.months for rule in rules],
        },
        schema={"kind": pl.String(), "obligation": pl.String(), "due_rule": pl.String(), "_months": pl.Int32()},
    )


def _member_facts(
    members: pl.LazyFrame,
    targets: pl.LazyFrame,
    follow_ups: pl.LazyFrame,
    projects: pl.LazyFrame,
    disclosures: pl.LazyFrame,
    plans: pl.LazyFrame,
    *,
    as_of: date,
) -> pl.LazyFrame:
    """One row per member who had joined by `as_of`: the dates and evidence each obligation is judged from."""
    versions = targets.filter(pl.col("valid_from").is_null() | (pl.col("valid_from") <= as_of)).with_columns(
        pl.col("valid_from").fill_null(date(1900, 1, 1)).alias("_day")
    )
    current = versions.sort("member_id", "target_id", "_day").group_by("member_id", "target_id").agg(pl.all().last())
    target_set = _first_by(versions, "_day", {"_day": "target_set_on", "submission_id": "target_set_sub"})
    published = _first_by(
        versions.filter(pl.col("published_url").is_not_null()),
        "_day",
        {"_day": "published_on", "submission_id": "published_sub", "published_url": "published_url"},
    )
    actions = _first_by(
        versions.filter(pl.col("actions_url").is_not_null()),
        "_day",
        {"_day": "actions_on", "submission_id": "actions_sub", "actions_url": "actions_url"},
    )
    target_months = current.group_by("member_id").agg(pl.col("follow_up_months").min().alias("target_months"))
    followed = _first_by(
        follow_ups.filter(pl.col("followed_up_on") <= as_of),
        "followed_up_on",
        {"followed_up_on": "followed_up_on", "submission_id": "followed_up_sub"},
        last=True,
    )
    started = projects.filter(pl.col("started_on") <= as_of)
    project = _first_by(
        started, "started_on", {"started_on": "project_on", "submission_id": "project_sub", "url": "project_url"}
    )
    project_months = started.group_by("member_id").agg(pl.col("follow_up_months").min().alias("project_months"))
    disclosed = _first_by(
        disclosures.filter(pl.col("disclosed_on") <= as_of),
        "disclosed_on",
        {"disclosed_on": "disclosed_on", "submission_id": "disclosed_sub", "url": "disclosed_url"},
        last=True,
    )
    revisions = plans.filter(pl.col("revised_on") <= as_of)
    plan_met = _first_by(
        revisions.filter(pl.col("includes_ce_target")),
        "revised_on",
        {"revised_on": "plan_met_on", "submission_id": "plan_met_sub", "url": "plan_met_url"},
    )
    latest_plan = _first_by(revisions, "revised_on", {"next_revision_on": "plan_next_on"}, last=True)
    plan_missed = _first_by(
        revisions.filter(~pl.col("includes_ce_target"))
        .join(target_set, on="member_id", how="inner")
        .filter(pl.col("revised_on") >= pl.col("target_set_on")),
        "revised_on",
        {"revised_on": "plan_missed_on", "submission_id": "plan_missed_sub", "url": "plan_missed_url"},
    )
    facts = members.filter(pl.col("joined_on") <= as_of).select("member_id", "kind", "joined_on")
    for frame in (
        target_set,
        published,
        actions,
        target_months,
        followed,
        project,
        project_months,
        disclosed,
        plan_met,
        latest_plan,
        plan_missed,
    ):
        facts = facts.join(frame, on="member_id", how="left")
    return facts


def compute_member_obligations(
    members: pl.LazyFrame,
    targets: pl.LazyFrame,
    follow_ups: pl.LazyFrame,
    projects: pl.LazyFrame,
    disclosures: pl.LazyFrame,
    plans: pl.LazyFrame,
    *,
    as_of: date,
    rules: Sequence[Obligation] = RULES,
) -> pl.LazyFrame:
    """`core.member_obligations`: every member who joined by `as_of` × every obligation, with its status on `as_of`.

    `members` (member_id, kind, joined_on); `targets` is `core.targets` (every version); `follow_ups` the member's
    progress files (member_id, submission_id, followed_up_on: the day the file arrived); `projects`,
    `disclosures` and `plans` are their core tables.

    Examples
    --------
    >>> from datetime import date
    >>> import polars as pl
    >>> from schemas.tables import TABLES
    >>> members = pl.LazyFrame({"member_id": ["c"], "kind": ["company"], "joined_on": [date(2024, 4, 1)]})
    >>> names = ("targets", "projects", "disclosures", "plans")
    >>> empty = {name: pl.LazyFrame(schema=TABLES[f"core.{name}"]) for name in names}
    >>> follow_ups = pl.LazyFrame(schema=FOLLOW_UPS)
    >>> out = compute_member_obligations(
    ...     members, empty["targets"], follow_ups, empty["projects"], empty["disclosures"], empty["plans"],
    ...     as_of=date(2025, 6, 30),
    ... ).collect()
    >>> out.select("obligation", "due_on", "status").rows()[:2]
    [('target_set', datetime.date(2025, 4, 1), 'overdue'), ('target_published', datetime.date(2025, 4, 1), 'overdue')]

    """
    facts = _member_facts(members, targets, follow_ups, projects, disclosures, plans, as_of=as_of)
    grid = facts.join(pl.LazyFrame({"obligation": list(OBLIGATION_CODES)}), how="cross").join(
        _rules_frame(rules), on=["kind", "obligation"], how="left"
    )
    obligation, months = pl.col("obligation"), pl.col("_months")
    joined_due = _months_after(pl.col("joined_on"), months)
    follow_up_months = pl.coalesce("target_months", months)
    disclosure_months = pl.coalesce("project_months", months)
    due_on = (
        pl.when(pl.col("due_rule").is_null())
        .then(None)
        .when(obligation == "follow_up")
        .then(
            _months_after(
                pl.coalesce("followed_up_on", "target_set_on", _months_after(pl.col("joined_on"), pl.lit(12))),
                follow_up_months,
            )
        )
        .when(obligation == "results_disclosed")
        .then(
            _months_after(
                pl.coalesce("disclosed_on", "project_on", _months_after(pl.col("joined_on"), pl.lit(12))),
                disclosure_months,
            )
        )
        .when(obligation == "plan_includes_target")
        .then(pl.coalesce("plan_met_on", "plan_missed_on", "plan_next_on"))
        .otherwise(joined_due)
    )

    def by_obligation(suffix: str, *, without: tuple[str, ...] = ()) -> pl.Expr:
        """Each obligation's evidence column ending in `suffix` (null for the obligations `without` it)."""
        return pl.coalesce(
            *(
                pl.when(obligation == code).then(pl.col(prefix + suffix))
                for code, prefix in _EVIDENCE_PREFIX.items()
                if code not in without
            ),
        )

    met_on = by_obligation("_on")
    submission = by_obligation("_sub")
    url = by_obligation("_url", without=("target_set", "follow_up"))
    # A revision that left the target out is the evidence of the miss.
    missed = (
        (obligation == "plan_includes_target")
        & pl.col("plan_met_on").is_null()
        & pl.col("plan_missed_on").is_not_null()
    )
    recurring = pl.col("due_rule").is_in(list(RECURRING))
    is_past = pl.col("due_on").is_not_null() & (pl.col("due_on") < as_of)
    status = (
        pl.when(pl.col("due_rule").is_null())
        .then(pl.lit("not_applicable"))
        .when(recurring & is_past)
        .then(pl.lit("overdue"))
        .when(pl.col("met_on").is_not_null())
        .then(pl.lit("met"))
        .when(is_past | missed)
        .then(pl.lit("overdue"))
        .otherwise(pl.lit("due"))
    )
    schema = TABLES["core.member_obligations"]
    order = {code: index for index, code in enumerate(OBLIGATION_CODES)}
    return (
        grid.with_columns(
            due_on.alias("due_on"),
            met_on.alias("met_on"),
            pl.when(missed).then(pl.col("plan_missed_sub")).otherwise(submission).alias("evidence_submission_id"),
            pl.when(missed).then(pl.col("plan_missed_url")).otherwise(url).alias("evidence_url"),
            pl.col("kind").alias("member_kind"),
            pl.lit(as_of).alias("as_of"),
        )
        .with_columns(status.alias("status"))
        .with_columns(obligation.replace_strict(order, return_dtype=pl.Int32).alias("_order"))
        .sort("member_id", "_order")
        .select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
    )


def fiscal_year_ends(first: date, as_of: date) -> list[tuple[str, date]]:
    """(FYyyyy, the day it is judged on) for each fiscal year from the one holding `first` to the one holding `as_of`.

    A past fiscal year is judged on its last day (31 March), the current one on `as_of`.

    >>> fiscal_year_ends(date(2024, 6, 1), date(2026, 3, 31))
    [('FY2024', datetime.date(2025, 3, 31)), ('FY2025', datetime.date(2026, 3, 31))]
    """

    def fiscal_year(day: date) -> int:
        return day.year if day.month >= 4 else day.year - 1

    return [
        (f"FY{year}", min(date(year + 1, 3, 31), as_of))
        for year in range(fiscal_year(min(first, as_of)), fiscal_year(as_of) + 1)
    ]


def summarize_member_compliance(obligations: pl.LazyFrame, *, min_contributors: int = MIN_CONTRIBUTORS) -> pl.LazyFrame:
    """`mart.member_compliance`: per fiscal year, member kind (and all) and obligation, members met, due, overdue.

    `obligations` holds `core.member_obligations` rows for one or more `as_of` days, each with its `fiscal_year`;
    not-applicable rows are left out. Disclosure-controlled like every mart: the counts and shares of a cell with
    fewer than `min_contributors` members are suppressed, and the kinds' cells against the `all` total.

    Examples
    --------
    >>> from datetime import date
    >>> import polars as pl
    >>> rows = pl.LazyFrame(
    ...     {"fiscal_year": ["FY2025"] * 4, "as_of": [date(2026, 3, 31)] * 4, "member_id": ["a", "b", "c", "d"],
    ...      "member_kind": ["company"] * 3 + ["university"], "obligation": ["target_set"] * 3 + ["project_started"],
    ...      "status": ["met", "met", "overdue", "met"]}
    ... )
    >>> out = summarize_member_compliance(rows).collect()
    >>> for row in out.select("member_kind", "obligation", "n_members", "n_met", "suppressed").rows():
    ...     print(row)
    ('all', 'project_started', 1, None, True)
    ('all', 'target_set', 3, 2, False)
    ('company', 'target_set', 3, 2, False)
    ('university', 'project_started', 1, None, True)

    """
    schema = TABLES["mart.member_compliance"]
    keys = ["fiscal_year", "member_kind", "obligation"]
    applicable = obligations.filter(pl.col("status") != "not_applicable").select(
        "fiscal_year", "as_of", "member_id", "member_kind", "obligation", "status"
    )
    rows = pl.concat([applicable, applicable.with_columns(member_kind=pl.lit(ALL_KINDS))], how="vertical")
    status = pl.col("status")
    cells = rows.group_by(keys).agg(
        pl.col("as_of").max(),
        pl.col("member_id").n_unique().alias("n_members"),
        (status == "met").sum().alias("n_met"),
        (status == "due").sum().alias("n_due"),
        (status == "overdue").sum().alias("n_overdue"),
    )
    shares = cells.with_columns(
        (pl.col("n_met") / pl.col("n_members")).alias("share_met"),
        (pl.col("n_overdue") / pl.col("n_members")).alias("share_overdue"),
    )
    return (
        shares.collect()
        .sort(keys)
        .pipe(_withhold_counts, keys=keys, min_contributors=min_contributors)
        .select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
        .sort(keys)
        .lazy()
    )


def _withhold_counts(cells: pl.DataFrame, *, keys: list[str], min_contributors: int) -> pl.DataFrame:
    """The counts of cells of too few members withheld, and more until none can be narrowed by one member.

    The same LP as the flow tables' joint pass (`transforms.disclosure.protection`), over this table's own system: the
    unknowns are each kind's members per status; a published count is one of them or, for kind `all`, their
    sum over kinds; `n_members` is always published, so every deviation keeps each row's total. Per-table
    total-minus-children checks miss what non-negativity gives back: with the all-kinds count of `met` equal
    to the published kinds' count, every withheld kind's `met` is 0.
    """
    values = list(_STATUS_COUNTS.values())
    indexed = cells.with_row_index(CELL)
    is_total = pl.col("member_kind") == ALL_KINDS
    base = (
        indexed.filter(~is_total)
        .unpivot(index=[CELL, *keys], on=values, variable_name=COLUMN, value_name="_count")
        .sort(CELL, COLUMN)
        .with_row_index(_BASE)
    )
    scope = [name for name in keys if name != "member_kind"]
    totals = indexed.filter(is_total).select(pl.col(CELL).alias("_total"), *scope)
    entries = pl.concat(
        [
            base.select(_BASE, CELL, COLUMN),
            base.join(totals, on=scope).select(_BASE, pl.col("_total").alias(CELL), COLUMN),
        ]
    )
    slots = indexed.select(CELL, "n_members").join(pl.DataFrame({COLUMN: values}), how="cross").sort(CELL, COLUMN)
    slots = slots.with_row_index("_slot").with_columns((pl.col("n_members") < min_contributors).alias("_few"))
    placed = entries.join(slots.select("_slot", CELL, COLUMN), on=[CELL, COLUMN])
    ones = np.ones(placed.height)
    base_index = placed.get_column(_BASE).to_numpy()
    matrix = sparse.csr_matrix(
        (ones, (placed.get_column("_slot").to_numpy(), base_index)), shape=(slots.height, base.height)
    )
    # Each row's n_members, a sum of its base cells, is published: no deviation may move it.
    members = sparse.csr_matrix(
        (ones, (placed.get_column(CELL).cast(pl.Int64).to_numpy(), base_index)), shape=(indexed.height, base.height)
    )
    few = slots.get_column("_few").to_numpy()
    problem = ProtectionProblem(
        values=matrix,
        owner=np.arange(slots.height),
        absent=members,
        base=base.get_column("_count").cast(pl.Float64).to_numpy(),
        targets=[(int(slot), COUNT_PROTECTION) for slot in np.flatnonzero(few)],
        ceiling=slots.get_column("n_members").cast(pl.Float64).to_numpy(),
    )
    hidden = protect(problem, few)
    judged = slots.select(
        CELL,
        COLUMN,
        pl.when(pl.col("_few"))
        .then(pl.lit(FEW_CONTRIBUTORS))
        .when(pl.Series(hidden))
        .then(pl.lit(SECONDARY))
        .alias(REASON),
    )
    return withhold(cells, judged, value_columns=values, derived_columns=_SHARES)
