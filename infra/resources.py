"""The resource factory: storage, ledger and warehouse for one environment, built when asked, never at import."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import sqlalchemy as sa

from infra.ledger import Ledger
from infra.settings import Settings
from infra.storage import Storage
from infra.storage_local import LocalStorage
from infra.warehouse import Warehouse


@dataclass(frozen=True)
class Resources:
    """Everything a flow touches outside its own memory."""

    storage: Storage
    ledger: Ledger
    warehouse: Warehouse
    settings: Settings

    def close(self) -> None:
        """Release database connections."""
        self.ledger.close()
        self.warehouse.close()


def build_resources(settings: Settings, *, ensure_tables: bool = True) -> Resources:
    """Build storage (local folder or S3), the ledger and the warehouse from settings.

    With `ensure_tables`, missing Iceberg namespaces and tables are created, so a fresh home just works.
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
    warehouse = Warehouse.open(
        catalog_url=settings.resolved_catalog_url, warehouse_uri=storage.warehouse_uri, properties=properties
    )
    if ensure_tables:
        warehouse.ensure_tables()
    return Resources(storage=storage, ledger=ledger, warehouse=warehouse, settings=settings)


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
    from infra.storage_s3 import S3Storage  # only when S3 is used: local runs never load minio

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
