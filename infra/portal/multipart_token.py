"""The CSRF token of a multipart form, handed to asgi-csrf as its header, so that uploads are checked too.

asgi-csrf's own multipart reader passes python-multipart a `FileClass` argument that current python-multipart
no longer takes, so an upload would crash it.

This adapter reads a multipart body only up to its first field (the token, first in every form: `csrf_field()`),
puts that value in the `x-csrftoken` header, and replays what it read; asgi-csrf then compares it with the signed
cookie as for any request. A body whose first part is a file, or without the token, gets no header, and is
refused here (403), never passed to asgi-csrf's broken path. Remove this module once asgi-csrf reads multipart
bodies with the current python-multipart again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOKEN_FIELD = b"csrftoken"
TOKEN_HEADER = b"x-csrftoken"
MOST_TOKEN_BYTES = 4096


class _Stop(Exception):  # noqa: N818 - control flow of the parser's callbacks
    def __init__(self, token: bytes | None) -> None:
        super().__init__()
        self.token = token


def _parser(boundary: bytes) -> MultipartParser:
    state: dict[str, Any] = {"field": b"", "value": b"", "headers": {}, "header": b""}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["header"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["headers"][state["header"].lower()] = state["headers"].get(state["header"].lower(), b"") + data[start:end]

    def on_header_end() -> None:
        state["header"] = b""

    def on_headers_finished() -> None:
        _, options = parse_options_header(state["headers"].get(b"content-disposition", b""))
        if b"filename" in options or options.get(b"name") != TOKEN_FIELD:
            raise _Stop(None)  # the first part is not the token: refused

    def on_part_data(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]
        if len(state["value"]) > MOST_TOKEN_BYTES:
            raise _Stop(None)

    def on_part_end() -> None:
        raise _Stop(state["value"])

    return MultipartParser(
        boundary,
        {
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )


class MultipartTokenHeader:
    """ASGI middleware (outside asgi-csrf): a multipart POST's first field becomes its `x-csrftoken` header."""

    def __init__(self, app: ASGIApp, *, refuse: Callable[[Scope, Send], Awaitable[None]]) -> None:
        self.app = app
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on with its form's first field as the token header, or refuse it."""
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"")
        if scope["type"] != "http" or not content_type.startswith(b"multipart/form-data"):
            await self.app(scope, receive, send)
            return
        if b"authorization" in headers and headers[b"authorization"].startswith(b"Bearer "):
            await self.app(scope, receive, send)  # the API: no cookie, no CSRF (asgi-csrf lets Bearer through)
            return
        _, options = parse_options_header(content_type)
        boundary = options.get(b"boundary")
        read: list[Message] = []
        token: bytes | None = None
        if boundary:
            parser = _parser(boundary)
            more = True
            try:
                while more:
                    message = await receive()
                    read.append(message)
                    parser.write(message.get("body", b""))
                    more = message.get("more_body", False)
            except _Stop as stop:
                token = stop.token
            except Exception:  # noqa: BLE001 - a malformed body is refused like a missing token
                token = None
        if not token:
            await self.refuse(scope, send)
            return

        async def replay() -> Message:
            return read.pop(0) if read else await receive()

        kept = [(name, value) for name, value in scope["headers"] if name != TOKEN_HEADER]
        await self.app({**scope, "headers": [*kept, (TOKEN_HEADER, token)]}, replay, send)
