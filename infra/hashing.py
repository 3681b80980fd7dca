"""Content hashes: the one SHA-256 helper, streamed in blocks so memory does not follow file size."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

HASH_CHUNK_BYTES = 1 << 20


def sha256_stream(stream: BinaryIO) -> tuple[str, int]:
    """SHA-256 hex digest and byte count of what is left in a binary stream.

    >>> import io
    >>> sha256_stream(io.BytesIO(b"abc"))
    ('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 3)
    """
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(HASH_CHUNK_BYTES):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def sha256_copy(stream: BinaryIO, path: Path) -> tuple[str, int]:
    """Copy a stream into a local file, hashing the bytes as they pass: one read for both.

    >>> import io, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     sha256_copy(io.BytesIO(b"abc"), Path(folder) / "copy")[1]
    3
    """
    digest = hashlib.sha256()
    size = 0
    with path.open("wb") as out:
        while chunk := stream.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def sha256_file(path: Path) -> tuple[str, int]:
    """SHA-256 hex digest and size of a local file."""
    with path.open("rb") as stream:
        return sha256_stream(stream)
