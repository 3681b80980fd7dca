"""The upload-event receiver: MinIO's bucket-notification webhook in, Prefect events out.

MinIO POSTs one notification per object write to `POST /minio/events` with `Authorization: Bearer <token>`.
Each record of an object under `inbox/` becomes a Prefect event `junkan.submission.received`, sent with
`POST <PREFECT_API_URL>/events`: unlike the fire-and-forget `prefect.events.emit_event`, that call is
acknowledged, so the receiver answers 2xx only once Prefect has the event. When Prefect is unreachable the
receiver answers 503 and MinIO keeps the notification in its queue directory and retries every few seconds:
nothing is lost while either side restarts. The event id is a uuid5 of (bucket, key, eTag), so a redelivered
notification is the same event and Prefect's trigger service counts it once. Ingesting is the flow's job:
the receiver returns as soon as the event is accepted.

MinIO retries any non-2xx answer forever and sends nothing else meanwhile, so everything the receiver merely
does not care about (other buckets, keys outside `inbox/`, non-create events) is answered 200 and ignored;
400/401/413 are kept for requests that cannot come from a correctly configured MinIO.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import unquote_plus

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from infra.settings import Settings
from infra.storage import INBOX

logger = logging.getLogger(__name__)

SUBMISSION_RECEIVED = "junkan.submission.received"
RESOURCE_PREFIX = "junkan.object."
NOTIFICATION_PATH = "/minio/events"
HEALTH_PATH = "/health"
MAX_BODY_BYTES = 256 * 1024  # one MinIO notification is ~2 KiB; the bound keeps a hostile client cheap
MAX_RECORDS = 100
RETRY_AFTER_SECONDS = 3  # MinIO's own replay interval
# Namespace of event ids; fixed forever so a redelivery years later still maps to the same id.
EVENT_NAMESPACE = uuid.UUID("6f1c0b52-6a2e-5d0e-9a8e-6a756e6b616e")


# --- MinIO's notification shape (extra fields ignored: MinIO adds some in new releases) ----------------


class _Shape(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class S3Bucket(_Shape):
    """The bucket of a record."""

    name: str = Field(min_length=1, max_length=255)


class S3Object(_Shape):
    """The object of a record; `key` is URL-encoded as in S3 event records."""

    key: str = Field(min_length=1, max_length=4096)
    size: int | None = Field(default=None, ge=0)
    eTag: str | None = Field(default=None, max_length=256)  # noqa: N815 (MinIO's field name)
    sequencer: str | None = None


class S3Entity(_Shape):
    """The `s3` part of a record."""

    bucket: S3Bucket
    object: S3Object


class S3Record(_Shape):
    """One record of a notification."""

    eventName: str = Field(min_length=1)  # noqa: N815 (MinIO's field name)
    eventTime: str | None = None  # noqa: N815 (MinIO's field name)
    s3: S3Entity

    @model_validator(mode="after")
    def _created_objects_have_etag_and_size(self) -> S3Record:
        if self.is_created and (self.s3.object.eTag is None or self.s3.object.size is None):
            msg = f"record {self.eventName} for {self.s3.object.key!r} lacks s3.object.eTag or s3.object.size"
            raise ValueError(msg)
        return self

    @property
    def is_created(self) -> bool:
        """Whether this record says an object was written."""
        return self.eventName.startswith("s3:ObjectCreated:")


class Notification(_Shape):
    """A MinIO webhook notification (`event.Log` in MinIO's source)."""

    EventName: str = Field(min_length=1)
    Key: str = Field(min_length=1)
    Records: list[S3Record] = Field(min_length=1, max_length=MAX_RECORDS)


# --- events ----------------------------------------------------------------------------------------


def event_id(bucket: str, key: str, etag: str) -> uuid.UUID:
    """The event id of an object version: the same (bucket, key, eTag) always gives the same id.

    Examples:
        >>> key = "inbox/city-a/flows/a.csv"
        >>> event_id("junkan", key, "abc") == event_id("junkan", key, "abc")
        True
        >>> event_id("junkan", key, "abc") == event_id("junkan", key, "abd")
        False

    """
    # NUL cannot occur in a bucket name, key or eTag, so distinct triples never join to the same string.
    return uuid.uuid5(EVENT_NAMESPACE, f"{bucket}\0{key}\0{etag}")


@dataclass(frozen=True)
class SubmissionReceived:
    """An inbox object was written: what the receiver tells Prefect."""

    bucket: str
    key: str
    etag: str
    size: int
    minio_event: str
    minio_event_time: str | None
    received_at: datetime

    @property
    def event_id(self) -> uuid.UUID:
        """Deterministic id, so a redelivered notification is the same event."""
        return event_id(self.bucket, self.key, self.etag)

    @property
    def resource_id(self) -> str:
        """The Prefect resource this event is about."""
        return f"{RESOURCE_PREFIX}{self.bucket}/{self.key}"

    def to_prefect(self) -> dict[str, Any]:
        """JSON of a Prefect `Event` (prefect.events.Event) as `POST /api/events` accepts it.

        `occurred` is when the receiver got the notification, not MinIO's event time: a notification
        replayed from MinIO's queue must not look "late" to a trigger that has moved on.
        """
        return {
            "id": str(self.event_id),
            "occurred": self.received_at.isoformat(),
            "event": SUBMISSION_RECEIVED,
            "resource": {
                "prefect.resource.id": self.resource_id,
                "prefect.resource.name": self.key,
                "junkan.bucket": self.bucket,
            },
            "related": [],
            "payload": {
                "bucket": self.bucket,
                "key": self.key,
                "etag": self.etag,
                "size": self.size,
                "minio_event": self.minio_event,
                "minio_event_time": self.minio_event_time,
            },
        }


def submissions_in(
    notification: Notification, *, bucket: str | None, received_at: datetime
) -> tuple[list[SubmissionReceived], int]:
    """The inbox writes a notification reports, and how many of its records were ignored."""
    found: list[SubmissionReceived] = []
    ignored = 0
    for record in notification.Records:
        key = unquote_plus(record.s3.object.key)
        name = record.s3.bucket.name
        if not record.is_created or not key.startswith(f"{INBOX}/") or (bucket is not None and name != bucket):
            ignored += 1
            continue
        assert record.s3.object.eTag is not None  # checked by S3Record
        assert record.s3.object.size is not None
        found.append(
            SubmissionReceived(
                bucket=name,
                key=key,
                etag=record.s3.object.eTag.strip('"'),
                size=record.s3.object.size,
                minio_event=record.eventName,
                minio_event_time=record.eventTime,
                received_at=received_at,
            )
        )
    return found, ignored


# --- where events go ---------------------------------------------------------------------------------


class EmitFailed(RuntimeError):
    """Prefect did not accept the events; MinIO should retry later."""


class EventSink(Protocol):
    """Where the receiver sends events."""

    async def emit(self, events: Sequence[SubmissionReceived]) -> None:
        """Deliver the events or raise `EmitFailed`."""

    async def aclose(self) -> None:
        """Release connections."""


class PrefectApiSink:
    """Sends events to a Prefect server's `POST /events` and waits for its 204."""

    def __init__(
        self,
        api_url: str,
        *,
        auth_string: str | None = None,
        timeout_seconds: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._url = api_url.rstrip("/") + "/events"
        auth = httpx.BasicAuth(*auth_string.split(":", 1)) if auth_string and ":" in auth_string else None
        self._client = httpx.AsyncClient(timeout=timeout_seconds, auth=auth, transport=transport)

    def __repr__(self) -> str:
        return f"PrefectApiSink({self._url!r})"

    async def emit(self, events: Sequence[SubmissionReceived]) -> None:
        """POST the events; raise `EmitFailed` unless Prefect answers 2xx."""
        try:
            response = await self._client.post(self._url, json=[event.to_prefect() for event in events])
        except httpx.HTTPError as error:
            raise EmitFailed(f"Prefect API {self._url} unreachable: {error!r}") from error
        if not response.is_success:
            raise EmitFailed(f"Prefect API {self._url} answered {response.status_code}: {response.text[:500]}")

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.aclose()


def default_sink(settings: Settings) -> PrefectApiSink:
    """The Prefect server from JUNKAN_PREFECT_API_URL or PREFECT_API_URL."""
    import os

    api_url = settings.prefect_api_url or os.environ.get("PREFECT_API_URL")
    if not api_url:
        msg = "no Prefect server: set JUNKAN_PREFECT_API_URL (e.g. $(infra/devservers/scripts/prefect.sh url))"
        raise ValueError(msg)
    return PrefectApiSink(api_url, auth_string=os.environ.get("PREFECT_API_AUTH_STRING"))


# --- the app ---------------------------------------------------------------------------------------


def _authorized(header: str | None, token: bytes) -> bool:
    scheme, _, presented = (header or "").partition(" ")
    # compare_digest on the full token, never a prefix; a wrong scheme still costs one comparison.
    matches = hmac.compare_digest(presented.strip().encode("utf-8"), token)
    return scheme.lower() == "bearer" and matches


async def _read_bounded(request: Request) -> bytes | None:
    """The request body, or None when it is larger than MAX_BODY_BYTES."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return None
    return bytes(body)


def _error(status: int, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers or None)


def create_app(
    settings: Settings,
    *,
    bucket: str | None = None,
    sink: EventSink | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Starlette:
    """The receiver: `POST /minio/events` (MinIO webhook) and `GET /health`.

    `bucket` restricts events to the pipeline's bucket (None: any bucket); `sink` defaults to the Prefect
    server of the settings and is created when the app starts.
    """
    token = settings.events_token.get_secret_value()
    if len(token) < 16:
        msg = "JUNKAN_EVENTS_TOKEN must be set to a random token of at least 16 characters (MinIO sends it)"
        raise ValueError(msg)
    token_bytes = token.encode("utf-8")
    state: dict[str, EventSink] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        state["sink"] = sink if sink is not None else default_sink(settings)
        try:
            yield
        finally:
            await state["sink"].aclose()

    async def receive(request: Request) -> Response:
        if not _authorized(request.headers.get("authorization"), token_bytes):
            return _error(401, "missing or wrong bearer token", **{"WWW-Authenticate": "Bearer"})
        body = await _read_bounded(request)
        if body is None:
            return _error(413, f"body larger than {MAX_BODY_BYTES} bytes")
        try:
            notification = Notification.model_validate_json(body)
        except ValidationError as error:
            details = json.dumps(error.errors(include_url=False, include_input=False), default=str)
            return _error(400, f"not a MinIO bucket notification: {details}")
        events, ignored = submissions_in(notification, bucket=bucket, received_at=clock())
        if events:
            try:
                await state["sink"].emit(events)
            except EmitFailed as failure:
                logger.warning("%s; MinIO will retry %s", failure, notification.Key)
                return _error(503, "Prefect is unavailable; retry later", **{"Retry-After": str(RETRY_AFTER_SECONDS)})
            for event in events:
                logger.info("emitted %s %s for %s", SUBMISSION_RECEIVED, event.event_id, event.key)
        return JSONResponse(
            {"emitted": len(events), "ignored": ignored, "event_ids": [str(event.event_id) for event in events]}
        )

    async def health(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    routes = [
        Route(NOTIFICATION_PATH, receive, methods=["POST"]),
        Route(HEALTH_PATH, health, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
