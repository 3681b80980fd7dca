"""Releases on real MinIO and PostgreSQL: runs leave the public tables alone, a release killed half-way changes nothing.

A late member's run must not touch a public table (its catalog row, its tags, its files); `junkan release` must
change them all at once. A release killed with SIGKILL after it staged some public tables (but before its one
catalog transaction) leaves every public table as the previous release left it; the next release completes. An
S3 reader can open only what releases left: every `metadata.json` under `warehouse/mart/` is a table's current
one, and every snapshot in it is tagged `release/<period>/<n>`.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from minio import Minio

from infra.resources import build_resources
from infra.warehouse.staging import STAGING_CATALOG
from schemas.tables import PUBLIC_TABLES
from tests.chaos.conftest import (
    ChaosRecord,
    Installation,
    assert_recovered,
    check_invariants,
    flows_file,
    sigkill,
    wait_until,
)

KILL_WAIT_S = 300
PERIOD = "FY2024"


def _public_rows(installation: Installation) -> dict[str, str]:
    """Every public table's catalog row: where BI readers find it (`metadata_location`)."""
    engine = sa.create_engine(installation.settings.resolved_catalog_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT table_namespace || '.' || table_name, metadata_location FROM iceberg_tables"
                    " WHERE catalog_name = 'junkan' AND table_namespace = 'mart'"
                )
            ).all()
    finally:
        engine.dispose()
    return {name: location for name, location in rows}


def _staged_changes(installation: Installation) -> int:
    """How many public tables a release in progress has staged a change to (0: none yet, or none left)."""
    engine = sa.create_engine(installation.settings.resolved_catalog_url)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    sa.text(
                        "SELECT count(*) FROM iceberg_tables AS staged JOIN iceberg_tables AS live"
                        " ON live.table_namespace = staged.table_namespace AND live.table_name = staged.table_name"
                        " AND live.catalog_name = 'junkan'"
                        " WHERE staged.catalog_name = :staging AND staged.metadata_location <> live.metadata_location"
                    ),
                    {"staging": STAGING_CATALOG},
                ).scalar_one()
            )
    finally:
        engine.dispose()


def _readable_metadata(installation: Installation) -> dict[str, dict[str, object]]:
    """Every metadata file under warehouse/mart/ (what an S3 reader with the BI policy can open), parsed."""
    minio = installation.minio
    client = Minio(minio.endpoint, minio.access_key, minio.secret_key, secure=False)
    bucket = installation.settings.resolved_storage_url.removeprefix("s3://")
    found = {}
    for item in client.list_objects(bucket, prefix="warehouse/mart/", recursive=True):
        name = item.object_name or ""
        if name.endswith(".metadata.json"):
            response = client.get_object(bucket, name)
            try:
                found[name] = json.loads(response.read())
            finally:
                response.close()
                response.release_conn()
    return found


def test_runs_leave_public_tables_alone_and_a_killed_release_changes_nothing(
    installation: Installation, chaos_record: ChaosRecord
) -> None:
    first = [flows_file("corp-b"), flows_file("corp-e"), flows_file("univ-c")]
    for made in first:
        installation.upload(f"{made.member_id}.csv", made)
    resources = build_resources(installation.settings)  # the tables, as the first command would create them
    try:
        assert resources.warehouse.tags("mart.flows") == []
    finally:
        resources.close()
    created = _public_rows(installation)
    installation.junkan("run")
    assert _public_rows(installation) == created, "a run changed a public table"
    out = installation.junkan("release", PERIOD, "--by", "chaos")
    assert f"{PERIOD} release 1" in out
    released = _public_rows(installation)

    # A late member and a correction arrive: runs rebuild drafts, the public tables do not move.
    late = [flows_file("city-a"), flows_file("corp-b", scale=2)]
    for made in late:
        installation.upload(f"{made.member_id}-late.csv", made)
    installation.junkan("run")
    assert _public_rows(installation) == released, "a run changed a public table"

    process = installation.start("release", PERIOD, "--by", "chaos")
    wait_until(
        "the release staged a public table",
        lambda: _staged_changes(installation) > 0,
        timeout=KILL_WAIT_S,
        interval=0.01,
        process=process,
        installation=installation,
    )
    sigkill(process)
    chaos_record.faults += 1
    assert _public_rows(installation) == released, "a release killed before its switch changed a public table"

    out = installation.junkan("release", PERIOD, "--by", "chaos")
    assert f"{PERIOD} release 2" in out
    after = _public_rows(installation)
    assert set(after) == set(released)
    assert after != released
    assert _staged_changes(installation) == 0

    # Only releases are readable: one metadata file per public table (its current one), every snapshot tagged.
    readable = _readable_metadata(installation)
    assert sorted(readable) == sorted(location.split("/", 3)[3] for location in after.values())
    for name, metadata in readable.items():
        refs = metadata.get("refs", {})
        assert isinstance(refs, dict)
        tagged = {ref["snapshot-id"] for ref in refs.values() if ref["type"] == "tag"}
        tags = sorted(tag for tag, ref in refs.items() if ref["type"] == "tag")
        assert tags[-1] == f"release/{PERIOD}/2", name
        snapshots = metadata.get("snapshots", [])
        assert isinstance(snapshots, list)
        assert {snapshot["snapshot-id"] for snapshot in snapshots} <= tagged, name

    found = check_invariants(installation, {"city-a": 10, "corp-b": 10, "corp-e": 10, "univ-c": 10})
    chaos_record.invariants = found
    assert_recovered(found)
    chaos_record.recovered += 1
    assert len(PUBLIC_TABLES) == len(after)
