"""Storage on S3 (MinIO in development and CI) through the `minio` client, streaming both ways.

Keys are checked with `infra.storage.keys.check_key` before any request. Credentials live only inside the client
(and a private `SecretStr` for pyiceberg's FileIO): they never reach `repr`, logs or error messages.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from minio import Minio
from minio.error import S3Error
from pydantic import SecretStr

from infra.storage import WAREHOUSE, ObjectInfo
from infra.storage.keys import check_key, check_prefix

logger = logging.getLogger(__name__)

# Multipart uploads read one part at a time into memory: 8 MiB parts, one in flight, bound memory per upload.
PART_SIZE = 8 * 1024 * 1024
# Reads from `open()` are buffered in chunks of this size.
READ_BUFFER_SIZE = 1024 * 1024

_MISSING_OBJECT_CODES = frozenset({"NoSuchKey", "NoSuchObject"})
_BUCKET_EXISTS_CODES = frozenset({"BucketAlreadyOwnedByYou", "BucketAlreadyExists"})


class _ResponseReader(io.RawIOBase):
    """Raw stream over an HTTP response that returns its connection to the pool when closed."""

    def __init__(self, response: Any) -> None:
        self._response = response

    def readable(self) -> bool:
        """Always readable."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Read straight from the socket into the caller's buffer."""
        return int(self._response.readinto(buffer))

    def close(self) -> None:
        """Close the response and release its connection (the `get_object` contract)."""
        if not self.closed:
            try:
                self._response.close()
                self._response.release_conn()
            finally:
                super().close()


