"""Storage on the local file system: the default for laptops, tests and CI."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from infra.storage import WAREHOUSE, ObjectInfo
from infra.storage.keys import check_key, check_prefix

logger = logging.getLogger(__name__)

CHUNK_BYTES = 1024 * 1024
# Partly written objects are hidden files with this prefix, next to their final place.
TEMP_PREFIX = ".junkan-partial-"


class LocalStorage:
    """Objects as files under a root folder; writes are atomic (temp file, then os.replace)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).expanduser().resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        # md5 of files this process has hashed, by (size, mtime), so listings do not re-read them.
        self._etags: dict[Path, tuple[int, int, str]] = {}

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    @property
    def url(self) -> str:
        """Where this storage is, for humans."""
        return self.root.as_uri()

    @property
    def warehouse_uri(self) -> str:
        """Location pyiceberg writes table data to."""
        return (self.root / WAREHOUSE).as_uri()

    def path(self, key: str) -> Path:
        """The file behind a key, refusing any key that would resolve outside the root."""
        check_key(key)
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            msg = f"storage key {key!r} resolves to {path}, outside the storage root {self.root}"
            raise ValueError(msg)
        return path

    def put_file(self, key: str, path: Path, *, content_type: str = "application/octet-stream") -> ObjectInfo:
        """Copy a local file in, streaming it."""
        with Path(path).open("rb") as source:
            return self._write(key, source)

    def put_bytes(self, key: str, data: bytes, *, content_type: str = "application/octet-stream") -> ObjectInfo:
        """Store small content such as a report."""
        target = self.path(key)
        digest = hashlib.md5(data, usedforsecurity=False)
        with self._atomic(target) as handle:
            handle.write(data)
        return self._info(key, target, etag=digest.hexdigest())

    def open(self, key: str) -> BinaryIO:
        """Open an object for streaming reads; the caller closes it."""
        path = self.path(key)
        if not path.is_file():
            raise FileNotFoundError(f"no object {key!r} in {self.url}")
        return path.open("rb")

    def download(self, key: str, path: Path) -> None:
        """Copy an object to a local file, streaming it; the target appears whole or not at all."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with self.open(key) as source, _AtomicFile(target) as handle:
            shutil.copyfileobj(source, handle, CHUNK_BYTES)

    def get_bytes(self, key: str) -> bytes:
        """Read a small object whole."""
        with self.open(key) as handle:
            return handle.read()

    def stat(self, key: str) -> ObjectInfo | None:
        """Describe an object, or None when it does not exist."""
        path = self.path(key)
        if not path.is_file():
            return None
        status = path.stat()
        cached = self._etags.get(path)
        if cached is None or cached[:2] != (status.st_size, status.st_mtime_ns):
            return self._info(key, path, etag=_md5_file(path))
        return self._info(key, path, etag=cached[2])

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        """All objects under a prefix, recursively, in key order; partly written files are skipped."""
        check_prefix(prefix)
        # Walk only the deepest folder the prefix names, not the whole root.
        start = self.root / prefix.rpartition("/")[0] if "/" in prefix else self.root
        keys: list[str] = []
        for directory, _, files in os.walk(start):
            for name in files:
                if name.startswith(TEMP_PREFIX):
                    continue
                key = (Path(directory) / name).relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    keys.append(key)
        for key in sorted(keys):
            try:
                check_key(key)
            except ValueError:
                # A file someone put here under an unsafe name: listed as it is, so the caller refuses and
                # records it; nothing reads it through this storage.
                path = self.root / key
                stat = path.lstat()
                modified = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
                yield ObjectInfo(key=key, size=stat.st_size, etag="", last_modified=modified)
                continue
            try:
                info = self.stat(key)
            except ValueError:
                logger.warning("skipping %s: it is a link that leads outside %s", key, self.root)
                continue
            if info is not None:  # deleted between the walk and now
                yield info

    def delete(self, key: str) -> None:
        """Remove an object; removing a missing one is not an error."""
        self.path(key).unlink(missing_ok=True)

    def uri(self, key: str) -> str:
        """A file:// URI a person or tool can open."""
        return self.path(key).as_uri()

    def _write(self, key: str, source: BinaryIO) -> ObjectInfo:
        target = self.path(key)
        digest = hashlib.md5(usedforsecurity=False)
        with self._atomic(target) as handle:
            while chunk := source.read(CHUNK_BYTES):
                digest.update(chunk)
                handle.write(chunk)
        return self._info(key, target, etag=digest.hexdigest())

    def _atomic(self, target: Path) -> _AtomicFile:
        if target.is_dir():
            msg = f"cannot write object {target.relative_to(self.root).as_posix()!r}: a folder of that name exists"
            raise IsADirectoryError(msg)
        target.parent.mkdir(parents=True, exist_ok=True)
        return _AtomicFile(target)

    def _info(self, key: str, path: Path, *, etag: str) -> ObjectInfo:
        status = path.stat()
        self._etags[path] = (status.st_size, status.st_mtime_ns, etag)
        return ObjectInfo(
            key=key,
            size=status.st_size,
            etag=etag,
            last_modified=datetime.fromtimestamp(status.st_mtime, tz=UTC),
        )


class _AtomicFile:
    """A temp file in the target's folder that replaces the target on success and vanishes on failure."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self._handle: BinaryIO | None = None
        self._temp: Path | None = None

    def __enter__(self) -> BinaryIO:
        descriptor, name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=self.target.parent)
        self._temp = Path(name)
        self._handle = os.fdopen(descriptor, "wb")
        return self._handle

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        assert self._handle is not None
        assert self._temp is not None
        try:
            if exc_type is None:
                self._handle.flush()
                os.fsync(self._handle.fileno())
            self._handle.close()
            if exc_type is None:
                self._temp.chmod(0o644)
                self._temp.replace(self.target)  # atomic within one folder, like os.replace
        finally:
            self._temp.unlink(missing_ok=True)


def _md5_file(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()
