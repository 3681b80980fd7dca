"""Great Expectations, quietly: one ephemeral context per process and one suite per contract.

great_expectations is imported inside functions: its import takes seconds, and a night with no
submissions must not pay it.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from expectations.plan import Expectation, plan_suite
from schemas.contract import Contract

if TYPE_CHECKING:
    import pandas as pd

# GX's context and suites are shared by every thread of the process (Prefect runs tasks in threads).
_LOCK = threading.RLock()
_DATASOURCE = "junkan"
_ASSET = "submissions"
_BATCH_DEFINITION = "whole_frame"
# Only the failing row positions are needed: COMPLETE gives `unexpected_index_list`; the failing values,
# their partial lists and the pandas query string would only cost memory on a large frame.
_RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "partial_unexpected_count": 0,
    "exclude_unexpected_values": True,
    "return_unexpected_index_query": False,
}


@dataclass(frozen=True)
class _Runtime:
    """The process's GX context and the batch definition every frame is validated through."""

    context: Any
    batch_definition: Any


def _import_gx() -> Any:
    """Import GX without its import-time noise reaching the terminal or failing strict warning filters."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    with warnings.catch_warnings():
        # GX 1.24 still imports these modules, deprecated since Python 3.11.
        warnings.filterwarnings(
            "ignore", message="module 'sre_(constants|parse)' is deprecated", category=DeprecationWarning
        )
        import great_expectations as gx
        import great_expectations.expectations  # noqa: F401  (registers the expectation classes)
    # Keep GX's records off the terminal when nobody configured logging: a NullHandler stops
    # Python's last-resort stderr handler; records still propagate to handlers the app set up.
    gx_logger = logging.getLogger("great_expectations")
    gx_logger.setLevel(logging.WARNING)
    if not any(isinstance(handler, logging.NullHandler) for handler in gx_logger.handlers):
        gx_logger.addHandler(logging.NullHandler())
    return gx


@cache
def _runtime() -> _Runtime:
    """Build the ephemeral context once per process: in-memory stores, no progress bars, no analytics."""
    gx = _import_gx()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        analytics_enabled=False,
        store_backend_defaults=InMemoryStoreBackendDefaults(),
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    asset = context.data_sources.add_pandas(_DATASOURCE).add_dataframe_asset(_ASSET)
    return _Runtime(context=context, batch_definition=asset.add_batch_definition_whole_dataframe(_BATCH_DEFINITION))


@cache
def _suite(contract: Contract) -> Any:
    """The contract's GX suite, built from its plan; each expectation's meta names the check."""
    gx = _import_gx()
    # The cache keeps `contract` alive, so its id names one suite for the life of the process.
    suite = _runtime().context.suites.add(gx.ExpectationSuite(name=f"{contract.name}-{id(contract)}"))
    for expectation in plan_suite(contract):
        suite.add_expectation(_build(gx, expectation))
    return suite


def _build(gx: Any, expectation: Expectation) -> Any:
    expectation_class = getattr(gx.expectations, expectation.expectation_type)
    meta = {"check_id": expectation.check_id, "severity": expectation.severity}
    return expectation_class(**expectation.kwargs, meta=meta)


def run_suite(contract: Contract, frame: pd.DataFrame) -> dict[str, list[int]]:
    """Validate `frame` with the contract's suite; for each check id, the positions of the rows failing it."""
    with _LOCK:
        suite = _suite(contract)
        batch = _runtime().batch_definition.get_batch(batch_parameters={"dataframe": frame})
        with warnings.catch_warnings():
            # pandas warns on every regex with groups that str.contains does not return the groups.
            warnings.filterwarnings(
                "ignore",
                message="This pattern is interpreted as a regular expression, and has match groups",
                category=UserWarning,
            )
            outcome = batch.validate(suite, result_format=_RESULT_FORMAT)
    failing: dict[str, list[int]] = {}
    for result in outcome.results:
        check_id = str(result.expectation_config.meta["check_id"])
        positions = result.result.get("unexpected_index_list")
        problem = _exception_message(result.exception_info)
        if problem is None and not result.success and not positions:
            problem = "it failed without naming the failing rows"
        if problem is not None:
            # A check that could not run must never pass silently.
            msg = f"check {check_id} of {contract.name} could not run: {problem}"
            raise RuntimeError(msg)
        failing[check_id] = [int(position) for position in positions or []]
    return failing


def _exception_message(exception_info: Any) -> str | None:
    """The message of an exception GX caught, whether reported for the expectation or per metric."""
    if not isinstance(exception_info, dict):
        return None
    if "raised_exception" in exception_info:
        return str(exception_info.get("exception_message")) if exception_info["raised_exception"] else None
    for info in exception_info.values():
        message = _exception_message(info)
        if message is not None:
            return message
    return None


def preload() -> None:
    """Build the GX context and every contract's suite now: the warm worker does, once, before it forks commands."""
    from schemas import CONTRACTS

    for contract in CONTRACTS.values():
        _suite(contract)
