"""The resource factory: storage, ledger and warehouse for one environment, built when asked, never at import.

The warehouse (pyiceberg, about a second to import and check the tables) is opened on first use, so a command
that never reads or writes a table, such as `junkan members add` or `junkan validate`, never pays for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from urllib.request import url2pathname

import sqlalchemy as sa

from infra.ledger import Ledger
from infra.settings import Settings
from infra.storage import Storage
from infra.storage.local import LocalStorage

if TYPE_CHECKING:
    from infra.warehouse import Warehouse


@dataclass(frozen=True)
class Resources:
    """Everything a flow touches outside its own memory; the warehouse is opened by `open_warehouse` on first use."""

    storage: Storage
    ledger: Ledger
    settings: Settings
    open_warehouse: Callable[[], Warehouse] = field(repr=False)
    _opened: list[Warehouse] = field(default_factory=list, init=False, repr=False, compare=False)
    _opening: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    @property
    def warehouse(self) -> Warehouse:
        """The Iceberg warehouse, opened (and its tables ensured) by the first caller, shared by threads after."""
        with self._opening:
            if not self._opened:
                self._opened.append(self.open_warehouse())
            return self._opened[0]

    def close(self) -> None:
        """Release database connections (the warehouse's only if it was opened)."""
        self.ledger.close()
        with self._opening:
            for warehouse in self._opened:
                warehouse.close()


def build_resources(settings: Settings, *, ensure_tables: bool = True) -> Resources:
    """Build storage (local folder or S3), the ledger and the warehouse from settings.

    With `ensure_tables`, missing Iceberg namespaces and tables are created when the warehouse is first used,
    so a fresh home just works.
    """
    storage_url = settings.resolved_storage_url
    scheme = urlsplit(storage_url).scheme
    if scheme == "file" or _is_sqlite(settings.resolved_database_url) or _is_sqlite(settings.resolved_catalog_url):
        settings.resolved_home.mkdir(parents=True, exist_ok=True)
    storage: Storage
    properties: dict[str, str] = {}
    if scheme == "file":
        storage = LocalStorage(_file_url_path(storage_url))
    elif scheme == "s3":
        storage, properties = _s3(storage_url, settings)
    else:
        msg = f"storage URL {storage_url!r} must start with file:// or s3:// (set JUNKAN_STORAGE_URL)"
        raise ValueError(msg)
    ledger = Ledger.connect(settings.resolved_database_url)
    opener = partial(
        _open_warehouse,
        catalog_url=settings.resolved_catalog_url,
        warehouse_uri=storage.warehouse_uri,
        properties=properties,
        ensure_tables=ensure_tables,
    )
    return Resources(storage=storage, ledger=ledger, settings=settings, open_warehouse=opener)


def _open_warehouse(
    *, catalog_url: str, warehouse_uri: str, properties: dict[str, str], ensure_tables: bool
) -> Warehouse:
    """Open the Iceberg catalog; with `ensure_tables`, create missing namespaces and tables first.

    Existing tables are not loaded here: each is loaded, and its schema checked, when the command first uses it
    (loading all 48 took about a second of every command, most of a one-row submit's tables untouched).
    """
    from infra.warehouse import Warehouse  # pyiceberg: only for commands that read or write tables

    return Warehouse.open(
        catalog_url=catalog_url, warehouse_uri=warehouse_uri, properties=properties, create_missing=ensure_tables
    )


def _is_sqlite(url: str) -> bool:
    return sa.make_url(url).get_backend_name() == "sqlite"


def _file_url_path(url: str) -> Path:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        msg = f"storage URL {url!r} names a remote host; use file:///absolute/path"
        raise ValueError(msg)
    return Path(url2pathname(parts.path))


def _s3(url: str, settings: Settings) -> tuple[Storage, dict[str, str]]:
    """S3Storage for s3://bucket and the matching pyiceberg FileIO properties."""
    from infra.storage.s3 import S3Storage  # only when S3 is used: local runs never load minio

    parts = urlsplit(url)
    bucket = parts.netloc
    if not bucket or parts.path.strip("/"):
        msg = f"storage URL {url!r} must be s3://<bucket> (no path after the bucket)"
        raise ValueError(msg)
    endpoint, secure = settings.s3_endpoint, settings.s3_secure
    if "://" in endpoint:  # tolerate http(s)://host:port in JUNKAN_S3_ENDPOINT
        endpoint_parts = urlsplit(endpoint)
        endpoint, secure = endpoint_parts.netloc, endpoint_parts.scheme == "https"
    access_key = settings.s3_access_key.get_secret_value()
    secret_key = settings.s3_secret_key.get_secret_value()
    storage = S3Storage(
        bucket,
        endpoint=endpoint,
        access_key=access_key,
        secret_key=secret_key,
        region=settings.s3_region,
        secure=secure,
    )
    storage.ensure_bucket()  # pyiceberg writes into the bucket but never creates it
    return storage, storage.fileio_properties()
