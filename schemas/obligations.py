"""The partnership's rules for each kind of member, as data: one row per kind and obligation, with its due date.

The secretariat reads and changes the rules here, in one place; `transforms.obligations` applies them.

Due date rules:
- `joined_plus_months`: `months` after the member joined (in principle one year).
- `last_follow_up_plus_interval`: the member's interval (`follow_up_months` of its targets, or `months`)
  after its last follow-up (progress file), or after it first set a target when it has not reported yet.
- `last_disclosure_plus_interval`: the member's interval (`follow_up_months` of its projects, or `months`)
  after its last disclosure, or after its first project started when it has disclosed nothing yet.
- `next_plan_revision`: the first revision of the plan after the target is set (`next_revision_on`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from schemas import vocabulary as v

DueRule = Literal[
    "joined_plus_months", "last_follow_up_plus_interval", "last_disclosure_plus_interval", "next_plan_revision"
]

OBLIGATIONS: tuple[v.Term, ...] = (
    v.Term("target_set", "Quantitative CE target set and submitted", "定量的な循環経済目標の設定・提出"),
    v.Term("target_published", "Target published", "目標の公表"),
    v.Term("actions_published", "Concrete actions published", "具体的な取組の公表"),
    v.Term("follow_up", "Achievement followed up and submitted", "達成状況のフォローアップ・提出"),
    v.Term("plan_includes_target", "Target included in the environmental basic plan", "環境基本計画への目標の記載"),
    v.Term("project_started", "CE project run or joined", "循環経済プロジェクトの実施・参加"),
    v.Term("results_disclosed", "Project results disclosed and submitted", "プロジェクト成果の公表・提出"),
)
OBLIGATION_CODES: tuple[str, ...] = tuple(term.code for term in OBLIGATIONS)

STATUSES: tuple[v.Term, ...] = (
    v.Term("met", "Met", "達成"),
    v.Term("due", "Due", "期限前"),
    v.Term("overdue", "Overdue", "期限超過"),
    v.Term("not_applicable", "Not applicable", "対象外"),
)
STATUS_CODES: tuple[str, ...] = tuple(term.code for term in STATUSES)


@dataclass(frozen=True)
class Obligation:
    """One rule: a kind of member must meet `obligation`, due by `due_rule` (`months` where the rule takes months)."""

    kind: str
    obligation: str
    due_rule: DueRule
    months: int = 12


_COMPANY_LIKE = ("company", "industry_association")
_RESEARCH_LIKE = ("university", "research_institute", "related_org")

_RULES: tuple[Obligation, ...] = (
    *(
        Obligation(kind, obligation, "joined_plus_months", 12)
        for kind in _COMPANY_LIKE
        for obligation in ("target_set", "target_published", "actions_published")
    ),
    *(Obligation(kind, "follow_up", "last_follow_up_plus_interval", 12) for kind in _COMPANY_LIKE),
    Obligation("municipality", "target_set", "joined_plus_months", 12),
    Obligation("municipality", "target_published", "joined_plus_months", 12),
    Obligation("municipality", "plan_includes_target", "next_plan_revision"),
    Obligation("municipality", "follow_up", "last_follow_up_plus_interval", 12),
    *(Obligation(kind, "project_started", "joined_plus_months", 12) for kind in _RESEARCH_LIKE),
    *(Obligation(kind, "results_disclosed", "last_disclosure_plus_interval", 12) for kind in _RESEARCH_LIKE),
)
# By kind, then obligation, in the vocabularies' order: how the data dictionary lists them.
RULES: tuple[Obligation, ...] = tuple(
    sorted(_RULES, key=lambda rule: (v.MEMBER_KIND_CODES.index(rule.kind), OBLIGATION_CODES.index(rule.obligation)))
)


def rules_for(kind: str) -> tuple[Obligation, ...]:
    """The obligations of one kind of member."""
    return tuple(rule for rule in RULES if rule.kind == kind)


def _check_rules() -> None:
    """Every rule names a known kind and obligation, once."""
    seen: set[tuple[str, str]] = set()
    for rule in RULES:
        if rule.kind not in v.MEMBER_KIND_CODES or rule.obligation not in OBLIGATION_CODES:
            msg = f"obligation rule {rule} names an unknown kind or obligation"
            raise ValueError(msg)
        if (rule.kind, rule.obligation) in seen:
            msg = f"obligation {rule.obligation} is listed twice for {rule.kind}"
            raise ValueError(msg)
        seen.add((rule.kind, rule.obligation))


_check_rules()
