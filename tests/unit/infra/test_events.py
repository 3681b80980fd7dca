"""The upload-event receiver with Starlette's TestClient and a recording sink (no Prefect server)."""

from __future__ import annotations

import asyncio
import json
import uuid
import warnings
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

with warnings.catch_warnings():
    # Starlette 1.x would rather its TestClient ran on `httpx2`, which this project does not install; the
    # client works on `httpx` and warns once, at import.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient

from infra.events import (
    EVENT_NAMESPACE,
    MAX_BODY_BYTES,
    NOTIFICATION_PATH,
    EmitFailed,
    PrefectApiSink,
    SubmissionReceived,
    create_app,
    event_id,
)
from infra.settings import Settings

TOKEN = "t0ken-for-tests-0123456789"
BUCKET = "junkan"
NOW = datetime(2025, 5, 1, 3, 4, 5, tzinfo=UTC)
AUTH = {"Authorization": f"Bearer {TOKEN}"}


class RecordingSink:
    """Keeps what the receiver emits; can be told to fail like an unreachable Prefect."""

    def __init__(self) -> None:
        self.batches: list[list[SubmissionReceived]] = []
        self.fail = False
        self.closed = False

    async def emit(self, events: Sequence[SubmissionReceived]) -> None:
        if self.fail:
            msg = "Prefect API down"
            raise EmitFailed(msg)
        self.batches.append(list(events))

    async def aclose(self) -> None:
        self.closed = True

    @property
    def events(self) -> list[SubmissionReceived]:
        return [event for batch in self.batches for event in batch]


def notification(
    key: str,
    *,
    bucket: str = BUCKET,
    etag: str | None = "5d41402abc4b2a76b9719d911017c592",
    size: int | None = 5,
    event_name: str = "s3:ObjectCreated:Put",
) -> dict[str, Any]:
    """What MinIO's webhook target POSTs (event.Log): the record's key is URL-encoded, the top-level Key not."""
    obj: dict[str, Any] = {"key": key, "contentType": "text/csv", "sequencer": "1839A2B3C4D5E6F7"}
    if etag is not None:
        obj["eTag"] = etag
    if size is not None:
        obj["size"] = size
    return {
        "EventName": event_name,
        "Key": f"{bucket}/{key}",
        "Records": [
            {
                "eventVersion": "2.0",
                "eventSource": "minio:s3",
                "eventTime": "2025-05-01T03:04:00.123Z",
                "eventName": event_name,
                "userIdentity": {"principalId": "member-city-a"},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "junkan",
                    "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                    "object": obj,
                },
            }
        ],
    }


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def client(sink: RecordingSink) -> Iterator[TestClient]:
    app = create_app(Settings(events_token=SecretStr(TOKEN)), bucket=BUCKET, sink=sink, clock=lambda: NOW)
    with TestClient(app) as test_client:
        yield test_client
    assert sink.closed


