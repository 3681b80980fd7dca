"""The receiver against a real Prefect server (infra/devservers/scripts/prefect.sh): events land once, by id."""

from __future__ import annotations

import secrets
import time
import warnings
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings
from pydantic import SecretStr

from flows.deployments import build_deployments, submit_backfill
from infra.events import NOTIFICATION_PATH, SUBMISSION_RECEIVED, create_app, event_id
from infra.settings import Settings
from tests.integration.conftest import free_port

with warnings.catch_warnings():
    # Starlette 1.x would rather its TestClient ran on `httpx2` (not installed); it works on `httpx`.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient

EVENT_VISIBLE_TIMEOUT_S = 30
TOKEN = secrets.token_hex(16)


def notification(bucket: str, key: str, etag: str) -> dict[str, Any]:
    """A MinIO webhook notification for one object write (record key URL-encoded, as MinIO sends it)."""
    return {
        "EventName": "s3:ObjectCreated:Put",
        "Key": f"{bucket}/{key}",
        "Records": [
            {
                "eventName": "s3:ObjectCreated:Put",
                "eventTime": "2025-05-01T03:04:00.123Z",
                "s3": {
                    "bucket": {"name": bucket},
                    "object": {"key": key.replace("/", "%2F"), "size": 42, "eTag": etag},
                },
            }
        ],
    }


def stored_events(api_url: str, resource_id: str) -> list[dict[str, Any]]:
    """Events Prefect has persisted for one resource."""
    body = {
        "filter": {"event": {"name": [SUBMISSION_RECEIVED]}, "resource": {"id": [resource_id]}},
        "limit": 50,
    }
    response = httpx.post(f"{api_url}/events/filter", json=body, timeout=10)
    response.raise_for_status()
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def wait_for_events(api_url: str, resource_id: str, count: int) -> list[dict[str, Any]]:
    """Poll until Prefect's event persister has written `count` events for the resource (it flushes in batches)."""
    deadline = time.monotonic() + EVENT_VISIBLE_TIMEOUT_S
    while True:
        events = stored_events(api_url, resource_id)
        if len(events) >= count or time.monotonic() > deadline:
            return events
        time.sleep(0.5)


def test_notification_becomes_one_prefect_event_even_when_redelivered(prefect_api_url: str) -> None:
    bucket = "junkan"
    key = f"inbox/city-a/flows/{secrets.token_hex(4)}.csv"
    app = create_app(Settings(events_token=SecretStr(TOKEN), prefect_api_url=prefect_api_url), bucket=bucket)
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        first = client.post(NOTIFICATION_PATH, json=notification(bucket, key, "etag-1"), headers=headers)
        again = client.post(NOTIFICATION_PATH, json=notification(bucket, key, "etag-1"), headers=headers)
    assert (first.status_code, again.status_code) == (200, 200)
    expected_id = str(event_id(bucket, key, "etag-1"))
    assert first.json()["event_ids"] == again.json()["event_ids"] == [expected_id]

    resource_id = f"junkan.object.{bucket}/{key}"
    events = wait_for_events(prefect_api_url, resource_id, 1)
    time.sleep(3)  # give a duplicate, if there were one, time to be persisted too
    events = stored_events(prefect_api_url, resource_id)
    assert [event["id"] for event in events] == [expected_id]
    [event] = events
    assert event["event"] == SUBMISSION_RECEIVED
    assert event["resource"]["prefect.resource.id"] == resource_id
    assert event["payload"]["bucket"] == bucket
    assert event["payload"]["key"] == key
    assert event["payload"]["etag"] == "etag-1"
    assert event["payload"]["size"] == 42


def test_unreachable_prefect_is_503_so_minio_retries() -> None:
    dead = f"http://127.0.0.1:{free_port()}/api"
    app = create_app(Settings(events_token=SecretStr(TOKEN), prefect_api_url=dead), bucket="junkan")
    with TestClient(app) as client:
        response = client.post(
            NOTIFICATION_PATH,
            json=notification("junkan", "inbox/city-a/flows/a.csv", "etag-1"),
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
    assert response.status_code == 503
    assert response.headers["retry-after"] == "3"


def test_backfill_submitted_twice_on_one_day_is_one_flow_run(
    prefect_api_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUNKAN_PREFECT_API_URL", prefect_api_url)
    monkeypatch.setenv("JUNKAN_TIMEZONE", "Asia/Tokyo")
    with temporary_settings({PREFECT_API_URL: prefect_api_url}):
        [backfill] = [deployment for deployment in build_deployments(Settings()) if deployment.name == "backfill"]
        backfill.apply()
    first = submit_backfill("FY2023", "FY2024")
    again = submit_backfill("FY2023", "FY2024")
    other = submit_backfill("FY2022", "FY2024")
    try:
        assert first is not None
        assert first == again
        assert other not in (None, first)
        run = httpx.get(f"{prefect_api_url}/flow_runs/{first}", timeout=10).json()
        assert run["parameters"] == {"period_from": "FY2023", "period_to": "FY2024"}
        today = datetime.now(ZoneInfo("Asia/Tokyo")).date().isoformat()
        assert run["idempotency_key"] == f"backfill:FY2023:FY2024:{today}"
        with pytest.raises(ValueError, match="not a period"):
            submit_backfill("someday", "FY2024")
    finally:
        # No runner serves this deployment here; leave no scheduled run for a later `junkan serve` to pick up.
        for run_id in {first, other} - {None}:
            httpx.delete(f"{prefect_api_url}/flow_runs/{run_id}", timeout=10)