class S3Storage:
    """Objects in one S3 bucket; the bucket is created on first use."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint: str,
        access_key: str,
        secret_key: str,
        region: str = "us-east-1",
        secure: bool = False,
    ) -> None:
        self._bucket = bucket
        self._endpoint = endpoint
        self._region = region
        self._secure = secure
        self._access_key = SecretStr(access_key)
        self._secret_key = SecretStr(secret_key)
        self._client = Minio(endpoint, access_key=access_key, secret_key=secret_key, region=region, secure=secure)
        self._bucket_ready = False

    def __repr__(self) -> str:
        scheme = "https" if self._secure else "http"
        return f"S3Storage(bucket={self._bucket!r}, endpoint='{scheme}://{self._endpoint}', region={self._region!r})"

    __str__ = __repr__

    @property
    def bucket(self) -> str:
        """The bucket's name."""
        return self._bucket

    @property
    def url(self) -> str:
        """Where this storage is, for humans."""
        return f"s3://{self._bucket}"

    @property
    def warehouse_uri(self) -> str:
        """Location pyiceberg writes table data to."""
        return f"s3://{self._bucket}/{WAREHOUSE}"

    def fileio_properties(self) -> dict[str, str]:
        """FileIO properties for pyiceberg on this server; they carry the secret, so pass them and never log them."""
        scheme = "https" if self._secure else "http"
        return {
            "s3.endpoint": f"{scheme}://{self._endpoint}",
            "s3.access-key-id": self._access_key.get_secret_value(),
            "s3.secret-access-key": self._secret_key.get_secret_value(),
            "s3.region": self._region,
            "s3.path-style-access": "true",
        }

    def uri(self, key: str) -> str:
        """`s3://bucket/key`."""
        return f"s3://{self._bucket}/{check_key(key)}"

    def put_file(self, key: str, path: Path, *, content_type: str = "application/octet-stream") -> ObjectInfo:
        """Upload a local file part by part (multipart above PART_SIZE), never holding it whole in memory."""
        key = check_key(key)
        self.ensure_bucket()
        self._client.fput_object(
            self._bucket, key, str(path), content_type=content_type, part_size=PART_SIZE, num_parallel_uploads=1
        )
        logger.debug("uploaded %s to %s", path, self.uri(key))
        return self._stat_existing(key)

    def put_bytes(self, key: str, data: bytes, *, content_type: str = "application/octet-stream") -> ObjectInfo:
        """Store small content such as a report."""
        key = check_key(key)
        self.ensure_bucket()
        self._client.put_object(
            self._bucket, key, io.BytesIO(data), len(data), content_type=content_type, part_size=PART_SIZE
        )
        logger.debug("stored %d bytes at %s", len(data), self.uri(key))
        return self._stat_existing(key)

    def open(self, key: str) -> BinaryIO:
        """Stream an object; closing the stream (use `with`) closes the response and releases its connection."""
        key = check_key(key)
        self.ensure_bucket()
        try:
            response = self._client.get_object(self._bucket, key)
        except S3Error as error:
            self._raise_if_missing(error, key)
            raise
        return io.BufferedReader(_ResponseReader(response), buffer_size=READ_BUFFER_SIZE)

    def download(self, key: str, path: Path) -> None:
        """Copy an object to a local file in 1 MiB chunks through a temporary file, renamed when complete."""
        key = check_key(key)
        self.ensure_bucket()
        try:
            self._client.fget_object(self._bucket, key, str(path))
        except S3Error as error:
            self._raise_if_missing(error, key)
            raise

    def get_bytes(self, key: str) -> bytes:
        """Read a small object whole (reports, JSON)."""
        with self.open(key) as stream:
            return stream.read()

    def stat(self, key: str) -> ObjectInfo | None:
        """Describe an object, or None when it does not exist."""
        key = check_key(key)
        self.ensure_bucket()
        try:
            found = self._client.stat_object(self._bucket, key)
        except S3Error as error:
            if error.code in _MISSING_OBJECT_CODES:
                return None
            raise
        return _object_info(key, found.size, found.etag, found.last_modified)

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        """All objects whose key starts with `prefix` (`""` for all), recursively, in key order.

        S3 lists keys in UTF-8 byte order, which is Python's `str` order, so results stream without sorting.
        """
        check_prefix(prefix)
        self.ensure_bucket()
        for found in self._client.list_objects(self._bucket, prefix=prefix or None, recursive=True):
            if found.is_dir or found.object_name is None:
                continue
            yield _object_info(found.object_name, found.size, found.etag, found.last_modified)

    def delete(self, key: str) -> None:
        """Remove an object; removing a missing one is not an error (S3 answers 204 either way)."""
        key = check_key(key)
        self.ensure_bucket()
        self._client.remove_object(self._bucket, key)

    def ensure_bucket(self) -> None:
        """Create the bucket unless it exists; call it before pyiceberg writes, which never creates buckets."""
        if self._bucket_ready:
            return
        if not self._client.bucket_exists(self._bucket):
            try:
                self._client.make_bucket(self._bucket)
                logger.info("created bucket %s", self.url)
            except S3Error as error:
                if error.code not in _BUCKET_EXISTS_CODES:
                    raise
        self._bucket_ready = True

    def _stat_existing(self, key: str) -> ObjectInfo:
        """Stat an object that was just written."""
        info = self.stat(key)
        if info is None:
            msg = f"{self.uri(key)} vanished right after it was written; check for a concurrent delete"
            raise RuntimeError(msg)
        return info

    def _raise_if_missing(self, error: S3Error, key: str) -> None:
        """A missing object becomes FileNotFoundError, as with local files."""
        if error.code in _MISSING_OBJECT_CODES:
            msg = f"no object at {self.uri(key)}"
            raise FileNotFoundError(msg) from None


def _object_info(key: str, size: int | None, etag: str | None, last_modified: datetime | None) -> ObjectInfo:
    """ObjectInfo with an unquoted etag and an aware UTC timestamp."""
    modified = last_modified or datetime.fromtimestamp(0, tz=UTC)
    if modified.tzinfo is None:
        modified = modified.replace(tzinfo=UTC)
    return ObjectInfo(key=key, size=size or 0, etag=(etag or "").strip('"'), last_modified=modified)