def test_health(client: TestClient) -> None:
    response = client.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token-0123456789"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Bearer {TOKEN[:-1]}"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
    ],
    ids=["missing", "wrong", "longer", "prefix", "basic-scheme", "no-scheme"],
)
def test_wrong_or_missing_token_is_401_and_emits_nothing(
    client: TestClient, sink: RecordingSink, headers: dict[str, str]
) -> None:
    response = client.post(NOTIFICATION_PATH, json=notification("inbox/city-a/flows/a.csv"), headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert sink.events == []


def test_inbox_write_becomes_one_event_with_decoded_key(client: TestClient, sink: RecordingSink) -> None:
    # MinIO URL-encodes the record's key (QueryEscape): "実績 2024.csv" arrives as %E5%AE%9F%E7%B8%BE+2024.csv.
    encoded = "inbox/city-a/flows/%E5%AE%9F%E7%B8%BE+2024.csv"
    response = client.post(NOTIFICATION_PATH, json=notification(encoded, etag='"abc123"', size=2048), headers=AUTH)
    assert response.status_code == 200
    [event] = sink.events
    assert event.bucket == "junkan"
    assert event.key == "inbox/city-a/flows/実績 2024.csv"
    assert event.etag == "abc123"  # quotes stripped, so a quoted and an unquoted eTag are the same version
    assert event.size == 2048
    assert event.resource_id == "junkan.object.junkan/inbox/city-a/flows/実績 2024.csv"
    expected_id = uuid.uuid5(EVENT_NAMESPACE, "junkan\0inbox/city-a/flows/実績 2024.csv\0abc123")
    assert event.event_id == expected_id
    assert response.json() == {"emitted": 1, "ignored": 0, "event_ids": [str(expected_id)]}


def test_redelivery_has_the_same_event_id_and_a_new_version_another(client: TestClient, sink: RecordingSink) -> None:
    body = notification("inbox/city-a/flows/a.csv", etag="v1")
    first = client.post(NOTIFICATION_PATH, json=body, headers=AUTH).json()["event_ids"]
    again = client.post(NOTIFICATION_PATH, json=body, headers=AUTH).json()["event_ids"]
    changed = client.post(NOTIFICATION_PATH, json=notification("inbox/city-a/flows/a.csv", etag="v2"), headers=AUTH)
    assert first == again
    assert changed.json()["event_ids"] != first
    assert [str(event.event_id) for event in sink.events] == [*first, *again, *changed.json()["event_ids"]]


def test_event_id_separates_fields() -> None:
    # Without a separator ("ab", "c") and ("a", "bc") would collide.
    assert event_id("b", "inbox/ab", "c") != event_id("b", "inbox/a", "bc")
    assert event_id("b1", "inbox/x", "e") != event_id("b", "1inbox/x", "e")


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (notification("reports/city-a/flows/s1.html"), "outside the inbox"),
        (notification("warehouse/core/flows/data/x.parquet"), "outside the inbox"),
        (notification("inboxes/city-a/flows/a.csv"), "a prefix that only starts like the inbox"),
        (notification("inbox/city-a/flows/a.csv", bucket="other"), "another bucket"),
        (
            notification("inbox/city-a/flows/a.csv", etag=None, size=None, event_name="s3:ObjectRemoved:Delete"),
            "not a write",
        ),
    ],
)
def test_records_the_pipeline_does_not_care_about_are_ignored_with_200(
    client: TestClient, sink: RecordingSink, body: dict[str, Any], why: str
) -> None:
    # 200, not 4xx: MinIO retries a non-2xx answer forever and blocks its queue meanwhile.
    response = client.post(NOTIFICATION_PATH, json=body, headers=AUTH)
    assert (response.status_code, response.json()) == (200, {"emitted": 0, "ignored": 1, "event_ids": []}), why
    assert sink.events == []


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        json.dumps({"EventName": "s3:ObjectCreated:Put", "Key": "junkan/inbox/a"}).encode(),
        json.dumps({**notification("inbox/city-a/flows/a.csv"), "Records": []}).encode(),
        json.dumps(notification("inbox/city-a/flows/a.csv", etag=None)).encode(),
        json.dumps(notification("inbox/city-a/flows/a.csv", size=None)).encode(),
        json.dumps(notification("inbox/city-a/flows/a.csv", size=-1)).encode(),
        json.dumps([notification("inbox/city-a/flows/a.csv")]).encode(),
    ],
    ids=["not-json", "no-records", "empty-records", "no-etag", "no-size", "negative-size", "a-list"],
)
def test_bodies_not_shaped_like_a_minio_notification_are_400(
    client: TestClient, sink: RecordingSink, body: bytes
) -> None:
    response = client.post(NOTIFICATION_PATH, content=body, headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("not a MinIO bucket notification")
    assert sink.events == []


def test_oversized_body_is_413(client: TestClient, sink: RecordingSink) -> None:
    body = notification("inbox/city-a/flows/a.csv")
    body["padding"] = "x" * MAX_BODY_BYTES
    response = client.post(NOTIFICATION_PATH, json=body, headers=AUTH)
    assert response.status_code == 413
    assert sink.events == []


def test_prefect_unavailable_is_503_so_minio_keeps_the_event(client: TestClient, sink: RecordingSink) -> None:
    sink.fail = True
    response = client.post(NOTIFICATION_PATH, json=notification("inbox/city-a/flows/a.csv"), headers=AUTH)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "3"


def test_short_token_refuses_to_start() -> None:
    with pytest.raises(ValueError, match="JUNKAN_EVENTS_TOKEN"):
        create_app(Settings(events_token=SecretStr("short")), sink=RecordingSink())


def test_event_json_is_a_valid_prefect_event() -> None:
    from prefect.events import Event

    received = SubmissionReceived(
        bucket="junkan",
        key="inbox/city-a/flows/a.csv",
        etag="abc",
        size=10,
        minio_event="s3:ObjectCreated:Put",
        minio_event_time="2025-05-01T03:04:00.123Z",
        received_at=NOW,
    )
    event = Event.model_validate(received.to_prefect())
    assert event.id == event_id("junkan", "inbox/city-a/flows/a.csv", "abc")
    assert event.event == "junkan.submission.received"
    assert event.resource.id == "junkan.object.junkan/inbox/city-a/flows/a.csv"
    assert event.occurred == NOW
    assert event.payload == {
        "bucket": "junkan",
        "key": "inbox/city-a/flows/a.csv",
        "etag": "abc",
        "size": 10,
        "minio_event": "s3:ObjectCreated:Put",
        "minio_event_time": "2025-05-01T03:04:00.123Z",
    }


def _received(key: str) -> SubmissionReceived:
    return SubmissionReceived(BUCKET, key, "e1", 1, "s3:ObjectCreated:Put", None, NOW)


def test_prefect_api_sink_posts_the_events_and_needs_2xx() -> None:
    requests: list[httpx.Request] = []
    status = {"code": 204}

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(status["code"], text="" if status["code"] == 204 else "database is locked")

    async def scenario() -> None:
        sink = PrefectApiSink("http://prefect.test/api/", transport=httpx.MockTransport(handler))
        await sink.emit([_received("inbox/city-a/flows/a.csv")])
        status["code"] = 500
        with pytest.raises(EmitFailed, match="answered 500: database is locked"):
            await sink.emit([_received("inbox/city-a/flows/b.csv")])
        await sink.aclose()

    asyncio.run(scenario())
    assert [str(request.url) for request in requests] == ["http://prefect.test/api/events"] * 2
    sent = json.loads(requests[0].content)
    assert [event["payload"]["key"] for event in sent] == ["inbox/city-a/flows/a.csv"]
    assert sent[0]["id"] == str(event_id(BUCKET, "inbox/city-a/flows/a.csv", "e1"))


def test_prefect_api_sink_unreachable_is_emit_failed() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async def scenario() -> None:
        sink = PrefectApiSink("http://127.0.0.1:9/api", transport=httpx.MockTransport(refuse))
        with pytest.raises(EmitFailed, match="unreachable"):
            await sink.emit([_received("inbox/city-a/flows/a.csv")])
        await sink.aclose()

    asyncio.run(scenario())
