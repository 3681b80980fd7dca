from __future__ import annotations

import pytest

from expectations.plan import FILE_RULE_KINDS, POST_SUITE_RULE_KINDS, plan_suite, suite_inputs
from schemas import CONTRACTS, FLOWS
from schemas.contract import Contract


@pytest.mark.parametrize("contract", CONTRACTS.values(), ids=CONTRACTS.keys())
def test_every_check_and_rule_is_judged_once(contract: Contract) -> None:
    planned = [expectation.check_id for expectation in plan_suite(contract)]
    # judged by Polars after the suite (balance) or over whole files beside it (subtotal)
    after_suite = [rule.id for rule in contract.rules if rule.kind in POST_SUITE_RULE_KINDS | FILE_RULE_KINDS]

    expected = [check.id for check in contract.checks] + [rule.id for rule in contract.rules]
    assert sorted(planned + after_suite) == sorted(expected)
    assert len(set(planned)) == len(planned)


def test_flows_suite_reads_only_the_columns_it_checks() -> None:
    # Worked out from schemas/flows.py: checked columns in order, then what the rules add;
    # derived columns without checks (period_start, grain, quantity_t…) stay out of pandas.
    assert suite_inputs(FLOWS) == (
        "member_id",
        "period",
        "material",
        "source_stage",
        "target_stage",
        "source",
        "target",
        "_number.quantity",
        "quantity",
        "unit",
        "region",
        "origin_region",
        "destination_region",
        "quality",
        "note",
        "product_category",
        "material_group",
        "submitter_id",
        "submission_id",
        "_rule.flows.self_loop",
    )
