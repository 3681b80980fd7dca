"""The upload-event receiver accepts only MinIO, with the shared token, in MinIO's shape; nothing else emits."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from pydantic import SecretStr

with warnings.catch_warnings():
    # Starlette's TestClient prefers `httpx2`, which this project does not install; it works on `httpx`.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient

from infra.events import MAX_BODY_BYTES, NOTIFICATION_PATH, SubmissionReceived, create_app
from infra.settings import Settings

TOKEN = "shared-token-for-security-tests-0123"


class Sink:
    def __init__(self) -> None:
        self.events: list[SubmissionReceived] = []

    async def emit(self, events: Sequence[SubmissionReceived]) -> None:
        self.events += events

    async def aclose(self) -> None:
        return None


def minio_notification(key: str = "inbox/city-a/flows/a.csv") -> dict[str, Any]:
    record = {
        "eventName": "s3:ObjectCreated:Put",
        "s3": {"bucket": {"name": "junkan"}, "object": {"key": key, "eTag": "abc", "size": 3}},
    }
    return {"EventName": "s3:ObjectCreated:Put", "Key": f"junkan/{key}", "Records": [record]}


@pytest.fixture
def sink() -> Sink:
    return Sink()


@pytest.fixture
def client(sink: Sink) -> Iterator[TestClient]:
    app = create_app(Settings(events_token=SecretStr(TOKEN)), bucket="junkan", sink=sink)
    with TestClient(app) as test_client:
        yield test_client


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer ", f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}0", f"bearer{TOKEN}", f"Token {TOKEN}", TOKEN],
)
def test_no_event_without_the_exact_token(client: TestClient, sink: Sink, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = client.post(NOTIFICATION_PATH, json=minio_notification(), headers=headers)
    assert response.status_code == 401
    assert TOKEN not in response.text
    assert sink.events == []


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        json.dumps({"Records": []}).encode(),
        json.dumps({**minio_notification(), "Records": [{"eventName": "s3:ObjectCreated:Put"}]}).encode(),
        json.dumps({**minio_notification(), "Records": [{"s3": {}}]}).encode(),
        json.dumps(  # a created object without eTag/size is not something MinIO sends
            {
                **minio_notification(),
                "Records": [
                    {"eventName": "s3:ObjectCreated:Put", "s3": {"bucket": {"name": "junkan"}, "object": {"key": "k"}}}
                ],
            }
        ).encode(),
    ],
    ids=["empty", "not-json", "list", "no-records", "no-s3", "empty-s3", "no-etag"],
)
def test_requests_not_in_minio_shape_are_refused(client: TestClient, sink: Sink, body: bytes) -> None:
    response = client.post(
        NOTIFICATION_PATH,
        content=body,
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert sink.events == []


def test_an_oversized_body_is_refused_unread(client: TestClient, sink: Sink) -> None:
    body = b"{" + b" " * MAX_BODY_BYTES + b"}"
    response = client.post(NOTIFICATION_PATH, content=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 413
    assert sink.events == []


def test_the_right_token_and_shape_emit_exactly_one_event(client: TestClient, sink: Sink) -> None:
    response = client.post(NOTIFICATION_PATH, json=minio_notification(), headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert [event.key for event in sink.events] == ["inbox/city-a/flows/a.csv"]


def test_a_weak_or_missing_token_refuses_to_start() -> None:
    for weak in ("", "short"):
        with pytest.raises(ValueError, match="JUNKAN_EVENTS_TOKEN"):
            create_app(Settings(events_token=SecretStr(weak)), sink=Sink())
