"""A small released warehouse for BI-access checks: one member's flow in `core.flows`, one cell in `mart.indicators`.

Used by tests/integration/test_bi_access.py, tests/integration/test_readme_bi.py and by
infra/devservers/scripts/trino_check.sh (`python -m tests.bi_sample` publishes into the warehouse that JUNKAN_* settings
describe).
"""

from __future__ import annotations

import re
from datetime import date

import polars as pl

from infra.resources import build_resources
from infra.settings import get_settings
from infra.storage.s3 import S3Storage
from infra.warehouse import Warehouse
from infra.warehouse.staging import tag_and_expire
from schemas.tables import TABLES
from tests.factories import make_flows

PERIOD = "FY2024"
RELEASE = "release/FY2024/1"
# One published cell, worked out by hand: 40 t cyclical use against 60 t natural resource input.
INDICATOR = {
    "period": PERIOD,
    "period_start": date(2024, 4, 1),
    "period_end": date(2025, 3, 31),
    "grain": "fiscal_year",
    "material": "plastics",
    "material_level": "group",
    "region": "JP",
    "region_level": "all",
    "natural_resource_input_t": 60.0,
    "cyclical_use_t": 40.0,
    "waste_generated_t": 80.0,
    "recovered_t": 50.0,
    "energy_recovery_t": 10.0,
    "final_disposal_t": 20.0,
    "input_cyclical_use_rate": 0.4,
    "output_cyclical_use_rate": 0.5,
    "recovery_rate": 0.625,
    "final_disposal_rate": 0.25,
    "contributors": 4,
    "suppressed": False,
    "suppression_reason": None,
}
CORE_MEMBER = "city-secret"
# How `junkan bi-access create` shows the secrets, the one time it shows them.
_DB_PASSWORD = re.compile(r"^database password \(shown once[^)]*\): (\S+)$", re.MULTILINE)
_S3_SECRET = re.compile(r"^S3 secret key \(shown once[^)]*\): (\S+)$", re.MULTILINE)


def publish_sample(warehouse: Warehouse) -> None:
    """Create the tables, then publish the member's flow (restricted) and the public indicator cell."""
    warehouse.ensure_tables()
    flows = make_flows(lineage=True, member_id=CORE_MEMBER, period=PERIOD)
    warehouse.replace("core.flows", flows, match={"member_id": [CORE_MEMBER], "period": [PERIOD]})
    indicators = pl.DataFrame([INDICATOR], schema=TABLES["mart.indicators"])
    warehouse.replace("mart.indicators", indicators, match={"period": [PERIOD]})
    # As a release leaves it: the snapshot tagged, nothing else readable (flows/stages/release.py).
    tag_and_expire(warehouse.table("mart.indicators"), [RELEASE])


def publish_sample_on_s3(*, catalog_url: str, bucket: str, endpoint: str, access_key: str, secret_key: str) -> None:
    """Make `bucket` on the S3 store at `endpoint` and publish the sample into a warehouse there."""
    storage = S3Storage(bucket, endpoint=endpoint, access_key=access_key, secret_key=secret_key)
    storage.ensure_bucket()
    warehouse = Warehouse.open(
        catalog_url=catalog_url, warehouse_uri=storage.warehouse_uri, properties=storage.fileio_properties()
    )
    try:
        publish_sample(warehouse)
    finally:
        warehouse.close()


def shown_secrets(output: str) -> tuple[str, str]:
    """The database password and the S3 secret key in the output of `junkan bi-access create`."""
    password, secret = _DB_PASSWORD.search(output), _S3_SECRET.search(output)
    if password is None or secret is None:
        msg = f"`junkan bi-access create` printed no database password or S3 secret key:\n{output}"
        raise AssertionError(msg)
    return password.group(1), secret.group(1)


def main() -> None:
    """Publish the sample into the warehouse of the current JUNKAN_* settings."""
    resources = build_resources(get_settings(), ensure_tables=False)
    try:
        publish_sample(resources.warehouse)
    finally:
        resources.close()


if __name__ == "__main__":
    main()
