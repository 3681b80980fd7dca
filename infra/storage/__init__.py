"""Storage behind one Protocol: the local filesystem by default, S3/MinIO in production.

Keys are POSIX-style relative paths under fixed areas: `inbox/<member_id>/<dataset>/<file>`,
`quarantine/...`, `reports/...`, `warehouse/...` (Iceberg data, written through pyiceberg's FileIO).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

INBOX = "inbox"
QUARANTINE = "quarantine"
REPORTS = "reports"
WAREHOUSE = "warehouse"
AREAS = (INBOX, QUARANTINE, REPORTS, WAREHOUSE)


@dataclass(frozen=True)
class ObjectInfo:
    """What storage knows about one object."""

    key: str
    size: int
    etag: str
    last_modified: datetime


@runtime_checkable
class Storage(Protocol):
    """Object storage as junkan uses it; implemented for a local folder and for S3 (MinIO)."""

    @property
    def url(self) -> str:
        """Where this storage is, for humans (file:///… or s3://bucket)."""
        ...

    @property
    def warehouse_uri(self) -> str:
        """Location pyiceberg writes table data to (file:///…/warehouse or s3://bucket/warehouse)."""
        ...

    def put_file(self, key: str, path: Path, *, content_type: str = "application/octet-stream") -> ObjectInfo:
        """Upload a local file, streaming it."""
        ...

    def put_bytes(self, key: str, data: bytes, *, content_type: str = "application/octet-stream") -> ObjectInfo:
        """Store small content such as a report."""
        ...

    def open(self, key: str) -> BinaryIO:
        """Open an object for streaming reads; the caller closes it."""
        ...

    def download(self, key: str, path: Path) -> None:
        """Copy an object to a local file, streaming it."""
        ...

    def get_bytes(self, key: str) -> bytes:
        """Read a small object whole (reports, JSON)."""
        ...

    def stat(self, key: str) -> ObjectInfo | None:
        """Describe an object, or None when it does not exist."""
        ...

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        """All objects under a prefix, recursively, in key order."""
        ...

    def delete(self, key: str) -> None:
        """Remove an object; removing a missing one is not an error."""
        ...

    def uri(self, key: str) -> str:
        """A URI for the object that a person or tool can open."""
        ...
